/* opinfo-db: build, inspect, diff and export the constraint database. A thin shell over
 * libopinfo: it parses arguments, calls the library and formats what comes back.
 * Exit status: 0 ok, 1 not found or differences found, 2 usage, input or database error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

#include "cli.h"
#include "common.h"
#include "opinfo/plugin.h"

#define EXIT_FOUND_NOTHING 1
#define EXIT_TROUBLE 2

const char *cli_prog = "opinfo-db";

/* where results go: stdout, or a memory stream written to -o FILE at the end */
static FILE *out;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: opinfo-db [--db PATH] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  init                      create and initialise the database (idempotent)\n"
            "  import FILE...            import constraint-data files as new releases, all in\n"
            "                            one transaction: on any error nothing is written\n"
            "  import --from-plugin NAME [--plugin-path DIR]\n"
            "                            import the constraint data a backend plugin ships\n"
            "  check FILE...             check constraint-data files without importing\n"
            "  import|check --format backendopinfo FILE --release R\n"
            "                            a QNN BackendOpInfo dump as release R of its backend\n"
            "  list backends|releases|socs|archs|ops|aliases [--backend B] [--release R]\n"
            "                            [-f text|json|tsv]\n"
            "  show OP --backend B [--soc S] [--release R] [-f text|json|tsv]\n"
            "                            the op's variants and constraints, and which are\n"
            "                            available on the SoC\n"
            "  matrix --backend B [--release R] [--format md|html]\n"
            "                            op x quant config x arch (with its SoCs) support\n"
            "  diff --backend B R1 R2 [-f text|json|tsv]\n"
            "                            what changed between two releases (exit 1 if any)\n"
            "  export --backend B [--release R] [-o FILE]\n"
            "                            a release as JSON that re-imports identically\n"
            "  migrate                   upgrade an older database schema in place\n"
            "\n"
            "options:\n"
            "  --db PATH                 the database (default: $OPINFO_DB, else the one\n"
            "                            installed with opinfo: %s)\n"
            "  --backend B, --soc S      names in any case; a SoC also by its marketing name\n"
            "                            (\"Snapdragon 8 Gen 3\"); an op by a name or an alias\n"
            "  -f, --format F            the output format; an unknown one lists the choices\n"
            "                            (tsv: a header line, then tab-separated fields)\n"
            "  -o, --output FILE         write the results there (whole) instead of stdout\n"
            "  -q, --quiet               no summary on stderr\n"
            "  --color=auto|always|never colour \"error\" on stderr (auto: on a terminal)\n"
            "  -V, --version             print versions and exit\n"
            "  -h, --help                print this help and exit\n"
            "\n"
            "Options and operands mix; long options may be abbreviated while unambiguous; '--'\n"
            "ends the options. Usage errors exit 2.\n"
            "exit status: 0 ok, 1 not found or differences found, 2 usage, input or database "
            "error\n"
            "documentation (constraint-format.md, rules.md): " OPINFO_DOCDIR "\n",
            opinfo_db_default_path());
}

/* gcc-style: file:line:col: error: text (cli/common.c) */
static void print_error(const opinfo_error_t *e) { cli_print_error(e); }

static int report_cb(const opinfo_error_t *e, void *ud)
{
    (void)ud;
    print_error(e);
    return 0;
}

/* Maps a library code to the exit status. */
static int status_of(int code)
{
    return code == OPINFO_ENOTFOUND ? EXIT_FOUND_NOTHING : EXIT_TROUBLE;
}

static int fail(const opinfo_error_t *e)
{
    print_error(e);
    return status_of(e->code);
}

typedef struct {
    const char *db, *backend, *release, *soc, *format, *output, *from_plugin;
    int quiet;
    cli_table_format fmt; /* list, show, diff */
    const char *plugin_dirs[16];
    size_t n_plugin_dirs;
    const char *pos[64];
    int npos;
} args_t;

static int open_db(const args_t *a, size_t flags, opinfo_db **db)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(a->db, flags, db, &e) != OPINFO_OK) {
        print_error(&e);
        return EXIT_TROUBLE; /* a database that does not open is never "not found" */
    }
    return 0;
}

static int need_backend(const args_t *a, const char *cmd)
{
    if (a->backend)
        return 0;
    return cli_usage_error("%s needs --backend B (see 'opinfo-db list backends')", cmd);
}

/* --backend and --soc as typed (any case, a SoC's marketing name) to the database's names */
static int resolve_names(args_t *a, opinfo_db *db)
{
    int rc = OPINFO_OK;
    if (a->backend)
        rc = cli_resolve_backend(db, a->backend, &a->backend);
    if (rc == OPINFO_OK && a->soc && a->backend)
        rc = cli_resolve_soc(db, a->backend, a->release, a->soc, &a->soc);
    return rc == OPINFO_OK ? 0 : status_of(rc);
}

/* ---- commands ------------------------------------------------------------------------------ */

static int cmd_init(const args_t *a)
{
    opinfo_db *db = NULL;
    int rc = open_db(a, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db);
    if (rc)
        return rc;
    fprintf(out, "%s: opinfo database, schema %d\n", opinfo_db_path(db), opinfo_db_schema_version(db));
    opinfo_db_close(db);
    return 0;
}

/* The constraint data a plugin carries, imported as one document. */
static int import_from_plugin(const args_t *a)
{
    opinfo_db *db = NULL;
    int rc = open_db(a, OPINFO_DB_WRITE, &db);
    if (rc)
        return rc;
    opinfo_plugins *pl = NULL;
    const struct opinfo_plugin *plugin;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_plugins_open(a->plugin_dirs, a->n_plugin_dirs, 0, &pl, &e) != OPINFO_OK ||
        opinfo_plugins_get(pl, a->from_plugin, &plugin, &e) != OPINFO_OK) {
        print_error(&e);
        rc = EXIT_TROUBLE;
    } else {
        const opinfo_plugin *d = (const opinfo_plugin *)plugin;
        if (!d->constraints || !d->constraints_len) {
            fprintf(stderr, "%s: plugin %s ships no constraint data\n", cli_prog, d->name);
            rc = EXIT_TROUBLE;
        } else {
            char name[300];
            snprintf(name, sizeof name, "plugin:%s", d->name);
            if (opinfo_db_import_buffer(db, name, d->constraints, d->constraints_len, report_cb,
                                        NULL, &e) != OPINFO_OK) {
                if (e.code != OPINFO_EINPUT && e.code != OPINFO_EPARSE)
                    print_error(&e);
                fprintf(stderr, "%s: nothing was imported\n", cli_prog);
                rc = EXIT_TROUBLE;
            } else if (!a->quiet)
                fprintf(stderr, "%s: imported the constraint data of plugin %s %s\n", cli_prog,
                        d->name, d->version);
        }
    }
    opinfo_plugins_close(pl);
    opinfo_db_close(db);
    return rc;
}

/* A QNN BackendOpInfo dump (docs/backendopinfo-dump.md) as release --release R. */
static int import_backendopinfo(const args_t *a, int write)
{
    if (a->npos != 1 || !a->release) {
        fprintf(stderr, "%s: --format backendopinfo takes one FILE and --release R\n", cli_prog);
        return EXIT_TROUBLE;
    }
    opinfo_db *db = NULL;
    int rc = open_db(a, write ? OPINFO_DB_WRITE : OPINFO_DB_READONLY, &db);
    if (rc)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rc = opinfo_db_import_backendopinfo(db, a->pos[0], a->release, write, report_cb, NULL, &e);
    if (rc == OPINFO_OK && !a->quiet)
        fprintf(stderr, "%s: %s %s as release %s\n", cli_prog, write ? "imported" : "checked",
                a->pos[0], a->release);
    else if (rc != OPINFO_EINPUT && rc != OPINFO_EPARSE)
        print_error(&e);
    opinfo_db_close(db);
    return rc == OPINFO_OK ? 0 : EXIT_TROUBLE;
}

static int cmd_import(const args_t *a, int write)
{
    if (write && a->from_plugin) {
        if (a->npos) {
            fprintf(stderr, "%s: import takes FILEs or --from-plugin, not both\n", cli_prog);
            return EXIT_TROUBLE;
        }
        return import_from_plugin(a);
    }
    if (a->npos == 0) {
        fprintf(stderr, "%s: %s needs at least one FILE\n", cli_prog, write ? "import" : "check");
        return EXIT_TROUBLE;
    }
    if (a->format && strcmp(a->format, "backendopinfo") == 0)
        return import_backendopinfo(a, write);
    opinfo_db *db = NULL;
    int rc = open_db(a, write ? OPINFO_DB_WRITE : OPINFO_DB_READONLY, &db);
    if (rc)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rc = write ? opinfo_db_import_files(db, a->pos, (size_t)a->npos, report_cb, NULL, &e)
               : opinfo_db_check_files(db, a->pos, (size_t)a->npos, report_cb, NULL, &e);
    if (rc == OPINFO_OK && !a->quiet)
        fprintf(stderr, "%s: %s %d file%s\n", cli_prog, write ? "imported" : "checked", a->npos,
                a->npos == 1 ? "" : "s");
    else if (rc != OPINFO_EINPUT && rc != OPINFO_EPARSE && rc != OPINFO_EIO)
        print_error(&e); /* input errors were reported one by one */
    else
        fprintf(stderr, "%s: %s\n", cli_prog,
                write ? "nothing was imported" : "the files have errors");
    opinfo_db_close(db);
    return rc == OPINFO_OK ? 0 : EXIT_TROUBLE;
}

static int cmd_migrate(const args_t *a)
{
    opinfo_db *db = NULL;
    int rc = open_db(a, OPINFO_DB_WRITE | OPINFO_DB_MIGRATE, &db);
    if (rc)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    int from, to;
    if (opinfo_db_migrate(db, &from, &to, &e) != OPINFO_OK) {
        opinfo_db_close(db);
        return fail(&e);
    }
    if (from == to)
        fprintf(out, "%s: schema %d is current\n", opinfo_db_path(db), to);
    else
        fprintf(out, "%s: migrated schema %d -> %d\n", opinfo_db_path(db), from, to);
    opinfo_db_close(db);
    return 0;
}

static int print_row(int n, const char *const *c, void *ud)
{
    int *widths = ud;
    for (int i = 0; i < n; i++) {
        const char *s = c[i] ? c[i] : "-";
        if (i + 1 < n && widths)
            fprintf(out, "%-*s  ", widths[i], s);
        else
            fprintf(out, "%s%s", s, i + 1 < n ? "  " : "");
    }
    fprintf(out, "\n");
    return 0;
}

static int cmd_list(args_t *a)
{
    static const struct {
        const char *name;
        opinfo_list_kind kind;
        const char *header;
        int widths[6];
        const char *columns[6];
        const char *numeric;
    } kinds[] = {
        {"backends", OPINFO_LIST_BACKENDS, "backend  latest  releases", {10, 8},
         {"backend", "latest", "releases"}, "..n"},
        {"releases", OPINFO_LIST_RELEASES, "backend  version  date  source  ops  variants",
         {10, 8, 10, 0}, {"backend", "version", "date", "source", "ops", "variants"}, "....nn"},
        {"socs", OPINFO_LIST_SOCS, "backend  release  soc  arch  vtcm_mb  attributes",
         {10, 8, 10, 6, 7}, {"backend", "release", "soc", "arch", "vtcm_mb", "attributes"},
         "....nj"},
        {"archs", OPINFO_LIST_ARCHS, "backend  release  arch  rank", {10, 8, 10},
         {"backend", "release", "arch", "rank"}, "...n"},
        {"ops", OPINFO_LIST_OPS, "backend  release  op  variants  aliases", {10, 8, 22, 3},
         {"backend", "release", "op", "variants", "aliases"}, "...n."},
        {"aliases", OPINFO_LIST_ALIASES, "backend  release  framework  alias  op",
         {10, 8, 19, 40}, {"backend", "release", "framework", "alias", "op"}, NULL},
    };
    if (a->npos != 1)
        return cli_usage_error("list needs one of backends, releases, socs, archs, ops, aliases");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].name, a->pos[0]) != 0)
            continue;
        opinfo_db *db = NULL;
        int rc = open_db(a, OPINFO_DB_READONLY, &db);
        if (rc || (rc = resolve_names(a, db))) {
            opinfo_db_close(db);
            return rc;
        }
        opinfo_error_t e;
        opinfo_error_init(&e);
        if (a->fmt != CLI_TABLE_TEXT) {
            size_t nc = 0;
            while (nc < 6 && kinds[i].columns[nc])
                nc++;
            cli_table *t = cli_table_new(nc, kinds[i].columns, kinds[i].numeric);
            if (!t) {
                opinfo_db_close(db);
                fprintf(stderr, "%s: out of memory\n", cli_prog);
                return EXIT_TROUBLE;
            }
            rc = opinfo_db_list(db, kinds[i].kind, a->backend, a->release, cli_table_row_fn, t,
                                &e);
            opinfo_db_close(db);
            if (rc == OPINFO_OK && cli_table_write(t, a->fmt, out) != 0) {
                fprintf(stderr, "%s: out of memory\n", cli_prog);
                rc = EXIT_TROUBLE;
            }
            cli_table_free(t);
            return rc == OPINFO_OK ? 0 : rc == EXIT_TROUBLE ? rc : fail(&e);
        }
        int w[6];
        memcpy(w, kinds[i].widths, sizeof w);
        int *widths = kinds[i].kind == OPINFO_LIST_RELEASES ? NULL : w;
        fprintf(stderr, "# %s\n", kinds[i].header);
        rc = opinfo_db_list(db, kinds[i].kind, a->backend, a->release, print_row, widths, &e);
        opinfo_db_close(db);
        return rc == OPINFO_OK ? 0 : fail(&e);
    }
    const char *lists[] = {"backends", "releases", "socs", "archs", "ops", "aliases"};
    const char *near = cli_nearest(a->pos[0], lists, 6);
    if (near)
        return cli_usage_error("cannot list \"%s\"; did you mean \"%s\"? (backends, releases, "
                               "socs, archs, ops, aliases)", a->pos[0], near);
    return cli_usage_error("cannot list \"%s\" (backends, releases, socs, archs, ops, aliases)",
                           a->pos[0]);
}

static int cmd_show(args_t *a)
{
    if (a->npos != 1)
        return cli_usage_error("show needs one OP (a name or an alias)");
    int rc = need_backend(a, "show");
    if (rc)
        return rc;
    opinfo_db *db = NULL;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    const char *op_name = a->pos[0];
    if ((rc = resolve_names(a, db))) {
        opinfo_db_close(db);
        return rc;
    }
    if ((rc = cli_resolve_op(db, a->backend, a->release, a->pos[0], &op_name)) != OPINFO_OK) {
        opinfo_db_close(db);
        return status_of(rc);
    }
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (a->fmt != CLI_TABLE_TEXT) {
        const opinfo_op *op;
        opinfo_soc soc;
        if (opinfo_db_find_op(db, a->backend, a->release, op_name, &op, &e) != OPINFO_OK ||
            (a->soc && opinfo_db_find_soc(db, a->backend, op->release, a->soc, &soc, &e) !=
                           OPINFO_OK)) {
            opinfo_db_close(db);
            return fail(&e);
        }
        rc = cli_write_op(out, a->fmt, op, a->soc ? &soc : NULL) ? EXIT_TROUBLE : 0;
        if (rc)
            fprintf(stderr, "%s: out of memory\n", cli_prog);
        opinfo_db_close(db);
        return rc;
    }
    char *text = NULL;
    rc = opinfo_db_explain(db, a->backend, a->release, a->soc, op_name, &text, &e);
    opinfo_db_close(db);
    if (rc != OPINFO_OK)
        return fail(&e);
    fputs(text, out);
    free(text);
    return 0;
}

/* ---- matrix -------------------------------------------------------------------------------- */

typedef struct {
    char name[64];
    int rank;
    char socs[512];
} arch_col;

typedef struct {
    arch_col cols[64];
    int n;
    const char *backend, *release;
    char ops[4096][128];
    int nops;
} matrix_ctx;

static int collect_arch(int n, const char *const *c, void *ud)
{
    matrix_ctx *m = ud;
    (void)n;
    if (m->n < 64) {
        snprintf(m->cols[m->n].name, sizeof m->cols[m->n].name, "%s", c[2]);
        m->cols[m->n].rank = atoi(c[3]);
        m->n++;
    }
    return 0;
}

static int collect_soc(int n, const char *const *c, void *ud)
{
    matrix_ctx *m = ud;
    (void)n;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->cols[i].name, c[3]) == 0) {
            size_t l = strlen(m->cols[i].socs);
            snprintf(m->cols[i].socs + l, sizeof m->cols[i].socs - l, "%s%s", l ? ", " : "",
                     c[2]);
        }
    return 0;
}

static int collect_op(int n, const char *const *c, void *ud)
{
    matrix_ctx *m = ud;
    (void)n;
    if (m->nops < 4096)
        snprintf(m->ops[m->nops++], 128, "%s", c[2]);
    return 0;
}

static void html_text(const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

static int config_listed(const char *list, const char *cfg)
{
    size_t n = strlen(cfg);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, cfg, n) == 0)
            return 1;
        p = e ? e + 1 : p + l;
    }
    return 0;
}

static int cmd_matrix(args_t *a)
{
    int rc = need_backend(a, "matrix");
    if (rc)
        return rc;
    int html = 0;
    if (a->format && strcmp(a->format, "html") == 0)
        html = 1;
    else if (a->format && strcmp(a->format, "md") != 0) {
        fprintf(stderr, "%s: --format must be md or html\n", cli_prog);
        return EXIT_TROUBLE;
    }
    opinfo_db *db = NULL;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    matrix_ctx *m = calloc(1, sizeof *m);
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *ver = a->release;
    if (!m) {
        opinfo_db_close(db);
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return EXIT_TROUBLE;
    }
    if ((!ver && opinfo_db_latest_release(db, a->backend, &ver, &e)) ||
        opinfo_db_list(db, OPINFO_LIST_ARCHS, a->backend, ver, collect_arch, m, &e) ||
        opinfo_db_list(db, OPINFO_LIST_SOCS, a->backend, ver, collect_soc, m, &e) ||
        opinfo_db_list(db, OPINFO_LIST_OPS, a->backend, ver, collect_op, m, &e)) {
        free(m);
        opinfo_db_close(db);
        return fail(&e);
    }
    if (html) {
        fprintf(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
        html_text(a->backend);
        fprintf(out, " %s support matrix</title>\n<style>table{border-collapse:collapse}td,th{border:"
               "1px solid #999;padding:2px 6px}td.y{background:#cfc}td.g{background:#fdd}"
               "</style></head><body>\n<h1>",
               ver);
        html_text(a->backend);
        fprintf(out, " %s: op &times; quant config &times; arch</h1>\n<table>\n<tr><th>op</th>"
               "<th>config</th>",
               ver);
        for (int i = 0; i < m->n; i++) {
            fprintf(out, "<th title=\"");
            html_text(m->cols[i].socs);
            fprintf(out, "\">");
            html_text(m->cols[i].name);
            fprintf(out, "</th>");
        }
        fprintf(out, "</tr>\n");
    } else {
        fprintf(out, "# %s %s: op x quant config x arch\n\n", a->backend, ver);
        fprintf(out, "`yes`: a variant for that config is available; `gated`: the op has one, but "
               "not on that arch.\n\n");
        for (int i = 0; i < m->n; i++)
            fprintf(out, "- %s: %s\n", m->cols[i].name, m->cols[i].socs[0] ? m->cols[i].socs : "-");
        fprintf(out, "\n| op | config |");
        for (int i = 0; i < m->n; i++)
            fprintf(out, " %s |", m->cols[i].name);
        fprintf(out, "\n|---|---|");
        for (int i = 0; i < m->n; i++)
            fprintf(out, "---|");
        fprintf(out, "\n");
    }
    for (int o = 0; o < m->nops; o++) {
        const opinfo_op *op;
        if (opinfo_db_find_op(db, a->backend, ver, m->ops[o], &op, &e) != OPINFO_OK)
            break;
        /* distinct configs in order of appearance (a variant without configs stands for itself) */
        const char *cfgs[256];
        int nc = 0;
        char split[256][64];
        for (size_t i = 0; i < op->n_variants && nc < 256; i++) {
            const opinfo_variant *v = &op->variants[i];
            const char *list = v->configs[0] ? v->configs : v->name;
            for (const char *p = list; *p && nc < 256;) {
                const char *end = strchr(p, ',');
                size_t l = end ? (size_t)(end - p) : strlen(p);
                snprintf(split[nc], sizeof split[nc], "%.*s", (int)l, p);
                int dup = 0;
                for (int k = 0; k < nc; k++)
                    dup |= strcmp(cfgs[k], split[nc]) == 0;
                if (!dup) {
                    cfgs[nc] = split[nc];
                    nc++;
                }
                p = end ? end + 1 : p + l;
            }
        }
        for (int c = 0; c < nc; c++) {
            if (html) {
                fprintf(out, "<tr><td>");
                html_text(op->name);
                fprintf(out, "</td><td>");
                html_text(cfgs[c]);
                fprintf(out, "</td>");
            } else
                fprintf(out, "| %s | %s |", op->name, cfgs[c]);
            for (int col = 0; col < m->n; col++) {
                int has = 0, ok = 0;
                for (size_t i = 0; i < op->n_variants; i++) {
                    const opinfo_variant *v = &op->variants[i];
                    if (!config_listed(v->configs[0] ? v->configs : v->name, cfgs[c]))
                        continue;
                    has = 1;
                    ok |= opinfo_variant_available(v, m->cols[col].rank);
                }
                if (html)
                    fprintf(out, "<td class=\"%s\">%s</td>", ok ? "y" : has ? "g" : "",
                           ok ? "yes" : has ? "gated" : "");
                else
                    fprintf(out, " %s |", ok ? "yes" : has ? "gated" : "");
            }
            fprintf(out, html ? "</tr>\n" : "\n");
        }
    }
    if (html)
        fprintf(out, "</table>\n</body></html>\n");
    free(m);
    opinfo_db_close(db);
    if (e.code) {
        print_error(&e);
        return EXIT_TROUBLE;
    }
    return 0;
}

/* ---- diff and export ------------------------------------------------------------------------- */

static int print_change(int n, const char *const *c, void *ud)
{
    (void)n;
    (void)ud;
    if (c[2])
        fprintf(out, "%s %s: %s: %s -> %s\n", c[0], c[1], c[2], c[3] ? c[3] : "(absent)",
                c[4] ? c[4] : "(absent)");
    else if (c[0][0] == '+')
        fprintf(out, "+ %s\n", c[1]);
    else
        fprintf(out, "- %s\n", c[1]);
    return 0;
}

static int cmd_diff(args_t *a)
{
    int rc = need_backend(a, "diff");
    if (rc)
        return rc;
    if (a->npos != 2)
        return cli_usage_error("diff needs two releases, e.g. opinfo-db diff --backend B 2.41 2.44");
    opinfo_db *db = NULL;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    if ((rc = resolve_names(a, db))) {
        opinfo_db_close(db);
        return rc == EXIT_FOUND_NOTHING ? EXIT_TROUBLE : rc;
    }
    opinfo_error_t e;
    opinfo_error_init(&e);
    size_t count = 0;
    cli_table *t = NULL;
    if (a->fmt != CLI_TABLE_TEXT) {
        static const char *const cols[] = {"change", "what", "field", "old", "new"};
        if (!(t = cli_table_new(5, cols, "...jj"))) {
            opinfo_db_close(db);
            fprintf(stderr, "%s: out of memory\n", cli_prog);
            return EXIT_TROUBLE;
        }
    } else
        fprintf(out, "--- %s %s\n+++ %s %s\n", a->backend, a->pos[0], a->backend, a->pos[1]);
    rc = opinfo_db_diff(db, a->backend, a->pos[0], a->pos[1], t ? cli_table_row_fn : print_change,
                        t, &count, &e);
    opinfo_db_close(db);
    if (rc != OPINFO_OK) {
        cli_table_free(t);
        print_error(&e);
        return EXIT_TROUBLE; /* a missing release is a usage error here, not "no differences" */
    }
    if (t && cli_table_write(t, a->fmt, out) != 0) {
        cli_table_free(t);
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return EXIT_TROUBLE;
    }
    cli_table_free(t);
    if (!a->quiet)
        fprintf(stderr, "%zu change%s\n", count, count == 1 ? "" : "s");
    return count ? EXIT_FOUND_NOTHING : 0;
}

static int cmd_export(args_t *a)
{
    int rc = need_backend(a, "export");
    if (rc)
        return rc;
    opinfo_db *db = NULL;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    if ((rc = resolve_names(a, db))) {
        opinfo_db_close(db);
        return rc;
    }
    opinfo_error_t e;
    opinfo_error_init(&e);
    char *json = NULL;
    rc = opinfo_db_export(db, a->backend, a->release, &json, &e);
    opinfo_db_close(db);
    if (rc != OPINFO_OK)
        return fail(&e);
    int status = 0;
    if (a->output && strcmp(a->output, "-") != 0) {
        /* core/outfile.c: never half a file, never a device replaced, never a link followed */
        if (cli_write_output(a->output, json) != 0)
            status = EXIT_TROUBLE;
    } else
        fputs(json, out);
    free(json);
    return status;
}

/* ---- main ---------------------------------------------------------------------------------- */

enum { OPT_BACKEND = CLI_OPT_TOOL, OPT_RELEASE, OPT_SOC, OPT_FROM_PLUGIN, OPT_PLUGIN_PATH };

static const struct option db_opts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"release", required_argument, NULL, OPT_RELEASE},
    {"soc", required_argument, NULL, OPT_SOC},
    {"from-plugin", required_argument, NULL, OPT_FROM_PLUGIN},
    {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
    {NULL, 0, NULL, 0},
};

static int db_option(int opt, const char *name, const char *arg, void *ud)
{
    args_t *a = ud;
    (void)name;
    switch (opt) {
    case OPT_BACKEND: a->backend = arg; break;
    case OPT_RELEASE: a->release = arg; break;
    case OPT_SOC: a->soc = arg; break;
    case OPT_FROM_PLUGIN: a->from_plugin = arg; break;
    case OPT_PLUGIN_PATH:
        if (a->n_plugin_dirs == 16)
            return cli_usage_error("at most 16 --plugin-path");
        a->plugin_dirs[a->n_plugin_dirs++] = arg;
        break;
    default: return cli_usage_error("unknown option");
    }
    return 0;
}

static const struct {
    const char *name;
    int (*run)(args_t *);
    const char *formats[4]; /* the --format values it takes, the default first; none: {NULL} */
} commands[] = {
    {"init", NULL, {NULL}},
    {"import", NULL, {"constraints", "backendopinfo", NULL}},
    {"check", NULL, {"constraints", "backendopinfo", NULL}},
    {"list", cmd_list, {"text", "json", "tsv", NULL}},
    {"show", cmd_show, {"text", "json", "tsv", NULL}},
    {"matrix", cmd_matrix, {"md", "html", NULL}},
    {"diff", cmd_diff, {"text", "json", "tsv", NULL}},
    {"export", cmd_export, {"json", NULL}},
    {"migrate", NULL, {NULL}},
};

static int run_command(args_t *a, const char *cmd)
{
    size_t n = sizeof commands / sizeof commands[0], i;
    for (i = 0; i < n && strcmp(commands[i].name, cmd) != 0; i++)
        ;
    if (i == n) {
        const char *names[16];
        for (size_t k = 0; k < n; k++)
            names[k] = commands[k].name;
        const char *near = cli_nearest(cmd, names, n);
        if (near)
            return cli_usage_error("unknown command \"%s\"; did you mean \"%s\"?", cmd, near);
        return cli_usage_error("unknown command \"%s\"", cmd);
    }
    if (a->format && !commands[i].formats[0])
        return cli_usage_error("%s takes no --format", cmd);
    if (commands[i].formats[0]) {
        char what[64];
        snprintf(what, sizeof what, "opinfo-db %s", cmd);
        int f = cli_pick_format(a->format, commands[i].formats, what);
        if (f < 0)
            return EXIT_TROUBLE;
        a->fmt = (cli_table_format)f;
    }
    if (strcmp(cmd, "init") == 0)
        return cmd_init(a);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(a, 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_import(a, 0);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(a);
    return commands[i].run(a);
}

int main(int argc, char **argv)
{
    args_t a;
    memset(&a, 0, sizeof a);
    cli_common c;
    memset(&c, 0, sizeof c);
    out = stdout;
    int first = argc;
    int rc = cli_parse(argc, argv, "", db_opts, &c, db_option, &a, &first);
    if (rc)
        return rc;
    if (c.help) {
        usage(stdout);
        return 0;
    }
    if (c.version) {
        printf("opinfo-db %s (library %s, database schema %d, constraint format %d)\n",
               OPINFO_VERSION, opinfo_version_str(), OPINFO_DB_SCHEMA_VERSION,
               OPINFO_CONSTRAINTS_FORMAT);
        return 0;
    }
    a.db = c.db;
    a.format = c.format;
    a.output = c.output;
    a.quiet = c.quiet;
    if (first == argc) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    const char *cmd = argv[first];
    for (int i = first + 1; i < argc; i++) {
        if (a.npos == 64)
            return cli_usage_error("too many arguments");
        a.pos[a.npos++] = argv[i];
    }
    /* results to -o FILE: gathered, then written whole (core/outfile.c); export writes its own */
    char *buf = NULL;
    size_t len = 0;
    int to_file = a.output && strcmp(a.output, "-") != 0 && strcmp(cmd, "export") != 0;
    if (to_file && !(out = open_memstream(&buf, &len))) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return EXIT_TROUBLE;
    }
    rc = run_command(&a, cmd);
    if (to_file) {
        fclose(out);
        out = stdout;
        if ((rc == 0 || rc == EXIT_FOUND_NOTHING) && cli_write_output(a.output, buf) != 0)
            rc = EXIT_TROUBLE;
        free(buf);
    }
    cli_names_free();
    return rc;
}
