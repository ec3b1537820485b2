/* Fuzz target: the .npy reader. What it accepts must hold every element its shape promises:
 * the whole buffer is read back, so a short allocation shows under the sanitizers. One accepted
 * input in 256 (by its hash, so a rerun does the same) is also written with opinfo_npy_write,
 * which goes through core/outfile.c, and read back from the file through the streaming reader
 * (core/util.c): the same dtype, shape and bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opinfo.h"
#include "opinfo/plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t element_size(int32_t dtype)
{
    switch (dtype) {
    case OPINFO_TENSOR_INT8:
    case OPINFO_TENSOR_UINT8:
        return 1;
    case OPINFO_TENSOR_INT16:
    case OPINFO_TENSOR_UINT16:
        return 2;
    case OPINFO_TENSOR_INT32:
    case OPINFO_TENSOR_FLOAT32:
        return 4;
    default:
        return 0;
    }
}

static void round_trip(const opinfo_tensor *t, size_t bytes)
{
    char path[4096];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/fuzz-npy-%ld.npy", dir && *dir ? dir : "/tmp", (long)getpid());
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_npy_write(path, t, &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-npy: an accepted tensor does not write: %s\n", e.text);
        abort();
    }
    opinfo_tensor back;
    opinfo_error_init(&e);
    if (opinfo_npy_read(path, &back, &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-npy: a written tensor does not read back: %s\n", e.text);
        abort();
    }
    unlink(path);
    if (back.dtype != t->dtype || back.rank != t->rank ||
        memcmp(back.shape, t->shape, (size_t)t->rank * sizeof *t->shape) != 0 ||
        (bytes && memcmp(back.data, t->data, bytes) != 0)) {
        fprintf(stderr, "fuzz-npy: a tensor read back differs from what was written\n");
        abort();
    }
    opinfo_tensor_release(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    opinfo_tensor t;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_npy_parse("fuzz.npy", data, size, &t, &e) != OPINFO_OK)
        return 0;
    size_t es = element_size(t.dtype);
    if (!es || t.rank < 0 || t.rank > OPINFO_TENSOR_MAX_RANK) {
        fprintf(stderr, "fuzz-npy: accepted a tensor of dtype %d, rank %d\n", (int)t.dtype,
                (int)t.rank);
        abort();
    }
    size_t n = 1;
    for (int32_t i = 0; i < t.rank; i++) {
        if (t.shape[i] < 0) {
            fprintf(stderr, "fuzz-npy: accepted a negative dimension\n");
            abort();
        }
        n *= (size_t)t.shape[i];
    }
    const volatile unsigned char *b = t.data;
    unsigned sum = 0;
    for (size_t i = 0; i < n * es; i++)
        sum += b[i];
    (void)sum;
    unsigned h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    if (h % 256 == 0 && n * es <= (1u << 20))
        round_trip(&t, n * es);
    opinfo_tensor_release(&t);
    return 0;
}
