/* Throughput of the reference kernels, through the same C API a caller uses (opinfo_kernel_find,
 * then the kernel with the caller's own allocator, so no per-call look-up or allocation is
 * timed):
 *   requantize  64 MiB of int32 accumulators to int8, in GB/s of int32 read, next to memcpy of
 *               the same 64 MiB; every result is first compared bit for bit with a plain scalar
 *               implementation of the backend's rule written here
 *   linear, conv2d  GOPS (2 operations per multiply-accumulate)
 * Best of several runs. Figures only; targets are judged by the reader (docs/performance.md). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opinfo.h"
#include "opinfo/plugin.h"

#define RUNS 7

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The caller's allocator: hands out one preallocated, already touched buffer. */
static void *give(void *ctx, size_t size)
{
    (void)size;
    return ctx;
}

typedef int (*kfn)(opinfo_kernel_call *);

static kfn find(opinfo_plugins *p, const char *backend, const char *name)
{
    kfn fn = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_kernel_find(p, backend, name, &fn, NULL, &e)) {
        fprintf(stderr, "bench_kernels: %s\n", e.text);
        exit(2);
    }
    return fn;
}

/* Runs fn once with the given inputs/attrs into out_buf; returns the seconds taken. */
static double call(kfn fn, const opinfo_tensor *in, size_t n_in, const opinfo_kernel_attr *at,
                   size_t n_at, void *out_buf)
{
    opinfo_tensor out;
    char msg[256] = "";
    opinfo_kernel_call c = {in, n_in, at, n_at, &out, 1, give, out_buf, msg, sizeof msg};
    double t = now();
    if (fn(&c)) {
        fprintf(stderr, "bench_kernels: %s\n", msg);
        exit(2);
    }
    return now() - t;
}

static double best(kfn fn, const opinfo_tensor *in, size_t n_in, const opinfo_kernel_attr *at,
                   size_t n_at, void *out_buf)
{
    double b = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t = call(fn, in, n_in, at, n_at, out_buf);
        if (t < b)
            b = t;
    }
    return b;
}

int main(void)
{
    const size_t bytes = (size_t)64 << 20, n = bytes / 4;
    int32_t *acc = malloc(bytes), *copy = malloc(bytes);
    int8_t *out = malloc(n);
    if (!acc || !copy || !out)
        return 2;
    uint32_t r = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        r ^= r << 13, r ^= r >> 17, r ^= r << 5;
        acc[i] = (int32_t)(r >> (r & 15)) - (int32_t)(r >> 20); /* every magnitude */
    }
    memset(copy, 1, bytes);
    memset(out, 1, n);
    opinfo_plugins *p = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_plugins_open(NULL, 0, 0, &p, &e)) {
        fprintf(stderr, "bench_kernels: %s\n", e.text);
        return 2;
    }

    /* memcpy of the same bytes */
    double tm = 1e30;
    for (int k = 0; k < RUNS; k++) {
        double t = now();
        memcpy(copy, acc, bytes);
        t = now() - t;
        if (t < tm)
            tm = t;
    }
    if (memcmp(copy, acc, bytes) != 0)
        return 2;

    printf("requantize: %zu MiB of int32 -> int8 (best of %d)\n", bytes >> 20, RUNS);
    printf("%-44s %9s %9s  %s\n", "", "GB/s", "x memcpy", "bit-exact");
    printf("%-44s %9.2f %9.2f\n", "memcpy", (double)bytes / tm / 1e9, 1.0);

    const float scale = 0.0123f;
    const int zp = -3;
    double s_v = scale, zp_v = zp, dt_v = OPINFO_DTYPE_INT8, sch0 = 0, sch1 = 1;
    opinfo_tensor in = {.dtype = OPINFO_DTYPE_INT32, .rank = 1, .shape = {(int64_t)n}, .data = acc};
    struct {
        const char *label, *backend, *kernel, *scale_name;
        double *scheme;
        int rule; /* 0 xnnpack fp32, 1 xnnpack rndnu, 2 fbgemm float */
    } cases[] = {
        {"xnnpack requantize fp32 (ties to even)", "xnnpack", "requantize", "scale", &sch0, 0},
        {"xnnpack requantize rndnu (ties up)", "xnnpack", "requantize", "scale", &sch1, 1},
        {"fbgemm requantize (float multiplier)", "fbgemm", "requantize", "multiplier", NULL, 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        opinfo_kernel_attr at[4] = {{cases[k].scale_name, 1, &s_v},
                                    {"zero_point", 1, &zp_v},
                                    {"dtype", 1, &dt_v},
                                    {"scheme", 1, cases[k].scheme}};
        size_t n_at = cases[k].scheme ? 4 : 3;
        kfn fn = find(p, cases[k].backend, cases[k].kernel);
        call(fn, &in, 1, at, n_at, out);
        /* the plain scalar rule, written independently of the plugin */
        size_t bad = 0;
        uint32_t bits;
        memcpy(&bits, &scale, 4);
        int64_t m = (int64_t)((bits & 0x7FFFFF) | 0x800000);
        int shift = 127 + 23 - (int)(bits >> 23);
        for (size_t i = 0; i < n; i++) {
            long want;
            if (cases[k].rule == 0) {
                float v = fminf(fmaxf((float)acc[i] * scale, -128.0f - zp), 127.0f - zp);
                want = lrintf(v) + zp;
            } else if (cases[k].rule == 1) {
                int64_t prod = (int64_t)acc[i] * m + ((int64_t)1 << (shift - 1));
                int64_t v = prod >= 0 ? prod >> shift : -((-prod - 1) >> shift) - 1;
                want = (long)(v < -128 - zp ? -128 - zp : v > 127 - zp ? 127 - zp : v) + zp;
            } else {
                float v = (float)acc[i] * scale;
                long q = zp + (fabsf(v) < 1e9f ? lrintf(v) : (v > 0 ? 1000000000L : -1000000000L));
                want = q < -128 ? -128 : q > 127 ? 127 : q;
            }
            bad += out[i] != want;
        }
        double t = best(fn, &in, 1, at, n_at, out);
        printf("%-44s %9.2f %9.2f  %s\n", cases[k].label, (double)bytes / t / 1e9, tm / t,
               bad ? "NO" : "yes");
        if (bad)
            fprintf(stderr, "bench_kernels: %s: %zu of %zu results differ\n", cases[k].label, bad, n);
    }

    /* linear and conv2d */
    printf("\n%-44s %9s %9s\n", "GEMM-like kernels", "ms", "GOPS");
    {
        const int64_t M = 64, K = 512, N = 256;
        uint8_t *x = malloc((size_t)(M * K));
        int8_t *w = malloc((size_t)(N * K));
        uint8_t *y = malloc((size_t)(M * N));
        for (int64_t i = 0; i < M * K; i++)
            x[i] = (uint8_t)(i * 7);
        for (int64_t i = 0; i < N * K; i++)
            w[i] = (int8_t)(i * 13);
        double xs = 0.02, xz = 128, ws = 0.01, ys = 2.0, yz = 120;
        opinfo_kernel_attr at[5] = {{"x_scale", 1, &xs}, {"x_zero_point", 1, &xz},
                                    {"w_scale", 1, &ws}, {"y_scale", 1, &ys},
                                    {"y_zero_point", 1, &yz}};
        opinfo_tensor lin[2] = {{.dtype = OPINFO_DTYPE_UINT8, .rank = 2, .shape = {M, K}, .data = x},
                                {.dtype = OPINFO_DTYPE_INT8, .rank = 2, .shape = {N, K}, .data = w}};
        double t = best(find(p, "fbgemm", "linear"), lin, 2, at, 5, y);
        printf("%-44s %9.2f %9.3f\n", "fbgemm linear 64x512 * 512x256", t * 1e3,
               2.0 * (double)(M * N * K) / t / 1e9);
        int64_t C = 32, H = 28, W = 28, O = 32;
        uint8_t *cx = malloc((size_t)(C * H * W));
        int8_t *cw = malloc((size_t)(O * C * 9));
        uint8_t *cy = malloc((size_t)(O * H * W));
        for (int64_t i = 0; i < C * H * W; i++)
            cx[i] = (uint8_t)(i * 3);
        for (int64_t i = 0; i < O * C * 9; i++)
            cw[i] = (int8_t)(i * 5);
        double pad[2] = {1, 1};
        opinfo_kernel_attr cat[6] = {at[0], at[1], at[2], at[3], at[4], {"padding", 2, pad}};
        opinfo_tensor cnv[2] = {
            {.dtype = OPINFO_DTYPE_UINT8, .rank = 4, .shape = {1, C, H, W}, .data = cx},
            {.dtype = OPINFO_DTYPE_INT8, .rank = 4, .shape = {O, C, 3, 3}, .data = cw}};
        t = best(find(p, "fbgemm", "conv2d"), cnv, 2, cat, 6, cy);
        printf("%-44s %9.2f %9.3f\n", "fbgemm conv2d 1x32x28x28, 32x32x3x3, pad 1", t * 1e3,
               2.0 * (double)(O * H * W * C * 9) / t / 1e9);
        free(x), free(w), free(y), free(cx), free(cw), free(cy);
    }
    opinfo_plugins_close(p);
    free(acc), free(copy), free(out);
    return 0;
}
