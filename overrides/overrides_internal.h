/*
 * ONNX Runtime's TensorQuantOverrides inside the validator: the loaded file, the graph as the
 * overrides see it (initializers, consumers), ONNX Runtime's QuantTypeInfo, and the port types
 * the overrides give each node. overrides.c owns them; fix_overrides.c and autofix.c call them.
 */
#ifndef OPINFO_OVERRIDES_INTERNAL_H
#define OPINFO_OVERRIDES_INTERNAL_H

#include <jansson.h>

#include "../validator/validator_internal.h"

enum { OI_QT_INT8 = 0, OI_QT_UINT8, OI_QT_FLOAT8, OI_QT_INT16, OI_QT_UINT16, OI_QT_INT4,
       OI_QT_UINT4, OI_QT_COUNT };

struct opinfo_overrides {
    char *name;
    char *text; /* the file's text, for positions; NULL for overrides made here */
    size_t len;
    json_t *root; /* tensor name -> list of dicts, in the file's order */
};

/* ONNX Runtime's QuantTypeInfo: -1 in sym/rr means "not stated" (a wildcard in comparisons). */
typedef struct oi_qinfo {
    int qt;
    int sym, rr;
    int axis, has_axis;
} oi_qinfo;

OPINFO_INTERNAL oi_qinfo oi_qinfo_make(int qt, int sym);
OPINFO_INTERNAL int oi_qinfo_eq(oi_qinfo a, oi_qinfo b);
OPINFO_INTERNAL oi_qinfo oi_qinfo_load(const json_t *d, int default_qt);
OPINFO_INTERNAL int oi_qinfo_save(oi_qinfo q, json_t *d);
OPINFO_INTERNAL int oi_qt_value(const json_t *v);
OPINFO_INTERNAL int oi_qt_of_dtype(opinfo_dtype d);
OPINFO_INTERNAL opinfo_overrides *oi_overrides_new(const char *name, json_t *root);

/* get_node_output_qtype_info / get_node_input_qtype_info */
OPINFO_INTERNAL oi_qinfo oi_output_qinfo(const opinfo_overrides *ov, const char *tensor,
                                         int default_qt, int default_sym);
OPINFO_INTERNAL oi_qinfo oi_input_qinfo(const opinfo_overrides *ov, const char *tensor,
                                        const char *node, int default_qt, int default_sym);

/* The graph as the overrides see it. */
typedef struct oi_ovgraph {
    const opinfo_qgraph *g;
    oi_map tensors, nodes; /* name -> index + 1 */
    size_t *cons_start;    /* consumers of tensor t: cons[cons_start[t] .. cons_start[t+1]) */
    int *cons;             /* node indexes, in node order (a node reading twice is there twice) */
} oi_ovgraph;

OPINFO_INTERNAL int oi_ovgraph_init(oi_ovgraph *x, const opinfo_qgraph *g, opinfo_error_t *err);
OPINFO_INTERNAL void oi_ovgraph_free(oi_ovgraph *x);
OPINFO_INTERNAL int oi_ovgraph_tensor(const oi_ovgraph *x, const char *name);
OPINFO_INTERNAL int oi_ovgraph_node(const oi_ovgraph *x, const char *name);
OPINFO_INTERNAL int oi_is_initializer(const oi_ovgraph *x, int t);
OPINFO_INTERNAL int oi_is_quantizable(const oi_ovgraph *x, int t);

/* Line and column of byte offsets, by a cursor that moves forward from its last answer (or from
 * a mark, or from the start, when asked for an earlier offset): findings in document order cost
 * one pass over the text in all. */
typedef struct oi_linecur {
    const char *text;
    size_t len, off, mark_off;
    int line, col, mark_line, mark_col;
} oi_linecur;

OPINFO_INTERNAL void oi_linecur_init(oi_linecur *c, const char *text, size_t len);
OPINFO_INTERNAL void oi_linecur_at(oi_linecur *c, size_t offset, int *line, int *column);
OPINFO_INTERNAL void oi_linecur_mark(oi_linecur *c);

/* Where a path's value starts in a JSON text. The steps of the last answer are kept: a path
 * that shares a prefix with it starts there, and a key or index that comes after the last one in
 * the same container is looked for from the last one on. Findings reported in document order
 * (entries in the file's order, as jansson keeps them) thus scan the text once, where
 * oi_json_locate scans it from the start for each. */
typedef struct oi_locator {
    const char *text; /* NULL: no positions (0, 0) */
    size_t len;
    int depth; /* steps of the last answer */
    struct {
        const char *key; /* NULL: an index */
        size_t index;
        size_t off; /* where the value starts */
    } st[OI_JPATH_MAX];
    oi_linecur lc;
} oi_locator;

OPINFO_INTERNAL void oi_locator_init(oi_locator *L, const char *text, size_t len);
OPINFO_INTERNAL void oi_locator_at(oi_locator *L, const oi_jpath *p, int *line, int *column);

/* Every ONNX Runtime rule on every entry; diagnostics go to r. Returns how many. */
OPINFO_INTERNAL size_t oi_overrides_validate(const oi_ovgraph *x, const opinfo_overrides *ov,
                                             int default_qt, int warn, opinfo_report *r);

/* The defaults that give tensors without overrides their type. */
typedef struct oi_typeopts {
    int act_qt, act_sym;
    int weight_qt, weight_sym; /* weight_sym -1: signed weight types are symmetric */
} oi_typeopts;

/* A port's type: dtype, and symmetric (1), not (0) or unknown (-1). */
typedef struct oi_ptype {
    opinfo_dtype dtype;
    int sym;
} oi_ptype;

OPINFO_INTERNAL int oi_initializer_is_weight(const char *op, size_t input);
OPINFO_INTERNAL oi_ptype oi_port_type(const oi_ovgraph *x, const opinfo_overrides *ov,
                                      const oi_typeopts *o, int t, int node, int is_output);

/* TensorQuantOverrides (an object, tensor name -> list of one dict) under which ONNX Runtime's
 * quantizer gives every tensor of the graph its type (from_graph.c). -1: out of memory. */
OPINFO_INTERNAL int oi_overrides_from_graph(const oi_ovgraph *x, const oi_typeopts *o,
                                            json_t **out);

/* Binds a node's inputs/outputs to the op's ports (-1: left over). 0 when an arity rule fails. */
OPINFO_INTERNAL int oi_bind_ports(const opinfo_op *op, size_t n_in, size_t n_out, int *in_ports,
                                  int *out_ports);
OPINFO_INTERNAL int oi_spec_wants_symmetric(const opinfo_port_spec *ps);
OPINFO_INTERNAL int oi_variant_mismatch(const opinfo_variant *v, const int *ports,
                                        const oi_ptype *types, size_t n);

#endif
