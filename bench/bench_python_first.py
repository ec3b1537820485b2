#!/usr/bin/env python3
"""The first check in a process, model by model (figures only): what a CI job that runs one
check per process meets. Each model runs in a fresh python3: import torch and opinfo, open the
library and the database with a check of an empty graph, prepare_fx the model once (fbgemm's
qconfig mapping and backend config) with PyTorch's per-node check timed inside it (as in
bench_python.py), then opinfo.fx.export + opinfo.check once. That one run pays what later runs
find cached: the ops it meets loaded from the database, and opinfo.fx's per-process tables (op
names by class, PyTorch's special-pattern answers by op kind, observer settings). BENCH_RUNS
fresh processes per model (default 5), median.

    OPINFO_LIBRARY=build/lib/libopinfo.so OPINFO_DB=build/share/opinfo/opinfo.db \\
      PYTHONPATH=bindings/python python3 bench/bench_python_first.py [MODEL ...]
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

ONE = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
import torch
import torch.ao.quantization.fx.prepare
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.backend_config import get_fbgemm_backend_config
from torch.ao.quantization.quantize_fx import prepare_fx
import opinfo, opinfo.fx
sys.path.insert(0, sys.argv[2])
import zoo
prep = sys.modules["torch.ao.quantization.fx.prepare"]
original = prep._is_pattern_dtype_config_and_qconfig_supported_by_backend
spent = [0.0]
def timed(*a, **k):
    t0 = time.perf_counter()
    try:
        return original(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t0
prep._is_pattern_dtype_config_and_qconfig_supported_by_backend = timed
opinfo.check({"qgraph": 1, "tensors": [], "nodes": []}, backend="fbgemm")
ctor, shape = zoo.MODELS[sys.argv[1]]
torch.manual_seed(0)
p = prepare_fx(ctor().eval(), get_default_qconfig_mapping("fbgemm"), (torch.randn(*shape),),
               backend_config=get_fbgemm_backend_config())
t0 = time.perf_counter()
opinfo.check(opinfo.fx.export(p, target={"backend": "fbgemm"}), release="1.13.1", strict=False)
print(time.perf_counter() - t0, spent[0])
"""


def main():
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
    import zoo
    names = sys.argv[1:] or list(zoo.MODELS)
    print("python: the first export + check in a fresh process (torch 1.13 FX, fbgemm), median "
          "of %d processes, ms" % RUNS)
    print("  %-19s %9s %9s %6s" % ("model", "torch-chk", "opinfo", "/tchk"))
    zoo_dir = os.path.join(HERE, "..", "tests", "python")
    for name in names:
        ours, theirs = [], []
        for _ in range(RUNS):
            out = subprocess.run([sys.executable, "-c", ONE, name, zoo_dir], check=True,
                                 capture_output=True, text=True).stdout.split()
            ours.append(float(out[0]))
            theirs.append(float(out[1]))
        m = statistics.median
        print("  %-19s %9.1f %9.1f %6.2f" % (name, m(theirs) * 1e3, m(ours) * 1e3,
                                              m(ours) / m(theirs)))


if __name__ == "__main__":
    sys.exit(main())
