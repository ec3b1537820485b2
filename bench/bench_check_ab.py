#!/usr/bin/env python3
"""opinfo.fx.export + opinfo.check against a former opinfo package and its library, on the
models of tests/python/zoo.py prepared by prepare_fx (bench_python.py's setup: fbgemm's qconfig
mapping and backend config, before calibration). Each round prepares the model afresh before
each version's export and check, as a user's first check after prepare_fx runs, and the two
versions take turns going first, so both see the same load. For changes to the check's fixed
cost, which a loaded machine hides in bench_python.py's medians:

    mkdir -p /tmp/former && git archive REV | tar -x -C /tmp/former
    make -C /tmp/former -j2 build/lib/libopinfo.so.0.1.0
    PYTHONPATH=bindings/python python3 bench/bench_check_ab.py /tmp/former [ROUNDS] [model,...]

The former package is /tmp/former/bindings/python/opinfo with its own library (found beside it,
in /tmp/former/build/lib); both use this tree's database and plugins ($OPINFO_DB and
$OPINFO_PLUGIN_PATH are set to build/ here unless given). The export is this tree's
opinfo.fx.export for both, so the difference is the check's. Prints, per model, the fastest and
the median of ROUNDS (default 10) for each, in ms, and their ratios: wall-clock time, and the
thread's CPU time (time.thread_time), which leaves out the time other processes of a loaded
machine take the core; figures only."""
import importlib.util
import os
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
os.environ.setdefault("OPINFO_DB", os.path.join(ROOT, "build", "share", "opinfo", "opinfo.db"))
os.environ.setdefault("OPINFO_PLUGIN_PATH", os.path.join(ROOT, "build", "lib", "opinfo",
                                                         "plugins"))

warnings.filterwarnings("ignore")
import torch  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.backend_config import get_fbgemm_backend_config  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

import opinfo as current  # noqa: E402
import opinfo.fx  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import zoo  # noqa: E402


def load_former(tree):
    """The former package under the name opinfo_former, with its own copy of the library."""
    pkg = os.path.join(tree, "bindings", "python", "opinfo")
    spec = importlib.util.spec_from_file_location("opinfo_former", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["opinfo_former"] = mod
    spec.loader.exec_module(mod)
    return mod


def verdicts(diags):
    return [(d.rule, d.severity, d.node, d.tensor, d.message) for d in diags]


def main():
    if len(sys.argv) < 2 or not os.path.isdir(os.path.join(sys.argv[1], "bindings", "python",
                                                           "opinfo")):
        sys.stderr.write("usage: bench_check_ab.py FORMER_TREE [ROUNDS] [model,...]\n")
        return 2
    former = load_former(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    names = sys.argv[3].split(",") if len(sys.argv) > 3 else list(zoo.MODELS)
    empty = {"qgraph": 1, "tensors": [], "nodes": []}
    for m in (former, current):  # open each library, its database and plugins
        m.check(empty, backend="fbgemm")
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print("export + check, former (%s) and current, a fresh prepare_fx before each, "
          "%d rounds, ms (load average %s at the start)" % (sys.argv[1], rounds, load))
    head = ("former", "current", "ratio") * 3
    print("  %-19s %5s %9s %9s %6s %9s %9s %6s %9s %9s %6s" % (("model", "nodes") + head))
    print("  %-19s %5s %9s %9s %6s %9s %9s %6s %9s %9s %6s" % (
        "", "", "fastest", "fastest", "", "median", "median", "", "cpu med.", "cpu med.", ""))
    total = [[] for _ in range(6)]
    for name in names:
        ctor, shape = zoo.MODELS[name]
        times, cpu = [[], []], [[], []]
        nodes = 0
        for i in range(rounds):
            for k in ((0, 1) if i % 2 else (1, 0)):
                m = (former, current)[k]
                torch.manual_seed(0)
                p = prepare_fx(ctor().eval(), get_default_qconfig_mapping("fbgemm"),
                               (torch.randn(*shape),), backend_config=get_fbgemm_backend_config())
                t0, c0 = time.perf_counter(), time.thread_time()
                q = opinfo.fx.export(p, target={"backend": "fbgemm"})
                d = m.check(q, release="1.13.1", strict=False)
                times[k].append(time.perf_counter() - t0)
                cpu[k].append(time.thread_time() - c0)
                nodes = len(q["nodes"])
                if i == 0 and k == 1 and verdicts(d) != verdicts(
                        former.check(q, release="1.13.1", strict=False)):
                    print("  %s: the two versions' diagnostics differ" % name)
        b = [min(t) * 1e3 for t in times]
        md = [statistics.median(t) * 1e3 for t in times]
        mc = [statistics.median(t) * 1e3 for t in cpu]
        for j, v in enumerate(b + md + mc):
            total[j].append(v)
        print("  %-19s %5d %9.2f %9.2f %6.2f %9.2f %9.2f %6.2f %9.2f %9.2f %6.2f" % (
            name, nodes, b[0], b[1], b[1] / b[0], md[0], md[1], md[1] / md[0], mc[0], mc[1],
            mc[1] / mc[0]))
    s = [sum(t) for t in total]
    print("  %-19s %5s %9.2f %9.2f %6.2f %9.2f %9.2f %6.2f %9.2f %9.2f %6.2f" % (
        "all", "", s[0], s[1], s[1] / s[0], s[2], s[3], s[3] / s[2], s[4], s[5], s[5] / s[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
