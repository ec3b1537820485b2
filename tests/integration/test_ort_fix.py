"""`opinfo-check --fix` on ONNX Runtime 1.21's own QDQ models, end to end (run inside the Debian 13
root that tests/integration/make-env.sh builds): a model quantized in a configuration opinfo
flags is fixed into TensorQuantOverrides, ONNX Runtime takes them back (quantize_static refuses
overrides its TensorQuantOverridesHelper.is_valid rejects), and the re-quantized model checks
clean. docs/overrides.md, "Overrides from a graph"; facts: ort-qnn.md §1-§3, qnn-htp.md."""
import onnx.reference  # noqa: F401  (before onnxruntime: see make-env.sh's source)
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize,
                                      quantize_static)
from onnxruntime.quantization.execution_providers.qnn import get_qnn_qdq_config

CHECK = shutil.which("opinfo-check") or "/opt/opinfo/bin/opinfo-check"
HTP = ["--backend", "qnn-htp", "--soc", "SM8650"]
QT = {q.name: q for q in QuantType}


NP = {"QUInt8": np.uint8, "QInt8": np.int8, "QUInt16": np.uint16, "QInt16": np.int16}


def to_ort(v):
    """The JSON overrides -> ONNX Runtime's: QuantType, recv_nodes as a set, and scale and
    zero_point as numpy values of the scale's and the quant type's dtypes, which ONNX Runtime's
    quantizer requires (it calls .squeeze() on them; get_qnn_qdq_config writes them so)."""
    if isinstance(v, dict):
        d = {k: (QT[x] if k == "quant_type" else set(x) if k == "recv_nodes" else to_ort(x))
             for k, x in v.items()}
        if "scale" in d:
            d["scale"] = np.array(d["scale"], np.float32)
            d["zero_point"] = np.array(d["zero_point"], NP[v.get("quant_type", "QUInt8")])
        return d
    if isinstance(v, list):
        return [to_ort(x) for x in v]
    return v


def const(name, shape, seed):
    data = np.random.RandomState(seed).randn(int(np.prod(shape))).astype(np.float32)
    return helper.make_tensor(name, TensorProto.FLOAT, shape, data)


def model(nodes, inits, out_shape):
    g = helper.make_graph(nodes, "m",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
                          inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def sigmoid_tanh():
    """conv -> relu -> sigmoid * tanh: 16-bit Sigmoid and Tanh need QNN's fixed qparams."""
    mk = helper.make_node
    return model([mk("Conv", ["x", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                  mk("Relu", ["c"], ["r"], name="relu"),
                  mk("Sigmoid", ["r"], ["s"], name="sigmoid"),
                  mk("Tanh", ["r"], ["t"], name="tanh"),
                  mk("Mul", ["s", "t"], ["y"], name="mul")],
                 [const("W", [8, 3, 3, 3], 0), const("B", [8], 1)], [1, 8, 4, 4])


def convs():
    """conv -> relu -> conv -> relu: weights only (per-channel uint8 under per_channel=True)."""
    mk = helper.make_node
    return model([mk("Conv", ["x", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                  mk("Relu", ["c"], ["r"], name="relu"),
                  mk("Conv", ["r", "W2", "B2"], ["c2"], name="conv2"),
                  mk("Relu", ["c2"], ["y"], name="relu2")],
                 [const("W", [8, 3, 3, 3], 0), const("B", [8], 1), const("W2", [4, 8, 1, 1], 2),
                  const("B2", [4], 3)], [1, 4, 4, 4])


def matmul():
    """x @ M, M constant [4, 4] (ONNX Runtime's QNN EP lowers it to FullyConnected)."""
    g = helper.make_graph([helper.make_node("MatMul", ["x", "M"], ["y"], name="matmul")], "mm",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [const("M", [4, 4], 5)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


class Reader(CalibrationDataReader):
    def __init__(self):
        self.i = 0

    def get_next(self):
        self.i += 1
        if self.i > 4:
            return None
        return {"x": np.random.RandomState(self.i).randn(1, 3, 4, 4).astype(np.float32)}


def run(*args):
    p = subprocess.run([CHECK] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class OrtFix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="opinfo-ortfix-")

    def path(self, name):
        return os.path.join(self.dir, name)

    def fix(self, qdq, act, wgt, htp=HTP):
        """--fix on the model: the overrides (stdout), parsed; stderr lists the changes."""
        st, out, err = run("--fix", *htp, "--activation-type", act, "--weight-type", wgt, qdq)
        self.assertEqual(st, 0, err)
        self.assertIn("TensorQuantOverrides", err)
        return json.loads(out), err

    def test_generic_16_bit_gets_sigmoid_tanh_fixed_qparams(self):
        src = self.path("st.onnx")
        onnx.save(sigmoid_tanh(), src)

        def quant(out, overrides):
            quantize_static(src, out, Reader(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QUInt16, weight_type=QuantType.QInt8,
                            extra_options={"TensorQuantOverrides": to_ort(overrides)})
            return out

        first = quant(self.path("st-q.onnx"), {})
        st, out, _ = run(*HTP, first)
        self.assertEqual(st, 1)
        self.assertIn("[fixed-qparams]", out)
        ov, err = self.fix(first, "QUInt16", "QInt8")
        self.assertIn("sigmoid: tensor s: fixed qparams", err)
        # keyed by the float model's names; the fixed qparams QNN requires (ort-qnn.md §3)
        self.assertEqual(ov["s"], [{"quant_type": "QUInt16", "scale": 1 / 65536, "zero_point": 0}])
        self.assertEqual(ov["t"], [{"quant_type": "QUInt16", "scale": 1 / 32768,
                                    "zero_point": 32768}])
        self.assertEqual(ov["W"], [{"quant_type": "QInt8", "symmetric": True}])
        again = quant(self.path("st-fixed.onnx"), ov)  # ONNX Runtime accepts them
        st, out, err = run(*HTP, again)
        self.assertEqual((st, out), (0, ""), err)

    def test_per_channel_uint8_weights_become_per_tensor(self):
        src = self.path("convs.onnx")
        onnx.save(convs(), src)

        def quant(out, overrides):
            cfg = get_qnn_qdq_config(src, Reader(), activation_type=QuantType.QUInt16,
                                     weight_type=QuantType.QUInt8, per_channel=True,
                                     init_overrides=to_ort(overrides))
            quantize(src, out, cfg)
            return out

        first = quant(self.path("convs-q.onnx"), {})
        st, out, _ = run(*HTP, first)
        self.assertEqual(st, 1)
        self.assertIn("weight W_quantized is per_channel_affine", out)
        ov, err = self.fix(first, "QUInt16", "QUInt8")
        self.assertIn("conv: tensor W_quantized: qscheme per_tensor_affine", err)
        # per-tensor (no axis) under the float names: what keeps per_channel=True off them
        self.assertEqual(ov, {"W": [{"quant_type": "QUInt8", "symmetric": False}],
                              "W2": [{"quant_type": "QUInt8", "symmetric": False}]})
        again = quant(self.path("convs-fixed.onnx"), ov)
        st, out, err = run(*HTP, again)
        self.assertEqual((st, out), (0, ""), err)

    def test_16_bit_weights_on_v68_become_8_bit(self):
        """a16w16 FullyConnected needs HTP v73 (qnn-htp.md): on SM8350 (v68) the fix retypes the
        weight to symmetric int8, which the 16a8w variant takes."""
        src = self.path("mm.onnx")
        onnx.save(matmul(), src)
        v68 = ["--backend", "qnn-htp", "--soc", "SM8350"]

        def quant(out, overrides):
            quantize_static(src, out, Reader(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QUInt16, weight_type=QuantType.QInt16,
                            extra_options={"TensorQuantOverrides": to_ort(overrides)})
            return out

        first = quant(self.path("mm-q.onnx"), {})
        st, out, _ = run(*v68, first)
        self.assertEqual(st, 1)
        self.assertIn("[arch-gate]", out)
        ov, err = self.fix(first, "QUInt16", "QInt16", v68)
        self.assertIn("M_quantized int16 -> int8", err)
        self.assertEqual(ov, {"M": [{"quant_type": "QInt8", "symmetric": True}]})
        again = quant(self.path("mm-fixed.onnx"), ov)
        st, out, err = run(*v68, again)
        self.assertEqual((st, out), (0, ""), err)

    def test_converts_of_the_model_are_written_back(self):
        """An 8-bit model with one activation at 16 bits: ONNX Runtime's fixer made converts
        (DequantizeLinear -> QuantizeLinear pairs); --fix writes them back as convert entries
        with their recv_nodes, and quantizing with them gives the same pairs."""
        src = self.path("mixed.onnx")
        onnx.save(convs(), src)

        def pairs(path):
            m = onnx.load(path)
            made = {o: n for n in m.graph.node for o in n.output}
            return sorted(n.name for n in m.graph.node if n.op_type == "QuantizeLinear"
                          and n.input[0] in made
                          and made[n.input[0]].op_type == "DequantizeLinear")

        cfg = get_qnn_qdq_config(src, Reader(), activation_type=QuantType.QUInt8,
                                 weight_type=QuantType.QInt8,
                                 init_overrides={"r": [{"quant_type": QuantType.QUInt16}]})
        first = self.path("mixed-q.onnx")
        quantize(src, first, cfg)
        self.assertTrue(pairs(first))
        ov, _ = self.fix(first, "QUInt8", "QInt8")
        converts = {t: d[0]["convert"] for t, d in ov.items() if "convert" in d[0]}
        self.assertTrue(converts, ov)
        for t, c in converts.items():
            self.assertTrue(c["recv_nodes"], t)  # never a convert for nobody
        self.assertEqual(converts["c"], {"quant_type": "QUInt16", "recv_nodes": ["relu"]})
        self.assertEqual(ov["r"][0]["quant_type"], "QUInt16")
        cfg = get_qnn_qdq_config(src, Reader(), activation_type=QuantType.QUInt8,
                                 weight_type=QuantType.QInt8, init_overrides=to_ort(ov),
                                 add_qtype_converts=False)
        again = self.path("mixed-again.onnx")
        quantize(src, again, cfg)
        self.assertEqual(pairs(again), pairs(first))
        st, out, err = run(*HTP, again)
        self.assertEqual((st, out), (0, ""), err)


if __name__ == "__main__":
    unittest.main()
