/*
 * ONNX Runtime's TensorQuantOverrides (docs/overrides.md): reading, ONNX Runtime's validation
 * rules applied to every entry (ONNX Runtime stops at the first non-empty one), the port types
 * the overrides give every node, and their check against the constraint database.
 * The mixed-precision fixer (fix_overrides.c) builds on the same type model.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overrides_internal.h"

/* ---- quant types ---------------------------------------------------------------------------- */

static const char *const qt_names[OI_QT_COUNT] = {"QInt8",  "QUInt8", "QFLOAT8E4M3FN", "QInt16",
                                                  "QUInt16", "QInt4", "QUInt4"};
static const opinfo_dtype qt_dtypes[OI_QT_COUNT] = {
    OPINFO_DTYPE_INT8,  OPINFO_DTYPE_UINT8, OPINFO_DTYPE_UNKNOWN, OPINFO_DTYPE_INT16,
    OPINFO_DTYPE_UINT16, OPINFO_DTYPE_INT4, OPINFO_DTYPE_UINT4};

const char *opinfo_quant_type_name(int qt)
{
    return qt >= 0 && qt < OI_QT_COUNT ? qt_names[qt] : NULL;
}

int opinfo_quant_type_from_name(const char *s)
{
    if (!s)
        return -1;
    if (strncmp(s, "QuantType.", 10) == 0)
        s += 10;
    for (int i = 0; i < OI_QT_COUNT; i++)
        if (strcmp(s, qt_names[i]) == 0)
            return i;
    opinfo_dtype d = opinfo_dtype_from_name(s);
    for (int i = 0; i < OI_QT_COUNT; i++)
        if (d != OPINFO_DTYPE_UNKNOWN && qt_dtypes[i] == d)
            return i;
    return -1;
}

opinfo_dtype opinfo_quant_type_dtype(int qt)
{
    return qt >= 0 && qt < OI_QT_COUNT ? qt_dtypes[qt] : OPINFO_DTYPE_UNKNOWN;
}

int oi_qt_of_dtype(opinfo_dtype d)
{
    for (int i = 0; i < OI_QT_COUNT; i++)
        if (qt_dtypes[i] == d && d != OPINFO_DTYPE_UNKNOWN)
            return i;
    return -1;
}

/* A JSON value as a quant type: an enum value 0..6 or a name. -1 when it is neither. */
int oi_qt_value(const json_t *v)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i >= 0 && i < OI_QT_COUNT ? (int)i : -1;
    }
    return json_is_string(v) ? opinfo_quant_type_from_name(json_string_value(v)) : -1;
}

/* ---- QuantTypeInfo: ONNX Runtime's equality treats an absent symmetric/reduce_range as a
 * wildcard, an absent axis as a value of its own ------------------------------------------- */

oi_qinfo oi_qinfo_make(int qt, int sym)
{
    oi_qinfo q = {qt, sym, -1, 0, 0};
    return q;
}

int oi_qinfo_eq(oi_qinfo a, oi_qinfo b)
{
    return a.qt == b.qt && (a.sym < 0 || b.sym < 0 || a.sym == b.sym) &&
           (a.rr < 0 || b.rr < 0 || a.rr == b.rr) && a.has_axis == b.has_axis &&
           (!a.has_axis || a.axis == b.axis);
}

static int tri(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

oi_qinfo oi_qinfo_load(const json_t *d, int default_qt)
{
    oi_qinfo q = {default_qt, -1, -1, 0, 0};
    json_t *v = json_object_get(d, "quant_type");
    if (v)
        q.qt = oi_qt_value(v);
    q.sym = tri(d, "symmetric");
    q.rr = tri(d, "reduce_range");
    if (json_is_integer((v = json_object_get(d, "axis")))) {
        q.has_axis = 1;
        q.axis = (int)json_integer_value(v);
    }
    return q;
}

int oi_qinfo_save(oi_qinfo q, json_t *d)
{
    int rc = json_object_set_new(d, "quant_type", json_string(opinfo_quant_type_name(q.qt)));
    if (q.sym >= 0)
        rc |= json_object_set_new(d, "symmetric", json_boolean(q.sym));
    if (q.rr >= 0)
        rc |= json_object_set_new(d, "reduce_range", json_boolean(q.rr));
    if (q.has_axis)
        rc |= json_object_set_new(d, "axis", json_integer(q.axis));
    return rc ? -1 : 0;
}

/* ---- the file ------------------------------------------------------------------------------- */

#define OVERRIDES_MAX_BYTES ((size_t)1 << 30)

int opinfo_overrides_parse(const char *name, const char *data, size_t len,
                           opinfo_overrides **out, opinfo_error_t *err)
{
    *out = NULL;
    if (!name)
        name = "<overrides>";
    json_error_t je;
    oi_json_watch();
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (oi_json_failed()) {
        json_decref(root);
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory");
    }
    if (!root) /* columns are 1-based: jansson says 0 at the end of an empty file */
        return oi_set_error(err, OPINFO_EPARSE, name, je.line > 0 ? je.line : 1,
                            je.column > 0 ? je.column : 1, je.position, "%s", je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return oi_set_error(err, OPINFO_EINPUT, name, 1, 1, 0,
                            "TensorQuantOverrides must be a JSON object mapping tensor names to "
                            "lists of dicts");
    }
    opinfo_overrides *ov = calloc(1, sizeof *ov);
    if (ov) {
        ov->name = oi_strdup(name);
        ov->text = malloc(len + 1);
    }
    if (!ov || !ov->name || !ov->text) {
        json_decref(root);
        opinfo_overrides_free(ov);
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory");
    }
    memcpy(ov->text, data, len);
    ov->text[len] = '\0';
    ov->len = len;
    ov->root = root;
    *out = ov;
    return OPINFO_OK;
}

int opinfo_overrides_load(const char *path, opinfo_overrides **out, opinfo_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = oi_read_file(path, OVERRIDES_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = opinfo_overrides_parse(strcmp(path, "-") == 0 ? "<stdin>" : path, text, len, out, err);
    free(text);
    return rc;
}

void opinfo_overrides_free(opinfo_overrides *ov)
{
    if (!ov)
        return;
    json_decref(ov->root);
    free(ov->text);
    free(ov->name);
    free(ov);
}

opinfo_overrides *oi_overrides_new(const char *name, json_t *root)
{
    opinfo_overrides *ov = calloc(1, sizeof *ov);
    if (!ov)
        return NULL;
    ov->name = oi_strdup(name ? name : "<overrides>");
    ov->root = root;
    if (!ov->name) {
        free(ov);
        return NULL;
    }
    json_incref(root);
    return ov;
}

/* recv_nodes written as sorted arrays: the output is the same whatever order sets had */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *canonical(const json_t *v)
{
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            json_t *c = NULL;
            if (strcmp(k, "recv_nodes") == 0 && json_is_array(x)) {
                size_t n = json_array_size(x), i;
                const char **s = malloc((n ? n : 1) * sizeof *s);
                c = s ? json_array() : NULL;
                for (i = 0; c && i < n; i++)
                    s[i] = json_string_value(json_array_get(x, i));
                int strings = 1;
                for (i = 0; i < n; i++)
                    strings &= s != NULL && s[i] != NULL;
                if (c && strings) {
                    qsort(s, n, sizeof *s, cmp_str);
                    for (i = 0; i < n; i++)
                        if (i == 0 || strcmp(s[i], s[i - 1]) != 0)
                            json_array_append_new(c, json_string(s[i]));
                } else if (c) {
                    json_decref(c);
                    c = json_deep_copy(x);
                }
                free(s);
            } else if (strcmp(k, "quant_type") == 0 && oi_qt_value(x) >= 0) {
                c = json_string(opinfo_quant_type_name(oi_qt_value(x)));
            } else {
                c = canonical(x);
            }
            if (!o || !c) {
                json_decref(c);
                json_decref(o);
                return NULL;
            }
            if (json_object_set_new(o, k, c)) { /* which releases c */
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < json_array_size(v); i++)
            if (json_array_append_new(a, canonical(json_array_get(v, i)))) {
                json_decref(a);
                return NULL;
            }
        return a;
    }
    return json_deep_copy(v);
}

int opinfo_overrides_write(const opinfo_overrides *ov, char **out, opinfo_error_t *err)
{
    *out = NULL;
    oi_json_watch();
    json_t *c = canonical(ov->root);
    char *s = c ? json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))
                : NULL;
    json_decref(c);
    if (oi_json_failed()) { /* a dropped element would be a wrong file */
        free(s);
        s = NULL;
    }
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, ov->name, 0, 0, 0, "out of memory");
    size_t n = strlen(s);
    char *r = realloc(s, n + 2);
    if (!r) {
        free(s);
        return oi_set_error(err, OPINFO_ENOMEM, ov->name, 0, 0, 0, "out of memory");
    }
    r[n] = '\n';
    r[n + 1] = '\0';
    *out = r;
    return OPINFO_OK;
}

size_t opinfo_overrides_count(const opinfo_overrides *ov)
{
    return json_object_size(ov->root);
}

/* ---- the graph seen by the overrides -------------------------------------------------------- */

static void *ix(size_t i) { return (void *)(uintptr_t)(i + 1); }

int oi_ovgraph_init(oi_ovgraph *x, const opinfo_qgraph *g, opinfo_error_t *err)
{
    memset(x, 0, sizeof *x);
    x->g = g;
    oi_map_init(&x->tensors);
    oi_map_init(&x->nodes);
    size_t nt = g->n_tensors;
    x->cons_start = calloc(nt + 1, sizeof *x->cons_start);
    size_t total = 0;
    for (size_t n = 0; n < g->n_nodes; n++)
        for (size_t i = 0; i < g->nodes[n].n_inputs; i++)
            total += g->nodes[n].inputs[i].tensor >= 0;
    x->cons = malloc((total ? total : 1) * sizeof *x->cons);
    size_t *fill = calloc(nt + 1, sizeof *fill);
    int bad = !x->cons_start || !x->cons || !fill;
    for (size_t t = 0; !bad && t < nt; t++)
        bad = oi_map_put(&x->tensors, g->tensors[t].name, ix(t)) != 0;
    /* an ONNX model's tensor answers to its name in the float model too (W for W_quantized),
     * which is what ONNX Runtime's overrides name; a tensor of that name comes first */
    void *had;
    for (size_t t = 0; !bad && t < nt; t++)
        if (g->tensors[t].spec.float_name &&
            !oi_map_get(&x->tensors, g->tensors[t].spec.float_name, &had))
            bad = oi_map_put(&x->tensors, g->tensors[t].spec.float_name, ix(t)) != 0;
    for (size_t n = 0; !bad && n < g->n_nodes; n++)
        bad = oi_map_put(&x->nodes, g->nodes[n].name, ix(n)) != 0;
    if (!bad) {
        for (size_t n = 0; n < g->n_nodes; n++)
            for (size_t i = 0; i < g->nodes[n].n_inputs; i++)
                if (g->nodes[n].inputs[i].tensor >= 0)
                    x->cons_start[g->nodes[n].inputs[i].tensor + 1]++;
        for (size_t t = 0; t < nt; t++)
            x->cons_start[t + 1] += x->cons_start[t];
        for (size_t n = 0; n < g->n_nodes; n++)
            for (size_t i = 0; i < g->nodes[n].n_inputs; i++) {
                int t = g->nodes[n].inputs[i].tensor;
                if (t >= 0)
                    x->cons[x->cons_start[t] + fill[t]++] = (int)n;
            }
    }
    free(fill);
    if (bad) {
        oi_ovgraph_free(x);
        return oi_set_error(err, OPINFO_ENOMEM, g->path, 0, 0, 0, "out of memory");
    }
    return OPINFO_OK;
}

void oi_ovgraph_free(oi_ovgraph *x)
{
    oi_map_free(&x->tensors);
    oi_map_free(&x->nodes);
    free(x->cons_start);
    free(x->cons);
    x->cons_start = NULL;
    x->cons = NULL;
}

int oi_ovgraph_tensor(const oi_ovgraph *x, const char *name)
{
    void *v;
    return name && oi_map_get(&x->tensors, name, &v) ? (int)((uintptr_t)v - 1) : -1;
}

int oi_ovgraph_node(const oi_ovgraph *x, const char *name)
{
    void *v;
    return name && oi_map_get(&x->nodes, name, &v) ? (int)((uintptr_t)v - 1) : -1;
}

int oi_is_initializer(const oi_ovgraph *x, int t)
{
    return t >= 0 && x->g->tensors[t].spec.initializer;
}

/* ONNX Runtime quantizes float tensors; a qgraph exported from a QDQ model carries them with
 * their quantized dtype already, which is as good. */
int oi_is_quantizable(const oi_ovgraph *x, int t)
{
    if (t < 0)
        return 0;
    const opinfo_dtype_info *d = opinfo_dtype_get(x->g->tensors[t].spec.dtype);
    if (!d)
        return 0;
    if (d->is_float)
        return x->g->tensors[t].spec.dtype != OPINFO_DTYPE_BFLOAT16;
    return d->is_quantizable && d->bits <= 16;
}

/* ---- positions ------------------------------------------------------------------------------ */

void oi_linecur_init(oi_linecur *c, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    c->line = c->col = c->mark_line = c->mark_col = 1;
}

void oi_linecur_mark(oi_linecur *c)
{
    c->mark_off = c->off;
    c->mark_line = c->line;
    c->mark_col = c->col;
}

void oi_linecur_at(oi_linecur *c, size_t offset, int *line, int *column)
{
    if (offset > c->len)
        offset = c->len;
    if (offset < c->off) { /* back to the mark, or to the start */
        int m = offset >= c->mark_off;
        c->off = m ? c->mark_off : 0;
        c->line = m ? c->mark_line : 1;
        c->col = m ? c->mark_col : 1;
    }
    for (; c->off < offset; c->off++) {
        unsigned char ch = (unsigned char)c->text[c->off];
        if (ch == '\n') {
            c->line++;
            c->col = 1;
        } else if ((ch & 0xC0) != 0x80) { /* characters, not UTF-8 continuation bytes */
            c->col++;
        }
    }
    *line = c->line;
    *column = c->col;
}

/* The locator (overrides_internal.h). */
static int same_step(const oi_locator *L, int d, const oi_jpath *p)
{
    const char *a = L->st[d].key, *b = p->step[d].key;
    return (a && b) ? strcmp(a, b) == 0 : (!a && !b && L->st[d].index == p->step[d].index);
}

/* Finds key (decoded) in the object whose members start at i; returns the value's offset. */
static int find_key(const oi_locator *L, size_t i, const char *key, size_t *out)
{
    size_t klen = strlen(key);
    char small[256], *buf = klen + 2 <= sizeof small ? small : malloc(klen + 2);
    int found = 0;
    if (!buf)
        return 0;
    for (;;) {
        i = oi_json_ws(L->text, L->len, i);
        if (i >= L->len || L->text[i] != '"' ||
            oi_json_string(L->text, L->len, &i, buf, klen + 2) != 0)
            break;
        i = oi_json_ws(L->text, L->len, i);
        if (i >= L->len || L->text[i] != ':')
            break;
        i = oi_json_ws(L->text, L->len, i + 1);
        if (strcmp(buf, key) == 0) {
            *out = i;
            found = 1;
            break;
        }
        if (oi_json_skip(L->text, L->len, &i) != 0)
            break;
        i = oi_json_ws(L->text, L->len, i);
        if (i >= L->len || L->text[i] != ',')
            break;
        i++;
    }
    if (buf != small)
        free(buf);
    return found;
}

/* Finds element index of the array whose element k starts at i. */
static int find_index(const oi_locator *L, size_t i, size_t k, size_t index, size_t *out)
{
    for (;;) {
        i = oi_json_ws(L->text, L->len, i);
        if (i >= L->len || L->text[i] == ']')
            return 0;
        if (k == index) {
            *out = i;
            return 1;
        }
        if (oi_json_skip(L->text, L->len, &i) != 0)
            return 0;
        i = oi_json_ws(L->text, L->len, i);
        if (i >= L->len || L->text[i] != ',')
            return 0;
        i++;
        k++;
    }
}

/* The byte offset of path's value (or of the deepest part that resolves). */
static size_t locate(oi_locator *L, const oi_jpath *p)
{
    int depth = p->depth < OI_JPATH_MAX ? p->depth : OI_JPATH_MAX, d = 0;
    size_t base = oi_json_ws(L->text, L->len, 0);
    while (d < L->depth && d < depth && same_step(L, d, p))
        base = L->st[d++].off;
    for (int first = 1; d < depth; d++, first = 0) {
        int key = p->step[d].key != NULL, hit = 0;
        char open = key ? '{' : '[';
        size_t at = 0;
        if (base >= L->len || L->text[base] != open)
            break;
        /* after the last answer's step in the same container: go on from there */
        if (first && d < L->depth && (L->st[d].key != NULL) == key &&
            (key || L->st[d].index < p->step[d].index)) {
            size_t i = L->st[d].off;
            if (oi_json_skip(L->text, L->len, &i) == 0) {
                i = oi_json_ws(L->text, L->len, i);
                if (i < L->len && L->text[i] == ',')
                    hit = key ? find_key(L, i + 1, p->step[d].key, &at)
                              : find_index(L, i + 1, L->st[d].index + 1, p->step[d].index, &at);
            }
        }
        if (!hit)
            hit = key ? find_key(L, base + 1, p->step[d].key, &at)
                      : find_index(L, base + 1, 0, p->step[d].index, &at);
        if (!hit)
            break;
        L->st[d].key = p->step[d].key;
        L->st[d].index = p->step[d].index;
        L->st[d].off = at;
        L->depth = d + 1;
        base = at;
    }
    if (d < L->depth)
        L->depth = d;
    return base;
}

void oi_locator_init(oi_locator *L, const char *text, size_t len)
{
    memset(L, 0, sizeof *L);
    L->text = text;
    L->len = len;
    oi_linecur_init(&L->lc, text, len);
}

void oi_locator_at(oi_locator *L, const oi_jpath *p, int *line, int *column)
{
    *line = *column = 0;
    if (L->text)
        oi_linecur_at(&L->lc, locate(L, p), line, column);
}

/* ---- diagnostics ---------------------------------------------------------------------------- */

typedef struct vctx {
    const oi_ovgraph *x;
    const opinfo_overrides *ov;
    opinfo_report *r;
    int warn;
    int default_qt;
    size_t count;
    oi_jpath path;
    oi_locator loc;
    int marked; /* the current entry's start is the line cursor's mark */
} vctx;

static void vdiag(vctx *c, const char *rule, const char *tensor, const char *fix, const char *fmt,
                  ...) OPINFO_PRINTF(5, 6);
static void vdiag(vctx *c, const char *rule, const char *tensor, const char *fix, const char *fmt,
                  ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, col = 0;
    if (c->ov->text) {
        size_t at = locate(&c->loc, &c->path);
        if (!c->marked && c->loc.depth > 0) { /* later findings of the entry may come earlier */
            oi_linecur_at(&c->loc.lc, c->loc.st[0].off, &line, &col);
            oi_linecur_mark(&c->loc.lc);
            c->marked = 1;
        }
        oi_linecur_at(&c->loc.lc, at, &line, &col);
    }
    oi_diag_in d = {0};
    d.rule = rule;
    d.message = msg;
    d.fix = fix;
    d.node = tensor;
    d.op = "TensorQuantOverrides";
    d.tensor = tensor;
    d.file = c->ov->name;
    d.line = line;
    d.column = col;
    d.qgraph = c->ov->name;
    d.qgraph_line = line;
    d.qgraph_column = col;
    oi_report_add(c->r, c->warn ? OPINFO_SEVERITY_WARNING : OPINFO_SEVERITY_ERROR, &d);
    c->count++;
}

static const char *const scale_excl[] = {"symmetric", "reduce_range", "rmax", "rmin"};

/* "[rmax]", "[rmin, symmetric]": the keys that may not come with scale and zero_point, in a
 * fixed order (ONNX Runtime joins a Python set: its order is arbitrary) */
static int excl_keys(const json_t *d, char *buf, size_t n)
{
    int found = 0;
    size_t off = 0;
    buf[0] = '\0';
    const char *order[] = {"reduce_range", "rmax", "rmin", "symmetric"};
    for (int i = 0; i < 4; i++)
        if (json_object_get(d, order[i])) {
            off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s", found ? ", " : "",
                                    order[i]);
            found++;
        }
    (void)scale_excl;
    return found;
}

static const char *const known_keys[] = {"quant_type", "scale",  "zero_point", "symmetric",
                                         "reduce_range", "rmax", "rmin",       "axis",
                                         "convert",    NULL};
static const char *const known_convert_keys[] = {"quant_type", "scale", "zero_point", "symmetric",
                                                 "reduce_range", "rmax", "rmin", "recv_nodes",
                                                 NULL};

static int known(const char *const *keys, const char *k)
{
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0)
            return 1;
    return 0;
}

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real";
    case JSON_NULL: return "null";
    default: return "a boolean";
    }
}

/* Keys and value types of one dict (the checks ONNX Runtime leaves to Python's duck typing).
 * 0 when the dict is well-formed. */
static int check_shape(vctx *c, const char *tensor, const json_t *d, int in_convert,
                       const char *where)
{
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach((json_t *)d, k, v)
    {
        oi_jpath_push_key(&c->path, k);
        if (!known(in_convert ? known_convert_keys : known_keys, k)) {
            vdiag(c, "overrides-structure", tensor, "remove the key, or correct its spelling",
                  "Unknown key '%s' in the overrides %sfor '%s': ONNX Runtime ignores it", k,
                  where, tensor);
            bad = 1;
        } else if (strcmp(k, "quant_type") == 0 && oi_qt_value(v) < 0) {
            vdiag(c, "overrides-structure", tensor,
                  "use one of QInt8, QUInt8, QInt16, QUInt16, QInt4, QUInt4, QFLOAT8E4M3FN",
                  "'quant_type' %sfor '%s' is not a QuantType", where, tensor);
            bad = 1;
        } else if ((strcmp(k, "scale") == 0 || strcmp(k, "rmin") == 0 ||
                    strcmp(k, "rmax") == 0) &&
                   !json_is_number(v)) {
            vdiag(c, "overrides-structure", tensor, NULL, "'%s' %sfor '%s' must be a number, not %s",
                  k, where, tensor, jtype(v));
            bad = 1;
        } else if (strcmp(k, "scale") == 0 &&
                   !(isfinite(json_number_value(v)) && json_number_value(v) > 0)) {
            vdiag(c, "overrides-structure", tensor, NULL,
                  "'scale' %sfor '%s' must be finite and > 0, not %.9g", where, tensor,
                  json_number_value(v));
            bad = 1;
        } else if ((strcmp(k, "zero_point") == 0 || strcmp(k, "axis") == 0) &&
                   !json_is_integer(v)) {
            vdiag(c, "overrides-structure", tensor, NULL,
                  "'%s' %sfor '%s' must be an integer, not %s", k, where, tensor, jtype(v));
            bad = 1;
        } else if ((strcmp(k, "symmetric") == 0 || strcmp(k, "reduce_range") == 0) &&
                   !json_is_boolean(v)) {
            vdiag(c, "overrides-structure", tensor, NULL,
                  "'%s' %sfor '%s' must be true or false, not %s", k, where, tensor, jtype(v));
            bad = 1;
        } else if (strcmp(k, "convert") == 0 && !json_is_object(v)) {
            vdiag(c, "overrides-structure", tensor, NULL,
                  "'convert' %sfor '%s' must be a dict, not %s", where, tensor, jtype(v));
            bad = 1;
        } else if (strcmp(k, "convert") == 0) {
            bad |= check_shape(c, tensor, v, 1, "in 'convert' ");
        } else if (strcmp(k, "recv_nodes") == 0) {
            size_t i;
            json_t *e;
            if (!json_is_array(v)) {
                vdiag(c, "overrides-structure", tensor, NULL,
                      "'recv_nodes' for '%s' must be a list of node names, not %s", tensor,
                      jtype(v));
                bad = 1;
            } else
                json_array_foreach(v, i, e)
                {
                    oi_jpath_push_index(&c->path, i);
                    int t = oi_ovgraph_tensor(c->x, tensor);
                    int n = json_is_string(e) ? oi_ovgraph_node(c->x, json_string_value(e)) : -1;
                    if (!json_is_string(e)) {
                        vdiag(c, "overrides-structure", tensor, NULL,
                              "'recv_nodes' for '%s' must hold node names, not %s", tensor,
                              jtype(e));
                        bad = 1;
                    } else if (n < 0) {
                        vdiag(c, "overrides-convert", tensor, "name a node that reads the tensor",
                              "'recv_nodes' for '%s' names node '%s', which is not in the model",
                              tensor, json_string_value(e));
                        bad = 1;
                    } else if (t >= 0) {
                        int reads = 0;
                        for (size_t j = c->x->cons_start[t]; j < c->x->cons_start[t + 1]; j++)
                            reads |= c->x->cons[j] == n;
                        if (!reads) {
                            vdiag(c, "overrides-convert", tensor,
                                  "name a node that reads the tensor",
                                  "'recv_nodes' for '%s' names node '%s', which does not read it",
                                  tensor, json_string_value(e));
                            bad = 1;
                        }
                    }
                    oi_jpath_pop(&c->path);
                }
        }
        oi_jpath_pop(&c->path);
    }
    return bad;
}

static int has(const json_t *d, const char *k) { return json_object_get(d, k) != NULL; }

/* _is_valid_per_tensor, in ONNX Runtime's order; the first failure of the dict is reported */
static void check_per_tensor(vctx *c, const char *tensor, int t, const json_t *d)
{
    char keys[80];
    int is_init = oi_is_initializer(c->x, t);
    if (has(d, "scale") != has(d, "zero_point")) {
        oi_jpath_push_key(&c->path, has(d, "scale") ? "scale" : "zero_point");
        vdiag(c, "overrides-scale-zero-point", tensor, "give both, or neither",
              "Must provide both 'scale' and 'zero_point' if one of the overrides is provided "
              "(tensor '%s')",
              tensor);
        oi_jpath_pop(&c->path);
        return;
    }
    if (has(d, "scale") && excl_keys(d, keys, sizeof keys)) {
        vdiag(c, "overrides-invalid-with-scale", tensor,
              "drop the option(s), or drop scale and zero_point",
              "Tensor override option(s) [%s] are invalid with 'scale' and 'zero_point' (tensor "
              "'%s')",
              keys, tensor);
        return;
    }
    if (has(d, "reduce_range") && !is_init) {
        oi_jpath_push_key(&c->path, "reduce_range");
        vdiag(c, "overrides-reduce-range", tensor, "drop 'reduce_range'",
              "Option 'reduce_range' is only supported for initializers, not for activation %s",
              tensor);
        oi_jpath_pop(&c->path);
        return;
    }
    json_t *cv = json_object_get(d, "convert");
    if (!cv)
        return;
    oi_jpath_push_key(&c->path, "convert");
    if (is_init) {
        vdiag(c, "overrides-convert", tensor, "convert activations only",
              "Cannot use 'convert' override for initializers (tensor '%s')", tensor);
    } else if (!has(cv, "quant_type")) {
        vdiag(c, "overrides-convert", tensor, "add the converted 'quant_type'",
              "'convert' options (tensor '%s') must specify a 'quant_type'", tensor);
    } else if (has(cv, "reduce_range")) {
        oi_jpath_push_key(&c->path, "reduce_range");
        vdiag(c, "overrides-reduce-range", tensor, "drop 'reduce_range'",
              "Option 'reduce_range' is only supported for initializers, not for activation %s",
              tensor);
        oi_jpath_pop(&c->path);
    } else if (oi_qt_value(json_object_get(cv, "quant_type")) ==
               (has(d, "quant_type") ? oi_qt_value(json_object_get(d, "quant_type"))
                                     : c->default_qt)) {
        oi_jpath_push_key(&c->path, "quant_type");
        vdiag(c, "overrides-convert", tensor, "convert to another type, or drop 'convert'",
              "'convert' quant_type must differ from original quant_type (tensor '%s': both %s)",
              tensor,
              opinfo_quant_type_name(oi_qt_value(json_object_get(cv, "quant_type"))));
        oi_jpath_pop(&c->path);
    } else if (has(cv, "scale") != has(cv, "zero_point")) {
        vdiag(c, "overrides-scale-zero-point", tensor, "give both, or neither",
              "Must provide both 'scale' and 'zero_point' if one of the overrides is provided "
              "(tensor '%s')",
              tensor);
    } else if (has(cv, "scale") && excl_keys(cv, keys, sizeof keys)) {
        vdiag(c, "overrides-invalid-with-scale", tensor,
              "drop the option(s), or drop scale and zero_point",
              "Tensor override option(s) [%s] are invalid with 'scale' and 'zero_point' (tensor "
              "'%s')",
              keys, tensor);
    }
    oi_jpath_pop(&c->path);
}

static int bool_ne(const json_t *a, const json_t *b)
{
    /* Python's `x.get(k) != y.get(k)` on present values */
    return !json_equal((json_t *)a, (json_t *)b);
}

/* _is_valid_per_channel: the first failure of the first dict, then every failing channel */
static void check_per_channel(vctx *c, const char *tensor, int t, const json_t *list)
{
    char keys[80];
    const json_t *d0 = json_array_get(list, 0);
    size_t n = json_array_size(list);
    if (t < 0 || !oi_is_initializer(c->x, t)) {
        vdiag(c, "overrides-per-channel", tensor, "use one per-tensor dict for an activation",
              "Tensor '%s' has per-channel overrides, but is not an initializer", tensor);
        return;
    }
    oi_jpath_push_index(&c->path, 0);
    if (!has(d0, "axis")) {
        vdiag(c, "overrides-per-channel", tensor, "add 'axis' to the first dict",
              "Per-channel overrides for tensor %s is missing an 'axis' value in the first "
              "channel dictionary.",
              tensor);
        oi_jpath_pop(&c->path);
        return;
    }
    const oi_spec *s = &c->x->g->tensors[t].spec;
    long long axis = json_integer_value(json_object_get(d0, "axis"));
    long long rank = (long long)s->n_shape, norm = axis;
    if (s->n_shape) {
        if (norm < 0)
            norm += rank;
        if (norm < 0 || norm >= rank) {
            oi_jpath_push_key(&c->path, "axis");
            vdiag(c, "overrides-per-channel", tensor, "an axis in [-rank, rank)",
                  "Axis override value is out-of-bounds for tensor %s (rank %lld)", tensor, rank);
            oi_jpath_pop(&c->path);
            oi_jpath_pop(&c->path);
            return;
        }
        if (n > 1 && (long long)n != s->shape[norm]) {
            oi_jpath_pop(&c->path);
            vdiag(c, "overrides-per-channel", tensor, "one dict per channel, or a single dict",
                  "Incorrect number of channel overrides for tensor %s (axis %lld), expected "
                  "%lld, but found %zu.",
                  tensor, axis, (long long)s->shape[norm], n);
            return;
        }
    }
    const char *fail = NULL, *rule = NULL;
    if (has(d0, "convert")) {
        rule = "overrides-convert";
        fail = "Cannot use 'convert' override for initializers";
    } else if (has(d0, "scale") != has(d0, "zero_point")) {
        rule = "overrides-scale-zero-point";
        fail = "Must provide both 'scale' and 'zero_point' if one of the overrides is provided";
    } else if (has(d0, "scale") && excl_keys(d0, keys, sizeof keys)) {
        vdiag(c, "overrides-invalid-with-scale", tensor,
              "drop the option(s), or drop scale and zero_point",
              "Tensor override option(s) [%s] are invalid with 'scale' and 'zero_point' (tensor "
              "'%s', channel 0)",
              keys, tensor);
        oi_jpath_pop(&c->path);
        return;
    } else if (has(d0, "rmin") != has(d0, "rmax")) {
        rule = "overrides-rmin-rmax";
        fail = "Must provide both 'rmin' and 'rmax' if one is provided";
    }
    if (fail) {
        vdiag(c, rule, tensor, NULL, "%s (tensor '%s', channel 0)", fail, tensor);
        oi_jpath_pop(&c->path);
        return;
    }
    oi_jpath_pop(&c->path);
    for (size_t i = 1; i < n; i++) {
        const json_t *d = json_array_get(list, i);
        oi_jpath_push_index(&c->path, i);
        const json_t *v;
        if (!json_is_object(d))
            vdiag(c, "overrides-structure", tensor, NULL,
                  "Tensor quantization overrides at channel %zu for '%s' are not in a dict", i,
                  tensor);
        else if (has(d, "convert"))
            vdiag(c, "overrides-convert", tensor, "drop 'convert'",
                  "Cannot use 'convert' override for initializers, such as %s (channel %zu).",
                  tensor, i);
        else if ((v = json_object_get(d, "quant_type")) &&
                 oi_qt_value(v) != (has(d0, "quant_type")
                                        ? oi_qt_value(json_object_get(d0, "quant_type"))
                                        : -2))
            vdiag(c, "overrides-channel-mismatch", tensor, "use channel 0's quant_type",
                  "Channel quantization types for tensor '%s' do not match at channel %zu.",
                  tensor, i);
        else if ((v = json_object_get(d, "axis")) && json_integer_value(v) != axis &&
                 json_integer_value(v) != norm)
            vdiag(c, "overrides-channel-mismatch", tensor, "use channel 0's axis",
                  "Channel axis for tensor '%s' does not match at channel %zu.", tensor, i);
        else if ((v = json_object_get(d, "symmetric")) &&
                 bool_ne(v, json_object_get(d0, "symmetric")))
            vdiag(c, "overrides-channel-mismatch", tensor, "use channel 0's symmetric",
                  "Channel symmetric value for tensor '%s' does not match at channel %zu.",
                  tensor, i);
        else if ((v = json_object_get(d, "reduce_range")) &&
                 bool_ne(v, json_object_get(d0, "reduce_range")))
            vdiag(c, "overrides-channel-mismatch", tensor, "use channel 0's reduce_range",
                  "Channel reduce_range value for tensor '%s' does not match at channel %zu.",
                  tensor, i);
        else if (has(d0, "scale") && !(has(d, "scale") && has(d, "zero_point")))
            vdiag(c, "overrides-scale-zero-point", tensor, "give every channel its values",
                  "Per-channel overrides that specify scale/zero_point must do so for all "
                  "channels, but tensor '%s' is missing them at channel %zu.",
                  tensor, i);
        else if (has(d, "scale") && has(d, "zero_point") && excl_keys(d, keys, sizeof keys))
            vdiag(c, "overrides-invalid-with-scale", tensor,
                  "drop the option(s), or drop scale and zero_point",
                  "Tensor override option(s) [%s] are invalid with 'scale' and 'zero_point' "
                  "(tensor '%s', channel %zu)",
                  keys, tensor, i);
        else if (has(d0, "rmin") && has(d0, "rmax") && !(has(d, "rmin") && has(d, "rmax")))
            vdiag(c, "overrides-rmin-rmax", tensor, "give every channel its range",
                  "Per-channel overrides that specify rmin/rmax must do so for all channels, but "
                  "tensor '%s' is missing them at channel %zu.",
                  tensor, i);
        oi_jpath_pop(&c->path);
    }
}

size_t oi_overrides_validate(const oi_ovgraph *x, const opinfo_overrides *ov, int default_qt,
                             int warn, opinfo_report *r)
{
    vctx c;
    memset(&c, 0, sizeof c);
    c.x = x;
    c.ov = ov;
    c.r = r;
    c.warn = warn;
    c.default_qt = default_qt;
    oi_locator_init(&c.loc, ov->text, ov->len);
    const char *tensor;
    json_t *list;
    json_object_foreach(ov->root, tensor, list)
    {
        oi_report_node(r, ov->name, tensor, "TensorQuantOverrides");
        oi_jpath_push_key(&c.path, tensor);
        c.marked = 0;
        int t = oi_ovgraph_tensor(x, tensor);
        if (t < 0) {
            vdiag(&c, "overrides-unknown-tensor", tensor,
                  "check the name against the model's tensors",
                  "Tensor '%s' in TensorQuantOverrides is not present in the model", tensor);
        } else if (!json_is_array(list)) {
            vdiag(&c, "overrides-structure", tensor, "write a list of dicts",
                  "Tensor quantization overrides for '%s' are not in a list", tensor);
        } else if (json_array_size(list) == 0) {
            /* nothing to check */
        } else if (!json_is_object(json_array_get(list, 0))) {
            oi_jpath_push_index(&c.path, 0);
            vdiag(&c, "overrides-structure", tensor, "write a list of dicts",
                  "Tensor quantization overrides at index 0 for '%s' are not in a dict", tensor);
            oi_jpath_pop(&c.path);
        } else if (json_object_size(json_array_get(list, 0)) == 0) {
            /* an empty first dict: ONNX Runtime skips the entry */
        } else {
            int bad = 0;
            size_t i;
            json_t *d;
            json_array_foreach(list, i, d)
            {
                oi_jpath_push_index(&c.path, i);
                if (json_is_object(d))
                    bad |= check_shape(&c, tensor, d, 0, i ? "of a channel " : "");
                oi_jpath_pop(&c.path);
            }
            const json_t *d0 = json_array_get(list, 0);
            if (bad) {
                /* reported above; ONNX Runtime's checks assume well-formed values */
            } else if (json_array_size(list) > 1 || has(d0, "axis")) {
                check_per_channel(&c, tensor, t, list);
            } else {
                oi_jpath_push_index(&c.path, 0);
                check_per_tensor(&c, tensor, t, d0);
                oi_jpath_pop(&c.path);
            }
        }
        oi_jpath_pop(&c.path);
    }
    return c.count;
}

/* ---- types per port ------------------------------------------------------------------------- */

static const json_t *first_dict(const opinfo_overrides *ov, const char *tensor)
{
    const json_t *l = json_object_get(ov->root, tensor);
    const json_t *d = json_array_get(l, 0);
    return json_is_object(d) ? d : NULL;
}

oi_qinfo oi_output_qinfo(const opinfo_overrides *ov, const char *tensor, int default_qt,
                         int default_sym)
{
    const json_t *d = first_dict(ov, tensor);
    if (!d || json_object_size(d) == 0)
        return oi_qinfo_make(default_qt, default_sym);
    const json_t *v = json_object_get(d, "quant_type");
    int sym = tri(d, "symmetric");
    return oi_qinfo_make(v ? oi_qt_value(v) : default_qt, sym >= 0 ? sym : default_sym);
}

oi_qinfo oi_input_qinfo(const opinfo_overrides *ov, const char *tensor, const char *node,
                        int default_qt, int default_sym)
{
    const json_t *d = first_dict(ov, tensor);
    if (!d || json_object_size(d) == 0)
        return oi_qinfo_make(default_qt, default_sym);
    const json_t *cv = json_object_get(d, "convert");
    if (!json_is_object(cv)) {
        oi_qinfo q = oi_qinfo_load(d, default_qt);
        if (q.sym < 0)
            q.sym = default_sym;
        return q;
    }
    const json_t *rn = json_object_get(cv, "recv_nodes");
    int receives = !rn;
    size_t i;
    json_t *e;
    json_array_foreach(rn, i, e) receives |= json_is_string(e) && node &&
                                             strcmp(json_string_value(e), node) == 0;
    const json_t *q = json_object_get(receives ? cv : d, "quant_type");
    int sym = tri(receives ? cv : d, "symmetric");
    return oi_qinfo_make(q ? oi_qt_value(q) : default_qt, sym >= 0 ? sym : default_sym);
}

/* Does ONNX Runtime 1.21's QDQ quantizer quantize this input of an op as a weight (weight_type,
 * weight_symmetric) rather than as an activation? quantize_weight_tensor is called for Conv's,
 * ConvTranspose's and Gemm's input 1 (operators/conv.py, gemm.py), every initializer input of
 * MatMul (matmul.py) and the scale of Instance-, Layer- and BatchNormalization (norm.py); other
 * initializers — an Add's or Mul's constant, Gather's table (gather.py) — are quantized with the
 * activation type ("initializers for elementwise ops use the quant_type for activations",
 * qdq_quantizer.py). */
int oi_initializer_is_weight(const char *op, size_t input)
{
    if (!op)
        return 1;
    /* "MatMul.const_weight": the ONNX reader's MatMul that ONNX Runtime lowers to FullyConnected */
    if (strcmp(op, "MatMul") == 0 || strcmp(op, "MatMul.const_weight") == 0)
        return 1;
    static const char *const w1[] = {"Conv", "ConvTranspose", "Gemm", "InstanceNormalization",
                                     "LayerNormalization", "BatchNormalization"};
    for (size_t i = 0; i < sizeof w1 / sizeof *w1; i++)
        if (strcmp(op, w1[i]) == 0)
            return input == 1;
    return 0;
}

/* The type a port of a node has under the overrides. Float initializers: their override, else the
 * weight or the activation default as ONNX Runtime quantizes that input; an int32 initializer (a
 * bias) keeps int32; tensors that are not quantized (int64 indices, shapes) keep their dtype. */
oi_ptype oi_port_type(const oi_ovgraph *x, const opinfo_overrides *ov, const oi_typeopts *o,
                      int t, int node, int is_output)
{
    oi_ptype p = {OPINFO_DTYPE_UNKNOWN, -1};
    if (t < 0)
        return p;
    const oi_tensor *tt = &x->g->tensors[t];
    const char *name = tt->name;
    /* an ONNX model's tensor is overridden under its float model's name (W for W_quantized) */
    if (tt->spec.float_name && ov && json_object_get(ov->root, tt->spec.float_name))
        name = tt->spec.float_name;
    if (tt->spec.initializer && tt->spec.dtype == OPINFO_DTYPE_INT32) {
        p.dtype = OPINFO_DTYPE_INT32;
        p.sym = 1;
        return p;
    }
    if (tt->spec.initializer && oi_is_quantizable(x, t)) {
        int weight = 1;
        if (node >= 0 && !is_output) {
            const oi_node *nd = &x->g->nodes[node];
            for (size_t i = 0; i < nd->n_inputs; i++)
                if (nd->inputs[i].tensor == t) {
                    weight = oi_initializer_is_weight(nd->op, i);
                    break;
                }
        }
        const json_t *d = first_dict(ov, name);
        const json_t *q = d ? json_object_get(d, "quant_type") : NULL;
        int qt = q ? oi_qt_value(q) : weight ? o->weight_qt : o->act_qt;
        int sym = d ? tri(d, "symmetric") : -1;
        if (sym < 0 && d && json_object_get(d, "axis"))
            sym = 1; /* per-channel initializers are always symmetric (qdq_quantizer.py) */
        if (sym < 0)
            sym = !weight ? o->act_sym
                  : o->weight_sym >= 0
                      ? o->weight_sym
                      : (qt == OI_QT_INT8 || qt == OI_QT_INT16 || qt == OI_QT_INT4);
        p.dtype = opinfo_quant_type_dtype(qt);
        p.sym = sym;
        return p;
    }
    if (!oi_is_quantizable(x, t)) {
        p.dtype = tt->spec.dtype;
        return p;
    }
    oi_qinfo q = is_output ? oi_output_qinfo(ov, name, o->act_qt, o->act_sym)
                           : oi_input_qinfo(ov, name, x->g->nodes[node].name, o->act_qt,
                                            o->act_sym);
    p.dtype = opinfo_quant_type_dtype(q.qt);
    p.sym = q.sym < 0 ? 0 : q.sym;
    return p;
}

/* ---- ports: which op port each input and output of a node binds to -------------------------- */

int oi_bind_ports(const opinfo_op *op, size_t n_in, size_t n_out, int *in_ports, int *out_ports)
{
    int ports_in[64], ports_out[64];
    size_t pin = 0, pout = 0;
    for (size_t p = 0; p < op->n_ports && p < 64; p++) {
        if (op->ports[p].kind == OPINFO_PORT_OUTPUT)
            ports_out[pout++] = (int)p;
        else
            ports_in[pin++] = (int)p;
    }
    int ok = 1;
    for (int side = 0; side < 2; side++) {
        const int *ports = side ? ports_out : ports_in;
        size_t np = side ? pout : pin, count = side ? n_out : n_in, k = 0;
        int *dst = side ? out_ports : in_ports;
        for (size_t p = 0; p < np; p++) {
            const opinfo_port *port = &op->ports[ports[p]];
            size_t take = 1;
            if (port->variadic) {
                size_t after = np - p - 1;
                take = count > k + after ? count - k - after : 0;
            }
            if (take == 0 || k >= count) {
                if (!port->optional && !port->variadic)
                    ok = 0;
                continue;
            }
            for (size_t i = 0; i < take && k < count; i++)
                dst[k++] = ports[p];
        }
        for (; k < count; k++) {
            dst[k] = -1;
            ok = 0;
        }
    }
    return ok;
}

/* Does the spec want a symmetric tensor? */
int oi_spec_wants_symmetric(const opinfo_port_spec *ps)
{
    if (ps->symmetric == 1)
        return 1;
    unsigned sym = 0, all = ps->qschemes;
    for (int q = 0; q < 16; q++)
        if ((all >> q) & 1u)
            sym += !opinfo_qscheme_is_symmetric((opinfo_qscheme)q);
    return all && sym == 0;
}

/* Does variant v accept these port types? Returns the number of mismatching ports (0: yes). */
int oi_variant_mismatch(const opinfo_variant *v, const int *ports, const oi_ptype *types,
                        size_t n)
{
    int miss = 0;
    for (size_t i = 0; i < n; i++) {
        if (ports[i] < 0 || types[i].dtype == OPINFO_DTYPE_UNKNOWN)
            continue;
        const opinfo_port_spec *ps = opinfo_variant_spec(v, ports[i]);
        if (!ps || ps->dtype != types[i].dtype ||
            (oi_spec_wants_symmetric(ps) && types[i].sym == 0))
            miss++;
    }
    return miss;
}
