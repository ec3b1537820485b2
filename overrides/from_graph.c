/*
 * TensorQuantOverrides from a graph's types: what an ONNX Runtime user passes to
 * get_qnn_qdq_config(init_overrides=...) or quantize_static so that the quantizer gives every
 * tensor the type the graph has (docs/overrides.md, "Overrides from a graph"). This is the output
 * `--fix` writes for ONNX input: the fixer changes a graph's types, and this turns the changed
 * graph back into ONNX Runtime's knobs.
 *
 * A weight always gets an entry, any other tensor, under its name in the float model (float_name,
 * which the ONNX reader gives a weight stored quantized), when its type differs from what the
 * defaults give it under ONNX Runtime's rules (oi_port_type: weight or activation type by the consuming op and port,
 * signed weights symmetric): quant_type, symmetric when it differs from the default's (always for
 * a weight), and axis for a per-channel initializer. A tensor that some consumers read in
 * another type (an edge spec: the reader's DequantizeLinear -> QuantizeLinear pair, or the
 * fixer's conversion) gets a convert to that type with those consumers as recv_nodes, and a
 * tensor with fixed qparams gets its scale and zero_point. Tensors in float, int32 biases and
 * tensors whose dtype has no QuantType get none.
 */
#include <jansson.h>
#include <string.h>

#include "overrides_internal.h"

/* Is initializer t read as a weight by some node? (ONNX Runtime registers one role per tensor;
 * a weight role wins, as quantize_weight_tensor is what makes it a weight.) */
static int read_as_weight(const oi_ovgraph *x, int t)
{
    for (size_t j = x->cons_start[t]; j < x->cons_start[t + 1]; j++) {
        const oi_node *nd = &x->g->nodes[x->cons[j]];
        for (size_t i = 0; i < nd->n_inputs; i++)
            if (nd->inputs[i].tensor == t && oi_initializer_is_weight(nd->op, i))
                return 1;
    }
    return 0;
}

/* The convert of tensor t: the first quantized type, other than t's, in which a consumer
 * reads it (an edge spec), and the consumers that read it so. ONNX Runtime converts to one type
 * only: consumers reading a third type are left out (*more counts them). NULL: no convert. */
static json_t *convert_of(const oi_ovgraph *x, int t, size_t *more)
{
    const oi_spec *s = &x->g->tensors[t].spec;
    int qt = -1;
    const oi_spec *first = NULL;
    json_t *names = NULL;
    *more = 0;
    for (size_t j = x->cons_start[t]; j < x->cons_start[t + 1]; j++) {
        const oi_node *nd = &x->g->nodes[x->cons[j]];
        for (size_t i = 0; i < nd->n_inputs; i++) {
            const oi_spec *e = nd->inputs[i].edge;
            if (nd->inputs[i].tensor != t || !e || e->dtype == s->dtype)
                continue;
            int eq = oi_qt_of_dtype(e->dtype);
            if (eq < 0)
                continue;
            if (qt >= 0 && eq != qt) {
                (*more)++;
                continue;
            }
            qt = eq;
            first = first ? first : e;
            if (!names && !(names = json_array()))
                return NULL;
            int seen = 0; /* a node reading twice is named once */
            for (size_t k = 0; k < json_array_size(names); k++)
                seen |= strcmp(json_string_value(json_array_get(names, k)), nd->name) == 0;
            if (!seen && json_array_append_new(names, json_string(nd->name))) {
                json_decref(names);
                return NULL;
            }
        }
    }
    if (!names)
        return NULL;
    json_t *c = json_object();
    int bad = !c || json_object_set_new(c, "quant_type", json_string(opinfo_quant_type_name(qt)));
    if (!bad && first->qscheme != OPINFO_QSCHEME_UNKNOWN &&
        opinfo_qscheme_is_symmetric(first->qscheme))
        bad = json_object_set_new(c, "symmetric", json_true());
    if (!bad)
        bad = json_object_set_new(c, "recv_nodes", names);
    else
        json_decref(names);
    if (bad) {
        json_decref(c);
        return NULL;
    }
    return c;
}

int oi_overrides_from_graph(const oi_ovgraph *x, const oi_typeopts *o, json_t **out)
{
    *out = NULL;
    json_t *root = json_object();
    if (!root)
        return -1;
    for (size_t t = 0; t < x->g->n_tensors; t++) {
        const oi_spec *s = &x->g->tensors[t].spec;
        const opinfo_dtype_info *di = opinfo_dtype_get(s->dtype);
        int qt = oi_qt_of_dtype(s->dtype);
        if (!di || di->is_float || qt < 0)
            continue;
        int weight = s->initializer && read_as_weight(x, (int)t);
        int qt0 = weight ? o->weight_qt : o->act_qt;
        int sym0 = !weight ? o->act_sym
                   : o->weight_sym >= 0 ? o->weight_sym
                                        : (qt == OI_QT_INT8 || qt == OI_QT_INT16 || qt == OI_QT_INT4);
        int sym = opinfo_qscheme_is_symmetric(s->qscheme) ? 1 : 0;
        int per_channel = s->initializer && opinfo_qscheme_is_per_channel(s->qscheme) &&
                          !opinfo_qscheme_is_per_block(s->qscheme) && s->axis >= 0;
        /* fixed qparams (a 16-bit Sigmoid's): given as they are, which ONNX Runtime takes
         * verbatim; symmetric may not go with them */
        int fixed = s->fixed && s->n_scale == 1 && s->n_zp == 1 && !per_channel;
        size_t more = 0;
        json_t *conv = s->initializer ? NULL : convert_of(x, (int)t, &more);
        if (s->qscheme == OPINFO_QSCHEME_UNKNOWN)
            sym = sym0; /* not stated: nothing to ask for */
        if (per_channel)
            sym0 = 1; /* ONNX Runtime makes per-channel initializers symmetric */
        /* a weight is written always: its entry without an axis is what makes it per-tensor
         * when the user quantizes with per_channel=True, and it holds whatever weight_type and
         * weight_symmetric the user passes */
        if (qt == qt0 && sym == sym0 && !per_channel && !fixed && !conv && !weight)
            continue;
        json_t *d = json_object(), *l = json_array();
        int bad = !d || !l || json_object_set_new(d, "quant_type",
                                                  json_string(opinfo_quant_type_name(qt)));
        /* a weight's symmetry is written always: get_qnn_qdq_config's weight_symmetric
         * follows the default weight type, quantize_static's the tensor's own */
        if (!bad && fixed) {
            bad = json_object_set_new(d, "scale", json_real(s->scale[0])) ||
                  json_object_set_new(d, "zero_point", json_integer(s->zp[0]));
        } else if (!bad && (sym != sym0 || weight))
            bad = json_object_set_new(d, "symmetric", json_boolean(sym));
        if (!bad && per_channel)
            bad = json_object_set_new(d, "axis", json_integer(s->axis));
        if (!bad && conv) {
            bad = json_object_set_new(d, "convert", conv);
            conv = NULL;
        }
        json_decref(conv);
        if (!bad)
            bad = json_array_append(l, d);
        json_decref(d);
        const char *name = s->float_name ? s->float_name : x->g->tensors[t].name;
        if (bad || json_object_set_new(root, name, l)) {
            json_decref(root);
            return -1;
        }
    }
    *out = root;
    return 0;
}

int opinfo_overrides_from_qgraph(const opinfo_qgraph *g, const opinfo_overrides_options *opt,
                                 opinfo_overrides **out, opinfo_error_t *err)
{
    if (!g || !opt || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_overrides_from_qgraph: NULL argument");
    if (opt->size != sizeof *opt)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_overrides_options: size "
                            "not set; initialise with opinfo_overrides_options_init()");
    if (!opinfo_quant_type_name(opt->activation_type) || !opinfo_quant_type_name(opt->weight_type))
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "unknown default quant type");
    oi_typeopts o = {opt->activation_type, opt->activation_symmetric ? 1 : 0, opt->weight_type,
                     opt->weight_symmetric};
    oi_ovgraph x;
    int rc = oi_ovgraph_init(&x, g, err);
    if (rc)
        return rc;
    json_t *root = NULL;
    oi_json_watch();
    int bad = oi_overrides_from_graph(&x, &o, &root) != 0 || oi_json_failed();
    opinfo_overrides *ov = bad ? NULL : oi_overrides_new(g->path, root); /* holds root */
    json_decref(root);
    oi_ovgraph_free(&x);
    if (!ov)
        return oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    *out = ov;
    return OPINFO_OK;
}
