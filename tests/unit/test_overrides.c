/* TensorQuantOverrides from a graph's types (overrides/from_graph.c): the overrides that make
 * ONNX Runtime's quantizer give each tensor of a (fixed) graph its type. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../../overrides/overrides_internal.h"

/* x -> Conv(W per-channel int8, B int32) -> c (uint16) -> MatMul(M uint8) -> m (uint8)
 *   -> Add(K int8 symmetric constant) -> a; indices of Gather are int64; f stays in float */
static const char fixed[] =
    "{\"qgraph\": 1, \"tensors\": [\n"
    " {\"name\": \"x\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"W\", \"dtype\": \"int8\", \"qscheme\": \"per_channel_symmetric\", \"axis\": 0,\n"
    "  \"quant_min\": -127, \"quant_max\": 127, \"initializer\": true, \"shape\": [4, 4, 3, 3]},\n"
    " {\"name\": \"B\", \"dtype\": \"int32\", \"initializer\": true, \"shape\": [4]},\n"
    " {\"name\": \"c\", \"dtype\": \"uint16\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"M\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\",\n"
    "  \"initializer\": true, \"shape\": [8, 8]},\n"
    " {\"name\": \"m\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"K\", \"dtype\": \"int8\", \"qscheme\": \"per_tensor_symmetric\",\n"
    "  \"quant_min\": -127, \"quant_max\": 127, \"initializer\": true, \"shape\": [1]},\n"
    " {\"name\": \"a\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"idx\", \"dtype\": \"int64\", \"initializer\": true, \"shape\": [2]},\n"
    " {\"name\": \"E\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\",\n"
    "  \"initializer\": true, \"shape\": [16, 8]},\n"
    " {\"name\": \"e\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"f\", \"dtype\": \"float32\"}],\n"
    " \"nodes\": [\n"
    " {\"name\": \"conv\", \"op\": \"Conv\", \"inputs\": [\"x\", \"W\", \"B\"], \"outputs\": [\"c\"]},\n"
    " {\"name\": \"mm\", \"op\": \"MatMul\", \"inputs\": [\"c\", \"M\"], \"outputs\": [\"m\"]},\n"
    " {\"name\": \"add\", \"op\": \"Add\", \"inputs\": [\"m\", \"K\"], \"outputs\": [\"a\"]},\n"
    " {\"name\": \"g\", \"op\": \"Gather\", \"inputs\": [\"E\", \"idx\"], \"outputs\": [\"e\"]},\n"
    " {\"name\": \"r\", \"op\": \"Relu\", \"inputs\": [\"e\"], \"outputs\": [\"f\"]}]}\n";

/* The fixed graph's float original: quantized dtypes become float32, quant fields go. */
static opinfo_qgraph *float_original(void)
{
    json_t *root = json_loads(fixed, 0, NULL), *t;
    size_t i;
    assert_non_null(root);
    json_array_foreach(json_object_get(root, "tensors"), i, t)
    {
        const char *dt = json_string_value(json_object_get(t, "dtype"));
        if (strcmp(dt, "int32") != 0 && strcmp(dt, "int64") != 0)
            json_object_set_new(t, "dtype", json_string("float32"));
        json_object_del(t, "qscheme");
        json_object_del(t, "quant_min");
        json_object_del(t, "quant_max");
        json_object_del(t, "axis");
    }
    char *text = json_dumps(root, 0);
    json_decref(root);
    opinfo_qgraph *g = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_qgraph_parse("float.json", text, strlen(text), 0, &g, &e), &e);
    free(text);
    return g;
}

/* Round trip: under the overrides made from the fixed graph, every port of the float original
 * has the fixed graph's dtype (as the type check computes it). */
static void round_trip(const oi_ovgraph *x, const oi_typeopts *o, json_t *ov)
{
    opinfo_qgraph *fg = float_original();
    oi_ovgraph fx;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(oi_ovgraph_init(&fx, fg, &e), &e);
    opinfo_overrides *ovs = oi_overrides_new("made.json", ov);
    assert_non_null(ovs);
    for (size_t n = 0; n < fg->n_nodes; n++) {
        const oi_node *nd = &fg->nodes[n];
        for (size_t i = 0; i < nd->n_inputs + nd->n_outputs; i++) {
            int out = i >= nd->n_inputs;
            int t = out ? nd->outputs[i - nd->n_inputs] : nd->inputs[i].tensor;
            oi_ptype p = oi_port_type(&fx, ovs, o, t, (int)n, out);
            opinfo_dtype want = x->g->tensors[t].spec.dtype;
            if (want == OPINFO_DTYPE_FLOAT32 || want == OPINFO_DTYPE_INT64)
                continue; /* left in float; not quantized */
            if (p.dtype != want)
                fail_msg("node %s, tensor %s: %s under the overrides, %s in the fixed graph",
                         nd->name, fg->tensors[t].name, opinfo_dtype_get(p.dtype)->name,
                         opinfo_dtype_get(want)->name);
        }
    }
    opinfo_overrides_free(ovs);
    oi_ovgraph_free(&fx);
    opinfo_qgraph_free(fg);
}

static void overrides_from_a_fixed_graph(void **state)
{
    (void)state;
    opinfo_qgraph *g = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_qgraph_parse("fixed.json", fixed, strlen(fixed), 0, &g, &e), &e);
    oi_ovgraph x;
    assert_opinfo_ok(oi_ovgraph_init(&x, g, &e), &e);
    /* ONNX Runtime's defaults: QUInt8 activations and weights, weights asymmetric */
    oi_typeopts o = {OI_QT_UINT8, 0, OI_QT_UINT8, -1};
    json_t *ov = NULL;
    assert_int_equal(oi_overrides_from_graph(&x, &o, &ov), 0);
    char *s = json_dumps(ov, JSON_COMPACT | JSON_PRESERVE_ORDER);
    /* W: per-channel int8 (a weight); c: uint16; M: a weight, written always (its entry keeps
     * it per-tensor under per_channel=True); K: an Add's constant, typed like an activation,
     * int8 symmetric; x, m, a, E, e as the defaults give them; B, idx, f none */
    assert_string_equal(s, "{\"W\":[{\"quant_type\":\"QInt8\",\"symmetric\":true,\"axis\":0}],"
                           "\"c\":[{\"quant_type\":\"QUInt16\"}],"
                           "\"M\":[{\"quant_type\":\"QUInt8\",\"symmetric\":false}],"
                           "\"K\":[{\"quant_type\":\"QInt8\",\"symmetric\":true}]}");
    free(s);
    round_trip(&x, &o, ov);
    json_decref(ov);

    /* with QInt8 weights by default (symmetric, as get_qnn_qdq_config has it), W needs only its
     * axis and M, a uint8 weight, needs its type */
    oi_typeopts o8 = {OI_QT_UINT8, 0, OI_QT_INT8, -1};
    assert_int_equal(oi_overrides_from_graph(&x, &o8, &ov), 0);
    s = json_dumps(ov, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, "{\"W\":[{\"quant_type\":\"QInt8\",\"symmetric\":true,\"axis\":0}],"
                           "\"c\":[{\"quant_type\":\"QUInt16\"}],"
                           "\"M\":[{\"quant_type\":\"QUInt8\",\"symmetric\":false}],"
                           "\"K\":[{\"quant_type\":\"QInt8\",\"symmetric\":true}]}");
    free(s);
    round_trip(&x, &o8, ov);
    json_decref(ov);
    oi_ovgraph_free(&x);
    opinfo_qgraph_free(g);
}

/* An ONNX model's graph as the reader and the fixer leave it: a weight stored quantized
 * (W_quantized, float name W), a graph output renamed (y_QuantizeLinear_Input, float name y), a
 * tensor two consumers read converted (an edge spec), fixed qparams, and a conversion to a third
 * type ONNX Runtime cannot express beside the first. */
static const char onnx_fixed[] =
    "{\"qgraph\": 1, \"tensors\": [\n"
    " {\"name\": \"x\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"W_quantized\", \"float_name\": \"W\", \"dtype\": \"uint8\",\n"
    "  \"qscheme\": \"per_tensor_affine\", \"initializer\": true, \"shape\": [4, 4, 1, 1]},\n"
    " {\"name\": \"c\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"r1\", \"dtype\": \"uint16\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"r2\", \"dtype\": \"uint16\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"r3\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"r4\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\"},\n"
    " {\"name\": \"y_QuantizeLinear_Input\", \"float_name\": \"y\", \"dtype\": \"uint8\",\n"
    "  \"qscheme\": \"per_tensor_affine\", \"scale\": 0.00390625, \"zero_point\": 0,\n"
    "  \"fixed\": true}],\n"
    " \"nodes\": [\n"
    " {\"name\": \"conv\", \"op\": \"Conv\", \"inputs\": [\"x\", \"W_quantized\"], \"outputs\": [\"c\"]},\n"
    " {\"name\": \"relu1\", \"op\": \"Relu\", \"inputs\": [{\"tensor\": \"c\", \"spec\":\n"
    "   {\"dtype\": \"uint16\", \"qscheme\": \"per_tensor_affine\"}}], \"outputs\": [\"r1\"]},\n"
    " {\"name\": \"relu2\", \"op\": \"Relu\", \"inputs\": [{\"tensor\": \"c\", \"spec\":\n"
    "   {\"dtype\": \"uint16\", \"qscheme\": \"per_tensor_affine\"}}], \"outputs\": [\"r2\"]},\n"
    " {\"name\": \"relu3\", \"op\": \"Relu\", \"inputs\": [{\"tensor\": \"c\", \"spec\":\n"
    "   {\"dtype\": \"int16\", \"qscheme\": \"per_tensor_symmetric\"}}], \"outputs\": [\"r3\"]},\n"
    " {\"name\": \"relu4\", \"op\": \"Relu\", \"inputs\": [\"c\"], \"outputs\": [\"r4\"]},\n"
    " {\"name\": \"sig\", \"op\": \"Sigmoid\", \"inputs\": [\"r3\"],\n"
    "  \"outputs\": [\"y_QuantizeLinear_Input\"]}]}\n";

static void overrides_from_an_onnx_graph(void **state)
{
    (void)state;
    const char *text = onnx_fixed;
    opinfo_qgraph *g = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_qgraph_parse("m.onnx", text, strlen(text), 0, &g, &e), &e);
    opinfo_overrides_options oo;
    opinfo_overrides_options_init(&oo);
    opinfo_overrides *ov = NULL;
    assert_opinfo_ok(opinfo_overrides_from_qgraph(g, &oo, &ov, &e), &e);
    char *s = NULL;
    assert_opinfo_ok(opinfo_overrides_write(ov, &s, &e), &e);
    json_t *got = json_loads(s, 0, NULL);
    assert_non_null(got);
    char *c = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
    /* W by its float name (a weight, written always); c converted to uint16 for relu1 and
     * relu2 only (relu3's int16 is a third type; relu4 reads c as produced); y by its float
     * name, with its fixed qparams and no symmetric beside them */
    assert_string_equal(c, "{\"W\":[{\"quant_type\":\"QUInt8\",\"symmetric\":false}],"
                           "\"c\":[{\"quant_type\":\"QUInt8\",\"convert\":{\"quant_type\":"
                           "\"QUInt16\",\"recv_nodes\":[\"relu1\",\"relu2\"]}}],"
                           "\"r1\":[{\"quant_type\":\"QUInt16\"}],"
                           "\"r2\":[{\"quant_type\":\"QUInt16\"}],"
                           "\"y\":[{\"quant_type\":\"QUInt8\",\"scale\":0.00390625,"
                           "\"zero_point\":0}]}");
    free(c);
    json_decref(got);
    free(s);
    opinfo_overrides_free(ov);
    /* the options are checked */
    oo.size = 0;
    assert_int_equal(opinfo_overrides_from_qgraph(g, &oo, &ov, &e), OPINFO_EUSAGE);
    opinfo_qgraph_free(g);
}

int test_overrides(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overrides_from_a_fixed_graph),
        cmocka_unit_test(overrides_from_an_onnx_graph),
    };
    return cmocka_run_group_tests_name("overrides", tests, NULL, NULL);
}
