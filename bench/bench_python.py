#!/usr/bin/env python3
"""opinfo.check on an FX-quantized resnet18 next to PyTorch 1.13's own per-node check.

PyTorch's side: prepare_fx asks, for every matched node pattern,
torch.ao.quantization.fx.prepare._is_pattern_dtype_config_and_qconfig_supported_by_backend
whether the backend config's dtype configs take the node's qconfig; the time spent inside that
function during prepare_fx (the function is wrapped with a timer, as prepare.py calls it by its
module-level name) is PyTorch's per-node backend-config check.

opinfo's side: opinfo.fx.export of the prepared model to a qgraph (reported apart), then
opinfo.check of that qgraph on the same backend (fbgemm), with every constraint of every node.

Median of RUNS repetitions each; figures only. Run with Debian's python3 (torch 1.13,
torchvision) and PYTHONPATH=bindings/python.
"""
import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import torch  # noqa: E402
import torchvision  # noqa: E402
import torch.ao.quantization.fx.prepare  # noqa: E402,F401
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.backend_config import get_fbgemm_backend_config  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

import opinfo  # noqa: E402
import opinfo.fx  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
# the module (the package re-exports a function of the same name)
prep = sys.modules["torch.ao.quantization.fx.prepare"]


def main():
    original = prep._is_pattern_dtype_config_and_qconfig_supported_by_backend
    spent = [0.0, 0]

    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t0
            spent[1] += 1

    prep._is_pattern_dtype_config_and_qconfig_supported_by_backend = timed
    torch_check, prepare_total, export_t, check_t = [], [], [], []
    nodes = calls = 0
    for _ in range(RUNS):
        torch.manual_seed(0)
        model = torchvision.models.resnet18().eval()
        spent[0], spent[1] = 0.0, 0
        t0 = time.perf_counter()
        p = prepare_fx(model, get_default_qconfig_mapping("fbgemm"), (torch.randn(1, 3, 32, 32),),
                       backend_config=get_fbgemm_backend_config())
        prepare_total.append(time.perf_counter() - t0)
        torch_check.append(spent[0])
        calls = spent[1]
        t0 = time.perf_counter()
        q = opinfo.fx.export(p, target={"backend": "fbgemm"})
        export_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        diags = opinfo.check(q, backend="fbgemm", strict=False)
        check_t.append(time.perf_counter() - t0)
        nodes = len(q["nodes"])
    prep._is_pattern_dtype_config_and_qconfig_supported_by_backend = original
    m = statistics.median
    print("python: resnet18 under FX (torch %s), fbgemm, median of %d runs" %
          (torch.__version__, RUNS))
    print("  PyTorch's per-node backend-config check: %8.2f ms (%d calls, inside prepare_fx "
          "of %.0f ms)" % (m(torch_check) * 1e3, calls, m(prepare_total) * 1e3))
    print("  opinfo.check of the exported qgraph:     %8.2f ms (%d nodes, %d diagnostics) = "
          "%.2fx PyTorch's check" % (m(check_t) * 1e3, nodes, len(diags),
                                     m(check_t) / m(torch_check)))
    print("  opinfo.fx.export (reported apart):       %8.2f ms" % (m(export_t) * 1e3))


if __name__ == "__main__":
    sys.exit(main())
