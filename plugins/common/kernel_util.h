/*
 * kernel_util.h: argument checking shared by the reference kernels of the in-tree plugins.
 *
 * Everything a kernel reads comes from an opinfo_kernel_call that the caller filled: these
 * helpers check it (counts, dtypes, ranks, shapes that do not overflow, attributes that are
 * finite integers or positive finite float32 scales) and turn every problem into a message and
 * the return value 2, so a kernel never reads outside its tensors or converts an out-of-range
 * value. Compiled into each plugin that uses it; built against <opinfo/plugin.h> alone.
 */
#ifndef OPINFO_KERNEL_UTIL_H
#define OPINFO_KERNEL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <opinfo/plugin.h>

#define KU_EUSAGE 2
#define KU_ENOMEM 1

#if defined(__GNUC__) || defined(__clang__)
#define KU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KU_PRINTF(a, b)
#endif

/* Writes the message into call->error and returns KU_EUSAGE. */
int ku_fail(opinfo_kernel_call *c, const char *fmt, ...) KU_PRINTF(2, 3);

/* Checks the call itself: non-NULL, the number of inputs in [min_in, max_in], exactly n_out
 * outputs, every given input with data, a valid dtype and rank and a non-overflowing size. */
int ku_check_call(opinfo_kernel_call *c, const char *kernel, size_t min_in, size_t max_in,
                  size_t n_out);

/* Bytes of one element of a tensor dtype (0 when not a kernel dtype). */
size_t ku_dtype_size(int32_t dtype);
const char *ku_dtype_name(int32_t dtype);
/* The integer range of a dtype, or of a 4-bit dtype in its 8-bit container; 0 when none. */
int ku_dtype_range(int32_t dtype, int64_t *lo, int64_t *hi);

/* Elements of a tensor (checked by ku_check_call not to overflow). */
size_t ku_numel(const opinfo_tensor *t);

/* Requires input i to have the dtype (one of the mask's, when mask != 0) and rank (-1: any). */
int ku_want(opinfo_kernel_call *c, size_t i, const char *what, int32_t dtype, int rank);
int ku_want_int(opinfo_kernel_call *c, size_t i, const char *what, int rank); /* any integer */

/* The attribute, or NULL. A name the kernel does not know is an error: ku_known checks that
 * every attribute given is in the NULL-terminated list. */
const opinfo_kernel_attr *ku_attr(const opinfo_kernel_call *c, const char *name);
int ku_known(opinfo_kernel_call *c, const char *kernel, const char *const *names);

/* One integer in [lo, hi]; def when absent and not required. */
int ku_int(opinfo_kernel_call *c, const char *name, int required, int64_t def, int64_t lo,
           int64_t hi, int64_t *out);
/* n integers (n_attr must be 1 or n: one value is repeated). */
int ku_ints(opinfo_kernel_call *c, const char *name, size_t n, const int64_t *def, int64_t lo,
            int64_t hi, int64_t *out);
/* One float32, finite. */
int ku_float(opinfo_kernel_call *c, const char *name, int required, float def, float *out);
/* A float32 scale: finite and > 0 (the caller checks backend-specific ranges). */
int ku_scale1(opinfo_kernel_call *c, const char *name, float *out);

/* Quantization parameters per tensor or per channel: scale (and zero point, when zp_name is not
 * NULL) given as one value or as one per channel of the tensor's dimension `axis`. */
typedef struct ku_qparams {
    size_t n;        /* 1, or the channels */
    int axis;        /* -1 per tensor */
    size_t inner;    /* elements after the axis */
    float *scale;    /* n values (malloc'd) */
    int64_t *zp;     /* n values (malloc'd) */
} ku_qparams;

/* Reads scale/zero point for tensor t with the zero points checked against [zlo, zhi].
 * zp_negate: the attribute holds QNN offsets (zero point = -offset). */
int ku_qparams_read(opinfo_kernel_call *c, const opinfo_tensor *t, const char *scale_name,
                    const char *zp_name, int zp_negate, int64_t zlo, int64_t zhi, ku_qparams *q);
/* The same with the channel axis fixed by the kernel (a weight's output channels). */
int ku_qparams_axis(opinfo_kernel_call *c, const opinfo_tensor *t, const char *scale_name,
                    const char *zp_name, int zp_negate, int64_t zlo, int64_t zhi, int axis,
                    ku_qparams *q);
void ku_qparams_free(ku_qparams *q);
/* The channel of flat element index i. */
static inline size_t ku_channel(const ku_qparams *q, size_t i)
{
    return q->n == 1 ? 0 : (i / q->inner) % q->n;
}

/* The output dtype from the "dtype" attribute (an opinfo_dtype number), which must be among
 * the NULL-free list allowed (n entries). def when absent. */
int ku_out_dtype(opinfo_kernel_call *c, const int32_t *allowed, size_t n, int32_t def,
                 int32_t *out);

/* Sets output o's dtype/shape and allocates its data. */
int ku_output(opinfo_kernel_call *c, size_t o, int32_t dtype, int rank, const int64_t *shape);
/* Output with the shape of input i. */
int ku_output_like(opinfo_kernel_call *c, size_t o, int32_t dtype, size_t i);

/* Element access by dtype (integers widen exactly). */
int64_t ku_get_int(const opinfo_tensor *t, size_t i);
void ku_set_int(opinfo_tensor *t, size_t i, int64_t v); /* v already within the dtype's range */

/* Rounding helpers: round half to even of a float (the default FP environment's nearbyint) and
 * clamping; pure integer helpers with ties up for the fixed-point schemes. */
static inline int64_t ku_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
/* Arithmetic shift right of a signed 64-bit value, defined for negative values. */
static inline int64_t ku_asr64(int64_t v, unsigned s)
{
    /* floor(v / 2^s): for negative v, ~v = -v - 1 is not negative, and ~(~v >> s) rounds down */
    int64_t pos = (int64_t)((uint64_t)v >> s), neg = ~(int64_t)((uint64_t)~v >> s);
    return v >= 0 ? pos : neg;
}
/* Wraps a 64-bit value modulo 2^32 into int32, as a cast on two's-complement machines does. */
static inline int32_t ku_wrap32(int64_t v)
{
    uint32_t u = (uint32_t)(uint64_t)v;
    return u <= 0x7FFFFFFFu ? (int32_t)u : (int32_t)(u - 0x80000000u) - 0x7FFFFFFF - 1;
}
/* Float bits. */
uint32_t ku_f32_bits(float f);
float ku_f32_from_bits(uint32_t u);

/* Convolution geometry shared by conv2d kernels: output size of one spatial dimension, or -1
 * when the window does not fit. */
int64_t ku_conv_out(int64_t in, int64_t k, int64_t stride, int64_t pad_lo, int64_t pad_hi,
                    int64_t dilation);

#endif

/* ---- Integer accumulation of linear and conv2d ------------------------------------------------
 * acc[o] = bias[o] + sum (x - x_zp) * (w - w_zp[o]) * w_mul[o][c], exactly, in int64. w_mul (NULL
 * for 1) is an integer factor per (output channel, input channel): LPBQ's per-block scales.
 * Each reduction is at most KU_MAX_REDUCTION terms, so int64 never overflows. */
#define KU_MAX_REDUCTION (1 << 24)

typedef struct ku_conv_geom {
    int64_t n, c, h, w;          /* input batch, channels, height, width */
    int64_t o, kh, kw, groups;   /* output channels, kernel size, groups */
    int64_t stride[2], pad[4], dil[2]; /* pad: top, left, bottom, right */
    int64_t oh, ow;              /* output size (computed) */
    /* element strides of the input (n, c, h, w), weight (o, c/g, kh, kw), output (n, o, oh, ow) */
    int64_t xs[4], ws[4], ys[4];
} ku_conv_geom;

/* Reads stride (2), padding (2: rows, columns; or 4: top, left, bottom, right), dilation (2)
 * and groups. */
int ku_conv_attrs(opinfo_kernel_call *c, ku_conv_geom *g);
/* Fills oh/ow and checks the geometry. */
int ku_conv_geom_check(opinfo_kernel_call *c, ku_conv_geom *g);

/* acc has n*o*oh*ow entries laid out by ys. Padding contributes x_zp (zero after the offset). */
void ku_conv_acc(const ku_conv_geom *g, const opinfo_tensor *x, int64_t x_zp,
                 const opinfo_tensor *w, const int64_t *w_zp, const int64_t *w_mul,
                 const opinfo_tensor *bias, int64_t *acc);

/* linear: x [M, K], w [N, K] (or [K, N] when w_kn), acc [M, N]. */
void ku_linear_acc(size_t m, size_t k, size_t n, const opinfo_tensor *x, int64_t x_zp,
                   const opinfo_tensor *w, int w_kn, const int64_t *w_zp, const int64_t *w_mul,
                   const opinfo_tensor *bias, int64_t *acc);

/* Checks linear operands: x rank >= 1 with last dim K, w rank 2 [N, K] (or [K, N]), bias [N]
 * int32 when given; fills M (rows of x), K and N. */
int ku_linear_shapes(opinfo_kernel_call *c, size_t xi, size_t wi, int w_kn, int has_bias,
                     size_t *m, size_t *k, size_t *n);

/* ---- The per-tensor float requantization both PyTorch CPU backends share ----------------------
 * y = zp + round_half_even(clamp((float)acc * scale, lo - zp, hi - zp)) for 8-bit outputs: XNNPACK's
 * fp32 scheme, and FBGEMM's Requantize (lrintf is monotonic, so clamping the float first gives
 * the same integer). Within the clamped range (|v| < 2^22) adding and subtracting 1.5 * 2^23
 * rounds exactly as lrintf does in the default rounding mode; written so that compilers
 * vectorize it. zp must lie within [-65536, 65536]. */
void ku_requant_fp32_s8(size_t n, const int32_t *restrict acc, int8_t *restrict y, float scale,
                        int32_t zp, int32_t lo, int32_t hi);
void ku_requant_fp32_u8(size_t n, const int32_t *restrict acc, uint8_t *restrict y, float scale,
                        int32_t zp, int32_t lo, int32_t hi);
