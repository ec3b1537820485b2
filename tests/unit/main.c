/* The unit-test runner: every group, or those matching argv[1] (a cmocka test filter such as
 * "*alias*"). CMOCKA_MESSAGE_OUTPUT=XML gives JUnit output for CI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"

const char *t_srcdir(void)
{
    const char *s = getenv("OPINFO_TEST_SRCDIR");
    return s && *s ? s : ".";
}

const char *t_builddir(void)
{
    const char *s = getenv("OPINFO_TEST_BUILDDIR");
    return s && *s ? s : "build";
}

const char *t_src(const char *rel)
{
    static char bufs[4][4096];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", t_srcdir(), rel);
    return b;
}

const char *t_scratch(const char *name)
{
    static char bufs[4][4096];
    static int k;
    char *b = bufs[k++ & 3];
    char dir[2048];
    snprintf(dir, sizeof dir, "%s/scratch", t_builddir());
    mkdir(dir, 0755);
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    char side[4200];
    unlink(b);
    snprintf(side, sizeof side, "%s-wal", b);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", b);
    unlink(side);
    return b;
}

int t_setup_default_db(void **state)
{
    opinfo_db *db = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        print_error("%s: %s\n", e.source, e.text);
        return -1;
    }
    *state = db;
    return 0;
}

int t_teardown_db(void **state)
{
    opinfo_db_close(*state);
    return 0;
}

opinfo_db *t_new_db(const char *path)
{
    opinfo_db *db = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    int rc = opinfo_db_open(path, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db, &e);
    assert_opinfo_ok(rc, &e);
    return db;
}

char *t_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return s;
}

char *t_db_digest(const char *path)
{
    static const char *const tables[] = {"backend", "release", "arch", "soc", "op", "op_alias",
                                         "op_port", "variant", "variant_port", "variant_rule"};
    sqlite3 *sq;
    assert_int_equal(sqlite3_open_v2(path, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char *out = calloc(1, 1024);
    assert_non_null(out);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        sqlite3_stmt *st;
        snprintf(sql, sizeof sql, "SELECT count(*), coalesce(max(id), 0) FROM %s", tables[i]);
        assert_int_equal(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        size_t l = strlen(out);
        snprintf(out + l, 1024 - l, "%s=%d/%d ", tables[i], sqlite3_column_int(st, 0),
                 sqlite3_column_int(st, 1));
        sqlite3_finalize(st);
    }
    sqlite3_close(sq);
    return out;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    int failed = 0;
    failed += test_core();
    failed += test_schema();
    failed += test_import();
    failed += test_query();
    failed += test_concurrency();
    failed += test_validator();
    failed += test_loader();
    failed += test_kernels();
    failed += test_overrides();
    failed += test_onnx();
    failed += test_filter();
    return failed ? 1 : 0;
}
