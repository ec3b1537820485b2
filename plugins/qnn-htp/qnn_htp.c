/*
 * qnn_htp.c: the opinfo plugin of backend "qnn-htp" (Qualcomm QNN HTP, as ExecuTorch's
 * QnnQuantizer targets it). Built against <opinfo/plugin.h> alone; exports opinfo_plugin_entry
 * and nothing else.
 *
 * - check: the one rule of ExecuTorch's validator that is logic, not data: a 2-bit tensor with a
 *   per-tensor qscheme is refused whatever the strict mode (qnn-htp.md §3, E12, PR #20534).
 * - annotate: what QnnQuantizer annotates under a quant config (qnn-htp.md §6-§11), given a float
 *   graph: activations per_tensor_affine uint8/uint16 with ExecuTorch's eps, symmetric weights
 *   (per channel when the shape is known), derived int32 biases, fixed qparams and shared
 *   outputs where the database says the op needs them, and the weight-like ports of the
 *   normalisations and MatMul's second input as the database's variants of the config want.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo/plugin.h"

#include "kernels.h"

static const char *const backends[] = {"qnn-htp", NULL};
static const char *const configs[] = {"8a8w",  "8a4w",        "16a8w", "16a16w",
                                      "16a4w", "16a4w-block", "16a2w", NULL};

/* ---- check ---------------------------------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ExecuTorch's _qspec_port_encoding_type raises ValueError for a per-tensor 2-bit encoding,
 * strict or not (qnn-htp.md §3 row 1, E12). */
static int check(const opinfo_host_api *api, void *host, const opinfo_plugin_node *node,
                 const char *soc)
{
    (void)soc;
    int violations = 0;
    size_t n = api->node_input_count(node);
    for (size_t i = 0; i < n; i++) {
        opinfo_plugin_tensor t;
        memset(&t, 0, sizeof t);
        if (api->node_input(node, i, &t) != 0 || !t.dtype || strcmp(t.dtype, "int2") != 0 ||
            !starts_with(t.qscheme, "per_tensor"))
            continue;
        char msg[160];
        snprintf(msg, sizeof msg,
                 "2-bit quantization (range=%lld) does not support per-tensor encoding; use "
                 "per-channel quantization",
                 (long long)(t.quant_max - t.quant_min));
        api->emit(host, node, "qnn-htp/per-tensor-2bit", t.name, msg,
                  "quantize it per_channel_symmetric");
        violations++;
    }
    return violations;
}

/* ---- annotation: the configs ---------------------------------------------------------------- */

#define DEFAULT_BLOCK 32
#define MAX_BLOCK 65536
#define MAX_DIMS 8
#define INT32_FULL_MIN (-2147483647LL - 1)
#define INT32_FULL_MAX 2147483647LL

typedef struct qconfig {
    const char *name;
    int act_bits;        /* 8 or 16 */
    const char *wdtype;  /* the weight dtype */
    int64_t wmin, wmax;  /* the weight observer's range (symmetric) */
    int per_block;       /* 16a4w-block: LPBQ weights on Conv2d/Conv3d/FullyConnected */
    int always_channel;  /* 2-bit: per-channel only (per-tensor 2-bit is refused, E12) */
} qconfig;

static const qconfig qconfigs[] = {
    {"8a8w", 8, "int8", -127, 127, 0, 0},
    {"8a4w", 8, "int4", -7, 7, 0, 0},
    {"16a8w", 16, "int8", -127, 127, 0, 0},
    {"16a16w", 16, "int16", -32767, 32767, 0, 0},
    {"16a4w", 16, "int4", -7, 7, 0, 0},
    {"16a4w-block", 16, "int4", -7, 7, 1, 0},
    {"16a2w", 16, "int2", -2, 1, 0, 1},
};

/* "16a4w-block" or "16a4w-block:BLOCK" (BLOCK a decimal integer in [2, MAX_BLOCK]). */
static const qconfig *parse_config(const char *config, int64_t *block, char *error, size_t n)
{
    *block = DEFAULT_BLOCK;
    if (!config || !*config) {
        snprintf(error, n, "no quant config given (one of 8a8w, 8a4w, 16a8w, 16a16w, 16a4w, "
                           "16a4w-block[:BLOCK], 16a2w)");
        return NULL;
    }
    const char *colon = strchr(config, ':');
    size_t len = colon ? (size_t)(colon - config) : strlen(config);
    for (size_t i = 0; i < sizeof qconfigs / sizeof qconfigs[0]; i++) {
        const qconfig *c = &qconfigs[i];
        if (strlen(c->name) != len || strncmp(c->name, config, len) != 0)
            continue;
        if (!colon)
            return c;
        if (!c->per_block)
            break; /* only the block config takes a parameter */
        const char *p = colon + 1;
        int64_t v = 0;
        if (!*p)
            goto bad_block;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || v > MAX_BLOCK)
                goto bad_block;
            v = v * 10 + (*p - '0');
        }
        if (v < 2 || v > MAX_BLOCK)
            goto bad_block;
        *block = v;
        return c;
    bad_block:
        snprintf(error, n,
                 "bad block size in quant config '%s': give an integer from 2 to %d, as in "
                 "16a4w-block:32",
                 config, MAX_BLOCK);
        return NULL;
    }
    snprintf(error, n,
             "unknown quant config '%s' (qnn-htp: 8a8w, 8a4w, 16a8w, 16a16w, 16a4w, "
             "16a4w-block[:BLOCK], 16a2w)",
             config);
    return NULL;
}

/* ---- annotation: a set of tensor names ------------------------------------------------------ */

typedef struct name_set {
    char **slots;
    size_t cap, used;
} name_set;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void set_free(name_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static int set_has(const name_set *s, const char *name)
{
    if (!s->cap)
        return 0;
    for (size_t i = hash_name(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slots[i])
            return 0;
        if (strcmp(s->slots[i], name) == 0)
            return 1;
    }
}

static int set_insert_owned(name_set *s, char *name)
{
    for (size_t i = hash_name(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
        if (!s->slots[i]) {
            s->slots[i] = name;
            s->used++;
            return 0;
        }
}

/* Adds name (copied); 0, or -1 when out of memory. */
static int set_add(name_set *s, const char *name)
{
    if (set_has(s, name))
        return 0;
    if ((s->used + 1) * 2 > s->cap) {
        name_set bigger = {NULL, s->cap ? s->cap * 2 : 64, 0};
        bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
        if (!bigger.slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                set_insert_owned(&bigger, s->slots[i]);
        free(s->slots);
        *s = bigger;
    }
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, name, len + 1);
    return set_insert_owned(s, copy);
}

/* ---- annotation: the specs ------------------------------------------------------------------ */

typedef struct annotator {
    const opinfo_host_api *api;
    void *host;
    const qconfig *cfg;
    int64_t block;
    const char *act_dtype;
    int64_t act_min, act_max;
    double act_eps;
    name_set done; /* tensors given a spec */
    int oom;
} annotator;

static void spec_init(opinfo_plugin_spec *s)
{
    memset(s, 0, sizeof *s);
    s->size = sizeof *s;
    s->axis = -1;
}

/* Only float tensors are annotated: integer tensors (indices, already-quantized ones) are left
 * as the graph has them. */
static int is_float(const char *dtype)
{
    return dtype && (strcmp(dtype, "float32") == 0 || strcmp(dtype, "float16") == 0 ||
                     strcmp(dtype, "bfloat16") == 0);
}

static int op_is(const char *canon, const char *name)
{
    return canon && strcmp(canon, name) == 0;
}

static int is_transposed_conv(const char *canon)
{
    return op_is(canon, "TransposeConv2d") || op_is(canon, "TransposeConv3d");
}

static int is_conv_or_linear(const char *canon)
{
    return op_is(canon, "Conv2d") || op_is(canon, "Conv3d") || op_is(canon, "FullyConnected") ||
           is_transposed_conv(canon);
}

/* LPBQ (BLOCKWISE_EXPANSION) serves these ops only (qnn-htp.md §4, §7). */
static int takes_lpbq(const char *canon)
{
    return op_is(canon, "Conv2d") || op_is(canon, "Conv3d") || op_is(canon, "FullyConnected");
}

static void act_spec(const annotator *a, opinfo_plugin_spec *s)
{
    spec_init(s);
    s->dtype = a->act_dtype;
    s->qscheme = "per_tensor_affine";
    s->quant_min = a->act_min;
    s->quant_max = a->act_max;
    s->eps = a->act_eps;
}

/* An 8-bit activation-style spec (the uint8 weight-like ports of the 16a8w variants). */
static void uint8_spec(opinfo_plugin_spec *s)
{
    spec_init(s);
    s->dtype = "uint8";
    s->qscheme = "per_tensor_affine";
    s->quant_min = 0;
    s->quant_max = 255;
    s->eps = 1e-4 / 255;
}

static void int16_symmetric_spec(opinfo_plugin_spec *s)
{
    spec_init(s);
    s->dtype = "int16";
    s->qscheme = "per_tensor_symmetric";
    s->quant_min = -32767;
    s->quant_max = 32767;
}

/* The weight of a conv/linear (or of an op the rules below do not name) under the config; the
 * block array must hold MAX_DIMS entries. */
static void weight_spec(const annotator *a, const char *canon, const opinfo_plugin_tensor *w,
                        int64_t *block, opinfo_plugin_spec *s)
{
    const qconfig *c = a->cfg;
    spec_init(s);
    s->dtype = c->wdtype;
    s->quant_min = c->wmin;
    s->quant_max = c->wmax;
    int axis = is_transposed_conv(canon) ? 1 : 0;
    /* LPBQ: blocks of the configured size along the input channels (axis 1). A weight whose
     * input channels the block does not tile (or whose shape is unknown) is left out, as a node
     * missing from ExecuTorch's block_size_map is: it gets the per-channel 16a4w spec. */
    if (c->per_block && takes_lpbq(canon) && w->n_shape >= 2 && w->n_shape <= MAX_DIMS &&
        w->shape[1] > 0 && w->shape[1] % a->block == 0) {
        s->qscheme = "per_block_symmetric";
        s->axis = 0;
        for (size_t d = 0; d < w->n_shape; d++)
            block[d] = d == 1 ? a->block : 1;
        s->n_block = w->n_shape;
        s->block_size = block;
        return;
    }
    if (c->always_channel || w->n_shape > (size_t)axis) {
        s->qscheme = "per_channel_symmetric";
        s->axis = axis;
    } else {
        s->qscheme = "per_tensor_symmetric";
    }
}

/* The weight-like port of a normalisation, as the database's variants of the config want it
 * (opinfo-db show LayerNorm/RmsNorm/GroupNorm --backend qnn-htp; qnn-htp.md §11). */
static void norm_weight_spec(const annotator *a, const opinfo_plugin_node *node, const char *canon,
                             opinfo_plugin_spec *s)
{
    if (op_is(canon, "RmsNorm")) {
        act_spec(a, s); /* ExecuTorch: the activation spec */
    } else if (op_is(canon, "LayerNorm")) {
        /* 8-bit: the activation spec; 16-bit: the 16a16w weight (int16 symmetric) when that
         * variant is there, else the uint8 weight of the 16a8w variant */
        if (a->cfg->act_bits == 8)
            act_spec(a, s);
        else if (a->api->config_available(a->host, node, "16a16w"))
            int16_symmetric_spec(s);
        else
            uint8_spec(s);
    } else { /* GroupNorm: per-tensor symmetric, 8-bit or (16a16w) 16-bit: its only variants */
        spec_init(s);
        s->qscheme = "per_tensor_symmetric";
        if (strcmp(a->cfg->name, "16a16w") == 0 &&
            a->api->config_available(a->host, node, "16a16w")) {
            int16_symmetric_spec(s);
        } else {
            s->dtype = "int8";
            s->quant_min = -127;
            s->quant_max = 127;
        }
    }
}

static int is_norm(const char *canon)
{
    return op_is(canon, "LayerNorm") || op_is(canon, "RmsNorm") || op_is(canon, "GroupNorm");
}

/* The node's first input of a role (-1 when none) and its tensor. */
static int find_role(const annotator *a, const opinfo_plugin_node *node, int role,
                     opinfo_plugin_tensor *t)
{
    size_t n = a->api->node_input_count(node);
    for (size_t i = 0; i < n; i++) {
        if (a->api->input_role(node, i) != role)
            continue;
        memset(t, 0, sizeof *t);
        if (a->api->node_input(node, i, t) == 0 && t->name)
            return (int)i;
    }
    return -1;
}

static void set(annotator *a, const char *tensor, const opinfo_plugin_spec *s)
{
    if (a->api->set_spec(a->host, tensor, s) != 0 || set_add(&a->done, tensor) != 0)
        a->oom = 1;
}

static void annotate_output(annotator *a, const opinfo_plugin_node *node,
                            const opinfo_plugin_tensor *t)
{
    opinfo_plugin_spec s;
    double scale = 0;
    int64_t zp = 0;
    opinfo_plugin_tensor first;
    memset(&first, 0, sizeof first);
    act_spec(a, &s);
    if (a->api->fixed_qparams(a->host, node, a->act_dtype, a->act_min, a->act_max, &scale,
                              &zp)) {
        s.eps = 0;
        s.fixed = 1;
        s.scale = scale;
        s.zero_point = zp;
    } else if (a->api->output_shared(a->host, node, a->act_dtype) &&
               a->api->node_input_count(node) > 0 && a->api->node_input(node, 0, &first) == 0 &&
               first.name && is_float(first.dtype) && strcmp(first.name, t->name) != 0) {
        s.eps = 0;
        s.shared_with = first.name;
    }
    set(a, t->name, &s);
}

static void annotate_input(annotator *a, const opinfo_plugin_node *node, const char *canon,
                           size_t i, const opinfo_plugin_tensor *t)
{
    opinfo_plugin_spec s;
    int64_t block[MAX_DIMS];
    int role = a->api->input_role(node, i);
    if (role == OPINFO_PLUGIN_ROLE_WEIGHT) {
        if (is_norm(canon))
            norm_weight_spec(a, node, canon, &s);
        else
            weight_spec(a, canon, t, block, &s);
    } else if (role == OPINFO_PLUGIN_ROLE_BIAS) {
        spec_init(&s);
        s.dtype = "int32";
        s.qscheme = "per_tensor_symmetric";
        s.quant_min = INT32_FULL_MIN;
        s.quant_max = INT32_FULL_MAX;
        opinfo_plugin_tensor in, w;
        const char *from[2];
        if (is_conv_or_linear(canon) && find_role(a, node, OPINFO_PLUGIN_ROLE_INPUT, &in) >= 0 &&
            find_role(a, node, OPINFO_PLUGIN_ROLE_WEIGHT, &w) >= 0) {
            /* derived: scale = input scale x weight scale, per channel with the weight */
            opinfo_plugin_spec ws;
            int64_t wblock[MAX_DIMS];
            weight_spec(a, canon, &w, wblock, &ws);
            if (strcmp(ws.qscheme, "per_tensor_symmetric") != 0) {
                s.qscheme = "per_channel_symmetric";
                s.axis = 0;
            }
            from[0] = in.name;
            from[1] = w.name;
            s.n_derived = 2;
            s.derived_from = from;
        }
        set(a, t->name, &s);
        return;
    } else {
        act_spec(a, &s);
    }
    set(a, t->name, &s);
}

static int annotate(const opinfo_host_api *api, void *host, const char *config, const char *soc,
                    char *error, size_t error_size)
{
    (void)soc;
    annotator a;
    memset(&a, 0, sizeof a);
    a.api = api;
    a.host = host;
    if (!(a.cfg = parse_config(config, &a.block, error, error_size)))
        return 1;
    if (a.cfg->act_bits == 8) {
        a.act_dtype = "uint8";
        a.act_max = 255;
        a.act_eps = 1e-4 / 255;
    } else {
        a.act_dtype = "uint16";
        a.act_max = 65535;
        a.act_eps = 1e-4 / 65535;
    }
    size_t n = api->graph_node_count(host);
    /* outputs first: they define activations, whatever reads them */
    for (size_t k = 0; k < n && !a.oom; k++) {
        const opinfo_plugin_node *node = api->graph_node(host, k);
        size_t no = api->node_output_count(node);
        for (size_t i = 0; i < no && !a.oom; i++) {
            opinfo_plugin_tensor t;
            memset(&t, 0, sizeof t);
            if (api->node_output(node, i, &t) == 0 && t.name && is_float(t.dtype))
                annotate_output(&a, node, &t);
        }
    }
    /* then the tensors no node produces: the first node that reads one decides its spec */
    for (size_t k = 0; k < n && !a.oom; k++) {
        const opinfo_plugin_node *node = api->graph_node(host, k);
        const char *canon = api->canonical_op(host, api->node_op(node));
        size_t ni = api->node_input_count(node);
        for (size_t i = 0; i < ni && !a.oom; i++) {
            opinfo_plugin_tensor t;
            memset(&t, 0, sizeof t);
            if (api->node_input(node, i, &t) == 0 && t.name && is_float(t.dtype) &&
                !set_has(&a.done, t.name))
                annotate_input(&a, node, canon, i, &t);
        }
    }
    /* MatMul's second input at 16-bit activations is read through an edge spec, as PT2E's
     * input_qspec_map does: the 16a16w variant's int16 symmetric input when the SoC has it
     * (ExecuTorch annotates it so), else the 16a8w variant's uint8. The tensor keeps its own
     * spec for its producer and other readers. */
    for (size_t k = 0; k < n && !a.oom && a.cfg->act_bits == 16; k++) {
        const opinfo_plugin_node *node = api->graph_node(host, k);
        const char *canon = api->canonical_op(host, api->node_op(node));
        opinfo_plugin_tensor t;
        memset(&t, 0, sizeof t);
        if (!op_is(canon, "MatMul") || api->node_input_count(node) < 2 ||
            api->node_input(node, 1, &t) != 0 || !t.name || !is_float(t.dtype))
            continue;
        opinfo_plugin_spec s;
        if (api->config_available(host, node, "16a16w"))
            int16_symmetric_spec(&s);
        else
            uint8_spec(&s);
        if (api->set_edge_spec(host, node, 1, &s) != 0)
            a.oom = 1;
    }
    set_free(&a.done);
    if (a.oom) {
        snprintf(error, error_size, "out of memory");
        return 1;
    }
    return 0;
}

/* ---- the descriptor ------------------------------------------------------------------------- */

/* ---- the rules the checks emit, documented (ABI 1.2) ----------------------------------------- */

/* Where the rules' pages are installed: the build passes opinfo's RULES_URL. */
#ifndef OPINFO_RULES_URL
#define OPINFO_RULES_URL "file:///usr/local/share/doc/opinfo/rules/"
#endif

static const opinfo_plugin_rule rule_per_tensor_2bit = {
    .id = "qnn-htp/per-tensor-2bit",
    .summary = "a 2-bit tensor is quantized per tensor: QNN HTP takes 2-bit only per channel",
    .description =
        "ExecuTorch's QNN quantizer derives the encoding of each port "
        "(backends/qualcomm/quantizer/validators.py, _qspec_port_encoding_type) and raises "
        "ValueError for a per-tensor 2-bit encoding, strict or not (ExecuTorch PR #20534); "
        "its 16a2w config quantizes weights per channel, symmetric (PR #19632). The plugin "
        "reports every int2 input quantized per tensor.",
    .example = "model.qgraph.json:32:5: error: conv1: 2-bit quantization (range=3) does not "
               "support per-tensor encoding; use per-channel quantization "
               "[qnn-htp/per-tensor-2bit]",
    .fix = "Quantize the tensor per_channel_symmetric along its output channels (axis 0), as "
           "the 16a2w config does.",
    .help_uri = OPINFO_RULES_URL "qnn-htp/per-tensor-2bit.md",
};

static const opinfo_plugin_rule *const rules[] = {&rule_per_tensor_2bit, NULL};

static opinfo_plugin descriptor = {
    .abi_major = OPINFO_PLUGIN_ABI_MAJOR,
    .abi_minor = OPINFO_PLUGIN_ABI_MINOR,
    .name = "qnn-htp",
    .version = "0.1.0",
    .backends = backends,
    .socs = NULL,
    .check = check,
    .annotate = annotate,
    .configs = configs,
    .rules = rules,
};

OPINFO_PLUGIN_DECLARE_ENTRY;
OPINFO_PLUGIN_DECLARE_ENTRY
{
    descriptor.kernels = qnn_htp_kernels;
    descriptor.n_kernels = qnn_htp_n_kernels;
    descriptor.kernel_signatures = qnn_htp_kernel_signatures;
    base->plugin = &descriptor;
    return 0;
}
