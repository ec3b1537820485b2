/*
 * xnnpack.c: the opinfo plugin of backend "xnnpack": annotation rules, no checks.
 *
 * The annotation is PyTorch's for XNNPACK (facts: pytorch-backend-config.md §1.1, §3.2):
 *
 *   qint8-symmetric              XNNPACKQuantizer's get_symmetric_quantization_config() and the
 *   qint8-symmetric-per-channel  1.13 qnnpack BackendConfig's weighted_op_qint8_symmetric:
 *                                activations int8 per_tensor_affine [-128, 127] with eps 2^-12
 *                                (XNNPACK's requantization scale must stay >= 2^-32, so every
 *                                scale is kept >= 2^-12); weights int8 [-127, 127] symmetric with
 *                                eps 2^-12, per tensor, or per channel along the output-channel
 *                                axis (0; 1 for a transposed conv, whose weight is [in, out, ...])
 *                                when the weight's shape is known; bias float32 (XNNPACKQuantizer
 *                                leaves it unannotated, the 1.13 data keeps it float).
 *   dynamic-int8                 the data's dynamic variant (1.13 default_dynamic_int8): the input
 *                                uint8 [0, 255] computed at run time (qnnpack ignores
 *                                reduce_range), weight as above per tensor, bias and output
 *                                float32. Only the ops that have such a variant (linear, the RNN
 *                                cells) are quantized; every other node stays float32.
 *
 * Outputs: the fixed qparams the data requires (none at int8: XNNPACKQuantizer annotates no
 * fixed-qparams op), else the input's quantization when the data says the op is math-invariant
 * (relu, max pool, flatten, ...), else an activation observer of their own.
 *
 * Built against <opinfo/plugin.h> alone (ABI 1.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opinfo/plugin.h>

#include "../common/torch_annotate.h"
#include "kernels.h"

#define EPS_2_NEG_12 0.000244140625 /* 2^-12 */

/* ---- the configs ---------------------------------------------------------------------------- */

typedef torch_qconfig qconfig;

#define SPEC(dt, qs, lo, hi, e) TORCH_SPEC(dt, qs, lo, hi, -1, e)

static const qconfig configs_table[] = {
    {"qint8-symmetric", "qint8-symmetric", 0, 0,
     SPEC("int8", "per_tensor_affine", -128, 127, EPS_2_NEG_12),
     SPEC("int8", "per_tensor_symmetric", -127, 127, EPS_2_NEG_12), "int8", -128, 127},
    {"qint8-symmetric-per-channel", "qint8-symmetric", 0, 1,
     SPEC("int8", "per_tensor_affine", -128, 127, EPS_2_NEG_12),
     SPEC("int8", "per_tensor_symmetric", -127, 127, EPS_2_NEG_12), "int8", -128, 127},
    {"dynamic-int8", "dynamic-int8", 1, 0, SPEC("uint8", "per_tensor_affine", 0, 255, 0),
     SPEC("int8", "per_tensor_symmetric", -127, 127, EPS_2_NEG_12), NULL, 0, 0},
};

static const char *const plugin_configs[] = {"qint8-symmetric", "qint8-symmetric-per-channel",
                                             "dynamic-int8", NULL};

/* The weight of this node as the config quantizes it (shape: the weight's rank, 0 if unknown). */
static opinfo_plugin_spec weight_spec(const qconfig *cfg, int transposed, size_t rank)
{
    opinfo_plugin_spec s = cfg->weight;
    int axis = transposed ? 1 : 0;
    if (cfg->per_channel && rank > (size_t)axis) {
        s.qscheme = "per_channel_symmetric";
        s.axis = axis;
    }
    return s;
}

/* ---- annotation: the shared engine with this backend's table ---------------------------------- */

static const torch_plugin rules = {"xnnpack", configs_table, sizeof configs_table / sizeof *configs_table,
                                   "qint8-symmetric, qint8-symmetric-per-channel, dynamic-int8", weight_spec};

static int annotate(const opinfo_host_api *api, void *host, const char *config, const char *soc,
                    char *error, size_t error_size)
{
    (void)soc; /* the xnnpack data has no SoCs */
    return torch_annotate(&rules, api, host, config, error, error_size);
}

/* ---- the descriptor ------------------------------------------------------------------------- */

static const char *const backends[] = {"xnnpack", NULL};

static opinfo_plugin descriptor = {
    .abi_major = OPINFO_PLUGIN_ABI_MAJOR,
    .abi_minor = OPINFO_PLUGIN_ABI_MINOR,
    .name = "xnnpack",
    .version = "0.1.0",
    .backends = backends,
    .check = NULL,
    .annotate = annotate,
    .configs = plugin_configs,
};

OPINFO_PLUGIN_DECLARE_ENTRY;
OPINFO_PLUGIN_DECLARE_ENTRY
{
    descriptor.kernels = xnnpack_kernels;
    descriptor.n_kernels = xnnpack_n_kernels;
    descriptor.kernel_signatures = xnnpack_kernel_signatures;
    base->plugin = &descriptor;
    return 0;
}
