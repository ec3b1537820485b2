/* The database schema as a forward-only chain of migrations. Migration N takes a database at
 * user_version N-1 to N. A release of opinfo only ever appends to this list; existing steps are
 * frozen because databases in the field were built by them. */
#include <string.h>
#include <stdio.h>

#include "db_internal.h"

static const char *const migrations[] = {
    /* 1: the constraint model. Every row of constraint data hangs off a release, so a release
     * is a complete snapshot that can be exported, diffed and deleted as a unit. */
    "CREATE TABLE backend("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE release("
    "  id INTEGER PRIMARY KEY,"
    "  backend_id INTEGER NOT NULL REFERENCES backend(id),"
    "  version TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  notes TEXT,"
    "  description TEXT,"
    "  imported_at TEXT NOT NULL,"
    "  UNIQUE(backend_id, version));"
    "CREATE TABLE arch("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  rank INTEGER NOT NULL,"
    "  UNIQUE(release_id, name), UNIQUE(release_id, rank));"
    "CREATE TABLE soc("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  arch_id INTEGER NOT NULL REFERENCES arch(id),"
    "  vtcm_mb INTEGER,"
    "  UNIQUE(release_id, name));"
    "CREATE TABLE op("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT,"
    "  notes TEXT,"
    "  UNIQUE(release_id, name));"
    "CREATE TABLE op_alias("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,"
    "  op_id INTEGER NOT NULL REFERENCES op(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  framework TEXT NOT NULL,"
    "  alias TEXT NOT NULL,"
    "  UNIQUE(release_id, alias));"
    "CREATE TABLE op_port("
    "  id INTEGER PRIMARY KEY,"
    "  op_id INTEGER NOT NULL REFERENCES op(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  optional INTEGER,"
    "  variadic INTEGER,"
    "  UNIQUE(op_id, seq), UNIQUE(op_id, name));"
    "CREATE TABLE variant("
    "  id INTEGER PRIMARY KEY,"
    "  op_id INTEGER NOT NULL REFERENCES op(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  configs TEXT,"
    "  min_arch_id INTEGER REFERENCES arch(id),"
    "  max_arch_id INTEGER REFERENCES arch(id),"
    "  gate_note TEXT,"
    "  is_dynamic INTEGER,"
    "  source TEXT,"
    "  notes TEXT,"
    "  UNIQUE(op_id, seq), UNIQUE(op_id, name));"
    "CREATE TABLE variant_port("
    "  id INTEGER PRIMARY KEY,"
    "  variant_id INTEGER NOT NULL REFERENCES variant(id) ON DELETE CASCADE,"
    "  port_seq INTEGER NOT NULL,"
    "  dtype TEXT NOT NULL,"
    "  qschemes TEXT,"
    "  axes TEXT,"
    "  block_axes TEXT,"
    "  block_size_multiple INTEGER,"
    "  block_min_size INTEGER,"
    "  block_max_size INTEGER,"
    "  quant_min_lower_bound INTEGER,"
    "  quant_max_upper_bound INTEGER,"
    "  scale_min_lower_bound REAL,"
    "  scale_max_upper_bound REAL,"
    "  symmetric INTEGER,"
    "  zero_point INTEGER,"
    "  fixed_scale REAL,"
    "  fixed_scale_expr TEXT,"
    "  fixed_zero_point INTEGER,"
    "  fixed_zero_point_expr TEXT,"
    "  shared_with INTEGER,"
    "  derived_from TEXT,"
    "  notes TEXT,"
    "  UNIQUE(variant_id, port_seq));"
    "CREATE TABLE variant_rule("
    "  id INTEGER PRIMARY KEY,"
    "  variant_id INTEGER NOT NULL REFERENCES variant(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  inputs TEXT NOT NULL,"
    "  output INTEGER NOT NULL,"
    "  min REAL NOT NULL,"
    "  max REAL NOT NULL,"
    "  min_exclusive INTEGER,"
    "  max_exclusive INTEGER,"
    "  notes TEXT,"
    "  UNIQUE(variant_id, seq));",

    /* 2: SoC attributes beyond the VTCM size (chipset ids, LPAI versions), and the indexes
     * that make a SoC's arch and an alias one index probe each. */
    "ALTER TABLE soc ADD COLUMN attributes TEXT;"
    "CREATE INDEX soc_by_arch ON soc(arch_id);"
    "CREATE INDEX alias_by_op ON op_alias(op_id);"
    "CREATE INDEX variant_by_arch ON variant(min_arch_id, max_arch_id);",

    /* 3: static vs dynamic per port. A dynamic variant computes some ports' qparams at run time
     * (its input) and not others (its weight); NULL = as the variant says (docs/rules.md,
     * dynamic-mismatch). */
    "ALTER TABLE variant_port ADD COLUMN is_dynamic INTEGER;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == OPINFO_DB_SCHEMA_VERSION,
               "one migration per schema version");

int oi_sq_error(sqlite3 *sq, const char *path, opinfo_error_t *err, const char *what)
{
    int ext = sq ? sqlite3_extended_errcode(sq) : SQLITE_ERROR;
    int prim = ext & 0xff;
    int code = OPINFO_EDB;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        code = OPINFO_EDBBUSY;
    else if (prim == SQLITE_NOMEM)
        code = OPINFO_ENOMEM;
    else if (prim == SQLITE_NOTADB)
        code = OPINFO_EDBFOREIGN;
    /* an I/O failure says which: "File too large", "No space left on device" */
    int os = sq && (prim == SQLITE_IOERR || prim == SQLITE_FULL || prim == SQLITE_CANTOPEN ||
                    prim == SQLITE_READONLY)
                 ? sqlite3_system_errno(sq)
                 : 0;
    if (os)
        return oi_set_error(err, code, path, 0, 0, 0, "%s: %s (%s)", what, sqlite3_errmsg(sq),
                            strerror(os));
    return oi_set_error(err, code, path, 0, 0, 0, "%s: %s", what,
                        sq ? sqlite3_errmsg(sq) : sqlite3_errstr(SQLITE_NOMEM));
}

int oi_sq_int(sqlite3 *sq, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int oi_db_user_version(sqlite3 *sq, int *out) { return oi_sq_int(sq, "PRAGMA user_version", out); }

/* Runs migrations from+1 .. to inside the caller's transaction. */
int oi_db_migrate_to(sqlite3 *sq, int from, int to, const char *path, opinfo_error_t *err)
{
    if (from < 0 || to > OPINFO_DB_SCHEMA_VERSION || from > to)
        return oi_set_error(err, OPINFO_EUSAGE, path, 0, 0, 0,
                            "cannot migrate from schema %d to %d", from, to);
    for (int v = from + 1; v <= to; v++) {
        if (sqlite3_exec(sq, migrations[v - 1], NULL, NULL, NULL) != SQLITE_OK) {
            char what[64];
            snprintf(what, sizeof what, "migration to schema %d", v);
            return oi_sq_error(sq, path, err, what);
        }
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;", v,
                 (int)OPINFO_DB_APPLICATION_ID);
        if (sqlite3_exec(sq, sql, NULL, NULL, NULL) != SQLITE_OK)
            return oi_sq_error(sq, path, err, "stamping schema version");
    }
    return OPINFO_OK;
}
