/* Loading a qgraph (docs/qgraph.md): parse with jansson, check every value and reference, and
 * keep a compact copy in an arena. The first problem ends the load with one error that names the
 * file, line and column; nothing after it is read. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "validator_internal.h"

#define MAX_FILE_BYTES ((size_t)2 << 30)
#define MAX_ARRAY (1u << 24)
#define MAX_NAME 1024
#define MAX_RANK 8

typedef struct ld {
    opinfo_qgraph *g;
    oi_jpath path;
    opinfo_error_t *err;
    int failed;
    oi_map tensors; /* name -> index + 1 */
    oi_map nodes;
    int syntax; /* the failure is malformed JSON */
    json_t *key; /* the top-level key being read */
    json_t *unknown; /* the unknown top-level keys met, to find a duplicate as jansson does */
    int nomem;
    opinfo_error_t pending; /* the first semantic error, reported if the whole text is JSON */
    /* checking while reading (oi_qgraph_parse_hooked) */
    const oi_qgraph_hooks *hooks;
    int hooks_on;          /* nodes are being read in the first pass, after every tensor */
    int target_seen;
    size_t elem_at;        /* where the element being streamed starts */
    unsigned char *tstate; /* per tensor: 0 not judged, 1 ready, 2 not ready, 3 on a walk */
    int *walk;             /* a shared_with chain being judged */
    /* tensors found by a structural scan and parsed when a node needs them (or at the end) */
    size_t *tpos;          /* where each tensor's object starts; NULL when read in full */
    unsigned char *tparsed;
    int lazy;              /* read_tensor of a tensor the scan registered */
    /* tensors registered on demand: the skim found the array's end and count; names are put in
     * the map from tcur, in order, when a look-up misses (0: every tensor is registered) */
    size_t tcur;
    size_t tcount;
} ld;

/* A failure that ends the read at once; a semantic one lets the rest be parsed, unchecked. */
#define HARD(c) ((c)->syntax || (c)->nomem)

static int lnomem(ld *c)
{
    if (HARD(c))
        return -1;
    c->failed = 1;
    c->nomem = 1;
    oi_set_error(c->err, OPINFO_ENOMEM, c->g->path, 0, 0, 0, "out of memory");
    return -1;
}

static int lfail(ld *c, int at_key, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static int lfail(ld *c, int at_key, const char *fmt, ...)
{
    if (c->failed)
        return -1;
    c->failed = 1;
    int line, col;
    long pos;
    oi_json_locate(c->g->text, c->g->len, &c->path, at_key, &line, &col, &pos);
    va_list ap;
    va_start(ap, fmt);
    oi_set_errorv(&c->pending, OPINFO_EINPUT, c->g->path, line, col, pos, fmt, ap);
    va_end(ap);
    return -1;
}

#define KEY(c, k) oi_jpath_push_key(&(c)->path, (k))
#define IDX(c, i) oi_jpath_push_index(&(c)->path, (i))
#define POP(c) oi_jpath_pop(&(c)->path)

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

static int only_keys(ld *c, json_t *obj, const char *what, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            KEY(c, key);
            return lfail(c, 1, "unknown key \"%s\" in %s", key, what);
        }
    }
    return 0;
}

/* obj[key] of the wanted JSON type, or NULL (absent, or an error already reported). */
static json_t *want(ld *c, json_t *obj, const char *key, json_type type, int required,
                    const char *what)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            lfail(c, 0, "%s lacks the required key \"%s\"", what, key);
        return NULL;
    }
    int ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
             (type == JSON_REAL && json_is_number(v));
    if (!ok) {
        const char *t = type == JSON_OBJECT    ? "an object"
                        : type == JSON_ARRAY   ? "an array"
                        : type == JSON_STRING  ? "a string"
                        : type == JSON_INTEGER ? "an integer"
                        : type == JSON_REAL    ? "a number"
                                               : "a boolean";
        KEY(c, key);
        lfail(c, 0, "\"%s\" must be %s, not %s", key, t, type_name(v));
        POP(c);
        return NULL;
    }
    return v;
}

static const char *keep(ld *c, const char *s)
{
    const char *k = oi_arena_strdup(&c->g->arena, s);
    if (!k)
        lnomem(c);
    return k;
}

static int name_ok(ld *c, json_t *v, const char *what)
{
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME)
        return lfail(c, 0, "%s name must be 1..%d characters", what, MAX_NAME);
    return 0;
}

static void *arr(ld *c, size_t n, size_t size)
{
    void *p = oi_arena_alloc(&c->g->arena, n * size);
    if (!p)
        lnomem(c);
    return p;
}

/* A number > 0 and finite (jansson already refuses NaN and overflows as syntax errors). */
/* quant_min/quant_max beyond this are refused: ranges stay far from int64 overflow in
 * differences and midpoints, whatever the check does with them. */
#define QRANGE_LIMIT ((json_int_t)1 << 40)

static int positive(ld *c, json_t *v, const char *what, double *out)
{
    if (!json_is_number(v))
        return lfail(c, 0, "%s must be a number, not %s", what, type_name(v));
    double d = json_number_value(v);
    if (!isfinite(d) || !(d > 0))
        return lfail(c, 0, "%s must be finite and > 0, not %.9g", what, d);
    *out = d;
    return 0;
}

static int int_list(ld *c, json_t *a, const char *key, size_t max, int64_t lo, int64_t *out,
                    size_t *n)
{
    KEY(c, key);
    if (json_array_size(a) == 0 || json_array_size(a) > max)
        return lfail(c, 0, "\"%s\" must have 1..%zu entries", key, max);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        IDX(c, i);
        if (!json_is_integer(v) || json_integer_value(v) < lo)
            return lfail(c, 0, "\"%s\" entries must be integers >= %lld", key, (long long)lo);
        out[i] = json_integer_value(v);
        POP(c);
    }
    *n = json_array_size(a);
    POP(c);
    return 0;
}

static const char *const quant_keys[] = {"qscheme", "quant_min", "quant_max", "scale",
                                         "zero_point", "axis", "block_size", "eps", "fixed",
                                         "shared_with", "derived_from", NULL};

/* A tensor's or an edge's spec. The references inside (shared_with, derived_from) are only
 * recorded here; they are resolved when every tensor and node is known. */
#define SPEC_KEYS 18
static const char *const spec_keys[SPEC_KEYS] = {"name", "dtype", "qscheme", "quant_min", "quant_max", "scale", "zero_point", "axis", "shape", "block_size", "eps", "fixed", "is_dynamic", "shared_with", "derived_from", "observer", "initializer", "float_name"};

static int spec_key(const char *k)
{
    for (int i = 0; i < SPEC_KEYS; i++)
        if (k[0] == spec_keys[i][0] && strcmp(k, spec_keys[i]) == 0)
            return i;
    return -1;
}

/* want() for a value already found: NULL when absent (or after reporting a wrong type). */
static json_t *want_v(ld *c, json_t *v, const char *key, json_type type, int required,
                      const char *what)
{
    if (!v) {
        if (required)
            lfail(c, 0, "%s lacks the required key \"%s\"", what, key);
        return NULL;
    }
    int ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
             (type == JSON_REAL && json_is_number(v));
    if (!ok) {
        KEY(c, key);
        lfail(c, 0, "\"%s\" must be %s, not %s", key,
              type == JSON_STRING    ? "a string"
              : type == JSON_INTEGER ? "an integer"
              : type == JSON_ARRAY   ? "an array"
              : type == JSON_OBJECT  ? "an object"
              : type == JSON_REAL    ? "a number"
                                     : "a boolean",
              type_name(v));
        POP(c);
        return NULL;
    }
    return v;
}

static int read_spec(ld *c, json_t *o, oi_spec *s, int is_edge)
{
    const char *what = is_edge ? "an edge spec" : "a tensor";
    /* one pass over the object files every value under its key (and refuses unknown keys):
     * cheaper than a hash look-up per possible key, which matters at 10^5 tensors */
    json_t *F[SPEC_KEYS] = {NULL};
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        int k = spec_key(key);
        if (k < 0 || (is_edge && (k == 0 || k == 16 || k == 17))) {
            KEY(c, key);
            return lfail(c, 1, "unknown key \"%s\" in %s", key, what);
        }
        F[k] = val;
    }
    memset(s, 0, sizeof *s);
    s->axis = -1;
    s->shared_tensor = s->shared_producer = s->shared_consumer = -1;
    json_t *dv = want_v(c, F[1], "dtype", JSON_STRING, 1, what);
    if (!dv)
        return -1;
    s->dtype = opinfo_dtype_from_name(json_string_value(dv));
    const opinfo_dtype_info *dt = opinfo_dtype_get(s->dtype);
    if (!dt) {
        KEY(c, "dtype");
        return lfail(c, 0,
                     "unknown dtype \"%s\" (known: bool, int2, int4, uint4, int8, uint8, int16, "
                     "uint16, int32, uint32, int64, float16, bfloat16, float32)",
                     json_string_value(dv));
    }
    if (!dt->is_quantizable) {
        for (const char *const *k = quant_keys; *k; k++)
            if (F[spec_key(*k)]) {
                KEY(c, *k);
                return lfail(c, 1, "\"%s\" on a %s tensor: %s is not a quantized dtype", *k,
                             dt->name, dt->name);
            }
    }
    json_t *v;
    if ((v = want_v(c, F[15], "observer", JSON_STRING, 0, what)) == NULL && c->failed)
        return -1;
    if ((v = want_v(c, F[12], "is_dynamic", JSON_TRUE, 0, what)))
        s->is_dynamic = json_is_true(v);
    if ((v = want_v(c, F[16], "initializer", JSON_TRUE, 0, what)))
        s->initializer = json_is_true(v);
    if ((v = want_v(c, F[17], "float_name", JSON_STRING, 0, what)) &&
        !(s->float_name = keep(c, json_string_value(v))))
        return -1;
    if (c->failed)
        return -1;
    s->qscheme = OPINFO_QSCHEME_PER_TENSOR_AFFINE;
    if ((v = want_v(c, F[2], "qscheme", JSON_STRING, 0, what))) {
        s->qscheme = opinfo_qscheme_from_name(json_string_value(v));
        if (s->qscheme == OPINFO_QSCHEME_UNKNOWN) {
            KEY(c, "qscheme");
            return lfail(c, 0,
                         "unknown qscheme \"%s\" (known: per_tensor_affine, "
                         "per_tensor_symmetric, per_channel_affine, per_channel_symmetric, "
                         "per_channel_affine_float_qparams, per_block_symmetric, "
                         "per_block_affine)",
                         json_string_value(v));
        }
    }
    if (c->failed)
        return -1;
    s->qmin = dt->qmin;
    s->qmax = dt->qmax;
    json_t *qlo = want_v(c, F[3], "quant_min", JSON_INTEGER, 0, what);
    json_t *qhi = want_v(c, F[4], "quant_max", JSON_INTEGER, 0, what);
    if (c->failed)
        return -1;
    /* A range the dtype cannot hold, or an inverted one, is the check's to report on its node
     * (observer-range), not a reason to refuse the file; only the values must fit int64. */
    for (int k = 0; k < 2; k++) {
        json_t *q = k ? qhi : qlo;
        if (!q)
            continue;
        json_int_t x = json_integer_value(q);
        if (x < -QRANGE_LIMIT || x > QRANGE_LIMIT) {
            KEY(c, k ? "quant_max" : "quant_min");
            return lfail(c, 0, "%s %lld is beyond any dtype's range (|value| <= 2^40)",
                         k ? "quant_max" : "quant_min", (long long)x);
        }
        *(k ? &s->qmax : &s->qmin) = x;
    }
    int per_channel = opinfo_qscheme_is_per_channel(s->qscheme);
    if ((v = want_v(c, F[7], "axis", JSON_INTEGER, 0, what))) {
        if (json_integer_value(v) < 0 || json_integer_value(v) >= MAX_RANK) {
            KEY(c, "axis");
            return lfail(c, 0, "axis must be in [0, %d], not %lld", MAX_RANK - 1,
                         (long long)json_integer_value(v));
        }
        s->axis = (int)json_integer_value(v);
    }
    if (c->failed)
        return -1;
    if (per_channel && s->axis < 0)
        return lfail(c, 0, "a %s tensor needs an \"axis\"", opinfo_qscheme_name(s->qscheme));
    if ((v = want_v(c, F[8], "shape", JSON_ARRAY, 0, what))) {
        s->shape = arr(c, MAX_RANK, sizeof *s->shape);
        if (!s->shape || int_list(c, v, "shape", MAX_RANK, 0, s->shape, &s->n_shape))
            return -1;
        if (s->axis >= 0 && per_channel && (size_t)s->axis >= s->n_shape) {
            KEY(c, "axis");
            return lfail(c, 0, "axis %d is beyond the tensor's rank %zu", s->axis, s->n_shape);
        }
    }
    if (c->failed)
        return -1;
    if ((v = want_v(c, F[9], "block_size", JSON_ARRAY, 0, what))) {
        s->block = arr(c, MAX_RANK, sizeof *s->block);
        if (!s->block || int_list(c, v, "block_size", MAX_RANK, 1, s->block, &s->n_block))
            return -1;
        if (s->n_shape && s->n_block != s->n_shape) {
            KEY(c, "block_size");
            return lfail(c, 0, "block_size has %zu entries but the shape has rank %zu",
                         s->n_block, s->n_shape);
        }
    }
    if (c->failed)
        return -1;
    if (opinfo_qscheme_is_per_block(s->qscheme) && !s->block)
        return lfail(c, 0, "a %s tensor needs a \"block_size\"", opinfo_qscheme_name(s->qscheme));
    if ((v = F[10])) {
        KEY(c, "eps");
        if (positive(c, v, "eps", &s->eps))
            return -1;
        POP(c);
    }
    if ((v = F[5])) {
        KEY(c, "scale");
        if (json_is_array(v)) {
            size_t n = json_array_size(v);
            if (n == 0 || n > MAX_ARRAY)
                return lfail(c, 0, "scale must have 1..%u entries, not %zu", MAX_ARRAY, n);
            if (!per_channel && n != 1)
                return lfail(c, 0, "a %s tensor has one scale, not %zu",
                             opinfo_qscheme_name(s->qscheme), n);
            if (!(s->scale = arr(c, n, sizeof *s->scale)))
                return -1;
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                IDX(c, i);
                if (positive(c, e, "a scale", &s->scale[i]))
                    return -1;
                POP(c);
            }
            s->n_scale = n;
        } else {
            if (per_channel)
                return lfail(c, 0, "a %s tensor needs one scale per channel (an array)",
                             opinfo_qscheme_name(s->qscheme));
            if (!(s->scale = arr(c, 1, sizeof *s->scale)) || positive(c, v, "scale", s->scale))
                return -1;
            s->n_scale = 1;
        }
        POP(c);
    }
    if ((v = F[6])) {
        KEY(c, "zero_point");
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        if (!json_is_array(v) && !json_is_integer(v))
            return lfail(c, 0, "zero_point must be an integer or an array of integers, not %s",
                         type_name(v));
        if (n == 0 || n > MAX_ARRAY)
            return lfail(c, 0, "zero_point must have 1..%u entries", MAX_ARRAY);
        if (s->n_scale && n != s->n_scale)
            return lfail(c, 0, "zero_point has %zu entries but scale has %zu", n, s->n_scale);
        if (!per_channel && n != 1)
            return lfail(c, 0, "a %s tensor has one zero_point, not %zu",
                         opinfo_qscheme_name(s->qscheme), n);
        if (!(s->zp = arr(c, n, sizeof *s->zp)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
            if (json_is_array(v))
                IDX(c, i);
            if (!json_is_integer(e))
                return lfail(c, 0, "a zero_point must be an integer, not %s", type_name(e));
            s->zp[i] = json_integer_value(e);
            /* against the observer's range when it is one, else against the dtype's */
            int64_t zlo = s->qmin, zhi = s->qmax;
            if (zlo > zhi || zlo < dt->qmin || zhi > dt->qmax)
                zlo = dt->qmin, zhi = dt->qmax;
            if (s->zp[i] < zlo || s->zp[i] > zhi)
                return lfail(c, 0, "zero_point %lld is outside the quant range [%lld, %lld]",
                             (long long)s->zp[i], (long long)zlo, (long long)zhi);
            if (json_is_array(v))
                POP(c);
        }
        s->n_zp = n;
        POP(c);
    }
    if (per_channel && s->n_shape && s->axis >= 0 && (size_t)s->axis < s->n_shape) {
        size_t channels = (size_t)s->shape[s->axis];
        if (s->n_scale && s->n_scale != channels) {
            KEY(c, "scale");
            return lfail(c, 0, "scale has %zu entries but the tensor has %zu channels on axis %d",
                         s->n_scale, channels, s->axis);
        }
        if (s->n_zp && s->n_zp != channels) {
            KEY(c, "zero_point");
            return lfail(c, 0,
                         "zero_point has %zu entries but the tensor has %zu channels on axis %d",
                         s->n_zp, channels, s->axis);
        }
    }
    if ((v = want_v(c, F[11], "fixed", JSON_TRUE, 0, what))) {
        s->fixed = json_is_true(v);
        if (s->fixed && (!s->n_scale || !s->n_zp)) {
            KEY(c, "fixed");
            return lfail(c, 0, "a fixed-qparams tensor needs its \"scale\" and \"zero_point\"");
        }
    }
    if (c->failed)
        return -1;
    /* references are recorded as written; link_spec resolves them once all names are known */
    json_t *sw = F[13];
    if (sw) {
        KEY(c, "shared_with");
        if (json_is_string(sw)) {
            if (!(s->sw_tensor = keep(c, json_string_value(sw))))
                return -1;
        } else if (json_is_object(sw)) {
            static const char *const ekeys[] = {"producer", "consumer", NULL};
            if (only_keys(c, sw, "a shared_with edge", ekeys))
                return -1;
            json_t *p = want(c, sw, "producer", JSON_STRING, 1, "a shared_with edge");
            json_t *q = p ? want(c, sw, "consumer", JSON_STRING, 1, "a shared_with edge") : NULL;
            if (!p || !q || !(s->sw_producer = keep(c, json_string_value(p))) ||
                !(s->sw_consumer = keep(c, json_string_value(q))))
                return -1;
        } else
            return lfail(c, 0, "shared_with must be a tensor name or an edge object, not %s",
                         type_name(sw));
        POP(c);
    }
    json_t *df = F[14];
    if (df) {
        KEY(c, "derived_from");
        if (!json_is_array(df) || json_array_size(df) == 0 || json_array_size(df) > 8)
            return lfail(c, 0, "derived_from must be an array of 1..8 tensor names");
        s->n_derived = json_array_size(df);
        if (!(s->df_names = arr(c, s->n_derived, sizeof *s->df_names)) ||
            !(s->derived = arr(c, s->n_derived, sizeof *s->derived)))
            return -1;
        size_t i;
        json_t *e;
        json_array_foreach(df, i, e)
        {
            IDX(c, i);
            if (!json_is_string(e))
                return lfail(c, 0, "derived_from entries must be tensor names, not %s",
                             type_name(e));
            if (!(s->df_names[i] = keep(c, json_string_value(e))))
                return -1;
            POP(c);
        }
        POP(c);
    }
    return 0;
}

/* ---- references ---------------------------------------------------------------------------- */

static int lookup(const oi_map *m, const char *name)
{
    void *v;
    return oi_map_get(m, name, &v) ? (int)((intptr_t)v - 1) : -1;
}

static int register_next(ld *c);

/* A tensor's index by name, registering the tensors not registered yet, in order, until it is
 * found or the array ends. -1 when there is no such tensor (or the registration failed). */
static int tlookup(ld *c, const char *name)
{
    int t = lookup(&c->tensors, name);
    while (t < 0 && c->tcur && !c->failed) {
        if (register_next(c) != 0)
            return -1;
        if (strcmp(c->g->tensors[c->g->n_tensors - 1].name, name) == 0)
            t = (int)c->g->n_tensors - 1;
    }
    return t;
}

/* Resolves the references spec s recorded; the error path (c->path) points at the spec. */
static int link_spec(ld *c, oi_spec *s, int self)
{
    if (s->sw_tensor) {
        KEY(c, "shared_with");
        int t = tlookup(c, s->sw_tensor);
        if (t < 0)
            return lfail(c, 0, "shared_with names \"%s\", which is not a tensor", s->sw_tensor);
        if (t == self)
            return lfail(c, 0, "a tensor cannot share its quantization with itself");
        s->shared_tensor = t;
        POP(c);
    } else if (s->sw_producer) {
        KEY(c, "shared_with");
        int pn = lookup(&c->nodes, s->sw_producer);
        int qn = lookup(&c->nodes, s->sw_consumer);
        if (pn < 0) {
            KEY(c, "producer");
            return lfail(c, 0, "shared_with edge: \"%s\" is not a node", s->sw_producer);
        }
        if (qn < 0) {
            KEY(c, "consumer");
            return lfail(c, 0, "shared_with edge: \"%s\" is not a node", s->sw_consumer);
        }
        const oi_node *cn = &c->g->nodes[qn];
        int found = 0;
        for (size_t i = 0; i < cn->n_inputs && !found; i++)
            found = cn->inputs[i].tensor >= 0 && c->g->tensors[cn->inputs[i].tensor].producer == pn;
        if (!found)
            return lfail(c, 0, "shared_with edge: node \"%s\" reads no output of node \"%s\"",
                         s->sw_consumer, s->sw_producer);
        s->shared_producer = pn;
        s->shared_consumer = qn;
        POP(c);
    }
    if (s->df_names) {
        KEY(c, "derived_from");
        for (size_t i = 0; i < s->n_derived; i++) {
            IDX(c, i);
            int t = tlookup(c, s->df_names[i]);
            if (t < 0)
                return lfail(c, 0, "derived_from names \"%s\", which is not a tensor",
                             s->df_names[i]);
            if (t == self)
                return lfail(c, 0, "a tensor cannot be derived from itself");
            s->derived[i] = t;
            POP(c);
        }
        POP(c);
    }
    return 0;
}

static int link_all(ld *c)
{
    opinfo_qgraph *g = c->g;
    c->path.depth = 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        KEY(c, "tensors");
        IDX(c, i);
        if (link_spec(c, &g->tensors[i].spec, (int)i))
            return -1;
        c->path.depth = 0;
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        for (size_t k = 0; k < g->nodes[i].n_inputs; k++) {
            if (!g->nodes[i].inputs[k].edge)
                continue;
            KEY(c, "nodes");
            IDX(c, i);
            KEY(c, "inputs");
            IDX(c, k);
            KEY(c, "spec");
            if (link_spec(c, g->nodes[i].inputs[k].edge, -1))
                return -1;
            c->path.depth = 0;
        }
    return 0;
}

/* The next spec along a shared_with link, or NULL at a root. An edge spec's place is stored in
 * *n, *k (the consumer node and its input); a tensor's leaves them alone. */
static const oi_spec *next_shared(const opinfo_qgraph *g, const oi_spec *s, size_t *n, size_t *k)
{
    if (s->shared_tensor >= 0)
        return &g->tensors[s->shared_tensor].spec;
    if (s->shared_producer >= 0) {
        const oi_node *cn = &g->nodes[s->shared_consumer];
        for (size_t i = 0; i < cn->n_inputs; i++) {
            const oi_ref *r = &cn->inputs[i];
            if (r->tensor >= 0 && g->tensors[r->tensor].producer == s->shared_producer) {
                if (!r->edge)
                    return &g->tensors[r->tensor].spec;
                *n = (size_t)s->shared_consumer;
                *k = i;
                return r->edge;
            }
        }
    }
    return NULL;
}

/* Marks a spec whose chain is being walked. */
static const oi_spec on_walk;

const oi_spec *oi_resolve(const opinfo_qgraph *g, const oi_spec *s)
{
    if (s->root && s->root != &on_walk)
        return s->root; /* every spec of a loaded qgraph: set by resolve_roots */
    /* a spec outside a loaded graph: walk; the bound only guards against misuse */
    size_t n = 0, k = 0;
    for (size_t steps = 0; steps <= g->n_tensors + g->n_nodes * 8 + 1; steps++) {
        const oi_spec *next = next_shared(g, s, &n, &k);
        if (!next)
            return s;
        s = next;
    }
    return NULL;
}

static long tensor_index(const opinfo_qgraph *g, const oi_spec *s)
{
    if (!g->n_tensors || s < &g->tensors[0].spec || s > &g->tensors[g->n_tensors - 1].spec)
        return -1;
    return (long)(((const char *)s - (const char *)&g->tensors[0].spec) / (long)sizeof(oi_tensor));
}

/* Points the error at the shared_with of tensor t, or (t < 0) of node n's input k. */
static int cycle_error(ld *c, long t, size_t n, size_t k)
{
    c->path.depth = 0;
    if (t >= 0) {
        KEY(c, "tensors");
        IDX(c, (size_t)t);
    } else {
        KEY(c, "nodes");
        IDX(c, n);
        KEY(c, "inputs");
        IDX(c, k);
        KEY(c, "spec");
    }
    KEY(c, "shared_with");
    return lfail(c, 0, "shared_with forms a cycle%s%s%s", t >= 0 ? " through tensor \"" : "",
                 t >= 0 ? c->g->tensors[t].name : "", t >= 0 ? "\"" : "");
}

typedef struct {
    oi_spec *spec;
    size_t n, k; /* an edge spec's place */
} walk_step;

/* Every spec's root, in linear time: each chain is walked until it meets a root or a spec whose
 * root is known, and every spec on the walk gets that root, so no spec is walked twice and
 * oi_resolve is one load. A walk that meets a spec of its own closes a cycle: the error points
 * at the shared_with that closes it (the last spec walked). */
static int resolve_roots(ld *c)
{
    opinfo_qgraph *g = c->g;
    size_t n_edges = 0;
    for (size_t i = 0; i < g->n_nodes; i++)
        for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
            n_edges += g->nodes[i].inputs[k].edge != NULL;
    size_t total = g->n_tensors + n_edges;
    walk_step *walk = malloc((total + 1) * sizeof *walk);
    if (!walk)
        return lnomem(c);
    int rc = 0;
    size_t ni = 0, ki = 0; /* the edge cursor */
    for (size_t start = 0; start < total && !rc; start++) {
        walk_step cur = {NULL, 0, 0};
        if (start < g->n_tensors)
            cur.spec = &g->tensors[start].spec;
        else {
            while (ki >= g->nodes[ni].n_inputs || !g->nodes[ni].inputs[ki].edge) {
                if (ki >= g->nodes[ni].n_inputs) {
                    ni++;
                    ki = 0;
                } else
                    ki++;
            }
            cur.spec = g->nodes[ni].inputs[ki].edge;
            cur.n = ni;
            cur.k = ki++;
        }
        if (cur.spec->root)
            continue;
        size_t depth = 0;
        const oi_spec *root = NULL;
        for (;;) {
            if (cur.spec->root == &on_walk) {
                const walk_step *last = &walk[depth - 1];
                rc = cycle_error(c, tensor_index(g, last->spec), last->n, last->k);
                break;
            }
            if (cur.spec->root) {
                root = cur.spec->root;
                break;
            }
            cur.spec->root = &on_walk;
            walk[depth++] = cur;
            walk_step next = {NULL, 0, 0};
            next.spec = (oi_spec *)next_shared(g, cur.spec, &next.n, &next.k);
            if (!next.spec) {
                root = cur.spec;
                break;
            }
            cur = next;
        }
        for (size_t d = 0; d < depth; d++)
            walk[d].spec->root = root; /* NULL after a cycle: the load fails */
    }
    free(walk);
    return rc;
}

/* A shared tensor's dtype must be its root's. */
static int check_shared_dtypes(ld *c)
{
    opinfo_qgraph *g = c->g;
    for (size_t t = 0; t < g->n_tensors; t++) {
        const oi_spec *s = &g->tensors[t].spec;
        if (s->shared_tensor < 0 && s->shared_producer < 0)
            continue;
        const oi_spec *r = oi_resolve(g, s);
        if (r && r->dtype != s->dtype) {
            c->path.depth = 0;
            KEY(c, "tensors");
            IDX(c, t);
            KEY(c, "dtype");
            return lfail(c, 0, "tensor \"%s\" is %s but shares the quantization of a %s tensor",
                         g->tensors[t].name, opinfo_dtype_get(s->dtype)->name,
                         opinfo_dtype_get(r->dtype)->name);
        }
    }
    return 0;
}

/* ---- checking while reading ------------------------------------------------------------------ */

/* Whether spec s (of tensor self, or an edge: self -1) resolves from the tensors alone: its
 * shared_with chain runs through tensors to a root whose dtype is s's, and every tensor it is
 * derived from does too. Such a spec gets its links and root now, as link_all and resolve_roots
 * would give them (they keep them); anything else waits for the end of the read. */
static int tensor_ready(ld *c, int t, int depth);
static int read_node(ld *c, json_t *n, size_t i);
static int read_tensor(ld *c, json_t *t, size_t i);
static int ensure_tensor(ld *c, size_t i);
static int reserve(ld *c, void **p, size_t *cap, size_t need, size_t size);
static json_t *value_at(ld *c, size_t *i);
static int stream_array(ld *c, size_t *i, const char *key, int (*fn)(ld *, json_t *, size_t));

static int derived_ready(ld *c, oi_spec *s, int self, int depth)
{
    for (size_t k = 0; s->df_names && k < s->n_derived; k++) {
        int d = tlookup(c, s->df_names[k]);
        if (d < 0 || d == self || !tensor_ready(c, d, depth + 1))
            return 0;
    }
    for (size_t k = 0; s->df_names && k < s->n_derived; k++)
        s->derived[k] = tlookup(c, s->df_names[k]);
    return 1;
}

static int tensor_ready(ld *c, int t, int depth)
{
    opinfo_qgraph *g = c->g;
    if (depth > 8)
        return 0; /* derived from derived from ...: judged at the end */
    if (c->tstate[t] == 1)
        return derived_ready(c, &g->tensors[t].spec, t, depth);
    if (c->tstate[t] == 2)
        return 0; /* judged before: it waits for the end */
    /* walk the chain to a judged tensor or a root */
    size_t n = 0;
    int u = t, ok = 1;
    for (;;) {
        if (c->tstate[u] == 3 || c->tstate[u] == 2) {
            ok = 0; /* a cycle (the end reports it), or a chain judged not ready */
            break;
        }
        if (c->tstate[u] == 1)
            break;
        if (ensure_tensor(c, (size_t)u) != 0) {
            ok = 0;
            break;
        }
        const oi_spec *sp = &g->tensors[u].spec;
        c->tstate[u] = 3;
        c->walk[n++] = u;
        if (sp->sw_producer) {
            ok = 0;
            break;
        }
        if (!sp->sw_tensor)
            break;
        int next = tlookup(c, sp->sw_tensor);
        if (next < 0) {
            ok = 0;
            break;
        }
        u = next;
    }
    /* from the root back: links, dtypes and derivations */
    for (size_t k = n; k-- > 0;) {
        int w = c->walk[k];
        oi_spec *sp = &g->tensors[w].spec;
        if (ok) {
            if (sp->sw_tensor) {
                sp->shared_tensor = tlookup(c, sp->sw_tensor);
                const oi_spec *r = g->tensors[sp->shared_tensor].spec.root;
                if (r->dtype != sp->dtype)
                    ok = 0;
                else
                    sp->root = r;
            } else
                sp->root = sp;
        }
        c->tstate[w] = ok ? 1 : 2;
    }
    if (!ok) /* the ones walked before the failure are not ready either */
        for (size_t k = 0; k < n; k++)
            c->tstate[c->walk[k]] = 2;
    if (c->tstate[t] != 1)
        return 0;
    /* derivations (bias scales): after the chain, so a walk never nests in another */
    return derived_ready(c, &g->tensors[t].spec, t, depth);
}

static int edge_ready(ld *c, oi_spec *s)
{
    if (s->sw_producer)
        return 0;
    if (s->sw_tensor) {
        int u = tlookup(c, s->sw_tensor);
        if (u < 0 || !tensor_ready(c, u, 1))
            return 0;
        const oi_spec *r = c->g->tensors[u].spec.root;
        if (r->dtype != s->dtype)
            return 0;
        if (!derived_ready(c, s, -1, 1))
            return 0;
        s->shared_tensor = u;
        s->root = r;
        return 1;
    }
    if (!derived_ready(c, s, -1, 1))
        return 0;
    s->root = s;
    return 1;
}

static int node_ready(ld *c, size_t i)
{
    const oi_node *nd = &c->g->nodes[i];
    for (size_t k = 0; k < nd->n_inputs; k++) {
        const oi_ref *r = &nd->inputs[k];
        if (r->tensor >= 0 && !tensor_ready(c, r->tensor, 0))
            return 0;
        if (r->edge && !edge_ready(c, r->edge))
            return 0;
    }
    for (size_t k = 0; k < nd->n_outputs; k++)
        if (!tensor_ready(c, nd->outputs[k], 0))
            return 0;
    return 1;
}

/* Tensor i, parsed now if the scan only registered it; c->path is kept. -1 on failure. */
static int ensure_tensor(ld *c, size_t i)
{
    if (!c->tpos || c->tparsed[i])
        return 0;
    c->tparsed[i] = 1;
    oi_jpath saved = c->path;
    c->path.depth = 0;
    KEY(c, "tensors");
    IDX(c, i);
    size_t at = c->tpos[i];
    json_t *v = value_at(c, &at);
    int rc = -1;
    if (v) {
        c->lazy = 1;
        rc = c->failed ? 0 : read_tensor(c, v, i);
        c->lazy = 0;
        oi_json_drop(v);
    }
    c->path = saved;
    return rc || c->failed ? -1 : 0;
}

/* The first byte at or after j that is a quote, a backslash or a bracket; n when none. SSE2 (every
 * x86-64) looks at 16 bytes at a time; the scan of a tensor array is bound by it. */
static size_t next_special(const char *t, size_t n, size_t j)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), lo = _mm_set1_epi8(0x20),
                  open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}');
    while (j + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + j));
        __m128i f = _mm_or_si128(v, lo); /* '[' and ']' fold onto '{' and '}' */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_or_si128(_mm_cmpeq_epi8(f, open), _mm_cmpeq_epi8(f, close)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return j + (size_t)__builtin_ctz(bits);
        j += 16;
    }
#endif
    while (j < n && t[j] != '"' && t[j] != '\\' && (t[j] | 0x20) != '{' && (t[j] | 0x20) != '}')
        j++;
    return j;
}

/* Skips the object at *i by its strings and nesting alone (jansson judges every byte later) and
 * finds its top-level "name" (a string followed by ':' is a key). 0 when it is an object whose
 * name is a plain string (no escapes, no control bytes), else -1: such a tensor array is read in
 * full. */
static int scan_element(const char *t, size_t n, size_t *i, const char **name, size_t *nlen)
{
    size_t j = *i, depth = 0;
    int want = 0; /* the last key at depth 1 was "name" */
    *name = NULL;
    if (j >= n || t[j] != '{')
        return -1;
    for (;;) {
        j = next_special(t, n, j);
        if (j >= n)
            return -1;
        char ch = t[j];
        if (ch == '"') {
            size_t s0 = ++j;
            int plain = 1;
            for (;;) {
                j = next_special(t, n, j);
                if (j >= n)
                    return -1;
                if (t[j] == '\\') {
                    plain = 0;
                    j += 2;
                    continue;
                }
                if (t[j] == '"')
                    break;
                j++; /* a bracket inside the string */
            }
            size_t e = j++;
            if (depth == 1) {
                size_t p = oi_json_ws(t, n, j);
                if (p < n && t[p] == ':')
                    want = e - s0 == 4 && memcmp(t + s0, "name", 4) == 0;
                else if (want) {
                    for (size_t k = s0; k < e && plain; k++)
                        plain = (unsigned char)t[k] >= 0x20;
                    if (!plain || *name)
                        return -1;
                    *name = t + s0;
                    *nlen = e - s0;
                    want = 0;
                }
            }
            continue;
        }
        if (ch == '\\')
            return -1;
        if (ch == '{' || ch == '[')
            depth++;
        else if (depth == 0)
            return -1;
        else if (--depth == 0) {
            *i = j + 1;
            return *name && *nlen ? 0 : -1;
        }
        j++;
    }
}

/* The "tensors" array at *i, every name registered by a scan before the first node: the way of an
 * array the skim below refuses. Each element's place and name are recorded, and the element is
 * parsed when a node needs it, or after the nodes. Any element the scan cannot register reads the
 * array in full, as stream_array does. */
static int scan_all(ld *c, size_t *i)
{
    opinfo_qgraph *g = c->g;
    const char *t = g->text;
    size_t n = g->len, j = *i, k = 0, cap = 0;
    if (j >= n || t[j] != '[')
        return stream_array(c, i, "tensors", read_tensor);
    /* the names live in the graph's arena: the map keeps pointers to them; room for a tensor
     * per 512 bytes of the document saves most of the map's growing */
    c->tensors.borrow = 1;
    if (oi_map_reserve(&c->tensors, n / 512) != 0)
        return lnomem(c);
    j = oi_json_ws(t, n, j + 1);
    if (j < n && t[j] == ']') {
        *i = j + 1;
        return 0;
    }
    for (;;) {
        size_t at = j;
        const char *nm;
        size_t nl = 0;
        if (scan_element(t, n, &j, &nm, &nl) != 0 || nl > MAX_NAME)
            goto whole;
        if (reserve(c, (void **)&g->tensors, &g->cap_tensors, k + 1, sizeof *g->tensors))
            return -1;
        if (g->cap_tensors != cap) {
            size_t *p = realloc(c->tpos, g->cap_tensors * sizeof *p);
            if (p)
                c->tpos = p;
            unsigned char *q = p ? realloc(c->tparsed, g->cap_tensors) : NULL;
            if (!p || !q)
                return lnomem(c);
            c->tparsed = q;
            cap = g->cap_tensors;
        }
        if (memchr(nm, '\0', nl))
            goto whole;
        char *name = oi_arena_alloc(&g->arena, nl + 1);
        if (!name)
            return lnomem(c);
        memcpy(name, nm, nl);
        int added = oi_map_put_new(&c->tensors, name, nl, (void *)(intptr_t)(k + 1));
        if (added < 0)
            return lnomem(c);
        if (added > 0)
            goto whole; /* the full read reports it where jansson's order puts it */
        oi_tensor *ot = &g->tensors[k];
        memset(ot, 0, sizeof *ot);
        ot->name = name;
        ot->producer = -1;
        c->tpos[k] = at;
        c->tparsed[k] = 0;
        g->n_tensors = ++k;
        j = oi_json_ws(t, n, j);
        if (j < n && t[j] == ',') {
            j = oi_json_ws(t, n, j + 1);
            continue;
        }
        if (j < n && t[j] == ']') {
            *i = j + 1;
            return 0;
        }
        goto whole;
    }
whole:
    free(c->tpos);
    free(c->tparsed);
    c->tpos = NULL;
    c->tparsed = NULL;
    g->n_tensors = 0;
    oi_map_free(&c->tensors);
    oi_map_init(&c->tensors);
    c->tensors.borrow = 1;
    return stream_array(c, i, "tensors", read_tensor);
}

/* The first quote or backslash at or after j (inside a string); n when none. */
static size_t next_quote(const char *t, size_t n, size_t j)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    while (j + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + j));
        unsigned bits = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
        if (bits)
            return j + (size_t)__builtin_ctz(bits);
        j += 16;
    }
#endif
    while (j < n && t[j] != '"' && t[j] != '\\')
        j++;
    return j;
}

/* Skims the array at i by its strings and brackets alone: 0 when it is objects separated by
 * commas, every bracket closed, and no backslash anywhere, with the place after its ']' and the
 * number of elements; else -1. No name is looked at: that is left to register_next. */
static int skim_array(const char *t, size_t n, size_t i, size_t *end, size_t *count)
{
    size_t j = oi_json_ws(t, n, i + 1), k = 0;
    if (j < n && t[j] == ']') {
        *end = j + 1;
        *count = 0;
        return 0;
    }
    for (;;) {
        if (j >= n || t[j] != '{')
            return -1;
        size_t depth = 0;
        for (;;) {
            j = next_special(t, n, j);
            if (j >= n || t[j] == '\\')
                return -1;
            char ch = t[j++];
            if (ch == '"') {
                j = next_quote(t, n, j);
                if (j >= n || t[j] == '\\')
                    return -1;
                j++;
            } else if (ch == '{' || ch == '[')
                depth++;
            else if (--depth == 0)
                break;
        }
        k++;
        j = oi_json_ws(t, n, j);
        if (j < n && t[j] == ',') {
            j = oi_json_ws(t, n, j + 1);
            continue;
        }
        if (j < n && t[j] == ']') {
            *end = j + 1;
            *count = k;
            return 0;
        }
        return -1;
    }
}

/* Registers the tensor at c->tcur (the next in the array) under its index. A name the scan cannot
 * take, or one met before, fails the read: the read in document order that follows every failure
 * while reading (oi_qgraph_parse_hooked) names the error. */
static int register_next(ld *c)
{
    opinfo_qgraph *g = c->g;
    const char *t = g->text;
    size_t n = g->len, at = c->tcur, j = at, k = g->n_tensors;
    const char *nm;
    size_t nl = 0;
    c->tcur = 0;
    if (k >= c->tcount || scan_element(t, n, &j, &nm, &nl) != 0 || nl > MAX_NAME ||
        memchr(nm, '\0', nl)) {
        oi_jpath saved = c->path;
        c->path.depth = 0;
        KEY(c, "tensors");
        IDX(c, k);
        size_t p = at;
        json_t *v = value_at(c, &p); /* jansson's error first, as everywhere */
        oi_json_drop(v);
        if (v)
            lfail(c, 0, "a tensor name must be a string of 1..%d characters", MAX_NAME);
        c->path = saved;
        return -1;
    }
    char *name = oi_arena_alloc(&g->arena, nl + 1);
    if (!name)
        return lnomem(c);
    memcpy(name, nm, nl);
    name[nl] = '\0';
    int added = oi_map_put_new(&c->tensors, name, nl, (void *)(intptr_t)(k + 1));
    if (added < 0)
        return lnomem(c);
    if (added > 0) {
        oi_jpath saved = c->path;
        c->path.depth = 0;
        KEY(c, "tensors");
        IDX(c, k);
        KEY(c, "name");
        lfail(c, 0, "tensor \"%s\" is defined twice", name);
        c->path = saved;
        return -1;
    }
    oi_tensor *ot = &g->tensors[k];
    memset(ot, 0, sizeof *ot);
    ot->name = name;
    ot->producer = -1;
    c->tpos[k] = at;
    c->tparsed[k] = 0;
    g->n_tensors = k + 1;
    j = oi_json_ws(t, n, j);
    if (j < n && t[j] == ',') /* else the ']' the skim found */
        c->tcur = oi_json_ws(t, n, j + 1);
    return 0;
}

/* After the nodes: the tensors no node named, registered in order. */
static int register_rest(ld *c)
{
    while (c->tcur && !c->failed)
        if (register_next(c) != 0)
            return -1;
    return 0;
}

/* The "tensors" array at *i while checking while reading. A skim finds its end and counts its
 * elements, so that the nodes can be read at once; a tensor is registered (its place and name
 * recorded, in array order) when a node names one not registered yet, and parsed when a node
 * needs it; the rest are registered and parsed after the nodes. An array the skim refuses (an
 * escape anywhere, an element that is not an object) is scanned in full first, as before. */
static int scan_tensors(ld *c, size_t *i)
{
    opinfo_qgraph *g = c->g;
    size_t end, count;
    if (*i >= g->len || g->text[*i] != '[' || skim_array(g->text, g->len, *i, &end, &count) != 0)
        return scan_all(c, i);
    size_t first = oi_json_ws(g->text, g->len, *i + 1);
    *i = end;
    if (count == 0)
        return 0;
    /* the names live in the graph's arena: the map keeps pointers to them */
    c->tensors.borrow = 1;
    if (oi_map_reserve(&c->tensors, count) != 0)
        return lnomem(c);
    if (reserve(c, (void **)&g->tensors, &g->cap_tensors, count, sizeof *g->tensors))
        return -1;
    if (!(c->tpos = malloc(count * sizeof *c->tpos)) || !(c->tparsed = malloc(count)))
        return lnomem(c);
    c->tcount = count;
    c->tcur = first;
    return 0;
}

/* After the nodes: every tensor not parsed yet, in order (a semantic error stops the reading of
 * values, never the parse: a syntax error anywhere outranks it, as in stream_array). */
static int parse_rest(ld *c)
{
    for (size_t k = 0; c->tpos && k < c->g->n_tensors; k++) {
        if (c->tparsed[k])
            continue;
        if (!c->failed) {
            if (ensure_tensor(c, k) && HARD(c))
                return -1;
            continue;
        }
        c->tparsed[k] = 1;
        size_t at = c->tpos[k];
        json_t *v = value_at(c, &at);
        if (!v)
            return -1;
        oi_json_drop(v);
    }
    return 0;
}

/* read_node, then the hook */
static int read_node_hooked(ld *c, json_t *n, size_t i)
{
    if (read_node(c, n, i))
        return -1;
    if (!c->hooks_on || c->failed)
        return 0;
    if (!c->tstate) {
        size_t nt = c->tcount > c->g->n_tensors ? c->tcount : c->g->n_tensors;
        nt = nt ? nt : 1;
        c->tstate = calloc(nt, 1);
        c->walk = malloc(nt * sizeof *c->walk);
        if (!c->tstate || !c->walk)
            return lnomem(c);
    }
    int ready = node_ready(c, i);
    if (c->hooks->node(c->hooks->ctx, c->g, i, ready, c->target_seen))
        c->hooks_on = 0;
    return 0;
}

/* ---- the document ---------------------------------------------------------------------------- */

/* Growable arrays: the count is not known while streaming. */
static int reserve(ld *c, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    if (need > MAX_ARRAY)
        return lfail(c, 0, "too many entries (at most %u)", MAX_ARRAY);
    /* from a few entries, doubling: a large first block (a thousand tensors of a small graph)
     * is fresh memory to fault in on every parse in a host whose heap has moved on */
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return lnomem(c);
    *p = q;
    *cap = n;
    return 0;
}

/* Tensor i; c->path is /tensors/i. */
static int read_tensor(ld *c, json_t *t, size_t i)
{
    opinfo_qgraph *g = c->g;
    if (!c->lazy && reserve(c, (void **)&g->tensors, &g->cap_tensors, i + 1, sizeof *g->tensors))
        return -1;
    if (!json_is_object(t))
        return lfail(c, 0, "a tensor must be an object, not %s", type_name(t));
    json_t *name = want(c, t, "name", JSON_STRING, 1, "a tensor");
    if (!name)
        return -1;
    KEY(c, "name");
    if (name_ok(c, name, "a tensor"))
        return -1;
    int known = lookup(&c->tensors, json_string_value(name));
    if (c->lazy ? known != (int)i : known >= 0) /* the scan registered it under its index */
        return lfail(c, 0, "tensor \"%s\" is defined twice", json_string_value(name));
    const char *kept = keep(c, json_string_value(name));
    if (!kept)
        return -1;
    /* the map borrows the graph's copy of the name */
    if (!c->lazy && oi_map_put_new(&c->tensors, kept, strlen(kept), (void *)(intptr_t)(i + 1)) < 0)
        return lnomem(c);
    POP(c);
    oi_tensor *ot = &g->tensors[i];
    int producer = c->lazy ? ot->producer : -1; /* nodes read since the scan may have set it */
    memset(ot, 0, sizeof *ot);
    ot->name = kept;
    ot->producer = producer;
    if (read_spec(c, t, &ot->spec, 0))
        return -1;
    if (!c->lazy)
        g->n_tensors = i + 1;
    return 0;
}

static int read_ref(ld *c, json_t *r, oi_ref *out, int allow_null)
{
    out->tensor = -1;
    out->edge = NULL;
    if (json_is_null(r)) {
        if (!allow_null)
            return lfail(c, 0, "an output cannot be null");
        return 0;
    }
    json_t *name = r;
    if (json_is_object(r) && allow_null) {
        static const char *const rkeys[] = {"tensor", "spec", NULL};
        if (only_keys(c, r, "an input reference", rkeys))
            return -1;
        name = want(c, r, "tensor", JSON_STRING, 1, "an input reference");
        if (!name)
            return -1;
        json_t *spec = want(c, r, "spec", JSON_OBJECT, 1, "an input reference");
        if (!spec)
            return -1;
        if (!(out->edge = arr(c, 1, sizeof *out->edge)))
            return -1;
        KEY(c, "spec");
        if (read_spec(c, spec, out->edge, 1))
            return -1;
        POP(c);
        KEY(c, "tensor");
    } else if (!json_is_string(r)) {
        return lfail(c, 0, "a tensor reference must be a tensor name%s, not %s",
                     allow_null ? ", null or {\"tensor\", \"spec\"}" : "", type_name(r));
    }
    out->tensor = tlookup(c, json_string_value(name));
    if (out->tensor < 0)
        return lfail(c, 0, "\"%s\" is not a tensor of this graph", json_string_value(name));
    if (name != r)
        POP(c);
    return 0;
}

/* A node's "suppress": [{"rule": "arch-gate" or a prefix, "reason": "..."}] */
static int read_suppress(ld *c, json_t *sup, oi_node *on)
{
    static const char *const ukeys[] = {"rule", "reason", NULL};
    size_t n = json_array_size(sup), k;
    json_t *s;
    if (n > 256)
        return lfail(c, 0, "a node has at most 256 suppressions");
    KEY(c, "suppress");
    on->suppress_rule = arr(c, n ? n : 1, sizeof *on->suppress_rule);
    on->suppress_reason = arr(c, n ? n : 1, sizeof *on->suppress_reason);
    if (!on->suppress_rule || !on->suppress_reason)
        return -1;
    json_array_foreach(sup, k, s)
    {
        IDX(c, k);
        if (!json_is_object(s))
            return lfail(c, 0, "a suppression must be an object, not %s", type_name(s));
        if (only_keys(c, s, "a suppression", ukeys))
            return -1;
        json_t *rule = want(c, s, "rule", JSON_STRING, 1, "a suppression");
        json_t *why = rule ? want(c, s, "reason", JSON_STRING, 0, "a suppression") : NULL;
        if (!rule || c->failed)
            return -1;
        if (!*json_string_value(rule) || strlen(json_string_value(rule)) > MAX_NAME) {
            KEY(c, "rule");
            return lfail(c, 0, "a suppressed rule must be 1..%d characters", MAX_NAME);
        }
        if (!(on->suppress_rule[k] = keep(c, json_string_value(rule))))
            return -1;
        on->suppress_reason[k] = NULL;
        if (why && *json_string_value(why) && !(on->suppress_reason[k] = keep(c, json_string_value(why))))
            return -1;
        POP(c);
    }
    POP(c);
    on->n_suppress = n;
    return 0;
}

/* Node i; c->path is /nodes/i. Tensors are all known by now. */
static int read_node(ld *c, json_t *n, size_t i)
{
    static const char *const nkeys[] = {"name", "op", "inputs", "outputs", "attrs", "source",
                                        "index", "float_reason", "suppress", NULL};
    opinfo_qgraph *g = c->g;
    size_t cap = g->cap_nodes;
    if (reserve(c, (void **)&g->nodes, &g->cap_nodes, i + 1, sizeof *g->nodes))
        return -1;
    { /* positions as the nodes come: for diagnostics written while reading, and so a check
         * need not scan the text again for them */
        if (g->cap_nodes != cap || !g->node_pos) {
            long *p = realloc(g->node_pos, g->cap_nodes * sizeof *p);
            if (!p)
                return lnomem(c);
            g->node_pos = p;
        }
        g->node_pos[i] = (long)c->elem_at;
    }
    memset(&g->nodes[i], 0, sizeof g->nodes[i]);
    g->n_nodes = i + 1;
    {
        if (!json_is_object(n))
            return lfail(c, 0, "a node must be an object, not %s", type_name(n));
        json_t *F[9] = {NULL}; /* name, op, inputs, outputs, attrs, source, index, float_reason,
                                  suppress */
        const char *key;
        json_t *val;
        json_object_foreach(n, key, val)
        {
            int k = -1;
            for (int j = 0; j < 9 && k < 0; j++)
                if (strcmp(key, nkeys[j]) == 0)
                    k = j;
            if (k < 0) {
                KEY(c, key);
                return lfail(c, 1, "unknown key \"%s\" in a node", key);
            }
            F[k] = val;
        }
        oi_node *on = &g->nodes[i];
        on->index = -1;
        json_t *name = want_v(c, F[0], "name", JSON_STRING, 1, "a node");
        json_t *op = name ? want_v(c, F[1], "op", JSON_STRING, 1, "a node") : NULL;
        json_t *ins = op ? want_v(c, F[2], "inputs", JSON_ARRAY, 1, "a node") : NULL;
        json_t *outs = ins ? want_v(c, F[3], "outputs", JSON_ARRAY, 1, "a node") : NULL;
        if (!outs)
            return -1;
        KEY(c, "name");
        if (name_ok(c, name, "a node"))
            return -1;
        if (lookup(&c->nodes, json_string_value(name)) >= 0)
            return lfail(c, 0, "node \"%s\" is defined twice", json_string_value(name));
        const char *kept = keep(c, json_string_value(name));
        if (!kept)
            return -1;
        if (oi_map_put_new(&c->nodes, kept, strlen(kept), (void *)(intptr_t)(i + 1)) < 0)
            return lnomem(c); /* the map borrows the graph's copy of the name */
        POP(c);
        KEY(c, "op");
        if (!*json_string_value(op) || strlen(json_string_value(op)) > MAX_NAME)
            return lfail(c, 0, "op must be 1..%d characters", MAX_NAME);
        POP(c);
        on->name = kept;
        if (!(on->op = keep(c, json_string_value(op))))
            return -1;
        if (want_v(c, F[4], "attrs", JSON_OBJECT, 0, "a node") == NULL && c->failed)
            return -1;
        json_t *fr = want_v(c, F[7], "float_reason", JSON_STRING, 0, "a node");
        if (c->failed)
            return -1;
        if (fr) { /* CONTRACT 1: why the framework left the node in float, one line */
            KEY(c, "float_reason");
            const char *t = json_string_value(fr);
            if (!*t || strlen(t) > MAX_NAME || strpbrk(t, "\r\n"))
                return lfail(c, 0, "float_reason must be one line of 1..%d characters", MAX_NAME);
            if (!(on->float_reason = keep(c, t)))
                return -1;
            POP(c);
        }
        json_t *src = want_v(c, F[5], "source", JSON_OBJECT, 0, "a node");
        if (c->failed)
            return -1;
        json_t *idx = want_v(c, F[6], "index", JSON_INTEGER, 0, "a node");
        if (c->failed)
            return -1;
        if (idx) {
            if (json_integer_value(idx) < 0 || json_integer_value(idx) > 1000000000) {
                KEY(c, "index");
                return lfail(c, 0, "node index must be 0..1000000000");
            }
            on->index = (long)json_integer_value(idx);
        }
        if (src) {
            static const char *const skeys[] = {"file", "line", "column", NULL};
            KEY(c, "source");
            if (only_keys(c, src, "a source location", skeys))
                return -1;
            json_t *f = want(c, src, "file", JSON_STRING, 1, "a source location");
            json_t *l = f ? want(c, src, "line", JSON_INTEGER, 1, "a source location") : NULL;
            json_t *col = l ? want(c, src, "column", JSON_INTEGER, 0, "a source location") : NULL;
            if (!l || c->failed)
                return -1;
            if (json_integer_value(l) < 1 || json_integer_value(l) > 100000000) {
                KEY(c, "line");
                return lfail(c, 0, "source line must be >= 1");
            }
            if (col && (json_integer_value(col) < 1 || json_integer_value(col) > 100000000)) {
                KEY(c, "column");
                return lfail(c, 0, "source column must be >= 1");
            }
            if (!(on->src_file = keep(c, json_string_value(f))))
                return -1;
            on->src_line = (int)json_integer_value(l);
            on->src_column = col ? (int)json_integer_value(col) : 0; /* none: never invented */
            POP(c);
        }
        json_t *sup = want_v(c, F[8], "suppress", JSON_ARRAY, 0, "a node");
        if (c->failed)
            return -1;
        if (sup && read_suppress(c, sup, on))
            return -1;
        on->n_inputs = json_array_size(ins);
        on->n_outputs = json_array_size(outs);
        if (on->n_inputs > 4096 || on->n_outputs > 4096)
            return lfail(c, 0, "a node has at most 4096 inputs and 4096 outputs");
        on->inputs = arr(c, on->n_inputs ? on->n_inputs : 1, sizeof *on->inputs);
        on->outputs = arr(c, on->n_outputs ? on->n_outputs : 1, sizeof *on->outputs);
        if (!on->inputs || !on->outputs)
            return -1;
        size_t k;
        json_t *r;
        KEY(c, "inputs");
        json_array_foreach(ins, k, r)
        {
            IDX(c, k);
            if (read_ref(c, r, &on->inputs[k], 1))
                return -1;
            POP(c);
        }
        POP(c);
        KEY(c, "outputs");
        json_array_foreach(outs, k, r)
        {
            IDX(c, k);
            oi_ref ref;
            if (read_ref(c, r, &ref, 0))
                return -1;
            oi_tensor *t = &g->tensors[ref.tensor];
            if (t->producer >= 0)
                return lfail(c, 0, "tensor \"%s\" is already the output of node \"%s\"", t->name,
                             g->nodes[t->producer].name);
            t->producer = (int)i;
            on->outputs[k] = ref.tensor;
            POP(c);
        }
        POP(c);
    }
    return 0;
}

/* A syntax error anywhere: jansson's own message and position for the whole document, exactly
 * as a full parse reports it. Only the error path pays for the full parse. */
static int syntax_error(ld *c)
{
    if (HARD(c))
        return -1;
    c->failed = 1;
    json_error_t je;
    oi_json_funcs h = oi_json_mine();
    json_t *root = json_loadb(c->g->text, c->g->len, JSON_REJECT_DUPLICATES, &je);
    json_decref(root);
    oi_json_theirs(h);
    if (root) { /* cannot happen for text the streaming reader refused; stay truthful */
        oi_set_error(c->err, OPINFO_EPARSE, c->g->path, 1, 1, 0, "malformed JSON");
    } else
        oi_set_error(c->err, OPINFO_EPARSE, c->g->path, je.line > 0 ? je.line : 1,
                     je.column > 0 ? je.column : 1, (long)je.position, "%s", je.text);
    c->syntax = 1;
    return -1;
}

/* One JSON value at *i, as jansson parses it; *i moves past it. The plain values exporters
 * write are read by the fast path in front of jansson (core/jsonfast.c), the rest by jansson. */
/* The value at *i, *i moved past it. Values read here die before the next is read, so they
 * are made in the parse's arena (oi_json_arena_begin); value_kept's may live longer. */
static json_t *value_in(ld *c, size_t *i, int arena)
{
    oi_json_funcs h = oi_json_mine(); /* freed with oi_json_drop */
    oi_json_arena_on(arena);
    json_t *fast = oi_json_fast(c->g->text, c->g->len, i);
    if (fast) {
        oi_json_arena_on(0);
        oi_json_theirs(h);
        return fast;
    }
    json_error_t je;
    json_t *v = json_loadb(c->g->text + *i, c->g->len - *i,
                           JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    oi_json_arena_on(0);
    oi_json_theirs(h);
    if (!v) {
        syntax_error(c);
        return NULL;
    }
    *i += (size_t)je.position;
    return v;
}

static json_t *value_at(ld *c, size_t *i)
{
    return value_in(c, i, 1);
}

static json_t *value_kept(ld *c, size_t *i)
{
    return value_in(c, i, 0);
}

/* Streams the array at *i: each element is parsed alone, handed to fn and freed, so memory
 * stays that of one element and the work stays in cache. */
static int stream_array(ld *c, size_t *i, const char *key, int (*fn)(ld *, json_t *, size_t))
{
    const char *t = c->g->text;
    size_t n = c->g->len;
    KEY(c, key);
    if (*i >= n || t[*i] != '[') {
        json_t *v = value_at(c, i);
        if (!v)
            return -1;
        const char *tn = type_name(v);
        oi_json_drop(v);
        return lfail(c, 0, "\"%s\" must be an array, not %s", key, tn);
    }
    size_t k = 0;
    *i = oi_json_ws(t, n, *i + 1);
    if (*i < n && t[*i] == ']') {
        (*i)++;
        POP(c);
        return 0;
    }
    for (;;) {
        c->elem_at = *i;
        json_t *e = value_at(c, i);
        if (!e)
            return -1;
        IDX(c, k);
        int rc = c->failed ? 0 : fn(c, e, k);
        oi_json_drop(e);
        if (rc && HARD(c))
            return -1;
        POP(c);
        k++;
        *i = oi_json_ws(t, n, *i);
        if (*i < n && t[*i] == ',') {
            *i = oi_json_ws(t, n, *i + 1);
            continue;
        }
        if (*i < n && t[*i] == ']') {
            (*i)++;
            break;
        }
        return syntax_error(c);
    }
    POP(c);
    return 0;
}

static int check_header(ld *c, const char *key, json_t *v)
{
    opinfo_qgraph *g = c->g;
    KEY(c, key);
    if (strcmp(key, "qgraph") == 0) {
        if (!json_is_integer(v))
            return lfail(c, 0, "\"qgraph\" must be an integer, not %s", type_name(v));
        if (json_integer_value(v) != OPINFO_QGRAPH_FORMAT)
            return lfail(c, 0, "unsupported qgraph version %lld (this tool reads %d)",
                         (long long)json_integer_value(v), OPINFO_QGRAPH_FORMAT);
    } else if (strcmp(key, "$schema") == 0) {
        if (!json_is_string(v))
            return lfail(c, 0, "\"$schema\" must be a string, not %s", type_name(v));
    } else if (strcmp(key, "producer") == 0) {
        static const char *const pkeys[] = {"name", "version", "notes", NULL};
        if (!json_is_object(v))
            return lfail(c, 0, "\"producer\" must be an object, not %s", type_name(v));
        if (only_keys(c, v, "producer", pkeys))
            return -1;
        for (const char *const *k = pkeys; *k; k++)
            if (!want(c, v, *k, JSON_STRING, 0, "producer") && c->failed)
                return -1;
    } else if (strcmp(key, "target") == 0) {
        c->target_seen = 1;
        static const char *const gkeys[] = {"backend", "soc", "release", NULL};
        if (!json_is_object(v))
            return lfail(c, 0, "\"target\" must be an object, not %s", type_name(v));
        if (only_keys(c, v, "target", gkeys))
            return -1;
        const char **slots[] = {&g->target_backend, &g->target_soc, &g->target_release};
        for (int k = 0; k < 3; k++) {
            json_t *s = want(c, v, gkeys[k], JSON_STRING, 0, "target");
            if (c->failed)
                return -1;
            if (s && !(*slots[k] = keep(c, json_string_value(s))))
                return -1;
        }
    } else
        return lfail(c, 1, "unknown key \"%s\" in the top level", key);
    POP(c);
    return 0;
}

/* The top-level object, walked by hand so that "tensors" and "nodes" can be streamed. Nodes
 * need every tensor: when "nodes" comes first it is skipped and read afterwards. */
static int read_stream(ld *c)
{
    const char *t = c->g->text;
    size_t n = c->g->len;
    size_t i = oi_json_ws(t, n, 0);
    if (i >= n || t[i] != '{') {
        if (i >= n || !strchr("[\"-0123456789tfn", t[i]))
            return syntax_error(c);
        json_t *v = value_at(c, &i);
        if (!v)
            return -1;
        const char *tn = type_name(v);
        oi_json_drop(v);
        if (oi_json_ws(t, n, i) != n)
            return syntax_error(c);
        return lfail(c, 0, "the top level must be an object, not %s", tn);
    }
    int seen_q = 0, seen_t = 0, seen_n = 0, seen_other[4] = {0, 0, 0, 0};
    static const char *const others[] = {"$schema", "producer", "target", NULL};
    size_t tensors_at = 0, nodes_at = 0; /* arrays met before what they need */
    i = oi_json_ws(t, n, i + 1);
    if (i < n && t[i] == '}')
        i++;
    else
        for (;;) {
            /* the key goes through jansson's grammar like every value: escapes, control
             * characters, UTF-8 and \u0000 are judged by the parser, never by a scanner */
            if (i >= n || t[i] != '"')
                return syntax_error(c);
            oi_json_drop(c->key);
            if (!(c->key = value_kept(c, &i))) /* lives while its value is read */
                return -1;
            const char *key = json_string_value(c->key);
            i = oi_json_ws(t, n, i);
            if (i >= n || t[i] != ':')
                return syntax_error(c);
            i = oi_json_ws(t, n, i + 1);
            int *seen = strcmp(key, "qgraph") == 0    ? &seen_q
                        : strcmp(key, "tensors") == 0 ? &seen_t
                        : strcmp(key, "nodes") == 0   ? &seen_n
                                                      : NULL;
            for (int k = 0; !seen && others[k]; k++)
                if (strcmp(key, others[k]) == 0)
                    seen = &seen_other[k];
            if (seen && *seen)
                return syntax_error(c); /* jansson: duplicate object key */
            if (seen)
                *seen = 1;
            else { /* an error already; a duplicate of it would be jansson's error, which wins */
                oi_json_funcs h = oi_json_mine(); /* freed with oi_json_drop */
                int dup = 0, nomem = !c->unknown && !(c->unknown = json_object());
                if (!nomem && !(dup = json_object_get(c->unknown, key) != NULL))
                    nomem = json_object_set_new(c->unknown, key, json_null()) != 0;
                oi_json_theirs(h);
                if (nomem)
                    return lnomem(c);
                if (dup)
                    return syntax_error(c);
            }
            if (strcmp(key, "tensors") == 0) {
                /* the version decides how the rest is read: tensors wait for it */
                if (!seen_q) {
                    tensors_at = i;
                    if (oi_json_skip(t, n, &i) != 0)
                        return syntax_error(c);
                } else if ((c->hooks ? scan_tensors(c, &i)
                                     : stream_array(c, &i, "tensors", read_tensor)) &&
                           HARD(c))
                    return -1;
            } else if (strcmp(key, "nodes") == 0) {
                if (!seen_t || tensors_at) {
                    nodes_at = i;
                    if (oi_json_skip(t, n, &i) != 0)
                        return syntax_error(c);
                } else {
                    c->hooks_on = c->hooks != NULL;
                    int rc = stream_array(c, &i, "nodes", c->hooks ? read_node_hooked : read_node);
                    c->hooks_on = 0;
                    if (rc && HARD(c))
                        return -1;
                }
            } else {
                json_t *v = value_at(c, &i);
                if (!v)
                    return -1;
                int rc = c->failed ? 0 : check_header(c, key, v);
                oi_json_drop(v);
                if (rc && HARD(c))
                    return -1;
            }
            i = oi_json_ws(t, n, i);
            if (i < n && t[i] == ',') {
                i = oi_json_ws(t, n, i + 1);
                continue;
            }
            if (i < n && t[i] == '}') {
                i++;
                break;
            }
            return syntax_error(c);
        }
    if (oi_json_ws(t, n, i) != n)
        return syntax_error(c);
    c->path.depth = 0;
    if (!seen_q)
        lfail(c, 0, "a qgraph lacks the required key \"qgraph\"");
    else if (!seen_t)
        lfail(c, 0, "a qgraph lacks the required key \"tensors\"");
    else if (!seen_n)
        lfail(c, 0, "a qgraph lacks the required key \"nodes\"");
    /* arrays skipped above are parsed here, even after a semantic error: no byte of the text
     * escapes jansson's grammar, and a syntax error anywhere outranks every semantic one */
    if (tensors_at && stream_array(c, &tensors_at, "tensors", read_tensor) && HARD(c))
        return -1;
    if (nodes_at && stream_array(c, &nodes_at, "nodes", read_node) && HARD(c))
        return -1;
    if ((register_rest(c) || parse_rest(c)) && HARD(c))
        return -1;
    if (c->failed)
        return -1;
    if (link_all(c) || resolve_roots(c) || check_shared_dtypes(c))
        return -1;
    return 0;
}

static int parse_text(opinfo_qgraph *g, const oi_qgraph_hooks *hooks, opinfo_error_t *err)
{
    ld c;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.hooks = hooks && hooks->node ? hooks : NULL;
    c.err = err;
    oi_map_init(&c.tensors);
    oi_map_init(&c.nodes);
    c.tensors.borrow = c.nodes.borrow = 1; /* names are the graph's: keep() copies them first */
    opinfo_error_init(&c.pending);
    int rc = read_stream(&c) ? (c.syntax ? OPINFO_EPARSE : OPINFO_EINPUT) : OPINFO_OK;
    if (rc && !HARD(&c) && err && err->code == OPINFO_OK)
        *err = c.pending;
    if (rc && err && err->code == OPINFO_ENOMEM)
        rc = OPINFO_ENOMEM;
    oi_json_drop(c.key);
    oi_json_drop(c.unknown);
    free(c.tstate);
    free(c.walk);
    free(c.tpos);
    free(c.tparsed);
    oi_map_free(&c.tensors);
    oi_map_free(&c.nodes);
    return rc;
}

static int finish(opinfo_qgraph *g, const oi_qgraph_hooks *hooks, opinfo_qgraph **live,
                  opinfo_qgraph **out, opinfo_error_t *err)
{
    if (live)
        *live = g;
    oi_json_watch();
    oi_json_arena_begin();
    int rc = parse_text(g, hooks, err);
    oi_json_arena_end();
    if (live && rc != OPINFO_OK)
        *live = NULL;
    if (oi_json_failed()) { /* whatever jansson made of it: memory ran out */
        opinfo_error_init(err);
        rc = oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    }
    if (rc != OPINFO_OK) {
        opinfo_qgraph_free(g);
        return rc;
    }
    *out = g;
    return OPINFO_OK;
}

int opinfo_qgraph_load(const char *path, size_t flags, opinfo_qgraph **out, opinfo_error_t *err)
{
    (void)flags;
    if (!path || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_qgraph_load: NULL argument");
    opinfo_qgraph *g = calloc(1, sizeof *g);
    if (!g || !(g->path = oi_strdup(strcmp(path, "-") ? path : "<stdin>"))) {
        free(g);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    int rc = oi_read_file(path, MAX_FILE_BYTES, &g->text, &g->len, err);
    if (rc != OPINFO_OK) {
        opinfo_qgraph_free(g);
        return rc;
    }
    return finish(g, NULL, NULL, out, err);
}

int opinfo_qgraph_parse(const char *name, const char *data, size_t len, size_t flags,
                        opinfo_qgraph **out, opinfo_error_t *err)
{
    (void)flags;
    return oi_qgraph_parse_hooked(name, data, len, OI_TEXT_MALLOC, NULL, NULL, out, err);
}

int oi_qgraph_parse_hooked(const char *name, const char *data, size_t len, int own,
                           const oi_qgraph_hooks *hooks, opinfo_qgraph **live, opinfo_qgraph **out,
                           opinfo_error_t *err)
{
    if (!data || !out)
        return oi_set_error(err, OPINFO_EUSAGE, name, 0, 0, 0, "opinfo_qgraph_parse: NULL argument");
    if (len > MAX_FILE_BYTES)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "document is larger than the limit of %zu bytes", MAX_FILE_BYTES);
    opinfo_qgraph *g = calloc(1, sizeof *g);
    if (g && own != OI_TEXT_MALLOC) { /* read in place: the graph takes it only on success */
        g->text = (char *)data;
        g->text_kind = OI_TEXT_BORROWED;
    }
    if (!g || !(g->path = oi_strdup(name ? name : "<buffer>")) ||
        (!g->text && !(g->text = malloc(len + 1)))) {
        opinfo_qgraph_free(g);
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory");
    }
    if (own == OI_TEXT_MALLOC) {
        memcpy(g->text, data, len);
        g->text[len] = '\0';
    }
    g->len = len;
    int rc = finish(g, hooks, live, out, err);
    if (rc == OPINFO_OK && own != OI_TEXT_MALLOC)
        g->text_kind = own == OI_TEXT_MAPPED ? OI_TEXT_MAPPED : OI_TEXT_MALLOC;
    if (rc != OPINFO_OK && rc != OPINFO_ENOMEM && hooks) {
        /* checking while reading parses tensors out of order: the error is the one a read in
         * document order meets first, so that every way of reading names the same one */
        opinfo_error_t e2;
        opinfo_error_init(&e2);
        opinfo_qgraph *g2 = NULL;
        int rc2 = opinfo_qgraph_parse(name, data, len, 0, &g2, &e2);
        if (rc2 != OPINFO_OK) {
            rc = rc2;
            if (err)
                *err = e2;
        } else
            opinfo_qgraph_free(g2);
    }
    return rc;
}

void opinfo_qgraph_free(opinfo_qgraph *g)
{
    if (!g)
        return;
    oi_arena_free(&g->arena);
    free(g->tensors);
    free(g->nodes);
    free(g->node_pos);
    if (g->text_kind == OI_TEXT_MAPPED)
        munmap(g->text, g->len ? g->len : 1);
    else if (g->text_kind == OI_TEXT_MALLOC)
        free(g->text);
    free(g->path);
    free(g);
}

size_t opinfo_qgraph_node_count(const opinfo_qgraph *g) { return g ? g->n_nodes : 0; }

size_t opinfo_qgraph_tensor_count(const opinfo_qgraph *g) { return g ? g->n_tensors : 0; }

const char *opinfo_qgraph_target(const opinfo_qgraph *g, const char *key)
{
    if (!g || !key)
        return NULL;
    if (strcmp(key, "backend") == 0)
        return g->target_backend;
    if (strcmp(key, "soc") == 0)
        return g->target_soc;
    if (strcmp(key, "release") == 0)
        return g->target_release;
    if (strcmp(key, "format") == 0)
        return g->from_onnx ? "onnx" : NULL;
    return NULL;
}

int oi_qgraph_node_positions(opinfo_qgraph *g)
{
    if (g->node_pos || g->n_nodes == 0)
        return 0;
    g->node_pos = calloc(g->n_nodes, sizeof *g->node_pos);
    if (!g->node_pos)
        return -1;
    oi_jpath p = {0};
    oi_jpath_push_key(&p, "nodes");
    oi_json_array_offsets(g->text, g->len, &p, g->node_pos, g->n_nodes);
    return 0;
}
