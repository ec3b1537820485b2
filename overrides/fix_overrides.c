/*
 * The overrides' check against the database, and the mixed-precision fixer (docs/overrides.md).
 *
 * The fixer follows ONNX Runtime's MixedPrecisionTensorQuantOverridesFixer in structure: type
 * requests on the tensors around each overridden activation, then one resolution per tensor
 * (a produced type, and a converted type for a set of consumers). ONNX Runtime assumes every op
 * next to an overridden tensor needs that one type on all its activations; with OPINFO_FIX_ORT
 * the fixer assumes the same. Otherwise each such node asks the database for the variant of its
 * op that takes the overridden type with the fewest other changes, and requests exactly that
 * variant's types; consumers that accept a new type as it is get no conversion; nodes still
 * refused afterwards are repaired one by one (a conversion on an input, a new type on an output
 * nobody overrode, a weight type). Where ONNX Runtime's assumption holds for every op involved,
 * the chosen variant is the uniform one and both modes request, and write, the same.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overrides_internal.h"

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

#define MAXP 256

typedef struct tdb {
    opinfo_db *db;
    const char *backend, *release, *soc;
    int arch_rank; /* -1: no SoC, gates are not applied */
} tdb;

/* A node as the types see it: its ports (inputs, then outputs). */
typedef struct nview {
    const opinfo_op *op; /* NULL: the backend lacks the op, or the node does not bind */
    int why;             /* when op is NULL: NV_* */
    size_t n, n_in;
    int ports[MAXP], tensors[MAXP];
    oi_ptype types[MAXP];
} nview;

typedef struct req {
    int t;
    int has_prod, has_cons;
    oi_qinfo prod, cons;
    int *names; /* consumer node indexes */
    size_t nn, cap;
} req;

typedef struct fx {
    oi_ovgraph x;
    tdb d;
    int use_db;
    oi_typeopts to;
    opinfo_overrides *ov; /* the overrides being fixed */
    req *reqs;
    size_t nreq, capreq;
    int *req_of; /* tensor -> request index, -1 */
    const opinfo_overrides *user; /* the initial overrides */
    int oom;
    char conflict[512];
    const char *conflict_tensor;
    const char *conflict_rule, *conflict_fix; /* NULL: overrides-conflict, ONNX Runtime's text */
    char conflict_hint[256];
} fx;

/* ---- the database side ---------------------------------------------------------------------- */

static int tdb_init(tdb *d, opinfo_db *db, const opinfo_overrides_options *o, opinfo_error_t *err)
{
    memset(d, 0, sizeof *d);
    d->db = db;
    d->backend = o->backend;
    d->soc = o->soc;
    d->arch_rank = -1;
    if (!o->backend)
        return OPINFO_OK;
    if (!db)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "checking overrides against a backend needs the database");
    d->release = o->release;
    int rc;
    if (!d->release && (rc = opinfo_db_latest_release(db, o->backend, &d->release, err)))
        return rc;
    if (o->soc) {
        opinfo_soc s;
        if ((rc = opinfo_db_find_soc(db, o->backend, d->release, o->soc, &s, err)))
            return rc;
        d->arch_rank = s.arch_rank;
    }
    return OPINFO_OK;
}

static int avail(const tdb *d, const opinfo_variant *v)
{
    return d->arch_rank < 0 || opinfo_variant_available(v, d->arch_rank);
}

enum { NV_OK = 0, NV_NO_DB, NV_TOO_MANY, NV_NO_OP, NV_DB_FAILED, NV_NO_BIND };

static void view(const fx *f, size_t n, nview *v)
{
    const oi_node *nd = &f->x.g->nodes[n];
    memset(v, 0, offsetof(nview, ports));
    v->op = NULL;
    v->why = NV_TOO_MANY;
    if (nd->n_inputs + nd->n_outputs > MAXP)
        return;
    v->n_in = nd->n_inputs;
    v->n = nd->n_inputs + nd->n_outputs;
    for (size_t i = 0; i < nd->n_inputs; i++)
        v->tensors[i] = nd->inputs[i].tensor;
    for (size_t i = 0; i < nd->n_outputs; i++)
        v->tensors[v->n_in + i] = nd->outputs[i];
    for (size_t i = 0; i < v->n; i++)
        v->types[i] = oi_port_type(&f->x, f->ov, &f->to, v->tensors[i], (int)n, i >= v->n_in);
    v->why = NV_NO_DB;
    if (!f->use_db)
        return;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    if (opinfo_db_find_op(f->d.db, f->d.backend, f->d.release, nd->op, &op, &e) != OPINFO_OK) {
        v->why = NV_NO_OP;
        if (e.code != OPINFO_ENOTFOUND) { /* not "no such op": the answer is unknown */
            ((fx *)f)->oom = e.code == OPINFO_ENOMEM ? 1 : 2;
            v->why = NV_DB_FAILED;
        }
        return;
    }
    v->why = NV_NO_BIND;
    if (!oi_bind_ports(op, nd->n_inputs, nd->n_outputs, v->ports, v->ports + v->n_in))
        return;
    v->why = NV_OK;
    v->op = op;
    /* ONNX Runtime's QNN EP converts Gather's static int64 indices to int32
     * (gather_op_builder.cc; facts: qnn-htp-ops.md, Gather) */
    if ((strcmp(nd->op, "Gather") == 0 || strcmp(nd->op, "GatherElements") == 0) &&
        nd->n_inputs > 1 && oi_is_initializer(&f->x, v->tensors[1]) &&
        v->types[1].dtype == OPINFO_DTYPE_INT64)
        v->types[1].dtype = OPINFO_DTYPE_INT32;
    /* ONNX Runtime quantizes a float bias to int32 with a derived scale */
    for (size_t i = 0; i < v->n_in; i++)
        if (v->tensors[i] >= 0 && op->ports[v->ports[i]].kind == OPINFO_PORT_BIAS &&
            oi_is_initializer(&f->x, v->tensors[i])) {
            v->types[i].dtype = OPINFO_DTYPE_INT32;
            v->types[i].sym = 1;
        }
}

static const opinfo_variant *accepted(const fx *f, const nview *v)
{
    for (size_t i = 0; v->op && i < v->op->n_variants; i++)
        if (avail(&f->d, &v->op->variants[i]) &&
            oi_variant_mismatch(&v->op->variants[i], v->ports, v->types, v->n) == 0)
            return &v->op->variants[i];
    return NULL;
}

/* The available variant that changes the fewest ports. keep[i] 1: port i may not change;
 * 2: it may change only when no variant keeps it (the overridden tensor itself). Among equals,
 * the one whose changed ports keep the bit width bits (the overridden type's; 0: none) wins:
 * MatMul's 16-bit second input becomes symmetric int16, not uint8. keep[i] 3: the port may take
 * alt[i][0] or alt[i][1] only (a tensor's produced and converted types). NULL when none fits. */
static oi_ptype ptype_of(oi_qinfo q)
{
    oi_ptype p = {opinfo_quant_type_dtype(q.qt), q.sym < 0 ? 0 : q.sym};
    return p;
}

static int fits(const opinfo_port_spec *ps, oi_ptype t)
{
    return ps->dtype == t.dtype && !(oi_spec_wants_symmetric(ps) && t.sym == 0);
}

static const opinfo_variant *closest(const fx *f, const nview *v, const int *keep, int bits,
                                     const oi_ptype (*alt)[2])
{
    for (int soft = 0; soft < 2; soft++) {
        const opinfo_variant *best = NULL;
        int best_cost = INT_MAX, best_width = INT_MAX;
        for (size_t k = 0; v->op && k < v->op->n_variants; k++) {
            const opinfo_variant *var = &v->op->variants[k];
            if (!avail(&f->d, var))
                continue;
            int cost = 0, width = 0, ok = 1;
            for (size_t i = 0; i < v->n && ok; i++) {
                if (v->tensors[i] < 0)
                    continue;
                const opinfo_port_spec *ps = opinfo_variant_spec(var, v->ports[i]);
                if (!ps) {
                    ok = 0;
                    break;
                }
                int miss = ps->dtype != v->types[i].dtype ||
                           (oi_spec_wants_symmetric(ps) && v->types[i].sym == 0);
                if (!miss)
                    continue;
                if (keep[i] == 3)
                    ok = fits(ps, alt[i][0]) || fits(ps, alt[i][1]);
                else if (keep[i] == 1 || (keep[i] == 2 && !soft) ||
                         oi_qt_of_dtype(ps->dtype) < 0)
                    ok = 0;
                cost++;
                width += bits && opinfo_dtype_get(ps->dtype)->bits != bits;
            }
            /* a node reads a tensor in one type (recv_nodes name nodes, not ports) */
            for (size_t i = 0; i < v->n_in && ok; i++)
                for (size_t j = i + 1; j < v->n_in && ok; j++)
                    if (v->tensors[i] >= 0 && v->tensors[i] == v->tensors[j]) {
                        const opinfo_port_spec *a = opinfo_variant_spec(var, v->ports[i]);
                        const opinfo_port_spec *b = opinfo_variant_spec(var, v->ports[j]);
                        ok = a->dtype == b->dtype &&
                             oi_spec_wants_symmetric(a) == oi_spec_wants_symmetric(b);
                    }
            if (ok && (cost < best_cost || (cost == best_cost && width < best_width))) {
                best = var;
                best_cost = cost;
                best_width = width;
            }
        }
        if (best)
            return best;
    }
    return NULL;
}

/* ---- overrides edits ------------------------------------------------------------------------ */

/* The name tensor t has in the overrides: an ONNX model's tensor by its float model's name (W for
 * W_quantized), which ONNX Runtime's overrides use, unless the user's overrides name it by the
 * stored one. */
static const char *tkey(const fx *f, int t)
{
    const oi_tensor *tt = &f->x.g->tensors[t];
    if (!tt->spec.float_name)
        return tt->name;
    if (f->user && json_object_get(f->user->root, tt->name) &&
        !json_object_get(f->user->root, tt->spec.float_name))
        return tt->name;
    return tt->spec.float_name;
}

static json_t *entry(fx *f, const char *tensor) /* the first dict, or NULL */
{
    json_t *l = json_object_get(f->ov->root, tensor);
    json_t *d = json_array_get(l, 0);
    return json_is_object(d) ? d : NULL;
}

static json_t *make_entry(fx *f, const char *tensor, oi_qinfo q)
{
    json_t *l = json_array(), *d = json_object();
    if (!l || !d || json_array_append(l, d) || oi_qinfo_save(q, d)) {
        json_decref(d);
        json_decref(l);
        f->oom = 1;
        return NULL;
    }
    json_decref(d); /* l holds it */
    if (json_object_set_new(f->ov->root, tensor, l)) { /* which releases l */
        f->oom = 1;
        return NULL;
    }
    return d;
}

static void conflict(fx *f, const char *tensor, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static void conflict(fx *f, const char *tensor, const char *fmt, ...)
{
    if (f->conflict[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->conflict, sizeof f->conflict, fmt, ap);
    va_end(ap);
    f->conflict_tensor = tensor;
}

static int recv_has(const json_t *cv, const char *node)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(cv, "recv_nodes"), i, e) if (json_is_string(e) &&
                                                                     strcmp(json_string_value(e),
                                                                            node) == 0) return 1;
    return 0;
}

/* _update_converted_tensor */
static void update_converted(fx *f, int t, oi_qinfo prod, oi_qinfo cons, const int *nodes,
                             size_t n)
{
    const char *name = tkey(f, t);
    json_t *d = entry(f, name);
    if (!d && !(d = make_entry(f, name, prod)))
        return;
    if (!oi_qinfo_eq(prod, oi_qinfo_load(d, -1))) {
        conflict(f, name, "Desired producer quant_type for %s doesn't match existing type.",
                 name);
        return;
    }
    if (!n)
        return;
    json_t *cv = json_object_get(d, "convert");
    if (!cv) {
        cv = json_object();
        if (!cv || oi_qinfo_save(cons, cv)) {
            json_decref(cv);
            f->oom = 1;
            return;
        }
        if (json_object_set_new(d, "convert", cv)) {
            f->oom = 1;
            return;
        }
    }
    if (!oi_qinfo_eq(cons, oi_qinfo_load(cv, -1))) {
        conflict(f, name, "Desired consumer quant_type for %s doesn't match existing type.",
                 name);
        return;
    }
    json_t *rn = json_object_get(cv, "recv_nodes");
    if (!rn && (!(rn = json_array()) || json_object_set_new(cv, "recv_nodes", rn))) {
        f->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *node = f->x.g->nodes[nodes[i]].name;
        if (!recv_has(cv, node) && json_array_append_new(rn, json_string(node)))
            f->oom = 1;
    }
}

/* _check_nodes_are_not_convert_consumers */
static int not_convert_consumers(fx *f, int t, const int *nodes, size_t n)
{
    json_t *d = entry(f, tkey(f, t));
    json_t *cv = d ? json_object_get(d, "convert") : NULL;
    if (!cv)
        return 1;
    if (!json_object_get(cv, "recv_nodes"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (recv_has(cv, f->x.g->nodes[nodes[i]].name))
            return 0;
    return 1;
}

/* A weight whose type the chosen variant changes gets the variant's type. */
static void set_weight(fx *f, int t, opinfo_dtype dt, int sym)
{
    const char *name = tkey(f, t);
    json_t *l = json_object_get(f->ov->root, name);
    if (!json_is_array(l) || json_array_size(l) == 0) {
        make_entry(f, name, oi_qinfo_make(oi_qt_of_dtype(dt), sym ? 1 : -1));
        return;
    }
    size_t i;
    json_t *d;
    json_array_foreach(l, i, d)
    {
        if (!json_is_object(d))
            continue;
        if (i == 0 || json_object_get(d, "quant_type"))
            json_object_set_new(d, "quant_type",
                                json_string(opinfo_quant_type_name(oi_qt_of_dtype(dt))));
        if (sym && (i == 0 || json_object_get(d, "symmetric")))
            json_object_set_new(d, "symmetric", json_true());
    }
}

static int takes(const fx *f, int n, int t, oi_ptype p);

/* Makes node n read tensor t converted (on) or as produced (off). */
static void recv(fx *f, int t, int n, int on)
{
    json_t *cv = json_object_get(entry(f, tkey(f, t)), "convert");
    json_t *rn = json_object_get(cv, "recv_nodes");
    const char *node = f->x.g->nodes[n].name;
    if (!rn) { /* every consumer reads the converted type: name them, less n */
        if (on || !(rn = json_array()) || json_object_set_new(cv, "recv_nodes", rn)) {
            f->oom |= !on;
            return;
        }
        for (size_t j = f->x.cons_start[t]; j < f->x.cons_start[t + 1]; j++) {
            const char *c = f->x.g->nodes[f->x.cons[j]].name;
            if (f->x.cons[j] != n && !recv_has(cv, c))
                json_array_append_new(rn, json_string(c));
        }
        return;
    }
    if (on) {
        if (!recv_has(cv, node) && json_array_append_new(rn, json_string(node)))
            f->oom = 1;
        return;
    }
    for (size_t i = json_array_size(rn); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(rn, i)), node) == 0)
            json_array_remove(rn, i);
}

/* Tensor t is produced in its converted type; the consumers that read the produced type get
 * a convert to it, unless they take the new type as it is. */
static void swap(fx *f, int t, int *buf)
{
    const char *name = tkey(f, t);
    json_t *d = entry(f, name);
    json_t *cv = json_object_get(d, "convert");
    oi_qinfo p = oi_qinfo_load(d, f->to.act_qt), c = oi_qinfo_load(cv, f->to.act_qt);
    size_t k = 0;
    for (size_t j = f->x.cons_start[t]; j < f->x.cons_start[t + 1]; j++) {
        int n = f->x.cons[j], dup = 0;
        for (size_t i = 0; i < k; i++)
            dup |= buf[i] == n;
        if (!dup && json_object_get(cv, "recv_nodes") &&
            !recv_has(cv, f->x.g->nodes[n].name) && !takes(f, n, t, ptype_of(c)))
            buf[k++] = n;
    }
    json_t *l = json_array(), *nd = json_object();
    if (!l || !nd || json_array_append_new(l, nd) || oi_qinfo_save(c, nd)) {
        json_decref(l);
        f->oom = 1;
        return;
    }
    if (json_object_set_new(f->ov->root, name, l)) {
        f->oom = 1;
        return;
    }
    if (k)
        update_converted(f, t, c, oi_qinfo_make(p.qt, p.sym), buf, k);
}

/* ---- step 1: type requests ------------------------------------------------------------------ */

static req *request(fx *f, int t)
{
    if (f->req_of[t] >= 0)
        return &f->reqs[f->req_of[t]];
    if (f->nreq == f->capreq) {
        size_t cap = f->capreq ? 2 * f->capreq : 16;
        req *r = realloc(f->reqs, cap * sizeof *r);
        if (!r) {
            f->oom = 1;
            return NULL;
        }
        f->reqs = r;
        f->capreq = cap;
    }
    req *r = &f->reqs[f->nreq];
    memset(r, 0, sizeof *r);
    r->t = t;
    f->req_of[t] = (int)f->nreq++;
    return r;
}

static void add_node(fx *f, req *r, int n)
{
    for (size_t i = 0; i < r->nn; i++)
        if (r->names[i] == n)
            return;
    if (r->nn == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4;
        int *p = realloc(r->names, cap * sizeof *p);
        if (!p) {
            f->oom = 1;
            return;
        }
        r->names = p;
        r->cap = cap;
    }
    r->names[r->nn++] = n;
}

static void want_prod(fx *f, int t, oi_qinfo q)
{
    req *r = request(f, t);
    if (!r)
        return;
    if (r->has_prod && !oi_qinfo_eq(r->prod, q)) {
        conflict(f, tkey(f, t), "Tensor %s has multiple types.",
                 tkey(f, t));
        return;
    }
    r->prod = q;
    r->has_prod = 1;
}

static void want_cons(fx *f, int t, oi_qinfo q, int n)
{
    req *r = request(f, t);
    if (!r)
        return;
    if (!r->has_cons) {
        r->cons = q;
        r->has_cons = 1;
    } else if (!oi_qinfo_eq(r->cons, q)) {
        conflict(f, tkey(f, t), "Tensor %s has consumers requesting different types.",
                 tkey(f, t));
        return;
    }
    add_node(f, r, n);
}

/* When no variant available on the SoC produces type q at port i of node n, the refusal names that
 * (not ONNX Runtime's "Desired producer quant_type" text, which would follow from the request
 * of the closest variant's type). */
static void refuse_output(fx *f, const nview *v, int n, size_t i, oi_qinfo q)
{
    const oi_node *nd = &f->x.g->nodes[n];
    const char *tensor = f->x.g->tensors[v->tensors[i]].name;
    opinfo_dtype want = opinfo_quant_type_dtype(q.qt);
    char offer[256] = "";
    size_t off = 0;
    opinfo_dtype seen[64];
    size_t ns = 0;
    for (size_t k = 0; k < v->op->n_variants; k++) {
        const opinfo_port_spec *ps = opinfo_variant_spec(&v->op->variants[k], v->ports[i]);
        if (!ps || !avail(&f->d, &v->op->variants[k]))
            continue;
        if (fits(ps, ptype_of(q)))
            return; /* a variant produces it: what stands in the way is another port, which
                     * the type check of the output names */
        int dup = 0;
        for (size_t j = 0; j < ns; j++)
            dup |= seen[j] == ps->dtype;
        if (dup || ns == 64 || !opinfo_dtype_get(ps->dtype))
            continue;
        seen[ns++] = ps->dtype;
        off = cat(offer, sizeof offer, off, "%s%s", off ? ", " : "",
                  opinfo_dtype_get(ps->dtype)->name);
    }
    const opinfo_dtype_info *di = opinfo_dtype_get(want);
    int sym_only = 0; /* the dtype is there, but only symmetric and the override is not */
    for (size_t j = 0; j < ns; j++)
        sym_only |= seen[j] == want;
    if (f->conflict[0])
        return;
    conflict(f, tensor,
             "no variant of %s on %s takes %s%s activations at its output: node %s produces '%s', "
             "which the overrides make %s (the variants produce %s)",
             v->op->name, f->d.soc ? f->d.soc : f->d.backend, sym_only ? "asymmetric " : "",
             di ? di->name : "?", nd->name, tensor, opinfo_quant_type_name(q.qt),
             offer[0] ? offer : "nothing on this SoC");
    f->conflict_rule = "overrides-no-variant";
    if (ns && opinfo_quant_type_name(oi_qt_of_dtype(seen[ns - 1])))
        snprintf(f->conflict_hint, sizeof f->conflict_hint,
                 "override '%s' with a type a variant produces (e.g. %s%s), or choose another SoC",
                 tensor, opinfo_quant_type_name(oi_qt_of_dtype(seen[ns - 1])),
                 sym_only ? " with \"symmetric\": true" : "");
    else
        snprintf(f->conflict_hint, sizeof f->conflict_hint,
                 "leave '%s' at the default type, or choose another SoC", tensor);
}

/* _add_type_requests_for_node; anchor is the overridden tensor */
static void node_requests(fx *f, int n, oi_qinfo q, int anchor)
{
    nview v;
    view(f, (size_t)n, &v);
    const opinfo_variant *var = NULL;
    if (v.op) {
        int keep[MAXP] = {0};
        opinfo_dtype qd = opinfo_quant_type_dtype(q.qt);
        for (size_t i = 0; i < v.n; i++)
            if (v.tensors[i] == anchor) {
                keep[i] = 2;
                v.types[i].dtype = qd;
                v.types[i].sym = q.sym;
            }
        var = closest(f, &v, keep, opinfo_dtype_get(qd) ? opinfo_dtype_get(qd)->bits : 0,
                      NULL);
    }
    const oi_node *nd = &f->x.g->nodes[n];
    /* the overridden tensor is this node's output: a convert cannot change what a node
     * produces, so a variant that does not produce the type refuses the override itself */
    for (size_t i = v.n_in; v.op && i < v.n; i++)
        if (v.tensors[i] == anchor) {
            const opinfo_port_spec *ps = var ? opinfo_variant_spec(var, v.ports[i]) : NULL;
            if (!ps || !fits(ps, ptype_of(q)))
                refuse_output(f, &v, n, i, q);
        }
    for (size_t i = 0; i < nd->n_outputs; i++) {
        int t = nd->outputs[i];
        if (!oi_is_quantizable(&f->x, t))
            continue;
        oi_qinfo w = q;
        if (var) {
            const opinfo_port_spec *ps = opinfo_variant_spec(var, v.ports[v.n_in + i]);
            if (ps->dtype != opinfo_quant_type_dtype(q.qt))
                w = oi_qinfo_make(oi_qt_of_dtype(ps->dtype), -1);
            if (oi_spec_wants_symmetric(ps))
                w.sym = 1;
        }
        want_prod(f, t, w);
    }
    for (size_t i = 0; i < nd->n_inputs; i++) {
        int t = nd->inputs[i].tensor;
        if (t < 0 || !oi_is_quantizable(&f->x, t))
            continue;
        const opinfo_port_spec *ps = var ? opinfo_variant_spec(var, v.ports[i]) : NULL;
        if (oi_is_initializer(&f->x, t)) {
            if (ps && (ps->dtype != v.types[i].dtype ||
                       (oi_spec_wants_symmetric(ps) && v.types[i].sym == 0)))
                set_weight(f, t, ps->dtype, oi_spec_wants_symmetric(ps));
            continue;
        }
        oi_qinfo w = q;
        if (ps) {
            if (ps->dtype != opinfo_quant_type_dtype(q.qt))
                w = oi_qinfo_make(oi_qt_of_dtype(ps->dtype), -1);
            if (oi_spec_wants_symmetric(ps))
                w.sym = 1;
        }
        want_cons(f, t, w, n);
    }
}

/* ---- step 2 --------------------------------------------------------------------------------- */

/* Does consumer n take tensor t, read as type p, with every other port as it is? */
static int takes(const fx *f, int n, int t, oi_ptype p)
{
    nview v;
    view(f, (size_t)n, &v);
    if (!v.op)
        return 0;
    for (size_t i = 0; i < v.n_in; i++)
        if (v.tensors[i] == t)
            v.types[i] = p;
    return accepted(f, &v) != NULL;
}


/* all consumers of t, less those in skip, less (with the database) those that take type p */
static size_t others(const fx *f, int t, const req *skip, const oi_qinfo *p, int *out)
{
    size_t n = 0;
    for (size_t j = f->x.cons_start[t]; j < f->x.cons_start[t + 1]; j++) {
        int c = f->x.cons[j], dup = 0;
        for (size_t k = 0; skip && k < skip->nn; k++)
            dup |= skip->names[k] == c;
        for (size_t k = 0; k < n; k++)
            dup |= out[k] == c;
        if (dup)
            continue;
        if (f->use_db && p && takes(f, c, t, ptype_of(*p)))
            continue;
        out[n++] = c;
    }
    return n;
}

static void apply(fx *f)
{
    int *buf = malloc((f->x.cons_start[f->x.g->n_tensors] + 1) * sizeof *buf);
    if (!buf) {
        f->oom = 1;
        return;
    }
    oi_qinfo dflt = oi_qinfo_make(f->to.act_qt, -1);
    for (size_t i = 0; i < f->nreq && !f->conflict[0] && !f->oom; i++) {
        req *r = &f->reqs[i];
        const char *name = tkey(f, r->t);
        if (r->has_prod && !r->has_cons) {
            /* (with the database, a mixed variant may ask for the default type itself; ONNX
             * Runtime converts back to the default even when the request differs from it only
             * in `symmetric`, a convert to the same quant_type) */
            if (f->use_db && oi_qinfo_eq(r->prod, dflt) && !json_object_get(f->ov->root, name))
                continue;
            size_t n = others(f, r->t, NULL, &r->prod, buf);
            update_converted(f, r->t, r->prod, dflt, buf, n);
        } else if (!r->has_prod && r->has_cons) {
            oi_qinfo p = oi_output_qinfo(f->ov, name, f->to.act_qt, -1);
            if (!oi_qinfo_eq(p, r->cons))
                update_converted(f, r->t, p, r->cons, r->names, r->nn);
            else if (!not_convert_consumers(f, r->t, r->names, r->nn))
                conflict(f, name,
                         "Tensor override for '%s' converts the type for consumers that need "
                         "the original type.",
                         name);
        } else if (r->has_prod && r->has_cons) {
            if (!oi_qinfo_eq(r->prod, r->cons)) {
                update_converted(f, r->t, r->prod, r->cons, r->names, r->nn);
            } else {
                size_t n = f->use_db && oi_qinfo_eq(r->prod, dflt)
                               ? 0
                               : others(f, r->t, r, &r->prod, buf);
                if (n == 0) {
                    if (!json_object_get(f->ov->root, name))
                        make_entry(f, name, r->prod);
                    else if (!f->use_db && json_object_get(entry(f, name), "convert"))
                        /* ONNX Runtime asserts "convert" not in the entry (an AssertionError) */
                        conflict(f, name,
                                 "Every consumer of %s requests its produced type, but its "
                                 "override has a convert (ONNX Runtime's fixer fails on an "
                                 "assertion here)",
                                 name);
                } else {
                    update_converted(f, r->t, r->prod, dflt, buf, n);
                }
            }
        }
    }
    free(buf);
}

/* ---- step 3 (database): repair what is still refused ---------------------------------------- */

static int user_convert(const fx *f, int t)
{
    const json_t *d = json_array_get(json_object_get(f->user->root, tkey(f, t)), 0);
    return json_is_object(d) && json_object_get(d, "convert") != NULL;
}

static int repair(fx *f)
{
    int changed = 0;
    int *buf = malloc((f->x.cons_start[f->x.g->n_tensors] + 1) * sizeof *buf);
    if (!buf) {
        f->oom = 1;
        return 0;
    }
    for (size_t n = 0; n < f->x.g->n_nodes && !f->oom; n++) {
        nview v;
        view(f, n, &v);
        if (!v.op || accepted(f, &v))
            continue;
        int keep[MAXP] = {0};
        static oi_ptype alt[MAXP][2];
        /* outputs somebody overrode stay; an input already converted may take the produced or
         * the converted type, nothing else (one convert per tensor) */
        for (size_t i = 0; i < v.n; i++) {
            int t = v.tensors[i];
            if (t < 0)
                continue;
            json_t *d = entry(f, tkey(f, t));
            json_t *cv = d ? json_object_get(d, "convert") : NULL;
            if (i >= v.n_in && d)
                keep[i] = 1;
            /* an output the fixer gave a convert may swap: produce the converted type, convert
             * back for the others */
            if (i >= v.n_in && d && cv && !json_object_get(f->user->root, tkey(f, t))) {
                keep[i] = 3;
                alt[i][0] = ptype_of(oi_qinfo_load(d, f->to.act_qt));
                alt[i][1] = ptype_of(oi_qinfo_load(cv, f->to.act_qt));
            }
            /* a convert the user wrote is theirs: a node it does not suit is reported, its
             * recv_nodes are not rewritten */
            if (i < v.n_in && cv && user_convert(f, t))
                keep[i] = 1;
            else if (i < v.n_in && !oi_is_initializer(&f->x, t) && cv) {
                keep[i] = 3;
                alt[i][0] = ptype_of(oi_qinfo_load(d, f->to.act_qt));
                alt[i][1] = ptype_of(oi_qinfo_load(cv, f->to.act_qt));
            }
            if (!oi_is_quantizable(&f->x, t))
                keep[i] = 1;
        }
        const opinfo_variant *var = closest(f, &v, keep, 0, alt);
        if (!var)
            continue;
        for (size_t i = 0; i < v.n; i++) {
            int t = v.tensors[i];
            if (t < 0)
                continue;
            const opinfo_port_spec *ps = opinfo_variant_spec(var, v.ports[i]);
            int sym = oi_spec_wants_symmetric(ps);
            if (ps->dtype == v.types[i].dtype && !(sym && v.types[i].sym == 0))
                continue;
            oi_qinfo w = oi_qinfo_make(oi_qt_of_dtype(ps->dtype), sym ? 1 : -1);
            const char *name = tkey(f, t);
            if (oi_is_initializer(&f->x, t)) {
                set_weight(f, t, ps->dtype, sym);
            } else if (keep[i] == 3 && i >= v.n_in) {
                swap(f, t, buf);
            } else if (keep[i] == 3) {
                recv(f, t, (int)n, fits(ps, alt[i][1]));
            } else if (i < v.n_in) {
                int node = (int)n;
                update_converted(f, t, oi_output_qinfo(f->ov, name, f->to.act_qt, -1), w, &node,
                                 1);
            } else {
                oi_qinfo before = oi_output_qinfo(f->ov, name, f->to.act_qt, -1);
                make_entry(f, name, w);
                size_t k = others(f, t, NULL, &w, buf);
                update_converted(f, t, w, oi_qinfo_make(before.qt, -1), buf, k);
            }
            changed = 1;
        }
    }
    free(buf);
    return changed;
}

/* ---- the type check ------------------------------------------------------------------------- */

/* Nodes come in the file's order: one cursor finds every line and column in one pass. */
static void node_pos(const opinfo_qgraph *cg, oi_linecur *lc, size_t n, int *line, int *col)
{
    opinfo_qgraph *g = (opinfo_qgraph *)cg; /* positions are computed once, on first need */
    *line = *col = 0;
    if (g->from_onnx) /* a model's node is named by its index (node_index1), never a line */
        return;
    if (g->text && (g->node_pos || oi_qgraph_node_positions(g) == 0) && g->node_pos) {
        if (lc->text != g->text)
            oi_linecur_init(lc, g->text, g->len);
        oi_linecur_at(lc, (size_t)g->node_pos[n], line, col);
    }
}

/* The fix in ONNX Runtime's knobs: the changes the closest variant needs, each as what an ONNX
 * Runtime user sets — weight_type/weight_symmetric of get_qnn_qdq_config or an override on the
 * weight's float tensor name, an override on an activation, a convert for this node. */
static void hint(const fx *f, size_t n, const nview *v, char *buf, size_t cap)
{
    int keep[MAXP] = {0};
    for (size_t i = 0; i < v->n; i++) /* what the overrides name changes last */
        if (v->tensors[i] >= 0 && json_object_get(f->ov->root, tkey(f, v->tensors[i])))
            keep[i] = 2;
    const opinfo_variant *var = closest(f, v, keep, 0, NULL);
    const oi_node *nd = &f->x.g->nodes[n];
    size_t off = var ? cat(buf, cap, 0, "for %s: ", var->name) : 0, start = off;
    for (size_t i = 0; var && i < v->n; i++) {
        int t = v->tensors[i];
        const opinfo_port_spec *ps = t >= 0 ? opinfo_variant_spec(var, v->ports[i]) : NULL;
        if (!ps || fits(ps, v->types[i]))
            continue;
        /* an ONNX model's tensor by its float model's name, which overrides use */
        const char *name = tkey(f, t);
        const char *qt = opinfo_quant_type_name(oi_qt_of_dtype(ps->dtype));
        int sym = oi_spec_wants_symmetric(ps);
        if (!qt)
            continue;
        off = cat(buf, cap, off, "%s", off > start ? "; " : "");
        if (oi_is_initializer(&f->x, t) && i < v->n_in && oi_initializer_is_weight(nd->op, i))
            off = cat(buf, cap, off,
                      "weight_type=QuantType.%s%s in get_qnn_qdq_config, or the override "
                      "\"%s\": [{\"quant_type\": \"%s\"%s}]",
                      qt, sym ? ", weight_symmetric=True" : "", name, qt,
                      sym ? ", \"symmetric\": true" : "");
        else if (i < v->n_in && !oi_is_initializer(&f->x, t))
            off = cat(buf, cap, off, "'%s' converted to %s%s for %s (a convert with recv_nodes "
                      "[\"%s\"]; opinfo-check fix-overrides writes it)",
                      name, qt, sym ? " symmetric" : "", nd->name, nd->name);
        else
            off = cat(buf, cap, off, "the override \"%s\": [{\"quant_type\": \"%s\"%s}]",
                      name, qt, sym ? ", \"symmetric\": true" : "");
    }
    if (off == start)
        snprintf(buf, cap, "give the node's tensors types a variant takes (opinfo-check "
                           "fix-overrides)");
}

/* A node the check cannot examine is reported with the reason, never passed as clean. Nodes
 * without a quantized port (int64 shape arithmetic, nodes ONNX Runtime leaves in float) are not
 * the overrides' business. Returns 1 when it reported. */
static int unexamined(const fx *f, size_t n, const nview *v, oi_linecur *lc,
                      opinfo_report *r)
{
    const oi_node *nd = &f->x.g->nodes[n];
    int quantized = 0;
    for (size_t i = 0; i < nd->n_inputs; i++)
        quantized |= oi_is_quantizable(&f->x, nd->inputs[i].tensor);
    for (size_t i = 0; i < nd->n_outputs; i++)
        quantized |= oi_is_quantizable(&f->x, nd->outputs[i]);
    if (!quantized || v->why == NV_DB_FAILED)
        return 0;
    char why[512] = "";
    const char *fix = NULL;
    if (v->why == NV_TOO_MANY) {
        snprintf(why, sizeof why, "it has %zu inputs and outputs, more than the %d the check "
                 "handles", nd->n_inputs + nd->n_outputs, MAXP);
    } else if (v->why == NV_NO_OP) {
        snprintf(why, sizeof why, "%s %s has no op %s", f->d.backend, f->d.release, nd->op);
        fix = "opinfo-check on the model reports the op (op-unsupported)";
    } else if (v->why == NV_NO_BIND) {
        snprintf(why, sizeof why, "its %zu inputs and %zu outputs do not fit the ports of %s",
                 nd->n_inputs, nd->n_outputs, nd->op);
        fix = "opinfo-check on the model reports the arity";
    } else {
        for (size_t i = 0; i < v->n && !why[0]; i++)
            if (v->tensors[i] >= 0 && v->ports[i] >= 0 &&
                v->types[i].dtype == OPINFO_DTYPE_UNKNOWN)
                snprintf(why, sizeof why,
                         "the overrides give '%s' a type without a dtype the database knows "
                         "(QFLOAT8E4M3FN)",
                         f->x.g->tensors[v->tensors[i]].name);
        if (!why[0])
            return 0;
    }
    char msg[1024];
    snprintf(msg, sizeof msg, "node %s (%s) was not examined under the overrides: %s", nd->name,
             nd->op, why);
    oi_diag_in d = {0};
    d.rule = "overrides-unexamined";
    d.message = msg;
    d.fix = fix;
    d.node = nd->name;
    d.op = nd->op;
    d.qgraph = d.file = f->x.g->path;
    node_pos(f->x.g, lc, n, &d.line, &d.column);
    d.qgraph_line = d.line;
    d.node_index1 = nd->index >= 0 ? nd->index + 1 : 0;
    d.qgraph_column = d.column;
    oi_report_node(r, f->x.g->path, nd->name, nd->op);
    oi_report_add(r, OPINFO_SEVERITY_WARNING, &d); /* an error only where it fails */
    return 1;
}

static size_t type_check(const fx *f, int warn, opinfo_report *r)
{
    size_t count = 0;
    oi_linecur lc;
    oi_linecur_init(&lc, NULL, 0);
    for (size_t n = 0; n < f->x.g->n_nodes; n++) {
        nview v;
        view(f, n, &v);
        const oi_node *nd = &f->x.g->nodes[n];
        if (unexamined(f, n, &v, &lc, r)) {
            count++;
            continue;
        }
        if (!v.op || accepted(f, &v))
            continue;
        char have[512] = "", offer[768] = "";
        size_t off = 0;
        for (size_t i = 0; i < v.n; i++)
            if (v.tensors[i] >= 0)
                off = cat(have, sizeof have, off, "%s%s %s%s",
                    off ? ", " : "", v.op->ports[v.ports[i]].name,
                    opinfo_dtype_get(v.types[i].dtype) ? opinfo_dtype_get(v.types[i].dtype)->name
                                                       : "?",
                    v.types[i].sym == 1 ? " symmetric" : "");
        off = 0;
        for (size_t k = 0; k < v.op->n_variants; k++) {
            const opinfo_variant *var = &v.op->variants[k];
            if (!avail(&f->d, var))
                continue;
            off = cat(offer, sizeof offer, off, "%s%s (", off ? "; " : "", var->name);
            for (size_t i = 0, first = 1; i < v.n; i++) {
                const opinfo_port_spec *ps =
                    v.tensors[i] >= 0 ? opinfo_variant_spec(var, v.ports[i]) : NULL;
                if (!ps)
                    continue;
                off = cat(offer, sizeof offer, off, "%s%s%s", first ? "" : "/",
                                        opinfo_dtype_get(ps->dtype)->name,
                                        oi_spec_wants_symmetric(ps) ? " sym" : "");
                first = 0;
            }
            off = cat(offer, sizeof offer, off, ")");
        }
        char msg[1600];
        snprintf(msg, sizeof msg,
                 "under the overrides node %s (%s) has %s: no variant of %s %s takes that "
                 "(it offers %s)",
                 nd->name, nd->op, have, v.op->name,
                 f->d.soc ? f->d.soc : f->d.backend, offer[0] ? offer : "none");
        oi_diag_in d = {0};
        d.rule = "overrides-no-variant";
        d.message = msg;
        d.expected = offer;
        d.actual = have;
        char fix[1024];
        hint(f, n, &v, fix, sizeof fix);
        d.fix = fix;
        d.node = nd->name;
        d.op = nd->op;
        d.qgraph = d.file = f->x.g->path;
        node_pos(f->x.g, &lc, n, &d.line, &d.column);
        d.qgraph_line = d.line;
        d.node_index1 = nd->index >= 0 ? nd->index + 1 : 0;
        d.qgraph_column = d.column;
        oi_report_node(r, f->x.g->path, nd->name, nd->op);
        oi_report_add(r, warn ? OPINFO_SEVERITY_WARNING : OPINFO_SEVERITY_ERROR, &d);
        count++;
    }
    return count;
}

/* ---- public --------------------------------------------------------------------------------- */

void opinfo_overrides_options_init(opinfo_overrides_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->activation_type = OPINFO_QT_UINT8;
    opt->weight_type = OPINFO_QT_UINT8;
    opt->weight_symmetric = -1;
}

/* A convert the fixer made whose recv_nodes it emptied again (every consumer moved back to the
 * produced type) converts for nobody: it goes. */
static void drop_empty_converts(fx *f)
{
    const char *name;
    json_t *l;
    json_object_foreach(f->ov->root, name, l)
    {
        json_t *d = json_array_get(l, 0);
        json_t *cv = json_is_object(d) ? json_object_get(d, "convert") : NULL;
        json_t *rn = cv ? json_object_get(cv, "recv_nodes") : NULL;
        if (json_is_array(rn) && json_array_size(rn) == 0 &&
            !json_object_get(json_array_get(json_object_get(f->user->root, name), 0), "convert"))
            json_object_del(d, "convert");
    }
}

/* A convert the user wrote that the fixer changed (ONNX Runtime's fixer adds to recv_nodes, or
 * names the consumers of a convert that had none, i.e. all) is reported as a change. */
static void report_changed_converts(fx *f, opinfo_report *r)
{
    const char *name;
    json_t *l;
    oi_locator loc;
    oi_locator_init(&loc, f->user->text, f->user->len);
    json_object_foreach(f->user->root, name, l)
    {
        json_t *d = json_array_get(l, 0);
        json_t *cv = json_is_object(d) ? json_object_get(d, "convert") : NULL;
        json_t *now = json_array_get(json_object_get(f->ov->root, name), 0);
        json_t *cv2 = json_is_object(now) ? json_object_get(now, "convert") : NULL;
        if (!cv || json_equal(cv, cv2))
            continue;
        char *before = json_dumps(cv, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *after = cv2 ? json_dumps(cv2, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        char msg[1024];
        snprintf(msg, sizeof msg, "the fixer changed the convert you gave '%s': %s became %s",
                 name, before ? before : "?", after ? after : "nothing");
        oi_diag_in dg = {0};
        dg.rule = "overrides-changed";
        dg.message = msg;
        dg.expected = before;
        dg.actual = after;
        dg.fix = "keep the fixed file's convert, or give the consumers' types yourself";
        dg.node = dg.tensor = name;
        dg.op = "TensorQuantOverrides";
        dg.file = dg.qgraph = f->user->name;
        oi_jpath jp = {0};
        oi_jpath_push_key(&jp, name);
        oi_jpath_push_index(&jp, 0);
        oi_jpath_push_key(&jp, "convert");
        oi_locator_at(&loc, &jp, &dg.line, &dg.column);
        dg.qgraph_line = dg.line;
        dg.qgraph_column = dg.column;
        oi_report_node(r, f->user->name, name, "TensorQuantOverrides");
        oi_report_add(r, OPINFO_SEVERITY_WARNING, &dg);
        free(before);
        free(after);
    }
}

/* ONNX Runtime's fixer ends with is_valid, which returns at the first non-empty entry: a failure
 * there is its error, and later entries are not looked at. The one failure its fixer can cause is
 * a convert to the produced quant_type (a request that differs from the default only in
 * `symmetric` is converted back to the default). */
static void ort_final_check(fx *f, int default_qt)
{
    const char *name;
    json_t *l;
    json_object_foreach(f->ov->root, name, l)
    {
        json_t *d = json_array_get(l, 0);
        if (!json_is_object(d) || json_object_size(d) == 0)
            continue;
        json_t *cv = json_object_get(d, "convert"), *q = json_object_get(d, "quant_type");
        if (json_is_object(cv) &&
            oi_qt_value(json_object_get(cv, "quant_type")) == (q ? oi_qt_value(q) : default_qt))
            conflict(f, name,
                     "'convert' quant_type must differ from original quant_type (tensor '%s')",
                     name);
        return;
    }
}

static int fx_init(fx *f, opinfo_db *db, const opinfo_qgraph *g,
                   const opinfo_overrides_options *o, opinfo_error_t *err)
{
    memset(f, 0, sizeof *f);
    int rc;
    if (!o || o->size < offsetof(opinfo_overrides_options, weight_symmetric) + sizeof(int))
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_overrides_options: initialise with "
                            "opinfo_overrides_options_init()");
    if (!opinfo_quant_type_name(o->activation_type) || !opinfo_quant_type_name(o->weight_type))
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "unknown default quant type");
    if ((rc = tdb_init(&f->d, db, o, err)))
        return rc;
    if ((rc = oi_ovgraph_init(&f->x, g, err)))
        return rc;
    f->use_db = o->backend != NULL && !(o->flags & OPINFO_FIX_ORT);
    f->to.act_qt = o->activation_type;
    f->to.act_sym = o->activation_symmetric ? 1 : 0;
    f->to.weight_qt = o->weight_type;
    f->to.weight_sym = o->weight_symmetric;
    return OPINFO_OK;
}

static void fx_free(fx *f)
{
    for (size_t i = 0; i < f->nreq; i++)
        free(f->reqs[i].names);
    free(f->reqs);
    free(f->req_of);
    oi_ovgraph_free(&f->x);
}

int opinfo_overrides_check(opinfo_db *db, const opinfo_qgraph *g, const opinfo_overrides *ov,
                           const opinfo_overrides_options *opt, opinfo_report *report,
                           opinfo_error_t *err)
{
    fx f;
    int rc = fx_init(&f, db, g, opt, err);
    if (rc)
        return rc;
    int warn = (opt->flags & OPINFO_CHECK_WARN) != 0;
    if (opt->backend)
        oi_report_set_target(report, opt->backend, f.d.release, opt->soc, NULL);
    oi_report_add_file(report, ov->name);
    size_t bad = oi_overrides_validate(&f.x, ov, opt->activation_type, warn, report);
    if (!bad && opt->backend) {
        oi_report_add_file(report, g->path);
        f.use_db = 1;
        f.ov = (opinfo_overrides *)ov;
        type_check(&f, warn, report);
    }
    int oom = f.oom;
    fx_free(&f);
    if (oom)
        return oi_set_error(err, oom == 1 ? OPINFO_ENOMEM : OPINFO_EDB, ov->name, 0, 0, 0,
                            oom == 1 ? "out of memory" : "the database failed while looking up ops");
    return OPINFO_OK;
}

int opinfo_overrides_fix(opinfo_db *db, const opinfo_qgraph *g, const opinfo_overrides *in,
                         const opinfo_overrides_options *opt, opinfo_overrides **out,
                         opinfo_report *report, opinfo_error_t *err)
{
    *out = NULL;
    fx f;
    int rc = fx_init(&f, db, g, opt, err);
    if (rc)
        return rc;
    int warn = (opt->flags & OPINFO_CHECK_WARN) != 0;
    if (opt->backend)
        oi_report_set_target(report, opt->backend, f.d.release, opt->soc, NULL);
    oi_report_add_file(report, in->name);
    if (oi_overrides_validate(&f.x, in, opt->activation_type, warn, report)) {
        fx_free(&f);
        return OPINFO_OK; /* ONNX Runtime refuses invalid initial overrides too */
    }
    f.user = in;
    oi_json_watch(); /* every edit below is a jansson allocation; one failing fails the fix */
    json_t *root = json_deep_copy(in->root);
    f.ov = root ? oi_overrides_new(in->name, root) : NULL;
    json_decref(root);
    f.req_of = malloc((g->n_tensors + 1) * sizeof *f.req_of);
    if (!f.ov || !f.req_of) {
        opinfo_overrides_free(f.ov);
        fx_free(&f);
        return oi_set_error(err, OPINFO_ENOMEM, in->name, 0, 0, 0, "out of memory");
    }
    for (size_t t = 0; t < g->n_tensors; t++)
        f.req_of[t] = -1;

    /* step 1, over a snapshot of the names: requests may add weight entries */
    size_t nk = json_object_size(f.ov->root), k = 0;
    const char **keys = malloc((nk ? nk : 1) * sizeof *keys);
    const char *key;
    json_t *list;
    if (!keys)
        f.oom = 1;
    else
        json_object_foreach(f.ov->root, key, list) keys[k++] = key;
    oi_qinfo dflt = oi_qinfo_make(f.to.act_qt, f.to.act_sym);
    for (size_t i = 0; keys && i < nk && !f.conflict[0] && !f.oom; i++) {
        int t = oi_ovgraph_tensor(&f.x, keys[i]);
        if (t < 0 || !oi_is_quantizable(&f.x, t) || oi_is_initializer(&f.x, t))
            continue;
        list = json_object_get(f.ov->root, keys[i]);
        if (json_array_size(list) != 1)
            continue;
        json_t *d = json_array_get(list, 0);
        oi_qinfo q = oi_qinfo_load(d, f.to.act_qt);
        if (oi_qinfo_eq(q, dflt) || json_object_get(d, "convert"))
            continue;
        int p = g->tensors[t].producer;
        if (p >= 0)
            node_requests(&f, p, q, t);
        for (size_t j = f.x.cons_start[t]; j < f.x.cons_start[t + 1] && !f.conflict[0]; j++)
            node_requests(&f, f.x.cons[j], q, t);
    }
    free(keys);
    if (!f.conflict[0] && !f.oom)
        apply(&f);
    for (int pass = 0; f.use_db && pass < 4 && !f.conflict[0] && !f.oom; pass++)
        if (!repair(&f))
            break;
    int ort = !f.use_db;
    if (!f.conflict[0] && !f.oom)
        drop_empty_converts(&f);
    if (ort && !f.conflict[0] && !f.oom)
        ort_final_check(&f, opt->activation_type);
    if (oi_json_failed())
        f.oom = 1;
    if (f.oom) {
        opinfo_overrides_free(f.ov);
        fx_free(&f);
        return oi_set_error(err, OPINFO_ENOMEM, in->name, 0, 0, 0, "out of memory");
    }
    if (f.conflict[0]) {
        oi_diag_in d = {0};
        d.rule = f.conflict_rule ? f.conflict_rule : "overrides-conflict";
        d.message = f.conflict;
        d.fix = f.conflict_rule
                    ? f.conflict_hint
                    : "override fewer tensors, or give the conflicting tensor's types yourself";
        d.node = d.tensor = f.conflict_tensor;
        d.op = "TensorQuantOverrides";
        d.file = d.qgraph = in->name;
        oi_jpath jp = {0};
        oi_jpath_push_key(&jp, f.conflict_tensor);
        long pos;
        if (in->text && oi_json_locate(in->text, in->len, &jp, 0, &d.line, &d.column, &pos))
            d.line = d.column = 0; /* a tensor the fixer added */
        d.qgraph_line = d.line;
        d.qgraph_column = d.column;
        oi_report_node(report, in->name, f.conflict_tensor, "TensorQuantOverrides");
        oi_report_add(report, warn ? OPINFO_SEVERITY_WARNING : OPINFO_SEVERITY_ERROR, &d);
        opinfo_overrides_free(f.ov);
        fx_free(&f);
        return OPINFO_OK;
    }
    f.ov->text = NULL;
    report_changed_converts(&f, report);
    /* ONNX Runtime's way writes what ONNX Runtime writes: what its rules find in entries its
     * is_valid does not reach is a warning */
    if (!oi_overrides_validate(&f.x, f.ov, opt->activation_type, warn || ort, report) &&
        opt->backend) {
        oi_report_add_file(report, g->path);
        int use = f.use_db;
        f.use_db = 1;
        type_check(&f, warn, report);
        f.use_db = use;
    }
    if (f.oom) {
        int code = f.oom == 1 ? OPINFO_ENOMEM : OPINFO_EDB;
        opinfo_overrides_free(f.ov);
        fx_free(&f);
        return oi_set_error(err, code, in->name, 0, 0, 0,
                            code == OPINFO_ENOMEM ? "out of memory"
                                                  : "the database failed while looking up ops");
    }
    *out = f.ov;
    fx_free(&f);
    return OPINFO_OK;
}
