#!/usr/bin/env python3
"""Where opinfo's time goes on an FX model, part by part, as a user meets it: prepare_fx, then at
once opinfo.fx.export and the steps of opinfo.check, each timed apart (figures only).

Parts: export (opinfo.fx.export), json (the qgraph's text, as opinfo.check writes it), parse
(opinfo_qgraph_parse), check (opinfo_check and the report's filter, in C), read (the diagnostics
read back into Python), warn (one OpinfoWarning per diagnostic, as strict=False issues them). Then
"again": the same check in C run a second time on the same parsed graph, with the caches warm.

    OPINFO_LIBRARY=build/lib/libopinfo.so OPINFO_DB=build/share/opinfo/opinfo.db \\
      PYTHONPATH=bindings/python python3 bench/bench_python_parts.py [MODEL ...]

Median of BENCH_RUNS runs (default 25), each on a model prepared anew; models of
tests/python/zoo.py (default: all). Debian's python3 (torch 1.13, torchvision).
"""
import ctypes
import os
import sys
import time
import warnings

warnings.simplefilter("ignore")
import torch  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.backend_config import get_fbgemm_backend_config  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

import opinfo  # noqa: E402
import opinfo.fx  # noqa: E402
from opinfo import _lib  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "python"))
import zoo  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "25"))
PARTS = ("export", "json", "parse", "check", "read", "warn", "again")


def one(lib, dbh, plugins, ctor, shape):
    torch.manual_seed(0)
    p = prepare_fx(ctor().eval(), get_default_qconfig_mapping("fbgemm"), (torch.randn(*shape),),
                   backend_config=get_fbgemm_backend_config())
    pc = time.perf_counter
    t = [pc()]
    q = opinfo.fx.export(p, target={"backend": "fbgemm"})
    t.append(pc())
    data = opinfo._dumps(q).encode("utf-8")
    t.append(pc())
    h, e = ctypes.c_void_p(), opinfo._err()
    if lib.opinfo_qgraph_parse(b"<qgraph>", data, len(data), 0, ctypes.byref(h),
                               ctypes.byref(e)):
        opinfo._raise(e)
    t.append(pc())
    opt = _lib.CheckOptions(ctypes.sizeof(_lib.CheckOptions), None, None, b"1.13.1",
                            opinfo.OPINFO_CHECK_WARN, 0, plugins)
    reports = []
    try:
        for _ in range(2):
            reports.append(lib.opinfo_report_new())
            if lib.opinfo_check(dbh, h, ctypes.byref(opt), reports[-1], ctypes.byref(e)):
                opinfo._raise(e)
            if not len(t) > 4:
                opinfo._filter(lib, reports[-1], h, None, None, None)
                t.append(pc())
                get = lib.opinfo_report_get
                diags = [opinfo._diagnostic(get(reports[0], i).contents)
                         for i in range(lib.opinfo_report_count(reports[0]))]
                t.append(pc())
                for d in diags:
                    warnings.warn(str(d), opinfo.OpinfoWarning, stacklevel=2)
                t.append(pc())
        t.append(pc())
    finally:
        for r in reports:
            lib.opinfo_report_free(r)
        lib.opinfo_qgraph_free(h)
    return [b - a for a, b in zip(t, t[1:])], len(q["nodes"]), len(data), len(diags)


def main():
    names = sys.argv[1:] or list(zoo.MODELS)
    lib, dbh, plugins = opinfo._get(), opinfo._db(None), opinfo._plugins()
    print("python: where export + check goes after prepare_fx (torch %s, fbgemm), median of %d "
          "runs, ms" % (torch.__version__, RUNS))
    print("  %-19s %5s %7s %6s" % ("model", "nodes", "json KB", "diags") +
          "".join(" %7s" % k for k in PARTS) + " %7s" % "total")
    for name in names:
        ctor, shape = zoo.MODELS[name]
        runs = [one(lib, dbh, plugins, ctor, shape) for _ in range(RUNS)]
        med = [sorted(r[0][k] for r in runs)[RUNS // 2] * 1e3 for k in range(len(PARTS))]
        _, nodes, size, ndiag = runs[-1]
        print("  %-19s %5d %7.1f %6d" % (name, nodes, size / 1024, ndiag) +
              "".join(" %7.3f" % x for x in med) + " %7.3f" % sum(med[:-1]))
    print("  total: export to warn (not again); again: the check in C once more on the same "
          "parsed graph, caches warm")


if __name__ == "__main__":
    sys.exit(main())
