/*
 * opinfo plugin ABI: everything a backend plugin needs, and all it may see of the host.
 *
 * A plugin is a shared object exporting one symbol, opinfo_plugin_entry (OPINFO_PLUGIN_ENTRY).
 * The host loads it with dlopen(RTLD_NOW | RTLD_LOCAL) only when its backend is asked for, and
 * calls the entry once with a frozen base struct that carries the host's ABI version and its
 * function table. The entry fills in the plugin's descriptor and returns 0, or returns non-zero
 * and leaves a message in the base struct.
 *
 * Compatibility (GStreamer's rule): the host refuses a plugin whose ABI major differs from its
 * own or whose minor is newer than its own, naming both versions. Everything versioned here is
 * append-only: new members go at the end, marked "since ABI x.y", and the host reads a member only
 * when the plugin's declared abi_minor covers it.
 *
 * This header depends on nothing but <stddef.h> and <stdint.h>: a vendor builds against it
 * alone (docs/plugin-abi.md has a complete minimal plugin).
 */
#ifndef OPINFO_PLUGIN_H
#define OPINFO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OPINFO_PLUGIN_ABI_MAJOR 1
#define OPINFO_PLUGIN_ABI_MINOR 2

/* The entry point's name, for dlsym. */
#define OPINFO_PLUGIN_ENTRY_NAME "opinfo_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define OPINFO_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define OPINFO_PLUGIN_EXPORT
#endif

/* Log levels for host->log. */
#define OPINFO_PLUGIN_LOG_DEBUG 0
#define OPINFO_PLUGIN_LOG_INFO 1
#define OPINFO_PLUGIN_LOG_WARNING 2

/* An opaque view of a node that the host hands to a plugin's checks. */
typedef struct opinfo_plugin_node opinfo_plugin_node;

/* A tensor's quantization as a plugin reads it (all fields owned by the host, valid during the
 * call). scale/zero_point are NULL before calibration. */
typedef struct opinfo_plugin_tensor {
    uint32_t size;        /* sizeof(opinfo_plugin_tensor) as the host filled it */
    const char *name;
    const char *dtype;    /* "uint8", "int4", ... */
    const char *qscheme;  /* "per_channel_symmetric", ... */
    int64_t quant_min, quant_max;
    int axis;             /* -1 when none */
    size_t n_scale;
    const double *scale;
    size_t n_zero_point;
    const int64_t *zero_point;
    size_t n_block;
    const int64_t *block_size;
    size_t n_shape;
    const int64_t *shape;
} opinfo_plugin_tensor;

/* A quantization spec a plugin's annotation rules give a tensor (opinfo_host_api.set_spec).
 * Strings and arrays are copied by the host. */
typedef struct opinfo_plugin_spec {
    uint32_t size;          /* sizeof(opinfo_plugin_spec) as the plugin filled it */
    const char *dtype;      /* "uint8", "int4", ... */
    const char *qscheme;    /* "per_tensor_affine", ... */
    int64_t quant_min, quant_max;
    int axis;               /* -1 when none */
    size_t n_block;         /* per-block: block_size per dimension */
    const int64_t *block_size;
    double eps;             /* the observer's minimum scale; 0 when none */
    int fixed;              /* fixed qparams: scale and zero_point below */
    double scale;
    int64_t zero_point;
    const char *shared_with;        /* a tensor name, or NULL */
    size_t n_derived;               /* derived scale: product of these tensors' scales */
    const char *const *derived_from;
    int is_dynamic;                 /* dynamic quantization: qparams computed at run time */
} opinfo_plugin_spec;

/* Port roles of a node's inputs, from the database's binding of the node to its op. */
#define OPINFO_PLUGIN_ROLE_UNKNOWN (-1)
#define OPINFO_PLUGIN_ROLE_INPUT 0
#define OPINFO_PLUGIN_ROLE_WEIGHT 1
#define OPINFO_PLUGIN_ROLE_BIAS 2

/*
 * The host's function table. Append-only; the members up to the marker of an ABI version are
 * present in every host of that version or newer.
 */
typedef struct opinfo_host_api {
    uint32_t size; /* sizeof(opinfo_host_api) of the host */
    uint32_t abi_major, abi_minor;
    /* Logging through the host (the library never prints; the host decides where it goes). */
    void (*log)(void *host, int level, const char *message);
    /* Reports a violation on the node the plugin is checking: a stable rule id of the plugin's
     * (e.g. "qnn-htp/per-tensor-2bit"), the tensor (or NULL), the message and a fix (or NULL). */
    void (*emit)(void *host, const opinfo_plugin_node *node, const char *rule, const char *tensor,
                 const char *message, const char *fix);
    /* The node's name and op, and its input/output tensors (NULL past the end, or for an optional
     * input left out). */
    const char *(*node_name)(const opinfo_plugin_node *node);
    const char *(*node_op)(const opinfo_plugin_node *node);
    size_t (*node_input_count)(const opinfo_plugin_node *node);
    size_t (*node_output_count)(const opinfo_plugin_node *node);
    int (*node_input)(const opinfo_plugin_node *node, size_t i, opinfo_plugin_tensor *out);
    int (*node_output)(const opinfo_plugin_node *node, size_t i, opinfo_plugin_tensor *out);
    /* Database look-ups: the arch of a SoC (rank, or -1 when unknown) and the backend's canonical
     * op name for an alias (NULL when the backend lacks it). */
    int (*soc_arch_rank)(void *host, const char *soc);
    const char *(*canonical_op)(void *host, const char *op);
    /* Annotation (during opinfo_plugin.annotate): the graph's nodes; the role of a node's input
     * i (OPINFO_PLUGIN_ROLE_*); whether the database says the node's output shares its input's
     * quantization at this dtype; the fixed qparams it requires at this dtype and range (1 and
     * the values, or 0); whether a variant of the node's op serving this config is available on
     * the target SoC; and the spec to give a tensor (a later call for a tensor replaces an
     * earlier one), or one node's reading of it. */
    size_t (*graph_node_count)(void *host);
    const opinfo_plugin_node *(*graph_node)(void *host, size_t i);
    int (*input_role)(const opinfo_plugin_node *node, size_t i);
    int (*output_shared)(void *host, const opinfo_plugin_node *node, const char *dtype);
    int (*fixed_qparams)(void *host, const opinfo_plugin_node *node, const char *dtype,
                         int64_t quant_min, int64_t quant_max, double *scale,
                         int64_t *zero_point);
    int (*config_available)(void *host, const opinfo_plugin_node *node, const char *config);
    int (*set_spec)(void *host, const char *tensor, const opinfo_plugin_spec *spec);
    /* The spec with which this node reads its input i (an edge spec: PT2E's input_qspec_map),
     * when it differs from the tensor's own, e.g. MatMul's 16-bit second input read as int16. */
    int (*set_edge_spec)(void *host, const opinfo_plugin_node *node, size_t input,
                         const opinfo_plugin_spec *spec);
    /* End of ABI 1.0 */
} opinfo_host_api;

/*
 * The frozen base struct: its layout never changes, so any host can talk to any plugin long
 * enough to learn each other's versions.
 */
typedef struct opinfo_plugin_base {
    uint32_t host_abi_major;   /* filled by the host */
    uint32_t host_abi_minor;
    const opinfo_host_api *api;
    void *host;                /* the host's context, passed back to api functions */
    struct opinfo_plugin *plugin; /* filled by the plugin: its descriptor (static storage) */
    char error[256];           /* filled by the plugin when the entry fails */
} opinfo_plugin_base;

/* A plugin's extra check of one node: returns the number of violations it emitted. */
typedef int (*opinfo_plugin_check_fn)(const opinfo_host_api *api, void *host,
                                      const opinfo_plugin_node *node, const char *soc);

/* Annotation rules: given a float graph (reachable through api->graph_node*), give every tensor
 * the spec the backend expects under config (e.g. "8a8w", "16a4w-block:32") on soc, through
 * api->set_spec. Returns 0, or non-zero with a message in error (an unknown config). */
typedef int (*opinfo_plugin_annotate_fn)(const opinfo_host_api *api, void *host,
                                         const char *config, const char *soc, char *error,
                                         size_t error_size);

/* A kernel in the plugin's table. fn holds an opinfo_kernel_fn (below); each kernel has one
 * documented signature (docs/kernels.md, and the descriptor's kernel_signatures). */
typedef struct opinfo_plugin_kernel {
    const char *name;
    void (*fn)(void);
} opinfo_plugin_kernel;

/* ---- Kernels (since ABI 1.1) ---------------------------------------------------------------- */

/* Element types of kernel tensors: the numbers of opinfo.h's opinfo_dtype. 4-bit and 2-bit
 * values live one per int8/uint8 element. */
#define OPINFO_TENSOR_INT8 5
#define OPINFO_TENSOR_UINT8 6
#define OPINFO_TENSOR_INT16 7
#define OPINFO_TENSOR_UINT16 8
#define OPINFO_TENSOR_INT32 9
#define OPINFO_TENSOR_FLOAT32 14
/* Only as the value of a "dtype" attribute: 4-bit values in an int8/uint8 container. */
#define OPINFO_TENSOR_INT4 3
#define OPINFO_TENSOR_UINT4 4

#define OPINFO_TENSOR_MAX_RANK 8

/* A dense, C-order, native-endian tensor. */
typedef struct opinfo_tensor {
    int32_t dtype;                         /* OPINFO_TENSOR_* */
    int32_t rank;                          /* 0 .. OPINFO_TENSOR_MAX_RANK */
    int64_t shape[OPINFO_TENSOR_MAX_RANK];
    void *data;
} opinfo_tensor;

/* A named numeric attribute: scale=0.1, zero_point=3, axis=0, stride=2,2 ... A double holds every
 * float32 and every int32 exactly; a float32 attribute given as a decimal is rounded to float. */
typedef struct opinfo_kernel_attr {
    const char *name;
    size_t n;
    const double *values;
} opinfo_kernel_attr;

/* One call of a kernel. The kernel fills each output's dtype, rank and shape, and takes its
 * data from alloc (zeroed memory owned by the caller). */
typedef struct opinfo_kernel_call {
    const opinfo_tensor *inputs;
    size_t n_inputs;
    const opinfo_kernel_attr *attrs;
    size_t n_attrs;
    opinfo_tensor *outputs;
    size_t n_outputs;
    void *(*alloc)(void *ctx, size_t size);
    void *alloc_ctx;
    char *error; /* the message on failure */
    size_t error_size;
} opinfo_kernel_call;

/* Returns 0, or 2 (OPINFO_EUSAGE) with a message for bad arguments: a NULL pointer, the wrong
 * number, dtype or rank of tensors, mismatched or overflowing shapes, a zero, negative, NaN or
 * out-of-range scale, a missing or non-integer attribute; 1 (OPINFO_ENOMEM) when alloc fails. A
 * kernel never reads or writes outside the tensors it is given. */
typedef int (*opinfo_kernel_fn)(opinfo_kernel_call *call);

/* ---- Rules (since ABI 1.2) ------------------------------------------------------------------ */

/* The documentation of one rule a plugin's checks emit: what `opinfo-check --list-rules`,
 * `--explain RULE`, the rule's page and SARIF's rules[] show. Strings in static storage. The host
 * reads the members up to the plugin's declared minor (a later minor may append members: the
 * descriptor holds pointers to these, never an array of them). */
typedef struct opinfo_plugin_rule {
    const char *id;          /* required: "qnn-htp/per-tensor-2bit": a backend the plugin serves
                                (or its name), '/', then [a-z0-9-]+ */
    const char *summary;     /* required: one line */
    const char *description; /* what the rule checks, and the fact behind it */
    const char *example;     /* a diagnostic as opinfo-check prints it */
    const char *fix;         /* how to make the diagnostic go away */
    const char *help_uri;    /* an absolute URI of the rule's page, or NULL */
} opinfo_plugin_rule;

/*
 * The plugin's descriptor. Required: abi_major, abi_minor, name, version, backends (at least
 * one). Everything else is optional (NULL/0). The host refuses a descriptor whose required
 * fields are missing or invalid.
 */
typedef struct opinfo_plugin {
    uint32_t abi_major;      /* OPINFO_PLUGIN_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;      /* OPINFO_PLUGIN_ABI_MINOR the plugin was built with */
    const char *name;        /* "qnn-htp" */
    const char *version;     /* the plugin's own version */
    const char *const *backends; /* NULL-terminated: the backends it serves */
    const char *const *socs;     /* NULL-terminated, or NULL: the SoCs it serves (all if NULL) */
    /* Checks that are logic rather than data; called once per node of the backend. */
    opinfo_plugin_check_fn check;
    /* Annotation rules, and the configs they take (NULL-terminated). */
    opinfo_plugin_annotate_fn annotate;
    const char *const *configs;
    /* Kernels with the backend's numerics, by name. */
    size_t n_kernels;
    const opinfo_plugin_kernel *kernels;
    /* Constraint data (docs/constraint-format.md) that `opinfo-db import --from-plugin` loads. */
    const char *constraints;
    size_t constraints_len;
    /* End of ABI 1.0 */
    /* One signature per kernel, in the order of kernels: "inputs -> outputs; attrs". */
    const char *const *kernel_signatures;
    /* End of ABI 1.1 */
    /* since ABI 1.2: the rules the plugin's checks emit (api->emit's rule ids), documented;
     * NULL-terminated, or NULL. */
    const opinfo_plugin_rule *const *rules;
    /* End of ABI 1.2 */
} opinfo_plugin;

/* The one symbol a plugin exports. */
typedef int (*opinfo_plugin_entry_fn)(opinfo_plugin_base *base);

#define OPINFO_PLUGIN_DECLARE_ENTRY                                                              \
    OPINFO_PLUGIN_EXPORT int opinfo_plugin_entry(opinfo_plugin_base *base)

/* The frozen layout: checked by every build of the host and of every plugin. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(offsetof(opinfo_plugin_base, host_abi_major) == 0, "frozen ABI base");
_Static_assert(offsetof(opinfo_plugin_base, host_abi_minor) == 4, "frozen ABI base");
_Static_assert(offsetof(opinfo_plugin_base, api) == 8, "frozen ABI base");
_Static_assert(offsetof(opinfo_plugin_base, host) == 8 + sizeof(void *), "frozen ABI base");
_Static_assert(offsetof(opinfo_plugin_base, plugin) == 8 + 2 * sizeof(void *), "frozen ABI base");
_Static_assert(offsetof(opinfo_plugin_base, error) == 8 + 3 * sizeof(void *), "frozen ABI base");
_Static_assert(sizeof(opinfo_plugin_base) == 8 + 3 * sizeof(void *) + 256, "frozen ABI base");
/* ABI 1.0 members of the append-only structs */
_Static_assert(offsetof(opinfo_plugin, abi_minor) == 4, "ABI 1.0 descriptor");
_Static_assert(offsetof(opinfo_host_api, log) == 16, "ABI 1.0 host table");
#endif

#ifdef __cplusplus
}
#endif
#endif /* OPINFO_PLUGIN_H */
