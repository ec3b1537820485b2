/* The reference kernels, through opinfo_kernel_run and the real plugins. Every expected value is
 * worked out by hand from the backend's rule (docs/kernels.md, facts numerics.md), not taken from
 * a run: ties, saturation at both ends, extreme scales; kernels that must agree agree, and where
 * two schemes differ they differ exactly on the ties. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo/plugin.h"
#include "testutil.h"

static opinfo_plugins *P;

#define T1(dt, n0, p) ((opinfo_tensor){.dtype = (dt), .rank = 1, .shape = {(n0)}, .data = (void *)(p)})
#define T2(dt, n0, n1, p)                                                                         \
    ((opinfo_tensor){.dtype = (dt), .rank = 2, .shape = {(n0), (n1)}, .data = (void *)(p)})
#define T4(dt, n0, n1, n2, n3, p)                                                                 \
    ((opinfo_tensor){.dtype = (dt), .rank = 4, .shape = {(n0), (n1), (n2), (n3)},                \
                     .data = (void *)(p)})
#define I8 OPINFO_DTYPE_INT8
#define U8 OPINFO_DTYPE_UINT8
#define I16 OPINFO_DTYPE_INT16
#define U16 OPINFO_DTYPE_UINT16
#define I32 OPINFO_DTYPE_INT32
#define F32 OPINFO_DTYPE_FLOAT32

/* Attributes from "name=v[,v...] name=v ..." (numbers as strtod reads them, or dtype names). */
typedef struct attrs {
    opinfo_kernel_attr a[16];
    double v[16][16];
    char names[16][32];
    size_t n;
} attrs;

static void parse_attrs(const char *spec, attrs *at)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    at->n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        size_t i = at->n++;
        snprintf(at->names[i], sizeof at->names[i], "%s", tok);
        size_t k = 0;
        char *s2 = NULL;
        for (char *v = strtok_r(eq + 1, ",", &s2); v; v = strtok_r(NULL, ",", &s2)) {
            opinfo_dtype dt = opinfo_dtype_from_name(v);
            at->v[i][k++] = dt != OPINFO_DTYPE_UNKNOWN ? (double)dt : strtod(v, NULL);
        }
        at->a[i].name = at->names[i];
        at->a[i].n = k;
        at->a[i].values = at->v[i];
    }
}

/* Runs a kernel; the error text (or "") in e. */
static int kr(const char *be, const char *name, const opinfo_tensor *in, size_t n_in,
              const char *spec, opinfo_tensor *out, size_t n_out, opinfo_error_t *e)
{
    attrs at;
    parse_attrs(spec, &at);
    opinfo_error_init(e);
    return opinfo_kernel_run(P, be, name, in, n_in, at.a, at.n, out, n_out, e);
}

static void run_ok(const char *be, const char *name, const opinfo_tensor *in, size_t n_in,
                   const char *spec, opinfo_tensor *out, size_t n_out)
{
    opinfo_error_t e;
    assert_opinfo_ok(kr(be, name, in, n_in, spec, out, n_out, &e), &e);
}

static void run_fails(const char *be, const char *name, const opinfo_tensor *in, size_t n_in,
                      const char *spec, size_t n_out, const char *want)
{
    opinfo_tensor out[2];
    opinfo_error_t e;
    memset(out, 0, sizeof out);
    int rc = kr(be, name, in, n_in, spec, out, n_out, &e);
    if (rc == OPINFO_OK)
        fail_msg("%s %s (%s) succeeded; expected: %s", be, name, spec, want);
    assert_int_equal(rc, OPINFO_EUSAGE);
    if (!strstr(e.text, want))
        fail_msg("%s %s: message \"%s\" lacks \"%s\"", be, name, e.text, want);
}

static void expect_ints(const opinfo_tensor *t, const int64_t *want, size_t n)
{
    size_t numel = 1;
    for (int d = 0; d < t->rank; d++)
        numel *= (size_t)t->shape[d];
    assert_int_equal(numel, n);
    for (size_t i = 0; i < n; i++) {
        int64_t got = 0;
        switch (t->dtype) {
        case I8: got = ((int8_t *)t->data)[i]; break;
        case U8: got = ((uint8_t *)t->data)[i]; break;
        case I16: got = ((int16_t *)t->data)[i]; break;
        case U16: got = ((uint16_t *)t->data)[i]; break;
        case I32: got = ((int32_t *)t->data)[i]; break;
        default: fail_msg("not an integer tensor");
        }
        if (got != want[i])
            fail_msg("element %zu: got %lld, want %lld", i, (long long)got, (long long)want[i]);
    }
}

static void expect_floats(const opinfo_tensor *t, const float *want, size_t n)
{
    assert_int_equal(t->dtype, F32);
    for (size_t i = 0; i < n; i++) {
        float got = ((float *)t->data)[i];
        if (memcmp(&got, &want[i], sizeof got) != 0)
            fail_msg("element %zu: got %.9g, want %.9g", i, (double)got, (double)want[i]);
    }
}

/* Runs a one-output kernel and compares it with integers; releases the output. */
#define EXPECT_INTS(be, name, in, n_in, spec, ...)                                                \
    do {                                                                                          \
        const int64_t want_[] = {__VA_ARGS__};                                                    \
        opinfo_tensor o_;                                                                         \
        run_ok(be, name, in, n_in, spec, &o_, 1);                                                 \
        expect_ints(&o_, want_, sizeof want_ / sizeof want_[0]);                                  \
        opinfo_tensor_release(&o_);                                                               \
    } while (0)

static int setup(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/lib/opinfo/plugins", t_builddir());
    const char *dirs[1] = {dir};
    opinfo_error_t e;
    opinfo_error_init(&e);
    return opinfo_plugins_open(dirs, 1, OPINFO_PLUGINS_ONLY_GIVEN, &P, &e);
}

static int teardown(void **state)
{
    (void)state;
    opinfo_plugins_close(P);
    P = NULL;
    return 0;
}

/* ---- quantize -------------------------------------------------------------------------------- */

/* Zero point added after rounding (FBGEMM, QNN) or before (XNNPACK): 0.5 with scale 1 and zero
 * point 1 is 1 for FBGEMM (nearbyint(0.5) = 0, + 1) and 2 for XNNPACK (lrintf(1.5)). */
static void quantize_zero_point_before_or_after_rounding(void **state)
{
    (void)state;
    const float x[] = {0.5f, 1.5f, -0.5f, -2.5f, 2.5f};
    opinfo_tensor in = T1(F32, 5, x);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=1 zero_point=1 dtype=int8", 1, 3, 1, -1, 3);
    EXPECT_INTS("xnnpack", "quantize", &in, 1, "scale=1 zero_point=1 dtype=int8", 2, 2, 0, -2, 4);
    /* QNN: nearbyint(x / scale) - offset, offset = -zero_point */
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=1 offset=-1 dtype=int8", 1, 3, 1, -1, 3);
}

/* FBGEMM multiplies by the float reciprocal: 0.273939937 with scale 0.00214854861 is 127.5 -> 128;
 * XNNPACK and QNN divide: 127.499992 -> 127 (numerics.md §2.3). */
static void quantize_reciprocal_or_division(void **state)
{
    (void)state;
    const float x[] = {0.273939937f};
    opinfo_tensor in = T1(F32, 1, x);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=0.00214854861 dtype=uint8", 128);
    EXPECT_INTS("xnnpack", "quantize", &in, 1, "scale=0.00214854861 dtype=uint8", 127);
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=0.00214854861 dtype=uint8", 127);
}

/* Saturation at both ends and FBGEMM's corner cases (QuantUtilsTest cornerCases). */
static void quantize_saturates(void **state)
{
    (void)state;
    const float x[] = {3.40282e38f, -2.16845e38f};
    opinfo_tensor in = T1(F32, 2, x);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=1.19209e-07 dtype=int8", 127, -128);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=1.19209e-07 dtype=uint8", 255, 0);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=1.19209e-07 dtype=int16", 32767, -32768);
    EXPECT_INTS("xnnpack", "quantize", &in, 1, "scale=1.19209e-07 dtype=int8", 127, -128);
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=1.19209e-07 dtype=uint16", 65535, 0);
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=1.19209e-07 dtype=int4", 7, -8);
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=1.19209e-07 dtype=uint4", 15, 0);
    /* FBGEMM's precision: 7 bits of uint8 is reduce_range's [0, 127] */
    const float y[] = {200.0f, -3.0f};
    opinfo_tensor in2 = T1(F32, 2, y);
    EXPECT_INTS("fbgemm", "quantize", &in2, 1, "scale=1 dtype=uint8 precision=7", 127, 0);
    /* XNNPACK clamps in float before lrintf: NaN clamps to the minimum (fmaxf drops the NaN) */
    const float nan_x[] = {NAN};
    opinfo_tensor in3 = T1(F32, 1, nan_x);
    EXPECT_INTS("xnnpack", "quantize", &in3, 1, "scale=1 dtype=int8", -128);
    run_fails("fbgemm", "quantize", &in3, 1, "scale=1", 1, "x[0] is NaN");
    run_fails("qnn-htp", "quantize", &in3, 1, "scale=1", 1, "x[0] is NaN");
}

/* PyTorch's documented example: quantize_per_tensor([-1, 0, 1, 2], 0.1, 10, quint8) = [0, 10, 20,
 * 30]. */
static void quantize_pytorch_doc_example(void **state)
{
    (void)state;
    const float x[] = {-1.0f, 0.0f, 1.0f, 2.0f};
    opinfo_tensor in = T1(F32, 4, x);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=0.1 zero_point=10 dtype=uint8", 0, 10, 20, 30);
}

/* Per channel along an axis: row 0 at scale 1, zero point 0; row 1 at scale 0.5, zero point 10. */
static void quantize_per_channel(void **state)
{
    (void)state;
    const float x[] = {1, 2, 3, 1, 2, 3};
    opinfo_tensor in = T2(F32, 2, 3, x);
    EXPECT_INTS("fbgemm", "quantize", &in, 1, "scale=1,0.5 zero_point=0,10 axis=0 dtype=uint8", 1,
                2, 3, 12, 14, 16);
    EXPECT_INTS("xnnpack", "quantize", &in, 1, "scale=1,0.5 zero_point=0,10 axis=0 dtype=uint8",
                1, 2, 3, 12, 14, 16);
    /* along axis 1 (columns): scales 1, 2, 4 */
    EXPECT_INTS("qnn-htp", "quantize", &in, 1, "scale=1,2,4 axis=1 dtype=uint8", 1, 1, 1, 1, 1, 1);
    run_fails("fbgemm", "quantize", &in, 1, "scale=1,0.5 axis=1", 1,
              "scale has 2 values but dimension 1 of the tensor has 3");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1,0.5", 1, "attribute axis is required");
}

/* ---- dequantize ------------------------------------------------------------------------------ */

static void dequantize_every_backend(void **state)
{
    (void)state;
    const uint8_t q[] = {0, 10, 255};
    opinfo_tensor in = T1(U8, 3, q);
    opinfo_tensor o;
    const float want[] = {-5.0f, 0.0f, 122.5f};
    run_ok("fbgemm", "dequantize", &in, 1, "scale=0.5 zero_point=10", &o, 1);
    expect_floats(&o, want, 3);
    opinfo_tensor_release(&o);
    run_ok("xnnpack", "dequantize", &in, 1, "scale=0.5 zero_point=10", &o, 1);
    expect_floats(&o, want, 3);
    opinfo_tensor_release(&o);
    run_ok("qnn-htp", "dequantize", &in, 1, "scale=0.5 offset=-10", &o, 1);
    expect_floats(&o, want, 3);
    opinfo_tensor_release(&o);
    /* FBGEMM's FusedQuantizeDequantize corner case: 127 and -128 at scale 1.19209e-07. Upstream
     * prints 1.5139543e-05 and -1.5258752e-05 and compares within 4 ULP; the exact floats are
     * float(1.19209e-07) * 127 and * -128 (numpy float32 gives the same bits). */
    const int8_t q8[] = {127, -128};
    opinfo_tensor in8 = T1(I8, 2, q8);
    const float want8[] = {0x1.fbffaep-17f, -0x1.ffffaep-17f};
    run_ok("fbgemm", "dequantize", &in8, 1, "scale=1.19209e-07", &o, 1);
    expect_floats(&o, want8, 2);
    opinfo_tensor_release(&o);
}

/* ---- requantize ------------------------------------------------------------------------------ */

/* Ties: x.5 goes to even with a float multiplier (FBGEMM Requantize, XNNPACK fp32, QNN) and up with
 * fixed point (FBGEMM RequantizeFixedPoint, XNNPACK rndnu). */
static void requantize_ties(void **state)
{
    (void)state;
    const int32_t acc[] = {1, 3, 5, -1, -3, -5, 300, -300};
    opinfo_tensor in = T1(I32, 8, acc);
    /* 0.5 1.5 2.5 -0.5 -1.5 -2.5 150 -150 */
    EXPECT_INTS("fbgemm", "requantize", &in, 1, "multiplier=0.5 dtype=int8", 0, 2, 2, 0, -2, -2,
                127, -128);
    EXPECT_INTS("xnnpack", "requantize", &in, 1, "scale=0.5 dtype=int8 scheme=0", 0, 2, 2, 0, -2,
                -2, 127, -128);
    EXPECT_INTS("xnnpack", "requantize", &in, 1, "scale=0.5 dtype=int8 scheme=1", 1, 2, 3, 0, -1,
                -2, 127, -128);
    EXPECT_INTS("qnn-htp", "requantize", &in, 1, "scale=0.5 dtype=int8", 0, 2, 2, 0, -2, -2, 127,
                -128);
    /* 0.5 = 1073741824 * 2^-31 */
    EXPECT_INTS("fbgemm", "requantize_fixed_point", &in, 1,
                "multiplier=1073741824 right_shift=31 dtype=int8", 1, 2, 3, 0, -1, -2, 127, -128);
    /* RequantizeFixedPoint with an unsigned output clamps at 0 and 255 */
    EXPECT_INTS("fbgemm", "requantize_fixed_point", &in, 1,
                "multiplier=1073741824 right_shift=31 zero_point=100 dtype=uint8", 101, 102, 103,
                100, 99, 98, 250, 0);
    /* 16-bit outputs */
    EXPECT_INTS("fbgemm", "requantize", &in, 1, "multiplier=256 dtype=int16", 256, 768, 1280, -256,
                -768, -1280, 32767, -32768);
    EXPECT_INTS("qnn-htp", "requantize", &in, 1, "scale=256 offset=-32768 dtype=uint16", 33024,
                33536, 34048, 32512, 32000, 31488, 65535, 0);
    run_fails("xnnpack", "requantize", &in, 1, "scale=0.5 dtype=int16", 1, "no 16-bit");
}

/* With a power-of-two scale every product is exact: fp32 and rndnu agree everywhere except on the
 * ties that round to even downwards, and differ there by exactly one. */
static void requantize_schemes_differ_exactly_on_ties(void **state)
{
    (void)state;
    enum { N = 2001 };
    int32_t *acc = malloc(N * sizeof *acc);
    assert_non_null(acc);
    for (int i = 0; i < N; i++)
        acc[i] = i - N / 2;
    opinfo_tensor in = T1(I32, N, acc);
    for (int k = 1; k <= 6; k++) {
        char spec[64];
        opinfo_tensor a, b;
        snprintf(spec, sizeof spec, "scale=%.17g dtype=int8 scheme=0", ldexp(1, -k));
        run_ok("xnnpack", "requantize", &in, 1, spec, &a, 1);
        snprintf(spec, sizeof spec, "scale=%.17g dtype=int8 scheme=1", ldexp(1, -k));
        run_ok("xnnpack", "requantize", &in, 1, spec, &b, 1);
        int differ = 0;
        for (int i = 0; i < N; i++) {
            int8_t x = ((int8_t *)a.data)[i], y = ((int8_t *)b.data)[i];
            int32_t v = acc[i], d = 1 << k;
            int tie = (v % d + d) % d == d / 2;
            double exact = ldexp(v, -k);
            int even_down = tie && ((int64_t)floor(exact) % 2 == 0);
            int clamped = exact >= 127 || exact <= -128;
            if (even_down && !clamped) {
                assert_int_equal(y, x + 1);
                differ++;
            } else
                assert_int_equal(x, y);
        }
        assert_true(differ > 0);
        opinfo_tensor_release(&a);
        opinfo_tensor_release(&b);
    }
    free(acc);
}

/* XNNPACK's requantization scale must lie in [2^-32, 256); its tests' special cases. */
static void requantize_xnnpack_scale_range_and_special_cases(void **state)
{
    (void)state;
    const int32_t mn[] = {INT32_MIN, INT32_MIN}, mx[] = {INT32_MAX, 2147483646};
    opinfo_tensor tmin = T1(I32, 2, mn), tmax = T1(I32, 2, mx);
    run_fails("xnnpack", "requantize", &tmin, 1, "scale=256", 1, "outside XNNPACK's [2^-32, 256)");
    run_fails("xnnpack", "requantize", &tmin, 1, "scale=1.1641532182693481e-10", 1,
              "outside XNNPACK's [2^-32, 256)");
    /* INT32_MIN at 2^-32 is -0.5: ties to even gives 0, ties up gives 0 */
    EXPECT_INTS("xnnpack", "requantize", &tmin, 1, "scale=2.3283064365386963e-10 zero_point=5 "
                "dtype=int8 scheme=0", 5, 5);
    EXPECT_INTS("xnnpack", "requantize", &tmin, 1, "scale=2.3283064365386963e-10 zero_point=5 "
                "dtype=int8 scheme=1", 5, 5);
    /* INT32_MAX at 0x1.FFFFFEp-1 with the zero point at the top: the maximum */
    EXPECT_INTS("xnnpack", "requantize", &tmax, 1, "scale=0.99999994039535522 zero_point=127 "
                "dtype=int8 scheme=1", 127, 127);
    /* rndnu narrows the 64-bit result to int32 before the clamp: 2147483646 * 1.0000001 wraps
     * (numerics.md §5) */
    const int32_t w[] = {2147483646};
    opinfo_tensor tw = T1(I32, 1, w);
    EXPECT_INTS("xnnpack", "requantize", &tw, 1, "scale=1.0000001192092896 dtype=int8 scheme=1",
                -128);
    EXPECT_INTS("xnnpack", "requantize", &tw, 1, "scale=1.0000001192092896 dtype=int8 scheme=0",
                127);
}

/* XNNPACK's exact division by a power of two: (i - zp) << s comes back as i, both schemes. */
static void requantize_exact_divide_by_po2(void **state)
{
    (void)state;
    int32_t acc[256];
    int64_t want[256];
    for (int s = 1; s <= 24; s += 23 / 5) {
        for (int zp = -128; zp <= 127; zp += 85) {
            for (int i = -128; i <= 127; i++) {
                acc[i + 128] = (int32_t)((int64_t)(i - zp) * ((int64_t)1 << s));
                if ((int64_t)(i - zp) * ((int64_t)1 << s) != acc[i + 128])
                    acc[i + 128] = 0;
                want[i + 128] = acc[i + 128] ? i : zp;
            }
            opinfo_tensor in = T1(I32, 256, acc);
            for (int scheme = 0; scheme <= 2; scheme++) {
                char spec[128];
                snprintf(spec, sizeof spec, "scale=%.17g zero_point=%d dtype=int8 scheme=%d",
                         ldexp(1, -s), zp, scheme);
                opinfo_tensor o;
                run_ok("xnnpack", "requantize", &in, 1, spec, &o, 1);
                expect_ints(&o, want, 256);
                opinfo_tensor_release(&o);
            }
        }
    }
}

/* XNNPACK's gemmlowp requantization (scheme 2), worked by hand from the upstream algorithm
 * (qs8/qu8 gemmlowp scalar kernels): m = mantissa << 7, shift = 126 - biased exponent,
 * q = floor((acc * m + 2^30) / 2^31), then q / 2^shift rounded half away from zero. */
static void requantize_gemmlowp_vectors(void **state)
{
    (void)state;
    /* scale 0.5: m = 2^30, shift 0, so q = floor((acc + 1) / 2) and no second rounding: ties
     * go up (-2.5 -> -2, 2.5 -> 3), like rndnu */
    const int32_t half[] = {5, -5, -4, 3, -3, 1000, -1000};
    opinfo_tensor th = T1(I32, 7, half);
    EXPECT_INTS("xnnpack", "requantize", &th, 1, "scale=0.5 dtype=int8 scheme=2", 3, -2, -2, 2, -1,
                127, -128);
    /* qu8 with zero point 128: -500 clamps to -128 before the zero point */
    EXPECT_INTS("xnnpack", "requantize", &th, 1, "scale=0.5 zero_point=128 dtype=uint8 scheme=2",
                131, 126, 126, 130, 127, 255, 0);
    /* scale 0.25: shift 1, two roundings. 1 x 0.25: q = 1, remainder 1 > 0: 1 (rndnu: 0);
     * 5 x 0.25 = 1.25: q = 3, 2 (rndnu: 1); -6 x 0.25 = -1.5: q = -3, remainder 1 - 1 = 0,
     * floor(-1.5) = -2 (rndnu: -1, ties up); -2 x 0.25 = -0.5: q = -1, -1 (away from zero) */
    const int32_t quarter[] = {1, 5, 6, -6, -5, 2, -2};
    opinfo_tensor tq = T1(I32, 7, quarter);
    EXPECT_INTS("xnnpack", "requantize", &tq, 1, "scale=0.25 dtype=int8 scheme=2", 1, 2, 2, -2, -1,
                1, -1);
    EXPECT_INTS("xnnpack", "requantize", &tq, 1, "scale=0.25 dtype=int8 scheme=1", 0, 1, 2, -1, -1,
                1, 0);
    /* scale 1/3 = 0x1.555556p-2: m = 0x6AAAAB00, shift 1. 1 -> q = floor(2863311616 / 2^31) = 1,
     * then 1 (numerics.md §1.2: 1 -> 1, -1 -> -1, 7 -> 3); with zero points 100 (qu8), -5 (qs8) */
    const int32_t third[] = {1, -1, 7, -7};
    opinfo_tensor tt = T1(I32, 4, third);
    EXPECT_INTS("xnnpack", "requantize", &tt, 1, "scale=0.3333333432674408 dtype=int8 scheme=2", 1,
                -1, 3, -3);
    EXPECT_INTS("xnnpack", "requantize", &tt, 1,
                "scale=0.3333333432674408 zero_point=100 dtype=uint8 scheme=2", 101, 99, 103, 97);
    EXPECT_INTS("xnnpack", "requantize", &tt, 1,
                "scale=0.3333333432674408 zero_point=-5 dtype=int8 scheme=2", -4, -6, -2, -8);
    /* a large shift, 19 (scale 2^-20): 3670016 = 3.5 x 2^20 -> q = 1835008, remainder 2^18 >
     * 2^18 - 1: 4; its negative: q = -1835008, remainder 2^18 - 1: floor, -4 (away from zero);
     * one below the tie, 3670015: q is still 1835008, so 4 where rndnu gives 3 (the upward bias
     * of the first rounding); -3670015: q = -1835007, -3 */
    const int32_t big[] = {3670016, -3670016, 3670015, -3670015};
    opinfo_tensor tb = T1(I32, 4, big);
    EXPECT_INTS("xnnpack", "requantize", &tb, 1, "scale=9.5367431640625e-07 dtype=int8 scheme=2", 4,
                -4, 4, -3);
    EXPECT_INTS("xnnpack", "requantize", &tb, 1, "scale=9.5367431640625e-07 dtype=int8 scheme=1", 4,
                -3, 3, -3);
    /* the extremes: shift 31 at 2^-32, INT32_MIN -> -1 and INT32_MAX -> +1 (exact -0.5 and
     * 0.49999999977); at 0x1.FFFFFEp-1 both saturate */
    const int32_t ext[] = {INT32_MIN, INT32_MAX};
    opinfo_tensor te = T1(I32, 2, ext);
    EXPECT_INTS("xnnpack", "requantize", &te, 1,
                "scale=2.3283064365386963e-10 zero_point=5 dtype=int8 scheme=2", 4, 6);
    EXPECT_INTS("xnnpack", "requantize", &te, 1, "scale=0.99999994039535522 dtype=int8 scheme=2",
                -128, 127);
    /* the kernels assert scale < 1 */
    run_fails("xnnpack", "requantize", &te, 1, "scale=1 dtype=int8 scheme=2", 1,
              "gemmlowp requantization takes scales in [2^-32, 1)");
    run_fails("xnnpack", "requantize", &te, 1, "scale=0.5 dtype=int8 scheme=3", 1, "scheme");
}

/* XNNPACK's gemmlowp test families (test/requantization-tester.h): rounding up
 * ((i - zp) << s) - 2^(s-1) + 1 gives i; special cases INT32_MIN at 2^-32 gives
 * max(type min, zp - 1) for every zero point, and INT32_MAX at 0x1.FFFFFEp-1 with zp at the top
 * gives the top. */
static void requantize_gemmlowp_upstream_families(void **state)
{
    (void)state;
    int32_t acc[256];
    int64_t want[256];
    for (int u = 0; u < 2; u++) {
        int lo = u ? 0 : -128, hi = u ? 255 : 127;
        const char *dt = u ? "uint8" : "int8";
        for (int s = 1; s < 32; s += 5) {
            for (int zp = lo; zp <= hi; zp += 51) {
                size_t n = 0;
                for (int i = lo; i <= hi; i++) {
                    int64_t v = (int64_t)(i - zp) * ((int64_t)1 << s) - ((int64_t)1 << (s - 1)) + 1;
                    if (v < INT32_MIN || v > INT32_MAX)
                        continue;
                    acc[n] = (int32_t)v;
                    want[n++] = i;
                }
                opinfo_tensor in = T1(I32, (int64_t)n, acc);
                char spec[128];
                snprintf(spec, sizeof spec, "scale=%.17g zero_point=%d dtype=%s scheme=2",
                         ldexp(1, -s), zp, dt);
                opinfo_tensor o;
                run_ok("xnnpack", "requantize", &in, 1, spec, &o, 1);
                expect_ints(&o, want, n);
                opinfo_tensor_release(&o);
            }
        }
        for (int zp = lo; zp <= hi; zp++) {
            acc[0] = INT32_MIN;
            want[0] = zp - 1 < lo ? lo : zp - 1;
            opinfo_tensor in = T1(I32, 1, acc);
            char spec[128];
            snprintf(spec, sizeof spec, "scale=2.3283064365386963e-10 zero_point=%d dtype=%s "
                     "scheme=2", zp, dt);
            opinfo_tensor o;
            run_ok("xnnpack", "requantize", &in, 1, spec, &o, 1);
            expect_ints(&o, want, 1);
            opinfo_tensor_release(&o);
        }
        acc[0] = INT32_MAX;
        want[0] = hi;
        opinfo_tensor in = T1(I32, 1, acc);
        char spec[128];
        snprintf(spec, sizeof spec, "scale=0.99999994039535522 zero_point=%d dtype=%s scheme=2",
                 hi, dt);
        opinfo_tensor o;
        run_ok("xnnpack", "requantize", &in, 1, spec, &o, 1);
        expect_ints(&o, want, 1);
        opinfo_tensor_release(&o);
    }
}

/* The vectorised per-tensor path and the general per-channel path of XNNPACK fp32 give the same
 * bits on inputs that reach every part of the range. */
static void requantize_fast_path_matches_general_path(void **state)
{
    (void)state;
    enum { N = 4096 };
    int32_t *acc = malloc(N * sizeof *acc);
    assert_non_null(acc);
    uint32_t r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        acc[i] = (int32_t)(r ^ (r >> 7)) >> (i % 31);
    }
    acc[0] = INT32_MIN, acc[1] = INT32_MAX, acc[2] = 0;
    opinfo_tensor in = T2(I32, 2, N / 2, acc);
    const char *dts[] = {"int8", "uint8"};
    for (int d = 0; d < 2; d++) {
        for (int k = 0; k < 4; k++) {
            const double scales[] = {0.0123, 1.0 / 3, 7.5e-9, 3.0};
            char a1[160], a2[160];
            int zp = d ? 128 : -3;
            snprintf(a1, sizeof a1, "scale=%.17g zero_point=%d dtype=%s", scales[k], zp, dts[d]);
            snprintf(a2, sizeof a2, "scale=%.17g,%.17g zero_point=%d axis=0 dtype=%s", scales[k],
                     scales[k], zp, dts[d]);
            opinfo_tensor o1, o2;
            run_ok("xnnpack", "requantize", &in, 1, a1, &o1, 1);
            run_ok("xnnpack", "requantize", &in, 1, a2, &o2, 1);
            assert_memory_equal(o1.data, o2.data, N);
            opinfo_tensor_release(&o1);
            opinfo_tensor_release(&o2);
        }
    }
    free(acc);
}

/* ---- FBGEMM's parameter choice ------------------------------------------------------------------ */

static void expect_qparams(const char *spec, float scale, int32_t zp)
{
    opinfo_tensor o[2];
    run_ok("fbgemm", "choose_qparams", NULL, 0, spec, o, 2);
    float got = *(float *)o[0].data;
    if (memcmp(&got, &scale, sizeof got) != 0)
        fail_msg("%s: scale %.9g, want %.9g", spec, (double)got, (double)scale);
    if (*(int32_t *)o[1].data != zp)
        fail_msg("%s: zero point %d, want %d", spec, *(int32_t *)o[1].data, zp);
    opinfo_tensor_release(&o[0]);
    opinfo_tensor_release(&o[1]);
}

static void choose_qparams_matches_fbgemm(void **state)
{
    (void)state;
    /* numerics.md §2.6, computed with the upstream code */
    expect_qparams("min=-1.6165 max=0.5685 qmin=-128 qmax=127 preserve_sparsity=1", 0.0126289064f, 0);
    expect_qparams("min=-1.6165 max=0.5685 qmin=0 qmax=255 preserve_sparsity=1", 0.0126289064f, 128);
    expect_qparams("min=-1 max=3 qmin=0 qmax=255", 0.0156862754f, 64);
    expect_qparams("min=-1 max=3 qmin=-128 qmax=127", 0.0156862754f, -64);
    expect_qparams("min=-1 max=3 qmin=0 qmax=127", 0.0314960629f, 32);
    expect_qparams("min=0.5 max=3 qmin=0 qmax=255", 0.0117647061f, 0);
    expect_qparams("min=0 max=0 qmin=0 qmax=255", 0.1f, 0);
    expect_qparams("min=0 max=0.001 qmin=0 qmax=255", 6.1e-5f, 0);
    expect_qparams("min=-1 max=3 qmin=0 qmax=255 force_scale_power_of_two=1", 0.03125f, 32);
    /* equal errors: the strict comparison takes the candidate from max */
    expect_qparams("min=0 max=0 qmin=-127 qmax=127", 0.1f, 127);
    /* min > max: FBGEMM widens the range to contain 0 and answers (QuantUtils.cc) */
    expect_qparams("min=1 max=0 qmin=0 qmax=255", 0.1f, 0);
    expect_qparams("min=1 max=0.5 qmin=0 qmax=255", 0.5f / 255.0f, 0);
    expect_qparams("min=-0.5 max=-1 qmin=0 qmax=255", 0.00196078438f, 255);
    run_fails("fbgemm", "choose_qparams", NULL, 0, "min=0 max=1 qmin=5 qmax=5", 2,
              "qmin 5 must be below qmax 5");
}

/* force_scale_power_of_two computes 1.0 / scale and log2 in double, as FBGEMM does. Worked by
 * hand from ChooseQuantizationParams: a float reciprocal and log2f round an exponent that is
 * an ulp or two off an integer onto it, and the power of two moves by one. */
static void choose_qparams_power_of_two_straddles(void **state)
{
    (void)state;
    /* the scale 2 ulps above 2^-9: 1/scale = 511.99988, log2 8.99999966, floor 8 -> 2^-8;
     * zero point from min: 0 + 0.25 * 256 = 64 (log2f rounds to 9.0: 2^-9, 128) */
    expect_qparams("min=-0.25 max=0x1.fc0004p-3 qmin=0 qmax=255 force_scale_power_of_two=1",
                   0.00390625f, 64);
    /* one ulp above 2^-9: (255 * 2^-9 (1 + 2^-23)) / 255 rounds to 2^-9 (1 + 2^-23) */
    expect_qparams("min=0 max=0x1.fe0002p-2 qmin=0 qmax=255 force_scale_power_of_two=1",
                   0.00390625f, 0);
    /* exactly 2^-9: log2 is 9 in both, the scale stays */
    expect_qparams("min=0 max=0.498046875 qmin=0 qmax=255 force_scale_power_of_two=1",
                   0.001953125f, 0);
    /* one ulp below 2^-9: 1/scale just above 512, floor 9 -> 2^-9 */
    expect_qparams("min=0 max=0x1.fdfffep-2 qmin=0 qmax=255 force_scale_power_of_two=1",
                   0.001953125f, 0);
    /* scale >= 1: 2 ulps above 2^10 is 1024.000122, log2 10.00000017: ceil 11 in double
     * (log2f rounds to 10.0: 2^10) */
    expect_qparams("min=0 max=261120.03125 qmin=0 qmax=255 force_scale_power_of_two=1", 2048.0f,
                   0);
    /* exactly 2^10 stays */
    expect_qparams("min=0 max=261120 qmin=0 qmax=255 force_scale_power_of_two=1", 1024.0f, 0);
    /* negative side: [-255 * 2^-9 (1 + 2^-23), 0] on int8: 2^-8, zero point from max 127 */
    expect_qparams("min=-0x1.fe0002p-2 max=0 qmin=-128 qmax=127 force_scale_power_of_two=1",
                   0.00390625f, 127);
}

static void choose_requantization_multiplier_matches_fbgemm(void **state)
{
    (void)state;
    const struct {
        const char *real;
        int32_t m, s;
    } v[] = {{"0.5", 1073741824, 31}, {"0.75", 1610612736, 31}, {"1.0", 1073741824, 30},
             {"0.0123", 1690499072, 37}, {"1e-6", 1125899904, 50}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "real=%s", v[i].real);
        opinfo_tensor o[2];
        run_ok("fbgemm", "choose_requantization_multiplier", NULL, 0, spec, o, 2);
        assert_int_equal(*(int32_t *)o[0].data, v[i].m);
        assert_int_equal(*(int32_t *)o[1].data, v[i].s);
        opinfo_tensor_release(&o[0]);
        opinfo_tensor_release(&o[1]);
    }
    run_fails("fbgemm", "choose_requantization_multiplier", NULL, 0, "real=0", 2,
              "must be positive");
}

/* ---- linear, conv2d ---------------------------------------------------------------------------- */

static void linear_by_hand(void **state)
{
    (void)state;
    /* x - 10 = [0, 10]; rows of w [1, 2], [3, -4]; bias [4, -4]: acc [24, -44]; multiplier
     * 0.5 * 0.25 / 0.125 = 1; + 3 */
    const uint8_t x[] = {10, 20};
    const int8_t w[] = {1, 2, 3, -4};
    const int32_t b[] = {4, -4};
    opinfo_tensor in[3] = {T2(U8, 1, 2, x), T2(I8, 2, 2, w), T1(I32, 2, b)};
    const char *q = "x_scale=0.5 x_zero_point=10 w_scale=0.25 y_scale=0.125 y_zero_point=3";
    EXPECT_INTS("fbgemm", "linear", in, 3, q, 27, 0);
    char qr[160];
    snprintf(qr, sizeof qr, "%s relu=1", q);
    EXPECT_INTS("fbgemm", "linear", in, 3, qr, 27, 3);
    /* XNNPACK qs8: x int8; the same numbers with x_zero_point -10 and x shifted */
    const int8_t xs[] = {-10, 0};
    opinfo_tensor ins[3] = {T2(I8, 1, 2, xs), T2(I8, 2, 2, w), T1(I32, 2, b)};
    EXPECT_INTS("xnnpack", "fully_connected", ins, 3,
                "x_scale=0.5 x_zero_point=-10 w_scale=0.25 y_scale=0.125 y_zero_point=3", 27, -41);
    /* QNN: offsets are negated zero points */
    EXPECT_INTS("qnn-htp", "fully_connected", in, 3,
                "x_scale=0.5 x_offset=-10 w_scale=0.25 y_scale=0.125 y_offset=-3", 27, 0);
    /* XNNPACK refuses a requantization scale of 256 or more */
    run_fails("xnnpack", "fully_connected", ins, 3, "x_scale=16 w_scale=16 y_scale=1", 1,
              "requantization scale 256 is outside XNNPACK's [2^-32, 256)");
    /* per channel: row 1 at w_scale 0.5 doubles its result */
    EXPECT_INTS("fbgemm", "linear", in, 3,
                "x_scale=0.5 x_zero_point=10 w_scale=0.25,0.5 y_scale=0.125 y_zero_point=100", 124, 12);
}

/* QNN's 4-bit and LPBQ weights: block b of channel o has scale w_scale[o] * block_scale[o][b]. */
static void qnn_lpbq_fully_connected(void **state)
{
    (void)state;
    /* x [1, 2, 3, 4], w all 1, blocks of 2 with scales 1 and 2, w_scale 0.5: 0.5 * 3 + 1.0 * 7 =
     * 8.5 -> 8 (ties to even) */
    const uint16_t x[] = {1, 2, 3, 4};
    const int8_t w[] = {1, 1, 1, 1};
    const uint8_t bs[] = {1, 2};
    opinfo_tensor in[3] = {T2(U16, 1, 4, x), T2(I8, 1, 4, w), T2(U8, 1, 2, bs)};
    EXPECT_INTS("qnn-htp", "fully_connected_lpbq", in, 3,
                "x_scale=1 w_scale=0.5 block_size=2 y_scale=1 dtype=uint16", 8);
    /* the same through an int32 bias of 3 at x_scale * w_scale: 8.5 + 1.5 = 10 */
    const int32_t b[] = {3};
    opinfo_tensor in4[4] = {in[0], in[1], in[2], T1(I32, 1, b)};
    EXPECT_INTS("qnn-htp", "fully_connected_lpbq", in4, 4,
                "x_scale=1 w_scale=0.5 block_size=2 y_scale=1 dtype=uint16", 10);
    const uint8_t bad_bs[] = {1, 17};
    opinfo_tensor in_bad[3] = {in[0], in[1], T2(U8, 1, 2, bad_bs)};
    run_fails("qnn-htp", "fully_connected_lpbq", in_bad, 3,
              "x_scale=1 w_scale=0.5 block_size=2 y_scale=1", 1, "block_scale[0][1] = 17");
    run_fails("qnn-htp", "fully_connected_lpbq", in, 3,
              "x_scale=1 w_scale=0.5 block_size=3 y_scale=1", 1, "block_size 3 does not divide");
    /* 4-bit weights: 9 is not a 4-bit value */
    const int8_t w9[] = {9, 1, 1, 1};
    opinfo_tensor in9[2] = {in[0], T2(I8, 1, 4, w9)};
    run_fails("qnn-htp", "fully_connected", in9, 2, "x_scale=1 w_scale=1 w_dtype=int4 y_scale=1", 1,
              "w[0] = 9 is outside int4's [-8, 7]");
    run_fails("qnn-htp", "fully_connected_lpbq", (opinfo_tensor[]){in[0], in9[1], in[2]}, 3,
              "x_scale=1 w_scale=0.5 block_size=2 y_scale=1", 1, "w[0] = 9 is outside int4");
}

/* LPBQ weights: ExecuTorch's split of per-block scales, then 4-bit values at the block's scale. */
static void qnn_lpbq_weights(void **state)
{
    (void)state;
    /* max 1.0 -> per-channel scale 1/16; 0.09375 / 0.0625 = 1.5 -> 2 (ties to even); 0.01 ->
     * 0.16 -> 0 -> clamped to 1; 0.15625 / 0.0625 = 2.5 -> 2 */
    const float bsf[] = {1.0f, 0.09375f, 0.01f, 0.15625f};
    opinfo_tensor in = T2(F32, 1, 4, bsf);
    opinfo_tensor o[2];
    run_ok("qnn-htp", "lpbq_scales", &in, 1, "", o, 2);
    const float want_s[] = {0.0625f};
    expect_floats(&o[0], want_s, 1);
    const int64_t want_b[] = {16, 2, 1, 2};
    expect_ints(&o[1], want_b, 4);
    opinfo_tensor_release(&o[0]);
    opinfo_tensor_release(&o[1]);
    /* blocks of 2 at 0.0625 * 1 and 0.0625 * 4: 1.6 -> 2, -4.8 -> -5, 4, -8; 3.0 / 0.25 = 12 -> 7 */
    const float w[] = {0.1f, -0.3f, 1.0f, -2.0f, 0, 0, 3.0f, -0.03125f};
    const uint8_t bs[] = {1, 4, 1, 4};
    opinfo_tensor wi[2] = {T2(F32, 2, 4, w), T2(U8, 2, 2, bs)};
    EXPECT_INTS("qnn-htp", "quantize_lpbq", wi, 2, "scale=0.0625,0.0625 block_size=2", 2, -5, 4, -8,
                0, 0, 7, 0);
    const int8_t q[] = {2, -5, 4, -8};
    opinfo_tensor qi[2] = {T2(I8, 1, 4, q), T2(U8, 1, 2, bs)};
    run_ok("qnn-htp", "dequantize_lpbq", qi, 2, "scale=0.0625 block_size=2", o, 1);
    const float want_w[] = {0.125f, -0.3125f, 1.0f, -2.0f};
    expect_floats(&o[0], want_w, 4);
    opinfo_tensor_release(&o[0]);
    const uint8_t bad[] = {0, 4};
    opinfo_tensor qb[2] = {T2(I8, 1, 4, q), T2(U8, 1, 2, bad)};
    run_fails("qnn-htp", "dequantize_lpbq", qb, 2, "scale=0.0625 block_size=2", 1,
              "block_scale[0][0] = 0 is outside [1, 16]");
    run_fails("qnn-htp", "quantize_lpbq", wi, 2, "scale=0.0625 block_size=2", 1,
              "one scale per output channel (2), 1 given");
}

static void conv2d_by_hand(void **state)
{
    (void)state;
    /* 3x3 input 1..9, 2x2 kernel [[1, 0], [0, 1]]: 1+5, 2+6, 4+8, 5+9 */
    const uint8_t x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int8_t w[] = {1, 0, 0, 1};
    opinfo_tensor in[2] = {T4(U8, 1, 1, 3, 3, x), T4(I8, 1, 1, 2, 2, w)};
    const char *q = "x_scale=1 w_scale=1 y_scale=1";
    EXPECT_INTS("fbgemm", "conv2d", in, 2, q, 6, 8, 12, 14);
    /* padding 1: the padded border holds the zero point, contributing nothing */
    EXPECT_INTS("fbgemm", "conv2d", in, 2, "x_scale=1 w_scale=1 y_scale=1 padding=1,1", 1, 2, 3, 0,
                4, 6, 8, 3, 7, 12, 14, 6, 0, 7, 8, 9);
    EXPECT_INTS("fbgemm", "conv2d", in, 2,
                "x_scale=1 x_zero_point=1 w_scale=1 y_scale=1 padding=1,1", 0, 1, 2, 0, 3, 4, 6,
                2, 6, 10, 12, 5, 0, 6, 7, 8);
    /* stride 2 and dilation 2 on a 4x4 input 0..15 with a 2x2 kernel of ones */
    uint8_t x16[16];
    for (int i = 0; i < 16; i++)
        x16[i] = (uint8_t)i;
    const int8_t ones[] = {1, 1, 1, 1};
    opinfo_tensor in16[2] = {T4(U8, 1, 1, 4, 4, x16), T4(I8, 1, 1, 2, 2, ones)};
    EXPECT_INTS("fbgemm", "conv2d", in16, 2, "x_scale=1 w_scale=1 y_scale=1 stride=2,2", 10, 18, 42,
                50);
    EXPECT_INTS("fbgemm", "conv2d", in16, 2, "x_scale=1 w_scale=1 y_scale=1 dilation=2,2", 20, 24,
                36, 40);
    /* groups: two channels, each with its own 1x1 weight (2 and 3) */
    const uint8_t xg[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int8_t wg[] = {2, 3};
    opinfo_tensor ing[2] = {T4(U8, 1, 2, 2, 2, xg), T4(I8, 2, 1, 1, 1, wg)};
    EXPECT_INTS("fbgemm", "conv2d", ing, 2, "x_scale=1 w_scale=1 y_scale=1 groups=2", 2, 4, 6, 8,
                15, 18, 21, 24);
    run_fails("fbgemm", "conv2d", ing, 2, "x_scale=1 w_scale=1 y_scale=1 groups=3", 1,
              "groups 3 must divide");
    /* XNNPACK NHWC and QNN NHWC/HWIO: the grouped case again; NHWC interleaves the channels */
    const int8_t xgs[] = {1, 5, 2, 6, 3, 7, 4, 8};
    opinfo_tensor inx[2] = {T4(I8, 1, 2, 2, 2, xgs), T4(I8, 2, 1, 1, 1, wg)};
    EXPECT_INTS("xnnpack", "conv2d", inx, 2, "x_scale=1 w_scale=1 y_scale=1 groups=2", 2, 15, 4, 18,
                6, 21, 8, 24);
    const uint8_t xgq[] = {1, 5, 2, 6, 3, 7, 4, 8};
    opinfo_tensor inq[2] = {T4(U8, 1, 2, 2, 2, xgq), T4(I8, 1, 1, 1, 2, wg)};
    EXPECT_INTS("qnn-htp", "conv2d", inq, 2, "x_scale=1 w_scale=1 y_scale=1 groups=2", 2, 15, 4, 18,
                6, 21, 8, 24);
    run_fails("fbgemm", "conv2d", in16, 2, "x_scale=1 w_scale=1 y_scale=1 dilation=4,4", 1,
              "does not fit");
}

/* Kernels that must agree: a 1x1 convolution over a 1x1 image is a linear layer, for every
 * backend; on pseudo-random data every result is within one step of the float computation. */
static void conv_1x1_is_linear_and_near_float(void **state)
{
    (void)state;
    enum { C = 16, O = 8 };
    uint8_t xu[C];
    int8_t xs[C], w[O * C], whwio[C * O];
    int32_t bias[O];
    uint32_t r = 7;
    for (int i = 0; i < C; i++) {
        r = r * 1664525u + 1013904223u;
        xu[i] = (uint8_t)(r >> 24);
        xs[i] = (int8_t)(xu[i] - 128);
    }
    for (int i = 0; i < O * C; i++) {
        r = r * 1664525u + 1013904223u;
        w[i] = (int8_t)((int)(r >> 24) - 128);
        if (w[i] == -128)
            w[i] = -127;
    }
    for (int o = 0; o < O; o++)
        for (int c = 0; c < C; c++)
            whwio[c * O + o] = w[o * C + c];
    for (int o = 0; o < O; o++)
        bias[o] = o * 100 - 350;
    const char *q = "x_scale=0.02 x_zero_point=128 w_scale=0.01 y_scale=0.5 y_zero_point=100";
    const char *qs = "x_scale=0.02 x_zero_point=0 w_scale=0.01 y_scale=0.5 y_zero_point=-28";
    const char *qq = "x_scale=0.02 x_offset=-128 w_scale=0.01 y_scale=0.5 y_offset=-100";
    opinfo_tensor lin[3] = {T2(U8, 1, C, xu), T2(I8, O, C, w), T1(I32, O, bias)};
    opinfo_tensor cnv[3] = {T4(U8, 1, C, 1, 1, xu), T4(I8, O, C, 1, 1, w), T1(I32, O, bias)};
    opinfo_tensor lins[3] = {T2(I8, 1, C, xs), T2(I8, O, C, w), T1(I32, O, bias)};
    opinfo_tensor cnvs[3] = {T4(I8, 1, 1, 1, C, xs), T4(I8, O, 1, 1, C, w), T1(I32, O, bias)};
    opinfo_tensor cnvq[3] = {T4(U8, 1, 1, 1, C, xu), T4(I8, 1, 1, C, O, whwio), T1(I32, O, bias)};
    opinfo_tensor a, b;
    run_ok("fbgemm", "linear", lin, 3, q, &a, 1);
    run_ok("fbgemm", "conv2d", cnv, 3, q, &b, 1);
    assert_memory_equal(a.data, b.data, O);
    /* float reference: y = (x_scale (x - 128) . w_scale w + bias x_scale w_scale) / y_scale + 100 */
    for (int o = 0; o < O; o++) {
        double acc = bias[o];
        for (int c = 0; c < C; c++)
            acc += (double)(xu[c] - 128) * w[o * C + c];
        double ref = acc * 0.02 * 0.01 / 0.5 + 100;
        ref = ref < 0 ? 0 : ref > 255 ? 255 : ref;
        assert_true(fabs(((uint8_t *)a.data)[o] - ref) <= 1.0);
    }
    opinfo_tensor_release(&b);
    run_ok("qnn-htp", "fully_connected", lin, 3, qq, &b, 1);
    assert_memory_equal(a.data, b.data, O);
    opinfo_tensor_release(&b);
    run_ok("qnn-htp", "conv2d", cnvq, 3, qq, &b, 1);
    assert_memory_equal(a.data, b.data, O);
    opinfo_tensor_release(&b);
    opinfo_tensor c, d;
    run_ok("xnnpack", "fully_connected", lins, 3, qs, &c, 1);
    run_ok("xnnpack", "conv2d", cnvs, 3, qs, &d, 1);
    assert_memory_equal(c.data, d.data, O);
    /* the same arithmetic shifted by 128 into int8 */
    for (int o = 0; o < O; o++)
        assert_int_equal(((int8_t *)c.data)[o] + 128, ((uint8_t *)a.data)[o]);
    opinfo_tensor_release(&a);
    opinfo_tensor_release(&c);
    opinfo_tensor_release(&d);
}

/* ---- add, activations ------------------------------------------------------------------------ */

static void add_every_backend(void **state)
{
    (void)state;
    /* a: 10 * 0.5 = 5, 20 * 0.5 = 10; b: (4 - 2) * 0.25 = 0.5, (6 - 2) * 0.25 = 1; 5.5 -> 6 */
    const uint8_t a[] = {10, 20}, b[] = {4, 6};
    opinfo_tensor in[2] = {T1(U8, 2, a), T1(U8, 2, b)};
    EXPECT_INTS("fbgemm", "add", in, 2, "a_scale=0.5 b_scale=0.25 b_zero_point=2 y_scale=1", 6, 11);
    /* XNNPACK fixed point, ties up: 10 + 0.5 = 10.5 -> 11; -10 + 0.5 = -9.5 -> -9 */
    const int8_t sa[] = {10, -10}, sb[] = {1, 1};
    opinfo_tensor ins[2] = {T1(I8, 2, sa), T1(I8, 2, sb)};
    EXPECT_INTS("xnnpack", "add", ins, 2, "a_scale=1 b_scale=0.5 y_scale=1", 11, -9);
    /* the same sums with PyTorch's float add on FBGEMM: ties to even */
    EXPECT_INTS("fbgemm", "add", ins, 2, "a_scale=1 b_scale=0.5 y_scale=1", 10, -10);
    run_fails("xnnpack", "add", ins, 2, "a_scale=1 b_scale=1 y_scale=2000", 1,
              "must lie in XNNPACK's [2^-10, 2^8)");
    const int8_t three[] = {1, 2, 3};
    opinfo_tensor mism[2] = {T1(I8, 2, sa), T1(I8, 3, three)};
    run_fails("fbgemm", "add", mism, 2, "a_scale=1 b_scale=1 y_scale=1", 1, "differ in dimension 0");
}

static void qnn_sigmoid_tanh_fixed_qparams(void **state)
{
    (void)state;
    /* x = (q - 128) * 0.1: 0, 12.7, -12.8 */
    const uint8_t q[] = {128, 255, 0};
    opinfo_tensor in = T1(U8, 3, q);
    EXPECT_INTS("qnn-htp", "sigmoid", &in, 1, "x_scale=0.1 x_offset=-128", 128, 255, 0);
    /* uint16 at the fixed 1/65536: sigmoid(0) = 0.5 -> 32768 */
    const uint16_t q16[] = {32768, 32768 + 10000};
    opinfo_tensor in16 = T1(U16, 2, q16);
    /* sigmoid(1) = 0.7310585786300049 -> 47910.85 -> 47911 */
    EXPECT_INTS("qnn-htp", "sigmoid", &in16, 1, "x_scale=0.0001 x_offset=-32768", 32768, 47911);
    /* tanh uint16: 1/32768, offset -32768: tanh(0) -> 32768; tanh(1) = 0.7615941559557649 ->
     * 24956.12 -> 24956 + 32768 */
    EXPECT_INTS("qnn-htp", "tanh", &in16, 1, "x_scale=0.0001 x_offset=-32768", 32768, 57724);
    run_fails("qnn-htp", "sigmoid", &in16, 1, "x_scale=0.0001 x_offset=-32768 y_scale=0.0001", 1,
              "fixed qparams: scale 1.52587891e-05, offset 0");
    /* tanh at uint8 has no fixed qparams on QNN: they are the caller's */
    EXPECT_INTS("qnn-htp", "tanh", &in, 1, "x_scale=0.1 x_offset=-128 y_scale=0.0078125 y_offset=-128",
                128, 255, 0);
    run_fails("qnn-htp", "tanh", &in, 1, "x_scale=0.1 x_offset=-128", 1,
              "attribute y_scale is required");
}

/* ---- bad arguments ---------------------------------------------------------------------------- */

static void bad_arguments_are_errors(void **state)
{
    (void)state;
    const float x[] = {1, 2};
    opinfo_tensor in = T1(F32, 2, x);
    run_fails("fbgemm", "quantize", &in, 1, "scale=0", 1, "a scale must be a positive finite");
    run_fails("fbgemm", "quantize", &in, 1, "scale=-1", 1, "a scale must be a positive finite");
    run_fails("xnnpack", "quantize", &in, 1, "scale=nan", 1, "a scale must be a positive finite");
    run_fails("qnn-htp", "quantize", &in, 1, "scale=inf", 1, "a scale must be a positive finite");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1e39", 1, "a scale must be a positive finite");
    run_fails("fbgemm", "quantize", &in, 1, "", 1, "attribute scale is required");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1 zero_point=0.5", 1, "is not an integer");
    run_fails("xnnpack", "quantize", &in, 1, "scale=1 zero_point=200 dtype=int8", 1,
              "not an integer in [-128, 127]");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1 colour=3", 1, "has no attribute \"colour\"");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1 dtype=float32", 1,
              "output dtype float32 is not supported");
    run_fails("fbgemm", "quantize", &in, 0, "scale=1", 1, "quantize takes 1 input, got 0");
    run_fails("fbgemm", "quantize", &in, 1, "scale=1", 2, "quantize has 1 output, 2 given");
    opinfo_tensor nodata = T1(F32, 2, NULL);
    run_fails("fbgemm", "quantize", &nodata, 1, "scale=1", 1, "input 0 has no data");
    opinfo_tensor neg = T1(F32, -2, x);
    run_fails("fbgemm", "quantize", &neg, 1, "scale=1", 1, "negative or overflowing shape");
    opinfo_tensor huge = T2(F32, INT64_MAX / 2, 4, x);
    run_fails("fbgemm", "quantize", &huge, 1, "scale=1", 1, "negative or overflowing shape");
    opinfo_tensor rank9 = {.dtype = F32, .rank = 9, .data = (void *)x};
    run_fails("xnnpack", "quantize", &rank9, 1, "scale=1", 1, "rank 9");
    opinfo_tensor wrong = T1(I32, 2, x);
    run_fails("xnnpack", "quantize", &wrong, 1, "scale=1", 1, "x (input 0) must be float32");
    const uint8_t u[] = {1};
    const int8_t w[] = {1, 2};
    opinfo_tensor mism[2] = {T2(U8, 1, 1, u), T2(I8, 1, 2, w)};
    run_fails("fbgemm", "linear", mism, 2, "x_scale=1 w_scale=1 y_scale=1", 1,
              "the input's last dimension 1 differs from the weight's 2");
    /* unknown kernel, unknown backend */
    opinfo_tensor o;
    opinfo_error_t e;
    assert_int_equal(kr("fbgemm", "softmax", &in, 1, "", &o, 1, &e), OPINFO_ENOTFOUND);
    assert_non_null(strstr(e.text, "backend fbgemm has no kernel \"softmax\""));
    assert_int_equal(kr("nosuch", "quantize", &in, 1, "", &o, 1, &e), OPINFO_ENOTFOUND);
    assert_int_equal(opinfo_kernel_run(P, "fbgemm", "quantize", &in, 1, NULL, 1, &o, 1, &e),
                     OPINFO_EUSAGE);
}

int test_kernels(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantize_zero_point_before_or_after_rounding),
        cmocka_unit_test(quantize_reciprocal_or_division),
        cmocka_unit_test(quantize_saturates),
        cmocka_unit_test(quantize_pytorch_doc_example),
        cmocka_unit_test(quantize_per_channel),
        cmocka_unit_test(dequantize_every_backend),
        cmocka_unit_test(requantize_ties),
        cmocka_unit_test(requantize_schemes_differ_exactly_on_ties),
        cmocka_unit_test(requantize_xnnpack_scale_range_and_special_cases),
        cmocka_unit_test(requantize_exact_divide_by_po2),
        cmocka_unit_test(requantize_fast_path_matches_general_path),
        cmocka_unit_test(requantize_gemmlowp_vectors),
        cmocka_unit_test(requantize_gemmlowp_upstream_families),
        cmocka_unit_test(choose_qparams_matches_fbgemm),
        cmocka_unit_test(choose_qparams_power_of_two_straddles),
        cmocka_unit_test(choose_requantization_multiplier_matches_fbgemm),
        cmocka_unit_test(linear_by_hand),
        cmocka_unit_test(qnn_lpbq_fully_connected),
        cmocka_unit_test(qnn_lpbq_weights),
        cmocka_unit_test(conv2d_by_hand),
        cmocka_unit_test(conv_1x1_is_linear_and_near_float),
        cmocka_unit_test(add_every_backend),
        cmocka_unit_test(qnn_sigmoid_tanh_fixed_qparams),
        cmocka_unit_test(bad_arguments_are_errors),
    };
    return cmocka_run_group_tests_name("kernels", tests, setup, teardown);
}
