/*
 * The ONNX reader's internals (onnx/): a ModelProto, parsed by protobuf-c from the subset of
 * ONNX's schema in onnx/onnx.proto, becomes the qgraph JSON tree that the qgraph reader
 * (validator/qgraph.c) turns into the in-memory graph. One representation: everything after
 * the reader (check, --fix, overrides, annotate) sees an ONNX model as the qgraph it makes.
 */
#ifndef OPINFO_ONNX_INTERNAL_H
#define OPINFO_ONNX_INTERNAL_H

#include "../core/internal.h"

/* ONNX's TensorProto.DataType values the reader names. */
enum {
    OX_UNDEFINED = 0, OX_FLOAT = 1, OX_UINT8 = 2, OX_INT8 = 3, OX_UINT16 = 4, OX_INT16 = 5,
    OX_INT32 = 6, OX_INT64 = 7, OX_STRING = 8, OX_BOOL = 9, OX_FLOAT16 = 10, OX_DOUBLE = 11,
    OX_UINT32 = 12, OX_UINT64 = 13, OX_COMPLEX64 = 14, OX_COMPLEX128 = 15, OX_BFLOAT16 = 16,
    OX_FLOAT8E4M3FN = 17, OX_FLOAT8E4M3FNUZ = 18, OX_FLOAT8E5M2 = 19, OX_FLOAT8E5M2FNUZ = 20,
    OX_UINT4 = 21, OX_INT4 = 22, OX_FLOAT4E2M1 = 23
};

/* The qgraph JSON text (malloc'd, NUL-terminated) of the model in data[0..len). name is used in
 * messages; dir is the directory external data is resolved in (NULL: external data refused). */
OPINFO_INTERNAL int oi_onnx_to_qgraph(const char *name, const void *data, size_t len,
                                      const char *dir, char **json, size_t *json_len,
                                      opinfo_error_t *err);

/* The op name given to an ONNX MatMul whose second input is a constant rank-2 tensor: what
 * ONNX Runtime's QNN EP lowers to FullyConnected (docs/qgraph.md). */
#define OI_ONNX_MATMUL_CONST_WEIGHT "MatMul.const_weight"

#endif
