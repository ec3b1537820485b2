"""qnn-htp 2.44.1 covers the op set of the shared facts' qnn-htp-ops.md: every QNN op of its §3 table,
every aten target and ONNX op type the table maps to one, and the common aten ops that 2.44 did not
know. Each name must resolve, through the library's look-up, to the op written beside it.

The lists are transcribed from qnn-htp-ops.md §3 (column "QNN op", aten targets of the ExecuTorch
column with the "aten." prefix and their overload, ONNX types of the ONNX Runtime column).
EXCEPTIONS lists the names of that table which deliberately do not resolve, with the reason.
"""
import os
import re
import subprocess
import unittest

import opinfo

RELEASE = "2.44.1"

# The 107 QNN op names of qnn-htp-ops.md §3 (rows with several names split). The QNN op
# ElementWiseNeuron is stored as HardSigmoid (docs/data-sources-qnn-htp.md, op naming).
QNN_OPS = """
Conv2d DepthWiseConv2d Conv3d TransposeConv2d TransposeConv3d FullyConnected MatMul HadamardTransform
Batchnorm InstanceNorm LayerNorm RmsNorm GroupNorm L2Norm Lrn
Sigmoid Tanh HardSigmoid HardSwish Gelu Elu Relu ReluMinMax Prelu Softmax LogSoftmax
ElementWiseAbs ElementWiseAsin ElementWiseAtan ElementWiseCeil ElementWiseCos ElementWiseExp ElementWiseFloor
ElementWiseLog ElementWiseNeg ElementWiseRound ElementWiseRsqrt ElementWiseSign ElementWiseSin
ElementWiseSquareRoot ElementWiseUnary ElementWiseNot
ElementWiseAdd ElementWiseSubtract ElementWiseMultiply ElementWiseDivide ElementWisePower
ElementWiseMaximum ElementWiseMinimum ElementWiseFloorDiv ElementWiseBinary
ElementWiseEqual ElementWiseNotEqual ElementWiseGreater ElementWiseGreaterEqual ElementWiseLess ElementWiseLessEqual
ElementWiseAnd ElementWiseOr ElementWiseXor ElementWiseSelect
Reshape Transpose DepthToSpace SpaceToDepth ChannelShuffle Tile Concat Split Pack UnPack StridedSlice Pad
ReduceMax ReduceMin ReduceMean ReduceSum ReduceProd Argmax Argmin PoolAvg2d PoolAvg3d PoolMax2d PoolMax3d
Resize ResizeBilinear ResizeNearestNeighbor GridSample CumulativeSum TopK
Gather GatherElements GatherNd ScatterElements ScatterNd
Cast Convert Quantize Dequantize
Lstm IsInf IsNan RandomUniformLike RandomNormalLike STFT ExpandDims RoiAlign
""".split()

# aten targets of the ExecuTorch column -> the op they resolve to.
ATEN = {
    "Conv2d": "conv1d.default conv2d.default conv2d.padding convolution.default",
    "Conv3d": "conv3d.default",
    "TransposeConv2d": "conv_transpose1d.default conv_transpose2d.input",
    "TransposeConv3d": "conv_transpose3d.input",
    "FullyConnected": "linear.default",
    "MatMul": "bmm.default matmul.default mm.default",
    "Batchnorm": "batch_norm.default _native_batch_norm_legit_no_training.default _native_batch_norm_legit.no_stats",
    "InstanceNorm": "instance_norm.default",
    "LayerNorm": "layer_norm.default native_layer_norm.default",
    "RmsNorm": "rms_norm.default",
    "GroupNorm": "group_norm.default native_group_norm.default",
    "Sigmoid": "sigmoid sigmoid.default",
    "Tanh": "tanh.default",
    "HardSigmoid": "hardsigmoid.default hardsigmoid_.default",
    "HardSwish": "hardswish.default hardswish_.default",
    "Gelu": "gelu.default",
    "Elu": "elu.default",
    "Relu": "relu.default relu_.default",
    "ReluMinMax": "clamp.default clamp_min.default clamp_max.default hardtanh.default hardtanh_.default",
    "Prelu": "prelu.default leaky_relu.default",
    "Softmax": "softmax.int _softmax.default _safe_softmax.default",
    "LogSoftmax": "log_softmax.int _log_softmax.default",
    "ElementWiseAbs": "abs.default",
    "ElementWiseAsin": "asin.default",
    "ElementWiseAtan": "atan.default",
    "ElementWiseCeil": "ceil.default",
    "ElementWiseCos": "cos.default",
    "ElementWiseExp": "exp.default",
    "ElementWiseFloor": "floor.default",
    "ElementWiseLog": "log.default",
    "ElementWiseNeg": "neg.default",
    "ElementWiseRound": "round.default",
    "ElementWiseRsqrt": "rsqrt.default",
    "ElementWiseSign": "sign.default",
    "ElementWiseSin": "sin.default",
    "ElementWiseSquareRoot": "sqrt.default",
    "ElementWiseUnary": "reciprocal.default",
    "ElementWiseNot": "logical_not.default",
    "ElementWiseAdd": "add add.Tensor add_.Tensor",
    "ElementWiseSubtract": "sub sub.Tensor rsub.Tensor",
    "ElementWiseMultiply": "mul mul.Tensor mul_.Tensor",
    "ElementWiseDivide": "div div.Tensor divide.Tensor",
    "ElementWisePower": "pow.Tensor_Tensor pow.Tensor_Scalar square.default",
    "ElementWiseMaximum": "max.other maximum.default",
    "ElementWiseMinimum": "min.other minimum.default",
    "ElementWiseFloorDiv": "floor_divide.default",
    "ElementWiseEqual": "eq.Tensor eq.Scalar",
    "ElementWiseNotEqual": "ne.Tensor",
    "ElementWiseGreater": "gt.Tensor",
    "ElementWiseGreaterEqual": "ge.Tensor",
    "ElementWiseLess": "lt.Tensor",
    "ElementWiseLessEqual": "le.Tensor",
    "ElementWiseAnd": "__and__.Tensor logical_and.default bitwise_and.Tensor",
    "ElementWiseOr": "bitwise_or.Tensor __or__.Tensor",
    "ElementWiseXor": "bitwise_xor.Tensor __xor__.Tensor",
    "ElementWiseSelect": "where.self where.ScalarSelf where.Scalar where.ScalarOther",
    "Reshape": "flatten.using_ints reshape.default squeeze.default squeeze.dim squeeze.dims squeeze_copy.dims "
               "unflatten.int _unsafe_view.default unsqueeze.default unsqueeze_copy.default view_copy.default view.default",
    "Transpose": "permute.default swapaxes.default transpose.int permute_copy.default",
    "DepthToSpace": "pixel_shuffle.default",
    "SpaceToDepth": "pixel_unshuffle.default",
    "ChannelShuffle": "channel_shuffle.default",
    "Tile": "expand.default repeat.default expand_copy.default",
    "Concat": "cat.default concat.default",
    "Split": "split_with_sizes.default split_with_sizes_copy.default split.Tensor chunk.default",
    "Pack": "stack.default",
    "UnPack": "unbind.int",
    "StridedSlice": "flip.default narrow.default select.int slice.Tensor slice_copy.Tensor select_copy.int",
    "Pad": "pad.default constant_pad_nd.default reflection_pad1d.default reflection_pad2d.default",
    "ReduceMax": "amax.default max.dim",
    "ReduceMin": "amin.default min.dim",
    "ReduceMean": "mean.default mean.dim",
    "ReduceSum": "sum.dim_IntList",
    "Argmax": "argmax.default",
    "Argmin": "argmin.default",
    "PoolAvg2d": "adaptive_avg_pool1d.default adaptive_avg_pool2d.default avg_pool1d.default avg_pool2d.default",
    "PoolAvg3d": "avg_pool3d.default adaptive_avg_pool3d.default",
    "PoolMax2d": "max_pool2d.default adaptive_max_pool2d.default",
    "Resize": "upsample_bicubic2d.vec",
    "ResizeBilinear": "upsample_bilinear2d.vec",
    "ResizeNearestNeighbor": "upsample_nearest2d.vec",
    "GridSample": "grid_sampler.default",
    "CumulativeSum": "cumsum.default",
    "TopK": "topk.default sort.default",
    "Gather": "index.Tensor index_select.default embedding.default",
    "GatherElements": "gather.default",
    "ScatterElements": "scatter.src scatter.value",
    "ScatterNd": "index_put.default index_put_.default index_copy.default",
    "Cast": "to.dtype _to_copy.default",
    "IsInf": "isinf.default",
    "IsNan": "isnan.default",
    "RandomUniformLike": "rand.default",
    "RandomNormalLike": "randn.default",
}

# Builder targets outside the aten namespace.
OTHER = {
    "HadamardTransform": "qnn_custom.hadamard_transform.default",
    "Cast": "dim_order_ops._to_dim_order_copy.default",
    "Quantize": "quantized_decomposed.quantize_per_tensor.default quantized_decomposed.quantize_per_channel.default",
    "Dequantize": "quantized_decomposed.dequantize_per_tensor.default quantized_decomposed.dequantize_per_channel.default",
}

# ONNX op types of the ONNX Runtime column (and its lowerings) -> the op they resolve to.
ONNX = {
    "Conv2d": "Conv", "TransposeConv2d": "ConvTranspose", "FullyConnected": "Gemm MatMul.const_weight",
    "MatMul": "MatMul Einsum FusedMatMul", "Batchnorm": "BatchNormalization",
    "InstanceNorm": "InstanceNormalization", "LayerNorm": "LayerNormalization",
    "RmsNorm": "RMSNormalization SimplifiedLayerNormalization", "GroupNorm": "GroupNormalization",
    "L2Norm": "LpNormalization", "Lrn": "LRN", "Sigmoid": "Sigmoid", "Tanh": "Tanh",
    "HardSigmoid": "HardSigmoid", "HardSwish": "HardSwish", "Gelu": "Gelu", "Elu": "Elu", "Relu": "Relu",
    "ReluMinMax": "Clip", "Prelu": "PRelu LeakyRelu", "Softmax": "Softmax", "LogSoftmax": "LogSoftmax",
    "ElementWiseAbs": "Abs", "ElementWiseAsin": "Asin", "ElementWiseAtan": "Atan", "ElementWiseCeil": "Ceil",
    "ElementWiseCos": "Cos", "ElementWiseExp": "Exp", "ElementWiseFloor": "Floor", "ElementWiseLog": "Log",
    "ElementWiseNeg": "Neg", "ElementWiseRound": "Round", "ElementWiseSign": "Sign", "ElementWiseSin": "Sin",
    "ElementWiseSquareRoot": "Sqrt", "ElementWiseUnary": "Reciprocal", "ElementWiseNot": "Not",
    "ElementWiseAdd": "Add Sum", "ElementWiseSubtract": "Sub Mod", "ElementWiseMultiply": "Mul",
    "ElementWiseDivide": "Div", "ElementWisePower": "Pow", "ElementWiseMaximum": "Max", "ElementWiseMinimum": "Min",
    "ElementWiseEqual": "Equal", "ElementWiseGreater": "Greater", "ElementWiseGreaterEqual": "GreaterOrEqual",
    "ElementWiseLess": "Less", "ElementWiseLessEqual": "LessOrEqual", "ElementWiseAnd": "And", "ElementWiseOr": "Or",
    "ElementWiseSelect": "Where", "Reshape": "Reshape Flatten Squeeze Unsqueeze", "Transpose": "Transpose",
    "DepthToSpace": "DepthToSpace", "SpaceToDepth": "SpaceToDepth", "Tile": "Tile Expand", "Concat": "Concat",
    "Split": "Split", "StridedSlice": "Slice", "Pad": "Pad", "ReduceMax": "ReduceMax", "ReduceMin": "ReduceMin",
    "ReduceMean": "ReduceMean", "ReduceSum": "ReduceSum", "ReduceProd": "ReduceProd", "Argmax": "ArgMax",
    "Argmin": "ArgMin", "PoolAvg2d": "AveragePool GlobalAveragePool", "PoolMax2d": "MaxPool GlobalMaxPool",
    "Resize": "Resize Upsample", "GridSample": "GridSample", "CumulativeSum": "CumSum", "TopK": "TopK",
    "Gather": "Gather", "GatherElements": "GatherElements", "GatherNd": "GatherND",
    "ScatterElements": "ScatterElements", "ScatterNd": "ScatterND", "Cast": "Cast",
    "Quantize": "QuantizeLinear", "Dequantize": "DequantizeLinear", "Lstm": "LSTM", "IsInf": "IsInf",
    "IsNan": "IsNaN", "RandomUniformLike": "RandomUniformLike", "STFT": "STFT", "RoiAlign": "RoiAlign",
    "Shape": "Shape",
}

# Names of the table that deliberately do not resolve, and why (docs/data-sources-qnn-htp.md).
EXCEPTIONS = {
    "aten.round.decimals": "'QNN does not support decimals' (ExecuTorch op_round.py)",
    "aten.max_pool3d.default": "ExecuTorch decomposes max_pool3d before lowering; ONNX Runtime refuses PoolMax3d",
    "aten.masked_fill.Tensor": "operands (self, mask, value) in another order than ElementWiseSelect's",
    "aten.slice_scatter.default": "operands (self, src) without an index tensor, unlike ScatterNd's",
    "aten.expand_as.default": "a second tensor operand that Tile's ports do not take",
    "aten.linalg_vector_norm.default": "decomposed by ExecuTorch (qnn_op None), not L2Norm",
    "Mean": "ONNX Runtime lowers it to an Add chain and a Divide: no one op",
    "QuickGelu": "ONNX Runtime lowers it to Sigmoid and Mul: no one op",
    "ReduceL2": "ONNX Runtime refuses a quantized input ('ReduceL2 operator does not support quantized input')",
}

# The 26 common aten ops of the report that opened this work: the 14 that 2.44 did not know
# and 12 it did.
COMMON = {
    "aten.silu.default": "Silu", "aten.rsqrt.default": "ElementWiseRsqrt", "aten.embedding.default": "Gather",
    "aten.constant_pad_nd.default": "Pad", "aten.exp.default": "ElementWiseExp", "aten.neg.default": "ElementWiseNeg",
    "aten.cos.default": "ElementWiseCos", "aten.where.self": "ElementWiseSelect",
    "aten.hardswish.default": "HardSwish", "aten.batch_norm.default": "Batchnorm",
    "aten.pow.Tensor_Scalar": "ElementWisePower", "aten.sqrt.default": "ElementWiseSquareRoot",
    "aten.abs.default": "ElementWiseAbs", "aten.index.Tensor": "Gather",
    "aten.conv2d.default": "Conv2d", "aten.linear.default": "FullyConnected", "aten.relu.default": "Relu",
    "aten.add.Tensor": "ElementWiseAdd", "aten.mul.Tensor": "ElementWiseMultiply", "aten.matmul.default": "MatMul",
    "aten.softmax.int": "Softmax", "aten.layer_norm.default": "LayerNorm", "aten.gelu.default": "Gelu",
    "aten.view.default": "Reshape", "aten.permute.default": "Transpose", "aten.cat.default": "Concat",
}


def resolves_to(name, release=RELEASE):
    """The op a name resolves to, through the library's own look-up (opinfo_db_explain)."""
    text = opinfo.explain(name, "qnn-htp", release=release)
    m = re.match(r"(\S+) \(qnn-htp ([^)]+)\)", text)
    assert m, text[:200]
    assert m.group(2) == release, text[:200]
    return m.group(1)


class Coverage(unittest.TestCase):
    def test_every_qnn_op_of_the_table_is_an_op(self):
        self.assertEqual(len(QNN_OPS), 107)
        self.assertEqual(len(set(QNN_OPS)), 107)
        for op in QNN_OPS:
            with self.subTest(op=op):
                self.assertEqual(resolves_to(op), op)

    def test_every_aten_target_resolves_to_its_op(self):
        n = 0
        for op, names in ATEN.items():
            for name in names.split():
                n += 1
                with self.subTest(name=name):
                    self.assertEqual(resolves_to("aten." + name), op)
        for op, names in OTHER.items():
            for name in names.split():
                n += 1
                with self.subTest(name=name):
                    self.assertEqual(resolves_to(name), op)
        self.assertGreater(n, 180)

    def test_every_onnx_type_resolves_to_its_op(self):
        n = 0
        for op, names in ONNX.items():
            for name in names.split():
                n += 1
                with self.subTest(name=name):
                    self.assertEqual(resolves_to(name), op)
        self.assertGreater(n, 100)

    def test_the_exceptions_do_not_resolve(self):
        for name, why in EXCEPTIONS.items():
            with self.subTest(name=name, why=why):
                with self.assertRaises(opinfo.OpinfoError):
                    resolves_to(name)

    def test_the_26_common_aten_ops_resolve(self):
        self.assertEqual(len(COMMON), 26)
        for name, op in COMMON.items():
            with self.subTest(name=name):
                self.assertEqual(resolves_to(name), op)

    def test_2_44_lacks_what_2_44_1_adds(self):
        # the new ops are new in 2.44.1: 2.44 stays as it was (releases are immutable)
        missing = [n for n in ("aten.silu.default", "aten.rsqrt.default", "aten.hardswish.default",
                               "MatMul.const_weight", "Shape", "Cast")
                   if self._resolves(n, "2.44")]
        self.assertEqual(missing, [])

    def test_the_diff_shows_the_revision(self):
        build = os.environ.get("OPINFO_TEST_BUILDDIR", "build")
        p = subprocess.run([os.path.join(build, "bin", "opinfo-db"), "diff", "--backend", "qnn-htp", "2.44", RELEASE],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)  # differences found
        lines = p.stdout.splitlines()
        for want in ("+ op Silu", "+ op ElementWiseRsqrt", "+ op Shape", "+ op Conv2d variant 8a8w-uint8-weight",
                     "~ op Sigmoid variant uint8 port output: fixed_scale: \"1/(qmax-qmin+1)\" -> (absent)",
                     "~ op HardSigmoid variant uint8 port output: fixed_scale: \"1/(qmax-qmin+1)\" -> (absent)"):
            self.assertIn(want, lines)
        self.assertTrue(any(l.startswith("~ op FullyConnected: aliases:") and "MatMul.const_weight" in l for l in lines))
        # 16-bit fixed encodings stay
        self.assertFalse(any(l.startswith("~ op Sigmoid variant uint16") for l in lines))

    @staticmethod
    def _resolves(name, release):
        try:
            resolves_to(name, release)
            return True
        except opinfo.OpinfoError:
            return False


def graph(tensors, nodes):
    return {"qgraph": 1, "tensors": tensors, "nodes": nodes}


def u8(name, scale=0.02, zp=128, **kw):
    t = {"name": name, "dtype": "uint8", "qscheme": "per_tensor_affine", "scale": scale, "zero_point": zp}
    t.update(kw)
    return t


class Checks(unittest.TestCase):
    """What ONNX Runtime's get_qnn_qdq_config writes checks clean on 2.44.1 (and not on 2.44)."""

    def check(self, g, release=RELEASE, soc="SM8650"):
        return opinfo.check(g, backend="qnn-htp", soc=soc, release=release, strict=False)

    def test_uint8_asymmetric_conv_weight(self):
        g = graph([u8("x"), u8("w", scale=0.01, zp=117, shape=[8, 4, 3, 3]),
                   {"name": "b", "dtype": "int32", "qscheme": "per_tensor_symmetric", "scale": 0.0002, "zero_point": 0},
                   u8("y")],
                  [{"name": "conv", "op": "Conv", "inputs": ["x", "w", "b"], "outputs": ["y"]}])
        self.assertEqual(self.check(g), [])
        self.assertEqual({d.rule for d in self.check(g, release="2.44")}, {"no-variant"})

    def test_matmul_with_a_constant_weight_is_fully_connected(self):
        g = graph([u8("x"), u8("w", scale=0.01, zp=120, shape=[16, 8]), u8("y")],
                  [{"name": "mm", "op": "MatMul.const_weight", "inputs": ["x", "w"], "outputs": ["y"]}])
        self.assertEqual(self.check(g), [])

    def test_8bit_sigmoid_output_is_not_fixed_16bit_is(self):
        g = graph([u8("x"), u8("y", scale=1 / 255, zp=0)],
                  [{"name": "sig", "op": "Sigmoid", "inputs": ["x"], "outputs": ["y"]}])
        self.assertEqual(self.check(g), [])
        self.assertEqual({d.rule for d in self.check(g, release="2.44")}, {"fixed-qparams"})
        g16 = graph([{"name": "x", "dtype": "uint16", "scale": 0.001, "zero_point": 30000},
                     {"name": "y", "dtype": "uint16", "scale": 1 / 65535, "zero_point": 0}],
                    [{"name": "sig", "op": "Sigmoid", "inputs": ["x"], "outputs": ["y"]}])
        self.assertEqual({d.rule for d in self.check(g16)}, {"fixed-qparams"})

    def test_shape_computation_with_int64_tensors(self):
        i64 = lambda n: {"name": n, "dtype": "int64"}
        g = graph([u8("x"), i64("s"), i64("i"), i64("d"), i64("c"), i64("shape"), u8("y")],
                  [{"name": "shape", "op": "Shape", "inputs": ["x"], "outputs": ["s"]},
                   {"name": "gather", "op": "Gather", "inputs": ["s", "i"], "outputs": ["d"]},
                   {"name": "concat", "op": "Concat", "inputs": ["d", "c"], "outputs": ["shape"]},
                   {"name": "reshape", "op": "Reshape", "inputs": ["x", "shape"], "outputs": ["y"]}])
        self.assertEqual(self.check(g), [])

    def test_gather_with_int64_indices_shares_the_data_encoding(self):
        g = graph([u8("t"), {"name": "i", "dtype": "int64"}, u8("y", scale=0.03)],
                  [{"name": "emb", "op": "aten.embedding.default", "inputs": ["t", "i"], "outputs": ["y"]}])
        self.assertEqual({d.rule for d in self.check(g)}, {"shared-spec"})

    def test_reduce_prod_is_known_but_refused(self):
        g = graph([u8("x"), u8("y")], [{"name": "rp", "op": "ReduceProd", "inputs": ["x"], "outputs": ["y"]}])
        self.assertEqual(len(self.check(g)), 1)


if __name__ == "__main__":
    unittest.main()
