/* opinfo-check: is this quantized model's annotation valid for a backend on a chip? A thin shell
 * over libopinfo: it loads qgraphs, runs the check, writes the report.
 * Exit status: 0 clean (or warn mode), 1 violations in strict mode, 2 usage, input or database
 * error (never masked). Warnings alone (runs-in-float without --full-delegation) exit 0. Results go to stdout (or -o), the summary to stderr. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

#include "cli.h"
#include "common.h"
#include "config.h"

#define EXIT_VIOLATIONS 1
#define EXIT_TROUBLE 2

const char *cli_prog = "opinfo-check";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: opinfo-check [OPTIONS] FILE...|-\n"
            "       opinfo-check annotate --backend B [--soc S] --config C FILE -o OUT\n"
            "       opinfo-check --fix -o FIXED [OPTIONS] FILE\n"
            "       opinfo-check --fix [-o OVERRIDES] [OPTIONS] MODEL.onnx\n"
            "       opinfo-check --overrides OVERRIDES [--backend B --soc S] GRAPH\n"
            "       opinfo-check fix-overrides [--backend B --soc S] [--ort] GRAPH OVERRIDES -o "
            "FIXED\n"
            "\n"
            "Checks quantized-graph annotations (qgraph JSON, qgraph.md) against a\n"
            "backend's constraints on a SoC.\n"
            "\n"
            "options:\n"
            "  --backend B           qnn-htp, xnnpack, fbgemm, in any case (default: the file's\n"
            "                        target)\n"
            "  --soc S               the chip, e.g. SM8650, sm8650 or \"Snapdragon 8 Gen 3\"\n"
            "                        (default: the file's target)\n"
            "  --release R           the constraint data release (default: the latest)\n"
            "  --db PATH             the constraint database (default: $OPINFO_DB, else the\n"
            "                        installed one: %s)\n"
            "  --strict              violations are errors, exit 1 (the default)\n"
            "  --warn                violations are warnings, exit 0\n"
            "  --full-delegation     a node left in float (runs-in-float) is an error, not a\n"
            "                        warning\n"
            "  -f, --format F        text (gcc style, default), json, sarif, junit, github,\n"
            "                        jsonl (a JSON object per diagnostic, then a summary);\n"
            "                        with --list-rules and --explain: text, json, tsv\n"
            "  -o, --output FILE     write the report there instead of stdout\n"
            "  --max-errors N        stop after N diagnostics\n"
            "  --select RULE,...     report only these rules (ids or prefixes: qnn-htp/, ALL)\n"
            "  --ignore RULE,...     never report these rules (adoption.md)\n"
            "  --show-suppressed     list the diagnostics nodes suppress (on stderr)\n"
            "  --baseline FILE       fail only on diagnostics FILE does not record; list the\n"
            "                        fixed ones\n"
            "  --write-baseline FILE record today's diagnostics in FILE and exit 0\n"
            "  --show-config         print the effective settings, where each came from, and exit\n"
            "  --no-config           do not read .opinfo.json (found upward from the first input)\n"
            "  -q, --quiet           no summary on stderr\n"
            "  --statistics          after the report, the diagnostics per rule on stderr\n"
            "  --no-incremental      read the whole input before checking it (by default nodes\n"
            "                        are checked as they are read; the report is the same)\n"
            "  --color=WHEN          auto (the default), always or never\n"
            "  --list-rules          print the rules (the plugins' too) and exit; -f text, json\n"
            "                        or tsv\n"
            "  --plugin-path DIR     look for backend plugins in DIR first (repeatable)\n"
            "  --list-plugins        list the plugins found, and why any was refused, and exit\n"
            "  --allow-writable-plugins  load plugins that others may write (refused otherwise)\n"
            "  --explain RULE|OP     print a rule's page (-f text, markdown, json), or what OP\n"
            "                        (a name or an alias, any case) needs on --backend/--soc\n"
            "                        (-f text, json, tsv), and exit (rule:ID, op:NAME force\n"
            "                        either)\n"
            "  --source-root DIR     SARIF: locations relative to DIR (uriBaseId SRCROOT)\n"
            "  --rules-url URL       where the rules' pages are (a directory URL ending in '/',\n"
            "                        e.g. the rules directory of a published repository): the\n"
            "                        base of the links in SARIF, -f github, --list-rules and\n"
            "                        --explain (default: the installed pages, %s)\n"
            "  --config C            annotate: the quant config (qnn-htp: 8a8w, 8a4w, 16a8w,\n"
            "                        16a16w, 16a4w, 16a4w-block[:BLOCK], 16a2w; see\n"
            "                        --list-plugins for each plugin's configs)\n"
            "  --fix                 write the annotation with every mechanical fix applied to\n"
            "                        -o FIXED, list each change on stderr, and report what is\n"
            "                        left (autofix.md); for an ONNX model, write the fixed\n"
            "                        types as ONNX Runtime TensorQuantOverrides to -o FILE or\n"
            "                        stdout (overrides.md)\n"
            "  --overrides FILE      check ONNX Runtime TensorQuantOverrides against GRAPH: every\n"
            "                        ONNX Runtime rule on every entry, then (with --backend)\n"
            "                        the port types they give each node (overrides.md)\n"
            "  --activation-type T   overrides: the default activation type (QUInt8)\n"
            "  --weight-type T       overrides: the default weight type (QUInt8)\n"
            "  --activation-symmetric, --weight-symmetric, --weight-asymmetric\n"
            "  --ort                 fix-overrides: ONNX Runtime's assumption (one type on all of\n"
            "                        an op's activations, one hop) instead of the database\n"
            "  -V, --version         print versions and exit\n"
            "  -h, --help            print this help and exit\n"
            "\n"
            "Options and operands mix; long options may be abbreviated while unambiguous\n"
            "(--back); values attach (-fjson, --format=json); '--' ends the options.\n"
            "input files larger than 2 GiB are refused; $OPINFO_MAX_INPUT_SIZE (e.g. 8G) sets "
            "the limit\n"
            "exit status: 0 clean, warnings only, or --warn; 1 errors (--strict); 2 usage, input or "
            "database error\n"
            "documentation (qgraph.md, rules.md, autofix.md, overrides.md): " OPINFO_DOCDIR "\n",
            opinfo_db_default_path(), opinfo_rules_url());
}

/* the project file and the filter live until exit, whichever way main returns */
static cli_config cfg;
static opinfo_filter *filter;

static void cleanup(void)
{
    cli_names_free();
    cli_config_free(&cfg);
    opinfo_filter_free(filter);
}

static void show_setting(const char *name, const char *flag, const char *flag_value,
                         const cli_setting *file, const char *dflt)
{
    if (flag_value)
        printf("%s: %s (%s)\n", name, flag_value, flag);
    else if (file && file->value)
        printf("%s: %s (%s)\n", name, file->value, file->origin);
    else
        printf("%s: %s (default)\n", name, dflt);
}

/* --show-config: every setting, and where it came from */
static void show_config(const opinfo_check_options *o, const char *sel, const char *ign,
                        const char *rules_url, const char *const *files, size_t nfiles,
                        int no_config)
{
    printf("config: %s\n", no_config ? "not read (--no-config)" : cfg.path ? cfg.path : "none found");
    show_setting("backend", "--backend", o->backend == cfg.backend.value ? NULL : o->backend,
                 &cfg.backend, "the input's target");
    show_setting("soc", "--soc", o->soc == cfg.soc.value ? NULL : o->soc, &cfg.soc,
                 "the input's target");
    show_setting("release", "--release", o->release == cfg.release.value ? NULL : o->release,
                 &cfg.release, "the input's target, else the latest");
    show_setting("select", "--select", sel, &cfg.select, "ALL");
    show_setting("ignore", "--ignore", ign, &cfg.ignore, "none");
    show_setting("rules_url", "--rules-url", rules_url == cfg.rules_url.value ? NULL : rules_url,
                 &cfg.rules_url, opinfo_rules_url());
    for (size_t i = 0; i < nfiles; i++) {
        const cli_per_path *pp = cli_config_for(&cfg, files[i]);
        if (!pp)
            continue;
        printf("%s: per_path \"%s\"\n", files[i], pp->glob);
        if (!sel && pp->select.value)
            printf("%s: select: %s (%s)\n", files[i], pp->select.value, pp->select.origin);
        if (!ign && pp->ignore.value)
            printf("%s: ignore: %s (%s)\n", files[i], pp->ignore.value, pp->ignore.origin);
    }
    printf("precedence: command line > node \"suppress\" > %s\n", CLI_CONFIG_NAME);
}

/* a rule list from flag (origin NULL) or the project file: unknown names are usage errors */
static int check_rules(int ignore, const char *list, const char *origin)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    int rc = ignore ? opinfo_filter_ignore(filter, list, &e) : opinfo_filter_select(filter, list, &e);
    if (rc == OPINFO_OK)
        return 0;
    if (origin) {
        cli_put_escaped(stderr, origin);
        fputs(": ", stderr);
        cli_put_severity(stderr, "error");
        fputs(": ", stderr);
    } else
        fprintf(stderr, "%s: --", cli_prog);
    cli_put_escaped(stderr, e.text);
    fputc('\n', stderr);
    return -1;
}

/* ---- the rules' links under --rules-url ------------------------------------------------------- */

/* the catalog (the validator's rules, then the plugins'), its links rebased on url */
static int list_rules_at(opinfo_plugins *pl, const char *url, const char *format, char **out,
                         opinfo_error_t *e)
{
    size_t nb, np = 0;
    const opinfo_rule_info *b = opinfo_rules(&nb), *pr = NULL;
    int rc;
    if (!url)
        return opinfo_rules_catalog(pl, format, out, e);
    if (pl && (rc = opinfo_plugins_rules(pl, &pr, &np, e)) != OPINFO_OK)
        return rc;
    opinfo_rule_info *all = calloc(nb + np + 1, sizeof *all);
    char **links = calloc(nb + np + 1, sizeof *links);
    rc = all && links ? OPINFO_OK : OPINFO_ENOMEM;
    for (size_t i = 0; rc == OPINFO_OK && i < nb + np; i++) {
        all[i] = i < nb ? b[i] : pr[i - nb];
        if ((rc = opinfo_rule_link(&all[i], url, &links[i], e)) == OPINFO_OK)
            all[i].help_uri = links[i];
    }
    if (rc == OPINFO_OK)
        rc = opinfo_rules_write(all, nb + np, format, out, e);
    else if (rc == OPINFO_ENOMEM && !e->text[0])
        snprintf(e->text, sizeof e->text, "out of memory");
    for (size_t i = 0; links && i < nb + np; i++)
        free(links[i]);
    free(links);
    free(all);
    return rc;
}

/* --explain RULE's page again, its link rebased on url (*out replaced); 0 or -1 with e set */
static int explain_rule_at(opinfo_plugins *pl, const char *what, const char *url,
                           const char *format, char **out, opinfo_error_t *e)
{
    const opinfo_rule_info *ri = opinfo_rule_find(pl, strncmp(what, "rule:", 5) == 0 ? what + 5
                                                                                   : what);
    if (!ri)
        return 0; /* not a rule: the page written is an op's */
    opinfo_rule_info copy = *ri;
    char *link = NULL, *text = NULL;
    if (opinfo_rule_link(ri, url, &link, e) != OPINFO_OK)
        return -1;
    copy.help_uri = link;
    int rc = opinfo_rule_write(&copy, format, &text, e);
    free(link);
    if (rc != OPINFO_OK)
        return -1;
    free(*out);
    *out = text;
    return 0;
}

static void put_diag_line(const char *what, const opinfo_diag *d, const char *reason)
{
    cli_put_escaped(stderr, d->file ? d->file : "-");
    if (d->line > 0 && d->column > 0)
        fprintf(stderr, ":%d:%d", d->line, d->column);
    else if (d->line > 0) /* a Python frame: a line, no column */
        fprintf(stderr, ":%d", d->line);
    fprintf(stderr, ": %s: ", what);
    cli_put_escaped(stderr, d->node ? d->node : "-");
    fputs(": ", stderr);
    cli_put_escaped(stderr, d->message ? d->message : "");
    fputs(" [", stderr);
    cli_put_escaped(stderr, d->rule);
    fputc(']', stderr);
    if (reason) {
        fputs(" (reason: ", stderr);
        cli_put_escaped(stderr, reason);
        fputc(')', stderr);
    }
    fputc('\n', stderr);
}

static void print_error(const opinfo_error_t *e)
{
    cli_print_error(e); /* the file and the message may hold a model's names: escaped */
}

/* --statistics: diagnostics per rule, most first (ties by rule), with the rule's summary */
typedef struct rule_count {
    const char *rule;
    size_t errors, warnings;
} rule_count;

static int by_count(const void *a, const void *b)
{
    const rule_count *x = a, *y = b;
    size_t nx = x->errors + x->warnings, ny = y->errors + y->warnings;
    return nx != ny ? (nx < ny ? 1 : -1) : strcmp(x->rule, y->rule);
}

static void print_statistics(const opinfo_report *r)
{
    size_t n = opinfo_report_count(r), k = 0;
    rule_count *c = calloc(n ? n : 1, sizeof *c);
    if (!c) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const opinfo_diag *d = opinfo_report_get(r, i);
        size_t j = 0;
        while (j < k && strcmp(c[j].rule, d->rule) != 0)
            j++; /* few rules: a linear search */
        if (j == k)
            c[k++].rule = d->rule;
        if (d->severity == OPINFO_SEVERITY_ERROR)
            c[j].errors++;
        else
            c[j].warnings++;
    }
    qsort(c, k, sizeof *c, by_count);
    size_t nr;
    const opinfo_rule_info *rules = opinfo_rules(&nr);
    for (size_t j = 0; j < k; j++) {
        const char *summary = "";
        for (size_t i = 0; i < nr; i++)
            if (strcmp(rules[i].id, c[j].rule) == 0)
                summary = rules[i].summary;
        fprintf(stderr, "%8zu  ", c[j].errors + c[j].warnings);
        cli_put_escaped(stderr, c[j].rule);
        fprintf(stderr, "  %s%s", c[j].errors ? "error" : "warning",
                c[j].errors && c[j].warnings ? "+warning" : "");
        if (summary[0]) {
            fputs("  ", stderr);
            cli_put_escaped(stderr, summary);
        }
        fputc('\n', stderr);
    }
    free(c);
}

/* ---- long runs: diagnostics as they are found, and a progress line -------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* text with its severities coloured (--color): "FILE:L:C: error: ..." */
static void put_colored(FILE *f, const char *text)
{
    static const struct {
        const char *word, *on;
    } sev[] = {{": error: ", "\033[1;31m"}, {": warning: ", "\033[1;35m"}, {": note: ", "\033[1;36m"}};
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) + 1 : strlen(text);
        const char *hit = NULL;
        size_t k = 0;
        for (size_t i = 0; i < 3; i++) {
            const char *h = strstr(text, sev[i].word);
            if (h && h < text + len && (!hit || h < hit))
                hit = h, k = i;
        }
        if (hit) {
            size_t wl = strlen(sev[k].word);
            fwrite(text, 1, (size_t)(hit - text) + 2, f);
            fprintf(f, "%s%.*s\033[0m", sev[k].on, (int)(wl - 4), hit + 2);
            fwrite(hit + wl - 2, 1, len - (size_t)(hit + wl - 2 - text), f);
        } else
            fwrite(text, 1, len, f);
        text += len;
    }
}

typedef struct live {
    opinfo_report *report;
    opinfo_filter *filter;
    opinfo_qgraph *g; /* while a check reads it: the nodes read so far */
    const char *file;
    opinfo_format fmt;
    int stream, progress, color, shown, failed;
    size_t from; /* the first diagnostic not yet written */
    double start, last;
    opinfo_error_t err;
} live;

static void live_clear(live *l)
{
    if (l->shown)
        fputs("\r\033[K", stderr);
    l->shown = 0;
}

/* writes the diagnostics from l->from on (already filtered) */
static void live_write(live *l)
{
    size_t n = opinfo_report_count(l->report);
    char *text = NULL;
    if (!l->stream || l->failed || l->from >= n)
        return;
    opinfo_error_init(&l->err);
    if (opinfo_report_write_from(l->report, l->fmt, l->from, &text, &l->err) != OPINFO_OK) {
        l->failed = 1;
        return;
    }
    live_clear(l);
    if (l->color)
        put_colored(stdout, text);
    else
        fputs(text, stdout);
    fflush(stdout);
    free(text);
    l->from = n;
}

static void on_progress(size_t done, size_t total, void *ud)
{
    live *l = ud;
    double t = now();
    if ((total && done >= total) || t - l->last < 0.1)
        return; /* the end is the caller's; at most ten updates a second (total 0: still reading) */
    if (l->stream && !l->failed && l->from < opinfo_report_count(l->report)) {
        l->last = t; /* the clock starts at the first write: the first diagnostics go at once */
        opinfo_error_init(&l->err);
        if (opinfo_report_filter_partial(l->report, l->from, l->g, l->filter, &l->err) !=
            OPINFO_OK)
            l->failed = 1;
        live_write(l);
    }
    if (l->progress && t - l->start >= 1.0) {
        l->last = t;
        fprintf(stderr, "\r%s: ", cli_prog);
        cli_put_escaped(stderr, l->file);
        if (total)
            fprintf(stderr, ": %zu/%zu nodes (%.0f nodes/s)\033[K", done, total,
                    (double)done / (t - l->start));
        else /* checked while reading: the count is not known yet */
            fprintf(stderr, ": %zu nodes, reading (%.0f nodes/s)\033[K", done,
                    (double)done / (t - l->start));
        fflush(stderr);
        l->shown = 1;
    }
}

static int write_out(const char *path, const char *text)
{
    return cli_write_output(path, text); /* core/outfile.c */
}

/* path, name, version, abi, backends, status; a refused plugin makes the listing exit 1 */
static int print_plugin(int n, const char *const *c, void *ud)
{
    (void)n;
    if (c[1])
        printf("%s: %s %s (ABI %s) serves %s: %s%s%s\n", c[0], c[1], c[2], c[3], c[4], c[5],
               n > 6 && c[6] && c[6][0] ? "; configs " : "", n > 6 && c[6] ? c[6] : "");
    else
        printf("%s: %s\n", c[0], c[5]);
    if (strcmp(c[5], "ok") != 0 && strncmp(c[5], "shadowed", 8) != 0)
        *(int *)ud = 1;
    return 0;
}

/* a qgraph or an ONNX model, told apart by content */
static int load_graph(const char *path, opinfo_qgraph **g, opinfo_error_t *e)
{
    if (opinfo_graph_load(path, 0, g, e) != OPINFO_OK) {
        print_error(e);
        return -1;
    }
    return 0;
}

static int emit_report(opinfo_report *report, opinfo_format fmt, const char *output, int quiet,
                       const char *what)
{
    char *text = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    int status = 0;
    if (opinfo_report_write(report, fmt, &text, &e) != OPINFO_OK) {
        print_error(&e);
        status = EXIT_TROUBLE;
    } else if (write_out(output, text) != 0)
        status = EXIT_TROUBLE;
    free(text);
    size_t errors = opinfo_report_errors(report), warnings = opinfo_report_warnings(report);
    if (!quiet)
        fprintf(stderr, "%s: %zu error%s, %zu warning%s in %s\n", cli_prog, errors,
                errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", what);
    return status ? status : errors ? EXIT_VIOLATIONS : 0;
}

/* --overrides (check) and fix-overrides */
static int run_overrides(opinfo_db *db, const char *graph, const char *ovpath, int fix,
                         const opinfo_overrides_options *oo, opinfo_format fmt,
                         const char *output, int quiet)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = NULL;
    opinfo_overrides *ov = NULL, *fixed = NULL;
    opinfo_report *report = NULL;
    int status = EXIT_TROUBLE;
    if (fix && !output) {
        fprintf(stderr, "%s: fix-overrides needs -o FIXED\n", cli_prog);
        return EXIT_TROUBLE;
    }
    if (load_graph(graph, &g, &e) != 0)
        return EXIT_TROUBLE;
    if (opinfo_overrides_load(ovpath, &ov, &e) != OPINFO_OK) {
        print_error(&e);
        goto done;
    }
    if (!(report = opinfo_report_new())) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        goto done;
    }
    if (!fix) {
        if (opinfo_overrides_check(db, g, ov, oo, report, &e) != OPINFO_OK) {
            print_error(&e);
            goto done;
        }
        status = emit_report(report, fmt, output, quiet, "the overrides");
        goto done;
    }
    if (opinfo_overrides_fix(db, g, ov, oo, &fixed, report, &e) != OPINFO_OK) {
        print_error(&e);
        goto done;
    }
    status = 0;
    if (fixed) {
        char *text = NULL;
        if (opinfo_overrides_write(fixed, &text, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else if (write_out(output, text) != 0)
            status = EXIT_TROUBLE;
        free(text);
    }
    if (opinfo_report_count(report)) {
        int s = emit_report(report, fmt, NULL, quiet, "the fixed overrides");
        if (!status)
            status = s;
    } else if (!quiet)
        fprintf(stderr, "%s: wrote %s: %zu tensor overrides, clean\n", cli_prog, output,
                opinfo_overrides_count(fixed));
    if (!fixed && !status)
        status = EXIT_VIOLATIONS;
done:
    opinfo_report_free(report);
    opinfo_overrides_free(fixed);
    opinfo_overrides_free(ov);
    opinfo_qgraph_free(g);
    return status;
}

/* --fix on an ONNX model: the fixed graph as the TensorQuantOverrides an ONNX Runtime user
 * feeds back to quantize_static (docs/overrides.md, "Overrides from a graph") */
static int write_overrides(const char *fixed, const char *name,
                           const opinfo_overrides_options *oo, const char *output)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *fg = NULL;
    opinfo_overrides *ov = NULL;
    char *text = NULL;
    int status = EXIT_TROUBLE;
    if (opinfo_qgraph_parse(name, fixed, strlen(fixed), 0, &fg, &e) != OPINFO_OK ||
        opinfo_overrides_from_qgraph(fg, oo, &ov, &e) != OPINFO_OK ||
        opinfo_overrides_write(ov, &text, &e) != OPINFO_OK)
        print_error(&e);
    else if (write_out(output, text) == 0)
        status = 0;
    if (!status)
        fprintf(stderr, "%s: wrote %s: %zu tensor override%s for ONNX Runtime's "
                        "TensorQuantOverrides (defaults: activations %s, weights %s)\n",
                cli_prog, output ? output : "<stdout>", opinfo_overrides_count(ov),
                opinfo_overrides_count(ov) == 1 ? "" : "s",
                opinfo_quant_type_name(oo->activation_type),
                opinfo_quant_type_name(oo->weight_type));
    free(text);
    opinfo_overrides_free(ov);
    opinfo_qgraph_free(fg);
    return status;
}

/* --fix */
static int run_autofix(opinfo_db *db, const char *path, const opinfo_check_options *o,
                       const opinfo_overrides_options *oo, opinfo_format fmt,
                       const char *output, int quiet)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = NULL;
    char *fixed = NULL, *changes = NULL;
    opinfo_report *report = NULL;
    int status = EXIT_TROUBLE;
    if (load_graph(path, &g, &e) != 0)
        return EXIT_TROUBLE;
    const char *fmt_in = opinfo_qgraph_target(g, "format");
    int onnx = fmt_in && strcmp(fmt_in, "onnx") == 0;
    if (!onnx && !output) {
        fprintf(stderr, "%s: --fix needs -o FIXED for a qgraph\n", cli_prog);
        goto done;
    }
    if (!(report = opinfo_report_new())) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        goto done;
    }
    size_t n_changes = 0;
    if (opinfo_autofix(db, g, o, onnx ? NULL : output, &fixed, &changes, &n_changes, report,
                       &e) != OPINFO_OK) {
        print_error(&e);
        goto done;
    }
    if (onnx) {
        if (!quiet)
            fputs(changes, stderr);
        if (write_overrides(fixed, path, oo, output) != 0)
            goto done;
        /* the overrides may be on stdout: what is left goes to stdout only beside -o */
        char *text = NULL;
        if (output) {
            status = emit_report(report, fmt, NULL, quiet, "what is left");
        } else if (opinfo_report_write(report, fmt, &text, &e) != OPINFO_OK) {
            print_error(&e);
        } else {
            if (opinfo_report_count(report))
                fputs(text, stderr);
            size_t errors = opinfo_report_errors(report);
            if (!quiet)
                fprintf(stderr, "%s: %zu error%s, %zu warning%s in what is left\n", cli_prog,
                        errors, errors == 1 ? "" : "s", opinfo_report_warnings(report),
                        opinfo_report_warnings(report) == 1 ? "" : "s");
            status = errors ? EXIT_VIOLATIONS : 0;
        }
        free(text);
        goto done;
    }
    if (write_out(output, fixed) != 0)
        goto done;
    if (!quiet)
        fprintf(stderr, "%s%s: wrote %s with %zu change%s\n", changes, cli_prog, output,
                n_changes, n_changes == 1 ? "" : "s");
    status = emit_report(report, fmt, NULL, quiet, "what is left");
done:
    free(fixed);
    free(changes);
    opinfo_report_free(report);
    opinfo_qgraph_free(g);
    return status;
}

enum {
    OPT_STRICT = CLI_OPT_TOOL, OPT_WARN, OPT_FULL_DELEGATION, OPT_LIST_RULES, OPT_FIX, OPT_ORT,
    OPT_ACTIVATION_SYMMETRIC, OPT_WEIGHT_SYMMETRIC, OPT_WEIGHT_ASYMMETRIC, OPT_OVERRIDES,
    OPT_ACTIVATION_TYPE, OPT_WEIGHT_TYPE, OPT_LIST_PLUGINS, OPT_ALLOW_WRITABLE, OPT_PLUGIN_PATH,
    OPT_BACKEND, OPT_SOC, OPT_RELEASE, OPT_MAX_ERRORS, OPT_EXPLAIN, OPT_CONFIG, OPT_SELECT,
    OPT_IGNORE, OPT_BASELINE, OPT_WRITE_BASELINE, OPT_SHOW_SUPPRESSED, OPT_SHOW_CONFIG,
    OPT_NO_CONFIG, OPT_STATISTICS, OPT_SOURCE_ROOT, OPT_NO_INCREMENTAL, OPT_RULES_URL
};

static const struct option check_opts[] = {
    {"strict", no_argument, NULL, OPT_STRICT},
    {"warn", no_argument, NULL, OPT_WARN},
    {"full-delegation", no_argument, NULL, OPT_FULL_DELEGATION},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"fix", no_argument, NULL, OPT_FIX},
    {"ort", no_argument, NULL, OPT_ORT},
    {"activation-symmetric", no_argument, NULL, OPT_ACTIVATION_SYMMETRIC},
    {"weight-symmetric", no_argument, NULL, OPT_WEIGHT_SYMMETRIC},
    {"weight-asymmetric", no_argument, NULL, OPT_WEIGHT_ASYMMETRIC},
    {"overrides", required_argument, NULL, OPT_OVERRIDES},
    {"activation-type", required_argument, NULL, OPT_ACTIVATION_TYPE},
    {"weight-type", required_argument, NULL, OPT_WEIGHT_TYPE},
    {"list-plugins", no_argument, NULL, OPT_LIST_PLUGINS},
    {"allow-writable-plugins", no_argument, NULL, OPT_ALLOW_WRITABLE},
    {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"soc", required_argument, NULL, OPT_SOC},
    {"release", required_argument, NULL, OPT_RELEASE},
    {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"select", required_argument, NULL, OPT_SELECT},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
    {"show-suppressed", no_argument, NULL, OPT_SHOW_SUPPRESSED},
    {"show-config", no_argument, NULL, OPT_SHOW_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"statistics", no_argument, NULL, OPT_STATISTICS},
    {"no-incremental", no_argument, NULL, OPT_NO_INCREMENTAL},
    {"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
    {"rules-url", required_argument, NULL, OPT_RULES_URL},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
    const char *db_path = NULL, *output = NULL, *explain = NULL;
    const char *max_errors = NULL, *config = NULL, *source_root = NULL, *rules_url = NULL;
    const char *select = NULL, *ignore = NULL, *baseline = NULL, *write_baseline = NULL;
    int show_suppressed = 0, want_config = 0, no_config = 0;
    int annotate = 0, fix = 0, fix_overrides = 0;
    const char *overrides = NULL, *act_type = NULL, *weight_type = NULL;
    opinfo_overrides_options oo;
    opinfo_overrides_options_init(&oo);
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    int quiet = 0, list_rules = 0, list_plugins = 0, statistics = 0, incremental = 1;
    size_t plugin_flags = 0, n_plugin_dirs = 0;
    const char **plugin_dirs = calloc((size_t)argc + 1, sizeof *plugin_dirs);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files || !plugin_dirs) {
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    cli_common cc;
    memset(&cc, 0, sizeof cc);
    cli_parser p;
    const char *name, *v;
    int opt, first = argc;
    if (cli_begin(&p, argc, argv, "", check_opts, &cc) == 0)
        while ((opt = cli_next(&p, &name, &v)) > 0) {
            switch (opt) {
            case OPT_STRICT: o.flags &= ~(size_t)OPINFO_CHECK_WARN; break;
            case OPT_WARN: o.flags |= OPINFO_CHECK_WARN; break;
            case OPT_FULL_DELEGATION: o.flags |= OPINFO_CHECK_FULL_DELEGATION; break;
            case OPT_LIST_RULES: list_rules = 1; break;
            case OPT_FIX: fix = 1; break;
            case OPT_ORT: oo.flags |= OPINFO_FIX_ORT; break;
            case OPT_ACTIVATION_SYMMETRIC: oo.activation_symmetric = 1; break;
            case OPT_WEIGHT_SYMMETRIC: oo.weight_symmetric = 1; break;
            case OPT_WEIGHT_ASYMMETRIC: oo.weight_symmetric = 0; break;
            case OPT_OVERRIDES: overrides = v; break;
            case OPT_ACTIVATION_TYPE: act_type = v; break;
            case OPT_WEIGHT_TYPE: weight_type = v; break;
            case OPT_LIST_PLUGINS: list_plugins = 1; break;
            case OPT_ALLOW_WRITABLE: plugin_flags |= OPINFO_PLUGINS_ALLOW_WRITABLE; break;
            case OPT_PLUGIN_PATH: plugin_dirs[n_plugin_dirs++] = v; break;
            case OPT_BACKEND: o.backend = v; break;
            case OPT_SOC: o.soc = v; break;
            case OPT_RELEASE: o.release = v; break;
            case OPT_MAX_ERRORS: max_errors = v; break;
            case OPT_EXPLAIN: explain = v; break;
            case OPT_CONFIG: config = v; break;
            case OPT_SELECT: select = v; break;
            case OPT_IGNORE: ignore = v; break;
            case OPT_BASELINE: baseline = v; break;
            case OPT_WRITE_BASELINE: write_baseline = v; break;
            case OPT_SHOW_SUPPRESSED: show_suppressed = 1; break;
            case OPT_SHOW_CONFIG: want_config = 1; break;
            case OPT_NO_CONFIG: no_config = 1; break;
            case OPT_STATISTICS: statistics = 1; break;
            case OPT_NO_INCREMENTAL: incremental = 0; break;
            case OPT_SOURCE_ROOT: source_root = v; break;
            case OPT_RULES_URL: rules_url = v; break;
            default: p.status = cli_usage_error("unknown option --%s", name ? name : "?");
            }
            if (p.status)
                break;
        }
    if ((opt = cli_end(&p, &first))) {
        free(files);
        free(plugin_dirs);
        return opt;
    }
    if (cc.help) {
        usage(stdout);
        free(files);
        free(plugin_dirs);
        return 0;
    }
    if (cc.version) {
        printf("opinfo-check %s (library %s, database schema %d, plugin ABI %s, qgraph "
               "format %d, report format 1)\n",
               OPINFO_VERSION, opinfo_version_str(), OPINFO_DB_SCHEMA_VERSION,
               opinfo_plugin_abi_version(), OPINFO_QGRAPH_FORMAT);
        free(files);
        free(plugin_dirs);
        return 0;
    }
    if (rules_url) {
        opinfo_error_t ue;
        opinfo_error_init(&ue);
        if (opinfo_rules_url_check(rules_url, &ue) != OPINFO_OK) {
            free(files);
            free(plugin_dirs);
            return cli_usage_error("--rules-url: %s", ue.text);
        }
    }
    db_path = cc.db;
    output = cc.output;
    quiet = cc.quiet;
    /* the first operand may name a command: annotate, fix-overrides (./annotate is a file) */
    if (first < argc && strcmp(argv[first], "annotate") == 0)
        annotate = 1, first++;
    else if (first < argc && strcmp(argv[first], "fix-overrides") == 0)
        fix_overrides = 1, first++;
    for (int i = first; i < argc; i++)
        files[nfiles++] = argv[i];
    int status = 0;
    if (list_plugins) {
        opinfo_plugins *pl;
        opinfo_error_t pe;
        opinfo_error_init(&pe);
        if (opinfo_plugins_open(plugin_dirs, n_plugin_dirs, plugin_flags, &pl, &pe) != OPINFO_OK ||
            opinfo_plugins_list(pl, print_plugin, &status, &pe) != OPINFO_OK) {
            print_error(&pe);
            status = EXIT_TROUBLE;
        }
        opinfo_plugins_close(pl);
        free(files);
        free(plugin_dirs);
        return status ? EXIT_VIOLATIONS : 0;
    }
    /* the project file: found upward from the first input; flags override it (read before
     * --list-rules and --explain: its rules_url is the base of their links) */
    atexit(cleanup);
    if (!no_config) {
        char *dir = strdup(nfiles && strcmp(files[0], "-") != 0 ? files[0] : "./x");
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        int rc = dir ? cli_config_find(slash ? dir : ".", &cfg) : 2;
        free(dir);
        if (rc) {
            free(files);
            free(plugin_dirs);
            return EXIT_TROUBLE;
        }
    }
    if (!rules_url)
        rules_url = cfg.rules_url.value;
    if (list_rules) { /* the validator's rules and the plugins' (validator/rules.c) */
        int lf = cli_pick_format(cc.format, cli_table_formats, "--list-rules");
        opinfo_plugins *pl = NULL;
        opinfo_error_t pe;
        opinfo_error_init(&pe);
        char *text = NULL;
        if (lf < 0)
            status = EXIT_TROUBLE;
        else if (opinfo_plugins_open(plugin_dirs, n_plugin_dirs, plugin_flags, &pl, &pe) !=
                     OPINFO_OK ||
                 list_rules_at(pl, rules_url, cli_table_formats[lf], &text, &pe) != OPINFO_OK) {
            print_error(&pe);
            status = EXIT_TROUBLE;
        } else
            fputs(text, stdout);
        free(text);
        opinfo_plugins_close(pl);
        free(files);
        free(plugin_dirs);
        return status;
    }
    /* --explain: a rule's page (the library checks its formats), else an op (text, json, tsv) */
    int explain_rule = 0, lfmt = 0;
    if (explain) {
        opinfo_plugins *pl = NULL;
        opinfo_error_t pe;
        opinfo_error_init(&pe);
        /* a rule id, or no backend to find an op on: the library's page, or its "did you
         * mean" among the rules */
        if (strncmp(explain, "rule:", 5) == 0 || (!o.backend && strncmp(explain, "op:", 3) != 0))
            explain_rule = 1;
        else if (strncmp(explain, "op:", 3) != 0 &&
                 opinfo_plugins_open(plugin_dirs, n_plugin_dirs, plugin_flags, &pl, &pe) ==
                     OPINFO_OK)
            explain_rule = opinfo_rule_find(pl, explain) != NULL;
        opinfo_plugins_close(pl);
        if (!explain_rule) {
            if (strncmp(explain, "op:", 3) == 0)
                explain += 3;
            lfmt = cli_pick_format(cc.format, cli_table_formats, "--explain");
        }
    }
    if (lfmt < 0) {
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    static const char *const report_formats[] = {"text",   "json",  "sarif", "junit",
                                                 "github", "jsonl", "gcc",   NULL};
    static const opinfo_format report_fmt[] = {OPINFO_FORMAT_TEXT,   OPINFO_FORMAT_JSON,
                                               OPINFO_FORMAT_SARIF,  OPINFO_FORMAT_JUNIT,
                                               OPINFO_FORMAT_GITHUB, OPINFO_FORMAT_JSONL,
                                               OPINFO_FORMAT_TEXT};
    int fmt_i = explain ? 0 : cli_pick_format(cc.format, report_formats, "a check");
    if (fmt_i < 0) {
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    opinfo_format fmt = report_fmt[fmt_i];
    if (max_errors) {
        char *end;
        long long mv = strtoll(max_errors, &end, 10);
        if (*end || mv < 1) {
            cli_usage_error("--max-errors needs a positive integer");
            free(files);
            free(plugin_dirs);
            return EXIT_TROUBLE;
        }
        o.max_errors = (size_t)mv;
    }
    if (!o.backend)
        o.backend = cfg.backend.value;
    if (!o.soc)
        o.soc = cfg.soc.value;
    if (!o.release)
        o.release = cfg.release.value;
    if (want_config) {
        show_config(&o, select, ignore, rules_url, files, nfiles, no_config);
        free(files);
        free(plugin_dirs);
        return 0;
    }
    /* every rule list is checked before any input is read */
    int bad_rules = !(filter = opinfo_filter_new());
    bad_rules = bad_rules || check_rules(0, select, NULL) || check_rules(1, ignore, NULL) ||
                check_rules(0, cfg.select.value, cfg.select.origin) ||
                check_rules(1, cfg.ignore.value, cfg.ignore.origin);
    for (size_t i = 0; !bad_rules && i < cfg.n_per_path; i++)
        bad_rules = check_rules(0, cfg.per_path[i].select.value, cfg.per_path[i].select.origin) ||
                    check_rules(1, cfg.per_path[i].ignore.value, cfg.per_path[i].ignore.origin);
    if (!bad_rules && baseline && write_baseline) {
        fprintf(stderr, "%s: --baseline and --write-baseline exclude each other\n", cli_prog);
        bad_rules = 1;
    }
    if (!bad_rules && baseline) {
        opinfo_error_t be;
        opinfo_error_init(&be);
        if (opinfo_filter_baseline(filter, baseline, &be) != OPINFO_OK) {
            print_error(&be);
            bad_rules = 1;
        }
    }
    if (bad_rules) {
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    if (!explain && nfiles == 0) {
        fprintf(stderr, "%s: no input files (use - for stdin; try --help)\n", cli_prog);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    if (opinfo_db_open(db_path, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        print_error(&e);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    opinfo_plugins *plugins = NULL;
    if (opinfo_plugins_open(plugin_dirs, n_plugin_dirs, plugin_flags, &plugins, &e) != OPINFO_OK) {
        print_error(&e);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    o.plugins = plugins;
    /* --backend and --soc as people type them: any case, a SoC's marketing name */
    if ((o.backend && cli_resolve_backend(db, o.backend, &o.backend) != OPINFO_OK) ||
        (o.backend && o.soc && cli_resolve_soc(db, o.backend, o.release, o.soc, &o.soc) !=
                                   OPINFO_OK)) {
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    if (act_type && (oo.activation_type = opinfo_quant_type_from_name(act_type)) < 0) {
        fprintf(stderr, "%s: unknown --activation-type %s (QUInt8, QInt8, QUInt16, ...)\n",
                cli_prog, act_type);
        status = EXIT_TROUBLE;
    } else if (weight_type && (oo.weight_type = opinfo_quant_type_from_name(weight_type)) < 0) {
        fprintf(stderr, "%s: unknown --weight-type %s (QUInt8, QInt8, QUInt16, ...)\n", cli_prog,
                weight_type);
        status = EXIT_TROUBLE;
    } else if (fix_overrides || overrides) {
        oo.backend = o.backend;
        oo.soc = o.soc;
        oo.release = o.release;
        oo.flags |= o.flags & OPINFO_CHECK_WARN;
        if (fix_overrides && nfiles != 2)
            fprintf(stderr, "%s: fix-overrides needs GRAPH OVERRIDES (and -o FIXED)\n", cli_prog);
        else if (!fix_overrides && nfiles != 1)
            fprintf(stderr, "%s: --overrides needs one GRAPH\n", cli_prog);
        else
            status = run_overrides(db, files[0], fix_overrides ? files[1] : overrides,
                                   fix_overrides, &oo, fmt, output, quiet);
        if ((fix_overrides && nfiles != 2) || (!fix_overrides && nfiles != 1))
            status = EXIT_TROUBLE;
    } else if (fix) {
        if (nfiles != 1)
            fprintf(stderr, "%s: --fix needs one FILE (and -o FIXED for a qgraph)\n", cli_prog);
        status = nfiles != 1 ? EXIT_TROUBLE : run_autofix(db, files[0], &o, &oo, fmt, output, quiet);
    }
    if (status || fix || fix_overrides || overrides) {
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return status;
    }
    if (annotate) {
        opinfo_qgraph *g = NULL;
        char *text = NULL;
        if (!config || nfiles != 1) {
            fprintf(stderr, "%s: annotate needs --config C and one FILE\n", cli_prog);
            status = EXIT_TROUBLE;
        } else if (opinfo_graph_load(files[0], 0, &g, &e) != OPINFO_OK ||
                   opinfo_annotate(db, plugins, g, o.backend, o.soc, o.release, config, &text,
                                   &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else if (write_out(output, text) != 0)
            status = EXIT_TROUBLE;
        free(text);
        opinfo_qgraph_free(g);
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return status;
    }
    if (explain) {
        char *text = NULL;
        const opinfo_op *op;
        opinfo_soc soc;
        int rc;
        if (explain_rule) {
            if (opinfo_explain(db, plugins, o.backend, o.release, o.soc, explain,
                               cc.format ? cc.format : "text", &text, &e) != OPINFO_OK ||
                (rules_url && explain_rule_at(plugins, explain, rules_url,
                                              cc.format ? cc.format : "text", &text, &e))) {
                print_error(&e);
                status = e.code == OPINFO_ENOTFOUND ? EXIT_VIOLATIONS : EXIT_TROUBLE;
            } else
                fputs(text, stdout);
        } else if (!o.backend) {
            status = cli_usage_error("--explain needs --backend");
        } else if ((rc = cli_resolve_op(db, o.backend, o.release, explain, &explain)) !=
                   OPINFO_OK) {
            status = rc == OPINFO_ENOTFOUND ? EXIT_VIOLATIONS : EXIT_TROUBLE;
        } else if (lfmt != CLI_TABLE_TEXT) {
            if (opinfo_db_find_op(db, o.backend, o.release, explain, &op, &e) != OPINFO_OK ||
                (o.soc && opinfo_db_find_soc(db, o.backend, op->release, o.soc, &soc, &e) !=
                              OPINFO_OK)) {
                print_error(&e);
                status = e.code == OPINFO_ENOTFOUND ? EXIT_VIOLATIONS : EXIT_TROUBLE;
            } else if (cli_write_op(stdout, (cli_table_format)lfmt, op, o.soc ? &soc : NULL)) {
                fprintf(stderr, "%s: out of memory\n", cli_prog);
                status = EXIT_TROUBLE;
            }
        } else if (opinfo_db_explain(db, o.backend, o.release, o.soc, explain, &text, &e) !=
                   OPINFO_OK) {
            print_error(&e);
            status = e.code == OPINFO_ENOTFOUND ? EXIT_VIOLATIONS : EXIT_TROUBLE;
        } else
            fputs(text, stdout);
        free(text);
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return status;
    }
    opinfo_report *report = opinfo_report_new();
    if (report && rules_url && opinfo_report_set_rules_url(report, rules_url, &e) != OPINFO_OK) {
        opinfo_report_free(report);
        report = NULL;
    }
    if (!report) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    size_t checked = 0;
    /* text and github: each diagnostic written as it is found; on a terminal, a progress line */
    live lv;
    memset(&lv, 0, sizeof lv);
    lv.report = report;
    lv.filter = filter;
    lv.fmt = fmt;
    lv.color = fmt == OPINFO_FORMAT_TEXT && cli_color_on(&cc, stdout);
    lv.stream = (fmt == OPINFO_FORMAT_TEXT || fmt == OPINFO_FORMAT_GITHUB ||
                 fmt == OPINFO_FORMAT_JSONL) && !write_baseline &&
                (!output || strcmp(output, "-") == 0);
    lv.progress = !quiet && isatty(STDERR_FILENO);
    if (lv.stream || lv.progress)
        opinfo_report_set_progress(report, on_progress, &lv);
    for (size_t i = 0; i < nfiles; i++) {
        opinfo_qgraph *g = NULL;
        opinfo_error_init(&e);
        struct stat st;
        if (lv.progress && strcmp(files[i], "-") != 0 && stat(files[i], &st) == 0 &&
            st.st_size >= (off_t)8 << 20) {
            /* a big input takes a while to read: say so on the terminal */
            fprintf(stderr, "\r%s: reading ", cli_prog);
            cli_put_escaped(stderr, files[i]);
            fprintf(stderr, " (%.1f MB)\033[K", (double)st.st_size / 1e6);
            fflush(stderr);
            lv.shown = 1;
        }
        /* this file's rules: a flag, else its per_path entry, else the file's top level */
        const cli_per_path *pp = cli_config_for(&cfg, files[i]);
        const char *sel = select   ? select
                          : pp && pp->select.value ? pp->select.value
                                                   : cfg.select.value;
        const char *ign = ignore   ? ignore
                          : pp && pp->ignore.value ? pp->ignore.value
                                                   : cfg.ignore.value;
        if (incremental) {
            /* nodes checked as they are read: diagnostics come while a big file is read */
            lv.g = NULL;
            lv.file = files[i];
            lv.from = opinfo_report_count(report);
            lv.start = now();
            lv.last = 0;
            if (opinfo_filter_select(filter, sel, &e) != OPINFO_OK ||
                opinfo_filter_ignore(filter, ign, &e) != OPINFO_OK ||
                opinfo_check_file(db, files[i], &o, report, &lv.g, &g, &e) != OPINFO_OK ||
                opinfo_report_filter(report, lv.from, g, filter, &e) != OPINFO_OK) {
                live_clear(&lv);
                print_error(&e);
                status = EXIT_TROUBLE;
            } else {
                live_write(&lv);
                checked++;
            }
        } else if (opinfo_graph_load(files[i], 0, &g, &e) != OPINFO_OK) {
            live_clear(&lv);
            print_error(&e);
            status = EXIT_TROUBLE;
            continue;
        } else {
            opinfo_error_init(&e);
            lv.g = g;
            lv.file = files[i];
            lv.from = opinfo_report_count(report);
            lv.start = now();
            lv.last = 0;
            /* the rules are set first: diagnostics may be filtered and written while the check
             * runs */
            if (opinfo_filter_select(filter, sel, &e) != OPINFO_OK ||
                opinfo_filter_ignore(filter, ign, &e) != OPINFO_OK ||
                opinfo_check(db, g, &o, report, &e) != OPINFO_OK ||
                opinfo_report_filter(report, lv.from, g, filter, &e) != OPINFO_OK) {
                live_clear(&lv);
                print_error(&e);
                status = EXIT_TROUBLE;
            } else {
                live_write(&lv);
                checked++;
            }
        }
        live_clear(&lv);
        if (lv.failed) {
            print_error(&lv.err);
            status = EXIT_TROUBLE;
            lv.failed = lv.stream = 0;
        }
        opinfo_qgraph_free(g);
        if (opinfo_report_truncated(report))
            break;
    }
    if (checked && write_baseline) {
        char *text = NULL;
        opinfo_error_init(&e);
        if (opinfo_report_baseline(report, &text, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else if (write_out(write_baseline, text) != 0)
            status = EXIT_TROUBLE;
        else if (!quiet)
            fprintf(stderr, "%s: wrote %s: %zu diagnostic%s\n", cli_prog, write_baseline,
                    opinfo_report_count(report), opinfo_report_count(report) == 1 ? "" : "s");
        free(text);
        opinfo_report_free(report);
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return status;
    } else if (checked && lv.stream && fmt == OPINFO_FORMAT_JSONL) {
        /* the diagnostics are out: the summary line ends the stream */
        char *text = NULL;
        opinfo_error_init(&e);
        if (opinfo_report_write_summary(report, fmt, &text, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else {
            fputs(text, stdout);
            fflush(stdout);
        }
        free(text);
    } else if (checked && !lv.stream) {
        char *text = NULL;
        opinfo_error_init(&e);
        /* SARIF's invocation: the status this run will exit with */
        int exit_code = status ? status : opinfo_report_errors(report) ? EXIT_VIOLATIONS : 0;
        if (opinfo_report_set_invocation(report, argc, (const char *const *)argv, exit_code) !=
                OPINFO_OK ||
            (source_root && opinfo_report_set_source_root(report, source_root, &e) != OPINFO_OK)) {
            if (!e.text[0])
                snprintf(e.text, sizeof e.text, "out of memory");
            print_error(&e);
            status = EXIT_TROUBLE;
        } else if (opinfo_report_write(report, fmt, &text, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else if (lv.color && (!output || strcmp(output, "-") == 0))
            put_colored(stdout, text);
        else if (write_out(output, text) != 0)
            status = EXIT_TROUBLE;
        free(text);
    }
    size_t errors = opinfo_report_errors(report), warnings = opinfo_report_warnings(report);
    if (!quiet && checked) {
        fprintf(stderr, "%s: %zu error%s, %zu warning%s in %zu node%s", cli_prog, errors,
                errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                opinfo_report_nodes(report), opinfo_report_nodes(report) == 1 ? "" : "s");
        if (opinfo_report_truncated(report))
            fprintf(stderr, " (stopped at --max-errors %zu)", o.max_errors);
        fprintf(stderr, "\n");
    }
    if (statistics && checked)
        print_statistics(report);
    size_t n_sup = opinfo_filter_count(filter, OPINFO_FILTERED_SUPPRESSED);
    size_t n_base = opinfo_filter_count(filter, OPINFO_FILTERED_BASELINED);
    size_t n_fixed = opinfo_filter_count(filter, OPINFO_FILTERED_FIXED);
    for (size_t i = 0; show_suppressed && i < n_sup; i++) {
        const char *why;
        const opinfo_diag *d = opinfo_filter_get(filter, OPINFO_FILTERED_SUPPRESSED, i, &why);
        put_diag_line("suppressed", d, why ? why : "none given");
    }
    if (!quiet && checked && n_sup)
        fprintf(stderr, "%s: %zu suppressed by nodes%s\n", cli_prog, n_sup,
                show_suppressed ? "" : " (--show-suppressed lists them)");
    if (!quiet && checked && n_base)
        fprintf(stderr, "%s: %zu in the baseline, not reported\n", cli_prog, n_base);
    if (checked && baseline && !quiet) {
        fprintf(stderr, "%s: %zu fixed since the baseline\n", cli_prog, n_fixed);
        for (size_t i = 0; i < n_fixed; i++)
            put_diag_line("fixed", opinfo_filter_get(filter, OPINFO_FILTERED_FIXED, i, NULL),
                          NULL);
    }
    if (status == 0 && errors)
        status = EXIT_VIOLATIONS;
    opinfo_report_free(report);
    opinfo_plugins_close(plugins);
        opinfo_db_close(db);
    free(files);
    free(plugin_dirs);
    return status;
}
