"""opinfo from Python: is this quantized model's annotation valid for backend B on chip S?

A pure-Python package over libopinfo through ctypes: nothing to compile, nothing from PyPI.

    import opinfo
    diags = opinfo.check("model.qgraph.json", backend="qnn-htp", soc="SM8650")  # raises on errors
    diags = opinfo.check(qgraph_dict, backend="xnnpack", strict=False)          # warns, returns
    print(opinfo.explain("Conv2d", backend="qnn-htp", soc="SM8350"))
    y = opinfo.kernel("xnnpack", "requantize", acc, scale=0.5, dtype="int8")

Exporters that write qgraphs from real quantizers live beside it: opinfo.fx (PyTorch FX, PT2E)
and opinfo.onnx_export (ONNX QDQ models). The library is found beside the package (source tree
or installation), through $OPINFO_LIBRARY, or on the system's library path.
"""
# Imported on first use, not here (import time: docs/performance.md): ctypes, the library and
# its declarations (_lib), json, warnings, torch. Annotations stay text (no typing import).
from __future__ import annotations

import _thread
import os
import sys

from ._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    import numpy

    from .db import Explanation

__all__ = ["check", "check_model", "explain", "annotate", "kernel", "kernels", "version", "Diagnostic",
           "ValidationError", "OpinfoError", "OpinfoWarning", "LibraryNotFoundError"]

OPINFO_CHECK_WARN = 0x1
OPINFO_CHECK_NO_PLUGINS = 0x100
OPINFO_CHECK_FULL_DELEGATION = 0x2
FORMAT_JSON = 1
_SEVERITY = {0: "note", 1: "warning", 2: "error"}


class LibraryNotFoundError(ImportError):
    """libopinfo could not be loaded; the message lists every place that was tried."""


class OpinfoError(Exception):
    """A call into libopinfo failed: bad input (with file, line and column), an unknown backend
    or SoC, a database or plugin problem."""

    def __init__(self, code: int, text: str, source: str | None = None, line: int = 0,
                 column: int = 0) -> None:
        super().__init__(text)
        self.code, self.text, self.source, self.line, self.column = code, text, source, line, column


class OpinfoWarning(UserWarning):
    """One violation reported in warn mode."""


class Diagnostic:
    """One violation: the rule, where (the model's source line when known, else the qgraph), what
    the backend expects, what the annotation has, and a suggested fix."""

    __slots__ = ("rule", "severity", "message", "expected", "actual", "fix", "node", "op",
                 "tensor", "port", "variant", "file", "line", "column", "qgraph", "qgraph_line",
                 "qgraph_column", "node_index")

    def __init__(self, **kw: object) -> None:
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    def to_dict(self) -> dict[str, object]:
        """The fields as a dict (JSON-serializable)."""
        return {k: getattr(self, k) for k in self.__slots__}

    def __str__(self) -> str:
        where = self.file or "<qgraph>"
        if self.line:
            where += ":%d" % self.line
            if self.column:
                where += ":%d" % self.column
        elif self.node_index is not None:
            where += ": node %d" % self.node_index
        # as opinfo-check's text format: the node before the message
        node = "%s: " % self.node if self.node else ""
        return "%s: %s: %s%s [%s]" % (where, self.severity, node, self.message, self.rule)

    def __repr__(self) -> str:
        return "Diagnostic(%r, %r, node=%r, tensor=%r)" % (self.rule, self.message, self.node,
                                                           self.tensor)


class ValidationError(ValueError):
    """Strict mode found violations. .diagnostics holds every one of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        lines = [str(d) for d in errors[:20]]
        if len(errors) > 20:
            lines.append("... and %d more" % (len(errors) - 20))
        super().__init__("%d quantization constraint violation%s:\n%s" % (
            len(errors), "" if len(errors) == 1 else "s", "\n".join(lines)))


# ---- the library, its database and plugins, opened once -------------------------------------

_state = {}
_lock = _thread.allocate_lock()


def _get():
    lib = _state.get("lib")  # set once, never replaced: read without the lock
    if lib is not None:
        return lib
    from . import _lib
    with _lock:
        if "lib" not in _state:
            lib = _lib.load()
            _state["libc"] = _lib.declare(lib)
            _state["lib"] = lib
        return _state["lib"]


def _err():
    from . import _lib
    return _lib.Error()


def _raise(e):
    from ._errors import error_from  # an OpinfoError subclass by code (opinfo/_errors.py)
    raise error_from(e.code, e.text.decode("utf-8", "replace"),
                     e.source.decode("utf-8", "replace") or None, e.line, e.column, e.position)


def _s(v):
    return None if v is None else v.encode("utf-8")


def _str(b):
    return None if b is None else b.decode("utf-8", "replace")


def _db(path=None):
    key = ("db", path)
    h = _state.get(key)
    if h is not None:
        return h
    import ctypes
    lib = _get()
    with _lock:
        if key not in _state:
            h = ctypes.c_void_p()
            e = _err()
            if lib.opinfo_db_open(_s(path), 0, ctypes.byref(h), ctypes.byref(e)):
                _raise(e)
            _state[key] = h
        return _state[key]


def _plugins():
    h = _state.get("plugins")
    if h is not None:
        return h
    import ctypes
    lib = _get()
    with _lock:
        if "plugins" not in _state:
            h = ctypes.c_void_p()
            e = _err()
            if lib.opinfo_plugins_open(None, 0, 0, ctypes.byref(h), ctypes.byref(e)):
                _raise(e)
            _state["plugins"] = h
        return _state["plugins"]


def _take(ptr):
    """A malloc'd C string handed over by the library, as Python text."""
    import ctypes
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        _state["libc"].free(ptr)


def _dumps(q):
    """json.dumps(q) without whitespace between tokens (a tenth less text to write and read)
    and without its check for circular references (a sixth of its time on a small qgraph): a
    dict that recurses too deep is written again by json.dumps, which raises what it raised
    before ("Circular reference detected")."""
    enc = _state.get("encoder")
    if enc is None:
        import json
        enc = _state["encoder"] = json.JSONEncoder(check_circular=False, separators=(",", ":"))
    try:
        return enc.encode(q)
    except RecursionError:
        import json
        return json.dumps(q, separators=(",", ":"))


def _qgraph(q):
    """A qgraph handle from a dict, JSON text/bytes, an ONNX model (bytes or onnx.ModelProto),
    or a path (a qgraph or an ONNX model, told apart by content)."""
    import ctypes
    lib = _get()
    h = ctypes.c_void_p()
    e = _err()
    if hasattr(q, "SerializeToString"):  # an onnx.ModelProto
        q = q.SerializeToString()
    if isinstance(q, (bytes, bytearray)) and lib.opinfo_onnx_sniff(bytes(q), len(q)):
        data = bytes(q)
        rc = lib.opinfo_onnx_parse(b"<model>", data, len(data), None, 0, ctypes.byref(h),
                                   ctypes.byref(e))
    elif isinstance(q, dict):
        data = _dumps(q).encode("utf-8")
        rc = lib.opinfo_qgraph_parse(b"<qgraph>", data, len(data), 0, ctypes.byref(h),
                                     ctypes.byref(e))
    elif isinstance(q, (bytes, bytearray)):
        data = bytes(q)
        rc = lib.opinfo_qgraph_parse(b"<qgraph>", data, len(data), 0, ctypes.byref(h),
                                     ctypes.byref(e))
    elif isinstance(q, (str, os.PathLike)):
        rc = lib.opinfo_graph_load(os.fsencode(q), 0, ctypes.byref(h), ctypes.byref(e))
    else:
        raise TypeError("opinfo: a qgraph is a dict, JSON bytes or a path, not %s"
                        % type(q).__name__)
    if rc:
        _raise(e)
    return h


def _torch_graph(model):
    """The torch.fx.GraphModule to export when model is a PyTorch object, else None. torch is
    never imported here: a PyTorch object exists only once its user has imported torch."""
    torch = sys.modules.get("torch")
    if torch is None or isinstance(model, (dict, bytes, bytearray, str, os.PathLike)):
        return None
    fx = getattr(torch, "fx", None)
    if fx is not None and isinstance(model, fx.GraphModule):
        return model  # prepare_fx's or prepare_pt2e's result (opinfo.fx.export tells which)
    export = sys.modules.get("torch.export")
    program = getattr(export, "ExportedProgram", None) if export is not None else None
    if program is not None and isinstance(model, program):
        return model.graph_module  # annotated in place by a PT2E quantizer
    if isinstance(model, torch.nn.Module):
        raise TypeError("opinfo: %s is not prepared for quantization: check the GraphModule "
                        "that prepare_fx or prepare_pt2e returns" % type(model).__name__)
    return None


def _as_checkable(model, backend, soc, release):
    """model as check() passes it to the library: a PyTorch model becomes its qgraph through
    opinfo.fx.export (FX observers or PT2E annotations), with the target check was given."""
    gm = _torch_graph(model)
    if gm is None:
        return model
    from . import fx
    target = {k: v for k, v in (("backend", backend), ("soc", soc), ("release", release)) if v}
    return fx.export(gm, target=target or None)


def _check_name(what, v, required=True):
    if v is None and not required:
        return
    if not isinstance(v, str) or not v:
        raise TypeError("opinfo: %s must be a non-empty string, not %r" % (what, v))


# ---- the API -----------------------------------------------------------------------------------

def version() -> str:
    """The version of the libopinfo that is loaded."""
    return _get().opinfo_version_str().decode()


def check(qgraph: object, backend: str | None = None, soc: str | None = None,
          release: str | None = None, strict: bool = True, max_errors: int = 0,
          db: str | os.PathLike[str] | None = None, plugins: bool = True,
          full_delegation: bool = False, select: str | list[str] | None = None,
          ignore: str | list[str] | None = None,
          baseline: str | os.PathLike[str] | None = None) -> list[Diagnostic]:
    """Checks a model's quantization annotation for backend on soc; returns the diagnostics.

    qgraph is any of: a qgraph (a dict, JSON bytes, or a path); an ONNX model (a path, bytes or
    an onnx.ModelProto); a torch.fx.GraphModule returned by prepare_fx (FX observers) or by
    prepare_pt2e / annotated by a PT2E quantizer; a torch.export.ExportedProgram whose graph a
    quantizer annotated. PyTorch objects are exported with opinfo.fx.export (torch is not
    imported otherwise).

    In strict mode (the default) violations raise ValidationError (a ValueError carrying all of
    them), as ExecuTorch's quantizer raises ValueError; with strict=False each violation is
    issued as an OpinfoWarning and they are returned. backend, soc and release default to the
    qgraph's target. plugins=False checks the database's constraints alone (no backend plugin).
    A node left in float is a runs-in-float warning; full_delegation=True makes it an error (in
    strict mode). db is a database path (default: $OPINFO_DB, else the installed one).

    As opinfo-check does (docs/adoption.md): select and ignore are rule ids or prefixes (a
    comma-separated string or a list), a node's "suppress" drops the rules it names there (a
    suppression without a reason adds an unjustified-suppression warning), and baseline (the
    path of a file written by opinfo-check --write-baseline) drops what it records."""
    import ctypes
    from . import _lib
    _check_name("backend", backend, required=False)
    _check_name("soc", soc, required=False)
    _check_name("release", release, required=False)
    if not isinstance(max_errors, int) or max_errors < 0:
        raise ValueError("opinfo: max_errors must be a non-negative integer")
    qgraph = _as_checkable(qgraph, backend, soc, release)
    lib = _get()
    dbh = _db(db)
    g = _qgraph(qgraph)
    report = lib.opinfo_report_new()
    try:
        if not report:
            raise MemoryError("opinfo: out of memory")
        # plugins=False must say so: NULL plugins means the installed ones to the library
        flags = (0 if strict else OPINFO_CHECK_WARN) | (0 if plugins else OPINFO_CHECK_NO_PLUGINS)
        opt = _lib.CheckOptions(ctypes.sizeof(_lib.CheckOptions), _s(backend), _s(soc),
                                _s(release),
                                flags | (OPINFO_CHECK_FULL_DELEGATION if full_delegation else 0),
                                max_errors, _plugins() if plugins else None)
        e = _err()
        if lib.opinfo_check(dbh, g, ctypes.byref(opt), report, ctypes.byref(e)):
            _raise(e)
        _filter(lib, report, g, select, ignore, baseline)
        get = lib.opinfo_report_get
        diags = [_diagnostic(get(report, i).contents)
                 for i in range(lib.opinfo_report_count(report))]
    finally:
        lib.opinfo_report_free(report)
        lib.opinfo_qgraph_free(g)
    if strict:
        if any(d.severity == "error" for d in diags):
            raise ValidationError(diags)
    else:
        import warnings
        for d in diags:
            warnings.warn(str(d), OpinfoWarning, stacklevel=2)
    return diags


_TEXT_FIELDS = ("rule", "message", "expected", "actual", "fix", "node", "op", "tensor", "port",
                "variant", "file", "qgraph")


def _diagnostic(d):
    """A Diagnostic from the library's struct (fields set directly: a report may hold many)."""
    x = Diagnostic.__new__(Diagnostic)
    for k in _TEXT_FIELDS:
        v = getattr(d, k)
        setattr(x, k, None if v is None else v.decode("utf-8", "replace"))
    x.severity = _SEVERITY.get(d.severity, "error")
    x.line, x.column = d.line, d.column
    x.qgraph_line, x.qgraph_column = d.qgraph_line, d.qgraph_column
    x.node_index = d.node_index if d.node_index >= 0 else None
    return x


def _rule_list(name: str, rules: object) -> str | None:
    if rules is None or isinstance(rules, str):
        return rules
    if isinstance(rules, (list, tuple)) and all(isinstance(r, str) for r in rules):
        return ",".join(rules)
    raise TypeError("opinfo: %s is a comma-separated string or a list of rule names" % name)


def _filter(lib, report, g, select, ignore, baseline) -> None:
    """Selection, node suppressions and the baseline, applied to the report in place."""
    import ctypes
    select, ignore = _rule_list("select", select), _rule_list("ignore", ignore)
    if baseline is not None and not isinstance(baseline, (str, os.PathLike)):
        raise TypeError("opinfo: baseline is a path")
    f = lib.opinfo_filter_new()
    if not f:
        raise MemoryError("opinfo: out of memory")
    try:
        e = _err()
        if (select is not None and lib.opinfo_filter_select(f, _s(select), ctypes.byref(e))) or \
                (ignore is not None and lib.opinfo_filter_ignore(f, _s(ignore), ctypes.byref(e))) or \
                (baseline is not None and
                 lib.opinfo_filter_baseline(f, _s(os.fspath(baseline)), ctypes.byref(e))) or \
                lib.opinfo_report_filter(report, 0, g, f, ctypes.byref(e)):
            _raise(e)
    finally:
        lib.opinfo_filter_free(f)


def check_model(model: object, backend: str, soc: str | None = None, release: str | None = None,
                **options: object) -> None:
    """check() for a quantizer's validate hook: None when the model is valid for backend on soc,
    else ValidationError (a ValueError) listing every violation. model is what check() takes (a
    prepared GraphModule, an ExportedProgram, an ONNX model, a qgraph); options are check()'s
    keyword arguments (full_delegation=True, plugins=False, db=...).

        class MyQuantizer(XNNPACKQuantizer):
            def validate(self, model):
                opinfo.check_model(model, backend="xnnpack")
    """
    _check_name("backend", backend)
    options.pop("strict", None)
    check(model, backend=backend, soc=soc, release=release, strict=True, **options)


def explain(op: str, backend: str, soc: str | None = None, release: str | None = None,
            db: str | os.PathLike[str] | None = None) -> Explanation:
    """The op's aliases, ports and variants with their constraints, and which the SoC allows:
    an opinfo.db.Explanation, a str (the text opinfo-check --explain prints) that also carries
    the data (.variants, .ports, .aliases, .to_dict())."""
    import ctypes
    _check_name("op", op)
    _check_name("backend", backend)
    _check_name("soc", soc, required=False)
    lib = _get()
    out = ctypes.c_void_p()
    e = _err()
    if lib.opinfo_db_explain(_db(db), _s(backend), _s(release), _s(soc), _s(op),
                             ctypes.byref(out), ctypes.byref(e)):
        _raise(e)
    return _explanation(_take(out), op, backend, soc, release, db)


def annotate(qgraph: dict[str, object] | bytes | str | os.PathLike[str], backend: str,
             config: str, soc: str | None = None, release: str | None = None,
             db: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """The backend plugin's annotation rules applied to a float qgraph under a quant config
    ("8a8w", "16a4w-block:32", "quint8", ...): the annotated qgraph, as a dict."""
    import ctypes
    import json
    _check_name("backend", backend)
    _check_name("config", config)
    lib = _get()
    g = _qgraph(qgraph)
    try:
        out = ctypes.c_void_p()
        e = _err()
        if lib.opinfo_annotate(_db(db), _plugins(), g, _s(backend), _s(soc), _s(release),
                               _s(config), ctypes.byref(out), ctypes.byref(e)):
            _raise(e)
        return json.loads(_take(out))
    finally:
        lib.opinfo_qgraph_free(g)


def kernels(backend: str) -> list[tuple[str, str]]:
    """The backend's reference kernels: a list of (name, signature)."""
    _check_name("backend", backend)
    import ctypes
    from . import _lib
    lib = _get()
    rows = []

    def row(ncols, cols, ud):
        rows.append(tuple(_str(cols[i]) for i in range(ncols)))
        return 0
    e = _err()
    if lib.opinfo_kernel_list(_plugins(), _s(backend), _lib.ROW_FN(row), None, ctypes.byref(e)):
        _raise(e)
    return rows


_NP_DTYPES = {"int8": 5, "uint8": 6, "int16": 7, "uint16": 8, "int32": 9, "float32": 14}
_FROM_CODE = {v: k for k, v in _NP_DTYPES.items()}


def kernel(backend: str, name: str, *inputs: object, outputs: int = 1,
           **attrs: object) -> numpy.ndarray | tuple[numpy.ndarray, ...]:
    """Runs a reference kernel on NumPy arrays (docs/kernels.md): the output array, or a tuple
    when outputs > 1. Attributes are numbers, sequences of numbers (per channel), or dtype
    names for dtype attributes (dtype="int8")."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError("opinfo.kernel needs NumPy (apt-get install python3-numpy)") from None
    _check_name("backend", backend)
    _check_name("kernel name", name)
    if not isinstance(outputs, int) or not 1 <= outputs <= 8:
        raise ValueError("opinfo: outputs must be an integer from 1 to 8")
    import ctypes
    from . import _lib
    lib = _get()
    keep = []
    tin = (_lib.Tensor * max(1, len(inputs)))()
    for i, a in enumerate(inputs):
        a = np.asarray(a)
        if a.dtype == np.int64 and a.size and (a.min() < -2**31 or a.max() >= 2**31):
            raise ValueError("opinfo: input %d: int64 values do not fit int32" % i)
        if a.dtype == np.int64:
            a = a.astype(np.int32)
        elif a.dtype == np.float64:
            f = a.astype(np.float32)
            if not np.array_equal(f.astype(np.float64), a, equal_nan=True):
                raise ValueError("opinfo: input %d: float64 values are not exactly float32" % i)
            a = f
        if a.dtype.name not in _NP_DTYPES:
            raise TypeError("opinfo: input %d has dtype %s (kernels take %s)"
                            % (i, a.dtype, ", ".join(_NP_DTYPES)))
        if a.ndim > _lib.MAX_RANK:
            raise ValueError("opinfo: input %d has %d dimensions, at most 8" % (i, a.ndim))
        a = np.ascontiguousarray(a)
        keep.append(a)
        tin[i].dtype = _NP_DTYPES[a.dtype.name]
        tin[i].rank = a.ndim
        for d, n in enumerate(a.shape):
            tin[i].shape[d] = n
        tin[i].data = a.ctypes.data
    tattr = (_lib.KernelAttr * max(1, len(attrs)))()
    for i, (k, v) in enumerate(attrs.items()):
        if isinstance(v, (str, np.dtype)) or (isinstance(v, type) and issubclass(v, np.generic)):
            code = lib.opinfo_dtype_from_name(_s(np.dtype(v).name if not isinstance(v, str) else v))
            if code == 0:
                raise ValueError("opinfo: attribute %s: unknown dtype %r" % (k, v))
            vals = [float(code)]
        else:
            vals = [float(x) for x in np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel()]
        arr = (ctypes.c_double * len(vals))(*vals)
        keep.append(arr)
        kname = k.encode()
        keep.append(kname)
        tattr[i].name = kname
        tattr[i].n = len(vals)
        tattr[i].values = arr
    tout = (_lib.Tensor * outputs)()
    e = _err()
    if lib.opinfo_kernel_run(_plugins(), _s(backend), _s(name), tin, len(inputs), tattr,
                             len(attrs), tout, outputs, ctypes.byref(e)):
        _raise(e)
    result = []
    try:
        for t in tout:
            dt = np.dtype(_FROM_CODE[t.dtype])
            shape = tuple(t.shape[d] for d in range(t.rank))
            n = int(np.prod(shape, dtype=np.int64)) if shape else 1
            buf = ctypes.string_at(t.data, n * dt.itemsize) if n else b""
            result.append(np.frombuffer(buf, dtype=dt).reshape(shape).copy())
    finally:
        for t in tout:
            lib.opinfo_tensor_release(ctypes.byref(t))
    return result[0] if outputs == 1 else tuple(result)


# ---- the database's listings, ONNX Runtime's overrides, autofix (opinfo/db.py, opinfo/fix.py) --

def _explanation(text, op, backend, soc, release, db_path):
    from .db import _explanation as make
    return make(text, op, backend, soc, release, db_path)


# Loaded on first use (import time: docs/performance.md): opinfo.db, opinfo.autofix, ...
_LAZY = {"db": "db", "autofix": "fix", "check_overrides": "fix", "fix_overrides": "fix",
         "AutofixResult": "fix", "UsageError": "_errors", "InputError": "_errors",
         "NotFoundError": "_errors", "DatabaseError": "_errors",
         "OpinfoFileNotFoundError": "_errors"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'opinfo' has no attribute %r" % name)
    import importlib
    mod = importlib.import_module("." + _LAZY[name], __name__)
    value = mod if name == "db" else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ += sorted(_LAZY)
