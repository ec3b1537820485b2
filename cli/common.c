/* common.c: the option grammar, error wording and listing formats the tools share (common.h). */
#include "common.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

/* ---- errors ---------------------------------------------------------------------------------- */

int cli_usage_error(const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: ", cli_prog);
    cli_put_escaped(stderr, msg);
    fprintf(stderr, " (try '%s --help')\n", cli_prog);
    return CLI_EXIT_USAGE;
}

void cli_print_error(const opinfo_error_t *e)
{
    const char *text = e->text;
    size_t ls = strlen(e->source);
    /* a text that starts with its file already ("X.npy: cannot open"): the file once */
    if (ls && e->line <= 0 && strncmp(text, e->source, ls) == 0 && text[ls] == ':' &&
        text[ls + 1] == ' ')
        text += ls + 2;
    cli_put_escaped(stderr, e->source[0] ? e->source : cli_prog);
    if (e->source[0] && e->line > 0)
        fprintf(stderr, ":%d:%d", e->line, e->column);
    fputs(": error: ", stderr);
    cli_put_escaped(stderr, text);
    fputc('\n', stderr);
}

int cli_pick_format(const char *value, const char *const *names, const char *what)
{
    if (!value)
        return 0;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], value) == 0)
            return i;
    char list[400] = "";
    for (int i = 0; names[i]; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
    }
    cli_usage_error("unknown --format \"%s\" for %s (one of: %s)", value, what, list);
    return -1;
}

int cli_color_on(const cli_common *c, FILE *f)
{
    if (c->color != CLI_COLOR_AUTO)
        return c->color == CLI_COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no && no[0])
        return 0;
    if (!term || strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fileno(f));
}

/* ---- options --------------------------------------------------------------------------------- */

static const struct option shared_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"version", no_argument, NULL, 'V'},
    {"db", required_argument, NULL, CLI_OPT_DB},
    {"color", required_argument, NULL, CLI_OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
};
#define N_SHARED (sizeof shared_opts / sizeof shared_opts[0])

/* the long name an argument "--name[=value]" spells, into buf */
static const char *long_name(const char *arg, char *buf, size_t n)
{
    const char *eq = strchr(arg + 2, '=');
    size_t l = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    snprintf(buf, n, "%.*s", (int)(l < n ? l : n - 1), arg + 2);
    return buf;
}

/* the message for an argument getopt_long refused */
static int refused(const struct option *all, size_t nall, const char *arg, int ret)
{
    char name[200];
    if (!arg)
        return cli_usage_error("an option is missing its value");
    if (arg[0] == '-' && arg[1] == '-') {
        long_name(arg, name, sizeof name);
        if (ret == ':')
            return cli_usage_error("option --%s needs a value", name);
        if (optopt != 0)
            return cli_usage_error("option --%s takes no value", name);
        /* unknown or ambiguous: count the options it abbreviates */
        char list[600] = "";
        size_t l = strlen(name), hits = 0;
        int first_val = 0;
        for (size_t i = 0; i < nall; i++) {
            if (strncmp(all[i].name, name, l) != 0)
                continue;
            if (hits && all[i].val == first_val)
                continue; /* another spelling of the same option */
            if (!hits)
                first_val = all[i].val;
            size_t k = strlen(list);
            snprintf(list + k, sizeof list - k, "%s--%s", hits ? ", " : "", all[i].name);
            hits++;
        }
        if (hits > 1)
            return cli_usage_error("option --%s is ambiguous (%s)", name, list);
        const char *names[128];
        size_t n = 0;
        for (size_t i = 0; i < nall && n < 128; i++)
            names[n++] = all[i].name;
        const char *near = cli_nearest(name, names, n);
        if (near)
            return cli_usage_error("unknown option --%s; did you mean --%s?", name, near);
        return cli_usage_error("unknown option --%s", name);
    }
    if (ret == ':')
        return cli_usage_error("option -%c needs a value", optopt);
    return cli_usage_error("unknown option -%c", optopt);
}

int cli_parse(int argc, char **argv, const char *short_opts, const struct option *tool_opts,
              cli_common *c, cli_option_fn fn, void *ud, int *first)
{
    size_t nt = 0;
    while (tool_opts && tool_opts[nt].name)
        nt++;
    struct option *all = calloc(N_SHARED + nt + 1, sizeof *all);
    char **ops = calloc((size_t)argc + 1, sizeof *ops);
    char shorts[160];
    if (!all || !ops) {
        free(all);
        free(ops);
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return CLI_EXIT_USAGE;
    }
    memcpy(all, shared_opts, sizeof shared_opts);
    if (nt)
        memcpy(all + N_SHARED, tool_opts, nt * sizeof *all);
    /* '-': operands come back in order as option 1, whatever POSIXLY_CORRECT says, so options and
     * operands mix; ':': a missing value is told apart from an unknown option */
    snprintf(shorts, sizeof shorts, "-:o:f:qVh%s", short_opts ? short_opts : "");
    int nops = 0, status = 0;
    opterr = 0;
    optind = 0; /* a full reinitialisation (glibc) */
    for (;;) {
        int prev = optind ? optind : 1, li = -1;
        int opt = getopt_long(argc, argv, shorts, all, &li);
        if (opt == -1)
            break;
        const char *name = li >= 0 ? all[li].name : NULL;
        switch (opt) {
        case 1: ops[nops++] = optarg; break;
        case 'o':
            if (c->n_outputs == sizeof c->outputs / sizeof c->outputs[0])
                status = cli_usage_error("at most %zu -o", c->n_outputs);
            else
                c->outputs[c->n_outputs++] = c->output = optarg;
            break;
        case 'f': c->format = optarg; break;
        case 'q': c->quiet = 1; break;
        case 'V': c->version = 1; break;
        case 'h': c->help = 1; break;
        case CLI_OPT_DB: c->db = optarg; break;
        case CLI_OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                c->color = CLI_COLOR_AUTO;
            else if (strcmp(optarg, "always") == 0)
                c->color = CLI_COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                c->color = CLI_COLOR_NEVER;
            else
                status = cli_usage_error("--color must be auto, always or never, not \"%s\"",
                                         optarg);
            break;
        case '?':
        case ':': status = refused(all, N_SHARED + nt, prev < argc ? argv[prev] : NULL, opt); break;
        default: status = fn ? fn(opt, name, optarg, ud) : CLI_EXIT_USAGE; break;
        }
        if (status)
            break;
    }
    if (!status) {
        for (int i = optind; i < argc; i++)
            ops[nops++] = argv[i];
        for (int i = 0; i < nops; i++)
            argv[argc - nops + i] = ops[i];
        *first = argc - nops;
    }
    free(ops);
    free(all);
    return status;
}

/* ---- tables ---------------------------------------------------------------------------------- */

const char *const cli_table_formats[] = {"text", "json", "tsv", NULL};

struct cli_table {
    size_t ncols, nrows, cap;
    char **cols;
    char *numeric;
    char **cells; /* nrows * ncols */
};

cli_table *cli_table_new(size_t ncols, const char *const *columns, const char *numeric)
{
    cli_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->cols = calloc(ncols, sizeof *t->cols);
    t->numeric = calloc(ncols + 1, 1);
    if (!t->cols || !t->numeric) {
        cli_table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (!(t->cols[i] = strdup(columns[i]))) {
            cli_table_free(t);
            return NULL;
        }
        t->numeric[i] = numeric && i < strlen(numeric) && strchr("nj", numeric[i]) ? numeric[i]
                                                                                 : '.';
    }
    return t;
}

int cli_table_add(cli_table *t, const char *const *values)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c)
            return -1;
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = NULL;
        if (values[i] && !(row[i] = strdup(values[i]))) {
            for (size_t k = 0; k < i; k++)
                free(row[k]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

size_t cli_table_rows(const cli_table *t) { return t->nrows; }

int cli_table_row_fn(int ncols, const char *const *cols, void *table)
{
    cli_table *t = table;
    const char *row[32];
    for (size_t i = 0; i < t->ncols && i < 32; i++)
        row[i] = (int)i < ncols ? cols[i] : NULL;
    return cli_table_add(t, row) ? 1 : 0;
}

static void tsv_cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\r')
            fputs("\\r", f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            fputc(*s, f);
    }
}

static json_t *json_cell(const char *s, int numeric)
{
    if (!s)
        return json_null();
    if (numeric == 'j') {
        json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
        return v ? v : json_string(s);
    }
    if (numeric) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (*s && !*end)
            return json_integer(v);
    }
    return json_string(s);
}

int cli_table_write(const cli_table *t, cli_table_format fmt, FILE *f)
{
    if (fmt == CLI_TABLE_JSON) {
        json_t *arr = json_array();
        int rc = arr ? 0 : -1;
        for (size_t r = 0; !rc && r < t->nrows; r++) {
            json_t *o = json_object();
            rc = o ? 0 : -1;
            for (size_t i = 0; !rc && i < t->ncols; i++)
                rc = json_object_set_new(o, t->cols[i],
                                         json_cell(t->cells[r * t->ncols + i], t->numeric[i]));
            if (rc || json_array_append_new(arr, o))
                rc = -1;
        }
        char *s = rc ? NULL : json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(arr);
        if (!s)
            return -1;
        fputs(s, f);
        fputc('\n', f);
        free(s);
        return 0;
    }
    if (fmt == CLI_TABLE_TSV) {
        for (size_t i = 0; i < t->ncols; i++) {
            tsv_cell(f, t->cols[i]);
            fputc(i + 1 < t->ncols ? '\t' : '\n', f);
        }
        for (size_t r = 0; r < t->nrows; r++)
            for (size_t i = 0; i < t->ncols; i++) {
                tsv_cell(f, t->cells[r * t->ncols + i]);
                fputc(i + 1 < t->ncols ? '\t' : '\n', f);
            }
        return 0;
    }
    size_t w[32] = {0};
    for (size_t i = 0; i < t->ncols && i < 32; i++) {
        w[i] = strlen(t->cols[i]) + (i == 0 ? 2 : 0);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *s = t->cells[r * t->ncols + i];
            size_t l = s ? strlen(s) : 1;
            if (l > w[i])
                w[i] = l;
        }
    }
    fputs("# ", f);
    for (size_t i = 0; i < t->ncols; i++)
        fprintf(f, "%-*s%s", i + 1 < t->ncols ? (int)(w[i] - (i == 0 ? 2 : 0)) : 0, t->cols[i],
                i + 1 < t->ncols ? "  " : "\n");
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++) {
            const char *s = t->cells[r * t->ncols + i];
            fprintf(f, "%-*s%s", i + 1 < t->ncols ? (int)w[i] : 0, s ? s : "-",
                    i + 1 < t->ncols ? "  " : "\n");
        }
    return 0;
}

void cli_table_free(cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    for (size_t i = 0; t->cols && i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cols);
    free(t->numeric);
    free(t);
}
