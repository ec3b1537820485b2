/* Look-ups: releases, SoCs and ops. Each (backend, release, op) is resolved with one query set
 * the first time and cached in the handle's arena, so a validator never runs SQL per node; the
 * releases found by name and the SoC and arch listings of one backend are kept too, so a check
 * whose ops were all looked up before runs no SQL at all (and takes no file lock). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* A text column copied into the arena; NULL for SQL NULL. A copy that fails (SQLite's or ours)
 * marks the load failed: the caller must not take NULL for "absent" then. */
static const char *col_text(opinfo_db *db, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t) {
        if (sqlite3_column_type(st, i) != SQLITE_NULL)
            db->load_failed = 1;
        return NULL;
    }
    const char *c = oi_arena_strdup(&db->arena, (const char *)t);
    if (!c)
        db->load_failed = 1;
    return c;
}

/* A statement for sql: the kept one when it is free, else a new one, kept when there is room.
 * Every statement from here goes back through release(). */
static int prepare(opinfo_db *db, const char *sql, sqlite3_stmt **st, opinfo_error_t *err)
{
    size_t n = sizeof db->stmts / sizeof db->stmts[0], slot = n;
    oi_db_snapshot_touch(db);
    for (size_t i = 0; i < n; i++) {
        if (db->stmts[i].sql == sql && db->stmts[i].st && !db->stmts[i].busy) {
            db->stmts[i].busy = 1;
            *st = db->stmts[i].st;
            return OPINFO_OK;
        }
        if (!db->stmts[i].st && slot == n)
            slot = i;
    }
    if (sqlite3_prepare_v3(db->sq, sql, -1, slot < n ? SQLITE_PREPARE_PERSISTENT : 0, st,
                           NULL) != SQLITE_OK)
        return oi_db_error(db, err, "preparing a query");
    if (slot < n) {
        db->stmts[slot].sql = sql;
        db->stmts[slot].st = *st;
        db->stmts[slot].busy = 1;
    }
    return OPINFO_OK;
}

/* Gives a statement back: a kept one is reset for the next look-up, another finalized. */
static void stmt_release(opinfo_db *db, sqlite3_stmt *st)
{
    for (size_t i = 0; st && i < sizeof db->stmts / sizeof db->stmts[0]; i++)
        if (db->stmts[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            db->stmts[i].busy = 0;
            return;
        }
    sqlite3_finalize(st);
}

int opinfo_db_latest_release(opinfo_db *db, const char *backend, const char **out,
                             opinfo_error_t *err)
{
    if (!db || !backend || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_db_latest_release: NULL argument");
    void *cached;
    if (oi_map_get(&db->releases, backend, &cached)) {
        *out = cached;
        return OPINFO_OK;
    }
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT r.version FROM release r JOIN backend b ON b.id = r.backend_id "
                     "WHERE b.name = ?1",
                     &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, backend, -1, SQLITE_STATIC);
    char *best = NULL;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!v) { /* NULL for a NOT NULL column: SQLite ran out of memory */
            s = SQLITE_NOMEM;
            break;
        }
        if (!best || opinfo_version_compare(v, best) > 0) {
            free(best);
            if (!(best = oi_strdup(v))) {
                s = SQLITE_NOMEM;
                break;
            }
        }
    }
    stmt_release(db, st);
    if (s == SQLITE_NOMEM) {
        free(best);
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    }
    if (s != SQLITE_DONE) {
        free(best);
        return oi_db_error(db, err, "listing releases");
    }
    if (!best)
        return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                            "backend \"%s\" has no data in this database", backend);
    char *kept = oi_arena_strdup(&db->arena, best);
    free(best);
    if (!kept || oi_map_put(&db->releases, backend, kept) != 0)
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    *out = kept;
    return OPINFO_OK;
}

/* A release found by oi_db_release_id, kept for the next look-up of the same name: a check
 * resolves its release once per op it looks up. */
typedef struct release_row {
    sqlite3_int64 id;
    const char *version;
} release_row;

int oi_db_release_id(opinfo_db *db, const char *backend, const char *release,
                     sqlite3_int64 *id, const char **version, opinfo_error_t *err)
{
    const char *ver = release;
    if (!ver) {
        int rc = opinfo_db_latest_release(db, backend, &ver, err);
        if (rc)
            return rc;
    }
    char key[512];
    int kw = snprintf(key, sizeof key, "%s\x1f%s", backend, ver);
    int keyed = kw > 0 && (size_t)kw < sizeof key;
    void *cached;
    if (keyed && oi_map_get(&db->release_ids, key, &cached)) {
        const release_row *r = cached;
        *id = r->id;
        if (version)
            *version = r->version;
        return OPINFO_OK;
    }
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT r.id, r.version FROM release r JOIN backend b ON b.id = "
                     "r.backend_id WHERE b.name = ?1 AND r.version = ?2",
                     &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, backend, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ver, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    const char *v = NULL;
    if (s == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        v = col_text(db, st, 1);
        if (version)
            *version = v;
    }
    stmt_release(db, st);
    if (s == SQLITE_ROW && !v)
        return version ? oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory")
                       : OPINFO_OK;
    if (s == SQLITE_ROW) {
        release_row *r = keyed ? oi_arena_alloc(&db->arena, sizeof *r) : NULL;
        if (r) { /* kept when there is memory for it; looked up again otherwise */
            r->id = *id;
            r->version = v;
            if (oi_map_put(&db->release_ids, key, r) != 0)
                return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        }
        return OPINFO_OK;
    }
    if (s != SQLITE_DONE)
        return oi_db_error(db, err, "finding the release");
    return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                        "backend \"%s\" has no release \"%s\"", backend, ver);
}

int opinfo_db_find_soc(opinfo_db *db, const char *backend, const char *release, const char *soc,
                       opinfo_soc *out, opinfo_error_t *err)
{
    if (!db || !backend || !soc || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_find_soc: NULL argument");
    sqlite3_int64 rid;
    const char *ver;
    int rc = oi_db_release_id(db, backend, release, &rid, &ver, err);
    if (rc)
        return rc;
    char key[512];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s", backend, ver, soc);
    void *cached;
    if (oi_map_get(&db->socs, key, &cached)) {
        *out = *(opinfo_soc *)cached;
        return OPINFO_OK;
    }
    sqlite3_stmt *st;
    rc = prepare(db,
                 "SELECT s.name, a.name, a.rank, s.vtcm_mb, s.attributes FROM soc s "
                 "JOIN arch a ON a.id = s.arch_id WHERE s.release_id = ?1 AND s.name = ?2",
                 &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_text(st, 2, soc, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    opinfo_soc *o = NULL;
    if (s == SQLITE_ROW && (o = oi_arena_alloc(&db->arena, sizeof *o))) {
        o->name = col_text(db, st, 0);
        o->arch = col_text(db, st, 1);
        o->arch_rank = sqlite3_column_int(st, 2);
        o->vtcm_mb = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        o->attributes = sqlite3_column_type(st, 4) == SQLITE_NULL
                            ? "{}"
                            : col_text(db, st, 4);
    }
    stmt_release(db, st);
    if (s == SQLITE_ROW && (!o || !o->name || !o->arch || !o->attributes))
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    if (s == SQLITE_ROW) {
        if (oi_map_put(&db->socs, key, o) != 0)
            return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        *out = *o;
        return OPINFO_OK;
    }
    if (s != SQLITE_DONE)
        return oi_db_error(db, err, "finding the SoC");
    return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                        "unknown SoC \"%s\" for backend %s %s (see 'opinfo-db list socs')", soc,
                        backend, ver);
}

/* ---- ops ------------------------------------------------------------------------------------ */

static int opt_int(sqlite3_stmt *st, int i, int64_t *v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    *v = sqlite3_column_int64(st, i);
    return 1;
}

static int kind_from_text(const char *k)
{
    for (int i = 0; i <= OPINFO_PORT_OUTPUT; i++)
        if (k && strcmp(opinfo_port_kind_name((opinfo_port_kind)i), k) == 0)
            return i;
    return OPINFO_PORT_INPUT;
}

static unsigned qschemes_from_text(const char *s)
{
    unsigned m = 0;
    char buf[512];
    if (!s)
        return 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        m |= OPINFO_QSCHEME_BIT(opinfo_qscheme_from_name(t));
    return m;
}

/* Loads op row oid with everything below it. */
static int load_op(opinfo_db *db, const char *backend, const char *release, sqlite3_int64 oid,
                   opinfo_op **out, opinfo_error_t *err)
{
    oi_arena *A = &db->arena;
    opinfo_op *op = oi_arena_alloc(A, sizeof *op);
    sqlite3_stmt *st = NULL;
    int rc = OPINFO_OK, s;
    if (!op)
        goto nomem;
    op->backend = oi_arena_strdup(A, backend);
    op->release = oi_arena_strdup(A, release);
    if ((rc = prepare(db, "SELECT name, description, notes FROM op WHERE id = ?1", &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, oid);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        op->name = col_text(db, st, 0);
        op->description = col_text(db, st, 1);
        op->notes = col_text(db, st, 2);
        s = op->name ? SQLITE_DONE : SQLITE_NOMEM;
    }
    stmt_release(db, st);
    if (s != SQLITE_DONE)
        goto fail;

    /* ports */
    if ((rc = prepare(db,
                      "SELECT name, kind, optional, variadic, (SELECT count(*) FROM op_port "
                      "WHERE op_id = ?1) FROM op_port WHERE op_id = ?1 ORDER BY seq",
                      &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, oid);
    opinfo_port *ports = NULL;
    size_t np = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (!ports) {
            size_t total = (size_t)sqlite3_column_int(st, 4);
            if (!(ports = oi_arena_alloc(A, total * sizeof *ports)))
                break;
        }
        ports[np].name = col_text(db, st, 0);
        ports[np].kind = (opinfo_port_kind)kind_from_text((const char *)sqlite3_column_text(st, 1));
        ports[np].optional = sqlite3_column_int(st, 2);
        ports[np].variadic = sqlite3_column_int(st, 3);
        np++;
    }
    stmt_release(db, st);
    if (s != SQLITE_DONE)
        goto fail;
    op->ports = ports;
    op->n_ports = np;

    /* aliases */
    if ((rc = prepare(db,
                      "SELECT framework, alias, (SELECT count(*) FROM op_alias WHERE op_id = ?1) "
                      "FROM op_alias WHERE op_id = ?1 ORDER BY seq",
                      &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, oid);
    opinfo_alias *aliases = NULL;
    size_t na = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (!aliases && !(aliases = oi_arena_alloc(
                              A, (size_t)sqlite3_column_int(st, 2) * sizeof *aliases)))
            break;
        aliases[na].framework = col_text(db, st, 0);
        aliases[na].name = col_text(db, st, 1);
        na++;
    }
    stmt_release(db, st);
    if (s != SQLITE_DONE)
        goto fail;
    op->aliases = aliases;
    op->n_aliases = na;

    /* variants with their port specs: one query, ordered so each variant's rows are adjacent */
    if ((rc = prepare(db,
                      "SELECT v.id, v.name, v.configs, amin.name, amin.rank, amax.name, "
                      "amax.rank, v.gate_note, v.is_dynamic, v.source, "
                      "(SELECT count(*) FROM variant WHERE op_id = ?1), "
                      "(SELECT count(*) FROM variant_port WHERE variant_id = v.id), "
                      "p.port_seq, p.dtype, p.qschemes, p.axes, p.block_axes, "
                      "p.block_size_multiple, p.block_min_size, p.block_max_size, "
                      "p.quant_min_lower_bound, p.quant_max_upper_bound, "
                      "p.scale_min_lower_bound, p.scale_max_upper_bound, p.symmetric, "
                      "p.zero_point, p.fixed_scale, p.fixed_scale_expr, p.fixed_zero_point, "
                      "p.fixed_zero_point_expr, p.shared_with, p.derived_from, p.notes, "
                      "p.is_dynamic "
                      "FROM variant v "
                      "LEFT JOIN arch amin ON amin.id = v.min_arch_id "
                      "LEFT JOIN arch amax ON amax.id = v.max_arch_id "
                      "LEFT JOIN variant_port p ON p.variant_id = v.id "
                      "WHERE v.op_id = ?1 ORDER BY v.seq, p.port_seq",
                      &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, oid);
    opinfo_variant *vars = NULL;
    size_t nv = 0;
    sqlite3_int64 cur = -1;
    opinfo_port_spec *specs = NULL;
    sqlite3_int64 *vids = NULL;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (!vars) {
            size_t total = (size_t)sqlite3_column_int(st, 10);
            vars = oi_arena_alloc(A, total * sizeof *vars);
            vids = oi_arena_alloc(A, total * sizeof *vids);
            if (!vars || !vids)
                break;
        }
        sqlite3_int64 vid = sqlite3_column_int64(st, 0);
        if (vid != cur) {
            cur = vid;
            opinfo_variant *v = &vars[nv];
            vids[nv++] = vid;
            v->name = col_text(db, st, 1);
            v->configs = sqlite3_column_type(st, 2) == SQLITE_NULL ? "" : col_text(db, st, 2);
            v->min_arch = col_text(db, st, 3);
            v->min_arch_rank = sqlite3_column_int(st, 4);
            v->max_arch = col_text(db, st, 5);
            v->max_arch_rank = v->max_arch ? sqlite3_column_int(st, 6) : -1;
            v->gate_note = col_text(db, st, 7);
            v->is_dynamic = sqlite3_column_int(st, 8);
            v->source = col_text(db, st, 9);
            size_t ns = (size_t)sqlite3_column_int(st, 11);
            specs = ns ? oi_arena_alloc(A, ns * sizeof *specs) : NULL;
            if (ns && !specs)
                break;
            v->specs = specs;
            v->n_specs = 0;
        }
        if (sqlite3_column_type(st, 12) == SQLITE_NULL)
            continue; /* a variant without port rows */
        opinfo_variant *v = &vars[nv - 1];
        opinfo_port_spec *p = &specs[v->n_specs++];
        int64_t iv;
        p->port = sqlite3_column_int(st, 12);
        p->dtype = opinfo_dtype_from_name((const char *)sqlite3_column_text(st, 13));
        p->qschemes = qschemes_from_text((const char *)sqlite3_column_text(st, 14));
        p->axes = oi_mask_from_list((const char *)sqlite3_column_text(st, 15));
        p->block_axes = oi_mask_from_list((const char *)sqlite3_column_text(st, 16));
        p->block_size_multiple = opt_int(st, 17, &iv) ? (int)iv : 0;
        p->block_min_size = opt_int(st, 18, &iv) ? (int)iv : 0;
        p->block_max_size = opt_int(st, 19, &iv) ? (int)iv : 0;
        p->has_quant_min_lower_bound = opt_int(st, 20, &p->quant_min_lower_bound);
        p->has_quant_max_upper_bound = opt_int(st, 21, &p->quant_max_upper_bound);
        p->scale_min_lower_bound = sqlite3_column_double(st, 22);
        p->scale_max_upper_bound = sqlite3_column_double(st, 23);
        p->symmetric = opt_int(st, 24, &iv) ? (int)iv : -1;
        p->has_zero_point = opt_int(st, 25, &p->zero_point);
        p->fixed_scale_expr = col_text(db, st, 27);
        p->has_fixed_scale = sqlite3_column_type(st, 26) != SQLITE_NULL || p->fixed_scale_expr;
        p->fixed_scale = sqlite3_column_double(st, 26);
        p->fixed_zero_point_expr = col_text(db, st, 29);
        p->has_fixed_zero_point = opt_int(st, 28, &p->fixed_zero_point) ||
                                  p->fixed_zero_point_expr;
        p->shared_with = opt_int(st, 30, &iv) ? (int)iv : -1;
        p->derived_from = oi_mask_from_list((const char *)sqlite3_column_text(st, 31));
        p->notes = col_text(db, st, 32);
        p->is_dynamic = opt_int(st, 33, &iv) ? (int)iv : -1;
    }
    stmt_release(db, st);
    if (s != SQLITE_DONE)
        goto fail;
    op->variants = vars;
    op->n_variants = nv;

    /* rules */
    if ((rc = prepare(db,
                      "SELECT kind, inputs, output, min, max, min_exclusive, max_exclusive, "
                      "notes, (SELECT count(*) FROM variant_rule WHERE variant_id = ?1) "
                      "FROM variant_rule WHERE variant_id = ?1 ORDER BY seq",
                      &st, err)))
        return rc;
    for (size_t i = 0; i < nv; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, vids[i]);
        opinfo_rule *rules = NULL;
        size_t nr = 0;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            if (!rules && !(rules = oi_arena_alloc(
                                A, (size_t)sqlite3_column_int(st, 8) * sizeof *rules)))
                break;
            opinfo_rule *r = &rules[nr++];
            r->kind = OPINFO_RULE_REQUANT_SCALE;
            r->inputs = oi_mask_from_list((const char *)sqlite3_column_text(st, 1));
            r->output = sqlite3_column_int(st, 2);
            r->min = sqlite3_column_double(st, 3);
            r->max = sqlite3_column_double(st, 4);
            r->min_exclusive = sqlite3_column_int(st, 5);
            r->max_exclusive = sqlite3_column_int(st, 6);
            r->notes = col_text(db, st, 7);
        }
        vars[i].rules = rules;
        vars[i].n_rules = nr;
        if (s != SQLITE_DONE)
            break;
    }
    stmt_release(db, st);
    if (s != SQLITE_DONE && nv)
        goto fail;
    if (db->load_failed) /* a text column's copy */
        goto nomem;
    *out = op;
    return OPINFO_OK;
fail: /* a loop left early: an allocation (s is still SQLITE_ROW) or SQLite's own error */
    if (s != SQLITE_ROW && s != SQLITE_NOMEM)
        return oi_db_error(db, err, "loading an op");
nomem:
    db->load_failed = 0;
    return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
}

int opinfo_db_find_op(opinfo_db *db, const char *backend, const char *release, const char *name,
                      const opinfo_op **out, opinfo_error_t *err)
{
    if (!db || !backend || !name || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_find_op: NULL argument");
    sqlite3_int64 rid;
    const char *ver;
    int rc = oi_db_release_id(db, backend, release, &rid, &ver, err);
    if (rc)
        return rc;
    char key[768];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s", backend, ver, name);
    void *cached;
    if (oi_map_get(&db->ops, key, &cached)) {
        if (!cached)
            return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                                "backend %s %s has no op or alias \"%s\"", backend, ver, name);
        *out = cached;
        return OPINFO_OK;
    }
    sqlite3_stmt *st;
    if ((rc = prepare(db,
                      "SELECT id FROM op WHERE release_id = ?1 AND name = ?2 "
                      "UNION ALL SELECT op_id FROM op_alias WHERE release_id = ?1 AND alias = ?2 "
                      "LIMIT 1",
                      &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_int64 oid = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    stmt_release(db, st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return oi_db_error(db, err, "finding the op");
    opinfo_op *op = NULL;
    if (s == SQLITE_ROW) {
        /* one op under many names: cache by row id too */
        char idkey[96];
        snprintf(idkey, sizeof idkey, "#%lld", (long long)oid);
        if (oi_map_get(&db->ops, idkey, &cached))
            op = cached;
        else {
            if ((rc = load_op(db, backend, ver, oid, &op, err)))
                return rc;
            if (oi_map_put(&db->ops, idkey, op) != 0)
                return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        }
    }
    if (oi_map_put(&db->ops, key, op) != 0)
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    if (!op)
        return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                            "backend %s %s has no op or alias \"%s\"", backend, ver, name);
    *out = op;
    return OPINFO_OK;
}

int opinfo_variant_available(const opinfo_variant *v, int arch_rank)
{
    if (!v)
        return 0;
    if (v->min_arch && arch_rank < v->min_arch_rank)
        return 0;
    if (v->max_arch && arch_rank > v->max_arch_rank)
        return 0;
    return 1;
}

const opinfo_port_spec *opinfo_variant_spec(const opinfo_variant *v, int port)
{
    if (!v)
        return NULL;
    for (size_t i = 0; i < v->n_specs; i++)
        if (v->specs[i].port == port)
            return &v->specs[i];
    return NULL;
}

/* ---- listings ------------------------------------------------------------------------------- */

static int emit_rows(opinfo_db *db, sqlite3_stmt *st, opinfo_row_fn fn, void *ud,
                     opinfo_error_t *err)
{
    int s;
    int n = sqlite3_column_count(st);
    const char *cols[16];
    if (n > 16)
        n = 16;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            cols[i] = (const char *)sqlite3_column_text(st, i);
        if (fn(n, cols, ud) != 0) {
            s = SQLITE_DONE;
            break;
        }
    }
    int rc = s == SQLITE_DONE ? OPINFO_OK : oi_db_error(db, err, "listing");
    stmt_release(db, st);
    return rc;
}

/* A listing of one backend's SoCs or archs, kept in the arena for the next one: a check lists
 * them once per call. */
typedef struct list_rows {
    size_t n;
    int ncols;
    const char **cells; /* n rows of ncols */
} list_rows;

typedef struct list_collect {
    opinfo_db *db;
    opinfo_row_fn fn;
    void *ud;
    const char **cells;
    size_t n, cap;
    int ncols;
    int incomplete; /* a copy failed: nothing is kept */
    int stopped;    /* the caller stopped the listing: the rest is read for the cache alone */
} list_collect;

static int collect_row(int ncols, const char *const *cols, void *ud)
{
    list_collect *l = ud;
    if (!l->incomplete) {
        if (l->n && ncols != l->ncols)
            l->incomplete = 1;
        else if ((l->n + 1) * (size_t)ncols > l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 16 * (size_t)ncols;
            while (cap < (l->n + 1) * (size_t)ncols)
                cap *= 2;
            const char **c = realloc(l->cells, cap * sizeof *c);
            if (!c)
                l->incomplete = 1;
            else {
                l->cells = c;
                l->cap = cap;
            }
        }
        for (int i = 0; !l->incomplete && i < ncols; i++) {
            const char *v = cols[i] ? oi_arena_strdup(&l->db->arena, cols[i]) : NULL;
            if (cols[i] && !v)
                l->incomplete = 1;
            l->cells[l->n * (size_t)ncols + (size_t)i] = v;
        }
        if (!l->incomplete) {
            l->ncols = ncols;
            l->n++;
        }
    }
    if (l->stopped)
        return l->incomplete; /* nothing more to keep either: stop */
    if (l->fn(ncols, cols, l->ud) != 0) {
        l->stopped = 1;
        return l->incomplete;
    }
    return 0;
}

static int list_uncached(opinfo_db *db, opinfo_list_kind kind, const char *backend,
                         const char *release, opinfo_row_fn fn, void *ud, opinfo_error_t *err);

int opinfo_db_list(opinfo_db *db, opinfo_list_kind kind, const char *backend, const char *release,
                   opinfo_row_fn fn, void *ud, opinfo_error_t *err)
{
    if (!db || !fn || !backend || (kind != OPINFO_LIST_SOCS && kind != OPINFO_LIST_ARCHS))
        return list_uncached(db, kind, backend, release, fn, ud, err);
    char key[512];
    int kw = snprintf(key, sizeof key, "%d\x1f%s\x1f%s%s", (int)kind, backend,
                      release ? "=" : "latest", release ? release : "");
    if (kw <= 0 || (size_t)kw >= sizeof key)
        return list_uncached(db, kind, backend, release, fn, ud, err);
    void *cached;
    if (oi_map_get(&db->lists, key, &cached)) {
        const list_rows *rows = cached;
        for (size_t i = 0; i < rows->n; i++)
            if (fn(rows->ncols, rows->cells + i * (size_t)rows->ncols, ud) != 0)
                break;
        return OPINFO_OK;
    }
    list_collect l = {db, fn, ud, NULL, 0, 0, 0, 0, 0};
    opinfo_error_t mine;
    opinfo_error_init(&mine);
    int rc = list_uncached(db, kind, backend, release, collect_row, &l, &mine);
    if (rc != OPINFO_OK && l.stopped) /* after the caller's last row: the listing it saw ended */
        rc = OPINFO_OK;
    else if (rc != OPINFO_OK) {
        if (err)
            *err = mine;
    } else if (!l.incomplete) {
        list_rows *rows = oi_arena_alloc(&db->arena, sizeof *rows);
        size_t ncells = l.n * (size_t)l.ncols;
        const char **cells = ncells ? oi_arena_alloc(&db->arena, ncells * sizeof *cells) : NULL;
        if (rows && (cells || !ncells)) { /* kept when there is memory for it */
            if (ncells)
                memcpy(cells, l.cells, ncells * sizeof *cells);
            rows->n = l.n;
            rows->ncols = l.ncols;
            rows->cells = cells;
            if (oi_map_put(&db->lists, key, rows) != 0)
                rc = oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        }
    }
    free(l.cells);
    return rc;
}

static int list_uncached(opinfo_db *db, opinfo_list_kind kind, const char *backend,
                         const char *release, opinfo_row_fn fn, void *ud, opinfo_error_t *err)
{
    if (!db || !fn)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_list: NULL argument");
    if (kind == OPINFO_LIST_BACKENDS || kind == OPINFO_LIST_RELEASES) {
        const char *sql =
            kind == OPINFO_LIST_BACKENDS
                ? "SELECT b.name, NULL, count(r.id) FROM backend b LEFT JOIN release r ON "
                  "r.backend_id = b.id WHERE ?1 IS NULL OR b.name = ?1 GROUP BY b.id "
                  "ORDER BY b.name"
                : "SELECT b.name, r.version, r.date, r.source, "
                  "(SELECT count(*) FROM op WHERE release_id = r.id), "
                  "(SELECT count(*) FROM variant v JOIN op o ON o.id = v.op_id "
                  "WHERE o.release_id = r.id) FROM release r JOIN backend b ON "
                  "b.id = r.backend_id WHERE ?1 IS NULL OR b.name = ?1 ORDER BY b.name, r.id";
        sqlite3_stmt *st;
        int rc = prepare(db, sql, &st, err);
        if (rc)
            return rc;
        if (backend)
            sqlite3_bind_text(st, 1, backend, -1, SQLITE_STATIC);
        if (kind == OPINFO_LIST_RELEASES)
            return emit_rows(db, st, fn, ud, err);
        /* fill in each backend's latest release (version order) */
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            const char *b = (const char *)sqlite3_column_text(st, 0);
            const char *latest = NULL;
            opinfo_error_t ign;
            opinfo_error_init(&ign);
            if (opinfo_db_latest_release(db, b, &latest, &ign) != OPINFO_OK)
                latest = NULL;
            const char *cols[3] = {b, latest, (const char *)sqlite3_column_text(st, 2)};
            if (fn(3, cols, ud) != 0)
                break;
        }
        stmt_release(db, st);
        return OPINFO_OK;
    }
    /* per-release listings: one backend or all, each at the named or latest release */
    const char *sql = NULL;
    switch (kind) {
    case OPINFO_LIST_SOCS:
        sql = "SELECT ?2, ?3, s.name, a.name, s.vtcm_mb, coalesce(s.attributes, '{}') FROM soc s "
              "JOIN arch a ON a.id = s.arch_id WHERE s.release_id = ?1 ORDER BY s.seq";
        break;
    case OPINFO_LIST_ARCHS:
        sql = "SELECT ?2, ?3, name, rank FROM arch WHERE release_id = ?1 ORDER BY rank";
        break;
    case OPINFO_LIST_OPS:
        sql = "SELECT ?2, ?3, o.name, (SELECT count(*) FROM variant WHERE op_id = o.id), "
              "(SELECT group_concat(alias, ',') FROM (SELECT alias FROM op_alias WHERE "
              "op_id = o.id ORDER BY seq)) FROM op o WHERE o.release_id = ?1 ORDER BY o.seq";
        break;
    case OPINFO_LIST_ALIASES:
        sql = "SELECT ?2, ?3, a.framework, a.alias, o.name FROM op_alias a JOIN op o ON "
              "o.id = a.op_id WHERE a.release_id = ?1 ORDER BY o.seq, a.seq";
        break;
    default:
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_list: unknown kind %d",
                            (int)kind);
    }
    /* the backends to visit */
    sqlite3_stmt *bs;
    int rc = prepare(db, "SELECT name FROM backend WHERE ?1 IS NULL OR name = ?1 ORDER BY name",
                     &bs, err);
    if (rc)
        return rc;
    if (backend)
        sqlite3_bind_text(bs, 1, backend, -1, SQLITE_STATIC);
    int found = 0, bstep = SQLITE_DONE;
    while (rc == OPINFO_OK && (bstep = sqlite3_step(bs)) == SQLITE_ROW) {
        char *b = oi_strdup((const char *)sqlite3_column_text(bs, 0));
        sqlite3_int64 rid;
        const char *ver;
        found = 1;
        if (!b)
            rc = oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        else if ((rc = oi_db_release_id(db, b, release, &rid, &ver, err)) == OPINFO_OK) {
            sqlite3_stmt *st;
            if ((rc = prepare(db, sql, &st, err)) == OPINFO_OK) {
                sqlite3_bind_int64(st, 1, rid);
                sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 3, ver, -1, SQLITE_TRANSIENT);
                rc = emit_rows(db, st, fn, ud, err);
            }
        }
        free(b);
    }
    if (rc == OPINFO_OK && bstep != SQLITE_DONE && bstep != SQLITE_ROW)
        rc = oi_db_error(db, err, "listing backends");
    stmt_release(db, bs);
    if (rc == OPINFO_OK && !found && backend)
        return oi_set_error(err, OPINFO_ENOTFOUND, db->path, 0, 0, 0,
                            "backend \"%s\" has no data in this database", backend);
    return rc;
}
