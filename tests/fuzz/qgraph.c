/* Fuzz target: the qgraph reader, then the check of what it accepts on every backend (with the
 * backends' plugins), the four report writers, and annotation by each backend's plugin, whose
 * output must read back as a qgraph.
 *
 * The database is the default one ($OPINFO_DB, else share/opinfo/opinfo.db beside the program's
 * prefix) and the plugins come from $OPINFO_PLUGIN_PATH, else the installed directory beside the
 * program; `make fuzz` and `make test` set both. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static opinfo_db *db;
static opinfo_plugins *plugins;
static unsigned long runs;

static void die(const char *what, const opinfo_error_t *e)
{
    fprintf(stderr, "fuzz-qgraph: %s: %s\n", what, e->text);
    abort();
}

/* Closed at exit, so that valgrind (make valgrind replays the targets) sees nothing lost. */
static void teardown(void)
{
    opinfo_plugins_close(plugins);
    opinfo_db_close(db);
    plugins = NULL;
    db = NULL;
}

static void setup(void)
{
    if (!db && !plugins)
        atexit(teardown);
    opinfo_error_t e;
    opinfo_error_init(&e);
    /* The database caches every op it is asked for, unknown names included: reopened now and
     * then, so that a long run's memory stays bounded. */
    if (db && runs % 4096 == 0) {
        opinfo_db_close(db);
        db = NULL;
    }
    if (!db && opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK)
        die("opening the default database", &e);
    if (!plugins && opinfo_plugins_open(NULL, 0, 0, &plugins, &e) != OPINFO_OK)
        die("opening the plugins", &e);
}

static const struct {
    const char *backend, *soc;
    const char *configs[8];
} targets[] = {
    {"qnn-htp", "SM8650", {"8a8w", "16a8w", "16a4w-block:32", "16a16w", "8a4w", NULL}},
    {"qnn-htp", "SM8350", {"16a4w", "16a2w", NULL}},
    {"xnnpack", NULL, {"qint8-symmetric", "qint8-symmetric-per-channel", "dynamic-int8", NULL}},
    {"fbgemm", NULL, {"quint8", "dynamic-int8", NULL}},
};

/* What any report must be, whatever the names in the graph hold: valid UTF-8; text one line per
 * diagnostic and fix with no raw control character; JUnit without the characters XML 1.0
 * forbids (only newlines between its lines); JSON and SARIF parse back. */
static void report_invariants(const char *text, int fmt, size_t ndiags, size_t nfixes)
{
    size_t newlines = 0;
    const unsigned char *u = (const unsigned char *)text;
    for (size_t i = 0; u[i]; i++) {
        unsigned c = u[i];
        newlines += c == '\n';
        int json = fmt == OPINFO_FORMAT_JSON || fmt == OPINFO_FORMAT_SARIF; /* DEL is JSON */
        if ((c < 0x20 && c != '\n') || (c == 0x7f && !json)) {
            fprintf(stderr, "fuzz-qgraph: format %d: raw control byte 0x%02x at %zu\n", fmt, c, i);
            abort();
        }
        if (!json && c == 0xc2 &&
            u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
            fprintf(stderr, "fuzz-qgraph: format %d: raw C1 control at %zu\n", fmt, i);
            abort();
        }
        if (fmt == OPINFO_FORMAT_JUNIT && c == 0xef && u[i + 1] == 0xbf &&
            (u[i + 2] == 0xbe || u[i + 2] == 0xbf)) {
            fprintf(stderr, "fuzz-qgraph: junit: U+FFFE/U+FFFF at %zu\n", i);
            abort();
        }
    }
    if (fmt == OPINFO_FORMAT_JSON || fmt == OPINFO_FORMAT_SARIF) {
        json_error_t je;
        json_t *back = json_loads(text, 0, &je);
        if (!back) {
            fprintf(stderr, "fuzz-qgraph: format %d does not parse back: %d:%d: %s\n", fmt,
                    je.line, je.column, je.text);
            abort();
        }
        json_decref(back);
    }
    if (fmt == OPINFO_FORMAT_TEXT && newlines != ndiags + nfixes) {
        fprintf(stderr, "fuzz-qgraph: text: %zu lines for %zu diagnostics and %zu fixes\n",
                newlines, ndiags, nfixes);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    runs++;
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g = NULL;
    if (opinfo_qgraph_parse("fuzz.qgraph.json", (const char *)data, size, 0, &g, &e) != OPINFO_OK)
        return 0;
    /* a configuration per input, the same every time the input is run */
    unsigned h = 0;
    for (size_t i = 0; i < size; i++)
        h = h * 31u + data[i];
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        for (int with_plugins = 0; with_plugins < 2; with_plugins++) {
            opinfo_check_options o;
            memset(&o, 0, sizeof o);
            o.size = sizeof o;
            o.backend = targets[t].backend;
            o.soc = targets[t].soc;
            o.flags = ((h >> t) & 1 ? OPINFO_CHECK_WARN : 0) |
                      (with_plugins ? 0 : OPINFO_CHECK_NO_PLUGINS);
            o.plugins = with_plugins ? plugins : NULL;
            opinfo_report *r = opinfo_report_new();
            if (!r)
                abort();
            opinfo_error_init(&e);
            if (opinfo_check(db, g, &o, r, &e) == OPINFO_OK && with_plugins) {
                size_t nd = opinfo_report_count(r), nf = 0;
                for (size_t k = 0; k < nd; k++)
                    nf += opinfo_report_get(r, k)->fix != NULL;
                for (int f = OPINFO_FORMAT_TEXT; f <= OPINFO_FORMAT_JUNIT; f++) {
                    char *text = NULL;
                    opinfo_error_init(&e);
                    if (opinfo_report_write(r, (opinfo_format)f, &text, &e) == OPINFO_OK) {
                        report_invariants(text, f, nd, nf);
                        free(text);
                    }
                }
            }
            opinfo_report_free(r);
        }
        size_t nc = 0;
        while (targets[t].configs[nc])
            nc++;
        const char *config = targets[t].configs[h % nc];
        char *text = NULL;
        opinfo_error_init(&e);
        if (opinfo_annotate(db, plugins, g, targets[t].backend, targets[t].soc, NULL, config,
                            &text, &e) == OPINFO_OK) {
            /* the annotated graph is a qgraph again */
            opinfo_qgraph *a = NULL;
            opinfo_error_init(&e);
            if (opinfo_qgraph_parse("annotated.qgraph.json", text, strlen(text), 0, &a, &e) !=
                OPINFO_OK) {
                fprintf(stderr, "fuzz-qgraph: %s %s annotation does not read back: %s:%d:%d: %s\n",
                        targets[t].backend, config, e.source, e.line, e.column,
                        e.text);
                abort();
            }
            opinfo_qgraph_free(a);
            free(text);
        }
    }
    opinfo_qgraph_free(g);
    return 0;
}
