/* A fast path in front of jansson for the values a reader parses one at a time (the qgraph
 * reader's tensors and nodes). jansson reads its input one character at a time through a
 * callback, checking UTF-8 and saving each character: on a typical qgraph that is most of a
 * parse. This reader takes the plain subset of JSON that exporters write: ASCII strings without
 * escapes, numbers that fit (integers of at most 18 digits, reals of at most 63 characters),
 * objects without duplicate keys, nesting of at most 64 levels. It builds the same jansson
 * values jansson would, through jansson's own constructors (so allocation is watched as
 * before), and it declines anything else: an escape, a non-ASCII byte, a control character, a
 * number jansson would refuse or read differently, any syntax error, an allocation failure, a
 * locale whose decimal point is not '.'. A declined value is parsed again by jansson, which
 * accepts it or reports its own error exactly as before, so nothing a caller sees changes but
 * the time. */
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define FAST_MAX_DEPTH 64

typedef struct fast {
    const char *t;
    size_t n, i;
    int reals; /* 0 unknown, 1 strtod reads '.', -1 it does not (decline reals) */
} fast;

static void fws(fast *f)
{
    while (f->i < f->n) {
        char c = f->t[f->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        f->i++;
    }
}

/* A string at f->i (its opening quote): start and length of its bytes, or -1 to decline. */
static int fstr(fast *f, const char **s, size_t *len)
{
    size_t j = f->i + 1;
    const unsigned char *t = (const unsigned char *)f->t;
    while (j < f->n) {
        unsigned char c = t[j];
        if (c == '"') {
            *s = f->t + f->i + 1;
            *len = j - f->i - 1;
            f->i = j + 1;
            return 0;
        }
        if (c < 0x20 || c >= 0x80 || c == '\\')
            return -1;
        j++;
    }
    return -1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static json_t *fnum(fast *f)
{
    size_t s = f->i, j = s;
    const char *t = f->t;
    if (j < f->n && t[j] == '-')
        j++;
    if (j >= f->n || !is_digit(t[j]))
        return NULL;
    if (t[j] == '0') {
        j++;
        if (j < f->n && is_digit(t[j]))
            return NULL; /* a leading zero: jansson's error */
    } else
        while (j < f->n && is_digit(t[j]))
            j++;
    int real = 0;
    if (j < f->n && t[j] == '.') {
        real = 1;
        j++;
        if (j >= f->n || !is_digit(t[j]))
            return NULL;
        while (j < f->n && is_digit(t[j]))
            j++;
    }
    if (j < f->n && (t[j] == 'e' || t[j] == 'E')) {
        real = 1;
        j++;
        if (j < f->n && (t[j] == '+' || t[j] == '-'))
            j++;
        if (j >= f->n || !is_digit(t[j]))
            return NULL;
        while (j < f->n && is_digit(t[j]))
            j++;
    }
    size_t len = j - s;
    if (!real) {
        size_t digits = len - (t[s] == '-');
        if (digits > 18)
            return NULL; /* may not fit: jansson judges */
        json_int_t v = 0;
        for (size_t k = s + (t[s] == '-'); k < j; k++)
            v = v * 10 + (t[k] - '0');
        f->i = j;
        return json_integer(t[s] == '-' ? -v : v);
    }
    if (f->reals == 0) {
        const char *dp = localeconv()->decimal_point;
        f->reals = dp && dp[0] == '.' && dp[1] == '\0' ? 1 : -1;
    }
    char buf[64];
    if (f->reals < 0 || len >= sizeof buf)
        return NULL;
    memcpy(buf, t + s, len);
    buf[len] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + len || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
        return NULL; /* overflow: jansson's error */
    f->i = j;
    return json_real(d);
}

static json_t *fvalue(fast *f, int depth);

/* After a value inside an array or object: whitespace, then ',' or the closer. */
static int fnext(fast *f, char closer)
{
    fws(f);
    if (f->i >= f->n)
        return -1;
    char c = f->t[f->i];
    if (c == ',') {
        f->i++;
        fws(f);
        return 1;
    }
    if (c == closer) {
        f->i++;
        return 0;
    }
    return -1;
}

static json_t *fobject(fast *f, int depth)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    f->i++;
    fws(f);
    if (f->i < f->n && f->t[f->i] == '}') {
        f->i++;
        return o;
    }
    for (;;) {
        const char *k;
        size_t klen;
        if (f->i >= f->n || f->t[f->i] != '"' || fstr(f, &k, &klen) != 0)
            goto decline;
        fws(f);
        if (f->i >= f->n || f->t[f->i] != ':')
            goto decline;
        f->i++;
        fws(f);
        if (json_object_getn(o, k, klen))
            goto decline; /* a duplicate key: jansson's error */
        json_t *v = fvalue(f, depth + 1);
        if (!v || json_object_setn_new_nocheck(o, k, klen, v) != 0)
            goto decline; /* setn frees v when it fails */
        int more = fnext(f, '}');
        if (more < 0)
            goto decline;
        if (!more)
            return o;
    }
decline:
    json_decref(o);
    return NULL;
}

static json_t *farray(fast *f, int depth)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    f->i++;
    fws(f);
    if (f->i < f->n && f->t[f->i] == ']') {
        f->i++;
        return a;
    }
    for (;;) {
        json_t *v = fvalue(f, depth + 1);
        if (!v || json_array_append_new(a, v) != 0)
            goto decline;
        int more = fnext(f, ']');
        if (more < 0)
            goto decline;
        if (!more)
            return a;
    }
decline:
    json_decref(a);
    return NULL;
}

static json_t *fword(fast *f, const char *w, size_t len, json_t *v)
{
    if (f->n - f->i < len || memcmp(f->t + f->i, w, len) != 0)
        return NULL;
    size_t j = f->i + len;
    if (j < f->n) {
        char c = f->t[j];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return NULL; /* "truex": jansson reads the whole word and refuses it */
    }
    f->i = j;
    return v;
}

static json_t *fvalue(fast *f, int depth)
{
    if (f->i >= f->n || depth > FAST_MAX_DEPTH)
        return NULL;
    switch (f->t[f->i]) {
    case '{':
        return fobject(f, depth);
    case '[':
        return farray(f, depth);
    case '"': {
        const char *s;
        size_t len;
        if (fstr(f, &s, &len) != 0)
            return NULL;
        return json_stringn_nocheck(s, len);
    }
    case 't':
        return fword(f, "true", 4, json_true());
    case 'f':
        return fword(f, "false", 5, json_false());
    case 'n':
        return fword(f, "null", 4, json_null());
    default:
        return fnum(f);
    }
}

json_t *oi_json_fast(const char *text, size_t len, size_t *i)
{
    fast f = {text, len, *i, 0};
    json_t *v = fvalue(&f, 0);
    if (v)
        *i = f.i;
    return v;
}
