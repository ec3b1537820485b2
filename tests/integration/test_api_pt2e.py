"""opinfo.check() on PT2E objects, for real (PyTorch 2.6 in the Debian 13 root): the GraphModule
prepare_pt2e returns, a torch.export.ExportedProgram whose graph XNNPACKQuantizer annotated, and
a quantizer's validate() hook called by prepare_pt2e itself. Each gives the diagnostics of
opinfo.fx.export's qgraph: clean on xnnpack, no-variant on fbgemm (int8 activations; facts:
pytorch-backend-config.md §1)."""
import unittest
import warnings

import torch
from torch.ao.quantization.quantize_pt2e import prepare_pt2e
from torch.ao.quantization.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                               get_symmetric_quantization_config)

import opinfo
import opinfo.fx

warnings.filterwarnings("ignore")
RELEASE = {"xnnpack": "2.6"}


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.relu = torch.nn.ReLU()
        self.conv2 = torch.nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self.conv2(self.relu(self.conv(x)))


EX = (torch.randn(1, 3, 8, 8),)


def quantizer():
    return XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))


def rules(model, backend):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sorted((d.rule, d.node or "") for d in
                      opinfo.check(model, backend=backend, release=RELEASE.get(backend),
                                   strict=False))


class CheckTakesPT2E(unittest.TestCase):
    def test_prepare_pt2e_result(self):
        torch.manual_seed(0)
        g = torch.export.export_for_training(Small().eval(), EX).module()
        p = prepare_pt2e(g, quantizer())
        p(*EX)
        self.assertEqual(rules(p, "xnnpack"), [])
        fb = rules(p, "fbgemm")
        self.assertTrue(fb)
        self.assertEqual({r for r, _ in fb}, {"no-variant"})
        self.assertEqual(fb, rules(opinfo.fx.export(p, target={"backend": "fbgemm"}), "fbgemm"))

    def test_annotated_exported_program(self):
        torch.manual_seed(0)
        ep = torch.export.export_for_training(Small().eval(), EX)
        quantizer().annotate(ep.graph_module)
        self.assertIsInstance(ep, torch.export.ExportedProgram)
        self.assertEqual(rules(ep, "xnnpack"), [])
        self.assertEqual({r for r, _ in rules(ep, "fbgemm")}, {"no-variant"})

    def test_quantizer_validate_hook(self):
        seen = []

        class Checked(XNNPACKQuantizer):
            def __init__(self, backend):
                super().__init__()
                self.backend = backend

            def validate(self, model):
                seen.append(type(model).__name__)
                opinfo.check_model(model, backend=self.backend,
                                   release=RELEASE.get(self.backend))

        cfg = get_symmetric_quantization_config(is_per_channel=True)
        g = torch.export.export_for_training(Small().eval(), EX).module()
        prepare_pt2e(g, Checked("xnnpack").set_global(cfg))  # valid: returns
        g = torch.export.export_for_training(Small().eval(), EX).module()
        with self.assertRaises(opinfo.ValidationError) as cm:
            prepare_pt2e(g, Checked("fbgemm").set_global(cfg))
        self.assertIn("no-variant", str(cm.exception))
        self.assertEqual(seen, ["GraphModule", "GraphModule"])


if __name__ == "__main__":
    unittest.main()
