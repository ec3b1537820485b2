#!/usr/bin/env python3
"""opinfo on FX-quantized models next to PyTorch 1.13's own work, per model of the test zoo
(tests/python/zoo.py: 10 torchvision models with random weights and a transformer block).

PyTorch's side:
- prepare_fx, whole (fbgemm's default qconfig mapping and backend config);
- PyTorch's per-node backend-config check inside it: prepare_fx asks, for every matched node
  pattern, _is_pattern_dtype_config_and_qconfig_supported_by_backend (in
  torch.ao.quantization.fx.prepare) whether the backend config's dtype configs take the node's qconfig; the time spent inside that
  function (wrapped with a timer, as prepare.py calls it by its module-level name).

opinfo's side, on the model prepare_fx returned (before calibration, as the check runs before a
user calibrates):
- opinfo.fx.export + opinfo.check of the qgraph on fbgemm, with every constraint of every node;
- after calibration (reported apart): the same, with values; most of it is the observers' own
  calculate_qparams (a HistogramObserver's search), which convert_fx also runs.

BENCH_MODELS=a,b limits the run to those models of the zoo. Median of RUNS repetitions each
(BENCH_RUNS, default 3), and the ratio of opinfo's fastest run
to the fastest of PyTorch's check ("best"); figures only. Run with Debian's python3 (torch 1.13,
torchvision) and PYTHONPATH=bindings/python.
"""
import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
warnings.simplefilter("ignore")
import torch  # noqa: E402
import torch.ao.quantization.fx.prepare  # noqa: E402,F401
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.backend_config import get_fbgemm_backend_config  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

import opinfo  # noqa: E402
import opinfo.fx  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "python"))
import zoo  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# the module (the package re-exports a function of the same name)
prep = sys.modules["torch.ao.quantization.fx.prepare"]


def check(q):
    """opinfo.check in warn mode on fbgemm's PyTorch 1.13 data."""
    return opinfo.check(q, release="1.13.1", strict=False)


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
    opinfo.check({"qgraph": 1, "tensors": [], "nodes": []}, backend="fbgemm")  # open the library
    m = statistics.median
    print("python: FX models (torch %s), fbgemm qconfig and backend, median of %d runs, ms" %
          (torch.__version__, RUNS))
    print("  %-19s %5s %9s %9s %9s %6s %6s %6s %10s" % (
        "model", "nodes", "prepare", "torch-chk", "opinfo", "/prep", "/tchk", "best", "calibrated"))
    worst = [0.0, 0.0, 0.0]
    only = [m for m in os.environ.get("BENCH_MODELS", "").split(",") if m]
    for name, (ctor, shape) in zoo.MODELS.items():
        if only and name not in only:
            continue
        prepare_t, torch_t, ours_t, cal_t = [], [], [], []
        for _ in range(RUNS):
            torch.manual_seed(0)
            model = ctor().eval()
            spent[0] = 0.0
            t0 = time.perf_counter()
            p = prepare_fx(model, get_default_qconfig_mapping("fbgemm"), (torch.randn(*shape),),
                           backend_config=get_fbgemm_backend_config())
            prepare_t.append(time.perf_counter() - t0)
            torch_t.append(spent[0])
            t0 = time.perf_counter()
            q = opinfo.fx.export(p, target={"backend": "fbgemm"})
            check(q)
            ours_t.append(time.perf_counter() - t0)
            with torch.no_grad():
                p(torch.randn(*shape))
            t0 = time.perf_counter()
            check(opinfo.fx.export(p, target={"backend": "fbgemm"}))
            cal_t.append(time.perf_counter() - t0)
        r_prep, r_torch = m(ours_t) / m(prepare_t), m(ours_t) / m(torch_t)
        r_best = min(ours_t) / min(torch_t)
        worst = [max(worst[0], r_prep), max(worst[1], r_torch), max(worst[2], r_best)]
        print("  %-19s %5d %9.1f %9.1f %9.1f %6.2f %6.2f %6.2f %10.1f" % (
            name, len(q["nodes"]), m(prepare_t) * 1e3, m(torch_t) * 1e3, m(ours_t) * 1e3,
            r_prep, r_torch, r_best, m(cal_t) * 1e3))
    prep._is_pattern_dtype_config_and_qconfig_supported_by_backend = original
    print("  opinfo = opinfo.fx.export + opinfo.check before calibration; /prep and /tchk: its "
          "ratio to prepare_fx and to PyTorch's own check (worst %.2fx and %.2fx); best: the "
          "ratio of the best runs to PyTorch's own check (worst %.2fx); calibrated: export + "
          "check with values" % tuple(worst))


if __name__ == "__main__":
    sys.exit(main())
