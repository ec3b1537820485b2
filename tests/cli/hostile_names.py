"""Hostile names in every report format (docs/hardening.md, "Terminal and report injection").

    python3 tests/cli/hostile_names.py BUILD_DIR SCRATCH_DIR

A qgraph whose node, op-less tensor and file names hold newlines that would forge a gcc-style
line, terminal escape sequences (CSI, OSC, BEL, 8-bit CSI), a bidi override, XML's specials and
U+FFFF is checked in text, JSON, SARIF and JUnit. Text: every line is one diagnostic of the real
file, with no raw control character; JSON and SARIF parse and give the names back exactly; JUnit
parses with xml.etree and shows the names visibly escaped. Also a duplicate hostile node name
(an input error on stderr). Prints one line per failed check; exit status 1 when any failed."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

build, scratch = sys.argv[1], sys.argv[2]
check = os.path.join(build, "bin", "opinfo-check")
failures = []

FORGE = "mm1\nfake.py:1:1: error: all clear [forged]\n"
NODE = FORGE + "\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil<&>\"'\uffff\r\tend"
TENSOR = "a\x1b[31m\x08\x7f"
VISIBLE_NODE = ("mm1\\nfake.py:1:1: error: all clear [forged]\\n\\x1b[2J\\x1b]0;pwned\\x07"
                "\\u009b31m\u202eevil<&>\"'\\uffff\\r\\tend")
VISIBLE_NODE_TEXT = VISIBLE_NODE.replace("\u202e", "\\u202e").replace("\\uffff", "\uffff")


def expect(cond, what):
    if not cond:
        failures.append(what)


def qgraph(names):
    tensors = [
        {"name": TENSOR, "dtype": "uint16", "qscheme": "per_tensor_affine",
         "eps": 1.5259021896696422e-09},
        {"name": "bq", "dtype": "int16", "qscheme": "per_tensor_symmetric",
         "quant_min": -32767, "quant_max": 32767},
        {"name": "o", "dtype": "uint16", "qscheme": "per_tensor_affine",
         "eps": 1.5259021896696422e-09}]
    nodes = [{"name": n, "op": "aten.matmul.default", "inputs": [TENSOR, "bq"],
              "outputs": ["o" if i == 0 else "o%d" % i]} for i, n in enumerate(names)]
    for i in range(1, len(names)):
        tensors.append(dict(tensors[2], name="o%d" % i))
    return {"qgraph": 1, "producer": {"name": "opinfo-tests", "version": "1"},
            "tensors": tensors, "nodes": nodes}


os.makedirs(scratch, exist_ok=True)
path = os.path.join(scratch, "evil\nfake.py:9:9: note: x\x1b[0m.json")
visible_path = path.replace("\n", "\\n").replace("\x1b", "\\x1b")
with open(path, "w") as f:
    json.dump(qgraph([NODE]), f)


def run(fmt, p=path):
    r = subprocess.run([check, "--backend", "qnn-htp", "--soc", "SM8450", "-f", fmt, p],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stdout, r.stderr


# text: one line per diagnostic and per fix, each of the real file; nothing raw
status, out, err = run("text")
expect(status == 1, "text: exit %d, want 1: %r" % (status, err[:300]))
text = out.decode("utf-8")
lines = text.split("\n")
expect(lines[-1] == "", "text: does not end with a newline")
for line in lines[:-1]:
    expect(line.startswith(visible_path + ":"), "text: a line not of the file: %r" % line)
    expect(re.match(r"^.*:\d+:\d+: (error|warning|note): ", line) is not None,
           "text: not a gcc-style line: %r" % line)
    bad = [c for c in line if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u202e\u2028"]
    expect(not bad, "text: raw control characters %r in %r" % (bad, line))
expect(any(VISIBLE_NODE_TEXT in line for line in lines),
       "text: the node name is not shown escaped: %r" % text[:600])
expect(len(lines) - 1 == 2, "text: %d lines, want 2 (the diagnostic and its fix)" % (len(lines) - 1))
for stream, name in ((err, "stderr"),):
    s = stream.decode("utf-8", "replace")
    expect("\x1b" not in s and s.count("\n") == 1, "text: %s not one clean line: %r" % (name, s))

# JSON: parses, and gives every name back exactly
status, out, err = run("json")
expect(status == 1, "json: exit %d" % status)
try:
    doc = json.loads(out.decode("utf-8"))
    d = doc["diagnostics"][0]
    expect(d["node"] == NODE, "json: node %r" % d["node"])
    expect(d["location"]["file"] == path, "json: file %r" % d["location"]["file"])
    expect(doc["files"] == [path], "json: files %r" % doc["files"])
except (ValueError, KeyError, IndexError) as e:
    failures.append("json: %s: %r" % (e, out[:300]))

# SARIF: parses, the logical location is the node
status, out, err = run("sarif")
expect(status == 1, "sarif: exit %d" % status)
try:
    doc = json.loads(out.decode("utf-8"))
    res = doc["runs"][0]["results"][0]
    loc = res["locations"][0]
    expect(loc["logicalLocations"][0]["name"] == NODE, "sarif: logical location %r" % loc)
    expect(loc["physicalLocation"]["artifactLocation"]["uri"] == path, "sarif: uri")
except (ValueError, KeyError, IndexError) as e:
    failures.append("sarif: %s: %r" % (e, out[:300]))

# JUnit: well-formed XML 1.0, the names escaped visibly
status, out, err = run("junit")
expect(status == 1, "junit: exit %d" % status)
try:
    root = ET.fromstring(out)
    case = root.find("testsuite/testcase")
    expect(case.get("name") == "arch-gate", "junit: testcase name %r" % case.get("name"))
    expect(case.find("failure").get("message") == "1 node: " + VISIBLE_NODE,
           "junit: failure names %r" % case.find("failure").get("message"))
    expect(root.find("testsuite").get("name") == visible_path, "junit: suite name %r"
           % root.find("testsuite").get("name"))
    body = case.find("failure").text
    expect(all(line.startswith(visible_path + ":") for line in body.strip("\n").split("\n")),
           "junit: failure text has a forged line: %r" % body)
except ET.ParseError as e:
    failures.append("junit: not well-formed: %s: %r" % (e, out[:400]))

# an input error naming a hostile node: one escaped line on stderr
dup = os.path.join(scratch, "dup.json")
with open(dup, "w") as f:
    json.dump(qgraph([NODE, NODE]), f)
status, out, err = run("text", dup)
s = err.decode("utf-8", "replace")
expect(status == 2, "duplicate: exit %d: %r" % (status, s))
expect(s.count("\n") == 1 and "\x1b" not in s and "\\x1b[2J" in s,
       "duplicate: stderr not one escaped line: %r" % s)

# --fix: the list of changes on stderr, one escaped line per change
fixed = os.path.join(scratch, "fixed.json")
r = subprocess.run([check, "--backend", "qnn-htp", "--soc", "SM8450", "--fix", "-o", fixed, path],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
s = r.stderr.decode("utf-8", "replace")
expect(r.returncode == 0, "--fix: exit %d: %r" % (r.returncode, s))
lines = s.split("\n")[:-1]
expect(len(lines) == 3 and lines[0].startswith(visible_path + ": fixed: " + VISIBLE_NODE_TEXT)
       and "\x1b" not in s, "--fix: changes not one escaped line each: %r" % s)
with open(fixed) as f:
    expect(json.load(f)["nodes"][0]["name"] == NODE, "--fix: the fixed graph lost the name")

for f in failures:
    print("FAIL: hostile names: " + f)
print("hostile names: %d failed" % len(failures))
sys.exit(1 if failures else 0)
