/* Constraint-data import: checks every file fully, then writes all of them as new releases in
 * one transaction. Nothing is written unless every file is clean. The format is
 * docs/constraint-format.md; every rule it states is enforced here, each violation reported as
 * file:line:col with the position found by oi_json_locate. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define MAX_FILE_BYTES (64u << 20)
#define MAX_ERRORS_PER_FILE 200
#define MAX_PORTS 32
#define MAX_NAME 256

typedef struct imp {
    opinfo_db *db;
    const char *file;
    const char *text;
    size_t len;
    oi_jpath path;
    int nerrors;
    opinfo_report_fn report;
    void *ud;
    opinfo_error_t *err;
    int stopped;
    json_t *seen_releases; /* "backend\x1fversion" -> true, across the batch */
    int nomem; /* an allocation failed while checking: OPINFO_ENOMEM, not bad input */
} imp;

/* ---- error reporting ---------------------------------------------------------------------- */

static void vreport(imp *m, int code, int at_key, int line, int col, long pos, const char *fmt,
                    va_list ap) OPINFO_PRINTF(7, 0);
static void vreport(imp *m, int code, int at_key, int line, int col, long pos, const char *fmt,
                    va_list ap)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (line == 0) /* when the path does not resolve fully, the deepest part that did */
        oi_json_locate(m->text, m->len, &m->path, at_key, &line, &col, &pos);
    oi_set_errorv(&e, code, m->file, line, col, pos, fmt, ap);
    m->nerrors++;
    oi_set_error(m->err, e.code, e.source, e.line, e.column, e.position, "%s", e.text);
    if (m->report && !m->stopped && m->report(&e, m->ud) != 0)
        m->stopped = 1;
    if (m->nerrors >= MAX_ERRORS_PER_FILE)
        m->stopped = 1;
}

/* An error at the current path's value (at_key 0) or at its key (at_key 1). */
static void bad(imp *m, int at_key, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static void bad(imp *m, int at_key, const char *fmt, ...)
{
    if (m->stopped)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(m, OPINFO_EINPUT, at_key, 0, 0, 0, fmt, ap);
    va_end(ap);
}

#define KEY(m, k) oi_jpath_push_key(&(m)->path, (k))
#define IDX(m, i) oi_jpath_push_index(&(m)->path, (i))
#define POP(m) oi_jpath_pop(&(m)->path)

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Rejects keys not in allowed (NULL-terminated), pointing at the key. */
static void check_keys(imp *m, json_t *obj, const char *what, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0)
                ok = 1;
        if (!ok) {
            KEY(m, key);
            bad(m, 1, "unknown key \"%s\" in %s", key, what);
            POP(m);
        }
    }
}

/* Fetches obj[key]; reports a missing required key at obj, a wrong type at the value. */
static json_t *get(imp *m, json_t *obj, const char *key, json_type type, int required,
                   const char *what)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            bad(m, 0, "%s lacks the required key \"%s\"", what, key);
        return NULL;
    }
    int ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
             (type == JSON_REAL && json_is_number(v));
    if (!ok) {
        const char *want = type == JSON_OBJECT    ? "an object"
                           : type == JSON_ARRAY   ? "an array"
                           : type == JSON_STRING  ? "a string"
                           : type == JSON_INTEGER ? "an integer"
                           : type == JSON_REAL    ? "a number"
                                                  : "a boolean";
        KEY(m, key);
        bad(m, 0, "\"%s\" must be %s, not %s", key, want, type_name(v));
        POP(m);
        return NULL;
    }
    return v;
}

/* ---- lexical checks ------------------------------------------------------------------------ */

static int name_ok(const char *s, int (*first)(int), const char *rest, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !first((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(rest, s[i]))
            return 0;
    return 1;
}

static int lower_or_digit(int c) { return islower(c) || isdigit(c); }
static int is_lower(int c) { return islower(c) != 0; }

static int backend_name_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if (isupper((unsigned char)*p))
            return 0;
    return name_ok(s, lower_or_digit, "._-", 64);
}

static int port_name_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if (isupper((unsigned char)*p))
            return 0;
    return name_ok(s, is_lower, "_", 64);
}

static int version_ok(const char *s)
{
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
        p++;
    if (*p == '\0')
        return strlen(s) <= 64;
    if (!strchr("-+~", *p) || !p[1])
        return 0;
    for (p++; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return 0;
    return strlen(s) <= 64;
}

static int date_ok(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int mo = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1];
}

static const char *const frameworks[] = {"aten", "torch.nn", "torch.nn.functional", "torch",
                                         "onnx", "qnn", "other", NULL};

static int port_kind_from_name(const char *s)
{
    for (int k = 0; k <= OPINFO_PORT_OUTPUT; k++)
        if (strcmp(opinfo_port_kind_name((opinfo_port_kind)k), s) == 0)
            return k;
    return -1;
}

/* ---- the op model held during the check ---------------------------------------------------- */

typedef struct {
    const char *name;
    int kind, optional, variadic;
} port_t;

typedef struct {
    const char *name;
    size_t n;
    port_t p[MAX_PORTS];
} op_ports;

typedef struct {
    size_t n;
    struct {
        const char *name;
        int rank;
    } a[256];
} arch_list;

static int port_index(const op_ports *ops, const char *name)
{
    for (size_t i = 0; i < ops->n; i++)
        if (strcmp(ops->p[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int arch_rank(const arch_list *al, const char *name)
{
    for (size_t i = 0; i < al->n; i++)
        if (strcmp(al->a[i].name, name) == 0)
            return al->a[i].rank;
    return -1;
}

/* ---- checks ------------------------------------------------------------------------------ */

static void check_formula(imp *m, json_t *v, const char *key, const opinfo_dtype_info *dt,
                          int want_int)
{
    double val = 0;
    opinfo_error_t fe;
    opinfo_error_init(&fe);
    double qmin = dt->is_quantizable ? (double)dt->qmin : 0;
    double qmax = dt->is_quantizable ? (double)dt->qmax : 0;
    if (opinfo_formula_eval(json_string_value(v), qmin, qmax, dt->bits, &val, &fe) != OPINFO_OK) {
        bad(m, 0, "%s: %s", key, fe.text);
        return;
    }
    if (!want_int && !(val > 0))
        bad(m, 0, "%s formula \"%s\" gives %g for %s; a scale must be > 0", key,
            json_string_value(v), val, dt->name);
    if (want_int && (val != floor(val) || val < qmin || val > qmax))
        bad(m, 0, "%s formula \"%s\" gives %g for %s; it must be an integer in [%lld, %lld]",
            key, json_string_value(v), val, dt->name, (long long)qmin, (long long)qmax);
}

static void check_int_in_dtype(imp *m, json_t *spec, const char *key, const opinfo_dtype_info *dt)
{
    json_t *v = get(m, spec, key, JSON_INTEGER, 0, "port spec");
    if (!v)
        return;
    KEY(m, key);
    if (!dt->is_quantizable)
        bad(m, 0, "\"%s\" needs a quantized dtype; %s is not", key, dt->name);
    else if (json_integer_value(v) < dt->qmin || json_integer_value(v) > dt->qmax)
        bad(m, 0, "%s %lld is outside the range of %s [%lld, %lld]", key,
            (long long)json_integer_value(v), dt->name, (long long)dt->qmin,
            (long long)dt->qmax);
    POP(m);
}

static double check_positive(imp *m, json_t *spec, const char *key, const char *what)
{
    json_t *v = get(m, spec, key, JSON_REAL, 0, what);
    if (!v)
        return 0;
    double d = json_number_value(v);
    KEY(m, key);
    if (!isfinite(d) || !(d > 0)) {
        bad(m, 0, "%s must be finite and > 0, not %g", key, d);
        d = 0;
    }
    POP(m);
    return d;
}

/* Small integer lists (axes); returns the mask or 0 after reporting. */
static unsigned check_axes(imp *m, json_t *arr, const char *key)
{
    unsigned mask = 0;
    size_t i;
    json_t *v;
    KEY(m, key);
    if (json_array_size(arr) == 0)
        bad(m, 0, "\"%s\" must not be empty (leave it out to allow any axis)", key);
    json_array_foreach(arr, i, v)
    {
        IDX(m, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 7)
            bad(m, 0, "an axis must be an integer in [0, 7]");
        else if (mask & (1u << json_integer_value(v)))
            bad(m, 0, "axis %lld is listed twice", (long long)json_integer_value(v));
        else
            mask |= 1u << json_integer_value(v);
        POP(m);
    }
    POP(m);
    return mask;
}

/* Port-name lists (derived_from, rule inputs): all names known, none repeated. */
static unsigned check_port_list(imp *m, json_t *arr, const char *key, const op_ports *ops,
                                int self, json_t *vports)
{
    unsigned mask = 0;
    size_t i;
    json_t *v;
    KEY(m, key);
    if (json_array_size(arr) == 0)
        bad(m, 0, "\"%s\" must name at least one port", key);
    json_array_foreach(arr, i, v)
    {
        IDX(m, i);
        int pi = json_is_string(v) ? port_index(ops, json_string_value(v)) : -1;
        if (!json_is_string(v))
            bad(m, 0, "a port name must be a string");
        else if (pi < 0)
            bad(m, 0, "\"%s\" is not a port of op %s", json_string_value(v), ops->name);
        else if (pi == self)
            bad(m, 0, "a port cannot be derived from itself");
        else if (mask & (1u << pi))
            bad(m, 0, "port \"%s\" is listed twice", json_string_value(v));
        else if (vports && !json_object_get(vports, json_string_value(v)))
            bad(m, 0, "port \"%s\" is not part of this variant", json_string_value(v));
        else
            mask |= 1u << pi;
        POP(m);
    }
    POP(m);
    return mask;
}

static const char *const spec_keys[] = {
    "dtype", "qschemes", "axes", "block", "quant_min_lower_bound", "quant_max_upper_bound",
    "scale_min_lower_bound", "scale_max_upper_bound", "symmetric", "zero_point", "fixed_scale",
    "fixed_zero_point", "shared_with", "derived_from", "notes", "is_dynamic", NULL};

static void check_spec(imp *m, json_t *spec, const op_ports *ops, int self, json_t *vports)
{
    if (!json_is_object(spec)) {
        bad(m, 0, "a port spec must be an object, not %s", type_name(spec));
        return;
    }
    check_keys(m, spec, "port spec", spec_keys);
    json_t *dv = get(m, spec, "dtype", JSON_STRING, 1, "port spec");
    const opinfo_dtype_info *dt = NULL;
    if (dv) {
        dt = opinfo_dtype_get(opinfo_dtype_from_name(json_string_value(dv)));
        if (!dt) {
            KEY(m, "dtype");
            bad(m, 0,
                "unknown dtype \"%s\" (known: bool, int2, int4, uint4, int8, uint8, int16, "
                "uint16, int32, uint32, int64, float16, bfloat16, float32)",
                json_string_value(dv));
            POP(m);
        }
    }
    json_t *qs = get(m, spec, "qschemes", JSON_ARRAY, 0, "port spec");
    if (qs) {
        KEY(m, "qschemes");
        if (dt && !dt->is_quantizable && json_array_size(qs) > 0)
            bad(m, 0, "qschemes given for %s, which is not a quantized dtype", dt->name);
        else if (json_array_size(qs) == 0)
            bad(m, 0, "\"qschemes\" must not be empty (leave it out to allow any qscheme)");
        unsigned seen = 0;
        size_t i;
        json_t *v;
        json_array_foreach(qs, i, v)
        {
            IDX(m, i);
            opinfo_qscheme q = json_is_string(v) ? opinfo_qscheme_from_name(json_string_value(v))
                                                 : OPINFO_QSCHEME_UNKNOWN;
            if (q == OPINFO_QSCHEME_UNKNOWN)
                bad(m, 0, "unknown qscheme %s%s%s", json_is_string(v) ? "\"" : "",
                    json_is_string(v) ? json_string_value(v) : type_name(v),
                    json_is_string(v) ? "\"" : "");
            else if (seen & OPINFO_QSCHEME_BIT(q))
                bad(m, 0, "qscheme \"%s\" is listed twice", json_string_value(v));
            seen |= q ? OPINFO_QSCHEME_BIT(q) : 0;
            POP(m);
        }
        POP(m);
    }
    json_t *axes = get(m, spec, "axes", JSON_ARRAY, 0, "port spec");
    if (axes)
        check_axes(m, axes, "axes");
    json_t *block = get(m, spec, "block", JSON_OBJECT, 0, "port spec");
    if (block) {
        static const char *const bkeys[] = {"axes", "size_multiple_of", "min_size", "max_size",
                                            NULL};
        KEY(m, "block");
        check_keys(m, block, "block", bkeys);
        json_t *ba = get(m, block, "axes", JSON_ARRAY, 0, "block");
        if (ba)
            check_axes(m, ba, "axes");
        long long sz[3] = {0, 0, 0};
        static const char *const skeys[] = {"size_multiple_of", "min_size", "max_size"};
        for (int k = 0; k < 3; k++) {
            json_t *v = get(m, block, skeys[k], JSON_INTEGER, 0, "block");
            if (!v)
                continue;
            sz[k] = json_integer_value(v);
            if (sz[k] < 1 || sz[k] > 1 << 20) {
                KEY(m, skeys[k]);
                bad(m, 0, "%s must be in [1, 1048576], not %lld", skeys[k], sz[k]);
                POP(m);
                sz[k] = 0;
            }
        }
        if (sz[1] && sz[2] && sz[1] > sz[2]) {
            KEY(m, "max_size");
            bad(m, 0, "max_size %lld is below min_size %lld", sz[2], sz[1]);
            POP(m);
        }
        POP(m);
    }
    if (dt) {
        check_int_in_dtype(m, spec, "quant_min_lower_bound", dt);
        check_int_in_dtype(m, spec, "quant_max_upper_bound", dt);
        check_int_in_dtype(m, spec, "zero_point", dt);
        json_t *lo = json_object_get(spec, "quant_min_lower_bound");
        json_t *hi = json_object_get(spec, "quant_max_upper_bound");
        if (json_is_integer(lo) && json_is_integer(hi) &&
            json_integer_value(lo) > json_integer_value(hi)) {
            KEY(m, "quant_max_upper_bound");
            bad(m, 0, "quant_max_upper_bound %lld is below quant_min_lower_bound %lld",
                (long long)json_integer_value(hi), (long long)json_integer_value(lo));
            POP(m);
        }
    }
    double slo = check_positive(m, spec, "scale_min_lower_bound", "port spec");
    double shi = check_positive(m, spec, "scale_max_upper_bound", "port spec");
    if (slo > 0 && shi > 0 && slo > shi) {
        KEY(m, "scale_max_upper_bound");
        bad(m, 0, "scale_max_upper_bound %g is below scale_min_lower_bound %g", shi, slo);
        POP(m);
    }
    get(m, spec, "symmetric", JSON_TRUE, 0, "port spec");
    get(m, spec, "is_dynamic", JSON_TRUE, 0, "port spec");
    get(m, spec, "notes", JSON_STRING, 0, "port spec");
    json_t *fs = json_object_get(spec, "fixed_scale");
    if (fs) {
        KEY(m, "fixed_scale");
        if (dt && !dt->is_quantizable)
            bad(m, 0, "fixed_scale needs a quantized dtype; %s is not", dt->name);
        else if (json_is_string(fs)) {
            if (dt)
                check_formula(m, fs, "fixed_scale", dt, 0);
        } else if (json_is_number(fs)) {
            double d = json_number_value(fs);
            if (!isfinite(d) || !(d > 0))
                bad(m, 0, "fixed_scale must be finite and > 0, not %g", d);
        } else
            bad(m, 0, "fixed_scale must be a number or a formula string, not %s", type_name(fs));
        POP(m);
    }
    json_t *fz = json_object_get(spec, "fixed_zero_point");
    if (fz) {
        KEY(m, "fixed_zero_point");
        if (dt && !dt->is_quantizable)
            bad(m, 0, "fixed_zero_point needs a quantized dtype; %s is not", dt->name);
        else if (json_is_string(fz)) {
            if (dt)
                check_formula(m, fz, "fixed_zero_point", dt, 1);
        } else if (json_is_integer(fz)) {
            if (dt && (json_integer_value(fz) < dt->qmin || json_integer_value(fz) > dt->qmax))
                bad(m, 0, "fixed_zero_point %lld is outside the range of %s [%lld, %lld]",
                    (long long)json_integer_value(fz), dt->name, (long long)dt->qmin,
                    (long long)dt->qmax);
        } else
            bad(m, 0, "fixed_zero_point must be an integer or a formula string, not %s",
                type_name(fz));
        POP(m);
    }
    json_t *sw = get(m, spec, "shared_with", JSON_STRING, 0, "port spec");
    if (sw) {
        KEY(m, "shared_with");
        int pi = port_index(ops, json_string_value(sw));
        if (pi < 0)
            bad(m, 0, "shared_with names \"%s\", which is not a port of op %s",
                json_string_value(sw), ops->name);
        else if (pi == self)
            bad(m, 0, "a port cannot share its quantization with itself");
        else if (!json_object_get(vports, json_string_value(sw)))
            bad(m, 0, "shared_with names port \"%s\", which this variant does not accept",
                json_string_value(sw));
        POP(m);
    }
    json_t *df = get(m, spec, "derived_from", JSON_ARRAY, 0, "port spec");
    if (df)
        check_port_list(m, df, "derived_from", ops, self, vports);
}

/* Follows shared_with from each port; a chain that comes back is a cycle. */
static void check_shared_cycles(imp *m, json_t *vports, const op_ports *ops)
{
    for (size_t start = 0; start < ops->n; start++) {
        int cur = (int)start;
        for (size_t steps = 0; steps <= ops->n; steps++) {
            json_t *spec = json_object_get(vports, ops->p[cur].name);
            json_t *sw = json_is_object(spec) ? json_object_get(spec, "shared_with") : NULL;
            int next = json_is_string(sw) ? port_index(ops, json_string_value(sw)) : -1;
            if (next < 0 || next == cur)
                break;
            cur = next;
            if (cur == (int)start) {
                KEY(m, ops->p[start].name);
                KEY(m, "shared_with");
                bad(m, 0, "shared_with forms a cycle through port \"%s\"", ops->p[start].name);
                POP(m);
                POP(m);
                return; /* one report per variant */
            }
        }
    }
}

static const char *const rule_keys[] = {"kind", "inputs", "output", "min", "max",
                                        "min_exclusive", "max_exclusive", "notes", NULL};

static void check_rule(imp *m, json_t *r, const op_ports *ops, json_t *vports)
{
    if (!json_is_object(r)) {
        bad(m, 0, "a rule must be an object, not %s", type_name(r));
        return;
    }
    check_keys(m, r, "rule", rule_keys);
    json_t *kind = get(m, r, "kind", JSON_STRING, 1, "rule");
    if (kind && strcmp(json_string_value(kind), "requant_scale") != 0) {
        KEY(m, "kind");
        bad(m, 0, "unknown rule kind \"%s\" (known: requant_scale)", json_string_value(kind));
        POP(m);
    }
    json_t *in = get(m, r, "inputs", JSON_ARRAY, 1, "rule");
    if (in)
        check_port_list(m, in, "inputs", ops, -1, vports);
    json_t *out = get(m, r, "output", JSON_STRING, 1, "rule");
    if (out) {
        KEY(m, "output");
        int pi = port_index(ops, json_string_value(out));
        if (pi < 0)
            bad(m, 0, "\"%s\" is not a port of op %s", json_string_value(out), ops->name);
        else if (!json_object_get(vports, json_string_value(out)))
            bad(m, 0, "port \"%s\" is not part of this variant", json_string_value(out));
        POP(m);
    }
    if (!json_object_get(r, "min"))
        bad(m, 0, "rule lacks the required key \"min\"");
    if (!json_object_get(r, "max"))
        bad(m, 0, "rule lacks the required key \"max\"");
    double lo = check_positive(m, r, "min", "rule");
    double hi = check_positive(m, r, "max", "rule");
    if (lo > 0 && hi > 0 && !(lo < hi)) {
        KEY(m, "max");
        bad(m, 0, "rule max %g must be greater than min %g", hi, lo);
        POP(m);
    }
    get(m, r, "min_exclusive", JSON_TRUE, 0, "rule");
    get(m, r, "max_exclusive", JSON_TRUE, 0, "rule");
    get(m, r, "notes", JSON_STRING, 0, "rule");
}

static const char *const variant_keys[] = {"name",  "configs", "min_arch", "max_arch",
                                           "gate_note", "is_dynamic", "ports", "rules",
                                           "source", "notes", NULL};

static void check_variant(imp *m, json_t *v, const op_ports *ops, const arch_list *al,
                          json_t *names)
{
    if (!json_is_object(v)) {
        bad(m, 0, "a variant must be an object, not %s", type_name(v));
        return;
    }
    check_keys(m, v, "variant", variant_keys);
    json_t *name = get(m, v, "name", JSON_STRING, 1, "variant");
    if (name) {
        KEY(m, "name");
        const char *n = json_string_value(name);
        if (!*n || strlen(n) > MAX_NAME)
            bad(m, 0, "a variant name must be 1..%d characters", MAX_NAME);
        else if (json_object_get(names, n))
            bad(m, 0, "variant \"%s\" is defined twice in op %s", n, ops->name);
        else
            json_object_set_new(names, n, json_true());
        POP(m);
    }
    json_t *cf = get(m, v, "configs", JSON_ARRAY, 0, "variant");
    if (cf) {
        size_t i;
        json_t *c;
        KEY(m, "configs");
        json_array_foreach(cf, i, c)
        {
            IDX(m, i);
            if (!json_is_string(c) || !*json_string_value(c) || strchr(json_string_value(c), ',') ||
                strlen(json_string_value(c)) > 64)
                bad(m, 0, "a config must be a non-empty string of at most 64 characters "
                          "without commas");
            POP(m);
        }
        POP(m);
    }
    int lo = -1, hi = -1;
    json_t *mn = get(m, v, "min_arch", JSON_STRING, 0, "variant");
    if (mn && (lo = arch_rank(al, json_string_value(mn))) < 0) {
        KEY(m, "min_arch");
        bad(m, 0, "min_arch \"%s\" is not one of this release's archs", json_string_value(mn));
        POP(m);
    }
    json_t *mx = get(m, v, "max_arch", JSON_STRING, 0, "variant");
    if (mx && (hi = arch_rank(al, json_string_value(mx))) < 0) {
        KEY(m, "max_arch");
        bad(m, 0, "max_arch \"%s\" is not one of this release's archs", json_string_value(mx));
        POP(m);
    }
    if (lo >= 0 && hi >= 0 && lo > hi) {
        KEY(m, "max_arch");
        bad(m, 0, "max_arch %s (rank %d) is below min_arch %s (rank %d): the variant could "
                  "never be available",
            json_string_value(mx), hi, json_string_value(mn), lo);
        POP(m);
    }
    get(m, v, "gate_note", JSON_STRING, 0, "variant");
    get(m, v, "is_dynamic", JSON_TRUE, 0, "variant");
    get(m, v, "source", JSON_STRING, 0, "variant");
    get(m, v, "notes", JSON_STRING, 0, "variant");
    json_t *ports = get(m, v, "ports", JSON_OBJECT, 1, "variant");
    if (ports) {
        KEY(m, "ports");
        const char *k;
        json_t *spec;
        json_object_foreach(ports, k, spec)
        {
            int pi = port_index(ops, k);
            KEY(m, k);
            if (pi < 0)
                bad(m, 1, "\"%s\" is not a port of op %s", k, ops->name);
            else
                check_spec(m, spec, ops, pi, ports);
            POP(m);
        }
        for (size_t i = 0; i < ops->n; i++)
            if (!ops->p[i].optional && !json_object_get(ports, ops->p[i].name))
                bad(m, 0, "variant lacks a spec for port \"%s\", which is not optional",
                    ops->p[i].name);
        check_shared_cycles(m, ports, ops);
        POP(m);
    }
    json_t *rules = get(m, v, "rules", JSON_ARRAY, 0, "variant");
    if (rules) {
        size_t i;
        json_t *r;
        /* a variant without valid ports: its rules are checked against none */
        json_t *none = ports ? NULL : json_object();
        KEY(m, "rules");
        json_array_foreach(rules, i, r)
        {
            IDX(m, i);
            check_rule(m, r, ops, ports ? ports : none);
            POP(m);
        }
        POP(m);
        json_decref(none);
    }
}

static void check_ports(imp *m, json_t *arr, op_ports *ops)
{
    size_t i;
    json_t *p;
    KEY(m, "ports");
    if (json_array_size(arr) == 0)
        bad(m, 0, "an op needs at least one port");
    if (json_array_size(arr) > MAX_PORTS)
        bad(m, 0, "an op has at most %d ports", MAX_PORTS);
    static const char *const pkeys[] = {"name", "kind", "optional", "variadic", NULL};
    json_array_foreach(arr, i, p)
    {
        if (i >= MAX_PORTS)
            break;
        IDX(m, i);
        if (!json_is_object(p)) {
            bad(m, 0, "a port must be an object, not %s", type_name(p));
            POP(m);
            continue;
        }
        check_keys(m, p, "port", pkeys);
        json_t *name = get(m, p, "name", JSON_STRING, 1, "port");
        json_t *kind = get(m, p, "kind", JSON_STRING, 1, "port");
        json_t *opt = get(m, p, "optional", JSON_TRUE, 0, "port");
        json_t *var = get(m, p, "variadic", JSON_TRUE, 0, "port");
        port_t pt = {name ? json_string_value(name) : "", -1, json_is_true(opt),
                     json_is_true(var)};
        if (name) {
            KEY(m, "name");
            if (!port_name_ok(pt.name))
                bad(m, 0, "port name \"%s\" must match [a-z][a-z0-9_]*", pt.name);
            else if (port_index(ops, pt.name) >= 0)
                bad(m, 0, "port \"%s\" is defined twice in op %s", pt.name, ops->name);
            POP(m);
        }
        if (kind) {
            pt.kind = port_kind_from_name(json_string_value(kind));
            if (pt.kind < 0) {
                KEY(m, "kind");
                bad(m, 0, "unknown port kind \"%s\" (known: input, weight, bias, output)",
                    json_string_value(kind));
                POP(m);
            }
        }
        ops->p[ops->n++] = pt;
        POP(m);
    }
    /* a variadic port must be the last of its kind */
    for (size_t a = 0; a < ops->n; a++) {
        if (!ops->p[a].variadic)
            continue;
        for (size_t b = a + 1; b < ops->n; b++)
            if (ops->p[b].kind == ops->p[a].kind) {
                IDX(m, a);
                KEY(m, "variadic");
                bad(m, 0, "port \"%s\" is variadic but is not the last %s port",
                    ops->p[a].name, opinfo_port_kind_name((opinfo_port_kind)ops->p[a].kind));
                POP(m);
                POP(m);
                break;
            }
    }
    POP(m);
}

static const char *const op_keys[] = {"name", "description", "aliases", "ports",
                                      "variants", "notes", NULL};

static void check_op(imp *m, json_t *op, const arch_list *al, json_t *op_names, json_t *aliases)
{
    if (!json_is_object(op)) {
        bad(m, 0, "an op must be an object, not %s", type_name(op));
        return;
    }
    check_keys(m, op, "op", op_keys);
    op_ports ops;
    memset(&ops, 0, sizeof ops);
    json_t *name = get(m, op, "name", JSON_STRING, 1, "op");
    ops.name = name ? json_string_value(name) : "?";
    if (name) {
        KEY(m, "name");
        if (!name_ok(ops.name, isalpha, "_.", 128))
            bad(m, 0, "op name \"%s\" must match [A-Za-z][A-Za-z0-9_.]*", ops.name);
        else if (json_object_get(op_names, ops.name))
            bad(m, 0, "op \"%s\" is defined twice", ops.name);
        else
            json_object_set_new(op_names, ops.name, json_true());
        POP(m);
    }
    get(m, op, "description", JSON_STRING, 0, "op");
    get(m, op, "notes", JSON_STRING, 0, "op");
    json_t *al_obj = get(m, op, "aliases", JSON_OBJECT, 0, "op");
    if (al_obj) {
        const char *fw;
        json_t *list;
        KEY(m, "aliases");
        json_object_foreach(al_obj, fw, list)
        {
            KEY(m, fw);
            int known = 0;
            for (const char *const *f = frameworks; *f; f++)
                if (strcmp(*f, fw) == 0)
                    known = 1;
            if (!known)
                bad(m, 1,
                    "unknown framework \"%s\" (known: aten, torch.nn, torch.nn.functional, "
                    "torch, onnx, qnn, other)",
                    fw);
            if (!json_is_array(list)) {
                bad(m, 0, "aliases of %s must be an array of strings", fw);
                POP(m);
                continue;
            }
            size_t i;
            json_t *a;
            json_array_foreach(list, i, a)
            {
                IDX(m, i);
                if (!json_is_string(a) || !*json_string_value(a) ||
                    strlen(json_string_value(a)) > MAX_NAME) {
                    bad(m, 0, "an alias must be a string of 1..%d characters", MAX_NAME);
                } else {
                    json_t *owner = json_object_get(aliases, json_string_value(a));
                    if (owner)
                        bad(m, 0, "alias \"%s\" already names op %s", json_string_value(a),
                            json_string_value(owner));
                    else
                        json_object_set_new(aliases, json_string_value(a),
                                            json_string(ops.name));
                }
                POP(m);
            }
            POP(m);
        }
        POP(m);
    }
    json_t *ports = get(m, op, "ports", JSON_ARRAY, 1, "op");
    if (ports)
        check_ports(m, ports, &ops);
    json_t *vars = get(m, op, "variants", JSON_ARRAY, 1, "op");
    if (vars && ports) {
        json_t *names = json_object();
        size_t i;
        json_t *v;
        KEY(m, "variants");
        json_array_foreach(vars, i, v)
        {
            IDX(m, i);
            check_variant(m, v, &ops, al, names);
            POP(m);
        }
        POP(m);
        json_decref(names);
    }
}

static const char *const top_keys[] = {"opinfo_constraints", "backend", "description", "release",
                                       "archs", "socs", "ops", NULL};

/* A release of the backend whose version equals this one in version order ("2.0" and "2.00"
 * are one release), copied into same; 0 when there is none. */
static int release_in_db(imp *m, const char *backend, const char *version, char *same, size_t n)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(m->db->sq,
                           "SELECT r.version FROM release r JOIN backend b ON b.id = r.backend_id "
                           "WHERE b.name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, backend, -1, SQLITE_STATIC);
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && opinfo_version_compare(v, version) == 0) {
            snprintf(same, n, "%s", v);
            found = 1;
        }
    }
    sqlite3_finalize(st);
    return found;
}

/* The same for the releases met earlier in this batch (keys "backend\x1fversion"). */
static int release_in_batch(imp *m, const char *backend, const char *version, char *same,
                            size_t n)
{
    const char *key;
    json_t *v;
    size_t bl = strlen(backend);
    json_object_foreach(m->seen_releases, key, v)
    {
        if (strncmp(key, backend, bl) == 0 && key[bl] == '\x1f' &&
            opinfo_version_compare(key + bl + 1, version) == 0) {
            snprintf(same, n, "%s", key + bl + 1);
            return 1;
        }
    }
    return 0;
}

static const char *spelled(const char *same, const char *vs, char *buf, size_t n)
{
    if (strcmp(same, vs) == 0)
        return "";
    snprintf(buf, n, " (as %s, an equal version)", same);
    return buf;
}

static void check_doc(imp *m, json_t *root)
{
    if (!json_is_object(root)) {
        bad(m, 0, "the top level must be an object, not %s", type_name(root));
        return;
    }
    check_keys(m, root, "the top level", top_keys);
    json_t *fmt = get(m, root, "opinfo_constraints", JSON_INTEGER, 1, "the document");
    if (fmt && json_integer_value(fmt) != OPINFO_CONSTRAINTS_FORMAT) {
        KEY(m, "opinfo_constraints");
        bad(m, 0, "unsupported format version %lld (this tool reads %d)",
            (long long)json_integer_value(fmt), OPINFO_CONSTRAINTS_FORMAT);
        POP(m);
        return; /* the rest would be read under the wrong rules */
    }
    json_t *be = get(m, root, "backend", JSON_STRING, 1, "the document");
    if (be && !backend_name_ok(json_string_value(be))) {
        KEY(m, "backend");
        bad(m, 0, "backend name \"%s\" must match [a-z0-9][a-z0-9._-]* (at most 64)",
            json_string_value(be));
        POP(m);
        be = NULL;
    }
    get(m, root, "description", JSON_STRING, 0, "the document");
    json_t *rel = get(m, root, "release", JSON_OBJECT, 1, "the document");
    if (rel) {
        static const char *const rkeys[] = {"version", "date", "source", "notes", NULL};
        KEY(m, "release");
        check_keys(m, rel, "release", rkeys);
        json_t *ver = get(m, rel, "version", JSON_STRING, 1, "release");
        json_t *date = get(m, rel, "date", JSON_STRING, 1, "release");
        json_t *src = get(m, rel, "source", JSON_STRING, 1, "release");
        get(m, rel, "notes", JSON_STRING, 0, "release");
        if (ver) {
            KEY(m, "version");
            const char *vs = json_string_value(ver);
            if (!version_ok(vs))
                bad(m, 0, "release version \"%s\" must be dotted numbers with an optional "
                          "suffix, e.g. 2.41",
                    vs);
            else if (be) {
                char key[200], same[80], as[120];
                snprintf(key, sizeof key, "%s\x1f%s", json_string_value(be), vs);
                if (release_in_db(m, json_string_value(be), vs, same, sizeof same))
                    bad(m, 0, "release %s %s is already in the database%s; releases are "
                              "immutable, give the new data a new version",
                        json_string_value(be), vs, spelled(same, vs, as, sizeof as));
                else if (release_in_batch(m, json_string_value(be), vs, same, sizeof same))
                    bad(m, 0, "release %s %s is imported twice in this batch%s",
                        json_string_value(be), vs, spelled(same, vs, as, sizeof as));
                else
                    json_object_set_new(m->seen_releases, key, json_true());
            }
            POP(m);
        }
        if (date && !date_ok(json_string_value(date))) {
            KEY(m, "date");
            bad(m, 0, "release date \"%s\" must be a valid YYYY-MM-DD", json_string_value(date));
            POP(m);
        }
        if (src && !*json_string_value(src)) {
            KEY(m, "source");
            bad(m, 0, "release source must not be empty: say where the data comes from");
            POP(m);
        }
        POP(m);
    }
    arch_list *al = calloc(1, sizeof *al);
    if (!al) {
        m->nerrors++;
        m->nomem = 1;
        oi_set_error(m->err, OPINFO_ENOMEM, m->file, 0, 0, 0, "out of memory");
        m->stopped = 1;
        return;
    }
    json_t *archs = get(m, root, "archs", JSON_ARRAY, 1, "the document");
    if (archs) {
        KEY(m, "archs");
        if (json_array_size(archs) == 0)
            bad(m, 0, "archs must list at least one architecture");
        size_t i;
        json_t *a;
        static const char *const akeys[] = {"name", "rank", NULL};
        json_array_foreach(archs, i, a)
        {
            IDX(m, i);
            if (!json_is_object(a)) {
                bad(m, 0, "an arch must be an object, not %s", type_name(a));
                POP(m);
                continue;
            }
            check_keys(m, a, "arch", akeys);
            json_t *n = get(m, a, "name", JSON_STRING, 1, "arch");
            json_t *r = get(m, a, "rank", JSON_INTEGER, 1, "arch");
            if (n && r && al->n < 256) {
                const char *ns = json_string_value(n);
                long long rk = json_integer_value(r);
                int dup_name = arch_rank(al, ns) >= 0, dup_rank = 0;
                for (size_t k = 0; k < al->n; k++)
                    if (al->a[k].rank == rk)
                        dup_rank = 1;
                if (!name_ok(ns, isalnum, "._-", 64)) {
                    KEY(m, "name");
                    bad(m, 0, "arch name \"%s\" must match [A-Za-z0-9][A-Za-z0-9._-]*", ns);
                    POP(m);
                } else if (dup_name) {
                    KEY(m, "name");
                    bad(m, 0, "arch \"%s\" is defined twice", ns);
                    POP(m);
                } else if (rk < 0 || rk > 1000) {
                    KEY(m, "rank");
                    bad(m, 0, "arch rank must be in [0, 1000], not %lld", rk);
                    POP(m);
                } else if (dup_rank) {
                    KEY(m, "rank");
                    bad(m, 0, "arch rank %lld is used twice; ranks order the archs", rk);
                    POP(m);
                } else {
                    al->a[al->n].name = ns;
                    al->a[al->n].rank = (int)rk;
                    al->n++;
                }
            }
            POP(m);
        }
        POP(m);
    }
    json_t *socs = get(m, root, "socs", JSON_ARRAY, 1, "the document");
    if (socs) {
        json_t *names = json_object();
        size_t i;
        json_t *s;
        static const char *const skeys[] = {"name", "arch", "vtcm_mb", "attributes", NULL};
        KEY(m, "socs");
        json_array_foreach(socs, i, s)
        {
            IDX(m, i);
            if (!json_is_object(s)) {
                bad(m, 0, "a SoC must be an object, not %s", type_name(s));
                POP(m);
                continue;
            }
            check_keys(m, s, "SoC", skeys);
            json_t *n = get(m, s, "name", JSON_STRING, 1, "SoC");
            json_t *a = get(m, s, "arch", JSON_STRING, 1, "SoC");
            json_t *vt = get(m, s, "vtcm_mb", JSON_INTEGER, 0, "SoC");
            json_t *at = get(m, s, "attributes", JSON_OBJECT, 0, "SoC");
            if (n) {
                KEY(m, "name");
                if (!name_ok(json_string_value(n), isalnum, "._-", 64))
                    bad(m, 0, "SoC name \"%s\" must match [A-Za-z0-9][A-Za-z0-9._-]*",
                        json_string_value(n));
                else if (json_object_get(names, json_string_value(n)))
                    bad(m, 0, "SoC \"%s\" is defined twice", json_string_value(n));
                else
                    json_object_set_new(names, json_string_value(n), json_true());
                POP(m);
            }
            if (a && archs && arch_rank(al, json_string_value(a)) < 0) {
                KEY(m, "arch");
                bad(m, 0, "SoC arch \"%s\" is not one of this release's archs",
                    json_string_value(a));
                POP(m);
            }
            if (vt && (json_integer_value(vt) < 0 || json_integer_value(vt) > 1 << 20)) {
                KEY(m, "vtcm_mb");
                bad(m, 0, "vtcm_mb must be in [0, 1048576], not %lld",
                    (long long)json_integer_value(vt));
                POP(m);
            }
            if (at) {
                const char *k;
                json_t *v;
                KEY(m, "attributes");
                json_object_foreach(at, k, v)
                {
                    if (json_is_object(v) || json_is_array(v) || json_is_null(v)) {
                        KEY(m, k);
                        bad(m, 0, "attribute \"%s\" must be a string, number or boolean", k);
                        POP(m);
                    }
                }
                POP(m);
            }
            POP(m);
        }
        POP(m);
        json_decref(names);
    }
    json_t *ops = get(m, root, "ops", JSON_ARRAY, 1, "the document");
    if (ops) {
        json_t *op_names = json_object(), *aliases = json_object();
        size_t i;
        json_t *op;
        KEY(m, "ops");
        if (json_array_size(ops) == 0)
            bad(m, 0, "ops must list at least one op");
        json_array_foreach(ops, i, op)
        {
            if (m->stopped)
                break;
            IDX(m, i);
            check_op(m, op, al, op_names, aliases);
            POP(m);
        }
        /* an alias may not be another op's name: look-ups try names first */
        const char *alias;
        json_t *owner;
        json_object_foreach(aliases, alias, owner)
        {
            if (json_object_get(op_names, alias) && strcmp(alias, json_string_value(owner)))
                bad(m, 0, "alias \"%s\" of op %s is the name of another op", alias,
                    json_string_value(owner));
        }
        POP(m);
        json_decref(op_names);
        json_decref(aliases);
    }
    free(al);
}

/* ---- writing ------------------------------------------------------------------------------- */

typedef struct {
    sqlite3 *sq;
    int failed;
    int nomem; /* a value could not be bound: SQLite ran out of memory copying it */
} wr;

/* Binds by a type string: t text (NULL -> NULL), i int64, d double, o optional int64
 * (int has, int64 v), r optional double (int has, double v), n NULL. Steps; returns rowid. */
static sqlite3_int64 run(wr *w, const char *sql, const char *types, ...)
{
    if (w->failed)
        return 0;
    /* SQLite rolls the whole transaction back on some errors (out of memory among them); a
     * statement run now would commit on its own, outside the import's transaction */
    if (sqlite3_get_autocommit(w->sq)) {
        w->failed = 1;
        return 0;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->sq, sql, -1, &st, NULL) != SQLITE_OK) {
        w->failed = 1;
        return 0;
    }
    /* one type per parameter: a mismatch would read arguments that were never passed */
    if ((size_t)sqlite3_bind_parameter_count(st) != strlen(types)) {
        sqlite3_finalize(st);
        w->failed = 1;
        return 0;
    }
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        int col = i + 1;
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s && sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT) == SQLITE_NOMEM)
                w->nomem = 1;
            else if (!s)
                sqlite3_bind_null(st, col);
            break;
        }
        case 'i': sqlite3_bind_int64(st, col, va_arg(ap, sqlite3_int64)); break;
        case 'd': sqlite3_bind_double(st, col, va_arg(ap, double)); break;
        case 'o': {
            int has = va_arg(ap, int);
            sqlite3_int64 v = va_arg(ap, sqlite3_int64);
            if (has)
                sqlite3_bind_int64(st, col, v);
            else
                sqlite3_bind_null(st, col);
            break;
        }
        case 'r': {
            int has = va_arg(ap, int);
            double v = va_arg(ap, double);
            if (has)
                sqlite3_bind_double(st, col, v);
            else
                sqlite3_bind_null(st, col);
            break;
        }
        default: sqlite3_bind_null(st, col); break;
        }
    }
    va_end(ap);
    if (w->nomem) {
        sqlite3_finalize(st);
        w->failed = 1;
        return 0;
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        w->failed = 1;
        return 0;
    }
    return sqlite3_last_insert_rowid(w->sq);
}

static const char *str_or_null(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Optional bool as tri-state column: absent NULL, false 0, true 1. */
#define OPT_BOOL(obj, key)                                                                       \
    (json_object_get((obj), (key)) != NULL), (sqlite3_int64)json_is_true(json_object_get((obj), (key)))

static void write_mask_list(json_t *arr, char *buf, size_t n)
{
    unsigned mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) mask |= 1u << json_integer_value(v);
    oi_mask_to_list(mask, buf, n);
}

static void write_port_list(json_t *arr, const op_ports *ops, char *buf, size_t n)
{
    unsigned mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) mask |= 1u << port_index(ops, json_string_value(v));
    oi_mask_to_list(mask, buf, n);
}

static sqlite3_int64 arch_id_of(json_t *arch_ids, json_t *name)
{
    if (!name)
        return 0;
    return json_integer_value(json_object_get(arch_ids, json_string_value(name)));
}

static void write_doc(wr *w, json_t *root)
{
    run(w, "INSERT OR IGNORE INTO backend(name) VALUES(?1)", "t", str_or_null(root, "backend"));
    json_t *rel = json_object_get(root, "release");
    run(w,
        "INSERT INTO release(backend_id, version, date, source, notes, description, "
        "imported_at) VALUES((SELECT id FROM backend WHERE name = ?1), ?2, ?3, ?4, ?5, ?6, "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
        "tttttt", str_or_null(root, "backend"), str_or_null(rel, "version"),
        str_or_null(rel, "date"), str_or_null(rel, "source"), str_or_null(rel, "notes"),
        str_or_null(root, "description"));
    sqlite3_int64 rid = sqlite3_last_insert_rowid(w->sq);
    json_t *arch_ids = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(root, "archs"), i, a)
    {
        sqlite3_int64 id =
            run(w, "INSERT INTO arch(release_id, seq, name, rank) VALUES(?1, ?2, ?3, ?4)",
                "iiti", rid, (sqlite3_int64)i, str_or_null(a, "name"),
                (sqlite3_int64)json_integer_value(json_object_get(a, "rank")));
        json_object_set_new(arch_ids, str_or_null(a, "name"), json_integer(id));
    }
    json_t *s;
    json_array_foreach(json_object_get(root, "socs"), i, s)
    {
        json_t *attrs = json_object_get(s, "attributes");
        char *at = attrs ? oi_json_dumps(attrs, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_t *vt = json_object_get(s, "vtcm_mb");
        run(w,
            "INSERT INTO soc(release_id, seq, name, arch_id, vtcm_mb, attributes) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            "iitiot", rid, (sqlite3_int64)i, str_or_null(s, "name"),
            arch_id_of(arch_ids, json_object_get(s, "arch")), vt != NULL,
            (sqlite3_int64)json_integer_value(vt), at);
        free(at);
    }
    json_t *op;
    json_array_foreach(json_object_get(root, "ops"), i, op)
    {
        sqlite3_int64 oid = run(w,
                                "INSERT INTO op(release_id, seq, name, description, notes) "
                                "VALUES(?1, ?2, ?3, ?4, ?5)",
                                "iittt", rid, (sqlite3_int64)i, str_or_null(op, "name"),
                                str_or_null(op, "description"), str_or_null(op, "notes"));
        const char *fw;
        json_t *list;
        sqlite3_int64 aseq = 0;
        json_object_foreach(json_object_get(op, "aliases"), fw, list)
        {
            size_t k;
            json_t *al;
            json_array_foreach(list, k, al)
                run(w,
                    "INSERT INTO op_alias(release_id, op_id, seq, framework, alias) "
                    "VALUES(?1, ?2, ?3, ?4, ?5)",
                    "iiitt", rid, oid, aseq++, fw, json_string_value(al));
        }
        op_ports ops;
        memset(&ops, 0, sizeof ops);
        ops.name = str_or_null(op, "name");
        json_t *p;
        size_t pi;
        json_array_foreach(json_object_get(op, "ports"), pi, p)
        {
            ops.p[ops.n].name = str_or_null(p, "name");
            ops.n++;
            run(w,
                "INSERT INTO op_port(op_id, seq, name, kind, optional, variadic) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                "iittoo", oid, (sqlite3_int64)pi, str_or_null(p, "name"), str_or_null(p, "kind"),
                OPT_BOOL(p, "optional"), OPT_BOOL(p, "variadic"));
        }
        size_t vi;
        json_t *v;
        json_array_foreach(json_object_get(op, "variants"), vi, v)
        {
            oi_buf cfg;
            oi_buf_init(&cfg);
            size_t ci;
            json_t *c;
            json_array_foreach(json_object_get(v, "configs"), ci, c)
            {
                if (ci)
                    oi_buf_puts(&cfg, ",");
                oi_buf_puts(&cfg, json_string_value(c));
            }
            json_t *mn = json_object_get(v, "min_arch"), *mx = json_object_get(v, "max_arch");
            sqlite3_int64 vid = run(
                w,
                "INSERT INTO variant(op_id, seq, name, configs, min_arch_id, max_arch_id, "
                "gate_note, is_dynamic, source, notes) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                "iittootott", oid, (sqlite3_int64)vi, str_or_null(v, "name"),
                json_object_get(v, "configs") ? (cfg.data ? cfg.data : "") : NULL, mn != NULL,
                arch_id_of(arch_ids, mn), mx != NULL, arch_id_of(arch_ids, mx),
                str_or_null(v, "gate_note"), OPT_BOOL(v, "is_dynamic"), str_or_null(v, "source"),
                str_or_null(v, "notes"));
            oi_buf_free(&cfg);
            const char *pname;
            json_t *spec;
            json_object_foreach(json_object_get(v, "ports"), pname, spec)
            {
                char qs[512] = "", axes[64] = "", baxes[64] = "", derived[128] = "";
                json_t *q = json_object_get(spec, "qschemes");
                if (q) {
                    /* canonical order: the qscheme table's */
                    unsigned mask = 0;
                    size_t qi;
                    json_t *qv;
                    json_array_foreach(q, qi, qv)
                        mask |= OPINFO_QSCHEME_BIT(opinfo_qscheme_from_name(json_string_value(qv)));
                    size_t used = 0;
                    for (int b = 1; b < OPINFO_QSCHEME_COUNT_; b++)
                        if (mask & OPINFO_QSCHEME_BIT(b))
                            used += (size_t)snprintf(qs + used, sizeof qs - used, "%s%s",
                                                     used ? "," : "",
                                                     opinfo_qscheme_name((opinfo_qscheme)b));
                }
                json_t *ax = json_object_get(spec, "axes");
                if (ax)
                    write_mask_list(ax, axes, sizeof axes);
                json_t *blk = json_object_get(spec, "block");
                json_t *bax = blk ? json_object_get(blk, "axes") : NULL;
                if (bax)
                    write_mask_list(bax, baxes, sizeof baxes);
                json_t *df = json_object_get(spec, "derived_from");
                if (df)
                    write_port_list(df, &ops, derived, sizeof derived);
                json_t *fs = json_object_get(spec, "fixed_scale");
                json_t *fz = json_object_get(spec, "fixed_zero_point");
                json_t *sw = json_object_get(spec, "shared_with");
                json_t *qlo = json_object_get(spec, "quant_min_lower_bound");
                json_t *qhi = json_object_get(spec, "quant_max_upper_bound");
                json_t *slo = json_object_get(spec, "scale_min_lower_bound");
                json_t *shi = json_object_get(spec, "scale_max_upper_bound");
                json_t *zp = json_object_get(spec, "zero_point");
                json_t *bm = blk ? json_object_get(blk, "size_multiple_of") : NULL;
                json_t *bmin = blk ? json_object_get(blk, "min_size") : NULL;
                json_t *bmax = blk ? json_object_get(blk, "max_size") : NULL;
                run(w,
                    "INSERT INTO variant_port(variant_id, port_seq, dtype, qschemes, axes, "
                    "block_axes, block_size_multiple, block_min_size, block_max_size, "
                    "quant_min_lower_bound, quant_max_upper_bound, scale_min_lower_bound, "
                    "scale_max_upper_bound, symmetric, zero_point, fixed_scale, "
                    "fixed_scale_expr, fixed_zero_point, fixed_zero_point_expr, shared_with, "
                    "derived_from, notes, is_dynamic) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                    "iitttt" "ooo" "oo" "rr" "oo" "rt" "ot" "o" "tt" "o",
                    vid, (sqlite3_int64)port_index(&ops, pname), str_or_null(spec, "dtype"),
                    q ? qs : NULL, ax ? axes : NULL, bax ? baxes : (blk ? "" : NULL),
                    bm != NULL, (sqlite3_int64)json_integer_value(bm), bmin != NULL,
                    (sqlite3_int64)json_integer_value(bmin), bmax != NULL,
                    (sqlite3_int64)json_integer_value(bmax), qlo != NULL,
                    (sqlite3_int64)json_integer_value(qlo), qhi != NULL,
                    (sqlite3_int64)json_integer_value(qhi), slo != NULL, json_number_value(slo),
                    shi != NULL, json_number_value(shi), OPT_BOOL(spec, "symmetric"), zp != NULL,
                    (sqlite3_int64)json_integer_value(zp), json_is_number(fs),
                    json_number_value(fs), json_string_value(fs), json_is_integer(fz),
                    (sqlite3_int64)json_integer_value(fz), json_string_value(fz), sw != NULL,
                    (sqlite3_int64)(sw ? port_index(&ops, json_string_value(sw)) : 0),
                    df ? derived : NULL, str_or_null(spec, "notes"),
                    OPT_BOOL(spec, "is_dynamic"));
            }
            size_t ri;
            json_t *r;
            json_array_foreach(json_object_get(v, "rules"), ri, r)
            {
                char inputs[128] = "";
                write_port_list(json_object_get(r, "inputs"), &ops, inputs, sizeof inputs);
                run(w,
                    "INSERT INTO variant_rule(variant_id, seq, kind, inputs, output, min, max, "
                    "min_exclusive, max_exclusive, notes) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    "iittiddoot", vid, (sqlite3_int64)ri, str_or_null(r, "kind"), inputs,
                    (sqlite3_int64)port_index(&ops, str_or_null(r, "output")),
                    json_number_value(json_object_get(r, "min")),
                    json_number_value(json_object_get(r, "max")), OPT_BOOL(r, "min_exclusive"),
                    OPT_BOOL(r, "max_exclusive"), str_or_null(r, "notes"));
            }
        }
    }
    json_decref(arch_ids);
}

/* ---- entry points ---------------------------------------------------------------------------- */

/* Parses and checks one document; on success *root holds it. */
static int check_text(imp *m, json_t **root)
{
    json_error_t je;
    oi_json_watch();
    json_t *doc = json_loadb(m->text, m->len, JSON_REJECT_DUPLICATES, &je);
    if (oi_json_failed()) {
        json_decref(doc);
        m->nerrors++;
        opinfo_error_init(m->err);
        oi_set_error(m->err, OPINFO_ENOMEM, m->file, 0, 0, 0, "out of memory");
        return OPINFO_ENOMEM;
    }
    if (!doc) {
        opinfo_error_t e;
        opinfo_error_init(&e);
        oi_set_error(&e, OPINFO_EPARSE, m->file, je.line > 0 ? je.line : 1,
                     je.column > 0 ? je.column : 1, (long)je.position, "%s", je.text);
        m->nerrors++;
        oi_set_error(m->err, e.code, e.source, e.line, e.column, e.position, "%s", e.text);
        if (m->report && !m->stopped && m->report(&e, m->ud) != 0)
            m->stopped = 1;
        return OPINFO_EPARSE;
    }
    check_doc(m, doc);
    if (m->nerrors) {
        json_decref(doc);
        return m->nomem ? OPINFO_ENOMEM : OPINFO_EINPUT;
    }
    *root = doc;
    return OPINFO_OK;
}

typedef struct {
    const char *name;
    char *text; /* owned when read from a file */
    const char *data;
    size_t len;
} source_t;

static int import_sources(opinfo_db *db, source_t *src, size_t n, int write,
                          opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    if (!db)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "import: db is NULL");
    if (write && !(db->flags & OPINFO_DB_WRITE))
        return oi_set_error(err, OPINFO_EUSAGE, db->path, 0, 0, 0,
                            "database was opened read-only; cannot import");
    if (write && db->schema != OPINFO_DB_SCHEMA_VERSION)
        return oi_set_error(err, OPINFO_EDBOLDER, db->path, 0, 0, 0,
                            "database schema %d is older than this tool's %d; run 'opinfo-db "
                            "migrate' first",
                            db->schema, OPINFO_DB_SCHEMA_VERSION);
    /* The duplicate-release check reads the database, so it runs inside the write
     * transaction: two importers of the same release cannot both pass it. */
    if (write && sqlite3_exec(db->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return oi_db_error(db, err, "starting the import transaction");
    json_t **roots = calloc(n ? n : 1, sizeof *roots);
    json_t *seen = json_object();
    int total = 0, rc = OPINFO_OK;
    if (!roots || !seen) {
        rc = oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        imp m;
        memset(&m, 0, sizeof m);
        m.db = db;
        m.file = src[i].name;
        m.text = src[i].data;
        m.len = src[i].len;
        m.report = report;
        m.ud = ud;
        m.err = err;
        m.seen_releases = seen;
        int r = check_text(&m, &roots[i]);
        total += m.nerrors;
        if (r != OPINFO_OK && rc == OPINFO_OK)
            rc = r;
        if (m.stopped && m.nerrors && report)
            break;
    }
    if (rc != OPINFO_OK || total)
        goto out;
    if (write) {
        wr w = {db->sq, 0, 0};
        /* the write keeps ids and SoC attributes in jansson values: a failed allocation
         * there would store a wrong id or a NULL, so it fails the import */
        oi_json_watch();
        for (size_t i = 0; i < n && !w.failed; i++)
            write_doc(&w, roots[i]);
        if (oi_json_failed())
            w.nomem = w.failed = 1;
        if (w.nomem) {
            rc = oi_set_error(err, OPINFO_ENOMEM, src[0].name, 0, 0, 0, "out of memory");
            goto out;
        }
        if (w.failed) {
            rc = oi_sq_error(db->sq, src[0].name, err, "writing the import");
            goto out;
        }
        if (sqlite3_exec(db->sq, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = oi_db_error(db, err, "committing the import");
            goto out;
        }
        write = 0; /* committed: nothing to roll back */
        oi_db_cache_clear(db);
    }
out:
    if (write)
        sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; roots && i < n; i++)
        json_decref(roots[i]);
    free(roots);
    json_decref(seen);
    if (rc == OPINFO_OK && total)
        rc = OPINFO_EINPUT;
    return rc;
}

static int with_files(opinfo_db *db, const char *const *paths, size_t n, int write,
                      opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    if (!paths || n == 0)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "import: no files given");
    source_t *src = calloc(n, sizeof *src);
    if (!src)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    int rc = OPINFO_OK;
    for (size_t i = 0; i < n; i++) {
        src[i].name = paths[i];
        opinfo_error_t fe;
        opinfo_error_init(&fe);
        int r = oi_read_file(paths[i], MAX_FILE_BYTES, &src[i].text, &src[i].len, &fe);
        if (r != OPINFO_OK) {
            oi_set_error(err, fe.code, fe.source, fe.line, fe.column, fe.position, "%s", fe.text);
            if (report)
                report(&fe, ud);
            rc = r;
        }
        src[i].data = src[i].text;
    }
    if (rc == OPINFO_OK)
        rc = import_sources(db, src, n, write, report, ud, err);
    for (size_t i = 0; i < n; i++)
        free(src[i].text);
    free(src);
    return rc;
}

int opinfo_db_import_files(opinfo_db *db, const char *const *paths, size_t n,
                           opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    return with_files(db, paths, n, 1, report, ud, err);
}

int opinfo_db_check_files(opinfo_db *db, const char *const *paths, size_t n,
                          opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    return with_files(db, paths, n, 0, report, ud, err);
}

int opinfo_db_import_buffer(opinfo_db *db, const char *name, const char *data, size_t len,
                            opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    if (!data)
        return oi_set_error(err, OPINFO_EUSAGE, name, 0, 0, 0, "import: data is NULL");
    if (len > MAX_FILE_BYTES)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "document is larger than the limit of %u bytes", MAX_FILE_BYTES);
    source_t src = {name ? name : "<buffer>", NULL, data, len};
    return import_sources(db, &src, 1, 1, report, ud, err);
}

/* The same for a document that another reader produced (db/backendopinfo.c); write 0 checks. */
int oi_import_buffer(opinfo_db *db, const char *name, const char *data, size_t len, int write,
                     opinfo_report_fn report, void *ud, opinfo_error_t *err)
{
    source_t src = {name, NULL, data, len};
    return import_sources(db, &src, 1, write, report, ud, err);
}
