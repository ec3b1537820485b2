/*
 * The constraint database's internals, shared by its modules (schema, import, query, export,
 * diff). It owns the SQLite handle and the look-up cache; it knows nothing about qgraphs or
 * plugins.
 */
#ifndef OPINFO_DB_INTERNAL_H
#define OPINFO_DB_INTERNAL_H

#include <sqlite3.h>

#include "../core/internal.h"

struct opinfo_db {
    sqlite3 *sq;
    char *path;
    size_t flags;
    int schema;
    oi_arena arena;  /* cached ops, SoCs and release names live here */
    oi_map ops;      /* "backend\x1frelease\x1fname" -> opinfo_op* (NULL = known missing) */
    oi_map releases; /* backend -> latest release string */
    oi_map socs;     /* "backend\x1frelease\x1fsoc" -> opinfo_soc* */
    oi_map release_ids; /* "backend\x1frelease" -> oi_release_row* (found ones only) */
    oi_map lists;    /* "kind\x1fbackend\x1frelease": a listing's rows (SoCs, archs) */
    int load_failed; /* a text column could not be copied while loading (out of memory) */
    /* prepared look-up statements, kept for the next look-up (query.c): parsing the SQL again
     * was most of a small check's time */
    struct {
        const char *sql; /* the statement's text, by address (static strings) */
        sqlite3_stmt *st;
        int busy;
    } stmts[24];
    /* a check's read snapshot (oi_db_snapshot_begin): wanted, and begun by the first look-up
     * that runs SQL (a check whose ops are all cached runs none, and begins nothing) */
    int snap_want, snap_on;
};

/* Before a look-up runs SQL: begins the read snapshot a check wants, once. */
OPINFO_INTERNAL void oi_db_snapshot_touch(opinfo_db *db);

/* Finalizes the kept statements (before the connection closes or the schema changes). */
OPINFO_INTERNAL void oi_db_stmts_free(opinfo_db *db);

/* Schema: the forward-only migration chain. */
OPINFO_INTERNAL int oi_db_migrate_to(sqlite3 *sq, int from, int to, const char *path,
                                     opinfo_error_t *err);
OPINFO_INTERNAL int oi_db_user_version(sqlite3 *sq, int *out);
/* The first column of the first row of a one-integer query; 0 or -1. */
OPINFO_INTERNAL int oi_sq_int(sqlite3 *sq, const char *sql, int *out);

/* Cache invalidation after a write. */
OPINFO_INTERNAL void oi_db_cache_clear(opinfo_db *db);

/* Sets err from the connection's last error. */
OPINFO_INTERNAL int oi_db_error(opinfo_db *db, opinfo_error_t *err, const char *what);
OPINFO_INTERNAL int oi_sq_error(sqlite3 *sq, const char *path, opinfo_error_t *err,
                                const char *what);

/* Resolves release (NULL = latest) to its row id and the canonical version string (owned by the
 * db arena). */
OPINFO_INTERNAL int oi_db_release_id(opinfo_db *db, const char *backend, const char *release,
                                     sqlite3_int64 *id, const char **version,
                                     opinfo_error_t *err);

/* The release as a JSON tree in the constraint-data format (export and diff share it). */
typedef struct json_t json_t;
OPINFO_INTERNAL int oi_db_export_tree(opinfo_db *db, const char *backend, const char *release,
                                      json_t **out, opinfo_error_t *err);

/* Imports (write 1) or checks (write 0) one constraint-data document in memory (db/import.c). */
OPINFO_INTERNAL int oi_import_buffer(opinfo_db *db, const char *name, const char *data, size_t len,
                                     int write, opinfo_report_fn report, void *ud,
                                     opinfo_error_t *err);

/* Comma-separated lists of small integers ("0,1") <-> bit masks. */
OPINFO_INTERNAL unsigned oi_mask_from_list(const char *s);
OPINFO_INTERNAL void oi_mask_to_list(unsigned mask, char *buf, size_t n);

#endif
