/* Import of a QNN BackendOpInfo dump (docs/backendopinfo-dump.md, schemas/backendopinfo.schema.json):
 * the dump is checked fully (every problem reported as file:line:col), converted into one release
 * in the constraint-data format, with the architectures, SoCs, port names and aliases of the
 * backend's newest release in the database, and imported through the ordinary importer, in one
 * transaction. Nothing is written unless the dump and the converted release are clean. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define MAX_DUMP_BYTES (64u << 20)
#define MAX_ERRORS 200
#define MAX_PORTS 32
#define MAX_OPTIONS 8      /* encodings of one port that need variants of their own */
#define MAX_EXPANSION 64   /* variants one OpInfo may become */

typedef struct {
    const char *file, *text;
    size_t len;
    oi_jpath path;
    int nerrors, stopped, nomem;
    opinfo_report_fn report;
    void *ud;
    opinfo_error_t *err;
} conv;

static void bad(conv *c, int at_key, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static void bad(conv *c, int at_key, const char *fmt, ...)
{
    if (c->stopped)
        return;
    int line = 0, col = 0;
    long pos = 0;
    oi_json_locate(c->text, c->len, &c->path, at_key, &line, &col, &pos);
    opinfo_error_t e;
    opinfo_error_init(&e);
    va_list ap;
    va_start(ap, fmt);
    oi_set_errorv(&e, OPINFO_EINPUT, c->file, line, col, pos, fmt, ap);
    va_end(ap);
    if (!c->nerrors)
        oi_set_error(c->err, e.code, e.source, e.line, e.column, e.position, "%s", e.text);
    c->nerrors++;
    if (c->report && c->report(&e, c->ud) != 0)
        c->stopped = 1;
    if (c->nerrors >= MAX_ERRORS)
        c->stopped = 1;
}

/* A string member's text, "" when absent (or when an allocation failed on the way). */
static const char *sv(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

#define KEY(c, k) oi_jpath_push_key(&(c)->path, (k))
#define IDX(c, i) oi_jpath_push_index(&(c)->path, (i))
#define POP(c) oi_jpath_pop(&(c)->path)

/* Every object rejects keys outside its list (positions at the key). */
static int known_keys(conv *c, json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    int ok = 1;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!keys[i]) {
            KEY(c, k);
            bad(c, 1, "unknown key \"%s\"", k);
            POP(c);
            ok = 0;
        }
    }
    return ok;
}

/* A member of type want (0 = any), required or not. Reports a missing or mistyped member. */
static json_t *member(conv *c, json_t *o, const char *key, json_type want, int required,
                      const char *what)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            bad(c, 0, "%s lacks \"%s\"", what, key);
        return NULL;
    }
    if (want == JSON_INTEGER ? !json_is_integer(v)
        : want == JSON_TRUE   ? !json_is_boolean(v)
        : want == JSON_REAL   ? !json_is_number(v)
                              : json_typeof(v) != want) {
        static const char *names[] = {"an object", "an array", "a string", "an integer",
                                      "a number", "a boolean", "a boolean", "null"};
        KEY(c, key);
        bad(c, 0, "\"%s\" must be %s", key, names[want]);
        POP(c);
        return NULL;
    }
    return v;
}

/* ---- QNN enums ------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    int value;
    const char *dtype; /* opinfo dtype, NULL when opinfo has none */
    int fixed_point;
} qnn_dt;

static const qnn_dt DATATYPES[] = {
    {"INT_8", 0x0008, "int8", 0},          {"INT_16", 0x0016, "int16", 0},
    {"INT_32", 0x0032, "int32", 0},        {"INT_64", 0x0064, "int64", 0},
    {"UINT_8", 0x0108, "uint8", 0},        {"UINT_16", 0x0116, "uint16", 0},
    {"UINT_32", 0x0132, "uint32", 0},      {"UINT_64", 0x0164, NULL, 0},
    {"FLOAT_16", 0x0216, "float16", 0},    {"FLOAT_32", 0x0232, "float32", 0},
    {"FLOAT_64", 0x0264, NULL, 0},         {"SFIXED_POINT_4", 0x0304, "int4", 1},
    {"SFIXED_POINT_8", 0x0308, "int8", 1}, {"SFIXED_POINT_16", 0x0316, "int16", 1},
    {"SFIXED_POINT_32", 0x0332, "int32", 1}, {"UFIXED_POINT_4", 0x0404, "uint4", 1},
    {"UFIXED_POINT_8", 0x0408, "uint8", 1}, {"UFIXED_POINT_16", 0x0416, "uint16", 1},
    {"UFIXED_POINT_32", 0x0432, "uint32", 1}, {"BOOL_8", 0x0508, "bool", 0},
    {"STRING", 0x0608, NULL, 0},           {"UNDEFINED", 0x7FFFFFFF, NULL, 0},
};

enum { ENC_SCALE_OFFSET, ENC_AXIS, ENC_BW, ENC_BW_AXIS, ENC_BLOCK, ENC_BLOCKWISE, ENC_VECTOR };
static const struct {
    const char *name;
    int value;
} ENCODINGS[] = {{"SCALE_OFFSET", 0},        {"AXIS_SCALE_OFFSET", 1}, {"BW_SCALE_OFFSET", 2},
                 {"BW_AXIS_SCALE_OFFSET", 3}, {"BLOCK", 4},             {"BLOCKWISE_EXPANSION", 5},
                 {"VECTOR", 6}};

/* A name with or without its QNN_..._ prefix, or the enum's integer value. -1 when unknown. */
static int enum_index(json_t *v, const char *prefix, size_t n, const char *(*name)(size_t),
                      int (*value)(size_t))
{
    if (json_is_integer(v)) {
        for (size_t i = 0; i < n; i++)
            if (json_integer_value(v) == value(i))
                return (int)i;
        return -1;
    }
    const char *s = json_string_value(v);
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl) == 0)
        s += pl;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, name(i)) == 0)
            return (int)i;
    return -1;
}

static const char *dt_name(size_t i) { return DATATYPES[i].name; }
static int dt_value(size_t i) { return DATATYPES[i].value; }
static const char *enc_name(size_t i) { return ENCODINGS[i].name; }
static int enc_value(size_t i) { return ENCODINGS[i].value; }
#define N_DT (sizeof DATATYPES / sizeof DATATYPES[0])
#define N_ENC (sizeof ENCODINGS / sizeof ENCODINGS[0])

/* ---- one port of one OpInfo: its options (a dtype with its constraints each) ----------------- */

typedef struct {
    json_t *spec;    /* the port spec (owned) */
    int shared;      /* is_math_invariant */
} option;

typedef struct {
    option opt[MAX_OPTIONS];
    size_t n;
    int onward; /* applicable_from_current_dtype_onward */
} port_opts;

static const char *four_bit(const char *dtype)
{
    return strcmp(dtype, "int8") == 0 ? "int4" : strcmp(dtype, "uint8") == 0 ? "uint4" : NULL;
}

static void add_qscheme(json_t *spec, const char *q)
{
    json_t *a = json_object_get(spec, "qschemes");
    if (!a) {
        a = json_array();
        json_object_set_new(spec, "qschemes", a);
    }
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) if (strcmp(sv(x), q) == 0) return;
    json_array_append_new(a, json_string(q));
}

/* BackendOpInfo axes count in QNN's tensor layout (a conv weight is HWIO, its output channels
 * on axis 3), not in the framework layout a qgraph uses: they are kept as a note, not checked. */
static void add_axes(json_t *spec, json_t *axes)
{
    char buf[128] = "BackendOpInfo axis (QNN layout, not checked):";
    size_t used = strlen(buf), i;
    json_t *x;
    json_array_foreach(axes, i, x)
    {
        int w = snprintf(buf + used, sizeof buf - used, " %lld", (long long)json_integer_value(x));
        if (w > 0 && (size_t)w < sizeof buf - used)
            used += (size_t)w;
    }
    if (!json_object_get(spec, "notes"))
        json_object_set_new(spec, "notes", json_string(buf));
}

/* The option of dtype in o, created on first use. */
static option *option_for(port_opts *o, const char *dtype)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(sv(json_object_get(o->opt[i].spec, "dtype")), dtype) == 0)
            return &o->opt[i];
    if (o->n >= MAX_OPTIONS)
        return NULL;
    option *p = &o->opt[o->n++];
    p->spec = json_pack("{s:s}", "dtype", dtype);
    p->shared = 0;
    return p;
}

static void port_opts_free(port_opts *o)
{
    for (size_t i = 0; i < o->n; i++)
        json_decref(o->opt[i].spec);
    o->n = 0;
}

/* One quant constraint: its encodings shape options of the port. */
static void read_constraint(conv *c, json_t *qc, const char *dtype, port_opts *o)
{
    static const char *const keys[] = {"encoding_types", "is_symmetric", "axis",
                                       "is_math_invariant", "scale", "offset", "notes", NULL};
    if (!json_is_object(qc)) {
        bad(c, 0, "a quant constraint must be an object");
        return;
    }
    known_keys(c, qc, keys);
    json_t *encs = member(c, qc, "encoding_types", JSON_ARRAY, 1, "quant constraint");
    json_t *sym = json_object_get(qc, "is_symmetric");
    json_t *axis = json_object_get(qc, "axis");
    json_t *inv = json_object_get(qc, "is_math_invariant");
    json_t *scale = json_object_get(qc, "scale");
    json_t *offset = json_object_get(qc, "offset");
    int symmetric = 0, invariant = 0;
    if (sym && !json_is_null(sym)) {
        if (!json_is_boolean(sym)) {
            KEY(c, "is_symmetric");
            bad(c, 0, "\"is_symmetric\" must be a boolean or null");
            POP(c);
        } else
            symmetric = json_is_true(sym);
    }
    if (inv && !json_is_null(inv)) {
        if (!json_is_boolean(inv)) {
            KEY(c, "is_math_invariant");
            bad(c, 0, "\"is_math_invariant\" must be a boolean or null");
            POP(c);
        } else
            invariant = json_is_true(inv);
    }
    json_t *axes = NULL;
    if (axis && !json_is_null(axis)) {
        KEY(c, "axis");
        axes = json_is_integer(axis) ? json_pack("[O]", axis) : json_incref(axis);
        size_t i;
        json_t *x;
        if (!json_is_array(axes) || !json_array_size(axes)) {
            bad(c, 0, "\"axis\" must be an integer, a non-empty array of integers or null");
            json_decref(axes);
            axes = NULL;
        } else
            json_array_foreach(axes, i, x)
            {
                if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                    json_integer_value(x) > 7) {
                    if (json_is_array(axis))
                        IDX(c, i);
                    bad(c, 0, "an axis must be an integer 0..7");
                    if (json_is_array(axis))
                        POP(c);
                    json_decref(axes);
                    axes = NULL;
                    break;
                }
            }
        POP(c);
    }
    double fscale = 0;
    long long foffset = 0;
    int fixed = 0;
    int has_scale = scale && !json_is_null(scale), has_offset = offset && !json_is_null(offset);
    if (has_scale && (!json_is_number(scale) || !(json_number_value(scale) > 0) ||
                      !isfinite(json_number_value(scale)))) {
        KEY(c, "scale");
        bad(c, 0, "\"scale\" must be a finite number > 0 or null");
        POP(c);
        has_scale = 0;
    }
    if (has_offset && !json_is_integer(offset)) {
        KEY(c, "offset");
        bad(c, 0, "\"offset\" must be an integer or null (QNN's offset, minus the zero point)");
        POP(c);
        has_offset = 0;
    }
    if (has_scale != has_offset && (scale || offset)) {
        KEY(c, has_scale ? "offset" : "scale");
        bad(c, !(has_scale ? offset : scale), "\"scale\" and \"offset\" fix the encoding together: give both or neither");
        POP(c);
    } else if (has_scale && has_offset) {
        fixed = 1;
        fscale = json_number_value(scale);
        foffset = json_integer_value(offset);
    }
    if (!encs) {
        json_decref(axes);
        return;
    }
    KEY(c, "encoding_types");
    if (!json_array_size(encs))
        bad(c, 0, "\"encoding_types\" must not be empty");
    size_t i;
    json_t *e;
    json_array_foreach(encs, i, e)
    {
        IDX(c, i);
        int k = (json_is_string(e) || json_is_integer(e))
                    ? enum_index(e, "QNN_QUANTIZATION_ENCODING_", N_ENC, enc_name, enc_value)
                    : -1;
        if (k < 0) {
            bad(c, 0, "unknown quantization encoding (SCALE_OFFSET, AXIS_SCALE_OFFSET, "
                      "BW_SCALE_OFFSET, BW_AXIS_SCALE_OFFSET, BLOCK, BLOCKWISE_EXPANSION, VECTOR "
                      "or their Qnn_QuantizationEncoding_t values)");
            POP(c);
            continue;
        }
        if (k == ENC_BLOCK || k == ENC_VECTOR) {
            bad(c, 0, "encoding %s has no counterpart in the constraint format",
                ENCODINGS[k].name);
            POP(c);
            continue;
        }
        const char *dt = dtype;
        if (k == ENC_BW || k == ENC_BW_AXIS || k == ENC_BLOCKWISE) {
            dt = four_bit(dtype);
            if (!dt && (!strcmp(dtype, "int4") || !strcmp(dtype, "uint4")))
                dt = dtype;
            if (!dt) {
                bad(c, 0, "encoding %s needs an 8-bit or 4-bit fixed-point datatype, not %s",
                    ENCODINGS[k].name, dtype);
                POP(c);
                continue;
            }
        }
        option *p = option_for(o, dt);
        if (!p) {
            bad(c, 0, "too many encodings on one port");
            POP(c);
            continue;
        }
        if (k == ENC_BLOCKWISE)
            add_qscheme(p->spec, "per_block_symmetric");
        else {
            int per_channel = k == ENC_AXIS || k == ENC_BW_AXIS;
            add_qscheme(p->spec, per_channel ? "per_channel_symmetric" : "per_tensor_symmetric");
            if (!symmetric)
                add_qscheme(p->spec, per_channel ? "per_channel_affine" : "per_tensor_affine");
        }
        if (axes && (k == ENC_AXIS || k == ENC_BW_AXIS || k == ENC_BLOCKWISE))
            add_axes(p->spec, axes);
        if (fixed) {
            json_t *had = json_object_get(p->spec, "fixed_scale");
            if (had && (json_real_value(had) != fscale ||
                        json_integer_value(json_object_get(p->spec, "fixed_zero_point")) !=
                            -foffset)) {
                POP(c);
                POP(c);
                KEY(c, "scale");
                bad(c, 0, "a second fixed encoding on the same port differs from the first");
                POP(c);
                KEY(c, "encoding_types");
                IDX(c, i);
            } else {
                json_object_set_new(p->spec, "fixed_scale", json_real(fscale));
                json_object_set_new(p->spec, "fixed_zero_point", json_integer(-foffset));
            }
        }
        p->shared |= invariant;
        POP(c);
    }
    POP(c);
    json_decref(axes);
}

/* One DatatypeInfo into its options. 0 on success. */
static int read_datatype(conv *c, json_t *di, port_opts *o)
{
    static const char *const keys[] = {"datatype", "applicable_from_current_dtype_onward",
                                       "quant_constraints", "notes", NULL};
    memset(o, 0, sizeof *o);
    if (!json_is_object(di)) {
        bad(c, 0, "a DatatypeInfo must be an object");
        return -1;
    }
    int before = c->nerrors;
    known_keys(c, di, keys);
    json_t *dt = json_object_get(di, "datatype");
    if (!dt) {
        bad(c, 0, "DatatypeInfo lacks \"datatype\"");
        return -1;
    }
    KEY(c, "datatype");
    int k = (json_is_string(dt) || json_is_integer(dt))
                ? enum_index(dt, "QNN_DATATYPE_", N_DT, dt_name, dt_value)
                : -1;
    if (k < 0) {
        bad(c, 0, "unknown QNN datatype (a Qnn_DataType_t name such as UFIXED_POINT_8, or its "
                  "value)");
        POP(c);
        return -1;
    }
    if (!DATATYPES[k].dtype) {
        bad(c, 0, "datatype %s has no counterpart in the constraint format", DATATYPES[k].name);
        POP(c);
        return -1;
    }
    POP(c);
    json_t *on = member(c, di, "applicable_from_current_dtype_onward", JSON_TRUE, 0,
                        "DatatypeInfo");
    o->onward = on && json_is_true(on);
    json_t *qcs = member(c, di, "quant_constraints", JSON_ARRAY, 0, "DatatypeInfo");
    if (qcs && json_array_size(qcs)) {
        if (!DATATYPES[k].fixed_point) {
            KEY(c, "quant_constraints");
            bad(c, 0, "datatype %s is not fixed point: it takes no quant constraints",
                DATATYPES[k].name);
            POP(c);
        } else {
            KEY(c, "quant_constraints");
            size_t i;
            json_t *qc;
            json_array_foreach(qcs, i, qc)
            {
                IDX(c, i);
                read_constraint(c, qc, DATATYPES[k].dtype, o);
                POP(c);
            }
            POP(c);
        }
    }
    if (!o->n)
        option_for(o, DATATYPES[k].dtype); /* unconstrained */
    return c->nerrors > before ? -1 : 0;
}

/* ---- conversion ---------------------------------------------------------------------------- */

typedef struct {
    char name[64];
    const char *kind;
    int optional, variadic;
} port_def;

/* The base op's non-output (side 0) or output (side 1) ports, in order. */
static size_t base_ports(json_t *base_op, int side, json_t **out, size_t cap)
{
    size_t n = 0, i;
    json_t *p;
    json_array_foreach(json_object_get(base_op, "ports"), i, p)
    {
        int is_out = strcmp(sv(json_object_get(p, "kind")), "output") == 0;
        if (is_out == side && n < cap)
            out[n++] = p;
    }
    return n;
}

typedef struct {
    port_opts in[MAX_PORTS], out[MAX_PORTS];
    size_t nin, nout;
} opinfo_read;

static void opinfo_read_free(opinfo_read *r)
{
    for (size_t i = 0; i < r->nin; i++)
        port_opts_free(&r->in[i]);
    for (size_t i = 0; i < r->nout; i++)
        port_opts_free(&r->out[i]);
}

/* Expands one OpInfo into variants (the cartesian product of its ports' options). */
static void expand(conv *c, opinfo_read *r, port_def *defs_in, port_def *defs_out, size_t index,
                   json_t *variants)
{
    size_t total = 1;
    for (size_t i = 0; i < r->nin; i++)
        total *= r->in[i].n;
    for (size_t i = 0; i < r->nout; i++)
        total *= r->out[i].n;
    if (total > MAX_EXPANSION) {
        bad(c, 0, "this OpInfo's encodings make %zu variants (at most %d)", total, MAX_EXPANSION);
        return;
    }
    for (size_t t = 0; t < total; t++) {
        size_t rest = t;
        json_t *ports = json_object();
        char summary[512];
        size_t used = 0;
        summary[0] = '\0';
        for (int side = 0; side < 2; side++) {
            size_t n = side ? r->nout : r->nin;
            for (size_t i = 0; i < n; i++) {
                port_opts *po = side ? &r->out[i] : &r->in[i];
                option *op = &po->opt[rest % po->n];
                rest /= po->n;
                json_t *spec = json_deep_copy(op->spec);
                const char *pname = side ? defs_out[i].name : defs_in[i].name;
                if (op->shared && r->nin > 0 && !(side == 0 && i == 0))
                    json_object_set_new(spec, "shared_with", json_string(defs_in[0].name));
                json_object_set_new(ports, pname, spec);
                int w = snprintf(summary + used, sizeof summary - used, "%s%s",
                                 side && i == 0 ? " -> " : (i ? ", " : ""),
                                 sv(json_object_get(spec, "dtype")));
                if (w > 0 && (size_t)w < sizeof summary - used)
                    used += (size_t)w;
            }
        }
        char name[600];
        if (total > 1)
            snprintf(name, sizeof name, "opinfo %zu.%zu: %s", index, t, summary);
        else
            snprintf(name, sizeof name, "opinfo %zu: %s", index, summary);
        json_array_append_new(variants,
                              json_pack("{s:s, s:[], s:o}", "name", name, "configs", "ports", ports));
    }
}

/* Converts the op at c->path; appends it to ops. */
static void convert_op(conv *c, json_t *op, json_t *base_ops, json_t *ops, json_t *names)
{
    static const char *const keys[] = {"name", "op_infos", "notes", NULL};
    if (!json_is_object(op)) {
        bad(c, 0, "an op must be an object");
        return;
    }
    known_keys(c, op, keys);
    json_t *jname = member(c, op, "name", JSON_STRING, 1, "op");
    json_t *infos = member(c, op, "op_infos", JSON_ARRAY, 1, "op");
    if (!jname || !infos)
        return;
    const char *name = json_string_value(jname);
    KEY(c, "name");
    size_t nl = strlen(name);
    int ok = nl > 0 && nl < 64 &&
             ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
    for (size_t i = 0; ok && i < nl; i++)
        ok = (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') ||
             (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '.';
    if (!ok) {
        bad(c, 0, "op name \"%s\" is not [A-Za-z][A-Za-z0-9_.]* (at most 63 characters)", name);
        POP(c);
        return;
    }
    if (json_object_get(names, name)) {
        bad(c, 0, "op \"%s\" appears twice", name);
        POP(c);
        return;
    }
    json_object_set_new(names, name, json_true());
    POP(c);

    json_t *base_op = json_object_get(base_ops, name);
    json_t *bin[MAX_PORTS], *bout[MAX_PORTS];
    size_t nbin = base_op ? base_ports(base_op, 0, bin, MAX_PORTS) : 0;
    size_t nbout = base_op ? base_ports(base_op, 1, bout, MAX_PORTS) : 0;

    /* first pass: read every OpInfo, find the port counts */
    size_t ninfos = json_array_size(infos);
    opinfo_read *reads = calloc(ninfos ? ninfos : 1, sizeof *reads);
    if (!reads) {
        c->nomem = c->stopped = 1;
        return;
    }
    size_t max_in = 0, max_out = 0, min_in = (size_t)-1, min_out = (size_t)-1;
    int onward_in = 0, onward_out = 0, errors = c->nerrors;
    KEY(c, "op_infos");
    size_t i;
    json_t *info;
    json_array_foreach(infos, i, info)
    {
        IDX(c, i);
        static const char *const ikeys[] = {"inputs", "outputs", "notes", NULL};
        if (!json_is_object(info)) {
            bad(c, 0, "an OpInfo must be an object");
            POP(c);
            continue;
        }
        known_keys(c, info, ikeys);
        json_t *lists[2] = {member(c, info, "inputs", JSON_ARRAY, 1, "OpInfo"),
                            member(c, info, "outputs", JSON_ARRAY, 1, "OpInfo")};
        for (int side = 0; side < 2; side++) {
            if (!lists[side])
                continue;
            KEY(c, side ? "outputs" : "inputs");
            size_t n = json_array_size(lists[side]), k;
            json_t *di;
            if (n > MAX_PORTS) {
                bad(c, 0, "more than %d ports", MAX_PORTS);
                POP(c);
                continue;
            }
            if (side && n == 0)
                bad(c, 0, "an OpInfo needs at least one output");
            json_array_foreach(lists[side], k, di)
            {
                IDX(c, k);
                port_opts *po = side ? &reads[i].out[k] : &reads[i].in[k];
                if (read_datatype(c, di, po) == 0 && po->onward && k + 1 != n) {
                    KEY(c, "applicable_from_current_dtype_onward");
                    bad(c, 0, "only the last %s may apply from itself onward",
                        side ? "output" : "input");
                    POP(c);
                }
                if (side)
                    reads[i].nout = k + 1;
                else
                    reads[i].nin = k + 1;
                if (po->onward && k + 1 == n)
                    *(side ? &onward_out : &onward_in) |= 1;
                POP(c);
            }
            size_t *mx = side ? &max_out : &max_in, *mn = side ? &min_out : &min_in;
            if (n > *mx)
                *mx = n;
            if (n < *mn)
                *mn = n;
            POP(c);
        }
        POP(c);
    }
    if (!ninfos)
        bad(c, 0, "an op needs at least one OpInfo (leave the op out instead)");
    POP(c);
    if (c->nerrors > errors || !ninfos) {
        for (size_t k = 0; k < ninfos; k++)
            opinfo_read_free(&reads[k]);
        free(reads);
        return;
    }

    /* ports: names and kinds from the base release's op where it has one */
    port_def din[MAX_PORTS], dout[MAX_PORTS];
    for (size_t side = 0; side < 2; side++) {
        size_t n = side ? max_out : max_in, mn = side ? min_out : min_in;
        port_def *d = side ? dout : din;
        for (size_t k = 0; k < n; k++) {
            json_t *bp = side ? (k < nbout ? bout[k] : NULL) : (k < nbin ? bin[k] : NULL);
            if (bp) {
                snprintf(d[k].name, sizeof d[k].name, "%s", sv(json_object_get(bp, "name")));
                d[k].kind = sv(json_object_get(bp, "kind"));
            } else {
                snprintf(d[k].name, sizeof d[k].name, side ? "out%zu" : "in%zu", k);
                d[k].kind = side ? "output" : "input";
            }
            d[k].optional = k >= mn;
            d[k].variadic = k + 1 == n && (side ? onward_out : onward_in);
        }
    }
    /* a base name may repeat a generated one (base "in1" at position 0): keep them unique */
    for (size_t a = 0; a < max_in + max_out; a++)
        for (size_t b = 0; b < a; b++) {
            port_def *pa = a < max_in ? &din[a] : &dout[a - max_in];
            port_def *pb = b < max_in ? &din[b] : &dout[b - max_in];
            if (strcmp(pa->name, pb->name) == 0)
                snprintf(pa->name, sizeof pa->name, "%s%zu", a < max_in ? "in" : "out",
                         a < max_in ? a : a - max_in);
        }

    json_t *ports = json_array();
    for (size_t side = 0; side < 2; side++) {
        size_t n = side ? max_out : max_in;
        port_def *d = side ? dout : din;
        for (size_t k = 0; k < n; k++) {
            json_t *p = json_pack("{s:s, s:s}", "name", d[k].name, "kind", d[k].kind);
            if (d[k].optional)
                json_object_set_new(p, "optional", json_true());
            if (d[k].variadic)
                json_object_set_new(p, "variadic", json_true());
            json_array_append_new(ports, p);
        }
    }
    json_t *variants = json_array();
    KEY(c, "op_infos");
    for (size_t k = 0; k < ninfos; k++) {
        IDX(c, k);
        expand(c, &reads[k], din, dout, k, variants);
        POP(c);
        opinfo_read_free(&reads[k]);
    }
    POP(c);
    free(reads);

    json_t *o = json_pack("{s:s}", "name", name);
    json_t *desc = base_op ? json_object_get(base_op, "description") : NULL;
    if (desc)
        json_object_set(o, "description", desc);
    json_t *al = base_op ? json_object_get(base_op, "aliases") : NULL;
    if (al)
        json_object_set(o, "aliases", al);
    json_object_set_new(o, "ports", ports);
    json_object_set_new(o, "variants", variants);
    json_t *notes = json_object_get(op, "notes");
    if (json_is_string(notes))
        json_object_set(o, "notes", notes);
    json_array_append_new(ops, o);
}

static int date_shaped(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* The whole dump into a constraint-data document, or NULL after reporting errors. */
static json_t *convert(conv *c, json_t *dump, json_t *base, const char *release)
{
    static const char *const keys[] = {"backendopinfo_dump", "backend", "sdk_version", "date",
                                       "soc_model", "notes", "ops", NULL};
    if (!json_is_object(dump)) {
        bad(c, 0, "a BackendOpInfo dump is a JSON object");
        return NULL;
    }
    known_keys(c, dump, keys);
    json_t *fmt = member(c, dump, "backendopinfo_dump", JSON_INTEGER, 1, "the dump");
    if (fmt && json_integer_value(fmt) != 1) {
        KEY(c, "backendopinfo_dump");
        bad(c, 0, "dump format version %lld is not supported (this tool reads 1)",
            (long long)json_integer_value(fmt));
        POP(c);
    }
    json_t *sdk = member(c, dump, "sdk_version", JSON_STRING, 1, "the dump");
    json_t *date = member(c, dump, "date", JSON_STRING, 1, "the dump");
    json_t *soc = member(c, dump, "soc_model", JSON_INTEGER, 0, "the dump");
    json_t *notes = member(c, dump, "notes", JSON_STRING, 0, "the dump");
    json_t *ops = member(c, dump, "ops", JSON_ARRAY, 1, "the dump");
    member(c, dump, "backend", JSON_STRING, 1, "the dump");
    if (date && !date_shaped(json_string_value(date))) {
        KEY(c, "date");
        bad(c, 0, "\"date\" must be YYYY-MM-DD");
        POP(c);
    }
    if (sdk && !json_string_length(sdk)) {
        KEY(c, "sdk_version");
        bad(c, 0, "\"sdk_version\" must not be empty");
        POP(c);
    }
    json_t *base_ops = json_object();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(base, "ops"), i, x)
        json_object_set(base_ops, sv(json_object_get(x, "name")), x);
    json_t *out_ops = json_array(), *names = json_object();
    if (ops) {
        KEY(c, "ops");
        if (!json_array_size(ops))
            bad(c, 0, "\"ops\" must not be empty");
        json_array_foreach(ops, i, x)
        {
            IDX(c, i);
            convert_op(c, x, base_ops, out_ops, names);
            POP(c);
            if (c->stopped)
                break;
        }
        POP(c);
    }
    json_decref(base_ops);
    json_decref(names);
    if (c->nerrors || c->nomem) {
        json_decref(out_ops);
        return NULL;
    }
    char source[512], note[1024];
    snprintf(source, sizeof source, "QNN SDK %s BackendOpInfo dump%s", sv(sdk),
             soc ? " (one SoC, see notes)" : "");
    snprintf(note, sizeof note,
             "Imported from a BackendOpInfo dump (opinfo-db import --format backendopinfo)%s%lld%s. "
             "Architectures, SoCs, port names and aliases from %s %s. The dump holds no arch "
             "gates or derived biases: every variant is available on every SoC.%s%s",
             soc ? "; soc_model " : "", soc ? (long long)json_integer_value(soc) : 0LL,
             soc ? "" : "", sv(json_object_get(base, "backend")),
             sv(json_object_get(json_object_get(base, "release"), "version")), notes ? " " : "",
             notes ? sv(notes) : "");
    json_t *doc = json_pack("{s:i, s:O, s:{s:s, s:O, s:s, s:s}, s:O, s:O, s:o}",
                            "opinfo_constraints", 1, "backend", json_object_get(base, "backend"),
                            "release", "version", release, "date", date, "source", source,
                            "notes", note, "archs", json_object_get(base, "archs"), "socs",
                            json_object_get(base, "socs"), "ops", out_ops);
    json_t *desc = json_object_get(base, "description");
    if (doc && desc)
        json_object_set(doc, "description", desc);
    return doc;
}

/* Errors of the converted document have positions in text nobody sees: report them on the dump,
 * without a position. */
typedef struct {
    const char *file;
    opinfo_report_fn report;
    void *ud;
} relay;

static int relay_cb(const opinfo_error_t *e, void *ud)
{
    relay *r = ud;
    opinfo_error_t m;
    opinfo_error_init(&m);
    oi_set_error(&m, e->code, r->file, 0, 0, 0, "the converted release: %s", e->text);
    return r->report ? r->report(&m, r->ud) : 0;
}

int opinfo_db_import_backendopinfo(opinfo_db *db, const char *path, const char *release,
                                   int write, opinfo_report_fn report, void *ud,
                                   opinfo_error_t *err)
{
    if (!db || !path || !release)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_db_import_backendopinfo: NULL argument");
    char *text = NULL;
    size_t len = 0;
    int rc = oi_read_file(path, MAX_DUMP_BYTES, &text, &len, err);
    if (rc != OPINFO_OK)
        return rc;
    json_error_t je;
    oi_json_watch();
    json_t *dump = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (oi_json_failed()) {
        json_decref(dump);
        free(text);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    if (!dump) {
        opinfo_error_t e;
        opinfo_error_init(&e);
        oi_set_error(&e, OPINFO_EPARSE, path, je.line, je.column, je.position, "%s", je.text);
        oi_set_error(err, e.code, e.source, e.line, e.column, e.position, "%s", e.text);
        if (report)
            report(&e, ud);
        free(text);
        return OPINFO_EPARSE;
    }
    conv c = {path, text, len, {0}, 0, 0, 0, report, ud, err};
    json_t *backend = json_is_object(dump) ? json_object_get(dump, "backend") : NULL;
    json_t *base = NULL;
    oi_json_watch(); /* from the base release's tree to the converted text: a value jansson
                        failed to add would make a release short */
    if (json_is_string(backend)) {
        opinfo_error_t e;
        opinfo_error_init(&e);
        if (oi_db_export_tree(db, json_string_value(backend), NULL, &base, &e) != OPINFO_OK) {
            if (e.code != OPINFO_ENOTFOUND) { /* out of memory, a database error: not the dump's */
                oi_set_error(err, e.code, e.source, e.line, e.column, e.position, "%s", e.text);
                json_decref(dump);
                free(text);
                return e.code;
            }
            KEY(&c, "backend");
            bad(&c, 0,
                "the database has no release of backend \"%s\" to take its architectures and "
                "SoCs from",
                json_string_value(backend));
            POP(&c);
        }
    }
    json_t *doc = NULL;
    if (base || !json_is_string(backend)) {
        json_t *empty = base ? NULL : json_object();
        doc = convert(&c, dump, base ? base : empty, release);
        json_decref(empty);
    }
    json_decref(base);
    json_decref(dump);
    char *out = doc && !c.nerrors && !c.nomem
                    ? oi_json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                             JSON_REAL_PRECISION(17))
                    : NULL;
    if (oi_json_failed() || c.nomem) {
        free(out);
        json_decref(doc);
        free(text);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    rc = c.nerrors ? OPINFO_EINPUT : OPINFO_OK;
    if (rc == OPINFO_OK && doc) {
        if (!out)
            rc = oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
        else {
            relay r = {path, report, ud};
            rc = oi_import_buffer(db, path, out, strlen(out), write, relay_cb, &r, err);
            if (rc == OPINFO_EINPUT || rc == OPINFO_EPARSE)
                oi_set_error(err, rc, path, 0, 0, 0, "the converted release: %s", err->text);
            free(out);
        }
    } else if (rc == OPINFO_OK)
        rc = OPINFO_EINPUT;
    json_decref(doc);
    free(text);
    return rc;
}
