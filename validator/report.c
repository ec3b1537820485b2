/* The report: diagnostics of one or more checks, and its writers (gcc-style text, JSON with a
 * format version, SARIF 2.1.0, JUnit XML). Writers produce strings; the caller decides where
 * they go. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../loader/loader_internal.h"
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
    opinfo_rule_info *prules; /* rules plugins documented, copied (oi_report_plugin_rules) */
    size_t npr, prcap;
    const char **args;        /* the invocation (opinfo_report_set_invocation) */
    size_t nargs;
    int exit_code, has_invocation;
    const char *src_root;     /* --source-root: an absolute directory, with a final '/' */
    const char *rules_url;    /* --rules-url: the base of the rules' links, NULL: the build's */
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
    free(r->prules);
    free(r->args);
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

void oi_report_save(const opinfo_report *r, oi_report_mark *m)
{
    m->n = r->n;
    m->nn = r->nn;
    m->nf = r->nf;
    m->npr = r->npr;
    m->truncated = r->truncated;
    m->backend = r->backend;
    m->release = r->release;
    m->soc = r->soc;
    m->arch = r->arch;
}

void oi_report_rewind(opinfo_report *r, const oi_report_mark *m)
{
    for (size_t i = m->n; i < r->n; i++) {
        if (r->diags[i].severity == OPINFO_SEVERITY_ERROR)
            r->errors--;
        else if (r->diags[i].severity == OPINFO_SEVERITY_WARNING)
            r->warnings--;
    }
    if (r->n > m->n)
        r->n = m->n;
    if (r->nn > m->nn)
        r->nn = m->nn;
    if (r->nf > m->nf)
        r->nf = m->nf;
    if (r->npr > m->npr)
        r->npr = m->npr;
    r->truncated = m->truncated;
    r->backend = m->backend;
    r->release = m->release;
    r->soc = m->soc;
    r->arch = m->arch;
}

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

void oi_report_plugin_rules(opinfo_report *r, const struct opinfo_plugin *pl)
{
    for (size_t i = 0; r && pl && oi_plugin_rule_at(pl, i); i++) {
        opinfo_rule_info ri;
        oi_plugin_rule_info(pl, oi_plugin_rule_at(pl, i), &ri);
        int have = 0;
        for (size_t k = 0; k < r->npr && !have; k++)
            have = strcmp(r->prules[k].id, ri.id) == 0;
        if (have)
            continue;
        if (grow((void **)&r->prules, &r->prcap, r->npr + 1, sizeof *r->prules)) {
            r->failed = 1;
            return;
        }
        opinfo_rule_info *o = &r->prules[r->npr++];
        o->id = keep(r, ri.id);
        o->summary = keep(r, ri.summary);
        o->help = keep(r, ri.help);
        o->example = keep(r, ri.example);
        o->fix = keep(r, ri.fix);
        o->plugin = keep(r, ri.plugin);
        o->help_uri = keep(r, ri.help_uri);
    }
}

/* The rule's documentation: the validator's, else a plugin's the report copied, else NULL (a
 * plugin emitted a rule it does not document). */
static const opinfo_rule_info *rule_doc(const opinfo_report *r, const char *id)
{
    const opinfo_rule_info *ri = oi_rule_builtin(id);
    for (size_t k = 0; !ri && k < r->npr; k++)
        if (strcmp(r->prules[k].id, id) == 0)
            ri = &r->prules[k];
    return ri;
}

int opinfo_report_set_rules_url(opinfo_report *r, const char *url, opinfo_error_t *err)
{
    int rc;
    if (!r)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_set_rules_url: NULL report");
    if (url && (rc = opinfo_rules_url_check(url, err)) != OPINFO_OK)
        return rc;
    const char *k = url ? keep(r, url) : NULL;
    if (url && !k)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    r->rules_url = k;
    return OPINFO_OK;
}

char *oi_report_rule_link(const opinfo_report *r, const char *id)
{
    const opinfo_rule_info *ri = rule_doc(r, id);
    char *link = NULL;
    if (ri)
        oi_rule_link(ri->help_uri, r->rules_url, &link);
    return link;
}

int opinfo_report_set_invocation(opinfo_report *r, int argc, const char *const *argv,
                                 int exit_code)
{
    if (!r || argc < 0 || (argc && !argv))
        return OPINFO_EUSAGE;
    const char **a = argc ? calloc((size_t)argc, sizeof *a) : NULL;
    if (argc && !a)
        return OPINFO_ENOMEM;
    for (int i = 0; i < argc; i++)
        if (!(a[i] = keep(r, argv[i] ? argv[i] : ""))) {
            free(a);
            return OPINFO_ENOMEM;
        }
    free(r->args);
    r->args = a;
    r->nargs = (size_t)argc;
    r->exit_code = exit_code;
    r->has_invocation = 1;
    return OPINFO_OK;
}

int opinfo_report_set_source_root(opinfo_report *r, const char *dir, opinfo_error_t *err)
{
    if (!r || !dir)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_set_source_root: NULL argument");
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return oi_set_error(err, OPINFO_EIO, dir, 0, 0, 0, "--source-root %s: %s", dir,
                            strerror(errno));
    size_t n = strlen(real);
    char *k = oi_arena_alloc(&r->arena, n + 2);
    if (!k)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    memcpy(k, real, n);
    if (!n || real[n - 1] != '/')
        k[n++] = '/';
    k[n] = '\0';
    r->src_root = k;
    return OPINFO_OK;
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

/* ---- JSON Lines ------------------------------------------------------------------------------- */

/* One compact JSON object and a newline; -1 when out of memory. */
static int put_line(oi_buf *b, json_t *o)
{
    char *s = o ? oi_json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(o);
    if (!s)
        return -1;
    oi_buf_puts(b, s);
    oi_buf_puts(b, "\n");
    free(s);
    return 0;
}

static int write_jsonl_diags(const opinfo_report *r, oi_buf *b)
{
    for (size_t i = 0; i < r->n; i++) {
        json_t *o = json_pack("{s:s}", "type", "diagnostic"), *d = diag_json(&r->diags[i]);
        int bad = !o || !d || json_object_update(o, d) != 0;
        json_decref(d);
        if (bad) {
            json_decref(o);
            return -1;
        }
        if (put_line(b, o) != 0)
            return -1;
    }
    return 0;
}

static int write_jsonl_summary(const opinfo_report *r, oi_buf *b)
{
    json_t *root = write_json(r);
    if (!root)
        return -1;
    json_object_del(root, "diagnostics");
    json_t *o = json_pack("{s:s}", "type", "summary");
    int bad = !o || json_object_update(o, root) != 0;
    json_decref(root);
    if (bad) {
        json_decref(o);
        return -1;
    }
    return put_line(b, o);
}

/* ---- SARIF 2.1.0 ----------------------------------------------------------------------------- */

/* The rules of a run: those its results use (as ESLint's and ruff's SARIF do), in the catalog's
 * order (the validator's, then the plugins' the report copied, then undocumented ids), so
 * ruleIndex is an index into this list. The full catalog is --list-rules -f json. */
typedef struct used_rules {
    const char **ids;
    size_t n;
} used_rules;

static int used_has(const used_rules *u, const char *id)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->ids[i], id) == 0)
            return 1;
    return 0;
}

static int diag_uses(const opinfo_report *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->diags[i].rule, id) == 0)
            return 1;
    return 0;
}

static int collect_rules(const opinfo_report *r, used_rules *u)
{
    size_t nb;
    const opinfo_rule_info *b = opinfo_rules(&nb);
    u->n = 0;
    u->ids = malloc((nb + r->npr + r->n + 1) * sizeof *u->ids);
    if (!u->ids)
        return -1;
    for (size_t i = 0; i < nb; i++)
        if (diag_uses(r, b[i].id))
            u->ids[u->n++] = b[i].id;
    for (size_t i = 0; i < r->npr; i++)
        if (!used_has(u, r->prules[i].id) && diag_uses(r, r->prules[i].id))
            u->ids[u->n++] = r->prules[i].id;
    for (size_t i = 0; i < r->n; i++)
        if (!used_has(u, r->diags[i].rule))
            u->ids[u->n++] = r->diags[i].rule;
    return 0;
}

static json_t *sarif_rule(const opinfo_report *r, const char *id)
{
    const opinfo_rule_info *ri = rule_doc(r, id);
    const char *level = oi_rule_default_warning(id) ? "warning" : "error";
    if (!ri) { /* a plugin's rule it does not document (a plugin older than ABI 1.2) */
        char t[256];
        snprintf(t, sizeof t, "a rule of the backend's plugin (%.200s), not documented by it", id);
        return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "id", id, "name", id,
                         "shortDescription", "text", t, "defaultConfiguration", "level", level);
    }
    char *text = oi_rule_render(ri, 0), *md = oi_rule_render(ri, 1);
    json_t *o = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s?, s:s?}, s:{s:s}}", "id", ri->id,
                          "name", ri->id, "shortDescription", "text", ri->summary,
                          "fullDescription", "text", ri->help && *ri->help ? ri->help
                                                                          : ri->summary,
                          "help", "text", text, "markdown", md, "defaultConfiguration",
                          "level", level);
    free(text);
    free(md);
    char *link = NULL;
    if (o && ri->help_uri && oi_rule_link(ri->help_uri, r->rules_url, &link)) {
        json_decref(o);
        return NULL;
    }
    if (link)
        json_object_set_new(o, "helpUri", json_string(link));
    free(link);
    if (o && ri->plugin)
        json_object_set_new(o, "properties", json_pack("{s:s}", "plugin", ri->plugin));
    return o;
}

/* A file URI path: bytes other than unreserved ones and '/' percent-encoded (RFC 3986). */
static char *uri_path(const char *p)
{
    size_t n = strlen(p);
    char *o = malloc(3 * n + 1), *w = o;
    if (!o)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~/", *c))
            *w++ = (char)*c;
        else
            w += sprintf(w, "%%%02X", *c);
    *w = '\0';
    return o;
}

/* path made absolute and normalized (".", "..", "//") without touching the file system beyond
 * the current directory: a source file named by a model need not exist here. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = (path[0] == '/' ? 0 : strlen(cwd) + 1) + strlen(path) + 2;
    char *buf = malloc(n), *out = malloc(n);
    if (!buf || !out) {
        free(buf);
        free(out);
        return NULL;
    }
    snprintf(buf, n, "%s%s%s", path[0] == '/' ? "" : cwd, path[0] == '/' ? "" : "/", path);
    size_t w = 0;
    for (char *seg = buf; *seg;) {
        char *end = strchr(seg, '/');
        size_t l = end ? (size_t)(end - seg) : strlen(seg);
        if (l == 0 || (l == 1 && seg[0] == '.')) {
        } else if (l == 2 && seg[0] == '.' && seg[1] == '.') {
            while (w > 0 && out[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
        } else {
            out[w++] = '/';
            memcpy(out + w, seg, l);
            w += l;
        }
        seg += l + (end ? 1 : 0);
    }
    if (w == 0)
        out[w++] = '/';
    out[w] = '\0';
    free(buf);
    return out;
}

/* An artifactLocation: under --source-root a file inside the root is relative to it, with
 * uriBaseId SRCROOT (its symlinks resolved when it exists, as the root's are); any other file
 * keeps the name it was given. */
static json_t *artifact(const opinfo_report *r, const char *file)
{
    if (r->src_root) {
        char real[PATH_MAX];
        char *abs = realpath(file, real) ? strdup(real) : absolute(file);
        if (!abs)
            return NULL;
        size_t rl = strlen(r->src_root);
        if (abs && strncmp(abs, r->src_root, rl) == 0 && abs[rl]) {
            char *u = uri_path(abs + rl);
            json_t *o = u ? json_pack("{s:s, s:s}", "uri", u, "uriBaseId", "SRCROOT") : NULL;
            free(u);
            free(abs);
            return o;
        } else
            free(abs);
    }
    return json_pack("{s:s}", "uri", file);
}

static json_t *sarif_invocation(const opinfo_report *r)
{
    json_t *inv = json_object();
    json_object_set_new(inv, "executionSuccessful",
                        json_boolean(!r->has_invocation || (r->exit_code >= 0 &&
                                                            r->exit_code <= 1)));
    if (!r->has_invocation)
        return inv;
    json_object_set_new(inv, "exitCode", json_integer(r->exit_code));
    json_t *args = json_array();
    oi_buf cl;
    oi_buf_init(&cl);
    for (size_t i = 0; i < r->nargs; i++) {
        const char *a = r->args[i];
        if (i == 0) { /* the program by its name: where it is installed is this machine's */
            const char *slash = strrchr(a, '/');
            a = slash ? slash + 1 : a;
        }
        json_array_append_new(args, json_string(a));
        if (i)
            oi_buf_puts(&cl, " ");
        /* the shell's quoting, where a word needs it */
        int plain = *a != '\0';
        for (const char *c = a; *c && plain; c++)
            plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || strchr("-_./=,:+@%", *c);
        if (plain)
            oi_buf_puts(&cl, a);
        else {
            oi_buf_puts(&cl, "'");
            for (const char *c = a; *c; c++)
                if (*c == '\'')
                    oi_buf_puts(&cl, "'\\''");
                else
                    oi_buf_add(&cl, c, 1);
            oi_buf_puts(&cl, "'");
        }
    }
    char *line = oi_buf_steal(&cl);
    json_object_set_new(inv, "commandLine", line ? json_string(line) : json_null());
    free(line);
    json_object_set_new(inv, "arguments", args);
    return inv;
}

static json_t *write_sarif(const opinfo_report *r)
{
    used_rules u;
    if (collect_rules(r, &u) != 0)
        return NULL;
    json_t *jrules = json_array();
    for (size_t i = 0; i < u.n; i++)
        json_array_append_new(jrules, sarif_rule(r, u.ids[i]));
    json_t *results = json_array();
    int bad = !jrules || !results; /* a part not made (out of memory) fails the whole report */
    for (size_t i = 0; i < u.n; i++)
        bad |= !json_array_get(jrules, i);
    for (size_t i = 0; i < r->n && !bad; i++) {
        const opinfo_diag *d = &r->diags[i];
        size_t idx = 0;
        for (size_t k = 0; k < u.n; k++)
            if (strcmp(u.ids[k], d->rule) == 0) {
                idx = k;
                break;
            }
        char fp[32]; /* rule, node, op, port: stable across unrelated edits (filter.c) */
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)opinfo_diag_fingerprint(d));
        json_t *loc;
        if (d->node_index >= 0 && d->line <= 0) {
            /* a model's node: the file without a region, the node by name and index */
            char fq[64];
            snprintf(fq, sizeof fq, "graph.node[%ld]", d->node_index); /* the ModelProto path */
            loc = json_pack("{s:{s:o}, s:[{s:s, s:s, s:s, s:{s:I}}]}", "physicalLocation",
                            "artifactLocation", artifact(r, d->file), "logicalLocations", "name",
                            d->node, "fullyQualifiedName", fq, "kind", "function", "properties",
                            "index", (json_int_t)d->node_index);
        } else if (d->column > 0 || d->line <= 0)
            loc = json_pack(
            "{s:{s:o, s:{s:i, s:i}}, s:[{s:s, s:s, s:s}]}", "physicalLocation",
            "artifactLocation", artifact(r, d->file), "region", "startLine", d->line > 0 ? d->line : 1,
            "startColumn", d->column > 0 ? d->column : 1, "logicalLocations", "name", d->node,
            "fullyQualifiedName", d->node, "kind", "function");
        else /* a Python frame: the line alone (startColumn is optional in SARIF) */
            loc = json_pack(
            "{s:{s:o, s:{s:i}}, s:[{s:s, s:s, s:s}]}", "physicalLocation",
            "artifactLocation", artifact(r, d->file), "region", "startLine", d->line,
            "logicalLocations", "name", d->node, "fullyQualifiedName", d->node, "kind",
            "function");
        if (!loc) {
            bad = 1;
            break;
        }
        json_t *res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}}", "ruleId", d->rule,
                                "ruleIndex", (json_int_t)idx, "level",
                                d->severity == OPINFO_SEVERITY_ERROR     ? "error"
                                : d->severity == OPINFO_SEVERITY_WARNING ? "warning"
                                                                         : "note",
                                "message", "text", d->message, "locations", loc,
                                "partialFingerprints", "opinfoDiagnostic/v1", fp);
        if (!res) {
            bad = 1;
            break;
        }
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
                json_pack("[{s:i, s:{s:o, s:{s:i, s:i}}, s:{s:s}}]", "id", 1,
                          "physicalLocation", "artifactLocation", artifact(r, d->qgraph), "region",
                          "startLine", d->qgraph_line > 0 ? d->qgraph_line : 1, "startColumn",
                          d->qgraph_column > 0 ? d->qgraph_column : 1, "message", "text",
                          "the node in the qgraph"));
        if (json_array_append_new(results, res) != 0)
            bad = 1;
    }
    free(u.ids);
    if (bad) {
        json_decref(jrules);
        json_decref(results);
        return NULL;
    }
    /* automationDetails.id: "category/" (GitHub's code scanning category) per target */
    char aid[512];
    snprintf(aid, sizeof aid, "opinfo-check/%s/%s/", r->backend ? r->backend : "any",
             r->soc ? r->soc : "any");
    json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:[o], s:{s:s}, s:o, s:s, s:{s:o}}",
                            "tool", "driver", "name", "opinfo-check", "version", OPINFO_VERSION,
                            "semanticVersion", OPINFO_VERSION, "rules", jrules, "invocations",
                            sarif_invocation(r), "automationDetails", "id", aid, "results",
                            results, "columnKind", "unicodeCodePoints", "properties", "target",
                            target_json(r));
    if (run && r->src_root) {
        char *up = uri_path(r->src_root);
        char *fu = up ? malloc(strlen(up) + 8) : NULL;
        if (fu)
            sprintf(fu, "file://%s", up);
        json_t *base = fu ? json_pack("{s:{s:s}}", "SRCROOT", "uri", fu) : NULL;
        free(up);
        free(fu);
        if (!base || json_object_set_new(run, "originalUriBaseIds", base) != 0) {
            json_decref(run);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:[o]}", "$schema",
                     "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
                     run);
}

/* ---- JUnit ----------------------------------------------------------------------------------- */

static void xml(oi_buf *b, const char *s) { esc(b, s, 1); }

/* One testsuite per file, one testcase per rule that reported on it (a failure when any of its
 * diagnostics is an error, naming its nodes; warnings alone pass, listed in system-out), and one
 * passing testcase for a file without diagnostics. A 10^6-node graph gives as many testcases as
 * rules fired, not as nodes. */
typedef struct jkey {
    size_t file, rule, i;
} jkey;

static int jkey_cmp(const void *a, const void *b)
{
    const jkey *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int file_is(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static void junit_line(oi_buf *b, const opinfo_diag *d)
{
    xml(b, d->file); /* the position as the text report writes it */
    if (d->line > 0 && d->column > 0)
        oi_buf_printf(b, ":%d:%d", d->line, d->column);
    else if (d->line > 0) /* a Python frame: a line, no column */
        oi_buf_printf(b, ":%d", d->line);
    else if (d->node_index >= 0)
        oi_buf_printf(b, ": node %ld", d->node_index);
    oi_buf_printf(b, ": %s: ", opinfo_severity_name(d->severity));
    xml(b, d->node);
    oi_buf_puts(b, ": ");
    xml(b, d->message);
    oi_buf_puts(b, "\n");
}

static int write_junit(const opinfo_report *r, oi_buf *b)
{
    /* the files: the checked ones in order, then any other a diagnostic names */
    size_t nfiles = 0;
    const char **files = malloc((r->nf + r->n + 1) * sizeof *files);
    jkey *keys = malloc((r->n + 1) * sizeof *keys);
    used_rules u = {0};
    if (!files || !keys || collect_rules(r, &u) != 0) {
        free(files);
        free(keys);
        return -1;
    }
    for (size_t i = 0; i < r->nf; i++) { /* a file checked twice is one testsuite */
        int have = 0;
        for (size_t k = 0; k < nfiles && !have; k++)
            have = file_is(files[k], r->files[i]);
        if (!have)
            files[nfiles++] = r->files[i];
    }
    size_t last = 0;
    for (size_t i = 0; i < r->n; i++) {
        const opinfo_diag *d = &r->diags[i];
        size_t f = last < nfiles && file_is(files[last], d->qgraph) ? last : nfiles;
        for (size_t k = 0; f == nfiles && k < nfiles; k++)
            if (file_is(files[k], d->qgraph))
                f = k;
        if (f == nfiles)
            files[nfiles++] = d->qgraph;
        last = f;
        size_t rule = 0;
        while (rule < u.n && strcmp(u.ids[rule], d->rule) != 0)
            rule++;
        keys[i] = (jkey){f, rule, i};
    }
    qsort(keys, r->n, sizeof *keys, jkey_cmp);
    /* counts first: the root element carries them */
    size_t tests = 0, failures = 0;
    for (size_t f = 0, i = 0; f < nfiles; f++) {
        size_t here = 0;
        while (i < r->n && keys[i].file == f) {
            size_t j = i;
            int err = 0;
            for (; j < r->n && keys[j].file == f && keys[j].rule == keys[i].rule; j++)
                err |= r->diags[keys[j].i].severity == OPINFO_SEVERITY_ERROR;
            here++;
            failures += err;
            i = j;
        }
        tests += here ? here : 1;
    }
    oi_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    oi_buf_printf(b, "<testsuites name=\"opinfo-check\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
                  tests ? tests : 1, failures);
    if (!nfiles)
        oi_buf_puts(b, "  <testsuite name=\"opinfo-check\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
                       "    <testcase name=\"No errors found\" classname=\"opinfo-check\"/>\n"
                       "  </testsuite>\n");
    for (size_t f = 0, i = 0; f < nfiles; f++) {
        const char *file = files[f];
        size_t here = 0, fails = 0;
        for (size_t k = i; k < r->n && keys[k].file == f;) {
            size_t j = k;
            int err = 0;
            for (; j < r->n && keys[j].file == f && keys[j].rule == keys[k].rule; j++)
                err |= r->diags[keys[j].i].severity == OPINFO_SEVERITY_ERROR;
            here++;
            fails += err;
            k = j;
        }
        oi_buf_puts(b, "  <testsuite name=\"");
        xml(b, file);
        oi_buf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", here ? here : 1,
                      fails);
        if (!here) {
            oi_buf_puts(b, "    <testcase name=\"no diagnostics\" classname=\"");
            xml(b, file);
            oi_buf_puts(b, "\" file=\"");
            xml(b, file);
            oi_buf_puts(b, "\"/>\n");
        }
        while (i < r->n && keys[i].file == f) {
            size_t j = i, nodes = 0;
            int err = 0;
            for (; j < r->n && keys[j].file == f && keys[j].rule == keys[i].rule; j++) {
                err |= r->diags[keys[j].i].severity == OPINFO_SEVERITY_ERROR;
                /* a node's diagnostics are consecutive in the report: count each node once */
                nodes += j == i || !file_is(r->diags[keys[j].i].node, r->diags[keys[j - 1].i].node);
            }
            const char *rule = r->diags[keys[i].i].rule;
            oi_buf_puts(b, "    <testcase name=\"");
            xml(b, rule);
            oi_buf_puts(b, "\" classname=\"");
            xml(b, file);
            oi_buf_puts(b, "\" file=\"");
            xml(b, file);
            oi_buf_puts(b, "\">\n");
            if (err) {
                oi_buf_printf(b, "      <failure message=\"%zu node%s: ", nodes,
                              nodes == 1 ? "" : "s");
                size_t listed = 0;
                for (size_t k = i; k < j && listed < 10; k++) {
                    const char *node = r->diags[keys[k].i].node;
                    if (k > i && file_is(node, r->diags[keys[k - 1].i].node))
                        continue;
                    if (listed++)
                        oi_buf_puts(b, ", ");
                    xml(b, node);
                }
                if (nodes > listed)
                    oi_buf_printf(b, " and %zu more", nodes - listed);
                oi_buf_puts(b, "\" type=\"");
                xml(b, rule);
                oi_buf_puts(b, "\">");
            } else
                oi_buf_puts(b, "      <system-out>");
            for (size_t k = i; k < j; k++)
                junit_line(b, &r->diags[keys[k].i]);
            oi_buf_puts(b, err ? "</failure>\n" : "</system-out>\n");
            oi_buf_puts(b, "    </testcase>\n");
            i = j;
        }
        oi_buf_puts(b, "  </testsuite>\n");
    }
    oi_buf_puts(b, "</testsuites>\n");
    free(files);
    free(keys);
    free(u.ids);
    return 0;
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
        s = root ? oi_json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
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
    } else if (fmt == OPINFO_FORMAT_JSONL || fmt == OPINFO_FORMAT_JSONL + 100) {
        /* FORMAT_JSONL + 100: the diagnostics alone (opinfo_report_write_from's view) */
        oi_buf b;
        oi_buf_init(&b);
        oi_json_watch();
        int bad = write_jsonl_diags(r, &b) != 0 ||
                  (fmt == OPINFO_FORMAT_JSONL && write_jsonl_summary(r, &b) != 0);
        bad |= oi_json_failed();
        s = oi_buf_steal(&b);
        if (bad) {
            free(s);
            s = NULL;
        }
    } else if (fmt == OPINFO_FORMAT_TEXT || fmt == OPINFO_FORMAT_JUNIT) {
        oi_buf b;
        oi_buf_init(&b);
        int bad = 0;
        if (fmt == OPINFO_FORMAT_TEXT)
            write_text(r, &b);
        else
            bad = write_junit(r, &b);
        s = oi_buf_steal(&b);
        if (bad) {
            free(s);
            s = NULL;
        }
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
    if (fmt != OPINFO_FORMAT_TEXT && fmt != OPINFO_FORMAT_GITHUB && fmt != OPINFO_FORMAT_JSONL)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_write_from: only text, github and jsonl are line "
                            "formats");
    opinfo_report view = *r;
    view.diags = r->diags + (from < r->n ? from : r->n);
    view.n = from < r->n ? r->n - from : 0;
    return opinfo_report_write(&view, fmt == OPINFO_FORMAT_JSONL ? OPINFO_FORMAT_JSONL + 100 : fmt,
                               out, err);
}

int opinfo_report_write_summary(const opinfo_report *r, opinfo_format fmt, char **out,
                                opinfo_error_t *err)
{
    if (!r || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_write_summary: NULL argument");
    if (fmt != OPINFO_FORMAT_TEXT && fmt != OPINFO_FORMAT_GITHUB && fmt != OPINFO_FORMAT_JSONL)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_report_write_summary: only text, github and jsonl are line "
                            "formats");
    if (r->failed)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory while reporting");
    oi_buf b;
    oi_buf_init(&b);
    oi_json_watch();
    int bad = fmt == OPINFO_FORMAT_JSONL && write_jsonl_summary(r, &b) != 0;
    bad |= oi_json_failed();
    char *s = oi_buf_steal(&b);
    if (bad || !s) {
        free(s);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory while reporting");
    }
    *out = s;
    return OPINFO_OK;
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
