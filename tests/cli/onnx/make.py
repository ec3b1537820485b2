"""Writes the small ONNX models of the CLI tests (run with Debian's python3 and onnx):
    cd tests/cli/onnx && /usr/bin/python3 make.py
matmul16.onnx: a 16x16-bit MatMul (v73+ on HTP); ext/model.onnx + ext/weights.bin: the 8-bit
Conv of tests/python/onnx_models.py with its initializers in a file beside it (external data)."""
import os
import sys

import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../python"))
import onnx_models as M  # noqa: E402

onnx.save(M.matmul_16(), "matmul16.onnx")
os.makedirs("ext", exist_ok=True)
onnx.save(M.conv_u8(), "ext/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
          location="weights.bin", size_threshold=0)
