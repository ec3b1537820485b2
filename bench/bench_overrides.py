#!/usr/bin/env python3
"""TensorQuantOverrides diagnostics at growing sizes: one finding per entry (N entries, N
findings) and one finding per node from the type check. Prints the time of each size and the
log-log slope of time against size (CPU time, best of three), and fails (exit 1) when a slope exceeds the limit: the time
must grow linearly, not with the product of findings and file size.
  bench_overrides.py BIN_DIR DB WORK_DIR [SIZES...]   (default sizes 4000 16000 64000)"""
import json
import math
import os
import resource
import subprocess
import sys

SLOPE_LIMIT = 1.25


def graph(n):
    """n Relu nodes in a chain; their tensors are activations."""
    tensors = [{"name": "t%d" % i, "dtype": "float32"} for i in range(n + 1)]
    nodes = [{"name": "r%d" % i, "op": "Relu", "inputs": ["t%d" % i], "outputs": ["t%d" % (i + 1)]}
             for i in range(n)]
    return {"qgraph": 1, "tensors": tensors, "nodes": nodes}


def write(path, obj, indent):
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent)


def run(cmd):
    """The best of three runs, in CPU seconds (user + system) of the child: the machine's other
    load changes wall time, not this."""
    best = None
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        dt = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if p.returncode != 1:
            sys.exit("unexpected exit %d from %s" % (p.returncode, " ".join(cmd)))
        best = dt if best is None else min(best, dt)
    return best


def slope(xs, ys):
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main():
    bindir, db, work = sys.argv[1:4]
    sizes = [int(s) for s in sys.argv[4:]] or [4000, 16000, 64000]
    os.makedirs(work, exist_ok=True)
    check = os.path.join(bindir, "opinfo-check")
    cases = {
        # ONNX Runtime's rules: reduce_range on every activation, one line per file and indented
        "validate, indented": lambda n, g: ([check, "-q", "--overrides", o, g], 2),
        "validate, one line": lambda n, g: ([check, "-q", "--overrides", o, g], None),
        # the type check: every Relu gets int4 activations, which no variant takes
        "type check": lambda n, g: ([check, "-q", "--db", db, "--overrides", o, "--backend",
                                     "qnn-htp", "--soc", "SM8650", g], 2),
    }
    failed = 0
    for name, make in cases.items():
        times = []
        for n in sizes:
            g = os.path.join(work, "relu-%d.qgraph.json" % n)
            if not os.path.exists(g):
                write(g, graph(n), 1)
            global o
            o = os.path.join(work, "ov-%s-%d.json" % (name.replace(" ", "").replace(",", "-"), n))
            cmd, indent = make(n, g)
            if name == "type check":
                ov = {"t%d" % i: [{"quant_type": "QInt4"}] for i in range(n + 1)}
            else:
                ov = {"t%d" % i: [{"reduce_range": True}] for i in range(n + 1)}
            write(o, ov, indent)
            times.append(run(cmd))
            print("overrides %-20s %7d findings: %8.3f s CPU" % (name, n, times[-1]))
        s = slope(sizes, times)
        verdict = "ok" if s <= SLOPE_LIMIT else "FAIL: above %.2f" % SLOPE_LIMIT
        print("overrides %-20s log-log slope %.3f (%s)" % (name, s, verdict))
        failed |= s > SLOPE_LIMIT
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
