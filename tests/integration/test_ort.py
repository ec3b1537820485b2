"""ONNX Runtime 1.21's own quantization tool, for real (run inside the Debian 13 root that
tests/integration/make-env.sh builds): models quantized by get_qnn_qdq_config + quantize and by
the generic quantize_static, read by libopinfo's own ONNX reader (onnx/, no Python at check time:
opinfo.check(path), opinfo-check model.onnx) and checked for qnn-htp.
Expected verdicts come from the facts (qnn-htp.md §4-§8, ort-qnn.md §3-§4): QNN's fixed
qparams for 16-bit Sigmoid/Tanh, which ONNX Runtime's QNN config sets and its generic settings do
not; 16-bit activations with 16-bit weights only from HTP v73."""
import onnx.reference  # noqa: F401  (before onnxruntime: see make-env.sh's source)
import os
import subprocess
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
FC = "MatMul.const_weight"  # what the reader calls a MatMul ONNX Runtime lowers to FC


def fc_known():
    """Whether the database aliases the reader's FullyConnected-lowered MatMul (db/data/qnn-htp):
    without the alias that node is op-unsupported, which the verdicts then expect."""
    try:
        opinfo.explain(FC, backend="qnn-htp", soc="SM8650")
        return True
    except opinfo.OpinfoError:
        return False


def with_fc(verdict, node="matmul"):
    return verdict if fc_known() else sorted(verdict + [("op-unsupported", node)])


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diags = opinfo.check(onnx_path, backend="qnn-htp", soc=soc, strict=False)
            # the exported qgraph checks the same
            again = opinfo.check(opinfo.onnx_export.export(onnx_path), backend="qnn-htp",
                                 soc=soc, strict=False)
        got = sorted((d.rule, d.node) for d in diags)
        self.assertEqual(got, sorted((d.rule, d.node) for d in again))
        for d in diags:  # located by the node's index in the model, never a line
            self.assertEqual((d.file, d.line), (onnx_path, 0))
            self.assertIsInstance(d.node_index, int)
        return got

    def test_reader_keeps_weights_and_lowers_matmul(self):
        out = self.qnn_config(False)
        q = opinfo.onnx_export.export(out)
        n = {x["name"]: x for x in q["nodes"]}
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual(n["matmul"]["op"], FC)
        self.assertEqual(n["reshape"]["inputs"], ["rt"])  # its int64 shape is a parameter
        w = t[n["conv"]["inputs"][1]]
        self.assertTrue(w["initializer"])
        self.assertEqual((w["dtype"], w["qscheme"]), ("int8", "per_tensor_symmetric"))
        self.assertEqual(w["shape"], [8, 3, 3, 3])
        b = t[n["conv"]["inputs"][2]]
        self.assertEqual((b["dtype"], b["initializer"]), ("int32", True))
        self.assertEqual(b["derived_from"], n["conv"]["inputs"][:2])

    def test_shape_computations_are_not_nodes(self):
        """A PyTorch transformer encoder layer (its reshapes computed from Shape at run time),
        quantized by get_qnn_qdq_config: what ONNX Runtime folds or eliminates before its QNN EP
        sees the graph is not a node; every Reshape keeps its data input only."""
        import torch

        class Layer(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.l = torch.nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)

            def forward(self, x):
                b, t, c = x.shape
                return self.l(x).reshape(b, t * c)

        torch.manual_seed(0)
        src = self.path("encoder.onnx")
        torch.onnx.export(Layer().eval(), torch.randn(1, 8, 32), src, input_names=["x"],
                          dynamo=False)
        cfg = get_qnn_qdq_config(src, Reader([1, 8, 32]), activation_type=QuantType.QUInt8,
                                 weight_type=QuantType.QUInt8)
        out = self.path("encoder-qdq.onnx")
        quantize(src, out, cfg)
        model = onnx.load(out)
        self.assertTrue(any(n.op_type == "Shape" for n in model.graph.node))
        q = opinfo.onnx_export.export(out)
        ops = {n["op"] for n in q["nodes"]}
        self.assertFalse(ops & {"Shape", "Identity", "Constant", "ConstantOfShape", "Range",
                                "QuantizeLinear", "DequantizeLinear"}, ops)
        t = {x["name"]: x for x in q["tensors"]}
        # shape values are int64: no checked node makes one
        self.assertEqual([n["name"] for n in q["nodes"]
                          if any(t[o]["dtype"] == "int64" for o in n["outputs"])], [])
        for n in q["nodes"]:
            if n["op"] == "Reshape":
                self.assertEqual(len(n["inputs"]), 1, n)
        self.assertIn(FC, ops)  # the linear layers' MatMuls with constant weights

    def test_command_line_reads_the_model(self):
        out = self.qnn_config(False)
        prefix = os.path.dirname(os.path.dirname(os.path.dirname(opinfo.__file__)))
        check = os.path.join(os.path.dirname(os.path.dirname(prefix)), "bin", "opinfo-check")
        r = subprocess.run([check, "--backend", "qnn-htp", "--soc", "SM8650", out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0 if fc_known() else 1, r.stderr)
        if not fc_known():
            self.assertRegex(r.stdout, r"^%s: node \d+: error: matmul: " % out)

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
            self.assertEqual(self.verdict(out, soc), with_fc([]), soc)

    def test_qnn_config_16_bit_with_its_sigmoid_tanh_overrides_is_clean(self):
        out = self.qnn_config(True)
        q = opinfo.onnx_export.export(out)
        t = {x["name"]: x for x in q["tensors"]}
        # ONNX Runtime's QNN overrides: 16-bit Sigmoid 1/65536, zero point 0; Tanh 1/32768, 32768
        self.assertEqual((t["s"]["dtype"], t["s"]["scale"], t["s"]["zero_point"]),
                         ("uint16", 1 / 65536, 0))
        self.assertEqual((t["t"]["scale"], t["t"]["zero_point"]), (1 / 32768, 32768))
        for soc in SOCS:
            self.assertEqual(self.verdict(out, soc), with_fc([]), soc)

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
                             with_fc([("fixed-qparams", "sigmoid"), ("fixed-qparams", "tanh")]),
                             soc)

    def test_matmul_16x16_needs_v73(self):
        src = self.path("mm.onnx")
        onnx.save(matmul16(), src)
        out = self.path("mm16.onnx")
        quantize_static(src, out, Reader([4, 8]), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt16, weight_type=QuantType.QInt16)
        if not fc_known():
            # the constant [8, 8] weight makes it a FullyConnected, which the data lacks
            for soc in SOCS:
                self.assertEqual(self.verdict(out, soc), [("op-unsupported", "matmul")], soc)
            return
        self.assertEqual(self.verdict(out, "SM8350"), [("arch-gate", "matmul")])
        self.assertEqual(self.verdict(out, "SM8550"), [])
        self.assertEqual(self.verdict(out, "SM8650"), [])


if __name__ == "__main__":
    unittest.main()
