/*
 * kernels.c: FBGEMM's reference numerics (docs/kernels.md; facts: numerics.md §2, §3).
 *
 *   quantize      clamp(zp + nearbyint(x * (1.0f / scale)))   float multiply by the float
 *                 reciprocal, ties to even, zero point added after rounding (a float add), clamp
 *                 to the precision's signed or unsigned range (Quantize<T>)
 *   dequantize    scale * (q - zp)                            (Dequantize<T>)
 *   requantize    clamp(zp + lrintf((float)acc * multiplier)) (Requantize<T>, float multiplier)
 *   requantize_fixed_point
 *                 clamp(zp + ((acc * m + 2^(s-1)) >> s))      ties up (SaturatingRoundingMulWithShift)
 *   choose_qparams, choose_requantization_multiplier          (src/QuantUtils.cc)
 *   linear, conv2d  exact int32 accumulation of (x - x_zp)(w - w_zp) + bias, then ReQuantizeOutput:
 *                 lrintf((float)raw * multiplier) + y_zp, multiplier = (x_scale * w_scale) / y_scale
 *                 in float, clamped to [relu ? y_zp : 0, 255]
 *   add           PyTorch's scalar quantized add on FBGEMM: Quantize(Dequantize(a) + Dequantize(b))
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <opinfo/plugin.h>

#include "../common/kernel_util.h"
#include "kernels.h"

static const int32_t q_dtypes[] = {OPINFO_TENSOR_INT8, OPINFO_TENSOR_UINT8, OPINFO_TENSOR_INT16,
                                   OPINFO_TENSOR_UINT16, OPINFO_TENSOR_INT32};

/* The clamp of FBGEMM's clamp<T1,T2>(src, precision, is_signed). */
static int precision_range(opinfo_kernel_call *c, int32_t dtype, int64_t *lo, int64_t *hi)
{
    int64_t bits = (int64_t)ku_dtype_size(dtype) * 8, p;
    int is_signed = dtype == OPINFO_TENSOR_INT8 || dtype == OPINFO_TENSOR_INT16 ||
                    dtype == OPINFO_TENSOR_INT32;
    if (ku_int(c, "precision", 0, bits, 1, bits, &p))
        return KU_EUSAGE;
    if (is_signed)
        *lo = -((int64_t)1 << (p - 1)), *hi = ((int64_t)1 << (p - 1)) - 1;
    else
        *lo = 0, *hi = p == 64 ? INT64_MAX : ((int64_t)1 << p) - 1;
    return 0;
}

static int k_quantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "zero_point", "axis", "dtype", "precision", NULL};
    int32_t dt;
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "quantize", 1, 1, 1)) || (rc = ku_known(c, "quantize", known)) ||
        (rc = ku_want(c, 0, "x", OPINFO_TENSOR_FLOAT32, -1)) ||
        (rc = ku_out_dtype(c, q_dtypes, 5, OPINFO_TENSOR_UINT8, &dt)) ||
        (rc = precision_range(c, dt, &lo, &hi)))
        return rc;
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "zero_point", 0, INT32_MIN, INT32_MAX, &q)))
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
        float inv_scale = 1.0f / q.scale[ch];
        float t = x[i] * inv_scale;
        t = (float)(int32_t)q.zp[ch] + nearbyintf(t);
        double d = t;
        ku_set_int(&c->outputs[0], i, d < (double)lo ? lo : d > (double)hi ? hi : (int64_t)d);
    }
    ku_qparams_free(&q);
    return 0;
}

static int k_dequantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"scale", "zero_point", "axis", NULL};
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "dequantize", 1, 1, 1)) || (rc = ku_known(c, "dequantize", known)) ||
        (rc = ku_want_int(c, 0, "q", -1)))
        return rc;
    if ((rc = ku_qparams_read(c, &c->inputs[0], "scale", "zero_point", 0, INT32_MIN, INT32_MAX, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, OPINFO_TENSOR_FLOAT32, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    float *y = c->outputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    for (size_t i = 0; i < n; i++) {
        size_t ch = ku_channel(&q, i);
        y[i] = q.scale[ch] * (float)(ku_get_int(&c->inputs[0], i) - q.zp[ch]);
    }
    ku_qparams_free(&q);
    return 0;
}

/* zp + lrintf(v) clamped, for a float v that may be far outside any integer range. */
static int64_t round_clamp(float v, int64_t zp, int64_t lo, int64_t hi)
{
    if (v >= 0x1p40f)
        return hi;
    if (v <= -0x1p40f)
        return lo;
    return ku_clamp(zp + (int64_t)lrintf(v), lo, hi);
}

static int k_requantize(opinfo_kernel_call *c)
{
    static const char *const known[] = {"multiplier", "zero_point", "axis", "dtype", "precision",
                                        NULL};
    int32_t dt;
    int64_t lo, hi;
    ku_qparams q;
    int rc;
    if ((rc = ku_check_call(c, "requantize", 1, 1, 1)) || (rc = ku_known(c, "requantize", known)) ||
        (rc = ku_want(c, 0, "acc", OPINFO_TENSOR_INT32, -1)) ||
        (rc = ku_out_dtype(c, q_dtypes, 4, OPINFO_TENSOR_UINT8, &dt)) ||
        (rc = precision_range(c, dt, &lo, &hi)))
        return rc;
    if ((rc = ku_qparams_read(c, &c->inputs[0], "multiplier", "zero_point", 0, INT32_MIN,
                              INT32_MAX, &q)))
        return rc;
    if ((rc = ku_output_like(c, 0, dt, 0))) {
        ku_qparams_free(&q);
        return rc;
    }
    const int32_t *acc = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    if (q.n == 1 && (dt == OPINFO_TENSOR_INT8 || dt == OPINFO_TENSOR_UINT8) &&
        q.zp[0] >= -65536 && q.zp[0] <= 65536) {
        /* the hot path: the shared vectorizable loop (kernel_util.h) */
        if (dt == OPINFO_TENSOR_INT8)
            ku_requant_fp32_s8(n, acc, c->outputs[0].data, q.scale[0], (int32_t)q.zp[0],
                               (int32_t)lo, (int32_t)hi);
        else
            ku_requant_fp32_u8(n, acc, c->outputs[0].data, q.scale[0], (int32_t)q.zp[0],
                               (int32_t)lo, (int32_t)hi);
    } else if (q.n == 1) {
        float m = q.scale[0];
        int64_t zp = q.zp[0];
        for (size_t i = 0; i < n; i++)
            ku_set_int(&c->outputs[0], i, round_clamp((float)acc[i] * m, zp, lo, hi));
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t ch = ku_channel(&q, i);
            ku_set_int(&c->outputs[0], i,
                       round_clamp((float)acc[i] * q.scale[ch], q.zp[ch], lo, hi));
        }
    }
    ku_qparams_free(&q);
    return 0;
}

static int k_requantize_fixed_point(opinfo_kernel_call *c)
{
    static const char *const known[] = {"multiplier", "right_shift", "zero_point", "dtype",
                                        "precision", NULL};
    int32_t dt;
    int64_t lo, hi, m, s, zp;
    int rc;
    if ((rc = ku_check_call(c, "requantize_fixed_point", 1, 1, 1)) ||
        (rc = ku_known(c, "requantize_fixed_point", known)) ||
        (rc = ku_want(c, 0, "acc", OPINFO_TENSOR_INT32, -1)) ||
        (rc = ku_out_dtype(c, q_dtypes, 4, OPINFO_TENSOR_UINT8, &dt)) ||
        (rc = precision_range(c, dt, &lo, &hi)) ||
        (rc = ku_int(c, "multiplier", 1, 0, INT32_MIN, INT32_MAX, &m)) ||
        (rc = ku_int(c, "right_shift", 1, 0, 1, 63, &s)) ||
        (rc = ku_int(c, "zero_point", 0, 0, INT32_MIN, INT32_MAX, &zp)))
        return rc;
    if ((rc = ku_output_like(c, 0, dt, 0)))
        return rc;
    const int32_t *acc = c->inputs[0].data;
    size_t n = ku_numel(&c->inputs[0]);
    int64_t rounding = (int64_t)1 << (s - 1);
    for (size_t i = 0; i < n; i++) {
        int64_t v = ku_asr64((int64_t)acc[i] * m + rounding, (unsigned)s);
        ku_set_int(&c->outputs[0], i, ku_clamp(zp + v, lo, hi));
    }
    return 0;
}

static int scalar_out(opinfo_kernel_call *c, size_t o, int32_t dtype, double v)
{
    int64_t one = 1;
    int rc = ku_output(c, o, dtype, 1, &one);
    if (rc)
        return rc;
    if (dtype == OPINFO_TENSOR_FLOAT32)
        *(float *)c->outputs[o].data = (float)v;
    else
        *(int32_t *)c->outputs[o].data = (int32_t)v;
    return 0;
}

static int k_choose_qparams(opinfo_kernel_call *c)
{
    static const char *const known[] = {"min", "max", "qmin", "qmax", "preserve_sparsity",
                                        "force_scale_power_of_two", NULL};
    float min, max;
    int64_t qmin, qmax, sparse, pow2;
    int rc;
    if ((rc = ku_check_call(c, "choose_qparams", 0, 0, 2)) ||
        (rc = ku_known(c, "choose_qparams", known)) || (rc = ku_float(c, "min", 1, 0, &min)) ||
        (rc = ku_float(c, "max", 1, 0, &max)) ||
        (rc = ku_int(c, "qmin", 1, 0, INT32_MIN / 2, INT32_MAX / 2, &qmin)) ||
        (rc = ku_int(c, "qmax", 1, 0, INT32_MIN / 2, INT32_MAX / 2, &qmax)) ||
        (rc = ku_int(c, "preserve_sparsity", 0, 0, 0, 1, &sparse)) ||
        (rc = ku_int(c, "force_scale_power_of_two", 0, 0, 0, 1, &pow2)))
        return rc;
    if (qmin >= qmax)
        return ku_fail(c, "choose_qparams: qmin %lld must be below qmax %lld", (long long)qmin,
                       (long long)qmax);
    /* min > max is not refused: FBGEMM widens [min, max] to contain 0 and returns a result
     * (e.g. min 1, max 0.5 is [0, 0.5]; min 1, max -1 is [0, 0], scale 0.1) */
    int32_t lo = (int32_t)qmin, hi = (int32_t)qmax;
    if (min < 0 && max > 0 && sparse) {
        int32_t sqmin = -((hi - lo) / 2 + 1), sqmax = (hi - lo) / 2;
        float a = fabsf(min / (float)sqmin), b = fabsf(max / (float)sqmax);
        double max_scale = a > b ? a : b;
        min = (float)(max_scale * sqmin);
        max = (float)(max_scale * sqmax);
    }
    min = min < 0.f ? min : 0.f;
    max = max > 0.f ? max : 0.f;
    float scale = (float)(((double)max - min) / (double)(hi - lo));
    if (scale == 0 || isinf(1.0f / scale))
        scale = 0.1f;
    if (pow2) {
        /* in double, as FBGEMM: 1.0 / scale and log2 of it; a float reciprocal or log2f moves
         * the exponent when scale is an ulp or two above 2^-k. FBGEMM shifts an int (1 << e),
         * undefined from e = 31; opinfo uses the power of two the expression means. */
        if (scale < 1) {
            int e = (int)floor(log2(1.0 / (double)scale));
            scale = e < 62 ? (float)(1.0 / (double)((int64_t)1 << e)) : ldexpf(1.0f, -e);
        } else {
            int e = (int)ceil(log2((double)scale));
            scale = ldexpf(1.0f, e);
        }
    }
    const float thr = 6.1e-5f;
    if (scale < thr) {
        float org = scale;
        scale = thr;
        if (min == 0)
            max = thr * (float)(hi - lo);
        else if (max == 0)
            min = -thr * (float)(hi - lo);
        else {
            float amp = thr / org;
            min *= amp;
            max *= amp;
        }
    }
    double zfmin = lo - min / (double)scale, zfmax = hi - max / (double)scale;
    double efmin = fabs((double)lo) + fabs(min / (double)scale);
    double efmax = fabs((double)hi) + fabs(max / (double)scale);
    double z0 = efmin < efmax ? zfmin : zfmax;
    if (min < 0 && max > 0 && sparse)
        z0 = (double)(lo + hi) / 2;
    double zp = z0 < lo ? lo : z0 > hi ? hi : nearbyint(z0);
    if ((rc = scalar_out(c, 0, OPINFO_TENSOR_FLOAT32, scale)))
        return rc;
    return scalar_out(c, 1, OPINFO_TENSOR_INT32, zp);
}

static int k_choose_requantization_multiplier(opinfo_kernel_call *c)
{
    static const char *const known[] = {"real", "precision", NULL};
    float real;
    int64_t prec;
    int rc;
    if ((rc = ku_check_call(c, "choose_requantization_multiplier", 0, 0, 2)) ||
        (rc = ku_known(c, "choose_requantization_multiplier", known)) ||
        (rc = ku_float(c, "real", 1, 0, &real)) || (rc = ku_int(c, "precision", 0, 32, 2, 32, &prec)))
        return rc;
    if (!(real > 0))
        return ku_fail(c, "choose_requantization_multiplier: real %g must be positive",
                       (double)real);
    int s = 31;
    while (real < 0.5f) {
        real *= 2.0f;
        s++;
    }
    while (real > 1.0f) {
        real /= 2.0f;
        s--;
    }
    int64_t one = (int64_t)1 << (prec - 1);
    int64_t q = (int64_t)nearbyintf(real * (float)one);
    if (q == one) {
        q /= 2;
        s--;
    }
    if (s < 0 || s >= 64 || q > INT32_MAX)
        return ku_fail(c, "choose_requantization_multiplier: the multiplier needs a shift of %d, "
                          "outside [0, 63]", s);
    if ((rc = scalar_out(c, 0, OPINFO_TENSOR_INT32, (double)q)))
        return rc;
    return scalar_out(c, 1, OPINFO_TENSOR_INT32, s);
}

/* ---- linear, conv2d ------------------------------------------------------------------------ */

typedef struct gemm_q {
    float x_scale, y_scale;
    int64_t x_zp, y_zp, relu;
    ku_qparams w; /* per tensor or per output channel */
} gemm_q;

static const char *const gemm_attrs[] = {"x_scale", "x_zero_point", "w_scale", "w_zero_point",
                                         "y_scale", "y_zero_point", "relu", "axis", "stride",
                                         "padding", "dilation", "groups", NULL};

static int read_gemm_q(opinfo_kernel_call *c, const char *kernel, size_t wi, int w_axis, gemm_q *g)
{
    int rc;
    if ((rc = ku_known(c, kernel, gemm_attrs)) || (rc = ku_scale1(c, "x_scale", &g->x_scale)) ||
        (rc = ku_int(c, "x_zero_point", 0, 0, 0, 255, &g->x_zp)) ||
        (rc = ku_scale1(c, "y_scale", &g->y_scale)) ||
        (rc = ku_int(c, "y_zero_point", 0, 0, 0, 255, &g->y_zp)) ||
        (rc = ku_int(c, "relu", 0, 0, 0, 1, &g->relu)))
        return rc;
    if (ku_attr(c, "axis"))
        return ku_fail(c, "%s: the weight's channel axis is fixed (its output channels); give no "
                          "axis", kernel);
    return ku_qparams_axis(c, &c->inputs[wi], "w_scale", "w_zero_point", 0, -128, 127, w_axis,
                           &g->w);
}

/* ReQuantizeOutput of every accumulator; channel of acc i is (i / inner) % n_out. */
static void requant_out(const gemm_q *g, const int64_t *acc, size_t count, size_t inner,
                        size_t n_out, uint8_t *y)
{
    int64_t lo = g->relu ? g->y_zp : 0;
    for (size_t i = 0; i < count; i++) {
        size_t ch = g->w.n == 1 ? 0 : (i / inner) % n_out;
        float act_times_w = g->x_scale * g->w.scale[ch];
        float mult = act_times_w / g->y_scale;
        int32_t raw = ku_wrap32(acc[i]);
        y[i] = (uint8_t)round_clamp((float)raw * mult, g->y_zp, lo, 255);
    }
}

static int k_linear(opinfo_kernel_call *c)
{
    gemm_q g;
    size_t m, k, n;
    int rc;
    if ((rc = ku_check_call(c, "linear", 2, 3, 1)) ||
        (rc = ku_want(c, 0, "x", OPINFO_TENSOR_UINT8, -1)) ||
        (rc = ku_want(c, 1, "w", OPINFO_TENSOR_INT8, 2)) ||
        (rc = ku_linear_shapes(c, 0, 1, 0, c->n_inputs == 3, &m, &k, &n)) ||
        (rc = read_gemm_q(c, "linear", 1, 0, &g)))
        return rc;
    int64_t *acc = malloc(((m * n) > 0 ? m * n : 1) * sizeof *acc);
    int64_t shape[OPINFO_TENSOR_MAX_RANK];
    memcpy(shape, c->inputs[0].shape, sizeof shape);
    shape[c->inputs[0].rank - 1] = (int64_t)n;
    if (!acc || (rc = ku_output(c, 0, OPINFO_TENSOR_UINT8, c->inputs[0].rank, shape))) {
        free(acc);
        ku_qparams_free(&g.w);
        return acc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    int64_t *wzp = malloc(n ? n * sizeof *wzp : 1);
    if (!wzp) {
        free(acc);
        ku_qparams_free(&g.w);
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    }
    for (size_t j = 0; j < n; j++)
        wzp[j] = g.w.zp[g.w.n == 1 ? 0 : j];
    ku_linear_acc(m, k, n, &c->inputs[0], g.x_zp, &c->inputs[1], 0, wzp, NULL,
                  c->n_inputs == 3 ? &c->inputs[2] : NULL, acc);
    requant_out(&g, acc, m * n, 1, n, c->outputs[0].data);
    free(wzp);
    free(acc);
    ku_qparams_free(&g.w);
    return 0;
}

static int k_conv2d(opinfo_kernel_call *c)
{
    gemm_q g;
    ku_conv_geom geo;
    int rc;
    memset(&geo, 0, sizeof geo);
    if ((rc = ku_check_call(c, "conv2d", 2, 3, 1)) ||
        (rc = ku_want(c, 0, "x", OPINFO_TENSOR_UINT8, 4)) ||
        (rc = ku_want(c, 1, "w", OPINFO_TENSOR_INT8, 4)) || (rc = ku_conv_attrs(c, &geo)))
        return rc;
    const opinfo_tensor *x = &c->inputs[0], *w = &c->inputs[1];
    geo.n = x->shape[0], geo.c = x->shape[1], geo.h = x->shape[2], geo.w = x->shape[3];
    geo.o = w->shape[0], geo.kh = w->shape[2], geo.kw = w->shape[3];
    if ((rc = ku_conv_geom_check(c, &geo)))
        return rc;
    if (w->shape[1] != geo.c / geo.groups)
        return ku_fail(c, "conv2d: the weight has %lld input channels per group, the input %lld",
                       (long long)w->shape[1], (long long)(geo.c / geo.groups));
    if (c->n_inputs == 3 && (c->inputs[2].dtype != OPINFO_TENSOR_INT32 || c->inputs[2].rank != 1 ||
                             c->inputs[2].shape[0] != geo.o))
        return ku_fail(c, "conv2d: the bias (input 2) must be int32 of shape [%lld]",
                       (long long)geo.o);
    if ((rc = read_gemm_q(c, "conv2d", 1, 0, &g)))
        return rc;
    /* NCHW input, OIHW weight, NCHW output */
    geo.xs[3] = 1, geo.xs[2] = geo.w, geo.xs[1] = geo.h * geo.w, geo.xs[0] = geo.c * geo.h * geo.w;
    geo.ws[3] = 1, geo.ws[2] = geo.kw, geo.ws[1] = geo.kh * geo.kw;
    geo.ws[0] = w->shape[1] * geo.kh * geo.kw;
    geo.ys[3] = 1, geo.ys[2] = geo.ow, geo.ys[1] = geo.oh * geo.ow;
    geo.ys[0] = geo.o * geo.oh * geo.ow;
    int64_t shape[4] = {geo.n, geo.o, geo.oh, geo.ow};
    size_t count = (size_t)(geo.n * geo.o * geo.oh * geo.ow);
    int64_t *acc = malloc((count ? count : 1) * sizeof *acc);
    int64_t *wzp = malloc((size_t)(geo.o ? geo.o : 1) * sizeof *wzp);
    if (!acc || !wzp || (rc = ku_output(c, 0, OPINFO_TENSOR_UINT8, 4, shape))) {
        free(acc), free(wzp);
        ku_qparams_free(&g.w);
        return rc ? rc : (ku_fail(c, "out of memory"), KU_ENOMEM);
    }
    for (int64_t o = 0; o < geo.o; o++)
        wzp[o] = g.w.zp[g.w.n == 1 ? 0 : (size_t)o];
    ku_conv_acc(&geo, x, g.x_zp, w, wzp, NULL, c->n_inputs == 3 ? &c->inputs[2] : NULL, acc);
    requant_out(&g, acc, count, (size_t)(geo.oh * geo.ow), (size_t)geo.o, c->outputs[0].data);
    free(acc), free(wzp);
    ku_qparams_free(&g.w);
    return 0;
}

static int k_add(opinfo_kernel_call *c)
{
    static const char *const known[] = {"a_scale", "a_zero_point", "b_scale", "b_zero_point",
                                        "y_scale", "y_zero_point", "relu", NULL};
    float as, bs, ys;
    int64_t az, bz, yz, relu, lo, hi;
    int rc;
    if ((rc = ku_check_call(c, "add", 2, 2, 1)) || (rc = ku_known(c, "add", known)) ||
        (rc = ku_want_int(c, 0, "a", -1)))
        return rc;
    int32_t dt = c->inputs[0].dtype;
    if (dt != OPINFO_TENSOR_UINT8 && dt != OPINFO_TENSOR_INT8)
        return ku_fail(c, "add: a must be uint8 or int8, not %s", ku_dtype_name(dt));
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
        (rc = ku_int(c, "relu", 0, 0, 0, 1, &relu)) || (rc = ku_output_like(c, 0, dt, 0)))
        return rc;
    size_t n = ku_numel(&c->inputs[0]);
    float inv = 1.0f / ys;
    for (size_t i = 0; i < n; i++) {
        float a = as * (float)(ku_get_int(&c->inputs[0], i) - az);
        float b = bs * (float)(ku_get_int(&c->inputs[1], i) - bz);
        float s = a + b;
        if (relu && s < 0)
            s = 0;
        float t = (float)(int32_t)yz + nearbyintf(s * inv);
        double d = t;
        ku_set_int(&c->outputs[0], i, d < (double)lo ? lo : d > (double)hi ? hi : (int64_t)d);
    }
    return 0;
}

#define FN(f) ((void (*)(void))(opinfo_kernel_fn)(f))

const opinfo_plugin_kernel fbgemm_kernels[] = {
    {"quantize", FN(k_quantize)},
    {"dequantize", FN(k_dequantize)},
    {"requantize", FN(k_requantize)},
    {"requantize_fixed_point", FN(k_requantize_fixed_point)},
    {"choose_qparams", FN(k_choose_qparams)},
    {"choose_requantization_multiplier", FN(k_choose_requantization_multiplier)},
    {"linear", FN(k_linear)},
    {"conv2d", FN(k_conv2d)},
    {"add", FN(k_add)},
};

const char *const fbgemm_kernel_signatures[] = {
    "x:float32 -> y:dtype; scale[1|C], zero_point[1|C]=0, axis, dtype=uint8, precision=bits",
    "q:int -> y:float32; scale[1|C], zero_point[1|C]=0, axis",
    "acc:int32 -> y:dtype; multiplier[1|C], zero_point[1|C]=0, axis, dtype=uint8, precision=bits",
    "acc:int32 -> y:dtype; multiplier, right_shift (1..63), zero_point=0, dtype=uint8, "
    "precision=bits",
    "-> scale:float32[1], zero_point:int32[1]; min, max, qmin, qmax, preserve_sparsity=0, "
    "force_scale_power_of_two=0",
    "-> multiplier:int32[1], right_shift:int32[1]; real, precision=32",
    "x:uint8[...,K], w:int8[N,K], bias:int32[N]? -> y:uint8[...,N]; x_scale, x_zero_point=0, "
    "w_scale[1|N], w_zero_point[1|N]=0, y_scale, y_zero_point=0, relu=0",
    "x:uint8[N,C,H,W], w:int8[O,C/groups,KH,KW], bias:int32[O]? -> y:uint8[N,O,OH,OW]; x_scale, "
    "x_zero_point=0, w_scale[1|O], w_zero_point[1|O]=0, y_scale, y_zero_point=0, relu=0, "
    "stride=1,1, padding=0,0[,0,0], dilation=1,1, groups=1",
    "a:uint8|int8, b:same -> y:same; a_scale, a_zero_point=0, b_scale, b_zero_point=0, y_scale, "
    "y_zero_point=0, relu=0",
};

const size_t fbgemm_n_kernels = sizeof fbgemm_kernels / sizeof fbgemm_kernels[0];
