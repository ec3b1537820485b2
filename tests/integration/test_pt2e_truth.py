"""Ground truth by conversion (PyTorch 2.6 PT2E): opinfo's verdict per node against what
convert_pt2e makes of it.

For each model below (torchvision models test_pt2e.py does not use, random weights, and a
transformer block with attention written out) under XNNPACKQuantizer's static per-channel, static
per-tensor and dynamic configs: export_for_training, prepare_pt2e, calibrate on random input,
export with opinfo.fx and check on xnnpack release 2.6; then convert_pt2e and read the converted
graph (docs/data-sources-pytorch.md section 9). convert_pt2e writes a quantized computation as
dequantize -> fp32 op -> quantize (its docstring: "represents quantized computation with quantize
dequantize ops and fp32 ops"), and its PortNodeMetaForQDQ pass records which of those q/dq nodes
belong to which op: the dequantize nodes of the inputs it quantizes for a node, and the quantize
node of its output, inherit that node's quantization_tag; the q/dq around a node the quantizer did
not annotate inherit nothing from it ("AvgPool was not supposed to be quantized"). Each node is
tagged with its own name before convert_pt2e. A node of the converted graph runs quantized when
  * every input is read from a dequantize tagged with it (a conv/linear bias attribute may stay
    float: XNNPACKQuantizer's bias spec is None), and
  * its output feeds only quantize nodes tagged with it, or its one user is a ReLU/hardtanh that
    does (XNNPACKQuantizer annotates conv/linear/add -> relu as one pattern, the output spec on
    the activation), or
  * dynamic quantization: a conv/linear whose activation is read from the run-time dequantize
    (dequantize_per_tensor.tensor) tagged with it; its output stays float.
Every other node runs in float. opinfo's verdict for a node is "quantized" unless it is float
(float_reason, runs-in-float) or not delegated (op-unsupported, no-variant, arity, arch-gate).
Positive = runs quantized. The confusion table is printed; every false positive and false
negative fails, unless listed in KNOWN_LIMITS with its reason (those are printed apart)."""
import copy
import operator
import os
import sys
import time
import unittest
import warnings

import torch
import torchvision
from torch.ao.quantization.quantize_pt2e import convert_pt2e, prepare_pt2e
from torch.ao.quantization.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                               get_symmetric_quantization_config)

import opinfo
import opinfo.fx

warnings.filterwarnings("ignore")


class Block(torch.nn.Module):
    """Pre-norm transformer block, attention written out: Linear, matmul, softmax, LayerNorm;
    q/k/v from a chunk (a tuple), shapes read from the input."""

    def __init__(self, d=64, heads=4):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.fc1 = torch.nn.Linear(d, 4 * d)
        self.fc2 = torch.nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        h = self.heads
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        a = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * 0.125, dim=-1)
        o = torch.matmul(a, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(o)
        return x + self.fc2(torch.relu(self.fc1(self.ln2(x))))


IMAGE = (1, 3, 32, 32)
MODELS = {
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, IMAGE),
    "shufflenet_v2_x0_5": (torchvision.models.shufflenet_v2_x0_5, IMAGE),
    "squeezenet1_0": (torchvision.models.squeezenet1_0, IMAGE),
    "googlenet": (lambda: torchvision.models.googlenet(aux_logits=False, init_weights=False),
                  IMAGE),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, IMAGE),
    "mnasnet0_5": (torchvision.models.mnasnet0_5, IMAGE),
    "transformer_block": (Block, (1, 8, 64)),
}

# name -> (config, calibrated). Which node runs quantized does not depend on the values; the
# per-tensor graphs are left uncalibrated (specs without values, the observers' default qparams
# at conversion): a HistogramObserver's qparams search, which both the export and convert_pt2e
# run, is most of a calibrated model's time
# efficientnet_b0's per-channel graph is left uncalibrated too: its HistogramObservers' search
# took 30 s on the loaded 2-core CI machine, a sixth of this test's time limit
UNCALIBRATED = {"efficientnet_b0"}

CONFIGS = {
    "per_channel": (dict(is_per_channel=True), True),
    "per_tensor": (dict(is_per_channel=False), False),
    "dynamic": (dict(is_per_channel=True, is_dynamic=True), True),
}

# (qgraph op) -> why opinfo and the converted graph disagree on such a node, when it is a limit
# rather than a bug. A mismatch on such a node is printed, not failed.
KNOWN_LIMITS = {}

NOT_DELEGATED = {"op-unsupported", "no-variant", "arity", "arch-gate"}

_qd = torch.ops.quantized_decomposed
QUANTIZE = {_qd.quantize_per_tensor.default, _qd.quantize_per_tensor.tensor,
            _qd.quantize_per_channel.default}
DEQUANTIZE = {_qd.dequantize_per_tensor.default, _qd.dequantize_per_tensor.tensor,
              _qd.dequantize_per_channel.default}
DYNAMIC_DQ = {_qd.dequantize_per_tensor.tensor}
FUSED_ACT = {torch.ops.aten.relu.default, torch.ops.aten.relu_.default,
             torch.ops.aten.hardtanh.default, torch.ops.aten.hardtanh_.default}
WEIGHTED = {torch.ops.aten.conv1d.default, torch.ops.aten.conv2d.default,
            torch.ops.aten.linear.default}
# identities at inference (dropout with train=False, contiguous, clone, alias, detach): the
# exporter leaves them out and their consumers read their input (opinfo.fx._passthrough); no
# kernel runs them, quantized or not, so they count on neither side
NO_OPS = {torch.ops.aten.dropout.default, torch.ops.aten.dropout_.default,
          torch.ops.aten.contiguous.default, torch.ops.aten.clone.default,
          torch.ops.aten.alias.default, torch.ops.aten.detach.default}
SKIP = QUANTIZE | DEQUANTIZE | {_qd.choose_qparams.tensor} | NO_OPS


def annotate(exported, shape, cfg, calibrate):
    p = prepare_pt2e(copy.deepcopy(exported),
                     XNNPACKQuantizer().set_global(get_symmetric_quantization_config(**cfg)))
    if calibrate:
        with torch.no_grad():
            p(torch.randn(*shape))
    return p


TAG = "quantization_tag"


def _tensor_inputs(n):
    out = []
    for a in list(n.args) + list(n.kwargs.values()):
        for x in (a if isinstance(a, (list, tuple)) else [a]):
            if isinstance(x, torch.fx.Node):
                out.append(x)
    return out


def ground_truth(p):
    """node name -> True when convert_pt2e makes it run quantized (module docstring). Every
    node of the prepared graph gets its name as quantization_tag, which PortNodeMetaForQDQ
    copies to the dequantize nodes of the inputs it quantizes for that node and to the quantize
    node of its output."""
    for n in p.graph.nodes:
        if n.op == "call_function":
            n.meta[TAG] = n.name
    c = convert_pt2e(p)

    def own(x, n, ops):
        return x.op == "call_function" and x.target in ops and x.meta.get(TAG) == n.name

    def value_users(n):
        users = []
        for u in n.users:
            if u.op == "call_function" and u.target is operator.getitem:
                users.extend(u.users)
            else:
                users.append(u)
        return users

    def out_quantized(n):
        users = value_users(n)
        return bool(users) and all(own(u, n, QUANTIZE) for u in users)

    def reads_quantized(n):
        """Every input read through a dequantize of its own, but a float bias (an attribute
        the quantizer leaves float, XNNPACKQuantizer's bias spec is None)."""
        ins = _tensor_inputs(n)
        bias = n.args[2] if n.target in WEIGHTED and len(n.args) > 2 else None
        # torch 2.6's _find_q_dq_node_for_user looks for the dequantize among the consumer's
        # direct arguments only: the dequantize nodes of a list argument (cat's tensors) get no
        # metadata, and are read as the consumer's
        listed = {x for a in n.args if isinstance(a, (list, tuple)) for x in a
                  if isinstance(x, torch.fx.Node) and x.target in DEQUANTIZE and
                  TAG not in x.meta}
        return bool(ins) and all(own(x, n, DEQUANTIZE) or x in listed for x in ins
                                 if not (x is bias and x.op == "get_attr"))

    truth = {}
    compute = [n for n in c.graph.nodes if n.op == "call_function" and n.target not in SKIP
               and n.target is not operator.getitem]
    for n in compute:
        if not reads_quantized(n):
            continue
        ins = _tensor_inputs(n)
        if out_quantized(n):
            truth[n.name] = True
        elif n.target in WEIGHTED and ins[0].target in DYNAMIC_DQ:
            truth[n.name] = True        # dynamic: the output stays float
        else:
            users = value_users(n)
            if len(users) == 1 and users[0].target in FUSED_ACT and \
                    _tensor_inputs(users[0]) == [n] and out_quantized(users[0]):
                truth[n.name] = truth[users[0].name] = True
    return {n.name: truth.get(n.name, False) for n in compute}


def verdicts(q, diags):
    by_node = {}
    for d in diags:
        by_node.setdefault(d.node, []).append(d)
    out = {}
    for n in q["nodes"]:
        ds = by_node.get(n["name"], [])
        if n.get("float_reason") or any(d.rule == "runs-in-float" for d in ds):
            out[n["name"]] = "float"
        elif any(d.rule in NOT_DELEGATED for d in ds):
            out[n["name"]] = ",".join(sorted({d.rule for d in ds if d.rule in NOT_DELEGATED}))
        else:
            out[n["name"]] = "quantized"
    return out


def check(q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return opinfo.check(q, backend="xnnpack", release="2.6", strict=False)


class GroundTruth(unittest.TestCase):
    def test_verdict_equals_conversion(self):
        header = "%-19s %-12s %5s %3s %3s %4s %5s %6s %7s" % (
            "model", "config", "TP", "FP", "FN", "TN", "known", "export", "convert")
        lines, failures, known, missing = [header], [], [], []
        total = [0] * 5
        t_all = time.time()
        t_ours = t_conv = 0.0
        only = os.environ.get("OPINFO_TRUTH_MODELS")
        for mname, (ctor, shape) in MODELS.items():
            if only and mname not in only.split(","):
                continue
            torch.manual_seed(0)
            model = ctor().eval()
            exported = torch.export.export_for_training(model, (torch.randn(*shape),)).module()
            for cname, (cfg, calibrate) in CONFIGS.items():
                p = annotate(exported, shape, cfg, calibrate and mname not in UNCALIBRATED)
                if not any(n.meta.get("quantization_annotation") for n in p.graph.nodes):
                    # dynamic quantization annotates linears only: squeezenet has none
                    lines.append("%-19s %-12s (no node annotated)" % (mname, cname))
                    continue
                t0 = time.time()
                q = opinfo.fx.export(p, target={"backend": "xnnpack", "release": "2.6"})
                verdict = verdicts(q, check(q))
                t1 = time.time()
                truth = ground_truth(p)
                t2 = time.time()
                t_ours += t1 - t0
                t_conv += t2 - t1
                member = {}
                for n in q["nodes"]:
                    for m in [n["name"]] + n["outputs"]:
                        member.setdefault(m, n)
                counts = [0] * 5
                for name, t in truth.items():
                    n = member.get(name)
                    if n is None:
                        missing.append((mname, cname, name))
                        continue
                    v = verdict[n["name"]]
                    pos = v == "quantized"
                    where = (mname, cname, name, n["op"], v, "quantized" if t else "float")
                    if pos == t:
                        counts[0 if t else 3] += 1
                    elif n["op"] in KNOWN_LIMITS:
                        counts[4] += 1
                        known.append(where)
                    else:
                        counts[1 if pos else 2] += 1
                        failures.append(where)
                total = [a + b for a, b in zip(total, counts)]
                lines.append("%-19s %-12s %5d %3d %3d %4d %5d %6.2f %7.2f" % (
                    (mname, cname) + tuple(counts) + (t1 - t0, t2 - t1)))
        lines.append("%-32s %5d %3d %3d %4d %5d %6.2f %7.2f" % (
            ("total",) + tuple(total) + (t_ours, t_conv)))
        lines.append("(%.0f s in all. Positive = runs quantized; known: mismatches listed in "
                     "KNOWN_LIMITS; export: opinfo.fx.export + opinfo.check, s; convert: "
                     "convert_pt2e + reading its graph, s)" % (time.time() - t_all))
        print("\nground truth: torch %s, XNNPACKQuantizer, xnnpack release 2.6\n" %
              torch.__version__ + "\n".join(lines), file=sys.stderr)
        for w in known:
            print("known limit: %s/%s: %s (%s): opinfo %s, converted graph runs it %s; " % w
                  + KNOWN_LIMITS[w[3]], file=sys.stderr)
        for w in failures:
            print("MISMATCH: %s/%s: %s (%s): opinfo %s, converted graph runs it %s" % w,
                  file=sys.stderr)
        self.assertEqual(missing, [], "converted nodes without a qgraph node")
        self.assertEqual(failures, [])
        self.assertTrue(total[0] > 0 and total[3] > 0, "both verdicts occur")

    def test_tuples_shapes_and_float_nodes(self):
        # the block's chunk returns a tuple: one node whose outputs are its getitems; view and
        # reshape take shapes (ints), which are no ports; the nodes XNNPACKQuantizer leaves
        # unannotated (layer_norm, chunk, view, transpose, matmul, softmax) are float nodes
        shape = MODELS["transformer_block"][1]
        torch.manual_seed(0)
        g = torch.export.export_for_training(Block().eval(), (torch.randn(*shape),)).module()
        p = annotate(g, shape, dict(is_per_channel=True), True)
        q = opinfo.fx.export(p)
        n = {x["name"]: x for x in q["nodes"]}
        (chunk,) = [x for x in q["nodes"] if x["op"] == "aten.chunk.default"]
        self.assertEqual(len(chunk["outputs"]), 3)
        self.assertFalse([x for x in q["nodes"] if x["op"] == "<built-in function getitem>"])
        for x in q["nodes"]:
            if x["op"] in ("aten.view.default", "aten.reshape.default", "aten.transpose.int"):
                self.assertEqual(len(x["inputs"]), 1, x)
        unannotated = {x.name for x in p.graph.nodes if x.op == "call_function" and
                       "quantization_annotation" not in x.meta and x.name in n}
        self.assertTrue(unannotated)
        for name in unannotated:
            self.assertIn("float_reason", n[name])
        ops = {x["op"] for x in q["nodes"] if "float_reason" in x}
        self.assertTrue({"aten.layer_norm.default", "aten.softmax.int",
                         "aten.matmul.default"} <= ops, ops)
        self.assertFalse([x for x in q["nodes"] if x["op"].startswith("aten.linear")
                          and "float_reason" in x])
        diags = check(q)
        self.assertEqual(sorted(d.node for d in diags if d.rule == "runs-in-float"),
                         sorted(x["name"] for x in q["nodes"] if "float_reason" in x))
        self.assertEqual([d for d in diags if d.rule != "runs-in-float"], [])


if __name__ == "__main__":
    unittest.main()
