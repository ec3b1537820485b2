"""ONNX Runtime 1.21 as the oracle of opinfo's TensorQuantOverrides support (run inside the
Debian 13 root that tests/integration/make-env.sh builds):

- the mixed-precision fixer: on random graphs with random initial overrides, ONNX Runtime's
  MixedPrecisionTensorQuantOverridesFixer and `opinfo-check fix-overrides --ort` give the same
  overrides, or fail with the same message;
- the validation rules: on random overrides, TensorQuantOverridesHelper.is_valid and
  `opinfo-check --overrides` agree on the verdict and the rule, for the first non-empty entry
  (ONNX Runtime returns there; opinfo checks every entry and must report no fewer)."""
import onnx.reference  # noqa: F401  (before onnxruntime: see make-env.sh's source)
import copy
import json
import os
import random
import re
import subprocess
import tempfile
import unittest

import numpy as np
from onnx import TensorProto, helper
from onnxruntime.quantization import QuantType
from onnxruntime.quantization.execution_providers.qnn.mixed_precision_overrides_utils import \
    MixedPrecisionTensorQuantOverridesFixer
from onnxruntime.quantization.tensor_quant_overrides import TensorQuantOverridesHelper

CHECK = os.environ.get("OPINFO_CHECK", "/opt/opinfo/bin/opinfo-check")
CASES = int(os.environ.get("ORACLE_CASES", "300"))
UNARY = ["Sigmoid", "Tanh", "Relu", "Cos", "Sin", "Abs", "Neg"]
BINARY = ["Mul", "Add", "Sub"]
QT = {"QInt8": QuantType.QInt8, "QUInt8": QuantType.QUInt8, "QInt16": QuantType.QInt16,
      "QUInt16": QuantType.QUInt16, "QInt4": QuantType.QInt4, "QUInt4": QuantType.QUInt4}


def to_ort(v):
    """opinfo's JSON overrides -> ONNX Runtime's Python ones (QuantType, recv_nodes as a set)."""
    if isinstance(v, dict):
        return {k: (QT[x] if k == "quant_type" else set(x) if k == "recv_nodes" else to_ort(x))
                for k, x in v.items()}
    if isinstance(v, list):
        return [to_ort(x) for x in v]
    return v


def from_ort(v):
    if isinstance(v, dict):
        return {k: from_ort(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [from_ort(x) for x in v]
    if isinstance(v, set):
        return sorted(v)
    if isinstance(v, QuantType):
        return v.name
    return v


def run(*args):
    p = subprocess.run([CHECK] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def random_model(rng):
    """An element-wise graph: its ONNX model and the same graph as a qgraph."""
    acts = ["in0", "in1"]
    nodes = []
    consts = []  # initializers: a binary op's constant operand, a MatMul's weight
    for i in range(rng.randint(2, 10)):
        op = rng.choice(UNARY + BINARY + ["MatMul"])
        ins = [rng.choice(acts) for _ in range(2 if op in BINARY + ["MatMul"] else 1)]
        if op == "MatMul" or (op in BINARY and rng.random() < 0.3):
            ins[1] = "c%d" % i
            consts.append((ins[1], [3, 3] if op == "MatMul" else [1]))
        nodes.append(("n%d" % i, op, ins, "t%d" % i))
        acts.append("t%d" % i)
    consumed = {x for _, _, ins, _ in nodes for x in ins}
    outs = [t for _, _, _, t in nodes if t not in consumed or rng.random() < 0.2]
    inits = [helper.make_tensor(c, TensorProto.FLOAT, shape,
                                np.ones(int(np.prod(shape)), np.float32)) for c, shape in consts]
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 3])  # noqa: E731
    g = helper.make_graph([helper.make_node(op, ins, [o], name=n) for n, op, ins, o in nodes],
                          "g", [vi("in0"), vi("in1")], [vi(o) for o in outs], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    qgraph = {"qgraph": 1, "tensors": [{"name": t, "dtype": "float32"} for t in acts] +
              [{"name": c, "dtype": "float32", "initializer": True, "shape": shape}
               for c, shape in consts],
              "nodes": [{"name": n, "op": op, "inputs": ins, "outputs": [o]}
                        for n, op, ins, o in nodes]}
    return model, qgraph, acts


class FixerOracle(unittest.TestCase):
    def test_random_graphs_same_as_onnxruntime(self):
        rng = random.Random(2024)
        same = failed_alike = symmetric_only = user_converts = 0
        with tempfile.TemporaryDirectory() as tmp:
            gpath, opath, fpath = (os.path.join(tmp, n) for n in ("g.json", "o.json", "f.json"))
            for case in range(CASES):
                model, qgraph, acts = random_model(rng)
                default = rng.choice(["QUInt8", "QUInt8", "QUInt16"])
                init = {}
                for t in rng.sample(acts, rng.randint(1, 3)):
                    d = {"quant_type": rng.choice([q for q in ("QUInt8", "QUInt16", "QInt16")
                                                   if q != default])}
                    if rng.random() < 0.2:
                        d["symmetric"] = True
                    if rng.random() < 0.25:  # differs from the default only in `symmetric`
                        d = {"symmetric": True} if rng.random() < 0.5 else \
                            {"quant_type": default, "symmetric": True}
                        symmetric_only += 1
                    readers = [n["name"] for n in qgraph["nodes"] if t in n["inputs"]]
                    if readers and rng.random() < 0.15:  # a convert of the user's own
                        d = {"quant_type": default,
                             "convert": {"quant_type": d.get("quant_type", "QUInt16")
                                         if d.get("quant_type", default) != default else
                                         ("QUInt16" if default != "QUInt16" else "QUInt8")}}
                        if rng.random() < 0.6:
                            d["convert"]["recv_nodes"] = [rng.choice(readers)]
                        user_converts += 1
                    init[t] = [d]
                helper_ = TensorQuantOverridesHelper(to_ort(copy.deepcopy(init)))
                try:
                    fixer = MixedPrecisionTensorQuantOverridesFixer.create_from_model(
                        helper_, model, QT[default])
                    fixer.apply(QT[default], False)
                    want, want_err = from_ort(helper_.get_dict()), None
                except ValueError as e:
                    want, want_err = None, str(e)
                except AssertionError:  # apply()'s assert "convert" not in the entry
                    want, want_err = None, "ONNX Runtime's fixer fails on an assertion here"
                json.dump(qgraph, open(gpath, "w"))
                json.dump(init, open(opath, "w"))
                if os.path.exists(fpath):
                    os.remove(fpath)
                rc, out = run("fix-overrides", "--ort", "--activation-type", default, "-q",
                              gpath, opath, "-o", fpath)
                what = "case %d: default %s, graph %s, overrides %s\nopinfo: %s" % (
                    case, default, json.dumps(qgraph), json.dumps(init), out)
                if want_err is None:
                    self.assertEqual(rc, 0, what)
                    self.assertEqual(json.load(open(fpath)), want, what)
                    same += 1
                else:
                    self.assertEqual(rc, 1, what + "\nONNX Runtime: " + want_err)
                    self.assertIn(want_err + (")" if "assertion" in want_err else "") +
                                  " [overrides-conflict]", out, what)
                    failed_alike += 1
        print("fixer oracle: %d cases, %d identical overrides, %d identical failures; %d "
              "overrides that differ from the default only in symmetric, %d converts of the "
              "user's" % (CASES, same, failed_alike, symmetric_only, user_converts))
        self.assertGreater(user_converts, CASES // 20)
        self.assertGreater(symmetric_only, CASES // 10)
        self.assertGreater(same, CASES // 2)


RULES = [  # ONNX Runtime's message -> opinfo's rule
    ("is not present in the model", "overrides-unknown-tensor"),
    ("are not in a list", "overrides-structure"), ("are not in a dict", "overrides-structure"),
    ("Must provide both 'scale' and 'zero_point'", "overrides-scale-zero-point"),
    ("specify scale/zero_point must do so", "overrides-scale-zero-point"),
    ("are invalid with 'scale' and 'zero_point'", "overrides-invalid-with-scale"),
    ("Option 'reduce_range' is only supported", "overrides-reduce-range"),
    ("'convert'", "overrides-convert"),
    ("has per-channel overrides, but is not an initializer", "overrides-per-channel"),
    ("is missing an 'axis' value", "overrides-per-channel"),
    ("Axis override value is out-of-bounds", "overrides-per-channel"),
    ("Incorrect number of channel overrides", "overrides-per-channel"),
    ("Must provide both 'rmin' and 'rmax'", "overrides-rmin-rmax"),
    ("specify rmin/rmax must do so", "overrides-rmin-rmax"),
    ("do not match at index", "overrides-channel-mismatch"),
    ("does not match at index", "overrides-channel-mismatch"),
]


def random_dict(rng, tensor, first):
    keys = {"quant_type": lambda: rng.choice(list(QT)), "scale": lambda: 0.1,
            "zero_point": lambda: 0, "symmetric": lambda: rng.random() < 0.5,
            "reduce_range": lambda: rng.random() < 0.5, "rmin": lambda: 0.0,
            "rmax": lambda: 1.0, "axis": lambda: rng.randint(-4, 3)}
    d = {k: f() for k, f in keys.items() if rng.random() < 0.18}
    if first and rng.random() < 0.2:
        cv = {k: f() for k, f in keys.items() if k != "axis" and rng.random() < 0.25}
        if tensor == "A" and rng.random() < 0.5:
            cv["recv_nodes"] = ["n1"]
        d["convert"] = cv
    return d


class ValidationOracle(unittest.TestCase):
    def test_random_overrides_same_verdict(self):
        inits = {"W": helper.make_tensor("W", TensorProto.FLOAT, [2, 3, 4],
                                         np.zeros(24, np.float32)),
                 "B": helper.make_tensor("B", TensorProto.FLOAT, [2], np.zeros(2, np.float32))}
        qgraph = {"qgraph": 1, "tensors": [
            {"name": "A", "dtype": "float32"},
            {"name": "W", "dtype": "float32", "initializer": True, "shape": [2, 3, 4]},
            {"name": "B", "dtype": "float32", "initializer": True, "shape": [2]},
            {"name": "Y", "dtype": "float32"}],
            "nodes": [{"name": "n1", "op": "Conv", "inputs": ["A", "W", "B"], "outputs": ["Y"]}]}
        rng = random.Random(77)
        verdicts = {"valid": 0, "invalid": 0, "hidden": 0}
        with tempfile.TemporaryDirectory() as tmp:
            gpath, opath = os.path.join(tmp, "g.json"), os.path.join(tmp, "o.json")
            json.dump(qgraph, open(gpath, "w"))
            for case in range(CASES * 3):
                ov = {}
                for t in rng.sample(["A", "W", "B", "Y", "Z"], rng.randint(1, 3)):
                    n = rng.choice([0, 1, 1, 1, 2, 3]) if t in ("W", "B") else rng.choice([0, 1, 1])
                    ov[t] = [random_dict(rng, t, i == 0) for i in range(n)]
                ok, msg = TensorQuantOverridesHelper(to_ort(copy.deepcopy(ov))).is_valid(
                    inits, {"A", "Y"}, QuantType.QUInt8)
                json.dump(ov, open(opath, "w"))
                rc, out = run("--overrides", opath, "-q", "-f", "json", gpath)
                what = "case %d: %s\nONNX Runtime: %s %s\nopinfo: %s" % (
                    case, json.dumps(ov), ok, msg, out)
                self.assertIn(rc, (0, 1), what)
                diags = json.loads(out)["diagnostics"] if out.strip() else []
                # ONNX Runtime looks at entries up to the first non-empty one
                seen = []
                for t, lst in ov.items():
                    seen.append(t)
                    if t in ("A", "W", "B", "Y") and lst and lst[0]:
                        break
                    if t not in ("A", "W", "B", "Y"):
                        break
                mine = [d for d in diags if d["tensor"] in seen]
                if ok:
                    self.assertEqual(mine, [], what)
                    verdicts["valid"] += 1
                    verdicts["hidden"] += len(diags) > 0
                else:
                    rule = next((r for m, r in RULES if m in msg), "unmapped: " + msg)
                    self.assertTrue(mine, what)
                    self.assertEqual(mine[0]["rule"], rule, what)
                    self.assertEqual(mine[0]["tensor"], seen[-1], what)
                    verdicts["invalid"] += 1
        print("validation oracle: %d cases: %d valid, %d invalid with the same rule; %d where "
              "ONNX Runtime's early return hid an invalid later entry that opinfo reports" %
              (CASES * 3, verdicts["valid"], verdicts["invalid"], verdicts["hidden"]))
        self.assertGreater(verdicts["invalid"], 50)
        self.assertGreater(verdicts["valid"], 50)


if __name__ == "__main__":
    unittest.main()
