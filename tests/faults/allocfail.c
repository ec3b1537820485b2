/*
 * Allocation-failure injection: every allocation of an operation fails once, in turn.
 *
 * The program links the static library with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc:
 * every allocation libopinfo makes itself goes through the counters below, and so do jansson's
 * (json_set_alloc_funcs) and SQLite's (SQLITE_CONFIG_MALLOC). An operation is first run once
 * to count its allocations, N; then for every k in 1..N it runs with the k-th allocation failing.
 * Each run must end in OPINFO_OK (the failure was absorbed) or a clean error, never a crash;
 * leaks are caught by the sanitizer build and valgrind, which run this program in make check.
 * The import must also leave the database exactly as it was or exactly with the new release:
 * never half-written.
 *
 * usage: allocfail [STRIDE]   (test every STRIDE-th k; default 1)
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opinfo.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static long counting = 0; /* 1 while an operation runs */
static long count, fail_at, failed;

static int should_fail(void)
{
    if (!counting)
        return 0;
    count++;
    if (count == fail_at) {
        failed = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n)
{
    return n && should_fail() ? NULL : __real_realloc(p, n);
}

/* jansson and SQLite allocate through the same counters */
static void *j_malloc(size_t n) { return __wrap_malloc(n); }
static void j_free(void *p) { free(p); }

#define HDR 16
static void *s_malloc(int n)
{
    if (should_fail())
        return NULL;
    char *p = __real_malloc((size_t)n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    return p + HDR;
}
static void s_free(void *p)
{
    if (p)
        free((char *)p - HDR);
}
static int s_size(void *p)
{
    int n;
    memcpy(&n, (char *)p - HDR, sizeof n);
    return n;
}
static void *s_realloc(void *p, int n)
{
    if (!p)
        return s_malloc(n);
    if (should_fail())
        return NULL;
    char *q = __real_realloc((char *)p - HDR, (size_t)n + HDR);
    if (!q)
        return NULL;
    memcpy(q, &n, sizeof n);
    return q + HDR;
}
static int s_roundup(int n) { return (n + 7) & ~7; }
static int s_init(void *x)
{
    (void)x;
    return SQLITE_OK;
}
static void s_shutdown(void *x) { (void)x; }

static const char *src, *build, *dbpath;
/* what an operation produced (a report, fixed overrides), to compare a run that absorbed its
 * failure with the run that had none: an absorbed failure must not change the result */
static char result[1 << 16];
static opinfo_error_t last_err;
static char path_buf[4096];

static const char *at(const char *dir, const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, rel);
    return path_buf;
}

/* ---- the operations: each returns its status; all memory is released on every path ---------- */

static int op_validate(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    opinfo_qgraph *g = NULL;
    opinfo_report *r = NULL;
    int rc = opinfo_db_open(dbpath, OPINFO_DB_READONLY, &db, &e);
    char qg[4096];
    snprintf(qg, sizeof qg, "%s/examples/cnn-8a8w.qgraph.json", src);
    if (rc == OPINFO_OK)
        rc = opinfo_qgraph_load(qg, 0, &g, &e);
    if (rc == OPINFO_OK && !(r = opinfo_report_new()))
        rc = OPINFO_ENOMEM;
    if (rc == OPINFO_OK) {
        opinfo_check_options o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.backend = "qnn-htp";
        o.soc = "SM8350"; /* v68: LPBQ and 16-bit MatMul inputs are refused: diagnostics */
        rc = opinfo_check(db, g, &o, r, &e);
    }
    result[0] = '\0';
    for (int f = OPINFO_FORMAT_TEXT; rc == OPINFO_OK && f <= OPINFO_FORMAT_JUNIT; f++) {
        char *out = NULL;
        rc = opinfo_report_write(r, (opinfo_format)f, &out, &e);
        if (f == OPINFO_FORMAT_TEXT && out)
            snprintf(result, sizeof result, "%s", out);
        free(out);
    }
    last_err = e;
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
    opinfo_db_close(db);
    return rc;
}

/* the same, checked while it is read (opinfo_check_file), written in every format */
static int op_validate_while_read(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    opinfo_qgraph *g = NULL, *live = NULL;
    opinfo_report *r = NULL;
    int rc = opinfo_db_open(dbpath, OPINFO_DB_READONLY, &db, &e);
    char qg[4096];
    /* the file op_validate reads: on llm-block-16a8w.qgraph.json an allocation failing inside
     * jansson 2.14's lexer (the 834th here) makes json_loadb itself read and write past a buffer
     * it allocated (valgrind), which no caller can guard against */
    snprintf(qg, sizeof qg, "%s/examples/cnn-8a8w.qgraph.json", src);
    if (rc == OPINFO_OK && !(r = opinfo_report_new()))
        rc = OPINFO_ENOMEM;
    if (rc == OPINFO_OK) {
        opinfo_check_options o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.backend = "qnn-htp";
        o.soc = "SM8350";
        rc = opinfo_check_file(db, qg, &o, r, &live, &g, &e);
    }
    result[0] = '\0';
    for (int f = OPINFO_FORMAT_TEXT; rc == OPINFO_OK && f <= OPINFO_FORMAT_JSONL; f++) {
        char *out = NULL;
        rc = opinfo_report_write(r, (opinfo_format)f, &out, &e);
        if (f == OPINFO_FORMAT_TEXT && out)
            snprintf(result, sizeof result, "%s", out);
        free(out);
    }
    last_err = e;
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
    opinfo_db_close(db);
    return rc;
}

/* an ONNX model with external data, read by the ONNX reader (protobuf-c allocates through it) */
static int op_onnx(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    opinfo_qgraph *g = NULL;
    opinfo_report *r = NULL;
    int rc = opinfo_db_open(dbpath, OPINFO_DB_READONLY, &db, &e);
    char m[4096];
    snprintf(m, sizeof m, "%s/tests/cli/onnx/ext/model.onnx", src);
    if (rc == OPINFO_OK)
        rc = opinfo_graph_load(m, 0, &g, &e);
    if (rc == OPINFO_OK && !(r = opinfo_report_new()))
        rc = OPINFO_ENOMEM;
    if (rc == OPINFO_OK) {
        opinfo_check_options o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.backend = "xnnpack"; /* diagnostics, each with the node's index */
        rc = opinfo_check(db, g, &o, r, &e);
    }
    result[0] = '\0';
    char *out = NULL;
    if (rc == OPINFO_OK)
        rc = opinfo_report_write(r, OPINFO_FORMAT_TEXT, &out, &e);
    if (out)
        snprintf(result, sizeof result, "%s", out);
    free(out);
    last_err = e;
    opinfo_report_free(r);
    opinfo_qgraph_free(g);
    opinfo_db_close(db);
    return rc;
}

static char scratch_db[4096];

static int op_import(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    int rc = opinfo_db_open(scratch_db, OPINFO_DB_WRITE, &db, &e);
    result[0] = '\0';
    char data[4096];
    snprintf(data, sizeof data, "%s/tests/bad-inputs/constraints/ok-minimal.json", src);
    const char *files[1] = {data};
    if (rc == OPINFO_OK)
        rc = opinfo_db_import_files(db, files, 1, NULL, NULL, &e);
    last_err = e;
    opinfo_db_close(db);
    return rc;
}

/* A BackendOpInfo dump converted and imported (db/backendopinfo.c) */
static int op_backendopinfo(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    int rc = opinfo_db_open(scratch_db, OPINFO_DB_WRITE, &db, &e);
    result[0] = '\0';
    char data[4096];
    snprintf(data, sizeof data, "%s/tests/backendopinfo/small-fbgemm.json", src);
    if (rc == OPINFO_OK)
        rc = opinfo_db_import_backendopinfo(db, data, "9.9", 1, NULL, NULL, &e);
    last_err = e;
    opinfo_db_close(db);
    return rc;
}

static int op_plugins(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_plugins *p = NULL;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/lib/opinfo/plugins", build);
    const char *dirs[1] = {dir};
    int rc = opinfo_plugins_open(dirs, 1, OPINFO_PLUGINS_ONLY_GIVEN, &p, &e);
    const struct opinfo_plugin *pl = NULL;
    if (rc == OPINFO_OK)
        rc = opinfo_plugins_get(p, "xnnpack", &pl, &e);
    result[0] = '\0';
    last_err = e;
    opinfo_plugins_close(p);
    return rc;
}

static int op_overrides(void)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL;
    opinfo_qgraph *g = NULL;
    opinfo_overrides *ov = NULL, *fixed = NULL;
    opinfo_report *r = NULL;
    char qg[4096], ovp[4096];
    snprintf(qg, sizeof qg, "%s/tests/overrides/fix/ort-example.qgraph.json", src);
    snprintf(ovp, sizeof ovp, "%s/tests/overrides/fix/ort-example.init.json", src);
    int rc = opinfo_db_open(dbpath, OPINFO_DB_READONLY, &db, &e);
    if (rc == OPINFO_OK)
        rc = opinfo_qgraph_load(qg, 0, &g, &e);
    if (rc == OPINFO_OK)
        rc = opinfo_overrides_load(ovp, &ov, &e);
    if (rc == OPINFO_OK && !(r = opinfo_report_new()))
        rc = OPINFO_ENOMEM;
    opinfo_overrides_options o;
    opinfo_overrides_options_init(&o);
    o.backend = "qnn-htp";
    o.soc = "SM8650";
    if (rc == OPINFO_OK)
        rc = opinfo_overrides_fix(db, g, ov, &o, &fixed, r, &e);
    result[0] = '\0';
    if (rc == OPINFO_OK && fixed) {
        char *text = NULL;
        rc = opinfo_overrides_write(fixed, &text, &e);
        if (text)
            snprintf(result, sizeof result, "%s", text);
        free(text);
    }
    if (rc == OPINFO_OK && !fixed)
        rc = OPINFO_EINPUT; /* the example has a clean fix: none is a failure */
    last_err = e;
    opinfo_report_free(r);
    opinfo_overrides_free(fixed);
    opinfo_overrides_free(ov);
    opinfo_qgraph_free(g);
    opinfo_db_close(db);
    return rc;
}

/* What the scratch database holds: its releases, one string. */
static int releases_row(int n, const char *const *c, void *ud)
{
    char *s = ud;
    for (int i = 0; i < 2 && i < n; i++) {
        strncat(s, c[i] ? c[i] : "-", 1000 - strlen(s));
        strncat(s, " ", 1000 - strlen(s));
    }
    return 0;
}

static int db_state(char *out)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db;
    out[0] = '\0';
    if (opinfo_db_open(scratch_db, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK)
        return -1;
    int rc = opinfo_db_list(db, OPINFO_LIST_RELEASES, NULL, NULL, releases_row, out, &e);
    opinfo_db_close(db);
    if (rc)
        return -1;
    sqlite3 *sq;
    int ok = 0;
    if (sqlite3_open_v2(scratch_db, &sq, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(sq, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
        sqlite3_finalize(st);
    }
    sqlite3_close(sq);
    return ok ? 0 : -1;
}

static char template_db[4200];

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* The scratch database as the test starts every run: one release (fbgemm 1.13) committed. */
static int fresh_scratch(void)
{
    static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
    for (int i = 0; i < 4; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", scratch_db, sfx[i]);
        unlink(p);
    }
    if (template_db[0])
        return copy_file(template_db, scratch_db) == 0 ? OPINFO_OK : OPINFO_EIO;
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_db *db = NULL; /* untouched when the open fails */
    char data[4096];
    snprintf(data, sizeof data, "%s/db/data/fbgemm/1.13.json", src);
    const char *files[1] = {data};
    int rc = opinfo_db_open(scratch_db, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db, &e);
    if (rc == OPINFO_OK)
        rc = opinfo_db_import_files(db, files, 1, NULL, NULL, &e);
    opinfo_db_close(db);
    if (rc == OPINFO_OK) {
        snprintf(template_db, sizeof template_db, "%s.template", scratch_db);
        if (copy_file(scratch_db, template_db) != 0)
            return OPINFO_EIO;
    }
    return rc;
}

static int run(const char *name, int (*op)(void), int is_import, long stride)
{
    const char *only = getenv("ALLOCFAIL_ONLY"); /* one operation, when chasing a finding */
    if (only && strcmp(only, name) != 0)
        return 0;
    char before[1024], after[1024], full[1024] = "";
    if (is_import) {
        if (fresh_scratch() != OPINFO_OK || db_state(before) != 0) {
            fprintf(stderr, "allocfail: cannot prepare %s\n", scratch_db);
            return 1;
        }
        /* the state a successful import leaves */
        counting = 1;
        count = 0;
        fail_at = -1;
        int rc = op();
        counting = 0;
        if (rc != OPINFO_OK || db_state(full) != 0) {
            fprintf(stderr, "allocfail: %s does not succeed without failures (%d)\n", name, rc);
            return 1;
        }
    }
    if (is_import && fresh_scratch() != OPINFO_OK)
        return 1;
    counting = 1;
    count = 0;
    fail_at = -1;
    int rc0 = op();
    counting = 0;
    long n = count;
    static char want[sizeof result];
    memcpy(want, result, sizeof want);
    if (rc0 != OPINFO_OK) {
        fprintf(stderr, "allocfail: %s fails without injected failures (%d)\n", name, rc0);
        return 1;
    }
    printf("allocfail: %s makes %ld allocations\n", name, n);
    fflush(stdout);
    if (getenv("ALLOCFAIL_COUNT_ONLY"))
        return 0;
    long tried = 0, errors = 0, absorbed = 0, bad = 0;
    const char *from = getenv("ALLOCFAIL_FROM"); /* the first failing allocation, when chasing */
    for (long k = from ? atol(from) : 1; k <= n; k += stride) {
        if (is_import && fresh_scratch() != OPINFO_OK)
            return 1;
        counting = 1;
        count = 0;
        failed = 0;
        fail_at = k;
        int rc = op();
        counting = 0;
        tried++;
        if (rc == OPINFO_OK)
            absorbed++;
        else
            errors++;
        /* out of memory must say so (ENOMEM), or be SQLite's own failure (EDB, "out of
         * memory" in the text) */
        if (rc != OPINFO_OK && rc != OPINFO_ENOMEM &&
            !(rc == OPINFO_EDB && strstr(last_err.text, "out of memory"))) {
            fprintf(stderr, "allocfail: %s, allocation %ld failing: %s: %s\n", name, k,
                    opinfo_err_name(rc), last_err.text);
            bad++;
        }
        if (rc == OPINFO_OK && strcmp(result, want) != 0) {
            fprintf(stderr, "allocfail: %s, allocation %ld failing: absorbed, but the result "
                            "differs\n", name, k);
            if (getenv("ALLOCFAIL_SHOW"))
                fprintf(stderr, "--- want\n%.600s\n--- got\n%.600s\n", want, result);
            bad++;
        }
        if (is_import) {
            if (db_state(after) != 0) {
                fprintf(stderr, "allocfail: import, allocation %ld failing: the database does "
                                "not open or is damaged\n", k);
                bad++;
            } else if (strcmp(after, rc == OPINFO_OK ? full : before) != 0) {
                fprintf(stderr, "allocfail: import, allocation %ld failing (%s): the database "
                                "holds \"%s\", not \"%s\"\n",
                        k, opinfo_err_name(rc), after, rc == OPINFO_OK ? full : before);
                bad++;
            }
        }
    }
    printf("allocfail: %-10s %6ld allocations, %6ld runs: %ld clean errors, %ld absorbed, %ld "
           "bad\n", name, n, tried, errors, absorbed, bad);
    fflush(stdout);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    long stride = argc > 1 ? atol(argv[1]) : 1;
    if (stride < 1)
        stride = 1;
    src = getenv("OPINFO_TEST_SRCDIR");
    build = getenv("OPINFO_TEST_BUILDDIR");
    dbpath = getenv("OPINFO_DB");
    if (!src || !build || !dbpath) {
        fprintf(stderr, "allocfail: set OPINFO_TEST_SRCDIR, OPINFO_TEST_BUILDDIR and OPINFO_DB\n");
        return 2;
    }
    static const sqlite3_mem_methods mem = {s_malloc, s_free,     s_realloc, s_size,
                                            s_roundup, s_init, s_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) != SQLITE_OK) {
        fprintf(stderr, "allocfail: SQLite refuses the allocator\n");
        return 2;
    }
    json_set_alloc_funcs(j_malloc, j_free);
    snprintf(scratch_db, sizeof scratch_db, "%s", at(build, "scratch/allocfail.db"));
    int fail = 0;
    if (fresh_scratch() != OPINFO_OK) {
        fprintf(stderr, "allocfail: cannot make %s\n", scratch_db);
        return 2;
    }
    fail |= run("validate", op_validate, 0, stride);
    fail |= run("validate while reading", op_validate_while_read, 0, stride);
    fail |= run("import", op_import, 1, stride);
    /* each run exports the base release and imports the converted one (25,000 allocations):
     * every 13th allocation fails, the others are the import's and the export's own runs */
    fail |= run("backendopinfo", op_backendopinfo, 1, stride < 13 ? 13 : stride);
    fail |= run("plugins", op_plugins, 0, stride);
    fail |= run("overrides", op_overrides, 0, stride);
    fail |= run("onnx", op_onnx, 0, stride);
    unlink(template_db);
    return fail;
}
