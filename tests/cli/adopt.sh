# Sourced by tests/cli/run.sh (its test functions, $T, $CHECK): adopting opinfo-check on a model with
# known violations (docs/adoption.md): --select/--ignore, a node's "suppress", .opinfo.json and
# its precedence (command line > node > file), baselines across unrelated edits.
AD=tests/cli/adopt
AE=tests/cli/expected/adopt
P="$T/adopt"
rm -rf "$P"
mkdir -p "$P/proj/models/legacy" "$P/proj/sub"
# qnn-htp 2.44: its 8-bit Sigmoid needs fixed qparams, so the model has four rules to select from
HTP="--backend qnn-htp --soc SM8450 --release 2.44"
# the build's base of the rules' links (RULES_URL): where the docs are installed
abs_check_adopt=$(cd "$(dirname "$CHECK")" && pwd)/opinfo-check
RULES_URL_BUILT=$("$CHECK" --list-rules -f tsv | sed -n 2p | cut -f5 | sed 's|op-unsupported\.md$||')
# same_as_p GOLDEN out|err: the output with the temporary directory written as $P and the build's
# rules URL as <RULES_URL>/
same_as_p() {
    sed -e "s|$P|\$P|g" -e "s|$RULES_URL_BUILT|<RULES_URL>/|g" "$T/$2" >"$T/$2.p"
    if cmp -s "$1" "$T/$2.p"; then ok; else
        bad "$2 differs from $1"
        diff -u "$1" "$T/$2.p" | head -20 >&2
    fi
}
rules_in() { # rules_in "r1 r2" out: exactly these rule ids, in this order, on error/warning lines
    got=$(sed -n 's/.*\(error\|warning\): .*\[\([a-z0-9/-]*\)\]$/\2/p' "$T/$2" | tr '\n' ' ')
    if [ "$got" = "$1 " ] || { [ -z "$1" ] && [ -z "$got" ]; }; then ok; else
        bad "rules reported: \"$got\", want \"$1\""
    fi
}

# --- --select / --ignore --------------------------------------------------------------------------
expect 1 "$CHECK" $HTP "$AD/model.json"
rules_in "qscheme shared-spec fixed-qparams arch-gate" out
expect 1 "$CHECK" $HTP --select arch-gate,qscheme "$AD/model.json"
rules_in "qscheme arch-gate" out
expect 1 "$CHECK" $HTP --select arch "$AD/model.json"      # a prefix
rules_in "arch-gate" out
expect 1 "$CHECK" $HTP --ignore arch-gate,shared-spec "$AD/model.json"
rules_in "qscheme fixed-qparams" out
expect 0 "$CHECK" $HTP --ignore ALL "$AD/model.json"
rules_in "" out
expect 1 "$CHECK" $HTP --select ALL --ignore fixed "$AD/model.json" # ignore beats select
rules_in "qscheme shared-spec arch-gate" out
expect 0 "$CHECK" $HTP --select qnn-htp/ "$AD/model.json" # a plugin's namespace: accepted
rules_in "" out
expect 2 "$CHECK" $HTP --select archgate "$AD/model.json"
same_as "$AE/unknown-select.err" err
expect 2 "$CHECK" $HTP --ignore arch-gate,shred-spec "$AD/model.json"
has 'unknown rule "shred-spec" (did you mean "shared-spec"?)' err
expect 2 "$CHECK" $HTP --ignore zzzzzzzzzzz "$AD/model.json"
has 'unknown rule "zzzzzzzzzzz" (--list-rules lists them)' err

# --- a node's "suppress" ------------------------------------------------------------------------
expect 1 "$CHECK" $HTP --show-suppressed "$AD/suppressed.json"
same_as "$AE/suppressed.out" out
same_as "$AE/suppressed.err" err
# --select narrows further; it never brings a suppressed diagnostic back
expect 0 "$CHECK" $HTP --select arch-gate "$AD/suppressed.json"
rules_in "" out
has "1 suppressed by nodes" err
# the warning for the reasonless suppression is a rule like the others
expect 1 "$CHECK" $HTP --ignore unjustified-suppression "$AD/suppressed.json"
rules_in "qscheme fixed-qparams" out
expect 1 "$CHECK" $HTP -f sarif "$AD/suppressed.json"
has '"ruleId": "unjustified-suppression"' out
# malformed suppressions are input errors with a position
printf '%s\n' '{"qgraph": 1, "tensors": [], "nodes": [{"name": "n", "op": "aten.relu.default",' \
    '"inputs": [], "outputs": [], "suppress": [{"reason": "x"}]}]}' >"$P/badsup.json"
expect 2 "$CHECK" $HTP "$P/badsup.json"
has 'badsup.json:2:' err
has 'suppression' err

# --- .opinfo.json: found upward, flags over it, per_path by glob -------------------------------
cp "$AD/model.json" "$P/proj/models/m.json"
cp "$AD/model.json" "$P/proj/models/legacy/old.json"
cp "$AD/suppressed.json" "$P/proj/sub/s.json"
cat >"$P/proj/.opinfo.json" <<'JSON'
{
  "backend": "qnn-htp",
  "soc": "SM8450",
  "release": "2.44",
  "ignore": ["fixed-qparams"],
  "per_path": [
    {"files": "models/legacy/*", "select": "arch-gate,qscheme"},
    {"files": "sub/*.json", "select": ["arch-gate"], "ignore": []}
  ]
}
JSON
# file: backend, soc and ignore from it
expect 1 "$CHECK" "$P/proj/models/m.json"
rules_in "qscheme shared-spec arch-gate" out
# flag over file: --ignore replaces the file's ignore list, --soc its SoC
expect 1 "$CHECK" --ignore shared-spec "$P/proj/models/m.json"
rules_in "qscheme fixed-qparams arch-gate" out
expect 1 "$CHECK" --soc SM8550 "$P/proj/models/m.json"
rules_in "qscheme shared-spec" out
# per_path over the file's top level; the top-level ignore still applies
expect 1 "$CHECK" "$P/proj/models/legacy/old.json"
rules_in "qscheme arch-gate" out
# flag over per_path
expect 1 "$CHECK" --select shared-spec "$P/proj/models/legacy/old.json"
rules_in "shared-spec" out
# node over file: the file selects arch-gate for sub/, the node suppresses it
expect 0 "$CHECK" "$P/proj/sub/s.json"
rules_in "" out
has "1 suppressed by nodes" err
# --no-config: nothing from the file (no backend: the input names no target)
expect 1 "$CHECK" --no-config $HTP "$P/proj/models/legacy/old.json"
rules_in "qscheme shared-spec fixed-qparams arch-gate" out
expect 0 "$CHECK" --show-config --soc SM8550 "$P/proj/models/legacy/old.json"
same_as_p "$AE/show-config.out" out
expect 0 "$CHECK" --show-config --no-config "$P/proj/models/m.json"
same_as_p "$AE/show-config-none.out" out
# malformed files: exit 2, FILE:LINE:COL
mkdir -p "$P/bad1" "$P/bad2" "$P/bad3" "$P/bad4"
cp "$AD/model.json" "$P/bad1/m.json"
cp "$AD/model.json" "$P/bad2/m.json"
cp "$AD/model.json" "$P/bad3/m.json"
cp "$AD/model.json" "$P/bad4/m.json"
printf '{\n  "backend": "qnn-htp",\n  "select": [1]\n}\n' >"$P/bad1/.opinfo.json"
printf '{\n  "backend": "qnn-htp",\n  "selects": "arch-gate"\n}\n' >"$P/bad2/.opinfo.json"
printf '{\n  "backend": "qnn-htp",\n  "ignore": "arch-gate",,\n}\n' >"$P/bad3/.opinfo.json"
printf '{\n  "per_path": [{"files": "*", "select": ["arhc-gate"]}]\n}\n' >"$P/bad4/.opinfo.json"
expect 2 "$CHECK" "$P/bad1/m.json"
same_as_p "$AE/config-bad1.err" err
expect 2 "$CHECK" "$P/bad2/m.json"
same_as_p "$AE/config-bad2.err" err
expect 2 "$CHECK" "$P/bad3/m.json"
same_as_p "$AE/config-bad3.err" err
expect 2 "$CHECK" "$P/bad4/m.json"
same_as_p "$AE/config-bad4.err" err
expect 1 "$CHECK" --no-config $HTP "$P/bad1/m.json" # --no-config never reads it

# --- baseline ----------------------------------------------------------------------------------
expect 0 "$CHECK" $HTP --write-baseline "$P/base.json" "$AD/model.json"
has "wrote $P/base.json: 4 diagnostics" err
if "${PYTHON:-/usr/bin/python3}" -c '
import json, sys
b = json.load(open(sys.argv[1]))
assert b["opinfo_baseline"] == 1 and len(b["diagnostics"]) == 4
fps = [d["fingerprint"] for d in b["diagnostics"]]
assert fps == sorted(fps) and all(len(f) == 16 for f in fps)
' "$P/base.json"; then ok; else bad "the baseline is not 4 sorted fingerprints"; fi
# today's model against today's baseline: clean, and nothing fixed
expect 0 "$CHECK" $HTP --baseline "$P/base.json" "$AD/model.json"
rules_in "" out
has "4 in the baseline, not reported" err
has "0 fixed since the baseline" err
# an unrelated edit (nodes reversed, another node's output tensor renamed) and one rename: the
# renamed node's diagnostic is new, its old one fixed, the rest still baselined
expect 1 "$CHECK" $HTP --baseline "$P/base.json" "$AD/edited.json"
same_as "$AE/baseline-edited.out" out
same_as "$AE/baseline-edited.err" err
# the fingerprints of the unchanged nodes are the same in SARIF, whatever the order of the nodes
expect 1 "$CHECK" $HTP -f sarif "$AD/model.json"
grep -o '"opinfoDiagnostic/v1": "[0-9a-f]*"' "$T/out" | sort >"$T/fp1"
expect 1 "$CHECK" $HTP -f sarif "$AD/edited.json"
grep -o '"opinfoDiagnostic/v1": "[0-9a-f]*"' "$T/out" | sort >"$T/fp2"
if [ "$(comm -12 "$T/fp1" "$T/fp2" | wc -l)" -eq 3 ]; then ok; else bad "SARIF fingerprints moved with an unrelated edit"; fi
# a baseline written from the edited model is the same file whatever the order of its nodes
expect 0 "$CHECK" $HTP --write-baseline "$P/base2.json" "$AD/edited.json"
if [ "$(grep -c fingerprint "$P/base2.json")" -eq 4 ]; then ok; else bad "base2 has not 4 entries"; fi
# malformed baselines: exit 2 with the position
printf '{"opinfo_baseline": 1,\n "diagnostics": [}\n' >"$P/bad-base1.json"
printf '{"opinfo_baseline": 1,\n "diagnostics": [{"fingerprint": "xyz", "rule": "arity"}]}\n' >"$P/bad-base2.json"
printf '{"opinfo_baseline": 7, "diagnostics": []}\n' >"$P/bad-base3.json"
expect 2 "$CHECK" $HTP --baseline "$P/bad-base1.json" "$AD/model.json"
same_as_p "$AE/baseline-bad1.err" err
expect 2 "$CHECK" $HTP --baseline "$P/bad-base2.json" "$AD/model.json"
same_as_p "$AE/baseline-bad2.err" err
expect 2 "$CHECK" $HTP --baseline "$P/bad-base3.json" "$AD/model.json"
same_as_p "$AE/baseline-bad3.err" err
expect 2 "$CHECK" $HTP --baseline "$P/missing.json" "$AD/model.json"
has "$P/missing.json" err
expect 2 "$CHECK" $HTP --baseline "$P/base.json" --write-baseline "$P/b3.json" "$AD/model.json"
# the baseline is written through the output-file rules: never through a planted link
printf 'precious\n' >"$P/victim"
ln -s "$P/victim" "$P/link.json"
"$CHECK" $HTP --write-baseline "$P/link.json" "$AD/model.json" >/dev/null 2>&1
if [ "$(cat "$P/victim")" = precious ]; then ok; else bad "--write-baseline wrote through a symlink"; fi

# --- -f github: one workflow command per diagnostic ----------------------------------------------
expect 1 "$CHECK" $HTP -f github "$AD/model.json"
same_as_p "$AE/github.out" out
# --rules-url: each annotation's last line links the rule's page there
expect 1 "$CHECK" $HTP -f github --rules-url https://example.org/opinfo/blob/v1/docs/rules/ "$AD/model.json"
has "%0Adocumentation: https://example.org/opinfo/blob/v1/docs/rules/arch-gate.md" out
if [ "$(grep -c '%0Adocumentation: https://example.org/opinfo/blob/v1/docs/rules/[a-z-]*\.md$' "$T/out")" -eq 4 ]; then ok; else bad "not every annotation links its rule"; fi
expect 0 "$CHECK" $HTP -f github --baseline "$P/base.json" "$AD/model.json"
lines 0 out
# a node name with a line break, "::" and "%" stays inside its one command
sed 's/"name": "conv1"/"name": "conv\\n::error file=x::100%,:"/' "$AD/model.json" >"$P/hostile.json"
expect 1 "$CHECK" $HTP -f github "$P/hostile.json"
lines 4 out
has '::conv%0A::error file=x::100%25,:: weight w' out

# --- --rules-url and "rules_url": the base of every rule link -------------------------------------
RU=https://example.org/opinfo/blob/v1/docs/rules/
expect 1 "$CHECK" $HTP -f sarif --rules-url "$RU" --backend qnn-htp --soc SM8850 \
    tests/cases/019-htp-E12-2bit-per-tensor-conv2d/input.json
if "${PYTHON:-/usr/bin/python3}" -c '
import json, sys
rules = json.load(open(sys.argv[1]))["runs"][0]["tool"]["driver"]["rules"]
assert rules and all(r["helpUri"] == sys.argv[2] + r["id"] + ".md" for r in rules), rules
assert any("/" in r["id"] for r in rules)  # a plugin rule too
' "$T/out" "$RU"; then ok; else bad "--rules-url: SARIF helpUri"; fi
expect 0 "$CHECK" --list-rules -f tsv --rules-url "$RU"
if [ "$(sed 1d "$T/out" | cut -f1,5 | awk -F'\t' -v u="$RU" '$2 != u $1 ".md"' | wc -l)" -eq 0 ] &&
    grep -q "	${RU}qnn-htp/per-tensor-2bit.md$" "$T/out"; then ok; else bad "--list-rules --rules-url"; fi
expect 0 "$CHECK" --explain arch-gate --rules-url "$RU"
has "documentation: ${RU}arch-gate.md" out
expect 0 "$CHECK" --explain rule:qnn-htp/per-tensor-2bit -f json --rules-url "$RU"
has "\"help_uri\": \"${RU}qnn-htp/per-tensor-2bit.md\"" out
# bad values: a usage error naming the option, exit 2
expect 2 "$CHECK" $HTP --rules-url docs/rules/ "$AD/model.json"
has "opinfo-check: --rules-url: \"docs/rules/\" is not a URL: it needs a scheme, such as https:// or file:// (try 'opinfo-check --help')" err
expect 2 "$CHECK" $HTP --rules-url https://example.org/rules "$AD/model.json"
has "does not end in '/'" err
expect 2 "$CHECK" --list-rules --rules-url "https://example.org/a b/"
has "it holds a space or a control character" err
lines 0 out
# the project file: its rules_url, under the flag; --show-config says which; a bad one names
# the file and the position
mkdir -p "$P/ru" "$P/ru-bad"
cp "$AD/model.json" "$P/ru/m.json"
cp "$AD/model.json" "$P/ru-bad/m.json"
printf '{\n  "backend": "qnn-htp", "soc": "SM8450", "release": "2.44",\n  "rules_url": "%s"\n}\n' "$RU" >"$P/ru/.opinfo.json"
printf '{\n  "backend": "qnn-htp",\n  "rules_url": "file://docs/rules"\n}\n' >"$P/ru-bad/.opinfo.json"
expect 1 "$CHECK" -f github "$P/ru/m.json"
if [ "$(grep -c "%0Adocumentation: ${RU}[a-z-]*\.md$" "$T/out")" -eq 4 ]; then ok; else bad "rules_url from .opinfo.json"; fi
expect 1 "$CHECK" -f github --rules-url file:///srv/rules/ "$P/ru/m.json"
if [ "$(grep -c "%0Adocumentation: file:///srv/rules/[a-z-]*\.md$" "$T/out")" -eq 4 ]; then ok; else bad "--rules-url over rules_url"; fi
expect 0 "$CHECK" --show-config "$P/ru/m.json"
has "rules_url: $RU ($P/ru/.opinfo.json:3:16)" out
expect 0 "$CHECK" --show-config --rules-url file:///srv/rules/ "$P/ru/m.json"
has "rules_url: file:///srv/rules/ (--rules-url)" out
(cd "$P/ru" && $RUN "$abs_check_adopt" --list-rules -f tsv >"$T/out" 2>"$T/err")
if grep -q "	${RU}arch-gate.md$" "$T/out"; then ok; else bad "--list-rules in a project: rules_url not used"; fi
expect 2 "$CHECK" "$P/ru-bad/m.json"
has "$P/ru-bad/.opinfo.json:3:16: error: \"rules_url\": \"file://docs/rules\" does not end in '/'" err
lines 1 err
