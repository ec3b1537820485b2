"""opinfo-db import --format backendopinfo: a hand-made BackendOpInfo dump (tests/backendopinfo/ok.json)
becomes a release that checks what its OpInfos say; a malformed dump (tests/bad-inputs/backendopinfo/)
imports nothing."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import opinfo

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("OPINFO_TEST_BUILDDIR", os.path.join(SRC, "build"))
DB_TOOL = os.path.join(BUILD, "bin", "opinfo-db")
OK = os.path.join(SRC, "tests", "backendopinfo", "ok.json")
BAD = sorted(glob.glob(os.path.join(SRC, "tests", "bad-inputs", "backendopinfo", "*.json")))


class Import(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.db = os.path.join(self.dir, "t.db")
        shutil.copy(os.environ["OPINFO_DB"], self.db)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def tool(self, *args):
        return subprocess.run([DB_TOOL, "--db", self.db] + list(args), capture_output=True, text=True, cwd=SRC)

    def releases(self):
        return self.tool("list", "releases", "--backend", "qnn-htp").stdout

    def test_a_dump_becomes_a_release(self):
        p = self.tool("import", "--format", "backendopinfo", OK, "--release", "2.44.900")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2.44.900", self.releases())
        doc = json.loads(self.tool("export", "--backend", "qnn-htp", "--release", "2.44.900").stdout)
        ops = {o["name"]: o for o in doc["ops"]}
        self.assertEqual(sorted(ops), ["Concat", "Conv2d", "ElementWiseNewOp", "Sigmoid"])
        # architectures and SoCs of the newest release; port names and aliases of its ops
        self.assertEqual(len(doc["socs"]), 20)
        self.assertIn("Conv", ops["Conv2d"]["aliases"]["onnx"])
        self.assertEqual([p["name"] for p in ops["Conv2d"]["ports"]], ["input", "weight", "bias", "output"])
        # an 8-bit weight with BW_AXIS_SCALE_OFFSET is a 4-bit weight: two variants
        self.assertEqual([v["ports"]["weight"]["dtype"] for v in ops["Conv2d"]["variants"]], ["int8", "int4"])
        self.assertEqual(ops["Conv2d"]["variants"][1]["ports"]["weight"]["qschemes"], ["per_channel_symmetric"])
        # QNN offset -> zero point; math-invariant -> shared with input 0; variadic -> variadic
        out = ops["Sigmoid"]["variants"][0]["ports"]["output"]
        self.assertEqual((out["fixed_scale"], out["fixed_zero_point"]), (1.52587890625e-05, 0))
        self.assertEqual(ops["Concat"]["variants"][0]["ports"]["output"]["shared_with"], "input")
        self.assertTrue(ops["Concat"]["ports"][0]["variadic"])
        # an op the base release lacks: generated port names, the shorter OpInfo's port optional
        self.assertEqual(ops["ElementWiseNewOp"]["ports"],
                         [{"name": "in0", "kind": "input"}, {"name": "in1", "kind": "input", "optional": True},
                          {"name": "out0", "kind": "output"}])

    def test_the_release_checks_what_the_dump_says(self):
        self.assertEqual(self.tool("import", "--format", "backendopinfo", OK, "--release", "2.44.900").returncode, 0)
        g = {"qgraph": 1,
             "tensors": [{"name": "x", "dtype": "uint16", "scale": 0.001, "zero_point": 100},
                         {"name": "y", "dtype": "uint16", "scale": 1 / 65535, "zero_point": 0}],
             "nodes": [{"name": "sig", "op": "torch.sigmoid", "inputs": ["x"], "outputs": ["y"]}]}
        diags = opinfo.check(g, backend="qnn-htp", soc="SM8650", release="2.44.900", strict=False, db=self.db)
        self.assertEqual([d.rule for d in diags], ["fixed-qparams"])
        g["tensors"][1]["scale"] = 1 / 65536
        self.assertEqual(opinfo.check(g, backend="qnn-htp", soc="SM8650", release="2.44.900", strict=False,
                                      db=self.db), [])

    def test_check_writes_nothing_and_a_second_import_is_refused(self):
        before = self.releases()
        p = self.tool("check", "--format", "backendopinfo", OK, "--release", "2.44.900")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.releases(), before)
        self.assertEqual(self.tool("import", "--format", "backendopinfo", OK, "--release", "2.44.900").returncode, 0)
        p = self.tool("import", "--format", "backendopinfo", OK, "--release", "2.44.900")
        self.assertEqual(p.returncode, 2)
        self.assertIn("the converted release: release qnn-htp 2.44.900 is already in the database", p.stderr)

    def test_a_malformed_dump_imports_nothing(self):
        self.assertEqual(len(BAD), 24)
        before = self.releases()
        for path in BAD:
            with self.subTest(dump=os.path.basename(path)):
                # NAME.cmd: the dump is fine, its release is not (2.44 is in the database)
                release = "2.44" if os.path.exists(path[:-5] + ".cmd") else "2.44.901"
                p = self.tool("import", "--format", "backendopinfo", os.path.relpath(path, SRC), "--release",
                              release)
                self.assertEqual(p.returncode, 2)
                want = open(path[:-5] + ".expected").read().splitlines()[0]
                self.assertEqual(p.stderr.splitlines()[0], want)
                self.assertEqual(self.releases(), before)

    def test_the_schema_accepts_the_dump_and_refuses_what_it_can(self):
        import jsonschema
        schema = json.load(open(os.path.join(SRC, "schemas", "backendopinfo.schema.json")))
        jsonschema.Draft202012Validator.check_schema(schema)
        v = jsonschema.Draft202012Validator(schema)
        self.assertEqual(list(v.iter_errors(json.load(open(OK)))), [])
        # the malformed dumps the schema can see (the others need the converter or the database)
        refused = set()
        for path in BAD:
            try:
                doc = json.load(open(path))
            except ValueError:
                continue
            if list(v.iter_errors(doc)):
                refused.add(os.path.basename(path)[:2])
        self.assertEqual(sorted(refused), ["03", "04", "05", "06", "07", "09", "12", "16", "17", "18",
                                           "21", "23", "24"])

    def test_usage(self):
        self.assertEqual(self.tool("import", "--format", "backendopinfo", OK).returncode, 2)
        p = self.tool("import", "--format", "backendopinfo", OK, OK, "--release", "9")
        self.assertEqual(p.returncode, 2)
        self.assertIn("takes one FILE and --release R", p.stderr)
        p = self.tool("import", "--format", "backendopinfo", os.path.join(self.dir, "nope.json"), "--release", "9")
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
