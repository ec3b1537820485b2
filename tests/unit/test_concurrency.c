/* Several processes import different releases into one database while others read it: no
 * release is lost and no "database is locked" reaches a caller (WAL plus a busy timeout). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define WRITERS 4
#define RELEASES_EACH 5
#define READERS 2
#define READS 40

/* ok-minimal.json with its release version replaced. */
static char *with_version(const char *text, const char *version)
{
    const char *at = strstr(text, "\"version\": \"1.0\"");
    assert_non_null(at);
    size_t n = strlen(text) + 64;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s\"version\": \"%s\"%s", (int)(at - text), text, version,
             at + strlen("\"version\": \"1.0\""));
    return out;
}

/* Children leave through here so that leak checkers see a clean exit. */
static void child_exit(char *text, int code)
{
    free(text);
    _exit(code);
}

static void writer(const char *path, char *text, int w)
{
    for (int r = 0; r < RELEASES_EACH; r++) {
        char ver[32];
        snprintf(ver, sizeof ver, "%d.%d", w + 2, r);
        char *doc = with_version(text, ver);
        opinfo_db *db;
        opinfo_error_t e;
        opinfo_error_init(&e);
        int rc = opinfo_db_open(path, OPINFO_DB_WRITE, &db, &e);
        if (rc == OPINFO_OK)
            rc = opinfo_db_import_buffer(db, ver, doc, strlen(doc), NULL, NULL, &e);
        opinfo_db_close(db);
        free(doc);
        if (rc != OPINFO_OK) {
            fprintf(stderr, "writer %d release %s: %s: %s\n", w, ver, opinfo_err_name(rc), e.text);
            child_exit(text, 1);
        }
    }
    child_exit(text, 0);
}

static int count_row(int n, const char *const *c, void *ud)
{
    (void)n;
    (void)c;
    ++*(int *)ud;
    return 0;
}

static void reader(const char *path, char *text, int id)
{
    for (int i = 0; i < READS; i++) {
        opinfo_db *db;
        opinfo_error_t e;
        opinfo_error_init(&e);
        int rc = opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e);
        const opinfo_op *op;
        int rows = 0;
        if (rc == OPINFO_OK)
            rc = opinfo_db_find_op(db, "testbe", "1.0", "Conv2d", &op, &e);
        if (rc == OPINFO_OK)
            rc = opinfo_db_list(db, OPINFO_LIST_RELEASES, "testbe", NULL, count_row, &rows, &e);
        opinfo_db_close(db);
        if (rc != OPINFO_OK) {
            fprintf(stderr, "reader %d: %s: %s\n", id, opinfo_err_name(rc), e.text);
            child_exit(text, 1);
        }
    }
    child_exit(text, 0);
}

static void concurrent_imports_and_reads(void **state)
{
    (void)state;
    const char *path = t_scratch("concurrent.db");
    opinfo_db *db = t_new_db(path);
    opinfo_error_t e;
    opinfo_error_init(&e);
    const char *seed = t_src("tests/bad-inputs/constraints/ok-minimal.json");
    assert_opinfo_ok(opinfo_db_import_files(db, &seed, 1, NULL, NULL, &e), &e);
    opinfo_db_close(db);
    char *text = t_slurp(seed, NULL);
    fflush(NULL);
    pid_t pids[WRITERS + READERS];
    for (int i = 0; i < WRITERS + READERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            if (i < WRITERS)
                writer(path, text, i);
            reader(path, text, i);
        }
    }
    int failures = 0;
    for (int i = 0; i < WRITERS + READERS; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    free(text);
    assert_int_equal(failures, 0);
    /* every release is there */
    assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
    int rows = 0;
    assert_opinfo_ok(opinfo_db_list(db, OPINFO_LIST_RELEASES, "testbe", NULL, count_row, &rows,
                                    &e),
                     &e);
    assert_int_equal(rows, 1 + WRITERS * RELEASES_EACH);
    const char *latest;
    assert_opinfo_ok(opinfo_db_latest_release(db, "testbe", &latest, &e), &e);
    char want[16];
    snprintf(want, sizeof want, "%d.%d", WRITERS + 1, RELEASES_EACH - 1);
    assert_string_equal(latest, want);
    opinfo_db_close(db);
}

#define INITS 8
#define INIT_ROUNDS 20

/* Child of a concurrent init: waits for the start signal, opens with CREATE, exits 0 when the
 * database came out initialised at the current schema. */
static void initer(const char *path, int go, int id)
{
    char c;
    if (read(go, &c, 1) != 0) /* EOF when the parent closes its end: everyone starts at once */
        _exit(3);
    close(go);
    opinfo_db *db = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    int rc = opinfo_db_open(path, OPINFO_DB_WRITE | OPINFO_DB_CREATE, &db, &e);
    int schema = rc == OPINFO_OK ? opinfo_db_schema_version(db) : -1;
    opinfo_db_close(db);
    if (rc != OPINFO_OK || schema != OPINFO_DB_SCHEMA_VERSION) {
        fprintf(stderr, "init %d: %s: %s (schema %d)\n", id, opinfo_err_name(rc), e.text, schema);
        _exit(1);
    }
    _exit(0);
}

/* Eight processes initialising one new path at once, twenty times: each must succeed (init is
 * idempotent), none may see a half-stamped header ("application_id 0"). */
static void concurrent_inits_of_a_new_path(void **state)
{
    (void)state;
    int failures = 0;
    for (int r = 0; r < INIT_ROUNDS; r++) {
        char name[32];
        snprintf(name, sizeof name, "init-%d.db", r);
        const char *path = t_scratch(name);
        int go[2];
        assert_int_equal(pipe(go), 0);
        fflush(NULL);
        pid_t pids[INITS];
        for (int i = 0; i < INITS; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                close(go[1]);
                initer(path, go[0], i);
            }
        }
        close(go[0]);
        close(go[1]);
        for (int i = 0; i < INITS; i++) {
            int status;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                failures++;
        }
        opinfo_db *db;
        opinfo_error_t e;
        opinfo_error_init(&e);
        assert_opinfo_ok(opinfo_db_open(path, OPINFO_DB_READONLY, &db, &e), &e);
        assert_int_equal(opinfo_db_schema_version(db), OPINFO_DB_SCHEMA_VERSION);
        opinfo_db_close(db);
        /* the file is in WAL mode: the header's read and write versions are 2 */
        FILE *f = fopen(path, "rb");
        unsigned char hdr[20];
        assert_non_null(f);
        assert_int_equal(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
        fclose(f);
        assert_int_equal(hdr[18], 2);
        assert_int_equal(hdr[19], 2);
    }
    assert_int_equal(failures, 0);
}

int test_concurrency(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_imports_and_reads),
        cmocka_unit_test(concurrent_inits_of_a_new_path),
    };
    return cmocka_run_group_tests_name("concurrency", tests, NULL, NULL);
}
