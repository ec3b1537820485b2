/* Shared helpers of the unit tests: paths from the build, domain asserts, scratch databases. */
#ifndef OPINFO_TESTUTIL_H
#define OPINFO_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "opinfo.h"

/* Fails with the error's location and text when rc is not OPINFO_OK. */
#define assert_opinfo_ok(rc, err)                                                                \
    do {                                                                                         \
        int rc_ = (rc);                                                                          \
        if (rc_ != OPINFO_OK)                                                                    \
            fail_msg("%s: %s:%d:%d: %s", opinfo_err_name(rc_), (err)->source, (err)->line,       \
                     (err)->column, (err)->text);                                                \
    } while (0)

const char *t_srcdir(void);
const char *t_builddir(void);
/* srcdir-relative path into a static buffer (one of 4 rotating). */
const char *t_src(const char *rel);
/* A fresh scratch file path under the build dir (removed first, with -wal/-shm). */
const char *t_scratch(const char *name);
/* Creates an initialised empty database at path; returns it opened for writing. */
opinfo_db *t_new_db(const char *path);
/* cmocka group setup/teardown: *state is the default database ($OPINFO_DB in the test
 * environment), opened read-only. */
int t_setup_default_db(void **state);
int t_teardown_db(void **state);
/* Reads a whole file; free() the result. */
char *t_slurp(const char *path, size_t *len);
/* Number of rows in every table, as one comparable string; free() it. */
char *t_db_digest(const char *path);

/* The groups, one per file. */
int test_core(void);
int test_schema(void);
int test_import(void);
int test_query(void);
int test_concurrency(void);
int test_validator(void);
int test_loader(void);
int test_kernels(void);
int test_overrides(void);
int test_onnx(void);
int test_filter(void);

#endif
