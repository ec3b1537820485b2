#!/bin/sh
# The CI examples (examples/ci/) and the pre-commit hook of .pre-commit-hooks.yaml, run by
# Debian's pre-commit on a scratch
# repository (`pre-commit try-repo`), offline: the hook is `language: system`, so pre-commit
# installs nothing. The hook definition is copied into a repository of its own, so the test does
# not depend on the source tree being a git checkout.
#   sh tests/ci/precommit.sh BUILD_DIR
set -u
BUILD=${1:?usage: precommit.sh BUILD_DIR}
if ! command -v pre-commit >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
    echo "precommit: pre-commit or git is not installed (make deps)" >&2
    exit 1
fi
SRC=$(pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*" >&2
}
export PATH="$SRC/$BUILD/bin:$PATH" PRE_COMMIT_HOME="$T/cache" GIT_CONFIG_NOSYSTEM=1 HOME="$T"
git config --global user.email test@example.invalid
git config --global user.name test
git config --global init.defaultBranch main

# the hooks' repository: .pre-commit-hooks.yaml alone, committed
mkdir "$T/hooks"
cp "$SRC/.pre-commit-hooks.yaml" "$T/hooks/"
(cd "$T/hooks" && git init -q && git add . && git commit -qm hooks) || bad "hooks repository"

# a project with a clean model and a project file naming the chip
mkdir "$T/proj"
cp "$SRC/examples/cnn-8a8w.qgraph.json" "$T/proj/cnn.qgraph.json"
printf '{"backend": "qnn-htp", "soc": "SM8450"}\n' >"$T/proj/.opinfo.json"
printf 'not a model\n' >"$T/proj/notes.txt"
(cd "$T/proj" && git init -q && git add . && git commit -qm clean) || bad "project repository"

(cd "$T/proj" && pre-commit try-repo "$T/hooks" opinfo-check --all-files) >"$T/out" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -q "^opinfo-check\.*Passed" "$T/out"; then ok; else bad "clean model: exit $status: $(cat "$T/out")"; fi

# a model with a violation (a 16a16w MatMul on SM8450, v69): the hook fails and says why
cp "$SRC/tests/cases/010-htp-E4-matmul-16a16w-v69/input.json" "$T/proj/matmul.qgraph.json"
(cd "$T/proj" && git add matmul.qgraph.json)
(cd "$T/proj" && pre-commit try-repo "$T/hooks" opinfo-check --all-files) >"$T/out" 2>&1
status=$?
if [ "$status" -eq 1 ] && grep -q "^opinfo-check\.*Failed" "$T/out"; then ok; else bad "violation: exit $status: $(cat "$T/out")"; fi
if grep -q "matmul.qgraph.json:26:5: error: mm1: MatMul 16a16w .* \[arch-gate\]" "$T/out"; then ok; else bad "the diagnostic is not shown: $(cat "$T/out")"; fi
# only the files the hook's pattern names were passed: not notes.txt
if grep -q "notes.txt" "$T/out"; then bad "notes.txt was checked"; else ok; fi

# the CI examples: their opinfo-check commands, run as the workflow and the job run them, on a
# project with one clean model and one with a violation
mkdir -p "$T/ci/models"
cp "$SRC/examples/cnn-8a8w.qgraph.json" "$T/ci/models/cnn.qgraph.json"
cp "$SRC/tests/cases/010-htp-E4-matmul-16a16w-v69/input.json" "$T/ci/models/matmul.qgraph.json"
/usr/bin/python3 - "$SRC/examples/ci/github-actions.yml" "$SRC/examples/ci/gitlab-ci.yml" \
    >"$T/ci/commands" <<'PY' || bad "the CI examples do not parse"
import sys, yaml
gh, gl = (yaml.safe_load(open(p)) for p in sys.argv[1:])
steps = gh["jobs"]["check"]["steps"]
runs = [s["run"] for s in steps if s.get("run", "").startswith("opinfo-check")]
assert any("-f github" in r for r in runs) and any("-f sarif" in r for r in runs), runs
up = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
assert up and up[0]["with"]["sarif_file"] == "opinfo.sarif" and up[0]["if"] == "always()"
assert gh["permissions"]["security-events"] == "write"
job = gl["opinfo"]
assert job["artifacts"]["reports"]["junit"] == "opinfo-junit.xml"
runs += [c for c in job["script"] if c.startswith("opinfo-check")]
print("\n".join(r.replace("SM8650", "SM8450") for r in runs))
PY
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    (cd "$T/ci" && sh -c "$cmd") >"$T/ci/out.$n" 2>&1
    echo "$?" >"$T/ci/status.$n"
done <"$T/ci/commands"
if [ "$n" -eq 4 ]; then ok; else bad "$n opinfo-check commands in the CI examples, not 4"; fi
# the annotation step fails on the violation and annotates it; the SARIF and JUnit steps pass
if [ "$(cat "$T/ci/status.1")" = 1 ] &&
    grep -q "^::error file=models/matmul.qgraph.json,line=26,col=5,title=opinfo arch-gate::mm1: " "$T/ci/out.1"; then ok; else bad "github step: $(cat "$T/ci/out.1")"; fi
if grep -q "arch-gate  error" "$T/ci/out.1"; then ok; else bad "github step: no --statistics"; fi
# every annotation links its rule's page under the workflow's --rules-url, the docs/rules/ of the
# opinfo sources it checks out: a page these sources have
url=$(sed -n 's/.*--rules-url \([^ ]*\).*/\1/p' "$T/ci/commands" | sort -u)
links=$(grep '^::' "$T/ci/out.1" | sed -n 's/.*%0Adocumentation: \(.*\)$/\1/p')
if [ "$(printf '%s\n' "$url" | wc -l)" = 1 ] && [ -n "$links" ] &&
    [ "$(grep -c '^::' "$T/ci/out.1")" = "$(printf '%s\n' "$links" | wc -l)" ]; then ok; else bad "github step: one --rules-url, a link per annotation: $url / $links"; fi
for l in $links; do
    case $l in "$url"*) [ -s "$SRC/docs/rules/${l#"$url"}" ] && ok || bad "$l: no such page in docs/rules/" ;;
    *) bad "$l is not under $url" ;; esac
done
if [ "$(cat "$T/ci/status.2")" = 0 ] && /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/ci/opinfo.sarif'))
r = d['runs'][0]['results']
rules = d['runs'][0]['tool']['driver']['rules']
ok = len(r) == 1 and r[0]['ruleId'] == 'arch-gate'
ok = ok and all(x['helpUri'].startswith('https://') and x['helpUri'].endswith('/docs/rules/' + x['id'] + '.md') for x in rules)
sys.exit(0 if ok else 1)"; then ok; else bad "SARIF step"; fi
if [ "$(cat "$T/ci/status.3")" = 0 ] && grep -q "<testsuite" "$T/ci/opinfo-junit.xml"; then ok; else bad "JUnit step"; fi
if [ "$(cat "$T/ci/status.4")" = 1 ]; then ok; else bad "gitlab gate did not fail"; fi

echo "precommit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
