"""ONNX Runtime 1.21's own quantization tool, for real (run inside the Debian 13 root that
tests/integration/make-env.sh builds): models quantized by get_qnn_qdq_config + quantize and by
the generic quantize_static, read through opinfo's ONNX exporter and checked for qnn-htp.
Expected verdicts come from the facts (qnn-htp.md §4-§8, ort-qnn.md §3-§4): QNN's fixed
qparams for 16-bit Sigmoid/Tanh, which ONNX Runtime's QNN config sets and its generic settings do
not; 16-bit activations with 16-bit weights only from HTP v73."""
import onnx.reference  # noqa: F401  (before onnxruntime: see make-env.sh's source)
import os
import tempfile
import unittest
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize,
                                      quantize_static)
from onnxruntime.quantization.execution_providers.qnn import get_qnn_qdq_config

import opinfo
import opinfo.onnx_export

SOCS = ("SM8350", "SM8550", "SM8650")  # v68, v73, v75


def const(name, shape, seed):
    data = np.random.RandomState(seed).randn(int(np.prod(shape))).astype(np.float32)
    return helper.make_tensor(name, TensorProto.FLOAT, shape, data)


def block(sixteen_bit):
    """conv -> relu -> transpose -> reshape -> matmul -> layernorm -> add, then sigmoid * tanh
    (16-bit) or relu (8-bit)."""
    inits = [const("W", [8, 3, 3, 3], 0), const("B", [8], 1), const("M", [8, 8], 2),
             const("G", [8], 3), const("Be", [8], 4),
             helper.make_tensor("shape", TensorProto.INT64, [2], [16, 8])]
    mk = helper.make_node
    nodes = [mk("Conv", ["x", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             mk("Relu", ["c"], ["r"], name="relu"),
             mk("Transpose", ["r"], ["rt"], name="transpose", perm=[0, 2, 3, 1]),
             mk("Reshape", ["rt", "shape"], ["f"], name="reshape"),
             mk("MatMul", ["f", "M"], ["mm"], name="matmul"),
             mk("LayerNormalization", ["mm", "G", "Be"], ["ln"], name="layernorm", axis=-1),
             mk("Add", ["ln", "mm"], ["y0"], name="add")]
    if sixteen_bit:
        nodes += [mk("Sigmoid", ["y0"], ["s"], name="sigmoid"),
                  mk("Tanh", ["y0"], ["t"], name="tanh"), mk("Mul", ["s", "t"], ["y"], name="mul")]
    else:
        nodes += [mk("Relu", ["y0"], ["y"], name="relu2")]
    g = helper.make_graph(nodes, "block",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [16, 8])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def matmul16():
    """x @ M with a constant M: 16-bit activations, 16-bit weight."""
    g = helper.make_graph([helper.make_node("MatMul", ["x", "M"], ["y"], name="matmul")], "mm",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])],
                          [const("M", [8, 8], 5)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


class Reader(CalibrationDataReader):
    def __init__(self, shape):
        self.i, self.shape = 0, shape

    def get_next(self):
        self.i += 1
        if self.i > 4:
            return None
        return {"x": np.random.RandomState(self.i).randn(*self.shape).astype(np.float32)}


class OrtQdq(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="opinfo-ort-")

    def path(self, name):
        return os.path.join(self.dir, name)

    def verdict(self, onnx_path, soc):
        q = opinfo.onnx_export.export(onnx_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diags = opinfo.check(q, backend="qnn-htp", soc=soc, strict=False)
        return sorted((d.rule, d.node) for d in diags)

    def qnn_config(self, sixteen_bit):
        src = self.path("block%d.onnx" % sixteen_bit)
        onnx.save(block(sixteen_bit), src)
        act = QuantType.QUInt16 if sixteen_bit else QuantType.QUInt8
        # the conv weight int8 symmetric, as the database's conv variants take it (ONNX Runtime's
        # default, asymmetric uint8 conv weights, is not in the qnn-htp data: docs/python.md);
        # the rest as the QNN config makes it
        w = {"quant_type": QuantType.QInt8, "symmetric": True}
        cfg = get_qnn_qdq_config(src, Reader([1, 3, 4, 4]), activation_type=act,
                                 weight_type=QuantType.QUInt8, init_overrides={"W": [w]})
        out = self.path("qnn%d.onnx" % sixteen_bit)
        quantize(src, out, cfg)
        return out

    def test_qnn_config_8_bit_is_clean_everywhere(self):
        out = self.qnn_config(False)
        for soc in SOCS:
            self.assertEqual(self.verdict(out, soc), [], soc)

    def test_qnn_config_16_bit_with_its_sigmoid_tanh_overrides_is_clean(self):
        out = self.qnn_config(True)
        q = opinfo.onnx_export.export(out)
        t = {x["name"]: x for x in q["tensors"]}
        # ONNX Runtime's QNN overrides: 16-bit Sigmoid 1/65536, zero point 0; Tanh 1/32768, 32768
        self.assertEqual((t["s"]["dtype"], t["s"]["scale"], t["s"]["zero_point"]),
                         ("uint16", 1 / 65536, 0))
        self.assertEqual((t["t"]["scale"], t["t"]["zero_point"]), (1 / 32768, 32768))
        for soc in SOCS:
            self.assertEqual(self.verdict(out, soc), [], soc)

    def test_generic_16_bit_settings_miss_the_fixed_qparams(self):
        src = self.path("block-generic.onnx")
        onnx.save(block(True), src)
        out = self.path("generic16.onnx")
        quantize_static(src, out, Reader([1, 3, 4, 4]), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt16, weight_type=QuantType.QUInt8,
                        extra_options={"TensorQuantOverrides": {
                            "W": [{"quant_type": QuantType.QInt8, "symmetric": True}]}})
        for soc in SOCS:
            self.assertEqual(self.verdict(out, soc),
                             [("fixed-qparams", "sigmoid"), ("fixed-qparams", "tanh")], soc)

    def test_matmul_16x16_needs_v73(self):
        src = self.path("mm.onnx")
        onnx.save(matmul16(), src)
        out = self.path("mm16.onnx")
        quantize_static(src, out, Reader([4, 8]), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt16, weight_type=QuantType.QInt16)
        self.assertEqual(self.verdict(out, "SM8350"), [("arch-gate", "matmul")])
        self.assertEqual(self.verdict(out, "SM8550"), [])
        self.assertEqual(self.verdict(out, "SM8650"), [])


if __name__ == "__main__":
    unittest.main()
