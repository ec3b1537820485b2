/* Fuzz target: the ONNX reader (opinfo_onnx_parse: protobuf-c, then the qgraph it makes), and
 * the check of what it accepts on qnn-htp with the report in every format, which must name the
 * model's node indexes, never a line. The qgraph text the reader makes of an accepted model must
 * itself read as a qgraph.
 *
 * The database is the default one ($OPINFO_DB, else share/opinfo/opinfo.db beside the program's
 * prefix); `make fuzz` and `make test` set it. External data is refused (no directory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static opinfo_db *db;
static unsigned long runs;

static void teardown(void)
{
    opinfo_db_close(db);
    db = NULL;
}

static void setup(void)
{
    if (!db)
        atexit(teardown);
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (db && runs % 4096 == 0) { /* the op cache grows with every unknown op name */
        opinfo_db_close(db);
        db = NULL;
    }
    if (!db && opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-onnx: opening the default database: %s\n", e.text);
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
    int rc = opinfo_onnx_parse("fuzz.onnx", data, size, NULL, 0, &g, &e);
    if (rc != OPINFO_OK) {
        if (rc != OPINFO_EINPUT && rc != OPINFO_ENOMEM) {
            fprintf(stderr, "fuzz-onnx: refused with code %d: %s\n", rc, e.text);
            abort();
        }
        if (e.line != 0) { /* a binary file has no lines */
            fprintf(stderr, "fuzz-onnx: an error at line %d: %s\n", e.line, e.text);
            abort();
        }
        return 0;
    }
    char *json = NULL;
    opinfo_error_init(&e);
    if (opinfo_onnx_qgraph("fuzz.onnx", data, size, NULL, 0, &json, &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-onnx: parsed once, refused the second time: %s\n", e.text);
        abort();
    }
    opinfo_qgraph *again = NULL;
    opinfo_error_init(&e);
    if (opinfo_qgraph_parse("fuzz.qgraph.json", json, strlen(json), 0, &again, &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-onnx: the reader's qgraph does not read back: %s\n", e.text);
        abort();
    }
    opinfo_qgraph_free(again);
    free(json);
    opinfo_check_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.backend = "qnn-htp";
    o.soc = size % 2 ? "SM8350" : "SM8650";
    /* the database's checks of what the reader made; the qgraph target covers the plugins with
     * one handle kept open (plugins opened and closed per input would take their coverage
     * counters away from libFuzzer mid-run) */
    o.flags = OPINFO_CHECK_NO_PLUGINS;
    opinfo_report *r = opinfo_report_new();
    if (!r)
        abort();
    opinfo_error_init(&e);
    if (opinfo_check(db, g, &o, r, &e) == OPINFO_OK) {
        for (size_t i = 0; i < opinfo_report_count(r); i++) {
            const opinfo_diag *d = opinfo_report_get(r, i);
            if (d->line != 0 || d->node_index < 0) {
                fprintf(stderr, "fuzz-onnx: diagnostic at line %d, node index %ld\n", d->line,
                        d->node_index);
                abort();
            }
        }
        for (int f = OPINFO_FORMAT_TEXT; f <= OPINFO_FORMAT_JUNIT; f++) {
            char *text = NULL;
            opinfo_error_init(&e);
            if (opinfo_report_write(r, (opinfo_format)f, &text, &e) == OPINFO_OK)
                free(text);
        }
    }
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
    return 0;
}
