# Sourced by tests/cli/run.sh (its test functions, $T, $CHECK, $RUN): issue 16's "done when", in one
# run of the tools from the build tree. A team adopts opinfo-check on a model with existing
# violations: it writes a baseline, gates only new problems (an edit that adds one violation fails
# with exactly that one; unrelated edits pass), suppresses one node with a reason, and sees every
# diagnostic as a GitHub annotation whose rule link, under --rules-url (here the source tree's
# docs/rules/ as a file:// URL), opens an existing page (docs/adoption.md).
DP="$T/done"
rm -rf "$DP"
mkdir -p "$DP/models"
SRC_ROOT=$(pwd)
ABS_CHECK=$(cd "$(dirname "$CHECK")" && pwd)/opinfo-check
ABS_DB=$(cd "$(dirname "$OPINFO_DB")" && pwd)/$(basename "$OPINFO_DB")
PY=${PYTHON:-/usr/bin/python3}
# in_proj STATUS ARGS...: opinfo-check run in the project's directory, as CI runs it
in_proj() {
    want=$1
    shift
    (cd "$DP" && OPINFO_DB="$ABS_DB" $RUN "$ABS_CHECK" "$@" >"$T/out" 2>"$T/err")
    status=$?
    if [ "$status" = "$want" ]; then ok; else bad "(in the project) opinfo-check $* -> exit $status, want $want: $(head -c 400 "$T/err")"; fi
}
diag_lines() { grep -c ': \(error\|warning\|note\): .*\]$' "$T/out"; }

cp tests/cli/adopt/model.json "$DP/models/model.qgraph.json"
printf '{\n  "backend": "qnn-htp",\n  "soc": "SM8450",\n  "release": "2.44"\n}\n' >"$DP/.opinfo.json"

# 1. today: four violations fail the gate
in_proj 1 models/model.qgraph.json
if [ "$(diag_lines)" -eq 4 ]; then ok; else bad "done: the model does not have 4 violations: $(cat "$T/out")"; fi

# 2. the baseline records them; the gate then passes and says so
in_proj 0 --write-baseline opinfo-baseline.json models/model.qgraph.json
has "wrote opinfo-baseline.json: 4 diagnostics" err
in_proj 0 --baseline opinfo-baseline.json models/model.qgraph.json
lines 0 out
has "4 in the baseline, not reported" err

# 3. unrelated edits pass: the nodes reordered, an input tensor renamed, the file re-indented
"$PY" - "$DP/models/model.qgraph.json" <<'PY'
import json, sys
p = sys.argv[1]
g = json.load(open(p))
g["nodes"].reverse()
for t in g["tensors"]:
    if t["name"] == "x":
        t["name"] = "pixels"
for n in g["nodes"]:
    n["inputs"] = ["pixels" if i == "x" else i for i in n["inputs"]]
g["producer"]["version"] = "2"
json.dump(g, open(p, "w"), indent=4)
PY
in_proj 0 --baseline opinfo-baseline.json models/model.qgraph.json
lines 0 out
has "4 in the baseline, not reported" err
has "0 fixed since the baseline" err
in_proj 0 -f github --baseline opinfo-baseline.json models/model.qgraph.json
lines 0 out

# 4. an edit that adds one violation fails with exactly it: a second convolution sharing the
# per-tensor weight
"$PY" - "$DP/models/model.qgraph.json" <<'PY'
import copy, json, sys
p = sys.argv[1]
g = json.load(open(p))
conv = next(n for n in g["nodes"] if n["name"] == "conv1")
y = next(t for t in g["tensors"] if t["name"] == "y")
y2 = dict(y, name="y2")
conv2 = dict(copy.deepcopy(conv), name="conv2", outputs=["y2"])
g["tensors"].append(y2)
g["nodes"].append(conv2)
json.dump(g, open(p, "w"), indent=4)
PY
in_proj 1 --baseline opinfo-baseline.json models/model.qgraph.json
if [ "$(diag_lines)" -eq 1 ] && grep -q ": error: conv2: weight w is per_tensor_affine; .* \[qscheme\]$" "$T/out"; then ok; else bad "done: the new violation is not reported alone: $(cat "$T/out")"; fi
has "4 in the baseline, not reported" err
has "opinfo-check: 1 error, 0 warnings in 5 nodes" err
in_proj 1 -f github --baseline opinfo-baseline.json models/model.qgraph.json
lines 1 out
has "title=opinfo qscheme::conv2: weight w" out

# 5. the team accepts it on that node, with a reason: the gate passes, --show-suppressed says why
"$PY" - "$DP/models/model.qgraph.json" <<'PY'
import json, sys
p = sys.argv[1]
g = json.load(open(p))
conv2 = next(n for n in g["nodes"] if n["name"] == "conv2")
conv2["suppress"] = [{"rule": "qscheme", "reason": "weights are re-quantized per channel at load"}]
json.dump(g, open(p, "w"), indent=4)
PY
in_proj 0 --baseline opinfo-baseline.json --show-suppressed models/model.qgraph.json
lines 0 out
if grep -q "^models/model.qgraph.json:[0-9]*:[0-9]*: suppressed: conv2: weight w is per_tensor_affine; .* \[qscheme\] (reason: weights are re-quantized per channel at load)$" "$T/err"; then ok; else bad "done: --show-suppressed: $(cat "$T/err")"; fi
has "1 suppressed by nodes" err
if grep -q "unjustified-suppression" "$T/err" "$T/out"; then bad "done: a suppression with a reason was called unjustified"; else ok; fi

# 6. every diagnostic as a GitHub annotation, its rule link a page that exists: the project's
# model without the baseline, and a model with a plugin's rule
RULES_FILE_URL=$("$PY" -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri() + "/")' "$SRC_ROOT/docs/rules")
cp tests/cases/019-htp-E12-2bit-per-tensor-conv2d/input.json "$DP/models/plugin.qgraph.json"
for m in "model.qgraph.json" "plugin.qgraph.json --soc SM8850"; do
    # shellcheck disable=SC2086
    in_proj 1 models/$m
    cp "$T/out" "$T/done-text"
    # shellcheck disable=SC2086
    in_proj 1 -f github --rules-url "$RULES_FILE_URL" models/$m
    if "$PY" - "$T/done-text" "$T/out" "$RULES_FILE_URL" <<'PY'; then ok; else bad "done: annotations of models/$m"; fi
import os, re, sys, urllib.parse, urllib.request
text, github, base = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines(), sys.argv[3]
want = [re.search(r"\[([a-z0-9/-]+)\]$", l).group(1) for l in text
        if re.search(r": (error|warning|note): .*\]$", l)]
got = []
assert want, text
for line in github:
    m = re.match(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=opinfo ([a-z0-9/-]+)::(.*)$", line)
    assert m, line
    rule, message = m.group(2), m.group(3)
    link = message.split("%0A")[-1]
    assert link.startswith("documentation: " + base), line
    url = link[len("documentation: "):]
    assert url == base + rule + ".md", (url, rule)
    # the link opens: the page is there, and it is this rule's
    path = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    page = open(path).read()
    assert page.startswith("# `%s`\n" % rule), (path, page[:80])
    got.append(rule)
assert got == want, (got, want)
PY
done
has "title=opinfo qnn-htp/per-tensor-2bit::" out
