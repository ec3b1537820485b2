/* Look-ups against the built default database: the facts the data must carry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"



static const opinfo_variant *variant_named(const opinfo_op *op, const char *name)
{
    for (size_t i = 0; i < op->n_variants; i++)
        if (strcmp(op->variants[i].name, name) == 0)
            return &op->variants[i];
    fail_msg("op %s has no variant %s", op->name, name);
    return NULL;
}

static const opinfo_port_spec *spec_named(const opinfo_op *op, const opinfo_variant *v,
                                          const char *port)
{
    for (size_t i = 0; i < op->n_ports; i++)
        if (strcmp(op->ports[i].name, port) == 0)
            return opinfo_variant_spec(v, (int)i);
    fail_msg("op %s has no port %s", op->name, port);
    return NULL;
}

static void socs_map_to_archs(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    static const struct {
        const char *soc, *arch;
        int rank, vtcm;
    } facts[] = {
        {"SM8650", "v75", 75, 8}, {"SM8450", "v69", 69, 8}, {"SM8350", "v68", 68, 4},
        {"SM8550", "v73", 73, 8}, {"SM8750", "v79", 79, 8}, {"SM8850", "v81", 81, 8},
        {"SA8797", "v81", 81, 16}, {"QCM6490", "v68", 68, 2},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        opinfo_soc soc;
        assert_opinfo_ok(opinfo_db_find_soc(db, "qnn-htp", NULL, facts[i].soc, &soc, &e), &e);
        assert_string_equal(soc.arch, facts[i].arch);
        assert_int_equal(soc.arch_rank, facts[i].rank);
        assert_int_equal(soc.vtcm_mb, facts[i].vtcm);
    }
    opinfo_soc soc;
    assert_opinfo_ok(opinfo_db_find_soc(db, "qnn-htp", "2.41", "SM8650", &soc, &e), &e);
    assert_non_null(strstr(soc.attributes, "\"qcom_chipset_id\":57"));
    assert_int_equal(opinfo_db_find_soc(db, "qnn-htp", NULL, "SM9999", &soc, &e),
                     OPINFO_ENOTFOUND);
    assert_non_null(strstr(e.text, "unknown SoC \"SM9999\""));
}

static int cb(int n, const char *const *c, void *ud)
{
    (void)n;
    (void)c;
    ++*(int *)ud;
    return 0;
}

static void all_twenty_socs_are_listed(void **state)
{
    int count = 0;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_list(*state, OPINFO_LIST_SOCS, "qnn-htp", NULL, cb, &count, &e),
                     &e);
    assert_int_equal(count, 20);
}

typedef struct rows {
    int stop_after; /* 0: every row */
    int n, ncols;
    char names[64][32], second[64][32];
} rows;

static int keep_row(int n, const char *const *c, void *ud)
{
    rows *r = ud;
    if (r->n < 64) {
        r->ncols = n;
        snprintf(r->names[r->n], sizeof r->names[0], "%s", c[2] ? c[2] : "(null)");
        snprintf(r->second[r->n], sizeof r->second[0], "%s", c[3] ? c[3] : "(null)");
    }
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

/* Listings of one backend are kept by the handle: one the caller stopped early, then the whole
 * listing again, then again from the kept rows, give the same rows in the same order as the
 * look-ups of each SoC. */
static void a_listing_stopped_early_then_repeated_gives_every_row(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rows first = {.stop_after = 3}, all, again;
    memset(&all, 0, sizeof all);
    memset(&again, 0, sizeof again);
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_SOCS, "qnn-htp", "2.41", keep_row, &first,
                                    &e), &e);
    assert_int_equal(first.n, 3);
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_SOCS, "qnn-htp", "2.41", keep_row, &all, &e),
                     &e);
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_SOCS, "qnn-htp", "2.41", keep_row, &again,
                                    &e), &e);
    assert_true(all.n > 3);
    assert_int_equal(all.ncols, 6);
    assert_int_equal(again.n, all.n);
    assert_int_equal(again.ncols, all.ncols);
    for (int i = 0; i < all.n && i < 64; i++) {
        if (i < 3)
            assert_string_equal(first.names[i], all.names[i]);
        assert_string_equal(again.names[i], all.names[i]);
        assert_string_equal(again.second[i], all.second[i]);
        opinfo_soc soc;
        assert_opinfo_ok(opinfo_db_find_soc(db, "qnn-htp", "2.41", all.names[i], &soc, &e), &e);
        assert_string_equal(soc.arch, all.second[i]); /* the listing's arch column */
    }
    /* archs in rank order, the first alone and then all */
    rows lowest = {.stop_after = 1}, archs;
    memset(&archs, 0, sizeof archs);
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_ARCHS, "qnn-htp", "2.41", keep_row, &lowest,
                                    &e), &e);
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_ARCHS, "qnn-htp", "2.41", keep_row, &archs,
                                    &e), &e);
    assert_int_equal(lowest.n, 1);
    assert_true(archs.n > 1);
    assert_string_equal(lowest.names[0], archs.names[0]);
    for (int i = 1; i < archs.n && i < 64; i++)
        assert_true(atoi(archs.second[i - 1]) <= atoi(archs.second[i]));
    /* an unknown backend or release is still refused after the listings were kept */
    assert_int_equal(opinfo_db_list(db, OPINFO_LIST_SOCS, "nosuch", NULL, keep_row, &again, &e),
                     OPINFO_ENOTFOUND);
    assert_int_equal(opinfo_db_list(db, OPINFO_LIST_SOCS, "qnn-htp", "0.0", keep_row, &again, &e),
                     OPINFO_ENOTFOUND);
}

static void latest_release_is_the_newest_version(void **state)
{
    const char *ver;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_latest_release(*state, "qnn-htp", &ver, &e), &e);
    assert_string_equal(ver, "2.44.1"); /* after 2.44 in natural version order */
    assert_int_equal(opinfo_db_latest_release(*state, "nosuch", &ver, &e), OPINFO_ENOTFOUND);
}

/* 16a16w MatMul needs v73: unavailable on SM8450 (v69), available on SM8550 (v73). */
static void matmul_16a16w_is_gated_at_v73(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "aten.matmul.default", &op, &e), &e);
    assert_string_equal(op->name, "MatMul");
    const opinfo_variant *v = variant_named(op, "16a16w");
    assert_string_equal(v->min_arch, "v73");
    assert_non_null(v->gate_note);
    opinfo_soc s69, s73;
    assert_opinfo_ok(opinfo_db_find_soc(db, "qnn-htp", NULL, "SM8450", &s69, &e), &e);
    assert_opinfo_ok(opinfo_db_find_soc(db, "qnn-htp", NULL, "SM8550", &s73, &e), &e);
    assert_false(opinfo_variant_available(v, s69.arch_rank));
    assert_true(opinfo_variant_available(v, s73.arch_rank));
    const opinfo_port_spec *in1 = spec_named(op, v, "in1");
    assert_int_equal(in1->dtype, OPINFO_DTYPE_INT16);
    assert_true(in1->qschemes & OPINFO_QSCHEME_BIT(OPINFO_QSCHEME_PER_TENSOR_SYMMETRIC));
    assert_false(in1->qschemes & OPINFO_QSCHEME_BIT(OPINFO_QSCHEME_PER_TENSOR_AFFINE));
}

/* LPBQ on Conv2d needs v69: gated on SM8350 (v68), available on SM8450. */
static void conv2d_lpbq_is_gated_at_v69(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.41", "torch.nn.Conv2d", &op, &e), &e);
    const opinfo_variant *v = variant_named(op, "16a4w-block");
    assert_false(opinfo_variant_available(v, 68));
    assert_true(opinfo_variant_available(v, 69));
    const opinfo_port_spec *w = spec_named(op, v, "weight");
    assert_int_equal(w->dtype, OPINFO_DTYPE_INT4);
    assert_int_equal(w->qschemes, OPINFO_QSCHEME_BIT(OPINFO_QSCHEME_PER_BLOCK_SYMMETRIC));
    const opinfo_port_spec *b = spec_named(op, v, "bias");
    assert_int_equal(b->dtype, OPINFO_DTYPE_INT32);
    assert_int_equal(b->derived_from, (1u << 0) | (1u << 1)); /* input x weight */
    assert_true(op->ports[2].optional);
}

static void qnn_fixed_qparams_per_dtype(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "Sigmoid", &op, &e), &e);
    const opinfo_port_spec *out = spec_named(op, variant_named(op, "uint16"), "output");
    assert_true(out->has_fixed_scale);
    double s;
    assert_opinfo_ok(opinfo_formula_eval(out->fixed_scale_expr, 0, 65535, 16, &s, &e), &e);
    assert_true((float)s == 1.0f / 65536);
    assert_true(out->has_fixed_zero_point);
    assert_int_equal(out->fixed_zero_point, 0);
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "Tanh", &op, &e), &e);
    out = spec_named(op, variant_named(op, "uint16"), "output");
    assert_true((float)out->fixed_scale == 1.0f / 32768);
    assert_int_equal(out->fixed_zero_point, 32768); /* QNN offset -32768 */
}

static void xnnpack_qint8_weight_bounds(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(
        opinfo_db_find_op(db, "xnnpack", "1.13.1", "torch.nn.functional.linear", &op, &e), &e);
    const opinfo_variant *v = variant_named(op, "qint8-symmetric");
    const opinfo_port_spec *w = spec_named(op, v, "weight");
    assert_true(w->has_quant_min_lower_bound);
    assert_int_equal(w->quant_min_lower_bound, -127);
    assert_int_equal(w->quant_max_upper_bound, 127);
    assert_true(w->scale_min_lower_bound == 0x1p-12);
    assert_true(spec_named(op, v, "input")->scale_min_lower_bound == 0x1p-12);
    assert_int_equal(v->n_rules, 1);
    assert_int_equal(v->rules[0].kind, OPINFO_RULE_REQUANT_SCALE);
    assert_true(v->rules[0].min == 0x1p-32);
    assert_true(v->rules[0].max == 256);
    assert_true(v->rules[0].max_exclusive);
    assert_false(v->rules[0].min_exclusive);
}

/* One PyTorch per xnnpack release: 1.13.1 is PyTorch 1.13.1's qnnpack BackendConfig (no int8
 * dynamic Linear; release 1.13 carried PyTorch 2.x's by mistake), 2.6 is PyTorch 2.6's
 * XNNPACKQuantizer, whose dynamic Linear computes the input's qparams at run time (the port
 * spec says so, schema 3) and keeps its weight static. */
static void xnnpack_releases_match_one_pytorch(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "xnnpack", "1.13", "torch.nn.Linear", &op, &e), &e);
    assert_non_null(variant_named(op, "dynamic-qint8")); /* the immutable, mixed release */
    assert_opinfo_ok(opinfo_db_find_op(db, "xnnpack", "1.13.1", "torch.nn.Linear", &op, &e), &e);
    for (size_t i = 0; i < op->n_variants; i++)
        assert_string_not_equal(op->variants[i].name, "dynamic-qint8");
    assert_int_equal(op->n_variants, 4); /* qint8-symmetric, quint8, dynamic-int8, dynamic-fp16 */
    assert_opinfo_ok(opinfo_db_find_op(db, "xnnpack", "1.13.1", "torch.nn.LayerNorm", &op, &e), &e);
    assert_int_equal(spec_named(op, variant_named(op, "quint8"), "input")->dtype,
                     OPINFO_DTYPE_UINT8);
    assert_opinfo_ok(opinfo_db_find_op(db, "xnnpack", "2.6", "aten.linear.default", &op, &e), &e);
    const opinfo_variant *v = variant_named(op, "dynamic-qint8");
    assert_true(v->is_dynamic);
    assert_int_equal(spec_named(op, v, "input")->is_dynamic, 1);
    assert_int_equal(spec_named(op, v, "weight")->is_dynamic, -1);
    assert_int_equal(op->n_variants, 2); /* qint8-symmetric, dynamic-qint8: no quint8 */
    /* 2.6 knows aten targets only: an FX graph is checked against 1.13.1 */
    assert_int_equal(opinfo_db_find_op(db, "xnnpack", "2.6", "torch.nn.Linear", &op, &e),
                     OPINFO_ENOTFOUND);
}

static void fbgemm_sigmoid_fixed_qparams(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "fbgemm", "1.13", "torch.nn.Sigmoid", &op, &e), &e);
    const opinfo_port_spec *out = spec_named(op, variant_named(op, "quint8"), "output");
    assert_true(out->has_fixed_scale);
    assert_null(out->fixed_scale_expr);
    assert_true(out->fixed_scale == 1.0 / 256);
    assert_int_equal(out->fixed_zero_point, 0);
    assert_opinfo_ok(opinfo_db_find_op(db, "fbgemm", "1.13", "torch.tanh", &op, &e), &e);
    out = spec_named(op, variant_named(op, "quint8"), "output");
    assert_true(out->fixed_scale == 2.0 / 256);
    assert_int_equal(out->fixed_zero_point, 128);
}

static void aliases_resolve_to_one_cached_op(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    const opinfo_op *a, *b, *c, *d;
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "Conv2d", &a, &e), &e);
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "aten.conv2d.default", &b, &e), &e);
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", NULL, "Conv", &c, &e), &e); /* ONNX */
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.44.1", "Conv2d", &d, &e), &e);
    assert_ptr_equal(a, b); /* one load, many names */
    assert_ptr_equal(a, c);
    assert_ptr_equal(a, d);
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.41", "Conv2d", &d, &e), &e);
    assert_ptr_not_equal(a, d); /* another release, another op */
    assert_string_equal(d->release, "2.41");
    assert_int_equal(opinfo_db_find_op(db, "qnn-htp", NULL, "NoSuchOp", &a, &e), OPINFO_ENOTFOUND);
    assert_non_null(strstr(e.text, "no op or alias \"NoSuchOp\""));
    opinfo_error_init(&e); /* the negative answer is cached too, and still an error */
    assert_int_equal(opinfo_db_find_op(db, "qnn-htp", NULL, "NoSuchOp", &a, &e), OPINFO_ENOTFOUND);
    assert_int_equal(opinfo_db_find_op(db, "qnn-htp", "9.99", "Conv2d", &a, &e), OPINFO_ENOTFOUND);
    assert_int_equal(opinfo_db_find_op(NULL, "qnn-htp", NULL, "Conv2d", &a, &e), OPINFO_EUSAGE);
}

static void math_invariant_ops_share_their_input(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    static const char *const ops[] = {"Reshape", "Transpose", "DepthToSpace", "SpaceToDepth",
                                      "aten.view.default"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const opinfo_op *op;
        assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.44", ops[i], &op, &e), &e);
        assert_true(op->n_variants > 0);
        for (size_t k = 0; k < op->n_variants; k++) {
            const opinfo_port_spec *out = spec_named(op, &op->variants[k], "output");
            assert_int_equal(out->shared_with, 0);
        }
    }
    /* 2.44.1: quantized Reshape still shares; DepthToSpace does not (ONNX Runtime's quant tool
     * quantizes it independently); unquantized integer variants share nothing */
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.44.1", "aten.view.default", &op, &e), &e);
    size_t shared = 0;
    for (size_t k = 0; k < op->n_variants; k++) {
        const opinfo_port_spec *out = spec_named(op, &op->variants[k], "output");
        if (out->dtype == OPINFO_DTYPE_UINT8 || out->dtype == OPINFO_DTYPE_UINT16) {
            assert_int_equal(out->shared_with, 0);
            shared++;
        } else
            assert_int_equal(out->shared_with, -1);
    }
    assert_int_equal(shared, 2);
    assert_opinfo_ok(opinfo_db_find_op(db, "qnn-htp", "2.44.1", "DepthToSpace", &op, &e), &e);
    for (size_t k = 0; k < op->n_variants; k++)
        assert_int_equal(spec_named(op, &op->variants[k], "output")->shared_with, -1);
}

static void the_diff_between_releases_is_real(void **state)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    size_t n = 0;
    assert_opinfo_ok(opinfo_db_diff(*state, "qnn-htp", "2.41", "2.44", NULL, NULL, &n, &e), &e);
    assert_int_equal(n, 2);
    assert_opinfo_ok(opinfo_db_diff(*state, "qnn-htp", "2.44", "2.44", NULL, NULL, &n, &e), &e);
    assert_int_equal(n, 0);
    assert_int_equal(opinfo_db_diff(*state, "qnn-htp", "2.41", "3.0", NULL, NULL, &n, &e),
                     OPINFO_ENOTFOUND);
}

int test_query(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(socs_map_to_archs),
        cmocka_unit_test(all_twenty_socs_are_listed),
        cmocka_unit_test(a_listing_stopped_early_then_repeated_gives_every_row),
        cmocka_unit_test(latest_release_is_the_newest_version),
        cmocka_unit_test(matmul_16a16w_is_gated_at_v73),
        cmocka_unit_test(conv2d_lpbq_is_gated_at_v69),
        cmocka_unit_test(qnn_fixed_qparams_per_dtype),
        cmocka_unit_test(xnnpack_qint8_weight_bounds),
        cmocka_unit_test(xnnpack_releases_match_one_pytorch),
        cmocka_unit_test(fbgemm_sigmoid_fixed_qparams),
        cmocka_unit_test(aliases_resolve_to_one_cached_op),
        cmocka_unit_test(math_invariant_ops_share_their_input),
        cmocka_unit_test(the_diff_between_releases_is_real),
    };
    return cmocka_run_group_tests_name("query", tests, t_setup_default_db, t_teardown_db);
}
