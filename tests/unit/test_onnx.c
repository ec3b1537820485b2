/* The ONNX reader (onnx/): models encoded here field by field (ONNX's field numbers), so the
 * tests need no Python; what the reader makes of them, as a qgraph and as diagnostics. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

typedef struct pb {
    uint8_t b[8192];
    size_t n;
} pb;

static void pb_varint(pb *p, uint64_t v)
{
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        p->b[p->n++] = c | (v ? 0x80 : 0);
    } while (v);
}

static void pb_int(pb *p, int field, int64_t v)
{
    pb_varint(p, (uint64_t)field << 3);
    pb_varint(p, (uint64_t)v);
}

static void pb_bytes(pb *p, int field, const void *d, size_t n)
{
    pb_varint(p, (uint64_t)field << 3 | 2);
    pb_varint(p, n);
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void pb_str(pb *p, int field, const char *s) { pb_bytes(p, field, s, strlen(s)); }
static void pb_msg(pb *p, int field, const pb *m) { pb_bytes(p, field, m->b, m->n); }

/* NodeProto: inputs and outputs are NULL-terminated lists; "" is an absent input */
static void node(pb *g, const char *name, const char *op, const char *const *in,
                 const char *const *out)
{
    pb n = {.n = 0};
    for (; in && *in; in++)
        pb_str(&n, 1, *in);
    for (; out && *out; out++)
        pb_str(&n, 2, *out);
    if (name)
        pb_str(&n, 3, name);
    pb_str(&n, 4, op);
    pb_msg(g, 1, &n);
}

static void scalar_f32(pb *g, const char *name, float v)
{
    pb t = {.n = 0};
    pb_int(&t, 2, 1); /* FLOAT */
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, &v, 4);
    pb_msg(g, 5, &t);
}

static void scalar_int(pb *g, const char *name, int type, int64_t v, int bytes)
{
    pb t = {.n = 0};
    pb_int(&t, 2, type);
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, &v, (size_t)bytes); /* little-endian host */
    pb_msg(g, 5, &t);
}

static void value_info(pb *g, int field, const char *name)
{
    pb v = {.n = 0};
    pb_str(&v, 1, name);
    pb_msg(g, field, &v);
}

static void model(pb *m, const pb *g)
{
    m->n = 0;
    pb_int(m, 1, 8); /* ir_version */
    pb_msg(m, 7, g);
    pb opset = {.n = 0};
    pb_int(&opset, 2, 13); /* the default domain at opset 13 */
    pb_msg(m, 8, &opset);
}

/* x -> Q(scale, zp) -> DQ -> Relu -> y, the zero point of the given type */
static void qdq_relu(pb *m, int zp_type, int64_t zp, int zp_bytes, int relu_named)
{
    pb g = {.n = 0};
    node(&g, "q", "QuantizeLinear", (const char *[]){"x", "s", "z", NULL},
         (const char *[]){"xq", NULL});
    node(&g, "dq", "DequantizeLinear", (const char *[]){"xq", "s", "z", NULL},
         (const char *[]){"xd", NULL});
    node(&g, relu_named ? "relu" : NULL, "Relu", (const char *[]){"xd", NULL},
         (const char *[]){"y", NULL});
    scalar_f32(&g, "s", 0.5f);
    scalar_int(&g, "z", zp_type, zp, zp_bytes);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    model(m, &g);
}

static char *to_qgraph(const pb *m, const char *dir, opinfo_error_t *e)
{
    char *json = NULL;
    opinfo_error_init(e);
    if (opinfo_onnx_qgraph("m.onnx", m->b, m->n, dir, 0, &json, e) != OPINFO_OK)
        return NULL;
    return json;
}

/* a node with one integer attribute */
static void node_attr_i(pb *g, const char *name, const char *op, const char *const *in,
                        const char *const *out, const char *attr, int64_t v)
{
    pb n = {.n = 0}, a = {.n = 0};
    for (; in && *in; in++)
        pb_str(&n, 1, *in);
    for (; out && *out; out++)
        pb_str(&n, 2, *out);
    pb_str(&n, 3, name);
    pb_str(&n, 4, op);
    pb_str(&a, 1, attr);
    pb_int(&a, 3, v);
    pb_int(&a, 20, 2); /* AttributeType INT */
    pb_msg(&n, 5, &a);
    pb_msg(g, 1, &n);
}

/* t -> QuantizeLinear(s, z) -> DequantizeLinear -> t_dq (the names are t_q and t_dq) */
static void qdq(pb *g, const char *t, const char *s, const char *z)
{
    char q[64], d[64], nq[64], nd[64];
    snprintf(q, sizeof q, "%s_q", t);
    snprintf(d, sizeof d, "%s_dq", t);
    snprintf(nq, sizeof nq, "%s_Q", t);
    snprintf(nd, sizeof nd, "%s_DQ", t);
    node(g, nq, "QuantizeLinear", (const char *[]){t, s, z, NULL}, (const char *[]){q, NULL});
    node(g, nd, "DequantizeLinear", (const char *[]){q, s, z, NULL}, (const char *[]){d, NULL});
}

/* a stored 1-D tensor of n bytes-per-element values */
static void tensor_1d(pb *g, const char *name, int type, const void *data, int n, int bytes)
{
    pb t = {.n = 0};
    pb_int(&t, 1, n);
    pb_int(&t, 2, type);
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, data, (size_t)n * (size_t)bytes);
    pb_msg(g, 5, &t);
}

static char *qgraph_of(const pb *m)
{
    opinfo_error_t e;
    char *json = to_qgraph(m, NULL, &e);
    if (!json)
        fail_msg("%s", e.text);
    return json;
}

/* The exporter's GELU at opset 17 with ONNX Runtime's Q/DQ around every tensor: x/sqrt2 -> Erf
 * -> +1 -> *x -> *0.5 (pattern 2), the constants quantized at scale 1/128 (sqrt 2 becomes
 * 181/128, within the EP's 1e-3). div_by is the Div's constant; pattern1 puts the Mul by 0.5 on
 * x first (x*0.5 -> * (erf + 1)). */
static void gelu_model(pb *m, float div_by, int pattern1)
{
    pb g = {.n = 0};
    qdq(&g, "x", "s", "z");
    qdq(&g, "c_sqrt2", "sk", "z");
    qdq(&g, "c_one", "sk", "z");
    qdq(&g, "c_half", "sk", "z");
    node(&g, "div", "Div", (const char *[]){"x_dq", "c_sqrt2_dq", NULL},
         (const char *[]){"d", NULL});
    qdq(&g, "d", "s", "z");
    node(&g, "erf", "Erf", (const char *[]){"d_dq", NULL}, (const char *[]){"e", NULL});
    qdq(&g, "e", "s", "z");
    node(&g, "add", "Add", (const char *[]){"e_dq", "c_one_dq", NULL},
         (const char *[]){"a", NULL});
    qdq(&g, "a", "s", "z");
    if (pattern1) {
        node(&g, "half", "Mul", (const char *[]){"x_dq", "c_half_dq", NULL},
             (const char *[]){"h", NULL});
        qdq(&g, "h", "s", "z");
        node(&g, "mul", "Mul", (const char *[]){"h_dq", "a_dq", NULL},
             (const char *[]){"y", NULL});
    } else {
        node(&g, "mul", "Mul", (const char *[]){"x_dq", "a_dq", NULL},
             (const char *[]){"m", NULL});
        qdq(&g, "m", "s", "z");
        node(&g, "mul_1", "Mul", (const char *[]){"m_dq", "c_half_dq", NULL},
             (const char *[]){"y", NULL});
    }
    qdq(&g, "y", "s", "z");
    scalar_f32(&g, "s", 0.05f);
    scalar_f32(&g, "sk", 1.0f / 128);
    scalar_int(&g, "z", 2 /* UINT8 */, 0, 1);
    scalar_f32(&g, "c_sqrt2", div_by);
    scalar_f32(&g, "c_one", 1.0f);
    scalar_f32(&g, "c_half", 0.5f);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y_dq");
    model(m, &g);
}

static void gelu_pattern_is_one_gelu_node(void **state)
{
    (void)state;
    for (int p1 = 0; p1 < 2; p1++) {
        pb m;
        gelu_model(&m, 1.41421356f, p1);
        char *json = qgraph_of(&m);
        /* checked under the Erf's name and index, reading x, writing the last Mul's output */
        assert_non_null(strstr(json, "{\"name\":\"erf\",\"op\":\"Gelu\",\"index\":"));
        assert_non_null(strstr(json, "\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"));
        assert_null(strstr(json, "\"Div\""));
        assert_null(strstr(json, "\"Erf\""));
        assert_null(strstr(json, "\"Add\""));
        assert_null(strstr(json, "\"Mul\""));
        free(json);
    }
    /* the EP checks the constants: x/2 is no GELU, nothing is fused */
    pb m;
    gelu_model(&m, 2.0f, 0);
    char *json = qgraph_of(&m);
    assert_null(strstr(json, "\"Gelu\""));
    assert_non_null(strstr(json, "{\"name\":\"erf\",\"op\":\"Erf\","));
    assert_non_null(strstr(json, "\"op\":\"Div\""));
    free(json);
}

static void gelu_with_a_second_reader_is_not_fused(void **state)
{
    (void)state;
    /* the Erf's output read twice: the EP's GetOnlyChildOfOutput finds no single Add */
    pb g = {.n = 0}, m;
    node(&g, "div", "Div", (const char *[]){"x", "c2", NULL}, (const char *[]){"d", NULL});
    node(&g, "erf", "Erf", (const char *[]){"d", NULL}, (const char *[]){"e", NULL});
    node(&g, "add", "Add", (const char *[]){"e", "c1", NULL}, (const char *[]){"a", NULL});
    node(&g, "mul", "Mul", (const char *[]){"x", "a", NULL}, (const char *[]){"mm", NULL});
    node(&g, "mul_1", "Mul", (const char *[]){"mm", "ch", NULL}, (const char *[]){"y", NULL});
    node(&g, "other", "Relu", (const char *[]){"e", NULL}, (const char *[]){"y2", NULL});
    scalar_f32(&g, "c2", 1.41421356f);
    scalar_f32(&g, "c1", 1.0f);
    scalar_f32(&g, "ch", 0.5f);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    value_info(&g, 12, "y2");
    model(&m, &g);
    char *json = qgraph_of(&m);
    assert_null(strstr(json, "\"Gelu\""));
    free(json);
    /* the same without the second reader, in float: fused */
    g.n = 0;
    node(&g, "div", "Div", (const char *[]){"x", "c2", NULL}, (const char *[]){"d", NULL});
    node(&g, "erf", "Erf", (const char *[]){"d", NULL}, (const char *[]){"e", NULL});
    node(&g, "add", "Add", (const char *[]){"c1", "e", NULL}, (const char *[]){"a", NULL});
    node(&g, "mul", "Mul", (const char *[]){"a", "x", NULL}, (const char *[]){"mm", NULL});
    node(&g, "mul_1", "Mul", (const char *[]){"ch", "mm", NULL}, (const char *[]){"y", NULL});
    scalar_f32(&g, "c2", 1.41421356f);
    scalar_f32(&g, "c1", 1.0f);
    scalar_f32(&g, "ch", 0.5f);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    model(&m, &g);
    json = qgraph_of(&m);
    assert_non_null(strstr(json, "{\"name\":\"erf\",\"op\":\"Gelu\",\"index\":1,"
                                 "\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"));
    free(json);
}

/* vit's attention scale: a float computed from a shape (Shape -> Cast -> Sqrt -> Div) is a
 * constant ONNX Runtime folds; a Cast to FLOAT of a float between a DequantizeLinear and a
 * QuantizeLinear is removed by its Cast Elimination: neither is a checked node */
static void constant_float_chain_and_noop_cast_are_not_nodes(void **state)
{
    (void)state;
    pb g = {.n = 0}, m;
    qdq(&g, "x", "s", "z");
    node(&g, "shape", "Shape", (const char *[]){"x_dq", NULL}, (const char *[]){"sh", NULL});
    node_attr_i(&g, "cast", "Cast", (const char *[]){"sh", NULL}, (const char *[]){"shf", NULL},
                "to", 1);
    node(&g, "sqrt", "Sqrt", (const char *[]){"shf", NULL}, (const char *[]){"r", NULL});
    node(&g, "div", "Div", (const char *[]){"one", "r", NULL}, (const char *[]){"k", NULL});
    qdq(&g, "k", "sk", "z");
    node_attr_i(&g, "cast_1", "Cast", (const char *[]){"k_dq", NULL},
                (const char *[]){"kf", NULL}, "to", 1);
    qdq(&g, "kf", "sk2", "z");
    node(&g, "mul", "Mul", (const char *[]){"x_dq", "kf_dq", NULL}, (const char *[]){"y", NULL});
    qdq(&g, "y", "s", "z");
    scalar_f32(&g, "s", 0.05f);
    scalar_f32(&g, "sk", 0.01f);
    scalar_f32(&g, "sk2", 0.02f);
    scalar_f32(&g, "one", 1.0f);
    scalar_int(&g, "z", 2, 0, 1);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y_dq");
    model(&m, &g);
    char *json = qgraph_of(&m);
    assert_null(strstr(json, "\"Shape\""));
    assert_null(strstr(json, "\"Cast\""));
    assert_null(strstr(json, "\"Sqrt\""));
    assert_null(strstr(json, "\"Div\""));
    /* the Mul reads k through the requantization the Cast stood in: its own edge spec */
    assert_non_null(strstr(json, "{\"name\":\"mul\",\"op\":\"Mul\",\"index\":"));
    assert_non_null(strstr(json, "\"inputs\":[\"x\",{\"tensor\":\"k\",\"spec\":{"
                                 "\"dtype\":\"uint8\",\"qscheme\":\"per_tensor_affine\","
                                 "\"scale\":0.0199"));
    free(json);
    /* a Cast of a float input: to FLOAT16 it stays a node, to FLOAT it is removed */
    for (int to = 10; to >= 1; to -= 9) {
        g.n = 0;
        node_attr_i(&g, "cast", "Cast", (const char *[]){"x", NULL},
                    (const char *[]){"c", NULL}, "to", to);
        node(&g, "relu", "Relu", (const char *[]){"c", NULL}, (const char *[]){"y", NULL});
        pb vi = {.n = 0}, tp = {.n = 0}, tt = {.n = 0};
        pb_int(&tt, 1, 1); /* elem_type FLOAT */
        pb_msg(&tp, 1, &tt);
        pb_str(&vi, 1, "x");
        pb_msg(&vi, 2, &tp);
        pb_msg(&g, 11, &vi);
        value_info(&g, 12, "y");
        model(&m, &g);
        opinfo_error_t e;
        json = to_qgraph(&m, NULL, &e);
        if (!json)
            fail_msg("%s", e.text);
        if (to == 10)
            assert_non_null(strstr(json, "\"op\":\"Cast\""));
        else {
            assert_null(strstr(json, "\"op\":\"Cast\""));
            assert_non_null(strstr(json, "{\"name\":\"relu\",\"op\":\"Relu\",\"index\":1,"
                                         "\"inputs\":[\"x\"]"));
        }
        free(json);
    }
}

/* two dynamic uint16 MatMul inputs: ONNX Runtime's QNN EP converts in1 to UFIXED_POINT_8, so
 * the node reads an 8-bit in1 and is MatMul 16a8w; one uint8 input: nothing converted */
static void uint16_matmul_in1_is_read_as_uint8(void **state)
{
    opinfo_db *db = *state;
    for (int k = 0; k < 2; k++) {
        pb g = {.n = 0}, m;
        qdq(&g, "a", "s", "z16");
        qdq(&g, "b", "s", k ? "z8" : "z16");
        node(&g, "mm", "MatMul", (const char *[]){"a_dq", "b_dq", NULL},
             (const char *[]){"y", NULL});
        qdq(&g, "y", "s", "z16");
        scalar_f32(&g, "s", 0.001f);
        scalar_int(&g, "z16", 4 /* UINT16 */, 100, 2);
        scalar_int(&g, "z8", 2 /* UINT8 */, 100, 1);
        value_info(&g, 11, "a");
        value_info(&g, 11, "b");
        value_info(&g, 12, "y_dq");
        model(&m, &g);
        char *json = qgraph_of(&m);
        const char *conv = "{\"tensor\":\"b\",\"spec\":{\"dtype\":\"uint8\","
                           "\"qscheme\":\"per_tensor_affine\"}}";
        if (k == 0)
            assert_non_null(strstr(json, conv));
        else
            assert_null(strstr(json, conv));
        free(json);
        if (k)
            continue;
        /* and the check finds MatMul 16a8w: no finding on the node */
        opinfo_error_t e;
        opinfo_qgraph *q = NULL;
        opinfo_error_init(&e);
        int rc = opinfo_onnx_parse("m.onnx", m.b, m.n, NULL, 0, &q, &e);
        assert_opinfo_ok(rc, &e);
        opinfo_report *r = opinfo_report_new();
        opinfo_check_options o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.backend = "qnn-htp";
        o.soc = "SM8650";
        o.flags = OPINFO_CHECK_NO_PLUGINS;
        rc = opinfo_check(db, q, &o, r, &e);
        assert_opinfo_ok(rc, &e);
        for (size_t i = 0; i < opinfo_report_count(r); i++)
            fail_msg("unexpected: %s", opinfo_report_get(r, i)->message);
        opinfo_report_free(r);
        opinfo_qgraph_free(q);
    }
}

/* ONNX Runtime's QDQ selector groups LayerNormalization only with an INT32 bias: with a uint8
 * one (its 1.21 override for per-channel models) the node is float to the EP */
static void layernorm_with_uint8_bias_runs_in_float(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        pb g = {.n = 0}, m;
        uint8_t w8[2] = {200, 100};
        int32_t b32[2] = {5, -5};
        qdq(&g, "x", "s", "z16");
        node(&g, "w_DQ", "DequantizeLinear", (const char *[]){"wq", "sw", "z8", NULL},
             (const char *[]){"w_dq", NULL});
        if (k == 0)
            node(&g, "b_DQ", "DequantizeLinear", (const char *[]){"bq", "sw", "z8", NULL},
                 (const char *[]){"b_dq", NULL});
        else
            node(&g, "b_DQ", "DequantizeLinear", (const char *[]){"bq32", "sb", NULL},
                 (const char *[]){"b_dq", NULL});
        node(&g, "ln", "LayerNormalization", (const char *[]){"x_dq", "w_dq", "b_dq", NULL},
             (const char *[]){"y", NULL});
        qdq(&g, "y", "s", "z16");
        tensor_1d(&g, "wq", 2, w8, 2, 1);
        tensor_1d(&g, "bq", 2, w8, 2, 1);
        tensor_1d(&g, "bq32", 6 /* INT32 */, b32, 2, 4);
        scalar_f32(&g, "s", 0.001f);
        scalar_f32(&g, "sw", 0.01f);
        scalar_f32(&g, "sb", 0.00001f);
        scalar_int(&g, "z16", 4, 100, 2);
        scalar_int(&g, "z8", 2, 100, 1);
        value_info(&g, 11, "x");
        value_info(&g, 12, "y_dq");
        model(&m, &g);
        char *json = qgraph_of(&m);
        if (k == 0)
            assert_non_null(strstr(json, "\"float_reason\":\"ONNX Runtime's QDQ selector groups "
                                         "it only with an INT32 bias"));
        else
            assert_null(strstr(json, "float_reason"));
        free(json);
    }
}

/* ONNX Runtime's QUInt8 per-channel weights are asymmetric: the fix points at the per-channel
 * symmetric variant in ONNX Runtime's knobs */
static void per_channel_uint8_weight_fix_speaks_onnx_runtime(void **state)
{
    opinfo_db *db = *state;
    pb g = {.n = 0}, m, t = {.n = 0}, a = {.n = 0}, n = {.n = 0};
    uint8_t w[2 * 3] = {1, 200, 30, 40, 250, 6};
    float ws[2] = {0.01f, 0.02f};
    uint8_t wz[2] = {120, 131};
    qdq(&g, "x", "s", "z16");
    pb_str(&n, 1, "wq");
    pb_str(&n, 1, "ws");
    pb_str(&n, 1, "wz");
    pb_str(&n, 2, "w_dq");
    pb_str(&n, 3, "w_DQ");
    pb_str(&n, 4, "DequantizeLinear");
    pb_str(&a, 1, "axis");
    pb_int(&a, 3, 0);
    pb_int(&a, 20, 2);
    pb_msg(&n, 5, &a);
    pb_msg(&g, 1, &n);
    node(&g, "conv", "Conv", (const char *[]){"x_dq", "w_dq", NULL}, (const char *[]){"y", NULL});
    qdq(&g, "y", "s", "z16");
    pb_int(&t, 1, 2); /* dims 2 x 3 x 1 x 1 */
    pb_int(&t, 1, 3);
    pb_int(&t, 1, 1);
    pb_int(&t, 1, 1);
    pb_int(&t, 2, 2); /* UINT8 */
    pb_str(&t, 8, "wq");
    pb_bytes(&t, 9, w, sizeof w);
    pb_msg(&g, 5, &t);
    tensor_1d(&g, "ws", 1, ws, 2, 4);
    tensor_1d(&g, "wz", 2, wz, 2, 1);
    scalar_f32(&g, "s", 0.001f);
    scalar_int(&g, "z16", 4, 32768, 2);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y_dq");
    model(&m, &g);
    opinfo_error_t e;
    opinfo_qgraph *q = NULL;
    opinfo_error_init(&e);
    int rc = opinfo_onnx_parse("m.onnx", m.b, m.n, NULL, 0, &q, &e);
    assert_opinfo_ok(rc, &e);
    opinfo_report *r = opinfo_report_new();
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.backend = "qnn-htp";
    o.soc = "SM8650";
    o.flags = OPINFO_CHECK_NO_PLUGINS;
    rc = opinfo_check(db, q, &o, r, &e);
    assert_opinfo_ok(rc, &e);
    assert_int_equal(opinfo_report_count(r), 1);
    const opinfo_diag *d = opinfo_report_get(r, 0);
    assert_string_equal(d->rule, "qscheme");
    assert_string_equal(d->fix, "quantize wq int8 per_channel_symmetric (Conv2d 16a8w): in ONNX "
                                "Runtime, get_qnn_qdq_config(..., per_channel=True, "
                                "weight_type=QuantType.QInt8), whose weights are symmetric "
                                "(weight_symmetric=True), or the override \"w_dq\": "
                                "[{\"quant_type\": \"QInt8\", \"symmetric\": true, \"axis\": 0}]; "
                                "per tensor instead, as --fix writes it: per_channel=False");
    opinfo_report_free(r);
    opinfo_qgraph_free(q);
}

static void sniff_tells_json_from_protobuf(void **state)
{
    (void)state;
    assert_int_equal(opinfo_onnx_sniff("  {\"qgraph\": 1}", 15), 0);
    assert_int_equal(opinfo_onnx_sniff("[", 1), 0);
    assert_int_equal(opinfo_onnx_sniff("\x08\x07", 2), 1);
    assert_int_equal(opinfo_onnx_sniff("", 0), 0);
}

static void qdq_pair_gives_the_tensor_its_spec(void **state)
{
    (void)state;
    pb m;
    qdq_relu(&m, 2 /* UINT8 */, 128, 1, 1);
    opinfo_error_t e;
    char *json = to_qgraph(&m, NULL, &e);
    if (!json)
        fail_msg("%s", e.text);
    assert_non_null(strstr(json, "{\"name\":\"x\",\"dtype\":\"uint8\",\"qscheme\":"
                                 "\"per_tensor_affine\",\"scale\":0.5,\"zero_point\":128}"));
    assert_non_null(strstr(json, "{\"name\":\"relu\",\"op\":\"Relu\",\"index\":2,"
                                 "\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"));
    free(json);
    opinfo_qgraph *g = NULL;
    int rc = opinfo_onnx_parse("m.onnx", m.b, m.n, NULL, 0, &g, &e);
    assert_opinfo_ok(rc, &e);
    assert_int_equal(opinfo_qgraph_node_count(g), 1);
    opinfo_qgraph_free(g);
}

static void int16_zero_point_zero_is_symmetric_narrow(void **state)
{
    (void)state;
    pb m;
    qdq_relu(&m, 5 /* INT16 */, 0, 2, 1);
    opinfo_error_t e;
    char *json = to_qgraph(&m, NULL, &e);
    if (!json)
        fail_msg("%s", e.text);
    assert_non_null(strstr(json, "\"dtype\":\"int16\",\"qscheme\":\"per_tensor_symmetric\","
                                 "\"quant_min\":-32767,\"quant_max\":32767"));
    free(json);
}

static void unnamed_node_is_refused_with_its_index(void **state)
{
    (void)state;
    pb m;
    qdq_relu(&m, 2, 128, 1, 0);
    opinfo_error_t e;
    assert_null(to_qgraph(&m, NULL, &e));
    assert_int_equal(e.code, OPINFO_EINPUT);
    assert_string_equal(e.source, "m.onnx");
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.text, "node 2 (Relu): has no name"));
}

/* scale in a file beside the model: read when it stays in the directory */
static void external_data_stays_in_the_directory(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", t_scratch("onnx-ext"));
    mkdir(dir, 0755);
    char path[4200];
    snprintf(path, sizeof path, "%s/scale.bin", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    float pad = 0, s = 0.25f;
    fwrite(&pad, 4, 1, f);
    fwrite(&s, 4, 1, f);
    fclose(f);
    for (int k = 0; k < 3; k++) {
        static const char *const loc[] = {"scale.bin", "../onnx-ext/scale.bin", "link.bin"};
        pb g = {.n = 0}, t = {.n = 0}, kv = {.n = 0}, m;
        node(&g, "q", "QuantizeLinear", (const char *[]){"x", "s", "z", NULL},
             (const char *[]){"xq", NULL});
        node(&g, "dq", "DequantizeLinear", (const char *[]){"xq", "s", "z", NULL},
             (const char *[]){"xd", NULL});
        node(&g, "relu", "Relu", (const char *[]){"xd", NULL}, (const char *[]){"y", NULL});
        pb_int(&t, 2, 1);
        pb_str(&t, 8, "s");
        pb_str(&kv, 1, "location");
        pb_str(&kv, 2, loc[k]);
        pb_msg(&t, 13, &kv);
        kv.n = 0;
        pb_str(&kv, 1, "offset");
        pb_str(&kv, 2, "4");
        pb_msg(&t, 13, &kv);
        pb_int(&t, 14, 1); /* EXTERNAL */
        pb_msg(&g, 5, &t);
        scalar_int(&g, "z", 2, 7, 1);
        value_info(&g, 11, "x");
        value_info(&g, 12, "y");
        model(&m, &g);
        if (k == 2) { /* a link that leads out of the directory */
            char lp[4300];
            snprintf(lp, sizeof lp, "%s/link.bin", dir);
            unlink(lp);
            assert_int_equal(symlink("/etc/hostname", lp), 0);
        }
        opinfo_error_t e;
        char *json = to_qgraph(&m, dir, &e);
        if (k == 0) {
            if (!json)
                fail_msg("%s", e.text);
            assert_non_null(strstr(json, "\"scale\":0.25,\"zero_point\":7"));
            free(json);
            /* without a directory (stdin): refused */
            assert_null(to_qgraph(&m, NULL, &e));
            assert_non_null(strstr(e.text, "without a directory"));
        } else {
            assert_null(json);
            assert_non_null(strstr(e.text, "is outside the model's directory; refused"));
        }
    }
}

static void shape_computation_is_not_a_node(void **state)
{
    (void)state;
    pb g = {.n = 0}, m;
    node(&g, "shape", "Shape", (const char *[]){"x", NULL}, (const char *[]){"s", NULL});
    node(&g, "concat", "Concat", (const char *[]){"s", "m1", NULL}, (const char *[]){"sh", NULL});
    node(&g, "reshape", "Reshape", (const char *[]){"x", "sh", NULL}, (const char *[]){"y", NULL});
    scalar_int(&g, "m1", 7 /* INT64 */, -1, 8);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    model(&m, &g);
    opinfo_error_t e;
    char *json = to_qgraph(&m, NULL, &e);
    if (!json)
        fail_msg("%s", e.text);
    assert_null(strstr(json, "\"Shape\""));
    assert_null(strstr(json, "\"Concat\""));
    assert_non_null(strstr(json, "{\"name\":\"reshape\",\"op\":\"Reshape\",\"index\":2,"
                                 "\"inputs\":[\"x\"],\"outputs\":[\"y\"]}"));
    free(json);
}

static void diagnostics_name_the_node_index(void **state)
{
    opinfo_db *db = *state;
    pb g = {.n = 0}, m;
    node(&g, "relu", "Relu", (const char *[]){"x", NULL}, (const char *[]){"h", NULL});
    node(&g, "odd", "NoSuchOp", (const char *[]){"h", NULL}, (const char *[]){"y", NULL});
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    model(&m, &g);
    opinfo_error_t e;
    opinfo_qgraph *g2 = NULL;
    opinfo_error_init(&e);
    int rc = opinfo_onnx_parse("m.onnx", m.b, m.n, NULL, 0, &g2, &e);
    assert_opinfo_ok(rc, &e);
    opinfo_report *r = opinfo_report_new();
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.backend = "qnn-htp";
    o.soc = "SM8650";
    o.flags = OPINFO_CHECK_NO_PLUGINS; /* the database's checks: they name nodes */
    rc = opinfo_check(db, g2, &o, r, &e);
    assert_opinfo_ok(rc, &e);
    size_t n = opinfo_report_count(r), odd = 0;
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        const opinfo_diag *d = opinfo_report_get(r, i);
        assert_int_equal(d->line, 0);
        assert_string_equal(d->file, "m.onnx");
        assert_int_equal(d->node_index, strcmp(d->node, "odd") == 0 ? 1 : 0);
        /* a float node of an op the backend lacks stays in float: one finding, by index */
        odd += (strcmp(d->rule, "runs-in-float") == 0 || strcmp(d->rule, "op-unsupported") == 0) &&
               d->node_index == 1;
    }
    assert_int_equal(odd, 1);
    char *text = NULL;
    rc = opinfo_report_write(r, OPINFO_FORMAT_TEXT, &text, &e);
    assert_opinfo_ok(rc, &e);
    assert_non_null(strstr(text, "m.onnx: node 1: warning: odd: ")); /* runs-in-float */
    free(text);
    opinfo_report_free(r);
    opinfo_qgraph_free(g2);
}

/* ONNX Runtime's names (W_quantized -> DequantizeLinear -> W_DequantizeLinear_Output; a graph
 * output y written by a DequantizeLinear from y_QuantizeLinear_Input): the float model's names
 * are kept as float_name, and a fix on such a model speaks ONNX Runtime's knobs. The int8 weight
 * has zero point 3: Conv's int8 weights must be symmetric. */
static void float_names_and_onnx_runtime_fixes(void **state)
{
    opinfo_db *db = *state;
    pb g = {.n = 0}, m;
    node(&g, "x_q", "QuantizeLinear", (const char *[]){"x", "s", "z", NULL},
         (const char *[]){"xq", NULL});
    node(&g, "x_dq", "DequantizeLinear", (const char *[]){"xq", "s", "z", NULL},
         (const char *[]){"xd", NULL});
    node(&g, "W_DequantizeLinear", "DequantizeLinear",
         (const char *[]){"W_quantized", "sw", "zw", NULL},
         (const char *[]){"W_DequantizeLinear_Output", NULL});
    node(&g, "conv", "Conv", (const char *[]){"xd", "W_DequantizeLinear_Output", NULL},
         (const char *[]){"y_QuantizeLinear_Input", NULL});
    node(&g, "y_q", "QuantizeLinear", (const char *[]){"y_QuantizeLinear_Input", "s", "z", NULL},
         (const char *[]){"yq", NULL});
    node(&g, "y_dq", "DequantizeLinear", (const char *[]){"yq", "s", "z", NULL},
         (const char *[]){"y", NULL});
    scalar_f32(&g, "s", 0.5f);
    scalar_int(&g, "z", 2, 128, 1); /* UINT8 */
    scalar_f32(&g, "sw", 0.25f);
    scalar_int(&g, "zw", 3, 3, 1); /* INT8 3 */
    pb w = {.n = 0};
    const int64_t dims[] = {2, 1, 1, 1};
    for (size_t i = 0; i < 4; i++)
        pb_int(&w, 1, dims[i]);
    pb_int(&w, 2, 3); /* INT8 */
    pb_str(&w, 8, "W_quantized");
    const int8_t wv[] = {1, -2};
    pb_bytes(&w, 9, wv, sizeof wv);
    pb_msg(&g, 5, &w);
    value_info(&g, 11, "x");
    value_info(&g, 12, "y");
    model(&m, &g);
    opinfo_error_t e;
    char *json = to_qgraph(&m, NULL, &e);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"name\":\"W_quantized\""));
    assert_non_null(strstr(json, "\"float_name\":\"W\""));
    assert_non_null(strstr(json, "\"float_name\":\"y\""));
    assert_null(strstr(json, "\"float_name\":\"x\"")); /* x is its own name */
    free(json);
    opinfo_qgraph *g2 = NULL;
    assert_opinfo_ok(opinfo_onnx_parse("m.onnx", m.b, m.n, NULL, 0, &g2, &e), &e);
    assert_string_equal(opinfo_qgraph_target(g2, "format"), "onnx");
    opinfo_report *r = opinfo_report_new();
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.backend = "qnn-htp";
    o.soc = "SM8650";
    o.flags = OPINFO_CHECK_NO_PLUGINS;
    assert_opinfo_ok(opinfo_check(db, g2, &o, r, &e), &e);
    int seen = 0;
    for (size_t i = 0; i < opinfo_report_count(r); i++) {
        const opinfo_diag *d = opinfo_report_get(r, i);
        if (strcmp(d->rule, "symmetric") != 0)
            continue;
        seen = 1;
        assert_string_equal(d->fix, "weight_type=QuantType.QInt8, weight_symmetric=True in "
                                    "get_qnn_qdq_config, or the override \"W\": [{\"quant_type\": "
                                    "\"QInt8\", \"symmetric\": true}] (an entry without \"axis\" "
                                    "keeps the weight per-tensor)");
    }
    assert_true(seen);
    opinfo_report_free(r);
    opinfo_qgraph_free(g2);
    /* a qgraph keeps its own fixes, and is not "onnx" */
    const char *q = "{\"qgraph\": 1, \"tensors\": [], \"nodes\": []}";
    assert_opinfo_ok(opinfo_qgraph_parse("q.json", q, strlen(q), 0, &g2, &e), &e);
    assert_null(opinfo_qgraph_target(g2, "format"));
    opinfo_qgraph_free(g2);
}


int test_onnx(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff_tells_json_from_protobuf),
        cmocka_unit_test(qdq_pair_gives_the_tensor_its_spec),
        cmocka_unit_test(int16_zero_point_zero_is_symmetric_narrow),
        cmocka_unit_test(unnamed_node_is_refused_with_its_index),
        cmocka_unit_test(external_data_stays_in_the_directory),
        cmocka_unit_test(shape_computation_is_not_a_node),
        cmocka_unit_test(diagnostics_name_the_node_index),
        cmocka_unit_test(gelu_pattern_is_one_gelu_node),
        cmocka_unit_test(gelu_with_a_second_reader_is_not_fused),
        cmocka_unit_test(constant_float_chain_and_noop_cast_are_not_nodes),
        cmocka_unit_test(uint16_matmul_in1_is_read_as_uint8),
        cmocka_unit_test(layernorm_with_uint8_bias_runs_in_float),
        cmocka_unit_test(per_channel_uint8_weight_fix_speaks_onnx_runtime),
        cmocka_unit_test(float_names_and_onnx_runtime_fixes),
    };
    return cmocka_run_group_tests_name("onnx", tests, t_setup_default_db, t_teardown_db);
}
