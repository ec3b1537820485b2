/* Fuzz target: the constraint-data importer (docs/constraint-format.md). Each input is imported
 * into a fresh in-memory database. A refused import must leave no release behind; an accepted
 * one must export to a document that imports again and exports identically (the export's
 * promise), and every op of it must explain. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 16

typedef struct {
    size_t n;
    char *a[MAX_ROWS], *b[MAX_ROWS], *c[MAX_ROWS]; /* per row: columns 0, 1 and 2 */
} rows;

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static int collect(int ncols, const char *const *cols, void *ud)
{
    rows *r = ud;
    if (r->n == MAX_ROWS)
        return 1;
    r->a[r->n] = dup_or_null(ncols > 0 ? cols[0] : NULL);
    r->b[r->n] = dup_or_null(ncols > 1 ? cols[1] : NULL);
    r->c[r->n] = dup_or_null(ncols > 2 ? cols[2] : NULL);
    r->n++;
    return 0;
}

static void rows_free(rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->a[i]);
        free(r->b[i]);
        free(r->c[i]);
    }
    r->n = 0;
}

static void fail(const char *what, const opinfo_error_t *e)
{
    fprintf(stderr, "fuzz-constraints: %s: %s:%d:%d: %s\n", what, e->source, e->line, e->column,
            e->text);
    abort();
}

static opinfo_db *fresh(void)
{
    opinfo_db *db = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(":memory:", OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db, &e) != OPINFO_OK)
        fail("creating an in-memory database", &e);
    return db;
}

static void list(opinfo_db *db, opinfo_list_kind kind, const char *backend, const char *release,
                 rows *r)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_list(db, kind, backend, release, collect, r, &e) != OPINFO_OK)
        fail("listing", &e);
}

static char *export_release(opinfo_db *db, const char *backend, const char *release)
{
    char *text = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_export(db, backend, release, &text, &e) != OPINFO_OK)
        fail("exporting an imported release", &e);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    opinfo_db *db = fresh();
    opinfo_error_t e;
    opinfo_error_init(&e);
    int rc = opinfo_db_import_buffer(db, "fuzz.json", (const char *)data, size, NULL, NULL, &e);
    rows rel = {0};
    list(db, OPINFO_LIST_RELEASES, NULL, NULL, &rel);
    if (rc != OPINFO_OK) {
        if (rel.n) {
            fprintf(stderr, "fuzz-constraints: a refused import (%s) left release %s %s\n",
                    e.text, rel.a[0], rel.b[0]);
            abort();
        }
        rows_free(&rel);
        opinfo_db_close(db);
        return 0;
    }
    for (size_t i = 0; i < rel.n; i++) {
        const char *backend = rel.a[i], *release = rel.b[i];
        char *text = export_release(db, backend, release);
        opinfo_db *db2 = fresh();
        opinfo_error_init(&e);
        if (opinfo_db_import_buffer(db2, "exported.json", text, strlen(text), NULL, NULL, &e) !=
            OPINFO_OK) {
            fprintf(stderr, "%s\n", text);
            fail("the export does not import again", &e);
        }
        char *again = export_release(db2, backend, release);
        if (strcmp(text, again) != 0) {
            fprintf(stderr, "fuzz-constraints: export changed on re-import:\n%s\n----\n%s\n", text,
                    again);
            abort();
        }
        free(again);
        free(text);
        opinfo_db_close(db2);

        rows ops = {0};
        list(db, OPINFO_LIST_OPS, backend, release, &ops);
        rows socs = {0};
        list(db, OPINFO_LIST_SOCS, backend, release, &socs);
        for (size_t k = 0; k < ops.n; k++) {
            const char *soc = socs.n ? socs.c[k % socs.n] : NULL;
            char *ex = NULL;
            opinfo_error_init(&e);
            if (opinfo_db_explain(db, backend, release, soc, ops.c[k], &ex, &e) != OPINFO_OK)
                fail("explaining an imported op", &e);
            free(ex);
        }
        rows_free(&socs);
        rows_free(&ops);
    }
    rows_free(&rel);
    opinfo_db_close(db);
    return 0;
}
