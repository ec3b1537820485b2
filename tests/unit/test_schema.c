/* Schema versioning: init, identity, migration from every older version, refusals. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../db/db_internal.h"
#include "testutil.h"

static int pragma_int(const char *path, const char *pragma)
{
    sqlite3 *sq;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s", pragma);
    assert_int_equal(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(sq);
    return v;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *sq;
    assert_int_equal(sqlite3_open(path, &sq), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(sq);
}

static void fresh_init_stamps_identity(void **state)
{
    (void)state;
    const char *path = t_scratch("init.db");
    opinfo_db *db = t_new_db(path);
    assert_int_equal(opinfo_db_schema_version(db), OPINFO_DB_SCHEMA_VERSION);
    assert_string_equal(opinfo_db_path(db), path);
    opinfo_db_close(db);
    assert_int_equal(pragma_int(path, "application_id"), (int)OPINFO_DB_APPLICATION_ID);
    assert_int_equal(pragma_int(path, "user_version"), OPINFO_DB_SCHEMA_VERSION);
    /* init is idempotent, and a read-only open of the result works */
    db = t_new_db(path);
    opinfo_db_close(db);
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
    opinfo_db_close(db);
    opinfo_db_close(NULL); /* NULL-tolerant */
}

static void missing_file_is_not_created_by_a_read(void **state)
{
    (void)state;
    const char *path = t_scratch("missing.db");
    opinfo_db *db = (opinfo_db *)0x1;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), OPINFO_EIO);
    assert_ptr_equal(db, (opinfo_db *)0x1); /* out-parameter untouched */
    assert_string_equal(e.source, path);
    assert_non_null(strstr(e.text, "No such file"));
    assert_int_equal(access(path, F_OK), -1);
}

static void empty_file_needs_init(void **state)
{
    (void)state;
    const char *path = t_scratch("empty.db");
    FILE *f = fopen(path, "w");
    fclose(f);
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), OPINFO_EDBEMPTY);
    assert_non_null(strstr(e.text, "opinfo-db init"));
}

static void newer_schema_is_refused_naming_both(void **state)
{
    (void)state;
    const char *path = t_scratch("newer.db");
    opinfo_db_close(t_new_db(path));
    exec_sql(path, "PRAGMA user_version = 99");
    for (int i = 0; i < 3; i++) {
        size_t flags = i == 0   ? OPINFO_DB_READONLY
                       : i == 1 ? OPINFO_DB_WRITE
                                : OPINFO_DB_WRITE | OPINFO_DB_MIGRATE;
        opinfo_db *db;
        opinfo_error_t e;
        opinfo_error_init(&e);
        assert_int_equal(opinfo_db_open(path, flags, &db, &e), OPINFO_EDBNEWER);
        char want[96];
        snprintf(want, sizeof want, "(db schema 99, tool supports <= %d)",
                 OPINFO_DB_SCHEMA_VERSION);
        if (!strstr(e.text, want))
            fail_msg("message \"%s\" lacks \"%s\"", e.text, want);
    }
}

static void foreign_databases_are_refused(void **state)
{
    (void)state;
    /* another application's SQLite file */
    const char *path = t_scratch("foreign.db");
    exec_sql(path, "CREATE TABLE t(x); PRAGMA application_id = 1234;");
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_open(path, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db, &e),
                     OPINFO_EDBFOREIGN);
    assert_non_null(strstr(e.text, "application_id 0x000004d2"));
    /* a SQLite file with tables but no identity */
    path = t_scratch("anon.db");
    exec_sql(path, "CREATE TABLE t(x)");
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), OPINFO_EDBFOREIGN);
    /* not SQLite at all */
    path = t_scratch("text.db");
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough to have a header...\n"
          "0123456789012345678901234567890123456789012345678901234567890123456789\n",
          f);
    fclose(f);
    opinfo_error_init(&e);
    assert_int_equal(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), OPINFO_EDBFOREIGN);
    assert_non_null(strstr(e.text, "not an opinfo database"));
}

/* Builds a database at schema `version` with one row per table, as that version's tool did. */
static void make_old_db(const char *path, int version)
{
    sqlite3 *sq;
    assert_int_equal(sqlite3_open(path, &sq), SQLITE_OK);
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(sqlite3_exec(sq, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_opinfo_ok(oi_db_migrate_to(sq, 0, version, path, &e), &e);
    assert_int_equal(
        sqlite3_exec(sq,
                     "INSERT INTO backend(id, name) VALUES(1, 'old');"
                     "INSERT INTO release VALUES(1, 1, '0.9', '2024-01-01', 'test', NULL, NULL, "
                     "'2024-01-01T00:00:00Z');"
                     "INSERT INTO arch VALUES(1, 1, 0, 'generic', 0);"
                     "INSERT INTO soc(id, release_id, seq, name, arch_id, vtcm_mb) "
                     "VALUES(1, 1, 0, 'CHIP', 1, 4);"
                     "INSERT INTO op VALUES(1, 1, 0, 'Relu', NULL, NULL);"
                     "INSERT INTO op_alias VALUES(1, 1, 1, 0, 'torch.nn', 'torch.nn.ReLU');"
                     "INSERT INTO op_port VALUES(1, 1, 0, 'input', 'input', NULL, NULL);"
                     "INSERT INTO op_port VALUES(2, 1, 1, 'output', 'output', NULL, NULL);"
                     "INSERT INTO variant(id, op_id, seq, name) VALUES(1, 1, 0, 'u8');"
                     "INSERT INTO variant_port(variant_id, port_seq, dtype) VALUES(1, 0, 'uint8');"
                     "INSERT INTO variant_port(variant_id, port_seq, dtype, shared_with) "
                     "VALUES(1, 1, 'uint8', 0);"
                     "COMMIT;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(sq);
}

static void older_schemas_migrate_and_keep_data(void **state)
{
    (void)state;
    for (int v = 1; v < OPINFO_DB_SCHEMA_VERSION; v++) {
        char name[32];
        snprintf(name, sizeof name, "old-v%d.db", v);
        const char *path = t_scratch(name);
        make_old_db(path, v);
        assert_int_equal(pragma_int(path, "user_version"), v);
        /* a read-only check never migrates silently */
        opinfo_db *db;
        opinfo_error_t e;
        opinfo_error_init(&e);
        assert_int_equal(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), OPINFO_EDBOLDER);
        assert_non_null(strstr(e.text, "run 'opinfo-db migrate'"));
        assert_int_equal(pragma_int(path, "user_version"), v);
        /* nor does an import */
        opinfo_error_init(&e);
        assert_int_equal(opinfo_db_open(path, OPINFO_DB_WRITE, &db, &e), OPINFO_EDBOLDER);
        /* migrate does */
        opinfo_error_init(&e);
        assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_WRITE | OPINFO_DB_MIGRATE, &db, &e), &e);
        int from = -1, to = -1;
        assert_opinfo_ok(opinfo_db_migrate(db, &from, &to, &e), &e);
        assert_int_equal(from, v);
        assert_int_equal(to, OPINFO_DB_SCHEMA_VERSION);
        opinfo_db_close(db);
        assert_int_equal(pragma_int(path, "user_version"), OPINFO_DB_SCHEMA_VERSION);
        /* the data is still there and readable through the API */
        assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
        opinfo_soc soc;
        assert_opinfo_ok(opinfo_db_find_soc(db, "old", NULL, "CHIP", &soc, &e), &e);
        assert_string_equal(soc.arch, "generic");
        assert_int_equal(soc.vtcm_mb, 4);
        assert_string_equal(soc.attributes, "{}");
        const opinfo_op *op;
        assert_opinfo_ok(opinfo_db_find_op(db, "old", "0.9", "torch.nn.ReLU", &op, &e), &e);
        assert_string_equal(op->name, "Relu");
        assert_int_equal(op->n_variants, 1);
        assert_int_equal(op->variants[0].specs[1].shared_with, 0);
        assert_int_equal(op->variants[0].specs[1].is_dynamic, -1); /* schema 3: not stated */
        opinfo_db_close(db);
        /* migrating a current database is a no-op */
        assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_WRITE | OPINFO_DB_MIGRATE, &db, &e), &e);
        assert_opinfo_ok(opinfo_db_migrate(db, &from, &to, &e), &e);
        assert_int_equal(from, to);
        opinfo_db_close(db);
    }
}

static void migrate_needs_a_writable_handle(void **state)
{
    (void)state;
    const char *path = t_scratch("ro-migrate.db");
    opinfo_db_close(t_new_db(path));
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
    assert_int_equal(opinfo_db_migrate(db, NULL, NULL, &e), OPINFO_EUSAGE);
    opinfo_db_close(db);
    assert_int_equal(opinfo_db_migrate(NULL, NULL, NULL, NULL), OPINFO_EUSAGE);
}

int test_schema(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_init_stamps_identity),
        cmocka_unit_test(missing_file_is_not_created_by_a_read),
        cmocka_unit_test(empty_file_needs_init),
        cmocka_unit_test(newer_schema_is_refused_naming_both),
        cmocka_unit_test(foreign_databases_are_refused),
        cmocka_unit_test(older_schemas_migrate_and_keep_data),
        cmocka_unit_test(migrate_needs_a_writable_handle),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
