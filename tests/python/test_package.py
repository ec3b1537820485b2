"""The package's surface beyond check(): __version__, the database listings, explain() as data,
the exceptions by kind, ONNX Runtime's overrides and autofix, type hints and help()."""
import inspect
import json
import os
import pydoc
import re
import tempfile
import typing
import unittest
import warnings

import opinfo
import opinfo.db

SRC = os.environ.get("OPINFO_TEST_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(SRC, "tests", "overrides", "fix")
LLM = os.path.join(SRC, "examples", "llm-block-16a8w.qgraph.json")


class Version(unittest.TestCase):
    def test_version_is_the_library_s_and_the_header_s(self):
        with open(os.path.join(SRC, "include", "opinfo.h")) as f:
            h = f.read()
        want = ".".join(re.search(r"#define OPINFO_%s_VERSION (\d+)" % k, h).group(1)
                        for k in ("MAJOR", "MINOR", "MICRO"))
        self.assertEqual(opinfo.__version__, want)
        self.assertEqual(opinfo.version(), want)

    def test_pyproject_takes_the_same_version(self):
        with open(os.path.join(SRC, "bindings", "python", "pyproject.toml")) as f:
            self.assertIn('version = {attr = "opinfo._version.__version__"}', f.read())


class Lazy(unittest.TestCase):
    def test_listings_and_fixes_load_on_first_use(self):
        import subprocess
        import sys
        code = ("import sys, opinfo; a = sorted(m for m in ('opinfo.db', 'opinfo.fix', "
                "'opinfo._errors') if m in sys.modules); opinfo.autofix; opinfo.db.socs; "
                "opinfo.InputError; b = sorted(m for m in ('opinfo.db', 'opinfo.fix', "
                "'opinfo._errors') if m in sys.modules); print(a, b)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(out.strip(), "[] ['opinfo._errors', 'opinfo.db', 'opinfo.fix']")
        with self.assertRaises(AttributeError):
            opinfo.no_such_thing


class InstallDir(unittest.TestCase):
    def test_make_install_uses_a_directory_this_python_searches(self):
        import subprocess
        import sys
        import sysconfig
        script = os.path.join(SRC, "cmake", "pythondir.py")
        for prefix in (sys.base_prefix, os.path.join(sys.base_prefix, "local")):
            d = subprocess.run([sys.executable, script, prefix], capture_output=True, text=True,
                               check=True).stdout.strip()
            self.assertTrue(d.startswith(prefix + "/"), d)
            if prefix == sys.base_prefix or "posix_local" in sysconfig.get_scheme_names():
                # /usr and (Debian) /usr/local: searched without PYTHONPATH
                self.assertIn(d, sys.path, prefix)
        d = subprocess.run([sys.executable, script, "/opt/x"], capture_output=True, text=True,
                           check=True).stdout.strip()
        self.assertTrue(d.startswith("/opt/x/lib/python3"), d)


class Listings(unittest.TestCase):
    def test_backends(self):
        b = {x.name: x for x in opinfo.db.backends()}
        self.assertEqual(sorted(b), ["fbgemm", "qnn-htp", "xnnpack"])
        r = opinfo.db.releases("qnn-htp")
        self.assertEqual(b["qnn-htp"].latest, r[-1].version)  # the newest in version order
        self.assertEqual(b["qnn-htp"].releases, len(r))

    def test_releases(self):
        r = opinfo.db.releases("qnn-htp")
        # in version order, not file or import order (2.44.1.json sorts before 2.44.json)
        self.assertEqual([x.version for x in r], ["2.41", "2.44", "2.44.1"])
        self.assertTrue(all(x.ops > 0 and x.variants >= x.ops for x in r))

    def test_socs_with_arch_and_attributes(self):
        s = {x.name: x for x in opinfo.db.socs("qnn-htp")}
        self.assertEqual(s["SM8350"].arch, "v68")
        self.assertEqual(s["SM8350"].attributes, {"qcom_chipset_id": 30})
        self.assertEqual(s["SM8650"].arch, "v75")
        self.assertEqual(s["SM8650"].attributes["marketing_name"], "Snapdragon 8 Gen 3")
        self.assertEqual(opinfo.db.socs("xnnpack"), [])

    def test_ops_with_aliases(self):
        ops = {o.name: o for o in opinfo.db.ops("xnnpack", release="1.13.1")}
        conv = ops["Conv2d"]
        self.assertIn(opinfo.db.Alias("torch.nn", "torch.nn.Conv2d"), conv.aliases)
        self.assertIn("aten.conv2d.default", {a.name for a in conv.aliases})
        self.assertEqual(conv.variants, 2)

    def test_rules_with_their_documentation(self):
        rules = {r.id: r for r in opinfo.db.rules()}
        self.assertIn("arch-gate", rules)
        with open(os.path.join(SRC, "docs", "rules.md")) as f:
            doc = f.read()
        for r in rules.values():
            self.assertTrue(r.summary and r.help and r.example and r.fix, r.id)
            self.assertIn(r.id, doc)
            self.assertIn("[%s]" % r.id, r.example)
            self.assertTrue(r.help_uri.endswith("/rules/%s.md" % r.id), r.help_uri)

    def test_unknown_backend_is_a_lookup_error(self):
        with self.assertRaises(opinfo.NotFoundError) as cm:
            opinfo.db.socs("nope")
        self.assertIsInstance(cm.exception, LookupError)
        self.assertIsInstance(cm.exception, opinfo.OpinfoError)


class Explain(unittest.TestCase):
    def test_text_and_data(self):
        e = opinfo.explain("Conv2d", backend="qnn-htp", soc="SM8350", release="2.44")
        self.assertIsInstance(e, str)
        self.assertTrue(e.text.startswith("Conv2d (qnn-htp 2.44) on SM8350, arch v68"))
        self.assertEqual((e.op, e.backend, e.release, e.soc, e.arch),
                         ("Conv2d", "qnn-htp", "2.44", "SM8350", "v68"))
        self.assertEqual([p.name for p in e.ports], ["input", "weight", "bias", "output"])
        v = {x.name: x for x in e.variants}
        self.assertEqual(v["8a8w"].dtypes, {"input": "uint8", "weight": "int8", "bias": "int32",
                                            "output": "uint8"})
        self.assertTrue(v["8a8w"].available)
        gated = [x for x in e.variants if x.available is False]
        self.assertTrue(gated, "no variant of Conv2d is gated on v68")
        for x in gated:
            self.assertIn(x.name, e.text)
        json.dumps(e.to_dict())

    def test_alias_resolves_and_without_soc_availability_is_unknown(self):
        e = opinfo.db.explain("torch.nn.Conv2d", backend="xnnpack", release="1.13.1")
        self.assertEqual(e.op, "Conv2d")
        self.assertTrue(all(v.available is None for v in e.variants))


class Errors(unittest.TestCase):
    def test_missing_file_is_file_not_found_naming_it(self):
        for call in (lambda p: opinfo.check(p, backend="xnnpack"),
                     lambda p: opinfo.autofix(p, backend="xnnpack"),
                     lambda p: opinfo.check_overrides(LLM, p)):
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "missing.json")
                with self.assertRaises(FileNotFoundError) as cm:
                    call(path)
                self.assertEqual(cm.exception.filename, path)
                self.assertIn(path, str(cm.exception))
                self.assertIsInstance(cm.exception, opinfo.OpinfoError)

    def test_malformed_input_has_path_and_position(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.qgraph.json")
            with open(path, "w") as f:
                f.write('{"qgraph": 1,\n  "tensors": [}\n')
            with self.assertRaises(opinfo.InputError) as cm:
                opinfo.check(path, backend="xnnpack")
        e = cm.exception
        self.assertEqual((e.path, e.line), (path, 2))
        self.assertGreater(e.column, 0)
        self.assertGreater(e.position, 0)

    def test_database_error(self):
        with tempfile.NamedTemporaryFile(suffix=".db") as f:
            f.write(b"not a database" * 100)
            f.flush()
            with self.assertRaises(opinfo.DatabaseError) as cm:
                opinfo.db.backends(db=f.name)
        self.assertEqual(cm.exception.path, f.name)


class Overrides(unittest.TestCase):
    def test_fix_gives_onnx_runtime_s_documented_result(self):
        with open(os.path.join(FIX, "ort-example.init.json")) as f:
            init = json.load(f)
        with open(os.path.join(FIX, "ort-example.expected.json")) as f:
            want = json.load(f)
        graph = os.path.join(FIX, "ort-example.qgraph.json")
        self.assertEqual(opinfo.fix_overrides(graph, init, ort=True), want)
        self.assertEqual(opinfo.fix_overrides(graph, init, backend="qnn-htp", soc="SM8650"),
                         want)
        opinfo.check_overrides(graph, want, backend="qnn-htp", soc="SM8650")

    def test_check_finds_a_bad_entry(self):
        graph = os.path.join(FIX, "ort-example.qgraph.json")
        with open(os.path.join(FIX, "ort-example.init.json")) as f:
            ov = json.load(f)
        name = next(iter(ov))
        ov[name] = [{"quant_type": "QUInt16", "scale": -1.0, "zero_point": 0}]
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check_overrides(graph, ov)
        self.assertTrue(any(d.tensor == name for d in cm.exception.diagnostics))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            diags = opinfo.check_overrides(graph, ov, strict=False)
        self.assertTrue(diags)
        self.assertEqual(len(w), len(diags))

    def test_bad_quant_type(self):
        with self.assertRaises(ValueError):
            opinfo.check_overrides(os.path.join(FIX, "ort-example.qgraph.json"), {},
                                   activation_type="QUInt7")


class Autofix(unittest.TestCase):
    def test_fix_then_recheck(self):
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check(LLM, backend="qnn-htp", soc="SM8350")
        before = cm.exception.diagnostics
        r = opinfo.autofix(LLM, backend="qnn-htp", soc="SM8350")
        self.assertTrue(r.changes)
        self.assertTrue(all(": fixed: " in c for c in r.changes), r.changes)
        self.assertIsInstance(r.qgraph, dict)
        again = opinfo.check(r.qgraph, backend="qnn-htp", soc="SM8350", strict=False)
        self.assertEqual([d.rule for d in again], [d.rule for d in r.diagnostics])
        self.assertLess(len(again), len(before))


class Typing(unittest.TestCase):
    def test_py_typed_and_hints(self):
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(opinfo.__file__),
                                                    "py.typed")))
        for f in (opinfo.db.backends, opinfo.db.socs, opinfo.db.ops, opinfo.db.rules,
                  opinfo.db.explain, opinfo.autofix, opinfo.check_overrides,
                  opinfo.fix_overrides):
            hints = typing.get_type_hints(f)
            self.assertIn("return", hints, f.__name__)
            for p in inspect.signature(f).parameters:
                self.assertIn(p, hints, "%s(%s)" % (f.__name__, p))

    def test_help_renders_the_docstrings(self):
        text = pydoc.render_doc(opinfo, renderer=pydoc.plaintext)
        for name in ("check(", "explain(", "autofix(", "fix_overrides(", "VERSION\n    %s"
                     % opinfo.__version__):
            self.assertIn(name, text)
        self.assertNotIn("ForwardRef", text)
        text = pydoc.render_doc(opinfo.db, renderer=pydoc.plaintext)
        self.assertIn("The SoCs of a backend release", text)


if __name__ == "__main__":
    unittest.main()
