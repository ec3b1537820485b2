/* Opening, identifying and migrating the constraint database. A read-only open never writes:
 * an older schema is refused with a pointer to `opinfo-db migrate`, never migrated silently. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_internal.h"

#ifndef OPINFO_DATADIR
#define OPINFO_DATADIR "/usr/local/share"
#endif

#define BUSY_TIMEOUT_MS 30000

static char default_path[PATH_MAX + 64];

static int readable(const char *p) { return access(p, R_OK) == 0; }

/* dir of file + "/../share/opinfo/opinfo.db" */
static int beside(const char *file, char *out, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (!slash)
        return 0;
    char path[PATH_MAX + 64];
    int w = snprintf(path, sizeof path, "%.*s/../share/opinfo/opinfo.db", (int)(slash - file),
                     file);
    if (w <= 0 || (size_t)w >= sizeof path || !readable(path))
        return 0;
    char real[PATH_MAX];
    snprintf(out, n, "%s", realpath(path, real) ? real : path); /* readable in messages */
    return 1;
}

const char *opinfo_db_default_path(void)
{
    const char *env = getenv("OPINFO_DB");
    if (env && *env) {
        snprintf(default_path, sizeof default_path, "%s", env);
        return default_path;
    }
    Dl_info info;
    if (dladdr((void *)&opinfo_db_default_path, &info) && info.dli_fname &&
        beside(info.dli_fname, default_path, sizeof default_path))
        return default_path;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (beside(exe, default_path, sizeof default_path))
            return default_path;
    }
    snprintf(default_path, sizeof default_path, "%s/opinfo/opinfo.db", OPINFO_DATADIR);
    return default_path;
}

int oi_db_error(opinfo_db *db, opinfo_error_t *err, const char *what)
{
    return oi_sq_error(db->sq, db->path, err, what);
}

/* The header (application_id, user_version) and the number of schema objects, read by one
 * statement, hence from one snapshot: a process initialising the file meanwhile is seen either
 * not at all or whole, never half-stamped. */
static int read_header(sqlite3 *sq, int *app, int *uv, int *tables)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sq,
                           "SELECT (SELECT application_id FROM pragma_application_id),"
                           " (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_master)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *app = sqlite3_column_int(st, 0);
        *uv = sqlite3_column_int(st, 1);
        *tables = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* WAL lets checks read while an import writes; it is a property of the file. Switching needs
 * the file to itself, and SQLite answers "locked" at once (not through the busy handler) while
 * another connection reads, so this waits as the busy timeout would. */
static int ensure_wal(opinfo_db *db, long timeout_ms, opinfo_error_t *err)
{
    for (long waited = 0;; waited += 10) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->sq, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
            return oi_db_error(db, err, "enabling WAL");
        int rc = sqlite3_step(st);
        const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        /* the mode now: "wal", or "memory" for an in-memory database, which keeps it; another
         * answer is the old mode, kept because the switch could not happen yet */
        int done = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0);
        sqlite3_finalize(st);
        if (done)
            return OPINFO_OK;
        int prim = sqlite3_extended_errcode(db->sq) & 0xff;
        if (rc != SQLITE_ROW && prim != SQLITE_BUSY && prim != SQLITE_LOCKED)
            return oi_db_error(db, err, "enabling WAL");
        if (waited >= timeout_ms)
            return rc == SQLITE_ROW ? oi_set_error(err, OPINFO_EDBBUSY, db->path, 0, 0, 0,
                                                   "enabling WAL: the file stayed in another "
                                                   "journal mode")
                                    : oi_db_error(db, err, "enabling WAL");
        sqlite3_sleep(10);
    }
}

/* Creates the schema unless another process has: the emptiness is checked again inside the
 * write transaction, so of several concurrent inits one creates and the others find it done. */
static int initialise(opinfo_db *db, int *created, opinfo_error_t *err)
{
    if (sqlite3_exec(db->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return oi_db_error(db, err, "starting initialisation");
    int n = 0, uv = 0, app = 0;
    if (read_header(db->sq, &app, &uv, &n) != 0) {
        int rc = oi_db_error(db, err, "reading the schema");
        sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    *created = n == 0 && uv == 0 && app == 0; /* else another process did, meanwhile */
    if (*created) {
        int rc = oi_db_migrate_to(db->sq, 0, OPINFO_DB_SCHEMA_VERSION, db->path, err);
        if (rc != OPINFO_OK) {
            sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    if (sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = oi_db_error(db, err, "committing initialisation");
        sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return OPINFO_OK;
}

/* Decides whether this file is ours and at which schema, and refuses what the flags forbid. */
static int identify(opinfo_db *db, long busy_ms, opinfo_error_t *err)
{
    int app = 0, uv = 0, tables = 0, created = 0;
    int creating = (db->flags & OPINFO_DB_CREATE) && (db->flags & OPINFO_DB_WRITE);
    for (int pass = 0;; pass++) {
        if (read_header(db->sq, &app, &uv, &tables) != 0) {
            int ext = sqlite3_extended_errcode(db->sq) & 0xff;
            if (ext == SQLITE_NOTADB || ext == SQLITE_CORRUPT)
                return oi_set_error(err, OPINFO_EDBFOREIGN, db->path, 0, 0, 0,
                                    "not an opinfo database (%s)", sqlite3_errmsg(db->sq));
            return oi_db_error(db, err, "reading the database header");
        }
        if (app != 0 || uv != 0 || tables != 0)
            break;
        if (!creating)
            return oi_set_error(err, OPINFO_EDBEMPTY, db->path, 0, 0, 0,
                                "database is not initialised (run 'opinfo-db init')");
        if (pass > 0) /* cannot happen: the transaction above committed a schema */
            return oi_set_error(err, OPINFO_EDB, db->path, 0, 0, 0,
                                "initialisation left the database empty");
        int rc = initialise(db, &created, err);
        if (rc != OPINFO_OK)
            return rc;
        /* read again: whoever created the schema, this process judges what is there */
    }
    /* the process that created the schema switches the file to WAL; one that found it made
     * leaves its journal mode alone (the shipped database stays in rollback mode) */
    if (created) {
        int rc = ensure_wal(db, busy_ms, err);
        if (rc != OPINFO_OK)
            return rc;
    }
    if ((unsigned)app != OPINFO_DB_APPLICATION_ID)
        return oi_set_error(err, OPINFO_EDBFOREIGN, db->path, 0, 0, 0,
                            "not an opinfo database (application_id 0x%08x, expected 0x%08x)",
                            (unsigned)app, (unsigned)OPINFO_DB_APPLICATION_ID);
    if (uv > OPINFO_DB_SCHEMA_VERSION)
        return oi_set_error(err, OPINFO_EDBNEWER, db->path, 0, 0, 0,
                            "database schema %d is newer than this tool supports "
                            "(db schema %d, tool supports <= %d); upgrade opinfo",
                            uv, uv, OPINFO_DB_SCHEMA_VERSION);
    if (uv < OPINFO_DB_SCHEMA_VERSION && !(db->flags & OPINFO_DB_MIGRATE))
        return oi_set_error(err, OPINFO_EDBOLDER, db->path, 0, 0, 0,
                            "database schema %d is older than this tool's %d; "
                            "run 'opinfo-db migrate' to upgrade it",
                            uv, OPINFO_DB_SCHEMA_VERSION);
    db->schema = uv;
    return OPINFO_OK;
}

int opinfo_db_open(const char *path, size_t flags, opinfo_db **out, opinfo_error_t *err)
{
    if (!out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_open: out is NULL");
    if (!path)
        path = opinfo_db_default_path();
    if (!(flags & OPINFO_DB_CREATE)) {
        struct stat sb;
        if (stat(path, &sb) != 0)
            return oi_set_error(err, OPINFO_EIO, path, 0, 0, 0, "cannot open database: %s",
                                strerror(errno));
        if (!S_ISREG(sb.st_mode))
            return oi_set_error(err, OPINFO_EIO, path, 0, 0, 0,
                                "cannot open database: not a regular file");
    }
    opinfo_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = oi_strdup(path))) {
        free(db);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    db->flags = flags;
    oi_map_init(&db->ops);
    oi_map_init(&db->releases);
    oi_map_init(&db->socs);
    oi_map_init(&db->release_ids);
    oi_map_init(&db->lists);
    int oflags = (flags & OPINFO_DB_WRITE)
                     ? SQLITE_OPEN_READWRITE | ((flags & OPINFO_DB_CREATE) ? SQLITE_OPEN_CREATE : 0)
                     : SQLITE_OPEN_READONLY;
    int rc = OPINFO_OK;
    int orc = sqlite3_open_v2(path, &db->sq, oflags, NULL);
    if (orc != SQLITE_OK) {
        rc = oi_set_error(err, orc == SQLITE_NOMEM || !db->sq ? OPINFO_ENOMEM : OPINFO_EIO, path,
                          0, 0, 0, "cannot open database: %s",
                          db->sq ? sqlite3_errmsg(db->sq) : "out of memory");
        goto fail;
    }
    /* a writer holding the lock longer than this is an error (OPINFO_EDBBUSY), not a hang;
     * $OPINFO_BUSY_TIMEOUT (milliseconds) changes the wait */
    long busy = BUSY_TIMEOUT_MS;
    const char *bt = getenv("OPINFO_BUSY_TIMEOUT");
    if (bt && *bt) {
        char *end;
        long v = strtol(bt, &end, 10);
        if (!*end && v >= 0 && v <= 3600000)
            busy = v;
    }
    sqlite3_busy_timeout(db->sq, (int)busy);
    sqlite3_extended_result_codes(db->sq, 1);
    if ((rc = identify(db, busy, err)) != OPINFO_OK)
        goto fail;
    if (sqlite3_exec(db->sq, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK) {
        rc = oi_db_error(db, err, "enabling foreign keys");
        goto fail;
    }
    *out = db;
    return OPINFO_OK;
fail:
    opinfo_db_close(db);
    return rc;
}

void oi_db_cache_clear(opinfo_db *db)
{
    oi_map_free(&db->ops);
    oi_map_free(&db->releases);
    oi_map_free(&db->socs);
    oi_map_free(&db->release_ids);
    oi_map_free(&db->lists);
    oi_arena_free(&db->arena);
}

void opinfo_db_close(opinfo_db *db)
{
    if (!db)
        return;
    oi_db_stmts_free(db);
    if (db->sq)
        sqlite3_close_v2(db->sq);
    oi_db_cache_clear(db);
    free(db->path);
    free(db);
}

const char *opinfo_db_path(const opinfo_db *db) { return db ? db->path : NULL; }

int opinfo_db_schema_version(const opinfo_db *db) { return db ? db->schema : -1; }

int opinfo_db_migrate(opinfo_db *db, int *from, int *to, opinfo_error_t *err)
{
    if (!db)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_migrate: db is NULL");
    if (!(db->flags & OPINFO_DB_WRITE))
        return oi_set_error(err, OPINFO_EUSAGE, db->path, 0, 0, 0,
                            "database was opened read-only; cannot migrate");
    if (sqlite3_exec(db->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return oi_db_error(db, err, "starting migration");
    int uv = 0;
    int rc = OPINFO_OK;
    if (oi_db_user_version(db->sq, &uv) != 0)
        rc = oi_db_error(db, err, "reading the schema version");
    else if (uv > OPINFO_DB_SCHEMA_VERSION)
        rc = oi_set_error(err, OPINFO_EDBNEWER, db->path, 0, 0, 0,
                          "database schema %d is newer than this tool supports "
                          "(db schema %d, tool supports <= %d)",
                          uv, uv, OPINFO_DB_SCHEMA_VERSION);
    else
        rc = oi_db_migrate_to(db->sq, uv, OPINFO_DB_SCHEMA_VERSION, db->path, err);
    if (rc == OPINFO_OK && sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = oi_db_error(db, err, "committing migration");
    if (rc != OPINFO_OK) {
        sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (from)
        *from = uv;
    if (to)
        *to = OPINFO_DB_SCHEMA_VERSION;
    db->schema = OPINFO_DB_SCHEMA_VERSION;
    oi_db_cache_clear(db);
    return OPINFO_OK;
}

unsigned oi_mask_from_list(const char *s)
{
    unsigned m = 0;
    if (!s)
        return 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            break;
        if (v >= 0 && v < 32)
            m |= 1u << v;
        s = *end == ',' ? end + 1 : end;
    }
    return m;
}

void oi_mask_to_list(unsigned mask, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < 32 && used < n; i++) {
        if (!(mask & (1u << i)))
            continue;
        int w = snprintf(buf + used, n - used, used ? ",%d" : "%d", i);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* One read transaction around a whole check: every look-up then reads the same snapshot, and
 * SQLite takes its shared lock once instead of once per query (a check of a small graph made
 * some 500 lock calls). It begins with the check's first look-up that runs SQL: a check whose
 * ops are all cached reads nothing, so it begins nothing (BEGIN and COMMIT were a fifth of such
 * a check). Returns 1 when the caller is to end it, 0 when a transaction was already open or
 * wanted (the look-ups then run as before). */
int oi_db_snapshot_begin(opinfo_db *db)
{
    if (!db || db->snap_want || !sqlite3_get_autocommit(db->sq))
        return 0;
    db->snap_want = 1;
    db->snap_on = 0;
    return 1;
}

void oi_db_snapshot_touch(opinfo_db *db)
{
    if (!db->snap_want || db->snap_on)
        return;
    db->snap_on = 1; /* tried once: a BEGIN that fails leaves the look-ups as they were */
    for (size_t i = 0; i < sizeof db->stmts / sizeof db->stmts[0]; i++)
        if (db->stmts[i].busy)
            return; /* a look-up is under way: its read is its own */
    if (!sqlite3_get_autocommit(db->sq) ||
        sqlite3_exec(db->sq, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        db->snap_want = 0;
}

void oi_db_snapshot_end(opinfo_db *db, int began)
{
    if (!began)
        return;
    if (db->snap_want && db->snap_on && !sqlite3_get_autocommit(db->sq))
        sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL);
    db->snap_want = db->snap_on = 0;
}

void oi_db_stmts_free(opinfo_db *db)
{
    for (size_t i = 0; i < sizeof db->stmts / sizeof db->stmts[0]; i++) {
        sqlite3_finalize(db->stmts[i].st);
        db->stmts[i].st = NULL;
        db->stmts[i].sql = NULL;
        db->stmts[i].busy = 0;
    }
}
