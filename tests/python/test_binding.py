"""The ctypes binding: results, strict and warn modes, and every error path."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

import numpy as np

import opinfo

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LLM = os.path.join(SRC, "examples", "llm-block-16a8w.qgraph.json")
CNN = os.path.join(SRC, "examples", "cnn-8a8w.qgraph.json")


def sigmoid_graph(scale):
    return {"qgraph": 1,
            "tensors": [{"name": "x", "dtype": "uint8", "scale": 0.1, "zero_point": 128},
                        {"name": "y", "dtype": "uint8", "scale": scale, "zero_point": 0}],
            "nodes": [{"name": "sig", "op": "torch.sigmoid", "inputs": ["x"], "outputs": ["y"]}]}


class Check(unittest.TestCase):
    def test_clean_graph_gives_no_diagnostics(self):
        self.assertEqual(opinfo.check(CNN, backend="qnn-htp", soc="SM8650"), [])

    def test_strict_raises_a_value_error_with_every_diagnostic(self):
        # the LLM block's LPBQ linears and 16-bit MatMul inputs need v69/v73: SM8350 is v68
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check(LLM, backend="qnn-htp", soc="SM8350")
        e = cm.exception
        self.assertIsInstance(e, ValueError)
        self.assertEqual(len(e.diagnostics), 9)
        self.assertEqual({d.rule for d in e.diagnostics}, {"arch-gate"})
        self.assertTrue(all(d.severity == "error" for d in e.diagnostics))
        self.assertIn("needs arch v69 or newer; SM8350 is v68", str(e))
        # the model's source line, from the node's "source"
        d = e.diagnostics[0]
        self.assertEqual(d.file, "models/llama_block.py")
        self.assertGreater(d.line, 0)

    def test_warn_mode_warns_once_per_violation_and_returns_them(self):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            diags = opinfo.check(LLM, backend="qnn-htp", soc="SM8350", strict=False)
        self.assertEqual(len(diags), 9)
        self.assertEqual(len(w), 9)
        self.assertTrue(all(issubclass(x.category, opinfo.OpinfoWarning) for x in w))
        self.assertTrue(all(d.severity == "warning" for d in diags))
        self.assertEqual(str(w[0].message), str(diags[0]))

    def test_a_dict_is_checked_like_a_file(self):
        self.assertEqual(opinfo.check(sigmoid_graph(1 / 256), backend="fbgemm"), [])
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check(sigmoid_graph(1 / 128), backend="fbgemm")
        (d,) = cm.exception.diagnostics
        self.assertEqual((d.rule, d.node, d.tensor), ("fixed-qparams", "sig", "y"))
        self.assertIn("needs exactly scale 0.00390625, zero_point 0", d.message)
        with open(CNN, "rb") as f:
            self.assertEqual(opinfo.check(f.read(), backend="qnn-htp", soc="SM8650"), [])

    def test_plugins_false_checks_the_database_alone(self):
        # the library reads NULL plugins as "the installed ones": plugins=False must opt out
        g = os.path.join(SRC, "tests", "cases", "019-htp-E12-2bit-per-tensor-conv2d", "input.json")
        kw = dict(backend="qnn-htp", soc="SM8850", strict=False)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            with_plugin = {d.rule for d in opinfo.check(g, **kw)}
            alone = {d.rule for d in opinfo.check(g, plugins=False, **kw)}
        self.assertEqual(with_plugin, {"qscheme", "qnn-htp/per-tensor-2bit"})
        self.assertEqual(alone, {"qscheme"})

    def test_every_line_names_the_node_and_every_variadic_input(self):
        g = {"qgraph": 1,
             "tensors": [{"name": "a", "dtype": "uint8", "scale": 0.1, "zero_point": 0},
                         {"name": "b", "dtype": "uint16", "scale": 0.001, "zero_point": 0},
                         {"name": "y", "dtype": "uint8", "scale": 0.1, "zero_point": 0}],
             "nodes": [{"name": "cat1", "op": "torch.cat", "inputs": ["a", "b"],
                        "outputs": ["y"]}]}
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check(g, backend="qnn-htp", soc="SM8650")
        (d,) = cm.exception.diagnostics
        self.assertEqual((d.rule, d.node), ("no-variant", "cat1"))
        self.assertIn("error: cat1: no variant of Concat takes (input[0] uint8, input[1] uint16, "
                      "output uint8)", str(cm.exception))

    def test_a_float_node_is_a_warning_unless_full_delegation(self):
        g = {"qgraph": 1,
             "tensors": [{"name": "x", "dtype": "float32"}, {"name": "y", "dtype": "float32"}],
             "nodes": [{"name": "act", "op": "torch.nn.functional.gelu", "inputs": ["x"],
                        "outputs": ["y"], "float_reason": "its qconfig is None"}]}
        (d,) = opinfo.check(g, backend="fbgemm")  # strict, but a warning does not raise
        self.assertEqual((d.rule, d.severity, d.node), ("runs-in-float", "warning", "act"))
        self.assertEqual(d.message, "torch.nn.functional.gelu runs in float and is not "
                                    "delegated (its qconfig is None)")
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check(g, backend="fbgemm", full_delegation=True)
        (d,) = cm.exception.diagnostics
        self.assertEqual((d.rule, d.severity), ("runs-in-float", "error"))
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            (d,) = opinfo.check(g, backend="fbgemm", full_delegation=True, strict=False)
        self.assertEqual(d.severity, "warning")

    def test_max_errors(self):
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            diags = opinfo.check(LLM, backend="qnn-htp", soc="SM8350", strict=False,
                                 max_errors=2)
        self.assertEqual(len(diags), 2)

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            opinfo.check(42, backend="qnn-htp")
        with self.assertRaises(TypeError):
            opinfo.check(CNN, backend=5)
        with self.assertRaises(ValueError):
            opinfo.check(CNN, backend="qnn-htp", soc="SM8650", max_errors=-1)
        with self.assertRaises(opinfo.OpinfoError) as cm:
            opinfo.check(CNN, backend="no-such-backend")
        self.assertIn("no-such-backend", str(cm.exception))
        with self.assertRaises(opinfo.OpinfoError) as cm:
            opinfo.check(CNN, backend="qnn-htp", soc="SM0000")
        self.assertIn("SM0000", str(cm.exception))
        with self.assertRaises(opinfo.OpinfoError) as cm:
            opinfo.check(b'{"qgraph": 1, "tensors": [], "nodes": [}', backend="fbgemm")
        self.assertEqual((cm.exception.line, cm.exception.column), (1, 40))
        with self.assertRaises(opinfo.OpinfoError):
            opinfo.check(os.path.join(SRC, "no", "such.qgraph.json"), backend="fbgemm")


class Lookups(unittest.TestCase):
    def test_explain(self):
        text = opinfo.explain("Sigmoid", backend="qnn-htp", soc="SM8650")
        self.assertTrue(text.startswith("Sigmoid (qnn-htp"))
        self.assertIn("torch.sigmoid", text)
        with self.assertRaises(opinfo.OpinfoError):
            opinfo.explain("NoSuchOp", backend="qnn-htp")
        with self.assertRaises(TypeError):
            opinfo.explain(None, backend="qnn-htp")

    def test_annotate_gives_a_graph_that_checks_clean(self):
        fl = os.path.join(SRC, "examples", "float", "llm-block.qgraph.json")
        q = opinfo.annotate(fl, backend="qnn-htp", soc="SM8650", config="16a4w-block:32")
        self.assertEqual(q["qgraph"], 1)
        self.assertTrue(any(t.get("qscheme") == "per_block_symmetric" for t in q["tensors"]))
        self.assertEqual(opinfo.check(q, backend="qnn-htp", soc="SM8650"), [])
        with self.assertRaises(opinfo.OpinfoError):
            opinfo.annotate(fl, backend="qnn-htp", soc="SM8650", config="99a99w")


class Kernels(unittest.TestCase):
    def test_requantize_ties_differ_between_schemes(self):
        acc = np.array([1, 3, 5, -1, -3, -5], dtype=np.int32)
        even = opinfo.kernel("xnnpack", "requantize", acc, scale=0.5, dtype="int8", scheme=0)
        up = opinfo.kernel("xnnpack", "requantize", acc, scale=0.5, dtype="int8", scheme=1)
        self.assertEqual(even.dtype, np.int8)
        self.assertEqual(even.tolist(), [0, 2, 2, 0, -2, -2])
        self.assertEqual(up.tolist(), [1, 2, 3, 0, -1, -2])
        # gemmlowp: the Q31 product rounds half up, then the shift rounds half away from zero
        gl = opinfo.kernel("xnnpack", "requantize", acc, scale=0.25, dtype="int8", scheme=2)
        self.assertEqual(gl.tolist(), [1, 1, 2, 0, -1, -1])

    def test_numpy_defaults_are_converted_when_exact(self):
        q = opinfo.kernel("fbgemm", "quantize", np.array([-1.0, 0.0, 1.0, 2.0]), scale=0.1,
                          zero_point=10, dtype=np.uint8)
        self.assertEqual(q.tolist(), [0, 10, 20, 30])
        with self.assertRaises(ValueError):
            opinfo.kernel("fbgemm", "quantize", np.array([0.1]), scale=1)  # 0.1 is no float32

    def test_per_channel_and_two_outputs(self):
        x = np.array([[1, 2, 3], [1, 2, 3]], dtype=np.float32)
        q = opinfo.kernel("fbgemm", "quantize", x, scale=[1, 0.5], zero_point=[0, 10], axis=0)
        self.assertEqual(q.tolist(), [[1, 2, 3], [12, 14, 16]])
        s, z = opinfo.kernel("fbgemm", "choose_qparams", outputs=2, min=-1, max=3, qmin=0,
                             qmax=255)
        self.assertEqual((s.dtype, z.tolist()), (np.float32, [64]))
        self.assertEqual(s[0], np.float32(0.0156862754))

    def test_kernel_errors(self):
        with self.assertRaises(opinfo.OpinfoError) as cm:
            opinfo.kernel("xnnpack", "requantize", np.array([1], np.int32), scale=256)
        self.assertIn("outside XNNPACK's [2^-32, 256)", str(cm.exception))
        with self.assertRaises(opinfo.OpinfoError):
            opinfo.kernel("xnnpack", "softmax", np.array([1], np.int32))
        with self.assertRaises(TypeError):
            opinfo.kernel("xnnpack", "quantize", np.array([1 + 2j]), scale=1)
        with self.assertRaises(ValueError):
            opinfo.kernel("xnnpack", "quantize", np.array([1.0], np.float32), scale=1, dtype="nope")
        names = [n for n, _ in opinfo.kernels("qnn-htp")]
        self.assertIn("fully_connected_lpbq", names)


class Loading(unittest.TestCase):
    def test_library_not_found_names_every_place_tried(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(SRC, "bindings", "python", "opinfo"),
                            os.path.join(d, "opinfo"))
            env = dict(os.environ, PYTHONPATH=d, OPINFO_LIBRARY=os.path.join(d, "missing.so"),
                       LD_LIBRARY_PATH="")
            code = ("import opinfo\n"
                    "try:\n    opinfo.version()\n"
                    "except opinfo.LibraryNotFoundError as e:\n    print('NOTFOUND', e)\n")
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                               text=True, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("NOTFOUND opinfo: libopinfo is not found", r.stdout)
            self.assertIn("missing.so ($OPINFO_LIBRARY): no such file", r.stdout)
            self.assertIn("Set OPINFO_LIBRARY", r.stdout)

    def test_found_through_the_environment(self):
        lib = os.environ.get("OPINFO_LIBRARY")
        if not lib:
            self.skipTest("OPINFO_LIBRARY is not set by the test runner")
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(SRC, "bindings", "python", "opinfo"),
                            os.path.join(d, "opinfo"))
            r = subprocess.run([sys.executable, "-c", "import opinfo; print(opinfo.version())"],
                               env=dict(os.environ, PYTHONPATH=d), capture_output=True, text=True,
                               cwd=d)
            self.assertEqual(r.stdout.strip(), "0.1.0", r.stderr)


if __name__ == "__main__":
    unittest.main()
