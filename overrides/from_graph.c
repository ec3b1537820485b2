/*
 * TensorQuantOverrides from a graph's types: what an ONNX Runtime user passes to
 * get_qnn_qdq_config(init_overrides=...) or quantize_static so that the quantizer gives every
 * tensor the type the graph has (docs/overrides.md, "Overrides from a graph"). This is the output
 * `--fix` writes for ONNX input: the fixer changes a graph's types, and this turns the changed
 * graph back into ONNX Runtime's knobs.
 *
 * A tensor gets an entry when its type differs from what the defaults give it under ONNX
 * Runtime's rules (oi_port_type: weight or activation type by the consuming op and port, signed
 * weights symmetric): quant_type, symmetric when it differs from the default's (always for a
 * weight), and axis for a per-channel initializer. Tensors in float, int32 biases and tensors whose dtype has no
 * QuantType get none.
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
        if (s->qscheme == OPINFO_QSCHEME_UNKNOWN)
            sym = sym0; /* not stated: nothing to ask for */
        if (per_channel)
            sym0 = 1; /* ONNX Runtime makes per-channel initializers symmetric */
        if (qt == qt0 && sym == sym0 && !per_channel)
            continue;
        json_t *d = json_object(), *l = json_array();
        int bad = !d || !l || json_object_set_new(d, "quant_type",
                                                  json_string(opinfo_quant_type_name(qt)));
        /* a weight's symmetry is written always: get_qnn_qdq_config's weight_symmetric
         * follows the default weight type, quantize_static's the tensor's own */
        if (!bad && (sym != sym0 || weight))
            bad = json_object_set_new(d, "symmetric", json_boolean(sym));
        if (!bad && per_channel)
            bad = json_object_set_new(d, "axis", json_integer(s->axis));
        if (!bad)
            bad = json_array_append(l, d);
        json_decref(d);
        if (bad || json_object_set_new(root, x->g->tensors[t].name, l)) {
            json_decref(root);
            return -1;
        }
    }
    *out = root;
    return 0;
}
