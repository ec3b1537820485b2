/* The report: diagnostics of one or more checks, and its writers (gcc-style text, JSON with a
 * format version, SARIF 2.1.0, JUnit XML). Writers produce strings; the caller decides where
 * they go. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validator_internal.h"

#define REPORT_FORMAT 1

typedef struct node_entry {
    const char *qgraph, *node, *op;
    size_t first, count; /* its diagnostics */
} node_entry;

struct opinfo_report {
    oi_arena arena;
    opinfo_diag *diags;
    size_t n, cap;
    node_entry *nodes;
    size_t nn, ncap;
    const char **files;
    size_t nf, fcap;
    size_t errors, warnings;
    int truncated, failed;
    const char *backend, *release, *soc, *arch;
    void (*progress)(size_t done, size_t total, void *userdata); /* opinfo_report_set_progress */
    void *progress_ud;
};

opinfo_report *opinfo_report_new(void)
{
    return calloc(1, sizeof(opinfo_report));
}

void opinfo_report_free(opinfo_report *r)
{
    if (!r)
        return;
    oi_arena_free(&r->arena);
    free(r->diags);
    free(r->nodes);
    free(r->files);
    free(r);
}

/* ---- hostile names ---------------------------------------------------------------------------
 * Names come from the model (node, tensor and op names, file paths): any byte may be in them. The
 * report keeps them as valid UTF-8 (an invalid byte becomes the text \xNN), so every format can
 * carry them; each writer then escapes what its readers could be fooled by (docs/hardening.md):
 * text and JUnit write control characters visibly (\n, \x1b, \u009b), JSON and SARIF leave it
 * to jansson's escapes. */

static const char *keep(opinfo_report *r, const char *s)
{
    if (!s)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = 0;
    unsigned cp;
    for (size_t i = 0; u[i];) {
        int n = oi_utf8_at(u + i, &cp);
        bad += !n;
        i += n ? (size_t)n : 1;
    }
    const char *k;
    if (!bad)
        k = oi_arena_strdup(&r->arena, s);
    else {
        char *t = oi_arena_alloc(&r->arena, strlen(s) + 3 * bad + 1);
        if ((k = t))
            for (size_t i = 0; u[i];) {
                int n = oi_utf8_at(u + i, &cp);
                if (n) {
                    memcpy(t, u + i, (size_t)n), t += n, i += (size_t)n;
                    continue;
                }
                t += sprintf(t, "\\x%02x", u[i++]);
            }
        if (t)
            *t = '\0';
    }
    if (!k)
        r->failed = 1;
    return k;
}

static void put_buf(void *ud, const char *p, size_t n) { oi_buf_add(ud, p, n); }

/* s into b with hostile characters as visible escapes (core/escape.c) */
static void esc(oi_buf *b, const char *s, int xml_mode)
{
    oi_escape(s, xml_mode ? OI_ESCAPE_XML : OI_ESCAPE_TEXT, put_buf, b);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int oi_report_node(opinfo_report *r, const char *qgraph, const char *node, const char *op)
{
    if (grow((void **)&r->nodes, &r->ncap, r->nn + 1, sizeof *r->nodes)) {
        r->failed = 1;
        return -1;
    }
    node_entry *e = &r->nodes[r->nn++];
    /* the qgraph path is shared by all nodes of a file */
    e->qgraph = r->nf ? r->files[r->nf - 1] : keep(r, qgraph);
    e->node = keep(r, node);
    e->op = keep(r, op);
    e->first = r->n;
    e->count = 0;
    return 0;
}

int oi_report_add(opinfo_report *r, opinfo_severity sev, const oi_diag_in *d)
{
    if (grow((void **)&r->diags, &r->cap, r->n + 1, sizeof *r->diags)) {
        r->failed = 1;
        return -1;
    }
    opinfo_diag *o = &r->diags[r->n++];
    o->rule = keep(r, d->rule); /* plugins' rule ids live in their .so, which may be unloaded */
    o->severity = sev;
    o->message = keep(r, d->message);
    o->expected = keep(r, d->expected);
    o->actual = keep(r, d->actual);
    o->fix = keep(r, d->fix);
    int last = r->nn && !d->detached; /* the last node's strings, shared */
    o->node = last ? r->nodes[r->nn - 1].node : keep(r, d->node);
    o->op = last ? r->nodes[r->nn - 1].op : keep(r, d->op);
    o->tensor = keep(r, d->tensor);
    o->port = keep(r, d->port);
    o->variant = keep(r, d->variant);
    o->qgraph = last ? r->nodes[r->nn - 1].qgraph : keep(r, d->qgraph);
    o->file = d->file == d->qgraph ? o->qgraph : keep(r, d->file);
    o->line = d->line;
    o->column = d->column;
    o->qgraph_line = d->qgraph_line;
    o->qgraph_column = d->qgraph_column;
    o->node_index = d->node_index1 - 1;
    if (last)
        r->nodes[r->nn - 1].count++;
    if (sev == OPINFO_SEVERITY_ERROR)
        r->errors++;
    else if (sev == OPINFO_SEVERITY_WARNING)
        r->warnings++;
    return 0;
}

void oi_report_set_target(opinfo_report *r, const char *backend, const char *release,
                          const char *soc, const char *arch)
{
    if (r->backend)
        return; /* the first check names the target */
    r->backend = keep(r, backend);
    r->release = keep(r, release);
    r->soc = keep(r, soc);
    r->arch = keep(r, arch);
}

void oi_report_add_file(opinfo_report *r, const char *path)
{
    if (grow((void **)&r->files, &r->fcap, r->nf + 1, sizeof *r->files)) {
        r->failed = 1;
        return;
    }
    r->files[r->nf++] = keep(r, path);
}

void oi_report_set_truncated(opinfo_report *r) { r->truncated = 1; }

void oi_report_drop(opinfo_report *r, size_t from, const unsigned char *drop)
{
    size_t *at = NULL; /* the new index of each old diagnostic from `from` on */
    size_t n = r->n > from ? r->n - from : 0, w = from;
    if (!n || !(at = malloc((n + 1) * sizeof *at))) {
        if (n)
            r->failed = 1;
        return;
    }
    for (size_t i = from; i < r->n; i++) {
        at[i - from] = w;
        if (drop[i - from]) {
            if (r->diags[i].severity == OPINFO_SEVERITY_ERROR)
                r->errors--;
            else if (r->diags[i].severity == OPINFO_SEVERITY_WARNING)
                r->warnings--;
            continue;
        }
        r->diags[w++] = r->diags[i];
    }
    at[n] = w;
    for (size_t k = 0; k < r->nn; k++) {
        node_entry *e = &r->nodes[k];
        if (e->first + e->count <= from)
            continue; /* an earlier check's */
        size_t first = e->first < from ? e->first : at[e->first - from];
        size_t end = at[e->first + e->count - from];
        e->first = first;
        e->count = end - first;
    }
    r->n = w;
    free(at);
}

size_t opinfo_report_count(const opinfo_report *r) { return r ? r->n : 0; }

const opinfo_diag *opinfo_report_get(const opinfo_report *r, size_t i)
{
    return r && i < r->n ? &r->diags[i] : NULL;
}

size_t opinfo_report_errors(const opinfo_report *r) { return r ? r->errors : 0; }
size_t opinfo_report_warnings(const opinfo_report *r) { return r ? r->warnings : 0; }
size_t opinfo_report_nodes(const opinfo_report *r) { return r ? r->nn : 0; }
int opinfo_report_truncated(const opinfo_report *r) { return r ? r->truncated : 0; }

const char *opinfo_severity_name(opinfo_severity s)
{
    switch (s) {
    case OPINFO_SEVERITY_ERROR: return "error";
    case OPINFO_SEVERITY_WARNING: return "warning";
    default: return "note";
    }
}

/* ---- text ------------------------------------------------------------------------------------ */

static void write_text(const opinfo_report *r, oi_buf *b)
{
    for (size_t i = 0; i < r->n; i++) {
        const opinfo_diag *d = &r->diags[i];
        char at[64] = ""; /* no position: the file alone */
        if (d->line > 0 && d->column > 0)
            snprintf(at, sizeof at, ":%d:%d", d->line, d->column);
        else if (d->line > 0) /* a Python frame has a line, no column: none is invented */
            snprintf(at, sizeof at, ":%d", d->line);
        else if (d->node_index >= 0) /* a model's node: "model.onnx: node 12: error: conv1: ..." */
            snprintf(at, sizeof at, ": node %ld", d->node_index);
        /* one line per diagnostic, whatever the names hold */
        esc(b, d->file, 0);
        oi_buf_printf(b, "%s: %s: ", at, opinfo_severity_name(d->severity));
        esc(b, d->node, 0);
        oi_buf_puts(b, ": ");
        esc(b, d->message, 0);
        oi_buf_puts(b, " [");
        esc(b, d->rule, 0);
        oi_buf_puts(b, "]\n");
        if (d->fix) {
            esc(b, d->file, 0);
            oi_buf_printf(b, "%s: note: fix: ", at);
            esc(b, d->fix, 0);
            oi_buf_puts(b, "\n");
        }
    }
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_t *str(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *diag_json(const opinfo_diag *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "rule", json_string(d->rule));
    json_object_set_new(o, "severity", json_string(opinfo_severity_name(d->severity)));
    json_object_set_new(o, "message", str(d->message));
    json_object_set_new(o, "node", str(d->node));
    json_object_set_new(o, "op", str(d->op));
    json_object_set_new(o, "tensor", str(d->tensor));
    json_object_set_new(o, "port", str(d->port));
    json_object_set_new(o, "variant", str(d->variant));
    json_object_set_new(o, "expected", str(d->expected));
    json_object_set_new(o, "actual", str(d->actual));
    json_object_set_new(o, "fix", str(d->fix));
    if (d->node_index >= 0 && d->line <= 0) { /* a model's node: its index, no line */
        json_object_set_new(o, "location", json_pack("{s:s, s:s?, s:I}", "file", d->file, "node",
                                                     d->node, "node_index",
                                                     (json_int_t)d->node_index));
        json_object_set_new(o, "qgraph_location", json_null());
        return o;
    }
    json_object_set_new(o, "location", json_pack("{s:s, s:i, s:i}", "file", d->file, "line",
                                                 d->line, "column", d->column));
    json_object_set_new(o, "qgraph_location",
                        json_pack("{s:s, s:i, s:i}", "file", d->qgraph, "line", d->qgraph_line,
                                  "column", d->qgraph_column));
    return o;
}

static json_t *target_json(const opinfo_report *r)
{
    json_t *t = json_object();
    json_object_set_new(t, "backend", str(r->backend));
    json_object_set_new(t, "release", str(r->release));
    json_object_set_new(t, "soc", str(r->soc));
    json_object_set_new(t, "arch", str(r->arch));
    return t;
}

static json_t *write_json(const opinfo_report *r)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(REPORT_FORMAT));
    json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "opinfo-check", "version",
                                                OPINFO_VERSION));
    json_object_set_new(root, "target", target_json(r));
    json_t *files = json_array();
    for (size_t i = 0; i < r->nf; i++)
        json_array_append_new(files, json_string(r->files[i]));
    json_object_set_new(root, "files", files);
    json_object_set_new(root, "summary",
                        json_pack("{s:I, s:I, s:I, s:b}", "nodes", (json_int_t)r->nn, "errors",
                                  (json_int_t)r->errors, "warnings", (json_int_t)r->warnings,
                                  "truncated", r->truncated));
    json_t *diags = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(diags, diag_json(&r->diags[i]));
    json_object_set_new(root, "diagnostics", diags);
    return root;
}

/* ---- SARIF 2.1.0 ----------------------------------------------------------------------------- */

static json_t *write_sarif(const opinfo_report *r)
{
    size_t nrules;
    const opinfo_rule_info *rules = opinfo_rules(&nrules);
    json_t *jrules = json_array();
    for (size_t i = 0; i < nrules; i++)
        json_array_append_new(
            jrules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "id", rules[i].id,
                              "name", rules[i].id, "shortDescription", "text", rules[i].summary,
                              "fullDescription", "text", rules[i].help, "help", "text",
                              rules[i].help, "defaultConfiguration", "level",
                              oi_rule_default_warning(rules[i].id) ? "warning" : "error"));
    json_t *results = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const opinfo_diag *d = &r->diags[i];
        size_t idx = 0;
        for (size_t k = 0; k < nrules; k++)
            if (strcmp(rules[k].id, d->rule) == 0)
                idx = k;
        char fp[32]; /* rule, node, op, port: stable across unrelated edits (filter.c) */
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)opinfo_diag_fingerprint(d));
        json_t *loc;
        if (d->node_index >= 0 && d->line <= 0) {
            /* a model's node: the file without a region, the node by name and index */
            char fq[64];
            snprintf(fq, sizeof fq, "graph.node[%ld]", d->node_index); /* the ModelProto path */
            loc = json_pack("{s:{s:{s:s}}, s:[{s:s, s:s, s:s, s:{s:I}}]}", "physicalLocation",
                            "artifactLocation", "uri", d->file, "logicalLocations", "name",
                            d->node, "fullyQualifiedName", fq, "kind", "function", "properties",
                            "index", (json_int_t)d->node_index);
        } else
            loc = json_pack(
            "{s:{s:{s:s}, s:{s:i, s:i}}, s:[{s:s, s:s, s:s}]}", "physicalLocation",
            "artifactLocation", "uri", d->file, "region", "startLine", d->line > 0 ? d->line : 1,
            "startColumn", d->column > 0 ? d->column : 1, "logicalLocations", "name", d->node,
            "fullyQualifiedName", d->node, "kind", "function");
        json_t *res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}}", "ruleId", d->rule,
                                "ruleIndex", (json_int_t)idx, "level",
                                d->severity == OPINFO_SEVERITY_ERROR     ? "error"
                                : d->severity == OPINFO_SEVERITY_WARNING ? "warning"
                                                                         : "note",
                                "message", "text", d->message, "locations", loc,
                                "partialFingerprints", "opinfoDiagnostic/v1", fp);
        json_t *props = json_object();
        json_object_set_new(props, "op", str(d->op));
        json_object_set_new(props, "tensor", str(d->tensor));
        json_object_set_new(props, "port", str(d->port));
        json_object_set_new(props, "variant", str(d->variant));
        json_object_set_new(props, "expected", str(d->expected));
        json_object_set_new(props, "actual", str(d->actual));
        json_object_set_new(props, "fix", str(d->fix));
        json_object_set_new(res, "properties", props);
        if (d->file != d->qgraph && d->node_index < 0) /* the node in the qgraph, beside the model's line */
            json_object_set_new(
                res, "relatedLocations",
                json_pack("[{s:i, s:{s:{s:s}, s:{s:i, s:i}}, s:{s:s}}]", "id", 1,
                          "physicalLocation", "artifactLocation", "uri", d->qgraph, "region",
                          "startLine", d->qgraph_line > 0 ? d->qgraph_line : 1, "startColumn",
                          d->qgraph_column > 0 ? d->qgraph_column : 1, "message", "text",
                          "the node in the qgraph"));
        json_array_append_new(results, res);
    }
    json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:s, s:{s:o}}", "tool", "driver",
                            "name", "opinfo-check", "version", OPINFO_VERSION, "semanticVersion",
                            OPINFO_VERSION, "rules", jrules, "results", results, "columnKind",
                            "unicodeCodePoints", "properties", "target", target_json(r));
    return json_pack("{s:s, s:s, s:[o]}", "$schema",
                     "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
                     run);
}

/* ---- JUnit ----------------------------------------------------------------------------------- */

static void xml(oi_buf *b, const char *s) { esc(b, s, 1); }

static void write_junit(const opinfo_report *r, oi_buf *b)
{
    size_t failing = 0;
    for (size_t i = 0; i < r->nn; i++)
        failing += r->nodes[i].count > 0 && r->diags[r->nodes[i].first].severity ==
                                                OPINFO_SEVERITY_ERROR;
    oi_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    oi_buf_printf(b, "<testsuites name=\"opinfo-check\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
                  r->nn ? r->nn : 1, failing);
    if (r->nn == 0) {
        oi_buf_puts(b, "  <testsuite name=\"opinfo-check\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
                       "    <testcase name=\"No errors found\" classname=\"opinfo-check\"/>\n"
                       "  </testsuite>\n</testsuites>\n");
        return;
    }
    size_t i = 0;
    while (i < r->nn) {
        const char *file = r->nodes[i].qgraph;
        size_t j = i, tests = 0, fails = 0;
        for (; j < r->nn && r->nodes[j].qgraph == file; j++) {
            tests++;
            fails += r->nodes[j].count > 0 &&
                     r->diags[r->nodes[j].first].severity == OPINFO_SEVERITY_ERROR;
        }
        oi_buf_puts(b, "  <testsuite name=\"");
        xml(b, file);
        oi_buf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests, fails);
        for (; i < j; i++) {
            const node_entry *e = &r->nodes[i];
            oi_buf_puts(b, "    <testcase name=\"");
            xml(b, e->node);
            oi_buf_puts(b, "\" classname=\"");
            xml(b, e->op);
            oi_buf_puts(b, "\" file=\"");
            xml(b, file);
            if (!e->count) {
                oi_buf_puts(b, "\"/>\n");
                continue;
            }
            const opinfo_diag *d0 = &r->diags[e->first];
            if (d0->node_index >= 0 && d0->qgraph_line <= 0)
                oi_buf_puts(b, "\">\n");
            else
                oi_buf_printf(b, "\" line=\"%d\">\n", d0->qgraph_line);
            int fail = d0->severity == OPINFO_SEVERITY_ERROR;
            oi_buf_puts(b, fail ? "      <failure message=\"" : "      <system-out>");
            if (fail) {
                xml(b, d0->message);
                oi_buf_puts(b, "\" type=\"");
                xml(b, d0->rule);
                oi_buf_puts(b, "\">");
            }
            for (size_t k = 0; k < e->count; k++) {
                const opinfo_diag *d = &r->diags[e->first + k];
                xml(b, d->file);
                if (d->node_index >= 0 && d->line <= 0)
                    oi_buf_printf(b, ": node %ld: %s: ", d->node_index,
                                  opinfo_severity_name(d->severity));
                else
                    oi_buf_printf(b, ":%d:%d: %s: ", d->line, d->column,
                                  opinfo_severity_name(d->severity));
                xml(b, d->message);
                oi_buf_puts(b, " [");
                xml(b, d->rule);
                oi_buf_puts(b, "]\n");
            }
            oi_buf_puts(b, fail ? "</failure>\n" : "</system-out>\n");
            oi_buf_puts(b, "    </testcase>\n");
        }
        oi_buf_puts(b, "  </testsuite>\n");
    }
    oi_buf_puts(b, "</testsuites>\n");
}

int opinfo_report_write(const opinfo_report *r, opinfo_format fmt, char **out, opinfo_error_t *err)
{
    if (!r || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_report_write: NULL argument");
    if (r->failed)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory while reporting");
    char *s = NULL;
    if (fmt == OPINFO_FORMAT_JSON || fmt == OPINFO_FORMAT_SARIF) {
        oi_json_watch(); /* a value jansson failed to add would be a silently shorter report */
        json_t *root = fmt == OPINFO_FORMAT_JSON ? write_json(r) : write_sarif(r);
        s = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
        json_decref(root);
        if (oi_json_failed()) {
            free(s);
            s = NULL;
        }
        if (s) {
            size_t n = strlen(s);
            char *t = realloc(s, n + 2);
            if (!t) {
                free(s);
                s = NULL;
            } else {
                t[n] = '\n';
                t[n + 1] = '\0';
                s = t;
            }
        }
    } else if (fmt == OPINFO_FORMAT_GITHUB) {
        s = oi_write_github(r);
    } else if (fmt == OPINFO_FORMAT_TEXT || fmt == OPINFO_FORMAT_JUNIT) {
        oi_buf b;
        oi_buf_init(&b);
        if (fmt == OPINFO_FORMAT_TEXT)
            write_text(r, &b);
        else
            write_junit(r, &b);
        s = oi_buf_steal(&b);
    } else
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "unknown report format %d",
                            (int)fmt);
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory while reporting");
    *out = s;
    return OPINFO_OK;
}

/* The diagnostics from `from` on, in a line format: a view of the report's tail written by the
 * same writers (they read the diagnostics alone). */
int opinfo_report_write_from(const opinfo_report *r, opinfo_format fmt, size_t from, char **out,
                             opinfo_error_t *err)
{
    if (!r || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_write_from: NULL argument");
    if (fmt != OPINFO_FORMAT_TEXT && fmt != OPINFO_FORMAT_GITHUB)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_write_from: only text and github are line formats");
    opinfo_report view = *r;
    view.diags = r->diags + (from < r->n ? from : r->n);
    view.n = from < r->n ? r->n - from : 0;
    return opinfo_report_write(&view, fmt, out, err);
}

void opinfo_report_set_progress(opinfo_report *r,
                                void (*fn)(size_t done, size_t total, void *userdata),
                                void *userdata)
{
    if (!r)
        return;
    r->progress = fn;
    r->progress_ud = userdata;
}

void oi_report_progress(const opinfo_report *r, size_t done, size_t total)
{
    if (r && r->progress)
        r->progress(done, total, r->progress_ud);
}
