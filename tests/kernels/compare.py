#!/usr/bin/env python3
"""Compares opinfo-kernel with other implementations, bit for bit, on .npy files:

  * ONNX's conventions (QuantizeLinear, DequantizeLinear, QLinearMatMul, QLinearConv) against
    the ONNX backend test data of Debian's libonnx-testdata package, read from the installed
    .pb tensors;
  * FBGEMM's quantize/dequantize against PyTorch's own quantize_per_tensor/_per_channel (PyTorch
    on x86 quantizes through FBGEMM), when torch is importable.

usage: compare.py BUILD_DIR      ($RUN, when set, prefixes every opinfo-kernel run)
"""
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np

BUILD = sys.argv[1]
KERNEL = os.path.join(BUILD, "bin", "opinfo-kernel")
RUN = shlex.split(os.environ.get("RUN", ""))
ONNX_DATA = os.environ.get("ONNX_TESTDATA", "/usr/share/libonnx-testdata/data/node")
TMP = tempfile.mkdtemp(prefix="opinfo-kernels-")
passed = failed = 0


def kernel(backend, name, inputs, attrs, n_out=1):
    """Runs a kernel on numpy arrays; returns the outputs."""
    args = RUN + [KERNEL, "--backend", backend, name]
    for i, a in enumerate(inputs):
        p = os.path.join(TMP, "in%d.npy" % i)
        np.save(p, np.ascontiguousarray(a))
        args += ["--in", p]
    for k, v in attrs.items():
        vals = v if isinstance(v, (list, tuple, np.ndarray)) else [v]
        args += ["--attr", "%s=%s" % (k, ",".join(repr(float(x)) if not isinstance(x, str) else x
                                                   for x in vals))]
    outs = [os.path.join(TMP, "out%d.npy" % i) for i in range(n_out)]
    for p in outs:
        args += ["-o", p]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return [np.load(p) for p in outs]


def check(what, got, want):
    global passed, failed
    if got.dtype == want.dtype and got.shape == want.shape and np.array_equal(
            got.view(np.uint8) if got.dtype.kind == "f" else got,
            want.view(np.uint8) if want.dtype.kind == "f" else want):
        passed += 1
    else:
        failed += 1
        print("FAIL: %s\n  got  %s %s %s\n  want %s %s %s" % (what, got.dtype, got.shape,
              got.ravel()[:12], want.dtype, want.shape, want.ravel()[:12]), file=sys.stderr)


def onnx_case(name):
    import onnx
    from onnx import numpy_helper
    d = os.path.join(ONNX_DATA, name, "test_data_set_0")
    if not os.path.isdir(d):
        raise SystemExit("compare.py: %s is missing (apt-get install libonnx-testdata)" % d)

    def load(f):
        t = onnx.TensorProto()
        with open(os.path.join(d, f), "rb") as fh:
            t.ParseFromString(fh.read())
        return numpy_helper.to_array(t)
    ins = [load("input_%d.pb" % i) for i in range(8) if os.path.exists(os.path.join(d, "input_%d.pb" % i))]
    return ins, load("output_0.pb")


def onnx_tests():
    # QuantizeLinear = QNN's convention: nearbyint(x / scale) - offset, offset = -zero_point
    for case, axis in (("test_quantizelinear", None), ("test_quantizelinear_axis", 1)):
        (x, s, zp), y = onnx_case(case)
        attrs = {"scale": s.ravel(), "offset": (-zp.astype(np.int64)).ravel(), "dtype": "uint8"}
        if axis is not None:
            attrs["axis"] = axis
        check(case + " (qnn-htp quantize)", kernel("qnn-htp", "quantize", [x], attrs)[0], y)
    for case, axis in (("test_dequantizelinear", None), ("test_dequantizelinear_axis", 1)):
        (q, s, zp), y = onnx_case(case)
        attrs = {"scale": s.ravel(), "offset": (-zp.astype(np.int64)).ravel()}
        if axis is not None:
            attrs["axis"] = axis
        check(case + " (qnn-htp dequantize)", kernel("qnn-htp", "dequantize", [q], attrs)[0], y)
        attrs = {"scale": s.ravel(), "zero_point": zp.ravel()}
        if axis is not None:
            attrs["axis"] = axis
        check(case + " (fbgemm dequantize)", kernel("fbgemm", "dequantize", [q], attrs)[0], y)
    # QLinearMatMul on uint8 x uint8 = XNNPACK's qu8 fully-connected with a transposed weight
    for case in ("test_qlinearmatmul_2D", "test_qlinearmatmul_3D"):
        (a, a_s, a_zp, b, b_s, b_zp, y_s, y_zp), y = onnx_case(case)
        attrs = {"x_scale": a_s.ravel()[0], "x_zero_point": a_zp.ravel()[0],
                 "w_scale": b_s.ravel()[0], "w_zero_point": b_zp.ravel()[0],
                 "y_scale": y_s.ravel()[0], "y_zero_point": y_zp.ravel()[0]}
        if a.ndim == 2:
            got = kernel("xnnpack", "fully_connected", [a, b.T], attrs)[0]
        else:
            got = np.stack([kernel("xnnpack", "fully_connected", [a[i], b[i].T], attrs)[0]
                            for i in range(a.shape[0])])
        check(case + " (xnnpack fully_connected qu8)", got, y)
    # QLinearConv (NCHW, OIHW) = XNNPACK's qu8 conv2d in NHWC/OHWI
    (x, x_s, x_zp, w, w_s, w_zp, y_s, y_zp), y = onnx_case("test_qlinearconv")
    attrs = {"x_scale": x_s.ravel()[0], "x_zero_point": x_zp.ravel()[0],
             "w_scale": w_s.ravel()[0], "w_zero_point": w_zp.ravel()[0],
             "y_scale": y_s.ravel()[0], "y_zero_point": y_zp.ravel()[0]}
    got = kernel("xnnpack", "conv2d", [x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1)], attrs)[0]
    check("test_qlinearconv (xnnpack conv2d qu8)", got.transpose(0, 3, 1, 2), y)


def torch_tests():
    try:
        import torch
    except ImportError:
        print("compare.py: torch is not importable: the PyTorch comparisons are skipped",
              file=sys.stderr)
        return
    rng = np.random.default_rng(20261124)
    x = (rng.standard_normal(4096) * 3).astype(np.float32)
    # ties on purpose: multiples of half a step
    x[:512] = (rng.integers(-600, 600, 512) * 0.5 * 0.05).astype(np.float32)
    for scale, zp, dt, tdt in ((0.05, 0, "int8", torch.qint8), (0.05, 128, "uint8", torch.quint8),
                               (0.00214854861, 3, "uint8", torch.quint8),
                               (1.7e-3, -7, "int8", torch.qint8)):
        want = torch.quantize_per_tensor(torch.from_numpy(x), scale, zp, tdt).int_repr().numpy()
        got = kernel("fbgemm", "quantize", [x], {"scale": scale, "zero_point": zp, "dtype": dt})[0]
        check("fbgemm quantize = torch.quantize_per_tensor %s scale %g zp %d" % (dt, scale, zp),
              got, want)
        q = torch.quantize_per_tensor(torch.from_numpy(x), scale, zp, tdt)
        got = kernel("fbgemm", "dequantize", [want], {"scale": scale, "zero_point": zp})[0]
        check("fbgemm dequantize = torch dequantize %s" % dt, got, q.dequantize().numpy())
    xc = (rng.standard_normal((4, 8, 3)) * 2).astype(np.float32)
    scales = np.array([0.01, 0.02, 0.5, 0.003], dtype=np.float64)
    zps = np.array([0, 5, -3, 100])
    want = torch.quantize_per_channel(torch.from_numpy(xc), torch.from_numpy(scales),
                                      torch.from_numpy(zps), 0, torch.qint8).int_repr().numpy()
    got = kernel("fbgemm", "quantize", [xc], {"scale": scales, "zero_point": zps, "axis": 0,
                                             "dtype": "int8"})[0]
    check("fbgemm quantize = torch.quantize_per_channel axis 0", got, want)


onnx_tests()
torch_tests()
print("kernels compare: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
