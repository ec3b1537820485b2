/*
 * The validator's internals: the loaded qgraph and the report. The validator reads the
 * database through the public look-up API only; it never runs SQL and never prints.
 */
#ifndef OPINFO_VALIDATOR_INTERNAL_H
#define OPINFO_VALIDATOR_INTERNAL_H

#include "../core/internal.h"

/* A quantization spec: a tensor's, or an edge's (a consumer's own view of an input). */
typedef struct oi_spec {
    opinfo_dtype dtype;
    opinfo_qscheme qscheme;
    int64_t qmin, qmax;        /* the observer's range (the dtype's when not given) */
    size_t n_scale;            /* 0 before calibration */
    double *scale;
    size_t n_zp;
    int64_t *zp;
    int axis;                  /* -1 when none */
    size_t n_block;
    int64_t *block;            /* block_size per dimension */
    size_t n_shape;
    int64_t *shape;
    double eps;                /* 0 when not given */
    int fixed, is_dynamic;
    int initializer;           /* a constant of the model (ONNX initializer, weight) */
    const char *float_name;    /* its name in the float model (ONNX: what overrides name), or NULL */
    /* shared_with: a tensor index, or an edge (producer node -> consumer node) */
    int shared_tensor;         /* -1 when none */
    int shared_producer, shared_consumer; /* node indexes, -1 when none */
    size_t n_derived;
    int *derived;              /* tensor indexes */
    /* the references as written, resolved once every tensor and node is known */
    const char *sw_tensor, *sw_producer, *sw_consumer;
    const char **df_names;
    const struct oi_spec *root; /* the end of the shared_with chain, set once at load */
} oi_spec;

typedef struct oi_tensor {
    const char *name;
    oi_spec spec;
    int producer; /* node index, -1 for graph inputs and constants */
} oi_tensor;

typedef struct oi_ref {
    int tensor;     /* -1: an optional port left out (null) */
    oi_spec *edge;  /* the consumer's own spec, or NULL */
} oi_ref;

typedef struct oi_node {
    const char *name;
    const char *op;
    size_t n_inputs, n_outputs;
    oi_ref *inputs;
    int *outputs;
    const char *src_file;
    int src_line, src_column;
    long index; /* the node's index in its model (an ONNX graph), -1 when none */
    const char *float_reason; /* the exporter's reason the node stays in float, or NULL */
    size_t n_suppress; /* "suppress": [{"rule", "reason"}] (docs/adoption.md) */
    const char **suppress_rule, **suppress_reason; /* reason NULL when not given */
} oi_node;

struct opinfo_qgraph {
    char *path;
    char *text; /* kept for positions of diagnostics */
    size_t len;
    oi_arena arena;
    oi_tensor *tensors; /* malloc'd: grows while streaming */
    size_t n_tensors, cap_tensors;
    oi_node *nodes;
    size_t n_nodes, cap_nodes;
    const char *target_backend, *target_soc, *target_release;
    int from_onnx; /* made by the ONNX reader (opinfo_onnx_parse) */
    long *node_pos; /* byte offsets of the nodes, found on first need */
    int text_kind;  /* OI_TEXT_*: how text is freed */
};
enum { OI_TEXT_MALLOC = 0, OI_TEXT_BORROWED, OI_TEXT_MAPPED };

/* Byte offsets of every element of the top-level "nodes" array (one scan). */
OPINFO_INTERNAL int oi_qgraph_node_positions(opinfo_qgraph *g);

/* Checking while reading (opinfo_check_file): the reader calls node() after each node it read
 * in its first pass over "nodes", once every tensor is known. ready is 1 when every spec the
 * node reads resolves from what is read so far (its shared_with chains run through tensors only,
 * and their dtypes agree), else 0; target_seen: the "target" key came before "nodes". The
 * qgraph's node_pos is filled as the nodes are read. A non-zero return stops the calls (the
 * read goes on). */
typedef struct oi_qgraph_hooks {
    void *ctx;
    int (*node)(void *ctx, opinfo_qgraph *g, size_t i, int ready, int target_seen);
} oi_qgraph_hooks;
/* opinfo_qgraph_parse with hooks; *live receives the graph as soon as it exists (NULL again on
 * failure: it is freed), so that the hooks' caller may read it between calls. */
/* own: OI_TEXT_MALLOC copies data; OI_TEXT_MAPPED (mmap'd) and OI_TEXT_BORROWED (malloc'd) hand
 * data to the graph without a copy when the read succeeds (the caller keeps it otherwise). The
 * text is then not NUL-terminated: every reader goes by len. */
OPINFO_INTERNAL int oi_qgraph_parse_hooked(const char *name, const char *data, size_t len,
                                           int own, const oi_qgraph_hooks *hooks,
                                           opinfo_qgraph **live, opinfo_qgraph **out,
                                           opinfo_error_t *err);
/* opinfo_graph_load with hooks (an ONNX model is read whole: no hook is called). */
OPINFO_INTERNAL int oi_graph_load_hooked(const char *path, size_t flags, const oi_qgraph_hooks *hooks,
                                         opinfo_qgraph **live, opinfo_qgraph **out,
                                         opinfo_error_t *err);

/* The spec a reference resolves to (following shared_with), or NULL on a broken chain. */
OPINFO_INTERNAL const oi_spec *oi_resolve(const opinfo_qgraph *g, const oi_spec *s);

/* Appends a diagnostic; strings are copied into the report. */
typedef struct oi_diag_in {
    const char *rule;
    const char *message, *expected, *actual, *fix;
    const char *node, *op, *tensor, *port, *variant;
    const char *file;
    int line, column;
    const char *qgraph;
    int qgraph_line, qgraph_column;
    long node_index1; /* the node's index in its model + 1; 0: none */
    int detached;     /* not the last node's: node, op and qgraph as given (filter.c) */
} oi_diag_in;

OPINFO_INTERNAL int oi_report_add(opinfo_report *r, opinfo_severity sev, const oi_diag_in *d);
/* opinfo_report_set_progress's callback, when one is set */
OPINFO_INTERNAL void oi_report_progress(const opinfo_report *r, size_t done, size_t total);
OPINFO_INTERNAL int oi_report_node(opinfo_report *r, const char *qgraph, const char *node,
                                   const char *op);
OPINFO_INTERNAL void oi_report_set_target(opinfo_report *r, const char *backend,
                                          const char *release, const char *soc,
                                          const char *arch);
OPINFO_INTERNAL void oi_report_set_truncated(opinfo_report *r);
/* A report as it stood (oi_report_save), and back to it (oi_report_rewind): a check while
 * reading takes back what it found when the read fails, or a node it must check again. */
typedef struct oi_report_mark {
    size_t n, nn, nf, npr;
    int truncated;
    const char *backend, *release, *soc, *arch;
} oi_report_mark;
OPINFO_INTERNAL void oi_report_save(const opinfo_report *r, oi_report_mark *m);
OPINFO_INTERNAL void oi_report_rewind(opinfo_report *r, const oi_report_mark *m);
OPINFO_INTERNAL void oi_report_add_file(opinfo_report *r, const char *path);
/* filter.c: drops the diagnostics i >= from with drop[i - from] set (the counts follow) */
OPINFO_INTERNAL void oi_report_drop(opinfo_report *r, size_t from, const unsigned char *drop);
/* github.c: the report as GitHub Actions workflow commands; NULL when out of memory */
OPINFO_INTERNAL char *oi_write_github(const opinfo_report *r);


/* The plugin host (plugin_host.c): the ABI's function table bound to a graph and the database.
 * Findings a plugin emits go to sink, with the node's index. */
struct opinfo_plugin;
typedef struct oi_host oi_host;
typedef void (*oi_sink_fn)(void *ctx, size_t node, const char *rule, const char *tensor,
                           const char *message, const char *fix);
OPINFO_INTERNAL oi_host *oi_host_new(opinfo_db *db, const opinfo_qgraph *g, const char *backend,
                                     const char *release, int arch_rank, oi_sink_fn sink,
                                     void *ctx, opinfo_error_t *err);
OPINFO_INTERNAL void oi_host_free(oi_host *h);
/* While reading: the per-node tables grow to the graph's nodes so far; partial on, a plugin that
 * asks for the graph's size or for a node by index (what needs the whole graph) is noted, and
 * oi_host_asked_graph tells it (and forgets). */
OPINFO_INTERNAL int oi_host_grow(oi_host *h);
OPINFO_INTERNAL void oi_host_set_partial(oi_host *h, int partial);
OPINFO_INTERNAL int oi_host_asked_graph(oi_host *h);
/* While reading: what the node needs is not all read yet (the node is checked at the end). */
OPINFO_INTERNAL void oi_host_ask_graph(oi_host *h);
OPINFO_INTERNAL void oi_host_check_node(oi_host *h, const struct opinfo_plugin *pl, size_t node,
                                        const char *soc);

/* 1 for a rule whose findings are warnings by default (runs-in-float), else 0 (rules.c). */
OPINFO_INTERNAL int oi_rule_default_warning(const char *id);
/* The validator's rule nearest to name, for a "did you mean", or NULL (filter.c). */
OPINFO_INTERNAL const char *oi_nearest_rule(const char *name);
/* The validator's own rule with this id, or NULL (rules.c). */
OPINFO_INTERNAL const opinfo_rule_info *oi_rule_builtin(const char *id);
/* A rule as a JSON object (--list-rules -f json), and its page as text or markdown (malloc'd;
 * NULL when out of memory). */
struct json_t;
OPINFO_INTERNAL struct json_t *oi_rule_json(const opinfo_rule_info *r);
OPINFO_INTERNAL char *oi_rule_render(const opinfo_rule_info *r, int markdown);
/* The link of a rule whose page is help_uri (may be NULL), rebased on base (NULL: kept), as
 * opinfo_rule_link: 0 with *out malloc'd or NULL (no page); -1 when out of memory. */
OPINFO_INTERNAL int oi_rule_link(const char *help_uri, const char *base, char **out);
/* The link of rule id in the report (its rules URL applied): malloc'd, NULL when the rule has no
 * page or memory ran out (report.c; the github writer's). */
OPINFO_INTERNAL char *oi_report_rule_link(const opinfo_report *r, const char *id);
/* The rules a plugin documents (ABI 1.2), copied into the report: its SARIF rules[] and JUnit
 * name them after the plugin is unloaded. */
struct opinfo_plugin;
OPINFO_INTERNAL void oi_report_plugin_rules(opinfo_report *r, const struct opinfo_plugin *pl);

/* check.c's judgements that autofix.c reuses: the qscheme of mask nearest to have (same
 * granularity), and a port's fixed scale and zero point on a tensor's own range. */
OPINFO_INTERNAL opinfo_qscheme oi_suggest_qscheme(unsigned mask, opinfo_qscheme have);
OPINFO_INTERNAL int oi_fixed_expected(const opinfo_port_spec *ps, const oi_spec *q, double *scale,
                                      int64_t *zp, int *has_zp);

#endif
