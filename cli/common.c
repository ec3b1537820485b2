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
    fputs(": ", stderr);
    cli_put_severity(stderr, "error");
    fputs(": ", stderr);
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

/* the --color of the command line being parsed: for the messages of every tool (cli_put_severity) */
static cli_color_mode color_mode = CLI_COLOR_AUTO;

int cli_color_stream(FILE *f)
{
    cli_common c;
    memset(&c, 0, sizeof c);
    c.color = color_mode;
    return cli_color_on(&c, f);
}

void cli_put_severity(FILE *f, const char *word)
{
    const char *on = strcmp(word, "error") == 0     ? "\033[1;31m"
                     : strcmp(word, "warning") == 0 ? "\033[1;35m"
                                                    : "\033[1;36m";
    if (cli_color_stream(f))
        fprintf(f, "%s%s\033[0m", on, word);
    else
        fputs(word, f);
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

int cli_begin(cli_parser *p, int argc, char **argv, const char *short_opts,
              const struct option *tool_opts, cli_common *c)
{
    size_t nt = 0;
    while (tool_opts && tool_opts[nt].name)
        nt++;
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->c = c;
    p->nall = N_SHARED + nt;
    p->all = calloc(p->nall + 1, sizeof *p->all);
    p->ops = calloc((size_t)argc + 1, sizeof *p->ops);
    if (!p->all || !p->ops) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return p->status = CLI_EXIT_USAGE;
    }
    memcpy(p->all, shared_opts, sizeof shared_opts);
    if (nt)
        memcpy(p->all + N_SHARED, tool_opts, nt * sizeof *p->all);
    /* '-': operands come back in order as option 1, whatever POSIXLY_CORRECT says, so options and
     * operands mix; ':': a missing value is told apart from an unknown option */
    snprintf(p->shorts, sizeof p->shorts, "-:o:f:qVh%s", short_opts ? short_opts : "");
    opterr = 0;
    optind = 0; /* a full reinitialisation (glibc) */
    color_mode = c->color;
    return 0;
}

int cli_next(cli_parser *p, const char **name, const char **arg)
{
    cli_common *c = p->c;
    while (!p->status && !p->done) {
        int prev = optind ? optind : 1, li = -1;
        int opt = getopt_long(p->argc, p->argv, p->shorts, p->all, &li);
        if (opt == -1) {
            p->done = 1;
            break;
        }
        *name = li >= 0 ? p->all[li].name : NULL;
        *arg = optarg;
        switch (opt) {
        case 1: p->ops[p->nops++] = optarg; break;
        case 'o':
            if (c->n_outputs == sizeof c->outputs / sizeof c->outputs[0])
                p->status = cli_usage_error("at most %zu -o", c->n_outputs);
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
                p->status = cli_usage_error("--color must be auto, always or never, not \"%s\"",
                                            optarg);
            color_mode = c->color;
            break;
        case '?':
        case ':':
            p->status = refused(p->all, p->nall, prev < p->argc ? p->argv[prev] : NULL, opt);
            break;
        default: return opt;
        }
    }
    return p->status ? -1 : 0;
}

int cli_end(cli_parser *p, int *first)
{
    if (!p->status && p->ops) {
        for (int i = optind; i < p->argc; i++)
            p->ops[p->nops++] = p->argv[i];
        for (int i = 0; i < p->nops; i++)
            p->argv[p->argc - p->nops + i] = p->ops[i];
        *first = p->argc - p->nops;
    }
    free(p->ops);
    free(p->all);
    p->ops = NULL;
    p->all = NULL;
    return p->status;
}

int cli_parse(int argc, char **argv, const char *short_opts, const struct option *tool_opts,
              cli_common *c, cli_option_fn fn, void *ud, int *first)
{
    cli_parser p;
    const char *name = NULL, *arg = NULL;
    int opt;
    if (cli_begin(&p, argc, argv, short_opts, tool_opts, c) == 0)
        while ((opt = cli_next(&p, &name, &arg)) > 0)
            if ((p.status = fn ? fn(opt, name, arg, ud) : CLI_EXIT_USAGE))
                break;
    return cli_end(&p, first);
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

/* ---- an op as data ------------------------------------------------------------------------ */

/* show -f json|tsv: the op, its aliases and ports, and every variant's port specs */
static const char *yes_no(int v) { return v < 0 ? NULL : v ? "yes" : "no"; }

static void spec_strings(const opinfo_op *op, const opinfo_port_spec *ps, char qs[200],
                         char fs[64], char fz[64])
{
    qs[0] = fs[0] = fz[0] = '\0';
    for (int q = 1; q < OPINFO_QSCHEME_COUNT_; q++)
        if (ps->qschemes & OPINFO_QSCHEME_BIT(q)) {
            size_t l = strlen(qs);
            snprintf(qs + l, 200 - l, "%s%s", l ? "," : "", opinfo_qscheme_name((opinfo_qscheme)q));
        }
    if (ps->fixed_scale_expr)
        snprintf(fs, 64, "%s", ps->fixed_scale_expr);
    else if (ps->has_fixed_scale)
        snprintf(fs, 64, "%.17g", ps->fixed_scale);
    if (ps->fixed_zero_point_expr)
        snprintf(fz, 64, "%s", ps->fixed_zero_point_expr);
    else if (ps->has_fixed_zero_point)
        snprintf(fz, 64, "%lld", (long long)ps->fixed_zero_point);
    (void)op;
}

int cli_write_op(FILE *out, cli_table_format fmt, const opinfo_op *op, const opinfo_soc *soc)
{
    static const char *const cols[] = {"op", "variant", "configs", "min_arch", "max_arch",
                                       "available", "port", "kind", "dtype", "qschemes",
                                       "symmetric", "fixed_scale", "fixed_zero_point",
                                       "shared_with"};
    cli_table *t = cli_table_new(14, cols, NULL);
    json_t *j = json_object(), *variants = json_array(), *aliases = json_array();
    int rc = !t || !j || !variants || !aliases;
    for (size_t i = 0; !rc && i < op->n_aliases; i++)
        rc = json_array_append_new(aliases, json_pack("{s:s, s:s}", "framework",
                                                      op->aliases[i].framework, "name",
                                                      op->aliases[i].name));
    for (size_t v = 0; !rc && v < op->n_variants; v++) {
        const opinfo_variant *var = &op->variants[v];
        int avail = soc ? opinfo_variant_available(var, soc->arch_rank) : -1;
        json_t *ports = json_array(), *jv;
        rc = !ports;
        for (size_t p = 0; !rc && p < var->n_specs; p++) {
            const opinfo_port_spec *ps = &var->specs[p];
            const opinfo_dtype_info *di = opinfo_dtype_get(ps->dtype);
            const char *port = ps->port >= 0 && (size_t)ps->port < op->n_ports
                                   ? op->ports[ps->port].name : "?";
            const char *kind = ps->port >= 0 && (size_t)ps->port < op->n_ports
                                   ? opinfo_port_kind_name(op->ports[ps->port].kind) : "?";
            const char *shared = ps->shared_with >= 0 && (size_t)ps->shared_with < op->n_ports
                                     ? op->ports[ps->shared_with].name : NULL;
            char qs[200], fs[64], fz[64];
            spec_strings(op, ps, qs, fs, fz);
            const char *row[14] = {op->name, var->name, var->configs, var->min_arch,
                                   var->max_arch, yes_no(avail), port, kind,
                                   di ? di->name : "?", qs[0] ? qs : NULL,
                                   ps->symmetric < 0 ? NULL : ps->symmetric ? "yes" : "no",
                                   fs[0] ? fs : NULL, fz[0] ? fz : NULL, shared};
            rc = cli_table_add(t, row) != 0;
            json_t *jp = json_object();
            rc = rc || !jp;
            for (int c = 6; !rc && c < 14; c++)
                rc = json_object_set_new(jp, cols[c], row[c] ? json_string(row[c]) : json_null());
            rc = rc || json_array_append_new(ports, jp);
        }
        jv = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:o, s:o}", "name", var->name, "configs",
                       var->configs, "min_arch", var->min_arch, "max_arch", var->max_arch,
                       "gate_note", var->gate_note, "available",
                       avail < 0 ? json_null() : json_boolean(avail), "ports", ports);
        rc = rc || !jv || json_array_append_new(variants, jv);
    }
    if (!rc) {
        rc = json_object_set_new(j, "backend", json_string(op->backend)) ||
             json_object_set_new(j, "release", json_string(op->release)) ||
             json_object_set_new(j, "op", json_string(op->name)) ||
             json_object_set_new(j, "description",
                                 op->description ? json_string(op->description) : json_null()) ||
             json_object_set_new(j, "soc", soc ? json_string(soc->name) : json_null()) ||
             json_object_set_new(j, "arch", soc ? json_string(soc->arch) : json_null()) ||
             json_object_set_new(j, "aliases", aliases) ||
             json_object_set_new(j, "variants", variants);
        aliases = variants = NULL;
    }
    if (!rc && fmt == CLI_TABLE_TSV)
        rc = cli_table_write(t, CLI_TABLE_TSV, out) != 0;
    else if (!rc) {
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        rc = !text;
        if (text)
            fprintf(out, "%s\n", text);
        free(text);
    }
    json_decref(aliases);
    json_decref(variants);
    json_decref(j);
    cli_table_free(t);
    return rc ? -1 : 0;
}

