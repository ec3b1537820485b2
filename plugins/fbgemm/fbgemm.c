/*
 * fbgemm.c: the opinfo plugin of backend "fbgemm": annotation rules, no checks.
 *
 * The annotation is PyTorch's default qconfig for fbgemm (facts: pytorch-backend-config.md §1.1,
 * §1.2; numerics.md §3.3):
 *
 *   quint8        get_default_qconfig("fbgemm"): activations uint8 per_tensor_affine with
 *                 reduce_range, [0, 127] (HistogramObserver(reduce_range=True): FBGEMM's int8
 *                 kernels accumulate u8 x s8 pairs in int16, the halved range keeps them from
 *                 saturating); weights int8 per_channel_symmetric along axis 0, [-128, 127]
 *                 (default_per_channel_weight_observer), but per_tensor_symmetric for a
 *                 transposed conv (fbgemm has no per-channel transposed conv: the data allows
 *                 only per-tensor qschemes there); bias float32 (weighted_op_int8). Both observers
 *                 keep the default eps, float32's epsilon. Fixed-qparams ops (sigmoid, tanh,
 *                 softmax, hardsigmoid) get the data's fixed values at the full uint8 range
 *                 [0, 255]: their observer is FixedQParamsObserver, not the reduced one.
 *   dynamic-int8  the data's dynamic variant (default_dynamic_int8): the input uint8 [0, 127]
 *                 computed at run time (the dynamic modules call fbgemm with reduce_range=True),
 *                 weight as above, bias and output float32. Only the ops that have such a
 *                 variant (linear, the RNN cells) are quantized; every other node stays float32.
 *
 * Outputs: fixed qparams when the data requires them, else the input's quantization when the
 * data says the op is math-invariant (relu, max pool, flatten, ...), else an activation observer
 * of their own.
 *
 * Built against <opinfo/plugin.h> alone (ABI 1.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opinfo/plugin.h>

#include "../common/torch_annotate.h"
#include "kernels.h"

#define FLT_EPS 1.1920928955078125e-07 /* torch.finfo(torch.float32).eps, observers' default */

/* ---- the configs ---------------------------------------------------------------------------- */

typedef torch_qconfig qconfig;

#define SPEC(dt, qs, lo, hi, ax, e) TORCH_SPEC(dt, qs, lo, hi, ax, e)

static const qconfig configs_table[] = {
    {"quint8", "quint8", 0, 1, SPEC("uint8", "per_tensor_affine", 0, 127, -1, FLT_EPS),
     SPEC("int8", "per_channel_symmetric", -128, 127, 0, FLT_EPS), "uint8", 0, 255},
    {"dynamic-int8", "dynamic-int8", 1, 1, SPEC("uint8", "per_tensor_affine", 0, 127, -1, 0),
     SPEC("int8", "per_channel_symmetric", -128, 127, 0, FLT_EPS), NULL, 0, 0},
};

static const char *const plugin_configs[] = {"quint8", "dynamic-int8", NULL};

/* The weight of this node as the config quantizes it. */
static opinfo_plugin_spec weight_spec(const qconfig *cfg, int transposed, size_t rank)
{
    (void)rank; /* the format needs no shape for a per-channel tensor */
    opinfo_plugin_spec s = cfg->weight;
    if (transposed) {
        s.qscheme = "per_tensor_symmetric";
        s.axis = -1;
    }
    return s;
}

/* ---- annotation: the shared engine with this backend's table ---------------------------------- */

static const torch_plugin rules = {"fbgemm", configs_table, sizeof configs_table / sizeof *configs_table,
                                   "quint8, dynamic-int8", weight_spec};

static int annotate(const opinfo_host_api *api, void *host, const char *config, const char *soc,
                    char *error, size_t error_size)
{
    (void)soc; /* the fbgemm data has no SoCs */
    return torch_annotate(&rules, api, host, config, error, error_size);
}

/* ---- the descriptor ------------------------------------------------------------------------- */

static const char *const backends[] = {"fbgemm", NULL};

static opinfo_plugin descriptor = {
    .abi_major = OPINFO_PLUGIN_ABI_MAJOR,
    .abi_minor = OPINFO_PLUGIN_ABI_MINOR,
    .name = "fbgemm",
    .version = "0.1.0",
    .backends = backends,
    .check = NULL,
    .annotate = annotate,
    .configs = plugin_configs,
};

OPINFO_PLUGIN_DECLARE_ENTRY;
OPINFO_PLUGIN_DECLARE_ENTRY
{
    descriptor.kernels = fbgemm_kernels;
    descriptor.n_kernels = fbgemm_n_kernels;
    descriptor.kernel_signatures = fbgemm_kernel_signatures;
    base->plugin = &descriptor;
    return 0;
}
