"""QDQ models built with onnx.helper for the tests: each is what ONNX Runtime's quantization tool
writes (QuantizeLinear/DequantizeLinear around float ops), small enough to reason about."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def _q(name, x, scale, zp, zp_type, out):
    return helper.make_node("QuantizeLinear", [x, scale, zp], [out], name=name)


def _dq(name, xq, scale, zp, out):
    return helper.make_node("DequantizeLinear", [xq, scale, zp], [out], name=name)


def _scalar(name, value, dtype):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def qparams(self, base, scale, zp, np_dtype):
        self.inits.append(_scalar(base + "_scale", scale, np.float32))
        self.inits.append(_scalar(base + "_zp", zp, np_dtype))
        return base + "_scale", base + "_zp"

    def qdq(self, t, scale, zp, np_dtype, tag=""):
        """t -> Q -> DQ; returns the DQ output."""
        s, z = self.qparams(t + tag, scale, zp, np_dtype)
        self.nodes.append(_q(t + tag + "_Q", t, s, z, None, t + tag + "_q"))
        self.nodes.append(_dq(t + tag + "_DQ", t + tag + "_q", s, z, t + tag + "_dq"))
        return t + tag + "_dq"

    def qdq_of(self, q_out, scale, zp, np_dtype, tag):
        """A further DQ -> Q -> DQ hop from an existing DQ output (a conversion)."""
        base = q_out + tag
        s, z = self.qparams(base, scale, zp, np_dtype)
        self.nodes.append(_q(base + "_Q", q_out, s, z, None, base + "_q"))
        self.nodes.append(_dq(base + "_DQ", base + "_q", s, z, base + "_dq"))
        return base + "_dq"

    def weight(self, name, values, scale, axis=None):
        """A weight stored quantized (int8, symmetric) with its DequantizeLinear."""
        self.inits.append(numpy_helper.from_array(values.astype(np.int8), name + "_q"))
        sc = np.asarray(scale, dtype=np.float32)
        self.inits.append(numpy_helper.from_array(sc, name + "_scale"))
        self.inits.append(numpy_helper.from_array(np.zeros(sc.shape, np.int8), name + "_zp"))
        attrs = {"axis": axis} if axis is not None else {}
        self.nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale",
                                                                name + "_zp"], [name], name=name + "_DQ",
                                           **attrs))
        return name

    def op(self, op_type, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output + "_node", **attrs))
        return output

    def model(self, inputs, outputs):
        g = helper.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def conv_u8():
    """x(u8) -> Conv(w int8 per channel, bias int32 derived) -> y(u8)."""
    b = Builder()
    xdq = b.qdq("x", 0.02, 128, np.uint8)
    w = b.weight("w", np.arange(-27, 27).reshape(2, 3, 3, 3) % 100, [0.01, 0.02], axis=0)
    b.inits.append(numpy_helper.from_array(np.array([5, -5], np.int32), "bias_q"))
    b.inits.append(numpy_helper.from_array(np.array([0.0002, 0.0004], np.float32), "bias_scale"))
    b.inits.append(numpy_helper.from_array(np.zeros(2, np.int32), "bias_zp"))
    b.nodes.append(helper.make_node("DequantizeLinear", ["bias_q", "bias_scale", "bias_zp"],
                                    ["bias"], name="bias_DQ", axis=0))
    y = b.op("Conv", [xdq, w, "bias"], "y")
    ydq = b.qdq(y, 0.05, 128, np.uint8)
    b.op("Relu", [ydq], "r")
    b.qdq("r", 0.05, 128, np.uint8)
    return b.model([f32("x", [1, 3, 8, 8])], [f32("r_dq", None)])


def matmul_16(second_symmetric=True):
    """a(u16) x b(u16 or int16 symmetric) -> MatMul -> y(u16): HTP needs v73+ for 16x16."""
    b = Builder()
    adq = b.qdq("a", 0.001, 32768, np.uint16)
    if second_symmetric:
        bdq = b.qdq("b", 0.001, 0, np.int16)
    else:
        bdq = b.qdq("b", 0.001, 32768, np.uint16)
    y = b.op("MatMul", [adq, bdq], "y")
    b.qdq(y, 0.002, 32768, np.uint16)
    return b.model([f32("a", [1, 4, 8]), f32("b", [1, 8, 4])], [f32("y_dq", None)])


def sigmoid_16(scale, zp):
    """x(u16) -> Sigmoid -> y(u16) with the given output qparams (QNN needs 1/65536, 0)."""
    b = Builder()
    xdq = b.qdq("x", 0.0005, 32768, np.uint16)
    y = b.op("Sigmoid", [xdq], "y")
    b.qdq(y, scale, zp, np.uint16)
    return b.model([f32("x", [1, 16])], [f32("y_dq", None)])


def mixed_precision():
    """ONNX Runtime's mixed-precision conversion: x(u8) -> Conv -> y(u8) read by Relu as u8 and,
    through Q->DQ->Q->DQ, by a Sigmoid as u16."""
    b = Builder()
    xdq = b.qdq("x", 0.02, 128, np.uint8)
    w = b.weight("w", np.ones((2, 3, 1, 1)), [0.01, 0.02], axis=0)
    y = b.op("Conv", [xdq, w], "y")
    ydq = b.qdq(y, 0.05, 128, np.uint8)
    b.op("Relu", [ydq], "r")
    b.qdq("r", 0.05, 128, np.uint8)
    y16 = b.qdq_of(ydq, 0.0001, 32768, np.uint16, "_u16")
    b.op("Sigmoid", [y16], "s")
    b.qdq("s", 1.0 / 65536, 0, np.uint16)
    return b.model([f32("x", [1, 3, 4, 4])], [f32("r_dq", None), f32("s_dq", None)])
