#!/usr/bin/env python3
"""`import opinfo` time: `python3 -X importtime -c 'import opinfo'`, the cumulative microseconds
of the opinfo line, over RUNS fresh interpreters (min and median), with the package's bytecode
compiled beforehand (into a scratch pycache prefix, as an installed package has it), next to the
same interpreter importing nothing. Also lists the modules `import opinfo` loads beyond the
interpreter's own start (none of ctypes, json, typing, threading, torch: they load on first use).

    python3 bench/bench_import.py [RUNS]      (make bench runs it with Debian's python3)
Figures only: no threshold (docs/performance.md has the target, 20 ms).
"""
import os
import statistics
import subprocess
import sys
import tempfile

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
PKG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python")


def main():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, PYTHONPATH=os.path.normpath(PKG))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        base = [sys.executable, "-X", "pycache_prefix=" + cache]
        subprocess.run(base + ["-c", "import opinfo"], env=env, check=True)  # writes the .pyc
        times = []
        for _ in range(RUNS):
            err = subprocess.run(base + ["-X", "importtime", "-c", "import opinfo"], env=env,
                                 check=True, capture_output=True, text=True).stderr
            line = [x for x in err.splitlines() if x.rstrip().endswith("| opinfo")][-1]
            times.append(int(line.split("|")[1]) / 1000.0)
        loaded = subprocess.run(
            base + ["-c", "import sys; a = set(sys.modules); import opinfo; "
                    "print(' '.join(sorted(set(sys.modules) - a)))"],
            env=env, check=True, capture_output=True, text=True).stdout.split()
    print("import opinfo (%s, %d runs, -X importtime cumulative): min %.2f ms, median %.2f ms, "
          "max %.2f ms" % (sys.executable, RUNS, min(times), statistics.median(times),
                           max(times)))
    print("modules it loads: %s" % " ".join(loaded))


if __name__ == "__main__":
    main()
