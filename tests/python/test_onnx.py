"""ONNX QDQ models built with onnx.helper (tests/python/onnx_models.py): the exporter's qgraph,
the verdicts for qnn-htp on SoCs of several arches (facts: qnn-htp.md §4-§8, ort-qnn.md), and
`opinfo-check model.onnx` itself."""
import json
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
        self.assertTrue(err.startswith("opinfo-check: error: MODEL: "), err)

    def test_empty_and_truncated_models_are_input_errors(self):
        full = M.conv_u8().SerializeToString()
        # cut inside a field, protobuf's own error; after one, ours
        for data, why in ((b"", "empty file"), (full[:2], "no graph"), (full[:11], ""),
                          (b"\x08\x07\x12\x07pytorch", "no graph")):
            rc, out, err = self.run_check(data, "--soc", "SM8650")
            self.assertEqual((rc, out), (2, ""), err)
            self.assertTrue(err.startswith("opinfo-check: error: MODEL: " + why), err)
        m = M.conv_u8()
        del m.opset_import[:]
        with self.assertRaisesRegex(ValueError, "no opset_import"):
            ox.export(m)

    def test_exporter_output_never_follows_a_planted_link(self):
        with tempfile.TemporaryDirectory() as d:
            model, out, victim = (os.path.join(d, n) for n in ("m.onnx", "q.json", "victim"))
            onnx.save(M.conv_u8(), model)
            with open(victim, "w") as f:
                f.write("precious")
            os.symlink(victim, out + ".tmp")
            self.assertEqual(ox.main([model, "-o", out]), 0)
            with open(victim) as f:
                self.assertEqual(f.read(), "precious")
            self.assertFalse(os.path.islink(out))
            with open(out) as f:
                self.assertEqual(json.load(f)["qgraph"], 1)
            os.mkfifo(os.path.join(d, "fifo"))
            reader = subprocess.Popen(["cat", os.path.join(d, "fifo")], stdout=subprocess.PIPE)
            self.assertEqual(ox.main([model, "-o", os.path.join(d, "fifo")]), 0)
            self.assertEqual(json.loads(reader.communicate(timeout=20)[0])["qgraph"], 1)

    def test_without_python_or_onnx_the_message_says_so(self):
        rc, _, err = self.run_check(M.conv_u8(), "--soc", "SM8650",
                                    env={"OPINFO_PYTHON": "/nonexistent/python3"})
        self.assertEqual(rc, 2)
        self.assertIn("reading ONNX models needs Python 3 with the onnx package; "
                      "/nonexistent/python3 cannot be run", err)
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "python3")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\nexit 3\n")   # what the exporter returns without onnx
            os.chmod(fake, 0o755)
            rc, _, err = self.run_check(M.conv_u8(), "--soc", "SM8650",
                                        env={"OPINFO_PYTHON": fake})
        self.assertEqual(rc, 2)
        self.assertIn("needs Python 3 with the onnx package (python3-onnx): %s has none" % fake,
                      err)


if __name__ == "__main__":
    unittest.main()
