"""PyTorch 1.13 FX: torchvision models quantized for FBGEMM and for QNNPACK/XNNPACK, exported and
checked. Random weights, random calibration data: nothing is downloaded. The expected
diagnostics are derived from PyTorch's own backend configs (facts: pytorch-backend-config.md),
not from a run of the tool."""
import unittest
import warnings

import opinfo
import opinfo.fx

try:
    import torch
    import torchvision
    from torch.ao.quantization import QConfig, QConfigMapping, get_default_qconfig_mapping
    from torch.ao.quantization.backend_config import (get_fbgemm_backend_config,
                                                      get_qnnpack_backend_config)
    from torch.ao.quantization.observer import MinMaxObserver, default_per_channel_weight_observer
    from torch.ao.quantization.qconfig import default_symmetric_qnnpack_qconfig
    from torch.ao.quantization.quantize_fx import prepare_fx
except ImportError as e:  # the runner uses Debian's python3, which has python3-torch
    raise unittest.SkipTest("torch/torchvision are not importable: %s" % e)

warnings.filterwarnings("ignore", category=UserWarning, module="torch")
INPUT = (1, 3, 32, 32)


def quantize(model, mapping, backend_config, calibrate):
    torch.manual_seed(0)
    p = prepare_fx(model.eval(), mapping, (torch.randn(*INPUT),), backend_config=backend_config)
    if calibrate:
        with torch.no_grad():
            for _ in range(2):
                p(torch.randn(2, 3, 32, 32))
    return p


# The releases that are PyTorch 1.13.1's BackendConfigs and lowering, as an FX export names them
# (xnnpack 2.6 is PT2E's XNNPACKQuantizer)
RELEASE_1_13 = opinfo.fx.FX_RELEASES


def quiet_check(q, backend):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opinfo.check(q, backend=backend, release=RELEASE_1_13[backend], strict=False)


FBGEMM = (lambda: get_default_qconfig_mapping("fbgemm"), get_fbgemm_backend_config)
QNNPACK_SYM = (lambda: QConfigMapping().set_global(default_symmetric_qnnpack_qconfig),
               get_qnnpack_backend_config)
MODELS = {"resnet18": torchvision.models.resnet18, "mobilenet_v2": torchvision.models.mobilenet_v2}


class Export(unittest.TestCase):
    def test_export_shape(self):
        torch.manual_seed(0)
        p = quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), calibrate=True)
        q = opinfo.fx.export(p, target={"backend": "fbgemm"})
        t = {x["name"]: x for x in q["tensors"]}
        n = {x["name"]: x for x in q["nodes"]}
        # conv1 is Conv+BN+ReLU fused by prepare_fx: its public class name
        self.assertEqual(n["conv1"]["op"], "torch.nn.intrinsic.ConvReLU2d")
        self.assertEqual(n["conv1"]["inputs"], ["x", "conv1.weight", "conv1.bias"])
        # the activation observer: HistogramObserver(reduce_range=True) = quint8 [0, 127]
        self.assertEqual((t["x"]["dtype"], t["x"]["quant_min"], t["x"]["quant_max"]),
                         ("uint8", 0, 127))
        self.assertIsInstance(t["x"]["scale"], float)
        # the weight: per-channel symmetric qint8 along axis 0, one scale per output channel
        w = t["conv1.weight"]
        self.assertEqual((w["dtype"], w["qscheme"], w["axis"]), ("int8", "per_channel_symmetric", 0))
        self.assertEqual(len(w["scale"]), 64)
        self.assertEqual(t["conv1.bias"]["dtype"], "float32")
        # max pool shares its input's observer: shared_with
        self.assertEqual(t["maxpool"].get("shared_with"), "conv1")
        # add -> relu is one fused pattern in FX; the alias the database knows
        self.assertEqual(n["add"]["op"], "operator.add -> torch.nn.ReLU")
        # the source line: torchvision's resnet.py
        self.assertTrue(n["conv1"]["source"]["file"].endswith("resnet.py"))

    def test_rejects_a_plain_module(self):
        with self.assertRaises(TypeError):
            opinfo.fx.export(torch.nn.Linear(2, 2))


class Verdicts(unittest.TestCase):
    def test_fbgemm_qconfig_is_clean_on_fbgemm(self):
        for name, ctor in MODELS.items():
            for cal in (False, True):
                p = quantize(ctor(), FBGEMM[0](), FBGEMM[1](), cal)
                with self.subTest(model=name, calibrated=cal):
                    self.assertEqual(quiet_check(opinfo.fx.export(p), "fbgemm"), [])

    def test_fbgemm_qconfig_on_xnnpack(self):
        # PyTorch 1.13's qnnpack config keeps weighted_op_quint8_dtype_config beside the
        # symmetric qint8 one, with no constraints: quint8 activations with per-channel qint8
        # weights are accepted there too
        p = quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), True)
        self.assertEqual(quiet_check(opinfo.fx.export(p), "xnnpack"), [])

    def test_qnnpack_symmetric_qconfig_is_clean_on_xnnpack(self):
        for name, ctor in MODELS.items():
            for cal in (False, True):
                p = quantize(ctor(), QNNPACK_SYM[0](), QNNPACK_SYM[1](), cal)
                with self.subTest(model=name, calibrated=cal):
                    self.assertEqual(quiet_check(opinfo.fx.export(p), "xnnpack"), [])

    def test_qnnpack_symmetric_qconfig_on_fbgemm(self):
        # FBGEMM's dtype configs take quint8 activations only: every node that reads a qint8
        # activation has no variant, exactly once
        p = quantize(MODELS["resnet18"](), QNNPACK_SYM[0](), QNNPACK_SYM[1](), True)
        q = opinfo.fx.export(p)
        dt = {t["name"]: t["dtype"] for t in q["tensors"]}
        want = sorted(n["name"] for n in q["nodes"]
                      if any(dt.get(i) == "int8" and not i.endswith(".weight") for i in n["inputs"]))
        diags = quiet_check(q, "fbgemm")
        self.assertEqual(sorted(d.node for d in diags), want)
        self.assertEqual({d.rule for d in diags}, {"no-variant"})

    def test_default_weight_observer_with_symmetric_activations_on_xnnpack(self):
        # XNNPACK's qint8 symmetric config (qnnpack_weighted_op_qint8_symmetric_dtype_config):
        # weights in [-127, 127] with scale >= 2^-12. The default per-channel weight observer
        # uses [-128, 127] and float32's eps: one quant-range diagnostic per weight, and a
        # scale-range one for each weight with a channel whose scale falls below 2^-12
        qc = QConfig(activation=default_symmetric_qnnpack_qconfig.activation,
                     weight=default_per_channel_weight_observer)
        model = MODELS["mobilenet_v2"]()
        p = quantize(model, QConfigMapping().set_global(qc), get_qnnpack_backend_config(), True)
        q = opinfo.fx.export(p)
        weights = [t for t in q["tensors"] if t["name"].endswith(".weight")]
        small = set()
        for t in weights:
            mod = p.get_submodule(t["name"][:-len(".weight")])
            w = (mod if hasattr(mod, "weight") else mod[0]).weight.detach()
            amax = w.reshape(w.shape[0], -1).abs().max(dim=1).values
            # the observer's symmetric scale: amax / ((127 - -128) / 2), at least eps
            scale = torch.clamp(amax / 127.5, min=torch.finfo(torch.float32).eps)
            if bool((scale < 2 ** -12).any()):
                small.add(t["name"])
        diags = quiet_check(q, "xnnpack")
        ranges = sorted(d.tensor for d in diags if d.rule == "quant-range")
        scales = sorted(d.tensor for d in diags if d.rule == "scale-range")
        self.assertEqual(ranges, sorted(t["name"] for t in weights))
        self.assertEqual(scales, sorted(small))
        self.assertEqual(len(diags), len(ranges) + len(scales))
        self.assertTrue(all("[-127, 127]" in d.message for d in diags if d.rule == "quant-range"))


class FixedQParams(unittest.TestCase):
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2, self.c3 = (torch.nn.Conv2d(3, 4, 3) for _ in range(3))
            self.hs = torch.nn.Hardsigmoid()

        def forward(self, x):
            return torch.sigmoid(self.c1(x)), self.hs(self.c2(x)), torch.tanh(self.c3(x))

    def prepared(self, swap, model=None):
        torch.manual_seed(0)
        p = prepare_fx((model or self.M)().eval(), get_default_qconfig_mapping("fbgemm"),
                       (torch.randn(1, 3, 8, 8),), backend_config=get_fbgemm_backend_config())
        if swap:
            # a quantizer that does not know fixed qparams: an ordinary observer on the outputs
            for n in p.graph.nodes:
                if n.op == "call_module" and n.args and \
                        getattr(n.args[0], "name", "") in ("sigmoid", "hs", "tanh"):
                    setattr(p, n.target, MinMaxObserver(dtype=torch.quint8))
        return p

    def test_with_fixed_qparams_observers(self):
        p = self.prepared(swap=False)
        q = opinfo.fx.export(p)
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual((t["sigmoid"]["fixed"], t["sigmoid"]["scale"], t["sigmoid"]["zero_point"]),
                         (True, 1 / 256, 0))
        self.assertEqual((t["tanh"]["scale"], t["tanh"]["zero_point"]), (2 / 256, 128))
        for backend in ("fbgemm", "xnnpack"):
            self.assertEqual(quiet_check(q, backend), [])

    def test_without_fixed_qparams_observers(self):
        p = self.prepared(swap=True)
        for calibrated in (False, True):
            if calibrated:
                with torch.no_grad():
                    p(torch.randn(2, 3, 8, 8))
            q = opinfo.fx.export(p)
            for backend in ("fbgemm", "xnnpack"):
                diags = quiet_check(q, backend)
                with self.subTest(backend=backend, calibrated=calibrated):
                    self.assertEqual(sorted((d.rule, d.node) for d in diags),
                                     [("fixed-qparams", "hs"), ("fixed-qparams", "sigmoid"),
                                      ("fixed-qparams", "tanh")])
                    msg = {d.node: d.message for d in diags}
                    self.assertIn("scale 0.0078125, zero_point 128", msg["tanh"])
                    if not calibrated:
                        self.assertIn("its observer calibrates", msg["sigmoid"])


class ReadsWhatPrepareBuilt(unittest.TestCase):
    """The exporter reads the graph prepare_fx built: chained observers, shape values, tuples,
    leaf modules fed float, converted or unobserved models."""

    @staticmethod
    def prepared(model, shape, mapping, backend_config):
        torch.manual_seed(0)
        p = prepare_fx(model.eval(), mapping, (torch.randn(*shape),),
                       backend_config=backend_config)
        with torch.no_grad():
            p(torch.randn(*shape))
        return p

    def test_chained_observers_become_edge_specs(self):
        # a symmetric global qconfig beside the default fixed-qparams ops: prepare_fx puts a
        # second (qint8) observer after hardsigmoid's fixed quint8 one for the mul reading it
        mapping = get_default_qconfig_mapping("qnnpack").set_global(
            default_symmetric_qnnpack_qconfig)
        p = self.prepared(torchvision.models.mobilenet_v3_small(), INPUT, mapping,
                          get_qnnpack_backend_config())
        q = opinfo.fx.export(p)
        dtype = {t["name"]: t["dtype"] for t in q["tensors"]}
        edges = [(n["name"], r["tensor"], r["spec"]["dtype"]) for n in q["nodes"]
                 for r in n["inputs"] if isinstance(r, dict)]
        conversions = [e for e in edges if dtype[e[1]] == "uint8" and e[2] == "int8"]
        self.assertTrue(conversions, edges)
        self.assertEqual(quiet_check(q, "xnnpack"), [])

    def test_shapes_tuples_and_float_nodes(self):
        import zoo
        p = self.prepared(zoo.Block(), (1, 8, 64), get_default_qconfig_mapping("qnnpack"),
                          get_qnnpack_backend_config())
        q = opinfo.fx.export(p)
        n = {x["name"]: x for x in q["nodes"]}
        ops = {x["op"] for x in q["nodes"]}
        # getattr(x, "shape"), size() and the arithmetic on them are no nodes and no inputs
        self.assertFalse(ops & {"size", "builtins.getattr", "operator.getitem",
                                "operator.floordiv"}, ops)
        self.assertEqual(len(n["view"]["inputs"]), 1)
        self.assertEqual(len(n["reshape"]["inputs"]), 1)
        # chunk's tuple: its outputs are the three getitems
        self.assertEqual(n["chunk"]["outputs"], ["getitem_2", "getitem_3", "getitem_4"])
        # the model input is not observed: ln1 and the first residual add run in float
        self.assertEqual(n["ln1"]["float_reason"], "its input is float")
        self.assertEqual(n["add"]["float_reason"], "its input x is float")
        self.assertEqual(n["add"]["inputs"][1], {"tensor": "proj", "spec": {"dtype": "float32"}})
        # a float node's output read by a quantized node: the observer is that reader's edge
        self.assertEqual(n["add_1"]["inputs"][0]["spec"]["dtype"], "uint8")
        t = {x["name"]: x for x in q["tensors"]}
        self.assertEqual(t["add"], {"name": "add", "dtype": "float32"})

    def test_leaf_module_fed_float(self):
        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(16, 16)
                self.mha = torch.nn.MultiheadAttention(16, 2, batch_first=True)

            def forward(self, x):
                y = self.lin(x)
                a = self.mha(y, y, y)[0]
                return a + y
        p = self.prepared(M(), (1, 4, 16), get_default_qconfig_mapping("qnnpack"),
                          get_qnnpack_backend_config())
        q = opinfo.fx.export(p)
        n = {x["name"]: x for x in q["nodes"]}
        mha = n["mha"]
        self.assertEqual(mha["op"], "torch.nn.MultiheadAttention")
        self.assertEqual(mha["float_reason"], "no backend pattern matched")
        # PyTorch feeds it the dequantized (float) tensor
        self.assertEqual(mha["inputs"], [{"tensor": "lin", "spec": {"dtype": "float32"}}] * 3)
        self.assertEqual(mha["outputs"], ["getitem"])
        self.assertFalse([x["op"] for x in q["nodes"] if "->" in x["op"]])

    def test_fused_names_come_from_the_database(self):
        knows = opinfo.fx._db_knows
        self.assertTrue(knows("operator.add -> torch.nn.ReLU", {"backend": "fbgemm"}))
        self.assertTrue(knows("operator.add -> torch.nn.ReLU", None))
        self.assertFalse(knows("torch.nn.MultiheadAttention -> operator.getitem",
                               {"backend": "xnnpack"}))

    def test_export_leaves_the_garbage_collector_as_it_found_it(self):
        import gc
        from torch.ao.quantization.quantize_fx import convert_fx
        p = quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), False)
        c = convert_fx(quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), True),
                       backend_config=FBGEMM[1]())
        was = gc.isenabled()
        try:
            for enabled in (True, False):
                gc.enable() if enabled else gc.disable()
                self.assertTrue(opinfo.fx.export(p)["nodes"])
                self.assertEqual(gc.isenabled(), enabled)
                with self.assertRaises(ValueError):  # and when the export raises
                    opinfo.fx.export(c)
                self.assertEqual(gc.isenabled(), enabled)
        finally:
            gc.enable() if was else gc.disable()

    def test_converted_or_unobserved_is_refused(self):
        from torch.ao.quantization.quantize_fx import convert_fx
        p = quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), True)
        c = convert_fx(p, backend_config=FBGEMM[1]())
        with self.assertRaisesRegex(ValueError, "has been converted.*before convert_fx"):
            opinfo.fx.export(c)
        none = prepare_fx(MODELS["resnet18"]().eval(), QConfigMapping(),
                          (torch.randn(*INPUT),))
        with self.assertRaisesRegex(ValueError, "no node of this graph is observed"):
            opinfo.fx.export(none)

        # a stock TransformerEncoderLayer is a leaf module no pattern of the backend matches:
        # nothing is observed (it used to export 0 nodes and check clean)
        class W(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.tel = torch.nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)

            def forward(self, x):
                return self.tel(x)
        p = prepare_fx(W().eval(), FBGEMM[0](), (torch.randn(1, 5, 32),),
                       backend_config=FBGEMM[1]())
        with self.assertRaisesRegex(ValueError, "no node of this graph is observed"):
            opinfo.fx.export(p)


class Locations(unittest.TestCase):
    def test_innermost_user_frame(self):
        import os
        import zoo
        p = ReadsWhatPrepareBuilt.prepared(zoo.Block(), (1, 8, 64),
                                           get_default_qconfig_mapping("qnnpack"),
                                           get_qnnpack_backend_config())
        src = {x["name"]: x.get("source") for x in opinfo.fx.export(p)["nodes"]}
        for node, key in (("matmul", "block.matmul"), ("softmax", "block.softmax"),
                          ("add", "block.add"), ("ln2", "block.ln2")):
            with self.subTest(node=node):
                self.assertEqual(src[node], {"file": zoo.__file__, "line": zoo.LINES[key]})
        root = os.path.dirname(zoo.__file__)
        rel = {x["name"]: x.get("source") for x in opinfo.fx.export(p, source_root=root)["nodes"]}
        self.assertEqual(rel["matmul"], {"file": "zoo.py", "line": zoo.LINES["block.matmul"]})
        # a relative root is relative to the working folder of each export (locations are kept
        # for the process: the same root "." from two folders gives two answers)
        here = os.getcwd()
        try:
            for cwd, where in ((root, "zoo.py"),
                               (os.path.dirname(root),
                                os.path.join(os.path.basename(root), "zoo.py"))):
                os.chdir(cwd)
                got = {x["name"]: x.get("source")
                       for x in opinfo.fx.export(p, source_root=".")["nodes"]}
                self.assertEqual(got["matmul"], {"file": where,
                                                 "line": zoo.LINES["block.matmul"]})
        finally:
            os.chdir(here)
        with self.assertRaises(ValueError):
            opinfo.fx.export(p, source_root=os.path.join(root, "no-such-folder"))
        # a Python frame has no column, and none is invented: "zoo.py:LINE: warning: NODE: ..."
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diags = [d for d in opinfo.check(p, backend="xnnpack", strict=False)
                     if d.file == zoo.__file__]
        self.assertTrue(diags)
        for d in diags:
            with self.subTest(node=d.node):
                self.assertEqual(d.column, 0)
                self.assertTrue(str(d).startswith("%s:%d: %s: %s: " % (
                    zoo.__file__, d.line, d.severity, d.node)), str(d))
                self.assertFalse(d.message.startswith(d.node + ":"), d.message)

    def test_functional_nodes_of_library_models(self):
        import zoo
        p = ReadsWhatPrepareBuilt.prepared(zoo.shufflenet_v2_x0_5(), INPUT,
                                           get_default_qconfig_mapping("qnnpack"),
                                           get_qnnpack_backend_config())
        src = {x["name"]: x.get("source") for x in opinfo.fx.export(p)["nodes"]}
        self.assertEqual(src["cat"], {"file": zoo.__file__, "line": zoo.LINES["shuffle.cat"]})
        # resnet's residual add: the line in torchvision's BasicBlock, not this file's
        p = quantize(MODELS["resnet18"](), FBGEMM[0](), FBGEMM[1](), False)
        src = {x["name"]: x.get("source") for x in opinfo.fx.export(p)["nodes"]}
        self.assertTrue(src["add"]["file"].endswith("resnet.py"), src["add"])
        import inspect
        lines, first = inspect.getsourcelines(torchvision.models.resnet.BasicBlock.forward)
        self.assertIn("+= identity", lines[src["add"]["line"] - first])


class CommentSuppressions(unittest.TestCase):
    """`# opinfo: suppress RULE -- reason` on the line of a call becomes the node's "suppress"
    (docs/adoption.md); the check then accepts that rule there and flags a missing reason."""
    SOURCE = """import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.c3 = (torch.nn.Conv2d(3, 4, 3) for _ in range(3))
        self.hs = torch.nn.Hardsigmoid()

    def forward(self, x):
        a = torch.sigmoid(self.c1(x))  # opinfo: suppress fixed-qparams, arch-gate -- kept on purpose
        b = torch.tanh(self.c3(x))  # opinfo: suppress fixed-qparams
        # opinfo: suppress fixed-qparams -- a comment on its own line covers nothing
        return a, self.hs(self.c2(x)), b
"""

    def test_comment_becomes_node_suppress(self):
        import importlib.util
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "suppressed_model.py")
            with open(path, "w") as f:
                f.write(self.SOURCE)
            spec = importlib.util.spec_from_file_location("suppressed_model", path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            p = FixedQParams().prepared(swap=True, model=mod.M)
            q = opinfo.fx.export(p)
        sup = {n["name"]: n.get("suppress") for n in q["nodes"]}
        why = "kept on purpose"
        self.assertEqual(sup["sigmoid"], [{"rule": "fixed-qparams", "reason": why},
                                          {"rule": "arch-gate", "reason": why}])
        # the comment covers every node of its line: the convolution feeding tanh too
        self.assertEqual(sup["tanh"], [{"rule": "fixed-qparams"}])
        self.assertEqual(sup["c3"], [{"rule": "fixed-qparams"}])
        self.assertIsNone(sup["hs"])
        diags = quiet_check(q, "fbgemm")
        self.assertEqual(sorted((d.rule, d.node) for d in diags),
                         [("fixed-qparams", "hs"), ("unjustified-suppression", "c3"),
                          ("unjustified-suppression", "tanh")])
        # without the comments' suppressions, the sigmoid and tanh findings come back
        for n in q["nodes"]:
            n.pop("suppress", None)
        self.assertEqual(sorted((d.rule, d.node) for d in quiet_check(q, "fbgemm")),
                         [("fixed-qparams", "hs"), ("fixed-qparams", "sigmoid"),
                          ("fixed-qparams", "tanh")])
        # selection, as on the command line
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = opinfo.check(q, backend="fbgemm", release=RELEASE_1_13["fbgemm"], strict=False,
                             ignore=["fixed-"])
            self.assertEqual(d, [])
            with self.assertRaisesRegex(opinfo.OpinfoError, "did you mean"):
                opinfo.check(q, backend="fbgemm", release=RELEASE_1_13["fbgemm"], strict=False,
                             select="fixed-qparms")


class ExecuTorchEncodings(unittest.TestCase):
    """PT2E specs written as ExecuTorch's QnnQuantizer writes them (qnn-htp.md §3, §5, §7):
    the dtype a spec stands for, and LPBQ from the weight observer's block_size keyword. Torch
    1.13 has no PT2E: the specs are built by hand (tests/integration/test_pt2e.py has the same in
    real PT2E graphs)."""

    @staticmethod
    def qspec(dtype, qmin, qmax, qscheme, ch_axis=None, **ctr_kw):
        import types
        from torch.ao.quantization.observer import MinMaxObserver
        return types.SimpleNamespace(dtype=dtype, quant_min=qmin, quant_max=qmax, qscheme=qscheme,
                                     ch_axis=ch_axis, is_dynamic=False,
                                     observer_or_fake_quant_ctr=MinMaxObserver.with_args(**ctr_kw))

    def test_dtypes(self):
        q = opinfo.fx._qspec
        cases = [
            # 16-bit activations: torch.int32 [0, 65535]
            ((torch.int32, 0, 65535, torch.per_tensor_affine), ("uint16", 0, 65535)),
            # 4-bit weights: int8 [-8, 7] / [-7, 7]; 2-bit: int8 [-2, 1]
            ((torch.int8, -8, 7, torch.per_channel_symmetric, 0), ("int4", -8, 7)),
            ((torch.int8, -7, 7, torch.per_tensor_symmetric), ("int4", -7, 7)),
            ((torch.int8, -2, 1, torch.per_tensor_symmetric), ("int2", -2, 1)),
            # 16-bit weights as int16 [-32767, 32767] and 8-bit as int8 stay what they are
            ((torch.int16, -32767, 32767, torch.per_tensor_symmetric), ("int16", -32767, 32767)),
            ((torch.int8, -127, 127, torch.per_tensor_symmetric), ("int8", -127, 127)),
            ((torch.uint8, 0, 255, torch.per_tensor_affine), ("uint8", 0, 255)),
            # a bias: int32 full range
            ((torch.int32, -2 ** 31, 2 ** 31 - 1, torch.per_tensor_symmetric),
             ("int32", -2 ** 31, 2 ** 31 - 1)),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                spec = q(self.qspec(*args))
                self.assertEqual((spec["dtype"], spec["quant_min"], spec["quant_max"]), want)

    def test_lpbq_from_block_size(self):
        spec = opinfo.fx._qspec(self.qspec(torch.int8, -8, 7, torch.per_channel_symmetric, 0,
                                           block_size=(1, 32)))
        self.assertEqual((spec["dtype"], spec["qscheme"], spec["axis"], spec["block_size"]),
                         ("int4", "per_block_symmetric", 0, [1, 32]))
        # without block_size: per channel
        spec = opinfo.fx._qspec(self.qspec(torch.int8, -8, 7, torch.per_channel_symmetric, 0))
        self.assertEqual(spec["qscheme"], "per_channel_symmetric")
        self.assertNotIn("block_size", spec)


class WhatConvertRuns(unittest.TestCase):
    """Two facts found by running what convert_fx makes (torch 1.13): a functional norm's float
    weight and bias do not keep it in float, and the lowering quantizes LayerNorm with qint8 as
    with quint8; the quantized PReLU module cannot run qint8 (its slope is always quint8)."""

    SYMMETRIC = staticmethod(lambda: get_default_qconfig_mapping("qnnpack").set_global(
        default_symmetric_qnnpack_qconfig))

    @staticmethod
    def converted(p, backend_config, shape):
        from torch.ao.quantization.quantize_fx import convert_fx
        torch.backends.quantized.engine = "qnnpack"
        c = convert_fx(p, backend_config=backend_config)
        with torch.no_grad():
            c(torch.randn(*shape))
        return c

    def test_functional_layer_norm(self):
        import torch.nn.functional as F

        class LN(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(3, 8, 1)
                self.g = torch.nn.Parameter(torch.rand(8) + 0.5)
                self.b = torch.nn.Parameter(torch.randn(8))
                self.conv2 = torch.nn.Conv2d(8, 8, 1)

            def forward(self, x):
                x = self.conv(x).permute(0, 2, 3, 1)
                x = F.layer_norm(x, (8,), self.g, self.b)
                return self.conv2(x.permute(0, 3, 1, 2))

        for name, mapping, backend in (
                ("fbgemm", get_default_qconfig_mapping("fbgemm"), "fbgemm"),
                ("qnnpack", get_default_qconfig_mapping("qnnpack"), "xnnpack"),
                ("symmetric", self.SYMMETRIC(), "xnnpack")):
            with self.subTest(qconfig=name):
                bc = get_fbgemm_backend_config() if backend == "fbgemm" else \
                    get_qnnpack_backend_config()
                p = quantize(LN(), mapping, bc, calibrate=True)
                q = opinfo.fx.export(p, target={"backend": backend})
                node = next(n for n in q["nodes"] if n["name"] == "layer_norm")
                self.assertNotIn("float_reason", node)
                self.assertEqual(len(node["inputs"]), 3)     # the input, weight and bias
                spec = {t["name"]: t for t in q["tensors"]}
                self.assertEqual(spec["layer_norm"]["dtype"],
                                 "int8" if name == "symmetric" else "uint8")
                self.assertEqual([d for d in quiet_check(q, backend) if d.node == "layer_norm"],
                                 [])
                # and PyTorch runs it quantized
                c = self.converted(p, bc, INPUT)
                self.assertIn(torch.ops.quantized.layer_norm,
                              [n.target for n in c.graph.nodes])

    def test_prelu_runs_quint8_only(self):
        class PR(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(3, 8, 1)
                self.prelu = torch.nn.PReLU()

            def forward(self, x):
                return self.prelu(self.conv(x))

        bc = get_qnnpack_backend_config()
        p = quantize(PR(), get_default_qconfig_mapping("qnnpack"), bc, calibrate=True)
        q = opinfo.fx.export(p, target={"backend": "xnnpack"})
        self.assertEqual(quiet_check(q, "xnnpack"), [])
        self.converted(p, bc, INPUT)
        p = quantize(PR(), self.SYMMETRIC(), bc, calibrate=True)
        q = opinfo.fx.export(p, target={"backend": "xnnpack"})
        self.assertEqual([(d.node, d.rule) for d in quiet_check(q, "xnnpack")],
                         [("prelu", "no-variant")])
        # the 1.13.1 release, PyTorch's BackendConfig alone, took it
        self.assertEqual(opinfo.check(q, backend="xnnpack", release="1.13.1", strict=False), [])
        with self.assertRaisesRegex(RuntimeError, "expected QInt8"):
            self.converted(p, bc, INPUT)

    def test_copy_op_keeps_input_qparams(self):
        # inception's pattern: a max pooling between two concatenations. prepare_fx gives the
        # pooling's output the second concatenation's shared observer, not its input's; the
        # lowering removes the quantize after the pooling, which runs with its input's qparams
        import torch.nn.functional as F

        class Inc(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.c1, self.c2 = torch.nn.Conv2d(3, 4, 1), torch.nn.Conv2d(3, 4, 3, padding=1)
                self.c3 = torch.nn.Conv2d(8, 4, 1)

            def forward(self, x):
                a = torch.cat([self.c1(x), self.c2(x)], 1)
                m = F.max_pool2d(a, 2)
                return torch.cat([self.c3(m), m], 1)

        bc = get_fbgemm_backend_config()
        p = quantize(Inc(), get_default_qconfig_mapping("fbgemm"), bc, calibrate=True)
        out_obs = next(iter(next(n for n in p.graph.nodes if n.name == "max_pool2d").users))
        in_obs = next(n for n in p.graph.nodes if n.name == "max_pool2d").args[0]
        self.assertIsNot(p.get_submodule(out_obs.target), p.get_submodule(in_obs.target))
        q = opinfo.fx.export(p, target={"backend": "fbgemm"})
        spec = {t["name"]: t for t in q["tensors"]}
        self.assertEqual(spec["max_pool2d"].get("shared_with"),
                         spec["cat"].get("shared_with", "cat"))
        cat = next(n for n in q["nodes"] if n["name"] == "cat_1")
        self.assertEqual([x["tensor"] if isinstance(x, dict) else None for x in cat["inputs"]],
                         [None, "max_pool2d"])    # read requantized to the concatenation's
        self.assertEqual(quiet_check(q, "fbgemm"), [])
        c = self.converted(p, bc, INPUT)
        pools = [n for n in c.graph.nodes if n.target is F.max_pool2d]
        self.assertEqual([a.op for a in pools[0].all_input_nodes], ["call_function"])

    def test_qnnpack_add_scale_ratio(self):
        # a residual add of a tiny layer scale (ConvNeXt's, 1e-6 at initialisation): QNNPACK's
        # quint8 add refuses an input-to-output scale ratio below 2^-14
        class LS(torch.nn.Module):
            def __init__(self, s):
                super().__init__()
                self.conv = torch.nn.Conv2d(3, 3, 1)
                self.scale = torch.nn.Parameter(torch.full((3, 1, 1), s))

            def forward(self, x):
                return x + self.scale * self.conv(x)

        bc = get_qnnpack_backend_config()
        for s, refused in ((1e-6, True), (0.5, False)):
            with self.subTest(scale=s):
                p = quantize(LS(s), get_default_qconfig_mapping("qnnpack"), bc, calibrate=True)
                q = opinfo.fx.export(p, target={"backend": "xnnpack"})
                got = [(d.node, d.rule) for d in quiet_check(q, "xnnpack")]
                self.assertEqual(got, [("add", "requant-scale")] if refused else [])
                if refused:
                    with self.assertRaisesRegex(RuntimeError, "failed to create QNNPACK Add"):
                        self.converted(p, bc, INPUT)
                else:
                    self.converted(p, bc, INPUT)


if __name__ == "__main__":
    unittest.main()
