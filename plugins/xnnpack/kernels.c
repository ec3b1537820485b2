/*
 * kernels.c: XNNPACK's reference numerics for qs8 (int8) and qu8 (uint8) tensors
 * (docs/kernels.md; facts: numerics.md §1).
 *
 *   quantize      lrintf(clamp(x / scale + zp))            division, the zero point added BEFORE
 *                 rounding, clamp in float (xnn_q{s,u}8_quantize); NaN clamps to the minimum
 *   dequantize    (float)(q - zp) * scale                  (the q{s,u}8 -> f32 conversion)
 *   requantize    scheme 0, fp32: lrintf(clamp((float)acc * scale, min - zp, max - zp)) + zp,
 *                 ties to even; scheme 1, rndnu: the scale's 24-bit mantissa and exponent as an
 *                 exact integer multiply and shift with ties up, clamp, + zp (the 64-bit result is
 *                 narrowed to int32 before the clamp, as XNNPACK's reference does). The scale must
 *                 lie in [2^-32, 256): outside it XNNPACK refuses the operator, so do we;
 *                 scheme 2, gemmlowp (the q{s,u}8 gemmlowp scalar requantization kernels): the
 *                 mantissa as a Q31 multiplier in [2^30, 2^31), a rounding doubling high multiply
 *                 (ties up), then a rounding right shift by 126 - exponent (ties away from zero):
 *                 two roundings; scales in [2^-32, 1) only, as the kernels assert
 *   fully_connected, conv2d (NHWC, OHWI weights)
 *                 int32 accumulation of (x - x_zp)(w - w_zp) + bias, requantized as above with
 *                 scale = x_scale * w_scale / y_scale in float (per output channel for qs8 weights)
 *   add           XNNPACK's fixed-point add: multipliers a_scale/y_scale and b_scale/y_scale in
 *                 [2^-10, 2^8) as 21-bit integers, one shared shift, rounding folded into the bias
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opinfo/plugin.h>

#include "../common/kernel_util.h"
#include "kernels.h"

static const int32_t q8[] = {OPINFO_TENSOR_INT8, OPINFO_TENSOR_UINT8};

static int is_q8(int32_t dt) { return dt == OPINFO_TENSOR_INT8 || dt == OPINFO_TENSOR_UINT8; }

static int k_quantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "zero_point", "axis", "dtype", NULL};
    int32_t dt;
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "quantize", 1, 1, 1)) || (rc = ku_known(c, "quantize", known)) ||
        (rc = ku_want(c, 0, "x", OPINFO_TENSOR_FLOAT32, -1)) ||
        (rc = ku_out_dtype(c, q8, 2, OPINFO_TENSOR_INT8, &dt)))
        return rc;
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "zero_point", 0, lo, hi, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, dt, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    const float *x = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    float flo = (float)lo, fhi = (float)hi;
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        float v = x[i] / q.scale[ch] + (float)q.zp[ch];
        v = fmaxf(v, flo);
        v = fminf(v, fhi);
        ku_set_int(&c->outputs[0], i, (int64_t)lrintf(v));
    }
    ku_qparams_free(&q);
    return 0;
}

static int k_dequantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "zero_point", "axis", NULL};
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "dequantize", 1, 1, 1)) || (rc = ku_known(c, "dequantize", known)))
        return rc;
    if (!is_q8(c->inputs[0].dtype))
        return ku_fail(c, "dequantize: q must be int8 or uint8, not %s",
                       ku_dtype_name(c->inputs[0].dtype));
    ku_dtype_range(c->inputs[0].dtype, &lo, &hi);
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "zero_point", 0, lo, hi, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, OPINFO_TENSOR_FLOAT32, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    float *y = c->outputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        y[i] = (float)(int32_t)(ku_get_int(&c->inputs[0], i) - q.zp[ch]) * q.scale[ch];
    }
    ku_qparams_free(&q);
    return 0;
}

/* One requantization: scheme, the scale's parameters, the output range. */
typedef struct rq {
    int scheme; /* 0 fp32, 1 rndnu, 2 gemmlowp */
    float scale;
    int64_t multiplier;
    unsigned shift;
    int64_t zp, min_less_zp, max_less_zp;
    float fmin_less_zp, fmax_less_zp;
} rq;

/* XNNPACK's range of requantization scales, [2^-32, 256). */
static int rq_init(opinfo_kernel_call *c, rq *r, int scheme, float scale, int64_t zp, int64_t qmin,
                   int64_t qmax, const char *what)
{
    if (!(scale >= 0x1p-32f) || !(scale < 256.0f))
        return ku_fail(c, "%srequantization scale %.7g is outside XNNPACK's [2^-32, 256)", what,
                       (double)scale);
    if (scheme == 2 && !(scale < 1.0f))
        return ku_fail(c, "%srequantization scale %.7g: XNNPACK's gemmlowp requantization takes "
                          "scales in [2^-32, 1)", what, (double)scale);
    r->scheme = scheme;
    r->scale = scale;
    uint32_t bits = ku_f32_bits(scale);
    r->multiplier = (int64_t)((bits & 0x007FFFFFu) | 0x00800000u);
    r->shift = 127 + 23 - (bits >> 23);
    if (scheme == 2) {
        /* Q31: the 24-bit mantissa shifted to [2^30, 2^31 - 2^7]; the shift is what is left of
         * the exponent after the Q31 product's 31 bits, 126 - biased exponent, in [0, 31] */
        r->multiplier <<= 7;
        r->shift = 126 - (bits >> 23);
    }
    r->zp = zp;
    r->min_less_zp = qmin - zp;
    r->max_less_zp = qmax - zp;
    r->fmin_less_zp = (float)(int32_t)(qmin - zp);
    r->fmax_less_zp = (float)(int32_t)(qmax - zp);
    return 0;
}

/* gemmlowp: the Q31 product rounded half up, then divided by 2^shift rounded half away from zero.
 * The Q31 product is floor((acc * m + 2^30) / 2^31), within int32 for m < 2^31; the division
 * takes floor(q / 2^shift) and adds one when the remainder, less one for a negative q, exceeds
 * (2^shift - 1) / 2, which rounds ties away from zero and is exact for shift 0. */
static inline int64_t gemmlowp_apply(const rq *r, int32_t acc)
{
    int64_t q = ku_asr64((int64_t)acc * r->multiplier + ((int64_t)1 << 30), 31);
    int64_t mask = ((int64_t)1 << r->shift) - 1;
    int64_t rem = (q & mask) - (q < 0);
    int64_t v = ku_asr64(q, r->shift) + (rem > (mask >> 1));
    return ku_clamp(v, r->min_less_zp, r->max_less_zp) + r->zp;
}

static inline int64_t rq_apply(const rq *r, int32_t acc)
{
    if (r->scheme == 2)
        return gemmlowp_apply(r, acc);
    if (r->scheme == 0) {
        float y = (float)acc * r->scale;
        y = y > r->fmin_less_zp ? y : r->fmin_less_zp;
        y = r->fmax_less_zp < y ? r->fmax_less_zp : y;
        return (int64_t)lrintf(y) + r->zp;
    }
    int64_t rounding = (int64_t)1 << (r->shift - 1);
    int64_t v = ku_wrap32(ku_asr64((int64_t)acc * r->multiplier + rounding, r->shift));
    return ku_clamp(v, r->min_less_zp, r->max_less_zp) + r->zp;
}

/* rndnu per tensor to 8 bits: rq_apply's arithmetic in straight loops, one per output type
 * (the 64-bit product, the shift with ties up, the narrowing to int32, the clamp). */
#define RNDNU_LOOP(T)                                                                            \
    do {                                                                                         \
        const int64_t m = r->multiplier, round = (int64_t)1 << (r->shift - 1);                  \
        const unsigned sh = r->shift;                                                            \
        const int64_t lo = r->min_less_zp, hi = r->max_less_zp, zp = r->zp;                    \
        for (size_t i = 0; i < n; i++) {                                                         \
            int64_t v = ku_wrap32(ku_asr64((int64_t)acc[i] * m + round, sh));                    \
            v = v < lo ? lo : v;                                                                 \
            v = v > hi ? hi : v;                                                                 \
            y[i] = (T)(v + zp);                                                                  \
        }                                                                                        \
    } while (0)

static void rndnu_s8(size_t n, const int32_t *restrict acc, int8_t *restrict y, const rq *r)
{
    RNDNU_LOOP(int8_t);
}

static void rndnu_u8(size_t n, const int32_t *restrict acc, uint8_t *restrict y, const rq *r)
{
    RNDNU_LOOP(uint8_t);
}

/* Reads scheme, dtype-relative output range (qmin, qmax). */
static int read_scheme(opinfo_kernel_call *c, int64_t *scheme)
{
    return ku_int(c, "scheme", 0, 0, 0, 2, scheme);
}

static int read_range(opinfo_kernel_call *c, int32_t dt, const char *lo_name, const char *hi_name,
                      int64_t *qmin, int64_t *qmax)
{
    int64_t lo, hi;
    int rc;
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_int(c, lo_name, 0, lo, lo, hi, qmin)) || (rc = ku_int(c, hi_name, 0, hi, lo, hi, qmax)))
        return rc;
    if (*qmin > *qmax)
        return ku_fail(c, "%s %lld is above %s %lld", lo_name, (long long)*qmin, hi_name,
                       (long long)*qmax);
    return 0;
}

static int k_requantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "zero_point", "axis", "dtype", "scheme",
                                        "qmin", "qmax", NULL};
    int32_t dt;
    int64_t scheme, lo, hi, qmin, qmax;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "requantize", 1, 1, 1)) || (rc = ku_known(c, "requantize", known)) ||
        (rc = ku_want(c, 0, "acc", OPINFO_TENSOR_INT32, -1)))
        return rc;
    const opinfo_kernel_attr *da = ku_attr(c, "dtype");
    if (da && da->n == 1 && (da->values[0] == OPINFO_TENSOR_INT16 ||
                             da->values[0] == OPINFO_TENSOR_UINT16))
        return ku_fail(c, "requantize: XNNPACK requantizes to qs8 and qu8 only; it has no 16-bit "
                          "requantization");
    if ((rc = ku_out_dtype(c, q8, 2, OPINFO_TENSOR_INT8, &dt)) || (rc = read_scheme(c, &scheme)) ||
        (rc = read_range(c, dt, "qmin", "qmax", &qmin, &qmax)))
        return rc;
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "zero_point", 0, lo, hi, &q)))
        return rc;
    rq *r = malloc(q.n * sizeof *r);
    if (!r) {
        ku_qparams_free(&q);
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    }
    for (size_t i = 0; i < q.n; i++)
        if ((rc = rq_init(c, &r[i], (int)scheme, q.scale[i], q.zp[i], qmin, qmax, ""))) {
            free(r);
            ku_qparams_free(&q);
            return rc;
        }
    if ((rc = ku_output_like(c, 0, dt, 0))) {
        free(r);
        ku_qparams_free(&q);
        return rc;
    }
    const int32_t *acc = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    if (q.n == 1 && scheme == 0 && dt == OPINFO_TENSOR_INT8) {
        /* the hot path: the shared vectorizable loop (kernel_util.h), bit-identical to lrintf */
        ku_requant_fp32_s8(n, acc, c->outputs[0].data, r->scale, (int32_t)r->zp,
                           (int32_t)qmin, (int32_t)qmax);
    } else if (q.n == 1 && scheme == 0 && dt == OPINFO_TENSOR_UINT8) {
        ku_requant_fp32_u8(n, acc, c->outputs[0].data, r->scale, (int32_t)r->zp,
                           (int32_t)qmin, (int32_t)qmax);
    } else if (q.n == 1 && scheme == 1 && dt == OPINFO_TENSOR_INT8) {
        rndnu_s8(n, acc, c->outputs[0].data, r);
    } else if (q.n == 1 && scheme == 1 && dt == OPINFO_TENSOR_UINT8) {
        rndnu_u8(n, acc, c->outputs[0].data, r);
    } else {
        for (size_t i = 0; i < n; i++)
            ku_set_int(&c->outputs[0], i, rq_apply(&r[ku_channel(&q, i)], acc[i]));
    }
    free(r);
    ku_qparams_free(&q);
    return 0;
}

/* ---- fully_connected, conv2d ---------------------------------------------------------------- */

static const char *const gemm_attrs[] = {"x_scale", "x_zero_point", "w_scale", "w_zero_point",
                                         "y_scale", "y_zero_point", "y_min", "y_max", "scheme",
                                         "stride", "padding", "dilation", "groups", NULL};

/* Per output channel requantization of a qs8/qu8 GEMM; x is input 0, w input 1. */
static int gemm_rq(opinfo_kernel_call *c, const char *kernel, int w_axis, size_t n_out,
                   int64_t *x_zp, int64_t **w_zp, rq **out)
{
    int32_t dt = c->inputs[0].dtype;
    int64_t lo, hi, y_zp, y_min, y_max, scheme, wlo = 0, whi = 0;
    float x_scale, y_scale;
    ku_qparams wq;
    int rc;
    if (!is_q8(dt))
        return ku_fail(c, "%s: x must be int8 (qs8) or uint8 (qu8), not %s", kernel,
                       ku_dtype_name(dt));
    if (c->inputs[1].dtype != dt)
        return ku_fail(c, "%s: w must be %s like x, not %s", kernel, ku_dtype_name(dt),
                       ku_dtype_name(c->inputs[1].dtype));
    ku_dtype_range(dt, &lo, &hi);
    if (dt == OPINFO_TENSOR_UINT8)
        wlo = 0, whi = 255;
    if ((rc = ku_known(c, kernel, gemm_attrs)) || (rc = ku_scale1(c, "x_scale", &x_scale)) ||
        (rc = ku_int(c, "x_zero_point", 0, 0, lo, hi, x_zp)) ||
        (rc = ku_scale1(c, "y_scale", &y_scale)) ||
        (rc = ku_int(c, "y_zero_point", 0, 0, lo, hi, &y_zp)) ||
        (rc = read_range(c, dt, "y_min", "y_max", &y_min, &y_max)) ||
        (rc = read_scheme(c, &scheme)))
        return rc;
    /* qs8 weights are symmetric (zero point 0), per tensor or per channel; qu8 weights have one
     * zero point and one scale */
    if ((rc = ku_qparams_axis(c, &c->inputs[1], "w_scale", "w_zero_point", 0, wlo, whi, w_axis,
                              &wq)))
        return rc;
    if (dt == OPINFO_TENSOR_UINT8 && wq.n != 1) {
        ku_qparams_free(&wq);
        return ku_fail(c, "%s: qu8 weights have one scale and zero point (XNNPACK has no "
                          "per-channel qu8 weights)", kernel);
    }
    *w_zp = malloc((n_out ? n_out : 1) * sizeof **w_zp);
    *out = malloc((n_out ? n_out : 1) * sizeof **out);
    if (!*w_zp || !*out) {
        free(*w_zp), free(*out);
        ku_qparams_free(&wq);
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    }
    for (size_t j = 0; j < n_out; j++) {
        size_t ch = wq.n == 1 ? 0 : j;
        (*w_zp)[j] = wq.zp[ch];
        float scale = x_scale * wq.scale[ch] / y_scale;
        char what[64];
        snprintf(what, sizeof what, "channel %zu: ", j);
        if ((rc = rq_init(c, &(*out)[j], (int)scheme, scale, y_zp, y_min, y_max,
                          wq.n == 1 ? "" : what))) {
            free(*w_zp), free(*out);
            ku_qparams_free(&wq);
            return rc;
        }
    }
    ku_qparams_free(&wq);
    return 0;
}

static int k_fully_connected(opinfo_kernel_call *c)
{
    size_t m, k, n;
    int64_t x_zp, *w_zp = NULL;
    rq *r = NULL;
    int rc;
    if ((rc = ku_check_call(c, "fully_connected", 2, 3, 1)) ||
        (rc = ku_linear_shapes(c, 0, 1, 0, c->n_inputs == 3, &m, &k, &n)) ||
        (rc = gemm_rq(c, "fully_connected", 0, n, &x_zp, &w_zp, &r)))
        return rc;
    int64_t shape[OPINFO_TENSOR_MAX_RANK];
    memcpy(shape, c->inputs[0].shape, sizeof shape);
    shape[c->inputs[0].rank - 1] = (int64_t)n;
    int64_t *acc = malloc(((m * n) > 0 ? m * n : 1) * sizeof *acc);
    if (!acc || (rc = ku_output(c, 0, c->inputs[0].dtype, c->inputs[0].rank, shape))) {
        free(acc), free(w_zp), free(r);
        return acc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    ku_linear_acc(m, k, n, &c->inputs[0], x_zp, &c->inputs[1], 0, w_zp, NULL,
                  c->n_inputs == 3 ? &c->inputs[2] : NULL, acc);
    for (size_t i = 0; i < m * n; i++)
        ku_set_int(&c->outputs[0], i, rq_apply(&r[i % (n ? n : 1)], ku_wrap32(acc[i])));
    free(acc), free(w_zp), free(r);
    return 0;
}

static int k_conv2d(opinfo_kernel_call *c)
{
    ku_conv_geom g;
    int64_t x_zp, *w_zp = NULL;
    rq *r = NULL;
    int rc;
    memset(&g, 0, sizeof g);
    if ((rc = ku_check_call(c, "conv2d", 2, 3, 1)) || (rc = ku_want_int(c, 0, "x", 4)) ||
        (rc = ku_want_int(c, 1, "w", 4)) || (rc = ku_conv_attrs(c, &g)))
        return rc;
    const opinfo_tensor *x = &c->inputs[0], *w = &c->inputs[1];
    /* NHWC input, OHWI weight (output channels, kernel rows, columns, input channels/group) */
    g.n = x->shape[0], g.h = x->shape[1], g.w = x->shape[2], g.c = x->shape[3];
    g.o = w->shape[0], g.kh = w->shape[1], g.kw = w->shape[2];
    if ((rc = ku_conv_geom_check(c, &g)))
        return rc;
    if (w->shape[3] != g.c / g.groups)
        return ku_fail(c, "conv2d: the weight has %lld input channels per group, the input %lld",
                       (long long)w->shape[3], (long long)(g.c / g.groups));
    if (c->n_inputs == 3 && (c->inputs[2].dtype != OPINFO_TENSOR_INT32 ||
                             c->inputs[2].rank != 1 || c->inputs[2].shape[0] != g.o))
        return ku_fail(c, "conv2d: the bias (input 2) must be int32 of shape [%lld]",
                       (long long)g.o);
    if ((rc = gemm_rq(c, "conv2d", 0, (size_t)g.o, &x_zp, &w_zp, &r)))
        return rc;
    g.xs[1] = 1, g.xs[3] = g.c, g.xs[2] = g.w * g.c, g.xs[0] = g.h * g.w * g.c;
    g.ws[1] = 1, g.ws[3] = w->shape[3], g.ws[2] = g.kw * w->shape[3];
    g.ws[0] = g.kh * g.kw * w->shape[3];
    g.ys[1] = 1, g.ys[3] = g.o, g.ys[2] = g.ow * g.o, g.ys[0] = g.oh * g.ow * g.o;
    int64_t shape[4] = {g.n, g.oh, g.ow, g.o};
    size_t count = (size_t)(g.n * g.oh * g.ow * g.o);
    int64_t *acc = malloc((count ? count : 1) * sizeof *acc);
    if (!acc || (rc = ku_output(c, 0, x->dtype, 4, shape))) {
        free(acc), free(w_zp), free(r);
        return acc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    ku_conv_acc(&g, x, x_zp, w, w_zp, NULL, c->n_inputs == 3 ? &c->inputs[2] : NULL, acc);
    for (size_t i = 0; i < count; i++)
        ku_set_int(&c->outputs[0], i, rq_apply(&r[i % (size_t)g.o], ku_wrap32(acc[i])));
    free(acc), free(w_zp), free(r);
    return 0;
}

static int k_add(opinfo_kernel_call *c)
{
    static const char *const known[] = {"a_scale", "a_zero_point", "b_scale", "b_zero_point",
                                        "y_scale", "y_zero_point", "y_min", "y_max", NULL};
    float as, bs, ys;
    int64_t az, bz, yz, lo, hi, ymin, ymax;
    int rc;
    if ((rc = ku_check_call(c, "add", 2, 2, 1)) || (rc = ku_known(c, "add", known)))
        return rc;
    int32_t dt = c->inputs[0].dtype;
    if (!is_q8(dt))
        return ku_fail(c, "add: a must be int8 or uint8, not %s", ku_dtype_name(dt));
    if ((rc = ku_want(c, 1, "b", dt, c->inputs[0].rank)))
        return rc;
    for (int d = 0; d < c->inputs[0].rank; d++)
        if (c->inputs[0].shape[d] != c->inputs[1].shape[d])
            return ku_fail(c, "add: a and b differ in dimension %d (%lld vs %lld)", d,
                           (long long)c->inputs[0].shape[d], (long long)c->inputs[1].shape[d]);
    ku_dtype_range(dt, &lo, &hi);
    if ((rc = ku_scale1(c, "a_scale", &as)) || (rc = ku_scale1(c, "b_scale", &bs)) ||
        (rc = ku_scale1(c, "y_scale", &ys)) || (rc = ku_int(c, "a_zero_point", 0, 0, lo, hi, &az)) ||
        (rc = ku_int(c, "b_zero_point", 0, 0, lo, hi, &bz)) ||
        (rc = ku_int(c, "y_zero_point", 0, 0, lo, hi, &yz)) ||
        (rc = read_range(c, dt, "y_min", "y_max", &ymin, &ymax)))
        return rc;
    float a_out = as / ys, b_out = bs / ys;
    if (!(a_out >= 0x1p-10f && a_out < 0x1p8f) || !(b_out >= 0x1p-10f && b_out < 0x1p8f))
        return ku_fail(c, "add: input-to-output scale ratios %.7g and %.7g must lie in XNNPACK's "
                          "[2^-10, 2^8)", (double)a_out, (double)b_out);
    float max_out = a_out > b_out ? a_out : b_out;
    int32_t max_exp = (int32_t)(ku_f32_bits(max_out) >> 23) - 127;
    uint32_t shift = (uint32_t)(20 - max_exp);
    int32_t a_mult = (int32_t)lrintf(ku_f32_from_bits(ku_f32_bits(a_out) + (shift << 23)));
    int32_t b_mult = (int32_t)lrintf(ku_f32_from_bits(ku_f32_bits(b_out) + (shift << 23)));
    int32_t bias = (int32_t)((INT32_C(1) << (shift - 1)) - (a_mult * (int32_t)az + b_mult * (int32_t)bz));
    if ((rc = ku_output_like(c, 0, dt, 0)))
        return rc;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++) {
        int32_t acc = bias + (int32_t)ku_get_int(&c->inputs[0], i) * a_mult +
                      (int32_t)ku_get_int(&c->inputs[1], i) * b_mult;
        int64_t out = ku_asr64(acc, shift);
        ku_set_int(&c->outputs[0], i, ku_clamp(out, ymin - yz, ymax - yz) + yz);
    }
    return 0;
}

#define FN(f) ((void (*)(void))(opinfo_kernel_fn)(f))

const opinfo_plugin_kernel xnnpack_kernels[] = {
    {"quantize", FN(k_quantize)},
    {"dequantize", FN(k_dequantize)},
    {"requantize", FN(k_requantize)},
    {"fully_connected", FN(k_fully_connected)},
    {"conv2d", FN(k_conv2d)},
    {"add", FN(k_add)},
};

const char *const xnnpack_kernel_signatures[] = {
    "x:float32 -> y:int8|uint8; scale[1|C], zero_point[1|C]=0, axis, dtype=int8",
    "q:int8|uint8 -> y:float32; scale[1|C], zero_point[1|C]=0, axis",
    "acc:int32 -> y:int8|uint8; scale[1|C] in [2^-32, 256), zero_point[1|C]=0, axis, "
    "dtype=int8, scheme=0 (0 fp32, 1 rndnu, 2 gemmlowp: scale < 1), qmin, qmax",
    "x:int8|uint8[...,K], w:same[N,K], bias:int32[N]? -> y:same[...,N]; x_scale, x_zero_point=0, "
    "w_scale[1|N] (qu8: 1), w_zero_point=0 (qu8 only), y_scale, y_zero_point=0, y_min, y_max, "
    "scheme=0",
    "x:int8|uint8[N,H,W,C], w:same[O,KH,KW,C/groups], bias:int32[O]? -> y:same[N,OH,OW,O]; as "
    "fully_connected, stride=1,1, padding=0,0[,0,0], dilation=1,1, groups=1",
    "a:int8|uint8, b:same -> y:same; a_scale, a_zero_point=0, b_scale, b_zero_point=0, y_scale, "
    "y_zero_point=0, y_min, y_max",
};

const size_t xnnpack_n_kernels = sizeof xnnpack_kernels / sizeof xnnpack_kernels[0];
