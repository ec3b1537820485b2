"""The public API's surface: what `import opinfo` loads (nothing heavy: docs/performance.md),
annotations on every public function, and check() on PyTorch models (prepare_fx here; PT2E and
torch.export in tests/integration/test_api_pt2e.py), routed to opinfo.fx.export without torch
being imported by opinfo itself."""
import inspect
import os
import subprocess
import sys
import unittest
import warnings

import numpy
import opinfo
import opinfo.db
import opinfo.fix
import opinfo.fx
import opinfo.onnx_export

SRC = os.environ.get("OPINFO_TEST_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
LLM = os.path.join(SRC, "examples", "llm-block-16a8w.qgraph.json")


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


class ImportCost(unittest.TestCase):
    HEAVY = ("ctypes", "json", "typing", "threading", "warnings", "torch", "numpy", "onnx",
             "opinfo._lib", "opinfo.db", "opinfo.fx")

    def test_import_loads_no_heavy_module(self):
        out = run("import sys; before = set(sys.modules); import opinfo; "
                  "print(sorted(m for m in %r if m in sys.modules and m not in before))"
                  % (self.HEAVY,))
        self.assertEqual(out, "[]")

    def test_the_library_loads_on_first_use(self):
        out = run("import sys, opinfo; a = 'opinfo._lib' in sys.modules; v = opinfo.version(); "
                  "print(a, 'opinfo._lib' in sys.modules, v == opinfo.__version__)")
        self.assertEqual(out, "False True True")

    def test_checking_a_qgraph_does_not_import_torch(self):
        out = run("import sys, opinfo; opinfo.check(%r, backend='qnn-htp', soc='SM8650'); "
                  "print('torch' in sys.modules)" % LLM)
        self.assertEqual(out, "False")


def public_functions():
    for mod in (opinfo, opinfo.db, opinfo.fix, opinfo.fx, opinfo.onnx_export):
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            f = getattr(mod, name)
            if inspect.isfunction(f) and f.__module__.startswith("opinfo"):
                yield "%s.%s" % (mod.__name__, name), f
            elif inspect.isclass(f) and f.__module__.startswith("opinfo"):
                for m in ("__init__", "to_dict", "__str__"):
                    g = vars(f).get(m)
                    if inspect.isfunction(g):
                        yield "%s.%s.%s" % (mod.__name__, name, m), g


class Annotations(unittest.TestCase):
    def test_every_public_function_is_annotated_and_documented(self):
        seen = set()
        for name, f in public_functions():
            seen.add(name)
            sig = inspect.signature(f)
            for p in sig.parameters.values():
                if p.name == "self":
                    continue
                self.assertIsNot(p.annotation, inspect.Parameter.empty,
                                 "%s: parameter %s" % (name, p.name))
            self.assertIsNot(sig.return_annotation, inspect.Signature.empty, name)
            if not name.endswith(("__init__", "__str__")):
                self.assertTrue(f.__doc__ and f.__doc__.strip(), "%s: no docstring" % name)
        for want in ("opinfo.check", "opinfo.check_model", "opinfo.explain", "opinfo.annotate",
                     "opinfo.kernel", "opinfo.kernels", "opinfo.version", "opinfo.db.socs",
                     "opinfo.fx.export", "opinfo.fx.check_prepared", "opinfo.onnx_export.export",
                     "opinfo.Diagnostic.to_dict"):
            self.assertIn(want, seen)

    def test_the_package_s_annotations_resolve(self):
        import typing
        ns = {"numpy": numpy, "Explanation": opinfo.db.Explanation,
              "Diagnostic": opinfo.Diagnostic}
        for name in ("check", "check_model", "explain", "annotate", "kernel", "kernels"):
            hints = typing.get_type_hints(getattr(opinfo, name), localns=ns)
            self.assertIn("return", hints, name)
        self.assertIs(typing.get_type_hints(opinfo.explain, localns=ns)["return"],
                      opinfo.db.Explanation)


try:
    import torch
    from torch.ao.quantization import QConfigMapping
    from torch.ao.quantization.backend_config import get_qnnpack_backend_config
    from torch.ao.quantization.qconfig import default_symmetric_qnnpack_qconfig
    from torch.ao.quantization.quantize_fx import prepare_fx
except ImportError as e:  # Debian's python3 has python3-torch
    torch = None
    TORCH_MISSING = str(e)


class Small(torch.nn.Module if torch else object):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.relu = torch.nn.ReLU()
        self.conv2 = torch.nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self.conv2(self.relu(self.conv(x)))


R113 = "1.13.1"  # PyTorch 1.13's BackendConfigs (Debian's python3-torch)


@unittest.skipIf(torch is None, "torch is not importable")
class CheckTakesModels(unittest.TestCase):
    def prepared(self):
        torch.manual_seed(0)
        # XNNPACK's symmetric int8 activations: FBGEMM takes quint8 activations only
        p = prepare_fx(Small().eval(),
                       QConfigMapping().set_global(default_symmetric_qnnpack_qconfig),
                       (torch.randn(1, 3, 8, 8),), backend_config=get_qnnpack_backend_config())
        with torch.no_grad():
            p(torch.randn(2, 3, 8, 8))
        return p

    def rules(self, model, backend):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [(d.rule, d.node, d.tensor)
                    for d in opinfo.check(model, backend=backend, release=R113, strict=False)]

    def test_a_prepare_fx_model_is_exported_then_checked(self):
        p = self.prepared()
        for backend in ("fbgemm", "xnnpack"):
            direct = self.rules(p, backend)
            q = opinfo.fx.export(p, target={"backend": backend, "release": R113})
            self.assertEqual(direct, self.rules(q, backend), backend)
        self.assertEqual({r for r, _, _ in self.rules(p, "fbgemm")}, {"no-variant"})
        self.assertEqual(self.rules(p, "xnnpack"), [])
        self.assertEqual(opinfo.check(p, backend="xnnpack", release=R113), [])

    def test_quantizer_hooks(self):
        p = self.prepared()
        self.assertIsNone(opinfo.check_model(p, backend="xnnpack", release=R113))
        with self.assertRaises(opinfo.ValidationError) as cm:
            opinfo.check_model(p, backend="fbgemm", release=R113)
        self.assertIsInstance(cm.exception, ValueError)
        self.assertEqual(opinfo.fx.check_prepared(p, backend="xnnpack", release=R113), [])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.assertEqual([d.rule for d in opinfo.fx.check_prepared(
                p, backend="fbgemm", release=R113, strict=False)],
                             [r for r, _, _ in self.rules(p, "fbgemm")])

    def test_an_unprepared_module_is_refused_with_the_way_out(self):
        with self.assertRaisesRegex(TypeError, "Small is not prepared.*prepare_fx"):
            opinfo.check(Small(), backend="xnnpack")
        with self.assertRaisesRegex(TypeError, "a qgraph is a dict"):
            opinfo.check(object(), backend="xnnpack")


if __name__ == "__main__":
    unittest.main()
