"""Writes the malformed ONNX models of this directory (run with Debian's python3 and onnx):
    cd tests/bad-inputs/onnx && /usr/bin/python3 make.py
Each is a few hundred bytes at most; the .expected files beside them were checked by hand."""
import numpy as np
from onnx import TensorProto, external_data_helper, helper, numpy_helper


def f32(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])


def model(nodes, inits=(), inputs=("x",), outputs=("y",)):
    g = helper.make_graph(nodes, "g", [f32(i) for i in inputs], [f32(o) for o in outputs],
                          list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def qdq(scale_tensor, zp=None):
    """x -> Q -> DQ -> Relu -> y, with the scale tensor given."""
    zp = zp if zp is not None else numpy_helper.from_array(np.array(128, np.uint8), "zp")
    return model([helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["xq"], name="q"),
                  helper.make_node("DequantizeLinear", ["xq", "scale", "zp"], ["xd"], name="dq"),
                  helper.make_node("Relu", ["xd"], ["y"], name="relu")],
                 [scale_tensor, zp])


def write(name, m):
    data = m if isinstance(m, bytes) else m.SerializeToString()
    with open(name + ".onnx", "wb") as f:
        f.write(data)


good = model([helper.make_node("Relu", ["x"], ["y"], name="relu")]).SerializeToString()
write("01-empty", b"")
write("02-two-bytes", good[:2])
write("03-eleven-bytes", good[:11])
# field 7 (graph) written as a varint instead of a message
write("04-wrong-field-type", b"\x08\x07\x38\x01")
# field 7 declaring 4 GiB that are not there
write("05-huge-declared-length", b"\x08\x07\x3a\xff\xff\xff\xff\x0f")
huge = TensorProto(name="scale", data_type=TensorProto.FLOAT)
huge.dims.extend([1 << 40, 1 << 40])
write("06-huge-tensor-dims", qdq(huge))
ext = TensorProto(name="scale", data_type=TensorProto.FLOAT)
ext.data_location = TensorProto.EXTERNAL
ext.raw_data = bytes(4)
external_data_helper.set_external_data(ext, "../escape.bin", 0, 4)
ext.ClearField("raw_data")
write("07-external-data-escapes", qdq(ext))
ext2 = TensorProto(name="scale", data_type=TensorProto.FLOAT)
ext2.data_location = TensorProto.EXTERNAL
ext2.raw_data = bytes(4)
external_data_helper.set_external_data(ext2, "/etc/hostname", 0, 4)
ext2.ClearField("raw_data")
write("08-external-data-absolute", qdq(ext2))
ext3 = TensorProto(name="scale", data_type=TensorProto.FLOAT)
ext3.data_location = TensorProto.EXTERNAL
ext3.raw_data = bytes(4)
external_data_helper.set_external_data(ext3, "no-such-file.bin", 0, 4)
ext3.ClearField("raw_data")
write("09-external-data-missing", qdq(ext3))
write("10-dangling-input", model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")]))
write("11-cycle", model([helper.make_node("Add", ["x", "b"], ["a"], name="add"),
                         helper.make_node("Relu", ["a"], ["b"], name="relu"),
                         helper.make_node("Relu", ["a"], ["y"], name="out")]))
write("12-unnamed-node", model([helper.make_node("Relu", ["x"], ["h"], name="first"),
                                helper.make_node("Relu", ["h"], ["y"])]))
write("13-duplicate-node-name", model([helper.make_node("Relu", ["x"], ["h"], name="r"),
                                       helper.make_node("Relu", ["h"], ["y"], name="r")]))
write("14-zero-scale", qdq(numpy_helper.from_array(np.array(0.0, np.float32), "scale")))
short = numpy_helper.from_array(np.array(0.5, np.float32), "scale")
short.raw_data = short.raw_data[:3]
write("15-raw-data-too-short", qdq(short))
write("16-two-producers", model([helper.make_node("Relu", ["x"], ["y"], name="a"),
                                 helper.make_node("Relu", ["x"], ["y"], name="b")]))
write("17-zero-point-count", qdq(numpy_helper.from_array(np.array(0.5, np.float32), "scale"),
                                 numpy_helper.from_array(np.array([1, 2], np.uint8), "zp")))
write("18-float8-quantization", qdq(numpy_helper.from_array(np.array(0.5, np.float32), "scale"),
                                    TensorProto(name="zp", data_type=17, raw_data=b"\0")))
