"""Fixes from Python: ONNX Runtime's TensorQuantOverrides (check and mixed-precision fix, before
quantize_static) and the qgraph autofix of `opinfo-check --fix`.

    import opinfo
    opinfo.check_overrides("model.onnx", overrides, backend="qnn-htp", soc="SM8650")
    fixed = opinfo.fix_overrides("model.onnx", overrides, backend="qnn-htp", soc="SM8650")
    quantize_static(..., extra_options={"TensorQuantOverrides": fixed})
    r = opinfo.autofix("model.qgraph.json", backend="qnn-htp", soc="SM8350")
    r.qgraph, r.changes, r.diagnostics
"""
import ctypes
import json
import os
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Union

from . import _lib

__all__ = ["check_overrides", "fix_overrides", "autofix", "AutofixResult"]

_FIX_ORT = 0x100
_CHECK_WARN = 0x1
_CHECK_NO_PLUGINS = 0x100

Overrides = Union[Dict[str, Any], str, bytes, os.PathLike]


class AutofixResult(NamedTuple):
    """What autofix did: the corrected qgraph (a dict), one line per change ("file:line:col:
    fixed: ..."), and the diagnostics of the corrected qgraph (what is left)."""
    qgraph: Dict[str, Any]
    changes: List[str]
    diagnostics: List[Any]


def _api():
    import opinfo
    return opinfo


def _diagnostics(report) -> List[Any]:
    o = _api()
    lib = o._get()
    out = []
    for i in range(lib.opinfo_report_count(report)):
        d = lib.opinfo_report_get(report, i).contents
        out.append(o.Diagnostic(
            rule=o._str(d.rule), severity=o._SEVERITY.get(d.severity, "error"),
            message=o._str(d.message), expected=o._str(d.expected), actual=o._str(d.actual),
            fix=o._str(d.fix), node=o._str(d.node), op=o._str(d.op), tensor=o._str(d.tensor),
            port=o._str(d.port), variant=o._str(d.variant), file=o._str(d.file), line=d.line,
            column=d.column, qgraph=o._str(d.qgraph), qgraph_line=d.qgraph_line,
            qgraph_column=d.qgraph_column,
            node_index=d.node_index if d.node_index >= 0 else None))
    return out


def _overrides(ov: Overrides):
    """A library overrides handle from a dict, JSON text/bytes or a path."""
    o = _api()
    lib = o._get()
    h = ctypes.c_void_p()
    e = _lib.Error()
    if isinstance(ov, dict):
        data = json.dumps(ov).encode("utf-8")
        rc = lib.opinfo_overrides_parse(b"<overrides>", data, len(data), ctypes.byref(h),
                                        ctypes.byref(e))
    elif isinstance(ov, (bytes, bytearray)):
        data = bytes(ov)
        rc = lib.opinfo_overrides_parse(b"<overrides>", data, len(data), ctypes.byref(h),
                                        ctypes.byref(e))
    elif isinstance(ov, (str, os.PathLike)):
        rc = lib.opinfo_overrides_load(os.fsencode(ov), ctypes.byref(h), ctypes.byref(e))
    else:
        raise TypeError("opinfo: overrides are a dict, JSON bytes or a path, not %s"
                        % type(ov).__name__)
    if rc:
        o._raise(e)
    return h


def _quant_type(what: str, v: Any) -> int:
    """A QuantType (ONNX Runtime's enum, its name "QUInt16", or a dtype name "uint16")."""
    name = getattr(v, "name", v)  # onnxruntime.quantization.QuantType.QUInt16
    if not isinstance(name, str):
        raise TypeError("opinfo: %s must be a QuantType or its name, not %r" % (what, v))
    qt = _api()._get().opinfo_quant_type_from_name(name.encode("utf-8"))
    if qt < 0:
        raise ValueError("opinfo: %s: unknown quant type %r" % (what, name))
    return qt


def _options(backend, soc, release, flags, activation_type, weight_type, activation_symmetric,
             weight_symmetric):
    o = _api()
    o._check_name("backend", backend, required=False)
    o._check_name("soc", soc, required=False)
    o._check_name("release", release, required=False)
    opt = _lib.OverridesOptions()
    o._get().opinfo_overrides_options_init(ctypes.byref(opt))
    opt.backend, opt.soc, opt.release = o._s(backend), o._s(soc), o._s(release)
    opt.flags |= flags
    if activation_type is not None:
        opt.activation_type = _quant_type("activation_type", activation_type)
    if weight_type is not None:
        opt.weight_type = _quant_type("weight_type", weight_type)
    if activation_symmetric is not None:
        opt.activation_symmetric = int(bool(activation_symmetric))
    if weight_symmetric is not None:
        opt.weight_symmetric = int(bool(weight_symmetric))
    return opt


def _conclude(diags: List[Any], strict: bool) -> List[Any]:
    o = _api()
    if strict:
        if any(d.severity == "error" for d in diags):
            raise o.ValidationError(diags)
    else:
        for d in diags:
            warnings.warn(str(d), o.OpinfoWarning, stacklevel=3)
    return diags


def check_overrides(graph: Any, overrides: Overrides, backend: Optional[str] = None,
                    soc: Optional[str] = None, release: Optional[str] = None, *,
                    activation_type: Any = None, weight_type: Any = None,
                    activation_symmetric: Optional[bool] = None,
                    weight_symmetric: Optional[bool] = None, strict: bool = True,
                    db: Optional[str] = None) -> List[Any]:
    """Checks ONNX Runtime TensorQuantOverrides against the model they are for.

    graph is the float ONNX model (a path, bytes or onnx.ModelProto) or its qgraph; overrides a
    dict (as passed to quantize_static's extra_options), JSON bytes or a path. Every rule ONNX
    Runtime applies is checked on every entry and channel; with a backend, also that the port
    types the overrides give each node form a variant its op accepts on the SoC. activation_type
    and weight_type are quantize_static's defaults (QuantType or its name; QUInt8 when not
    given). Returns the diagnostics; strict (the default) raises opinfo.ValidationError on
    errors, strict=False warns each one (opinfo.OpinfoWarning)."""
    o = _api()
    lib = o._get()
    opt = _options(backend, soc, release, 0 if strict else _CHECK_WARN, activation_type,
                   weight_type, activation_symmetric, weight_symmetric)
    dbh = o._db(db)
    ov = _overrides(overrides)
    g = report = None
    try:
        g = o._qgraph(graph)
        report = lib.opinfo_report_new()
        if not report:
            raise MemoryError("opinfo: out of memory")
        e = _lib.Error()
        if lib.opinfo_overrides_check(dbh, g, ov, ctypes.byref(opt), report, ctypes.byref(e)):
            o._raise(e)
        diags = _diagnostics(report)
    finally:
        lib.opinfo_report_free(report)
        lib.opinfo_qgraph_free(g)
        lib.opinfo_overrides_free(ov)
    return _conclude(diags, strict)


def fix_overrides(graph: Any, overrides: Overrides, backend: Optional[str] = None,
                  soc: Optional[str] = None, release: Optional[str] = None, *, ort: bool = False,
                  activation_type: Any = None, weight_type: Any = None,
                  activation_symmetric: Optional[bool] = None,
                  weight_symmetric: Optional[bool] = None, strict: bool = True,
                  db: Optional[str] = None) -> Dict[str, Any]:
    """Mixed precision: overrides with the convert boundaries (recv_nodes) that make every
    node's port types a variant its op accepts on the SoC; the fixed overrides as a dict for
    quantize_static's extra_options["TensorQuantOverrides"] (quant types by name).

    ort=True makes ONNX Runtime's own assumption (one type on all of an op's activations, one
    hop) instead of asking the database. When no overrides can be produced, or (strict, the
    default) the fixed ones still have errors, raises opinfo.ValidationError with the reasons;
    strict=False warns them instead."""
    o = _api()
    lib = o._get()
    opt = _options(backend, soc, release, (_FIX_ORT if ort else 0) | (0 if strict else
                                                                        _CHECK_WARN),
                   activation_type, weight_type, activation_symmetric, weight_symmetric)
    dbh = o._db(db)
    ov = _overrides(overrides)
    g = report = None
    fixed = ctypes.c_void_p()
    try:
        g = o._qgraph(graph)
        report = lib.opinfo_report_new()
        if not report:
            raise MemoryError("opinfo: out of memory")
        e = _lib.Error()
        if lib.opinfo_overrides_fix(dbh, g, ov, ctypes.byref(opt), ctypes.byref(fixed), report,
                                    ctypes.byref(e)):
            o._raise(e)
        diags = _diagnostics(report)
        if not fixed:
            raise o.ValidationError(diags or [])
        text = ctypes.c_void_p()
        if lib.opinfo_overrides_write(fixed, ctypes.byref(text), ctypes.byref(e)):
            o._raise(e)
        result = json.loads(o._take(text))
    finally:
        lib.opinfo_overrides_free(fixed)
        lib.opinfo_report_free(report)
        lib.opinfo_qgraph_free(g)
        lib.opinfo_overrides_free(ov)
    _conclude(diags, strict)
    return result


def autofix(qgraph: Any, backend: Optional[str] = None, soc: Optional[str] = None,
            release: Optional[str] = None, *, db: Optional[str] = None,
            plugins: bool = True) -> AutofixResult:
    """`opinfo-check --fix` from Python: applies every fix that needs no judgement (fixed
    qparams, shared specs, derived biases, symmetric weights, a variant the SoC offers in place
    of a gated one, ...) and returns the corrected qgraph, the changes, and the diagnostics of
    what is left. Never raises for violations; inspect .diagnostics."""
    o = _api()
    lib = o._get()
    o._check_name("backend", backend, required=False)
    o._check_name("soc", soc, required=False)
    o._check_name("release", release, required=False)
    dbh = o._db(db)
    g = o._qgraph(qgraph)
    report = lib.opinfo_report_new()
    fixed, changes = ctypes.c_void_p(), ctypes.c_void_p()
    try:
        if not report:
            raise MemoryError("opinfo: out of memory")
        opt = _lib.CheckOptions(ctypes.sizeof(_lib.CheckOptions), o._s(backend), o._s(soc),
                                o._s(release), _CHECK_WARN | (0 if plugins else _CHECK_NO_PLUGINS),
                                0, o._plugins() if plugins else None)
        n = ctypes.c_size_t()
        e = _lib.Error()
        name = os.fsencode(qgraph) if isinstance(qgraph, (str, os.PathLike)) else b"<fixed>"
        if lib.opinfo_autofix(dbh, g, ctypes.byref(opt), name, ctypes.byref(fixed),
                              ctypes.byref(changes), ctypes.byref(n), report, ctypes.byref(e)):
            o._raise(e)
        text, fixed = o._take(fixed), None
        log, changes = (o._take(changes) if changes else ""), None
        qg = json.loads(text)
        lines = [ln for ln in log.splitlines() if ln]
        diags = _diagnostics(report)
    finally:
        if fixed:
            o._state["libc"].free(fixed)
        if changes:
            o._state["libc"].free(changes)
        lib.opinfo_report_free(report)
        lib.opinfo_qgraph_free(g)
    return AutofixResult(qg, lines, diags)
