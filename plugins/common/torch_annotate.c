/* The annotation engine of the PyTorch CPU backends' plugins: see torch_annotate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torch_annotate.h"

/* ---- the graph as the annotation walks it --------------------------------------------------- */

typedef struct tensor {
    const char *name; /* the host's string, valid during the annotate call */
    int producer;     /* node index, or -1 for a graph input or a constant */
    size_t n_consumers, first; /* consumer edges in graph.edges */
    size_t rank;      /* length of its shape, 0 when unknown */
    int set;
    opinfo_plugin_spec spec;
} tensor;

typedef struct graph {
    const char *backend; /* for messages */
    const opinfo_host_api *api;
    void *host;
    size_t n_nodes;
    const opinfo_plugin_node **nodes;
    size_t *in_off, *out_off; /* node i's inputs: io[in_off[i] .. in_off[i+1]) */
    long *io;                 /* tensor indices, -1 for an input left out */
    tensor *t;
    size_t nt;
    size_t *slot; /* open addressing: tensor index + 1, 0 when empty */
    size_t nslot;
    size_t *edges; /* consumer node per edge, grouped by tensor */
    size_t *order; /* nodes in topological order */
} graph;

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The index of the tensor named name, added when new; -1 when the table is full. */
static long intern(graph *g, const char *name, size_t rank)
{
    size_t mask = g->nslot - 1;
    for (size_t i = hash(name) & mask, probes = 0; probes < g->nslot; i = (i + 1) & mask, probes++) {
        if (!g->slot[i]) {
            tensor *t = &g->t[g->nt];
            memset(t, 0, sizeof *t);
            t->name = name;
            t->producer = -1;
            t->rank = rank;
            g->slot[i] = ++g->nt;
            return (long)(g->nt - 1);
        }
        tensor *t = &g->t[g->slot[i] - 1];
        if (strcmp(t->name, name) == 0) {
            if (!t->rank)
                t->rank = rank;
            return (long)(g->slot[i] - 1);
        }
    }
    return -1;
}

static void graph_free(graph *g)
{
    free(g->nodes);
    free(g->in_off);
    free(g->out_off);
    free(g->io);
    free(g->t);
    free(g->slot);
    free(g->edges);
    free(g->order);
}

/* Reads the nodes and their tensors and orders the nodes producers first. */
static int graph_load(graph *g, const opinfo_host_api *api, void *host)
{
    memset(g, 0, sizeof *g);
    g->api = api;
    g->host = host;
    g->n_nodes = api->graph_node_count(host);
    size_t n = g->n_nodes, total = 0;
    g->nodes = calloc(n + 1, sizeof *g->nodes);
    g->in_off = calloc(n + 1, sizeof *g->in_off);
    g->out_off = calloc(n + 1, sizeof *g->out_off);
    g->order = calloc(n + 1, sizeof *g->order);
    if (!g->nodes || !g->in_off || !g->out_off || !g->order)
        return -1;
    for (size_t i = 0; i < n; i++) {
        g->nodes[i] = api->graph_node(host, i);
        total += api->node_input_count(g->nodes[i]) + api->node_output_count(g->nodes[i]);
    }
    g->nslot = 16;
    while (g->nslot < 2 * total + 1)
        g->nslot *= 2;
    g->io = calloc(total + 1, sizeof *g->io);
    g->t = calloc(total + 1, sizeof *g->t);
    g->slot = calloc(g->nslot, sizeof *g->slot);
    g->edges = calloc(total + 1, sizeof *g->edges);
    if (!g->io || !g->t || !g->slot || !g->edges)
        return -1;
    /* inputs of all nodes first, then outputs: io holds [ins of 0..n-1][outs of 0..n-1] */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        g->in_off[i] = k;
        size_t ni = api->node_input_count(g->nodes[i]);
        for (size_t j = 0; j < ni; j++) {
            opinfo_plugin_tensor pt;
            memset(&pt, 0, sizeof pt);
            g->io[k++] = api->node_input(g->nodes[i], j, &pt) == 0 && pt.name
                             ? intern(g, pt.name, pt.shape ? pt.n_shape : 0)
                             : -1;
        }
    }
    g->in_off[n] = k;
    for (size_t i = 0; i < n; i++) {
        g->out_off[i] = k;
        size_t no = api->node_output_count(g->nodes[i]);
        for (size_t j = 0; j < no; j++) {
            opinfo_plugin_tensor pt;
            memset(&pt, 0, sizeof pt);
            long t = api->node_output(g->nodes[i], j, &pt) == 0 && pt.name
                         ? intern(g, pt.name, pt.shape ? pt.n_shape : 0)
                         : -1;
            g->io[k++] = t;
            if (t >= 0 && g->t[t].producer < 0)
                g->t[t].producer = (int)i;
        }
    }
    g->out_off[n] = k;
    /* consumer edges per tensor, then Kahn's order (a cycle, which the reader refuses anyway,
     * leaves its nodes in file order at the end) */
    for (size_t e = 0; e < g->in_off[n]; e++)
        if (g->io[e] >= 0)
            g->t[g->io[e]].n_consumers++;
    size_t acc = 0;
    for (size_t t = 0; t < g->nt; t++) {
        g->t[t].first = acc;
        acc += g->t[t].n_consumers;
        g->t[t].n_consumers = 0;
    }
    size_t *indeg = calloc(n + 1, sizeof *indeg);
    unsigned char *done = calloc(n + 1, 1);
    if (!indeg || !done) {
        free(indeg);
        free(done);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t e = g->in_off[i]; e < g->in_off[i + 1]; e++) {
            long t = g->io[e];
            if (t < 0)
                continue;
            tensor *tt = &g->t[t];
            g->edges[tt->first + tt->n_consumers++] = i;
            if (tt->producer >= 0 && (size_t)tt->producer != i)
                indeg[i]++;
        }
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++)
        if (!indeg[i]) {
            g->order[tail++] = i;
            done[i] = 1;
        }
    while (head < tail) {
        size_t i = g->order[head++];
        for (size_t e = g->out_off[i]; e < g->out_off[i + 1]; e++) {
            long t = g->io[e];
            if (t < 0 || g->t[t].producer != (int)i)
                continue;
            for (size_t c = 0; c < g->t[t].n_consumers; c++) {
                size_t m = g->edges[g->t[t].first + c];
                if (m != i && !done[m] && --indeg[m] == 0) {
                    g->order[tail++] = m;
                    done[m] = 1;
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!done[i])
            g->order[tail++] = i;
    free(indeg);
    free(done);
    return 0;
}

/* ---- annotation ----------------------------------------------------------------------------- */

static const opinfo_plugin_spec float_spec = {.size = sizeof(opinfo_plugin_spec),
                                              .dtype = "float32",
                                              .axis = -1};

static void give(graph *g, long t, const opinfo_plugin_spec *s)
{
    if (t >= 0 && !g->t[t].set) {
        g->t[t].spec = *s;
        g->t[t].set = 1;
    }
}

/* The tensor named name, or -1. */
static long find(const graph *g, const char *name)
{
    size_t mask = g->nslot - 1;
    for (size_t i = hash(name) & mask, probes = 0; probes < g->nslot && g->slot[i];
         i = (i + 1) & mask, probes++)
        if (strcmp(g->t[g->slot[i] - 1].name, name) == 0)
            return (long)(g->slot[i] - 1);
    return -1;
}

/* The tensor whose observer t uses: t itself, or the end of its shared_with chain. */
static long root_of(const graph *g, long t)
{
    for (size_t hops = 0; t >= 0 && g->t[t].set && g->t[t].spec.shared_with && hops <= g->nt;
         hops++) {
        long next = find(g, g->t[t].spec.shared_with);
        if (next < 0)
            break;
        t = next;
    }
    return t;
}

/* A spec that reuses root's observer (math-invariant ops). */
static opinfo_plugin_spec shared_spec(const graph *g, long root)
{
    opinfo_plugin_spec s = g->t[root].spec;
    s.fixed = 0;
    s.scale = 0;
    s.zero_point = 0;
    s.n_derived = 0;
    s.derived_from = NULL;
    s.eps = 0; /* the root's observer has it */
    s.shared_with = g->t[root].name;
    return s;
}

static int is_float(const opinfo_plugin_spec *s)
{
    return strcmp(s->dtype, "float32") == 0 || strcmp(s->dtype, "float16") == 0 ||
           strcmp(s->dtype, "bfloat16") == 0;
}

/* A quantized node reading a tensor its producer leaves float: the qgraph cannot say both
 * (the ABI sets tensor specs, not edge specs), so the producer's float32 stays. */
static void warn_float_input(graph *g, const char *node, const char *tname)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "%s: node %s reads %s, which its producer leaves float32; %s stays float32",
             g->backend, node, tname, tname);
    g->api->log(g->host, OPINFO_PLUGIN_LOG_WARNING, msg);
}

static void annotate_node(graph *g, const torch_plugin *tp, const torch_qconfig *cfg, size_t i)
{
    const opinfo_host_api *api = g->api;
    const opinfo_plugin_node *nd = g->nodes[i];
    const char *canon = api->canonical_op(g->host, api->node_op(nd));
    size_t ni = g->in_off[i + 1] - g->in_off[i];
    size_t no = g->out_off[i + 1] - g->out_off[i];
    const long *in = &g->io[g->in_off[i]], *out = &g->io[g->out_off[i]];

    if (!canon || !api->config_available(g->host, nd, cfg->data_config)) {
        /* no variant serves the config: the node stays float */
        for (size_t j = 0; j < ni; j++)
            give(g, in[j], &float_spec);
        for (size_t j = 0; j < no; j++)
            give(g, out[j], &float_spec);
        return;
    }
    int transposed = strncmp(canon, "ConvTranspose", 13) == 0;
    long first_input = -1;
    for (size_t j = 0; j < ni; j++) {
        long t = in[j];
        if (t < 0)
            continue;
        int role = api->input_role(nd, j);
        if (role == OPINFO_PLUGIN_ROLE_WEIGHT) {
            opinfo_plugin_spec w = tp->weight_spec(cfg, transposed, g->t[t].rank);
            give(g, t, &w);
        } else if (role == OPINFO_PLUGIN_ROLE_BIAS) {
            give(g, t, &float_spec);
        } else {
            if (first_input < 0)
                first_input = t;
            if (!g->t[t].set) {
                opinfo_plugin_spec a = cfg->act;
                a.is_dynamic = cfg->dynamic; /* a dynamic kernel's input: qparams at run time */
                give(g, t, &a);
            }
            else if (is_float(&g->t[t].spec))
                warn_float_input(g, api->node_name(nd), g->t[t].name);
        }
    }
    for (size_t j = 0; j < no; j++) {
        long t = out[j];
        if (t < 0)
            continue;
        if (cfg->dynamic) {
            give(g, t, &float_spec);
            continue;
        }
        double scale = 0;
        int64_t zp = 0;
        if (cfg->fixed_dtype && api->fixed_qparams(g->host, nd, cfg->fixed_dtype, cfg->fixed_qmin,
                                                   cfg->fixed_qmax, &scale, &zp)) {
            opinfo_plugin_spec s = TORCH_SPEC(cfg->fixed_dtype, "per_tensor_affine", cfg->fixed_qmin,
                                              cfg->fixed_qmax, -1, 0);
            s.fixed = 1;
            s.scale = scale;
            s.zero_point = zp;
            give(g, t, &s);
            continue;
        }
        if (j == 0 && first_input >= 0 && g->t[first_input].set &&
            strcmp(g->t[first_input].spec.dtype, cfg->act.dtype) == 0 &&
            api->output_shared(g->host, nd, cfg->act.dtype)) {
            /* math-invariant: the input's observer, not one of its own */
            opinfo_plugin_spec s = shared_spec(g, first_input);
            give(g, t, &s);
            /* and every further input (cat) observed like the first, as the quantizers share
             * them: the other inputs' chains join one root, a fixed one when an input has it */
            long r0 = root_of(g, first_input);
            for (size_t k = 0; k < ni && !g->t[r0].spec.fixed; k++) {
                long r = root_of(g, in[k]);
                if (r >= 0 && api->input_role(nd, k) == OPINFO_PLUGIN_ROLE_INPUT &&
                    g->t[r].set && g->t[r].spec.fixed &&
                    strcmp(g->t[r].spec.dtype, cfg->act.dtype) == 0)
                    r0 = r;
            }
            for (size_t k = 0; k < ni; k++) {
                long r = root_of(g, in[k]);
                if (r < 0 || r == r0 || api->input_role(nd, k) != OPINFO_PLUGIN_ROLE_INPUT ||
                    !g->t[r].set || g->t[r].spec.fixed ||
                    strcmp(g->t[r].spec.dtype, cfg->act.dtype) != 0)
                    continue;
                g->t[r].spec = shared_spec(g, r0);
            }
            continue;
        }
        give(g, t, &cfg->act);
    }
}

int torch_annotate(const torch_plugin *tp, const opinfo_host_api *api, void *host,
                   const char *config, char *error, size_t error_size)
{
    const torch_qconfig *cfg = NULL;
    for (size_t i = 0; config && i < tp->n_configs; i++)
        if (strcmp(config, tp->configs[i].name) == 0)
            cfg = &tp->configs[i];
    if (!cfg) {
        snprintf(error, error_size, "unknown config \"%s\" (%s takes %s)", config ? config : "",
                 tp->backend, tp->config_list);
        return 1;
    }
    graph g;
    int loaded = graph_load(&g, api, host);
    g.backend = tp->backend;
    if (loaded != 0) {
        graph_free(&g);
        snprintf(error, error_size, "out of memory");
        return 1;
    }
    for (size_t k = 0; k < g.n_nodes; k++)
        annotate_node(&g, tp, cfg, g.order[k]);
    /* a shared tensor states its root's quantization (a later join may have moved the root) */
    for (size_t t = 0; t < g.nt; t++)
        if (g.t[t].set && g.t[t].spec.shared_with) {
            long r = root_of(&g, (long)t);
            if (r >= 0 && (size_t)r != t && !g.t[r].spec.shared_with) {
                const char *with = g.t[t].spec.shared_with;
                g.t[t].spec = shared_spec(&g, r);
                g.t[t].spec.shared_with = with;
            }
        }
    int rc = 0;
    for (size_t t = 0; t < g.nt && !rc; t++)
        if (g.t[t].set && api->set_spec(host, g.t[t].name, &g.t[t].spec) != 0) {
            snprintf(error, error_size, "the host refused the spec of %s", g.t[t].name);
            rc = 1;
        }
    graph_free(&g);
    return rc;
}

