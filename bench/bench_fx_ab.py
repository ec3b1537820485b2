#!/usr/bin/env python3
"""opinfo.fx.export against a former version of bindings/python/opinfo/fx.py, on the same models
prepared once: the two exports alternate, so both see the same load, and the fastest of RUNS
each is printed. For changes to the exporter's speed, which a loaded machine hides in
bench_python.py's medians:

    git show REV:bindings/python/opinfo/fx.py > fx_before.py
    PYTHONPATH=bindings/python python3 bench/bench_fx_ab.py fx_before.py [RUNS] [model,...]

Models of tests/python/zoo.py, prepared by prepare_fx with fbgemm's qconfig mapping and backend
config (bench_python.py's setup), before calibration. Figures only."""
import importlib.util
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import torch  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.backend_config import get_fbgemm_backend_config  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

import opinfo.fx as current  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "python"))
import zoo  # noqa: E402


def main():
    if len(sys.argv) < 2 or not os.path.isfile(sys.argv[1]):
        sys.stderr.write("usage: bench_fx_ab.py FORMER_FX_PY [RUNS] [model,...]\n")
        return 2
    spec = importlib.util.spec_from_file_location("opinfo_fx_former", sys.argv[1])
    former = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(former)
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    names = sys.argv[3].split(",") if len(sys.argv) > 3 else list(zoo.MODELS)
    print("opinfo.fx.export, former (%s) and current, alternating, fastest of %d each, ms" %
          (sys.argv[1], runs))
    print("  %-19s %9s %9s %7s" % ("model", "former", "current", "ratio"))
    total = [0.0, 0.0]
    for name in names:
        ctor, shape = zoo.MODELS[name]
        torch.manual_seed(0)
        p = prepare_fx(ctor().eval(), get_default_qconfig_mapping("fbgemm"),
                       (torch.randn(*shape),), backend_config=get_fbgemm_backend_config())
        best = [float("inf"), float("inf")]
        for i in range(runs):
            for k in ((0, 1) if i % 2 else (1, 0)):
                m = (former, current)[k]
                t0 = time.perf_counter()
                m.export(p, target={"backend": "fbgemm"})
                best[k] = min(best[k], time.perf_counter() - t0)
        total = [total[0] + best[0], total[1] + best[1]]
        print("  %-19s %9.2f %9.2f %7.2f" % (name, best[0] * 1e3, best[1] * 1e3, best[1] / best[0]))
    print("  %-19s %9.2f %9.2f %7.2f" % ("all", total[0] * 1e3, total[1] * 1e3, total[1] / total[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
