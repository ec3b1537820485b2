/* Export of a release as constraint-data JSON, and the structural diff of two releases. Both
 * work on the same tree: the canonical JSON form of a release, built from the cached ops, so a
 * release re-imports to identical rows and a diff compares exactly what was imported. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : NULL; }

static void set_opt(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

static json_t *mask_array(unsigned mask)
{
    json_t *a = json_array();
    for (int i = 0; i < 32; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_integer(i));
    return a;
}

static json_t *port_names(const opinfo_op *op, unsigned mask)
{
    json_t *a = json_array();
    for (size_t i = 0; i < op->n_ports && i < 32; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_string(op->ports[i].name));
    return a;
}

/* Tri-state and nullable columns are read again here from SQL, because the public structs fold
 * "absent" and "stated false" together where the validator does not care. */
typedef struct {
    int has_axes, has_qschemes, has_block, has_derived;
    int optional_set, variadic_set;
} raw_flags;

static json_t *spec_json(const opinfo_op *op, const opinfo_port_spec *p, sqlite3_stmt *raw)
{
    json_t *o = json_object();
    json_object_set_new(o, "dtype", json_string(opinfo_dtype_get(p->dtype)->name));
    if (sqlite3_column_type(raw, 0) != SQLITE_NULL) {
        json_t *q = json_array();
        for (int b = 1; b < OPINFO_QSCHEME_COUNT_; b++)
            if (p->qschemes & OPINFO_QSCHEME_BIT(b))
                json_array_append_new(q, json_string(opinfo_qscheme_name((opinfo_qscheme)b)));
        json_object_set_new(o, "qschemes", q);
    }
    if (sqlite3_column_type(raw, 1) != SQLITE_NULL)
        json_object_set_new(o, "axes", mask_array(p->axes));
    if (sqlite3_column_type(raw, 2) != SQLITE_NULL) {
        json_t *b = json_object();
        const char *ba = (const char *)sqlite3_column_text(raw, 2);
        if (ba && *ba)
            json_object_set_new(b, "axes", mask_array(p->block_axes));
        if (p->block_size_multiple)
            json_object_set_new(b, "size_multiple_of", json_integer(p->block_size_multiple));
        if (p->block_min_size)
            json_object_set_new(b, "min_size", json_integer(p->block_min_size));
        if (p->block_max_size)
            json_object_set_new(b, "max_size", json_integer(p->block_max_size));
        json_object_set_new(o, "block", b);
    }
    if (p->has_quant_min_lower_bound)
        json_object_set_new(o, "quant_min_lower_bound", json_integer(p->quant_min_lower_bound));
    if (p->has_quant_max_upper_bound)
        json_object_set_new(o, "quant_max_upper_bound", json_integer(p->quant_max_upper_bound));
    if (sqlite3_column_type(raw, 3) != SQLITE_NULL)
        json_object_set_new(o, "scale_min_lower_bound", json_real(p->scale_min_lower_bound));
    if (sqlite3_column_type(raw, 4) != SQLITE_NULL)
        json_object_set_new(o, "scale_max_upper_bound", json_real(p->scale_max_upper_bound));
    if (p->symmetric >= 0)
        json_object_set_new(o, "symmetric", json_boolean(p->symmetric));
    if (p->is_dynamic >= 0)
        json_object_set_new(o, "is_dynamic", json_boolean(p->is_dynamic));
    if (p->has_zero_point)
        json_object_set_new(o, "zero_point", json_integer(p->zero_point));
    if (p->fixed_scale_expr)
        json_object_set_new(o, "fixed_scale", json_string(p->fixed_scale_expr));
    else if (p->has_fixed_scale)
        json_object_set_new(o, "fixed_scale", json_real(p->fixed_scale));
    if (p->fixed_zero_point_expr)
        json_object_set_new(o, "fixed_zero_point", json_string(p->fixed_zero_point_expr));
    else if (p->has_fixed_zero_point)
        json_object_set_new(o, "fixed_zero_point", json_integer(p->fixed_zero_point));
    if (p->shared_with >= 0)
        json_object_set_new(o, "shared_with", json_string(op->ports[p->shared_with].name));
    if (p->derived_from)
        json_object_set_new(o, "derived_from", port_names(op, p->derived_from));
    set_opt(o, "notes", str_or_null(p->notes));
    return o;
}

static int op_json(opinfo_db *db, const opinfo_op *op, sqlite3_int64 oid, json_t **out,
                   opinfo_error_t *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(op->name));
    set_opt(o, "description", str_or_null(op->description));
    if (op->n_aliases) {
        json_t *al = json_object();
        for (size_t i = 0; i < op->n_aliases; i++) {
            json_t *list = json_object_get(al, op->aliases[i].framework);
            if (!list) {
                list = json_array();
                /* on failure jansson has freed list; the watched allocator reports it */
                if (json_object_set_new(al, op->aliases[i].framework, list) != 0)
                    list = NULL;
            }
            json_array_append_new(list, json_string(op->aliases[i].name)); /* NULL list: no-op */
        }
        json_object_set_new(o, "aliases", al);
    }
    json_t *ports = json_array();
    for (size_t i = 0; i < op->n_ports; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(op->ports[i].name));
        json_object_set_new(p, "kind", json_string(opinfo_port_kind_name(op->ports[i].kind)));
        json_array_append_new(ports, p);
    }
    if (json_object_set_new(o, "ports", ports) != 0)
        ports = NULL; /* freed by jansson; the watched allocator reports the failure */
    /* nullable columns the public structs do not distinguish */
    sqlite3_stmt *pst, *vst, *sst;
    if (sqlite3_prepare_v2(db->sq,
                           "SELECT optional, variadic FROM op_port WHERE op_id = ?1 ORDER BY seq",
                           -1, &pst, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(pst, 1, oid);
    for (size_t i = 0; i < op->n_ports && sqlite3_step(pst) == SQLITE_ROW; i++) {
        json_t *p = json_array_get(ports, i);
        if (sqlite3_column_type(pst, 0) != SQLITE_NULL)
            json_object_set_new(p, "optional", json_boolean(sqlite3_column_int(pst, 0)));
        if (sqlite3_column_type(pst, 1) != SQLITE_NULL)
            json_object_set_new(p, "variadic", json_boolean(sqlite3_column_int(pst, 1)));
    }
    sqlite3_finalize(pst);
    if (sqlite3_prepare_v2(db->sq,
                           "SELECT id, configs, is_dynamic, notes FROM variant WHERE op_id = ?1 "
                           "ORDER BY seq",
                           -1, &vst, NULL) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_prepare_v2(db->sq,
                           "SELECT qschemes, axes, block_axes, scale_min_lower_bound, "
                           "scale_max_upper_bound FROM variant_port WHERE variant_id = ?1 "
                           "AND port_seq = ?2",
                           -1, &sst, NULL) != SQLITE_OK) {
        sqlite3_finalize(vst);
        goto sqlfail;
    }
    sqlite3_bind_int64(vst, 1, oid);
    json_t *vars = json_array();
    for (size_t i = 0; i < op->n_variants && sqlite3_step(vst) == SQLITE_ROW; i++) {
        const opinfo_variant *v = &op->variants[i];
        sqlite3_int64 vid = sqlite3_column_int64(vst, 0);
        json_t *vj = json_object();
        json_object_set_new(vj, "name", json_string(v->name));
        if (sqlite3_column_type(vst, 1) != SQLITE_NULL) {
            json_t *c = json_array();
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", v->configs);
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
                 t = strtok_r(NULL, ",", &save))
                json_array_append_new(c, json_string(t));
            json_object_set_new(vj, "configs", c);
        }
        set_opt(vj, "min_arch", str_or_null(v->min_arch));
        set_opt(vj, "max_arch", str_or_null(v->max_arch));
        set_opt(vj, "gate_note", str_or_null(v->gate_note));
        if (sqlite3_column_type(vst, 2) != SQLITE_NULL)
            json_object_set_new(vj, "is_dynamic", json_boolean(v->is_dynamic));
        json_t *specs = json_object();
        for (size_t k = 0; k < v->n_specs; k++) {
            sqlite3_reset(sst);
            sqlite3_bind_int64(sst, 1, vid);
            sqlite3_bind_int(sst, 2, v->specs[k].port);
            if (sqlite3_step(sst) != SQLITE_ROW)
                continue;
            json_object_set_new(specs, op->ports[v->specs[k].port].name,
                                spec_json(op, &v->specs[k], sst));
        }
        json_object_set_new(vj, "ports", specs);
        if (v->n_rules) {
            json_t *rules = json_array();
            for (size_t r = 0; r < v->n_rules; r++) {
                const opinfo_rule *ru = &v->rules[r];
                json_t *rj = json_object();
                json_object_set_new(rj, "kind", json_string("requant_scale"));
                json_object_set_new(rj, "inputs", port_names(op, ru->inputs));
                json_object_set_new(rj, "output", json_string(op->ports[ru->output].name));
                json_object_set_new(rj, "min", json_real(ru->min));
                json_object_set_new(rj, "max", json_real(ru->max));
                if (ru->min_exclusive)
                    json_object_set_new(rj, "min_exclusive", json_true());
                if (ru->max_exclusive)
                    json_object_set_new(rj, "max_exclusive", json_true());
                set_opt(rj, "notes", str_or_null(ru->notes));
                json_array_append_new(rules, rj);
            }
            json_object_set_new(vj, "rules", rules);
        }
        set_opt(vj, "source", str_or_null(v->source));
        set_opt(vj, "notes", str_or_null((const char *)sqlite3_column_text(vst, 3)));
        json_array_append_new(vars, vj);
    }
    sqlite3_finalize(sst);
    sqlite3_finalize(vst);
    json_object_set_new(o, "variants", vars);
    set_opt(o, "notes", str_or_null(op->notes));
    *out = o;
    return OPINFO_OK;
sqlfail:
    json_decref(o);
    return oi_db_error(db, err, "exporting an op");
}

int oi_db_export_tree(opinfo_db *db, const char *backend, const char *release, json_t **out,
                      opinfo_error_t *err)
{
    sqlite3_int64 rid;
    const char *ver;
    int rc = oi_db_release_id(db, backend, release, &rid, &ver, err);
    if (rc)
        return rc;
    json_t *root = json_object();
    json_object_set_new(root, "opinfo_constraints", json_integer(OPINFO_CONSTRAINTS_FORMAT));
    json_object_set_new(root, "backend", json_string(backend));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sq,
                           "SELECT version, date, source, notes, description FROM release "
                           "WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, rid);
    json_t *rel = json_object();
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *desc = (const char *)sqlite3_column_text(st, 4);
        set_opt(root, "description", str_or_null(desc));
        json_object_set_new(rel, "version", json_string((const char *)sqlite3_column_text(st, 0)));
        json_object_set_new(rel, "date", json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(rel, "source", json_string((const char *)sqlite3_column_text(st, 2)));
        set_opt(rel, "notes", str_or_null((const char *)sqlite3_column_text(st, 3)));
    }
    sqlite3_finalize(st);
    json_object_set_new(root, "release", rel);
    json_t *archs = json_array();
    json_object_set_new(root, "archs", archs); /* owned by root from here, on every path */
    if (sqlite3_prepare_v2(db->sq, "SELECT name, rank FROM arch WHERE release_id = ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, rid);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(archs, json_pack("{s:s, s:i}", "name", sqlite3_column_text(st, 0),
                                               "rank", sqlite3_column_int(st, 1)));
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) /* a step that fails (out of memory) must not export a short release */
        goto sqlfail;
    json_t *socs = json_array();
    json_object_set_new(root, "socs", socs);
    if (sqlite3_prepare_v2(db->sq,
                           "SELECT s.name, a.name, s.vtcm_mb, s.attributes FROM soc s JOIN arch a "
                           "ON a.id = s.arch_id WHERE s.release_id = ?1 ORDER BY s.seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, rid);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *s = json_pack("{s:s, s:s}", "name", sqlite3_column_text(st, 0), "arch",
                              sqlite3_column_text(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            json_object_set_new(s, "vtcm_mb", json_integer(sqlite3_column_int64(st, 2)));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            json_t *at = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
            set_opt(s, "attributes", at);
        }
        json_array_append_new(socs, s);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        goto sqlfail;
    json_t *ops = json_array();
    json_object_set_new(root, "ops", ops);
    if (sqlite3_prepare_v2(db->sq, "SELECT id, name FROM op WHERE release_id = ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, rid);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 oid = sqlite3_column_int64(st, 0);
        char *name = oi_strdup((const char *)sqlite3_column_text(st, 1));
        const opinfo_op *op;
        json_t *oj = NULL;
        rc = name ? opinfo_db_find_op(db, backend, ver, name, &op, err)
                  : oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        free(name);
        if (rc == OPINFO_OK)
            rc = op_json(db, op, oid, &oj, err);
        if (rc != OPINFO_OK) {
            sqlite3_finalize(st);
            json_decref(root);
            return rc;
        }
        json_array_append_new(ops, oj);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        goto sqlfail;
    *out = root;
    return OPINFO_OK;
sqlfail:
    json_decref(root);
    return oi_db_error(db, err, "exporting the release");
}

int opinfo_db_export(opinfo_db *db, const char *backend, const char *release, char **out,
                     opinfo_error_t *err)
{
    if (!db || !backend || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_export: NULL argument");
    json_t *root;
    oi_json_watch(); /* a value jansson failed to add would be a release exported short */
    int rc = oi_db_export_tree(db, backend, release, &root, err);
    if (rc)
        return rc;
    char *s = oi_json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (oi_json_failed()) {
        free(s);
        s = NULL;
    }
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    /* one trailing newline, as a text file has */
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    *out = t;
    return OPINFO_OK;
}

/* ---- diff ----------------------------------------------------------------------------------- */

typedef struct {
    opinfo_row_fn fn;
    void *ud;
    size_t count;
    int stop;
} differ;

static void change(differ *d, const char *kind, const char *what, const char *field, json_t *a,
                   json_t *b)
{
    d->count++;
    if (d->stop || !d->fn)
        return;
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
    char *as = a ? oi_json_dumps(a, flags) : NULL;
    char *bs = b ? oi_json_dumps(b, flags) : NULL;
    const char *cols[5] = {kind, what, field, as, bs};
    if (d->fn(5, cols, d->ud) != 0)
        d->stop = 1;
    free(as);
    free(bs);
}

/* Fields of two objects, except the keyed sub-lists handled by the caller. */
static void diff_fields(differ *d, const char *what, json_t *a, json_t *b,
                        const char *const *skip)
{
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v)
    {
        int skipped = 0;
        for (const char *const *s = skip; s && *s; s++)
            skipped |= strcmp(*s, k) == 0;
        if (skipped)
            continue;
        json_t *w = json_object_get(b, k);
        if (!w)
            change(d, "~", what, k, v, NULL);
        else if (!json_equal(v, w))
            change(d, "~", what, k, v, w);
    }
    json_object_foreach(b, k, v)
    {
        int skipped = 0;
        for (const char *const *s = skip; s && *s; s++)
            skipped |= strcmp(*s, k) == 0;
        if (!skipped && !json_object_get(a, k))
            change(d, "~", what, k, NULL, v);
    }
}

static json_t *by_name(json_t *arr, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(json_object_get(v, "name")),
                                             name) == 0) return v;
    return NULL;
}

typedef void (*item_diff)(differ *d, const char *what, json_t *a, json_t *b);

/* Items of two name-keyed arrays: removed, added, and changed (through fn). */
static void diff_named(differ *d, const char *prefix, const char *noun, json_t *a, json_t *b,
                       item_diff fn)
{
    size_t i;
    json_t *v;
    char what[512];
    json_array_foreach(a, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        snprintf(what, sizeof what, "%s%s%s %s", prefix, *prefix ? " " : "", noun, n);
        json_t *w = by_name(b, n);
        if (!w)
            change(d, "-", what, NULL, v, NULL);
        else if (!json_equal(v, w))
            fn(d, what, v, w);
    }
    json_array_foreach(b, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        snprintf(what, sizeof what, "%s%s%s %s", prefix, *prefix ? " " : "", noun, n);
        if (!by_name(a, n))
            change(d, "+", what, NULL, NULL, v);
    }
}

static void diff_plain(differ *d, const char *what, json_t *a, json_t *b)
{
    diff_fields(d, what, a, b, NULL);
}

static void diff_variant(differ *d, const char *what, json_t *a, json_t *b)
{
    static const char *const skip[] = {"ports", NULL};
    diff_fields(d, what, a, b, skip);
    json_t *pa = json_object_get(a, "ports"), *pb = json_object_get(b, "ports");
    const char *k;
    json_t *v;
    char pw[640];
    json_object_foreach(pa, k, v)
    {
        snprintf(pw, sizeof pw, "%s port %s", what, k);
        json_t *w = json_object_get(pb, k);
        if (!w)
            change(d, "-", pw, NULL, v, NULL);
        else if (!json_equal(v, w))
            diff_fields(d, pw, v, w, NULL);
    }
    json_object_foreach(pb, k, v)
    {
        snprintf(pw, sizeof pw, "%s port %s", what, k);
        if (!json_object_get(pa, k))
            change(d, "+", pw, NULL, NULL, v);
    }
}

static void diff_op(differ *d, const char *what, json_t *a, json_t *b)
{
    static const char *const skip[] = {"variants", NULL};
    diff_fields(d, what, a, b, skip);
    diff_named(d, what, "variant", json_object_get(a, "variants"), json_object_get(b, "variants"),
               diff_variant);
}

int opinfo_db_diff(opinfo_db *db, const char *backend, const char *ra, const char *rb,
                   opinfo_row_fn fn, void *ud, size_t *count, opinfo_error_t *err)
{
    if (!db || !backend || !ra || !rb)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_diff: NULL argument");
    json_t *a = NULL, *b = NULL;
    int rc = oi_db_export_tree(db, backend, ra, &a, err);
    if (rc == OPINFO_OK)
        rc = oi_db_export_tree(db, backend, rb, &b, err);
    if (rc == OPINFO_OK) {
        differ d = {fn, ud, 0, 0};
        /* the release block always differs; report only what the data says */
        json_t *da = json_pack("{s:O?}", "description", json_object_get(a, "description"));
        json_t *db_ = json_pack("{s:O?}", "description", json_object_get(b, "description"));
        diff_plain(&d, "backend", da, db_);
        json_decref(da);
        json_decref(db_);
        diff_named(&d, "", "arch", json_object_get(a, "archs"), json_object_get(b, "archs"),
                   diff_plain);
        diff_named(&d, "", "soc", json_object_get(a, "socs"), json_object_get(b, "socs"),
                   diff_plain);
        diff_named(&d, "", "op", json_object_get(a, "ops"), json_object_get(b, "ops"), diff_op);
        if (count)
            *count = d.count;
    }
    json_decref(a);
    json_decref(b);
    return rc;
}
