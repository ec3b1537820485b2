"""Writes the small ONNX models of the CLI tests (run with Debian's python3 and onnx):
    cd tests/cli/onnx && /usr/bin/python3 make.py
matmul16.onnx: a 16x16-bit MatMul (v73+ on HTP); ext/model.onnx + ext/weights.bin: the 8-bit
Conv of tests/python/onnx_models.py with its initializers in a file beside it (external data)."""
import os
import sys

import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../python"))
import onnx_models as M  # noqa: E402

onnx.save(M.matmul_16(), "matmul16.onnx")
os.makedirs("ext", exist_ok=True)
onnx.save(M.conv_u8(), "ext/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
          location="weights.bin", size_threshold=0)


def fix16():
    """--fix on ONNX input (docs/overrides.md, "Overrides from a graph"): a 16-bit QDQ model named
    as ONNX Runtime 1.21's quantizer names things (W_quantized -> DequantizeLinear ->
    W_DequantizeLinear_Output; graph outputs T_QuantizeLinear_Input -> Q -> DQ -> T), with
    per-channel uint8 weights (zero point 128), a 16-bit Sigmoid without its fixed qparams, and
    c converted to uint8 for relu (a DequantizeLinear -> QuantizeLinear pair)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper as nh

    def c(name, a):
        return nh.from_array(np.array(a), name)

    mk = helper.make_node
    w = np.random.RandomState(0).randint(0, 256, size=(4, 3, 1, 1)).astype(np.uint8)
    inits = [c("x_scale", np.float32(0.001)), c("x_zp", np.uint16(30000)),
             c("W_quantized", w), c("W_scale", np.full(4, 0.01, np.float32)),
             c("W_zero_point", np.full(4, 128, np.uint8)),
             c("c_scale", np.float32(0.002)), c("c_zp", np.uint16(32000)),
             c("c_convert_scale", np.float32(0.5)), c("c_convert_zp", np.uint8(128)),
             c("r_scale", np.float32(0.25)), c("r_zp", np.uint8(0)),
             c("y_scale", np.float32(1 / 65535)), c("y_zp", np.uint16(0))]
    nodes = [mk("QuantizeLinear", ["x", "x_scale", "x_zp"], ["x_q"], name="x_QuantizeLinear"),
             mk("DequantizeLinear", ["x_q", "x_scale", "x_zp"], ["x_dq"], name="x_DequantizeLinear"),
             mk("DequantizeLinear", ["W_quantized", "W_scale", "W_zero_point"],
                ["W_DequantizeLinear_Output"], name="W_DequantizeLinear", axis=0),
             mk("Conv", ["x_dq", "W_DequantizeLinear_Output"], ["c"], name="conv"),
             mk("QuantizeLinear", ["c", "c_scale", "c_zp"], ["c_q"], name="c_QuantizeLinear"),
             mk("DequantizeLinear", ["c_q", "c_scale", "c_zp"], ["c_dq"], name="c_DequantizeLinear"),
             mk("Sigmoid", ["c_dq"], ["y_QuantizeLinear_Input"], name="sigmoid"),
             mk("QuantizeLinear", ["c_dq", "c_convert_scale", "c_convert_zp"], ["c_q2"],
                name="c_convert_QuantizeLinear"),
             mk("DequantizeLinear", ["c_q2", "c_convert_scale", "c_convert_zp"], ["c_dq2"],
                name="c_convert_DequantizeLinear"),
             mk("Relu", ["c_dq2"], ["r_QuantizeLinear_Input"], name="relu"),
             mk("QuantizeLinear", ["r_QuantizeLinear_Input", "r_scale", "r_zp"], ["r_q"],
                name="r_QuantizeLinear"),
             mk("DequantizeLinear", ["r_q", "r_scale", "r_zp"], ["r"], name="r_DequantizeLinear"),
             mk("QuantizeLinear", ["y_QuantizeLinear_Input", "y_scale", "y_zp"], ["y_q"],
                name="y_QuantizeLinear"),
             mk("DequantizeLinear", ["y_q", "y_scale", "y_zp"], ["y"], name="y_DequantizeLinear")]
    g = helper.make_graph(nodes, "fix16",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 4]),
                           helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, 4, 4, 4])],
                          inits)
    # 16-bit Q/DQ in the ONNX domain needs opset 21
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)


onnx.save(fix16(), "fix16.onnx")
