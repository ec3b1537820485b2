/*
 * onnx.c: the public entry points of the ONNX reader, and telling a qgraph from an ONNX model
 * by content. The reader makes the qgraph JSON of the model (reader.c); the qgraph reader
 * (validator/qgraph.c) makes it the in-memory graph every check, fix and overrides run uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../validator/validator_internal.h"
#include "onnx_internal.h"

#define MAX_MODEL_BYTES ((size_t)2 << 30) /* protobuf's own limit */

int opinfo_onnx_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    if (!p)
        return 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    if (i < len && (p[i] == '{' || p[i] == '['))
        return 0; /* JSON */
    /* a serialized ModelProto begins with a field key: varint fields 1 (ir_version), 2..6, or a
     * length-delimited one; anything else that is not JSON is tried as ONNX and refused there */
    return len > 0 && i == 0;
}

/* The directory of path ("." for a bare name); malloc'd. */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return oi_strdup(".");
    if (s == path)
        return oi_strdup("/");
    size_t n = (size_t)(s - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* A whole file: mapped when it is a regular file (a model of hundreds of MB is then neither
 * copied nor held twice), else read ("-" = stdin). */
typedef struct blob {
    char *data;
    size_t len;
    int mapped;
} blob;

static void blob_free(blob *b)
{
    if (!b->data)
        return;
    if (b->mapped)
        munmap(b->data, b->len);
    else
        free(b->data);
    b->data = NULL;
}

static int read_all(const char *path, blob *b, opinfo_error_t *err)
{
    memset(b, 0, sizeof *b);
    if (strcmp(path, "-") == 0) /* a JSON text or a binary model: no NUL-byte refusal */
        return oi_read_input(path, MAX_MODEL_BYTES, "", &b->data, &b->len, err);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return oi_set_error(err, OPINFO_EIO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        close(fd);
        return oi_read_file(path, MAX_MODEL_BYTES, &b->data, &b->len, err);
    }
    size_t max = MAX_MODEL_BYTES;
    if (oi_input_limit(&max) != 0 || (unsigned long long)sb.st_size > max) {
        close(fd); /* the reader's own refusal, before a byte is read */
        return oi_read_file(path, MAX_MODEL_BYTES, &b->data, &b->len, err);
    }
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return oi_read_file(path, MAX_MODEL_BYTES, &b->data, &b->len, err);
    b->data = p;
    b->len = (size_t)sb.st_size;
    b->mapped = 1;
    return OPINFO_OK;
}

int opinfo_onnx_qgraph(const char *name, const void *data, size_t len, const char *dir,
                       size_t flags, char **json, opinfo_error_t *err)
{
    (void)flags;
    if (!data || !json)
        return oi_set_error(err, OPINFO_EUSAGE, name, 0, 0, 0, "opinfo_onnx_qgraph: NULL argument");
    size_t n;
    return oi_onnx_to_qgraph(name, data, len, dir, json, &n, err);
}

int opinfo_onnx_parse(const char *name, const void *data, size_t len, const char *dir,
                      size_t flags, opinfo_qgraph **out, opinfo_error_t *err)
{
    (void)flags;
    if (!data || !out)
        return oi_set_error(err, OPINFO_EUSAGE, name, 0, 0, 0, "opinfo_onnx_parse: NULL argument");
    char *text = NULL;
    size_t n = 0;
    int rc = oi_onnx_to_qgraph(name, data, len, dir, &text, &n, err);
    if (rc != OPINFO_OK)
        return rc;
    opinfo_error_t e;
    opinfo_error_init(&e);
    rc = opinfo_qgraph_parse(name, text, n, 0, out, &e);
    if (rc == OPINFO_OK)
        (*out)->from_onnx = 1;
    if (rc != OPINFO_OK && rc != OPINFO_ENOMEM) {
        /* what the qgraph reader refuses in the reader's output is a property of the model; the
         * position would be one in a document nobody sees, so only the message is given */
        oi_set_error(err, rc, name, 0, 0, 0, "the model's annotation is not valid: %s", e.text);
    } else if (rc != OPINFO_OK)
        oi_set_error(err, rc, name, 0, 0, 0, "%s", e.text);
    free(text);
    return rc;
}

int opinfo_onnx_load(const char *path, size_t flags, opinfo_qgraph **out, opinfo_error_t *err)
{
    if (!path || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_onnx_load: NULL argument");
    blob b;
    int rc = read_all(path, &b, err);
    if (rc != OPINFO_OK)
        return rc;
    int is_stdin = strcmp(path, "-") == 0;
    char *dir = is_stdin ? NULL : dir_of(path);
    if (!is_stdin && !dir) {
        blob_free(&b);
        return oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
    }
    rc = opinfo_onnx_parse(is_stdin ? "<stdin>" : path, b.data, b.len, dir, flags, out, err);
    free(dir);
    blob_free(&b);
    return rc;
}

int opinfo_graph_load(const char *path, size_t flags, opinfo_qgraph **out, opinfo_error_t *err)
{
    return oi_graph_load_hooked(path, flags, NULL, NULL, out, err);
}

int oi_graph_load_hooked(const char *path, size_t flags, const oi_qgraph_hooks *hooks,
                         opinfo_qgraph **live, opinfo_qgraph **out, opinfo_error_t *err)
{
    if (!path || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_graph_load: NULL argument");
    blob b;
    int rc = read_all(path, &b, err);
    if (rc != OPINFO_OK)
        return rc;
    char *data = b.data;
    size_t len = b.len;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    if (len == 0)
        rc = oi_set_error(err, OPINFO_EINPUT, name, 0, 0, 0,
                          "empty file: neither a qgraph nor an ONNX model");
    else if (!opinfo_onnx_sniff(data, len)) {
        /* the text is read in place: the graph keeps the mapping (or buffer) it was read from */
        int own = b.mapped ? OI_TEXT_MAPPED : OI_TEXT_BORROWED;
        rc = oi_qgraph_parse_hooked(name, data, len, own, hooks, live, out, err);
        if (rc == OPINFO_OK)
            b.data = NULL;
    } else {
        char *dir = is_stdin ? NULL : dir_of(path);
        if (!is_stdin && !dir)
            rc = oi_set_error(err, OPINFO_ENOMEM, path, 0, 0, 0, "out of memory");
        else
            rc = opinfo_onnx_parse(name, data, len, dir, flags, out, err);
        free(dir);
    }
    blob_free(&b);
    return rc;
}
