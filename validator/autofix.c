/*
 * Autofix (docs/autofix.md): check, apply every fix that needs no judgement to the qgraph's
 * JSON, check again, until nothing more is fixable (a fix may uncover another: a permitted
 * variant's weight may then need a symmetric range). What needs judgement (scales out of range,
 * requantization scales, axes with calibrated values, an op the backend lacks) stays a
 * diagnostic. The fixes read the same database facts the checks do.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../overrides/overrides_internal.h"

/* Appends to buf (capacity cap) at off; returns the new offset, never past the buffer's end. */
static size_t cat(char *buf, size_t cap, size_t off, const char *fmt, ...) OPINFO_PRINTF(4, 5);
static size_t cat(char *buf, size_t cap, size_t off, const char *fmt, ...)
{
    if (off >= cap)
        return cap ? cap - 1 : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + off, cap - off, fmt, ap);
    va_end(ap);
    if (n < 0)
        return off;
    return off + (size_t)n < cap ? off + (size_t)n : cap - 1;
}

#define ROUNDS 4
#define MAXP 256

typedef struct afx {
    opinfo_db *db;
    const char *backend, *release;
    int arch_rank; /* -1: no SoC */
    const opinfo_qgraph *g;
    json_t *root;
    oi_map tensors, nodes; /* name -> json object */
    oi_map touched;        /* tensors changed this round */
    oi_buf log;
    size_t n;
    const char *name;
    int requantized; /* an ONNX model: ONNX Runtime recalibrates what the fix changes */
} afx;

static json_t *jtensor(afx *a, const char *name)
{
    void *v;
    return name && oi_map_get(&a->tensors, name, &v) ? v : NULL;
}

static void put_log(void *ud, const char *p, size_t n) { oi_buf_add(ud, p, n); }

static void note(afx *a, const char *node, const char *rule, const char *fmt, ...)
    OPINFO_PRINTF(4, 5);
static void note(afx *a, const char *node, const char *rule, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* one line per change, whatever the names hold (core/escape.c) */
    const char *parts[] = {a->name, ": fixed: ", node, ": ", msg, " [", rule, "]"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (i % 2)
            oi_buf_puts(&a->log, parts[i]);
        else
            oi_escape(parts[i], OI_ESCAPE_TEXT, put_log, &a->log);
    oi_buf_puts(&a->log, "\n");
    a->n++;
}

static int touch(afx *a, const char *tensor)
{
    void *v;
    if (oi_map_get(&a->touched, tensor, &v))
        return 0;
    oi_map_put(&a->touched, tensor, (void *)1);
    return 1;
}

static const char *const quant_keys[] = {"qscheme", "quant_min", "quant_max", "scale", "zero_point",
                                         "axis", "block_size", "eps", "fixed", NULL};

static int node_index(const afx *a, const char *name)
{
    for (size_t i = 0; i < a->g->n_nodes; i++)
        if (strcmp(a->g->nodes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int tensor_index(const afx *a, const char *name)
{
    for (size_t i = 0; name && i < a->g->n_tensors; i++)
        if (strcmp(a->g->tensors[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The node's inputs/outputs bound to ports: ports[i] for input i, ports[n_in + j] for output j */
static int bind(const opinfo_op *op, const oi_node *nd, int *ports)
{
    if (nd->n_inputs + nd->n_outputs > MAXP)
        return -1;
    return oi_bind_ports(op, nd->n_inputs, nd->n_outputs, ports, ports + nd->n_inputs) ? 0 : -1;
}

static int port_named(const opinfo_op *op, const char *name)
{
    for (size_t p = 0; name && p < op->n_ports; p++)
        if (strcmp(op->ports[p].name, name) == 0)
            return (int)p;
    return -1;
}

static const opinfo_variant *variant_named(const opinfo_op *op, const char *name)
{
    for (size_t i = 0; name && i < op->n_variants; i++)
        if (strcmp(op->variants[i].name, name) == 0)
            return &op->variants[i];
    return NULL;
}

static int avail(const afx *a, const opinfo_variant *v)
{
    return a->arch_rank < 0 || opinfo_variant_available(v, a->arch_rank);
}

/* The input tensor of node nd bound to port p, or -1. */
static int input_at(const oi_node *nd, const int *ports, int p)
{
    for (size_t i = 0; i < nd->n_inputs; i++)
        if (ports[i] == p)
            return nd->inputs[i].tensor;
    return -1;
}

static int64_t sym_zp(const oi_spec *s)
{
    const opinfo_dtype_info *d = opinfo_dtype_get(s->dtype);
    return d && d->is_signed ? 0 : (s->qmin + s->qmax + 1) / 2;
}

static void set_zero_points(json_t *jt, int64_t zp)
{
    json_t *z = json_object_get(jt, "zero_point");
    if (json_is_array(z)) {
        for (size_t i = 0; i < json_array_size(z); i++)
            json_array_set_new(z, i, json_integer(zp));
    } else if (z)
        json_object_set_new(jt, "zero_point", json_integer(zp));
}

static opinfo_qscheme symmetric_of(opinfo_qscheme q)
{
    switch (q) {
    case OPINFO_QSCHEME_PER_TENSOR_AFFINE: return OPINFO_QSCHEME_PER_TENSOR_SYMMETRIC;
    case OPINFO_QSCHEME_PER_CHANNEL_AFFINE: return OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC;
    case OPINFO_QSCHEME_PER_BLOCK_AFFINE: return OPINFO_QSCHEME_PER_BLOCK_SYMMETRIC;
    default: return q;
    }
}

/* A tensor takes a new dtype; its calibrated range is kept (scales rescaled, zero points
 * mapped), its observer range becomes the new dtype's. */
static void retype(afx *a, json_t *jt, const oi_spec *s, opinfo_dtype to)
{
    const opinfo_dtype_info *d = opinfo_dtype_get(to);
    json_object_set_new(jt, "dtype", json_string(d->name));
    json_object_del(jt, "quant_min");
    json_object_del(jt, "quant_max");
    double f = (double)(s->qmax - s->qmin) / (double)(d->qmax - d->qmin);
    if (!(f > 0))
        f = 1; /* a one-value or inverted observer range (observer-range): keep the scales */
    json_t *sc = json_object_get(jt, "scale");
    if (json_is_array(sc)) {
        for (size_t i = 0; i < json_array_size(sc); i++)
            json_array_set_new(sc, i, json_real(json_number_value(json_array_get(sc, i)) * f));
    } else if (sc)
        json_object_set_new(jt, "scale", json_real(json_number_value(sc) * f));
    oi_spec t = *s;
    t.dtype = to;
    t.qmin = d->qmin;
    t.qmax = d->qmax;
    if (opinfo_qscheme_is_symmetric(s->qscheme)) {
        set_zero_points(jt, sym_zp(&t));
    } else {
        json_t *z = json_object_get(jt, "zero_point");
        for (size_t i = 0; z && i < (json_is_array(z) ? json_array_size(z) : 1); i++) {
            json_t *e = json_is_array(z) ? json_array_get(z, i) : z;
            double v = (double)d->qmin + (double)(json_integer_value(e) - s->qmin) / f;
            long long zp = llround(v);
            zp = zp < d->qmin ? d->qmin : zp > d->qmax ? d->qmax : zp;
            if (json_is_array(z))
                json_array_set_new(z, i, json_integer(zp));
            else
                json_object_set_new(jt, "zero_point", json_integer(zp));
        }
    }
    (void)a;
}

/* The qscheme a port allows nearest to the tensor's; per-block becomes per-channel. */
static void requalify(json_t *jt, const oi_spec *s, const opinfo_port_spec *ps)
{
    if (!ps->qschemes || (ps->qschemes & OPINFO_QSCHEME_BIT(s->qscheme)))
        return;
    opinfo_qscheme q = oi_suggest_qscheme(ps->qschemes, s->qscheme);
    /* LPBQ's scales are per channel already: per-block becomes per-channel */
    if (opinfo_qscheme_is_per_block(s->qscheme) &&
        (ps->qschemes & OPINFO_QSCHEME_BIT(OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC)))
        q = OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC;
    if (opinfo_qscheme_is_per_block(s->qscheme) && !opinfo_qscheme_is_per_block(q))
        json_object_del(jt, "block_size");
    json_object_set_new(jt, "qscheme", json_string(opinfo_qscheme_name(q)));
}

/* ---- the fixes, one per rule ---------------------------------------------------------------- */

typedef struct site {
    const opinfo_diag *d;
    const oi_node *nd;
    const opinfo_op *op;
    const opinfo_variant *var;
    int ports[MAXP];
    int port;
    const opinfo_port_spec *ps;
    int t; /* the diagnostic's tensor */
    json_t *jt;
    const oi_spec *s;
} site;

static void fix_fixed(afx *a, site *x)
{
    double scale;
    int64_t zp;
    int has_zp;
    if (!x->ps || !x->jt || json_object_get(x->jt, "shared_with") ||
        oi_fixed_expected(x->ps, x->s, &scale, &zp, &has_zp) != 0 || !touch(a, x->d->tensor))
        return;
    scale = (double)(float)scale;
    json_object_set_new(x->jt, "scale", json_real(scale));
    if (has_zp)
        json_object_set_new(x->jt, "zero_point", json_integer(zp));
    json_object_set_new(x->jt, "fixed", json_true());
    json_object_del(x->jt, "eps");
    if (!x->ps->fixed_scale_expr) { /* numeric fixed qparams are made for the dtype's range */
        json_object_del(x->jt, "quant_min");
        json_object_del(x->jt, "quant_max");
    }
    if (json_object_get(x->jt, "observer"))
        json_object_set_new(x->jt, "observer", json_string("FixedQParamsObserver"));
    note(a, x->nd->name, x->d->rule, "tensor %s: fixed qparams scale %.9g, zero_point %lld",
         x->d->tensor, scale, (long long)(has_zp ? zp : 0));
}

static void fix_shared(afx *a, site *x)
{
    if (!x->ps || !x->jt || x->ps->shared_with < 0)
        return;
    int in = input_at(x->nd, x->ports, x->ps->shared_with);
    if (in < 0 || in == x->t)
        return;
    const oi_spec *root = oi_resolve(a->g, &a->g->tensors[in].spec);
    if (!root || root->dtype != x->s->dtype || !touch(a, x->d->tensor))
        return;
    for (const char *const *k = quant_keys; *k; k++)
        json_object_del(x->jt, *k);
    json_object_set_new(x->jt, "shared_with", json_string(a->g->tensors[in].name));
    note(a, x->nd->name, x->d->rule, "tensor %s: shared_with %s (its own qparams dropped)",
         x->d->tensor, a->g->tensors[in].name);
}

static void fix_derived(afx *a, site *x)
{
    if (!x->ps || !x->jt || !x->ps->derived_from)
        return;
    json_t *names = json_array();
    char list[256] = "";
    size_t off = 0;
    for (int p = 0; p < 32; p++) {
        if (!(x->ps->derived_from & (1u << p)))
            continue;
        int t = input_at(x->nd, x->ports, p);
        if (t < 0) {
            json_decref(names);
            return;
        }
        json_array_append_new(names, json_string(a->g->tensors[t].name));
        off = cat(list, sizeof list, off, "%s%s",
                                off ? ", " : "", a->g->tensors[t].name);
    }
    if (!touch(a, x->d->tensor)) {
        json_decref(names);
        return;
    }
    json_object_set_new(x->jt, "derived_from", names);
    json_object_del(x->jt, "scale");
    json_object_del(x->jt, "zero_point");
    note(a, x->nd->name, x->d->rule, "tensor %s: derived_from [%s], zero point 0", x->d->tensor,
         list);
}

static void fix_symmetric(afx *a, site *x)
{
    if (!x->jt || !x->ps || !touch(a, x->d->tensor))
        return;
    opinfo_qscheme q = symmetric_of(x->s->qscheme);
    if (!opinfo_qscheme_is_symmetric(q))
        return;
    int64_t zp = x->ps->has_zero_point ? x->ps->zero_point : sym_zp(x->s);
    json_object_set_new(x->jt, "qscheme", json_string(opinfo_qscheme_name(q)));
    set_zero_points(x->jt, zp);
    note(a, x->nd->name, x->d->rule, "tensor %s: %s, zero point %lld", x->d->tensor,
         opinfo_qscheme_name(q), (long long)zp);
}

static void fix_zero_point(afx *a, site *x)
{
    if (!x->jt || !x->ps || !x->ps->has_zero_point || !touch(a, x->d->tensor))
        return;
    set_zero_points(x->jt, x->ps->zero_point);
    note(a, x->nd->name, x->d->rule, "tensor %s: zero point %lld", x->d->tensor,
         (long long)x->ps->zero_point);
}

static void fix_qscheme(afx *a, site *x)
{
    if (!x->jt || !x->ps || !x->ps->qschemes)
        return;
    opinfo_qscheme q = oi_suggest_qscheme(x->ps->qschemes, x->s->qscheme);
    int per_ch = opinfo_qscheme_is_per_channel(q), was = opinfo_qscheme_is_per_channel(x->s->qscheme);
    /* per-tensor <-> per-channel changes the number of calibrated values: not mechanical, but
     * for an ONNX model's weight, whose fix is an override that ONNX Runtime calibrates anew
     * (the values kept here only carry the type: the largest scale, the first zero point) */
    int collapse = per_ch != was && x->s->n_scale && a->requantized && x->s->initializer &&
                   was && !opinfo_qscheme_is_per_block(x->s->qscheme);
    if (!q || (per_ch != was && x->s->n_scale && !collapse) || !touch(a, x->d->tensor))
        return;
    if (collapse) {
        double mx = 0;
        for (size_t i = 0; i < x->s->n_scale; i++)
            mx = x->s->scale[i] > mx ? x->s->scale[i] : mx;
        json_object_set_new(x->jt, "scale", json_real(mx));
        json_object_set_new(x->jt, "zero_point", json_integer(x->s->n_zp ? x->s->zp[0] : 0));
        json_object_del(x->jt, "axis");
    }
    json_object_set_new(x->jt, "qscheme", json_string(opinfo_qscheme_name(q)));
    if (per_ch && !was && !json_object_get(x->jt, "axis")) {
        int axis = 0;
        while (x->ps->axes && !(x->ps->axes & (1u << axis)))
            axis++;
        json_object_set_new(x->jt, "axis", json_integer(axis));
    }
    if (!opinfo_qscheme_is_per_block(q))
        json_object_del(x->jt, "block_size");
    if (opinfo_qscheme_is_symmetric(q) && !opinfo_qscheme_is_symmetric(x->s->qscheme))
        set_zero_points(x->jt, x->ps->has_zero_point ? x->ps->zero_point : sym_zp(x->s));
    note(a, x->nd->name, x->d->rule, "tensor %s: qscheme %s", x->d->tensor,
         opinfo_qscheme_name(q));
}

static void fix_range(afx *a, site *x)
{
    if (!x->jt || !x->ps || !touch(a, x->d->tensor))
        return;
    int64_t lo = x->s->qmin, hi = x->s->qmax;
    if (x->ps->has_quant_min_lower_bound && lo < x->ps->quant_min_lower_bound)
        lo = x->ps->quant_min_lower_bound;
    if (x->ps->has_quant_max_upper_bound && hi > x->ps->quant_max_upper_bound)
        hi = x->ps->quant_max_upper_bound;
    if (lo > hi)
        return;
    json_object_set_new(x->jt, "quant_min", json_integer(lo));
    json_object_set_new(x->jt, "quant_max", json_integer(hi));
    json_t *z = json_object_get(x->jt, "zero_point");
    for (size_t i = 0; z && i < (json_is_array(z) ? json_array_size(z) : 1); i++) {
        json_t *e = json_is_array(z) ? json_array_get(z, i) : z;
        json_int_t v = json_integer_value(e);
        json_int_t c = v < lo ? lo : v > hi ? hi : v;
        if (c != v) {
            if (json_is_array(z))
                json_array_set_new(z, i, json_integer(c));
            else
                json_object_set_new(x->jt, "zero_point", json_integer(c));
        }
    }
    note(a, x->nd->name, x->d->rule, "tensor %s: quant range [%lld, %lld]", x->d->tensor,
         (long long)lo, (long long)hi);
}

/* How far variant v is from the node: dtype changes count 2, qscheme changes 1. Only weights
 * and biases may change (outputs are seen by their consumers, activations by their producers);
 * with edges_only, only the dtype of activation inputs may change (a converted read). -1 when v
 * cannot be reached. */
static int distance(const afx *a, const site *x, const opinfo_variant *v, int edges_only)
{
    int cost = 0;
    const oi_node *nd = x->nd;
    size_t n = nd->n_inputs + nd->n_outputs;
    for (size_t i = 0; i < n; i++) {
        int t = i < nd->n_inputs ? nd->inputs[i].tensor : nd->outputs[i - nd->n_inputs];
        if (t < 0)
            continue;
        const opinfo_port_spec *ps = opinfo_variant_spec(v, x->ports[i]);
        if (!ps)
            return -1;
        const oi_spec *own = i < nd->n_inputs && nd->inputs[i].edge ? nd->inputs[i].edge
                                                                     : &a->g->tensors[t].spec;
        const oi_spec *q = oi_resolve(a->g, own);
        if (!q)
            q = own;
        opinfo_port_kind kind = x->op->ports[x->ports[i]].kind;
        int param = kind == OPINFO_PORT_WEIGHT || kind == OPINFO_PORT_BIAS;
        int may = kind == OPINFO_PORT_INPUT || (!edges_only && param);
        if (ps->dtype != own->dtype) {
            if (!may || !opinfo_dtype_get(ps->dtype) ||
                !opinfo_dtype_get(ps->dtype)->is_quantizable ||
                (!edges_only && (own->shared_tensor >= 0 || own->shared_producer >= 0)))
                return -1;
            cost += 2;
        }
        if (ps->qschemes && !(ps->qschemes & OPINFO_QSCHEME_BIT(q->qscheme))) {
            if (edges_only || !param)
                return -1;
            cost += 1;
        }
    }
    return cost;
}

static const opinfo_variant *nearest(const afx *a, const site *x, int edges_only)
{
    const opinfo_variant *best = NULL;
    int bc = 1 << 30;
    for (size_t k = 0; k < x->op->n_variants; k++) {
        const opinfo_variant *v = &x->op->variants[k];
        if (!avail(a, v))
            continue;
        int c = distance(a, x, v, edges_only);
        if (c > 0 && c < bc) {
            best = v;
            bc = c;
        }
    }
    return best;
}

/* Node input i reads tensor t converted to the port's dtype: an edge spec (ONNX Runtime's
 * convert, QNN's Convert op). */
static void convert_input(afx *a, const site *x, size_t i, const opinfo_port_spec *ps)
{
    void *p;
    if (!oi_map_get(&a->nodes, x->nd->name, &p))
        return;
    json_t *inputs = json_object_get(p, "inputs");
    json_t *spec = json_object();
    json_object_set_new(spec, "dtype", json_string(opinfo_dtype_get(ps->dtype)->name));
    /* a quantized read says how; a cast of plain integers (int64 indices to int32) does not */
    const opinfo_dtype_info *from = opinfo_dtype_get(a->g->tensors[x->nd->inputs[i].tensor].spec.dtype);
    if (from && from->is_quantizable && from->bits <= 16)
        json_object_set_new(spec, "qscheme",
                            json_string(oi_spec_wants_symmetric(ps) ? "per_tensor_symmetric"
                                                                    : "per_tensor_affine"));
    /* a dynamically quantized value read converted is still computed at run time */
    if (a->g->tensors[x->nd->inputs[i].tensor].spec.is_dynamic)
        json_object_set_new(spec, "is_dynamic", json_true());
    json_t *ref = json_object();
    json_object_set_new(ref, "tensor", json_string(a->g->tensors[x->nd->inputs[i].tensor].name));
    json_object_set_new(ref, "spec", spec);
    json_array_set_new(inputs, i, ref);
}

/* arch-gate: the variant the SoC offers that is nearest; its weights' dtype and qscheme, and
 * converted reads of activation inputs */
static void fix_gate(afx *a, site *x)
{
    const opinfo_variant *v = nearest(a, x, 0);
    if (!v)
        return;
    char what[512] = "";
    size_t off = 0;
    int rescaled = 0;
    for (size_t i = 0; i < x->nd->n_inputs; i++) {
        int t = x->nd->inputs[i].tensor;
        if (t < 0)
            continue;
        const opinfo_port_spec *ps = opinfo_variant_spec(v, x->ports[i]);
        const oi_spec *s = &a->g->tensors[t].spec;
        json_t *jt = jtensor(a, a->g->tensors[t].name);
        int dt = ps->dtype != s->dtype;
        if (x->op->ports[x->ports[i]].kind == OPINFO_PORT_INPUT) {
            if (dt && !x->nd->inputs[i].edge) {
                convert_input(a, x, i, ps);
                off = cat(what, sizeof what, off, "%s%s read converted %s -> %s", off ? "; " : "",
                                        a->g->tensors[t].name, opinfo_dtype_get(s->dtype)->name,
                                        opinfo_dtype_get(ps->dtype)->name);
            }
            continue;
        }
        int qs = ps->qschemes && !(ps->qschemes & OPINFO_QSCHEME_BIT(s->qscheme));
        if ((!dt && !qs) || !jt || !touch(a, a->g->tensors[t].name))
            continue;
        opinfo_qscheme before = s->qscheme;
        rescaled |= dt && json_object_get(jt, "scale") != NULL;
        if (dt)
            retype(a, jt, s, ps->dtype);
        if (qs)
            requalify(jt, s, ps);
        off = cat(what, sizeof what, off, "%s%s %s%s%s -> %s%s%s", off ? "; " : "", a->g->tensors[t].name,
                                opinfo_dtype_get(s->dtype)->name, qs ? " " : "",
                                qs ? opinfo_qscheme_name(before) : "",
                                opinfo_dtype_get(ps->dtype)->name, qs ? " " : "",
                                qs ? json_string_value(json_object_get(jt, "qscheme")) : "");
    }
    if (off)
        note(a, x->nd->name, x->d->rule,
             "variant %s instead of %s, which the SoC's arch does not offer: %s%s", v->name,
             x->var ? x->var->name : "?", what,
             rescaled ? " (scales rescaled to keep the calibrated range)" : "");
}

/* no-variant: where only activation inputs' dtypes are wrong, each reads a converted copy (an
 * edge spec: ONNX Runtime's convert, QNN's Convert op) */
static void fix_convert(afx *a, site *x)
{
    const opinfo_variant *v = nearest(a, x, 1);
    if (!v)
        return;
    char what[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < x->nd->n_inputs; i++) {
        int t = x->nd->inputs[i].tensor;
        if (t < 0)
            continue;
        const opinfo_port_spec *ps = opinfo_variant_spec(v, x->ports[i]);
        const oi_spec *own = x->nd->inputs[i].edge ? x->nd->inputs[i].edge
                                                   : &a->g->tensors[t].spec;
        if (ps->dtype == own->dtype)
            continue;
        convert_input(a, x, i, ps);
        off = cat(what, sizeof what, off, "%s%s %s -> %s", off ? "; " : "", a->g->tensors[t].name,
                                opinfo_dtype_get(own->dtype)->name,
                                opinfo_dtype_get(ps->dtype)->name);
    }
    if (off)
        note(a, x->nd->name, x->d->rule, "variant %s, reading converted inputs: %s", v->name,
             what);
}

/* scale-range before calibration: the observer's eps raised to the port's lower bound */
static void fix_eps(afx *a, site *x)
{
    if (!x->jt || !x->ps || x->s->n_scale || x->ps->scale_min_lower_bound <= 0 ||
        json_object_get(x->jt, "shared_with") || !touch(a, x->d->tensor))
        return;
    json_object_set_new(x->jt, "eps", json_real(x->ps->scale_min_lower_bound));
    note(a, x->nd->name, x->d->rule, "tensor %s: observer eps %.9g", x->d->tensor,
         x->ps->scale_min_lower_bound);
}

static void apply(afx *a, const opinfo_diag *d)
{
    site x;
    memset(&x, 0, sizeof x);
    x.d = d;
    int n = d->node ? node_index(a, d->node) : -1;
    if (n < 0)
        return;
    x.nd = &a->g->nodes[n];
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_find_op(a->db, a->backend, a->release, x.nd->op, &x.op, &e) != OPINFO_OK ||
        bind(x.op, x.nd, x.ports) != 0)
        return;
    x.var = variant_named(x.op, d->variant);
    x.port = port_named(x.op, d->port);
    x.ps = x.var && x.port >= 0 ? opinfo_variant_spec(x.var, x.port) : NULL;
    x.t = tensor_index(a, d->tensor);
    x.jt = jtensor(a, d->tensor);
    x.s = x.t >= 0 ? &a->g->tensors[x.t].spec : NULL;
    /* a tensor read through an edge spec: the edge is what the node sees */
    for (size_t i = 0; x.t >= 0 && i < x.nd->n_inputs; i++)
        if (x.nd->inputs[i].tensor == x.t && x.nd->inputs[i].edge && x.ports[i] == x.port)
            return; /* fixing edge specs is left to the annotator */
    const char *r = d->rule;
    if (strcmp(r, "fixed-qparams") == 0)
        fix_fixed(a, &x);
    else if (strcmp(r, "shared-spec") == 0)
        fix_shared(a, &x);
    else if (strcmp(r, "derived-bias") == 0)
        fix_derived(a, &x);
    else if (strcmp(r, "symmetric") == 0)
        fix_symmetric(a, &x);
    else if (strcmp(r, "zero-point") == 0)
        fix_zero_point(a, &x);
    else if (strcmp(r, "qscheme") == 0)
        fix_qscheme(a, &x);
    else if (strcmp(r, "quant-range") == 0)
        fix_range(a, &x);
    else if (strcmp(r, "arch-gate") == 0)
        fix_gate(a, &x);
    else if (strcmp(r, "no-variant") == 0)
        fix_convert(a, &x);
    else if (strcmp(r, "scale-range") == 0)
        fix_eps(a, &x);
}

static int index_json(afx *a)
{
    json_t *arr = json_object_get(a->root, "tensors"), *v;
    size_t i;
    json_array_foreach(arr, i, v) if (oi_map_put(&a->tensors,
                                                 json_string_value(json_object_get(v, "name")),
                                                 v)) return -1;
    arr = json_object_get(a->root, "nodes");
    json_array_foreach(arr, i, v) if (oi_map_put(&a->nodes,
                                                 json_string_value(json_object_get(v, "name")),
                                                 v)) return -1;
    return 0;
}

int opinfo_autofix(opinfo_db *db, const opinfo_qgraph *g0, const opinfo_check_options *opt,
                   const char *fixed_name, char **fixed, char **changes, size_t *n_changes,
                   opinfo_report *report, opinfo_error_t *err)
{
    *fixed = *changes = NULL;
    *n_changes = 0;
    afx a;
    memset(&a, 0, sizeof a);
    a.db = db;
    a.name = g0->path;
    a.requantized = g0->from_onnx;
    oi_buf_init(&a.log);
    a.backend = opt->backend ? opt->backend : opinfo_qgraph_target(g0, "backend");
    a.release = opt->release ? opt->release : opinfo_qgraph_target(g0, "release");
    const char *soc = opt->soc ? opt->soc : opinfo_qgraph_target(g0, "soc");
    a.arch_rank = -1;
    int rc = OPINFO_OK;
    if (!a.backend)
        return oi_set_error(err, OPINFO_EUSAGE, g0->path, 0, 0, 0,
                            "no backend: give --backend or a \"target\" in the qgraph");
    if (!a.release && (rc = opinfo_db_latest_release(db, a.backend, &a.release, err)))
        return rc;
    if (soc) {
        opinfo_soc s;
        if ((rc = opinfo_db_find_soc(db, a.backend, a.release, soc, &s, err)))
            return rc;
        a.arch_rank = s.arch_rank;
    }
    opinfo_check_options o = *opt;
    o.size = sizeof o;
    o.max_errors = 0;
    o.flags &= ~(size_t)OPINFO_CHECK_WARN;
    char *text = NULL;
    const opinfo_qgraph *g = g0;
    opinfo_qgraph *own = NULL;
    for (int round = 0; round < ROUNDS && rc == OPINFO_OK; round++) {
        opinfo_report *r = opinfo_report_new();
        if (!r) {
            rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
            break;
        }
        if ((rc = opinfo_check(db, g, &o, r, err)) != OPINFO_OK) {
            opinfo_report_free(r);
            break;
        }
        json_error_t je;
        a.g = g;
        oi_json_watch();
        a.root = json_loadb(g->text, g->len, 0, &je);
        if (oi_json_failed()) {
            json_decref(a.root);
            a.root = NULL;
        }
        oi_map_init(&a.tensors);
        oi_map_init(&a.nodes);
        oi_map_init(&a.touched);
        size_t before = a.n;
        if (!a.root || index_json(&a) != 0)
            rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
        for (size_t i = 0; rc == OPINFO_OK && i < opinfo_report_count(r); i++)
            apply(&a, opinfo_report_get(r, i));
        char *next = NULL;
        if (rc == OPINFO_OK && a.n > before)
            next = oi_json_dumps(a.root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
        if (rc == OPINFO_OK && (oi_json_failed() || (a.n > before && !next))) {
            free(next); /* an edit that failed to allocate would be a wrong file */
            next = NULL;
            rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
        }
        json_decref(a.root);
        oi_map_free(&a.tensors);
        oi_map_free(&a.nodes);
        oi_map_free(&a.touched);
        opinfo_report_free(r);
        if (!next)
            break;
        free(text);
        text = next;
        opinfo_qgraph *ng = NULL;
        if ((rc = opinfo_qgraph_parse(g0->path, text, strlen(text), 0, &ng, err)) != OPINFO_OK)
            break;
        opinfo_qgraph_free(own);
        own = ng;
        g = ng;
    }
    opinfo_qgraph_free(own);
    if (rc == OPINFO_OK && !text) { /* nothing to fix: the file as it was */
        text = malloc(g0->len + 2);
        if (!text)
            rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
        else {
            memcpy(text, g0->text, g0->len);
            text[g0->len] = '\0';
        }
    }
    if (rc == OPINFO_OK && text[strlen(text) - (strlen(text) > 0)] != '\n') {
        size_t n = strlen(text);
        char *t = realloc(text, n + 2);
        if (!t)
            rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
        else {
            text = t;
            text[n] = '\n';
            text[n + 1] = '\0';
        }
    }
    opinfo_qgraph *fg = NULL;
    if (rc == OPINFO_OK &&
        (rc = opinfo_qgraph_parse(fixed_name ? fixed_name : g0->path, text, strlen(text), 0, &fg,
                                  err)) == OPINFO_OK)
        rc = opinfo_check(db, fg, opt, report, err);
    opinfo_qgraph_free(fg);
    char *log = oi_buf_steal(&a.log);
    if (rc == OPINFO_OK && !log)
        rc = oi_set_error(err, OPINFO_ENOMEM, g0->path, 0, 0, 0, "out of memory");
    if (rc != OPINFO_OK) {
        free(text);
        free(log);
        return rc;
    }
    *fixed = text;
    *changes = log;
    *n_changes = a.n;
    return OPINFO_OK;
}
