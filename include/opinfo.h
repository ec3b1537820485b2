/*
 * opinfo: is this quantized model's annotation valid for backend B on chip S, and if not, why?
 *
 * This header is the contract of libopinfo. Sections, in order: version, attributes, errors,
 * dtypes and qschemes, the constraint database, constraint look-ups, formulas.
 *
 * Conventions (after jansson and SQLite):
 *  - objects are opaque handles with _open/_close; every _close accepts NULL;
 *  - functions return an opinfo_code (0 = OPINFO_OK); on failure their out-parameters are left
 *    untouched and nothing needs cleaning up, and the optional opinfo_error_t says what happened,
 *    where (file, line, column) and why;
 *  - behaviour switches are size_t flag masks, never booleans;
 *  - strings handed out by the library are owned by the handle they came from and live until it
 *    is closed.
 */
#ifndef OPINFO_H
#define OPINFO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------------------ */

#define OPINFO_MAJOR_VERSION 0
#define OPINFO_MINOR_VERSION 1
#define OPINFO_MICRO_VERSION 0
#define OPINFO_VERSION "0.1.0"
#define OPINFO_VERSION_HEX \
    ((OPINFO_MAJOR_VERSION << 16) | (OPINFO_MINOR_VERSION << 8) | (OPINFO_MICRO_VERSION << 0))

/* The database schema this library reads and writes (SQLite PRAGMA user_version), and the
 * identity stamped into every opinfo database (PRAGMA application_id, "OPIF"). */
#define OPINFO_DB_SCHEMA_VERSION 3
#define OPINFO_DB_APPLICATION_ID 0x4F504946

/* The constraint-data JSON format version (the "opinfo_constraints" key). */
#define OPINFO_CONSTRAINTS_FORMAT 1

/* ---- Attributes ---------------------------------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define OPINFO_ATTRS(x) __attribute__(x)
#define OPINFO_API __attribute__((visibility("default")))
#else
#define OPINFO_ATTRS(x)
#define OPINFO_API
#endif

#define OPINFO_MUST_CHECK OPINFO_ATTRS((warn_unused_result))

OPINFO_API const char *opinfo_version_str(void);
/* OPINFO_VERSION_HEX of the library actually loaded. */
OPINFO_API uint32_t opinfo_version_number(void);

/* ---- Errors -------------------------------------------------------------------------------- */

/* One table for codes, names and messages (libuv style). Codes are stable: append only. */
#define OPINFO_ERRNO_MAP(XX)                                                                   \
    XX(OK, 0, "success")                                                                       \
    XX(NOMEM, 1, "out of memory")                                                              \
    XX(USAGE, 2, "invalid argument")                                                           \
    XX(IO, 3, "input/output error")                                                            \
    XX(PARSE, 4, "malformed JSON")                                                             \
    XX(INPUT, 5, "invalid input data")                                                         \
    XX(NOTFOUND, 6, "not found")                                                               \
    XX(EXISTS, 7, "already exists")                                                            \
    XX(DB, 8, "database error")                                                                \
    XX(DBNEWER, 9, "database schema is newer than this tool")                                  \
    XX(DBOLDER, 10, "database schema is older than this tool")                                 \
    XX(DBFOREIGN, 11, "not an opinfo database")                                                \
    XX(DBBUSY, 12, "database is busy")                                                         \
    XX(DBEMPTY, 13, "database is not initialised")

typedef enum {
#define OPINFO_ERRNO_ENUM_(name, value, msg) OPINFO_E##name = value,
    OPINFO_ERRNO_MAP(OPINFO_ERRNO_ENUM_)
#undef OPINFO_ERRNO_ENUM_
    OPINFO_ERRNO_COUNT_
} opinfo_code;

#define OPINFO_OK OPINFO_EOK

/* "EPARSE" -> "malformed JSON"; unknown codes give "unknown error". */
OPINFO_API const char *opinfo_strerror(int code);
/* OPINFO_EPARSE -> "EPARSE". */
OPINFO_API const char *opinfo_err_name(int code);

#define OPINFO_ERROR_SOURCE_LENGTH 256
#define OPINFO_ERROR_TEXT_LENGTH 512

/* Where and why something failed. line/column are 1-based (column counts characters), position
 * is the byte offset; all three are 0 when unknown. The first error wins: a function that fills
 * an opinfo_error_t whose code is already non-zero leaves it alone, so a caller can pass one
 * through a sequence of calls and read the root cause at the end. Initialise with
 * opinfo_error_init() (or zero it). */
typedef struct opinfo_error_t {
    int code;
    int line;
    int column;
    long position;
    char source[OPINFO_ERROR_SOURCE_LENGTH];
    char text[OPINFO_ERROR_TEXT_LENGTH];
} opinfo_error_t;

OPINFO_API void opinfo_error_init(opinfo_error_t *err);

/* Receives every diagnostic of a multi-error operation (an import reports each bad value of each
 * file). Return non-zero to stop early. */
typedef int (*opinfo_report_fn)(const opinfo_error_t *err, void *userdata);

/* ---- Dtypes and qschemes ------------------------------------------------------------------- */

typedef enum {
    OPINFO_DTYPE_UNKNOWN = 0,
    OPINFO_DTYPE_BOOL,
    OPINFO_DTYPE_INT2,
    OPINFO_DTYPE_INT4,
    OPINFO_DTYPE_UINT4,
    OPINFO_DTYPE_INT8,
    OPINFO_DTYPE_UINT8,
    OPINFO_DTYPE_INT16,
    OPINFO_DTYPE_UINT16,
    OPINFO_DTYPE_INT32,
    OPINFO_DTYPE_UINT32,
    OPINFO_DTYPE_INT64,
    OPINFO_DTYPE_FLOAT16,
    OPINFO_DTYPE_BFLOAT16,
    OPINFO_DTYPE_FLOAT32,
    OPINFO_DTYPE_COUNT_
} opinfo_dtype;

typedef struct opinfo_dtype_info {
    const char *name;  /* "uint8" */
    int bits;          /* storage bits of the value (int4: 4) */
    int is_signed;
    int is_float;
    int is_quantizable; /* an integer type that carries scale/zero point */
    int64_t qmin, qmax; /* the full range for integer types, 0/0 for float and bool */
} opinfo_dtype_info;

/* NULL for OPINFO_DTYPE_UNKNOWN or out of range. */
OPINFO_API const opinfo_dtype_info *opinfo_dtype_get(opinfo_dtype dt);
/* OPINFO_DTYPE_UNKNOWN when the name is not known. */
OPINFO_API opinfo_dtype opinfo_dtype_from_name(const char *name);

typedef enum {
    OPINFO_QSCHEME_UNKNOWN = 0,
    OPINFO_QSCHEME_PER_TENSOR_AFFINE,
    OPINFO_QSCHEME_PER_TENSOR_SYMMETRIC,
    OPINFO_QSCHEME_PER_CHANNEL_AFFINE,
    OPINFO_QSCHEME_PER_CHANNEL_SYMMETRIC,
    OPINFO_QSCHEME_PER_CHANNEL_AFFINE_FLOAT_QPARAMS,
    OPINFO_QSCHEME_PER_BLOCK_SYMMETRIC,
    OPINFO_QSCHEME_PER_BLOCK_AFFINE,
    OPINFO_QSCHEME_COUNT_
} opinfo_qscheme;

#define OPINFO_QSCHEME_BIT(q) (1u << (unsigned)(q))

OPINFO_API const char *opinfo_qscheme_name(opinfo_qscheme q);
OPINFO_API opinfo_qscheme opinfo_qscheme_from_name(const char *name);
OPINFO_API int opinfo_qscheme_is_symmetric(opinfo_qscheme q);
OPINFO_API int opinfo_qscheme_is_per_channel(opinfo_qscheme q); /* per-channel or per-block */
OPINFO_API int opinfo_qscheme_is_per_block(opinfo_qscheme q);

/* ---- The constraint database --------------------------------------------------------------- */

typedef struct opinfo_db opinfo_db;

/* opinfo_db_open flags. Read-only is the default: a check never writes. */
#define OPINFO_DB_READONLY 0x0u
#define OPINFO_DB_WRITE 0x1u   /* open for import; the schema must be current */
#define OPINFO_DB_CREATE 0x2u  /* with WRITE: create the file if missing and initialise it */
#define OPINFO_DB_MIGRATE 0x4u /* with WRITE: accept an older schema so that it can be migrated */

/* Opens the database at path (NULL: opinfo_db_default_path()). Refuses a foreign file
 * (OPINFO_EDBFOREIGN), a newer schema (OPINFO_EDBNEWER, naming both versions), an older one unless
 * OPINFO_DB_MIGRATE (OPINFO_EDBOLDER, "run opinfo-db migrate") and an uninitialised one unless
 * OPINFO_DB_CREATE (OPINFO_EDBEMPTY). */
OPINFO_API int opinfo_db_open(const char *path, size_t flags, opinfo_db **out,
                              opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API void opinfo_db_close(opinfo_db *db);

/* The database used when none is named: $OPINFO_DB if set, else share/opinfo/opinfo.db beside
 * the library's (or program's) installation prefix, else the configured data directory. The
 * returned string is static and valid until the next call. */
OPINFO_API const char *opinfo_db_default_path(void);

OPINFO_API const char *opinfo_db_path(const opinfo_db *db);
OPINFO_API int opinfo_db_schema_version(const opinfo_db *db);

/* Applies the forward-only migrations up to OPINFO_DB_SCHEMA_VERSION in one transaction. from/to
 * (optional) receive the versions before and after. Needs OPINFO_DB_WRITE|OPINFO_DB_MIGRATE. */
OPINFO_API int opinfo_db_migrate(opinfo_db *db, int *from, int *to, opinfo_error_t *err);

/* Imports constraint-data files (docs/constraint-format.md) as new releases, all of them in one
 * transaction: on any error nothing is written. Every problem found is passed to report (may be
 * NULL) as file:line:col plus text; err receives the first. Needs OPINFO_DB_WRITE. */
OPINFO_API int opinfo_db_import_files(opinfo_db *db, const char *const *paths, size_t n,
                                      opinfo_report_fn report, void *userdata,
                                      opinfo_error_t *err);
/* The same for one document in memory; name is used in messages. */
OPINFO_API int opinfo_db_import_buffer(opinfo_db *db, const char *name, const char *data,
                                       size_t len, opinfo_report_fn report, void *userdata,
                                       opinfo_error_t *err);
/* Checks files fully without writing anything (the import's check pass). */
OPINFO_API int opinfo_db_check_files(opinfo_db *db, const char *const *paths, size_t n,
                                     opinfo_report_fn report, void *userdata,
                                     opinfo_error_t *err);

/* Converts a QNN BackendOpInfo dump (docs/backendopinfo-dump.md) into release R of the dump's
 * backend, with the architectures, SoCs, port names and aliases of that backend's newest release,
 * and imports it (write 1) or only checks it (write 0), in one transaction. Errors in the dump are
 * reported as file:line:col. */
OPINFO_API int opinfo_db_import_backendopinfo(opinfo_db *db, const char *path, const char *release,
                                              int write, opinfo_report_fn report, void *userdata,
                                              opinfo_error_t *err);

/* Writes a release back as constraint-data JSON that re-imports to an identical release.
 * *out is malloc'd; free() it. release NULL means the latest. */
OPINFO_API int opinfo_db_export(opinfo_db *db, const char *backend, const char *release,
                                char **out, opinfo_error_t *err);

/* ---- Look-ups -------------------------------------------------------------------------------- */

typedef enum {
    OPINFO_PORT_INPUT = 0,
    OPINFO_PORT_WEIGHT,
    OPINFO_PORT_BIAS,
    OPINFO_PORT_OUTPUT
} opinfo_port_kind;

OPINFO_API const char *opinfo_port_kind_name(opinfo_port_kind k);

/* An op's port (an input, weight, bias or output position of a node). */
typedef struct opinfo_port {
    const char *name;
    opinfo_port_kind kind;
    int optional; /* a node may omit it */
    int variadic; /* repeats (Concat inputs) */
} opinfo_port;

/* The constraints one variant puts on one port. Absent constraints are marked by the has_ flags
 * or by 0/NULL as documented per field. */
typedef struct opinfo_port_spec {
    int port;                    /* index into opinfo_op.ports */
    opinfo_dtype dtype;
    unsigned qschemes;           /* OPINFO_QSCHEME_BIT mask; 0 = any */
    unsigned axes;               /* mask of allowed per-channel axes (bit i = axis i); 0 = any */
    unsigned block_axes;         /* mask of axes along which blocks may be cut; 0 = any */
    int block_size_multiple;     /* 0 = unconstrained */
    int block_min_size;          /* 0 = unconstrained */
    int block_max_size;          /* 0 = unconstrained */
    int has_quant_min_lower_bound;
    int64_t quant_min_lower_bound;
    int has_quant_max_upper_bound;
    int64_t quant_max_upper_bound;
    double scale_min_lower_bound; /* 0 = unconstrained */
    double scale_max_upper_bound; /* 0 = unconstrained */
    int symmetric;               /* -1 unconstrained, 0 stated false, 1 required */
    int has_zero_point;
    int64_t zero_point;
    int has_fixed_scale;
    double fixed_scale;          /* when fixed_scale_expr is NULL */
    const char *fixed_scale_expr; /* formula over qmin/qmax/bits, or NULL */
    int has_fixed_zero_point;
    int64_t fixed_zero_point;
    const char *fixed_zero_point_expr;
    int shared_with;             /* port index, or -1 */
    unsigned derived_from;       /* mask of port indices whose scales multiply; 0 = none */
    const char *notes;
    /* schema 3: 1 the port's qparams are computed at run time, 0 they are observed statically,
     * -1 not stated: dynamic for the input ports of an is_dynamic variant, static otherwise */
    int is_dynamic;
} opinfo_port_spec;

typedef enum { OPINFO_RULE_REQUANT_SCALE = 1 } opinfo_rule_kind;

/* A cross-tensor rule, e.g. XNNPACK's requantization scale range. */
typedef struct opinfo_rule {
    opinfo_rule_kind kind;
    unsigned inputs;  /* mask of port indices whose scales multiply */
    int output;       /* port index of the divisor */
    double min, max;
    int min_exclusive, max_exclusive;
    const char *notes;
} opinfo_rule;

/* One accepted combination of port dtypes and its constraints. */
typedef struct opinfo_variant {
    const char *name;
    const char *configs;      /* comma-separated quant configs it serves; "" when none */
    const char *min_arch;     /* NULL = no lower gate */
    int min_arch_rank;
    const char *max_arch;     /* NULL = no upper gate */
    int max_arch_rank;
    const char *gate_note;    /* NULL or the reason for the gate */
    int is_dynamic;
    size_t n_specs;
    const opinfo_port_spec *specs; /* in port order; ports the variant lacks are absent */
    size_t n_rules;
    const opinfo_rule *rules;
    const char *source;
} opinfo_variant;

/* A name under which a framework knows the op. */
typedef struct opinfo_alias {
    const char *framework; /* aten, torch.nn, torch.nn.functional, torch, onnx, qnn, other */
    const char *name;
} opinfo_alias;

typedef struct opinfo_op {
    const char *backend;
    const char *release;
    const char *name;
    const char *description;
    const char *notes;
    size_t n_ports;
    const opinfo_port *ports;
    size_t n_variants;
    const opinfo_variant *variants;
    size_t n_aliases;
    const opinfo_alias *aliases;
} opinfo_op;

/* Is the variant available on an architecture of this rank? */
OPINFO_API int opinfo_variant_available(const opinfo_variant *v, int arch_rank);
/* The spec a variant gives a port, or NULL when the variant does not accept that port. */
OPINFO_API const opinfo_port_spec *opinfo_variant_spec(const opinfo_variant *v, int port);

/* The newest release of a backend (opinfo_version_compare's order), or OPINFO_ENOTFOUND. */
OPINFO_API int opinfo_db_latest_release(opinfo_db *db, const char *backend, const char **out,
                                        opinfo_error_t *err);

typedef struct opinfo_soc {
    const char *name;
    const char *arch;
    int arch_rank;
    int vtcm_mb;              /* -1 when unknown */
    const char *attributes;   /* a JSON object as text, "{}" when none */
} opinfo_soc;

/* SoC -> architecture for (backend, release); release NULL = latest. */
OPINFO_API int opinfo_db_find_soc(opinfo_db *db, const char *backend, const char *release,
                                  const char *soc, opinfo_soc *out, opinfo_error_t *err);

/* Op name or alias (aten.conv2d.default, torch.nn.Conv2d, ONNX Conv, ...) -> the op with all
 * its variants. Resolved with one query the first time and cached in the handle: later calls
 * for the same (backend, release, name) cost a hash look-up. */
OPINFO_API int opinfo_db_find_op(opinfo_db *db, const char *backend, const char *release,
                                 const char *name, const opinfo_op **out, opinfo_error_t *err);

/* Row iteration for listings: called once per row with its columns as strings (NULL for SQL
 * NULL). Return non-zero to stop. */
typedef int (*opinfo_row_fn)(int ncols, const char *const *cols, void *userdata);

typedef enum {
    OPINFO_LIST_BACKENDS = 1, /* backend, latest release, release count */
    OPINFO_LIST_RELEASES,     /* backend, version, date, source, ops, variants */
    OPINFO_LIST_SOCS,         /* backend, release, soc, arch, vtcm_mb, attributes */
    OPINFO_LIST_ARCHS,        /* backend, release, arch, rank */
    OPINFO_LIST_OPS,          /* backend, release, op, variants, aliases (comma-separated) */
    OPINFO_LIST_ALIASES       /* backend, release, framework, alias, op */
} opinfo_list_kind;

/* backend/release may be NULL (all backends; latest release of each). */
OPINFO_API int opinfo_db_list(opinfo_db *db, opinfo_list_kind kind, const char *backend,
                              const char *release, opinfo_row_fn fn, void *userdata,
                              opinfo_error_t *err);

/* Differences between two releases of a backend, one row per change: change ("+", "-" or "~"),
 * what (e.g. "op Conv2d variant 16a4w port weight"), field (NULL for whole items), old, new
 * (JSON text, NULL when absent). *count (optional) receives the number of changes. */
OPINFO_API int opinfo_db_diff(opinfo_db *db, const char *backend, const char *release_a,
                              const char *release_b, opinfo_row_fn fn, void *userdata,
                              size_t *count, opinfo_error_t *err);

/* The readable description of an op on a SoC that `opinfo-db show` and `opinfo-check --explain`
 * print: its aliases, ports and every variant with its constraints, and which variants the
 * SoC's arch allows. soc and release may be NULL. *out is malloc'd; free() it. */
OPINFO_API int opinfo_db_explain(opinfo_db *db, const char *backend, const char *release,
                                 const char *soc, const char *op, char **out,
                                 opinfo_error_t *err);

/* ---- Qgraphs and validation ---------------------------------------------------------------- */

/* A quantized graph's annotation (docs/qgraph.md), loaded and checked for well-formedness: every
 * reference resolves, names are unique, arrays have their lengths, shared specs do not cycle.
 * Bad input is OPINFO_EPARSE or OPINFO_EINPUT with file, line and column. */
typedef struct opinfo_qgraph opinfo_qgraph;

#define OPINFO_QGRAPH_FORMAT 1

/* path "-" reads stdin. */
OPINFO_API int opinfo_qgraph_load(const char *path, size_t flags, opinfo_qgraph **out,
                                  opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API int opinfo_qgraph_parse(const char *name, const char *data, size_t len, size_t flags,
                                   opinfo_qgraph **out, opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API void opinfo_qgraph_free(opinfo_qgraph *g);
OPINFO_API size_t opinfo_qgraph_node_count(const opinfo_qgraph *g);
OPINFO_API size_t opinfo_qgraph_tensor_count(const opinfo_qgraph *g);
/* The file's "target" entries ("backend", "soc", "release"), or NULL; "format" is "onnx" for the
 * qgraph of an ONNX model (opinfo_onnx_parse, opinfo_graph_load), else NULL. */
OPINFO_API const char *opinfo_qgraph_target(const opinfo_qgraph *g, const char *key);

/* ONNX models (onnx/, docs/qgraph.md "ONNX models"): a ModelProto, QDQ or float, read natively
 * and turned into the qgraph of its annotation, which every check, fix and overrides run takes
 * like any qgraph. Its nodes carry their index in the model, and diagnostics name it instead of
 * a position. dir is where external data is resolved (NULL refuses external data); path "-"
 * reads stdin. Bad input is OPINFO_EINPUT naming the node (index, name, op) or tensor. */
OPINFO_API int opinfo_onnx_load(const char *path, size_t flags, opinfo_qgraph **out,
                                opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API int opinfo_onnx_parse(const char *name, const void *data, size_t len, const char *dir,
                                 size_t flags, opinfo_qgraph **out,
                                 opinfo_error_t *err) OPINFO_MUST_CHECK;
/* The qgraph JSON text (malloc'd) the reader makes of a model. */
OPINFO_API int opinfo_onnx_qgraph(const char *name, const void *data, size_t len, const char *dir,
                                  size_t flags, char **json, opinfo_error_t *err) OPINFO_MUST_CHECK;
/* 1 when data is to be read as an ONNX model, 0 as JSON (its first non-space byte is { or [). */
OPINFO_API int opinfo_onnx_sniff(const void *data, size_t len);
/* A qgraph or an ONNX model, told apart by content ("-" = stdin). */
OPINFO_API int opinfo_graph_load(const char *path, size_t flags, opinfo_qgraph **out,
                                 opinfo_error_t *err) OPINFO_MUST_CHECK;

typedef enum {
    OPINFO_SEVERITY_NOTE = 0,
    OPINFO_SEVERITY_WARNING,
    OPINFO_SEVERITY_ERROR
} opinfo_severity;

OPINFO_API const char *opinfo_severity_name(opinfo_severity s);

/* One violation. Strings live as long as the report. file/line/column point where a reader
 * should look: the model's source line when the node carries one, else the node in the qgraph
 * (qgraph/qgraph_line/qgraph_column always give the latter). */
typedef struct opinfo_diag {
    const char *rule;     /* stable id, e.g. "arch-gate" (opinfo_rules lists them) */
    opinfo_severity severity;
    const char *message;  /* the whole sentence */
    const char *expected; /* what the backend wants, or NULL */
    const char *actual;   /* what the annotation has, or NULL */
    const char *fix;      /* a suggested fix, or NULL */
    const char *node;
    const char *op;       /* the node's op as written */
    const char *tensor;   /* NULL for node-level rules */
    const char *port;
    const char *variant;  /* the variant the node was checked against, or NULL */
    const char *file;
    int line, column;     /* 1-based; column 0 when the source has none (a Python frame) */
    const char *qgraph;
    int qgraph_line, qgraph_column;
    long node_index;      /* the node's index in its model (ONNX), -1 when none; file then
                           * names the model and line is 0 */
} opinfo_diag;

/* Options of a check. size must be sizeof(opinfo_check_options): fields are appended over time
 * and the library reads only those the caller knows. */
typedef struct opinfo_check_options {
    uint32_t size;
    const char *backend; /* NULL: the qgraph's target */
    const char *soc;     /* NULL: the qgraph's target; required where the backend has SoCs */
    const char *release; /* NULL: the qgraph's target, else the latest */
    size_t flags;        /* OPINFO_CHECK_WARN, OPINFO_CHECK_FULL_DELEGATION */
    size_t max_errors;   /* stop after this many diagnostics; 0 = all */
    /* The plugins to run the backend's own checks from. NULL: the installed plugins, found as
     * opinfo_plugins_open(NULL, 0, 0, ...) finds them ($OPINFO_PLUGIN_PATH, then the directory
     * installed beside the library), opened and closed within the call, as opinfo-check does.
     * The backend's plugin must load: if it does not, the check says so with a
     * backend-unavailable diagnostic (an error in strict mode, a warning in warn mode), never a
     * silent skip. To check the database's constraints alone, set OPINFO_CHECK_NO_PLUGINS.
     * Callers that check many graphs open the plugins once and pass them here. */
    struct opinfo_plugins *plugins;
} opinfo_check_options;

/* Warn mode: violations are warnings and the check passes. Strict (errors) is the default. */
#define OPINFO_CHECK_WARN 0x1u
/* The database's constraints alone: no backend plugin, even when plugins is NULL. */
#define OPINFO_CHECK_NO_PLUGINS 0x100u
/* Full delegation: a node left in float (rule runs-in-float) is an error, not a warning. Warn mode
 * still makes it a warning. A check whose findings are all warnings passes (exit status 0). */
#define OPINFO_CHECK_FULL_DELEGATION 0x2u

typedef struct opinfo_report opinfo_report;

OPINFO_API opinfo_report *opinfo_report_new(void) OPINFO_MUST_CHECK;
OPINFO_API void opinfo_report_free(opinfo_report *r);

/* Checks every node of g and appends the diagnostics to report. Returns OPINFO_OK when the
 * check ran (whatever it found); an error only when it could not run (unknown backend or SoC,
 * database failure). */
OPINFO_API int opinfo_check(opinfo_db *db, const opinfo_qgraph *g,
                            const opinfo_check_options *opt, opinfo_report *report,
                            opinfo_error_t *err);

/* Checking while reading (docs/c-api.md, "Checking while reading"): reads the qgraph or ONNX
 * model at path ("-" = stdin) as opinfo_graph_load does and checks each node as soon as it is
 * read, so that a long file's first diagnostics reach the report (and the progress callback)
 * while the rest is still being read. The report ends exactly as opinfo_graph_load followed by
 * opinfo_check leaves it: the same diagnostics in the same order. A node whose verdict needs
 * what is not read yet (a shared_with through an edge, a chain not yet resolvable, a plugin that
 * looks at the whole graph, a "target" after "nodes") stops the checking while reading; it and
 * every later node are checked once the read ends. A read that fails returns its error and
 * takes the diagnostics it had found back out of the report; a progress callback may have seen
 * them. *out receives the graph when it was read (the caller frees it, whatever the check
 * returned), else NULL. *live (may be NULL) points at the graph while it is being read, for the
 * progress callback's use (opinfo_report_filter_partial); it is NULL again after a failed read.
 * While reading, the progress callback is called after 1, 2, 4, ... 2048 nodes and then every
 * 4096, with a total of 0: the node count is not known yet. */
OPINFO_API int opinfo_check_file(opinfo_db *db, const char *path, const opinfo_check_options *opt,
                                 opinfo_report *report, opinfo_qgraph **live, opinfo_qgraph **out,
                                 opinfo_error_t *err);

OPINFO_API size_t opinfo_report_count(const opinfo_report *r);
OPINFO_API const opinfo_diag *opinfo_report_get(const opinfo_report *r, size_t i);
OPINFO_API size_t opinfo_report_errors(const opinfo_report *r);
OPINFO_API size_t opinfo_report_warnings(const opinfo_report *r);
OPINFO_API size_t opinfo_report_nodes(const opinfo_report *r);  /* nodes checked */
OPINFO_API int opinfo_report_truncated(const opinfo_report *r); /* max_errors reached */
/* Long runs: opinfo_check calls fn after every 4096 nodes of a graph and once after its last,
 * with the nodes checked so far and the graph's node count (0 while opinfo_check_file is still
 * reading: not known yet). The diagnostics found so far are in
 * the report already, so a caller may write them out as they come
 * (opinfo_report_filter_partial, opinfo_report_write_from). fn NULL: none (the default). */
OPINFO_API void opinfo_report_set_progress(opinfo_report *r,
                                           void (*fn)(size_t done, size_t total, void *userdata),
                                           void *userdata);

typedef enum {
    OPINFO_FORMAT_TEXT = 0, /* gcc style: file:line:col: error: message [rule] */
    OPINFO_FORMAT_JSON,
    OPINFO_FORMAT_SARIF,    /* SARIF 2.1.0 */
    OPINFO_FORMAT_JUNIT,
    OPINFO_FORMAT_GITHUB,   /* GitHub Actions workflow commands: ::error file=...,line=...:: */
    OPINFO_FORMAT_JSONL     /* JSON Lines: one object per diagnostic, then a summary line
                             * (schemas/report-line.schema.json) */
} opinfo_format;

/* Renders the report. *out is malloc'd; free() it. */
OPINFO_API int opinfo_report_write(const opinfo_report *r, opinfo_format fmt, char **out,
                                   opinfo_error_t *err);
/* The diagnostics from index `from` on, in a line format (OPINFO_FORMAT_TEXT, _GITHUB or _JSONL),
 * as opinfo_report_write writes them: for writing diagnostics out as a check finds them. JSONL's
 * summary line is not among them: opinfo_report_write_summary writes it. */
OPINFO_API int opinfo_report_write_from(const opinfo_report *r, opinfo_format fmt, size_t from,
                                        char **out, opinfo_error_t *err);
/* What a line format writes after the last diagnostic: JSONL's summary line (counts, target,
 * files); "" for text and github. */
OPINFO_API int opinfo_report_write_summary(const opinfo_report *r, opinfo_format fmt, char **out,
                                           opinfo_error_t *err);

/* SARIF's runs[].invocations: the command line (argv[0] is written by its base name) and the
 * exit status the program will return; without it the invocation says only whether the check
 * ran. OPINFO_ENOMEM, OPINFO_EUSAGE. */
OPINFO_API int opinfo_report_set_invocation(opinfo_report *r, int argc, const char *const *argv,
                                            int exit_code);
/* SARIF locations relative to a checkout: every file under dir (symlinks resolved) is written
 * relative to it with uriBaseId "SRCROOT", and originalUriBaseIds gives SRCROOT's file URI.
 * OPINFO_EIO, naming dir, when it does not resolve. */
OPINFO_API int opinfo_report_set_source_root(opinfo_report *r, const char *dir,
                                             opinfo_error_t *err);

/* A rule's documentation: kept in one table (validator/rules.c) for the validator's rules, in the
 * descriptor for a plugin's (opinfo_plugin_rule, ABI 1.2), and rendered from there to
 * --list-rules, --explain RULE, docs/rules/<id>.md and SARIF's rules[] (docs/rules.md). */
typedef struct opinfo_rule_info {
    const char *id;       /* "fixed-qparams"; a plugin's: "qnn-htp/per-tensor-2bit" */
    const char *summary;  /* one line */
    const char *help;     /* the full description: what it checks and the fact behind it */
    const char *example;  /* a diagnostic as opinfo-check prints it (NULL when none is given) */
    const char *fix;      /* how to fix it (NULL when none is given) */
    const char *plugin;   /* the plugin that documents it; NULL for the validator's own */
    const char *help_uri; /* the rule's page (docs/rules/<id>.md where installed), or NULL */
} opinfo_rule_info;

/* Every rule the validator reports, in a stable order. */
OPINFO_API const opinfo_rule_info *opinfo_rules(size_t *count);

/* The rule with this id: the validator's, else (plugins non-NULL) one a plugin on the search path
 * documents. NULL when none is. */
OPINFO_API const opinfo_rule_info *opinfo_rule_find(struct opinfo_plugins *plugins,
                                                    const char *id);

/* Renders rules for people and programs. opinfo_rules_write: a listing of n rules, format "text"
 * (id and summary, one a line), "json" (an array of objects with every field) or "tsv" (a header
 * line, then one line per rule; tabs and newlines in values written as \t and \n).
 * opinfo_rule_write: one rule in full, format "text" (--explain), "markdown" (its page, SARIF's
 * help.markdown) or "json". *out is malloc'd; free() it. OPINFO_EUSAGE for another format. */
OPINFO_API int opinfo_rules_write(const opinfo_rule_info *rules, size_t n, const char *format,
                                  char **out, opinfo_error_t *err);
OPINFO_API int opinfo_rule_write(const opinfo_rule_info *rule, const char *format, char **out,
                                 opinfo_error_t *err);
/* The whole catalog, the validator's rules then those of the plugins on the search path (plugins
 * may be NULL: the validator's alone), rendered as opinfo_rules_write does. */
OPINFO_API int opinfo_rules_catalog(struct opinfo_plugins *plugins, const char *format,
                                    char **out, opinfo_error_t *err);
/* Where the rules' pages are. opinfo_rules_url: the base the build names (RULES_URL: the
 * installed docs/rules/ by default), which every link of the validator's rules and of the
 * in-tree plugins' starts with. opinfo_rules_url_check: OPINFO_EUSAGE unless url is an absolute
 * URL (a scheme such as https: or file:) of a directory (it ends in '/'), without spaces or
 * control characters; the error's text names what is wrong. opinfo_rule_link: the rule's link
 * with that base replaced by url (NULL: kept), into *out (malloc'd; NULL when the rule has no
 * page); a link elsewhere (a plugin's own page) is kept as it is. */
OPINFO_API const char *opinfo_rules_url(void);
OPINFO_API int opinfo_rules_url_check(const char *url, opinfo_error_t *err);
OPINFO_API int opinfo_rule_link(const opinfo_rule_info *rule, const char *url, char **out,
                                opinfo_error_t *err);
/* The report's rule links (SARIF's helpUri, the github format's) rebased on url, as
 * opinfo_rule_link does; NULL restores the build's. OPINFO_EUSAGE as opinfo_rules_url_check. */
OPINFO_API int opinfo_report_set_rules_url(opinfo_report *r, const char *url, opinfo_error_t *err);
/* --explain: a rule's page when `what` is a rule id (the validator's or a plugin's), else what
 * op `what` needs on backend (opinfo_db_explain; text only). "rule:ID" and "op:NAME" force
 * either; a name that is both a rule and an op of backend is OPINFO_EUSAGE asking which, and so
 * is a name that is no rule when no backend is given (with a "did you mean"). format: as
 * opinfo_rule_write ("text", "markdown", "json"); NULL is text. *out is malloc'd. */
OPINFO_API int opinfo_explain(opinfo_db *db, struct opinfo_plugins *plugins, const char *backend,
                              const char *release, const char *soc, const char *what,
                              const char *format, char **out, opinfo_error_t *err);

/* Selection, suppression and baseline (docs/adoption.md). A filter is applied to a report after
 * each check: it drops diagnostics of rules not selected or ignored, those a node of the graph
 * suppresses ("suppress" in the qgraph), and those a baseline already records. Dropped
 * diagnostics stay readable through the filter as long as the report lives. */
typedef struct opinfo_filter opinfo_filter;

OPINFO_API opinfo_filter *opinfo_filter_new(void) OPINFO_MUST_CHECK;
OPINFO_API void opinfo_filter_free(opinfo_filter *f);
/* Replaces the selected (or ignored) rules: a comma-separated list of rule ids or prefixes of
 * them ("arch-gate", "qnn-htp/", "overrides-"; "ALL" for every rule). NULL or "" selects every
 * rule (ignores none). A name that is neither a rule nor a prefix of one is OPINFO_EUSAGE, with
 * the nearest rule as "did you mean"; names with a '/' are plugin rules and accepted as given. */
OPINFO_API int opinfo_filter_select(opinfo_filter *f, const char *rules, opinfo_error_t *err);
OPINFO_API int opinfo_filter_ignore(opinfo_filter *f, const char *rules, opinfo_error_t *err);
/* Reads a baseline written by opinfo_report_baseline (OPINFO_EPARSE/EINPUT with the position). */
OPINFO_API int opinfo_filter_baseline(opinfo_filter *f, const char *path, opinfo_error_t *err);
/* Filters the diagnostics from index `from` on (those of the last check: pass
 * opinfo_report_count before it), with g's node suppressions (g may be NULL). A suppression
 * without a reason adds an unjustified-suppression warning. */
OPINFO_API int opinfo_report_filter(opinfo_report *r, size_t from, const opinfo_qgraph *g,
                                    opinfo_filter *f, opinfo_error_t *err);
/* The same while a check of g runs (from its progress callback): the diagnostics from `from` on,
 * without the unjustified-suppression warnings, which the final opinfo_report_filter of the check
 * adds once. A baseline is matched in order, as the final call would. */
OPINFO_API int opinfo_report_filter_partial(opinfo_report *r, size_t from,
                                            const opinfo_qgraph *g, opinfo_filter *f,
                                            opinfo_error_t *err);

typedef enum {
    OPINFO_FILTERED_SUPPRESSED = 0, /* by a node's "suppress" */
    OPINFO_FILTERED_BASELINED,      /* recorded in the baseline */
    OPINFO_FILTERED_FIXED           /* in the baseline, not found by any check so far */
} opinfo_filtered;

OPINFO_API size_t opinfo_filter_count(const opinfo_filter *f, opinfo_filtered kind);
/* The i-th diagnostic of a kind; *reason gets the suppression's reason (NULL when none, or for
 * other kinds). A fixed one carries what the baseline recorded: rule, node, op, port, file,
 * message. */
OPINFO_API const opinfo_diag *opinfo_filter_get(const opinfo_filter *f, opinfo_filtered kind,
                                                size_t i, const char **reason);

/* The report's diagnostics as a baseline (JSON, "opinfo_baseline": 1), sorted by fingerprint:
 * rule, node, op and port hashed, so other nodes' names and the order of nodes do not change
 * it. *out is malloc'd. */
OPINFO_API int opinfo_report_baseline(const opinfo_report *r, char **out, opinfo_error_t *err);
/* The stable fingerprint of a diagnostic, as in the baseline and SARIF partialFingerprints. */
OPINFO_API uint64_t opinfo_diag_fingerprint(const opinfo_diag *d);

/* Autofix (docs/autofix.md): checks g, applies every fix that needs no judgement (fixed qparams,
 * shared specs, derived biases, symmetric weights and their ranges, a variant the SoC offers in
 * place of a gated one, conversions where an input's dtype is wrong) and writes the corrected
 * qgraph as JSON to *fixed. *changes lists each change, one line each ("file:line:col: fixed:
 * ..."), and *n_changes counts them. report receives the check of the corrected qgraph: what is
 * left, its diagnostics naming fixed_name. Both strings are malloc'd. */
OPINFO_API int opinfo_autofix(opinfo_db *db, const opinfo_qgraph *g,
                              const opinfo_check_options *opt, const char *fixed_name,
                              char **fixed, char **changes, size_t *n_changes,
                              opinfo_report *report, opinfo_error_t *err);

/* ---- ONNX Runtime's tensor quantization overrides (docs/overrides.md) ------------------------ */

/* ONNX Runtime's TensorQuantOverrides as a JSON file: tensor name -> list of dicts (one per
 * tensor, or one per channel) with quant_type, scale, zero_point, symmetric, reduce_range, rmin,
 * rmax, axis and convert {quant_type, recv_nodes, ...}. quant_type is a QuantType name
 * ("QUInt16") or its enum value. */
typedef struct opinfo_overrides opinfo_overrides;

/* ONNX Runtime's QuantType values. */
enum {
    OPINFO_QT_INT8 = 0,
    OPINFO_QT_UINT8 = 1,
    OPINFO_QT_FLOAT8E4M3FN = 2,
    OPINFO_QT_INT16 = 3,
    OPINFO_QT_UINT16 = 4,
    OPINFO_QT_INT4 = 5,
    OPINFO_QT_UINT4 = 6
};
/* "QUInt16", or NULL. */
OPINFO_API const char *opinfo_quant_type_name(int qt);
/* "QUInt16", "QuantType.QUInt16" or a dtype name ("uint16") -> OPINFO_QT_*, or -1. */
OPINFO_API int opinfo_quant_type_from_name(const char *name);
/* The qgraph dtype of a quant type (OPINFO_DTYPE_UNKNOWN for float8, which qgraphs lack). */
OPINFO_API opinfo_dtype opinfo_quant_type_dtype(int qt);

/* path "-" reads stdin. Bad JSON is OPINFO_EPARSE with line and column; anything but an object
 * at the top is OPINFO_EINPUT. Every other fault is a diagnostic of opinfo_overrides_check. */
OPINFO_API int opinfo_overrides_load(const char *path, opinfo_overrides **out,
                                     opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API int opinfo_overrides_parse(const char *name, const char *data, size_t len,
                                      opinfo_overrides **out, opinfo_error_t *err)
    OPINFO_MUST_CHECK;
OPINFO_API void opinfo_overrides_free(opinfo_overrides *ov);
OPINFO_API size_t opinfo_overrides_count(const opinfo_overrides *ov); /* tensors */
/* The overrides as JSON: quant types by name, recv_nodes sorted. *out is malloc'd. */
OPINFO_API int opinfo_overrides_write(const opinfo_overrides *ov, char **out,
                                      opinfo_error_t *err);

typedef struct opinfo_overrides_options {
    uint32_t size;             /* sizeof(opinfo_overrides_options) */
    const char *backend;       /* NULL: ONNX Runtime's rules only, no type check */
    const char *soc;
    const char *release;
    size_t flags;              /* OPINFO_CHECK_WARN, OPINFO_FIX_ORT */
    int activation_type;       /* default OPINFO_QT_UINT8 (ONNX Runtime's) */
    int activation_symmetric;  /* default 0 */
    int weight_type;           /* default OPINFO_QT_UINT8 */
    int weight_symmetric;      /* default -1: signed weight types are symmetric */
} opinfo_overrides_options;

/* The fixer makes ONNX Runtime's assumption (every op needs one type on all its activations,
 * one hop away) instead of asking the database. */
#define OPINFO_FIX_ORT 0x100u

OPINFO_API void opinfo_overrides_options_init(opinfo_overrides_options *opt);

/* Checks overrides against the graph (whose initializers are the tensors marked "initializer"):
 * every rule ONNX Runtime applies, on every entry and every channel; then, with a backend, that
 * every node's port types under the overrides form a variant its op accepts on the SoC. */
OPINFO_API int opinfo_overrides_check(opinfo_db *db, const opinfo_qgraph *g,
                                      const opinfo_overrides *ov,
                                      const opinfo_overrides_options *opt, opinfo_report *report,
                                      opinfo_error_t *err);

/* Mixed precision: from initial overrides, overrides with convert boundaries (recv_nodes) such
 * that every node's port types form a variant its op accepts. *out is NULL when the fixer could
 * not produce overrides (the report says why); otherwise the report holds what remains wrong
 * with them (nothing, when they are clean). */
OPINFO_API int opinfo_overrides_fix(opinfo_db *db, const opinfo_qgraph *g,
                                    const opinfo_overrides *ov,
                                    const opinfo_overrides_options *opt, opinfo_overrides **out,
                                    opinfo_report *report, opinfo_error_t *err);

/* The overrides under which ONNX Runtime's quantizer gives the float model of g (an ONNX model,
 * typically as opinfo_autofix left it) g's types, relative to the default types of opt: tensors
 * named by their name in the float model ("float_name"), a convert (with recv_nodes) for the
 * consumers that read a tensor in another type, fixed qparams as scale and zero_point
 * (docs/overrides.md, "Overrides from a graph"). */
OPINFO_API int opinfo_overrides_from_qgraph(const opinfo_qgraph *g,
                                            const opinfo_overrides_options *opt,
                                            opinfo_overrides **out, opinfo_error_t *err);

/* ---- Plugins --------------------------------------------------------------------------------- */

/* Backend plugins (include/opinfo/plugin.h, docs/plugin-abi.md), found by file name: the plugin
 * of backend B is B.so in the first directory of the search path that has one. The search path
 * is the directories given, then $OPINFO_PLUGIN_PATH (colon-separated), then the installed plugin
 * directory; never the current directory unless named. A plugin is loaded only when its backend
 * is asked for. */
typedef struct opinfo_plugins opinfo_plugins;

/* Accept plugin files and directories that others may write (refused by default). */
#define OPINFO_PLUGINS_ALLOW_WRITABLE 0x1u
/* Ignore $OPINFO_PLUGIN_PATH and the installed directory: only the directories given. */
#define OPINFO_PLUGINS_ONLY_GIVEN 0x2u

OPINFO_API int opinfo_plugins_open(const char *const *dirs, size_t n_dirs, size_t flags,
                                   opinfo_plugins **out, opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API void opinfo_plugins_close(opinfo_plugins *p);

/* The plugin of a backend: loads it on first use. OPINFO_ENOTFOUND when no directory has one;
 * OPINFO_EINPUT when one was found but refused, with the reason (both ABI versions for a version
 * mismatch, the plugin's own message when its entry failed). A refusal is remembered. */
struct opinfo_plugin;
OPINFO_API int opinfo_plugins_get(opinfo_plugins *p, const char *backend,
                                  const struct opinfo_plugin **out, opinfo_error_t *err);

/* Every plugin file on the search path, each loaded and checked: one row per file with
 * path, name, version, ABI ("1.2"), backends (comma-separated), status ("ok", or
 * "refused: why", or "shadowed by PATH") and the annotation configs (comma-separated). */
OPINFO_API int opinfo_plugins_list(opinfo_plugins *p, opinfo_row_fn fn, void *userdata,
                                   opinfo_error_t *err);

/* The rules the plugins on the search path document (ABI 1.2): every plugin file is loaded and
 * checked as opinfo_plugins_list does, and the rules of those that load ("ok") are returned in
 * path order. The array and its strings belong to p: valid until the next call or
 * opinfo_plugins_close. A plugin older than ABI 1.2 documents none. */
OPINFO_API int opinfo_plugins_rules(opinfo_plugins *p, const opinfo_rule_info **out,
                                    size_t *count, opinfo_error_t *err);

/* The ABI version this library speaks, "1.2". */
OPINFO_API const char *opinfo_plugin_abi_version(void);

/* Annotation: the backend plugin's rules give every tensor of a float graph the spec the backend
 * expects under config ("8a8w", "16a4w-block:64", ...) on soc. *out receives the qgraph with
 * those specs (malloc'd JSON; free() it); everything else of the input is kept. */
OPINFO_API int opinfo_annotate(opinfo_db *db, struct opinfo_plugins *plugins,
                               const opinfo_qgraph *g, const char *backend, const char *soc,
                               const char *release, const char *config, char **out,
                               opinfo_error_t *err);

/* ---- Kernels ------------------------------------------------------------------------------- */

/* Reference kernels with each backend's exact integer numerics (docs/kernels.md), provided by the
 * backend's plugin. opinfo_tensor, opinfo_kernel_attr and opinfo_kernel_fn are defined in
 * <opinfo/plugin.h>; a tensor's dtype is an opinfo_dtype. */
struct opinfo_tensor;
struct opinfo_kernel_attr;
struct opinfo_kernel_call;

/* Runs kernel `name` of the plugin serving `backend`. Each output's data is allocated by the
 * library; release it with opinfo_tensor_release. OPINFO_ENOTFOUND for an unknown kernel,
 * OPINFO_EUSAGE with the kernel's message for bad arguments. */
OPINFO_API int opinfo_kernel_run(struct opinfo_plugins *p, const char *backend, const char *name,
                                 const struct opinfo_tensor *inputs, size_t n_inputs,
                                 const struct opinfo_kernel_attr *attrs, size_t n_attrs,
                                 struct opinfo_tensor *outputs, size_t n_outputs,
                                 opinfo_error_t *err) OPINFO_MUST_CHECK;
/* Frees the data of a tensor filled by opinfo_kernel_run or opinfo_npy_read; NULL-safe. */
OPINFO_API void opinfo_tensor_release(struct opinfo_tensor *t);
/* One row per kernel of the backend's plugin: name, signature. */
OPINFO_API int opinfo_kernel_list(struct opinfo_plugins *p, const char *backend, opinfo_row_fn fn,
                                  void *userdata, opinfo_error_t *err);
/* The kernel's function and signature, for callers that want no look-up per call. */
OPINFO_API int opinfo_kernel_find(struct opinfo_plugins *p, const char *backend, const char *name,
                                  int (**fn)(struct opinfo_kernel_call *), const char **signature,
                                  opinfo_error_t *err);

/* NumPy .npy files (format 1.0, 2.0, 3.0): little-endian, C order, dtypes int8, uint8, int16,
 * uint16, int32, int64 (read only when every value fits int32: read as int32), float32, float64
 * (read as float32 only when every value converts exactly). Anything else is refused with the
 * file and the header's byte offset. Writing is atomic (a temporary file renamed). */
OPINFO_API int opinfo_npy_read(const char *path, struct opinfo_tensor *out, opinfo_error_t *err)
    OPINFO_MUST_CHECK;
OPINFO_API int opinfo_npy_parse(const char *name, const void *data, size_t len,
                                struct opinfo_tensor *out, opinfo_error_t *err) OPINFO_MUST_CHECK;
OPINFO_API int opinfo_npy_write(const char *path, const struct opinfo_tensor *t,
                                opinfo_error_t *err) OPINFO_MUST_CHECK;

/* ---- Formulas ------------------------------------------------------------------------------ */

/* Evaluates a fixed-qparams formula ("1/(qmax-qmin+1)") with + - * / and parentheses over
 * numbers and the names qmin, qmax and bits. OPINFO_EINPUT with a message on a syntax error,
 * an unknown name or a division by zero; err->column points into the formula. */
OPINFO_API int opinfo_formula_eval(const char *expr, double qmin, double qmax, double bits,
                                   double *out, opinfo_error_t *err);

/* Orders release versions as Debian does (docs/constraint-format.md), with the '-' that starts a
 * suffix read as '~' (a pre-release): "2.9" < "2.41" < "2.41.1"; "2.0~rc1" == "2.0-rc1" < "2.0";
 * "2.0" == "2.00". Negative, zero or positive. */
OPINFO_API int opinfo_version_compare(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif /* OPINFO_H */
