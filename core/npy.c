/*
 * npy.c: NumPy .npy files for the kernels (format versions 1.0, 2.0 and 3.0).
 *
 * A file is the magic "\x93NUMPY", a version, a header length, a header that is a Python dict
 * literal ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }) padded with spaces and a
 * newline, then the data. Only what a kernel can take is accepted: little-endian, C order,
 * int8/uint8/int16/uint16/int32/float32, and int64/float64 when every value converts exactly
 * (what numpy makes by default). Everything else is refused with the file and the byte offset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "opinfo/plugin.h"

/* 2 GiB; $OPINFO_MAX_INPUT_SIZE raises it (core/util.c) */
#define NPY_MAX_FILE ((size_t)2 << 30)

typedef struct hp {
    const char *name;
    const char *h;   /* the header text */
    size_t n, i;     /* its length, the cursor */
    size_t base;     /* the header's offset in the file */
    opinfo_error_t *err;
} hp;

static int hfail(hp *p, const char *what)
{
    return oi_set_error(p->err, OPINFO_EINPUT, p->name, 0, 0, 0,
                        "%s: byte %zu: .npy header: %s", p->name, p->base + p->i, what);
}

static void ws(hp *p)
{
    while (p->i < p->n && (p->h[p->i] == ' ' || p->h[p->i] == '\t' || p->h[p->i] == '\n'))
        p->i++;
}

static int eat(hp *p, char ch)
{
    ws(p);
    if (p->i < p->n && p->h[p->i] == ch) {
        p->i++;
        return 1;
    }
    return 0;
}

/* A quoted string into out (at most size-1 characters). */
static int str(hp *p, char *out, size_t size)
{
    ws(p);
    if (p->i >= p->n || (p->h[p->i] != '\'' && p->h[p->i] != '"'))
        return hfail(p, "expected a quoted string");
    char q = p->h[p->i++];
    size_t k = 0;
    while (p->i < p->n && p->h[p->i] != q) {
        if (p->h[p->i] == '\\' || k + 1 >= size)
            return hfail(p, "string too long or escaped");
        out[k++] = p->h[p->i++];
    }
    if (p->i >= p->n)
        return hfail(p, "unterminated string");
    p->i++;
    out[k] = '\0';
    return 0;
}

static int parse_header(hp *p, char *descr, size_t dsize, int *fortran, int *rank, int64_t *shape)
{
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    if (!eat(p, '{'))
        return hfail(p, "expected '{'");
    for (;;) {
        if (eat(p, '}'))
            break;
        char key[32];
        ws(p);
        size_t key_at = p->i;
        if (str(p, key, sizeof key))
            return OPINFO_EINPUT;
        if (!eat(p, ':'))
            return hfail(p, "expected ':'");
        ws(p);
        if (strcmp(key, "descr") == 0) {
            if (have_descr)
                return hfail(p, "'descr' given twice");
            if (str(p, descr, dsize))
                return OPINFO_EINPUT;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_fortran)
                return hfail(p, "'fortran_order' given twice");
            if (p->n - p->i >= 4 && memcmp(p->h + p->i, "True", 4) == 0)
                *fortran = 1, p->i += 4;
            else if (p->n - p->i >= 5 && memcmp(p->h + p->i, "False", 5) == 0)
                *fortran = 0, p->i += 5;
            else
                return hfail(p, "'fortran_order' must be True or False");
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape)
                return hfail(p, "'shape' given twice");
            if (!eat(p, '('))
                return hfail(p, "'shape' must be a tuple");
            *rank = 0;
            for (;;) {
                if (eat(p, ')'))
                    break;
                ws(p);
                if (p->i >= p->n || p->h[p->i] < '0' || p->h[p->i] > '9')
                    return hfail(p, "a dimension must be a non-negative integer");
                int64_t v = 0;
                size_t dim_at = p->i;
                while (p->i < p->n && p->h[p->i] >= '0' && p->h[p->i] <= '9') {
                    if (v > (INT64_MAX - 9) / 10)
                        return hfail(p, "a dimension is too large");
                    v = v * 10 + (p->h[p->i++] - '0');
                }
                if (p->i < p->n && p->h[p->i] == 'L')
                    p->i++;
                if (*rank == OPINFO_TENSOR_MAX_RANK) {
                    p->i = dim_at;
                    return hfail(p, "more than 8 dimensions");
                }
                shape[(*rank)++] = v;
                if (!eat(p, ',')) {
                    if (!eat(p, ')'))
                        return hfail(p, "expected ',' or ')' in 'shape'");
                    break;
                }
            }
            have_shape = 1;
        } else {
            p->i = key_at;
            return hfail(p, "unknown key (expected descr, fortran_order, shape)");
        }
        if (!eat(p, ',')) {
            if (!eat(p, '}'))
                return hfail(p, "expected ',' or '}'");
            break;
        }
    }
    ws(p);
    if (p->i != p->n)
        return hfail(p, "text after the dictionary");
    if (!have_descr || !have_fortran || !have_shape)
        return hfail(p, "the dictionary needs descr, fortran_order and shape");
    return 0;
}

typedef struct npy_type {
    const char *descr;
    int32_t dtype;   /* what the kernel sees */
    size_t size;     /* bytes per element in the file */
    int kind;        /* 0 as is, 1 int64 -> int32, 2 float64 -> float32 */
} npy_type;

static const npy_type types[] = {
    {"|i1", OPINFO_DTYPE_INT8, 1, 0},    {"<i1", OPINFO_DTYPE_INT8, 1, 0},
    {"|u1", OPINFO_DTYPE_UINT8, 1, 0},   {"<u1", OPINFO_DTYPE_UINT8, 1, 0},
    {"<i2", OPINFO_DTYPE_INT16, 2, 0},   {"<u2", OPINFO_DTYPE_UINT16, 2, 0},
    {"<i4", OPINFO_DTYPE_INT32, 4, 0},   {"<f4", OPINFO_DTYPE_FLOAT32, 4, 0},
    {"<i8", OPINFO_DTYPE_INT32, 8, 1},   {"<f8", OPINFO_DTYPE_FLOAT32, 8, 2},
};

static uint64_t le(const unsigned char *b, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | b[i];
    return v;
}

int opinfo_npy_parse(const char *name, const void *data, size_t len, opinfo_tensor *out,
                     opinfo_error_t *err)
{
    const unsigned char *b = data;
    if (!name)
        name = "<buffer>";
    if (!data || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_npy_parse: NULL argument");
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte 0: not a .npy file (no \\x93NUMPY magic)", name);
    unsigned major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte 6: .npy format version %u.%u is not 1.0, 2.0 or 3.0", name,
                            major, minor);
    size_t hl_size = major == 1 ? 2 : 4, start = 8 + hl_size;
    if (len < start)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte 8: the file ends inside the header length", name);
    uint64_t hlen = le(b + 8, hl_size);
    if (hlen > len - start)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte 8: header length %llu runs past the end of the %zu-byte file",
                            name, (unsigned long long)hlen, len);
    for (size_t i = 0; i < hlen; i++)
        if (b[start + i] == 0 || (b[start + i] & 0x80))
            return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                                "%s: byte %zu: .npy header: not ASCII text", name, start + i);
    hp p = {name, (const char *)b + start, (size_t)hlen, 0, start, err};
    char descr[16];
    int fortran = 0, rank = 0;
    int64_t shape[OPINFO_TENSOR_MAX_RANK];
    if (parse_header(&p, descr, sizeof descr, &fortran, &rank, shape))
        return OPINFO_EINPUT;
    if (fortran)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte %zu: .npy header: Fortran order is not supported (save a "
                            "C-contiguous array)", name, start);
    const npy_type *t = NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].descr, descr) == 0)
            t = &types[i];
    if (!t)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte %zu: .npy dtype '%s' is not supported (little-endian int8, "
                            "uint8, int16, uint16, int32, int64, float32, float64)%s",
                            name, start, descr,
                            descr[0] == '>' ? ": the file is big-endian" : "");
    size_t count = 1;
    for (int d = 0; d < rank; d++) {
        if (shape[d] && count > (SIZE_MAX / 16) / (size_t)shape[d])
            return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                                "%s: byte %zu: .npy shape overflows", name, start);
        count *= (size_t)shape[d];
    }
    size_t body = len - start - (size_t)hlen;
    if (body != count * t->size)
        return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                            "%s: byte %zu: the shape needs %zu bytes of data, the file has %zu",
                            name, start + (size_t)hlen, count * t->size, body);
    size_t es = t->kind ? 4 : t->size;
    void *buf = malloc((count * es) > 0 ? count * es : 1);
    if (!buf)
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory");
    const unsigned char *src = b + start + hlen;
    for (size_t i = 0; i < count; i++) {
        uint64_t v = le(src + i * t->size, t->size);
        if (t->kind == 1) {
            int64_t s = (int64_t)v;
            if (v > INT64_MAX)
                s = -(int64_t)(~v) - 1;
            if (s < INT32_MIN || s > INT32_MAX) {
                free(buf);
                return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                                    "%s: byte %zu: int64 element %zu = %lld does not fit int32",
                                    name, start + (size_t)hlen + i * 8, i, (long long)s);
            }
            ((int32_t *)buf)[i] = (int32_t)s;
        } else if (t->kind == 2) {
            double dv;
            memcpy(&dv, &v, sizeof dv);
            float f = (float)dv;
            if (!(isnan(dv) || (double)f == dv)) {
                free(buf);
                return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                                    "%s: byte %zu: float64 element %zu = %.17g is not exactly a "
                                    "float32 (save float32)",
                                    name, start + (size_t)hlen + i * 8, i, dv);
            }
            ((float *)buf)[i] = f;
        } else if (t->size == 1) {
            ((uint8_t *)buf)[i] = (uint8_t)v;
        } else if (t->size == 2) {
            uint16_t u = (uint16_t)v;
            memcpy((char *)buf + i * 2, &u, 2);
        } else {
            uint32_t u = (uint32_t)v;
            memcpy((char *)buf + i * 4, &u, 4);
        }
    }
    memset(out, 0, sizeof *out);
    out->dtype = t->dtype;
    out->rank = rank;
    memcpy(out->shape, shape, (size_t)rank * sizeof *shape);
    out->data = buf;
    return OPINFO_OK;
}

int opinfo_npy_read(const char *path, opinfo_tensor *out, opinfo_error_t *err)
{
    char *data;
    size_t len;
    if (!path || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_npy_read: NULL argument");
    opinfo_error_t re; /* the kernels' messages name the file in their text */
    opinfo_error_init(&re);
    int rc = oi_read_input(path, NPY_MAX_FILE, "\x93NUMPY", &data, &len, &re);
    if (rc)
        return oi_set_error(err, rc, re.source, 0, 0, re.position, "%s: %s", re.source, re.text);
    rc = opinfo_npy_parse(path, data, len, out, err);
    free(data);
    return rc;
}

static const char *descr_of(int32_t dtype, size_t *size)
{
    switch (dtype) {
    case OPINFO_DTYPE_INT8: *size = 1; return "|i1";
    case OPINFO_DTYPE_UINT8: *size = 1; return "|u1";
    case OPINFO_DTYPE_INT16: *size = 2; return "<i2";
    case OPINFO_DTYPE_UINT16: *size = 2; return "<u2";
    case OPINFO_DTYPE_INT32: *size = 4; return "<i4";
    case OPINFO_DTYPE_FLOAT32: *size = 4; return "<f4";
    default: return NULL;
    }
}

int opinfo_npy_write(const char *path, const opinfo_tensor *t, opinfo_error_t *err)
{
    size_t es;
    const char *descr;
    if (!path || !t)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_npy_write: NULL argument");
    if (!(descr = descr_of(t->dtype, &es)))
        return oi_set_error(err, OPINFO_EUSAGE, path, 0, 0, 0,
                            "%s: dtype %d cannot be written as .npy", path, (int)t->dtype);
    if (t->rank < 0 || t->rank > OPINFO_TENSOR_MAX_RANK)
        return oi_set_error(err, OPINFO_EUSAGE, path, 0, 0, 0, "%s: rank %d", path, (int)t->rank);
    /* numpy writes () for a scalar, (4,) for one dimension and (2, 3) for more */
    char shape[OPINFO_TENSOR_MAX_RANK * 24 + 8] = "";
    size_t off = 0, count = 1;
    for (int d = 0; d < t->rank; d++) {
        off += (size_t)snprintf(shape + off, sizeof shape - off, "%s%lld", d ? ", " : "",
                                (long long)t->shape[d]);
        count *= (size_t)t->shape[d];
    }
    if (t->rank == 1)
        snprintf(shape + off, sizeof shape - off, ",");
    char header[sizeof shape + 128];
    int hn = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                      descr, shape);
    size_t total = 10 + (size_t)hn + 1, pad = (64 - total % 64) % 64;
    oi_buf b;
    oi_buf_init(&b);
    oi_buf_add(&b, "\x93NUMPY\x01\x00", 8);
    size_t hlen = (size_t)hn + pad + 1;
    unsigned char hl[2] = {(unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    oi_buf_add(&b, (const char *)hl, 2);
    oi_buf_add(&b, header, (size_t)hn);
    for (size_t i = 0; i < pad; i++)
        oi_buf_add(&b, " ", 1);
    oi_buf_add(&b, "\n", 1);
    if (b.failed) {
        oi_buf_free(&b);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    /* core/outfile.c: a new file renamed over a regular one; a device or FIFO written straight */
    const void *parts[2] = {b.data, t->data};
    size_t lens[2] = {b.len, count * es};
    char msg[1200];
    int rc = OPINFO_OK;
    if (oi_outfile_writev(path, parts, lens, count ? 2 : 1, msg, sizeof msg) != 0)
        rc = oi_set_error(err, errno == ENOMEM ? OPINFO_ENOMEM : OPINFO_EIO, path, 0, 0, 0, "%s",
                          msg);
    oi_buf_free(&b);
    return rc;
}
