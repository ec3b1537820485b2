/* Kernels: finds a kernel in the table of the plugin serving a backend and runs it with an
 * allocator whose memory the caller releases with opinfo_tensor_release. The loader only looks
 * kernels up; their numerics live in the plugins. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "opinfo/plugin.h"

_Static_assert(OPINFO_TENSOR_INT8 == OPINFO_DTYPE_INT8 && OPINFO_TENSOR_UINT8 == OPINFO_DTYPE_UINT8 &&
                   OPINFO_TENSOR_INT16 == OPINFO_DTYPE_INT16 &&
                   OPINFO_TENSOR_UINT16 == OPINFO_DTYPE_UINT16 &&
                   OPINFO_TENSOR_INT32 == OPINFO_DTYPE_INT32 &&
                   OPINFO_TENSOR_FLOAT32 == OPINFO_DTYPE_FLOAT32 &&
                   OPINFO_TENSOR_INT4 == OPINFO_DTYPE_INT4 && OPINFO_TENSOR_UINT4 == OPINFO_DTYPE_UINT4,
               "kernel tensor dtypes are opinfo_dtype numbers");

static int find(opinfo_plugins *p, const char *backend, const char *name, opinfo_kernel_fn *fn,
                const char **sig, opinfo_error_t *err)
{
    const opinfo_plugin *pl;
    int rc;
    if (!p || !backend || !name)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "kernel look-up: NULL argument");
    if ((rc = opinfo_plugins_get(p, backend, &pl, err)))
        return rc;
    for (size_t i = 0; i < pl->n_kernels; i++)
        if (strcmp(pl->kernels[i].name, name) == 0) {
            *fn = (opinfo_kernel_fn)pl->kernels[i].fn;
            *sig = pl->abi_minor >= 1 && pl->kernel_signatures ? pl->kernel_signatures[i] : "";
            return OPINFO_OK;
        }
    return oi_set_error(err, OPINFO_ENOTFOUND, NULL, 0, 0, 0,
                        "backend %s has no kernel \"%s\" (opinfo-kernel --backend %s --list)",
                        backend, name, backend);
}

int opinfo_kernel_find(opinfo_plugins *p, const char *backend, const char *name,
                       int (**fn)(struct opinfo_kernel_call *), const char **signature,
                       opinfo_error_t *err)
{
    opinfo_kernel_fn f;
    const char *s;
    if (!fn)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_kernel_find: NULL fn");
    int rc = find(p, backend, name, &f, &s, err);
    if (rc)
        return rc;
    *fn = f;
    if (signature)
        *signature = s;
    return OPINFO_OK;
}

int opinfo_kernel_list(opinfo_plugins *p, const char *backend, opinfo_row_fn fn, void *ud,
                       opinfo_error_t *err)
{
    const opinfo_plugin *pl;
    int rc;
    if (!p || !backend || !fn)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_kernel_list: NULL argument");
    if ((rc = opinfo_plugins_get(p, backend, &pl, err)))
        return rc;
    for (size_t i = 0; i < pl->n_kernels; i++) {
        const char *cols[2] = {pl->kernels[i].name,
                               pl->abi_minor >= 1 && pl->kernel_signatures
                                   ? pl->kernel_signatures[i]
                                   : ""};
        if (fn(2, cols, ud))
            break;
    }
    return OPINFO_OK;
}

static void *out_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return calloc(1, size ? size : 1);
}

void opinfo_tensor_release(opinfo_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    t->data = NULL;
}

int opinfo_kernel_run(opinfo_plugins *p, const char *backend, const char *name,
                      const opinfo_tensor *inputs, size_t n_inputs, const opinfo_kernel_attr *attrs,
                      size_t n_attrs, opinfo_tensor *outputs, size_t n_outputs, opinfo_error_t *err)
{
    opinfo_kernel_fn fn;
    const char *sig;
    int rc = find(p, backend, name, &fn, &sig, err);
    if (rc)
        return rc;
    if (!outputs && n_outputs)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "%s: NULL outputs", name);
    opinfo_tensor *tmp = calloc(n_outputs ? n_outputs : 1, sizeof *tmp);
    if (!tmp)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    char msg[512] = "";
    opinfo_kernel_call call = {
        .inputs = inputs,
        .n_inputs = n_inputs,
        .attrs = attrs,
        .n_attrs = n_attrs,
        .outputs = tmp,
        .n_outputs = n_outputs,
        .alloc = out_alloc,
        .alloc_ctx = NULL,
        .error = msg,
        .error_size = sizeof msg,
    };
    rc = fn(&call);
    if (rc) {
        for (size_t i = 0; i < n_outputs; i++)
            free(tmp[i].data);
        free(tmp);
        msg[sizeof msg - 1] = '\0';
        return oi_set_error(err, rc == OPINFO_ENOMEM ? OPINFO_ENOMEM : OPINFO_EUSAGE, NULL, 0, 0,
                            0, "%s %s: %s", backend, name, msg[0] ? msg : "failed (no message)");
    }
    memcpy(outputs, tmp, n_outputs * sizeof *tmp);
    free(tmp);
    return OPINFO_OK;
}
