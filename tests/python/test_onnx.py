"""ONNX QDQ models built with onnx.helper (tests/python/onnx_models.py): the exporter's qgraph,
the verdicts for qnn-htp on SoCs of several arches (facts: qnn-htp.md §4-§8, ort-qnn.md), and
`opinfo-check model.onnx` itself."""
import os
import subprocess
import tempfile
import unittest
import warnings

import opinfo
import opinfo.onnx_export as ox

try:
    import onnx
except ImportError as e:
    raise unittest.SkipTest("onnx is not importable: %s" % e)

import onnx_models as M

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(os.environ.get("OPINFO_TEST_BUILDDIR", os.path.join(SRC, "build")), "bin")
SOCS = {"SM8350": "v68", "SM8550": "v73", "SM8650": "v75"}


def verdict(model, soc):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diags = opinfo.check(ox.export(model), backend="qnn-htp", soc=soc, strict=False)
    return sorted((d.rule, d.node) for d in diags)


class Exporter(unittest.TestCase):
    def test_conv_specs(self):
        q = ox.export(M.conv_u8())
        t = {x["name"]: x for x in q["tensors"]}
        (conv,) = [n for n in q["nodes"] if n["op"] == "Conv"]
        self.assertEqual(conv["inputs"], ["x", "w_q", "bias_q"])
        self.assertEqual(t["x"], {"name": "x", "dtype": "uint8", "qscheme": "per_tensor_affine",
                                  "scale": float(__import__("numpy").float32(0.02)),
                                  "zero_point": 128})
        w = t["w_q"]
        self.assertEqual((w["dtype"], w["qscheme"], w["axis"], w["quant_min"], w["quant_max"]),
                         ("int8", "per_channel_symmetric", 0, -127, 127))
        self.assertEqual(len(w["scale"]), 2)
        self.assertEqual(t["bias_q"]["derived_from"], ["x", "w_q"])

    def test_conversion_chain_is_an_edge_spec(self):
        q = ox.export(M.mixed_precision())
        t = {x["name"]: x for x in q["tensors"]}
        n = {x["op"]: x for x in q["nodes"]}
        self.assertEqual(t["y"]["dtype"], "uint8")                 # the producer's own spec
        self.assertEqual(n["Relu"]["inputs"], ["y"])               # read as it is
        (edge,) = n["Sigmoid"]["inputs"]                           # read through Q->DQ->Q->DQ
        self.assertEqual(edge["tensor"], "y")
        self.assertEqual((edge["spec"]["dtype"], edge["spec"]["zero_point"]), ("uint16", 32768))


class Verdicts(unittest.TestCase):
    def test_conv_8a8w_is_clean_everywhere(self):
        for soc in SOCS:
            self.assertEqual(verdict(M.conv_u8(), soc), [], soc)

    def test_matmul_16x16_needs_v73(self):
        self.assertEqual(verdict(M.matmul_16(), "SM8350"), [("arch-gate", "y_node")])
        self.assertEqual(verdict(M.matmul_16(), "SM8550"), [])
        self.assertEqual(verdict(M.matmul_16(), "SM8650"), [])

    def test_matmul_16_bit_dynamic_second_input_is_converted_to_8_bit(self):
        # two dynamic uint16 inputs: ONNX Runtime's QNN EP inserts a Convert on in1 to
        # UFIXED_POINT_8 (qnn-htp-ops.md section 3.1 MatMul row), so the node is MatMul 16a8w
        for soc in SOCS:
            self.assertEqual(verdict(M.matmul_16(second_symmetric=False), soc), [], soc)
        q = ox.export(M.matmul_16(second_symmetric=False))
        (mm,) = [n for n in q["nodes"] if n["op"] == "MatMul"]
        self.assertEqual(mm["inputs"][1], {"tensor": "b", "spec": {
            "dtype": "uint8", "qscheme": "per_tensor_affine"}})

    def test_sigmoid_16_fixed_qparams(self):
        for soc in SOCS:
            self.assertEqual(verdict(M.sigmoid_16(1 / 65536, 0), soc), [], soc)
            self.assertEqual(verdict(M.sigmoid_16(1 / 32768, 0), soc),
                             [("fixed-qparams", "y_node")], soc)
            self.assertEqual(verdict(M.sigmoid_16(1 / 65536, 32768), soc),
                             [("fixed-qparams", "y_node")], soc)

    def test_mixed_precision_is_clean(self):
        for soc in SOCS:
            self.assertEqual(verdict(M.mixed_precision(), soc), [], soc)


class CommandLine(unittest.TestCase):
    def run_check(self, model, *args, env=None):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.onnx")
            if isinstance(model, bytes):
                with open(path, "wb") as f:
                    f.write(model)
            else:
                onnx.save(model, path)
            r = subprocess.run([os.path.join(BIN, "opinfo-check"), "--backend", "qnn-htp",
                                *args, path], capture_output=True, text=True,
                               env=dict(os.environ, **(env or {})))
            return r.returncode, r.stdout.replace(path, "MODEL"), r.stderr.replace(path, "MODEL")

    def test_a_model_is_checked_directly(self):
        rc, out, err = self.run_check(M.matmul_16(), "--soc", "SM8350")
        self.assertEqual(rc, 1, err)
        self.assertIn("error: y_node: MatMul 16a16w", out)
        self.assertIn("needs arch v73 or newer; SM8350 is v68", out)
        rc, out, err = self.run_check(M.matmul_16(), "--soc", "SM8650")
        self.assertEqual((rc, out), (0, ""), err)

    def test_a_broken_file_is_an_input_error(self):
        rc, out, err = self.run_check(b"not a model", "--soc", "SM8650")
        self.assertEqual(rc, 2)
        self.assertTrue(err.startswith("MODEL: error: not an ONNX model"), err)

    def test_no_python_is_needed(self):
        # the reader is in the library: no interpreter is started, whatever PATH holds
        rc, out, err = self.run_check(M.matmul_16(), "--soc", "SM8350",
                                      env={"PATH": "/nonexistent", "OPINFO_PYTHON": "/nonexistent"})
        self.assertEqual(rc, 1, err)
        self.assertIn("MODEL: node 4: error: y_node: MatMul 16a16w", out)

    def test_detected_by_content_not_extension(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("MODEL.ONNX", "model.bin", "model"):
                path = os.path.join(d, name)
                onnx.save(M.matmul_16(), path)
                r = subprocess.run([os.path.join(BIN, "opinfo-check"), "--backend", "qnn-htp",
                                    "--soc", "SM8350", path], capture_output=True, text=True)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("%s: node 4: error: y_node" % path, r.stdout)
            r = subprocess.run([os.path.join(BIN, "opinfo-check"), "--backend", "qnn-htp",
                                "--soc", "SM8350", "-"], input=M.matmul_16().SerializeToString(),
                               capture_output=True)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(b"<stdin>: node 4: error: y_node", r.stdout)


class Reader(unittest.TestCase):
    """What the C reader makes of models the Python side builds (docs/qgraph.md, ONNX models)."""

    def test_initializers_are_tensors(self):
        q = ox.export(M.conv_u8())
        t = {x["name"]: x for x in q["tensors"]}
        self.assertTrue(t["w_q"]["initializer"])
        self.assertEqual(t["w_q"]["shape"], [2, 3, 3, 3])
        self.assertNotIn("initializer", t["x"])
        (conv,) = [n for n in q["nodes"] if n["op"] == "Conv"]
        self.assertEqual(conv["index"], 4)  # after x_Q, x_DQ, w_DQ, bias_DQ

    def test_float_weights_of_a_float_model_are_ports(self):
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        w = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.float32), "W")
        g = helper.make_graph([helper.make_node("Conv", ["x", "W"], ["y"], name="conv")], "g",
                              [M.f32("x", [1, 3, 4, 4])], [M.f32("y", None)], [w])
        q = ox.export(helper.make_model(g))
        (conv,) = q["nodes"]
        self.assertEqual(conv["inputs"], ["x", "W"])
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual(t["W"], {"name": "W", "dtype": "float32", "initializer": True,
                                  "shape": [4, 3, 1, 1]})

    def test_shape_computation_is_skipped_and_int64_kept(self):
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        mk = helper.make_node
        inits = [numpy_helper.from_array(np.array([0], np.int64), "zero"),
                 numpy_helper.from_array(np.array([-1], np.int64), "minus1")]
        nodes = [mk("Shape", ["x"], ["s"], name="shape"),
                 mk("Gather", ["s", "zero"], ["b"], name="gather", axis=0),
                 mk("Concat", ["b", "minus1"], ["shp"], name="concat", axis=0),
                 mk("Reshape", ["x", "shp"], ["y"], name="reshape"),
                 mk("Gather", ["table", "ids"], ["e"], name="embed", axis=0)]
        g = helper.make_graph(nodes, "g", [M.f32("x", [2, 3, 4]), M.f32("table", [10, 4]),
                                          helper.make_tensor_value_info("ids", TensorProto.INT64,
                                                                        [5])],
                              [M.f32("y", None), M.f32("e", None)], inits)
        q = ox.export(helper.make_model(g))
        self.assertEqual([(n["name"], n["inputs"]) for n in q["nodes"]],
                         [("reshape", ["x"]), ("embed", ["table", "ids"])])
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual(t["ids"]["dtype"], "int64")

    def test_matmul_with_constant_weight_is_fully_connected(self):
        from onnx import helper, numpy_helper
        import numpy as np
        m = numpy_helper.from_array(np.ones((8, 4), np.float32), "M")
        g = helper.make_graph([helper.make_node("MatMul", ["x", "M"], ["y"], name="mm"),
                               helper.make_node("MatMul", ["x", "z"], ["y2"], name="mm2")], "g",
                              [M.f32("x", [2, 8]), M.f32("z", [8, 4])],
                              [M.f32("y", None), M.f32("y2", None)], [m])
        q = ox.export(helper.make_model(g))
        self.assertEqual([n["op"] for n in q["nodes"]], ["MatMul.const_weight", "MatMul"])

    def test_unnamed_nodes_are_refused(self):
        from onnx import helper
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r"),
                               helper.make_node("Relu", ["y"], ["z"])], "g",
                              [M.f32("x", [2])], [M.f32("z", None)])
        with self.assertRaises(opinfo.OpinfoError) as cm:
            ox.export(helper.make_model(g))
        self.assertIn("node 1 (Relu): has no name", str(cm.exception))

    def test_com_microsoft_16_bit_and_blocked_int4(self):
        """ONNX Runtime's contrib Q/DQ (com.microsoft, 16-bit) and a blocked int4 weight as
        ONNX Runtime writes LPBQ-style weights (DequantizeLinear block_size, opset 21)."""
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        mk = helper.make_node
        # int4 weight [4, 64], blocks of 32 along axis 1: scales [4, 2], no zero point
        w = TensorProto(name="w_q", data_type=22, dims=[4, 64], raw_data=bytes(4 * 64 // 2))
        ws = numpy_helper.from_array(np.array([[1, 2], [3, 1], [1, 1], [2, 4]], np.float32) / 100,
                                     "w_scale")
        inits = [w, ws, numpy_helper.from_array(np.array(1e-4, np.float32), "s"),
                 numpy_helper.from_array(np.array(32768, np.uint16), "z")]
        nodes = [mk("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q", domain="com.microsoft"),
                 mk("DequantizeLinear", ["xq", "s", "z"], ["xd"], name="dq",
                    domain="com.microsoft"),
                 mk("DequantizeLinear", ["w_q", "w_scale"], ["w"], name="wdq", axis=1,
                    block_size=32),
                 mk("MatMul", ["xd", "wt"], ["y"], name="mm"),
                 mk("Transpose", ["w"], ["wt"], name="t", perm=[1, 0])]
        g = helper.make_graph(nodes, "g", [M.f32("x", [2, 64])], [M.f32("y", None)], inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21),
                                                helper.make_opsetid("com.microsoft", 1)])
        q = ox.export(m)
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual((t["x"]["dtype"], t["x"]["zero_point"]), ("uint16", 32768))
        self.assertEqual(t["w_q"], {"name": "w_q", "dtype": "int4", "qscheme": "per_block_symmetric",
                                    "block_size": [1, 32], "axis": 0,
                                    "scale": [float(np.float32(v)) for v in (.02, .03, .01, .04)],
                                    "zero_point": [0, 0, 0, 0], "initializer": True,
                                    "shape": [4, 64], "float_name": "w"})  # its DQ's output
        n = {x["name"]: x for x in q["nodes"]}
        self.assertEqual(n["t"]["inputs"], ["w_q"])

    def test_constant_nodes_and_schema(self):
        """Constant nodes hold qparams; what the reader writes is a valid qgraph."""
        import json
        import jsonschema
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        mk = helper.make_node
        nodes = [mk("Constant", [], ["s"], value=numpy_helper.from_array(np.array(.5, np.float32))),
                 mk("Constant", [], ["z"], value=numpy_helper.from_array(np.array(3, np.uint8))),
                 mk("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
                 mk("DequantizeLinear", ["xq", "s", "z"], ["xd"], name="dq"),
                 mk("Relu", ["xd"], ["y"], name="relu")]
        g = helper.make_graph(nodes, "g", [M.f32("x", [2])], [M.f32("y", None)])
        q = ox.export(helper.make_model(g))
        self.assertEqual(q["tensors"][0], {"name": "x", "dtype": "uint8",
                                           "qscheme": "per_tensor_affine", "scale": 0.5,
                                           "zero_point": 3})
        with open(os.path.join(SRC, "schemas", "qgraph.schema.json")) as f:
            schema = json.load(f)
        for model in (M.conv_u8(), M.mixed_precision(), M.matmul_16(),
                      helper.make_model(g)):
            jsonschema.validate(ox.export(model), schema)

    def test_quantized_graph_input_and_constant_indices(self):
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        mk = helper.make_node
        inits = [numpy_helper.from_array(np.array(.1, np.float32), "s"),
                 numpy_helper.from_array(np.array(7, np.uint8), "z"),
                 numpy_helper.from_array(np.array([0, 2], np.int64), "idx")]
        nodes = [mk("DequantizeLinear", ["xq", "s", "z"], ["xd"], name="dq"),
                 mk("Gather", ["xd", "idx"], ["y"], name="gather", axis=0)]
        g = helper.make_graph(nodes, "g",
                              [helper.make_tensor_value_info("xq", TensorProto.UINT8, [4])],
                              [M.f32("y", None)], inits)
        q = ox.export(helper.make_model(g))
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual((t["xq"]["dtype"], t["xq"]["scale"], t["xq"]["zero_point"]),
                         ("uint8", float(np.float32(.1)), 7))
        self.assertEqual(t["idx"], {"name": "idx", "dtype": "int64", "initializer": True,
                                    "shape": [2]})
        self.assertEqual(q["nodes"][0]["inputs"], ["xq", "idx"])

    def test_folded_constants_and_pass_throughs(self):
        """Shape -> Slice -> Cast folds to a constant; the DequantizeLinear after its Q stops
        the folding, so Sqrt stays and reads an initializer; Identity is looked through."""
        from onnx import TensorProto, helper, numpy_helper
        import numpy as np
        mk = helper.make_node
        c = lambda name, v, dt: numpy_helper.from_array(np.array(v, dt), name)
        inits = [c("st", [-1], np.int64), c("en", [2 ** 31], np.int64),
                 c("s", .1, np.float32), c("z", 0, np.uint8),
                 c("s2", .2, np.float32), c("z2", 5, np.uint8)]
        nodes = [mk("Shape", ["x"], ["shp"], name="shape"),
                 mk("Slice", ["shp", "st", "en"], ["d"], name="slice"),
                 mk("Cast", ["d"], ["df"], name="cast", to=TensorProto.FLOAT),
                 mk("QuantizeLinear", ["df", "s", "z"], ["dq8"], name="q"),
                 mk("DequantizeLinear", ["dq8", "s", "z"], ["dd"], name="dq"),
                 mk("Sqrt", ["dd"], ["r"], name="sqrt"),
                 mk("Identity", ["x"], ["xi"], name="id"),
                 mk("QuantizeLinear", ["xi", "s", "z"], ["xq"], name="qx"),
                 mk("DequantizeLinear", ["xq", "s", "z"], ["xd"], name="dqx"),
                 mk("QuantizeLinear", ["x", "s2", "z2"], ["xq2"], name="qx2"),
                 mk("DequantizeLinear", ["xq2", "s2", "z2"], ["xd2"], name="dqx2"),
                 mk("Relu", ["xd"], ["y"], name="relu"),
                 mk("Relu", ["xd2"], ["y2"], name="relu2")]
        g = helper.make_graph(nodes, "g", [M.f32("x", [2, 4])],
                              [M.f32("r", None), M.f32("y", None), M.f32("y2", None)], inits)
        q = ox.export(helper.make_model(g))
        n = {x["name"]: x for x in q["nodes"]}
        self.assertEqual(sorted(n), ["relu", "relu2", "sqrt"])
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual(n["sqrt"]["inputs"], ["df"])
        self.assertTrue(t["df"]["initializer"])
        self.assertEqual(n["relu"]["inputs"], ["x"])      # through the Identity
        (edge,) = n["relu2"]["inputs"]                     # its own Q/DQ pair: an edge spec
        self.assertEqual((edge["tensor"], edge["spec"]["zero_point"]), ("x", 5))

    def test_check_takes_a_model_object_and_names_the_index(self):
        diags = opinfo.check(M.matmul_16(), backend="qnn-htp", soc="SM8350", strict=False)
        self.assertEqual([(d.rule, d.node, d.node_index, d.line) for d in diags],
                         [("arch-gate", "y_node", 4, 0)])


if __name__ == "__main__":
    unittest.main()
