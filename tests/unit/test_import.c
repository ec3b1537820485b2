/* Import: the shipped data, round trips, malformed files, atomicity, SQL safety. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *const data_files[] = {
    "db/data/qnn-htp/2.41.json",
    "db/data/qnn-htp/2.44.json",
    "db/data/xnnpack/1.13.json",
    "db/data/fbgemm/1.13.json",
};

static int count_cb(const opinfo_error_t *e, void *ud)
{
    (void)e;
    ++*(int *)ud;
    return 0;
}

static void every_data_file_imports(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof data_files / sizeof data_files[0]; i++) {
        const char *path = t_scratch("each.db");
        opinfo_db *db = t_new_db(path);
        opinfo_error_t e;
        opinfo_error_init(&e);
        int reports = 0;
        const char *f = t_src(data_files[i]);
        assert_opinfo_ok(opinfo_db_import_files(db, &f, 1, count_cb, &reports, &e), &e);
        assert_int_equal(reports, 0);
        opinfo_db_close(db);
    }
}

/* export(import(file)) re-imports into a fresh database and exports byte-identically. */
static void export_import_round_trip_is_identical(void **state)
{
    (void)state;
    static const char *const releases[][2] = {
        {"qnn-htp", "2.41"}, {"qnn-htp", "2.44"}, {"xnnpack", "1.13"}, {"fbgemm", "1.13"}};
    for (size_t i = 0; i < 4; i++) {
        const char *p1 = t_scratch("rt1.db");
        opinfo_db *db = t_new_db(p1);
        opinfo_error_t e;
        opinfo_error_init(&e);
        const char *f = t_src(data_files[i]);
        assert_opinfo_ok(opinfo_db_import_files(db, &f, 1, NULL, NULL, &e), &e);
        char *first = NULL;
        assert_opinfo_ok(opinfo_db_export(db, releases[i][0], releases[i][1], &first, &e), &e);
        opinfo_db_close(db);

        const char *p2 = t_scratch("rt2.db");
        db = t_new_db(p2);
        assert_opinfo_ok(opinfo_db_import_buffer(db, "export", first, strlen(first), NULL, NULL,
                                                 &e),
                         &e);
        char *second = NULL;
        assert_opinfo_ok(opinfo_db_export(db, releases[i][0], NULL, &second, &e), &e);
        opinfo_db_close(db);
        assert_string_equal(first, second);
        free(first);
        free(second);
        char *d1 = t_db_digest(p1), *d2 = t_db_digest(p2);
        assert_string_equal(d1, d2);
        free(d1);
        free(d2);
    }
}

/* Every tests/bad-inputs/constraints/NN-*.json is rejected with a position, and nothing is written. */
static void malformed_files_are_rejected_and_nothing_changes(void **state)
{
    (void)state;
    const char *path = t_scratch("bad.db");
    opinfo_db *db = t_new_db(path);
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *seed = t_src("db/data/xnnpack/1.13.json");
    assert_opinfo_ok(opinfo_db_import_files(db, &seed, 1, NULL, NULL, &e), &e);
    char *before = t_db_digest(path);
    DIR *d = opendir(t_src("tests/bad-inputs/constraints"));
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || !strstr(de->d_name, ".json"))
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "tests/bad-inputs/constraints/%s", de->d_name);
        const char *f = t_src(rel);
        opinfo_error_init(&e);
        int reports = 0;
        int rc = opinfo_db_import_files(db, &f, 1, count_cb, &reports, &e);
        if (rc != OPINFO_EINPUT && rc != OPINFO_EPARSE)
            fail_msg("%s: expected EINPUT or EPARSE, got %s", de->d_name, opinfo_err_name(rc));
        if (e.line < 1 || e.column < 1)
            fail_msg("%s: error without a position: %s", de->d_name, e.text);
        assert_string_equal(e.source, f);
        assert_true(reports >= 1);
        n++;
    }
    closedir(d);
    assert_true(n >= 25);
    opinfo_db_close(db);
    char *after = t_db_digest(path);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void the_minimal_fixture_is_valid(void **state)
{
    (void)state;
    opinfo_db *db = t_new_db(t_scratch("ok.db"));
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *f = t_src("tests/bad-inputs/constraints/ok-minimal.json");
    assert_opinfo_ok(opinfo_db_check_files(db, &f, 1, NULL, NULL, &e), &e);
    assert_opinfo_ok(opinfo_db_import_files(db, &f, 1, NULL, NULL, &e), &e);
    opinfo_db_close(db);
}

/* Several files import all or nothing; a duplicate release is refused at its position. */
static void a_batch_is_one_transaction(void **state)
{
    (void)state;
    const char *path = t_scratch("batch.db");
    opinfo_db *db = t_new_db(path);
    char *empty = t_db_digest(path);
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *files[2] = {t_src("tests/bad-inputs/constraints/ok-minimal.json"),
                            t_src("tests/bad-inputs/constraints/22-unknown-dtype.json")};
    assert_int_equal(opinfo_db_import_files(db, files, 2, NULL, NULL, &e), OPINFO_EINPUT);
    char *after = t_db_digest(path);
    assert_string_equal(empty, after);
    free(after);
    /* the same release twice in one batch */
    const char *twice[2] = {files[0], files[0]};
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_import_files(db, twice, 2, NULL, NULL, &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "imported twice in this batch"));
    after = t_db_digest(path);
    assert_string_equal(empty, after);
    free(after);
    /* once, then again: the second is a duplicate release */
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_import_files(db, files, 1, NULL, NULL, &e), &e);
    char *one = t_db_digest(path);
    assert_int_equal(opinfo_db_import_files(db, files, 1, NULL, NULL, &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "release testbe 1.0 is already in the database"));
    assert_int_equal(e.line, 6); /* at "version" */
    after = t_db_digest(path);
    assert_string_equal(one, after);
    free(one);
    free(after);
    free(empty);
    opinfo_db_close(db);
}

/* ok-minimal.json at another release version. */
static int import_version(opinfo_db *db, const char *version, opinfo_error_t *e)
{
    char *text = t_slurp(t_src("tests/bad-inputs/constraints/ok-minimal.json"), NULL);
    assert_non_null(text);
    const char *at = strstr(text, "\"version\": \"1.0\"");
    assert_non_null(at);
    size_t n = strlen(text) + 64;
    char *doc = malloc(n);
    assert_non_null(doc);
    snprintf(doc, n, "%.*s\"version\": \"%s\"%s", (int)(at - text), text, version,
             at + strlen("\"version\": \"1.0\""));
    opinfo_error_init(e);
    int rc = opinfo_db_import_buffer(db, version, doc, strlen(doc), NULL, NULL, e);
    free(doc);
    free(text);
    return rc;
}

/* Pre-releases sort before their release (Debian's '~', and '-' read as '~'), whatever the
 * import order; versions equal in that order are one release. */
static void prereleases_never_become_the_default(void **state)
{
    (void)state;
    static const char *const orders[][3] = {
        {"2.0", "2.0-rc1", "1.9"}, {"2.0-rc1", "2.0", "1.9"}, {"2.0~rc1", "2.0", "1.9"},
        {"2.0", "2.0~rc1", "2.0~beta"}, {"1.9", "2.0~rc2", "2.0"}};
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        opinfo_db *db = t_new_db(t_scratch("pre.db"));
        opinfo_error_t e;
        for (int k = 0; k < 3; k++)
            assert_opinfo_ok(import_version(db, orders[i][k], &e), &e);
        const char *latest = NULL;
        opinfo_error_init(&e);
        assert_opinfo_ok(opinfo_db_latest_release(db, "testbe", &latest, &e), &e);
        assert_string_equal(latest, "2.0");
        opinfo_db_close(db);
    }
    opinfo_db *db = t_new_db(t_scratch("pre.db"));
    opinfo_error_t e;
    assert_opinfo_ok(import_version(db, "2.0", &e), &e);
    assert_int_equal(import_version(db, "2.00", &e), OPINFO_EINPUT);
    assert_string_equal(e.text, "release testbe 2.00 is already in the database (as 2.0, an "
                                "equal version); releases are immutable, give the new data a "
                                "new version");
    assert_int_equal(e.line, 6); /* at "version" */
    assert_int_equal(e.column, 16);
    assert_opinfo_ok(import_version(db, "2.0-rc1", &e), &e);
    assert_int_equal(import_version(db, "2.0~rc1", &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "(as 2.0-rc1, an equal version)"));
    opinfo_db_close(db);
}

static void read_only_handles_do_not_import(void **state)
{
    (void)state;
    const char *path = t_scratch("ro.db");
    opinfo_db_close(t_new_db(path));
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
    const char *f = t_src("tests/bad-inputs/constraints/ok-minimal.json");
    assert_int_equal(opinfo_db_import_files(db, &f, 1, NULL, NULL, &e), OPINFO_EUSAGE);
    opinfo_db_close(db);
}

static void unreadable_and_oversized_input(void **state)
{
    (void)state;
    opinfo_db *db = t_new_db(t_scratch("io.db"));
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *f = t_src("tests/bad-inputs/constraints/does-not-exist.json");
    assert_int_equal(opinfo_db_import_files(db, &f, 1, NULL, NULL, &e), OPINFO_EIO);
    assert_string_equal(e.source, f);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_import_buffer(db, "big", "{}", (size_t)1 << 40, NULL, NULL, &e),
                     OPINFO_EINPUT);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_import_buffer(db, "nul", NULL, 0, NULL, NULL, &e), OPINFO_EUSAGE);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_import_files(db, NULL, 0, NULL, NULL, &e), OPINFO_EUSAGE);
    /* deep nesting is a parse error, not a crash */
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_import_buffer(db, "deep", deep, 2 * n, NULL, NULL, &e),
                     OPINFO_EPARSE);
    free(deep);
    opinfo_db_close(db);
}

/* Quotes and SQL text are data: they go in through bound parameters and come back unchanged. */
static void sql_text_round_trips_as_data(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"opinfo_constraints\": 1, \"backend\": \"sqlsafe\",\n"
        " \"description\": \"it's \\\"quoted\\\"; DROP TABLE op; --\",\n"
        " \"release\": {\"version\": \"1.0\", \"date\": \"2025-01-01\",\n"
        "   \"source\": \"Robert'); DROP TABLE release;--\"},\n"
        " \"archs\": [{\"name\": \"generic\", \"rank\": 0}],\n"
        " \"socs\": [{\"name\": \"S1\", \"arch\": \"generic\",\n"
        "   \"attributes\": {\"note\": \"' OR '1'='1\"}}],\n"
        " \"ops\": [{\"name\": \"Relu\",\n"
        "   \"aliases\": {\"other\": [\"x'); DELETE FROM op_alias; --\", \"\\\"quoted\\\" alias\"]},\n"
        "   \"ports\": [{\"name\": \"input\", \"kind\": \"input\"},\n"
        "             {\"name\": \"output\", \"kind\": \"output\"}],\n"
        "   \"variants\": [{\"name\": \"'; DELETE FROM variant; --\",\n"
        "     \"configs\": [\"a'b\"],\n"
        "     \"ports\": {\"input\": {\"dtype\": \"uint8\", \"notes\": \"%s %d\"},\n"
        "               \"output\": {\"dtype\": \"uint8\", \"shared_with\": \"input\"}}}]}]}\n";
    const char *path = t_scratch("sql.db");
    opinfo_db *db = t_new_db(path);
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_import_buffer(db, "sql.json", doc, strlen(doc), NULL, NULL, &e),
                     &e);
    const opinfo_op *op;
    assert_opinfo_ok(opinfo_db_find_op(db, "sqlsafe", NULL, "x'); DELETE FROM op_alias; --", &op,
                                       &e),
                     &e);
    assert_string_equal(op->name, "Relu");
    assert_string_equal(op->variants[0].name, "'; DELETE FROM variant; --");
    assert_string_equal(op->variants[0].configs, "a'b");
    assert_string_equal(op->variants[0].specs[0].notes, "%s %d");
    assert_opinfo_ok(opinfo_db_find_op(db, "sqlsafe", NULL, "\"quoted\" alias", &op, &e), &e);
    opinfo_soc soc;
    assert_opinfo_ok(opinfo_db_find_soc(db, "sqlsafe", "1.0", "S1", &soc, &e), &e);
    assert_string_equal(soc.attributes, "{\"note\":\"' OR '1'='1\"}");
    /* an alias that looks like SQL matching everything matches nothing */
    assert_int_equal(opinfo_db_find_op(db, "sqlsafe", NULL, "' OR '1'='1", &op, &e),
                     OPINFO_ENOTFOUND);
    char *json = NULL;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_export(db, "sqlsafe", "1.0", &json, &e), &e);
    assert_non_null(strstr(json, "Robert'); DROP TABLE release;--"));
    assert_non_null(strstr(json, "it's \\\"quoted\\\"; DROP TABLE op; --"));
    free(json);
    opinfo_db_close(db);
}

int test_import(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_data_file_imports),
        cmocka_unit_test(export_import_round_trip_is_identical),
        cmocka_unit_test(malformed_files_are_rejected_and_nothing_changes),
        cmocka_unit_test(the_minimal_fixture_is_valid),
        cmocka_unit_test(prereleases_never_become_the_default),
        cmocka_unit_test(a_batch_is_one_transaction),
        cmocka_unit_test(read_only_handles_do_not_import),
        cmocka_unit_test(unreadable_and_oversized_input),
        cmocka_unit_test(sql_text_round_trips_as_data),
    };
    return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
