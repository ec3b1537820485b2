"""PT2E, for real (PyTorch 2.6 inside the Debian 13 root): torchvision models annotated by
PyTorch's own XNNPACKQuantizer (symmetric; per-channel and per-tensor; static and dynamic),
calibrated, exported from their quantization_annotation metadata and checked. Expected: clean on
xnnpack; on fbgemm and qnn-htp, which take uint8 (quint8) activations, exactly one no-variant
diagnostic on every node that reads an int8 activation (facts: pytorch-backend-config.md §1,
qnn-htp.md §6)."""
import copy
import unittest
import warnings

import torch
import torchvision
from torch.ao.quantization.quantize_pt2e import prepare_pt2e
from torch.ao.quantization.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                               get_symmetric_quantization_config)

import opinfo
import opinfo.fx

warnings.filterwarnings("ignore")


def annotated(model, per_channel, dynamic=False, shape=(1, 3, 32, 32)):
    torch.manual_seed(0)
    ex = (torch.randn(*shape),)
    g = torch.export.export_for_training(model.eval(), ex).module()
    cfg = get_symmetric_quantization_config(is_per_channel=per_channel, is_dynamic=dynamic)
    p = prepare_pt2e(g, XNNPACKQuantizer().set_global(cfg))
    with torch.no_grad():
        for _ in range(2):
            p(torch.randn(*shape))
    return p


# xnnpack 2.6 is PyTorch 2.6's XNNPACKQuantizer (docs/data-sources-pytorch.md §8); the other
# backends' data are their newest releases
RELEASE = {"xnnpack": "2.6"}


def check(q, backend, soc=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opinfo.check(q, backend=backend, soc=soc, release=RELEASE.get(backend),
                            strict=False)


def int8_activation_readers(p, q):
    """Nodes of the qgraph that read an int8 activation (a value some op computed, or the input)."""
    acts = {n.name for n in p.graph.nodes if n.op in ("call_function", "placeholder")}
    dtype = {t["name"]: t["dtype"] for t in q["tensors"]}

    def name(r):
        return r["tensor"] if isinstance(r, dict) else r

    def dt(r):
        return r["spec"]["dtype"] if isinstance(r, dict) else dtype.get(r)
    return sorted(n["name"] for n in q["nodes"]
                  if any(name(r) in acts and dt(r) == "int8" for r in n["inputs"]))


class DerivedBias(XNNPACKQuantizer):
    """XNNPACKQuantizer, plus an int32 bias derived from the linear's input and weight scales
    (PT2E's DerivedQuantizationSpec, as the PT2E tutorial writes it)."""

    def annotate(self, model):
        from torch.ao.quantization.quantizer import DerivedQuantizationSpec
        model = super().annotate(model)
        for n in model.graph.nodes:
            ann = n.meta.get("quantization_annotation")
            if n.target != torch.ops.aten.linear.default or ann is None or len(n.args) < 3:
                continue
            x, w, b = n.args[0], n.args[1], n.args[2]

            def derive(obs):
                s = obs[0].calculate_qparams()[0] * obs[1].calculate_qparams()[0]
                return s, torch.zeros_like(s, dtype=torch.int32)
            ann.input_qspec_map[b] = DerivedQuantizationSpec(
                derived_from=[(x, n), (w, n)], derive_qparams_fn=derive, dtype=torch.int32,
                quant_min=-2 ** 31, quant_max=2 ** 31 - 1, qscheme=torch.per_channel_symmetric,
                ch_axis=0)
        return model


class XnnpackQuantizer(unittest.TestCase):
    MODELS = {"resnet18": torchvision.models.resnet18,
              "mobilenet_v2": torchvision.models.mobilenet_v2}

    def test_export_carries_the_annotation(self):
        p = annotated(self.MODELS["resnet18"](), per_channel=True)
        q = opinfo.fx.export(p)
        t = {x["name"]: x for x in q["tensors"]}
        n = {x["name"]: x for x in q["nodes"]}
        self.assertEqual(n["conv2d"]["op"], "aten.conv2d.default -> aten.relu_.default")
        w = t[n["conv2d"]["inputs"][1]]
        self.assertEqual((w["dtype"], w["qscheme"], w["quant_min"], w["quant_max"]),
                         ("int8", "per_channel_symmetric", -127, 127))
        self.assertEqual(t["x"]["dtype"], "int8")
        self.assertIsInstance(t["x"]["scale"], float)          # calibrated values
        shared = [x for x in q["tensors"] if "shared_with" in x]
        self.assertTrue(shared, "pooling shares its input's spec")

    def test_clean_on_xnnpack(self):
        # every node XNNPACKQuantizer annotated is clean on xnnpack 2.6; a node it left
        # unannotated (mobilenet_v2's dropout: no annotator, docs/data-sources-pytorch.md §8) runs
        # in float, and is reported once as not delegated: runs-in-float when exported with float
        # ports (CONTRACT 1), op-unsupported when exported with its producer's int8 dtype
        unannotated = 0
        for name, ctor in self.MODELS.items():
            for pc in (True, False):
                with self.subTest(model=name, per_channel=pc):
                    p = annotated(ctor(), pc)
                    ann = {n.name for n in p.graph.nodes
                           if n.meta.get("quantization_annotation") is not None}
                    q = opinfo.fx.export(p)
                    diags = check(q, "xnnpack")
                    self.assertEqual([d for d in diags if d.node in ann], [])
                    for d in diags:
                        self.assertIn(d.rule, ("runs-in-float", "op-unsupported"))
                    self.assertEqual(len({d.node for d in diags}), len(diags))  # once each
                    unannotated += len(diags)
                    if name == "resnet18":
                        self.assertEqual(diags, [])
        self.assertLessEqual(unannotated, 2)  # mobilenet_v2's dropout, per-channel and not

    def test_fbgemm_and_qnn_htp_refuse_int8_activations(self):
        for name, ctor in self.MODELS.items():
            p = annotated(ctor(), per_channel=True)
            q = opinfo.fx.export(p)
            readers = int8_activation_readers(p, q)
            self.assertTrue(readers)
            for backend, soc in (("fbgemm", None), ("qnn-htp", "SM8650")):
                # an op the backend lacks (QNN has no Dropout) is op-unsupported whatever its
                # dtypes; every other node reading an int8 activation has no variant
                lacks = set()
                for n in q["nodes"]:
                    try:
                        opinfo.explain(n["op"], backend=backend)
                    except opinfo.OpinfoError:
                        lacks.add(n["name"])
                # a node XNNPACKQuantizer left unannotated (dropout) is a float node: reported
                # once, as running in float (CONTRACT 1), whatever the backend has
                floats = {n["name"] for n in q["nodes"] if n.get("float_reason")}
                want = sorted([("runs-in-float", n) for n in floats] +
                              [("op-unsupported", n) for n in lacks - floats] +
                              [("no-variant", n) for n in readers if n not in lacks])
                with self.subTest(model=name, backend=backend):
                    diags = check(q, backend, soc)
                    self.assertEqual(sorted((d.rule, d.node) for d in diags), want)

    def test_derived_bias_is_exported(self):
        torch.manual_seed(0)
        lin = torch.nn.Linear(8, 4).eval()
        ex = (torch.randn(2, 8),)
        g = torch.export.export_for_training(lin, ex).module()
        q8 = DerivedBias().set_global(get_symmetric_quantization_config(is_per_channel=True))
        p = prepare_pt2e(g, q8)
        p(*ex)
        q = opinfo.fx.export(p)
        (node,) = q["nodes"]
        t = {x["name"]: x for x in q["tensors"]}
        bias = t[node["inputs"][2]]
        self.assertEqual((bias["dtype"], bias["derived_from"]),
                         ("int32", [node["inputs"][0], node["inputs"][1]]))
        # PyTorch's CPU backends keep the bias float: the int32 bias has no variant there
        self.assertEqual(sorted((d.rule, d.node) for d in check(q, "xnnpack")),
                         [("no-variant", node["name"])])

    def test_dynamic_linear_is_clean_on_xnnpack(self):
        # dynamic quantization: int8 activations with qparams computed at run time, float
        # outputs; the ReLU between the linears runs in float and carries no annotation
        mlp = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
        p = annotated(mlp, per_channel=True, dynamic=True, shape=(4, 16))
        q = opinfo.fx.export(p)
        self.assertEqual([(n["op"], "float_reason" in n) for n in q["nodes"]],
                         [("aten.linear.default", False), ("aten.relu.default", True),
                          ("aten.linear.default", False)])
        t = {x["name"]: x for x in q["tensors"]}
        lin = [n for n in q["nodes"] if "float_reason" not in n]
        relu = [("runs-in-float", n["name"]) for n in q["nodes"] if "float_reason" in n]
        first = t[lin[0]["inputs"][0]]
        self.assertEqual((first["dtype"], first.get("is_dynamic")), ("int8", True))
        self.assertEqual(t[lin[0]["outputs"][0]]["dtype"], "float32")
        second = lin[1]["inputs"][0]  # the ReLU's float output, read dynamically quantized
        self.assertEqual((second["spec"]["dtype"], second["spec"]["is_dynamic"]), ("int8", True))
        self.assertEqual([(d.rule, d.node) for d in check(q, "xnnpack")], relu)
        # PyTorch 1.13.1's qnnpack BackendConfig has no int8 dynamic linear (its dynamic config
        # reads quint8): release 1.13.1 refuses what 2.6 accepts
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old = opinfo.check(q, backend="xnnpack", release="1.13.1", strict=False)
        self.assertEqual(sorted((d.rule, d.node) for d in old),
                         sorted([("no-variant", "linear"), ("no-variant", "linear_1")] + relu))
        # the static kernel fed the dynamic input: the first linear's output quantized
        bad = copy.deepcopy(q)
        for x in bad["tensors"]:
            if x["name"] == lin[0]["outputs"][0]:
                x.update(dtype="int8", qscheme="per_tensor_affine", quant_min=-128, quant_max=127)
        self.assertEqual(sorted((d.rule, d.node, d.port) for d in check(bad, "xnnpack")
                                if d.rule != "runs-in-float"),
                         [("dynamic-mismatch", "linear", "input")])
        # FBGEMM's dynamic linear reads quint8 (default_dynamic_int8_dtype_config)
        self.assertEqual(sorted((d.rule, d.node) for d in check(q, "fbgemm")),
                         sorted([("no-variant", "linear"), ("no-variant", "linear_1")] + relu))


class ExecuTorchEncodings(unittest.TestCase):
    """Specs written as ExecuTorch's QnnQuantizer writes them (facts: qnn-htp.md §3, §5, §7):
    16-bit activations as torch.int32 [0, 65535], 4- and 2-bit weights as int8 with a narrow
    range, LPBQ as a per-channel int8 [-8, 7] spec whose observer has a block_size keyword.
    Annotated by hand on a real PT2E graph (QnnQuantizer itself is not installed here)."""

    def annotated(self):
        from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver
        from torch.ao.quantization.quantizer import QuantizationAnnotation, QuantizationSpec
        torch.manual_seed(0)
        mlp = torch.nn.Sequential(*(torch.nn.Linear(64, 64, bias=False) for _ in range(3))).eval()
        g = torch.export.export_for_training(mlp, (torch.randn(2, 64),)).module()
        act = QuantizationSpec(dtype=torch.int32, quant_min=0, quant_max=65535,
                               qscheme=torch.per_tensor_affine,
                               observer_or_fake_quant_ctr=MinMaxObserver)
        lpbq = QuantizationSpec(dtype=torch.int8, quant_min=-8, quant_max=7,
                                qscheme=torch.per_channel_symmetric, ch_axis=0,
                                observer_or_fake_quant_ctr=PerChannelMinMaxObserver.with_args(
                                    block_size=(1, 32)))
        w2 = QuantizationSpec(dtype=torch.int8, quant_min=-2, quant_max=1,
                              qscheme=torch.per_tensor_symmetric,
                              observer_or_fake_quant_ctr=MinMaxObserver)
        w4 = QuantizationSpec(dtype=torch.int8, quant_min=-8, quant_max=7,
                              qscheme=torch.per_channel_symmetric, ch_axis=0,
                              observer_or_fake_quant_ctr=PerChannelMinMaxObserver)
        linears = [n for n in g.graph.nodes if n.target == torch.ops.aten.linear.default]
        for n, w in zip(linears, (lpbq, w2, w4)):
            n.meta["quantization_annotation"] = QuantizationAnnotation(
                input_qspec_map={n.args[0]: act, n.args[1]: w}, output_qspec=act,
                _annotated=True)
        return g, [n.name for n in linears]

    def test_dtypes_and_lpbq(self):
        g, (lin_lpbq, lin_w2, lin_w4) = self.annotated()
        q = opinfo.fx.export(g)
        t = {x["name"]: x for x in q["tensors"]}
        n = {x["name"]: x for x in q["nodes"]}
        x = t[n[lin_lpbq]["inputs"][0]]
        self.assertEqual((x["dtype"], x["quant_min"], x["quant_max"]), ("uint16", 0, 65535))
        w = t[n[lin_lpbq]["inputs"][1]]
        self.assertEqual((w["dtype"], w["qscheme"], w["axis"], w["block_size"]),
                         ("int4", "per_block_symmetric", 0, [1, 32]))
        w = t[n[lin_w2]["inputs"][1]]
        self.assertEqual((w["dtype"], w["qscheme"]), ("int2", "per_tensor_symmetric"))
        w = t[n[lin_w4]["inputs"][1]]
        self.assertEqual((w["dtype"], w["qscheme"], w["axis"]),
                         ("int4", "per_channel_symmetric", 0))
        self.assertEqual(t[lin_w4]["dtype"], "uint16")

    def test_v68_refuses_lpbq_and_per_tensor_2_bit(self):
        # ExecuTorch raises on a per-tensor 2-bit weight (qnn-htp.md §3) and gates LPBQ off v68
        # (§7); read as uint8 activations with 8-bit weights before, both passed
        g, (lin_lpbq, lin_w2, lin_w4) = self.annotated()
        diags = check(opinfo.fx.export(g), "qnn-htp", "SM8350")
        flagged = {d.node for d in diags}
        for d in diags:
            print("SM8350:", d.node, d.rule, d.message[:160])
        self.assertIn(lin_lpbq, flagged)
        self.assertIn(lin_w2, flagged)
        self.assertNotIn(lin_w4, flagged)     # per-channel 4-bit weights run on v68


if __name__ == "__main__":
    unittest.main()
