"""PT2E, for real (PyTorch 2.6 inside the Debian 13 root): torchvision models annotated by
PyTorch's own XNNPACKQuantizer (symmetric; per-channel and per-tensor; static and dynamic),
calibrated, exported from their quantization_annotation metadata and checked. Expected: static
graphs clean on xnnpack; on fbgemm and qnn-htp, which take uint8 (quint8) activations, exactly one no-variant
diagnostic on every node that reads an int8 activation (facts: pytorch-backend-config.md §1,
qnn-htp.md §6)."""
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


def check(q, backend, soc=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opinfo.check(q, backend=backend, soc=soc, strict=False)


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
        for name, ctor in self.MODELS.items():
            for pc in (True, False):
                with self.subTest(model=name, per_channel=pc):
                    q = opinfo.fx.export(annotated(ctor(), pc))
                    self.assertEqual(check(q, "xnnpack"), [])

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
                want = sorted([("op-unsupported", n) for n in lacks] +
                              [("no-variant", n) for n in readers if n not in lacks])
                with self.subTest(model=name, backend=backend):
                    diags = check(q, backend, soc)
                    self.assertEqual(sorted((d.rule, d.node) for d in diags), want)

    def test_dynamic_linear(self):
        # dynamic quantization: the activations' int8 qparams are computed at run time and the
        # outputs stay float. PT2E's XNNPACKQuantizer makes them int8 (XNNPACK's qd8 kernels);
        # the xnnpack data is PyTorch 1.13's qnnpack config, whose dynamic linear reads quint8
        # (default_dynamic_int8_dtype_config): so exactly one no-variant per linear
        mlp = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
        p = annotated(mlp, per_channel=True, dynamic=True, shape=(4, 16))
        q = opinfo.fx.export(p)
        lin = [n for n in q["nodes"] if n["op"] == "aten.linear.default"]
        self.assertEqual(len(lin), 2)
        t = {x["name"]: x for x in q["tensors"]}
        first = t[lin[0]["inputs"][0]]
        self.assertEqual((first["dtype"], first.get("is_dynamic")), ("int8", True))
        self.assertEqual(t[lin[0]["outputs"][0]]["dtype"], "float32")
        second = lin[1]["inputs"][0]  # the ReLU's float output, read dynamically quantized
        self.assertEqual((second["spec"]["dtype"], second["spec"]["is_dynamic"]), ("int8", True))
        diags = check(q, "xnnpack")
        # and the ReLU between them runs in float, which the 1.13 data has no variant for
        self.assertEqual(sorted((d.rule, d.node) for d in diags),
                         [("no-variant", "linear"), ("no-variant", "linear_1"),
                          ("no-variant", "relu")])
        self.assertTrue(all("(input int8, weight int8, bias float32, output float32)" in d.message
                            for d in diags if d.node != "relu"))

if __name__ == "__main__":
    unittest.main()
