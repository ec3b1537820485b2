/* String buffer, file reading and small string helpers. */
#include <jansson.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- reading input files ---------------------------------------------------------------------
 * Every input is untrusted, /dev/zero and a 100 GB file included. A regular file is measured
 * first and refused before a byte is read when it is over the limit; otherwise it is read into
 * one buffer of its size. Anything else (stdin, a pipe, a FIFO, a character device) is streamed
 * in chunks up to the limit, and refused at the first chunk that cannot be the format: a NUL byte
 * in a JSON text, a .npy stream without its magic. The limit is the caller's default for the
 * format, or $OPINFO_MAX_INPUT_SIZE (bytes; K, M, G, T suffixes in powers of 1024) when set. */

#define MAX_INPUT_ENV "OPINFO_MAX_INPUT_SIZE"

/* 0 and *out, or -1 when the variable is set but not a size */
int oi_input_limit(size_t *out)
{
    const char *v = getenv(MAX_INPUT_ENV);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || errno || *v == '-')
        return -1;
    unsigned shift = 0;
    if (*end) {
        const char *units = "KMGT", *u = strchr(units, *end);
        if (!u || !*u || (end[1] && !(end[1] == 'i' && end[2] == 'B' && !end[3]) &&
                          !(end[1] == 'B' && !end[2])))
            return -1;
        shift = 10u * (unsigned)(u - units + 1);
    }
    if (n > ((unsigned long long)SIZE_MAX >> shift))
        return -1;
    *out = (size_t)(n << shift);
    return 0;
}

static int too_big(opinfo_error_t *err, const char *name, long at, size_t max)
{
    return oi_set_error(err, OPINFO_EINPUT, name, 0, 0, at,
                        "file is larger than the limit of %zu bytes (set " MAX_INPUT_ENV
                        " to raise it)", max);
}

int oi_read_input(const char *path, size_t max, const char *magic, char **out, size_t *len,
                  opinfo_error_t *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    if (oi_input_limit(&max) != 0)
        return oi_set_error(err, OPINFO_EUSAGE, name, 0, 0, 0,
                            MAX_INPUT_ENV "=\"%s\" is not a size (bytes, or with K, M, G, T)",
                            getenv(MAX_INPUT_ENV));
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return oi_set_error(err, OPINFO_EIO, name, 0, 0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    int rc = OPINFO_OK;
    char *data = NULL;
    size_t n = 0, cap = 0;
    int regular = 0;
    if (fstat(fd, &sb) != 0) {
        rc = oi_set_error(err, OPINFO_EIO, name, 0, 0, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (S_ISDIR(sb.st_mode)) {
        rc = oi_set_error(err, OPINFO_EIO, name, 0, 0, 0, "is a directory");
        goto out;
    }
    regular = S_ISREG(sb.st_mode);
    if (regular && (unsigned long long)sb.st_size > max) { /* not a byte read */
        rc = too_big(err, name, 0, max);
        goto out;
    }
    /* one buffer of the file's size (and a byte, to see that it did not grow); chunks of a
     * stream, doubling */
    cap = regular ? (size_t)sb.st_size + 2 : 65536;
    for (;;) {
        if (!data || n + 1 >= cap) {
            size_t nc = !data ? cap : cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
            if (data && max < SIZE_MAX - 2 && nc > max + 2)
                nc = max + 2; /* enough to see one byte over the limit */
            if (data && nc <= cap) {
                rc = too_big(err, name, (long)n, max);
                goto out;
            }
            char *nd = realloc(data, nc);
            if (!nd) {
                rc = oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, (long)n,
                                  "out of memory reading the file (at byte %zu)", n);
                goto out;
            }
            data = nd;
            cap = nc;
        }
        ssize_t r = read(fd, data + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = oi_set_error(err, OPINFO_EIO, name, 0, 0, (long)n, "read error: %s",
                              strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        size_t was = n;
        n += (size_t)r;
        if (n > max) {
            rc = too_big(err, name, (long)max, max);
            goto out;
        }
        if (!regular) { /* a stream: refuse what cannot be the format as soon as it shows */
            /* magic "": a JSON text or a protobuf message, told by the first byte (no protobuf
             * field is numbered 0, so a NUL never starts one): JSON's rule for a JSON start */
            int either = magic && !*magic;
            if (either && n > 0 && strchr("{[ \t\r\n", data[0]) && data[0])
                magic = NULL;
            if (either && n > 0 && data[0] == '\0')
                magic = NULL;
            if (magic) {
                size_t ml = strlen(magic);
                for (size_t i = was; i < n && i < ml; i++)
                    if (data[i] != magic[i]) {
                        rc = oi_set_error(err, OPINFO_EINPUT, name, 0, 0, (long)i,
                                          "byte %zu: not a %s stream (its magic is missing), "
                                          "not reading on", i, ml == 6 ? ".npy" : "binary");
                        goto out;
                    }
            } else {
                const char *z = memchr(data + was, '\0', n - was);
                if (z) {
                    size_t at = (size_t)(z - data);
                    rc = oi_set_error(err, OPINFO_EINPUT, name, 0, 0, (long)at,
                                      "byte %zu: a NUL byte, so not a JSON text; not reading on",
                                      at);
                    goto out;
                }
            }
        }
    }
    data[n] = '\0';
out:
    if (!is_stdin)
        close(fd);
    if (rc != OPINFO_OK) {
        free(data);
        return rc;
    }
    if (!data && !(data = calloc(1, 1)))
        return oi_set_error(err, OPINFO_ENOMEM, name, 0, 0, 0, "out of memory reading file");
    *out = data;
    *len = n;
    return OPINFO_OK;
}

int oi_read_file(const char *path, size_t max, char **out, size_t *len, opinfo_error_t *err)
{
    return oi_read_input(path, max, NULL, out, len, err);
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

/* The trees of a streamed parse (one qgraph element at a time, each freed before the next) are
 * many small allocations that die together. In a host whose heap is large and fragmented (a
 * Python process that has run torch) each one is a walk through cold free lists; a buffer of
 * the parse's own, reused from its start whenever nothing in it is alive, keeps them in a few
 * warm cache lines. Per thread: the buffer, and whether allocations go there now. */
#define JSON_ARENA_SIZE (32 * 1024)
typedef struct json_arena {
    char *base;    /* NULL: none */
    size_t used;
    size_t live;   /* allocations in the buffer not yet freed */
    int active;    /* allocations go to the buffer */
    int depth;     /* nested oi_json_arena_begin */
    int retired;   /* the parse ended with allocations alive: freed with the last of them */
} json_arena;
static _Thread_local json_arena jarena;

static void *json_counting_malloc(size_t n)
{
    json_arena *a = &jarena;
    if (a->active) {
        size_t need = (n + 15) & ~(size_t)15;
        if (need >= n && JSON_ARENA_SIZE - a->used >= need) {
            void *p = a->base + a->used;
            a->used += need;
            a->live++;
            return p;
        }
    }
    void *p = json_prev_malloc(n);
    if (!p)
        json_alloc_failed = 1;
    return p;
}

static void json_arena_free(void *p)
{
    json_arena *a = &jarena;
    if (p && a->base && (char *)p >= a->base && (char *)p < a->base + JSON_ARENA_SIZE) {
        if (--a->live == 0) {
            a->used = 0;
            if (a->retired) {
                json_prev_free(a->base);
                memset(a, 0, sizeof *a);
            }
        }
        return;
    }
    json_prev_free(p);
}

static void json_install(void)
{
    json_get_alloc_funcs(&json_prev_malloc, &json_prev_free);
    if (!json_prev_malloc)
        json_prev_malloc = malloc;
    if (!json_prev_free)
        json_prev_free = free;
    json_set_alloc_funcs(json_counting_malloc, json_arena_free);
}

void oi_json_arena_begin(void)
{
    pthread_once(&json_once, json_install);
    json_arena *a = &jarena;
    if (a->depth++ > 0 || a->base)
        return; /* nested, or a retired buffer still in use: no new one */
    a->base = json_prev_malloc(JSON_ARENA_SIZE);
    a->used = a->live = 0;
}

/* jansson's allocator is one per process, and a host may set its own at any time, also from
 * code that runs in the middle of a parse (a progress callback, a plugin loaded on first use).
 * A value must be freed by the allocator that made it: an arena value handed to the host's free
 * would be a pointer that free never gave out. So the parse makes and frees its values with
 * this library's functions alone: where the host has set others, they are put back in place
 * for the parse's own jansson call (oi_json_mine) and the host's are restored right after
 * (oi_json_theirs), before anything else runs. Without such a host, both are two loads. */
oi_json_funcs oi_json_mine(void)
{
    pthread_once(&json_once, json_install);
    oi_json_funcs h = {NULL, NULL, 0};
    json_get_alloc_funcs(&h.m, &h.f);
    if (h.m != json_counting_malloc || h.f != json_arena_free) {
        h.swapped = 1;
        json_set_alloc_funcs(json_counting_malloc, json_arena_free);
    }
    return h;
}

void oi_json_theirs(oi_json_funcs h)
{
    if (h.swapped)
        json_set_alloc_funcs(h.m, h.f);
}

void oi_json_drop(json_t *v)
{
    if (!v)
        return;
    oi_json_funcs h = oi_json_mine();
    json_decref(v);
    oi_json_theirs(h);
}

void oi_json_arena_on(int on)
{
    jarena.active = on && jarena.base && !jarena.retired;
}

void oi_json_arena_end(void)
{
    json_arena *a = &jarena;
    if (a->depth == 0 || --a->depth > 0)
        return;
    a->active = 0;
    if (!a->base)
        return;
    if (a->live == 0) {
        json_prev_free(a->base);
        memset(a, 0, sizeof *a);
    } else
        a->retired = 1; /* a value outlived the parse: its memory stays until it is freed */
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

/* json_dumps' text comes from jansson's allocator, which is the host's where it has set one
 * (before this library's first use or since): freeing or growing it with free or realloc would
 * mix two allocators. The library's own texts are therefore made here, with malloc. */
static int dump_put(const char *text, size_t size, void *data)
{
    oi_buf *b = data;
    oi_buf_add(b, text, size);
    return b->failed ? -1 : 0;
}

char *oi_json_dumps(const json_t *v, size_t flags)
{
    oi_buf b;
    oi_buf_init(&b);
    if (!v || json_dump_callback(v, dump_put, &b, flags) != 0) {
        oi_buf_free(&b);
        return NULL;
    }
    return oi_buf_steal(&b); /* NULL when it failed to grow; "" when nothing was written */
}
