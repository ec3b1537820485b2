/* opinfo-db: build, inspect, diff and export the constraint database. A thin shell over
 * libopinfo: it parses arguments, calls the library and formats what comes back.
 * Exit status: 0 ok, 1 not found or differences found, 2 usage, input or database error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

#include "cli.h"
#include "opinfo/plugin.h"

#define EXIT_FOUND_NOTHING 1
#define EXIT_TROUBLE 2

const char *cli_prog = "opinfo-db";

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
            "  show OP --backend B [--soc S] [--release R]\n"
            "                            the op's variants and constraints, and which are\n"
            "                            available on the SoC\n"
            "  matrix --backend B [--release R] [--format md|html]\n"
            "                            op x quant config x arch (with its SoCs) support\n"
            "  diff --backend B R1 R2     what changed between two releases (exit 1 if any)\n"
            "  export --backend B [--release R] [-o FILE]\n"
            "                            a release as JSON that re-imports identically\n"
            "  migrate                   upgrade an older database schema in place\n"
            "\n"
            "options:\n"
            "  --db PATH                 the database (default: $OPINFO_DB, else the one\n"
            "                            installed with opinfo: %s)\n"
            "  --version                 print versions and exit\n"
            "  --help                    print this help and exit\n"
            "\n"
            "exit status: 0 ok, 1 not found or differences found, 2 usage, input or database "
            "error\n"
            "documentation (constraint-format.md, rules.md): " OPINFO_DOCDIR "\n",
            opinfo_db_default_path());
}

/* gcc-style: file:line:col: error: text */
static void print_error(const opinfo_error_t *e)
{
    /* names from the data: one line, nothing raw on the terminal */
    cli_put_escaped(stderr, e->source[0] ? e->source : cli_prog);
    if (e->source[0] && e->line > 0)
        fprintf(stderr, ":%d:%d", e->line, e->column);
    fputs(": error: ", stderr);
    cli_put_escaped(stderr, e->text);
    fputc('\n', stderr);
}

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
    fprintf(stderr, "%s: %s needs --backend B (see 'opinfo-db list backends')\n", cli_prog, cmd);
    return EXIT_TROUBLE;
}

/* ---- commands ------------------------------------------------------------------------------ */

static int cmd_init(const args_t *a)
{
    opinfo_db *db;
    int rc = open_db(a, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db);
    if (rc)
        return rc;
    printf("%s: opinfo database, schema %d\n", opinfo_db_path(db), opinfo_db_schema_version(db));
    opinfo_db_close(db);
    return 0;
}

/* The constraint data a plugin carries, imported as one document. */
static int import_from_plugin(const args_t *a)
{
    opinfo_db *db;
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
            } else
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
    opinfo_db *db;
    int rc = open_db(a, write ? OPINFO_DB_WRITE : OPINFO_DB_READONLY, &db);
    if (rc)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rc = opinfo_db_import_backendopinfo(db, a->pos[0], a->release, write, report_cb, NULL, &e);
    if (rc == OPINFO_OK)
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
    opinfo_db *db;
    int rc = open_db(a, write ? OPINFO_DB_WRITE : OPINFO_DB_READONLY, &db);
    if (rc)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rc = write ? opinfo_db_import_files(db, a->pos, (size_t)a->npos, report_cb, NULL, &e)
               : opinfo_db_check_files(db, a->pos, (size_t)a->npos, report_cb, NULL, &e);
    if (rc == OPINFO_OK)
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
    opinfo_db *db;
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
        printf("%s: schema %d is current\n", opinfo_db_path(db), to);
    else
        printf("%s: migrated schema %d -> %d\n", opinfo_db_path(db), from, to);
    opinfo_db_close(db);
    return 0;
}

static int print_row(int n, const char *const *c, void *ud)
{
    int *widths = ud;
    for (int i = 0; i < n; i++) {
        const char *s = c[i] ? c[i] : "-";
        if (i + 1 < n && widths)
            printf("%-*s  ", widths[i], s);
        else
            printf("%s%s", s, i + 1 < n ? "  " : "");
    }
    printf("\n");
    return 0;
}

static int cmd_list(const args_t *a)
{
    static const struct {
        const char *name;
        opinfo_list_kind kind;
        const char *header;
        int widths[6];
    } kinds[] = {
        {"backends", OPINFO_LIST_BACKENDS, "backend  latest  releases", {10, 8}},
        {"releases", OPINFO_LIST_RELEASES, "backend  version  date  source  ops  variants",
         {10, 8, 10, 0}},
        {"socs", OPINFO_LIST_SOCS, "backend  release  soc  arch  vtcm_mb  attributes",
         {10, 8, 10, 6, 7}},
        {"archs", OPINFO_LIST_ARCHS, "backend  release  arch  rank", {10, 8, 10}},
        {"ops", OPINFO_LIST_OPS, "backend  release  op  variants  aliases", {10, 8, 22, 3}},
        {"aliases", OPINFO_LIST_ALIASES, "backend  release  framework  alias  op",
         {10, 8, 19, 40}},
    };
    if (a->npos != 1) {
        fprintf(stderr, "%s: list needs one of backends, releases, socs, archs, ops, aliases\n",
                cli_prog);
        return EXIT_TROUBLE;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].name, a->pos[0]) != 0)
            continue;
        opinfo_db *db;
        int rc = open_db(a, OPINFO_DB_READONLY, &db);
        if (rc)
            return rc;
        opinfo_error_t e;
        opinfo_error_init(&e);
        int w[6];
        memcpy(w, kinds[i].widths, sizeof w);
        int *widths = kinds[i].kind == OPINFO_LIST_RELEASES ? NULL : w;
        fprintf(stderr, "# %s\n", kinds[i].header);
        rc = opinfo_db_list(db, kinds[i].kind, a->backend, a->release, print_row, widths, &e);
        opinfo_db_close(db);
        return rc == OPINFO_OK ? 0 : fail(&e);
    }
    fprintf(stderr, "%s: cannot list \"%s\" (backends, releases, socs, archs, ops, aliases)\n",
            cli_prog, a->pos[0]);
    return EXIT_TROUBLE;
}

static int cmd_show(const args_t *a)
{
    if (a->npos != 1) {
        fprintf(stderr, "%s: show needs one OP (a name or an alias)\n", cli_prog);
        return EXIT_TROUBLE;
    }
    int rc = need_backend(a, "show");
    if (rc)
        return rc;
    opinfo_db *db;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    char *text = NULL;
    rc = opinfo_db_explain(db, a->backend, a->release, a->soc, a->pos[0], &text, &e);
    opinfo_db_close(db);
    if (rc != OPINFO_OK)
        return fail(&e);
    fputs(text, stdout);
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
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        default: putchar(*s);
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

static int cmd_matrix(const args_t *a)
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
    opinfo_db *db;
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
        printf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
        html_text(a->backend);
        printf(" %s support matrix</title>\n<style>table{border-collapse:collapse}td,th{border:"
               "1px solid #999;padding:2px 6px}td.y{background:#cfc}td.g{background:#fdd}"
               "</style></head><body>\n<h1>",
               ver);
        html_text(a->backend);
        printf(" %s: op &times; quant config &times; arch</h1>\n<table>\n<tr><th>op</th>"
               "<th>config</th>",
               ver);
        for (int i = 0; i < m->n; i++) {
            printf("<th title=\"");
            html_text(m->cols[i].socs);
            printf("\">");
            html_text(m->cols[i].name);
            printf("</th>");
        }
        printf("</tr>\n");
    } else {
        printf("# %s %s: op x quant config x arch\n\n", a->backend, ver);
        printf("`yes`: a variant for that config is available; `gated`: the op has one, but "
               "not on that arch.\n\n");
        for (int i = 0; i < m->n; i++)
            printf("- %s: %s\n", m->cols[i].name, m->cols[i].socs[0] ? m->cols[i].socs : "-");
        printf("\n| op | config |");
        for (int i = 0; i < m->n; i++)
            printf(" %s |", m->cols[i].name);
        printf("\n|---|---|");
        for (int i = 0; i < m->n; i++)
            printf("---|");
        printf("\n");
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
                printf("<tr><td>");
                html_text(op->name);
                printf("</td><td>");
                html_text(cfgs[c]);
                printf("</td>");
            } else
                printf("| %s | %s |", op->name, cfgs[c]);
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
                    printf("<td class=\"%s\">%s</td>", ok ? "y" : has ? "g" : "",
                           ok ? "yes" : has ? "gated" : "");
                else
                    printf(" %s |", ok ? "yes" : has ? "gated" : "");
            }
            printf(html ? "</tr>\n" : "\n");
        }
    }
    if (html)
        printf("</table>\n</body></html>\n");
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
        printf("%s %s: %s: %s -> %s\n", c[0], c[1], c[2], c[3] ? c[3] : "(absent)",
               c[4] ? c[4] : "(absent)");
    else if (c[0][0] == '+')
        printf("+ %s\n", c[1]);
    else
        printf("- %s\n", c[1]);
    return 0;
}

static int cmd_diff(const args_t *a)
{
    int rc = need_backend(a, "diff");
    if (rc)
        return rc;
    if (a->npos != 2) {
        fprintf(stderr, "%s: diff needs two releases, e.g. opinfo-db diff --backend B 2.41 2.44\n",
                cli_prog);
        return EXIT_TROUBLE;
    }
    opinfo_db *db;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    size_t count = 0;
    printf("--- %s %s\n+++ %s %s\n", a->backend, a->pos[0], a->backend, a->pos[1]);
    rc = opinfo_db_diff(db, a->backend, a->pos[0], a->pos[1], print_change, NULL, &count, &e);
    opinfo_db_close(db);
    if (rc != OPINFO_OK) {
        print_error(&e);
        return EXIT_TROUBLE; /* a missing release is a usage error here, not "no differences" */
    }
    fprintf(stderr, "%zu change%s\n", count, count == 1 ? "" : "s");
    return count ? EXIT_FOUND_NOTHING : 0;
}

static int cmd_export(const args_t *a)
{
    int rc = need_backend(a, "export");
    if (rc)
        return rc;
    opinfo_db *db;
    if ((rc = open_db(a, OPINFO_DB_READONLY, &db)))
        return rc;
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
        fputs(json, stdout);
    free(json);
    return status;
}

/* ---- main ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    args_t a;
    memset(&a, 0, sizeof a);
    const char *cmd = NULL;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && arg[0] == '-' && arg[1] != '\0') {
            if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
                usage(stdout);
                return 0;
            }
            if (strcmp(arg, "--version") == 0) {
                printf("opinfo-db %s (library %s, database schema %d, constraint format %d)\n",
                       OPINFO_VERSION, opinfo_version_str(), OPINFO_DB_SCHEMA_VERSION,
                       OPINFO_CONSTRAINTS_FORMAT);
                return 0;
            }
            if (cli_opt_is(arg, "--db"))
                slot = &a.db;
            else if (cli_opt_is(arg, "--backend"))
                slot = &a.backend;
            else if (cli_opt_is(arg, "--release"))
                slot = &a.release;
            else if (cli_opt_is(arg, "--soc"))
                slot = &a.soc;
            else if (cli_opt_is(arg, "--format"))
                slot = &a.format;
            else if (strcmp(arg, "-o") == 0 || cli_opt_is(arg, "--output"))
                slot = &a.output;
            else if (cli_opt_is(arg, "--from-plugin"))
                slot = &a.from_plugin;
            else if (cli_opt_is(arg, "--plugin-path") && a.n_plugin_dirs < 16)
                slot = &a.plugin_dirs[a.n_plugin_dirs++];
            else {
                fprintf(stderr, "%s: unknown option %s (try --help)\n", cli_prog, arg);
                return EXIT_TROUBLE;
            }
            if (cli_take_value(argc, argv, &i, slot) != 0)
                return EXIT_TROUBLE;
            continue;
        }
        if (!cmd)
            cmd = arg;
        else if (a.npos < 64)
            a.pos[a.npos++] = arg;
        else {
            fprintf(stderr, "%s: too many arguments\n", cli_prog);
            return EXIT_TROUBLE;
        }
    }
    if (!cmd) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    if (strcmp(cmd, "init") == 0)
        return cmd_init(&a);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&a, 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_import(&a, 0);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(&a);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(&a);
    if (strcmp(cmd, "matrix") == 0)
        return cmd_matrix(&a);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(&a);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(&a);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&a);
    fprintf(stderr, "%s: unknown command \"%s\" (try --help)\n", cli_prog, cmd);
    return EXIT_TROUBLE;
}
