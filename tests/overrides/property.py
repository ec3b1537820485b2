#!/usr/bin/env python3
"""Property test of the mixed-precision fixer: random graphs with random initial overrides.

For every case: the fixer either reports a conflict (ONNX Runtime's fixer raises the same
ValueError) or writes overrides that `opinfo-check --overrides` finds clean on the backend;
and on graphs made only of ops that need one type on all their activations, the fixer's
output with the database equals its output under ONNX Runtime's assumption (--ort).

usage: property.py BINDIR [CASES] [SEED]
"""
import json
import os
import random
import subprocess
import sys
import tempfile

UNIFORM = ["Relu", "Sigmoid", "Tanh", "Mul", "Add"]
# nodes with weights (initializers): Conv, MatMul with a constant second input, Add and Mul with a
# constant operand, Gather from a constant table with constant int64 indices
MIXED = ["MatMul", "Conv", "MatMulW", "AddK", "MulK", "Gather"]
ARITY = {"Relu": 1, "Sigmoid": 1, "Tanh": 1, "Mul": 2, "Add": 2, "MatMul": 2, "Conv": 1,
         "MatMulW": 1, "AddK": 1, "MulK": 1, "Gather": 0}


def graph(rng, ops):
    tensors = [{"name": "in0", "dtype": "float32"}, {"name": "in1", "dtype": "float32"}]
    acts = ["in0", "in1"]
    nodes = []
    for i in range(rng.randint(2, 9)):
        op = rng.choice(ops)
        ins = [rng.choice(acts) for _ in range(ARITY[op])]
        out = "t%d" % i
        if op == "Conv":
            w, b = "w%d" % i, "b%d" % i
            tensors.append({"name": w, "dtype": "float32", "initializer": True,
                            "shape": [4, 4, 3, 3]})
            tensors.append({"name": b, "dtype": "float32", "initializer": True, "shape": [4]})
            ins += [w, b]
        elif op in ("MatMulW", "AddK", "MulK"):
            w = "w%d" % i
            tensors.append({"name": w, "dtype": "float32", "initializer": True,
                            "shape": [4, 4] if op == "MatMulW" else [1]})
            ins.append(w)
            op = op[:-1]
        elif op == "Gather":
            w, k = "w%d" % i, "k%d" % i
            tensors.append({"name": w, "dtype": "float32", "initializer": True, "shape": [16, 4]})
            tensors.append({"name": k, "dtype": "int64", "initializer": True, "shape": [2]})
            ins += [w, k]
        tensors.append({"name": out, "dtype": "float32"})
        nodes.append({"name": "n%d" % i, "op": op, "inputs": ins, "outputs": [out]})
        acts.append(out)
    return {"qgraph": 1, "tensors": tensors, "nodes": nodes}, acts


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    bindir = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    check = os.path.join(bindir, "opinfo-check")
    stats = {"clean": 0, "conflict": 0, "same-as-ort": 0, "unsatisfiable": 0}
    with tempfile.TemporaryDirectory() as tmp:
        gpath, opath, fpath, rpath = (os.path.join(tmp, n) for n in
                                      ("g.json", "o.json", "f.json", "r.json"))
        for case in range(cases):
            uniform = case % 2 == 0
            g, acts = graph(rng, UNIFORM if uniform else UNIFORM + MIXED)
            act_type = rng.choice(["QUInt8", "QUInt8", "QUInt16"])
            other = "QUInt16" if act_type == "QUInt8" else "QUInt8"
            init = {t: [{"quant_type": other}] for t in rng.sample(acts, rng.randint(1, 3))}
            readers = {t: [n["name"] for n in g["nodes"] if t in n["inputs"]] for t in acts}
            for t in acts:  # now and then a convert of the user's own
                if t not in init and readers[t] and rng.random() < 0.08:
                    init[t] = [{"quant_type": act_type, "convert": {"quant_type": other}}]
                    if rng.random() < 0.6:
                        init[t][0]["convert"]["recv_nodes"] = [rng.choice(readers[t])]
            soc = rng.choice(["SM8650", "SM8450", "SM8350"])
            wt = rng.choice(["QInt8", "QUInt8"])
            json.dump(g, open(gpath, "w"))
            json.dump(init, open(opath, "w"))
            common = ["--backend", "qnn-htp", "--soc", soc, "--activation-type", act_type,
                      "--weight-type", wt, "-q"]
            rc, out = run([check, "fix-overrides"] + common + [gpath, opath, "-o", fpath])
            what = "case %d (%s, %s, weights %s): graph %s\noverrides %s\n%s" % (
                case, soc, act_type, wt, json.dumps(g), json.dumps(init), out)
            if os.path.exists(fpath):
                fixed = json.load(open(fpath))
                for t, lst in fixed.items():
                    cv = lst[0].get("convert") if lst and isinstance(lst[0], dict) else None
                    if cv is not None and cv.get("recv_nodes", ["all"]) == []:
                        sys.exit("a convert with empty recv_nodes: %s\nfixed %s" % (what, fixed))
                    if t in init and "convert" in init[t][0] and init[t][0] != lst[0] and \
                            "the fixer changed the convert you gave '%s'" % t not in out:
                        sys.exit("the user's convert changed silently: %s\nfixed %s" %
                                 (what, fixed))
            refused = "[overrides-conflict]" in out or "[overrides-no-variant]" in out
            if rc == 1 and refused and not os.path.exists(fpath):
                stats["conflict"] += 1
                continue
            if rc == 1 and "[overrides-no-variant]" in out and os.path.exists(fpath):
                # a request no variant can honour (e.g. a 16-bit output of MatMul(x, x) where
                # 16a16w is gated): the fixer says which node, and the check agrees with it
                rc2, out2 = run([check, "--overrides", fpath] + common + [gpath])
                mine = [ln for ln in out.splitlines() if "overrides-changed" not in ln and
                        "keep the fixed file's convert" not in ln]
                if rc2 != 1 or sorted(out2.splitlines()) != sorted(mine):
                    sys.exit("fixer and check disagree: %s\ncheck:\n%s" % (what, out2))
                stats["unsatisfiable"] += 1
                if os.environ.get("SHOW_UNSATISFIABLE"):
                    print(what)
                os.remove(fpath)
                continue
            if rc != 0:
                sys.exit("fixer failed: " + what)
            rc2, out2 = run([check, "--overrides", fpath] + common + [gpath])
            if rc2 != 0 or "[overrides-unexamined]" in out2:
                sys.exit("fixed overrides do not validate: %s\nfixed %s\n%s" %
                         (what, open(fpath).read(), out2))
            stats["clean"] += 1
            # (a convert of the user's may leave a node of ONNX Runtime's output refused, which
            # the database repairs: the equality holds for type overrides alone)
            if uniform and not any("convert" in v[0] for v in init.values()):
                rc3, out3 = run([check, "fix-overrides", "--ort", "--activation-type", act_type,
                                 "-q", gpath, opath, "-o", rpath])
                if rc3 != 0 or open(rpath).read() != open(fpath).read():
                    sys.exit("database and ONNX Runtime's assumption differ on uniform ops: %s\n"
                             "database %s\nassumption %s\n%s" %
                             (what, open(fpath).read(), open(rpath).read(), out3))
                stats["same-as-ort"] += 1
            os.remove(fpath)
    print("property: %d cases: %d fixed clean (%d equal to ONNX Runtime's assumption on uniform "
          "ops), %d conflicts and %d unsatisfiable requests reported" %
          (cases, stats["clean"], stats["same-as-ort"], stats["conflict"],
           stats["unsatisfiable"]))


if __name__ == "__main__":
    main()
