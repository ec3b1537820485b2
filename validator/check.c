/* Checking a qgraph against the database: per node, resolve the op, bind tensors to ports, pick
 * the variants whose dtypes match, apply the arch gates, and check every constraint of the
 * available candidates. A node is valid when one candidate passes; otherwise the candidate with
 * the fewest violations is reported. Every rule is data from the database; nothing here knows a
 * backend by name. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo/plugin.h"
#include "validator_internal.h"
#include "../overrides/overrides_internal.h"

#define TEXT 512
#define SHORT 256
#define MAX_VIOLS 64
#define DERIVED_TOLERANCE 1e-6 /* relative; bias scales are float32 products (docs/rules.md) */

typedef struct viol {
    const char *rule;
    int tensor; /* -1 for node-level */
    int port;   /* -1 for node-level */
    char message[TEXT], expected[SHORT], actual[SHORT], fix[TEXT];
    int fix_in_ort; /* fix already in ONNX Runtime's knobs: ort_fix leaves it */
} viol;

typedef struct vlist {
    viol *v;   /* cap entries, grown as violations come (MAX_VIOLS at most) */
    size_t n, cap;
    int quiet; /* count violations without writing them: judging candidates needs only counts */
    int nomem; /* an entry found no room: the check ends with OPINFO_ENOMEM */
    viol spill; /* what add() hands out then, so its caller writes somewhere */
} vlist;

/* A tensor bound to a port, seen through its sharing: dtype and derivation are the tensor's own,
 * the quantization (qscheme, range, values) is its root's. */
typedef struct bound {
    int port;
    int tensor;
    const oi_spec *own;
    const oi_spec *q;
} bound;

#define MAX_BIND 4096

typedef struct chk {
    opinfo_db *db;
    opinfo_qgraph *g;
    opinfo_report *r;
    const char *backend, *release;
    const char *soc; /* NULL for backends without SoCs */
    const char *arch;
    char arch_buf[64];
    int arch_rank;
    int warn;
    size_t max;
    int stop;
    oi_map ops; /* op string -> const opinfo_op*, or &missing */
    struct {
        char name[64];
        int rank;
    } socs[128];
    size_t nsocs;
    /* room for the most inputs and outputs a node checked so far has (MAX_BIND at most): nodes
     * may arrive while the graph is read, so the room grows with them (chk_room) */
    bound *in, *out;
    size_t nin, nout, cap_in, cap_out;
    /* the backend's plugin, when the caller gave plugins and it loaded */
    const opinfo_plugin *plugin;
    oi_host *host;
    size_t cur_node;
    /* a look-up that failed for another reason than "no such op" (memory, the database): the
     * check stops and returns it, rather than calling the op unsupported */
    opinfo_error_t fatal;
    /* position cursor over the qgraph text (diagnostics come in node order) */
    size_t pos_off;
    int pos_line, pos_col;
    /* OPINFO_CHECK_FULL_DELEGATION: a node left in float is an error; node_float: the node being
     * checked was reported as runs-in-float (its plugin checks are skipped: reported once) */
    int full;
    int node_float;
    /* last: the violations are written by add() before use (their room grows with them: a
     * check of a few violations allocates a few entries, not MAX_VIOLS) */
    vlist cur;
} chk;

static const char missing_op = 0;

/* ---- helpers -------------------------------------------------------------------------------- */

static const char *dtype_name(opinfo_dtype d)
{
    const opinfo_dtype_info *i = opinfo_dtype_get(d);
    return i ? i->name : "?";
}

static viol *add(vlist *l, const char *rule, int tensor, int port)
{
    if (l->quiet) {
        l->n++;
        return NULL;
    }
    if (l->n >= MAX_VIOLS)
        return NULL;
    viol *v;
    if (l->n == l->cap) {
        size_t want = l->cap ? l->cap * 2 : 4;
        want = want < MAX_VIOLS ? want : MAX_VIOLS;
        v = realloc(l->v, want * sizeof *v);
        if (!v) {
            l->nomem = 1;
            v = &l->spill;
            memset(v, 0, sizeof *v);
            return v;
        }
        l->v = v;
        l->cap = want;
    }
    v = &l->v[l->n++];
    memset(v, 0, sizeof *v);
    v->rule = rule;
    v->tensor = tensor;
    v->port = port;
    return v;
}

/* Messages are capped at their buffer's size; truncation is accepted, never overflow. */
static void fmt(char *buf, size_t n, const char *f, ...) OPINFO_PRINTF(3, 4);
static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}

#define SET(buf, ...) fmt((buf), sizeof(buf), __VA_ARGS__)

static const char *tname(const chk *c, int t) { return t >= 0 ? c->g->tensors[t].name : "?"; }

/* The tensor whose spec this is, or a description of an edge spec. */
static const char *root_name(const chk *c, const oi_spec *q)
{
    const opinfo_qgraph *g = c->g;
    if (g->n_tensors && q >= &g->tensors[0].spec && q <= &g->tensors[g->n_tensors - 1].spec)
        return g->tensors[((const char *)q - (const char *)&g->tensors[0].spec) /
                          (long)sizeof(oi_tensor)]
            .name;
    return "an edge spec";
}

static const char *pname(const opinfo_op *op, int p)
{
    return p >= 0 && (size_t)p < op->n_ports ? op->ports[p].name : "?";
}

static void line_col(chk *c, long off, int *line, int *col)
{
    if (off < 0 || (size_t)off > c->g->len)
        off = 0;
    if ((size_t)off < c->pos_off) {
        c->pos_off = 0;
        c->pos_line = 1;
        c->pos_col = 1;
    }
    const char *t = c->g->text;
    for (size_t i = c->pos_off; i < (size_t)off; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '\n') {
            c->pos_line++;
            c->pos_col = 1;
        } else if ((ch & 0xC0) != 0x80)
            c->pos_col++;
    }
    c->pos_off = (size_t)off;
    *line = c->pos_line;
    *col = c->pos_col;
}

/* The fix of a violation on an ONNX model in ONNX Runtime's knobs (docs/overrides.md, "Overrides
 * from a graph"): get_qnn_qdq_config's weight_type / weight_symmetric / activation_symmetric /
 * per_channel, or an override on the tensor's name in the float model. 0: the fix stays as it is
 * (rules whose fix is no type or qparams knob, or a qgraph). */
static int ort_fix(const chk *c, const oi_node *n, const opinfo_variant *var, const viol *v,
                   char *buf, size_t cap)
{
    if (!c->g->from_onnx || !var || v->tensor < 0 || v->port < 0 || v->fix_in_ort)
        return 0;
    const opinfo_port_spec *ps = opinfo_variant_spec(var, v->port);
    const oi_tensor *t = &c->g->tensors[v->tensor];
    const oi_spec *q = oi_resolve(c->g, &t->spec);
    const char *qt = q ? opinfo_quant_type_name(oi_qt_of_dtype(q->dtype)) : NULL;
    const opinfo_dtype_info *dt = q ? opinfo_dtype_get(q->dtype) : NULL;
    if (!ps || !qt || !dt)
        return 0;
    const char *name = t->spec.float_name ? t->spec.float_name : t->name;
    int weight = 0;
    for (size_t i = 0; i < n->n_inputs; i++)
        if (n->inputs[i].tensor == v->tensor && t->spec.initializer &&
            oi_initializer_is_weight(n->op, i))
            weight = 1;
    const char *rule = v->rule;
    if (strcmp(rule, "fixed-qparams") == 0) {
        double scale;
        int64_t zp;
        int has_zp;
        if (oi_fixed_expected(ps, q, &scale, &zp, &has_zp) != 0 || !ps->has_fixed_scale)
            return 0;
        snprintf(buf, cap, "the override \"%s\": [{\"quant_type\": \"%s\", \"scale\": %.17g, "
                           "\"zero_point\": %lld}] (ONNX Runtime's quantizer takes them as given; "
                           "get_qnn_qdq_config sets them itself for a 16-bit Sigmoid or Tanh)",
                 name, qt, (double)(float)scale, (long long)(has_zp ? zp : 0));
        return 1;
    }
    opinfo_qscheme want = q->qscheme;
    if (strcmp(rule, "qscheme") == 0 && ps->qschemes)
        want = oi_suggest_qscheme(ps->qschemes, q->qscheme);
    else if (strcmp(rule, "symmetric") == 0 || (strcmp(rule, "quant-range") == 0 && dt->is_signed))
        want = opinfo_qscheme_is_per_channel(q->qscheme) ? OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC
                                                         : OPINFO_QSCHEME_PER_TENSOR_SYMMETRIC;
    else
        return 0;
    if (opinfo_qscheme_is_per_block(want))
        return 0;
    int sym = opinfo_qscheme_is_symmetric(want), per_ch = opinfo_qscheme_is_per_channel(want);
    if (!weight) { /* ONNX Runtime quantizes activations per tensor */
        if (per_ch)
            return 0;
        snprintf(buf, cap, "%sthe override \"%s\": [{\"quant_type\": \"%s\", \"symmetric\": %s}]",
                 sym ? "activation_symmetric=True in get_qnn_qdq_config, or " : "", name, qt,
                 sym ? "true" : "false");
        return 1;
    }
    int axis = q->axis;
    if (per_ch && ps->axes)
        for (axis = 0; axis < 8 && !(ps->axes & (1u << axis)); axis++)
            ;
    char ax[32] = "";
    if (per_ch)
        snprintf(ax, sizeof ax, ", \"axis\": %d", axis);
    const char *knob = per_ch != opinfo_qscheme_is_per_channel(q->qscheme)
                           ? (per_ch ? "per_channel=True" : "per_channel=False")
                           : NULL;
    char knobs[128];
    if (knob)
        snprintf(knobs, sizeof knobs, "%s%s", knob, sym ? ", weight_symmetric=True" : "");
    else
        snprintf(knobs, sizeof knobs, "weight_type=QuantType.%s, weight_symmetric=%s", qt,
                 sym ? "True" : "False");
    int w = snprintf(buf, cap, "%s in get_qnn_qdq_config, or the override \"%s\": [{\"quant_type\": "
                       "\"%s\", \"symmetric\": %s%s}]%s",
             knobs, name, qt, sym ? "true" : "false", ax,
             per_ch ? "" : " (an entry without \"axis\" keeps the weight per-tensor)");
    return w > 0; /* cut at cap when a name is very long, as every fix text is */
}

static void emit(chk *c, size_t ni, const opinfo_op *op, const opinfo_variant *var,
                 const viol *v)
{
    if (c->stop)
        return;
    const oi_node *n = &c->g->nodes[ni];
    oi_diag_in d;
    memset(&d, 0, sizeof d);
    d.rule = v->rule;
    d.message = v->message;
    d.expected = v->expected[0] ? v->expected : NULL;
    d.actual = v->actual[0] ? v->actual : NULL;
    d.fix = v->fix[0] ? v->fix : NULL;
    char ortfix[2 * SHORT];
    if (ort_fix(c, n, var, v, ortfix, sizeof ortfix))
        d.fix = ortfix;
    else if (c->g->from_onnx && d.fix && strcmp(v->rule, "arch-gate") == 0 &&
             snprintf(ortfix, sizeof ortfix, "%s; for ONNX Runtime, opinfo-check --fix on the model "
                      "writes the TensorQuantOverrides of the nearest variant", d.fix) > 0)
        d.fix = ortfix; /* the variant's types are the fixer's to work out (docs/overrides.md) */
    d.node = n->name;
    d.op = n->op;
    d.tensor = v->tensor >= 0 ? c->g->tensors[v->tensor].name : NULL;
    d.port = op && v->port >= 0 ? op->ports[v->port].name : NULL;
    d.variant = var ? var->name : NULL;
    d.qgraph = c->g->path;
    long off = c->g->node_pos && ni < c->g->n_nodes ? c->g->node_pos[ni] : 0;
    line_col(c, off, &d.qgraph_line, &d.qgraph_column);
    if (n->src_file) {
        d.file = n->src_file;
        d.line = n->src_line;
        d.column = n->src_column;
    } else if (n->index >= 0) {
        /* a node of a model (ONNX): its index, never a line of a document nobody wrote */
        d.file = d.qgraph;
        d.line = d.column = d.qgraph_line = d.qgraph_column = 0;
        d.node_index1 = n->index + 1;
    } else {
        d.file = d.qgraph;
        d.line = d.qgraph_line;
        d.column = d.qgraph_column;
    }
    oi_report_add(c->r, c->warn ? OPINFO_SEVERITY_WARNING : OPINFO_SEVERITY_ERROR, &d);
    if (c->max && opinfo_report_count(c->r) >= c->max) {
        c->stop = 1;
        oi_report_set_truncated(c->r);
    }
}

static void emit_list(chk *c, size_t ni, const opinfo_op *op, const opinfo_variant *var,
                      const vlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        emit(c, ni, op, var, &l->v[i]);
}

/* "in0 uint16, in1 int16, output uint16" for a variant (want) or for the node (have). */
static void dtype_tuple(const chk *c, const opinfo_op *op, const opinfo_variant *v, char *buf,
                        size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    const bound *lists[2] = {c->in, c->out};
    size_t counts[2] = {c->nin, c->nout};
    int last_port = -1;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k] && used < n; i++) {
            const bound *b = &lists[k][i];
            /* a variadic port whose tensors differ in dtype is listed tensor by tensor (the
             * node's side only: a variant has one dtype per port) */
            if (b->tensor < 0)
                continue;
            size_t first = i, idx = 0;
            int mixed = 0;
            while (first > 0 && lists[k][first - 1].port == b->port)
                first--;
            for (size_t j = first; !v && j < counts[k] && lists[k][j].port == b->port; j++) {
                if (lists[k][j].tensor >= 0 && lists[k][j].own->dtype != b->own->dtype)
                    mixed = 1;
                if (j < i)
                    idx++;
            }
            if (b->port == last_port && !mixed)
                continue; /* one entry per port, also for variadic ones */
            last_port = b->port;
            const char *dt;
            if (v) {
                const opinfo_port_spec *ps = opinfo_variant_spec(v, b->port);
                dt = ps ? dtype_name(ps->dtype) : "(none)";
            } else
                dt = dtype_name(b->own->dtype);
            char pbuf[80];
            if (mixed)
                fmt(pbuf, sizeof pbuf, "%s[%zu]", pname(op, b->port), idx);
            else
                fmt(pbuf, sizeof pbuf, "%s", pname(op, b->port));
            int w = snprintf(buf + used, n - used, "%s%s %s", used ? ", " : "", pbuf, dt);
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

/* ---- binding tensors to ports ------------------------------------------------------------- */

/* Binds node inputs to the op's non-output ports and outputs to its output ports, in order; a
 * variadic port takes what the ports after it leave. Reports arity problems into l. */
static void bind(chk *c, const oi_node *n, const opinfo_op *op, vlist *l)
{
    int ports_in[64], ports_out[64];
    size_t pin = 0, pout = 0;
    for (size_t p = 0; p < op->n_ports && p < 64; p++) {
        if (op->ports[p].kind == OPINFO_PORT_OUTPUT)
            ports_out[pout++] = (int)p;
        else
            ports_in[pin++] = (int)p;
    }
    c->nin = c->nout = 0;
    for (int side = 0; side < 2; side++) {
        const int *ports = side ? ports_out : ports_in;
        size_t np = side ? pout : pin;
        size_t count = side ? n->n_outputs : n->n_inputs;
        bound *dst = side ? c->out : c->in;
        size_t *nd = side ? &c->nout : &c->nin;
        size_t k = 0;
        for (size_t p = 0; p < np; p++) {
            const opinfo_port *port = &op->ports[ports[p]];
            size_t take = 1;
            if (port->variadic) {
                size_t after = np - p - 1;
                take = count > k + after ? count - k - after : 0;
            }
            if (take == 0 || k >= count) {
                if (!port->optional && !port->variadic) {
                    viol *v = add(l, "arity", -1, ports[p]);
                    if (v) {
                        SET(v->message, "node %s (%s) lacks its %s %s", n->name, n->op,
                            opinfo_port_kind_name(port->kind), port->name);
                        SET(v->fix, "give the node its %s (%s port %zu)", port->name, op->name,
                            p);
                    }
                }
                continue;
            }
            for (size_t t = 0; t < take && k < count && *nd < (side ? c->cap_out : c->cap_in);
                 t++, k++) {
                bound *b = &dst[(*nd)++];
                b->port = ports[p];
                if (side) {
                    b->tensor = n->outputs[k];
                    b->own = &c->g->tensors[b->tensor].spec;
                } else {
                    b->tensor = n->inputs[k].tensor;
                    b->own = b->tensor < 0 ? NULL
                             : n->inputs[k].edge ? n->inputs[k].edge
                                                 : &c->g->tensors[b->tensor].spec;
                }
                b->q = b->own ? oi_resolve(c->g, b->own) : NULL;
                if (!b->q)
                    b->q = b->own;
                if (b->tensor < 0 && !port->optional) {
                    viol *v = add(l, "arity", -1, ports[p]);
                    if (v)
                        SET(v->message, "node %s (%s) leaves its required %s %s empty",
                            n->name, n->op, opinfo_port_kind_name(port->kind), port->name);
                }
            }
        }
        if (k < count) {
            viol *v = add(l, "arity", -1, -1);
            if (v) {
                SET(v->message, "node %s (%s) has %zu %s; %s takes at most %zu", n->name, n->op,
                    count, side ? "outputs" : "inputs", op->name, k);
                SET(v->expected, "at most %zu %s", k, side ? "outputs" : "inputs");
                SET(v->actual, "%zu", count);
            }
        }
    }
}

static int dtypes_match(const chk *c, const opinfo_variant *v, int *score)
{
    int ok = 1, s = 0;
    const bound *lists[2] = {c->in, c->out};
    size_t counts[2] = {c->nin, c->nout};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            const bound *b = &lists[k][i];
            if (b->tensor < 0)
                continue;
            const opinfo_port_spec *ps = opinfo_variant_spec(v, b->port);
            if (ps && ps->dtype == b->own->dtype)
                s++;
            else
                ok = 0;
        }
    if (score)
        *score = s;
    return ok;
}

/* ---- constraints ---------------------------------------------------------------------------- */

static int same_values(const oi_spec *a, const oi_spec *b)
{
    if (!a->n_scale || !b->n_scale || a->n_scale != b->n_scale)
        return 0;
    for (size_t i = 0; i < a->n_scale; i++)
        if ((float)a->scale[i] != (float)b->scale[i])
            return 0;
    if (a->n_zp != b->n_zp)
        return 0;
    for (size_t i = 0; i < a->n_zp; i++)
        if (a->zp[i] != b->zp[i])
            return 0;
    return 1;
}

static void qscheme_list(unsigned mask, char *buf, size_t n, const char *sep)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int q = 1; q < OPINFO_QSCHEME_COUNT_ && used < n; q++)
        if (mask & OPINFO_QSCHEME_BIT(q)) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? sep : "",
                             opinfo_qscheme_name((opinfo_qscheme)q));
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

/* The allowed qscheme closest to the tensor's: same granularity if possible. */
opinfo_qscheme oi_suggest_qscheme(unsigned mask, opinfo_qscheme have)
{
    opinfo_qscheme first = OPINFO_QSCHEME_UNKNOWN;
    for (int q = 1; q < OPINFO_QSCHEME_COUNT_; q++) {
        if (!(mask & OPINFO_QSCHEME_BIT(q)))
            continue;
        if (!first)
            first = (opinfo_qscheme)q;
        if (opinfo_qscheme_is_per_channel((opinfo_qscheme)q) == opinfo_qscheme_is_per_channel(have) &&
            opinfo_qscheme_is_per_block((opinfo_qscheme)q) == opinfo_qscheme_is_per_block(have))
            return (opinfo_qscheme)q;
    }
    return first;
}

int oi_fixed_expected(const opinfo_port_spec *ps, const oi_spec *q, double *scale, int64_t *zp,
                      int *has_zp)
{
    const opinfo_dtype_info *dt = opinfo_dtype_get(ps->dtype);
    double bits = dt ? dt->bits : 0;
    opinfo_error_t e;
    opinfo_error_init(&e);
    *scale = ps->fixed_scale;
    if (ps->fixed_scale_expr &&
        opinfo_formula_eval(ps->fixed_scale_expr, (double)q->qmin, (double)q->qmax, bits, scale,
                            &e) != OPINFO_OK)
        return -1;
    *has_zp = ps->has_fixed_zero_point;
    *zp = ps->fixed_zero_point;
    if (ps->fixed_zero_point_expr) {
        double z;
        if (opinfo_formula_eval(ps->fixed_zero_point_expr, (double)q->qmin, (double)q->qmax, bits,
                                &z, &e) != OPINFO_OK)
            return -1;
        *zp = (int64_t)llround(z);
    }
    return 0;
}

/* A per-channel spec that this variant takes only per tensor (no per-channel qscheme at all on
 * that port): another variant of the op with the
 * same dtypes on the other ports may take it per channel (HTP's per-channel weights are int8
 * symmetric, qnn-htp-ops.md section 3.1); that is the fix to suggest, not giving up the
 * channels. On an ONNX model (a node with an index) the fix is said in ONNX Runtime's knobs. */
static void qscheme_fix(const chk *c, const opinfo_op *op, const opinfo_variant *var,
                        const opinfo_port_spec *ps, const bound *b, char *out, size_t n,
                        int *in_ort)
{
    const oi_spec *q = b->q;
    const char *tn = tname(c, b->tensor);
    const opinfo_port_spec *alt = NULL;
    const opinfo_variant *alt_var = NULL;
    opinfo_qscheme want = OPINFO_QSCHEME_UNKNOWN;
    opinfo_qscheme near = oi_suggest_qscheme(ps->qschemes, q->qscheme);
    if (opinfo_qscheme_is_per_channel(q->qscheme) && !opinfo_qscheme_is_per_block(q->qscheme) &&
        !opinfo_qscheme_is_per_channel(near)) {
        for (size_t i = 0; i < op->n_variants && !alt; i++) {
            const opinfo_variant *w = &op->variants[i];
            if (w == var || (w->min_arch && c->arch_rank && w->min_arch_rank > c->arch_rank) ||
                (w->max_arch && c->arch_rank && w->max_arch_rank < c->arch_rank))
                continue;
            const opinfo_port_spec *cand = NULL;
            int same = 1;
            for (size_t k = 0; k < w->n_specs; k++) {
                const opinfo_port_spec *s = &w->specs[k];
                if (s->port == ps->port) {
                    cand = s;
                    continue;
                }
                /* the other ports keep their dtypes: only this tensor changes */
                for (size_t j = 0; j < var->n_specs; j++)
                    if (var->specs[j].port == s->port && var->specs[j].dtype != s->dtype)
                        same = 0;
            }
            if (!same || !cand)
                continue;
            for (int k = 1; k < OPINFO_QSCHEME_COUNT_; k++)
                if ((cand->qschemes & OPINFO_QSCHEME_BIT(k)) &&
                    opinfo_qscheme_is_per_channel((opinfo_qscheme)k) &&
                    !opinfo_qscheme_is_per_block((opinfo_qscheme)k) &&
                    (!want || opinfo_qscheme_is_symmetric((opinfo_qscheme)k)))
                    want = (opinfo_qscheme)k;
            if (want)
                alt = cand, alt_var = w;
        }
    }
    if (!alt) {
        fmt(out, n, "quantize %s %s", tn, opinfo_qscheme_name(near));
        return;
    }
    const opinfo_dtype_info *di = opinfo_dtype_get(alt->dtype);
    const char *dn = di ? di->name : "?";
    int onnx = c->cur_node < c->g->n_nodes && c->g->nodes[c->cur_node].index >= 0;
    if (onnx && op->ports[ps->port].kind == OPINFO_PORT_WEIGHT && alt->dtype == OPINFO_DTYPE_INT8) {
        const oi_tensor *t = &c->g->tensors[b->tensor];
        fmt(out, n, "quantize %s %s %s (%s %s): in ONNX Runtime, get_qnn_qdq_config(..., "
            "per_channel=True, weight_type=QuantType.QInt8), whose weights are symmetric "
            "(weight_symmetric=True), or the override \"%s\": [{\"quant_type\": \"QInt8\", "
            "\"symmetric\": true, \"axis\": %d}]; per tensor instead, as --fix writes it: "
            "per_channel=False", tn, dn, opinfo_qscheme_name(want), op->name, alt_var->name,
            t->spec.float_name ? t->spec.float_name : t->name, q->axis);
        *in_ort = 1;
    } else
        fmt(out, n, "quantize %s %s %s (%s %s)", tn, dn, opinfo_qscheme_name(want), op->name,
            alt_var->name);
}

/* The port's description in a message: "weight w (in1)", or "output y" when the port is named
 * by its kind. Most ports pass and candidates are judged by counts alone, so it is written only
 * when a message needs it (WHO, in check_port). */
static const char *port_who(char *buf, size_t n, const char *kind, const char *tn, const char *pn)
{
    if (strcmp(kind, pn) == 0)
        fmt(buf, n, "%s %s", kind, tn);
    else
        fmt(buf, n, "%s %s (%s)", kind, tn, pn);
    return buf;
}
#define WHO (who[0] ? who : port_who(who, sizeof who, kind, tn, pn))

static void check_port(chk *c, const opinfo_op *op, const opinfo_variant *var,
                       const opinfo_port_spec *ps, const bound *b, vlist *l)
{
    const oi_spec *q = b->q;
    const opinfo_dtype_info *dt = opinfo_dtype_get(b->own->dtype);
    const char *tn = tname(c, b->tensor);
    const char *pn = pname(op, b->port);
    const char *kind = opinfo_port_kind_name(op->ports[b->port].kind);
    char who[SHORT]; /* WHO: written by the first message that names the port */
    who[0] = '\0';
    viol *v;
    if (!dt || !dt->is_quantizable)
        return; /* float and bool tensors carry nothing more to check */
    int signed_t = dt->is_signed;

    /* static vs dynamic (CONTRACT 2): the port's own statement, else the variant's for its
     * input ports (a dynamic kernel's weight is static, its output float) */
    int want_dyn = ps->is_dynamic >= 0 ? ps->is_dynamic
                                       : var->is_dynamic &&
                                             op->ports[b->port].kind == OPINFO_PORT_INPUT;
    int have_dyn = q->is_dynamic || b->own->is_dynamic;
    if (want_dyn != have_dyn && (v = add(l, "dynamic-mismatch", b->tensor, b->port))) {
        if (want_dyn) {
            SET(v->message, "%s is observed statically; %s %s is a dynamic kernel that computes "
                "its qparams at run time", WHO, op->name, var->name);
            SET(v->fix, "quantize %s dynamically (is_dynamic), with a float output", tn);
        } else if (var->is_dynamic) {
            SET(v->message, "%s is quantized dynamically; %s %s takes it with static qparams",
                WHO, op->name, var->name);
            SET(v->fix, "observe %s statically", tn);
        } else {
            SET(v->message, "%s is quantized dynamically, but %s %s is a static kernel (its "
                "output is quantized, with qparams fixed at calibration)", WHO, op->name,
                var->name);
            SET(v->fix, "observe %s statically, or make the node dynamic: a float output", tn);
        }
        SET(v->expected, "%s", want_dyn ? "is_dynamic" : "static");
        SET(v->actual, "%s", have_dyn ? "is_dynamic" : "static");
    }

    /* qscheme */
    int qscheme_bad = ps->qschemes && !(ps->qschemes & OPINFO_QSCHEME_BIT(q->qscheme));
    if (qscheme_bad && (v = add(l, "qscheme", b->tensor, b->port))) {
        char allowed[SHORT];
        qscheme_list(ps->qschemes, allowed, sizeof allowed, " or ");
        SET(v->message, "%s is %s; %s %s needs %s", WHO,
            opinfo_qscheme_name(q->qscheme), op->name, var->name, allowed);
        qscheme_list(ps->qschemes, v->expected, sizeof v->expected, "|");
        SET(v->actual, "%s", opinfo_qscheme_name(q->qscheme));
        qscheme_fix(c, op, var, ps, b, v->fix, sizeof v->fix, &v->fix_in_ort);
    }
    /* symmetric: required explicitly, or implied by allowing only symmetric qschemes */
    unsigned sym_mask = 0;
    for (int k = 1; k < OPINFO_QSCHEME_COUNT_; k++)
        if (opinfo_qscheme_is_symmetric((opinfo_qscheme)k))
            sym_mask |= OPINFO_QSCHEME_BIT(k);
    /* a derived bias's zero point is derived-bias's to report */
    int need_sym = !ps->derived_from &&
                   (ps->symmetric == 1 || (ps->qschemes && !(ps->qschemes & ~sym_mask)));
    if (need_sym) {
        int64_t mid = signed_t ? 0 : (q->qmin + q->qmax + 1) / 2;
        if (!qscheme_bad && !opinfo_qscheme_is_symmetric(q->qscheme) &&
            (v = add(l, "symmetric", b->tensor, b->port))) {
            SET(v->message, "%s must be quantized symmetrically for %s %s; it is %s", WHO,
                op->name, var->name, opinfo_qscheme_name(q->qscheme));
            SET(v->expected, "a symmetric qscheme");
            SET(v->actual, "%s", opinfo_qscheme_name(q->qscheme));
            SET(v->fix, "quantize %s symmetrically (zero point %lld)", tn, (long long)mid);
        }
        for (size_t i = 0; i < q->n_zp; i++)
            if (q->zp[i] != mid) {
                if ((v = add(l, "symmetric", b->tensor, b->port))) {
                    if (q->n_zp > 1)
                        SET(v->message,
                            "%s must be symmetric: its zero point on channel %zu is %lld, "
                            "not %lld",
                            WHO, i, (long long)q->zp[i], (long long)mid);
                    else
                        SET(v->message,
                            "%s must be symmetric: its zero point is %lld, not %lld", WHO,
                            (long long)q->zp[i], (long long)mid);
                    SET(v->expected, "zero_point %lld", (long long)mid);
                    SET(v->actual, "zero_point %lld", (long long)q->zp[i]);
                    SET(v->fix, "quantize %s symmetrically (zero point %lld)", tn,
                        (long long)mid);
                }
                break;
            }
    }
    /* per-channel axis */
    if (opinfo_qscheme_is_per_channel(q->qscheme) && ps->axes && q->axis >= 0 &&
        !(ps->axes & (1u << q->axis)) && (v = add(l, "axis", b->tensor, b->port))) {
        char allowed[64] = "";
        size_t used = 0;
        for (int a = 0; a < 8; a++)
            if (ps->axes & (1u << a))
                used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%d",
                                         used ? " or " : "", a);
        SET(v->message, "%s is quantized per channel along axis %d; %s %s needs axis %s",
            WHO, q->axis, op->name, var->name, allowed);
        SET(v->expected, "axis %s", allowed);
        SET(v->actual, "axis %d", q->axis);
        SET(v->fix, "quantize %s per channel along axis %s", tn, allowed);
    }
    /* per-block */
    if (opinfo_qscheme_is_per_block(q->qscheme) && q->block) {
        for (size_t d = 0; d < q->n_block; d++) {
            int64_t bs = q->block[d];
            if (bs <= 1 || (int)d == q->axis)
                continue;
            const char *why = NULL;
            char wbuf[SHORT];
            if (ps->block_axes && !(ps->block_axes & (1u << d))) {
                SET(wbuf, "blocks along axis %zu are not allowed", d);
                why = wbuf;
            } else if (ps->block_size_multiple && bs % ps->block_size_multiple) {
                SET(wbuf, "block size %lld is not a multiple of %d", (long long)bs,
                    ps->block_size_multiple);
                why = wbuf;
            } else if (ps->block_min_size && bs < ps->block_min_size) {
                SET(wbuf, "block size %lld is below %d", (long long)bs, ps->block_min_size);
                why = wbuf;
            } else if (ps->block_max_size && bs > ps->block_max_size) {
                SET(wbuf, "block size %lld is above %d", (long long)bs, ps->block_max_size);
                why = wbuf;
            } else if (q->n_shape > d && q->shape[d] % bs) {
                SET(wbuf, "block size %lld does not divide dimension %zu (%lld)", (long long)bs,
                    d, (long long)q->shape[d]);
                why = wbuf;
            }
            if (why && (v = add(l, "block-size", b->tensor, b->port))) {
                SET(v->message, "%s: %s for %s %s", WHO, why, op->name,
                    var->name);
                SET(v->actual, "block size %lld along axis %zu", (long long)bs, d);
                break;
            }
        }
    }
    /* quant range */
    if ((ps->has_quant_min_lower_bound && q->qmin < ps->quant_min_lower_bound) ||
        (ps->has_quant_max_upper_bound && q->qmax > ps->quant_max_upper_bound)) {
        if ((v = add(l, "quant-range", b->tensor, b->port))) {
            int64_t lo = ps->has_quant_min_lower_bound ? ps->quant_min_lower_bound : dt->qmin;
            int64_t hi = ps->has_quant_max_upper_bound ? ps->quant_max_upper_bound : dt->qmax;
            SET(v->message, "%s has quant range [%lld, %lld]; %s %s allows [%lld, %lld]",
                WHO, (long long)q->qmin, (long long)q->qmax, op->name, var->name,
                (long long)lo, (long long)hi);
            SET(v->expected, "[%lld, %lld]", (long long)lo, (long long)hi);
            SET(v->actual, "[%lld, %lld]", (long long)q->qmin, (long long)q->qmax);
            SET(v->fix, "set quant_min=%lld, quant_max=%lld on %s's observer",
                (long long)(q->qmin < lo ? lo : q->qmin), (long long)(q->qmax > hi ? hi : q->qmax),
                tn);
        }
    }
    /* the observer's range as PyTorch builds one: within the dtype, quant_min < quant_max,
     * quant_min <= 0 <= quant_max (observer.py, _validate_qmin_qmax; docs/rules.md) */
    {
        const char *why = NULL;
        char wbuf[SHORT];
        if (q->qmin < dt->qmin || q->qmax > dt->qmax) {
            SET(wbuf, "exceeds %s's range [%lld, %lld]", dt->name, (long long)dt->qmin,
                (long long)dt->qmax);
            why = wbuf;
        } else if (q->qmin > q->qmax)
            why = "is inverted (quant_min above quant_max)";
        else if (q->qmin == q->qmax)
            why = "holds a single value; PyTorch needs quant_min < quant_max";
        else if (q->qmin > 0 || q->qmax < 0)
            why = "excludes 0; PyTorch needs quant_min <= 0 <= quant_max";
        if (why && (v = add(l, "observer-range", b->tensor, b->port))) {
            SET(v->message, "%s has quant range [%lld, %lld], which %s", WHO, (long long)q->qmin,
                (long long)q->qmax, why);
            SET(v->expected, "quant_min < quant_max, quant_min <= 0 <= quant_max, within [%lld, %lld]",
                (long long)dt->qmin, (long long)dt->qmax);
            SET(v->actual, "[%lld, %lld]", (long long)q->qmin, (long long)q->qmax);
            SET(v->fix, "give %s's observer a range that contains 0 inside %s's, e.g. [%lld, %lld]",
                tn, dt->name, (long long)dt->qmin, (long long)dt->qmax);
        }
    }
    /* scales are stored as float32 by every backend (QNN encodings, XNNPACK and FBGEMM
     * parameters): a scale must stay a normal, finite float32 (docs/rules.md, scale-range) */
    int f32_low = 0;
    for (size_t i = 0; i < q->n_scale; i++) {
        float f = (float)q->scale[i];
        const char *why = NULL;
        if (f == 0)
            why = "rounds to 0";
        else if (isinf(f))
            why = "rounds to infinity";
        else if (f < FLT_MIN)
            why = "rounds to a subnormal";
        if (!why)
            continue;
        f32_low = f < FLT_MIN;
        if ((v = add(l, "scale-range", b->tensor, b->port))) {
            if (q->n_scale > 1)
                SET(v->message, "%s has scale %.9g on channel %zu, which %s in float32, the "
                                "type %s stores scales in",
                    WHO, q->scale[i], i, why, c->backend);
            else
                SET(v->message, "%s has scale %.9g, which %s in float32, the type %s stores "
                                "scales in",
                    WHO, q->scale[i], why, c->backend);
            SET(v->expected, "a normal float32 scale in [%.9g, %.9g]", (double)FLT_MIN,
                (double)FLT_MAX);
            SET(v->actual, "%.9g (float32 %.9g)", q->scale[i], (double)f);
            SET(v->fix, "recalibrate %s: a scale this %s means its observed range is degenerate",
                tn, f32_low ? "small" : "large");
        }
        break;
    }
    /* scale bounds: the values once calibrated, the observer's eps before */
    if (ps->scale_min_lower_bound > 0) {
        double lo = ps->scale_min_lower_bound;
        size_t worst = 0;
        for (size_t i = 1; i < q->n_scale; i++)
            if (q->scale[i] < q->scale[worst])
                worst = i;
        if (q->n_scale && q->scale[worst] < lo && !f32_low &&
            (v = add(l, "scale-range", b->tensor, b->port))) {
            if (q->n_scale > 1)
                SET(v->message, "%s has scale %.9g on channel %zu; %s %s needs scales >= %.9g",
                    WHO, q->scale[worst], worst, op->name, var->name, lo);
            else
                SET(v->message, "%s has scale %.9g; %s %s needs scales >= %.9g", WHO,
                    q->scale[worst], op->name, var->name, lo);
            SET(v->expected, "scale >= %.9g", lo);
            SET(v->actual, "%.9g", q->scale[worst]);
            SET(v->fix, "set the observer's eps to %.9g so that no scale falls below it", lo);
        } else if (!q->n_scale && q->eps > 0 && q->eps < lo &&
                   (v = add(l, "scale-range", b->tensor, b->port))) {
            SET(v->message,
                "%s: the observer's eps %.9g lets scales fall below %.9g, which %s %s "
                "needs",
                WHO, q->eps, lo, op->name, var->name);
            SET(v->expected, "eps >= %.9g", lo);
            SET(v->actual, "eps %.9g", q->eps);
            SET(v->fix, "set the observer's eps to %.9g", lo);
        }
    }
    if (ps->scale_max_upper_bound > 0 && q->n_scale) {
        double hi = ps->scale_max_upper_bound;
        size_t worst = 0;
        for (size_t i = 1; i < q->n_scale; i++)
            if (q->scale[i] > q->scale[worst])
                worst = i;
        if (q->scale[worst] > hi && !isinf((float)q->scale[worst]) &&
            (v = add(l, "scale-range", b->tensor, b->port))) {
            SET(v->message, "%s has scale %.9g; %s %s needs scales <= %.9g", WHO,
                q->scale[worst], op->name, var->name, hi);
            SET(v->expected, "scale <= %.9g", hi);
            SET(v->actual, "%.9g", q->scale[worst]);
        }
    }
    /* a required zero point */
    if (ps->has_zero_point) {
        for (size_t i = 0; i < q->n_zp; i++)
            if (q->zp[i] != ps->zero_point) {
                if ((v = add(l, "zero-point", b->tensor, b->port))) {
                    SET(v->message, "%s has zero point %lld; %s %s needs %lld", WHO,
                        (long long)q->zp[i], op->name, var->name,
                        (long long)ps->zero_point);
                    SET(v->expected, "zero_point %lld", (long long)ps->zero_point);
                    SET(v->actual, "zero_point %lld", (long long)q->zp[i]);
                    SET(v->fix, "quantize %s with zero point %lld", tn,
                        (long long)ps->zero_point);
                }
                break;
            }
    }
    /* fixed qparams */
    if (ps->has_fixed_scale || ps->has_fixed_zero_point) {
        double want_scale = 0;
        int64_t want_zp = 0;
        int has_zp = 0;
        if (oi_fixed_expected(ps, q, &want_scale, &want_zp, &has_zp) == 0) {
            char want[SHORT];
            if (ps->has_fixed_scale && has_zp)
                SET(want, "scale %.9g, zero_point %lld", want_scale, (long long)want_zp);
            else if (ps->has_fixed_scale)
                SET(want, "scale %.9g", want_scale);
            else
                SET(want, "zero_point %lld", (long long)want_zp);
            int bad_scale = ps->has_fixed_scale && q->n_scale &&
                            (float)q->scale[0] != (float)want_scale;
            int bad_zp = has_zp && q->n_zp && q->zp[0] != want_zp;
            if (!q->n_scale && !q->fixed && (v = add(l, "fixed-qparams", b->tensor, b->port))) {
                SET(v->message,
                    "%s of %s %s needs the fixed qparams %s, but its observer calibrates "
                    "(no fixed values)",
                    WHO, op->name, var->name, want);
                SET(v->expected, "%s", want);
                SET(v->actual, "a calibrating observer");
                SET(v->fix, "use a fixed-qparams observer for %s with %s", tn, want);
            } else if ((bad_scale || bad_zp) &&
                       (v = add(l, "fixed-qparams", b->tensor, b->port))) {
                char have[SHORT];
                if (q->n_zp)
                    SET(have, "scale %.9g, zero_point %lld", q->scale[0], (long long)q->zp[0]);
                else
                    SET(have, "scale %.9g", q->scale[0]);
                SET(v->message, "%s has %s; %s %s needs exactly %s", WHO, have,
                    op->name, var->name, want);
                SET(v->expected, "%s", want);
                SET(v->actual, "%s", have);
                SET(v->fix, "use a fixed-qparams observer for %s with %s", tn, want);
            } else if (ps->has_fixed_scale && !ps->fixed_scale_expr &&
                       (q->qmin != dt->qmin || q->qmax != dt->qmax) &&
                       (v = add(l, "fixed-qparams", b->tensor, b->port))) {
                /* numeric fixed qparams are made for the dtype's full range (PyTorch's fixed
                 * observers: quant_min/quant_max of the dtype); another range clips the output */
                double z = has_zp ? (double)want_zp : 0;
                SET(v->message,
                    "%s has quant range [%lld, %lld], which with %s covers [%.9g, %.9g]; the "
                    "fixed qparams of %s %s are made for [%lld, %lld], which covers [%.9g, %.9g]",
                    WHO, (long long)q->qmin, (long long)q->qmax, want,
                    want_scale * ((double)q->qmin - z), want_scale * ((double)q->qmax - z),
                    op->name, var->name, (long long)dt->qmin, (long long)dt->qmax,
                    want_scale * ((double)dt->qmin - z), want_scale * ((double)dt->qmax - z));
                SET(v->expected, "quant range [%lld, %lld]", (long long)dt->qmin,
                    (long long)dt->qmax);
                SET(v->actual, "[%lld, %lld]", (long long)q->qmin, (long long)q->qmax);
                SET(v->fix, "set quant_min=%lld, quant_max=%lld on %s's fixed-qparams observer",
                    (long long)dt->qmin, (long long)dt->qmax, tn);
            }
        }
    }
    /* math-invariant: shares the quantization of another port's tensor; a shared tensor that
     * carries values of its own must carry its root's */
    if (ps->shared_with >= 0 && b->own != q && b->own->n_scale && !same_values(b->own, q) &&
        q->n_scale && (v = add(l, "shared-spec", b->tensor, b->port))) {
        SET(v->message,
            "%s shares %s's quantization but carries scale %.9g, zero_point %lld of its own; the "
            "shared values are scale %.9g, zero_point %lld",
            WHO, root_name(c, q), b->own->scale[0], (long long)(b->own->n_zp ? b->own->zp[0] : 0),
            q->scale[0], (long long)(q->n_zp ? q->zp[0] : 0));
        SET(v->expected, "scale %.9g, zero_point %lld", q->scale[0],
            (long long)(q->n_zp ? q->zp[0] : 0));
        SET(v->actual, "scale %.9g, zero_point %lld", b->own->scale[0],
            (long long)(b->own->n_zp ? b->own->zp[0] : 0));
        SET(v->fix, "drop %s's own scale and zero_point: they come from what it shares", tn);
    }
    if (ps->shared_with >= 0) {
        const bound *lists[2] = {c->in, c->out};
        size_t counts[2] = {c->nin, c->nout};
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < counts[k]; i++) {
                const bound *o = &lists[k][i];
                if (o->port != ps->shared_with || o->tensor < 0 || o->q == q)
                    continue;
                if (same_values(q, o->q))
                    continue;
                if (!(v = add(l, "shared-spec", b->tensor, b->port)))
                    continue;
                const char *on = tname(c, o->tensor);
                if (q->n_scale && o->q->n_scale) {
                    SET(v->message,
                        "%s of math-invariant %s must be quantized like %s %s: it has "
                        "scale %.9g, zero_point %lld; %s has scale %.9g, zero_point %lld",
                        WHO, op->name, pname(op, o->port), on, q->scale[0],
                        (long long)(q->n_zp ? q->zp[0] : 0), on, o->q->scale[0],
                        (long long)(o->q->n_zp ? o->q->zp[0] : 0));
                    SET(v->expected, "scale %.9g, zero_point %lld", o->q->scale[0],
                        (long long)(o->q->n_zp ? o->q->zp[0] : 0));
                    SET(v->actual, "scale %.9g, zero_point %lld", q->scale[0],
                        (long long)(q->n_zp ? q->zp[0] : 0));
                } else {
                    SET(v->message,
                        "%s of math-invariant %s must share %s %s's quantization, but "
                        "it has its own observer",
                        WHO, op->name, pname(op, o->port), on);
                    SET(v->expected, "shared with %s", on);
                    SET(v->actual, "its own observer");
                }
                SET(v->fix, "annotate %s with \"shared_with\": \"%s\"", tn, on);
            }
    }
    /* derived bias: scale = product of the named ports' scales, zero point 0 */
    if (ps->derived_from) {
        int deps[8];
        const oi_spec *dq[8];
        size_t nd = 0;
        for (size_t i = 0; i < c->nin && nd < 8; i++) {
            const bound *o = &c->in[i];
            if (o->tensor >= 0 && (ps->derived_from & (1u << o->port))) {
                deps[nd] = o->tensor;
                dq[nd++] = o->q;
            }
        }
        int structural = b->own->n_derived == nd && nd > 0;
        for (size_t i = 0; structural && i < nd; i++) {
            int found = 0;
            for (size_t k = 0; k < b->own->n_derived; k++)
                found |= b->own->derived[k] == deps[i];
            structural = found;
        }
        int values_known = q->n_scale > 0;
        size_t channels = 1;
        for (size_t i = 0; i < nd; i++) {
            values_known &= dq[i]->n_scale > 0;
            if (dq[i]->n_scale > channels)
                channels = dq[i]->n_scale;
        }
        char names[SHORT] = "";
        size_t used = 0;
        for (size_t i = 0; i < nd; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                     i ? " x " : "", tname(c, deps[i]));
        if (values_known) {
            for (size_t ch = 0; ch < channels; ch++) {
                double want = 1;
                for (size_t i = 0; i < nd; i++)
                    want *= dq[i]->scale[dq[i]->n_scale == 1 ? 0 : ch];
                double have = q->scale[q->n_scale == 1 ? 0 : (ch < q->n_scale ? ch : 0)];
                if (fabs(have - want) > DERIVED_TOLERANCE * want) {
                    if ((v = add(l, "derived-bias", b->tensor, b->port))) {
                        SET(v->message,
                            "%s has scale %.9g%s; it must be the product of %s's "
                            "scales, %.9g",
                            WHO, have, channels > 1 ? " on a channel" : "", names, want);
                        SET(v->expected, "scale %.9g", want);
                        SET(v->actual, "scale %.9g", have);
                        SET(v->fix, "derive %s's scale from %s (\"derived_from\")", tn, names);
                    }
                    break;
                }
            }
        } else if (!structural && (v = add(l, "derived-bias", b->tensor, b->port))) {
            SET(v->message, "%s of %s %s must be derived from %s (scale = product, zero "
                            "point 0), but it has its own observer",
                WHO, op->name, var->name, names);
            SET(v->expected, "derived from %s", names);
            SET(v->actual, "its own observer");
            char list[SHORT] = "";
            size_t u = 0;
            for (size_t i = 0; i < nd; i++)
                u += (size_t)snprintf(list + u, sizeof list - u, "%s\"%s\"", i ? ", " : "",
                                      tname(c, deps[i]));
            SET(v->fix, "annotate %s with \"derived_from\": [%s]", tn, list);
        }
        for (size_t i = 0; i < q->n_zp; i++)
            if (q->zp[i] != 0) {
                if ((v = add(l, "derived-bias", b->tensor, b->port))) {
                    SET(v->message, "%s has zero point %lld; a derived bias has zero point 0",
                        WHO, (long long)q->zp[i]);
                    SET(v->expected, "zero_point 0");
                    SET(v->actual, "zero_point %lld", (long long)q->zp[i]);
                }
                break;
            }
    }
}
#undef WHO

static const bound *bound_at(const chk *c, int port)
{
    for (size_t i = 0; i < c->nin; i++)
        if (c->in[i].port == port && c->in[i].tensor >= 0)
            return &c->in[i];
    for (size_t i = 0; i < c->nout; i++)
        if (c->out[i].port == port && c->out[i].tensor >= 0)
            return &c->out[i];
    return NULL;
}

static void check_rules(chk *c, const opinfo_op *op, const opinfo_variant *var, vlist *l)
{
    for (size_t r = 0; r < var->n_rules; r++) {
        const opinfo_rule *ru = &var->rules[r];
        if (ru->kind != OPINFO_RULE_REQUANT_SCALE)
            continue;
        const bound *out = bound_at(c, ru->output);
        if (!out || !out->q->n_scale)
            continue;
        const oi_spec *ins[8];
        const char *names[8];
        size_t ni = 0, channels = 1;
        int known = 1;
        for (size_t p = 0; p < op->n_ports && p < 32 && ni < 8; p++) {
            if (!(ru->inputs & (1u << p)))
                continue;
            const bound *b = bound_at(c, (int)p);
            if (!b || !b->q->n_scale) {
                known = 0;
                break;
            }
            names[ni] = op->ports[p].name;
            ins[ni++] = b->q;
            if (b->q->n_scale > channels)
                channels = b->q->n_scale;
        }
        if (!known)
            continue;
        for (size_t ch = 0; ch < channels; ch++) {
            double prod = 1;
            for (size_t i = 0; i < ni; i++)
                prod *= ins[i]->scale[ins[i]->n_scale == 1 ? 0 : ch];
            double rs = prod / out->q->scale[out->q->n_scale == 1 ? 0 : (ch < out->q->n_scale ? ch : 0)];
            int low = ru->min_exclusive ? rs <= ru->min : rs < ru->min;
            int high = ru->max_exclusive ? rs >= ru->max : rs > ru->max;
            if (!low && !high)
                continue;
            viol *v = add(l, "requant-scale", out->tensor, out->port);
            if (v) {
                /* the rule's formula and its ports, by name: "input scale x weight scale" */
                char prod_s[320], ports_s[320];
                size_t pu = 0, qu = 0;
                prod_s[0] = ports_s[0] = '\0';
                for (size_t i = 0; i < ni; i++) {
                    int w = snprintf(prod_s + pu, sizeof prod_s - pu, "%s%.64s scale",
                                     i ? " x " : "", names[i]);
                    pu += w > 0 && (size_t)w < sizeof prod_s - pu ? (size_t)w : 0;
                    w = snprintf(ports_s + qu, sizeof ports_s - qu, "%s%.64s",
                                 i ? (i + 1 < ni ? ", " : " or ") : "", names[i]);
                    qu += w > 0 && (size_t)w < sizeof ports_s - qu ? (size_t)w : 0;
                }
                const char *oname = op->ports[ru->output].name;
                SET(v->message,
                    "requantization scale %.9g%s of %s %s is outside %s%.9g, %.9g%s (%s / %.64s "
                    "scale)",
                    rs, channels > 1 ? " on a channel" : "", op->name, var->name,
                    ru->min_exclusive ? "(" : "[", ru->min, ru->max, ru->max_exclusive ? ")" : "]",
                    prod_s, oname);
                SET(v->expected, "%s%.9g, %.9g%s", ru->min_exclusive ? "(" : "[", ru->min, ru->max,
                    ru->max_exclusive ? ")" : "]");
                SET(v->actual, "%.9g", rs);
                SET(v->fix, "%s the %s scale%s, or %s the %.64s scale", low ? "raise" : "lower",
                    ports_s, ni > 1 ? "s" : "", low ? "lower" : "raise", oname);
            }
            break;
        }
    }
}

static void check_variant(chk *c, const opinfo_op *op, const opinfo_variant *var, vlist *l)
{
    const bound *lists[2] = {c->in, c->out};
    size_t counts[2] = {c->nin, c->nout};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            const bound *b = &lists[k][i];
            if (b->tensor < 0)
                continue;
            const opinfo_port_spec *ps = opinfo_variant_spec(var, b->port);
            if (ps)
                check_port(c, op, var, ps, b, l);
        }
    check_rules(c, op, var, l);
}

/* ---- a node ---------------------------------------------------------------------------------- */

static const opinfo_op *resolve_op(chk *c, const char *name)
{
    void *v;
    if (oi_map_get(&c->ops, name, &v))
        return v == &missing_op ? NULL : v;
    const opinfo_op *op = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_find_op(c->db, c->backend, c->release, name, &op, &e) != OPINFO_OK) {
        op = NULL;
        if (e.code != OPINFO_ENOTFOUND) {
            c->fatal = e;
            c->stop = 1;
            return NULL;
        }
    }
    if (oi_map_put(&c->ops, name, op ? (void *)op : (void *)&missing_op) != 0) {
        oi_set_error(&c->fatal, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
        c->stop = 1;
        return NULL;
    }
    return op;
}

static const char *first_soc_at(const chk *c, int rank)
{
    const char *best = NULL;
    int best_rank = 1 << 30;
    for (size_t i = 0; i < c->nsocs; i++)
        if (c->socs[i].rank >= rank && c->socs[i].rank < best_rank) {
            best = c->socs[i].name;
            best_rank = c->socs[i].rank;
        }
    return best;
}

/* The variant's constraints on the ports whose dtype it shares with the node, and its
 * cross-port rules: what a node re-annotated to the variant's dtypes would still violate. */
static void check_matching_ports(chk *c, const opinfo_op *op, const opinfo_variant *var,
                                 vlist *l)
{
    const bound *lists[2] = {c->in, c->out};
    size_t counts[2] = {c->nin, c->nout};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            const bound *b = &lists[k][i];
            if (b->tensor < 0)
                continue;
            const opinfo_port_spec *ps = opinfo_variant_spec(var, b->port);
            if (ps && ps->dtype == b->own->dtype)
                check_port(c, op, var, ps, b, l);
        }
    check_rules(c, op, var, l);
}

/* The lowest-ranked SoC, other than the target, on which a variant matching the node's dtypes
 * is available and passes every check: a suggested SoC is one that accepts the node. l is
 * scratch (counts only). */
static const char *soc_accepting(chk *c, const opinfo_op *op, vlist *l)
{
    const char *best = NULL;
    int best_rank = 1 << 30;
    for (size_t s = 0; s < c->nsocs; s++) {
        int rank = c->socs[s].rank;
        if (rank == c->arch_rank || rank >= best_rank)
            continue;
        for (size_t i = 0; i < op->n_variants; i++) {
            const opinfo_variant *var = &op->variants[i];
            if (!dtypes_match(c, var, NULL) || !opinfo_variant_available(var, rank))
                continue;
            l->n = 0;
            l->quiet = 1;
            check_variant(c, op, var, l);
            l->quiet = 0;
            if (l->n == 0) {
                best = c->socs[s].name;
                best_rank = rank;
                break;
            }
        }
    }
    l->n = 0;
    return best;
}

/* CONTRACT 1: a node stays in float when it says so (float_reason), or when none of its tensors
 * is quantized and one at least is float (int64 indices and bool masks are neither). */
static int node_is_float(const chk *c, const oi_node *n)
{
    if (n->float_reason)
        return 1;
    int any_float = 0;
    for (size_t k = 0; k < n->n_inputs + n->n_outputs; k++) {
        int t = k < n->n_inputs ? n->inputs[k].tensor : n->outputs[k - n->n_inputs];
        if (t < 0)
            continue;
        const oi_spec *s = k < n->n_inputs && n->inputs[k].edge ? n->inputs[k].edge
                                                                  : &c->g->tensors[t].spec;
        const opinfo_dtype_info *dt = opinfo_dtype_get(s->dtype);
        if (!dt)
            continue;
        if (dt->is_quantizable)
            return 0;
        any_float |= dt->is_float;
    }
    return any_float;
}

/* A float node without float_reason that a float variant of its op takes (QNN HTP's fp16) is
 * delegated, and is checked like any other node. */
static int float_variant_fits(chk *c, const oi_node *n, const opinfo_op *op)
{
    vlist *l = &c->cur;
    l->n = 0;
    l->quiet = 1;
    bind(c, n, op, l);
    l->quiet = 0;
    int fits = 0;
    for (size_t i = 0; l->n == 0 && i < op->n_variants && !fits; i++)
        fits = dtypes_match(c, &op->variants[i], NULL);
    l->n = 0;
    return fits;
}

/* runs-in-float: once per node, a warning unless the caller wants full delegation. */
static void runs_in_float(chk *c, size_t ni, const opinfo_op *op)
{
    const oi_node *n = &c->g->nodes[ni];
    viol v;
    memset(&v, 0, sizeof v);
    v.rule = "runs-in-float";
    v.tensor = v.port = -1;
    /* the node's name is the report's to place (before the message, in every format) */
    SET(v.message, "%s runs in float and is not delegated (%s)", n->op,
        n->float_reason ? n->float_reason : "none of its tensors is quantized");
    SET(v.expected, "quantized tensors%s%s", op ? " for a variant of " : "", op ? op->name : "");
    SET(v.actual, "float");
    SET(v.fix, "quantize the node's inputs and outputs to delegate it to %s, or accept that it "
        "runs in float", c->backend);
    int warn = c->warn;
    c->warn = warn || !c->full; /* warn mode makes every finding a warning, this one too */
    emit(c, ni, op, NULL, &v);
    c->warn = warn;
    c->node_float = 1;
}

/* Room in c->in and c->out for n's ports (bind takes MAX_BIND per side at most); -1 and the
 * check stopped with c->fatal when memory runs out. */
static int chk_room(chk *c, const oi_node *n)
{
    size_t need[2] = {n->n_inputs < MAX_BIND ? n->n_inputs : MAX_BIND,
                      n->n_outputs < MAX_BIND ? n->n_outputs : MAX_BIND};
    size_t *cap[2] = {&c->cap_in, &c->cap_out};
    bound **buf[2] = {&c->in, &c->out};
    for (int side = 0; side < 2; side++) {
        if (*buf[side] && need[side] <= *cap[side])
            continue;
        size_t want = *cap[side] * 2 > 8 ? *cap[side] * 2 : 8;
        want = want > need[side] ? want : need[side];
        want = want < MAX_BIND ? want : MAX_BIND;
        bound *b = realloc(*buf[side], want * sizeof *b);
        if (!b) {
            oi_set_error(&c->fatal, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
            c->stop = 1;
            return -1;
        }
        *buf[side] = b;
        *cap[side] = want;
    }
    return 0;
}

static void check_node_db(chk *c, size_t ni)
{
    const oi_node *n = &c->g->nodes[ni];
    oi_report_node(c->r, c->g->path, n->name, n->op);
    const opinfo_op *op = resolve_op(c, n->op);
    if (c->fatal.code || chk_room(c, n) != 0)
        return;
    if (node_is_float(c, n) && !(op && !n->float_reason && float_variant_fits(c, n, op))) {
        runs_in_float(c, ni, op);
        return;
    }
    vlist *l = &c->cur;
    l->n = 0;
    if (!op) {
        viol *v = add(l, "op-unsupported", -1, -1);
        /* the data lists what its sources say a backend takes; an op none of them names is
         * unknown, not known to be refused */
        SET(v->message, "%s %s has no op \"%s\" in its data: node %s is not known to be "
            "delegated", c->backend, c->release, n->op, n->name);
        SET(v->fix, "see 'opinfo-db list ops --backend %s' for what the backend supports",
            c->backend);
        emit_list(c, ni, NULL, NULL, l);
        return;
    }
    bind(c, n, op, l);
    if (l->n) {
        emit_list(c, ni, op, NULL, l);
        return;
    }
    /* candidates: variants whose dtypes match. Available ones are checked first; a node that
     * one of them accepts is valid. Otherwise gated candidates are checked too: when one fits
     * better than every available one, the gate is what the node runs into. */
    const opinfo_variant *best_var = NULL, *gated = NULL;
    size_t gated_n = MAX_VIOLS + 1;
    size_t best_n = (size_t)-1;
    int any_gated = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < op->n_variants; i++) {
            const opinfo_variant *var = &op->variants[i];
            int match = dtypes_match(c, var, NULL);
            if (!match)
                continue;
            int avail = opinfo_variant_available(var, c->arch_rank);
            if (pass == 0 && !avail)
                any_gated = 1;
            if (avail != (pass == 0))
                continue;
            l->n = 0;
            l->quiet = 1;
            check_variant(c, op, var, l);
            l->quiet = 0;
            if (avail) {
                if (l->n == 0)
                    return; /* valid */
                if (l->n < best_n) {
                    best_n = l->n;
                    best_var = var;
                }
            } else if (l->n < gated_n) {
                gated = var;
                gated_n = l->n;
            }
        }
        if (!any_gated)
            break;
    }
    if (best_var && !(gated && gated_n < best_n)) {
        l->n = 0; /* now with the words */
        check_variant(c, op, best_var, l);
        emit_list(c, ni, op, best_var, l);
        return;
    }
    char have[TEXT];
    dtype_tuple(c, op, NULL, have, sizeof have);
    l->n = 0;
    if (gated) {
        /* the SoC to suggest is one where the node passes as it is; computed before the list
         * fills, as counting uses it */
        const char *soc = soc_accepting(c, op, l);
        int soc_rank = gated->min_arch ? gated->min_arch_rank : 0;
        const char *near = soc ? NULL : gated->min_arch ? first_soc_at(c, soc_rank) : NULL;
        l->n = 0;
        viol *v = add(l, "arch-gate", -1, -1);
        char want[64];
        if (gated->min_arch && c->arch_rank < gated->min_arch_rank)
            SET(want, "%s or newer", gated->min_arch);
        else
            SET(want, "%s or older", gated->max_arch ? gated->max_arch : "?");
        SET(v->message, "%s %s (%s) needs arch %s; %s is %s%s%s%s", op->name, gated->name, have,
            want, c->soc ? c->soc : "the target", c->arch, gated->gate_note ? " (" : "",
            gated->gate_note ? gated->gate_note : "", gated->gate_note ? ")" : "");
        SET(v->expected, "arch %s", want);
        SET(v->actual, "%s (%s)", c->arch, c->soc ? c->soc : "target");
        /* the fix: what this SoC offers instead, or a SoC that accepts the node */
        char alts[SHORT] = "";
        size_t used = 0;
        for (size_t i = 0; i < op->n_variants && used < sizeof alts; i++)
            if (opinfo_variant_available(&op->variants[i], c->arch_rank))
                used += (size_t)snprintf(alts + used, sizeof alts - used, "%s%s",
                                         used ? ", " : "", op->variants[i].name);
        char socfix[SHORT] = "";
        if (soc)
            SET(socfix, "a SoC that accepts the node as annotated, such as %s", soc);
        else if (near)
            SET(socfix, "a %s+ SoC such as %s once the node's other violations are fixed",
                gated->min_arch, near);
        if (alts[0] && socfix[0])
            SET(v->fix, "use a variant %s offers (%s), or %s", c->soc ? c->soc : "the target",
                alts, socfix);
        else if (alts[0])
            SET(v->fix, "use a variant %s offers: %s", c->soc ? c->soc : "the target", alts);
        else if (socfix[0])
            SET(v->fix, "use %s", socfix);
        /* and what the gated variant asks besides the arch, in the same run */
        check_variant(c, op, gated, l);
        emit_list(c, ni, op, gated, l);
        return;
    }
    /* the closest variant: one the SoC offers, with the most port dtypes in common, then the
     * fewest other violations; its other violations are reported with the dtype mismatch */
    const opinfo_variant *near_var = NULL;
    int near_avail = -1, near_score = -1;
    size_t near_n = 0;
    for (size_t i = 0; i < op->n_variants; i++) {
        const opinfo_variant *var = &op->variants[i];
        int score, avail = opinfo_variant_available(var, c->arch_rank);
        dtypes_match(c, var, &score);
        l->n = 0;
        l->quiet = 1;
        check_matching_ports(c, op, var, l);
        l->quiet = 0;
        if (avail > near_avail || (avail == near_avail && score > near_score) ||
            (avail == near_avail && score == near_score && l->n < near_n)) {
            near_var = var;
            near_avail = avail;
            near_score = score;
            near_n = l->n;
        }
    }
    l->n = 0;
    viol *v = add(l, "no-variant", -1, -1);
    SET(v->message, "no variant of %s takes (%s)", op->name, have);
    SET(v->actual, "%s", have);
    if (near_var) {
        char want[TEXT], gate[SHORT] = "";
        dtype_tuple(c, op, near_var, want, sizeof want);
        if (!near_avail)
            SET(gate, ", which needs arch %s%s", near_var->min_arch ? near_var->min_arch : "?",
                near_var->min_arch ? " or newer" : "");
        size_t len = strlen(v->message);
        fmt(v->message + len, sizeof v->message - len, "; closest: %s (%s)%s", near_var->name,
            want, gate);
        SET(v->expected, "%s", want);
        if (near_n)
            SET(v->fix, "annotate the node as %s %s expects: %s, and fix its %zu other "
                        "violation%s reported here",
                op->name, near_var->name, want, near_n, near_n == 1 ? "" : "s");
        else
            SET(v->fix, "annotate the node as %s %s expects: %s", op->name, near_var->name, want);
        check_matching_ports(c, op, near_var, l);
    }
    emit_list(c, ni, op, near_var, l);
}

/* A finding of the plugin's, on the node being checked. */
static void plugin_sink(void *ctx, size_t node, const char *rule, const char *tensor,
                        const char *message, const char *fix)
{
    chk *c = ctx;
    if (node != c->cur_node)
        return; /* a plugin may only speak about the node it was handed */
    viol v;
    memset(&v, 0, sizeof v);
    v.rule = rule;
    v.port = -1;
    v.tensor = -1;
    for (size_t t = 0; tensor && t < c->g->n_tensors; t++)
        if (strcmp(c->g->tensors[t].name, tensor) == 0) {
            v.tensor = (int)t;
            break;
        }
    if (tensor && v.tensor < 0)
        oi_host_ask_graph(c->host); /* while reading, the tensor may be one not registered yet */
    SET(v.message, "%s", message);
    if (fix)
        SET(v.fix, "%s", fix);
    emit(c, node, NULL, NULL, &v);
}

static void check_node(chk *c, size_t ni)
{
    c->node_float = 0;
    c->cur_node = ni;
    check_node_db(c, ni);
    if (c->cur.nomem && !c->fatal.code) { /* a violation had no room: not a verdict to give */
        oi_set_error(&c->fatal, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
        c->stop = 1;
    }
    if (c->plugin && !c->stop && !c->node_float) {
        c->cur_node = ni;
        oi_host_check_node(c->host, c->plugin, ni, c->soc);
    }
}

/* The backend's plugin did not load: the check says so, it never skips silently. */
static void backend_unavailable(chk *c, const opinfo_error_t *why)
{
    oi_report_node(c->r, c->g->path, c->backend, "plugin");
    oi_diag_in d;
    memset(&d, 0, sizeof d);
    char msg[TEXT];
    fmt(msg, sizeof msg, "the %s plugin is unavailable, so the backend's own checks did not run: %s",
        c->backend, why->text);
    d.rule = "backend-unavailable";
    d.message = msg;
    d.fix = "install the backend's plugin, or point --plugin-path at it (opinfo-check "
            "--list-plugins shows what was found)";
    d.node = c->backend;
    d.op = "plugin";
    d.file = d.qgraph = c->g->path;
    /* the document's first line; a model read from ONNX has no lines to point at */
    int model = c->g->n_nodes && c->g->nodes[0].index >= 0;
    d.line = d.column = d.qgraph_line = d.qgraph_column = model ? 0 : 1;
    oi_report_add(c->r, c->warn ? OPINFO_SEVERITY_WARNING : OPINFO_SEVERITY_ERROR, &d);
}

/* ---- the check --------------------------------------------------------------------------------- */

static int collect_soc(int n, const char *const *cols, void *ud)
{
    chk *c = ud;
    (void)n;
    if (c->nsocs < sizeof c->socs / sizeof c->socs[0] && cols[2] && cols[3]) {
        snprintf(c->socs[c->nsocs].name, sizeof c->socs[0].name, "%s", cols[2]);
        c->nsocs++;
    }
    return 0;
}

static int collect_arch(int n, const char *const *cols, void *ud)
{
    chk *c = ud;
    (void)n;
    if (c->arch == NULL && cols[2] && cols[3]) {
        /* the lowest-ranked arch: what a backend without SoCs is checked at */
        snprintf(c->arch_buf, sizeof c->arch_buf, "%s", cols[2]);
        c->arch = c->arch_buf;
        c->arch_rank = atoi(cols[3]);
    }
    return 1;
}

/* A look-up of something the file's "target" named failed: point at it in the file. */
static int target_error(const opinfo_qgraph *g, const char *key, const opinfo_error_t *why,
                        opinfo_error_t *err)
{
    oi_jpath p = {0};
    oi_jpath_push_key(&p, "target");
    oi_jpath_push_key(&p, key);
    int line, col;
    long pos;
    oi_json_locate(g->text, g->len, &p, 0, &line, &col, &pos);
    return oi_set_error(err, OPINFO_EINPUT, g->path, line, col, pos, "%s", why->text);
}

/* Everything before the first node: the target, the SoCs, the plugin. c->db, c->g, c->r and
 * the options' fields are set; *own_plugins receives the plugins opened here. */
static int chk_setup(chk *c, opinfo_check_options *o, opinfo_plugins **own_plugins,
                     opinfo_error_t *err)
{
    opinfo_db *db = c->db;
    opinfo_qgraph *g = c->g;
    opinfo_report *report = c->r;
    c->backend = o->backend ? o->backend : g->target_backend;
    /* another backend than the file's target: the target's SoC and release are that backend's,
     * so they are not taken (the check re-targets; a backend with SoCs then needs o->soc) */
    int retarget = o->backend && g->target_backend && strcmp(o->backend, g->target_backend) != 0;
    const char *rel = o->release ? o->release : retarget ? NULL : g->target_release;
    c->soc = o->soc ? o->soc : retarget ? NULL : g->target_soc;
    int rc = OPINFO_OK;
    if (!c->backend)
        return oi_set_error(err, OPINFO_EUSAGE, g->path, 0, 0, 0,
                            "no backend: give --backend or a \"target\" in the qgraph");
    opinfo_error_t le;
    opinfo_error_init(&le);
    if (!rel && (rc = opinfo_db_latest_release(db, c->backend, &rel, &le)))
        return o->backend || le.code != OPINFO_ENOTFOUND
                   ? oi_set_error(err, le.code, NULL, 0, 0, 0, "%s", le.text)
                   : target_error(g, "backend", &le, err);
    c->release = rel;
    if ((rc = opinfo_db_list(db, OPINFO_LIST_SOCS, c->backend, rel, collect_soc, c, &le)))
        return o->release || le.code != OPINFO_ENOTFOUND
                   ? oi_set_error(err, le.code, NULL, 0, 0, 0, "%s", le.text)
                   : target_error(g, "release", &le, err);
    opinfo_soc soc;
    if (c->soc) {
        if ((rc = opinfo_db_find_soc(db, c->backend, rel, c->soc, &soc, &le)))
            return o->soc || le.code != OPINFO_ENOTFOUND
                       ? oi_set_error(err, le.code, NULL, 0, 0, 0, "%s", le.text)
                       : target_error(g, "soc", &le, err);
        c->arch = soc.arch;
        c->arch_rank = soc.arch_rank;
    } else if (c->nsocs) {
        return oi_set_error(err, OPINFO_EUSAGE, g->path, 0, 0, 0,
                            "backend %s needs a SoC: give --soc or a \"target\" in the qgraph "
                            "(see 'opinfo-db list socs --backend %s')",
                            c->backend, c->backend);
    } else if ((rc = opinfo_db_list(db, OPINFO_LIST_ARCHS, c->backend, rel, collect_arch, c, err)))
        return rc;
    opinfo_error_init(&le);
    /* ranks of the SoCs, for "use a v73+ SoC such as ..." */
    for (size_t i = 0; i < c->nsocs; i++) {
        opinfo_soc s;
        if (opinfo_db_find_soc(db, c->backend, rel, c->socs[i].name, &s, &le) == OPINFO_OK)
            c->socs[i].rank = s.arch_rank;
    }
    oi_report_set_target(report, c->backend, rel, c->soc, c->arch);
    oi_report_add_file(report, g->path);
    /* no plugins given: the installed ones, as the CLI loads them (opt out: NO_PLUGINS) */
    if (!o->plugins && !(o->flags & OPINFO_CHECK_NO_PLUGINS) &&
        (rc = opinfo_plugins_open(NULL, 0, 0, own_plugins, err)) != OPINFO_OK)
        return rc;
    if (!o->plugins)
        o->plugins = *own_plugins;
    if (o->plugins) {
        opinfo_error_init(&le);
        if (opinfo_plugins_get(o->plugins, c->backend, &c->plugin, &le) != OPINFO_OK) {
            c->plugin = NULL;
            backend_unavailable(c, &le);
        }
        oi_report_plugin_rules(report, c->plugin); /* their documentation, for SARIF */
        if (c->plugin && c->plugin->check &&
            !(c->host = oi_host_new(db, g, c->backend, rel, c->arch_rank, plugin_sink, c, err)))
            return err ? err->code : OPINFO_ENOMEM;
    }
    return OPINFO_OK;
}

static chk *chk_new(opinfo_db *db, opinfo_qgraph *g, opinfo_report *report,
                    const opinfo_check_options *opt, opinfo_check_options *o)
{
    memset(o, 0, sizeof *o);
    if (opt)
        memcpy(o, opt, opt->size && opt->size < sizeof *o ? opt->size : sizeof *o);
    chk *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, offsetof(chk, cur));
    c->cur.v = NULL;
    c->cur.n = c->cur.cap = 0;
    c->cur.quiet = c->cur.nomem = 0;
    c->db = db;
    c->g = g;
    c->r = report;
    c->warn = (o->flags & OPINFO_CHECK_WARN) != 0;
    c->full = (o->flags & OPINFO_CHECK_FULL_DELEGATION) != 0;
    c->max = o->max_errors;
    c->pos_line = c->pos_col = 1;
    oi_map_init(&c->ops);
    return c;
}

static void chk_free(chk *c)
{
    oi_host_free(c->host);
    oi_map_free(&c->ops);
    free(c->in);
    free(c->out);
    free(c->cur.v);
    free(c);
}

/* The nodes from *done on, in order, until c->stop; then the last progress call. */
static int chk_rest(chk *c, size_t *done, opinfo_error_t *err)
{
    opinfo_qgraph *g = c->g;
    if (oi_qgraph_node_positions(g) != 0 || (c->host && oi_host_grow(c->host) != 0))
        return oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    oi_host_set_partial(c->host, 0);
    for (; *done < g->n_nodes && !c->stop; (*done)++) {
        check_node(c, *done);
        if ((*done + 1) % 4096 == 0)
            oi_report_progress(c->r, *done + 1, g->n_nodes);
    }
    oi_report_progress(c->r, *done, g->n_nodes);
    if (c->fatal.code)
        return oi_set_error(err, c->fatal.code, c->fatal.source[0] ? c->fatal.source : NULL, 0,
                            0, 0, "%s", c->fatal.text);
    return OPINFO_OK;
}

int opinfo_check(opinfo_db *db, const opinfo_qgraph *cg, const opinfo_check_options *opt,
                 opinfo_report *report, opinfo_error_t *err)
{
    if (!db || !cg || !report)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_check: NULL argument");
    opinfo_qgraph *g = (opinfo_qgraph *)cg; /* only the lazily found node positions change */
    opinfo_check_options o;
    chk *c = chk_new(db, g, report, opt, &o);
    if (!c)
        return oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    int snapshot = oi_db_snapshot_begin(db);
    opinfo_plugins *own_plugins = NULL;
    int rc = chk_setup(c, &o, &own_plugins, err);
    size_t done = 0;
    if (rc == OPINFO_OK)
        rc = chk_rest(c, &done, err);
    oi_db_snapshot_end(db, snapshot);
    chk_free(c);
    opinfo_plugins_close(own_plugins);
    return rc;
}

/* ---- checking while reading ------------------------------------------------------------------ */

typedef struct stream_chk {
    opinfo_db *db;
    opinfo_report *r;
    const opinfo_check_options *opt;
    opinfo_check_options o;
    chk *c;
    opinfo_plugins *own_plugins;
    int started, stalled, setup_rc;
    opinfo_error_t setup_err;
    size_t done; /* nodes checked */
} stream_chk;

/* Node i is read: check it now when nothing later can change its verdict, else stop checking
 * while reading (the rest is checked once the read ends, in order). */
static int on_node(void *ctx, opinfo_qgraph *g, size_t i, int ready, int target_seen)
{
    stream_chk *s = ctx;
    if (s->stalled || i != s->done)
        return 1;
    if (!s->started) {
        const opinfo_check_options *op = &s->o;
        /* the "target" may still come after "nodes": wait unless the options name it all */
        if (!target_seen && !(op->backend && op->soc && op->release)) {
            s->stalled = 1;
            return 1;
        }
        s->started = 1;
        if (!(s->c = chk_new(s->db, g, s->r, s->opt, &s->o))) {
            s->setup_rc = oi_set_error(&s->setup_err, OPINFO_ENOMEM, g->path, 0, 0, 0,
                                       "out of memory");
            s->stalled = 1;
            return 1;
        }
        opinfo_error_init(&s->setup_err);
        if ((s->setup_rc = chk_setup(s->c, &s->o, &s->own_plugins, &s->setup_err)) != OPINFO_OK) {
            s->stalled = 1; /* reported once the read succeeds, as a whole-read check would */
            return 1;
        }
        oi_host_set_partial(s->c->host, 1);
    }
    chk *c = s->c;
    if (c->stop)
        return 1; /* --max-errors reached: the rest is only read */
    if (!ready || (c->host && oi_host_grow(c->host) != 0)) {
        s->stalled = 1;
        return 1;
    }
    oi_report_mark m;
    oi_report_save(c->r, &m);
    int stop = c->stop;
    check_node(c, i);
    if (oi_host_asked_graph(c->host) || c->fatal.code) {
        /* the plugin looked at the whole graph, or the check failed: this node again at the end */
        oi_report_rewind(c->r, &m);
        c->stop = stop;
        memset(&c->fatal, 0, sizeof c->fatal);
        s->stalled = 1;
        return 1;
    }
    s->done = i + 1;
    /* 1, 2, 4, ... nodes, then every 4096: the first diagnostics go out at once */
    if (s->done % 4096 == 0 || (s->done < 4096 && (s->done & (s->done - 1)) == 0))
        oi_report_progress(c->r, s->done, 0);
    return 0;
}

int opinfo_check_file(opinfo_db *db, const char *path, const opinfo_check_options *opt,
                      opinfo_report *report, opinfo_qgraph **live, opinfo_qgraph **out,
                      opinfo_error_t *err)
{
    if (out)
        *out = NULL;
    if (live)
        *live = NULL;
    if (!db || !path || !report || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_check_file: NULL argument");
    stream_chk s;
    memset(&s, 0, sizeof s);
    s.db = db;
    s.r = report;
    s.opt = opt;
    memset(&s.o, 0, sizeof s.o);
    if (opt)
        memcpy(&s.o, opt, opt->size && opt->size < sizeof s.o ? opt->size : sizeof s.o);
    oi_qgraph_hooks hooks = {&s, on_node};
    oi_report_mark m;
    oi_report_save(report, &m);
    int snapshot = oi_db_snapshot_begin(db);
    opinfo_qgraph *g = NULL;
    int rc = oi_graph_load_hooked(path, 0, &hooks, live, &g, err);
    if (rc != OPINFO_OK) {
        /* what was found before the read failed is taken back: the file was not checked */
        oi_report_rewind(report, &m);
    } else if (!s.started) {
        s.c = chk_new(db, g, report, opt, &s.o);
        if (!s.c)
            rc = oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
        else
            rc = chk_setup(s.c, &s.o, &s.own_plugins, err);
    } else if (s.setup_rc != OPINFO_OK) {
        rc = s.setup_rc;
        if (err)
            *err = s.setup_err;
    }
    if (rc == OPINFO_OK)
        rc = chk_rest(s.c, &s.done, err);
    oi_db_snapshot_end(db, snapshot);
    if (s.c)
        chk_free(s.c);
    opinfo_plugins_close(s.own_plugins);
    *out = g;
    return rc;
}
