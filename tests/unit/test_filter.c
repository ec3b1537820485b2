/* Selection, suppression and baselines through the library's API (validator/filter.c,
 * docs/adoption.md): diagnostics of several checks in one report, fingerprints across unrelated
 * edits, baselines written and read back, and bad arguments. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"



/* a 16a16w MatMul (arch-gate on SM8450) named NODE, its output named OUT, with SUPPRESS */
static opinfo_qgraph *graph(const char *node, const char *out, const char *suppress)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"qgraph\": 1, \"tensors\": [{\"name\": \"a\", \"dtype\": \"uint16\"},\n"
             " {\"name\": \"b\", \"dtype\": \"int16\", \"qscheme\": \"per_tensor_symmetric\",\n"
             "  \"quant_min\": -32767, \"quant_max\": 32767},\n"
             " {\"name\": \"%s\", \"dtype\": \"uint16\"}],\n"
             " \"nodes\": [{\"name\": \"%s\", \"op\": \"aten.matmul.default\",\n"
             "  \"inputs\": [\"a\", \"b\"], \"outputs\": [\"%s\"]%s}]}\n",
             out, node, out, suppress);
    opinfo_qgraph *g = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_qgraph_parse("mem.json", text, strlen(text), 0, &g, &e), &e);
    return g;
}

static void check_into(opinfo_db *db, const opinfo_qgraph *g, opinfo_report *r)
{
    opinfo_check_options o = {sizeof o, "qnn-htp", "SM8450", NULL, OPINFO_CHECK_NO_PLUGINS, 0,
                              NULL};
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_check(db, g, &o, r, &e), &e);
}

static void filters_only_the_last_check(void **state)
{
    opinfo_report *r = opinfo_report_new();
    opinfo_filter *f = opinfo_filter_new();
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g1 = graph("mm", "y", ""), *g2 = graph("mm2", "y", "");
    check_into(*state, g1, r);
    assert_int_equal(opinfo_report_count(r), 1);
    size_t from = opinfo_report_count(r);
    check_into(*state, g2, r);
    assert_opinfo_ok(opinfo_filter_ignore(f, "arch", &e), &e);
    assert_opinfo_ok(opinfo_report_filter(r, from, g2, f, &e), &e);
    assert_int_equal(opinfo_report_count(r), 1); /* the first check's stays */
    assert_string_equal(opinfo_report_get(r, 0)->node, "mm");
    assert_int_equal(opinfo_report_errors(r), 1);
    /* and every format still renders */
    char *text = NULL;
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JUNIT, &text, &e), &e);
    /* one testcase per rule and file (both graphs are mem.json): the first check's arch-gate */
    assert_non_null(strstr(text, "<testcase name=\"arch-gate\""));
    assert_non_null(strstr(text, "failure message=\"1 node: mm\""));
    assert_null(strstr(text, "mm2"));
    free(text);
    opinfo_qgraph_free(g1);
    opinfo_qgraph_free(g2);
    opinfo_filter_free(f);
    opinfo_report_free(r);
}

static void suppression_and_its_reason(void **state)
{
    opinfo_report *r = opinfo_report_new();
    opinfo_filter *f = opinfo_filter_new();
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = graph("mm", "y", ", \"suppress\": [{\"rule\": \"arch-gate\"}]");
    check_into(*state, g, r);
    assert_opinfo_ok(opinfo_report_filter(r, 0, g, f, &e), &e);
    opinfo_qgraph_free(g); /* what the filter keeps outlives the graph */
    assert_int_equal(opinfo_filter_count(f, OPINFO_FILTERED_SUPPRESSED), 1);
    const char *why = "x";
    const opinfo_diag *d = opinfo_filter_get(f, OPINFO_FILTERED_SUPPRESSED, 0, &why);
    assert_string_equal(d->rule, "arch-gate");
    assert_null(why);
    assert_int_equal(opinfo_report_count(r), 1);
    assert_string_equal(opinfo_report_get(r, 0)->rule, "unjustified-suppression");
    assert_string_equal(opinfo_report_get(r, 0)->node, "mm");
    assert_int_equal(opinfo_report_errors(r), 0);
    assert_int_equal(opinfo_report_warnings(r), 1);
    opinfo_filter_free(f);
    opinfo_report_free(r);
}

static void fingerprints_and_baselines(void **state)
{
    opinfo_report *r1 = opinfo_report_new(), *r2 = opinfo_report_new();
    opinfo_qgraph *g1 = graph("mm", "y", ""), *g2 = graph("mm", "renamed_output", "");
    check_into(*state, g1, r1);
    check_into(*state, g2, r2);
    /* another tensor's name is not part of the fingerprint */
    assert_true(opinfo_diag_fingerprint(opinfo_report_get(r1, 0)) ==
                opinfo_diag_fingerprint(opinfo_report_get(r2, 0)));
    char *text = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_report_baseline(r1, &text, &e), &e);
    const char *path = t_scratch("baseline.json");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(text);
    opinfo_filter *f = opinfo_filter_new();
    assert_opinfo_ok(opinfo_filter_baseline(f, path, &e), &e);
    assert_int_equal(opinfo_filter_count(f, OPINFO_FILTERED_FIXED), 1); /* nothing checked yet */
    assert_opinfo_ok(opinfo_report_filter(r2, 0, g2, f, &e), &e);
    assert_int_equal(opinfo_report_count(r2), 0);
    assert_int_equal(opinfo_filter_count(f, OPINFO_FILTERED_BASELINED), 1);
    assert_int_equal(opinfo_filter_count(f, OPINFO_FILTERED_FIXED), 0);
    opinfo_filter_free(f);
    opinfo_qgraph_free(g1);
    opinfo_qgraph_free(g2);
    opinfo_report_free(r1);
    opinfo_report_free(r2);
}

static void bad_names_and_arguments(void **state)
{
    (void)state;
    opinfo_filter *f = opinfo_filter_new();
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_filter_select(f, "qscheme, arch-gate ,qnn-htp/,ALL", &e), OPINFO_OK);
    assert_int_equal(opinfo_filter_select(f, "qschem3", &e), OPINFO_EUSAGE);
    assert_non_null(strstr(e.text, "did you mean \"qscheme\""));
    opinfo_error_init(&e);
    assert_int_equal(opinfo_filter_select(NULL, "qscheme", &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_report_filter(NULL, 0, NULL, f, &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_filter_baseline(f, t_scratch("missing.json"), &e), OPINFO_EIO);
    assert_null(opinfo_filter_get(f, OPINFO_FILTERED_BASELINED, 0, NULL));
    opinfo_filter_free(f);
    opinfo_filter_free(NULL);
}

/* streaming: the progress callback, a partial filter that adds no reason warnings, and the tail of
 * a report written in a line format */
static void count_calls(size_t done, size_t total, void *ud)
{
    size_t *calls = ud;
    assert_true(done <= total);
    assert_int_equal(total, 1);
    calls[0]++;
    calls[1] = done;
}

static void streamed_as_found(void **state)
{
    opinfo_report *r = opinfo_report_new();
    opinfo_filter *f = opinfo_filter_new();
    opinfo_error_t e;
    opinfo_error_init(&e);
    size_t calls[2] = {0, 0};
    opinfo_report_set_progress(r, count_calls, calls);
    opinfo_qgraph *a = graph("m1", "y1", "");
    opinfo_qgraph *b = graph("m2", "y2", ", \"suppress\": [{\"rule\": \"dynamic-mismatch\"}]");
    check_into(*state, a, r);
    assert_int_equal(calls[0], 1); /* one node: the final call only */
    assert_int_equal(calls[1], 1);
    assert_opinfo_ok(opinfo_report_filter(r, 0, a, f, &e), &e);
    size_t from = opinfo_report_count(r);
    check_into(*state, b, r);
    /* the partial filter keeps the suppressions of b but adds no unjustified-suppression */
    assert_opinfo_ok(opinfo_report_filter_partial(r, from, b, f, &e), &e);
    assert_int_equal(opinfo_report_count(r), 2);
    assert_opinfo_ok(opinfo_report_filter_partial(r, from, b, f, &e), &e);
    assert_int_equal(opinfo_report_count(r), 2);
    /* the final one adds it, once */
    assert_opinfo_ok(opinfo_report_filter(r, opinfo_report_count(r), b, f, &e), &e);
    assert_int_equal(opinfo_report_count(r), 3);
    assert_string_equal(opinfo_report_get(r, 2)->rule, "unjustified-suppression");
    char *whole = NULL, *tail = NULL, *gh = NULL;
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_TEXT, &whole, &e), &e);
    assert_opinfo_ok(opinfo_report_write_from(r, OPINFO_FORMAT_TEXT, 1, &tail, &e), &e);
    assert_non_null(strstr(whole, tail));
    assert_string_equal(whole + strlen(whole) - strlen(tail), tail);
    assert_null(strstr(tail, ": m1: "));
    assert_non_null(strstr(tail, ": m2: "));
    free(tail);
    tail = NULL;
    assert_opinfo_ok(opinfo_report_write_from(r, OPINFO_FORMAT_TEXT, 99, &tail, &e), &e);
    assert_string_equal(tail, "");
    assert_opinfo_ok(opinfo_report_write_from(r, OPINFO_FORMAT_GITHUB, 2, &gh, &e), &e);
    assert_int_equal(strncmp(gh, "::warning file=", 15), 0);
    assert_int_equal(opinfo_report_write_from(r, OPINFO_FORMAT_JSON, 0, &tail, &e), OPINFO_EUSAGE);
    free(whole);
    free(tail);
    free(gh);
    opinfo_qgraph_free(a);
    opinfo_qgraph_free(b);
    opinfo_filter_free(f);
    opinfo_report_free(r);
}

/* Checking while reading (opinfo_check_file): the report of a whole read, progress while the
 * node count is not known, and a failed read takes its diagnostics back. */
typedef struct seen {
    opinfo_report *r;
    size_t calls, first_total, diags_at_first, last_done, last_total;
} seen;

static void record_progress(size_t done, size_t total, void *ud)
{
    seen *s = ud;
    if (s->calls++ == 0) {
        s->first_total = total;
        s->diags_at_first = opinfo_report_count(s->r);
    }
    s->last_done = done;
    s->last_total = total;
}

static char *report_json(opinfo_report *r)
{
    char *text = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JSON, &text, &e), &e);
    return text;
}

static void checked_while_read(void **state)
{
    static const char *const files[] = {"examples/llm-block-16a8w.qgraph.json",
                                        "examples/cnn-8a8w.qgraph.json",
                                        "tests/cases/038-htp-shared-with-edge-spec-clean/input.json",
                                        "tests/cases/040-htp-shared-chain-root-equivalence-clean/input.json"};
    static const char *const socs[] = {"SM8350", "SM8650"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        for (size_t k = 0; k < 2; k++) {
            opinfo_check_options o = {sizeof o, "qnn-htp", socs[k], NULL, 0, 0, NULL};
            opinfo_error_t e;
            opinfo_error_init(&e);
            opinfo_qgraph *g = NULL, *g2 = NULL, *live = NULL;
            opinfo_report *whole = opinfo_report_new(), *inc = opinfo_report_new();
            assert_opinfo_ok(opinfo_graph_load(t_src(files[i]), 0, &g, &e), &e);
            assert_opinfo_ok(opinfo_check(*state, g, &o, whole, &e), &e);
            assert_opinfo_ok(opinfo_check_file(*state, t_src(files[i]), &o, inc, &live, &g2, &e),
                             &e);
            assert_ptr_equal(live, g2);
            assert_int_equal(opinfo_qgraph_node_count(g2), opinfo_qgraph_node_count(g));
            char *a = report_json(whole), *b = report_json(inc);
            assert_string_equal(a, b);
            free(a);
            free(b);
            opinfo_qgraph_free(g);
            opinfo_qgraph_free(g2);
            opinfo_report_free(whole);
            opinfo_report_free(inc);
        }
}

/* three MatMuls gated on SM8450, and what follows them */
static const char *three_nodes(const char *tail)
{
    static char text[4096];
    snprintf(text, sizeof text,
             "{\"qgraph\": 1, \"target\": {\"backend\": \"qnn-htp\", \"soc\": \"SM8450\"},\n"
             " \"tensors\": [{\"name\": \"a\", \"dtype\": \"uint16\"},\n"
             " {\"name\": \"b\", \"dtype\": \"int16\", \"qscheme\": \"per_tensor_symmetric\",\n"
             "  \"quant_min\": -32767, \"quant_max\": 32767},\n"
             " {\"name\": \"y1\", \"dtype\": \"uint16\"}, {\"name\": \"y2\", \"dtype\": \"uint16\"},\n"
             " {\"name\": \"y3\", \"dtype\": \"uint16\"}],\n"
             " \"nodes\": [\n"
             "  {\"name\": \"m1\", \"op\": \"aten.matmul.default\", \"inputs\": [\"a\", \"b\"], \"outputs\": [\"y1\"]},\n"
             "  {\"name\": \"m2\", \"op\": \"aten.matmul.default\", \"inputs\": [\"a\", \"b\"], \"outputs\": [\"y2\"]},\n"
             "  {\"name\": \"m3\", \"op\": \"aten.matmul.default\", \"inputs\": [\"a\", \"b\"], \"outputs\": [\"y3\"]}%s",
             tail);
    return text;
}

static void progress_while_read(void **state)
{
    const char *path = t_scratch("three.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(three_nodes("]}\n"), f);
    fclose(f);
    opinfo_check_options o = {sizeof o, "qnn-htp", "SM8450", NULL, OPINFO_CHECK_NO_PLUGINS, 0,
                              NULL};
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_report *r = opinfo_report_new();
    seen s = {r, 0, 99, 99, 0, 0};
    opinfo_report_set_progress(r, record_progress, &s);
    opinfo_qgraph *g = NULL;
    assert_opinfo_ok(opinfo_check_file(*state, path, &o, r, NULL, &g, &e), &e);
    /* after node 1 and 2 while reading (no total yet), then the end */
    assert_int_equal(s.calls, 3);
    assert_int_equal(s.first_total, 0);
    assert_int_equal(s.diags_at_first, 1); /* node 1's diagnostic was in the report already */
    assert_int_equal(s.last_done, 3);
    assert_int_equal(s.last_total, 3);
    assert_int_equal(opinfo_report_count(r), 3);
    opinfo_qgraph_free(g);

    /* a read that fails after checked nodes: its error, and the report as it was */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(three_nodes(",\n  {\"name\": \"m4\", \"op\": \"aten.matmul.default\", \"inputs\": "
                      "[\"a\", \"nothing\"], \"outputs\": []}]}\n"),
          f);
    fclose(f);
    s.calls = 0;
    g = (opinfo_qgraph *)&s; /* overwritten */
    opinfo_qgraph *live = (opinfo_qgraph *)&s;
    assert_int_equal(opinfo_check_file(*state, path, &o, r, &live, &g, &e), OPINFO_EINPUT);
    assert_null(g);
    assert_null(live);
    assert_int_equal(e.line, 11);
    assert_non_null(strstr(e.text, "\"nothing\" is not a tensor of this graph"));
    assert_true(s.calls >= 1); /* the progress callback saw nodes 1 and 2 ... */
    assert_int_equal(opinfo_report_count(r), 3); /* ... and the report lost them again */
    assert_int_equal(opinfo_report_errors(r), 3);
    assert_int_equal(opinfo_report_nodes(r), 3);
    assert_int_equal(opinfo_check_file(*state, NULL, &o, r, NULL, &g, &e), OPINFO_EUSAGE);
    opinfo_report_free(r);
}

/* A host that sets jansson's allocator in the middle of a read (here from the progress callback;
 * a plugin loaded on first use could do the same): the values the read made before are freed by
 * the allocator that made them, never handed to the host's free, and the host's own values go to
 * its allocator alone. Its blocks carry a mark, so a pointer it did not give out is counted, not
 * freed. */
#define HOST_MARK 0x686f737421UL
static size_t host_allocs, host_frees, host_foreign;
static void *host_malloc(size_t n)
{
    unsigned long *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = HOST_MARK;
    host_allocs++;
    return (char *)p + 16;
}
static void host_free(void *q)
{
    if (!q)
        return;
    unsigned long *p = (unsigned long *)((char *)q - 16);
    if (p[0] != HOST_MARK) {
        host_foreign++;
        return;
    }
    p[0] = 0;
    host_frees++;
    free(p);
}
static void swap_allocator(size_t done, size_t total, void *ud)
{
    (void)done;
    (void)total;
    int *swapped = ud;
    if (!*swapped) {
        json_set_alloc_funcs(host_malloc, host_free);
        *swapped = 1;
    }
    json_decref(json_pack("{s:[i,s]}", "host", 1, "value")); /* the host's own jansson work */
}

static void allocator_swapped_while_read(void **state)
{
    const char *file = t_src("examples/llm-block-16a8w.qgraph.json");
    opinfo_check_options o = {sizeof o, "qnn-htp", "SM8350", NULL, OPINFO_CHECK_NO_PLUGINS, 0,
                              NULL};
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = NULL;
    opinfo_report *plain = opinfo_report_new(), *r = opinfo_report_new();
    assert_opinfo_ok(opinfo_check_file(*state, file, &o, plain, NULL, &g, &e), &e);
    opinfo_qgraph_free(g);
    g = NULL;
    json_malloc_t m0;
    json_free_t f0;
    json_get_alloc_funcs(&m0, &f0);
    int swapped = 0;
    opinfo_report_set_progress(r, swap_allocator, &swapped);
    assert_opinfo_ok(opinfo_check_file(*state, file, &o, r, NULL, &g, &e), &e);
    assert_true(swapped);
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f); /* the host's stay in place */
    assert_ptr_equal(m, host_malloc);
    assert_ptr_equal(f, host_free);
    char *a = report_json(plain), *b = report_json(r);
    assert_string_equal(a, b);
    free(a);
    free(b);
    opinfo_qgraph_free(g);
    opinfo_report_free(r);
    opinfo_report_free(plain);
    assert_int_equal(host_foreign, 0);
    assert_true(host_allocs > 0);
    assert_int_equal(host_allocs, host_frees);
    json_set_alloc_funcs(m0, f0);
}

/* JSON Lines: a line per diagnostic, then the summary; the tail and the summary apart */
static void json_lines(void **state)
{
    opinfo_report *r = opinfo_report_new();
    opinfo_qgraph *a = graph("m1", "y1", ""), *b = graph("m2", "y2", "");
    check_into(*state, a, r);
    check_into(*state, b, r);
    opinfo_error_t e;
    opinfo_error_init(&e);
    char *all = NULL, *tail = NULL, *sum = NULL, *none = NULL;
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JSONL, &all, &e), &e);
    assert_opinfo_ok(opinfo_report_write_from(r, OPINFO_FORMAT_JSONL, 1, &tail, &e), &e);
    assert_opinfo_ok(opinfo_report_write_summary(r, OPINFO_FORMAT_JSONL, &sum, &e), &e);
    assert_opinfo_ok(opinfo_report_write_summary(r, OPINFO_FORMAT_TEXT, &none, &e), &e);
    assert_string_equal(none, "");
    size_t lines = 0;
    for (const char *p = all; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    assert_int_equal(strncmp(all, "{\"type\":\"diagnostic\",\"rule\":\"arch-gate\"", 39), 0);
    /* the whole is the first line, the tail, the summary */
    assert_string_equal(all + strlen(all) - strlen(sum), sum);
    assert_int_equal(strncmp(sum, "{\"type\":\"summary\",\"version\":1,", 30), 0);
    assert_non_null(strstr(sum, "\"summary\":{\"nodes\":2,\"errors\":2,\"warnings\":0,\"truncated\":false}"));
    assert_non_null(strstr(all, tail));
    assert_non_null(strstr(tail, "\"node\":\"m2\""));
    assert_null(strstr(tail, "\"node\":\"m1\""));
    assert_null(strstr(tail, "summary"));
    json_error_t je;
    json_t *j = json_loads(sum, 0, &je);
    assert_non_null(j);
    json_decref(j);
    assert_int_equal(opinfo_report_write_summary(r, OPINFO_FORMAT_SARIF, &none, &e), OPINFO_EUSAGE);
    free(all);
    free(tail);
    free(sum);
    free(none);
    opinfo_qgraph_free(a);
    opinfo_qgraph_free(b);
    opinfo_report_free(r);
}

int test_filter(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filters_only_the_last_check),
        cmocka_unit_test(suppression_and_its_reason),
        cmocka_unit_test(fingerprints_and_baselines),
        cmocka_unit_test(bad_names_and_arguments),
        cmocka_unit_test(streamed_as_found),
        cmocka_unit_test(checked_while_read),
        cmocka_unit_test(progress_while_read),
        cmocka_unit_test(allocator_swapped_while_read),
        cmocka_unit_test(json_lines),
    };
    return cmocka_run_group_tests_name("filter", tests, t_setup_default_db, t_teardown_db);
}
