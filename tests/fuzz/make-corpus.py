#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/) from the project's own
test inputs and data:

  qgraph       tests/cases/*/input.json, examples/**/*.json, tests/bad-inputs/qgraph/*.json
  constraints  db/data/*/*.json cut into documents of a few ops each (small seeds keep the
               fuzzer fast), tests/bad-inputs/constraints/*.json
  npy          small arrays of every dtype and .npy version (numpy), tests/bad-inputs/npy/*.npy
  descriptor   descriptors in the byte encoding of tests/fuzz/descriptor.c
  onnx         the QDQ models of tests/python/onnx_models.py and a shape computation (needs
               Debian's python3 with onnx: only this corpus is written when it is missing),
               tests/bad-inputs/onnx/*.onnx

and the dictionaries tests/fuzz/qgraph.dict and tests/fuzz/constraints.dict: every key and short
string value of those JSON inputs, and the words of the formats.

Run from the top of the tree: python3 tests/fuzz/make-corpus.py. It replaces the corpora."""
import glob
import io
import json
import os
import shutil
import struct

import numpy as np

OUT = "tests/fuzz/corpus"


def fresh(target):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def copy(paths, d, name):
    for p in sorted(paths):
        shutil.copyfile(p, os.path.join(d, name(p)))


def qgraph():
    d = fresh("qgraph")
    copy(glob.glob("tests/cases/*/input.json"), d, lambda p: "case-" + p.split("/")[2] + ".json")
    copy(glob.glob("examples/*.json") + glob.glob("examples/*/*.json"), d,
         lambda p: "example-" + p[len("examples/"):].replace("/", "-"))
    copy(glob.glob("tests/bad-inputs/qgraph/*.json"), d, lambda p: "bad-" + os.path.basename(p))


def constraints(max_bytes=12000):
    d = fresh("constraints")
    for path in sorted(glob.glob("db/data/*/*.json")):
        doc = json.load(open(path))
        backend = doc["backend"]
        release = doc["release"]["version"]
        ops, chunk, n = doc["ops"], [], 0

        def flush(chunk, n):
            part = dict(doc, ops=chunk)
            text = json.dumps(part, separators=(",", ":"))
            with open(os.path.join(d, "data-%s-%s-%02d.json" % (backend, release, n)), "w") as f:
                f.write(text)

        for op in ops:
            size = len(json.dumps(dict(doc, ops=chunk + [op]), separators=(",", ":")))
            if chunk and size > max_bytes:
                flush(chunk, n)
                chunk, n = [], n + 1
            chunk.append(op)
        if chunk:
            flush(chunk, n)
    copy(glob.glob("tests/bad-inputs/constraints/*.json"), d, lambda p: "bad-" + os.path.basename(p))


def npy():
    d = fresh("npy")
    arrays = {
        "int8": np.array([-128, -1, 0, 127], dtype=np.int8),
        "uint8": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "int16": np.array([[-32768, 32767]], dtype="<i2"),
        "uint16": np.array([0, 65535], dtype="<u2"),
        "int32": np.arange(24, dtype="<i4").reshape(2, 3, 4),
        "int64": np.array([-5, 7], dtype="<i8"),
        "float32": np.array([0.5, -1.25, 3.0], dtype="<f4"),
        "float64": np.array([0.5, 2.0], dtype="<f8"),
        "bool": np.array([True, False]),
        "scalar": np.array(7, dtype=np.int32),
        "empty": np.zeros((0, 3), dtype=np.uint8),
        "rank8": np.zeros((1,) * 8, dtype=np.int8),
    }
    for name, a in arrays.items():
        for version in ((1, 0), (2, 0), (3, 0)):
            if version != (1, 0) and name not in ("uint8", "float32"):
                continue
            buf = io.BytesIO()
            np.lib.format.write_array(buf, a, version=version, allow_pickle=False)
            with open(os.path.join(d, "%s-v%d.npy" % (name, version[0])), "wb") as f:
                f.write(buf.getvalue())
    copy(glob.glob("tests/bad-inputs/npy/*.npy"), d, lambda p: "bad-" + os.path.basename(p))


def s(text):
    b = text.encode()
    assert len(b) < 255
    return bytes([len(b)]) + b


NULL = b"\xff"


def strings(items):
    return bytes([len(items)]) + b"".join(s(i) for i in items)


def descriptor():
    d = fresh("descriptor")

    def kernels(names, sigs):
        out = bytes([len(names)])
        for n in names:
            out += s(n) + b"\x01"
        return out, b"".join(s(x) for x in sigs)

    def write(name, major, minor, flags, pname, version, backends, socs, configs, kern=b"",
              sigs=b"", tail=b""):
        body = bytes([0 if major == 1 else 0xF0 + major, minor, flags])
        body += (s(pname) if pname is not None else NULL) + (s(version) if version is not None else NULL)
        for lst in (backends, socs, configs):
            body += b"\x80" if lst is None else strings(lst)
        body += kern + sigs + tail
        with open(os.path.join(d, name), "wb") as f:
            f.write(body)

    k, sg = kernels(["requantize", "linear"], ["x:int8 -> y:int8; scale", "x, w -> y; scale"])
    write("qnn-htp", 1, 1, 1 | 2 | 8 | 16, "qnn-htp", "0.3.0", ["qnn-htp"], ["SM8650", "SM8550"],
          ["8a8w", "16a8w", "16a4w-block"], k, sg, s('{"opinfo_constraints":1}'))
    write("two-backends", 1, 1, 1, "acme", "1.0", ["acme-npu", "acme-dsp"], None, None, b"\x00")
    write("abi-1-0", 1, 0, 2, "old", "0.1", ["xnnpack"], None, ["qint8-symmetric"], b"\x00")
    write("abi-2-0", 2, 0, 0, "future", "9", ["fbgemm"], None, None, b"\x00")
    write("abi-1-2", 1, 2, 0, "newer", "1", ["fbgemm"], None, None, b"\x00")
    write("no-name", 1, 1, 0, None, "1", ["x"], None, None, b"\x00")
    write("empty-backend", 1, 1, 0, "p", "1", [""], None, None, b"\x00")
    write("slash-backend", 1, 1, 0, "p", "1", ["a/b"], None, None, b"\x00")
    write("kernels-no-table", 1, 1, 4, "p", "1", ["b"], None, None, struct.pack(">Q", 3))
    k, _ = kernels(["k"], [])
    write("missing-signature", 1, 1, 8, "p", "1", ["b"], None, None, k, NULL)
    write("constraints-no-data", 1, 1, 32, "p", "1", ["b"], None, None, b"\x00",
          tail=struct.pack(">Q", 10))


def json_words(obj, keys, values):
    if isinstance(obj, dict):
        for k, v in obj.items():
            keys.add(k)
            json_words(v, keys, values)
    elif isinstance(obj, list):
        for v in obj:
            json_words(v, keys, values)
    elif isinstance(obj, str) and len(obj) <= 40 and " " not in obj:
        values.add(obj)


def dictionary(target, paths):
    keys, values = set(), set()
    for p in paths:
        try:
            json_words(json.load(open(p)), keys, values)
        except ValueError:
            pass  # the malformed ones
    words = sorted('"%s"' % k for k in keys) + sorted('"%s"' % v for v in values - keys)
    words += ["{", "}", "[", "]", ":", ",", "true", "false", "null", "-0", "1e308", "-1e-320",
              "9223372036854775807", "-9223372036854775808", "18446744073709551616", "\\u0000",
              "\\ud800", '"qmin"', '"qmax"', '"bits"', '"1/(qmax-qmin+1)"']
    with open("tests/fuzz/%s.dict" % target, "w") as f:
        f.write("# libFuzzer dictionary of %s: written by tests/fuzz/make-corpus.py\n" % target)
        for w in words:
            f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))


def onnx_corpus():
    import sys
    try:
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        print("make-corpus.py: no onnx: the onnx corpus is left as it is")
        return
    sys.path.insert(0, "tests/python")
    import onnx_models as M
    d = fresh("onnx")
    copy(glob.glob("tests/bad-inputs/onnx/*.onnx"), d, lambda p: "bad-" + os.path.basename(p))
    models = {"conv-u8": M.conv_u8(), "matmul-16": M.matmul_16(), "mixed": M.mixed_precision(),
              "sigmoid-16": M.sigmoid_16(1 / 65536, 0)}
    mk = helper.make_node
    f32 = M.f32
    g = helper.make_graph(
        [mk("Shape", ["x"], ["s"], name="shape"),
         mk("Gather", ["s", "zero"], ["b"], name="gather", axis=0),
         mk("Concat", ["b", "minus1"], ["shp"], name="concat", axis=0),
         mk("Reshape", ["x", "shp"], ["r"], name="reshape"),
         mk("MatMul", ["r", "W"], ["y"], name="mm")], "g", [f32("x", [2, 3, 4])], [f32("y", None)],
        [numpy_helper.from_array(np.array([0], np.int64), "zero"),
         numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
         numpy_helper.from_array(np.ones((12, 2), np.float32), "W")])
    models["shape-matmul"] = helper.make_model(g)
    for name, m in models.items():
        with open(os.path.join(d, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["onnx"]:
        onnx_corpus()
        sys.exit(0)
    dictionary("qgraph", glob.glob("tests/cases/*/input.json") + glob.glob("examples/*.json") +
               glob.glob("examples/*/*.json"))
    dictionary("constraints", glob.glob("db/data/*/*.json") + glob.glob("tests/bad-inputs/constraints/*.json"))
    qgraph()
    constraints()
    npy()
    descriptor()
    onnx_corpus()
