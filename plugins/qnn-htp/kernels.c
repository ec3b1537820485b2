/*
 * kernels.c: reference numerics of QNN's quantization conventions for HTP (docs/kernels.md;
 * facts: qnn-htp.md §3, §7, §8; ort-qnn.md, QNN EP's QuantizeData).
 *
 * QNN stores an offset where other frameworks store a zero point: offset = -zero_point, and
 * real = (q + offset) * scale. Kernels take QNN's offsets ("offset" attributes).
 *
 *   quantize      clamp(nearbyint(x / scale) - offset) to the dtype (int4/uint4 in 8-bit
 *                 containers): division, ties to even, as QNN EP's QuantizeData
 *   dequantize    (q + offset) * scale
 *   requantize    clamp(nearbyint((float)acc * scale) - offset): QNN's affine convention applied
 *                 to an int32 accumulator (HTP's internal fixed-point pipeline is not public)
 *   fully_connected, conv2d (NHWC input, HWIO weight)
 *                 exact integer accumulation of (x + x_offset)(w + w_offset) + bias, then
 *                 clamp(nearbyint((float)acc * (x_scale * w_scale / y_scale)) - y_offset); weights
 *                 8-bit or 4-bit (w_dtype=int4: values checked to lie in [-8, 7])
 *   fully_connected_lpbq, conv2d_lpbq
 *                 LPBQ (BLOCKWISE_EXPANSION) 4-bit weights: a per-channel float scale and per-block
 *                 uint8 integer scales in [1, 16] along the input channels; block b of channel o
 *                 has scale w_scale[o] * block_scale[o][b], so the accumulation stays exact:
 *                 sum_b block_scale[o][b] * sum_{k in b} (x + x_offset) * w
 *   lpbq_scales, quantize_lpbq, dequantize_lpbq
 *                 LPBQ weights themselves: per-block float scales split into the per-channel scale
 *                 (max / 16) and uint8 block scales round(s / max_scale) in [1, 16]; the 4-bit
 *                 values at scale w_scale[o] * block_scale[o][b] (ExecuTorch's per-block config)
 *   sigmoid, tanh the real function of the dequantized input, rounded to the output's fixed
 *                 qparams (sigmoid: uint8 1/256, uint16 1/65536, int16 1/32768, offset 0; tanh:
 *                 uint16 1/32768 offset -32768, int16 1/32768 offset 0; tanh uint8 takes y_scale
 *                 and y_offset)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <opinfo/plugin.h>

#include "../common/kernel_util.h"
#include "kernels.h"

static const int32_t q_dtypes[] = {OPINFO_TENSOR_UINT8, OPINFO_TENSOR_INT8, OPINFO_TENSOR_UINT16,
                                   OPINFO_TENSOR_INT16, OPINFO_TENSOR_INT4, OPINFO_TENSOR_UINT4};

/* nearbyint(v) - offset in float, as QNN EP computes it, clamped to [lo, hi]. */
static int64_t q_round(float v, int64_t offset, int64_t lo, int64_t hi)
{
    float r = nearbyintf(v) - (float)offset;
    if (r >= (float)hi)
        return hi;
    if (r <= (float)lo)
        return lo;
    return (int64_t)r;
}

static int k_quantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "offset", "axis", "dtype", NULL};
    int32_t dt;
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "quantize", 1, 1, 1)) || (rc = ku_known(c, "quantize", known)) ||
        (rc = ku_want(c, 0, "x", OPINFO_TENSOR_FLOAT32, -1)) ||
        (rc = ku_out_dtype(c, q_dtypes, 6, OPINFO_TENSOR_UINT8, &dt)))
        return rc;
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "offset", 1, lo, hi, &q)))
        return rc;
    const float *x = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) {
            ku_qparams_free(&q);
            return ku_fail(c, "quantize: x[%zu] is NaN", i);
        }
    if ((rc = ku_output_like(c, 0, dt, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        ku_set_int(&c->outputs[0], i, q_round(x[i] / q.scale[ch], -q.zp[ch], lo, hi));
    }
    ku_qparams_free(&q);
    return 0;
}

static int k_dequantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "offset", "axis", NULL};
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "dequantize", 1, 1, 1)) || (rc = ku_known(c, "dequantize", known)) ||
        (rc = ku_want_int(c, 0, "q", -1)))
        return rc;
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "offset", 1, -65535, 65535, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, OPINFO_TENSOR_FLOAT32, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    float *y = c->outputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        y[i] = (float)(ku_get_int(&c->inputs[0], i) - q.zp[ch]) * q.scale[ch];
    }
    ku_qparams_free(&q);
    return 0;
}

static int k_requantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "offset", "axis", "dtype", NULL};
    int32_t dt;
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "requantize", 1, 1, 1)) || (rc = ku_known(c, "requantize", known)) ||
        (rc = ku_want(c, 0, "acc", OPINFO_TENSOR_INT32, -1)) ||
        (rc = ku_out_dtype(c, q_dtypes, 4, OPINFO_TENSOR_UINT8, &dt)))
        return rc;
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "offset", 1, lo, hi, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, dt, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    const int32_t *acc = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        ku_set_int(&c->outputs[0], i, q_round((float)acc[i] * q.scale[ch], -q.zp[ch], lo, hi));
    }
    ku_qparams_free(&q);
    return 0;
}

/* ---- LPBQ weights ----------------------------------------------------------------------------- */

/* lpbq_scales: per-block float scales [N, B] (what a per-block observer gives) -> the per-channel
 * float scale max_b / 16 and the per-block integer scales clamp(round(s / max_scale), 1, 16) as
 * uint8 (ExecuTorch's make_qnn_per_block_config, qnn-htp.md §7.4), in float32, ties to even. */
static int k_lpbq_scales(opinfo_kernel_call *c)
{
    static const char *const known[] = {NULL};
    int rc;
    if ((rc = ku_check_call(c, "lpbq_scales", 1, 1, 2)) || (rc = ku_known(c, "lpbq_scales", known)) ||
        (rc = ku_want(c, 0, "block_scales", OPINFO_TENSOR_FLOAT32, 2)))
        return rc;
    const opinfo_tensor *in = &c->inputs[0];
    size_t n = (size_t)in->shape[0], nb = (size_t)in->shape[1];
    const float *bs = in->data;
    for (size_t i = 0; i < n * nb; i++)
        if (!(bs[i] > 0) || !isfinite(bs[i]))
            return ku_fail(c, "lpbq_scales: block scale [%zu][%zu] = %g is not positive and finite",
                           i / (nb ? nb : 1), i % (nb ? nb : 1), (double)bs[i]);
    int64_t shape1[1] = {(int64_t)n};
    if ((rc = ku_output(c, 0, OPINFO_TENSOR_FLOAT32, 1, shape1)) ||
        (rc = ku_output(c, 1, OPINFO_TENSOR_UINT8, 2, in->shape)))
        return rc;
    float *scale = c->outputs[0].data;
    uint8_t *q = c->outputs[1].data;
    for (size_t o = 0; o < n; o++) {
        float mx = 0;
        for (size_t b = 0; b < nb; b++)
            mx = bs[o * nb + b] > mx ? bs[o * nb + b] : mx;
        scale[o] = mx / 16.0f;
        for (size_t b = 0; b < nb; b++) {
            float r = nearbyintf(bs[o * nb + b] / scale[o]);
            q[o * nb + b] = (uint8_t)(r < 1 ? 1 : r > 16 ? 16 : r);
        }
    }
    return 0;
}

/* The arguments of quantize_lpbq / dequantize_lpbq: input 0 [N, K] of dtype, input 1 block_scale
 * uint8 [N, K / block_size] in [1, 16], attribute scale with N values. */
static int lpbq_args(opinfo_kernel_call *c, const char *kernel, int32_t dtype, ku_qparams *q,
                     size_t *n, size_t *k, size_t *block)
{
    static const char *const known[] = {"scale", "block_size", NULL};
    int64_t bsz;
    int rc;
    if ((rc = ku_check_call(c, kernel, 2, 2, 1)) || (rc = ku_known(c, kernel, known)) ||
        (rc = ku_want(c, 0, dtype == OPINFO_TENSOR_FLOAT32 ? "w" : "q", dtype, 2)) ||
        (rc = ku_int(c, "block_size", 1, 0, 1, KU_MAX_REDUCTION, &bsz)))
        return rc;
    *n = (size_t)c->inputs[0].shape[0], *k = (size_t)c->inputs[0].shape[1], *block = (size_t)bsz;
    if (*k % *block)
        return ku_fail(c, "%s: block_size %zu does not divide the %zu input channels", kernel,
                       *block, *k);
    const opinfo_tensor *bs = &c->inputs[1];
    if (bs->dtype != OPINFO_TENSOR_UINT8 || bs->rank != 2 || (size_t)bs->shape[0] != *n ||
        (size_t)bs->shape[1] != *k / *block)
        return ku_fail(c, "%s: block_scale (input 1) must be uint8 of shape [%zu, %zu]", kernel, *n,
                       *k / *block);
    const uint8_t *b = bs->data;
    for (size_t i = 0; i < *n * (*k / *block); i++)
        if (b[i] < 1 || b[i] > 16)
            return ku_fail(c, "%s: block_scale[%zu][%zu] = %u is outside [1, 16]", kernel,
                           i / (*k / *block), i % (*k / *block), b[i]);
    if ((rc = ku_qparams_axis(c, &c->inputs[0], "scale", NULL, 0, 0, 0, 0, q)))
        return rc;
    if (q->n != *n) {
        ku_qparams_free(q);
        return ku_fail(c, "%s: LPBQ takes one scale per output channel (%zu), %zu given", kernel,
                       *n, q->n);
    }
    return 0;
}

/* quantize_lpbq: clamp(nearbyint(w / (scale[o] * block_scale[o][b])), -8, 7), the 4-bit values in
 * int8; dequantize_lpbq: q * (scale[o] * block_scale[o][b]). The block's scale is the float
 * product, as QNN expands it. */
static int k_quantize_lpbq(opinfo_kernel_call *c)
{
    ku_qparams q;
    size_t n, k, block;
    int rc = lpbq_args(c, "quantize_lpbq", OPINFO_TENSOR_FLOAT32, &q, &n, &k, &block);
    if (rc)
        return rc;
    const float *w = c->inputs[0].data;
    const uint8_t *bs = c->inputs[1].data;
    for (size_t i = 0; i < n * k; i++)
        if (isnan(w[i])) {
            ku_qparams_free(&q);
            return ku_fail(c, "quantize_lpbq: w[%zu] is NaN", i);
        }
    if ((rc = ku_output(c, 0, OPINFO_TENSOR_INT4, 2, c->inputs[0].shape))) {
        ku_qparams_free(&q);
        return rc;
    }
    int8_t *y = c->outputs[0].data;
    for (size_t o = 0; o < n; o++)
        for (size_t j = 0; j < k; j++) {
            float s = q.scale[o] * (float)bs[o * (k / block) + j / block];
            y[o * k + j] = (int8_t)q_round(w[o * k + j] / s, 0, -8, 7);
        }
    ku_qparams_free(&q);
    return 0;
}

static int k_dequantize_lpbq(opinfo_kernel_call *c)
{
    ku_qparams q;
    size_t n, k, block;
    int rc = lpbq_args(c, "dequantize_lpbq", OPINFO_TENSOR_INT8, &q, &n, &k, &block);
    if (rc)
        return rc;
    const int8_t *w = c->inputs[0].data;
    const uint8_t *bs = c->inputs[1].data;
    for (size_t i = 0; i < n * k; i++)
        if (w[i] < -8 || w[i] > 7) {
            ku_qparams_free(&q);
            return ku_fail(c, "dequantize_lpbq: q[%zu] = %d is outside int4's [-8, 7]", i, w[i]);
        }
    if ((rc = ku_output(c, 0, OPINFO_TENSOR_FLOAT32, 2, c->inputs[0].shape))) {
        ku_qparams_free(&q);
        return rc;
    }
    float *y = c->outputs[0].data;
    for (size_t o = 0; o < n; o++)
        for (size_t j = 0; j < k; j++)
            y[o * k + j] = (float)w[o * k + j] * (q.scale[o] * (float)bs[o * (k / block) + j / block]);
    ku_qparams_free(&q);
    return 0;
}

/* ---- fully_connected, conv2d ---------------------------------------------------------------- */

static const char *const gemm_attrs[] = {"x_scale", "x_offset", "w_scale", "w_offset", "w_dtype",
                                         "y_scale", "y_offset", "dtype", "block_size", "stride",
                                         "padding", "dilation", "groups", NULL};
static const int32_t act_dtypes[] = {OPINFO_TENSOR_UINT8, OPINFO_TENSOR_UINT16, OPINFO_TENSOR_INT8,
                                     OPINFO_TENSOR_INT16};

typedef struct gemm {
    float x_scale, y_scale;
    int64_t x_off, y_off, lo, hi;
    int32_t y_dtype;
    ku_qparams w;      /* per tensor or per output channel; zp holds -w_offset */
    int64_t *w_zp;     /* per output channel */
    int64_t *w_mul;    /* LPBQ: per (output channel, input channel) block scale, or NULL */
} gemm;

static void gemm_free(gemm *g)
{
    ku_qparams_free(&g->w);
    free(g->w_zp);
    free(g->w_mul);
}

/* Reads the quantization of x (input 0), w (input 1, output channels along w_axis) and y;
 * checks the weight values against w_dtype. */
static int gemm_read(opinfo_kernel_call *c, const char *kernel, int w_axis, size_t n_out, int lpbq,
                     gemm *g)
{
    int64_t xlo, xhi, wdt;
    int rc;
    memset(g, 0, sizeof *g);
    const opinfo_tensor *x = &c->inputs[0], *w = &c->inputs[1];
    int ok = 0;
    for (size_t i = 0; i < 4; i++)
        ok |= x->dtype == act_dtypes[i];
    if (!ok)
        return ku_fail(c, "%s: x must be uint8, uint16, int8 or int16, not %s", kernel,
                       ku_dtype_name(x->dtype));
    if (w->dtype != OPINFO_TENSOR_INT8)
        return ku_fail(c, "%s: w must be int8 (8-bit or 4-bit values), not %s", kernel,
                       ku_dtype_name(w->dtype));
    ku_dtype_range(x->dtype, &xlo, &xhi);
    if ((rc = ku_known(c, kernel, gemm_attrs)) || (rc = ku_scale1(c, "x_scale", &g->x_scale)) ||
        (rc = ku_int(c, "x_offset", 0, 0, -xhi, -xlo, &g->x_off)) ||
        (rc = ku_scale1(c, "y_scale", &g->y_scale)) ||
        (rc = ku_out_dtype(c, act_dtypes, 4, OPINFO_TENSOR_UINT8, &g->y_dtype)) ||
        (rc = ku_int(c, "w_dtype", 0, OPINFO_TENSOR_INT8, 0, 64, &wdt)))
        return rc;
    ku_dtype_range(g->y_dtype, &g->lo, &g->hi);
    if ((rc = ku_int(c, "y_offset", 0, 0, -g->hi, -g->lo, &g->y_off)))
        return rc;
    if (wdt != OPINFO_TENSOR_INT8 && wdt != OPINFO_TENSOR_INT4)
        return ku_fail(c, "%s: w_dtype must be int8 or int4", kernel);
    if (lpbq && wdt != OPINFO_TENSOR_INT4) {
        if (ku_attr(c, "w_dtype"))
            return ku_fail(c, "%s: LPBQ weights are 4-bit: w_dtype must be int4", kernel);
        wdt = OPINFO_TENSOR_INT4;
    }
    int64_t wlo, whi;
    ku_dtype_range((int32_t)wdt, &wlo, &whi);
    size_t nw = ku_numel(w);
    for (size_t i = 0; i < nw; i++) {
        int64_t v = ku_get_int(w, i);
        if (v < wlo || v > whi)
            return ku_fail(c, "%s: w[%zu] = %lld is outside %s's [%lld, %lld]", kernel, i,
                           (long long)v, ku_dtype_name((int32_t)wdt), (long long)wlo,
                           (long long)whi);
    }
    if ((rc = ku_qparams_axis(c, w, "w_scale", "w_offset", 1, wlo, whi, w_axis, &g->w)))
        return rc;
    g->w_zp = malloc((n_out ? n_out : 1) * sizeof *g->w_zp);
    if (!g->w_zp) {
        gemm_free(g);
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    }
    for (size_t j = 0; j < n_out; j++)
        g->w_zp[j] = g->w.zp[g->w.n == 1 ? 0 : j];
    return 0;
}

/* LPBQ: block scales (input bs_i, uint8 [n_out, k / block_size] with values in [1, 16]) expanded
 * to a factor per (output channel, input channel); the weight must be symmetric. */
static int lpbq_read(opinfo_kernel_call *c, const char *kernel, size_t bs_i, size_t n_out,
                     size_t k, gemm *g)
{
    int64_t block;
    int rc;
    const opinfo_tensor *bs = &c->inputs[bs_i];
    if ((rc = ku_int(c, "block_size", 1, 0, 1, KU_MAX_REDUCTION, &block)))
        return rc;
    if (k % (size_t)block)
        return ku_fail(c, "%s: block_size %lld does not divide the %zu input channels", kernel,
                       (long long)block, k);
    size_t nb = k / (size_t)block;
    if (bs->dtype != OPINFO_TENSOR_UINT8 || bs->rank != 2 || (size_t)bs->shape[0] != n_out ||
        (size_t)bs->shape[1] != nb)
        return ku_fail(c, "%s: block_scale (input %zu) must be uint8 of shape [%zu, %zu]", kernel,
                       bs_i, n_out, nb);
    for (size_t j = 0; j < n_out; j++)
        if (g->w_zp[j] != 0)
            return ku_fail(c, "%s: LPBQ weights are symmetric: w_offset must be 0", kernel);
    if (g->w.n != n_out)
        return ku_fail(c, "%s: LPBQ takes one w_scale per output channel (%zu), %zu given",
                       kernel, n_out, g->w.n);
    g->w_mul = malloc(((n_out * k) > 0 ? n_out * k : 1) * sizeof *g->w_mul);
    if (!g->w_mul)
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    const uint8_t *b = bs->data;
    for (size_t j = 0; j < n_out; j++)
        for (size_t q = 0; q < k; q++) {
            uint8_t v = b[j * nb + q / (size_t)block];
            if (v < 1 || v > 16)
                return ku_fail(c, "%s: block_scale[%zu][%zu] = %u is outside [1, 16]", kernel, j,
                               q / (size_t)block, v);
            g->w_mul[j * k + q] = v;
        }
    return 0;
}

static void gemm_out(const gemm *g, const int64_t *acc, size_t count, size_t n_out, opinfo_tensor *y)
{
    for (size_t i = 0; i < count; i++) {
        size_t ch = g->w.n == 1 ? 0 : i % n_out;
        float mult = g->x_scale * g->w.scale[ch] / g->y_scale;
        ku_set_int(y, i, q_round((float)acc[i] * mult, g->y_off, g->lo, g->hi));
    }
}

static int fc(opinfo_kernel_call *c, int lpbq)
{
    const char *kernel = lpbq ? "fully_connected_lpbq" : "fully_connected";
    size_t m, k, n, bias_i = lpbq ? 3 : 2;
    gemm g;
    int rc;
    if ((rc = ku_check_call(c, kernel, lpbq ? 3 : 2, lpbq ? 4 : 3, 1)))
        return rc;
    /* shapes: x [..., K], w [N, K]; the bias, when given, is the last input */
    opinfo_tensor in3[4];
    memcpy(in3, c->inputs, c->n_inputs * sizeof *in3);
    opinfo_kernel_call view = *c;
    if (lpbq && c->n_inputs == 4)
        in3[2] = c->inputs[3];
    view.inputs = in3;
    view.n_inputs = c->n_inputs - (lpbq ? 1 : 0);
    if ((rc = ku_linear_shapes(&view, 0, 1, 0, c->n_inputs > bias_i, &m, &k, &n)))
        return rc;
    if ((rc = gemm_read(c, kernel, 0, n, lpbq, &g)))
        return rc;
    if (lpbq && (rc = lpbq_read(c, kernel, 2, n, k, &g))) {
        gemm_free(&g);
        return rc;
    }
    int64_t shape[OPINFO_TENSOR_MAX_RANK];
    memcpy(shape, c->inputs[0].shape, sizeof shape);
    shape[c->inputs[0].rank - 1] = (int64_t)n;
    int64_t *acc = malloc(((m * n) > 0 ? m * n : 1) * sizeof *acc);
    if (!acc || (rc = ku_output(c, 0, g.y_dtype, c->inputs[0].rank, shape))) {
        free(acc);
        gemm_free(&g);
        return acc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    ku_linear_acc(m, k, n, &c->inputs[0], -g.x_off, &c->inputs[1], 0, g.w_zp, g.w_mul,
                  c->n_inputs > bias_i ? &c->inputs[bias_i] : NULL, acc);
    gemm_out(&g, acc, m * n, n, &c->outputs[0]);
    free(acc);
    gemm_free(&g);
    return 0;
}

static int k_fully_connected(opinfo_kernel_call *c) { return fc(c, 0); }
static int k_fully_connected_lpbq(opinfo_kernel_call *c) { return fc(c, 1); }

static int conv(opinfo_kernel_call *c, int lpbq)
{
    const char *kernel = lpbq ? "conv2d_lpbq" : "conv2d";
    size_t bias_i = lpbq ? 3 : 2;
    ku_conv_geom geo;
    gemm g;
    int rc;
    memset(&geo, 0, sizeof geo);
    if ((rc = ku_check_call(c, kernel, lpbq ? 3 : 2, lpbq ? 4 : 3, 1)) ||
        (rc = ku_want_int(c, 0, "x", 4)) || (rc = ku_want_int(c, 1, "w", 4)) ||
        (rc = ku_conv_attrs(c, &geo)))
        return rc;
    const opinfo_tensor *x = &c->inputs[0], *w = &c->inputs[1];
    /* NHWC input, HWIO weight (kernel rows, columns, input channels/group, output channels) */
    geo.n = x->shape[0], geo.h = x->shape[1], geo.w = x->shape[2], geo.c = x->shape[3];
    geo.kh = w->shape[0], geo.kw = w->shape[1], geo.o = w->shape[3];
    if ((rc = ku_conv_geom_check(c, &geo)))
        return rc;
    int64_t cg = geo.c / geo.groups;
    if (w->shape[2] != cg)
        return ku_fail(c, "%s: the weight has %lld input channels per group, the input %lld",
                       kernel, (long long)w->shape[2], (long long)cg);
    if (c->n_inputs > bias_i && (c->inputs[bias_i].dtype != OPINFO_TENSOR_INT32 ||
                                 c->inputs[bias_i].rank != 1 ||
                                 c->inputs[bias_i].shape[0] != geo.o))
        return ku_fail(c, "%s: the bias (input %zu) must be int32 of shape [%lld]", kernel, bias_i,
                       (long long)geo.o);
    if ((rc = gemm_read(c, kernel, 3, (size_t)geo.o, lpbq, &g)))
        return rc;
    if (lpbq && (rc = lpbq_read(c, kernel, 2, (size_t)geo.o, (size_t)cg, &g))) {
        gemm_free(&g);
        return rc;
    }
    geo.xs[1] = 1, geo.xs[3] = geo.c, geo.xs[2] = geo.w * geo.c, geo.xs[0] = geo.h * geo.w * geo.c;
    geo.ws[0] = 1, geo.ws[1] = geo.o, geo.ws[3] = cg * geo.o, geo.ws[2] = geo.kw * cg * geo.o;
    geo.ys[1] = 1, geo.ys[3] = geo.o, geo.ys[2] = geo.ow * geo.o;
    geo.ys[0] = geo.oh * geo.ow * geo.o;
    int64_t shape[4] = {geo.n, geo.oh, geo.ow, geo.o};
    size_t count = (size_t)(geo.n * geo.oh * geo.ow * geo.o);
    int64_t *acc = malloc((count ? count : 1) * sizeof *acc);
    if (!acc || (rc = ku_output(c, 0, g.y_dtype, 4, shape))) {
        free(acc);
        gemm_free(&g);
        return acc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    ku_conv_acc(&geo, x, -g.x_off, w, g.w_zp, g.w_mul,
                c->n_inputs > bias_i ? &c->inputs[bias_i] : NULL, acc);
    gemm_out(&g, acc, count, (size_t)geo.o, &c->outputs[0]);
    free(acc);
    gemm_free(&g);
    return 0;
}

static int k_conv2d(opinfo_kernel_call *c) { return conv(c, 0); }
static int k_conv2d_lpbq(opinfo_kernel_call *c) { return conv(c, 1); }

/* ---- sigmoid, tanh -------------------------------------------------------------------------- */

typedef struct fixed_q {
    int32_t dtype;
    double scale;
    int64_t offset;
} fixed_q;

static const fixed_q sigmoid_q[] = {{OPINFO_TENSOR_UINT8, 1.0 / 256, 0},
                                    {OPINFO_TENSOR_UINT16, 1.0 / 65536, 0},
                                    {OPINFO_TENSOR_INT16, 1.0 / 32768, 0}};
static const fixed_q tanh_q[] = {{OPINFO_TENSOR_UINT16, 1.0 / 32768, -32768},
                                 {OPINFO_TENSOR_INT16, 1.0 / 32768, 0}};

static int activation(opinfo_kernel_call *c, const char *kernel, double (*f)(double),
                      const fixed_q *table, size_t n_table)
{
    static const char *const known[] = {"x_scale", "x_offset", "y_scale", "y_offset", "dtype", NULL};
    float x_scale;
    int64_t x_off, xlo, xhi, lo, hi;
    int32_t dt;
    int rc;
    if ((rc = ku_check_call(c, kernel, 1, 1, 1)) || (rc = ku_known(c, kernel, known)))
        return rc;
    const opinfo_tensor *x = &c->inputs[0];
    int ok = 0;
    for (size_t i = 0; i < 4; i++)
        ok |= x->dtype == act_dtypes[i];
    if (!ok)
        return ku_fail(c, "%s: x must be uint8, uint16, int8 or int16, not %s", kernel,
                       ku_dtype_name(x->dtype));
    ku_dtype_range(x->dtype, &xlo, &xhi);
    if ((rc = ku_scale1(c, "x_scale", &x_scale)) ||
        (rc = ku_int(c, "x_offset", 0, 0, -xhi, -xlo, &x_off)) ||
        (rc = ku_out_dtype(c, act_dtypes, 4, x->dtype, &dt)))
        return rc;
    ku_dtype_range(dt, &lo, &hi);
    const fixed_q *fq = NULL;
    for (size_t i = 0; i < n_table; i++)
        if (table[i].dtype == dt)
            fq = &table[i];
    float y_scale;
    int64_t y_off;
    if (fq) {
        if (ku_attr(c, "y_scale") || ku_attr(c, "y_offset")) {
            if ((rc = ku_scale1(c, "y_scale", &y_scale)) ||
                (rc = ku_int(c, "y_offset", 0, fq->offset, -hi, -lo, &y_off)))
                return rc;
            if ((double)y_scale != (double)(float)fq->scale || y_off != fq->offset)
                return ku_fail(c, "%s: the %s output on HTP has fixed qparams: scale %.9g, offset "
                                  "%lld (given scale %.9g, offset %lld)",
                               kernel, ku_dtype_name(dt), fq->scale, (long long)fq->offset,
                               (double)y_scale, (long long)y_off);
        }
        y_scale = (float)fq->scale;
        y_off = fq->offset;
    } else if ((rc = ku_scale1(c, "y_scale", &y_scale)) ||
               (rc = ku_int(c, "y_offset", 0, 0, -hi, -lo, &y_off)))
        return rc;
    if ((rc = ku_output_like(c, 0, dt, 0)))
        return rc;
    size_t n = ku_numel(x);
    for (size_t i = 0; i < n; i++) {
        double xv = (double)((float)(ku_get_int(x, i) + x_off) * x_scale);
        double r = nearbyint(f(xv) / (double)y_scale) - (double)y_off;
        ku_set_int(&c->outputs[0], i, r < (double)lo ? lo : r > (double)hi ? hi : (int64_t)r);
    }
    return 0;
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

static int k_sigmoid(opinfo_kernel_call *c)
{
    return activation(c, "sigmoid", sigmoid, sigmoid_q, sizeof sigmoid_q / sizeof sigmoid_q[0]);
}

static int k_tanh(opinfo_kernel_call *c)
{
    return activation(c, "tanh", tanh, tanh_q, sizeof tanh_q / sizeof tanh_q[0]);
}

#define FN(f) ((void (*)(void))(opinfo_kernel_fn)(f))

const opinfo_plugin_kernel qnn_htp_kernels[] = {
    {"quantize", FN(k_quantize)},
    {"dequantize", FN(k_dequantize)},
    {"requantize", FN(k_requantize)},
    {"lpbq_scales", FN(k_lpbq_scales)},
    {"quantize_lpbq", FN(k_quantize_lpbq)},
    {"dequantize_lpbq", FN(k_dequantize_lpbq)},
    {"fully_connected", FN(k_fully_connected)},
    {"fully_connected_lpbq", FN(k_fully_connected_lpbq)},
    {"conv2d", FN(k_conv2d)},
    {"conv2d_lpbq", FN(k_conv2d_lpbq)},
    {"sigmoid", FN(k_sigmoid)},
    {"tanh", FN(k_tanh)},
};

const char *const qnn_htp_kernel_signatures[] = {
    "x:float32 -> y:dtype; scale[1|C], offset[1|C]=0 (= -zero_point), axis, dtype=uint8 "
    "(uint8, int8, uint16, int16, int4, uint4)",
    "q:int -> y:float32; scale[1|C], offset[1|C]=0, axis",
    "acc:int32 -> y:dtype; scale[1|C], offset[1|C]=0, axis, dtype=uint8",
    "block_scales:float32[N,B] -> scale:float32[N], block_scale:uint8[N,B]",
    "w:float32[N,K], block_scale:uint8[N,K/block_size] -> q:int8[N,K] (4-bit values); scale[N], "
    "block_size",
    "q:int8[N,K] (4-bit values), block_scale:uint8[N,K/block_size] -> w:float32[N,K]; scale[N], "
    "block_size",
    "x:uint8|uint16|int8|int16[...,K], w:int8[N,K], bias:int32[N]? -> y:dtype[...,N]; x_scale, "
    "x_offset=0, w_scale[1|N], w_offset[1|N]=0, w_dtype=int8 (int8, int4), y_scale, y_offset=0, "
    "dtype=uint8",
    "x[...,K], w:int8[N,K] (4-bit values), block_scale:uint8[N,K/block_size], bias:int32[N]? -> "
    "y:dtype[...,N]; as fully_connected with w_scale[N], block_size",
    "x[N,H,W,C], w:int8[KH,KW,C/groups,O], bias:int32[O]? -> y:dtype[N,OH,OW,O]; as "
    "fully_connected, stride=1,1, padding=0,0[,0,0], dilation=1,1, groups=1",
    "x[N,H,W,C], w:int8[KH,KW,C/groups,O], block_scale:uint8[O,(C/groups)/block_size], "
    "bias:int32[O]? -> y; as conv2d with w_scale[O], block_size",
    "x:uint8|uint16|int16 -> y:dtype (fixed qparams); x_scale, x_offset=0, dtype=x's",
    "x:uint8|uint16|int16 -> y:dtype (fixed qparams for 16-bit; uint8 takes y_scale, y_offset); "
    "x_scale, x_offset=0, dtype=x's",
};

const size_t qnn_htp_n_kernels = sizeof qnn_htp_kernels / sizeof qnn_htp_kernels[0];
