/* The rules the validator reports, documented as data: for each, its stable id, a one-line
 * summary, the full description (what it checks, the fact behind it), an example diagnostic and
 * the fix. This table is the one place they are written; the renderers below make of it (and of
 * the rules plugins document through ABI 1.2) what --list-rules, --explain RULE, the pages
 * docs/rules/<id>.md (`make rule-docs`) and SARIF's rules[] show (docs/rules.md). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "validator_internal.h"

/* Where a rule's page is: the installed docs by default (docdir/rules/<id>.md), or the URL the
 * build names (RULES_URL in the Makefile, e.g. a repository's docs/rules/ directory). */
#ifndef OPINFO_RULES_URL
#define OPINFO_RULES_URL "file://" OPINFO_DOCDIR "/rules/"
#endif
#ifndef OPINFO_DOCDIR
#define OPINFO_DOCDIR "/usr/local/share/doc/opinfo"
#endif

#define RULE(id, summary, description, example, fix)                                           \
    {id, summary, description, example, fix, NULL, OPINFO_RULES_URL id ".md"}

static const opinfo_rule_info rules[] = {
    RULE("op-unsupported", "the backend has no such op: the node will not be delegated",
         "The node's op (by name or alias) is not in the backend's constraint data for this "
         "release. The backend leaves such a node to another executor: an op outside the "
         "backend's operator table is not delegated (docs/data-sources-qnn-htp.md, "
         "docs/data-sources-pytorch.md list every op).",
         "model.qgraph.json:29:5: error: rsqrt1: qnn-htp 2.44 has no op \"aten.rsqrt.default\": "
         "node rsqrt1 will not be delegated [op-unsupported]",
         "Check the op's name (opinfo-db ops lists the backend's ops and aliases), or expect the "
         "node to fall back to another executor."),
    RULE("arity", "the node's inputs or outputs do not fit the op's ports",
         "Inputs bind to the op's non-output ports in order (opinfo-db show lists them), outputs "
         "to its output ports; a required port left out, or more tensors than ports, is "
         "reported.",
         "model.qgraph.json:30:5: error: conv1: node conv1 (aten.conv2d.default) lacks its weight "
         "weight [arity]",
         "Give the node one tensor per port, in the order opinfo-db show OP --backend B lists "
         "the ports."),
    RULE("no-variant", "no variant of the op accepts the node's dtypes",
         "Every op has variants (PyTorch's DTypeConfigs, QNN's OpInfos), each an accepted "
         "combination of port dtypes. None matches the node's. ExecuTorch skips such nodes and "
         "counts them valid; opinfo reports them, naming the closest variant and what it needs.",
         "model.qgraph.json:15:5: error: ln3: no variant of LayerNorm takes (input uint8, output "
         "int8); closest: quint8 (input uint8, output uint8) [no-variant]",
         "Quantize the node's ports with the dtypes of the variant the message names "
         "(opinfo-check --explain OP --backend B lists every variant)."),
    RULE("arch-gate", "the matching variant needs a newer (or older) arch than the SoC has",
         "A variant is gated by arch (QNN HTP: 16-bit activations with 16-bit weights need v73 "
         "or newer, LPBQ weights v69 or newer; docs/data-sources-qnn-htp.md, Gates). The node "
         "matches a variant the target SoC's arch does not offer.",
         "model.onnx: node 4: error: y_node: MatMul 16a16w (in0 uint16, in1 int16, output "
         "uint16) needs arch v73 or newer; SM8350 is v68 (16-bit activations with 16-bit "
         "weights require HTP v73 or newer) [arch-gate]",
         "Use a variant the SoC offers (e.g. 16a8w on v69, which the message lists), or target "
         "a SoC of the needed arch."),
    RULE("qscheme", "the tensor's qscheme is not one the port allows",
         "The port's spec lists the qschemes it takes: e.g. symmetric weights where per-tensor "
         "affine ones are given, or per-channel where a 2-bit weight is per-tensor.",
         "model.qgraph.json:61:5: error: conv1: weight w is per_tensor_affine; Conv2d 8a8w "
         "needs per_tensor_symmetric or per_channel_symmetric [qscheme]",
         "Quantize the tensor with a qscheme the message names (the observer's qscheme)."),
    RULE("symmetric", "the port needs symmetric quantization",
         "The qscheme must be symmetric and the zero point 0 for signed dtypes, (qmin+qmax+1)/2 "
         "for unsigned ones (128 for uint8, 32768 for uint16).",
         "model.qgraph.json:38:5: error: fc1: weight w must be symmetric: its zero point is 3, "
         "not 0 [symmetric]",
         "Use a symmetric observer (qscheme per_tensor_symmetric or per_channel_symmetric), "
         "which gives the zero point the message names."),
    RULE("axis", "per-channel quantization along an axis the port does not allow",
         "Convolution and linear weights are quantized along their output channels (axis 0), "
         "transposed convolution weights along axis 1.",
         "model.qgraph.json:28:5: error: conv1: weight w is quantized per channel along axis 1; "
         "Conv2d 8a8w needs axis 0 [axis]",
         "Set the per-channel observer's ch_axis to the axis the message names."),
    RULE("block-size", "per-block quantization breaks the port's block rules",
         "Block-wise (LPBQ) weights must be cut along the allowed axes, in sizes the backend "
         "takes and that divide the dimension.",
         "model.qgraph.json:37:5: error: conv1: weight w: blocks along axis 2 are not allowed for "
         "Conv3d 16a4w-block [block-size]",
         "Cut the blocks along the input-channel axis, in a block size the backend takes that "
         "divides the dimension (e.g. 16a4w-block:32)."),
    RULE("quant-range", "the observer's quant range exceeds the port's bounds",
         "The port bounds quant_min and quant_max: e.g. XNNPACK's qint8 weights must use "
         "[-127, 127], not [-128, 127] (docs/data-sources-pytorch.md, section 4).",
         "model.py:42:17: error: conv1: weight w has quant range [-128, 127]; Conv2d 8a8w allows "
         "[-127, 127] [quant-range]",
         "Set the observer's quant_min/quant_max to the range the message names."),
    RULE("observer-range", "the observer's quant range is one PyTorch cannot build",
         "PyTorch's observers require quant_min <= 0 <= quant_max and quant_min < quant_max "
         "(PyTorch's torch/ao/quantization/observer.py, _validate_qmin_qmax), inside the "
         "dtype's range. A range that excludes 0 cannot represent 0 exactly; a single value "
         "quantizes everything to it.",
         "model.qgraph.json:17:5: error: relu2: input a has quant range [0, 256], which exceeds "
         "uint8's range [0, 255] [observer-range]",
         "Give the observer a range that contains 0 and fits the dtype, e.g. the dtype's own."),
    RULE("scale-range", "a scale (or, before calibration, the observer's eps) is out of bounds",
         "E.g. XNNPACK needs scales >= 2^-12. Before calibration the observer's eps is checked, "
         "as PyTorch does: eps below the bound lets calibration produce scales below it. On "
         "every backend a scale must be a normal float32 (QNN, XNNPACK and FBGEMM store float32 "
         "scales): one that rounds to 0, to a subnormal or to infinity is reported.",
         "model.qgraph.json:34:5: error: add1: input x has scale 0.0001; Add qint8-symmetric "
         "needs scales >= 0.000244140625 [scale-range]",
         "Set the observer's eps to the bound (e.g. 2**-12), or recalibrate so the scale is "
         "within it."),
    RULE("zero-point", "the zero point differs from the one the port requires",
         "Some ports require one zero point (e.g. a symmetric port of an unsigned dtype, or a "
         "port the backend fixes); the tensor's differs.",
         "model.qgraph.json:40:5: error: add1: output y has zero point 3; Add 8a8w needs 128 "
         "[zero-point]",
         "Quantize the tensor with the zero point the message names."),
    RULE("fixed-qparams", "a fixed-qparams output has other qparams, or a calibrating observer",
         "Sigmoid, Tanh, HardSigmoid and Softmax outputs have fixed scale and zero point per "
         "dtype (e.g. 1/256 and 0 for uint8 sigmoid; QNN: 1/65536 for uint16 sigmoid; 1/32768 "
         "with zero point 32768, QNN offset -32768, for uint16 tanh). Compared exactly in "
         "float32.",
         "model.qgraph.json:30:5: error: sig1: output s of Sigmoid uint8 needs the fixed qparams "
         "scale 0.00390625, zero_point 0, but its observer calibrates (no fixed values) "
         "[fixed-qparams]",
         "Use a fixed-qparams observer with the values the message names."),
    RULE("shared-spec", "a math-invariant output does not share its input's quantization",
         "Reshape, view, transpose and similar ops must output exactly the input's "
         "quantization. Once calibrated, equal scale and zero point are accepted too.",
         "model.qgraph.json:61:5: error: relu1: output yr of math-invariant ReLU must share "
         "input y's quantization, but it has its own observer [shared-spec]",
         "Annotate the output with shared_with its input (PT2E's SharedQuantizationSpec)."),
    RULE("derived-bias",
         "a bias is not derived from input scale x weight scale, or its zero point is not 0",
         "Bias scale = input scale x weight scale (per channel), zero point 0, compared with a "
         "relative tolerance of 1e-6 (frameworks compute the product in float32). Before "
         "calibration the bias must be derived_from exactly those tensors.",
         "model.qgraph.json:38:5: error: conv1: bias b has zero point 5; a derived bias has zero "
         "point 0 [derived-bias]",
         "Annotate the bias with derived_from [input, weight] (PT2E's DerivedQuantizationSpec)."),
    RULE("requant-scale", "input scale x weight scale / output scale is out of range",
         "XNNPACK requires 2^-32 <= in_scale * w_scale / out_scale < 256 for every output "
         "channel (docs/data-sources-pytorch.md, section 4).",
         "model.qgraph.json:38:5: error: fc1: requantization scale 256 of Linear qint8-symmetric "
         "is outside [2.32830644e-10, 256) (input scale x weight scale / output scale) "
         "[requant-scale]",
         "Recalibrate so the output scale is closer to input scale x weight scale (a wider "
         "output range, or narrower weights)."),
    RULE("backend-unavailable", "the backend's plugin did not load, so its own checks did not run",
         "A check that uses plugins fails closed: a plugin that is missing or refused (wrong "
         "ABI, failed init, writable by others) is an error in strict mode and a warning in "
         "warn mode, never a silent skip (docs/plugin-abi.md).",
         "model.qgraph.json:1:1: error: qnn-htp: the qnn-htp plugin is unavailable, so the "
         "backend's own checks did not run: no plugin for backend qnn-htp (qnn-htp.so on the "
         "plugin path: --plugin-path, $OPINFO_PLUGIN_PATH, the installed plugin directory) "
         "[backend-unavailable]",
         "Install the backend's plugin, or point --plugin-path at it; opinfo-check "
         "--list-plugins says what was found and why any was refused."),
    RULE("overrides-unknown-tensor", "a TensorQuantOverrides entry names a tensor the model lacks",
         "ONNX Runtime refuses overrides for tensors that are neither initializers nor value "
         "infos (ONNX Runtime's tensor_quant_overrides.py, is_valid; docs/overrides.md).",
         "overrides.json:2:8: error: Z: Tensor 'Z' in TensorQuantOverrides is not present in the "
         "model [overrides-unknown-tensor]",
         "Use the tensor's name in the model, or drop the entry."),
    RULE("overrides-structure", "a TensorQuantOverrides entry is not a list of dicts of known keys",
         "Every entry is a list of dicts; keys are quant_type, scale, zero_point, symmetric, "
         "reduce_range, rmin, rmax, axis and convert (with recv_nodes inside convert), each with "
         "its type. ONNX Runtime silently ignores unknown keys; opinfo refuses them (a misspelt "
         "key changes nothing).",
         "overrides.json:4:21: error: A: 'quant_type' for 'A' is not a QuantType "
         "[overrides-structure]",
         "Write the entry as a list of dicts with the keys and value types docs/overrides.md "
         "lists."),
    RULE("overrides-scale-zero-point", "scale without zero_point, or the reverse",
         "ONNX Runtime needs both or neither, in the tensor's dict, in convert, and in every "
         "channel once channel 0 has them.",
         "overrides.json:9:16: error: Y: Must provide both 'scale' and 'zero_point' if one of "
         "the overrides is provided (tensor 'Y') [overrides-scale-zero-point]",
         "Give both scale and zero_point, or neither."),
    RULE("overrides-invalid-with-scale", "symmetric, reduce_range, rmin or rmax given with scale",
         "An explicit scale and zero point are used verbatim, so options that shape a computed "
         "range are refused beside them.",
         "overrides.json:3:5: error: A: Tensor override option(s) [rmax] are invalid with 'scale' "
         "and 'zero_point' (tensor 'A') [overrides-invalid-with-scale]",
         "Drop the options the message names, or drop scale and zero_point."),
    RULE("overrides-reduce-range", "reduce_range on an activation",
         "ONNX Runtime supports reduce_range only for initializers (weights), also inside "
         "convert.",
         "overrides.json:6:25: error: A: Option 'reduce_range' is only supported for "
         "initializers, not for activation A [overrides-reduce-range]",
         "Drop reduce_range from the activation's entry."),
    RULE("overrides-convert", "a convert entry ONNX Runtime refuses",
         "convert is for activations only, must name a quant_type different from the tensor's "
         "own, and (opinfo's rule) its recv_nodes must name nodes that read the tensor.",
         "overrides.json:8:11: error: A: 'recv_nodes' for 'A' names node 'n9', which is not in "
         "the model [overrides-convert]",
         "Convert activations only, to another quant_type, for nodes that read the tensor."),
    RULE("overrides-per-channel", "per-channel overrides that do not fit the tensor",
         "Per-channel overrides need an initializer, an axis in the first dict within the "
         "tensor's rank, and one dict per channel (or a single dict).",
         "overrides.json:4:15: error: W: Axis override value is out-of-bounds for tensor W (rank "
         "3) [overrides-per-channel]",
         "Give an initializer one dict per channel, with an axis within its rank in the first."),
    RULE("overrides-rmin-rmax", "rmin without rmax, or the reverse",
         "Both or neither, and in every channel once channel 0 has them.",
         "overrides.json:3:5: error: W: Must provide both 'rmin' and 'rmax' if one is provided "
         "(tensor 'W', channel 0) [overrides-rmin-rmax]",
         "Give both rmin and rmax, or neither."),
    RULE("overrides-channel-mismatch",
         "channels disagree on quant_type, axis, symmetric or reduce_range",
         "Every channel dict must repeat channel 0's values or leave them out. ONNX Runtime's "
         "own message names neither tensor nor index; opinfo names both.",
         "overrides.json:16:5: error: W: Channel axis for tensor 'W' does not match at channel "
         "1. [overrides-channel-mismatch]",
         "Repeat channel 0's value in the channel the message names, or leave it out there."),
    RULE("overrides-no-variant", "under the overrides, a node's port types form no variant of its op",
         "Each port's type follows from the overrides (convert and recv_nodes included) and the "
         "default activation and weight types; the op's variants on the SoC say which "
         "combinations run.",
         "graph.qgraph.json:19:5: error: mm: under the overrides node mm (MatMul) has in0 uint8, "
         "in1 int8 symmetric, output uint8: no variant of MatMul SM8650 takes that (it offers "
         "8a8w (uint8/uint8/uint8); 16a8w (uint16/uint8/uint16); 16a16w (uint16/int16 "
         "sym/uint16)) [overrides-no-variant]",
         "Run opinfo-check fix-overrides, which writes the conversions, or override the types "
         "the message lists."),
    RULE("overrides-conflict", "the mixed-precision fixer met contradictory type requests",
         "Two overridden tensors ask one tensor for different types (ONNX Runtime's fixer raises "
         "the same ValueError).",
         "graph.qgraph.json:12:5: error: y: Tensor y has consumers requesting different types. "
         "[overrides-conflict]",
         "Override fewer tensors, or give the conflicting tensor's types yourself."),
    RULE("overrides-changed", "the fixer changed a convert the user gave",
         "A convert from the initial overrides is the user's: when the fixer adds to its "
         "recv_nodes (or names them where it had none, i.e. all consumers), the change is "
         "reported, as a warning.",
         "overrides.json:5:7: warning: A: the fixer changed the convert you gave 'A': "
         "{\"quant_type\":\"QUInt16\"} became {\"quant_type\":\"QUInt16\",\"recv_nodes\":[\"n2\"]} "
         "[overrides-changed]",
         "Keep the fixed file's convert, or give the consumers' types yourself."),
    RULE("overrides-unexamined", "a node the overrides' type check could not examine, and why",
         "A node whose op the backend lacks, whose inputs do not bind to the op's ports, or "
         "whose port has a type without a dtype is reported, never passed as clean.",
         "graph.qgraph.json:20:5: error: r1: node r1 (Rsqrt) was not examined under the "
         "overrides: qnn-htp 2.44 has no op Rsqrt [overrides-unexamined]",
         "Fix what the message names (the op, the node's inputs, the type), then check again."),
    RULE("runs-in-float", "the node stays in float: the backend will not run it",
         "A node none of whose tensors is quantized (or that carries float_reason) is left in "
         "float by the framework: PyTorch's convert keeps it a float op, and ExecuTorch's "
         "partitioner counts such a node as not delegated. Reported once per node, never as "
         "no-variant; a warning, an error under --full-delegation.",
         "model.py:12:9: warning: gelu1: torch.nn.functional.gelu runs in float and is "
         "not delegated (none of its tensors is quantized) [runs-in-float]",
         "Quantize the node (give its ports a quantization spec), or accept the float fallback."),
    RULE("dynamic-mismatch", "static and dynamic quantization are mixed on one kernel",
         "A dynamic kernel (PyTorch's dynamic int8 Linear, XNNPACK's qd8 kernels) computes its "
         "input's qparams at run time and outputs float: a statically observed input is not "
         "what it runs. A static kernel needs qparams fixed at calibration: a dynamic input "
         "with a quantized (static) output matches no kernel.",
         "model.qgraph.json:18:5: error: dynamic_weight: weight wd is quantized dynamically; "
         "Linear dynamic-int8 takes it with static qparams [dynamic-mismatch]",
         "Quantize the input dynamically and keep the output float, or observe both "
         "statically."),
    RULE("unjustified-suppression", "a node suppresses a rule without giving a reason",
         "A node's \"suppress\" entry hides a rule's diagnostics on that node "
         "(docs/adoption.md); without a \"reason\" the next reader cannot tell why. The "
         "suppression still applies.",
         "model.qgraph.json:72:5: warning: view1: the suppression of shared-spec has no reason "
         "[unjustified-suppression]",
         "Add a one-line \"reason\" to the suppress entry."),
};

const opinfo_rule_info *opinfo_rules(size_t *count)
{
    if (count)
        *count = sizeof rules / sizeof rules[0];
    return rules;
}

/* Rules reported as warnings unless the caller asks otherwise (SARIF's defaultConfiguration). */
int oi_rule_default_warning(const char *id)
{
    return id && (strcmp(id, "runs-in-float") == 0 || strcmp(id, "unjustified-suppression") == 0 ||
                  strcmp(id, "overrides-changed") == 0);
}

const opinfo_rule_info *oi_rule_builtin(const char *id)
{
    for (size_t i = 0; id && i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

const opinfo_rule_info *opinfo_rule_find(struct opinfo_plugins *plugins, const char *id)
{
    const opinfo_rule_info *r = oi_rule_builtin(id);
    if (r || !id || !plugins || !strchr(id, '/'))
        return r;
    const opinfo_rule_info *pr;
    size_t n;
    if (opinfo_plugins_rules(plugins, &pr, &n, NULL) != OPINFO_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(pr[i].id, id) == 0)
            return &pr[i];
    return NULL;
}

/* ---- renderers ------------------------------------------------------------------------------- */

static const char *or_none(const char *s) { return s && *s ? s : NULL; }

/* text without a line break or tab: a listing's value (tsv) */
static void put_cell(oi_buf *b, const char *s)
{
    for (; s && *s; s++)
        if (*s == '\t')
            oi_buf_puts(b, "\\t");
        else if (*s == '\n')
            oi_buf_puts(b, "\\n");
        else if (*s == '\\')
            oi_buf_puts(b, "\\\\");
        else
            oi_buf_add(b, s, 1);
}

/* s wrapped at 80 columns after indent, for the terminal */
static void put_wrapped(oi_buf *b, const char *s, const char *indent)
{
    size_t col = 0;
    while (s && *s) {
        const char *sp = strchr(s, ' ');
        size_t w = sp ? (size_t)(sp - s) : strlen(s);
        if (col && col + 1 + w > 96 - strlen(indent)) {
            oi_buf_puts(b, "\n");
            col = 0;
        }
        if (!col)
            oi_buf_puts(b, indent);
        else
            oi_buf_puts(b, " ");
        oi_buf_add(b, s, w);
        col += w + (col ? 1 : 0);
        s += w;
        while (*s == ' ')
            s++;
    }
    oi_buf_puts(b, "\n");
}

json_t *oi_rule_json(const opinfo_rule_info *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "summary", json_string(r->summary));
    json_object_set_new(o, "description", or_none(r->help) ? json_string(r->help) : json_null());
    json_object_set_new(o, "example", or_none(r->example) ? json_string(r->example)
                                                          : json_null());
    json_object_set_new(o, "fix", or_none(r->fix) ? json_string(r->fix) : json_null());
    json_object_set_new(o, "plugin", r->plugin ? json_string(r->plugin) : json_null());
    json_object_set_new(o, "default_level",
                        json_string(oi_rule_default_warning(r->id) ? "warning" : "error"));
    json_object_set_new(o, "help_uri", r->help_uri ? json_string(r->help_uri) : json_null());
    return o;
}

static char *dump(json_t *root)
{
    char *s = root ? oi_json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    return t;
}

int opinfo_rules_write(const opinfo_rule_info *rs, size_t n, const char *format, char **out,
                       opinfo_error_t *err)
{
    if ((n && !rs) || !format || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_rules_write: NULL argument");
    char *s = NULL;
    if (strcmp(format, "json") == 0) {
        oi_json_watch();
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, oi_rule_json(&rs[i]));
        s = dump(a);
        if (oi_json_failed()) {
            free(s);
            s = NULL;
        }
    } else if (strcmp(format, "text") == 0 || strcmp(format, "tsv") == 0) {
        int tsv = format[0] == 't' && format[1] == 's';
        oi_buf b;
        oi_buf_init(&b);
        if (tsv)
            oi_buf_puts(&b, "id\tsummary\tplugin\tdefault_level\thelp_uri\n");
        for (size_t i = 0; i < n; i++) {
            if (!tsv) {
                oi_buf_printf(&b, "%-28s %s\n", rs[i].id, rs[i].summary);
                continue;
            }
            put_cell(&b, rs[i].id);
            oi_buf_puts(&b, "\t");
            put_cell(&b, rs[i].summary);
            oi_buf_puts(&b, "\t");
            put_cell(&b, rs[i].plugin);
            oi_buf_printf(&b, "\t%s\t", oi_rule_default_warning(rs[i].id) ? "warning" : "error");
            put_cell(&b, rs[i].help_uri);
            oi_buf_puts(&b, "\n");
        }
        s = oi_buf_steal(&b);
    } else
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "a rule listing's format is text, json or tsv, not \"%s\"", format);
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    *out = s;
    return OPINFO_OK;
}

/* The rule's page: what docs/rules/<id>.md holds and SARIF's help.markdown carries. */
static void put_markdown(oi_buf *b, const opinfo_rule_info *r)
{
    oi_buf_printf(b, "# `%s`\n\n%s.\n\n", r->id, r->summary);
    if (or_none(r->help))
        oi_buf_printf(b, "%s\n\n", r->help);
    oi_buf_printf(b, "Default level: %s. ",
                  oi_rule_default_warning(r->id) ? "warning" : "error (warning under --warn)");
    if (r->plugin)
        oi_buf_printf(b, "Reported by the `%s` plugin's checks.\n\n", r->plugin);
    else
        oi_buf_puts(b, "Reported by opinfo-check's validator.\n\n");
    if (or_none(r->example))
        oi_buf_printf(b, "## Example\n\n```\n%s\n```\n\n", r->example);
    if (or_none(r->fix))
        oi_buf_printf(b, "## Fix\n\n%s\n\n", r->fix);
    oi_buf_printf(b, "`opinfo-check --explain %s` prints this page; `opinfo-check --list-rules` "
                     "lists every rule.\n",
                  r->id);
}

static void put_text(oi_buf *b, const opinfo_rule_info *r)
{
    oi_buf_printf(b, "%s: %s\n", r->id, r->summary);
    if (r->plugin)
        oi_buf_printf(b, "  (a rule of the %s plugin)\n", r->plugin);
    oi_buf_puts(b, "\n");
    if (or_none(r->help)) {
        put_wrapped(b, r->help, "  ");
        oi_buf_puts(b, "\n");
    }
    if (or_none(r->example)) {
        oi_buf_puts(b, "example:\n");
        oi_buf_printf(b, "  %s\n\n", r->example);
    }
    if (or_none(r->fix)) {
        oi_buf_puts(b, "fix:\n");
        put_wrapped(b, r->fix, "  ");
        oi_buf_puts(b, "\n");
    }
    oi_buf_printf(b, "default level: %s\n",
                  oi_rule_default_warning(r->id) ? "warning" : "error (warning under --warn)");
    if (r->help_uri)
        oi_buf_printf(b, "documentation: %s\n", r->help_uri);
}

char *oi_rule_render(const opinfo_rule_info *r, int markdown)
{
    oi_buf b;
    oi_buf_init(&b);
    if (markdown)
        put_markdown(&b, r);
    else
        put_text(&b, r);
    return oi_buf_steal(&b);
}

int opinfo_rule_write(const opinfo_rule_info *r, const char *format, char **out,
                      opinfo_error_t *err)
{
    if (!r || !r->id || !r->summary || !format || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_rule_write: NULL argument");
    char *s;
    if (strcmp(format, "json") == 0) {
        oi_json_watch();
        s = dump(oi_rule_json(r));
        if (oi_json_failed()) {
            free(s);
            s = NULL;
        }
    } else if (strcmp(format, "text") == 0 || strcmp(format, "markdown") == 0)
        s = oi_rule_render(r, format[0] == 'm');
    else
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "a rule's format is text, markdown or json, not \"%s\"", format);
    if (!s)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    *out = s;
    return OPINFO_OK;
}

/* ---- where the pages are ---------------------------------------------------------------------- */

const char *opinfo_rules_url(void) { return OPINFO_RULES_URL; }

/* A URL --rules-url may name: a scheme, then a directory's path (docs/rules.md) */

int opinfo_rules_url_check(const char *url, opinfo_error_t *err)
{
    if (!url)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_rules_url_check: NULL URL");
    size_t n = strlen(url), i = 0;
    if (n > 2000)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "a URL of %zu bytes: at most 2000", n);
    for (const unsigned char *u = (const unsigned char *)url; *u; u++)
        if (*u <= ' ' || *u == 0x7f || strchr("\"<>\\^`{|}", *u))
            return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                                "\"%s\" is not a URL: %s", url,
                                *u <= ' ' || *u == 0x7f ? "it holds a space or a control character"
                                                        : "it holds a character a URL escapes");
    /* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' */
    while (url[i] && ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
                      (i && ((url[i] >= '0' && url[i] <= '9') || strchr("+-.", url[i])))))
        i++;
    if (i < 2 || url[i] != ':' || !url[i + 1])
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "\"%s\" is not a URL: it needs a scheme, such as https:// or file://",
                            url);
    if (url[n - 1] != '/')
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "\"%s\" does not end in '/': give the directory of the rules' "
                            "pages (docs/rules/)",
                            url);
    return OPINFO_OK;
}

int oi_rule_link(const char *help_uri, const char *base, char **out)
{
    const char *from = OPINFO_RULES_URL;
    size_t fl = strlen(from);
    *out = NULL;
    if (!help_uri)
        return 0;
    if (!base || strncmp(help_uri, from, fl) != 0)
        return (*out = strdup(help_uri)) ? 0 : -1;
    size_t bl = strlen(base), rl = strlen(help_uri + fl);
    if (!(*out = malloc(bl + rl + 1)))
        return -1;
    memcpy(*out, base, bl);
    memcpy(*out + bl, help_uri + fl, rl + 1);
    return 0;
}

int opinfo_rule_link(const opinfo_rule_info *rule, const char *url, char **out,
                     opinfo_error_t *err)
{
    int rc;
    if (!rule || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_rule_link: NULL argument");
    if (url && (rc = opinfo_rules_url_check(url, err)) != OPINFO_OK)
        return rc;
    if (oi_rule_link(rule->help_uri, url, out))
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    return OPINFO_OK;
}

/* ---- the catalog and --explain ---------------------------------------------------------------- */

int opinfo_rules_catalog(struct opinfo_plugins *plugins, const char *format, char **out,
                         opinfo_error_t *err)
{
    size_t nb, np = 0;
    const opinfo_rule_info *b = opinfo_rules(&nb), *p = NULL;
    int rc;
    if (plugins && (rc = opinfo_plugins_rules(plugins, &p, &np, err)) != OPINFO_OK)
        return rc;
    opinfo_rule_info *all = malloc((nb + np) * sizeof *all);
    if (!all)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    memcpy(all, b, nb * sizeof *all);
    if (np)
        memcpy(all + nb, p, np * sizeof *all);
    rc = opinfo_rules_write(all, nb + np, format, out, err);
    free(all);
    return rc;
}

int opinfo_explain(opinfo_db *db, struct opinfo_plugins *plugins, const char *backend,
                   const char *release, const char *soc, const char *what, const char *format,
                   char **out, opinfo_error_t *err)
{
    if (!what || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_explain: NULL argument");
    if (!format)
        format = "text";
    int want_rule = strncmp(what, "rule:", 5) == 0, want_op = strncmp(what, "op:", 3) == 0;
    const char *name = what + (want_rule ? 5 : want_op ? 3 : 0);
    const opinfo_rule_info *rule = want_op ? NULL : opinfo_rule_find(plugins, name);
    if (rule && !want_rule && backend && db) {
        const opinfo_op *op;
        if (opinfo_db_find_op(db, backend, release, name, &op, NULL) == OPINFO_OK)
            return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                                "--explain %s: both a rule and an op of %s; say which: "
                                "--explain rule:%s or --explain op:%s",
                                name, backend, name, name);
    }
    if (rule)
        return opinfo_rule_write(rule, format, out, err);
    if (want_rule || !backend) {
        const char *near = oi_nearest_rule(name);
        return oi_set_error(err, want_rule ? OPINFO_ENOTFOUND : OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "--explain %s: no rule of that id%s%s%s (--list-rules lists them)%s",
                            name, near ? " (did you mean \"" : "", near ? near : "",
                            near ? "\"?)" : "",
                            want_rule ? "" : "; to explain an op, give --backend");
    }
    if (strcmp(format, "text") != 0)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "--explain OP prints text only, not \"%s\"", format);
    if (!db)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_explain: no database");
    return opinfo_db_explain(db, backend, release, soc, name, out, err);
}
