/*
 * Internal helpers shared by every part of libopinfo: error filling, a growable string buffer,
 * file reading and JSON value positions. Never exported; never prints.
 */
#ifndef OPINFO_CORE_INTERNAL_H
#define OPINFO_CORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "opinfo.h"

#define OPINFO_INTERNAL __attribute__((visibility("hidden")))

#if defined(__GNUC__)
#define OPINFO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define OPINFO_PRINTF(a, b)
/* Bump allocator: many small allocations freed together. */
typedef struct oi_arena_chunk oi_arena_chunk;
typedef struct oi_arena {
    oi_arena_chunk *head;
} oi_arena;

OPINFO_INTERNAL void *oi_arena_alloc(oi_arena *a, size_t n); /* zeroed, 16-aligned */
OPINFO_INTERNAL char *oi_arena_strdup(oi_arena *a, const char *s); /* NULL in, NULL out */
OPINFO_INTERNAL void oi_arena_free(oi_arena *a);

/* String-keyed hash map (open addressing). Keys are copied; values are borrowed. */
typedef struct oi_map {
    struct oi_map_slot *slots;
    size_t cap, count;
    int borrow; /* oi_map_put_new keeps its keys' pointers (they outlive the map) */
} oi_map;

OPINFO_INTERNAL void oi_map_init(oi_map *m);
OPINFO_INTERNAL void oi_map_free(oi_map *m);
/* 0 on success, -1 on allocation failure. Replaces an existing value. */
OPINFO_INTERNAL int oi_map_put(oi_map *m, const char *key, void *value);
/* 1 and *value when found, 0 when not. */
OPINFO_INTERNAL int oi_map_get(const oi_map *m, const char *key, void **value);

#endif

/* Fills err (first error wins) and returns code. source may be NULL. */
OPINFO_INTERNAL int oi_set_error(opinfo_error_t *err, int code, const char *source, int line,
                                 int column, long position, const char *fmt, ...)
    OPINFO_PRINTF(7, 8);
OPINFO_INTERNAL int oi_set_errorv(opinfo_error_t *err, int code, const char *source, int line,
                                  int column, long position, const char *fmt, va_list ap)
    OPINFO_PRINTF(7, 0);

/* Growable NUL-terminated buffer. On allocation failure it sets failed and keeps what it has. */
typedef struct oi_buf {
    char *data;
    size_t len, cap;
    int failed;
} oi_buf;

OPINFO_INTERNAL void oi_buf_init(oi_buf *b);
OPINFO_INTERNAL void oi_buf_free(oi_buf *b);
OPINFO_INTERNAL void oi_buf_add(oi_buf *b, const char *s, size_t n);
OPINFO_INTERNAL void oi_buf_puts(oi_buf *b, const char *s);
OPINFO_INTERNAL void oi_buf_printf(oi_buf *b, const char *fmt, ...) OPINFO_PRINTF(2, 3);
/* Hands the string over (caller frees); NULL when the buffer failed. */
OPINFO_INTERNAL char *oi_buf_steal(oi_buf *b);

/* Reads a whole file ("-" = stdin) into a NUL-terminated malloc'd buffer, at most max bytes
 * ($OPINFO_MAX_INPUT_SIZE replaces max when set). A regular file over the limit is refused before
 * a byte is read; a stream (pipe, FIFO, device) is read in chunks and refused at its first NUL
 * byte (oi_read_file: JSON texts) or the first byte that differs from magic (oi_read_input). */
OPINFO_INTERNAL int oi_read_file(const char *path, size_t max, char **out, size_t *len,
                                 opinfo_error_t *err);
OPINFO_INTERNAL int oi_read_input(const char *path, size_t max, const char *magic, char **out,
                                  size_t *len, opinfo_error_t *err);

/* *max replaced by $OPINFO_MAX_INPUT_SIZE when set; -1 when it is set but not a size */
OPINFO_INTERNAL int oi_input_limit(size_t *max);

OPINFO_INTERNAL char *oi_strdup(const char *s);

/* A read snapshot of the database around a whole check (db/db.c). */
OPINFO_INTERNAL int oi_db_snapshot_begin(opinfo_db *db);
OPINFO_INTERNAL void oi_db_snapshot_end(opinfo_db *db, int began);

/* Around a jansson parse: oi_json_watch() before, oi_json_failed() after; 1 when jansson failed
 * to allocate in between (its result must then be dropped: OPINFO_ENOMEM). */
OPINFO_INTERNAL void oi_json_watch(void);
OPINFO_INTERNAL int oi_json_failed(void);

/* Around a parse that makes many short-lived jansson values: oi_json_arena_begin() before,
 * oi_json_arena_end() after (on every path); in between, oi_json_arena_on(1) while a value is
 * being parsed and oi_json_arena_on(0) after. Values made then live in a per-thread buffer that
 * is reused whenever all of them have been freed; their json_decref works as for any other. */
OPINFO_INTERNAL void oi_json_arena_begin(void);
OPINFO_INTERNAL void oi_json_arena_on(int on);
OPINFO_INTERNAL void oi_json_arena_end(void);
/* Values of such a parse are made and freed with this library's jansson allocator even where
 * the host has set another since (from a callback, say): each jansson call of the parse that
 * allocates or frees sits between h = oi_json_mine() and oi_json_theirs(h); oi_json_drop(v) is
 * json_decref(v) so placed. */
typedef struct oi_json_funcs {
    void *(*m)(size_t); /* the host's, while swapped */
    void (*f)(void *);
    int swapped;
} oi_json_funcs;
OPINFO_INTERNAL oi_json_funcs oi_json_mine(void);
OPINFO_INTERNAL void oi_json_theirs(oi_json_funcs h);
struct json_t;
OPINFO_INTERNAL void oi_json_drop(struct json_t *v);
/* json_dumps, the text made with malloc (free it with free): jansson's own comes from its
 * allocator, which may be the host's. NULL where json_dumps would give NULL. */
OPINFO_INTERNAL char *oi_json_dumps(const struct json_t *v, size_t flags);

/* A path into a JSON document: object keys and array indexes, outermost first. */
#define OI_JPATH_MAX 16
typedef struct oi_jpath {
    int depth;
    struct {
        const char *key; /* NULL for an array index */
        size_t index;
    } step[OI_JPATH_MAX];
} oi_jpath;

OPINFO_INTERNAL void oi_jpath_push_key(oi_jpath *p, const char *key);
OPINFO_INTERNAL void oi_jpath_push_index(oi_jpath *p, size_t index);
OPINFO_INTERNAL void oi_jpath_pop(oi_jpath *p);
/* Renders "/ops/3/variants/0" into buf. */
OPINFO_INTERNAL void oi_jpath_format(const oi_jpath *p, char *buf, size_t n);

/* Finds where the value at path starts in the JSON text (or, with at_key, where its key
 * starts). Returns 0 and 1-based line/column (characters) and the byte offset, or -1 when the
 * path does not resolve (then the position of the deepest part that did). */
OPINFO_INTERNAL int oi_json_locate(const char *text, size_t len, const oi_jpath *path, int at_key,
                                   int *line, int *column, long *position);
/* Byte offsets of the elements of the array at path, in one scan: offsets[i] for element i,
 * at most n. Returns how many were found. */
OPINFO_INTERNAL size_t oi_json_array_offsets(const char *text, size_t len, const oi_jpath *path,
                                             long *offsets, size_t n);
/* A minimal scanner for callers that walk a document's outer structure themselves (the qgraph
 * reader streams its big arrays): the offset after whitespace; a string at *i (decoded into out,
 * truncated to cap) or a whole value skipped, advancing *i. -1 on malformed text. */
OPINFO_INTERNAL size_t oi_json_ws(const char *text, size_t len, size_t i);
OPINFO_INTERNAL int oi_json_string(const char *text, size_t len, size_t *i, char *out,
                                   size_t cap);
OPINFO_INTERNAL int oi_json_skip(const char *text, size_t len, size_t *i);
/* The value at *i (no whitespace before it) when it is in the plain subset of JSON that
 * exporters write (core/jsonfast.c), as jansson would have parsed it, *i moved past it; NULL,
 * *i unchanged, for anything else: the caller then asks jansson, which decides. The caller
 * includes jansson.h. */
struct json_t;
OPINFO_INTERNAL struct json_t *oi_json_fast(const char *text, size_t len, size_t *i);
/* Line/column of a byte offset. */
OPINFO_INTERNAL void oi_text_linecol(const char *text, size_t len, size_t offset, int *line,
                                     int *column);

/* Bump allocator: many small allocations freed together. */
typedef struct oi_arena_chunk oi_arena_chunk;
typedef struct oi_arena {
    oi_arena_chunk *head;
} oi_arena;

OPINFO_INTERNAL void *oi_arena_alloc(oi_arena *a, size_t n); /* zeroed, 16-aligned */
OPINFO_INTERNAL char *oi_arena_strdup(oi_arena *a, const char *s); /* NULL in, NULL out */
OPINFO_INTERNAL void oi_arena_free(oi_arena *a);

/* String-keyed hash map (open addressing). Keys are copied; values are borrowed. */
typedef struct oi_map {
    struct oi_map_slot *slots;
    size_t cap, count;
    int borrow; /* oi_map_put_new keeps its keys' pointers (they outlive the map) */
} oi_map;

OPINFO_INTERNAL void oi_map_init(oi_map *m);
OPINFO_INTERNAL void oi_map_free(oi_map *m);
/* 0 on success, -1 on allocation failure. Replaces an existing value. */
OPINFO_INTERNAL int oi_map_put(oi_map *m, const char *key, void *value);
/* Adds the len bytes at key (no NUL among them) unless present: 0 added, 1 present, -1 out of
 * memory. With m->borrow set the key, NUL-terminated at len, is kept as it is, not copied. */
OPINFO_INTERNAL int oi_map_put_new(oi_map *m, const char *key, size_t len, void *value);
/* Room for n keys without growing; -1 out of memory. */
OPINFO_INTERNAL int oi_map_reserve(oi_map *m, size_t n);
/* 1 and *value when found, 0 when not. */
OPINFO_INTERNAL int oi_map_get(const oi_map *m, const char *key, void **value);

/* Output files (core/outfile.c, libc only: the tools link it too). Writes data to path: "-" is
 * stdout; a character device or FIFO (or a symlink to one) is written straight; otherwise a new
 * file made with O_EXCL|O_NOFOLLOW beside path is fsync'd and renamed over it (a symlink at path
 * is replaced, never followed). 0, or -1 with errno and a message naming path in msg. */
OPINFO_INTERNAL int oi_outfile_write(const char *path, const void *data, size_t len, char *msg,
                                     size_t msgsize);
OPINFO_INTERNAL int oi_outfile_writev(const char *path, const void *const *parts,
                                      const size_t *lens, size_t n, char *msg, size_t msgsize);

/* Hostile names (core/escape.c, libc only: the tools link it too). oi_utf8_at: the length (1-4)
 * of the valid UTF-8 sequence at s and its code point, 0 when invalid. oi_escape: s through put,
 * control characters written visibly (\n, \x1b, \u009b); OI_ESCAPE_TEXT also the bidi controls
 * and U+2028/9, OI_ESCAPE_XML also U+FFFE/U+FFFF and & < > " ' as entities. */
enum { OI_ESCAPE_TEXT, OI_ESCAPE_XML };
OPINFO_INTERNAL int oi_utf8_at(const unsigned char *s, unsigned *cp);
OPINFO_INTERNAL void oi_escape(const char *s, int mode,
                               void (*put)(void *ud, const char *p, size_t n), void *ud);

#endif
