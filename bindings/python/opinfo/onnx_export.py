"""The qgraph (docs/qgraph.md) of an ONNX model, as libopinfo's ONNX reader makes it.

    python3 -m opinfo.onnx_export model.onnx -o model.qgraph.json [--backend B --soc S]
    qgraph = opinfo.onnx_export.export("model.onnx")      # or an onnx.ModelProto, or bytes

The reading is done by the C library (onnx/ in the source tree; no onnx package needed), the same
reader `opinfo-check model.onnx` and `opinfo.check(path)` use, so the three agree by
construction. The rules (QDQ pairs, initializers, external data, shape computations, MatMul with
a constant weight, unnamed nodes) are in docs/qgraph.md, "ONNX models".
"""
import ctypes
import json
import os
import sys


def _bytes_and_dir(path_or_model):
    if isinstance(path_or_model, (str, os.PathLike)):
        path = os.fspath(path_or_model)
        with open(path, "rb") as f:
            return f.read(), os.path.dirname(os.path.abspath(path)), path
    if hasattr(path_or_model, "SerializeToString"):  # onnx.ModelProto
        return path_or_model.SerializeToString(), None, "<model>"
    if isinstance(path_or_model, (bytes, bytearray)):
        return bytes(path_or_model), None, "<model>"
    raise TypeError("opinfo: a model is a path, an onnx.ModelProto or bytes, not %s"
                    % type(path_or_model).__name__)


def export(path_or_model: "str | os.PathLike[str] | bytes | onnx.ModelProto",
           target: "dict[str, str] | None" = None) -> "dict[str, object]":
    """A qgraph dict from an ONNX model (a path, an onnx.ModelProto or its bytes). External data
    is read beside a model given by path; a model given in memory cannot have any."""
    import opinfo
    from opinfo import _lib
    lib = opinfo._get()
    data, d, name = _bytes_and_dir(path_or_model)
    out = ctypes.c_void_p()
    e = _lib.Error()
    if lib.opinfo_onnx_qgraph(name.encode("utf-8", "surrogateescape"), data, len(data),
                              None if d is None else os.fsencode(d), 0, ctypes.byref(out),
                              ctypes.byref(e)):
        opinfo._raise(e)
    try:
        q = json.loads(ctypes.string_at(out.value).decode("utf-8"))
    finally:
        opinfo._state["libc"].free(out)
    if target:
        q["target"] = dict(target)
    return q


def main(argv: "list[str] | None" = None) -> int:
    """python3 -m opinfo.onnx_export MODEL [-o OUT] [--backend B] [--soc S]: writes the model's
    qgraph (to standard output by default); returns the exit status."""
    import argparse
    import opinfo
    ap = argparse.ArgumentParser(prog="python3 -m opinfo.onnx_export",
                                 description="Writes the qgraph of an ONNX model.")
    ap.add_argument("model")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--backend")
    ap.add_argument("--soc")
    a = ap.parse_args(argv)
    try:
        target = {k: v for k, v in (("backend", a.backend), ("soc", a.soc)) if v}
        q = export(a.model, target or None)
    except (OSError, opinfo.OpinfoError) as e:
        print("opinfo.onnx_export: %s: %s" % (a.model, e), file=sys.stderr)
        return 2
    text = json.dumps(q, indent=1) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        tmp = a.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
