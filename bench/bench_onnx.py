#!/usr/bin/env python3
"""`make bench`: opinfo-check on ONNX QDQ models, read by the C reader, next to
`python3 -c 'import onnx; onnx.load(M)'` on the same file (Debian's python3 with onnx). Figures
only, no thresholds (the targets are in docs/performance.md):

    python3 bench/bench_onnx.py BUILD_DIR

The models are made once by bench/gen_onnx.py into BUILD_DIR/bench/: resnet18 (torchvision, random
weights) and a chain of 20 Conv+Relu (40 checked nodes), both with QDQ pairs as ONNX Runtime
writes them. Each command runs RUNS times as a fresh process after one warm-up; medians of wall
time and of CPU time (user + system, which a loaded machine does not inflate)."""
import os
import resource
import statistics
import subprocess
import sys
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
RUNS = int(os.environ.get("RUNS", "11"))
PY = os.environ.get("PYTHON", "/usr/bin/python3")
DB = os.path.join(BUILD, "share/opinfo/opinfo.db")
CHECK = os.path.join(BUILD, "bin/opinfo-check")


def model(name, *args):
    path = os.path.join(BUILD, "bench", name)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run([PY, "-W", "ignore", "bench/gen_onnx.py", *args, "-o", path], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def measure(cmd):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, cpu = [], []
    for _ in range(RUNS):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3


def main():
    check = lambda m: [CHECK, "-q", "--db", DB, "--backend", "qnn-htp", "--soc", "SM8650", m]
    load = lambda m: [PY, "-c", "import onnx, sys; onnx.load(sys.argv[1])", m]
    r18 = model("resnet18-qdq.onnx", "--model", "resnet18")
    c40 = model("convs40-qdq.onnx", "--model", "convs", "--blocks", "20")
    print("ONNX models (%d runs each, medians; wall / CPU ms):" % RUNS)
    rows = []
    for name, m in (("resnet18 QDQ, %.1f MB" % (os.path.getsize(r18) / 1e6), r18),
                    ("40 checked nodes, %.0f kB" % (os.path.getsize(c40) / 1e3), c40)):
        cw, cc = measure(check(m))
        lw, lc = measure(load(m))
        rows.append((name, cw, cc, lw, lc))
        print("  %-28s opinfo-check %7.1f / %6.1f   onnx.load %7.1f / %6.1f   ratio %.2fx wall"
              " %.2fx CPU" % (name, cw, cc, lw, lc, cw / lw, cc / lc))
    # what a process costs on this machine now, and the same check on a qgraph of the size
    q = os.path.join(BUILD, "bench", "llm-40-nodes.qgraph.json")
    if not os.path.exists(q):
        subprocess.run([PY, "bench/gen_qgraph.py", "--nodes", "40", "--calibrated", "-o", q],
                       check=True, stdout=subprocess.DEVNULL)
    tw, tc = measure(["/bin/true"])
    qw, qc = measure(check(q))
    print("  for scale: /bin/true %.1f / %.1f; opinfo-check on a 52-node qgraph %.1f / %.1f"
          % (tw, tc, qw, qc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
