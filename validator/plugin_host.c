/* The host side of the plugin ABI at work: the function table a plugin's checks and annotation
 * rules call, bound to a qgraph and the database. Plugins see nothing else of the host. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo/plugin.h"
#include "validator_internal.h"

struct opinfo_plugin_node {
    struct oi_host *h;
    size_t index;
};

struct oi_host {
    opinfo_host_api api;
    opinfo_db *db;
    const opinfo_qgraph *g;
    const char *backend, *release;
    int arch_rank;
    opinfo_plugin_node *nodes; /* one handle per graph node */
    const opinfo_op **ops;     /* the node's op, NULL when the backend lacks it */
    /* annotation: tensor name -> oi_plugin_spec copy */
    oi_map specs;
    oi_arena arena;
    int failed;
    /* checks: where emitted findings go */
    oi_sink_fn sink;
    void *sink_ctx;
    size_t n_nodes;   /* the tables' size: the graph's nodes when they were last grown */
    size_t cap_nodes;
    int partial, asked; /* while reading: a look at the whole graph was asked for */
};

/* ---- nodes ---------------------------------------------------------------------------------- */

static const oi_node *gnode(const opinfo_plugin_node *n) { return &n->h->g->nodes[n->index]; }

static const char *h_node_name(const opinfo_plugin_node *n) { return n ? gnode(n)->name : NULL; }
static const char *h_node_op(const opinfo_plugin_node *n) { return n ? gnode(n)->op : NULL; }
static size_t h_inputs(const opinfo_plugin_node *n) { return n ? gnode(n)->n_inputs : 0; }
static size_t h_outputs(const opinfo_plugin_node *n) { return n ? gnode(n)->n_outputs : 0; }

static void fill_tensor(const opinfo_qgraph *g, int t, const oi_spec *s, opinfo_plugin_tensor *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->name = g->tensors[t].name;
    o->dtype = opinfo_dtype_get(s->dtype)->name;
    o->qscheme = opinfo_dtype_get(s->dtype)->is_quantizable ? opinfo_qscheme_name(s->qscheme) : NULL;
    o->quant_min = s->qmin;
    o->quant_max = s->qmax;
    o->axis = s->axis;
    o->n_scale = s->n_scale;
    o->scale = s->scale;
    o->n_zero_point = s->n_zp;
    o->zero_point = s->zp;
    o->n_block = s->n_block;
    o->block_size = s->block;
    o->n_shape = s->n_shape;
    o->shape = s->shape;
}

static int h_input(const opinfo_plugin_node *n, size_t i, opinfo_plugin_tensor *out)
{
    if (!n || !out || i >= gnode(n)->n_inputs || gnode(n)->inputs[i].tensor < 0)
        return -1;
    const oi_ref *r = &gnode(n)->inputs[i];
    fill_tensor(n->h->g, r->tensor, r->edge ? r->edge : &n->h->g->tensors[r->tensor].spec, out);
    return 0;
}

static int h_output(const opinfo_plugin_node *n, size_t i, opinfo_plugin_tensor *out)
{
    if (!n || !out || i >= gnode(n)->n_outputs)
        return -1;
    int t = gnode(n)->outputs[i];
    fill_tensor(n->h->g, t, &n->h->g->tensors[t].spec, out);
    return 0;
}

static void h_log(void *host, int level, const char *message)
{
    (void)host, (void)level, (void)message; /* the library never prints */
}

static void h_emit(void *host, const opinfo_plugin_node *n, const char *rule, const char *tensor,
                   const char *message, const char *fix)
{
    oi_host *h = host;
    if (h && h->sink && n && rule && message)
        h->sink(h->sink_ctx, n->index, rule, tensor, message, fix);
}

static int h_soc_rank(void *host, const char *soc)
{
    oi_host *h = host;
    opinfo_soc s;
    opinfo_error_t e;
    opinfo_error_init(&e);
    return soc && opinfo_db_find_soc(h->db, h->backend, h->release, soc, &s, &e) == OPINFO_OK
               ? s.arch_rank
               : -1;
}

static const char *h_canonical(void *host, const char *op)
{
    oi_host *h = host;
    const opinfo_op *o;
    opinfo_error_t e;
    opinfo_error_init(&e);
    return op && opinfo_db_find_op(h->db, h->backend, h->release, op, &o, &e) == OPINFO_OK
               ? o->name
               : NULL;
}

/* ---- annotation look-ups -------------------------------------------------------------------- */

static size_t h_count(void *host)
{
    oi_host *h = host;
    h->asked |= h->partial;
    return h->n_nodes;
}

static const opinfo_plugin_node *h_node(void *host, size_t i)
{
    oi_host *h = host;
    h->asked |= h->partial;
    return i < h->n_nodes ? &h->nodes[i] : NULL;
}

/* Input i binds to the op's non-output ports in order; a variadic port takes what the ports
 * after it leave (the validator's binding, kept in step with check.c's bind()). */
static int h_role(const opinfo_plugin_node *n, size_t i)
{
    const opinfo_op *op = n ? n->h->ops[n->index] : NULL;
    if (!op || i >= gnode(n)->n_inputs)
        return OPINFO_PLUGIN_ROLE_UNKNOWN;
    int ports[64];
    size_t np = 0;
    for (size_t p = 0; p < op->n_ports && np < 64; p++)
        if (op->ports[p].kind != OPINFO_PORT_OUTPUT)
            ports[np++] = (int)p;
    size_t k = 0, count = gnode(n)->n_inputs;
    for (size_t p = 0; p < np; p++) {
        size_t take = 1;
        if (op->ports[ports[p]].variadic) {
            size_t after = np - p - 1;
            take = count > k + after ? count - k - after : 0;
        }
        if (i < k + take)
            return (int)op->ports[ports[p]].kind;
        k += take;
    }
    return OPINFO_PLUGIN_ROLE_UNKNOWN;
}

static const opinfo_port_spec *output_spec(const opinfo_op *op, const opinfo_variant *v,
                                           opinfo_dtype dt)
{
    for (size_t p = 0; p < op->n_ports; p++) {
        if (op->ports[p].kind != OPINFO_PORT_OUTPUT)
            continue;
        const opinfo_port_spec *ps = opinfo_variant_spec(v, (int)p);
        return ps && ps->dtype == dt ? ps : NULL; /* the first output */
    }
    return NULL;
}

static int h_shared(void *host, const opinfo_plugin_node *n, const char *dtype)
{
    oi_host *h = host;
    const opinfo_op *op = n ? h->ops[n->index] : NULL;
    opinfo_dtype dt = opinfo_dtype_from_name(dtype);
    for (size_t i = 0; op && i < op->n_variants; i++) {
        const opinfo_port_spec *ps = output_spec(op, &op->variants[i], dt);
        if (ps && ps->shared_with >= 0 && opinfo_variant_available(&op->variants[i], h->arch_rank))
            return 1;
    }
    return 0;
}

static int h_fixed(void *host, const opinfo_plugin_node *n, const char *dtype, int64_t qmin,
                   int64_t qmax, double *scale, int64_t *zp)
{
    oi_host *h = host;
    const opinfo_op *op = n ? h->ops[n->index] : NULL;
    opinfo_dtype dt = opinfo_dtype_from_name(dtype);
    const opinfo_dtype_info *di = opinfo_dtype_get(dt);
    for (size_t i = 0; op && di && i < op->n_variants; i++) {
        const opinfo_port_spec *ps = output_spec(op, &op->variants[i], dt);
        if (!ps || !ps->has_fixed_scale || !opinfo_variant_available(&op->variants[i], h->arch_rank))
            continue;
        opinfo_error_t e;
        opinfo_error_init(&e);
        double s = ps->fixed_scale, z = (double)ps->fixed_zero_point;
        if (ps->fixed_scale_expr &&
            opinfo_formula_eval(ps->fixed_scale_expr, (double)qmin, (double)qmax, di->bits, &s,
                                &e) != OPINFO_OK)
            return 0;
        if (ps->fixed_zero_point_expr &&
            opinfo_formula_eval(ps->fixed_zero_point_expr, (double)qmin, (double)qmax, di->bits,
                                &z, &e) != OPINFO_OK)
            return 0;
        if (scale)
            *scale = s;
        if (zp)
            *zp = ps->has_fixed_zero_point ? (int64_t)llround(z) : 0;
        return 1;
    }
    return 0;
}

static int config_listed(const char *list, const char *cfg)
{
    size_t n = strlen(cfg);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, cfg, n) == 0)
            return 1;
        p = e ? e + 1 : p + l;
    }
    return 0;
}

static int h_config(void *host, const opinfo_plugin_node *n, const char *config)
{
    oi_host *h = host;
    const opinfo_op *op = n ? h->ops[n->index] : NULL;
    for (size_t i = 0; op && config && i < op->n_variants; i++)
        if (config_listed(op->variants[i].configs, config) &&
            opinfo_variant_available(&op->variants[i], h->arch_rank))
            return 1;
    return 0;
}

/* A copy of a plugin's spec, owned by the host's arena. */
typedef struct kept_spec {
    opinfo_plugin_spec s;
    int64_t block[8];
    const char *derived[8];
} kept_spec;

static int h_set_spec(void *host, const char *tensor, const opinfo_plugin_spec *spec)
{
    oi_host *h = host;
    if (!tensor || !spec || !spec->dtype)
        return -1;
    kept_spec *k = oi_arena_alloc(&h->arena, sizeof *k);
    if (!k) {
        h->failed = 1;
        return -1;
    }
    /* only what the plugin's struct has: a plugin built with an older header has fewer members */
    size_t size = spec->size && spec->size < sizeof k->s ? spec->size : sizeof k->s;
    memcpy(&k->s, spec, size);
    k->s.size = (uint32_t)size;
    k->s.dtype = oi_arena_strdup(&h->arena, spec->dtype);
    k->s.qscheme = oi_arena_strdup(&h->arena, spec->qscheme);
    k->s.shared_with = oi_arena_strdup(&h->arena, spec->shared_with);
    k->s.n_block = spec->n_block > 8 ? 8 : spec->n_block;
    for (size_t i = 0; i < k->s.n_block; i++)
        k->block[i] = spec->block_size[i];
    k->s.block_size = k->block;
    k->s.n_derived = spec->n_derived > 8 ? 8 : spec->n_derived;
    for (size_t i = 0; i < k->s.n_derived; i++)
        k->derived[i] = oi_arena_strdup(&h->arena, spec->derived_from[i]);
    k->s.derived_from = k->derived;
    if (oi_map_put(&h->specs, tensor, k) != 0) {
        h->failed = 1;
        return -1;
    }
    return 0;
}

static int h_set_edge_spec(void *host, const opinfo_plugin_node *n, size_t input,
                           const opinfo_plugin_spec *spec)
{
    oi_host *h = host;
    if (!n || input >= gnode(n)->n_inputs || gnode(n)->inputs[input].tensor < 0)
        return -1;
    char key[64];
    snprintf(key, sizeof key, "\x1f%zu\x1f%zu", n->index, input); /* cannot be a tensor name */
    return h_set_spec(host, key, spec) == 0 && !h->failed ? 0 : -1;
}

/* ---- setting up and tearing down ------------------------------------------------------------ */

static int host_init(oi_host *h, opinfo_db *db, const opinfo_qgraph *g, const char *backend,
                     const char *release, int arch_rank, opinfo_error_t *err)
{
    memset(h, 0, sizeof *h);
    h->db = db;
    h->g = g;
    h->backend = backend;
    h->release = release;
    h->arch_rank = arch_rank;
    oi_map_init(&h->specs);
    if (oi_host_grow(h) != 0) {
        free(h->nodes);
        free(h->ops);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    opinfo_host_api *a = &h->api;
    a->size = sizeof *a;
    a->abi_major = OPINFO_PLUGIN_ABI_MAJOR;
    a->abi_minor = OPINFO_PLUGIN_ABI_MINOR;
    a->log = h_log;
    a->emit = h_emit;
    a->node_name = h_node_name;
    a->node_op = h_node_op;
    a->node_input_count = h_inputs;
    a->node_output_count = h_outputs;
    a->node_input = h_input;
    a->node_output = h_output;
    a->soc_arch_rank = h_soc_rank;
    a->canonical_op = h_canonical;
    a->graph_node_count = h_count;
    a->graph_node = h_node;
    a->input_role = h_role;
    a->output_shared = h_shared;
    a->fixed_qparams = h_fixed;
    a->config_available = h_config;
    a->set_spec = h_set_spec;
    a->set_edge_spec = h_set_edge_spec;
    return OPINFO_OK;
}

static void host_free(oi_host *h)
{
    free(h->nodes);
    free(h->ops);
    oi_map_free(&h->specs);
    oi_arena_free(&h->arena);
}

int oi_host_grow(oi_host *h)
{
    const opinfo_qgraph *g = h->g;
    if (g->n_nodes > h->cap_nodes || !h->nodes) {
        size_t n = h->cap_nodes ? h->cap_nodes : 1;
        while (n < g->n_nodes)
            n *= 2;
        opinfo_plugin_node *nodes = realloc(h->nodes, n * sizeof *nodes);
        if (!nodes)
            return -1;
        h->nodes = nodes;
        const opinfo_op **ops = realloc(h->ops, n * sizeof *ops);
        if (!ops)
            return -1;
        h->ops = ops;
        h->cap_nodes = n;
    }
    for (size_t i = h->n_nodes; i < g->n_nodes; i++) {
        h->nodes[i].h = h;
        h->nodes[i].index = i;
        opinfo_error_t e;
        opinfo_error_init(&e);
        if (opinfo_db_find_op(h->db, h->backend, h->release, g->nodes[i].op, &h->ops[i], &e) !=
            OPINFO_OK)
            h->ops[i] = NULL;
    }
    h->n_nodes = g->n_nodes;
    return 0;
}

void oi_host_set_partial(oi_host *h, int partial)
{
    if (h)
        h->partial = partial;
}

void oi_host_ask_graph(oi_host *h)
{
    if (h)
        h->asked |= h->partial;
}

int oi_host_asked_graph(oi_host *h)
{
    int a = h && h->asked;
    if (h)
        h->asked = 0;
    return a;
}

/* ---- running a plugin's checks (for opinfo_check, node by node) ------------------------------ */

oi_host *oi_host_new(opinfo_db *db, const opinfo_qgraph *g, const char *backend,
                     const char *release, int arch_rank, oi_sink_fn sink, void *ctx,
                     opinfo_error_t *err)
{
    oi_host *h = malloc(sizeof *h);
    if (!h) {
        oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    if (host_init(h, db, g, backend, release, arch_rank, err) != OPINFO_OK) {
        free(h);
        return NULL;
    }
    h->sink = sink;
    h->sink_ctx = ctx;
    return h;
}

void oi_host_free(oi_host *h)
{
    if (!h)
        return;
    host_free(h);
    free(h);
}

void oi_host_check_node(oi_host *h, const opinfo_plugin *pl, size_t node, const char *soc)
{
    if (h && pl && pl->check && node < h->n_nodes && h->ops[node])
        pl->check(&h->api, h, &h->nodes[node], soc);
}

/* ---- annotation ------------------------------------------------------------------------------ */

/* A tensor's spec (orig: its object in the input), or an edge's (orig NULL). */
static json_t *spec_json(json_t *orig, const kept_spec *k)
{
    json_t *o = json_object();
    if (orig)
        json_object_set(o, "name", json_object_get(orig, "name"));
    json_object_set_new(o, "dtype", json_string(k->s.dtype));
    if (orig && json_object_get(orig, "shape"))
        json_object_set(o, "shape", json_object_get(orig, "shape"));
    const opinfo_dtype_info *dt = opinfo_dtype_get(opinfo_dtype_from_name(k->s.dtype));
    if (k->s.size >= offsetof(opinfo_plugin_spec, is_dynamic) + sizeof k->s.is_dynamic &&
        k->s.is_dynamic)
        json_object_set_new(o, "is_dynamic", json_true());
    if (!dt || !dt->is_quantizable)
        return o;
    if (k->s.qscheme)
        json_object_set_new(o, "qscheme", json_string(k->s.qscheme));
    json_object_set_new(o, "quant_min", json_integer(k->s.quant_min));
    json_object_set_new(o, "quant_max", json_integer(k->s.quant_max));
    if (k->s.axis >= 0)
        json_object_set_new(o, "axis", json_integer(k->s.axis));
    if (k->s.n_block) {
        json_t *b = json_array();
        for (size_t i = 0; i < k->s.n_block; i++)
            json_array_append_new(b, json_integer(k->block[i]));
        json_object_set_new(o, "block_size", b);
    }
    if (k->s.eps > 0)
        json_object_set_new(o, "eps", json_real(k->s.eps));
    if (k->s.fixed) {
        json_object_set_new(o, "fixed", json_true());
        json_object_set_new(o, "scale", json_real(k->s.scale));
        json_object_set_new(o, "zero_point", json_integer(k->s.zero_point));
    }
    if (k->s.shared_with)
        json_object_set_new(o, "shared_with", json_string(k->s.shared_with));
    if (k->s.n_derived) {
        json_t *d = json_array();
        for (size_t i = 0; i < k->s.n_derived; i++)
            json_array_append_new(d, json_string(k->derived[i]));
        json_object_set_new(o, "derived_from", d);
    }
    return o;
}

/* A tensor the plugin left alone that shares the quantization of one it annotated follows that
 * one's dtype: shared quantization is one dtype (the reader refuses anything else), and a
 * shared_with chain through tensors no node reads is not the plugin's to see. Each tensor's
 * chain is walked once (what a walk finds is kept for every tensor on it), so this is linear in
 * the tensors. -1 when out of memory. */
static int follow_shared(json_t *tensors, const oi_map *annotated)
{
    size_t n = json_array_size(tensors);
    if (!n)
        return 0;
    json_t *index = json_object();
    long *parent = malloc(n * sizeof *parent);
    long *to = malloc(n * sizeof *to); /* the annotated tensor it follows, -1 none, -2 unknown */
    long *path = malloc(n * sizeof *path);
    int rc = index && parent && to && path ? 0 : -1;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(tensors, i), "name"));
        if (name && json_object_set_new(index, name, json_integer((json_int_t)i)) != 0)
            rc = -1;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *t = json_array_get(tensors, i);
        const char *name = json_string_value(json_object_get(t, "name"));
        void *k;
        if (name && oi_map_get(annotated, name, &k)) {
            parent[i] = -1;
            to[i] = (long)i;
            continue;
        }
        json_t *at = json_object_get(index, json_string_value(json_object_get(t, "shared_with")));
        parent[i] = at ? (long)json_integer_value(at) : -1;
        to[i] = parent[i] < 0 ? -1 : -2;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        size_t len = 0;
        long cur = (long)i;
        while (cur >= 0 && to[cur] == -2 && len < n) {
            path[len++] = cur;
            to[cur] = -1; /* on the walk: a cycle ends it with nothing to follow */
            cur = parent[cur];
        }
        long found = cur >= 0 ? to[cur] : -1;
        for (size_t k = 0; k < len; k++)
            to[path[k]] = found;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        if (to[i] < 0 || to[i] == (long)i)
            continue;
        json_t *dt = json_object_get(json_array_get(tensors, (size_t)to[i]), "dtype");
        json_t *t = json_array_get(tensors, i);
        if (json_is_string(dt) && !json_equal(dt, json_object_get(t, "dtype")) &&
            json_object_set(t, "dtype", dt) != 0)
            rc = -1;
    }
    json_decref(index);
    free(parent);
    free(to);
    free(path);
    return rc;
}

int opinfo_annotate(opinfo_db *db, opinfo_plugins *plugins, const opinfo_qgraph *g,
                    const char *backend, const char *soc, const char *release, const char *config,
                    char **out, opinfo_error_t *err)
{
    if (!db || !plugins || !g || !config || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_annotate: NULL argument");
    backend = backend ? backend : g->target_backend;
    soc = soc ? soc : g->target_soc;
    release = release ? release : g->target_release;
    if (!backend)
        return oi_set_error(err, OPINFO_EUSAGE, g->path, 0, 0, 0,
                            "no backend: give --backend or a \"target\" in the qgraph");
    int rc;
    if (!release && (rc = opinfo_db_latest_release(db, backend, &release, err)))
        return rc;
    int rank = 0;
    if (soc) {
        opinfo_soc s;
        if ((rc = opinfo_db_find_soc(db, backend, release, soc, &s, err)))
            return rc;
        rank = s.arch_rank;
    }
    const opinfo_plugin *pl;
    if ((rc = opinfo_plugins_get(plugins, backend, &pl, err)))
        return rc;
    if (!pl->annotate)
        return oi_set_error(err, OPINFO_ENOTFOUND, NULL, 0, 0, 0,
                            "plugin %s has no annotation rules", pl->name);
    oi_host h;
    if ((rc = host_init(&h, db, g, backend, release, rank, err)))
        return rc;
    char msg[256] = "";
    if (pl->annotate(&h.api, &h, config, soc, msg, sizeof msg) != 0) {
        host_free(&h);
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "%s: %s", pl->name,
                            msg[0] ? msg : "annotation failed");
    }
    if (h.failed) {
        host_free(&h);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    /* the input document with the annotated tensors replaced; everything else kept */
    json_error_t je;
    oi_json_watch();
    json_t *root = json_loadb(g->text, g->len, JSON_REJECT_DUPLICATES, &je);
    if (oi_json_failed()) {
        json_decref(root);
        host_free(&h);
        return oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    }
    if (!root) {
        host_free(&h);
        return oi_set_error(err, OPINFO_EPARSE, g->path, je.line, je.column, je.position, "%s",
                            je.text);
    }
    json_t *tensors = json_object_get(root, "tensors");
    size_t i;
    json_t *t;
    json_array_foreach(tensors, i, t)
    {
        void *k;
        const char *name = json_string_value(json_object_get(t, "name"));
        if (name && oi_map_get(&h.specs, name, &k))
            json_array_set_new(tensors, i, spec_json(t, k));
    }
    if (follow_shared(tensors, &h.specs) != 0) {
        json_decref(root);
        host_free(&h);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    /* edge specs: the node's input becomes {"tensor", "spec"} */
    json_t *nodes = json_object_get(root, "nodes");
    for (size_t ni = 0; ni < g->n_nodes; ni++) {
        json_t *node = NULL, *ins = NULL;
        for (size_t k = 0; k < g->nodes[ni].n_inputs; k++) {
            char key[64];
            void *ks;
            snprintf(key, sizeof key, "\x1f%zu\x1f%zu", ni, k);
            if (!oi_map_get(&h.specs, key, &ks))
                continue;
            if (!node) { /* the node object with this name (order may differ from the file's) */
                size_t j;
                json_t *cand;
                json_array_foreach(nodes, j, cand)
                {
                    const char *nm = json_string_value(json_object_get(cand, "name"));
                    if (nm && strcmp(nm, g->nodes[ni].name) == 0) {
                        node = cand;
                        break;
                    }
                }
                ins = node ? json_object_get(node, "inputs") : NULL;
            }
            json_t *ref = json_array_get(ins, k);
            if (!ref)
                continue;
            json_t *tname = json_is_object(ref) ? json_object_get(ref, "tensor") : ref;
            json_t *edge = json_object();
            json_object_set(edge, "tensor", tname);
            json_object_set_new(edge, "spec", spec_json(NULL, ks));
            json_array_set_new(ins, k, edge);
        }
    }
    json_t *target = json_object();
    json_object_set_new(target, "backend", json_string(backend));
    if (soc)
        json_object_set_new(target, "soc", json_string(soc));
    json_object_set_new(target, "release", json_string(release));
    json_object_set_new(root, "target", target);
    json_object_set_new(root, "producer",
                        json_pack("{s:s, s:s, s:s}", "name", "opinfo-check annotate", "version",
                                  OPINFO_VERSION, "notes", config));
    char *s = oi_json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    host_free(&h);
    if (oi_json_failed()) { /* since the parse above: an edit or a value dropped */
        free(s);
        s = NULL;
    }
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    size_t n = strlen(s);
    char *r = realloc(s, n + 2);
    if (!r) {
        free(s);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    r[n] = '\n';
    r[n + 1] = '\0';
    *out = r;
    return OPINFO_OK;
}
