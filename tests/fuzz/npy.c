/* Fuzz target: the .npy reader. What it accepts must hold every element its shape promises:
 * the whole buffer is read back, so a short allocation shows under the sanitizers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
    opinfo_tensor_release(&t);
    return 0;
}
