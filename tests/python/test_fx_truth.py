"""Ground truth by execution (PyTorch 1.13 FX): opinfo's verdict per node against what PyTorch
actually runs.

For every zoo model (tests/python/zoo.py; OPINFO_TRUTH_ZOO=more: tests/python/zoo_more.py) under
four qconfigs: prepare_fx, calibrate on small
random input, export with opinfo.fx and check on the backend the qconfig is for (fbgemm's qconfig
on fbgemm, qnnpack's on xnnpack); then convert_fx and execute the converted model through a
torch.fx.Interpreter that tags every node of the prepared graph as run quantized (it consumes or
produces a quantized tensor) or in float. opinfo's verdict for a node: "quantized" when it is
not float (no float_reason, no runs-in-float diagnostic) and has no error; anything else says the
node will not run quantized. Positive = runs quantized. The confusion table is printed; every
false positive and false negative fails, unless it is listed in KNOWN_DATA_GAPS with the PyTorch
fact the database lacks (those are printed apart). A converted model PyTorch cannot run (a kernel
refuses its qparams) fails the test unless opinfo reported an error on it; a model with no node
observed must be refused by the export."""
import operator
import os
import sys
import time
import unittest
import warnings

import opinfo
import opinfo.fx

try:
    import torch
    import torchvision  # noqa: F401
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.backend_config import (get_fbgemm_backend_config,
                                                      get_qnnpack_backend_config)
    from torch.ao.quantization.qconfig import default_symmetric_qnnpack_qconfig
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    import zoo
except ImportError as e:
    raise unittest.SkipTest("torch/torchvision are not importable: %s" % e)

warnings.filterwarnings("ignore")

ENGINES = torch.backends.quantized.supported_engines


def qconfigs():
    """name -> (qconfig mapping, backend config, opinfo backend)"""
    sym = get_default_qconfig_mapping("qnnpack").set_global(default_symmetric_qnnpack_qconfig)
    # qnnpack's default, with symmetric int8 adds and concatenations between uint8 ops (chained
    # observers), and ops and classifier heads left in float (qconfig None)
    mixed = (get_default_qconfig_mapping("qnnpack")
             .set_object_type(operator.add, default_symmetric_qnnpack_qconfig)
             .set_object_type(torch.cat, default_symmetric_qnnpack_qconfig)
             .set_object_type(torch.nn.AdaptiveAvgPool2d, None)
             .set_object_type(torch.nn.LayerNorm, None)
             .set_object_type(torch.matmul, None)
             .set_module_name_regex("fc|classifier.*", None))
    return {
        "fbgemm": (get_default_qconfig_mapping("fbgemm"), get_fbgemm_backend_config(), "fbgemm"),
        "qnnpack": (get_default_qconfig_mapping("qnnpack"), get_qnnpack_backend_config(),
                    "xnnpack"),
        "qnnpack_symmetric": (sym, get_qnnpack_backend_config(), "xnnpack"),
        "mixed": (mixed, get_qnnpack_backend_config(), "xnnpack"),
    }


# (backend, qgraph op) -> the PyTorch 1.13 fact the database does not have yet. A mismatch on
# such a node is printed, not failed; one that is not listed fails. Empty: LayerNorm, which torch
# 1.13 lowers outside its BackendConfig (_lower_to_native_backend.py,
# SPECIAL_PATTERN_LOWER_MODULE_MAP), is in the 1.13.1 data.
KNOWN_DATA_GAPS = {}

# the releases that are PyTorch 1.13's backend configs and lowering, as an FX export names them
# (xnnpack's newest, 2.6, is PT2E's quantizer)
RELEASE = opinfo.fx.FX_RELEASES


def check(q, backend):
    """opinfo.check in strict mode against PyTorch 1.13's data: every diagnostic, with its own
    severity (warn mode reports every violation as a warning, which would hide the errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return opinfo.check(q, backend=backend, release=RELEASE[backend], strict=True)
        except opinfo.ValidationError as e:
            return e.diagnostics


# rules that say the node will not run quantized whatever their severity
NOT_DELEGATED = {"op-unsupported", "no-variant", "arity", "arch-gate"}


def verdicts(q, diags):
    """qgraph node -> (verdict, violations): "quantized", "float" (float_reason, runs-in-float)
    or the rules that say it will not be delegated; violations are the other errors (a
    constraint the node's annotation breaks while it still runs quantized)."""
    by_node = {}
    for d in diags:
        by_node.setdefault(d.node, []).append(d)
    out = {}
    for n in q["nodes"]:
        ds = by_node.get(n["name"], [])
        other = sorted({d.rule for d in ds if d.severity == "error" and
                        d.rule not in NOT_DELEGATED})
        if n.get("float_reason") or any(d.rule == "runs-in-float" for d in ds):
            out[n["name"]] = ("float", other)
        elif any(d.rule in NOT_DELEGATED for d in ds):
            out[n["name"]] = (",".join(sorted({d.rule for d in ds if d.rule in NOT_DELEGATED})),
                              other)
        else:
            out[n["name"]] = ("quantized", other)
    return out


TAG = "\n#opinfo-node "


class Tagger(torch.fx.Interpreter):
    """Runs the converted model; for each node of the prepared graph (found by the tag its copy
    carries in its stack trace through convert_fx), whether it consumed or produced a quantized
    tensor."""

    def __init__(self, gm):
        super().__init__(gm)
        self.quantized, self.broken, self.out_dtype = {}, set(), {}

    def run_node(self, n):
        if n.op == "call_method" and n.target == "dequantize":
            # PyTorch 1.13 can produce a qint8 result whose zero point lies outside qint8's
            # range (a linear fed qint8 whose output observer is quint8): dequantize refuses it.
            # The producer's result is wrong; this pass records dtypes, so it goes on with the
            # integers and marks the producer
            x = self.env[n.args[0]]
            try:
                result = x.dequantize()
            except RuntimeError:
                self.broken.add(_tag(n.args[0]))
                result = x.int_repr().float()
            return result
        result = super().run_node(n)
        name = _tag(n)
        if name and n.op in ("call_module", "call_function", "call_method") and \
                n.target is not torch.quantize_per_tensor:
            vals = [result] + [self.env[a] for a in n.all_input_nodes if a in self.env]
            q = any(_is_quantized(v) for v in vals)
            self.quantized[name] = self.quantized.get(name, False) or q
            if isinstance(result, torch.Tensor):
                self.out_dtype[name] = _QDTYPE.get(result.dtype, "float32")
        return result


_QDTYPE = {torch.quint8: "uint8", torch.qint8: "int8", torch.qint32: "int32"}


def _tag(n):
    trace = n.stack_trace or ""
    return trace.rsplit(TAG, 1)[1].strip() if TAG in trace else None


def engine_for(backend):
    if backend == "fbgemm":
        return "fbgemm" if "fbgemm" in ENGINES else "onednn"
    return "qnnpack"


def _is_quantized(v):
    if isinstance(v, torch.Tensor):
        return v.is_quantized
    if isinstance(v, (list, tuple)):
        return any(_is_quantized(x) for x in v)
    return False


def example(shape):
    """A model's example input: random of a shape, or what the model set's function makes."""
    return shape() if callable(shape) else torch.randn(*shape)


def models():
    """The models of OPINFO_TRUTH_ZOO: "zoo" (default, tests/python/zoo.py, in make check) or
    "more" (tests/python/zoo_more.py, make truth-more); OPINFO_TRUTH_MODELS=a,b picks some."""
    which = os.environ.get("OPINFO_TRUTH_ZOO", "zoo")
    if which == "more":
        import zoo_more
        return zoo_more.MODELS
    if which != "zoo":
        raise ValueError("OPINFO_TRUTH_ZOO is zoo or more, not %r" % which)
    return zoo.MODELS


def ground_truth(prepared, backend_config, shape):
    """node of the prepared graph -> True when PyTorch runs it on quantized tensors."""
    p = prepared  # exported already: converted in place
    for n in p.graph.nodes:
        n.stack_trace = (n.stack_trace or "") + TAG + n.name
    c = convert_fx(p, backend_config=backend_config)
    t = Tagger(c)
    with torch.no_grad():
        t.run(example(shape))
    return t.quantized, t.broken, t.out_dtype


def _out_dtype(q, node):
    spec = {t["name"]: t for t in q["tensors"]}
    t = spec.get(node["outputs"][0], {})
    while "shared_with" in t and t["shared_with"] in spec:
        t = spec[t["shared_with"]]
    return t.get("dtype")


def compare(q, verdict, truth):
    """Per qgraph node: (node, op, opinfo's verdict, violations, PyTorch's truth or None when
    the converted model never ran it, members)."""
    rows = []
    for n in q["nodes"]:
        members = [n["name"]] + [o for o in n["outputs"] if o != n["name"]]
        seen = [truth[m] for m in members if m in truth]
        v, other = verdict[n["name"]]
        rows.append((n["name"], n["op"], v, other, any(seen) if seen else None, members))
    return rows


class GroundTruth(unittest.TestCase):
    def test_verdict_equals_execution(self):
        print("\nground truth: torch %s, engines %s; converted models executed with the %s "
              "engine for fbgemm's qconfig%s, qnnpack for the others" % (
                  torch.__version__, ENGINES, engine_for("fbgemm"),
                  "" if engine_for("fbgemm") == "fbgemm" else
                  " (this torch has no fbgemm engine; onednn is its x86 engine)"),
              file=sys.stderr)
        header = "%-19s %-17s %-7s %5s %3s %3s %4s %5s %4s %6s" % (
            "model", "qconfig", "backend", "TP", "FP", "FN", "TN", "known", "viol", "other")
        lines, failures, known, unseen, viols, broken_rows = [header], [], [], [], [], []
        crashes, missed, unobserved = [], [], []
        total = [0] * 7
        t0 = time.time()
        only = os.environ.get("OPINFO_TRUTH_MODELS")
        for mname, (ctor, shape) in models().items():
            if only and mname not in only.split(","):
                continue
            for qname, (mapping, bconfig, backend) in qconfigs().items():
                torch.manual_seed(0)
                model = ctor().eval()
                p = prepare_fx(model, mapping, (example(shape),), backend_config=bconfig)
                with torch.no_grad():
                    p(example(shape))
                try:
                    q = opinfo.fx.export(p, target={"backend": backend})
                except ValueError as e:
                    # nothing observed: PyTorch quantizes nothing, and export says so
                    self.assertIn("no node of this graph is observed", str(e))
                    unobserved.append((mname, qname))
                    continue
                diags = check(q, backend)
                verdict = verdicts(q, diags)
                torch.backends.quantized.engine = engine_for(backend)
                out_spec = {n["name"]: _out_dtype(q, n) for n in q["nodes"]}
                try:
                    truth, broken, ran_dtype = ground_truth(p, bconfig, shape)
                except RuntimeError as e:
                    # PyTorch cannot run what it converted: opinfo must have said why (an error)
                    errors = sorted({"%s %s" % (d.rule, d.node) for d in diags
                                     if d.severity == "error"})
                    why = str(e).strip().splitlines()[0][:160]
                    crashes.append((mname, qname, backend, why, ", ".join(errors[:6]) +
                                    (" ..." if len(errors) > 6 else "")))
                    if not errors:
                        missed.append((mname, qname, why))
                    continue
                counts = [0] * 7
                for node, op, v, other, t, members in compare(q, verdict, truth):
                    where = (mname, qname, backend, node, op)
                    if t is None:
                        unseen.append(where)
                        continue
                    pos = v == "quantized"
                    if other and pos:
                        counts[5] += 1
                        viols.append(where + (",".join(other),))
                    if pos == t:
                        counts[0 if t else 3] += 1
                    elif broken & set(members):
                        counts[6] += 1
                        broken_rows.append(where + (v, "its result cannot be dequantized"))
                    elif t and ran_dtype.get(members[-1]) != out_spec[node]:
                        counts[6] += 1
                        broken_rows.append(where + (v, "PyTorch ran it with a %s output, the "
                                                    "annotation asks %s" % (
                                                        ran_dtype.get(members[-1]),
                                                        out_spec[node])))
                    elif (backend, op) in KNOWN_DATA_GAPS:
                        counts[4] += 1
                        known.append(where + (v, "quantized" if t else "float"))
                    else:
                        counts[1 if pos else 2] += 1
                        failures.append(where + (v, "quantized" if t else "float"))
                total = [a + b for a, b in zip(total, counts)]
                lines.append("%-19s %-17s %-7s %5d %3d %3d %4d %5d %4d %6d" % (
                    (mname, qname, backend) + tuple(counts)))
        lines.append("%-45s %5d %3d %3d %4d %5d %4d %6d" % (("total",) + tuple(total)))
        lines.append("(%.0f s. Positive = runs quantized. known: mismatches listed in "
                     "KNOWN_DATA_GAPS; viol: nodes both run quantized with a constraint error; "
                     "other: PyTorch ran the node otherwise than annotated: a result it cannot "
                     "dequantize, or an output dtype other than the annotation's)"
                     % (time.time() - t0))
        print("\n".join(lines), file=sys.stderr)
        for w in known:
            print("known data gap: %s/%s on %s: %s (%s): opinfo %s, PyTorch runs it %s; " % w
                  + KNOWN_DATA_GAPS[(w[2], w[4])], file=sys.stderr)
        for w in viols:
            print("violation on a quantized node: %s/%s on %s: %s (%s): %s" % w, file=sys.stderr)
        for w in broken_rows:
            print("PyTorch did not run the annotation: %s/%s on %s: %s (%s): opinfo %s; %s" % w,
                  file=sys.stderr)
        for w in unobserved:
            print("nothing observed (export refuses it, PyTorch quantizes nothing): %s/%s" % w,
                  file=sys.stderr)
        for w in crashes:
            print("PyTorch cannot run the converted model: %s/%s on %s: %s; opinfo errors: %s"
                  % w, file=sys.stderr)
        for w in failures:
            print("MISMATCH: %s/%s on %s: %s (%s): opinfo %s, PyTorch runs it %s" % w,
                  file=sys.stderr)
        self.assertEqual(missed, [], "PyTorch cannot run these, and opinfo found no error")
        self.assertEqual(unseen, [], "qgraph nodes the converted model never ran")
        self.assertEqual(failures, [])
        self.assertTrue(total[0] > 0 and total[3] > 0, "both verdicts occur")


if __name__ == "__main__":
    unittest.main()
