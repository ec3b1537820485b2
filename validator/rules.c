/* The rules the validator reports: stable ids, one line each, and help. docs/rules.md is the
 * long form; `opinfo-check --list-rules` prints this table. */
#include <string.h>
#include "validator_internal.h"

static const opinfo_rule_info rules[] = {
    {"op-unsupported", "the backend has no such op: the node will not be delegated",
     "The node's op (by name or alias) is not in the backend's constraint data for this "
     "release. The backend will leave the node to another executor. Fix: check the op name, or "
     "expect the node to fall back."},
    {"arity", "the node's inputs or outputs do not fit the op's ports",
     "Inputs bind to the op's non-output ports in order (opinfo-db show lists them), outputs to "
     "its output ports; a required port left out, or more tensors than ports, is reported."},
    {"no-variant", "no variant of the op accepts the node's dtypes",
     "Every op has variants (PyTorch's DTypeConfigs, QNN's OpInfos), each an accepted "
     "combination of port dtypes. None matches the node's. ExecuTorch skips such nodes and counts "
     "them valid; opinfo reports them, naming the closest variant and what it needs."},
    {"arch-gate", "the matching variant needs a newer (or older) arch than the SoC has",
     "A variant is gated by arch (QNN HTP: 16-bit activations with 16-bit weights need v73+, "
     "LPBQ weights v69+). Fix: a variant the SoC offers (e.g. 16a8w on v69), or a SoC of the "
     "needed arch."},
    {"qscheme", "the tensor's qscheme is not one the port allows",
     "E.g. per-tensor affine weights where symmetric weights are required, or per-tensor 2-bit "
     "weights where only per-channel is supported. Fix: the qscheme the message names."},
    {"symmetric", "the port needs symmetric quantization",
     "The qscheme must be symmetric and the zero point 0 for signed dtypes, (qmin+qmax+1)/2 for "
     "unsigned ones (128 for uint8, 32768 for uint16)."},
    {"axis", "per-channel quantization along an axis the port does not allow",
     "Convolution and linear weights are quantized along their output channels (axis 0), "
     "transposed convolution weights along axis 1."},
    {"block-size", "per-block quantization breaks the port's block rules",
     "Block-wise (LPBQ) weights must be cut along the allowed axes, in sizes the backend takes "
     "and that divide the dimension."},
    {"quant-range", "the observer's quant range exceeds the port's bounds",
     "E.g. XNNPACK's qint8 weights must use [-127, 127], not [-128, 127]. Fix: set the observer's "
     "quant_min/quant_max."},
    {"observer-range", "the observer's quant range is one PyTorch cannot build",
     "PyTorch's observers require quant_min <= 0 <= quant_max and quant_min < quant_max "
     "(observer.py, _validate_qmin_qmax), inside the dtype's range. A range that excludes 0 "
     "cannot represent 0 exactly; a single value quantizes everything to it. Fix: a range "
     "that contains 0, e.g. the dtype's."},
    {"scale-range", "a scale (or, before calibration, the observer's eps) is out of bounds",
     "E.g. XNNPACK needs scales >= 2^-12. Before calibration the observer's eps is checked, as "
     "PyTorch does: eps below the bound lets calibration produce scales below it. On every "
     "backend a scale must be a normal float32 (QNN, XNNPACK and FBGEMM store float32 scales): "
     "one that rounds to 0, to a subnormal or to infinity is reported."},
    {"zero-point", "the zero point differs from the one the port requires", "Fix: quantize "
                                                                              "with the named "
                                                                              "zero point."},
    {"fixed-qparams", "a fixed-qparams output has other qparams, or a calibrating observer",
     "Sigmoid, Tanh, HardSigmoid and Softmax outputs have fixed scale and zero point per dtype "
     "(e.g. 1/256 and 0 for uint8 sigmoid; QNN: 1/65536 for uint16 sigmoid; 1/32768 with zero "
     "point 32768, QNN offset -32768, for uint16 tanh). Compared exactly in float32. Fix: a "
     "fixed-qparams observer with the named values."},
    {"shared-spec", "a math-invariant output does not share its input's quantization",
     "Reshape, view, transpose and similar ops must output exactly the input's quantization: "
     "annotate the output with shared_with its input. Once calibrated, equal scale and zero point "
     "are accepted too."},
    {"derived-bias", "a bias is not derived from input scale x weight scale, or its zero point is "
                     "not 0",
     "Bias scale = input scale x weight scale (per channel), zero point 0, compared with a "
     "relative tolerance of 1e-6. Fix: annotate the bias with derived_from [input, weight]."},
    {"requant-scale", "input scale x weight scale / output scale is out of range",
     "XNNPACK requires 2^-32 <= in_scale * w_scale / out_scale < 256 for every output channel."},
    {"backend-unavailable", "the backend's plugin did not load, so its own checks did not run",
     "A check that uses plugins fails closed: a plugin that is missing or refused (wrong ABI, "
     "failed init, writable by others) is an error in strict mode and a warning in warn mode, "
     "never a silent skip. opinfo-check --list-plugins says what was found and why."},
    {"overrides-unknown-tensor", "a TensorQuantOverrides entry names a tensor the model lacks",
     "ONNX Runtime refuses overrides for tensors that are neither initializers nor value infos "
     "(tensor_quant_overrides.py, is_valid). Fix: the tensor's name in the model."},
    {"overrides-structure", "a TensorQuantOverrides entry is not a list of dicts of known keys",
     "Every entry is a list of dicts; keys are quant_type, scale, zero_point, symmetric, "
     "reduce_range, rmin, rmax, axis and convert (with recv_nodes inside convert), each with its "
     "type. ONNX Runtime silently ignores unknown keys; opinfo refuses them (a misspelt key "
     "changes nothing)."},
    {"overrides-scale-zero-point", "scale without zero_point, or the reverse",
     "ONNX Runtime needs both or neither, in the tensor's dict, in convert, and in every channel "
     "once channel 0 has them."},
    {"overrides-invalid-with-scale", "symmetric, reduce_range, rmin or rmax given with scale",
     "An explicit scale and zero point are used verbatim, so options that shape a computed range "
     "are refused beside them."},
    {"overrides-reduce-range", "reduce_range on an activation",
     "ONNX Runtime supports reduce_range only for initializers (weights), also inside convert."},
    {"overrides-convert", "a convert entry ONNX Runtime refuses",
     "convert is for activations only, must name a quant_type different from the tensor's own, "
     "and (opinfo's rule) its recv_nodes must name nodes that read the tensor."},
    {"overrides-per-channel", "per-channel overrides that do not fit the tensor",
     "Per-channel overrides need an initializer, an axis in the first dict within the tensor's "
     "rank, and one dict per channel (or a single dict)."},
    {"overrides-rmin-rmax", "rmin without rmax, or the reverse",
     "Both or neither, and in every channel once channel 0 has them."},
    {"overrides-channel-mismatch", "channels disagree on quant_type, axis, symmetric or "
                                   "reduce_range",
     "Every channel dict must repeat channel 0's values or leave them out. ONNX Runtime's own "
     "message names neither tensor nor index; opinfo names both."},
    {"overrides-no-variant", "under the overrides, a node's port types form no variant of its op",
     "Each port's type follows from the overrides (convert and recv_nodes included) and the "
     "default activation and weight types; the op's variants on the SoC say which combinations "
     "run. Fix: opinfo-check fix-overrides writes the conversions."},
    {"overrides-conflict", "the mixed-precision fixer met contradictory type requests",
     "Two overridden tensors ask one tensor for different types (ONNX Runtime's fixer raises the "
     "same ValueError). Fix: override fewer tensors, or state the conflicting tensor's types."},
    {"overrides-changed", "the fixer changed a convert the user gave",
     "A convert from the initial overrides is the user's: when the fixer adds to its recv_nodes "
     "(or names them where it had none, i.e. all consumers), the change is reported."},
    {"overrides-unexamined", "a node the overrides' type check could not examine, and why",
     "A node whose op the backend lacks, whose inputs do not bind to the op's ports, or whose "
     "port has a type without a dtype is reported, never passed as clean."},
    {"runs-in-float", "the node stays in float: the backend will not run it",
     "A node none of whose tensors is quantized (or that carries float_reason) is left in float "
     "by the framework: PyTorch's convert keeps it a float op, and ExecuTorch's partitioner "
     "counts such a node as not delegated. Reported once per node, never as no-variant; a "
     "warning, an error under --full-delegation. Fix: quantize the node, or accept the float "
     "fallback."},
    {"dynamic-mismatch", "static and dynamic quantization are mixed on one kernel",
     "A dynamic kernel (PyTorch's dynamic int8 Linear, XNNPACK's qd8 kernels) computes its "
     "input's qparams at run time and outputs float: a statically observed input is not what "
     "it runs. A static kernel needs qparams fixed at calibration: a dynamic input with a "
     "quantized (static) output matches no kernel. Fix: quantize the input dynamically and keep "
     "the output float, or observe both statically."},
    {"unjustified-suppression", "a node suppresses a rule without giving a reason",
     "A node's \"suppress\" entry hides a rule's diagnostics on that node (docs/adoption.md); "
     "without a \"reason\" the next reader cannot tell why. The suppression still applies. "
     "Fix: add a one-line \"reason\"."},
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
    return id && strcmp(id, "runs-in-float") == 0;
}
