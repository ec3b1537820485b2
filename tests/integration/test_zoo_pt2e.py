"""The acceptance zoo, PT2E half (issue 13): the eight models of test_zoo_ort.py (same builders,
same random weights), captured by torch.export.export_for_training, annotated by the quantizer
written below in ExecuTorch's QnnQuantizer conventions, prepared by prepare_pt2e, calibrated on 2
random inputs, exported by opinfo.fx.export and checked by opinfo.check for qnn-htp on SM8350
(v68), SM8550 (v73) and SM8650 (v75). The diagnostics are counted per (model, config, soc,
severity, rule) and compared with zoo_pt2e.expected; the same file gives, per class of diagnostic
(rule, aten op, variant), the fact it rests on ("# fact" lines naming a facts file and its
section): a class without a fact fails, and so does a fact line no diagnostic uses. To regenerate
the expected file after a reviewed change: OPINFO_ZOO_WRITE=path (the counts, the fact lines it
has, and NONE for a new class, which fails until a fact is written in).

The quantizer (ZooQnnQuantizer) is written from the facts, not from ExecuTorch's code:

Configs (QuantDtype; qnn-htp.md §6, qnn-htp-ops.md §1.1-1.3, §1.8): conv2d and linear take the
per-channel config (is_conv_per_channel, is_linear_per_channel), every other op the per-tensor
config of the same QuantDtype (_get_quant_config order, qnn-htp.md §6):
- activations: 8-bit torch.uint8 [0, 255]; 16-bit torch.int32 [0, 65535] ("torch does not support
  uint16 quantization, use int32 to bypass"), per_tensor_affine, MovingAverageMinMaxObserver with
  eps 1e-4/255 resp. 1e-4/65535 (qnn-htp.md §6, §2 dtype table);
- 8a8w: weights int8 [-127, 127] per_channel_symmetric axis 0 (qnn-htp.md §6 per-channel configs);
- 16a8w: activations 16-bit, weights int8 [-127, 127] per_channel_symmetric;
- 16a16w: weights int16 [-32767, 32767] per_channel_symmetric ([iinfo.min+1, iinfo.max], §6);
- 16a4w-block: 4-bit weights int8 [-7, 7] per_channel_symmetric (int4 -> int8 [-7, 7], §6), and
  LPBQ on every linear weight: the same spec whose observer is constructed with a block_size
  keyword (1, 32) (set_block_size_map, qnn-htp.md §7 items 1-2; the validator and the gate look for
  that keyword, §3, §4);
- bias of conv/linear: int32 full range, per_channel_symmetric axis 0, derived as input scale x
  weight scale, zero point 0; for LPBQ max over the blocks / 16 (_derived_bias_quant_spec,
  qnn-htp.md §6, §7 item 5, qnn-htp-ops.md §1.4).
Per-op annotation (qnn-htp-ops.md §1.8 and §3; qnn-htp.md §8, §9, §11):
- generic ops (conv input/output, relu, hardtanh, hardswish, silu, gelu, mean, avg/max pooling,
  softmax, rsqrt, neg, slice/select = StridedSlice): input and output get the activation spec,
  independent (GeneralOpDef annotate_single_in_single_out; max_pool2d and StridedSlice are not
  shared in ExecuTorch, qnn-htp-ops.md §3.6, §3.7); pow: only args[0] and the output (§3.5);
- binary ops (add, mul, sub, div): Python scalar operands are first lifted to constant tensors
  (LiftConstantScalarOperands), then every float operand and the output get the activation spec
  (annotate_binary, qnn-htp-ops.md §3.5 header; qnn-htp.md §11);
- fixed qparams: sigmoid and hardsigmoid output scale 1/(qmax-qmin+1), zero point 0,
  per_tensor_affine, FixedQParamsObserver; tanh only at 16 bits, 1/32768 and 32768; softmax has
  none (qnn-htp.md §8, qnn-htp-ops.md §1.8);
- shared (SharedQuantizationSpec): view/reshape/flatten/squeeze/unsqueeze/unflatten, permute/
  transpose, expand: the output shares the producer's output when the producer is annotated, else
  the input gets the activation spec and the output Shared((input, node)); chunk/split: the input
  the activation spec, every getitem output Shared((input, split)); cat: inputs whose producer
  output is shared keep Shared(input), others the activation spec, output the activation spec
  (ExecuTorch's ConcatObserver) (qnn-htp.md §9, qnn-htp-ops.md §1.8, §3.6);
- matmul: in0 the activation spec, in1 (a Node) the 16a16w weight spec (int16 [-32767, 32767]
  per_tensor_symmetric) whenever activations are 16-bit, else the activation spec (qnn-htp.md §10,
  qnn-htp-ops.md §3.1 MatMul);
- layer_norm: weight the 16a16w weight spec at 16 bits, else the activation spec; bias the
  per-tensor config's int32 per_tensor_symmetric MinMax bias (qnn-htp.md §11, qnn-htp-ops.md
  §3.2);
- embedding (not per-channel): weight the activation spec, output Shared((weight, node))
  (qnn-htp-ops.md §3.8).
Ops without a rule stay unannotated, as ExecuTorch leaves them (qnn-htp-ops.md §1.1 (d)).
ExecuTorch decomposes scaled_dot_product_attention before annotating (its rule has no QNN op,
qnn-htp-ops.md §3.10 end; the sdpa tests run as MatMul, §3.1 MatMul row): the ViT is captured
with attention written as matmul, softmax and matmul."""
import collections
import contextlib
import copy
import difflib
import math
import os
import sys
import time
import unittest
import warnings

import torch
from torch.ao.quantization.observer import (FixedQParamsObserver, MinMaxObserver,
                                            MovingAverageMinMaxObserver, PerChannelMinMaxObserver)
from torch.ao.quantization.quantize_pt2e import prepare_pt2e
from torch.ao.quantization.quantizer import (DerivedQuantizationSpec, QuantizationAnnotation,
                                             QuantizationSpec, Quantizer, SharedQuantizationSpec)

import opinfo
import opinfo.fx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_zoo_ort  # noqa: E402  (the model builders: one zoo for both halves)

SOCS = ("SM8350", "SM8550", "SM8650")  # v68, v73, v75 (qnn-htp.md §5)
CONFIGS = ("8a8w", "16a8w", "16a16w", "16a4w-block")
BLOCK = 32  # LPBQ block along a linear weight's input channels: block_size (1, 32), qnn-htp.md §7
EXPECTED = os.path.join(HERE, "zoo_pt2e.expected")
aten = torch.ops.aten


class BlockObserver(PerChannelMinMaxObserver):
    """A per-channel weight observer constructed with a block_size keyword, which is how ExecuTorch
    marks LPBQ (qnn-htp.md §7 item 2). It keeps per-output-channel statistics: the channel's float
    scale is what LPBQ's scaleOffsets hold (max block scale / 16, §7 item 4)."""

    def __init__(self, block_size=None, **kwargs):
        super().__init__(**kwargs)
        self.block_size = tuple(block_size or ())


def act_spec(bits):
    if bits == 8:
        return QuantizationSpec(dtype=torch.uint8, quant_min=0, quant_max=255,
                                qscheme=torch.per_tensor_affine,
                                observer_or_fake_quant_ctr=MovingAverageMinMaxObserver.with_args(
                                    eps=1e-4 / 255))
    return QuantizationSpec(dtype=torch.int32, quant_min=0, quant_max=65535,
                            qscheme=torch.per_tensor_affine,
                            observer_or_fake_quant_ctr=MovingAverageMinMaxObserver.with_args(
                                eps=1e-4 / 65535))


def int16_weight_spec():
    """get_16a16w_qnn_ptq_config().weight: int16 [-32767, 32767] per_tensor_symmetric."""
    return QuantizationSpec(dtype=torch.int16, quant_min=-32767, quant_max=32767,
                            qscheme=torch.per_tensor_symmetric,
                            observer_or_fake_quant_ctr=MinMaxObserver.with_args(
                                dtype=torch.int16, qscheme=torch.per_tensor_symmetric))


def pc_weight_spec(bits, block=None):
    dtype, lo, hi = {8: (torch.int8, -127, 127), 16: (torch.int16, -32767, 32767),
                     4: (torch.int8, -7, 7)}[bits]
    if block is not None:
        ctr = BlockObserver.with_args(block_size=block, ch_axis=0, dtype=dtype,
                                      qscheme=torch.per_channel_symmetric, quant_min=lo,
                                      quant_max=hi)
    else:
        ctr = PerChannelMinMaxObserver.with_args(ch_axis=0, dtype=dtype,
                                                 qscheme=torch.per_channel_symmetric,
                                                 quant_min=lo, quant_max=hi)
    return QuantizationSpec(dtype=dtype, quant_min=lo, quant_max=hi,
                            qscheme=torch.per_channel_symmetric, ch_axis=0,
                            observer_or_fake_quant_ctr=ctr)


def derived_bias(x, w, node, blocks=False):
    def derive(obs):
        a = obs[0].calculate_qparams()[0]
        ws = obs[1].calculate_qparams()[0]
        s = (a * ws).to(torch.float32)
        if blocks:
            s = s / 16.0  # per-block configs: max over blocks / num_steps (qnn-htp.md §7 item 5)
        return s, torch.zeros_like(s, dtype=torch.int32)
    return DerivedQuantizationSpec(derived_from=[(x, node), (w, node)], derive_qparams_fn=derive,
                                   dtype=torch.int32, quant_min=-2 ** 31, quant_max=2 ** 31 - 1,
                                   qscheme=torch.per_channel_symmetric, ch_axis=0)


def tensor_bias():
    """The per-tensor configs' bias: int32 full range, per_tensor_symmetric, its own MinMax."""
    return QuantizationSpec(dtype=torch.int32, quant_min=-2 ** 31, quant_max=2 ** 31 - 1,
                            qscheme=torch.per_tensor_symmetric,
                            observer_or_fake_quant_ctr=MinMaxObserver.with_args(
                                dtype=torch.int32, qscheme=torch.per_tensor_symmetric))


def fixed_spec(bits, scale, zero_point):
    dtype, lo, hi = (torch.uint8, 0, 255) if bits == 8 else (torch.int32, 0, 65535)
    return QuantizationSpec(dtype=dtype, quant_min=lo, quant_max=hi,
                            qscheme=torch.per_tensor_affine,
                            observer_or_fake_quant_ctr=FixedQParamsObserver.with_args(
                                scale=scale, zero_point=zero_point, dtype=dtype,
                                qscheme=torch.per_tensor_affine, quant_min=lo, quant_max=hi))


GENERIC = {aten.conv2d.default, aten.relu.default, aten.relu_.default, aten.hardtanh.default,
           aten.hardtanh_.default, aten.hardswish.default, aten.hardswish_.default,
           aten.silu.default, aten.silu_.default, aten.gelu.default, aten.mean.dim,
           aten.adaptive_avg_pool2d.default, aten.max_pool2d.default, aten.softmax.int,
           aten.rsqrt.default, aten.neg.default, aten.slice.Tensor, aten.select.int}
BINARY = {aten.add.Tensor, aten.add_.Tensor, aten.mul.Tensor, aten.mul_.Tensor, aten.sub.Tensor,
          aten.div.Tensor}
SHARED = {aten.view.default, aten.reshape.default, aten.flatten.using_ints,
          aten.squeeze.dim, aten.squeeze.default, aten.unsqueeze.default, aten.unflatten.int,
          aten.permute.default, aten.transpose.int, aten.expand.default}
SPLIT = {aten.chunk.default, aten.split.Tensor, aten.split_with_sizes.default}
FIXED = {aten.sigmoid.default, aten.hardsigmoid.default, aten.hardsigmoid_.default}


class ZooQnnQuantizer(Quantizer):
    """QnnQuantizer's conventions for one QuantDtype (see the module docstring for the facts)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.bits = 8 if config == "8a8w" else 16
        self.wbits = {"8a8w": 8, "16a8w": 8, "16a16w": 16, "16a4w-block": 4}[config]
        self.unannotated = collections.Counter()
        self.lifted = []

    def act(self):
        return act_spec(self.bits)

    def transform_for_annotation(self, model):
        """Scalar operands of binary ops lifted to constant tensors, which the binary annotation
        then quantizes like any operand (LiftConstantScalarOperands, qnn-htp-ops.md §3.5)."""
        g = model.graph
        for n in list(g.nodes):
            if n.op != "call_function" or n.target not in BINARY:
                continue
            args = list(n.args)
            for i, a in enumerate(args[:2]):
                if isinstance(a, (int, float)) and not isinstance(a, bool):
                    name = "_lifted_scalar_%d" % len(self.lifted)
                    value = torch.tensor(float(a))
                    model.register_buffer(name, value)
                    self.lifted.append(name)
                    with g.inserting_before(n):
                        c = g.get_attr(name)
                    c.meta["val"] = value
                    args[i] = c
            n.args = tuple(args)
        model.recompile()
        return model

    def annotate(self, model):
        done = set()
        for n in model.graph.nodes:
            if n.op == "call_function" and n not in done:
                self._annotate(n, done)
        return model

    def _set(self, n, inputs, output):
        n.meta["quantization_annotation"] = QuantizationAnnotation(
            input_qspec_map=inputs, output_qspec=output, _annotated=True)

    @staticmethod
    def _float_node(a):
        v = getattr(a, "meta", {}).get("val") if isinstance(a, torch.fx.Node) else None
        return isinstance(v, torch.Tensor) and v.is_floating_point()

    @staticmethod
    def _annotated(a):
        return isinstance(a, torch.fx.Node) and "quantization_annotation" in a.meta and \
            a.meta["quantization_annotation"].output_qspec is not None

    def _annotate(self, n, done):
        t = n.target
        if t in (aten.conv2d.default, aten.linear.default) and len(n.args) >= 2:
            x, w = n.args[0], n.args[1]
            block = (1, BLOCK) if (self.config == "16a4w-block" and t == aten.linear.default)\
                else None
            ins = {x: self.act(), w: pc_weight_spec(self.wbits, block)}
            if len(n.args) > 2 and isinstance(n.args[2], torch.fx.Node):
                ins[n.args[2]] = derived_bias(x, w, n, blocks=block is not None)
            self._set(n, ins, self.act())
        elif t in GENERIC:
            self._set(n, {n.args[0]: self.act()} if self._float_node(n.args[0]) else {},
                      self.act())
        elif t == aten.pow.Tensor_Scalar or t == aten.pow.Tensor_Tensor:
            self._set(n, {n.args[0]: self.act()}, self.act())
        elif t in BINARY:
            self._set(n, {a: self.act() for a in n.args[:2] if self._float_node(a)}, self.act())
        elif t in FIXED:
            qmin, qmax = (0, 255) if self.bits == 8 else (0, 65535)
            self._set(n, {n.args[0]: self.act()},
                      fixed_spec(self.bits, 1.0 / (qmax - qmin + 1), 0))
        elif t == aten.tanh.default:
            out = fixed_spec(16, 1.0 / 32768, 32768) if self.bits == 16 else self.act()
            self._set(n, {n.args[0]: self.act()}, out)
        elif t in SHARED:
            x = n.args[0]
            if self._annotated(x):
                self._set(n, {}, SharedQuantizationSpec(x))
            else:
                self._set(n, {x: self.act()}, SharedQuantizationSpec((x, n)))
        elif t in SPLIT:
            x = n.args[0]
            self._set(n, {x: self.act()}, None)
            for u in n.users:
                if u.target.__name__ == "getitem":
                    self._set(u, {}, SharedQuantizationSpec((x, n)))
                    done.add(u)
        elif t == aten.cat.default:
            ins = {}
            for a in n.args[0]:
                ann = a.meta.get("quantization_annotation")
                shared = ann is not None and isinstance(ann.output_qspec, SharedQuantizationSpec)
                ins[a] = SharedQuantizationSpec(a) if shared else self.act()
            self._set(n, ins, self.act())
        elif t == aten.matmul.default:
            x, y = n.args[0], n.args[1]
            in1 = int16_weight_spec() if self.bits == 16 else self.act()
            self._set(n, {x: self.act(), y: in1}, self.act())
        elif t == aten.layer_norm.default:
            ins = {n.args[0]: self.act()}
            if len(n.args) > 2 and isinstance(n.args[2], torch.fx.Node):
                ins[n.args[2]] = int16_weight_spec() if self.bits == 16 else self.act()
            if len(n.args) > 3 and isinstance(n.args[3], torch.fx.Node):
                ins[n.args[3]] = tensor_bias()
            self._set(n, ins, self.act())
        elif t == aten.embedding.default:
            w = n.args[0]
            self._set(n, {w: self.act()}, SharedQuantizationSpec((w, n)))
        else:
            self.unannotated[str(t)] += 1

    def validate(self, model):
        pass


def attention_as_matmul(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                        **_):
    """scaled_dot_product_attention written as ExecuTorch decomposes it before annotation:
    matmul, division by sqrt(d), softmax, matmul (no mask, no dropout: the ViT passes none)."""
    assert attn_mask is None and not is_causal
    a = torch.matmul(q, k.transpose(-2, -1))
    a = a / math.sqrt(q.size(-1)) if scale is None else a * scale
    return torch.matmul(torch.softmax(a, dim=-1), v)


@contextlib.contextmanager
def decomposed_attention():
    f = torch.nn.functional
    saved = f.scaled_dot_product_attention
    f.scaled_dot_product_attention = attention_as_matmul
    try:
        yield
    finally:
        f.scaled_dot_product_attention = saved


def captured(model, example):
    with decomposed_attention(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.export.export_for_training(model, (example,)).module()


def prepared(graph, config, calib):
    quantizer = ZooQnnQuantizer(config)
    p = prepare_pt2e(copy.deepcopy(graph), quantizer)
    with torch.no_grad():
        for x in calib:
            p(torch.from_numpy(x))
    return p, quantizer


HEADER = """# Counts of the PT2E half of the zoo (test_zoo_pt2e.py), reviewed against the facts.
# One "# fact" line per class of diagnostic: rule, aten op, variant (the one the node needs, or the
# closest one), and the fact it rests on (the shared facts files and their sections;
# docs/real-models.md quotes them). A class without one fails the test, and so does a fact line
# no diagnostic uses.
"""


def read_expected():
    """(the count rows as text, {(rule, op, variant): fact}) of zoo_pt2e.expected"""
    rows, facts = [], {}
    with open(EXPECTED) as f:
        for line in f:
            if line.startswith("# fact\t"):
                _, rule, op, variant, fact = line.rstrip("\n").split("\t", 4)
                facts[(rule, op, variant)] = fact
            elif not line.startswith("#"):
                rows.append(line)
    return "".join(rows), facts


class ZooPt2e(unittest.TestCase):
    def test_counts_and_facts_match_the_reviewed_expected_file(self):
        start = time.time()
        rows, classes, examples, unannotated = [], collections.Counter(), {}, set()
        for name, model, example, calib in test_zoo_ort.zoo():
            graph = captured(model, example)
            for cfg in CONFIGS:
                p, quantizer = prepared(graph, cfg, calib)
                unannotated |= set(quantizer.unannotated)
                q = opinfo.fx.export(p)
                ops = {n["name"]: n["op"] for n in q["nodes"]}
                for soc in SOCS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        diags = opinfo.check(q, backend="qnn-htp", soc=soc, strict=False)
                    c = collections.Counter((d.severity, d.rule) for d in diags)
                    for d in diags:
                        key = (d.rule, ops.get(d.node, d.op or "-"), d.variant or "-")
                        classes[key] += 1
                        examples.setdefault(key, "%s %s %s %s: %s" % (name, cfg, soc, d.node,
                                                                       d.message))
                    rows += ["%s\t%s\t%s\t%s\t%s\t%d" % (name, cfg, soc, sev, rule, n)
                             for (sev, rule), n in sorted(c.items())]
                    if not c:
                        rows.append("%s\t%s\t%s\t-\t-\t0" % (name, cfg, soc))
        got = "model\tconfig\tsoc\tseverity\trule\tcount\n" + "".join(r + "\n" for r in rows)
        print("zoo_pt2e: %.1f s" % (time.time() - start))
        print("zoo_pt2e: ops without an annotation rule: %s" % ", ".join(sorted(unannotated)))
        want, facts = read_expected()
        if os.environ.get("OPINFO_ZOO_WRITE"):
            with open(os.environ["OPINFO_ZOO_WRITE"], "w") as f:
                f.write(HEADER)
                for k in sorted(classes):
                    f.write("# fact\t%s\t%s\n" % ("\t".join(k), facts.get(k, "NONE")))
                f.write(got)
            with open(os.environ["OPINFO_ZOO_WRITE"] + ".examples", "w") as f:
                for k, v in sorted(examples.items()):
                    f.write("%s\t%s\t%s\t%d\t%s\n" % (k + (classes[k], v)))
        unfounded = sorted("%s %s %s (e.g. %s)" % (k + (examples[k],)) for k in classes
                           if "section" not in facts.get(k, ""))
        unused = sorted(k for k in facts if k not in classes)
        if unfounded or unused:
            self.fail("diagnostic classes (rule, op, variant) without a fact in zoo_pt2e.expected: "
                      "%s; fact lines no diagnostic uses: %s" % (unfounded, unused))
        if got != want:
            self.fail("diagnostic counts differ from zoo_pt2e.expected:\n" + "".join(
                difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                     "zoo_pt2e.expected", "this run")))


class Patterns(torch.nn.Module):
    """The zoo's export patterns in a few nodes: channel shuffle (chunk, getitem, cat, view,
    transpose, contiguous, view), dropout, an embedding read with int64 ids, a fixed-qparams
    hardsigmoid after an add of a Python scalar, and a matmul of two activations."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(16, 8)
        self.drop = torch.nn.Dropout(0.1)

    def forward(self, ids):
        x = torch.relu(self.emb(ids))                           # (1, 4, 8)
        x = x * torch.nn.functional.hardsigmoid(x + 0.5)
        a, b = torch.chunk(x, 2, dim=-1)
        y = torch.cat((b, a), dim=-1).view(1, 4, 2, 4).transpose(2, 3).contiguous().view(1, 4, 8)
        return torch.matmul(self.drop(y), x.transpose(1, 2))


class ExporterPatterns(unittest.TestCase):
    def test_patterns_export_as_the_backend_sees_them(self):
        torch.manual_seed(0)
        ids = torch.randint(0, 16, (1, 4))
        graph = captured(Patterns().eval(), ids)
        p = prepare_pt2e(copy.deepcopy(graph), ZooQnnQuantizer("16a8w"))
        with torch.no_grad():
            p(ids)
            p(torch.randint(0, 16, (1, 4)))
        q = opinfo.fx.export(p)
        t = {x["name"]: x for x in q["tensors"]}
        by_op = collections.defaultdict(list)
        for n in q["nodes"]:
            by_op[n["op"]].append(n)
        # no-ops left unannotated are not nodes; a tuple's parts are its node's outputs
        self.assertFalse([op for op in by_op if "getitem" in op or "contiguous" in op or
                          "dropout" in op])
        (chunk,) = by_op["aten.chunk.default"]
        self.assertEqual(len(chunk["outputs"]), 2)
        for o in chunk["outputs"]:
            self.assertEqual((t[o]["dtype"], t[o]["shared_with"]), ("uint16", chunk["inputs"][0]))
        # int64 ids stay int64 (Gather takes them)
        (emb,) = by_op["aten.embedding.default"]
        self.assertEqual(t[emb["inputs"][1]]["dtype"], "int64")
        # the view after contiguous reads the transpose again (a fresh observer): its output
        # shares that reading's values, not the transpose's
        view = by_op["aten.view.default"][1]
        read = view["inputs"][0]
        self.assertIsInstance(read, dict)
        out = t[view["outputs"][0]]
        self.assertEqual((out["scale"], out["zero_point"]),
                         (read["spec"]["scale"], read["spec"]["zero_point"]))
        # the scalar lifted to a quantized operand; hardsigmoid's 16-bit output fixed at 1/65536
        (add,) = by_op["aten.add.Tensor"]
        self.assertEqual([t[x]["dtype"] for x in add["inputs"]], ["uint16", "uint16"])
        (hs,) = by_op["aten.hardsigmoid.default"]
        self.assertEqual((t[hs["outputs"][0]]["scale"], t[hs["outputs"][0]]["zero_point"]),
                         (1.0 / 65536, 0))
        # MatMul in1 is read as int16 symmetric: values from its own observer
        (mm,) = by_op["aten.matmul.default"]
        in1 = mm["inputs"][1]["spec"]
        self.assertEqual((in1["dtype"], in1["zero_point"]), ("int16", 0))
        for soc, want in (("SM8650", []), ("SM8350", [("arch-gate", mm["name"])])):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                diags = opinfo.check(q, backend="qnn-htp", soc=soc, strict=False)
            self.assertEqual([(d.rule, d.node) for d in diags], want, soc)


if __name__ == "__main__":
    unittest.main()
