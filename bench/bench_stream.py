#!/usr/bin/env python3
"""`make bench`: how soon opinfo-check's first diagnostic appears, checking while reading (the
default) against reading the whole file first (--no-incremental). Figures only, no thresholds
(the target is in docs/performance.md):

    python3 bench/bench_stream.py BUILD_DIR [LAYERS ...]

Each size is a graph of bench/gen_qgraph.py --layers N --calibrated (26 nodes a layer; 400,
4000 and 40000 layers by default: 10^4, 10^5 and 10^6 nodes), made once into BUILD_DIR/bench/.
opinfo-check --backend qnn-htp --soc SM8350 (where the LPBQ linears are arch-gate errors) writes
its text diagnostics to a pipe; the time of the first line and of the exit are taken from the
start of the process. RUNS runs per size and mode (default 3, 1 above 10^5 nodes), the modes
alternating; the best of each is printed with the CPU time (user + system) of that run and the
load average of the machine when the size started."""
import os
import resource
import subprocess
import sys
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
SIZES = [int(a) for a in sys.argv[2:]] or [400, 4000, 40000]
PY = os.environ.get("PYTHON", "/usr/bin/python3")
DB = os.path.join(BUILD, "share/opinfo/opinfo.db")
CHECK = os.path.join(BUILD, "bin/opinfo-check")


def graph(layers):
    path = os.path.join(BUILD, "bench", "llm-%d.qgraph.json" % layers)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run([PY, "bench/gen_qgraph.py", "--layers", str(layers), "--calibrated", "-o",
                        path], check=True, stderr=subprocess.DEVNULL)
    return path


def run(path, incremental):
    cmd = [CHECK, "--backend", "qnn-htp", "--soc", "SM8350", "-q", path]
    if not incremental:
        cmd.insert(1, "--no-incremental")
    env = dict(os.environ, OPINFO_DB=DB)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    first = None
    lines = 0
    for _ in p.stdout:
        if first is None:
            first = time.perf_counter() - t0
        lines += 1
    p.wait()
    total = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 1 or first is None:
        sys.exit("bench_stream: %s exited %d with %d lines" % (" ".join(cmd), p.returncode, lines))
    return first, total, cpu, lines


def main():
    print("first diagnostic and total, checking while reading (incremental) and reading first "
          "(whole)")
    print("%10s %9s %6s %12s %12s %12s %12s %9s %6s" % (
        "nodes", "file MB", "load", "whole first", "whole total", "incr. first", "incr. total",
        "first ×", "lines"))
    for layers in SIZES:
        path = graph(layers)
        runs = int(os.environ.get("RUNS", "3" if layers <= 4000 else "1"))
        load = os.getloadavg()[0]
        best = {True: None, False: None}
        for _ in range(runs):
            for inc in (False, True):
                r = run(path, inc)
                if best[inc] is None or r[0] < best[inc][0]:
                    best[inc] = r
        w, i = best[False], best[True]
        if w[3] != i[3]:
            sys.exit("bench_stream: %d lines whole, %d incremental" % (w[3], i[3]))
        print("%10d %9.1f %6.1f %9.3f s %9.2f s %9.3f s %9.2f s %8.1f× %6d" % (
            layers * 26, os.path.getsize(path) / 1e6, load, w[0], w[1], i[0], i[1],
            w[0] / i[0], i[3]))
        print("%10s %9s %6s %9s %12s %9s %12s" % ("", "", "", "cpu", "%.2f s" % w[2], "cpu",
                                                  "%.2f s" % i[2]))


if __name__ == "__main__":
    main()
