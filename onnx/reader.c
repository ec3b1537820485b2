/*
 * reader.c: an ONNX model (ModelProto) -> the qgraph JSON text of its annotation.
 *
 * The model is parsed by protobuf-c (onnx/onnx.proto, generated into build/gen/onnx/). Every
 * node that is not QuantizeLinear/DequantizeLinear/Constant and not part of a shape computation
 * becomes a qgraph node named like the ONNX node, with its ONNX op type as the op and its index
 * in the model as "index". A tensor's spec is the first QuantizeLinear that reads it (for an
 * activation or a float weight) or the DequantizeLinear that reads it (for a weight stored
 * quantized); constants (initializers, Constant outputs) carry "initializer": true and their
 * shape. The rules are in docs/qgraph.md ("ONNX models") and docs/architecture.md.
 */
#define _DEFAULT_SOURCE /* realpath, pread */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "onnx/onnx.pb-c.h"
#include "onnx_internal.h"

typedef OpinfoOnnx__ModelProto ModelP;
typedef OpinfoOnnx__GraphProto GraphP;
typedef OpinfoOnnx__NodeProto NodeP;
typedef OpinfoOnnx__TensorProto TensorP;
typedef OpinfoOnnx__AttributeProto AttrP;
typedef OpinfoOnnx__ValueInfoProto ValueInfoP;

#define MAX_ELEMS ((size_t)1 << 40)  /* a tensor's declared element count */
#define MAX_QPARAMS ((size_t)1 << 24) /* scale / zero point values read */

/* what a node is to the reader: checked; a Q/DQ (a spec); a Constant; a shape computation or a
 * constant computation ONNX Runtime folds away; an Identity/Dropout/no-op Cast it eliminates (a
 * pass-through); a node the QNN EP fuses into another one's QNN op (K_FUSED, not checked) */
enum { K_EMIT = 0, K_QDQ, K_CONST, K_SHAPE, K_FOLD, K_PASS, K_FUSED };

typedef struct value {
    const char *name;
    int producer;          /* node index, -1 for graph inputs and initializers */
    int is_input, is_output;
    const TensorP *cst;    /* an initializer or a Constant's value */
    int type;              /* ONNX elem type, 0 unknown */
    int rank;              /* -1 unknown */
    size_t first_use, n_use;
    int folded;            /* computed from constants and shapes only: a constant once folded */
    json_t *tensor;        /* the qgraph tensor, once emitted (borrowed from r->tensors) */
} value;

typedef struct use {
    int node, pos;
} use;

typedef struct rd {
    const char *name, *dir;
    opinfo_error_t *err;
    GraphP *g;
    value *v;
    size_t nv, capv;
    oi_map vmap;  /* tensor name -> index + 1 */
    oi_map names; /* node name -> index + 1 */
    use *uses;
    int *kind, *order;
    TensorP **made; /* TensorProtos made for Constant's value_float/value_int... */
    size_t n_made;
    int *fused_out; /* for a fused node's target: the value its QNN op writes, else -1 */
    int *fused_in;  /* ... and the node whose input 0 it reads */
    json_t *tensors, *nodes;
    int failed;
} rd;

/* ---- errors ---------------------------------------------------------------------------------- */

static int fail(rd *r, int code, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static int fail(rd *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!r->failed)
        oi_set_errorv(r->err, code, r->name, 0, 0, 0, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return -1;
}

static int nomem(rd *r) { return fail(r, OPINFO_ENOMEM, "out of memory"); }

/* "node 12 'conv1' (Conv): ..." */
static int node_fail(rd *r, int i, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static int node_fail(rd *r, int i, const char *fmt, ...)
{
    if (r->failed)
        return -1;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const NodeP *n = r->g->node[i];
    const char *nm = n->name && *n->name ? n->name : NULL;
    const char *op = n->op_type && *n->op_type ? n->op_type : "?";
    if (nm)
        return fail(r, OPINFO_EINPUT, "node %d '%.256s' (%.128s): %s", i, nm, op, msg);
    return fail(r, OPINFO_EINPUT, "node %d (%.128s): %s", i, op, msg);
}

/* ---- values ---------------------------------------------------------------------------------- */

static int vget(const rd *r, const char *name)
{
    void *p;
    return oi_map_get(&r->vmap, name, &p) ? (int)((intptr_t)p - 1) : -1;
}

static int vadd(rd *r, const char *name)
{
    int i = vget(r, name);
    if (i >= 0)
        return i;
    if (r->nv == r->capv) {
        size_t c = r->capv ? r->capv * 2 : 256;
        value *nv = realloc(r->v, c * sizeof *nv);
        if (!nv)
            return nomem(r);
        r->v = nv, r->capv = c;
    }
    value *v = &r->v[r->nv];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->producer = -1;
    v->rank = -1;
    if (oi_map_put(&r->vmap, name, (void *)(intptr_t)(r->nv + 1)) != 0)
        return nomem(r);
    return (int)r->nv++;
}

static int is_float(int t)
{
    return t == OX_FLOAT || t == OX_FLOAT16 || t == OX_BFLOAT16 || t == OX_DOUBLE;
}

static const char *dtype_name(int t)
{
    switch (t) {
    case OX_FLOAT: return "float32";
    case OX_UINT8: return "uint8";
    case OX_INT8: return "int8";
    case OX_UINT16: return "uint16";
    case OX_INT16: return "int16";
    case OX_INT32: return "int32";
    case OX_INT64: return "int64";
    case OX_BOOL: return "bool";
    case OX_FLOAT16: return "float16";
    case OX_UINT32: return "uint32";
    case OX_BFLOAT16: return "bfloat16";
    case OX_UINT4: return "uint4";
    case OX_INT4: return "int4";
    default: return NULL;
    }
}

static const char *onnx_type_name(int t)
{
    static const char *const n[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
                                    "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
                                    "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
                                    "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                    "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};
    return t >= 0 && t < (int)(sizeof n / sizeof n[0]) ? n[t] : "an unknown type";
}

/* Bits per element, 0 for types without a fixed size. */
static int elem_bits(int t)
{
    switch (t) {
    case OX_UINT8: case OX_INT8: case OX_BOOL: case OX_FLOAT8E4M3FN: case OX_FLOAT8E4M3FNUZ:
    case OX_FLOAT8E5M2: case OX_FLOAT8E5M2FNUZ: return 8;
    case OX_UINT16: case OX_INT16: case OX_FLOAT16: case OX_BFLOAT16: return 16;
    case OX_FLOAT: case OX_INT32: case OX_UINT32: return 32;
    case OX_INT64: case OX_DOUBLE: case OX_UINT64: return 64;
    case OX_UINT4: case OX_INT4: case OX_FLOAT4E2M1: return 4;
    default: return 0;
    }
}

/* ---- attributes ------------------------------------------------------------------------------ */

static const AttrP *attr(const NodeP *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0)
            return n->attribute[i];
    return NULL;
}

static int64_t attr_i(const NodeP *n, const char *name, int64_t dflt)
{
    const AttrP *a = attr(n, name);
    return a && a->has_i ? a->i : dflt;
}

static int is_op(const NodeP *n, const char *op) { return n->op_type && strcmp(n->op_type, op) == 0; }

static int is_qdq(const NodeP *n)
{
    /* the ONNX domain's and ONNX Runtime's com.microsoft ones alike */
    return is_op(n, "QuantizeLinear") || is_op(n, "DequantizeLinear");
}

/* Inputs an op reads as parameters (shapes, axes, bounds, sizes), not as tensors a backend
 * computes on; QNN takes them as static parameters. They are not qgraph ports, and a subgraph
 * that only computes them is a shape computation. Positions are ONNX input indexes. */
static int is_param(const NodeP *n, int pos)
{
    static const struct {
        const char *op;
        unsigned mask; /* bit i: input i */
    } t[] = {
        {"Reshape", 1u << 1}, {"Expand", 1u << 1}, {"Tile", 1u << 1},
        {"Slice", 0x1Eu}, {"Squeeze", 1u << 1}, {"Unsqueeze", 1u << 1},
        {"Resize", 0xEu}, {"Upsample", 1u << 1}, {"Pad", 0xEu}, {"Clip", 0x6u},
        {"TopK", 1u << 1}, {"Split", 1u << 1}, {"ReduceMean", 1u << 1}, {"ReduceSum", 1u << 1},
        {"ReduceMax", 1u << 1}, {"ReduceMin", 1u << 1}, {"ReduceProd", 1u << 1},
        {"ReduceL1", 1u << 1}, {"ReduceL2", 1u << 1}, {"ReduceLogSum", 1u << 1},
        {"ReduceLogSumExp", 1u << 1}, {"ReduceSumSquare", 1u << 1}, {"ConstantOfShape", 1u},
        {"Range", 0x7u}, {"OneHot", 1u << 1}, {"CumSum", 1u << 1}, {"Trilu", 1u << 1},
        {"Dropout", 0x6u}, {"QuantizeLinear", 0x6u}, {"DequantizeLinear", 0x6u},
        {"Shape", 1u}, {"Size", 1u}, {"NonMaxSuppression", 0x1Cu}, {"EyeLike", 0u},
    };
    if (pos < 0 || pos > 31)
        return 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (is_op(n, t[i].op))
            return (t[i].mask >> pos) & 1u;
    return 0;
}

/* ---- tensor data ----------------------------------------------------------------------------- */

typedef struct view {
    int type;
    size_t n;
    const uint8_t *raw; /* little-endian elements, or NULL: the typed fields */
    const TensorP *t;
    uint8_t *owned;
    int i4_packed; /* int4 in int32_data, two per entry */
} view;

static int numel(rd *r, const TensorP *t, const char *tname, size_t *out)
{
    size_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0)
            return fail(r, OPINFO_EINPUT, "tensor '%.256s': negative dimension %lld", tname,
                        (long long)t->dims[i]);
        if (t->dims[i] && n > MAX_ELEMS / (size_t)t->dims[i])
            return fail(r, OPINFO_EINPUT, "tensor '%.256s': declared size is too large", tname);
        n *= (size_t)t->dims[i];
    }
    *out = n;
    return 0;
}

/* The external data of t: location resolved in the model's directory, never outside it. */
static int read_external(rd *r, const TensorP *t, const char *tname, size_t nbytes, uint8_t **out)
{
    const char *loc = NULL;
    long long off = 0, len = -1;
    for (size_t i = 0; i < t->n_external_data; i++) {
        const char *k = t->external_data[i]->key, *v = t->external_data[i]->value;
        if (!k || !v)
            continue;
        char *end;
        if (strcmp(k, "location") == 0)
            loc = v;
        else if (strcmp(k, "offset") == 0 || strcmp(k, "length") == 0) {
            errno = 0;
            long long x = strtoll(v, &end, 10);
            if (errno || end == v || *end || x < 0)
                return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data %s '%.64s' is not "
                                              "a byte count", tname, k, v);
            *(strcmp(k, "offset") == 0 ? &off : &len) = x;
        }
    }
    if (!loc || !*loc)
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data without a location", tname);
    if (!r->dir)
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data '%.256s' cannot be read "
                                      "for a model without a directory (stdin)", tname, loc);
    /* relative, and no component climbs: the file stays in the model's directory */
    int escapes = loc[0] == '/';
    for (const char *p = loc; *p && !escapes;) {
        const char *s = strchr(p, '/');
        size_t l = s ? (size_t)(s - p) : strlen(p);
        if (l == 2 && p[0] == '.' && p[1] == '.')
            escapes = 1;
        p = s ? s + 1 : p + l;
    }
    char path[PATH_MAX], rdir[PATH_MAX], rpath[PATH_MAX];
    if (!escapes) {
        int w = snprintf(path, sizeof path, "%s/%s", r->dir, loc);
        if (w < 0 || (size_t)w >= sizeof path)
            return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data path is too long", tname);
        if (!realpath(r->dir, rdir))
            return fail(r, OPINFO_EIO, "tensor '%.256s': the model's directory: %s", tname,
                        strerror(errno));
        if (!realpath(path, rpath))
            return fail(r, OPINFO_EIO, "tensor '%.256s': external data '%.256s': %s", tname, loc,
                        strerror(errno));
        size_t dl = strlen(rdir);
        /* a symbolic link may lead out too */
        if (strncmp(rpath, rdir, dl) != 0 || (rpath[dl] != '/' && strcmp(rdir, "/") != 0))
            escapes = 1;
    }
    if (escapes)
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data '%.256s' is outside the "
                                      "model's directory; refused", tname, loc);
    if (len >= 0 && (size_t)len < nbytes)
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data length %lld is smaller "
                                      "than the tensor's %zu bytes", tname, len, nbytes);
    int fd = open(rpath, O_RDONLY);
    if (fd < 0)
        return fail(r, OPINFO_EIO, "tensor '%.256s': external data '%.256s': %s", tname, loc,
                    strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || off > (long long)sb.st_size ||
        (size_t)(sb.st_size - off) < nbytes) {
        close(fd);
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': external data '%.256s' is shorter than "
                                      "offset %lld + %zu bytes", tname, loc, off, nbytes);
    }
    uint8_t *buf = malloc(nbytes ? nbytes : 1);
    if (!buf) {
        close(fd);
        return nomem(r);
    }
    size_t got = 0;
    while (got < nbytes) {
        ssize_t k = pread(fd, buf + got, nbytes - got, (off_t)off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(buf);
            close(fd);
            return fail(r, OPINFO_EIO, "tensor '%.256s': reading external data '%.256s' failed",
                        tname, loc);
        }
        got += (size_t)k;
    }
    close(fd);
    *out = buf;
    return 0;
}

static int view_open(rd *r, const TensorP *t, const char *tname, view *vw)
{
    memset(vw, 0, sizeof *vw);
    vw->type = t->data_type;
    vw->t = t;
    if (numel(r, t, tname, &vw->n))
        return -1;
    int bits = elem_bits(t->data_type);
    if (!bits || t->data_type == OX_FLOAT4E2M1 || (t->data_type >= OX_FLOAT8E4M3FN &&
                                                  t->data_type <= OX_FLOAT8E5M2FNUZ))
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': values of type %s are not read", tname,
                    onnx_type_name(t->data_type));
    size_t nbytes = bits == 4 ? (vw->n + 1) / 2 : vw->n * (size_t)(bits / 8);
    if (t->has_data_location && t->data_location == 1) {
        if (read_external(r, t, tname, nbytes, &vw->owned))
            return -1;
        vw->raw = vw->owned;
        return 0;
    }
    if (t->has_raw_data) {
        if (t->raw_data.len != nbytes)
            return fail(r, OPINFO_EINPUT, "tensor '%.256s': %zu bytes of raw data for %zu "
                                          "%s element%s", tname, t->raw_data.len, vw->n,
                        onnx_type_name(t->data_type), vw->n == 1 ? "" : "s");
        vw->raw = t->raw_data.data;
        return 0;
    }
    size_t have;
    switch (t->data_type) {
    case OX_FLOAT: have = t->n_float_data; break;
    case OX_INT64: have = t->n_int64_data; break;
    case OX_DOUBLE: have = t->n_double_data; break;
    case OX_UINT32: case OX_UINT64: have = t->n_uint64_data; break;
    case OX_INT4: case OX_UINT4:
        have = t->n_int32_data;
        if (have != vw->n && have == (vw->n + 1) / 2) {
            vw->i4_packed = 1;
            have = vw->n;
        }
        break;
    default: have = t->n_int32_data; break;
    }
    if (have != vw->n)
        return fail(r, OPINFO_EINPUT, "tensor '%.256s': %zu values for %zu elements", tname, have,
                    vw->n);
    return 0;
}

static void view_close(view *vw) { free(vw->owned); }

static float half_to_float(uint16_t h)
{
    uint32_t s = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    float f;
    if (e == 0)
        f = ldexpf((float)m, -24);
    else if (e == 31)
        f = m ? NAN : INFINITY;
    else
        f = ldexpf((float)(m | 0x400), (int)e - 25);
    return s ? -f : f;
}

static float bf16_to_float(uint16_t b)
{
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t le(const uint8_t *p, int bytes)
{
    uint64_t x = 0;
    for (int i = bytes - 1; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* Element i as a double (exact for every integer type up to 2^53). */
static double view_get(const view *vw, size_t i)
{
    const uint8_t *p = vw->raw;
    const TensorP *t = vw->t;
    switch (vw->type) {
    case OX_FLOAT: {
        if (!p)
            return t->float_data[i];
        uint32_t u = (uint32_t)le(p + 4 * i, 4);
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    case OX_DOUBLE: {
        if (!p)
            return t->double_data[i];
        uint64_t u = le(p + 8 * i, 8);
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    case OX_FLOAT16: return half_to_float(p ? (uint16_t)le(p + 2 * i, 2) : (uint16_t)t->int32_data[i]);
    case OX_BFLOAT16: return bf16_to_float(p ? (uint16_t)le(p + 2 * i, 2) : (uint16_t)t->int32_data[i]);
    case OX_UINT8: case OX_BOOL: return p ? p[i] : (double)(uint8_t)t->int32_data[i];
    case OX_INT8: return p ? (int8_t)p[i] : (double)(int8_t)t->int32_data[i];
    case OX_UINT16: return p ? (uint16_t)le(p + 2 * i, 2) : (double)(uint16_t)t->int32_data[i];
    case OX_INT16: return p ? (int16_t)le(p + 2 * i, 2) : (double)(int16_t)t->int32_data[i];
    case OX_INT32: return p ? (int32_t)le(p + 4 * i, 4) : (double)t->int32_data[i];
    case OX_UINT32: return p ? (uint32_t)le(p + 4 * i, 4) : (double)(uint32_t)t->uint64_data[i];
    case OX_INT64: return p ? (double)(int64_t)le(p + 8 * i, 8) : (double)t->int64_data[i];
    case OX_UINT64: return p ? (double)le(p + 8 * i, 8) : (double)t->uint64_data[i];
    case OX_INT4: case OX_UINT4: {
        unsigned nib;
        if (p)
            nib = (p[i / 2] >> (4 * (i % 2))) & 0xF;
        else if (vw->i4_packed)
            nib = ((unsigned)t->int32_data[i / 2] >> (4 * (i % 2))) & 0xF;
        else
            nib = (unsigned)t->int32_data[i] & 0xF;
        return vw->type == OX_INT4 ? (double)((int)(nib ^ 8) - 8) : (double)nib;
    }
    default: return 0;
    }
}

/* ---- specs ----------------------------------------------------------------------------------- */

static const char *vname(const rd *r, int vi) { return vi >= 0 ? r->v[vi].name : "?"; }

static int input_value(const rd *r, const NodeP *n, size_t pos)
{
    return pos < n->n_input && n->input[pos] && *n->input[pos] ? vget(r, n->input[pos]) : -1;
}

/* The qgraph spec (without name) of the QuantizeLinear/DequantizeLinear node qi. */
static json_t *qspec(rd *r, int qi)
{
    const NodeP *n = r->g->node[qi];
    int x = input_value(r, n, 0), s = input_value(r, n, 1), z = input_value(r, n, 2);
    int dq = is_op(n, "DequantizeLinear");
    int dt;
    if (z >= 0)
        dt = r->v[z].type;
    else if (!dq)
        dt = (int)attr_i(n, "output_dtype", OX_UINT8);
    else
        dt = x >= 0 ? r->v[x].type : OX_UINT8;
    if (!dt) /* ONNX's default zero point type */
        dt = OX_UINT8;
    const char *dname = dtype_name(dt);
    if (!dname || is_float(dt) || dt == OX_BOOL || dt == OX_INT64) {
        node_fail(r, qi, "quantizes to %s, which a qgraph does not represent",
                  onnx_type_name(dt));
        return NULL;
    }
    json_t *o = json_object();
    if (!o) {
        nomem(r);
        return NULL;
    }
    json_object_set_new(o, "dtype", json_string(dname));
    if (s < 0 || !r->v[s].cst || (z >= 0 && !r->v[z].cst)) {
        /* qparams computed while the model runs: dynamic quantization */
        json_object_set_new(o, "is_dynamic", json_true());
        return o;
    }
    view sv, zv;
    if (view_open(r, r->v[s].cst, vname(r, s), &sv)) {
        json_decref(o);
        return NULL;
    }
    memset(&zv, 0, sizeof zv);
    if (z >= 0 && view_open(r, r->v[z].cst, vname(r, z), &zv)) {
        view_close(&sv);
        json_decref(o);
        return NULL;
    }
    size_t ns = sv.n;
    json_t *scales = NULL, *zps = NULL;
    int64_t block = attr_i(n, "block_size", 0);
    int64_t axis = attr_i(n, "axis", 1);
    int signed_t = dt == OX_INT4 || dt == OX_INT8 || dt == OX_INT16 || dt == OX_INT32;
    int sym = signed_t;
    int rank = x >= 0 ? r->v[x].rank : -1;
    const TensorP *xc = dq && x >= 0 ? r->v[x].cst : NULL;
    if (ns == 0 || ns > MAX_QPARAMS) {
        node_fail(r, qi, "scale '%.256s' has %zu values", vname(r, s), ns);
        goto bad;
    }
    if (z >= 0 && zv.n != ns) {
        node_fail(r, qi, "zero point '%.256s' has %zu values for %zu scales", vname(r, z), zv.n,
                  ns);
        goto bad;
    }
    if (!(scales = json_array()) || !(zps = json_array())) {
        nomem(r);
        goto bad;
    }
    for (size_t i = 0; i < ns; i++) {
        double sc = view_get(&sv, i);
        double zp = z >= 0 ? view_get(&zv, i) : 0;
        if (!isfinite(sc) || sc <= 0) {
            node_fail(r, qi, "scale '%.256s' value %g is not finite and > 0", vname(r, s), sc);
            goto bad;
        }
        if (zp != 0)
            sym = 0;
        json_array_append_new(scales, json_real(sc));
        json_array_append_new(zps, json_integer((json_int_t)zp));
    }
    if (block)
        json_object_set_new(o, "qscheme", json_string(sym ? "per_block_symmetric"
                                                          : "per_block_affine"));
    else if (ns > 1)
        json_object_set_new(o, "qscheme", json_string(sym ? "per_channel_symmetric"
                                                          : "per_channel_affine"));
    else
        json_object_set_new(o, "qscheme", json_string(sym ? "per_tensor_symmetric"
                                                          : "per_tensor_affine"));
    if (sym && (dt == OX_INT8 || dt == OX_INT16)) {
        /* ONNX records no quantizer range: ONNX Runtime quantizes symmetric int8/int16 to
         * [-127, 127] / [-32767, 32767] (quant_utils ONNX_INT_TYPE_SYMMETRIC_RANGE, ort-qnn.md
         * section 1.2) unless a stored weight shows the full range is used */
        int64_t lo = dt == OX_INT8 ? -127 : -32767;
        int narrow = 1;
        if (xc) {
            view xv;
            if (view_open(r, xc, vname(r, x), &xv))
                goto bad;
            if (xv.raw && xv.type == OX_INT8) { /* the common case, a byte at a time */
                const int8_t *p = (const int8_t *)xv.raw;
                for (size_t i = 0; i < xv.n; i++)
                    narrow &= p[i] != -128;
            } else
                for (size_t i = 0; i < xv.n && narrow; i++)
                    if (view_get(&xv, i) < (double)lo)
                        narrow = 0;
            view_close(&xv);
        }
        if (narrow) {
            json_object_set_new(o, "quant_min", json_integer(lo));
            json_object_set_new(o, "quant_max", json_integer(-lo));
        }
    }
    if (xc)
        rank = (int)xc->n_dims;
    if (ns > 1 || block) {
        if (axis < 0 && rank > 0)
            axis += rank;
        if (axis < 0 || (rank >= 0 && axis >= rank)) {
            node_fail(r, qi, "axis %lld is outside the rank %d of '%.256s'",
                      (long long)attr_i(n, "axis", 1), rank, vname(r, x));
            goto bad;
        }
    }
    if (block) {
        int rk = rank > 0 ? rank : 2;
        if (block < 1 || axis >= rk) {
            node_fail(r, qi, "block_size %lld on axis %lld is not usable", (long long)block,
                      (long long)axis);
            goto bad;
        }
        json_t *bs = json_array();
        for (int d = 0; d < rk; d++)
            json_array_append_new(bs, json_integer(d == axis ? block : 1));
        json_object_set_new(o, "block_size", bs);
        const TensorP *st = r->v[s].cst;
        if ((int)st->n_dims == rk && rk >= 2) {
            /* per-block scales: the qgraph keeps one scale per channel, the largest block's
             * (docs/qgraph.md: LPBQ's per-channel float scale) */
            int ch = axis == 0 ? 1 : 0;
            size_t nch = (size_t)st->dims[ch], inner = 1;
            for (int d = ch + 1; d < rk; d++)
                inner *= (size_t)st->dims[d];
            double *mx = calloc(nch ? nch : 1, sizeof *mx);
            if (!mx) {
                nomem(r);
                goto bad;
            }
            for (size_t i = 0; i < ns; i++) {
                size_t c = (i / inner) % (nch ? nch : 1);
                double sc = view_get(&sv, i);
                if (sc > mx[c])
                    mx[c] = sc;
            }
            json_array_clear(scales);
            json_array_clear(zps);
            for (size_t c = 0; c < nch; c++) {
                json_array_append_new(scales, json_real(mx[c]));
                json_array_append_new(zps, json_integer(0));
            }
            free(mx);
            axis = ch;
        }
        json_object_set_new(o, "axis", json_integer(axis));
        json_object_set_new(o, "scale", scales);
        json_object_set_new(o, "zero_point", zps);
    } else if (ns > 1) {
        json_object_set_new(o, "axis", json_integer(axis));
        json_object_set_new(o, "scale", scales);
        json_object_set_new(o, "zero_point", zps);
    } else {
        json_object_set(o, "scale", json_array_get(scales, 0));
        json_object_set(o, "zero_point", json_array_get(zps, 0));
        json_decref(scales);
        json_decref(zps);
    }
    view_close(&sv);
    view_close(&zv);
    return o;
bad:
    json_decref(scales);
    json_decref(zps);
    json_decref(o);
    view_close(&sv);
    view_close(&zv);
    return NULL;
}

/* The first consumer (in model order) of value vi that is op at input 0, looking through
 * pass-throughs (Identity), or -1. */
static int first_user_d(const rd *r, int vi, const char *op, int depth)
{
    const value *v = &r->v[vi];
    int best = -1;
    for (size_t k = 0; k < v->n_use && depth < 64; k++) {
        const use *u = &r->uses[v->first_use + k];
        const NodeP *n = r->g->node[u->node];
        int got = -1;
        if (u->pos == 0 && is_op(n, op))
            got = u->node;
        else if (u->pos == 0 && r->kind[u->node] == K_PASS && n->n_output >= 1 && n->output[0] &&
                 *n->output[0]) {
            int o = vget(r, n->output[0]);
            if (o >= 0)
                got = first_user_d(r, o, op, depth + 1);
        }
        if (got >= 0 && (best < 0 || got < best))
            best = got;
    }
    return best;
}

static int first_user(const rd *r, int vi, const char *op) { return first_user_d(r, vi, op, 0); }

static int plain(rd *r, json_t *o, int vi)
{
    int t = r->v[vi].type ? r->v[vi].type : OX_FLOAT;
    const char *dn = dtype_name(t);
    if (!dn) {
        json_decref(o);
        return fail(r, OPINFO_EINPUT, "tensor '%.256s' is %s, which a qgraph does not represent",
                    vname(r, vi), onnx_type_name(t));
    }
    json_object_set_new(o, "dtype", json_string(dn));
    return 0;
}

/* Does name end with suffix? Its length without it in *stem. */
static int ends_with(const char *name, const char *suffix, size_t *stem)
{
    size_t n = strlen(name), k = strlen(suffix);
    if (n <= k || strcmp(name + n - k, suffix) != 0)
        return 0;
    *stem = n - k;
    return 1;
}

/* A graph output that the QuantizeLinear q leads to through DequantizeLinear (and the
 * DequantizeLinear -> QuantizeLinear pairs of a conversion), or -1. */
static int qdq_graph_output(const rd *r, int q, int depth)
{
    const NodeP *n = r->g->node[q];
    int o = n->n_output >= 1 && n->output[0] && *n->output[0] ? vget(r, n->output[0]) : -1;
    if (o < 0 || depth > 8)
        return -1;
    for (size_t k = 0; k < r->v[o].n_use; k++) {
        const use *u = &r->uses[r->v[o].first_use + k];
        const NodeP *dq = r->g->node[u->node];
        if (u->pos != 0 || !is_op(dq, "DequantizeLinear") || dq->n_output < 1 || !dq->output[0])
            continue;
        int d = vget(r, dq->output[0]);
        if (d < 0)
            continue;
        if (r->v[d].is_output)
            return d;
        for (size_t j = 0; j < r->v[d].n_use; j++) {
            const use *w = &r->uses[r->v[d].first_use + j];
            if (w->pos == 0 && is_op(r->g->node[w->node], "QuantizeLinear")) {
                int g = qdq_graph_output(r, w->node, depth + 1);
                if (g >= 0)
                    return g;
            }
        }
    }
    return -1;
}

/* The name the tensor of value vi has in the float model it was quantized from, which is the
 * name ONNX Runtime's TensorQuantOverrides use (docs/qgraph.md, "ONNX models"): q is the
 * QuantizeLinear or DequantizeLinear its spec comes from. An activation's is the input of its
 * QuantizeLinear, unless the Q/DQ leads to a graph output: ONNX Runtime's quantizer then renames
 * the producer's output "T_QuantizeLinear_Input" and the DequantizeLinear writes "T"
 * (qdq_quantizer.py, _add_qdq_pair_for_activation). A weight stored quantized ("W_quantized",
 * quantize_onnx_initializer) is read by a DequantizeLinear writing "W_DequantizeLinear_Output"
 * (add_dequant_output_suffix): "W"; a model not made that way names it by the
 * DequantizeLinear's output. *out: NULL for the value's own name, else malloc'd; -1: no memory. */
static int float_name(const rd *r, int vi, int q, char **out)
{
    *out = NULL;
    const value *v = &r->v[vi];
    const NodeP *n = q >= 0 ? r->g->node[q] : NULL;
    const char *nm = NULL;
    size_t len = 0;
    if (n && is_op(n, "QuantizeLinear")) {
        int o = qdq_graph_output(r, q, 0);
        if (o >= 0)
            nm = r->v[o].name, len = strlen(nm);
    } else if (n && v->cst && n->n_output >= 1 && n->output[0] && *n->output[0]) {
        nm = n->output[0];
        if (!ends_with(nm, "_DequantizeLinear_Output", &len)) {
            if (ends_with(v->name, "_quantized", &len))
                nm = v->name;
            else
                len = strlen(nm);
        }
    }
    if (!nm || (strlen(v->name) == len && strncmp(v->name, nm, len) == 0))
        return 0;
    if (!(*out = malloc(len + 1)))
        return -1;
    memcpy(*out, nm, len);
    (*out)[len] = '\0';
    return 0;
}

/* The qgraph tensor of value vi, made once. */
static json_t *tensor_of(rd *r, int vi)
{
    value *v = &r->v[vi];
    if (v->tensor)
        return v->tensor;
    json_t *spec = NULL;
    int q = -1;
    if (v->type && !is_float(v->type)) /* a stored weight, or a quantized graph input */
        q = first_user(r, vi, "DequantizeLinear");
    else
        q = first_user(r, vi, "QuantizeLinear");
    if (q >= 0 && !(spec = qspec(r, q)))
        return NULL;
    json_t *o = json_object();
    if (!o) {
        json_decref(spec);
        nomem(r);
        return NULL;
    }
    json_object_set_new(o, "name", json_string(v->name));
    if (spec) {
        json_object_update(o, spec);
        json_decref(spec);
        char *fn;
        if (float_name(r, vi, q, &fn) != 0) {
            json_decref(o);
            nomem(r);
            return NULL;
        }
        if (fn)
            json_object_set_new(o, "float_name", json_string(fn));
        free(fn);
    } else if (plain(r, o, vi))
        return NULL;
    if (v->folded && !v->cst)
        json_object_set_new(o, "initializer", json_true());
    if (v->cst) {
        json_object_set_new(o, "initializer", json_true());
        json_t *sh = json_array();
        for (size_t i = 0; i < v->cst->n_dims; i++)
            json_array_append_new(sh, json_integer(v->cst->dims[i]));
        if (v->cst->n_dims)
            json_object_set_new(o, "shape", sh);
        else
            json_decref(sh);
    }
    if (json_array_append_new(r->tensors, o) != 0) {
        nomem(r);
        return NULL;
    }
    v->tensor = o;
    return o;
}

/* ---- the graph ------------------------------------------------------------------------------- */

static void set_type(rd *r, const ValueInfoP *vi, int is_in, int is_out)
{
    if (!vi->name || !*vi->name)
        return;
    int i = vadd(r, vi->name);
    if (i < 0)
        return;
    value *v = &r->v[i];
    v->is_input |= is_in;
    v->is_output |= is_out;
    if (vi->type && vi->type->tensor_type) {
        const OpinfoOnnx__TypeProto__Tensor *tt = vi->type->tensor_type;
        if (tt->has_elem_type && !v->cst)
            v->type = tt->elem_type;
        if (tt->shape && !v->cst)
            v->rank = (int)tt->shape->n_dim;
    }
}

typedef struct made {
    TensorP t;
    int64_t dim;
} made;

static const TensorP *constant_value(rd *r, const NodeP *n)
{
    const AttrP *a;
    if ((a = attr(n, "value")) && a->t)
        return a->t;
    made *mt = calloc(1, sizeof *mt);
    if (!mt) {
        nomem(r);
        return NULL;
    }
    TensorP *t = &mt->t;
    opinfo_onnx__tensor_proto__init(t);
    TensorP **nm = realloc(r->made, (r->n_made + 1) * sizeof *nm);
    if (!nm) {
        free(mt);
        nomem(r);
        return NULL;
    }
    r->made = nm;
    r->made[r->n_made++] = t;
    /* point into the attribute, which lives as long as the model */
    if ((a = attr(n, "value_float")) && a->has_f) {
        t->data_type = OX_FLOAT, t->n_float_data = 1, t->float_data = &((AttrP *)a)->f;
    } else if ((a = attr(n, "value_int")) && a->has_i) {
        t->data_type = OX_INT64, t->n_int64_data = 1, t->int64_data = &((AttrP *)a)->i;
    } else if ((a = attr(n, "value_floats"))) {
        t->data_type = OX_FLOAT, t->n_float_data = a->n_floats, t->float_data = a->floats;
        mt->dim = (int64_t)a->n_floats, t->n_dims = 1, t->dims = &mt->dim;
    } else if ((a = attr(n, "value_ints"))) {
        t->data_type = OX_INT64, t->n_int64_data = a->n_ints, t->int64_data = a->ints;
        mt->dim = (int64_t)a->n_ints, t->n_dims = 1, t->dims = &mt->dim;
    } else {
        return NULL;
    }
    return t;
}

/* Kahn's order; a node left over is on a cycle. */
static int topo(rd *r)
{
    size_t nn = r->g->n_node;
    int *indeg = calloc(nn ? nn : 1, sizeof *indeg);
    int *q = malloc((nn ? nn : 1) * sizeof *q);
    if (!indeg || !q) {
        free(indeg), free(q);
        return nomem(r);
    }
    for (size_t i = 0; i < nn; i++) {
        const NodeP *n = r->g->node[i];
        for (size_t k = 0; k < n->n_input; k++) {
            int vi = input_value(r, n, k);
            if (vi >= 0 && r->v[vi].producer >= 0)
                indeg[i]++;
        }
    }
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < nn; i++)
        if (!indeg[i])
            q[tail++] = (int)i;
    while (head < tail) {
        int i = q[head++];
        const NodeP *n = r->g->node[i];
        for (size_t o = 0; o < n->n_output; o++) {
            int vi = n->output[o] && *n->output[o] ? vget(r, n->output[o]) : -1;
            if (vi < 0 || r->v[vi].producer != i)
                continue;
            for (size_t k = 0; k < r->v[vi].n_use; k++) {
                int c = r->uses[r->v[vi].first_use + k].node;
                if (--indeg[c] == 0)
                    q[tail++] = c;
            }
        }
    }
    int rc = 0;
    if (tail < nn) {
        for (size_t i = 0; i < nn; i++)
            if (indeg[i]) {
                rc = node_fail(r, (int)i, "is on a cycle: the graph is not acyclic");
                break;
            }
        free(q);
    } else
        r->order = q;
    free(indeg);
    return rc;
}

/* Output types: value_info when the model has it, else what the op makes. */
static void infer_types(rd *r)
{
    for (size_t k = 0; k < r->g->n_node; k++) {
        int i = r->order[k];
        const NodeP *n = r->g->node[i];
        int in0 = input_value(r, n, 0);
        int t0 = in0 >= 0 ? r->v[in0].type : 0;
        for (size_t o = 0; o < n->n_output; o++) {
            int vi = n->output[o] && *n->output[o] ? vget(r, n->output[o]) : -1;
            if (vi < 0 || r->v[vi].type)
                continue;
            int t = 0;
            if (r->kind[i] == K_CONST)
                t = r->v[vi].cst ? r->v[vi].cst->data_type : 0;
            else if (is_op(n, "QuantizeLinear")) {
                int z = input_value(r, n, 2);
                t = z >= 0 && r->v[z].type ? r->v[z].type
                                           : (int)attr_i(n, "output_dtype", OX_UINT8);
            } else if (is_op(n, "DequantizeLinear")) {
                int s = input_value(r, n, 1);
                t = s >= 0 && r->v[s].type ? r->v[s].type : OX_FLOAT;
            } else if (is_op(n, "Shape") || is_op(n, "Size") || is_op(n, "NonZero") ||
                       is_op(n, "ArgMax") || is_op(n, "ArgMin") || (is_op(n, "TopK") && o == 1))
                t = OX_INT64;
            else if (is_op(n, "Cast"))
                t = (int)attr_i(n, "to", OX_FLOAT);
            else if (is_op(n, "CastLike")) {
                int l = input_value(r, n, 1);
                t = l >= 0 ? r->v[l].type : 0;
            } else if (is_op(n, "Equal") || is_op(n, "Greater") || is_op(n, "Less") ||
                       is_op(n, "GreaterOrEqual") || is_op(n, "LessOrEqual") ||
                       is_op(n, "Not") || is_op(n, "And") || is_op(n, "Or") ||
                       is_op(n, "Xor") || is_op(n, "IsNaN") || is_op(n, "IsInf"))
                t = OX_BOOL;
            else if (is_op(n, "ConstantOfShape")) {
                const AttrP *a = attr(n, "value");
                t = a && a->t ? a->t->data_type : OX_FLOAT;
            } else if (is_op(n, "Where")) {
                int l = input_value(r, n, 1);
                t = l >= 0 ? r->v[l].type : 0;
            } else
                t = t0;
            r->v[vi].type = t;
        }
    }
}

/* A constant computation: every input is a constant, a shape (Shape and Size read only their
 * input's shape), or the output of another constant computation or of a QuantizeLinear of one.
 * ONNX Runtime's constant folding, a basic optimization that runs before partitioning, turns
 * them into initializers once the input shapes are fixed; it leaves DequantizeLinear alone
 * (the QDQ pattern), so what follows a DequantizeLinear is not folded. */
static void mark_fold(rd *r)
{
    for (size_t k = 0; k < r->g->n_node; k++) {
        int i = r->order[k];
        const NodeP *n = r->g->node[i];
        int kind = r->kind[i];
        if (kind == K_CONST || is_op(n, "DequantizeLinear") || kind == K_PASS)
            continue;
        int all = 1, any = 0;
        for (size_t j = 0; j < n->n_input && all; j++) {
            int vi = input_value(r, n, j);
            if (vi < 0)
                continue;
            any = 1;
            if ((is_op(n, "Shape") || is_op(n, "Size")) && j == 0)
                continue;
            const value *v = &r->v[vi];
            if (!v->cst && !v->folded)
                all = 0;
        }
        if (!all || !any)
            continue;
        for (size_t o = 0; o < n->n_output; o++) {
            int vi = n->output[o] && *n->output[o] ? vget(r, n->output[o]) : -1;
            if (vi >= 0 && !r->v[vi].is_output)
                r->v[vi].folded = 1;
        }
        if (kind == K_EMIT)
            r->kind[i] = K_FOLD;
    }
}

/* A shape computation: every output is read only where ops take parameters (Reshape's shape,
 * Slice's starts...) or by other shape computations. ONNX Runtime constant-folds these before
 * partitioning (basic graph optimizations run before the execution providers see the graph),
 * and QNN takes the results as static parameters: they are not checked nodes. */
static void mark_shape(rd *r)
{
    for (size_t k = r->g->n_node; k-- > 0;) {
        int i = r->order[k];
        if (r->kind[i] != K_EMIT)
            continue;
        const NodeP *n = r->g->node[i];
        int used = 0, shape = 1;
        for (size_t o = 0; o < n->n_output && shape; o++) {
            int vi = n->output[o] && *n->output[o] ? vget(r, n->output[o]) : -1;
            if (vi < 0)
                continue;
            value *v = &r->v[vi];
            if (v->is_output) {
                shape = 0;
                break;
            }
            for (size_t u = 0; u < v->n_use && shape; u++) {
                const use *us = &r->uses[v->first_use + u];
                used = 1;
                if (!is_param(r->g->node[us->node], us->pos) && r->kind[us->node] != K_SHAPE &&
                    r->kind[us->node] != K_FOLD)
                    shape = 0;
            }
        }
        if (shape && used)
            r->kind[i] = K_SHAPE;
    }
}

/* Back through Q/DQ nodes to the tensor they carry; qs receives the QuantizeLinear nodes met
 * (nearest the consumer first), *nq their count (at most cap kept). */
static int origin(const rd *r, int vi, int *qs, int cap, int *nq)
{
    *nq = 0;
    for (int guard = 0; vi >= 0 && guard < 4096; guard++) {
        int p = r->v[vi].producer;
        if (p < 0 || (r->kind[p] != K_QDQ && r->kind[p] != K_PASS))
            break;
        const NodeP *n = r->g->node[p];
        if (is_op(n, "QuantizeLinear")) {
            if (*nq < cap)
                qs[*nq] = p;
            (*nq)++;
        }
        vi = input_value(r, n, 0);
    }
    return vi;
}

/* The qgraph reference of input k of node i: the tensor's name, or {"tensor", "spec"} when the
 * Q nearest this consumer gives it another spec than the tensor's own; *t the tensor (NULL for
 * an edge spec). NULL with r->failed on error. */
static json_t *input_ref(rd *r, int i, size_t k, json_t **tout)
{
    const NodeP *n = r->g->node[i];
    int vi = input_value(r, n, k);
    int qs[2], nq;
    *tout = NULL;
    int src = origin(r, vi, qs, 2, &nq);
    if (src < 0) {
        node_fail(r, i, "input '%.256s' leads to nothing", vname(r, vi));
        return NULL;
    }
    json_t *t = tensor_of(r, src);
    if (!t)
        return NULL;
    json_t *ref = json_string(r->v[src].name);
    if (nq >= 1) {
        /* the Q nearest this consumer decides how it reads T: in a conversion chain T -> Q1
         * -> DQ1 -> Q2 -> DQ2 -> here (ONNX Runtime's mixed precision, ort-qnn.md section
         * 2.4), or when T has Q/DQ pairs of its own for several consumers, a spec that
         * differs from T's own is this consumer's edge spec */
        json_t *edge = qspec(r, qs[0]);
        if (!edge)
            return json_decref(ref), NULL;
        json_t *own = json_deep_copy(t);
        if (!own) {
            json_decref(ref), json_decref(edge), nomem(r);
            return NULL;
        }
        json_object_del(own, "name");
        json_object_del(own, "initializer");
        json_object_del(own, "shape");
        json_object_del(own, "derived_from");
        if (!json_equal(own, edge)) {
            json_decref(ref);
            ref = json_pack("{s:s, s:o}", "tensor", r->v[src].name, "spec", edge);
        } else
            json_decref(edge);
        json_decref(own);
    }
    if (!ref) {
        nomem(r);
        return NULL;
    }
    if (json_is_string(ref))
        *tout = t;
    return ref;
}

/* The spec a reference reads: the edge spec, or the tensor's own. */
static json_t *ref_spec(json_t *ref, json_t *t)
{
    return json_is_object(ref) ? json_object_get(ref, "spec") : t;
}

/* ONNX Runtime's QNN EP, for a MatMul whose two inputs are dynamic UFIXED_POINT_16, inserts a
 * QNN Convert on input 1 to UFIXED_POINT_8 (asymmetric) when input 1 is dynamic; input 1 must be
 * per-tensor (matmul_op_builder.cc l.233-271 at the facts' snapshot, qnn-htp-ops.md section 3.1
 * MatMul row, ort-qnn.md section 4.2). The MatMul then reads an 8-bit in1: its edge spec says
 * so, with the dtype and qscheme only (the EP derives the 8-bit qparams; they are not written). */
static int matmul_convert_in1(rd *r, int i, json_t *ins, json_t *t0, json_t *t1)
{
    if (json_array_size(ins) != 2)
        return 0;
    json_t *r0 = json_array_get(ins, 0), *r1 = json_array_get(ins, 1);
    json_t *s0 = ref_spec(r0, t0), *s1 = ref_spec(r1, t1);
    if (!s0 || !s1)
        return 0;
    const char *d0 = json_string_value(json_object_get(s0, "dtype"));
    const char *d1 = json_string_value(json_object_get(s1, "dtype"));
    const char *q1 = json_string_value(json_object_get(s1, "qscheme"));
    if (!d0 || !d1 || strcmp(d0, "uint16") || strcmp(d1, "uint16"))
        return 0;
    /* both dynamic: no initializer (constants ONNX Runtime folds are initializers too) */
    const NodeP *n = r->g->node[i];
    int dummy[1], nq;
    int v0 = origin(r, input_value(r, n, 0), dummy, 1, &nq);
    int v1 = origin(r, input_value(r, n, 1), dummy, 1, &nq);
    if (v0 < 0 || v1 < 0 || r->v[v0].cst || r->v[v0].folded || r->v[v1].cst || r->v[v1].folded)
        return 0;
    const char *n1 = r->v[v1].name;
    if (q1 && strncmp(q1, "per_tensor", 10) != 0)
        return 0; /* a per-channel in1 is refused by the EP: left to the check */
    json_t *spec = json_pack("{s:s, s:s}", "dtype", "uint8", "qscheme", "per_tensor_affine");
    json_t *ref = spec ? json_pack("{s:s, s:o}", "tensor", n1, "spec", spec) : NULL;
    if (!ref)
        return nomem(r);
    return json_array_set_new(ins, 1, ref) ? nomem(r) : 0;
}

/* ONNX Runtime's QDQ selectors group these ops with their DequantizeLinear inputs only when the
 * bias (input 2) that comes through a DequantizeLinear is INT32 (ort-qnn.md section 4.1:
 * Conv/ConvTranspose "bias (3rd DQ) must be INT32", Gemm "INT32 bias", InstanceNormalization/
 * LayerNormalization "bias (if DQ) INT32"); otherwise the node is no QDQ group and the QNN EP
 * sees it in float, between loose DequantizeLinear and QuantizeLinear nodes. */
static const char *bias_not_grouped(rd *r, const NodeP *n)
{
    static const char *const ops[] = {"Conv", "ConvTranspose", "Gemm", "LayerNormalization",
                                      "InstanceNormalization"};
    int hit = 0;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        hit |= is_op(n, ops[k]);
    int b = hit ? input_value(r, n, 2) : -1;
    if (b < 0)
        return NULL;
    int p = r->v[b].producer;
    if (p < 0 || !is_op(r->g->node[p], "DequantizeLinear"))
        return NULL;
    int x = input_value(r, r->g->node[p], 0), z = input_value(r, r->g->node[p], 2);
    int dt = z >= 0 && r->v[z].type ? r->v[z].type : x >= 0 ? r->v[x].type : 0;
    if (!dt || dt == OX_INT32)
        return NULL;
    return "ONNX Runtime's QDQ selector groups it only with an INT32 bias and its bias is not "
           "INT32, so its QNN EP sees it in float (ort-qnn.md section 4.1)";
}

/* ONNX Runtime's "Cast Elimination", a basic (level 1) rewrite rule that runs before
 * partitioning (graph_transformer_utils.cc GenerateRewriteRules), removes a Cast whose `to` is
 * its input's type (cast_elimination.cc SatisfyCondition; graph_utils::CanRemoveNode keeps one
 * that writes a graph output): a pass-through, as Identity is. Run after the folding passes: a
 * no-op Cast of a constant is folded with it either way. */
static void mark_cast_elimination(rd *r)
{
    for (size_t i = 0; i < r->g->n_node; i++) {
        const NodeP *n = r->g->node[i];
        if (r->kind[i] != K_EMIT || !is_op(n, "Cast") || n->n_output < 1 || !n->output[0] ||
            !*n->output[0])
            continue;
        int in = input_value(r, n, 0), out = vget(r, n->output[0]);
        const AttrP *to = attr(n, "to");
        if (in < 0 || out < 0 || !to || !to->has_i || !r->v[in].type || r->v[out].is_output)
            continue;
        if (to->i == r->v[in].type)
            r->kind[i] = K_PASS;
    }
}

/* ---- the QNN EP's Gelu fusion -------------------------------------------------------------- */

/* The node a node unit reads value vi from: its producer, across one QuantizeLinear ->
 * DequantizeLinear pair (the producer's QDQ group feeding this one's) and eliminated nodes; -1
 * for a graph input, a constant, or a loose Q/DQ between them. */
static int unit_parent(const rd *r, int vi)
{
    for (int guard = 0; vi >= 0 && guard < 64; guard++) {
        int p = r->v[vi].producer;
        if (p < 0)
            return -1;
        if (r->kind[p] == K_PASS) {
            vi = input_value(r, r->g->node[p], 0);
            continue;
        }
        if (is_op(r->g->node[p], "DequantizeLinear")) {
            int qv = input_value(r, r->g->node[p], 0);
            int q = qv >= 0 ? r->v[qv].producer : -1;
            if (q < 0 || !is_op(r->g->node[q], "QuantizeLinear"))
                return -1;
            int x = input_value(r, r->g->node[q], 0);
            if (x < 0 || r->v[x].producer < 0 || r->kind[r->v[x].producer] != K_EMIT)
                return -1;
            return r->v[x].producer;
        }
        return r->kind[p] == K_EMIT ? p : -1;
    }
    return -1;
}

/* What a node unit's input is named by (NodeUnitIODef): the DequantizeLinear's input for a
 * quantized input, else the value itself. */
static int unit_input_key(const rd *r, int vi)
{
    for (int guard = 0; vi >= 0 && guard < 64; guard++) {
        int p = r->v[vi].producer;
        if (p >= 0 && r->kind[p] == K_PASS)
            vi = input_value(r, r->g->node[p], 0);
        else if (p >= 0 && is_op(r->g->node[p], "DequantizeLinear"))
            return input_value(r, r->g->node[p], 0);
        else
            return vi;
    }
    return vi;
}

/* The only node unit that reads value vi (through its QuantizeLinear and the consumers'
 * DequantizeLinear nodes), or -1: several readers, or a graph output on the way (qnn_node_group
 * utils.cc GetOnlyChildOfOutput). */
static int only_child_d(const rd *r, int vi, int *found, int depth)
{
    const value *v = &r->v[vi];
    if (v->is_output || depth > 8)
        return -1;
    for (size_t k = 0; k < v->n_use; k++) {
        const use *u = &r->uses[v->first_use + k];
        const NodeP *n = r->g->node[u->node];
        int kind = r->kind[u->node];
        if ((kind == K_QDQ || kind == K_PASS) && u->pos == 0) {
            if (n->n_output < 1 || !n->output[0] || !*n->output[0])
                return -1;
            int o = vget(r, n->output[0]);
            if (o < 0 || only_child_d(r, o, found, depth + 1) < 0)
                return -1;
        } else if (kind == K_EMIT) {
            if (*found >= 0)
                return -1;
            *found = u->node;
        } else
            return -1;
    }
    return 0;
}

static int only_child(const rd *r, int node)
{
    const NodeP *n = r->g->node[node];
    if (n->n_output < 1 || !n->output[0] || !*n->output[0])
        return -1;
    int o = vget(r, n->output[0]), found = -1;
    if (o < 0 || only_child_d(r, o, &found, 0) < 0)
        return -1;
    return found;
}

/* The value of a constant scalar input as the QNN EP reads it (gelu_fusion.cc
 * GetConstantInitializerFloatScalar): the first element of the initializer, dequantized with
 * per-tensor qparams when it is quantized; a float constant that a QuantizeLinear quantizes is
 * an initializer once ONNX Runtime folds the QuantizeLinear, so it is rounded through it. */
static int const_scalar(rd *r, int node, size_t pos, double *out)
{
    int vi = input_value(r, r->g->node[node], pos);
    double scale = 0, zp = 0, qmin = 0, qmax = 0;
    int dq = 0, qz = 0;
    for (int guard = 0; vi >= 0 && guard < 8; guard++) {
        int p = r->v[vi].producer;
        if (r->v[vi].cst || p < 0)
            break;
        const NodeP *n = r->g->node[p];
        if (r->kind[p] == K_PASS) {
            vi = input_value(r, n, 0);
            continue;
        }
        int is_dq = is_op(n, "DequantizeLinear"), is_q = is_op(n, "QuantizeLinear");
        if (!(is_dq && !dq) && !(is_q && dq && !qz))
            return 0;
        int s = input_value(r, n, 1), z = input_value(r, n, 2);
        if (s < 0 || !r->v[s].cst || (z >= 0 && !r->v[z].cst))
            return 0;
        view sv, zv;
        if (view_open(r, r->v[s].cst, vname(r, s), &sv))
            return -1;
        int per_tensor = sv.n == 1;
        double sc = per_tensor ? view_get(&sv, 0) : 0;
        view_close(&sv);
        double zz = 0;
        int zt = z >= 0 ? r->v[z].type : OX_UINT8;
        if (z >= 0) {
            if (view_open(r, r->v[z].cst, vname(r, z), &zv))
                return -1;
            per_tensor &= zv.n == 1;
            zz = zv.n ? view_get(&zv, 0) : 0;
            view_close(&zv);
        }
        if (!per_tensor || !(sc > 0))
            return 0; /* "Only support per-tensor quantization" */
        if (is_dq) {
            dq = 1, scale = sc, zp = zz;
        } else {
            qz = 1;
            if (sc != scale || zz != zp)
                return 0; /* a conversion, not the folded initializer's own qparams */
            int bits = elem_bits(zt);
            int sgn = zt == OX_INT8 || zt == OX_INT16 || zt == OX_INT4 || zt == OX_INT32;
            if (bits < 2 || bits > 32)
                return 0;
            qmin = sgn ? -ldexp(1, bits - 1) : 0;
            qmax = sgn ? ldexp(1, bits - 1) - 1 : ldexp(1, bits) - 1;
        }
        vi = input_value(r, n, 0);
    }
    if (vi < 0 || !r->v[vi].cst)
        return 0;
    view xv;
    if (view_open(r, r->v[vi].cst, vname(r, vi), &xv))
        return -1;
    if (xv.n == 0) {
        view_close(&xv);
        return 0;
    }
    double x = view_get(&xv, 0);
    int is_f = is_float(xv.type);
    view_close(&xv);
    if (qz) { /* QuantizeLinear: round half to even, saturate */
        if (!is_f)
            return 0;
        double q = nearbyint(x / scale) + zp;
        x = q < qmin ? qmin : q > qmax ? qmax : q;
    } else if (dq && is_f)
        return 0; /* a float DequantizeLinear input is no quantized initializer */
    *out = dq ? (x - zp) * scale : x;
    return 1;
}

static int near_value(rd *r, int node, size_t pos, double want, double tol)
{
    double v;
    int got = const_scalar(r, node, pos, &v);
    return got > 0 && fabs(v - want) <= tol;
}

static int op_unit(const rd *r, int node, const char *op)
{
    return node >= 0 && r->kind[node] == K_EMIT && is_op(r->g->node[node], op) &&
           r->g->node[node]->n_input >= 2;
}

/* ONNX Runtime's QNN EP fuses the GELU that exporters write as Div(x, sqrt 2) -> Erf ->
 * Add(1) -> Mul(x, .) -> Mul(0.5), or with the Mul(x, 0.5) first, into one QNN Gelu
 * (qnn_node_group/gelu_fusion.cc GeluFusion::TryFusion, qnn-htp-ops.md section 3.3 Gelu row),
 * Erf being a QDQ group or a single node. The match is the EP's: the Erf's input comes from a
 * Div whose input 1 is a constant within 1e-3 of sqrt(2); the Erf's only reader is an Add whose
 * other input is a constant within 1e-2 of 1; the Add's only reader is a Mul; then either one
 * input of that Mul comes from a Mul of the Div's input and a constant within 1e-3 of 0.5
 * (pattern 1), or the Mul reads the Div's input and its only reader is a Mul by a constant
 * within 1e-3 of 0.5 (pattern 2). The Gelu reads the Div's input 0 and writes the last Mul's
 * output; it is checked under the Erf's name and index (the group's target node), and the
 * other nodes of the pattern are not checked. */
static int mark_gelu(rd *r)
{
    size_t nn = r->g->n_node;
    for (size_t k = 0; k < nn; k++) {
        int e = r->order[k];
        const NodeP *en = r->g->node[e];
        if (r->kind[e] != K_EMIT || !is_op(en, "Erf") || en->n_input < 1)
            continue;
        int d = unit_parent(r, input_value(r, en, 0));
        if (!op_unit(r, d, "Div") || !near_value(r, d, 1, M_SQRT2, 1e-3)) {
            if (r->failed)
                return -1;
            continue;
        }
        int a = only_child(r, e);
        if (!op_unit(r, a, "Add"))
            continue;
        int erf_first = unit_parent(r, input_value(r, r->g->node[a], 0)) == e;
        if (!near_value(r, a, erf_first ? 1 : 0, 1.0, 1e-2)) {
            if (r->failed)
                return -1;
            continue;
        }
        int m = only_child(r, a);
        if (!op_unit(r, m, "Mul"))
            continue;
        int root = unit_input_key(r, input_value(r, r->g->node[d], 0));
        const NodeP *mn = r->g->node[m];
        int m2 = -1, last = -1;
        for (size_t i = 0; i < 2 && m2 < 0; i++) {
            int p = unit_parent(r, input_value(r, mn, i));
            if (!op_unit(r, p, "Mul") || p == m)
                continue;
            const NodeP *pn = r->g->node[p];
            int k0 = unit_input_key(r, input_value(r, pn, 0));
            int k1 = unit_input_key(r, input_value(r, pn, 1));
            if (root < 0 || (k0 != root && k1 != root))
                continue;
            if (near_value(r, p, k0 == root ? 1 : 0, 0.5, 1e-3))
                m2 = p;
            else if (r->failed)
                return -1;
        }
        if (m2 >= 0)
            last = m;
        else {
            int k0 = unit_input_key(r, input_value(r, mn, 0));
            int k1 = unit_input_key(r, input_value(r, mn, 1));
            if (root < 0 || (k0 != root && k1 != root))
                continue;
            int m3 = only_child(r, m);
            if (!op_unit(r, m3, "Mul"))
                continue;
            int ci = unit_parent(r, input_value(r, r->g->node[m3], 0)) == m ? 1 : 0;
            if (!near_value(r, m3, (size_t)ci, 0.5, 1e-3)) {
                if (r->failed)
                    return -1;
                continue;
            }
            m2 = m3;
            last = m3;
        }
        const NodeP *ln = r->g->node[last];
        int out = ln->n_output >= 1 && ln->output[0] && *ln->output[0] ? vget(r, ln->output[0])
                                                                      : -1;
        if (out < 0)
            continue;
        if (!r->fused_out) {
            r->fused_out = malloc((nn ? nn : 1) * sizeof *r->fused_out);
            r->fused_in = malloc((nn ? nn : 1) * sizeof *r->fused_in);
            if (!r->fused_out || !r->fused_in)
                return nomem(r);
            for (size_t i = 0; i < nn; i++)
                r->fused_out[i] = r->fused_in[i] = -1;
        }
        r->kind[d] = r->kind[a] = r->kind[m] = r->kind[m2] = K_FUSED;
        r->fused_out[e] = out;
        r->fused_in[e] = d;
    }
    return 0;
}

static int emit_node(rd *r, int i)
{
    const NodeP *n = r->g->node[i];
    json_t *o = json_object(), *ins = json_array(), *outs = json_array();
    if (!o || !ins || !outs) {
        json_decref(o), json_decref(ins), json_decref(outs);
        return nomem(r);
    }
    const char *op = n->op_type;
    int fused = r->fused_out && r->fused_out[i] >= 0;
    if (fused)
        op = "Gelu";
    int matmul = 0;
    if (is_op(n, "MatMul")) {
        int dummy[1], nq;
        int w = origin(r, input_value(r, n, 1), dummy, 1, &nq);
        if (w >= 0 && r->v[w].cst && r->v[w].cst->n_dims == 2)
            op = OI_ONNX_MATMUL_CONST_WEIGHT;
        else
            matmul = 1;
    }
    json_object_set_new(o, "name", json_string(n->name));
    json_object_set_new(o, "op", json_string(op));
    json_object_set_new(o, "index", json_integer(i));
    json_object_set_new(o, "inputs", ins);
    json_object_set_new(o, "outputs", outs);
    const char *why = bias_not_grouped(r, n);
    if (why)
        json_object_set_new(o, "float_reason", json_string(why));
    if (json_array_append_new(r->nodes, o) != 0)
        return nomem(r);
    json_t *refs[3] = {NULL, NULL, NULL};
    size_t nref = 0;
    /* a fused Gelu reads what the pattern's Div reads at input 0 */
    int in_node = fused ? r->fused_in[i] : i;
    const NodeP *inn = r->g->node[in_node];
    size_t n_in = fused ? 1 : inn->n_input;
    for (size_t k = 0; k < n_in; k++) {
        if (is_param(inn, (int)k))
            continue;
        if (input_value(r, inn, k) < 0) {
            json_array_append_new(ins, json_null());
            nref++;
            continue;
        }
        json_t *t;
        json_t *ref = input_ref(r, in_node, k, &t);
        if (!ref)
            return -1;
        if (nref < 3)
            refs[nref] = t;
        nref++;
        json_array_append_new(ins, ref);
    }
    while (json_array_size(ins) && json_is_null(json_array_get(ins, json_array_size(ins) - 1)))
        json_array_remove(ins, json_array_size(ins) - 1);
    if (matmul && matmul_convert_in1(r, i, ins, refs[0], refs[1]))
        return -1;
    for (size_t k = 0; k < (fused ? 1 : n->n_output); k++) {
        int vi;
        if (fused)
            vi = r->fused_out[i];
        else {
            if (!n->output[k] || !*n->output[k])
                continue;
            vi = vget(r, n->output[k]);
        }
        json_t *t = tensor_of(r, vi);
        if (!t)
            return -1;
        json_array_append_new(outs, json_string(r->v[vi].name));
    }
    /* an int32 bias at the product of its node's input and weight scales is derived from them */
    if (nref == 3 && refs[0] && refs[1] && refs[2]) {
        json_t *b = refs[2];
        const char *bd = json_string_value(json_object_get(b, "dtype"));
        if (bd && strcmp(bd, "int32") == 0 && json_object_get(b, "scale") &&
            json_object_get(refs[0], "scale") && json_object_get(refs[1], "scale") &&
            !json_object_get(b, "derived_from"))
            json_object_set_new(b, "derived_from",
                                json_pack("[O, O]", json_object_get(refs[0], "name"),
                                          json_object_get(refs[1], "name")));
    }
    return 0;
}

/* protobuf-c returns NULL for a malformed message and for memory that ran out alike: the
 * allocator tells them apart */
static void *pb_alloc(void *ud, size_t n)
{
    void *p = malloc(n);
    if (!p)
        *(int *)ud = 1;
    return p;
}

static void pb_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static int build(rd *r, ModelP *m)
{
    GraphP *g = r->g = m->graph;
    size_t nn = g->n_node;
    if (nn > INT_MAX / 2)
        return fail(r, OPINFO_EINPUT, "the graph has too many nodes");
    /* constants first: initializers, then Constant nodes */
    for (size_t i = 0; i < g->n_initializer; i++) {
        const TensorP *t = g->initializer[i];
        if (!t->name || !*t->name)
            return fail(r, OPINFO_EINPUT, "initializer %zu has no name", i);
        if (vget(r, t->name) >= 0)
            return fail(r, OPINFO_EINPUT, "initializer '%.256s' is defined twice", t->name);
        int vi = vadd(r, t->name);
        if (vi < 0)
            return -1;
        r->v[vi].cst = t;
        r->v[vi].type = t->data_type;
        r->v[vi].rank = (int)t->n_dims;
    }
    for (size_t i = 0; i < g->n_input; i++)
        set_type(r, g->input[i], 1, 0);
    for (size_t i = 0; i < g->n_output; i++)
        set_type(r, g->output[i], 0, 1);
    for (size_t i = 0; i < g->n_value_info; i++)
        set_type(r, g->value_info[i], 0, 0);
    if (r->failed)
        return -1;
    if (!(r->kind = calloc(nn ? nn : 1, sizeof *r->kind)))
        return nomem(r);
    /* nodes: names, kinds, producers */
    for (size_t i = 0; i < nn; i++) {
        const NodeP *n = g->node[i];
        if (!n->op_type || !*n->op_type)
            return node_fail(r, (int)i, "has no op_type");
        int is_const = is_op(n, "Constant") && (!n->domain || !*n->domain ||
                                                strcmp(n->domain, "ai.onnx") == 0);
        r->kind[i] = is_const ? K_CONST : is_qdq(n) ? K_QDQ : K_EMIT;
        /* ONNX Runtime's basic optimizations eliminate these before partitioning ("Identity
         * Elimination", "Dropout Elimination"): the consumer reads the input */
        if ((is_op(n, "Identity") || is_op(n, "Dropout")) && n->n_input >= 1 && n->input[0] &&
            *n->input[0])
            r->kind[i] = K_PASS;
        if (!is_const) {
            /* ONNX Runtime's QNN tools need names: its mixed-precision fixer raises "Node of
             * type {op} with output 0 {name} does not have a name!" and qnn_preprocess_model
             * renames every unnamed node but Constants */
            if (!n->name || !*n->name)
                return node_fail(r, (int)i, "has no name; ONNX Runtime's QNN quantization "
                                            "refuses unnamed nodes (name it, e.g. with "
                                            "qnn_preprocess_model)");
            void *p;
            if (oi_map_get(&r->names, n->name, &p))
                return node_fail(r, (int)i, "has the name of node %d", (int)((intptr_t)p - 1));
            if (oi_map_put(&r->names, n->name, (void *)(intptr_t)(i + 1)) != 0)
                return nomem(r);
        }
        if (n->n_output == 0 && r->kind[i] != K_EMIT)
            return node_fail(r, (int)i, "has no output");
        for (size_t k = 0; k < n->n_output; k++) {
            if (!n->output[k] || !*n->output[k])
                continue;
            int vi = vadd(r, n->output[k]);
            if (vi < 0)
                return -1;
            value *v = &r->v[vi];
            if (v->producer >= 0)
                return node_fail(r, (int)i, "writes '%.256s', which node %d writes too",
                                 n->output[k], v->producer);
            if (v->cst)
                return node_fail(r, (int)i, "writes '%.256s', which is an initializer",
                                 n->output[k]);
            if (v->is_input)
                return node_fail(r, (int)i, "writes '%.256s', which is a graph input",
                                 n->output[k]);
            v->producer = (int)i;
            if (is_const && k == 0) {
                if (!(v->cst = constant_value(r, n)))
                    return r->failed ? -1
                                     : node_fail(r, (int)i, "has no value the reader takes "
                                                            "(value, value_float(s), value_int(s))");
                v->type = v->cst->data_type;
                v->rank = (int)v->cst->n_dims;
            }
        }
    }
    /* inputs: every reference resolves; consumers in one array */
    size_t total = 0;
    for (size_t i = 0; i < nn; i++) {
        const NodeP *n = g->node[i];
        for (size_t k = 0; k < n->n_input; k++) {
            if (!n->input[k] || !*n->input[k])
                continue;
            int vi = vget(r, n->input[k]);
            if (vi < 0 || (!r->v[vi].cst && !r->v[vi].is_input && r->v[vi].producer < 0))
                return node_fail(r, (int)i, "input '%.256s' is no graph input, initializer or "
                                            "node output", n->input[k]);
            r->v[vi].n_use++;
            total++;
        }
    }
    if (!(r->uses = malloc((total ? total : 1) * sizeof *r->uses)))
        return nomem(r);
    size_t at = 0;
    for (size_t i = 0; i < r->nv; i++) {
        r->v[i].first_use = at;
        at += r->v[i].n_use;
        r->v[i].n_use = 0;
    }
    for (size_t i = 0; i < nn; i++) {
        const NodeP *n = g->node[i];
        for (size_t k = 0; k < n->n_input; k++) {
            int vi = input_value(r, n, k);
            if (vi < 0)
                continue;
            value *v = &r->v[vi];
            r->uses[v->first_use + v->n_use++] = (use){(int)i, (int)k};
        }
    }
    for (size_t i = 0; i < r->nv; i++)
        if (r->v[i].is_output && !r->v[i].cst && !r->v[i].is_input && r->v[i].producer < 0)
            return fail(r, OPINFO_EINPUT, "graph output '%.256s' is no node's output",
                        r->v[i].name);
    if (topo(r))
        return -1;
    infer_types(r);
    mark_fold(r);
    mark_shape(r);
    mark_cast_elimination(r);
    if (mark_gelu(r))
        return -1;
    for (size_t i = 0; i < nn; i++)
        if (r->kind[i] == K_EMIT && emit_node(r, (int)i))
            return -1;
    return 0;
}

int oi_onnx_to_qgraph(const char *name, const void *data, size_t len, const char *dir,
                      char **json, size_t *json_len, opinfo_error_t *err)
{
    rd r;
    memset(&r, 0, sizeof r);
    r.name = name ? name : "<buffer>";
    r.dir = dir;
    r.err = err;
    oi_map_init(&r.vmap);
    oi_map_init(&r.names);
    int pb_nomem = 0;
    ProtobufCAllocator al = {pb_alloc, pb_free, &pb_nomem};
    ModelP *m = NULL;
    int rc = OPINFO_OK;
    if (len == 0) {
        rc = fail(&r, OPINFO_EINPUT, "empty file: neither a qgraph nor an ONNX model");
        goto done;
    }
    m = opinfo_onnx__model_proto__unpack(&al, len, data);
    if (!m && pb_nomem) {
        rc = nomem(&r);
        goto done;
    }
    if (!m) {
        rc = fail(&r, OPINFO_EINPUT, "not an ONNX model: the protobuf ModelProto does not parse "
                                     "(truncated, corrupt, or not ONNX)");
        goto done;
    }
    if (!m->has_ir_version || !m->graph) {
        rc = fail(&r, OPINFO_EINPUT, "not an ONNX model: %s", !m->has_ir_version
                                                                 ? "no ir_version"
                                                                 : "no graph");
        goto done;
    }
    /* ONNX's checker: a model of IR version 3 or later names its opsets; one without them is
     * cut short or not ONNX (an empty list would read every op at an unknown version) */
    if (m->ir_version >= 3 && m->n_opset_import == 0) {
        rc = fail(&r, OPINFO_EINPUT, "not an ONNX model: no opset_import (truncated, or not ONNX)");
        goto done;
    }
    oi_json_watch(); /* jansson reports no allocation failure of its own: watched */
    r.tensors = json_array();
    r.nodes = json_array();
    if (!r.tensors || !r.nodes) {
        rc = nomem(&r);
        goto done;
    }
    if (build(&r, m)) {
        rc = -1;
        goto done;
    }
    json_t *doc = json_pack("{s:i, s:{s:s, s:s}, s:O, s:O}", "qgraph", OPINFO_QGRAPH_FORMAT,
                            "producer", "name", "opinfo onnx reader", "version", OPINFO_VERSION,
                            "tensors", r.tensors, "nodes", r.nodes);
    char *text = doc ? oi_json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        rc = nomem(&r);
        goto done;
    }
    *json = text;
    *json_len = strlen(text);
done:
    if (r.tensors && oi_json_failed()) { /* whatever jansson made of it: memory ran out */
        if (!rc) {
            free(*json);
            *json = NULL;
        }
        opinfo_error_init(err);
        r.failed = 0;
        rc = nomem(&r);
    }
    if (rc && err && !err->code)
        oi_set_error(err, OPINFO_EINPUT, r.name, 0, 0, 0, "not a usable ONNX model");
    if (rc)
        rc = err && err->code ? err->code : OPINFO_EINPUT;
    json_decref(r.tensors);
    json_decref(r.nodes);
    for (size_t i = 0; i < r.n_made; i++)
        free(r.made[i]);
    free(r.made);
    free(r.fused_out);
    free(r.fused_in);
    free(r.v);
    free(r.uses);
    free(r.kind);
    free(r.order);
    oi_map_free(&r.vmap);
    oi_map_free(&r.names);
    if (m)
        opinfo_onnx__model_proto__free_unpacked(m, &al);
    return rc;
}
