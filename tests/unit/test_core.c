/* Core vocabulary: error table, dtypes, qschemes, formulas, versions, JSON positions. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../core/internal.h"
#include "testutil.h"

static void errors_have_names_and_messages(void **state)
{
    (void)state;
    assert_string_equal(opinfo_err_name(OPINFO_EPARSE), "EPARSE");
    assert_string_equal(opinfo_strerror(OPINFO_EPARSE), "malformed JSON");
    assert_string_equal(opinfo_err_name(OPINFO_OK), "EOK");
    assert_string_equal(opinfo_strerror(OPINFO_EDBNEWER),
                        "database schema is newer than this tool");
    assert_string_equal(opinfo_strerror(9999), "unknown error");
    assert_string_equal(opinfo_err_name(-1), "EUNKNOWN");
    for (int c = 0; c < OPINFO_ERRNO_COUNT_; c++)
        assert_string_not_equal(opinfo_strerror(c), "unknown error");
}

static void first_error_wins(void **state)
{
    (void)state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    oi_set_error(&e, OPINFO_EINPUT, "a.json", 3, 4, 10, "first %d", 1);
    oi_set_error(&e, OPINFO_EIO, "b.json", 5, 6, 20, "second");
    assert_int_equal(e.code, OPINFO_EINPUT);
    assert_string_equal(e.source, "a.json");
    assert_int_equal(e.line, 3);
    assert_string_equal(e.text, "first 1");
    assert_int_equal(oi_set_error(NULL, OPINFO_EIO, NULL, 0, 0, 0, "x"), OPINFO_EIO);
}

static void version_macros_match_runtime(void **state)
{
    (void)state;
    assert_string_equal(opinfo_version_str(), OPINFO_VERSION);
    assert_int_equal(opinfo_version_number(), OPINFO_VERSION_HEX);
}

static void dtypes_have_their_ranges(void **state)
{
    (void)state;
    const opinfo_dtype_info *u8 = opinfo_dtype_get(OPINFO_DTYPE_UINT8);
    assert_string_equal(u8->name, "uint8");
    assert_int_equal(u8->qmin, 0);
    assert_int_equal(u8->qmax, 255);
    const opinfo_dtype_info *i4 = opinfo_dtype_get(opinfo_dtype_from_name("int4"));
    assert_int_equal(i4->qmin, -8);
    assert_int_equal(i4->qmax, 7);
    assert_int_equal(opinfo_dtype_get(OPINFO_DTYPE_INT2)->qmin, -2);
    assert_int_equal(opinfo_dtype_get(OPINFO_DTYPE_INT32)->qmin, INT32_MIN);
    assert_int_equal(opinfo_dtype_get(OPINFO_DTYPE_UINT32)->qmax, UINT32_MAX);
    assert_false(opinfo_dtype_get(OPINFO_DTYPE_FLOAT32)->is_quantizable);
    assert_true(opinfo_dtype_get(OPINFO_DTYPE_FLOAT32)->is_float);
    assert_int_equal(opinfo_dtype_from_name("uint12"), OPINFO_DTYPE_UNKNOWN);
    assert_int_equal(opinfo_dtype_from_name(NULL), OPINFO_DTYPE_UNKNOWN);
    assert_null(opinfo_dtype_get(OPINFO_DTYPE_UNKNOWN));
    assert_null(opinfo_dtype_get(OPINFO_DTYPE_COUNT_));
    for (int d = 1; d < OPINFO_DTYPE_COUNT_; d++)
        assert_int_equal(opinfo_dtype_from_name(opinfo_dtype_get((opinfo_dtype)d)->name), d);
}

static void qschemes_classify(void **state)
{
    (void)state;
    opinfo_qscheme q = opinfo_qscheme_from_name("per_channel_symmetric");
    assert_int_equal(q, OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC);
    assert_true(opinfo_qscheme_is_symmetric(q));
    assert_true(opinfo_qscheme_is_per_channel(q));
    assert_false(opinfo_qscheme_is_per_block(q));
    assert_true(opinfo_qscheme_is_per_block(OPINFO_QSCHEME_PER_BLOCK_SYMMETRIC));
    assert_false(opinfo_qscheme_is_symmetric(OPINFO_QSCHEME_PER_TENSOR_AFFINE));
    assert_int_equal(opinfo_qscheme_from_name("per_tensor_asymmetric"), OPINFO_QSCHEME_UNKNOWN);
    assert_null(opinfo_qscheme_name(OPINFO_QSCHEME_UNKNOWN));
}

static void formulas_evaluate(void **state)
{
    (void)state;
    opinfo_error_t e;
    double v;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_formula_eval("1/(qmax-qmin+1)", 0, 255, 8, &v, &e), OPINFO_OK);
    assert_true(v == 1.0 / 256);
    assert_int_equal(opinfo_formula_eval("1/(qmax-qmin+1)", 0, 65535, 16, &v, &e), OPINFO_OK);
    assert_true((float)v == (float)(1.0 / 65536));
    assert_int_equal(opinfo_formula_eval("(qmax - qmin + 1) / 2", 0, 65535, 16, &v, &e),
                     OPINFO_OK);
    assert_true(v == 32768);
    assert_int_equal(opinfo_formula_eval("-2*-3+bits", 0, 0, 4, &v, &e), OPINFO_OK);
    assert_true(v == 10);
    assert_int_equal(opinfo_formula_eval("2/256", 0, 0, 0, &v, &e), OPINFO_OK);
    assert_true(v == 0.0078125);
}

static void formulas_reject_bad_text(void **state)
{
    (void)state;
    static const struct {
        const char *expr;
        const char *msg;
        int column;
    } cases[] = {
        {"1/(qmax-", "unexpected end", 9},
        {"1/(qmax-qmin+levels)", "unknown name", 14},
        {"1/(qmax-qmax)", "division by zero", 14},
        {"1/2)", "unexpected text after the formula", 4},
        {"", "unexpected end", 1},
        {"2 $ 3", "unexpected text", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        opinfo_error_t e;
        opinfo_error_init(&e);
        double v = 42;
        assert_int_equal(opinfo_formula_eval(cases[i].expr, 0, 255, 8, &v, &e), OPINFO_EINPUT);
        assert_true(v == 42); /* out-parameter untouched */
        if (!strstr(e.text, cases[i].msg))
            fail_msg("\"%s\": got \"%s\"", cases[i].expr, e.text);
        assert_int_equal(e.column, cases[i].column);
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[400];
    memset(deep, '(', 300);
    strcpy(deep + 300, "1");
    opinfo_error_t e;
    opinfo_error_init(&e);
    double v;
    assert_int_equal(opinfo_formula_eval(deep, 0, 0, 0, &v, &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "nested too deeply"));
    assert_int_equal(opinfo_formula_eval(NULL, 0, 0, 0, &v, NULL), OPINFO_EUSAGE);
}

static void versions_compare_naturally(void **state)
{
    (void)state;
    assert_true(opinfo_version_compare("2.9", "2.41") < 0);
    assert_true(opinfo_version_compare("2.41", "2.41.1") < 0);
    assert_true(opinfo_version_compare("2.44", "2.41") > 0);
    assert_int_equal(opinfo_version_compare("1.13", "1.13"), 0);
    assert_int_equal(opinfo_version_compare("2.041", "2.41"), 0);
    assert_true(opinfo_version_compare("10.0", "9.9") > 0);
}

/* Debian's ordering with '-' as a pre-release marker (docs/constraint-format.md) */
static void versions_order_prereleases_first(void **state)
{
    (void)state;
    assert_true(opinfo_version_compare("2.0~rc1", "2.0") < 0);
    assert_true(opinfo_version_compare("2.0", "2.0~rc1") > 0);
    assert_true(opinfo_version_compare("2.0-rc1", "2.0") < 0);
    assert_true(opinfo_version_compare("2.0", "2.0-rc1") > 0);
    assert_int_equal(opinfo_version_compare("2.0-rc1", "2.0~rc1"), 0);
    assert_true(opinfo_version_compare("2.0~rc1", "2.0~rc2") < 0);
    assert_true(opinfo_version_compare("2.0~rc2", "2.0~rc10") < 0);
    assert_true(opinfo_version_compare("2.0~beta", "2.0~rc1") < 0);
    assert_true(opinfo_version_compare("1.9", "2.0~rc1") < 0);
    assert_true(opinfo_version_compare("2.0", "2.0+1") < 0);
    assert_true(opinfo_version_compare("2.0+1", "2.0.1") < 0);
    assert_true(opinfo_version_compare("2.0", "2.0.1") < 0);
    assert_true(opinfo_version_compare("2", "2.0") < 0);
    assert_int_equal(opinfo_version_compare("2.0", "2.00"), 0);
    assert_int_equal(opinfo_version_compare("2.00", "2.0"), 0);
    assert_int_equal(opinfo_version_compare("2.0-rc.1", "2.0-rc.1"), 0);
    assert_true(opinfo_version_compare("2.0-rc1-2", "2.0-rc1") > 0);
    assert_int_equal(opinfo_version_compare("", ""), 0);
    assert_true(opinfo_version_compare("~", "") < 0);
}

static void json_positions_resolve(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"k\\u00e9y\": 5,\n  \"c\": {\"d\": [[], [7]]}\n}";
    size_t len = strlen(text);
    oi_jpath p = {0};
    int line, col;
    long pos;
    oi_jpath_push_key(&p, "a");
    oi_jpath_push_index(&p, 1);
    oi_jpath_push_key(&p, "b");
    assert_int_equal(oi_json_locate(text, len, &p, 0, &line, &col, &pos), 0);
    assert_int_equal(line, 2);
    assert_int_equal(col, 18);
    assert_int_equal(text[pos], '"');
    assert_int_equal(oi_json_locate(text, len, &p, 1, &line, &col, &pos), 0);
    assert_int_equal(col, 13);
    p.depth = 0;
    oi_jpath_push_key(&p, "k\xc3\xa9y"); /* an escaped key matches its decoded form */
    assert_int_equal(oi_json_locate(text, len, &p, 0, &line, &col, &pos), 0);
    assert_int_equal(line, 3);
    assert_int_equal(text[pos], '5');
    p.depth = 0;
    oi_jpath_push_key(&p, "c");
    oi_jpath_push_key(&p, "d");
    oi_jpath_push_index(&p, 1);
    oi_jpath_push_index(&p, 0);
    assert_int_equal(oi_json_locate(text, len, &p, 0, &line, &col, &pos), 0);
    assert_int_equal(text[pos], '7');
    /* an unresolvable path gives the deepest part that resolved */
    p.depth = 0;
    oi_jpath_push_key(&p, "c");
    oi_jpath_push_key(&p, "nope");
    assert_int_equal(oi_json_locate(text, len, &p, 0, &line, &col, &pos), -1);
    assert_int_equal(text[pos], '{');
    char buf[64];
    oi_jpath_format(&p, buf, sizeof buf);
    assert_string_equal(buf, "/c/nope");
    /* columns count characters, not bytes */
    const char *u = "{\"\xc3\xa9\xc3\xa9\": 1}";
    p.depth = 0;
    oi_jpath_push_key(&p, "\xc3\xa9\xc3\xa9");
    assert_int_equal(oi_json_locate(u, strlen(u), &p, 0, &line, &col, &pos), 0);
    assert_int_equal(col, 8);
}

/* The fast path in front of jansson (core/jsonfast.c): what it takes, it reads as jansson does
 * (the same value, ending at the same offset); what it declines, jansson decides. The fuzz
 * target tests/fuzz/jsonfast.c compares the two on every input it accepts. */
static void json_fast_path_agrees_with_jansson(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int taken;
    } cases[] = {
        {"{\"name\": \"x\", \"quant_min\": -128, \"eps\": 1.1920928955078125e-07}", 1},
        {"[1, -0, 0.5, -2.5e-3, 1E+2, true, false, null, \"\", {}, []] tail", 1},
        {"{ \"a\" :\t[ 1 ,\n2 ] , \"\" : 0 }", 1},
        {"123456789012345678", 1},
        {"0.1000000000000000055511151231257827021181583404541015625", 1},
        {"-1e-400", 1}, /* underflow: jansson takes it too */
        {"true1", 1},   /* a value, then what the caller judges */
        {"1234567890123456789", 0}, /* may not fit: jansson's range check */
        {"{\"k\": 1, \"k\": 2}", 0},  /* duplicate key */
        {"\"esc\\\"aped\"", 0},
        {"\"caf\xc3\xa9\"", 0},
        {"\"tab\tin\"", 0},
        {"1e400", 0},
        {"01", 0},
        {"1.", 0},
        {"-", 0},
        {"truex", 0},
        {"[1,]", 0},
        {"{\"a\":1", 0},
        {" 1", 0}, /* the caller skips whitespace first */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *t = cases[k].text;
        size_t i = 0;
        json_t *fast = oi_json_fast(t, strlen(t), &i);
        assert_int_equal(fast != NULL, cases[k].taken);
        if (!fast) {
            assert_int_equal(i, 0);
            continue;
        }
        json_error_t je;
        json_t *slow = json_loadb(
            t, strlen(t), JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        assert_non_null(slow);
        assert_int_equal(i, (size_t)je.position);
        assert_true(json_equal(fast, slow));
        json_decref(fast);
        json_decref(slow);
    }
    /* integers stay integers, reals reals */
    size_t i = 0;
    json_t *v = oi_json_fast("[7, 7.0]", 8, &i);
    assert_non_null(v);
    assert_true(json_is_integer(json_array_get(v, 0)));
    assert_true(json_is_real(json_array_get(v, 1)));
    json_decref(v);
    /* nesting deeper than 64 levels goes to jansson */
    char deep[200];
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    i = 0;
    assert_null(oi_json_fast(deep, 140, &i));
    assert_non_null(v = oi_json_fast(deep + 10, 120, &i));
    json_decref(v);
}

static void map_and_arena(void **state)
{
    (void)state;
    oi_map m;
    oi_map_init(&m);
    char keys[1000][16];
    for (int i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        assert_int_equal(oi_map_put(&m, keys[i], &keys[i]), 0);
    }
    assert_int_equal(m.count, 1000);
    void *v;
    for (int i = 0; i < 1000; i++) {
        assert_true(oi_map_get(&m, keys[i], &v));
        assert_ptr_equal(v, &keys[i]);
    }
    assert_false(oi_map_get(&m, "k1000", &v));
    oi_map_put(&m, "k5", NULL);
    assert_true(oi_map_get(&m, "k5", &v));
    assert_null(v);
    oi_map_free(&m);
    oi_arena a = {0};
    char *big = oi_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_string_equal(oi_arena_strdup(&a, "hello"), "hello");
    assert_null(oi_arena_strdup(&a, NULL));
    oi_arena_free(&a);
}

int test_core(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_have_names_and_messages),
        cmocka_unit_test(first_error_wins),
        cmocka_unit_test(version_macros_match_runtime),
        cmocka_unit_test(dtypes_have_their_ranges),
        cmocka_unit_test(qschemes_classify),
        cmocka_unit_test(formulas_evaluate),
        cmocka_unit_test(formulas_reject_bad_text),
        cmocka_unit_test(versions_compare_naturally),
        cmocka_unit_test(versions_order_prereleases_first),
        cmocka_unit_test(json_positions_resolve),
        cmocka_unit_test(json_fast_path_agrees_with_jansson),
        cmocka_unit_test(map_and_arena),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
