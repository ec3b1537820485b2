/* The validator through its public API: loading, streaming order, checks, modes, limits,
 * report formats, and input errors with their positions. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"



static opinfo_qgraph *parse(const char *text, opinfo_error_t *e)
{
    opinfo_qgraph *g = NULL;
    opinfo_error_init(e);
    int rc = opinfo_qgraph_parse("mem.json", text, strlen(text), 0, &g, e);
    return rc == OPINFO_OK ? g : NULL;
}

static opinfo_report *check(opinfo_db *db, const opinfo_qgraph *g, const char *backend,
                            const char *soc, size_t flags, size_t max)
{
    opinfo_report *r = opinfo_report_new();
    assert_non_null(r);
    /* the database's constraints alone: these tests are about them, not the plugins */
    opinfo_check_options o = {sizeof o, backend, soc, NULL, flags | OPINFO_CHECK_NO_PLUGINS, max,
                              NULL};
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_check(db, g, &o, r, &e), &e);
    return r;
}

/* A MatMul at 16a16w: gated on v69 (SM8450), fine on v73 (SM8550). */
static const char mm16[] =
    "{\"qgraph\": 1,\n"
    " \"tensors\": [\n"
    "  {\"name\": \"a\", \"dtype\": \"uint16\"},\n"
    "  {\"name\": \"b\", \"dtype\": \"int16\", \"qscheme\": \"per_tensor_symmetric\",\n"
    "   \"quant_min\": -32767, \"quant_max\": 32767},\n"
    "  {\"name\": \"y\", \"dtype\": \"uint16\"}],\n"
    " \"nodes\": [{\"name\": \"mm\", \"op\": \"aten.matmul.default\", \"inputs\": [\"a\", \"b\"],\n"
    "   \"outputs\": [\"y\"]}]}\n";

static void gates_follow_the_soc(void **state)
{
    opinfo_error_t e;
    opinfo_qgraph *g = parse(mm16, &e);
    assert_non_null(g);
    assert_int_equal(opinfo_qgraph_node_count(g), 1);
    assert_int_equal(opinfo_qgraph_tensor_count(g), 3);
    opinfo_report *r = check(*state, g, "qnn-htp", "SM8450", 0, 0);
    assert_int_equal(opinfo_report_count(r), 1);
    const opinfo_diag *d = opinfo_report_get(r, 0);
    assert_string_equal(d->rule, "arch-gate");
    assert_int_equal(d->severity, OPINFO_SEVERITY_ERROR);
    assert_string_equal(d->node, "mm");
    assert_string_equal(d->variant, "16a16w");
    assert_non_null(strstr(d->message, "needs arch v73 or newer; SM8450 is v69"));
    assert_non_null(strstr(d->fix, "SM8550"));
    assert_string_equal(d->file, "mem.json");
    assert_int_equal(d->line, 7); /* the node in the qgraph */
    assert_int_equal(d->column, 12);
    assert_int_equal(opinfo_report_errors(r), 1);
    assert_int_equal(opinfo_report_nodes(r), 1);
    opinfo_report_free(r);
    r = check(*state, g, "qnn-htp", "SM8550", 0, 0);
    assert_int_equal(opinfo_report_count(r), 0);
    opinfo_report_free(r);
    /* warn mode: the same finding, as a warning */
    r = check(*state, g, "qnn-htp", "SM8450", OPINFO_CHECK_WARN, 0);
    assert_int_equal(opinfo_report_get(r, 0)->severity, OPINFO_SEVERITY_WARNING);
    assert_int_equal(opinfo_report_errors(r), 0);
    assert_int_equal(opinfo_report_warnings(r), 1);
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
}

/* Keys in any order: nodes before tensors, tensors before the version (json.dump(sort_keys)). */
static void key_order_does_not_matter(void **state)
{
    static const char sorted[] =
        "{\"nodes\": [{\"inputs\": [\"x\"], \"name\": \"s\", \"op\": \"torch.sigmoid\",\n"
        "  \"outputs\": [\"y\"]}],\n"
        " \"tensors\": [{\"dtype\": \"uint8\", \"name\": \"x\"},\n"
        "  {\"dtype\": \"uint8\", \"fixed\": true, \"name\": \"y\", \"scale\": 0.00390625,\n"
        "   \"zero_point\": 0}],\n"
        " \"qgraph\": 1, \"target\": {\"backend\": \"qnn-htp\", \"soc\": \"SM8650\"}}";
    opinfo_error_t e;
    opinfo_qgraph *g = parse(sorted, &e);
    if (!g)
        fail_msg("%d:%d: %s", e.line, e.column, e.text);
    assert_string_equal(opinfo_qgraph_target(g, "soc"), "SM8650");
    assert_null(opinfo_qgraph_target(g, "nope"));
    opinfo_report *r = check(*state, g, NULL, NULL, 0, 0);
    assert_int_equal(opinfo_report_count(r), 0);
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
}

/* Every violation is reported, not just the first; --max-errors stops early. */
static void all_violations_then_the_limit(void **state)
{
    char text[8192];
    size_t used = (size_t)snprintf(text, sizeof text, "{\"qgraph\": 1, \"tensors\": [");
    for (int i = 0; i < 10; i++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "%s{\"name\": \"x%d\", \"dtype\": \"uint8\"}, "
                                 "{\"name\": \"y%d\", \"dtype\": \"uint8\"}",
                                 i ? ", " : "", i, i);
    used += (size_t)snprintf(text + used, sizeof text - used, "], \"nodes\": [");
    for (int i = 0; i < 10; i++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "%s{\"name\": \"s%d\", \"op\": \"torch.sigmoid\", \"inputs\": "
                                 "[\"x%d\"], \"outputs\": [\"y%d\"]}",
                                 i ? ", " : "", i, i, i);
    snprintf(text + used, sizeof text - used, "]}");
    opinfo_error_t e;
    opinfo_qgraph *g = parse(text, &e);
    assert_non_null(g);
    opinfo_report *r = check(*state, g, "fbgemm", NULL, 0, 0);
    assert_int_equal(opinfo_report_count(r), 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(opinfo_report_get(r, i)->rule, "fixed-qparams");
    assert_false(opinfo_report_truncated(r));
    opinfo_report_free(r);
    r = check(*state, g, "fbgemm", NULL, 0, 3);
    assert_int_equal(opinfo_report_count(r), 3);
    assert_true(opinfo_report_truncated(r));
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
}

static void reports_render_in_every_format(void **state)
{
    opinfo_error_t e;
    opinfo_qgraph *g = parse(mm16, &e);
    opinfo_report *r = check(*state, g, "qnn-htp", "SM8450", 0, 0);
    char *s = NULL;
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_TEXT, &s, &e), &e);
    assert_non_null(strstr(s, "mem.json:7:12: error: mm: "));
    assert_non_null(strstr(s, "[arch-gate]"));
    free(s);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JSON, &s, &e), &e);
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    json_t *d0 = json_array_get(json_object_get(j, "diagnostics"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "rule")), "arch-gate");
    json_decref(j);
    free(s);
    const char *argv[] = {"/somewhere/bin/opinfo-check", "--backend", "qnn-htp", "it's.json"};
    assert_opinfo_ok(opinfo_report_set_invocation(r, 4, argv, 1), &e);
    assert_opinfo_ok(opinfo_report_set_source_root(r, ".", &e), &e);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_SARIF, &s, &e), &e);
    j = json_loads(s, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
    json_t *run = json_array_get(json_object_get(j, "runs"), 0);
    /* rules[]: the rules the results use, each documented; ruleIndex points into it */
    json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    assert_int_equal(json_array_size(rules), 1);
    json_t *r0 = json_array_get(rules, 0);
    assert_string_equal(json_string_value(json_object_get(r0, "id")), "arch-gate");
    const char *uri = json_string_value(json_object_get(r0, "helpUri"));
    assert_non_null(uri);
    assert_string_equal(uri + strlen(uri) - strlen("/rules/arch-gate.md"), "/rules/arch-gate.md");
    const char *md = json_string_value(json_object_get(json_object_get(r0, "help"), "markdown"));
    assert_non_null(md);
    assert_non_null(strstr(md, "## Example"));
    assert_non_null(strstr(md, "## Fix"));
    json_t *res = json_array_get(json_object_get(run, "results"), 0);
    assert_int_equal(json_integer_value(json_object_get(res, "ruleIndex")), 0);
    /* the invocation, argv[0] by its name, and the shell's quoting in commandLine */
    json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
    assert_int_equal(json_integer_value(json_object_get(inv, "exitCode")), 1);
    assert_true(json_is_true(json_object_get(inv, "executionSuccessful")));
    assert_string_equal(json_string_value(json_object_get(inv, "commandLine")),
                        "opinfo-check --backend qnn-htp 'it'\\''s.json'");
    /* --source-root: mem.json is under ".", relative, with SRCROOT */
    json_t *art = json_object_get(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                                                  "physicalLocation"), "artifactLocation");
    assert_string_equal(json_string_value(json_object_get(art, "uri")), "mem.json");
    assert_string_equal(json_string_value(json_object_get(art, "uriBaseId")), "SRCROOT");
    const char *base = json_string_value(json_object_get(
        json_object_get(json_object_get(run, "originalUriBaseIds"), "SRCROOT"), "uri"));
    assert_non_null(base);
    assert_int_equal(strncmp(base, "file:///", 8), 0);
    assert_int_equal(base[strlen(base) - 1], '/');
    assert_non_null(json_string_value(json_object_get(json_object_get(run, "automationDetails"), "id")));
    json_decref(j);
    free(s);
    assert_int_equal(opinfo_report_set_source_root(r, "/no/such/dir", &e), OPINFO_EIO);
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JUNIT, &s, &e), &e);
    /* one testcase per rule and file, naming the nodes */
    assert_non_null(strstr(s, "<testcase name=\"arch-gate\""));
    assert_non_null(strstr(s, "<failure message=\"1 node: mm\""));
    assert_non_null(strstr(s, "failures=\"1\""));
    free(s);
    assert_int_equal(opinfo_report_write(r, (opinfo_format)99, &s, &e), OPINFO_EUSAGE);
    opinfo_report_free(r);
    /* an empty report is a passing JUnit case */
    r = opinfo_report_new();
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_JUNIT, &s, &e), &e);
    assert_non_null(strstr(s, "No errors found"));
    free(s);
    assert_opinfo_ok(opinfo_report_write(r, OPINFO_FORMAT_TEXT, &s, &e), &e);
    assert_string_equal(s, "");
    free(s);
    opinfo_report_free(r);
    opinfo_report_free(NULL);
    opinfo_qgraph_free(g);
}

static void rules_are_listed_once(void **state)
{
    (void)state;
    size_t n;
    const opinfo_rule_info *rules = opinfo_rules(&n);
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        /* every rule documented in full: summary, description, example, fix, page */
        assert_non_null(rules[i].summary);
        assert_true(rules[i].help && rules[i].help[0]);
        assert_true(rules[i].example && strstr(rules[i].example, rules[i].id));
        assert_true(rules[i].fix && rules[i].fix[0]);
        assert_null(rules[i].plugin);
        assert_non_null(strstr(rules[i].help_uri, rules[i].id));
        assert_ptr_equal(opinfo_rule_find(NULL, rules[i].id), &rules[i]);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(rules[i].id, rules[k].id);
    }
    assert_null(opinfo_rule_find(NULL, "no-such-rule"));
    /* the renderers */
    opinfo_error_t e;
    opinfo_error_init(&e);
    char *s = NULL;
    assert_opinfo_ok(opinfo_rule_write(opinfo_rule_find(NULL, "axis"), "markdown", &s, &e), &e);
    assert_int_equal(strncmp(s, "# `axis`\n", 9), 0);
    free(s);
    assert_opinfo_ok(opinfo_rule_write(opinfo_rule_find(NULL, "axis"), "json", &s, &e), &e);
    json_t *j = json_loads(s, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "axis");
    json_decref(j);
    free(s);
    assert_int_equal(opinfo_rule_write(&rules[0], "xml", &s, &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_rules_write(rules, n, "tsv", &s, &e), &e);
    size_t lines = 0;
    for (const char *c = s; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, n + 1);
    assert_int_equal(strncmp(s, "id\tsummary\t", 11), 0);
    free(s);
    assert_opinfo_ok(opinfo_rules_catalog(NULL, "text", &s, &e), &e);
    assert_non_null(strstr(s, "unjustified-suppression "));
    free(s);
}

/* --rules-url: the base of every link replaced, bad bases refused with what is wrong */
static void rule_links_take_a_base(void **state)
{
    (void)state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"docs/rules/", "needs a scheme"}, {"https://example.org/rules", "does not end in '/'"},
        {"https://example.org/a b/", "a space"}, {"h:/", "needs a scheme"},
        {"https:", "needs a scheme"}, {"https://x/<y>/", "a character a URL escapes"},
        {"", "needs a scheme"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opinfo_error_init(&e);
        assert_int_equal(opinfo_rules_url_check(bad[i].url, &e), OPINFO_EUSAGE);
        if (!strstr(e.text, bad[i].why))
            fail_msg("%s: %s", bad[i].url, e.text);
    }
    assert_opinfo_ok(opinfo_rules_url_check("file:///srv/opinfo/rules/", &e), &e);
    assert_opinfo_ok(opinfo_rules_url_check("https://example.org/o/blob/v1/docs/rules/", &e), &e);
    const char *base = opinfo_rules_url();
    const opinfo_rule_info *axis = opinfo_rule_find(NULL, "axis");
    assert_int_equal(strncmp(axis->help_uri, base, strlen(base)), 0);
    char *link = NULL;
    assert_opinfo_ok(opinfo_rule_link(axis, "https://example.org/r/", &link, &e), &e);
    assert_string_equal(link, "https://example.org/r/axis.md");
    free(link);
    assert_opinfo_ok(opinfo_rule_link(axis, NULL, &link, &e), &e);
    assert_string_equal(link, axis->help_uri);
    free(link);
    /* a page elsewhere (a vendor's) keeps its link; no page, no link */
    opinfo_rule_info vendor = *axis;
    vendor.help_uri = "https://vendor.example/rules/x.md";
    assert_opinfo_ok(opinfo_rule_link(&vendor, "https://example.org/r/", &link, &e), &e);
    assert_string_equal(link, vendor.help_uri);
    free(link);
    vendor.help_uri = NULL;
    link = (char *)"x";
    assert_opinfo_ok(opinfo_rule_link(&vendor, "https://example.org/r/", &link, &e), &e);
    assert_null(link);
    assert_int_equal(opinfo_rule_link(axis, "nope", &link, &e), OPINFO_EUSAGE);
    opinfo_report *r = opinfo_report_new();
    assert_non_null(r);
    assert_int_equal(opinfo_report_set_rules_url(r, "x/", &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_report_set_rules_url(r, "https://example.org/r/", &e), &e);
    assert_opinfo_ok(opinfo_report_set_rules_url(r, NULL, &e), &e);
    opinfo_report_free(r);
}

/* --explain: a rule id, an op, and what is neither */
static void explain_tells_rules_from_ops(void **state)
{
    opinfo_db *db = *state;
    opinfo_error_t e;
    opinfo_error_init(&e);
    char *s = NULL;
    assert_opinfo_ok(opinfo_explain(db, NULL, NULL, NULL, NULL, "arch-gate", NULL, &s, &e), &e);
    assert_int_equal(strncmp(s, "arch-gate: ", 11), 0);
    free(s);
    assert_opinfo_ok(opinfo_explain(db, NULL, "qnn-htp", NULL, "SM8450", "MatMul", NULL, &s, &e),
                     &e);
    assert_int_equal(strncmp(s, "MatMul", 6), 0);
    free(s);
    assert_opinfo_ok(opinfo_explain(db, NULL, "qnn-htp", NULL, NULL, "rule:axis", "markdown", &s,
                                    &e), &e);
    free(s);
    assert_int_equal(opinfo_explain(db, NULL, NULL, NULL, NULL, "archgate", NULL, &s, &e),
                     OPINFO_EUSAGE);
    assert_non_null(strstr(e.text, "did you mean \"arch-gate\""));
    opinfo_error_init(&e);
    assert_int_equal(opinfo_explain(db, NULL, NULL, NULL, NULL, "rule:MatMul", NULL, &s, &e),
                     OPINFO_ENOTFOUND);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_explain(db, NULL, "qnn-htp", NULL, NULL, "MatMul", "json", &s, &e),
                     OPINFO_EUSAGE);
}

/* Bad input: one error, at its position, nothing else. */
static void input_errors_point_at_the_value(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code, line, column;
        const char *msg;
    } cases[] = {
        {"{\"qgraph\": 1, \"tensors\": [], \"nodes\": [}", OPINFO_EPARSE, 1, 40, "unexpected"},
        {"[1]", OPINFO_EINPUT, 1, 1, "top level must be an object"},
        {"{\"qgraph\": 2, \"tensors\": [], \"nodes\": []}", OPINFO_EINPUT, 1, 12,
         "unsupported qgraph version 2"},
        {"{\"qgraph\": 1, \"tensors\": [], \"nodes\": [], \"x\": 1}", OPINFO_EINPUT, 1, 43,
         "unknown key \"x\""},
        {"{\"qgraph\": 1,\n\"tensors\": [{\"name\": \"t\", \"dtype\": \"uint9\"}], \"nodes\": []}",
         OPINFO_EINPUT, 2, 36, "unknown dtype \"uint9\""},
        {"{\"qgraph\": 1, \"tensors\": [{\"name\": \"t\", \"dtype\": \"uint8\", \"scale\": 0}],"
         " \"nodes\": []}",
         OPINFO_EINPUT, 1, 68, "scale must be finite and > 0"},
        {"{\"qgraph\": 1, \"tensors\": [{\"name\": \"t\", \"dtype\": \"uint8\"}, {\"name\": "
         "\"t\", \"dtype\": \"uint8\"}], \"nodes\": []}",
         OPINFO_EINPUT, 1, 69, "tensor \"t\" is defined twice"},
        {"{\"qgraph\": 1, \"tensors\": [], \"nodes\": [{\"name\": \"n\", \"op\": \"Relu\", "
         "\"inputs\": [\"ghost\"], \"outputs\": []}]}",
         OPINFO_EINPUT, 1, 79, "\"ghost\" is not a tensor"},
        {"{\"qgraph\": 1, \"tensors\": [{\"name\": \"a\", \"dtype\": \"uint8\", \"shared_with\": "
         "\"b\"}, {\"name\": \"b\", \"dtype\": \"uint8\", \"shared_with\": \"a\"}], \"nodes\": "
         "[]}",
         OPINFO_EINPUT, 1, 127, "cycle"},
        {"{\"qgraph\": 1}", OPINFO_EINPUT, 1, 1, "lacks the required key \"tensors\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        opinfo_qgraph *g = (opinfo_qgraph *)0x1;
        opinfo_error_t e;
        opinfo_error_init(&e);
        int rc = opinfo_qgraph_parse("bad.json", cases[i].text, strlen(cases[i].text), 0, &g, &e);
        if (rc != cases[i].code || e.line != cases[i].line || e.column != cases[i].column ||
            !strstr(e.text, cases[i].msg))
            fail_msg("case %zu: %s %d:%d \"%s\", want %s %d:%d \"%s\"", i, opinfo_err_name(rc),
                     e.line, e.column, e.text, opinfo_err_name(cases[i].code), cases[i].line,
                     cases[i].column, cases[i].msg);
        assert_ptr_equal(g, (opinfo_qgraph *)0x1); /* out-parameter untouched */
        assert_string_equal(e.source, "bad.json");
    }
}

static void oversized_and_null_input(void **state)
{
    (void)state;
    opinfo_qgraph *g = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    /* the size is refused before a byte is read or copied */
    assert_int_equal(opinfo_qgraph_parse("big", "{}", (size_t)1 << 40, 0, &g, &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "larger than the limit"));
    opinfo_error_init(&e);
    assert_int_equal(opinfo_qgraph_parse("nul", NULL, 0, 0, &g, &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_qgraph_load(t_src("no-such.json"), 0, &g, &e), OPINFO_EIO);
    assert_null(g);
    opinfo_qgraph_free(NULL);
    assert_int_equal(opinfo_qgraph_node_count(NULL), 0);
}

static void check_needs_a_target(void **state)
{
    opinfo_error_t e;
    opinfo_qgraph *g = parse(mm16, &e);
    opinfo_report *r = opinfo_report_new();
    opinfo_check_options o = {sizeof o, NULL, NULL, NULL, 0, 0, NULL};
    opinfo_error_init(&e);
    assert_int_equal(opinfo_check(*state, g, &o, r, &e), OPINFO_EUSAGE);
    assert_non_null(strstr(e.text, "no backend"));
    o.backend = "qnn-htp";
    opinfo_error_init(&e);
    assert_int_equal(opinfo_check(*state, g, &o, r, &e), OPINFO_EUSAGE);
    assert_non_null(strstr(e.text, "needs a SoC"));
    o.soc = "SM0000";
    opinfo_error_init(&e);
    assert_int_equal(opinfo_check(*state, g, &o, r, &e), OPINFO_ENOTFOUND);
    assert_int_equal(opinfo_check(NULL, g, &o, r, NULL), OPINFO_EUSAGE);
    assert_int_equal(opinfo_report_count(r), 0);
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
}

/* How many diagnostics of rule a check of g finds with these plugins and flags. */
static size_t count_rule(opinfo_db *db, const opinfo_qgraph *g, opinfo_plugins *pl, size_t flags,
                         const char *rule, size_t *total)
{
    opinfo_report *r = opinfo_report_new();
    assert_non_null(r);
    opinfo_check_options o = {sizeof o, "qnn-htp", "SM8850", NULL, flags, 0, pl};
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_check(db, g, &o, r, &e), &e);
    size_t n = 0;
    for (size_t i = 0; i < opinfo_report_count(r); i++)
        n += strcmp(opinfo_report_get(r, i)->rule, rule) == 0;
    *total = opinfo_report_count(r);
    opinfo_report_free(r);
    return n;
}

/* plugins = NULL loads the installed plugins, as opinfo-check does: the qnn-htp plugin's own
 * check (per-tensor 2-bit) runs; OPINFO_CHECK_NO_PLUGINS is the explicit way out. */
static void null_plugins_mean_the_installed_ones(void **state)
{
    opinfo_db *db = *state;
    opinfo_qgraph *g;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_qgraph_load(t_src("tests/cases/019-htp-E12-2bit-per-tensor-conv2d/"
                                              "input.json"),
                                        0, &g, &e),
                     &e);
    const char *old = getenv("OPINFO_PLUGIN_PATH");
    char *saved = old ? strdup(old) : NULL;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/lib/opinfo/plugins", t_builddir());
    setenv("OPINFO_PLUGIN_PATH", dir, 1);
    size_t total_null, total_given, total_none;
    assert_int_equal(count_rule(db, g, NULL, 0, "qnn-htp/per-tensor-2bit", &total_null), 1);
    opinfo_plugins *pl;
    assert_opinfo_ok(opinfo_plugins_open(NULL, 0, 0, &pl, &e), &e);
    assert_int_equal(count_rule(db, g, pl, 0, "qnn-htp/per-tensor-2bit", &total_given), 1);
    opinfo_plugins_close(pl);
    assert_int_equal(total_null, total_given);
    assert_int_equal(
        count_rule(db, g, NULL, OPINFO_CHECK_NO_PLUGINS, "qnn-htp/per-tensor-2bit", &total_none),
        0);
    assert_int_equal(total_none, total_null - 1);
    /* with no plugin on the search path, NULL still never skips silently: the check says so
     * (unless an installed qnn-htp plugin is found and runs) */
    snprintf(dir, sizeof dir, "%s/tests", t_builddir());
    setenv("OPINFO_PLUGIN_PATH", dir, 1);
    size_t ran = count_rule(db, g, NULL, 0, "qnn-htp/per-tensor-2bit", &total_null);
    size_t said = count_rule(db, g, NULL, 0, "backend-unavailable", &total_null);
    assert_int_equal(ran + said, 1);
    if (saved)
        setenv("OPINFO_PLUGIN_PATH", saved, 1);
    else
        unsetenv("OPINFO_PLUGIN_PATH");
    free(saved);
    opinfo_qgraph_free(g);
}

static void the_examples_are_clean(void **state)
{
    static const char *const ex[] = {"examples/cnn-8a8w.qgraph.json",
                                     "examples/llm-block-16a8w.qgraph.json"};
    for (size_t i = 0; i < 2; i++) {
        opinfo_qgraph *g;
        opinfo_error_t e;
        opinfo_error_init(&e);
        assert_opinfo_ok(opinfo_qgraph_load(t_src(ex[i]), 0, &g, &e), &e);
        opinfo_report *r = check(*state, g, "qnn-htp", "SM8650", 0, 0);
        if (opinfo_report_count(r))
            fail_msg("%s: %s", ex[i], opinfo_report_get(r, 0)->message);
        assert_int_equal(opinfo_report_nodes(r), opinfo_qgraph_node_count(g));
        opinfo_report_free(r);
        opinfo_qgraph_free(g);
    }
}

/* A suggested SoC is one the node passes on: the fix of every arch-gate names a SoC, and a check
 * on that SoC is clean when the fix says it accepts the node; otherwise it still reports the
 * other violations (and no gate), which the gated check reported too. */
static void suggested_socs_are_checked(void **state)
{
    static const char bad_axis[] =
        "{\"qgraph\": 1, \"tensors\": [\n"
        "  {\"name\": \"x\", \"dtype\": \"uint16\"},\n"
        "  {\"name\": \"w\", \"dtype\": \"int16\", \"qscheme\": \"per_channel_symmetric\",\n"
        "   \"axis\": 1, \"shape\": [8, 4, 3, 3]},\n"
        "  {\"name\": \"y\", \"dtype\": \"uint16\"}],\n"
        " \"nodes\": [{\"name\": \"conv\", \"op\": \"torch.nn.Conv2d\", \"inputs\": [\"x\", \"w\"],\n"
        "   \"outputs\": [\"y\"]}]}\n";
    const char *graphs[] = {mm16, bad_axis};
    const size_t others[] = {0, 2}; /* violations besides the gate */
    for (size_t i = 0; i < 2; i++) {
        opinfo_error_t e;
        opinfo_qgraph *g = parse(graphs[i], &e);
        assert_non_null(g);
        opinfo_report *r = check(*state, g, "qnn-htp", "SM8450", 0, 0);
        assert_int_equal(opinfo_report_count(r), 1 + others[i]);
        const opinfo_diag *d = opinfo_report_get(r, 0);
        assert_string_equal(d->rule, "arch-gate");
        const char *at = strstr(d->fix, "such as ");
        assert_non_null(at);
        char soc[32];
        assert_int_equal(sscanf(at, "such as %31[A-Za-z0-9]", soc), 1);
        int accepts = strstr(d->fix, "accepts the node") != NULL;
        assert_int_equal(accepts, others[i] == 0);
        opinfo_report *r2 = check(*state, g, "qnn-htp", soc, 0, 0);
        assert_int_equal(opinfo_report_count(r2), others[i]);
        for (size_t k = 0; k < opinfo_report_count(r2); k++) {
            assert_string_not_equal(opinfo_report_get(r2, k)->rule, "arch-gate");
            assert_string_equal(opinfo_report_get(r2, k)->rule,
                                opinfo_report_get(r, k + 1)->rule);
        }
        opinfo_report_free(r2);
        opinfo_report_free(r);
        opinfo_qgraph_free(g);
    }
}

/* An observer range PyTorch cannot build is a diagnostic on its node, not a refused file: the
 * graph loads, the bad node is reported, the next node is checked as usual. */
static void observer_ranges_are_per_node(void **state)
{
    static const char text[] =
        "{\"qgraph\": 1, \"tensors\": [\n"
        "  {\"name\": \"a\", \"dtype\": \"uint8\", \"quant_min\": 200, \"quant_max\": 100},\n"
        "  {\"name\": \"b\", \"dtype\": \"uint8\"},\n"
        "  {\"name\": \"c\", \"dtype\": \"uint8\", \"scale\": 1e-50, \"zero_point\": 0}],\n"
        " \"nodes\": [\n"
        "  {\"name\": \"r1\", \"op\": \"torch.nn.ReLU\", \"inputs\": [\"a\"], \"outputs\": [\"b\"]},\n"
        "  {\"name\": \"r2\", \"op\": \"torch.nn.ReLU\", \"inputs\": [\"b\"], \"outputs\": [\"c\"]}]}\n";
    opinfo_error_t e;
    opinfo_qgraph *g = parse(text, &e);
    if (!g)
        fail_msg("%s", e.text);
    opinfo_report *r = check(*state, g, "fbgemm", NULL, 0, 0);
    /* each ReLU also gets shared-spec (its output has an observer of its own) */
    assert_int_equal(opinfo_report_count(r), 4);
    const opinfo_diag *d0 = opinfo_report_get(r, 0), *d2 = opinfo_report_get(r, 2);
    assert_string_equal(d0->rule, "observer-range");
    assert_string_equal(d0->node, "r1");
    assert_string_equal(d0->tensor, "a");
    assert_string_equal(opinfo_report_get(r, 1)->rule, "shared-spec");
    assert_string_equal(d2->rule, "scale-range");
    assert_string_equal(d2->node, "r2");
    assert_non_null(strstr(d2->message, "rounds to 0 in float32"));
    assert_string_equal(opinfo_report_get(r, 3)->rule, "shared-spec");
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
}

int test_validator(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gates_follow_the_soc),
        cmocka_unit_test(key_order_does_not_matter),
        cmocka_unit_test(all_violations_then_the_limit),
        cmocka_unit_test(reports_render_in_every_format),
        cmocka_unit_test(rules_are_listed_once),
        cmocka_unit_test(explain_tells_rules_from_ops),
        cmocka_unit_test(input_errors_point_at_the_value),
        cmocka_unit_test(oversized_and_null_input),
        cmocka_unit_test(check_needs_a_target),
        cmocka_unit_test(rule_links_take_a_base),
        cmocka_unit_test(the_examples_are_clean),
        cmocka_unit_test(null_plugins_mean_the_installed_ones),
        cmocka_unit_test(suggested_socs_are_checked),
        cmocka_unit_test(observer_ranges_are_per_node),
    };
    return cmocka_run_group_tests_name("validator", tests, t_setup_default_db, t_teardown_db);
}
