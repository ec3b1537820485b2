#!/usr/bin/env python3
"""Graphs for tests/cli/incremental.sh: opinfo-check checks nodes while it reads them unless
--no-incremental is given, and both ways must give the same report. Each graph here stresses one
thing the check while reading must get right:

    python3 tests/cli/incremental_graphs.py OUTDIR

- llm, llm-raw: bench/gen_qgraph.py graphs past 4096 nodes (the first progress point), calibrated
  or not, where some nodes fail and some pass;
- nodes-first, target-last, header-last: the top-level keys in another order (nodes before
  tensors: nothing can be checked while reading; the target after the nodes: the check waits);
- escaped-names: tensor names written with \\u escapes (the scan of tensors gives up on them and
  the array is read in full);
- splice-NNN: a small case of tests/cases (shared_with through an edge, derived bias specs,
  chains) spliced into the middle of the big graph under new names, so that a node deep in the
  file needs what comes after it;
- suppressed: node suppressions (the filter runs on the nodes read so far);
- late-duplicate, late-syntax, late-unknown, late-cycle: errors near the end of the file, after
  nodes with diagnostics (the read fails: the same error, and no report);
- dtype-mismatch: a shared tensor whose dtype is not its root's, deep in the file;
- late-tensor, escaped-late, escaped-value: tensors registered as nodes name them (the first
  node's inputs last in the array; one escaped name or value at the end, which reads the array
  in full first);
- early-duplicate, late-empty-name, late-long-name, late-not-object: tensors the registration
  refuses, early or late in the array (the read fails: the same error, and no report).
"""
import copy
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable


def gen(layers, calibrated):
    args = [PY, os.path.join(ROOT, "bench", "gen_qgraph.py"), "--layers", str(layers), "-o", "-"]
    if calibrated:
        args.insert(-2, "--calibrated")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def write(d, name, g, keys=None, text=None):
    path = os.path.join(d, name + ".json")
    if text is None:
        order = keys or list(g.keys())
        text = "{\n" + ",\n".join('  %s: %s' % (json.dumps(k), json.dumps(g[k], indent=1))
                                  for k in order) + "\n}\n"
    with open(path, "w") as f:
        f.write(text)


def rename_case(case, prefix):
    """The case's tensors and nodes under prefix, every reference followed."""
    t = {x["name"]: prefix + x["name"] for x in case["tensors"]}
    n = {x["name"]: prefix + x["name"] for x in case["nodes"]}

    def spec(s):
        sw = s.get("shared_with")
        if isinstance(sw, str):
            s["shared_with"] = t[sw]
        elif isinstance(sw, dict):
            s["shared_with"] = {"producer": n[sw["producer"]], "consumer": n[sw["consumer"]]}
        if "derived_from" in s:
            s["derived_from"] = [t[x] for x in s["derived_from"]]

    tensors = copy.deepcopy(case["tensors"])
    for x in tensors:
        x["name"] = t[x["name"]]
        spec(x)
    nodes = copy.deepcopy(case["nodes"])
    for x in nodes:
        x["name"] = n[x["name"]]
        x.pop("source", None)
        ins = []
        for r in x["inputs"]:
            if isinstance(r, str):
                ins.append(t[r])
            elif isinstance(r, dict):
                r["tensor"] = t[r["tensor"]]
                spec(r["spec"])
                ins.append(r)
            else:
                ins.append(r)
        x["inputs"] = ins
        x["outputs"] = [t[o] for o in x["outputs"]]
    return tensors, nodes


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    base = gen(160, True)  # 4160 nodes
    write(d, "llm", base)
    write(d, "llm-raw", gen(160, False))
    write(d, "nodes-first", base, ["qgraph", "producer", "target", "nodes", "tensors"])
    write(d, "target-last", base, ["qgraph", "producer", "tensors", "nodes", "target"])
    write(d, "header-last", base, ["tensors", "nodes", "producer", "target", "qgraph"])

    g = copy.deepcopy(base)
    names = {}
    for i, t in enumerate(g["tensors"]):
        if i % 7 == 0:
            names[t["name"]] = t["name"] + "\u00e9"
            t["name"] = names[t["name"]]
    for n in g["nodes"]:
        n["inputs"] = [names.get(r, r) if isinstance(r, str) else r for r in n["inputs"]]
        n["outputs"] = [names.get(r, r) for r in n["outputs"]]
    for t in g["tensors"]:
        if isinstance(t.get("shared_with"), str):
            t["shared_with"] = names.get(t["shared_with"], t["shared_with"])
    write(d, "escaped-names", g)  # json.dumps writes \u00e9

    for case in ("037-htp-shared-with-edge-object-clean", "038-htp-shared-with-edge-spec-clean",
                 "040-htp-shared-chain-root-equivalence-clean",
                 "080-htp-shared-tensor-own-values-differ", "001-htp-doc-example-clean"):
        c = json.load(open(os.path.join(ROOT, "tests", "cases", case, "input.json")))
        tensors, nodes = rename_case(c, "spliced.")
        g = copy.deepcopy(base)
        g["tensors"] = g["tensors"] + tensors
        g["nodes"] = g["nodes"][:3000] + nodes + g["nodes"][3000:]
        write(d, "splice-" + case[:3], g)

    g = copy.deepcopy(base)
    for k in (5, 300, 4100):
        g["nodes"][k]["suppress"] = [{"rule": "arch-gate", "reason": "known"}]
    g["nodes"][4101]["suppress"] = [{"rule": "qnn-htp/"}]
    write(d, "suppressed", g)

    g = copy.deepcopy(base)
    g["tensors"].append(copy.deepcopy(g["tensors"][-1]))
    write(d, "late-duplicate", g, ["qgraph", "producer", "target", "nodes", "tensors"])
    g = copy.deepcopy(base)
    g["tensors"].append(copy.deepcopy(g["tensors"][-1]))
    write(d, "late-duplicate-tensor", g)

    path = os.path.join(d, "llm.json")
    text = open(path).read()
    write(d, "late-syntax", None, text=text.rstrip()[:-1])  # the final } missing

    g = copy.deepcopy(base)
    g["nodes"][-1]["inputs"][0] = "no.such.tensor"
    write(d, "late-unknown", g)

    g = copy.deepcopy(base)
    g["tensors"] += [{"name": "cyc.a", "dtype": "uint16", "shared_with": "cyc.b"},
                     {"name": "cyc.b", "dtype": "uint16", "shared_with": "cyc.a"}]
    g["nodes"][4150]["inputs"][0] = "cyc.a"
    write(d, "late-cycle", g)

    g = copy.deepcopy(base)
    g["tensors"] += [{"name": "dm.root", "dtype": "uint8", "qscheme": "per_tensor_affine",
                      "scale": 0.1, "zero_point": 0},
                     {"name": "dm.shared", "dtype": "uint16", "shared_with": "dm.root"}]
    g["nodes"][4150]["inputs"][0] = "dm.shared"
    write(d, "dtype-mismatch", g)

    # the first node's tensors last in the array: registered on demand, far from the start
    g = copy.deepcopy(base)
    first = set(r for r in g["nodes"][0]["inputs"] if isinstance(r, str))
    g["tensors"] = ([t for t in g["tensors"] if t["name"] not in first] +
                    [t for t in g["tensors"] if t["name"] in first])
    write(d, "late-tensor", g)

    g = copy.deepcopy(base)
    old = g["tensors"][-1]["name"]
    g["tensors"][-1]["name"] = old + "\u00e9"
    for n in g["nodes"]:
        n["inputs"] = [old + "\u00e9" if r == old else r for r in n["inputs"]]
        n["outputs"] = [old + "\u00e9" if r == old else r for r in n["outputs"]]
    write(d, "escaped-late", g)

    g = copy.deepcopy(base)
    g["tensors"][-1]["observer"] = "Observer\u00e9"
    write(d, "escaped-value", g)

    g = copy.deepcopy(base)
    g["tensors"].insert(8, copy.deepcopy(g["tensors"][2]))
    write(d, "early-duplicate", g)

    g = copy.deepcopy(base)
    g["tensors"].append({"name": "", "dtype": "uint8"})
    write(d, "late-empty-name", g)

    g = copy.deepcopy(base)
    g["tensors"].append({"name": "x" * 1025, "dtype": "uint8"})
    write(d, "late-long-name", g)

    g = copy.deepcopy(base)
    g["tensors"].append(7)
    write(d, "late-not-object", g)


if __name__ == "__main__":
    main()
