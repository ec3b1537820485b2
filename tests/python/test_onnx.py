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

    def test_matmul_16_bit_second_input_must_be_signed_symmetric(self):
        for soc in SOCS:
            self.assertEqual(verdict(M.matmul_16(second_symmetric=False), soc),
                             [("no-variant", "y_node")], soc)

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
        self.assertEqual([n["op"] for n in q["nodes"]], ["onnx::MatMul.const_weight", "MatMul"])

    def test_unnamed_nodes_are_refused(self):
        from onnx import helper
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r"),
                               helper.make_node("Relu", ["y"], ["z"])], "g",
                              [M.f32("x", [2])], [M.f32("z", None)])
        with self.assertRaises(opinfo.OpinfoError) as cm:
            ox.export(helper.make_model(g))
        self.assertIn("node 1 (Relu): has no name", str(cm.exception))

    def test_check_takes_a_model_object_and_names_the_index(self):
        diags = opinfo.check(M.matmul_16(), backend="qnn-htp", soc="SM8350", strict=False)
        self.assertEqual([(d.rule, d.node, d.node_index, d.line) for d in diags],
                         [("arch-gate", "y_node", 4, 0)])


if __name__ == "__main__":
    unittest.main()
