/* Selection, suppression and baseline (docs/adoption.md): what lets a team gate only the
 * diagnostics it has not accepted. A filter runs over a report after each check and moves the
 * diagnostics it drops to its own lists, where they stay readable while the report lives. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validator_internal.h"

typedef struct held {
    opinfo_diag d;      /* strings in the report's arena, or (fixed) in the filter's */
    const char *reason; /* suppressions */
} held;

typedef struct held_list {
    held *v;
    size_t n, cap;
} held_list;

typedef struct base_entry {
    uint64_t fp;
    size_t left; /* occurrences not yet matched */
    opinfo_diag d;
} base_entry;

struct opinfo_filter {
    oi_arena arena;
    char **select, **ignore; /* NULL-terminated; select NULL = all */
    held_list lists[2];      /* suppressed, baselined */
    base_entry *base;
    size_t n_base;
    int has_base;
    held *fixed; /* computed on demand */
    size_t n_fixed;
};

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (h ^ 0xff) * 1099511628211ull; /* separator */
}

uint64_t opinfo_diag_fingerprint(const opinfo_diag *d)
{
    /* the rule, the node's own name and op, the port (the tensor's role): never the file, the
     * node's index, a tensor name (often another node's) or a message with numbers in it */
    uint64_t h = 1469598103934665603ull;
    h = fnv(d->rule, h);
    h = fnv(d->node, h);
    h = fnv(d->op, h);
    return fnv(d->port, h);
}

opinfo_filter *opinfo_filter_new(void) { return calloc(1, sizeof(opinfo_filter)); }

static void free_list(char **l)
{
    for (size_t i = 0; l && l[i]; i++)
        free(l[i]);
    free(l);
}

void opinfo_filter_free(opinfo_filter *f)
{
    if (!f)
        return;
    free_list(f->select);
    free_list(f->ignore);
    free(f->lists[0].v);
    free(f->lists[1].v);
    free(f->base);
    free(f->fixed);
    oi_arena_free(&f->arena);
    free(f);
}

/* ---- rule names ------------------------------------------------------------------------------ */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int known_name(const char *name)
{
    if (strcmp(name, "ALL") == 0 || strchr(name, '/'))
        return 1; /* every rule; a plugin's rules (backend/rule) */
    size_t n, len = strlen(name);
    const opinfo_rule_info *rules = opinfo_rules(&n);
    for (size_t i = 0; i < n; i++)
        if (strncmp(rules[i].id, name, len) == 0)
            return 1;
    return 0;
}

const char *oi_nearest_rule(const char *name)
{
    size_t n, best = (size_t)-1;
    const char *id = NULL;
    const opinfo_rule_info *rules = opinfo_rules(&n);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, rules[i].id);
        if (d < best) {
            best = d;
            id = rules[i].id;
        }
    }
    return best <= 3 || (id && best * 3 <= strlen(id)) ? id : NULL;
}

static int set_list(char ***slot, const char *rules, const char *what, opinfo_error_t *err)
{
    free_list(*slot);
    *slot = NULL;
    if (!rules || !*rules)
        return OPINFO_OK;
    size_t n = 1;
    for (const char *p = rules; *p; p++)
        n += *p == ',';
    char **l = calloc(n + 1, sizeof *l);
    if (!l)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    size_t k = 0;
    for (const char *p = rules;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            if (!(l[k] = malloc(len + 1))) {
                free_list(l);
                return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
            }
            memcpy(l[k], p, len);
            l[k][len] = '\0';
            if (!known_name(l[k])) {
                const char *near = oi_nearest_rule(l[k]);
                int rc = oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                                      "%s: unknown rule \"%.100s\"%s%s%s (--list-rules lists them)",
                                      what, l[k], near ? " (did you mean \"" : "",
                                      near ? near : "", near ? "\"?)" : "");
                free_list(l);
                return rc;
            }
            k++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    *slot = l;
    return OPINFO_OK;
}

int opinfo_filter_select(opinfo_filter *f, const char *rules, opinfo_error_t *err)
{
    if (!f)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_filter_select: NULL filter");
    return set_list(&f->select, rules, "select", err);
}

int opinfo_filter_ignore(opinfo_filter *f, const char *rules, opinfo_error_t *err)
{
    if (!f)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_filter_ignore: NULL filter");
    return set_list(&f->ignore, rules, "ignore", err);
}

static int matches(const char *pattern, const char *rule)
{
    return strcmp(pattern, "ALL") == 0 || strncmp(rule, pattern, strlen(pattern)) == 0;
}

static int in_list(char *const *l, const char *rule)
{
    for (size_t i = 0; l && l[i]; i++)
        if (matches(l[i], rule))
            return 1;
    return 0;
}

/* ---- the baseline ---------------------------------------------------------------------------- */

#define BASELINE_FORMAT 1
#define BASELINE_MAX ((size_t)256 << 20)

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static int cmp_fp(const void *a, const void *b)
{
    const opinfo_diag *x = *(const opinfo_diag *const *)a, *y = *(const opinfo_diag *const *)b;
    uint64_t fx = opinfo_diag_fingerprint(x), fy = opinfo_diag_fingerprint(y);
    if (fx != fy)
        return fx < fy ? -1 : 1;
    int c = strcmp(x->message ? x->message : "", y->message ? y->message : "");
    return c ? c : strcmp(x->file ? x->file : "", y->file ? y->file : "");
}

int opinfo_report_baseline(const opinfo_report *r, char **out, opinfo_error_t *err)
{
    if (!r || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_report_baseline: NULL argument");
    size_t n = opinfo_report_count(r);
    const opinfo_diag **v = malloc((n ? n : 1) * sizeof *v);
    json_t *arr = json_array(), *root = NULL;
    *out = NULL;
    if (!v || !arr)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        v[i] = opinfo_report_get(r, i);
    qsort(v, n, sizeof *v, cmp_fp);
    for (size_t i = 0; i < n; i++) {
        char fp[32];
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)opinfo_diag_fingerprint(v[i]));
        if (json_array_append_new(
                arr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "fingerprint", fp, "rule",
                               v[i]->rule, "node", jstr(v[i]->node), "op", jstr(v[i]->op), "port",
                               jstr(v[i]->port), "file", jstr(v[i]->file), "message",
                               jstr(v[i]->message))))
            goto nomem;
    }
    root = json_pack("{s:i, s:o}", "opinfo_baseline", BASELINE_FORMAT, "diagnostics", arr);
    arr = NULL;
    if (!root || !(*out = oi_json_dumps(root, JSON_INDENT(2))))
        goto nomem;
    json_decref(root);
    free(v);
    oi_buf b; /* a final newline */
    oi_buf_init(&b);
    oi_buf_puts(&b, *out);
    oi_buf_puts(&b, "\n");
    free(*out);
    if (!(*out = oi_buf_steal(&b)))
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    return OPINFO_OK;
nomem:
    json_decref(arr);
    json_decref(root);
    free(v);
    return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
}

static int cmp_base(const void *a, const void *b)
{
    uint64_t x = ((const base_entry *)a)->fp, y = ((const base_entry *)b)->fp;
    return x < y ? -1 : x > y;
}

static const char *akeep(opinfo_filter *f, json_t *v)
{
    return json_is_string(v) ? oi_arena_strdup(&f->arena, json_string_value(v)) : NULL;
}

int opinfo_filter_baseline(opinfo_filter *f, const char *path, opinfo_error_t *err)
{
    if (!f || !path)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_filter_baseline: NULL argument");
    FILE *in = fopen(path, "rb");
    if (!in)
        return oi_set_error(err, OPINFO_EIO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
    oi_buf tb;
    oi_buf_init(&tb);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0 && tb.len <= BASELINE_MAX)
        oi_buf_add(&tb, chunk, got);
    int rerr = ferror(in);
    fclose(in);
    size_t len = tb.len;
    char *text = oi_buf_steal(&tb);
    if (!text || rerr || len > BASELINE_MAX) {
        free(text);
        return oi_set_error(err, rerr ? OPINFO_EIO : OPINFO_EINPUT, path, 0, 0, 0, "%s",
                            rerr ? "cannot read" : "larger than 256 MiB (or out of memory)");
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        free(text);
        return oi_set_error(err, OPINFO_EPARSE, path, je.line > 0 ? je.line : 1,
                            je.column > 0 ? je.column : 1, je.position, "%s", je.text);
    }
    int rc = OPINFO_OK;
    json_t *ver = json_object_get(root, "opinfo_baseline");
    json_t *arr = json_object_get(root, "diagnostics");
    if (!json_is_object(root) || !json_is_integer(ver) || !json_is_array(arr)) {
        rc = oi_set_error(err, OPINFO_EINPUT, path, 1, 1, 0,
                          "not an opinfo baseline (want {\"opinfo_baseline\": %d, "
                          "\"diagnostics\": [...]})",
                          BASELINE_FORMAT);
        goto done;
    }
    if (json_integer_value(ver) != BASELINE_FORMAT) {
        rc = oi_set_error(err, OPINFO_EINPUT, path, 1, 1, 0,
                          "baseline format %lld, this tool reads format %d",
                          (long long)json_integer_value(ver), BASELINE_FORMAT);
        goto done;
    }
    size_t n = json_array_size(arr), i;
    json_t *e;
    base_entry *b = realloc(f->base, (f->n_base + n + 1) * sizeof *b);
    if (!b) {
        rc = oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
        goto done;
    }
    f->base = b;
    json_array_foreach(arr, i, e)
    {
        json_t *fp = json_object_get(e, "fingerprint"), *rule = json_object_get(e, "rule");
        char *end = NULL;
        unsigned long long v = json_is_string(fp) ? strtoull(json_string_value(fp), &end, 16) : 0;
        if (!json_is_object(e) || !end || *end || strlen(json_string_value(fp)) != 16 ||
            !json_is_string(rule)) {
            oi_jpath jp;
            memset(&jp, 0, sizeof jp);
            oi_jpath_push_key(&jp, "diagnostics");
            oi_jpath_push_index(&jp, i);
            int line = 1, col = 1;
            long pos = 0;
            oi_json_locate(text, len, &jp, 0, &line, &col, &pos);
            rc = oi_set_error(err, OPINFO_EINPUT, path, line, col, pos,
                              "/diagnostics/%zu: want an object with a 16-hex-digit "
                              "\"fingerprint\" and a \"rule\"",
                              i);
            goto done;
        }
        base_entry *be = &f->base[f->n_base++];
        memset(be, 0, sizeof *be);
        be->fp = v;
        be->left = 1;
        be->d.rule = akeep(f, rule);
        be->d.node = akeep(f, json_object_get(e, "node"));
        be->d.op = akeep(f, json_object_get(e, "op"));
        be->d.port = akeep(f, json_object_get(e, "port"));
        be->d.file = akeep(f, json_object_get(e, "file"));
        be->d.message = akeep(f, json_object_get(e, "message"));
        be->d.severity = OPINFO_SEVERITY_NOTE;
        be->d.node_index = -1;
    }
    qsort(f->base, f->n_base, sizeof *f->base, cmp_base);
    f->has_base = 1;
done:
    json_decref(root);
    free(text);
    return rc;
}

/* ---- applying it ----------------------------------------------------------------------------- */

static int hold(held_list *l, const opinfo_diag *d, const char *reason)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 16;
        held *v = realloc(l->v, c * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = c;
    }
    l->v[l->n].d = *d;
    l->v[l->n++].reason = reason;
    return 0;
}

/* the node of d among those that suppress something (few: a linear search) */
static const oi_node *find_node(const oi_node *const *sup, size_t n_sup, const opinfo_diag *d)
{
    for (size_t i = 0; d->node && i < n_sup; i++)
        if (strcmp(sup[i]->name, d->node) == 0)
            return sup[i];
    return NULL;
}

/* where node i starts in the qgraph's text (the check found the offsets), 0 when unknown */
static void node_line(const opinfo_qgraph *g, size_t i, int *line, int *col)
{
    *line = *col = 0;
    if (!g->node_pos || !g->text || g->node_pos[i] < 0 || (size_t)g->node_pos[i] > g->len)
        return;
    int l = 1, c = 1;
    for (long k = 0; k < g->node_pos[i]; k++) {
        if (g->text[k] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)g->text[k] & 0xc0) != 0x80)
            c++;
    }
    *line = l;
    *col = c;
}

static int filter_from(opinfo_report *r, size_t from, const opinfo_qgraph *g, opinfo_filter *f,
                       int partial, opinfo_error_t *err);

int opinfo_report_filter(opinfo_report *r, size_t from, const opinfo_qgraph *g,
                         opinfo_filter *f, opinfo_error_t *err)
{
    return filter_from(r, from, g, f, 0, err);
}

int opinfo_report_filter_partial(opinfo_report *r, size_t from, const opinfo_qgraph *g,
                                 opinfo_filter *f, opinfo_error_t *err)
{
    return filter_from(r, from, g, f, 1, err);
}

static int filter_from(opinfo_report *r, size_t from, const opinfo_qgraph *g, opinfo_filter *f,
                       int partial, opinfo_error_t *err)
{
    if (!r || !f)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_report_filter: NULL argument");
    size_t n = opinfo_report_count(r);
    if (from >= n)
        goto reasons;
    size_t n_sup = 0;
    for (size_t i = 0; g && i < g->n_nodes; i++)
        n_sup += g->nodes[i].n_suppress > 0;
    const oi_node **sup = malloc((n_sup ? n_sup : 1) * sizeof *sup);
    unsigned char *drop = calloc(n - from, 1);
    if (!drop || !sup) {
        free(drop);
        free(sup);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    n_sup = 0;
    for (size_t i = 0; g && i < g->n_nodes; i++)
        if (g->nodes[i].n_suppress)
            sup[n_sup++] = &g->nodes[i];
    /* the node's suppressions, looked up once per run of a node's diagnostics */
    const oi_node *last = NULL;
    const char *last_name = NULL;
    for (size_t i = from; i < n; i++) {
        const opinfo_diag *d = opinfo_report_get(r, i);
        if ((f->select && !in_list(f->select, d->rule)) || in_list(f->ignore, d->rule)) {
            drop[i - from] = 1; /* not selected: not counted either */
            continue;
        }
        if (d->node != last_name) {
            last_name = d->node;
            last = find_node(sup, n_sup, d);
        }
        size_t k = 0;
        for (; last && k < last->n_suppress; k++)
            if (matches(last->suppress_rule[k], d->rule))
                break;
        if (last && k < last->n_suppress) {
            drop[i - from] = 1;
            const char *why = last->suppress_reason[k];
            if ((why && !(why = oi_arena_strdup(&f->arena, why))) ||
                hold(&f->lists[OPINFO_FILTERED_SUPPRESSED], d, why))
                goto nomem; /* the graph goes before the report: the reason is copied */
            continue;
        }
        if (f->has_base) {
            uint64_t fp = opinfo_diag_fingerprint(d);
            size_t lo = 0, hi = f->n_base; /* sorted by fingerprint: the first equal one */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (f->base[mid].fp < fp)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t b = lo; b < f->n_base && f->base[b].fp == fp; b++)
                if (f->base[b].left) {
                    f->base[b].left = 0;
                    drop[i - from] = 1;
                    if (hold(&f->lists[OPINFO_FILTERED_BASELINED], d, NULL))
                        goto nomem;
                    break;
                }
        }
    }
    oi_report_drop(r, from, drop);
    free(drop);
    free(sup);
reasons:
    /* a suppression without a reason is accepted, and said (once: by the final call) */
    for (size_t i = 0; g && !partial && i < g->n_nodes; i++) {
        const oi_node *nd = &g->nodes[i];
        for (size_t k = 0; k < nd->n_suppress; k++) {
            if (nd->suppress_reason[k])
                continue;
            char msg[1400];
            snprintf(msg, sizeof msg, "the suppression of %.200s has no reason",
                     nd->suppress_rule[k]);
            oi_diag_in in;
            memset(&in, 0, sizeof in);
            in.rule = "unjustified-suppression";
            in.message = msg;
            in.fix = "add a \"reason\" to the suppression";
            in.node = nd->name;
            in.op = nd->op;
            in.qgraph = g->path;
            in.detached = 1;
            node_line(g, i, &in.qgraph_line, &in.qgraph_column);
            in.file = nd->src_file ? nd->src_file : in.qgraph;
            in.line = nd->src_file ? nd->src_line : in.qgraph_line;
            in.column = nd->src_file ? nd->src_column : in.qgraph_column;
            in.node_index1 = nd->index >= 0 ? nd->index + 1 : 0;
            if ((f->select && !in_list(f->select, in.rule)) || in_list(f->ignore, in.rule))
                continue;
            if (oi_report_add(r, OPINFO_SEVERITY_WARNING, &in))
                return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
        }
    }
    return OPINFO_OK;
nomem:
    free(drop);
    free(sup);
    return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
}

static void compute_fixed(opinfo_filter *f)
{
    free(f->fixed);
    f->fixed = NULL;
    f->n_fixed = 0;
    size_t n = 0;
    for (size_t b = 0; b < f->n_base; b++)
        n += f->base[b].left != 0;
    if (!n || !(f->fixed = calloc(n, sizeof *f->fixed)))
        return;
    for (size_t b = 0; b < f->n_base; b++)
        if (f->base[b].left)
            f->fixed[f->n_fixed++].d = f->base[b].d;
}

size_t opinfo_filter_count(const opinfo_filter *f, opinfo_filtered kind)
{
    if (!f)
        return 0;
    if (kind == OPINFO_FILTERED_FIXED) {
        compute_fixed((opinfo_filter *)f);
        return f->n_fixed;
    }
    return kind == OPINFO_FILTERED_SUPPRESSED || kind == OPINFO_FILTERED_BASELINED
               ? f->lists[kind].n
               : 0;
}

const opinfo_diag *opinfo_filter_get(const opinfo_filter *f, opinfo_filtered kind, size_t i,
                                     const char **reason)
{
    if (reason)
        *reason = NULL;
    if (!f)
        return NULL;
    if (kind == OPINFO_FILTERED_FIXED)
        return i < f->n_fixed ? &f->fixed[i].d : NULL;
    if ((kind != OPINFO_FILTERED_SUPPRESSED && kind != OPINFO_FILTERED_BASELINED) ||
        i >= f->lists[kind].n)
        return NULL;
    if (reason)
        *reason = f->lists[kind].v[i].reason;
    return &f->lists[kind].v[i].d;
}
