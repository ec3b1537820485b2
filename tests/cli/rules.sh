# Sourced by tests/cli/run.sh (its test functions, $T, $CHECK, $BUILD): rules as documented data
# (docs/rules.md): the pages docs/rules/ equal what the build renders, a plugin's rule is in every
# listing (--list-rules text/json/tsv, --explain, SARIF rules[] with its index, JUnit), --explain
# tells rules from ops, plugins of ABI 1.1 still load, SARIF's invocation and --source-root.
R="$T/rules"
rm -rf "$R"
mkdir -p "$R"
# the committed pages are the rendered ones, file for file (make rule-docs writes them)
if sh docs/render-rules.sh "$BUILD" "$R/pages" 2>"$T/err" && diff -r docs/rules "$R/pages" >"$T/out"; then
    ok
else
    bad "docs/rules differs from what the build renders (make rule-docs): $(head -c 400 "$T/out")"
fi
# every listing in every format names the plugin's rule; tsv parses back with cut
expect 0 "$CHECK" --list-rules
has "qnn-htp/per-tensor-2bit      a 2-bit tensor is quantized per tensor" out
expect 0 "$CHECK" --list-rules -f tsv
if [ "$(head -1 "$T/out" | cut -f1,3)" = "$(printf 'id\tplugin')" ] &&
    [ "$(grep '^qnn-htp/per-tensor-2bit' "$T/out" | cut -f3)" = "qnn-htp" ] &&
    [ "$(grep '^arch-gate' "$T/out" | cut -f3,4)" = "$(printf '\terror')" ] &&
    [ "$(grep '^runs-in-float' "$T/out" | cut -f4)" = "warning" ]; then ok; else
    bad "--list-rules -f tsv: $(head -3 "$T/out")"
fi
expect 0 "$CHECK" --list-rules -f json
if /usr/bin/python3 -c '
import json, sys
rules = {r["id"]: r for r in json.load(open(sys.argv[1]))}
r = rules["qnn-htp/per-tensor-2bit"]
assert r["plugin"] == "qnn-htp" and r["example"] and r["fix"] and r["description"], r
assert r["help_uri"].endswith("/rules/qnn-htp/per-tensor-2bit.md"), r
assert all(x["example"] and x["fix"] and x["summary"] for x in rules.values())
' "$T/out"; then ok; else bad "--list-rules -f json lacks the plugin rule in full"; fi
expect 2 "$CHECK" --list-rules -f yaml
has 'unknown --format "yaml" for --list-rules (one of: text, json, tsv)' err
# --explain: a rule (the validator's or a plugin's), an op, and what is neither
expect 0 "$CHECK" --explain qnn-htp/per-tensor-2bit
has "qnn-htp/per-tensor-2bit: a 2-bit tensor is quantized per tensor" out
has "(a rule of the qnn-htp plugin)" out
expect 0 "$CHECK" --explain arch-gate -f markdown
if cmp -s "$T/out" docs/rules/arch-gate.md; then ok; else bad "--explain arch-gate -f markdown is not its page"; fi
expect 0 "$CHECK" --explain arch-gate -f json
has '"id": "arch-gate"' out
expect 0 "$CHECK" --explain MatMul --backend qnn-htp --soc SM8450
has "MatMul (qnn-htp" out
expect 0 "$CHECK" --explain rule:axis --backend qnn-htp
has "axis: per-channel quantization" out
expect 2 "$CHECK" --explain archgate
has 'did you mean "arch-gate"?' err
has "to explain an op, give --backend" err
expect 1 "$CHECK" --explain op:Nothing --backend qnn-htp
expect 2 "$CHECK" --explain MatMul --backend qnn-htp -f markdown
has 'unknown --format "markdown" for --explain (one of: text, json, tsv)' err
# SARIF: the plugin's rule in rules[], its results' ruleIndex pointing at it; the invocation
C19=tests/cases/019-htp-E12-2bit-per-tensor-conv2d/input.json
expect 1 "$CHECK" -f sarif --backend qnn-htp --soc SM8850 "$C19"
cp "$T/out" "$R/019.sarif"
expect 1 "$CHECK" -f sarif --source-root . --backend qnn-htp --soc SM8850 "$C19"
cp "$T/out" "$R/019-root.sarif"
if /usr/bin/python3 -c '
import json, os, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = run["tool"]["driver"]["rules"]
plug = [r for r in run["results"] if r["ruleId"] == "qnn-htp/per-tensor-2bit"]
assert plug and all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
doc = rules[plug[0]["ruleIndex"]]
assert doc["helpUri"].endswith("/rules/qnn-htp/per-tensor-2bit.md") and "## Fix" in doc["help"]["markdown"]
inv = run["invocations"][0]
assert inv["exitCode"] == 1 and inv["executionSuccessful"] and inv["arguments"][0] == "opinfo-check"
assert run["automationDetails"]["id"] == "opinfo-check/qnn-htp/SM8850/"
assert "originalUriBaseIds" not in run
loc = plug[0]["locations"][0]["physicalLocation"]["artifactLocation"]
assert loc == {"uri": sys.argv[3]}, loc
run = json.load(open(sys.argv[2]))["runs"][0]
loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
assert loc == {"uri": sys.argv[3], "uriBaseId": "SRCROOT"}, loc
assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + os.path.realpath(".") + "/"
' "$R/019.sarif" "$R/019-root.sarif" "$C19"; then ok; else bad "SARIF of a plugin rule, its invocation or --source-root"; fi
# a file outside the root keeps its name; a root that does not exist is an error naming it
cp "$C19" "$R/outside.json"
expect 1 "$CHECK" -f sarif --source-root tests --backend qnn-htp --soc SM8850 "$R/outside.json"
has "\"uri\": \"$R/outside.json\"" out
expect 2 "$CHECK" -f sarif --source-root "$R/none" --backend qnn-htp --soc SM8850 "$C19"
has "--source-root $R/none: No such file or directory" err
# JUnit: one testcase per rule and file, the plugin's among them
expect 1 "$CHECK" -f junit --backend qnn-htp --soc SM8850 "$C19"
has '<testcase name="qnn-htp/per-tensor-2bit"' out
has '<failure message="1 node: conv1" type="qnn-htp/per-tensor-2bit">' out
# plugins: one of ABI 1.2 documents its rule; one built against 1.1 still loads, documenting none
mkdir -p "$R/new" "$R/old"
cp "$BUILD/tests/fixtures/good.so" "$R/new/fixture.so"
cp "$BUILD/tests/fixtures/abi-1-1.so" "$R/old/fixture.so"
chmod 755 "$R" "$R/new" "$R/old"
chmod 644 "$R/new/fixture.so" "$R/old/fixture.so"
expect 0 "$CHECK" --plugin-path "$R/new" --list-rules
has "fixture/no-op                the fixture's rule" out
expect 0 "$CHECK" --plugin-path "$R/new" --explain fixture/no-op
has "documentation: https://example.invalid/rules/fixture/no-op.md" out
expect 0 "$CHECK" --plugin-path "$R/old" --list-plugins
has "fixture 1.2.3 (ABI 1.1) serves fixture: ok" out
expect 0 "$CHECK" --plugin-path "$R/old" --list-rules
if grep -q "^fixture/" "$T/out"; then bad "an ABI 1.1 plugin documents rules"; else ok; fi
expect 2 "$CHECK" --plugin-path "$R/old" --explain fixture/no-op
# the JSON report against schemas/report.schema.json, beyond tests/cases: an ONNX model's node
# locations, an overrides check, a backend whose plugin is missing, and an empty report; a report
# with an unknown key or a missing one is refused (the schema can fail)
expect 1 "$CHECK" -f json --backend qnn-htp --soc SM8350 tests/cli/onnx/matmul16.onnx
cp "$T/out" "$R/onnx.json"
expect 1 "$CHECK" -f json --overrides tests/overrides/validate/34-unknown-tensor.json tests/overrides/table.qgraph.json
cp "$T/out" "$R/overrides.json"
mkdir -p "$R/refused"
chmod 755 "$R/refused"
printf 'not a shared object\n' >"$R/refused/qnn-htp.so"
expect 1 "$CHECK" -f json --plugin-path "$R/refused" --backend qnn-htp --soc SM8650 examples/cnn-8a8w.qgraph.json
cp "$T/out" "$R/unavailable.json"
expect 0 "$CHECK" -f json --select observer-range --backend qnn-htp --soc SM8650 "$C19"
cp "$T/out" "$R/empty.json"
if /usr/bin/python3 -c '
import copy, json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open("schemas/report.schema.json")))
docs = [json.load(open(f)) for f in sys.argv[1:]]
for f, d in zip(sys.argv[1:], docs):
    errs = list(v.iter_errors(d))
    assert not errs, (f, errs[0].message)
onnx = docs[0]["diagnostics"][0]
assert onnx["location"]["node_index"] == 4 and onnx["qgraph_location"] is None, onnx
assert docs[2]["diagnostics"][0]["rule"] == "backend-unavailable"
assert docs[3]["diagnostics"] == []
bad = copy.deepcopy(docs[0]); bad["diagnostics"][0]["extra"] = 1
assert not v.is_valid(bad)
bad = copy.deepcopy(docs[0]); del bad["summary"]["truncated"]
assert not v.is_valid(bad)
bad = copy.deepcopy(docs[0]); bad["diagnostics"][0]["rule"] = "Not A Rule"
assert not v.is_valid(bad)
' "$R/onnx.json" "$R/overrides.json" "$R/unavailable.json" "$R/empty.json"; then ok; else
    bad "a JSON report does not follow schemas/report.schema.json"
fi
# docs/rules.md cites what is in the repository: every link resolves, and every page of this
# repository it names by file name exists in docs/
if /usr/bin/python3 -c '
import os, re, sys
text = open("docs/rules.md").read()
missing = [t for t in re.findall(r"\]\(([^)#]+)", text) if not os.path.exists(os.path.join("docs", t))]
missing += [m for m in set(re.findall(r"\b([a-z][a-z0-9-]*\.md)\b", text))
            if not os.path.exists(os.path.join("docs", m)) and not os.path.exists(m)]
assert not missing, missing
'; then ok; else bad "docs/rules.md cites a file the repository does not have"; fi
