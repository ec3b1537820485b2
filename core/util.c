/* String buffer, file reading and small string helpers. */
#include <jansson.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void oi_buf_init(oi_buf *b) { memset(b, 0, sizeof *b); }

void oi_buf_free(oi_buf *b)
{
    free(b->data);
    oi_buf_init(b);
}

static int buf_reserve(oi_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > ((size_t)-1) / 2 - b->len) {
        b->failed = 1;
        return -1;
    }
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void oi_buf_add(oi_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void oi_buf_puts(oi_buf *b, const char *s) { oi_buf_add(b, s, strlen(s)); }

void oi_buf_printf(oi_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *oi_buf_steal(oi_buf *b)
{
    if (b->failed) {
        oi_buf_free(b);
        return NULL;
    }
    if (!b->data) {
        if (buf_reserve(b, 0) != 0)
            return NULL;
        b->data[0] = '\0';
    }
    char *s = b->data;
    oi_buf_init(b);
    return s;
}

char *oi_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int oi_read_file(const char *path, size_t max, char **out, size_t *len, opinfo_error_t *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return oi_set_error(err, OPINFO_EIO, name, 0, 0, 0, "cannot open: %s", strerror(errno));
    oi_buf b;
    oi_buf_init(&b);
    char chunk[65536];
    size_t n;
    int rc = OPINFO_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            rc = oi_set_error(err, OPINFO_EINPUT, name, 0, 0, (long)b.len,
                              "file is larger than the limit of %zu bytes", max);
            break;
        }
        oi_buf_add(&b, chunk, n);
        if (b.failed) {
            rc = oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory reading file");
            break;
        }
    }
    if (rc == OPINFO_OK && ferror(f))
        rc = oi_set_error(err, OPINFO_EIO, name, 0, 0, 0, "read error: %s", strerror(errno));
    if (!is_stdin)
        fclose(f);
    if (rc != OPINFO_OK) {
        oi_buf_free(&b);
        return rc;
    }
    size_t l = b.len;
    char *s = oi_buf_steal(&b);
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory reading file");
    *out = s;
    *len = l;
    return OPINFO_OK;
}

/* ---- jansson's allocations ------------------------------------------------------------------
 * jansson drops some allocation failures inside its parser (a string's buffer that cannot grow
 * loses the byte), which would turn "out of memory" into a wrong name or a misleading syntax
 * error. Its allocator is therefore wrapped, once, around whatever allocator jansson had (the
 * host's, if it set one first): a failed allocation is remembered per thread, and every parse
 * that saw one reports OPINFO_ENOMEM instead of its result. */

static json_malloc_t json_prev_malloc;
static json_free_t json_prev_free;
static _Thread_local int json_alloc_failed;
static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void *json_counting_malloc(size_t n)
{
    void *p = json_prev_malloc(n);
    if (!p)
        json_alloc_failed = 1;
    return p;
}

static void json_install(void)
{
    json_get_alloc_funcs(&json_prev_malloc, &json_prev_free);
    if (!json_prev_malloc)
        json_prev_malloc = malloc;
    if (!json_prev_free)
        json_prev_free = free;
    json_set_alloc_funcs(json_counting_malloc, json_prev_free);
}

void oi_json_watch(void)
{
    pthread_once(&json_once, json_install);
    json_alloc_failed = 0;
}

int oi_json_failed(void)
{
    int f = json_alloc_failed;
    json_alloc_failed = 0;
    return f;
}
