/* opinfo-check: is this quantized model's annotation valid for a backend on a chip? A thin shell
 * over libopinfo: it loads qgraphs, runs the check, writes the report.
 * Exit status: 0 clean (or warn mode), 1 violations in strict mode, 2 usage, input or database
 * error (never masked). Results go to stdout (or -o), the summary to stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

#include "cli.h"

#define EXIT_VIOLATIONS 1
#define EXIT_TROUBLE 2

const char *cli_prog = "opinfo-check";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: opinfo-check [OPTIONS] FILE...|-\n"
            "       opinfo-check annotate --backend B [--soc S] --config C FILE -o OUT\n"
            "\n"
            "Checks quantized-graph annotations (qgraph JSON, docs/qgraph.md) against a\n"
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
            "  -f, --format F        text (gcc style, default), json, sarif, junit\n"
            "  -o, --output FILE     write the report there instead of stdout\n"
            "  --max-errors N        stop after N diagnostics\n"
            "  -q, --quiet           no summary on stderr\n"
            "  --list-rules          print the rules and exit\n"
            "  --plugin-path DIR     look for backend plugins in DIR first (repeatable)\n"
            "  --list-plugins        list the plugins found, and why any was refused, and exit\n"
            "  --allow-writable-plugins  load plugins that others may write (refused otherwise)\n"
            "  --explain OP          print what OP needs on --backend/--soc and exit\n"
            "  --config C            annotate: the quant config (qnn-htp: 8a8w, 8a4w, 16a8w,\n"
            "                        16a16w, 16a4w, 16a4w-block[:BLOCK], 16a2w; see\n"
            "                        --list-plugins for each plugin's configs)\n"
            "  --version             print versions and exit\n"
            "  --help                print this help and exit\n"
            "\n"
            "exit status: 0 clean or --warn, 1 violations (--strict), 2 usage, input or database "
            "error\n",
            opinfo_db_default_path());
}

static void print_error(const opinfo_error_t *e)
{
    if (e->source[0] && e->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", e->source, e->line, e->column, e->text);
    else if (e->source[0])
        fprintf(stderr, "%s: error: %s\n", e->source, e->text);
    else
        fprintf(stderr, "%s: error: %s\n", cli_prog, e->text);
}

static int write_out(const char *path, const char *text)
{
    if (!path || strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : -1;
    }
    /* beside, then rename: never a half-written report */
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", cli_prog, path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
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

int main(int argc, char **argv)
{
    const char *db_path = NULL, *format = "text", *output = NULL, *explain = NULL;
    const char *max_errors = NULL, *config = NULL;
    int annotate = 0;
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
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--list-rules") == 0)
            list_rules = 1;
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
        else if (cli_opt_is(a, "--config"))
            slot = &config;
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
    if (list_rules) {
        size_t n;
        const opinfo_rule_info *rules = opinfo_rules(&n);
        for (size_t i = 0; i < n; i++)
            printf("%-15s %s\n", rules[i].id, rules[i].summary);
        free(files);
        free(plugin_dirs);
        return 0;
    }
    opinfo_format fmt;
    if (strcmp(format, "text") == 0 || strcmp(format, "gcc") == 0)
        fmt = OPINFO_FORMAT_TEXT;
    else if (strcmp(format, "json") == 0)
        fmt = OPINFO_FORMAT_JSON;
    else if (strcmp(format, "sarif") == 0)
        fmt = OPINFO_FORMAT_SARIF;
    else if (strcmp(format, "junit") == 0)
        fmt = OPINFO_FORMAT_JUNIT;
    else {
        fprintf(stderr, "%s: --format must be text, json, sarif or junit, not \"%s\"\n", cli_prog,
                format);
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
    if (annotate) {
        opinfo_qgraph *g = NULL;
        char *text = NULL;
        if (!config || nfiles != 1) {
            fprintf(stderr, "%s: annotate needs --config C and one FILE\n", cli_prog);
            status = EXIT_TROUBLE;
        } else if (opinfo_qgraph_load(files[0], 0, &g, &e) != OPINFO_OK ||
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
        if (!o.backend) {
            fprintf(stderr, "%s: --explain needs --backend\n", cli_prog);
            status = EXIT_TROUBLE;
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
        if (cli_is_onnx(files[i])) {
            if (cli_load_onnx(files[i], &g, &e) != OPINFO_OK) {
                if (e.code)
                    print_error(&e);
                status = EXIT_TROUBLE;
                continue;
            }
        } else if (opinfo_qgraph_load(files[i], 0, &g, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
            continue;
        }
        opinfo_error_init(&e);
        if (opinfo_check(db, g, &o, report, &e) != OPINFO_OK) {
            print_error(&e);
            status = EXIT_TROUBLE;
        } else
            checked++;
        opinfo_qgraph_free(g);
        if (opinfo_report_truncated(report))
            break;
    }
    if (checked) {
        char *text = NULL;
        opinfo_error_init(&e);
        if (opinfo_report_write(report, fmt, &text, &e) != OPINFO_OK) {
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
    if (status == 0 && errors)
        status = EXIT_VIOLATIONS;
    opinfo_report_free(report);
    opinfo_plugins_close(plugins);
        opinfo_db_close(db);
    free(files);
    free(plugin_dirs);
    return status;
}
