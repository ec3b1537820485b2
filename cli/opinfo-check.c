/* opinfo-check: is this quantized model's annotation valid for a backend on a chip? A thin shell
 * over libopinfo: it loads qgraphs, runs the check, writes the report.
 * Exit status: 0 clean (or warn mode), 1 violations in strict mode, 2 usage, input or database
 * error (never masked). Warnings alone (runs-in-float without --full-delegation) exit 0. Results go to stdout (or -o), the summary to stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

#include "cli.h"
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
            "       opinfo-check --overrides OVERRIDES [--backend B --soc S] GRAPH\n"
            "       opinfo-check fix-overrides [--backend B --soc S] [--ort] GRAPH OVERRIDES -o "
            "FIXED\n"
            "\n"
            "Checks quantized-graph annotations (qgraph JSON, qgraph.md) against a\n"
            "backend's constraints on a SoC.\n"
            "\n"
            "options:\n"
            "  --backend B           qnn-htp, xnnpack, fbgemm (default: the file's target)\n"
            "  --soc S               the chip, e.g. SM8650 (default: the file's target)\n"
            "  --release R           the constraint data release (default: the latest)\n"
            "  --db PATH             the constraint database (default: $OPINFO_DB, else the\n"
            "                        installed one: %s)\n"
            "  --strict              violations are errors, exit 1 (the default)\n"
            "  --warn                violations are warnings, exit 0\n"
            "  --full-delegation     a node left in float (runs-in-float) is an error, not a\n"
            "                        warning\n"
            "  -f, --format F        text (gcc style, default), json, sarif, junit, github\n"
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
            "  --list-rules          print the rules (the plugins' too) and exit; -f text, json\n"
            "                        or tsv\n"
            "  --plugin-path DIR     look for backend plugins in DIR first (repeatable)\n"
            "  --list-plugins        list the plugins found, and why any was refused, and exit\n"
            "  --allow-writable-plugins  load plugins that others may write (refused otherwise)\n"
            "  --explain RULE|OP     print a rule's page (-f text, markdown, json), or what OP\n"
            "                        needs on --backend/--soc, and exit (rule:ID, op:NAME\n"
            "                        force either)\n"
            "  --source-root DIR     SARIF: locations relative to DIR (uriBaseId SRCROOT)\n"
            "  --config C            annotate: the quant config (qnn-htp: 8a8w, 8a4w, 16a8w,\n"
            "                        16a16w, 16a4w, 16a4w-block[:BLOCK], 16a2w; see\n"
            "                        --list-plugins for each plugin's configs)\n"
            "  --fix                 write the annotation with every mechanical fix applied to\n"
            "                        -o FIXED, list each change on stderr, and report what is\n"
            "                        left (autofix.md)\n"
            "  --overrides FILE      check ONNX Runtime TensorQuantOverrides against GRAPH: every\n"
            "                        ONNX Runtime rule on every entry, then (with --backend)\n"
            "                        the port types they give each node (overrides.md)\n"
            "  --activation-type T   overrides: the default activation type (QUInt8)\n"
            "  --weight-type T       overrides: the default weight type (QUInt8)\n"
            "  --activation-symmetric, --weight-symmetric, --weight-asymmetric\n"
            "  --ort                 fix-overrides: ONNX Runtime's assumption (one type on all of\n"
            "                        an op's activations, one hop) instead of the database\n"
            "  --version             print versions and exit\n"
            "  --help                print this help and exit\n"
            "\n"
            "input files larger than 2 GiB are refused; $OPINFO_MAX_INPUT_SIZE (e.g. 8G) sets "
            "the limit\n"
            "exit status: 0 clean, warnings only, or --warn; 1 errors (--strict); 2 usage, input or "
            "database error\n"
            "documentation (qgraph.md, rules.md, autofix.md, overrides.md): " OPINFO_DOCDIR "\n",
            opinfo_db_default_path());
}

/* the project file and the filter live until exit, whichever way main returns */
static cli_config cfg;
static opinfo_filter *filter;

static void cleanup(void)
{
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
                        const char *const *files, size_t nfiles, int no_config)
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
        fputs(": error: ", stderr);
    } else
        fprintf(stderr, "%s: --", cli_prog);
    cli_put_escaped(stderr, e.text);
    fputc('\n', stderr);
    return -1;
}

static void put_diag_line(const char *what, const opinfo_diag *d, const char *reason)
{
    cli_put_escaped(stderr, d->file ? d->file : "-");
    if (d->line > 0)
        fprintf(stderr, ":%d:%d", d->line, d->column > 0 ? d->column : 1);
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
    /* the file and the message may hold a model's names: one line, nothing raw */
    cli_put_escaped(stderr, e->source[0] ? e->source : cli_prog);
    if (e->source[0] && e->line > 0)
        fprintf(stderr, ":%d:%d", e->line, e->column);
    fputs(": error: ", stderr);
    cli_put_escaped(stderr, e->text);
    fputc('\n', stderr);
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

/* --fix */
static int run_autofix(opinfo_db *db, const char *path, const opinfo_check_options *o,
                       opinfo_format fmt, const char *output, int quiet)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = NULL;
    char *fixed = NULL, *changes = NULL;
    opinfo_report *report = NULL;
    int status = EXIT_TROUBLE;
    if (load_graph(path, &g, &e) != 0)
        return EXIT_TROUBLE;
    if (!(report = opinfo_report_new())) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        goto done;
    }
    size_t n_changes = 0;
    if (opinfo_autofix(db, g, o, output, &fixed, &changes, &n_changes, report, &e) != OPINFO_OK) {
        print_error(&e);
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

int main(int argc, char **argv)
{
    const char *db_path = NULL, *format = "text", *output = NULL, *explain = NULL;
    const char *max_errors = NULL, *config = NULL, *source_root = NULL;
    const char *select = NULL, *ignore = NULL, *baseline = NULL, *write_baseline = NULL;
    int show_suppressed = 0, want_config = 0, no_config = 0;
    int annotate = 0, fix = 0, fix_overrides = 0;
    const char *overrides = NULL, *act_type = NULL, *weight_type = NULL;
    opinfo_overrides_options oo;
    opinfo_overrides_options_init(&oo);
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    int quiet = 0, list_rules = 0, only_files = 0, list_plugins = 0;
    size_t plugin_flags = 0, n_plugin_dirs = 0;
    const char **plugin_dirs = calloc((size_t)argc + 1, sizeof *plugin_dirs);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files || !plugin_dirs) {
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (i == 1 && strcmp(a, "annotate") == 0) {
            annotate = 1;
            continue;
        }
        if (i == 1 && strcmp(a, "fix-overrides") == 0) {
            fix_overrides = 1;
            continue;
        }
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0)
            only_files = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(files);
            free(plugin_dirs);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("opinfo-check %s (library %s, database schema %d, plugin ABI %s, qgraph "
                   "format %d, report format 1)\n",
                   OPINFO_VERSION, opinfo_version_str(), OPINFO_DB_SCHEMA_VERSION,
                   opinfo_plugin_abi_version(), OPINFO_QGRAPH_FORMAT);
            free(files);
            free(plugin_dirs);
            return 0;
        } else if (strcmp(a, "--strict") == 0)
            o.flags &= ~(size_t)OPINFO_CHECK_WARN;
        else if (strcmp(a, "--warn") == 0)
            o.flags |= OPINFO_CHECK_WARN;
        else if (strcmp(a, "--full-delegation") == 0)
            o.flags |= OPINFO_CHECK_FULL_DELEGATION;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--list-rules") == 0)
            list_rules = 1;
        else if (strcmp(a, "--fix") == 0)
            fix = 1;
        else if (strcmp(a, "--ort") == 0)
            oo.flags |= OPINFO_FIX_ORT;
        else if (strcmp(a, "--activation-symmetric") == 0)
            oo.activation_symmetric = 1;
        else if (strcmp(a, "--weight-symmetric") == 0)
            oo.weight_symmetric = 1;
        else if (strcmp(a, "--weight-asymmetric") == 0)
            oo.weight_symmetric = 0;
        else if (cli_opt_is(a, "--overrides"))
            slot = &overrides;
        else if (cli_opt_is(a, "--activation-type"))
            slot = &act_type;
        else if (cli_opt_is(a, "--weight-type"))
            slot = &weight_type;
        else if (strcmp(a, "--list-plugins") == 0)
            list_plugins = 1;
        else if (strcmp(a, "--allow-writable-plugins") == 0)
            plugin_flags |= OPINFO_PLUGINS_ALLOW_WRITABLE;
        else if (cli_opt_is(a, "--plugin-path")) {
            if (cli_take_value(argc, argv, &i, &plugin_dirs[n_plugin_dirs]) != 0) {
                free(files);
                free(plugin_dirs);
                return EXIT_TROUBLE;
            }
            n_plugin_dirs++;
        }
        else if (cli_opt_is(a, "--backend"))
            slot = &o.backend;
        else if (cli_opt_is(a, "--soc"))
            slot = &o.soc;
        else if (cli_opt_is(a, "--release"))
            slot = &o.release;
        else if (cli_opt_is(a, "--db"))
            slot = &db_path;
        else if (strcmp(a, "-f") == 0 || cli_opt_is(a, "--format"))
            slot = &format;
        else if (strcmp(a, "-o") == 0 || cli_opt_is(a, "--output"))
            slot = &output;
        else if (cli_opt_is(a, "--max-errors"))
            slot = &max_errors;
        else if (cli_opt_is(a, "--explain"))
            slot = &explain;
        else if (cli_opt_is(a, "--source-root"))
            slot = &source_root;
        else if (cli_opt_is(a, "--config"))
            slot = &config;
        else if (cli_opt_is(a, "--select"))
            slot = &select;
        else if (cli_opt_is(a, "--ignore"))
            slot = &ignore;
        else if (cli_opt_is(a, "--baseline"))
            slot = &baseline;
        else if (cli_opt_is(a, "--write-baseline"))
            slot = &write_baseline;
        else if (strcmp(a, "--show-suppressed") == 0)
            show_suppressed = 1;
        else if (strcmp(a, "--show-config") == 0)
            want_config = 1;
        else if (strcmp(a, "--no-config") == 0)
            no_config = 1;
        else {
            fprintf(stderr, "%s: unknown option %s (try --help)\n", cli_prog, a);
            free(files);
            free(plugin_dirs);
            return EXIT_TROUBLE;
        }
        if (slot && cli_take_value(argc, argv, &i, slot) != 0) {
            free(files);
            free(plugin_dirs);
            return EXIT_TROUBLE;
        }
    }
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
    if (list_rules) { /* the validator's rules and the plugins' (validator/rules.c) */
        opinfo_plugins *pl = NULL;
        opinfo_error_t pe;
        opinfo_error_init(&pe);
        char *text = NULL;
        if (opinfo_plugins_open(plugin_dirs, n_plugin_dirs, plugin_flags, &pl, &pe) != OPINFO_OK ||
            opinfo_rules_catalog(pl, format, &text, &pe) != OPINFO_OK) {
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
    opinfo_format fmt;
    if (explain) /* its formats are the library's to check (opinfo_explain) */
        fmt = OPINFO_FORMAT_TEXT;
    else if (strcmp(format, "text") == 0 || strcmp(format, "gcc") == 0)
        fmt = OPINFO_FORMAT_TEXT;
    else if (strcmp(format, "json") == 0)
        fmt = OPINFO_FORMAT_JSON;
    else if (strcmp(format, "sarif") == 0)
        fmt = OPINFO_FORMAT_SARIF;
    else if (strcmp(format, "junit") == 0)
        fmt = OPINFO_FORMAT_JUNIT;
    else if (strcmp(format, "github") == 0)
        fmt = OPINFO_FORMAT_GITHUB;
    else {
        fprintf(stderr, "%s: --format must be text, json, sarif, junit or github, not \"%s\"\n",
                cli_prog, format);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    if (max_errors) {
        char *end;
        long long v = strtoll(max_errors, &end, 10);
        if (*end || v < 1) {
            fprintf(stderr, "%s: --max-errors needs a positive integer\n", cli_prog);
            free(files);
            free(plugin_dirs);
            return EXIT_TROUBLE;
        }
        o.max_errors = (size_t)v;
    }
    /* the project file: found upward from the first input; flags override it */
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
    if (!o.backend)
        o.backend = cfg.backend.value;
    if (!o.soc)
        o.soc = cfg.soc.value;
    if (!o.release)
        o.release = cfg.release.value;
    if (want_config) {
        show_config(&o, select, ignore, files, nfiles, no_config);
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
        if (nfiles != 1 || !output)
            fprintf(stderr, "%s: --fix needs one FILE and -o FIXED\n", cli_prog);
        status = nfiles != 1 || !output ? EXIT_TROUBLE
                                        : run_autofix(db, files[0], &o, fmt, output, quiet);
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
        if (opinfo_explain(db, plugins, o.backend, o.release, o.soc, explain,
                           strcmp(format, "gcc") == 0 ? "text" : format, &text, &e) != OPINFO_OK) {
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
    if (!report) {
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        opinfo_plugins_close(plugins);
        opinfo_db_close(db);
        free(files);
        free(plugin_dirs);
        return EXIT_TROUBLE;
    }
    size_t checked = 0;
    for (size_t i = 0; i < nfiles; i++) {
        opinfo_qgraph *g = NULL;
        opinfo_error_init(&e);
        if (opinfo_graph_load(files[i], 0, &g, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
            continue;
        }
        opinfo_error_init(&e);
        size_t from = opinfo_report_count(report);
        /* this file's rules: a flag, else its per_path entry, else the file's top level */
        const cli_per_path *pp = cli_config_for(&cfg, files[i]);
        const char *sel = select   ? select
                          : pp && pp->select.value ? pp->select.value
                                                   : cfg.select.value;
        const char *ign = ignore   ? ignore
                          : pp && pp->ignore.value ? pp->ignore.value
                                                   : cfg.ignore.value;
        if (opinfo_check(db, g, &o, report, &e) != OPINFO_OK ||
            opinfo_filter_select(filter, sel, &e) != OPINFO_OK ||
            opinfo_filter_ignore(filter, ign, &e) != OPINFO_OK ||
            opinfo_report_filter(report, from, g, filter, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else
            checked++;
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
    } else if (checked) {
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
        } else if (write_out(output, text) != 0)
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
