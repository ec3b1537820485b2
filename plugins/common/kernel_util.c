/*
 * kernel_util.c: argument checking shared by the reference kernels (kernel_util.h).
 */
#include "kernel_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ku_fail(opinfo_kernel_call *c, const char *fmt, ...)
{
    if (c && c->error && c->error_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->error, c->error_size, fmt, ap);
        va_end(ap);
    }
    return KU_EUSAGE;
}

size_t ku_dtype_size(int32_t dtype)
{
    switch (dtype) {
    case OPINFO_TENSOR_INT8:
    case OPINFO_TENSOR_UINT8:
        return 1;
    case OPINFO_TENSOR_INT16:
    case OPINFO_TENSOR_UINT16:
        return 2;
    case OPINFO_TENSOR_INT32:
    case OPINFO_TENSOR_FLOAT32:
        return 4;
    default:
        return 0;
    }
}

const char *ku_dtype_name(int32_t dtype)
{
    switch (dtype) {
    case OPINFO_TENSOR_INT4: return "int4";
    case OPINFO_TENSOR_UINT4: return "uint4";
    case OPINFO_TENSOR_INT8: return "int8";
    case OPINFO_TENSOR_UINT8: return "uint8";
    case OPINFO_TENSOR_INT16: return "int16";
    case OPINFO_TENSOR_UINT16: return "uint16";
    case OPINFO_TENSOR_INT32: return "int32";
    case OPINFO_TENSOR_FLOAT32: return "float32";
    default: return "an unsupported dtype";
    }
}

int ku_dtype_range(int32_t dtype, int64_t *lo, int64_t *hi)
{
    switch (dtype) {
    case OPINFO_TENSOR_INT4: *lo = -8, *hi = 7; return 1;
    case OPINFO_TENSOR_UINT4: *lo = 0, *hi = 15; return 1;
    case OPINFO_TENSOR_INT8: *lo = INT8_MIN, *hi = INT8_MAX; return 1;
    case OPINFO_TENSOR_UINT8: *lo = 0, *hi = UINT8_MAX; return 1;
    case OPINFO_TENSOR_INT16: *lo = INT16_MIN, *hi = INT16_MAX; return 1;
    case OPINFO_TENSOR_UINT16: *lo = 0, *hi = UINT16_MAX; return 1;
    case OPINFO_TENSOR_INT32: *lo = INT32_MIN, *hi = INT32_MAX; return 1;
    default: return 0;
    }
}

size_t ku_numel(const opinfo_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= (size_t)t->shape[d];
    return n;
}

/* Elements times element size fit in size_t and in int64 (the product of the shape). */
static int size_ok(const opinfo_tensor *t)
{
    size_t n = 1, es = ku_dtype_size(t->dtype);
    for (int d = 0; d < t->rank; d++) {
        if (t->shape[d] < 0)
            return 0;
        size_t dim = (size_t)t->shape[d];
        if (dim && n > (SIZE_MAX / 8) / dim)
            return 0;
        n *= dim;
    }
    return n <= (SIZE_MAX / 8) / (es ? es : 1);
}

int ku_check_call(opinfo_kernel_call *c, const char *kernel, size_t min_in, size_t max_in,
                  size_t n_out)
{
    if (!c)
        return KU_EUSAGE;
    if ((c->n_inputs && !c->inputs) || (c->n_attrs && !c->attrs) || !c->outputs || !c->alloc)
        return ku_fail(c, "%s: NULL inputs, attributes, outputs or allocator", kernel);
    if (c->n_inputs < min_in || c->n_inputs > max_in) {
        if (min_in == max_in)
            return ku_fail(c, "%s takes %zu input%s, got %zu", kernel, min_in,
                           min_in == 1 ? "" : "s", c->n_inputs);
        return ku_fail(c, "%s takes %zu to %zu inputs, got %zu", kernel, min_in, max_in,
                       c->n_inputs);
    }
    if (c->n_outputs != n_out)
        return ku_fail(c, "%s has %zu output%s, %zu given", kernel, n_out, n_out == 1 ? "" : "s",
                       c->n_outputs);
    for (size_t i = 0; i < c->n_inputs; i++) {
        const opinfo_tensor *t = &c->inputs[i];
        if (!ku_dtype_size(t->dtype))
            return ku_fail(c, "%s: input %zu has dtype %d, which no kernel takes", kernel, i,
                           (int)t->dtype);
        if (t->rank < 0 || t->rank > OPINFO_TENSOR_MAX_RANK)
            return ku_fail(c, "%s: input %zu has rank %d, outside 0..%d", kernel, i,
                           (int)t->rank, OPINFO_TENSOR_MAX_RANK);
        if (!size_ok(t))
            return ku_fail(c, "%s: input %zu has a negative or overflowing shape", kernel, i);
        if (!t->data && ku_numel(t))
            return ku_fail(c, "%s: input %zu has no data", kernel, i);
    }
    for (size_t i = 0; i < c->n_attrs; i++)
        if (!c->attrs[i].name || (c->attrs[i].n && !c->attrs[i].values))
            return ku_fail(c, "%s: attribute %zu has no name or no values", kernel, i);
    return 0;
}

static int is_int_dtype(int32_t d)
{
    return d == OPINFO_TENSOR_INT8 || d == OPINFO_TENSOR_UINT8 || d == OPINFO_TENSOR_INT16 ||
           d == OPINFO_TENSOR_UINT16 || d == OPINFO_TENSOR_INT32;
}

int ku_want(opinfo_kernel_call *c, size_t i, const char *what, int32_t dtype, int rank)
{
    const opinfo_tensor *t = &c->inputs[i];
    if (t->dtype != dtype)
        return ku_fail(c, "%s (input %zu) must be %s, not %s", what, i, ku_dtype_name(dtype),
                       ku_dtype_name(t->dtype));
    if (rank >= 0 && t->rank != rank)
        return ku_fail(c, "%s (input %zu) must have rank %d, not %d", what, i, rank, (int)t->rank);
    return 0;
}

int ku_want_int(opinfo_kernel_call *c, size_t i, const char *what, int rank)
{
    const opinfo_tensor *t = &c->inputs[i];
    if (!is_int_dtype(t->dtype))
        return ku_fail(c, "%s (input %zu) must be an integer tensor, not %s", what, i,
                       ku_dtype_name(t->dtype));
    if (rank >= 0 && t->rank != rank)
        return ku_fail(c, "%s (input %zu) must have rank %d, not %d", what, i, rank, (int)t->rank);
    return 0;
}

const opinfo_kernel_attr *ku_attr(const opinfo_kernel_call *c, const char *name)
{
    for (size_t i = 0; i < c->n_attrs; i++)
        if (strcmp(c->attrs[i].name, name) == 0)
            return &c->attrs[i];
    return NULL;
}

int ku_known(opinfo_kernel_call *c, const char *kernel, const char *const *names)
{
    for (size_t i = 0; i < c->n_attrs; i++) {
        int found = 0;
        for (size_t k = 0; names[k] && !found; k++)
            found = strcmp(c->attrs[i].name, names[k]) == 0;
        if (!found)
            return ku_fail(c, "%s has no attribute \"%s\"", kernel, c->attrs[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->attrs[i].name, c->attrs[j].name) == 0)
                return ku_fail(c, "%s: attribute \"%s\" given twice", kernel, c->attrs[i].name);
    }
    return 0;
}

static int to_int(opinfo_kernel_call *c, const char *name, double v, int64_t lo, int64_t hi,
                  int64_t *out)
{
    if (!(v == v) || v != floor(v) || v < (double)lo || v > (double)hi)
        return ku_fail(c, "attribute %s = %.17g is not an integer in [%lld, %lld]", name, v,
                       (long long)lo, (long long)hi);
    *out = (int64_t)v;
    return 0;
}

int ku_int(opinfo_kernel_call *c, const char *name, int required, int64_t def, int64_t lo,
           int64_t hi, int64_t *out)
{
    const opinfo_kernel_attr *a = ku_attr(c, name);
    if (!a) {
        if (required)
            return ku_fail(c, "attribute %s is required", name);
        *out = def;
        return 0;
    }
    if (a->n != 1)
        return ku_fail(c, "attribute %s takes one value, %zu given", name, a->n);
    return to_int(c, name, a->values[0], lo, hi, out);
}

int ku_ints(opinfo_kernel_call *c, const char *name, size_t n, const int64_t *def, int64_t lo,
            int64_t hi, int64_t *out)
{
    const opinfo_kernel_attr *a = ku_attr(c, name);
    if (!a) {
        if (!def)
            return ku_fail(c, "attribute %s is required", name);
        memcpy(out, def, n * sizeof *out);
        return 0;
    }
    if (a->n != 1 && a->n != n)
        return ku_fail(c, "attribute %s takes 1 or %zu values, %zu given", name, n, a->n);
    for (size_t i = 0; i < n; i++)
        if (to_int(c, name, a->values[a->n == 1 ? 0 : i], lo, hi, &out[i]))
            return KU_EUSAGE;
    return 0;
}

static int to_float(opinfo_kernel_call *c, const char *name, double v, float *out)
{
    if (!isfinite(v) || fabs(v) > 3.4028234663852886e38)
        return ku_fail(c, "attribute %s = %g is not a finite float32", name, v);
    *out = (float)v;
    return 0;
}

int ku_float(opinfo_kernel_call *c, const char *name, int required, float def, float *out)
{
    const opinfo_kernel_attr *a = ku_attr(c, name);
    if (!a) {
        if (required)
            return ku_fail(c, "attribute %s is required", name);
        *out = def;
        return 0;
    }
    if (a->n != 1)
        return ku_fail(c, "attribute %s takes one value, %zu given", name, a->n);
    return to_float(c, name, a->values[0], out);
}

int ku_scale1(opinfo_kernel_call *c, const char *name, float *out)
{
    float f = 0;
    if (ku_float(c, name, 1, 0, &f))
        return KU_EUSAGE;
    if (!(f > 0))
        return ku_fail(c, "attribute %s = %g: a scale must be positive", name, (double)f);
    *out = f;
    return 0;
}

void ku_qparams_free(ku_qparams *q)
{
    free(q->scale);
    free(q->zp);
    q->scale = NULL, q->zp = NULL;
}

static int qparams(opinfo_kernel_call *c, const opinfo_tensor *t, const char *scale_name,
                   const char *zp_name, int zp_negate, int64_t zlo, int64_t zhi, int fixed_axis,
                   ku_qparams *q)
{
    memset(q, 0, sizeof *q);
    q->axis = -1;
    const opinfo_kernel_attr *s = ku_attr(c, scale_name);
    const opinfo_kernel_attr *z = zp_name ? ku_attr(c, zp_name) : NULL;
    if (!s || !s->n)
        return ku_fail(c, "attribute %s is required", scale_name);
    size_t n = s->n;
    if (z && z->n != 1 && z->n != n && n != 1)
        return ku_fail(c, "%s has %zu values but %s has %zu", zp_name, z->n, scale_name, n);
    if (z && z->n > n)
        n = z->n;
    q->n = n;
    q->inner = 1;
    if (n > 1) {
        int64_t axis = fixed_axis;
        if (fixed_axis < 0 && ku_int(c, "axis", 1, 0, -(int64_t)t->rank, t->rank - 1, &axis))
            return KU_EUSAGE;
        if (t->rank == 0)
            return ku_fail(c, "per-channel %s on a rank-0 tensor", scale_name);
        if (axis < 0)
            axis += t->rank;
        if ((size_t)t->shape[axis] != n)
            return ku_fail(c, "%s has %zu values but dimension %lld of the tensor has %lld",
                           scale_name, n, (long long)axis, (long long)t->shape[axis]);
        q->axis = (int)axis;
        for (int d = (int)axis + 1; d < t->rank; d++)
            q->inner *= (size_t)t->shape[d];
    } else if (fixed_axis < 0 && ku_attr(c, "axis")) {
        int64_t axis;
        if (ku_int(c, "axis", 1, 0, -(int64_t)(t->rank ? t->rank : 1), t->rank ? t->rank - 1 : 0,
                   &axis))
            return KU_EUSAGE;
    }
    q->scale = malloc(n * sizeof *q->scale);
    q->zp = malloc(n * sizeof *q->zp);
    if (!q->scale || !q->zp) {
        ku_qparams_free(q);
        return ku_fail(c, "out of memory"), KU_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        double v = s->values[s->n == 1 ? 0 : i];
        if (!isfinite(v) || !(v > 0) || v > 3.4028234663852886e38 || !((float)v > 0)) {
            ku_qparams_free(q);
            return ku_fail(c, "%s[%zu] = %g: a scale must be a positive finite float32",
                           scale_name, i, v);
        }
        q->scale[i] = (float)v;
        int64_t zp = 0;
        if (z) {
            double zv = z->values[z->n == 1 ? 0 : i];
            int64_t lo = zp_negate ? -zhi : zlo, hi = zp_negate ? -zlo : zhi;
            if (to_int(c, zp_name, zv, lo, hi, &zp)) {
                ku_qparams_free(q);
                return KU_EUSAGE;
            }
            if (zp_negate)
                zp = -zp;
        } else if (zp_name && (0 < zlo || 0 > zhi)) {
            ku_qparams_free(q);
            return ku_fail(c, "attribute %s is required for this dtype", zp_name);
        }
        q->zp[i] = zp;
    }
    return 0;
}

int ku_qparams_read(opinfo_kernel_call *c, const opinfo_tensor *t, const char *scale_name,
                    const char *zp_name, int zp_negate, int64_t zlo, int64_t zhi, ku_qparams *q)
{
    return qparams(c, t, scale_name, zp_name, zp_negate, zlo, zhi, -1, q);
}

int ku_qparams_axis(opinfo_kernel_call *c, const opinfo_tensor *t, const char *scale_name,
                    const char *zp_name, int zp_negate, int64_t zlo, int64_t zhi, int axis,
                    ku_qparams *q)
{
    return qparams(c, t, scale_name, zp_name, zp_negate, zlo, zhi, axis, q);
}

int ku_out_dtype(opinfo_kernel_call *c, const int32_t *allowed, size_t n, int32_t def,
                 int32_t *out)
{
    int64_t v;
    if (ku_int(c, "dtype", 0, def, 0, 64, &v))
        return KU_EUSAGE;
    for (size_t i = 0; i < n; i++)
        if (allowed[i] == v) {
            *out = (int32_t)v;
            return 0;
        }
    char list[160] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof list; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                ku_dtype_name(allowed[i]));
    return ku_fail(c, "output dtype %s is not supported here (%s)", ku_dtype_name((int32_t)v),
                   list);
}

int ku_output(opinfo_kernel_call *c, size_t o, int32_t dtype, int rank, const int64_t *shape)
{
    opinfo_tensor *t = &c->outputs[o];
    size_t es = ku_dtype_size(dtype == OPINFO_TENSOR_INT4    ? OPINFO_TENSOR_INT8
                              : dtype == OPINFO_TENSOR_UINT4 ? OPINFO_TENSOR_UINT8
                                                             : dtype);
    t->dtype = dtype == OPINFO_TENSOR_INT4    ? OPINFO_TENSOR_INT8
               : dtype == OPINFO_TENSOR_UINT4 ? OPINFO_TENSOR_UINT8
                                              : dtype;
    t->rank = rank;
    size_t n = 1;
    for (int d = 0; d < rank; d++) {
        if (shape[d] < 0)
            return ku_fail(c, "output dimension %d is negative", d);
        if (shape[d] && n > (SIZE_MAX / 8) / (size_t)shape[d])
            return ku_fail(c, "output shape overflows");
        t->shape[d] = shape[d];
        n *= (size_t)shape[d];
    }
    for (int d = rank; d < OPINFO_TENSOR_MAX_RANK; d++)
        t->shape[d] = 0;
    t->data = c->alloc(c->alloc_ctx, (n * es) > 0 ? n * es : 1);
    if (!t->data) {
        ku_fail(c, "out of memory for an output of %zu bytes", n * es);
        return KU_ENOMEM;
    }
    return 0;
}

int ku_output_like(opinfo_kernel_call *c, size_t o, int32_t dtype, size_t i)
{
    return ku_output(c, o, dtype, c->inputs[i].rank, c->inputs[i].shape);
}

int64_t ku_get_int(const opinfo_tensor *t, size_t i)
{
    switch (t->dtype) {
    case OPINFO_TENSOR_INT8: return ((const int8_t *)t->data)[i];
    case OPINFO_TENSOR_UINT8: return ((const uint8_t *)t->data)[i];
    case OPINFO_TENSOR_INT16: return ((const int16_t *)t->data)[i];
    case OPINFO_TENSOR_UINT16: return ((const uint16_t *)t->data)[i];
    case OPINFO_TENSOR_INT32: return ((const int32_t *)t->data)[i];
    default: return 0;
    }
}

void ku_set_int(opinfo_tensor *t, size_t i, int64_t v)
{
    switch (t->dtype) {
    case OPINFO_TENSOR_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case OPINFO_TENSOR_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    case OPINFO_TENSOR_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    case OPINFO_TENSOR_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
    case OPINFO_TENSOR_INT32: ((int32_t *)t->data)[i] = (int32_t)v; break;
    default: break;
    }
}

uint32_t ku_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float ku_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

int64_t ku_conv_out(int64_t in, int64_t k, int64_t stride, int64_t pad_lo, int64_t pad_hi,
                    int64_t dilation)
{
    int64_t span = dilation * (k - 1) + 1;
    int64_t padded = in + pad_lo + pad_hi;
    if (k < 1 || stride < 1 || dilation < 1 || padded < span)
        return -1;
    return (padded - span) / stride + 1;
}

/* ---- Integer accumulation ------------------------------------------------------------------ */

int ku_conv_attrs(opinfo_kernel_call *c, ku_conv_geom *g)
{
    static const int64_t one2[2] = {1, 1}, zero4[4] = {0, 0, 0, 0};
    const opinfo_kernel_attr *p = ku_attr(c, "padding");
    int rc;
    if ((rc = ku_ints(c, "stride", 2, one2, 1, 1 << 20, g->stride)) ||
        (rc = ku_ints(c, "dilation", 2, one2, 1, 1 << 20, g->dil)) ||
        (rc = ku_int(c, "groups", 0, 1, 1, INT32_MAX, &g->groups)))
        return rc;
    if (p && p->n == 2) {
        int64_t hw[2];
        if ((rc = ku_ints(c, "padding", 2, NULL, 0, 1 << 20, hw)))
            return rc;
        g->pad[0] = g->pad[2] = hw[0], g->pad[1] = g->pad[3] = hw[1];
        return 0;
    }
    return ku_ints(c, "padding", 4, zero4, 0, 1 << 20, g->pad);
}

int ku_conv_geom_check(opinfo_kernel_call *c, ku_conv_geom *g)
{
    if (g->groups < 1 || g->c % g->groups || g->o % g->groups)
        return ku_fail(c, "conv2d: groups %lld must divide the %lld input and %lld output channels",
                       (long long)g->groups, (long long)g->c, (long long)g->o);
    for (int i = 0; i < 2; i++)
        if (g->stride[i] < 1 || g->dil[i] < 1)
            return ku_fail(c, "conv2d: stride and dilation must be at least 1");
    for (int i = 0; i < 4; i++)
        if (g->pad[i] < 0)
            return ku_fail(c, "conv2d: padding must not be negative");
    g->oh = ku_conv_out(g->h, g->kh, g->stride[0], g->pad[0], g->pad[2], g->dil[0]);
    g->ow = ku_conv_out(g->w, g->kw, g->stride[1], g->pad[1], g->pad[3], g->dil[1]);
    if (g->oh < 0 || g->ow < 0)
        return ku_fail(c, "conv2d: the %lldx%lld kernel (dilation %lldx%lld) does not fit the "
                          "%lldx%lld input with its padding",
                       (long long)g->kh, (long long)g->kw, (long long)g->dil[0],
                       (long long)g->dil[1], (long long)g->h, (long long)g->w);
    if ((g->c / g->groups) * g->kh * g->kw > KU_MAX_REDUCTION)
        return ku_fail(c, "conv2d: a reduction of %lld terms exceeds the supported %d",
                       (long long)((g->c / g->groups) * g->kh * g->kw), KU_MAX_REDUCTION);
    return 0;
}

void ku_conv_acc(const ku_conv_geom *g, const opinfo_tensor *x, int64_t x_zp,
                 const opinfo_tensor *w, const int64_t *w_zp, const int64_t *w_mul,
                 const opinfo_tensor *bias, int64_t *acc)
{
    int64_t cg = g->c / g->groups, og = g->o / g->groups;
    for (int64_t n = 0; n < g->n; n++)
        for (int64_t o = 0; o < g->o; o++) {
            int64_t grp = o / og;
            for (int64_t oy = 0; oy < g->oh; oy++)
                for (int64_t ox = 0; ox < g->ow; ox++) {
                    int64_t sum = bias ? ((const int32_t *)bias->data)[o] : 0;
                    for (int64_t ci = 0; ci < cg; ci++) {
                        int64_t cin = grp * cg + ci, mul = w_mul ? w_mul[o * cg + ci] : 1;
                        int64_t part = 0;
                        for (int64_t ky = 0; ky < g->kh; ky++) {
                            int64_t iy = oy * g->stride[0] - g->pad[0] + ky * g->dil[0];
                            if (iy < 0 || iy >= g->h)
                                continue;
                            for (int64_t kx = 0; kx < g->kw; kx++) {
                                int64_t ix = ox * g->stride[1] - g->pad[1] + kx * g->dil[1];
                                if (ix < 0 || ix >= g->w)
                                    continue;
                                int64_t xv = ku_get_int(x, (size_t)(n * g->xs[0] + cin * g->xs[1] +
                                                                    iy * g->xs[2] + ix * g->xs[3]));
                                int64_t wv = ku_get_int(w, (size_t)(o * g->ws[0] + ci * g->ws[1] +
                                                                    ky * g->ws[2] + kx * g->ws[3]));
                                part += (xv - x_zp) * (wv - w_zp[o]);
                            }
                        }
                        sum += part * mul;
                    }
                    acc[n * g->ys[0] + o * g->ys[1] + oy * g->ys[2] + ox * g->ys[3]] = sum;
                }
        }
}

int ku_linear_shapes(opinfo_kernel_call *c, size_t xi, size_t wi, int w_kn, int has_bias,
                     size_t *m, size_t *k, size_t *n)
{
    const opinfo_tensor *x = &c->inputs[xi], *w = &c->inputs[wi];
    if (x->rank < 1)
        return ku_fail(c, "the input (input %zu) must have rank 1 or more", xi);
    if (w->rank != 2)
        return ku_fail(c, "the weight (input %zu) must have rank 2, not %d", wi, (int)w->rank);
    *k = (size_t)x->shape[x->rank - 1];
    size_t wk = (size_t)w->shape[w_kn ? 0 : 1];
    *n = (size_t)w->shape[w_kn ? 1 : 0];
    if (wk != *k)
        return ku_fail(c, "the input's last dimension %zu differs from the weight's %zu", *k, wk);
    if (*k > KU_MAX_REDUCTION)
        return ku_fail(c, "a reduction of %zu terms exceeds the supported %d", *k,
                       KU_MAX_REDUCTION);
    *m = *k ? ku_numel(x) / *k : 0;
    if (!*k) {
        *m = 1;
        for (int d = 0; d + 1 < x->rank; d++)
            *m *= (size_t)x->shape[d];
    }
    if (has_bias) {
        const opinfo_tensor *b = &c->inputs[wi + 1];
        if (b->dtype != OPINFO_TENSOR_INT32 || b->rank != 1 || (size_t)b->shape[0] != *n)
            return ku_fail(c, "the bias (input %zu) must be int32 of shape [%zu]", wi + 1, *n);
    }
    return 0;
}

void ku_linear_acc(size_t m, size_t k, size_t n, const opinfo_tensor *x, int64_t x_zp,
                   const opinfo_tensor *w, int w_kn, const int64_t *w_zp, const int64_t *w_mul,
                   const opinfo_tensor *bias, int64_t *acc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int64_t sum = bias ? ((const int32_t *)bias->data)[j] : 0;
            for (size_t q = 0; q < k; q++) {
                int64_t xv = ku_get_int(x, i * k + q) - x_zp;
                int64_t wv = ku_get_int(w, w_kn ? q * n + j : j * k + q) - w_zp[j];
                sum += xv * wv * (w_mul ? w_mul[j * k + q] : 1);
            }
            acc[i * n + j] = sum;
        }
}

/* ---- Float requantization to 8 bits ---------------------------------------------------------- */

#define KU_MAGIC 12582912.0f /* 1.5 * 2^23 */

void ku_requant_fp32_s8(size_t n, const int32_t *restrict acc, int8_t *restrict y, float scale,
                        int32_t zp, int32_t lo, int32_t hi)
{
    const float lo_f = (float)(lo - zp), hi_f = (float)(hi - zp);
    for (size_t i = 0; i < n; i++) {
        float v = (float)acc[i] * scale;
        v = v > lo_f ? v : lo_f;
        v = hi_f < v ? hi_f : v;
        v = (v + KU_MAGIC) - KU_MAGIC;
        y[i] = (int8_t)((int32_t)v + zp);
    }
}

void ku_requant_fp32_u8(size_t n, const int32_t *restrict acc, uint8_t *restrict y, float scale,
                        int32_t zp, int32_t lo, int32_t hi)
{
    const float lo_f = (float)(lo - zp), hi_f = (float)(hi - zp);
    for (size_t i = 0; i < n; i++) {
        float v = (float)acc[i] * scale;
        v = v > lo_f ? v : lo_f;
        v = hi_f < v ? hi_f : v;
        v = (v + KU_MAGIC) - KU_MAGIC;
        y[i] = (uint8_t)((int32_t)v + zp);
    }
}
