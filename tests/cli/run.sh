#!/bin/sh
# End-to-end tests of the command-line tools, run from the source root:
#   sh tests/cli/run.sh BUILD_DIR
# $RUN, when set, prefixes every tool run (make valgrind sets it to valgrind). Golden outputs
# live in tests/cli/expected/ and tests/bad-inputs/constraints/*.expected; they were reviewed by hand
# once and are compared exactly.
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
DB_TOOL="$BUILD/bin/opinfo-db"
DEFAULT_DB="$BUILD/share/opinfo/opinfo.db"
EXP=tests/cli/expected
RUN=${RUN:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# run CMD...: stdout to $T/out, stderr to $T/err, the exit status in $status
run() {
    # shellcheck disable=SC2086
    $RUN "$@" >"$T/out" 2>"$T/err"
    status=$?
}
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*" >&2
}
# expect STATUS CMD...
expect() {
    want=$1
    shift
    run "$@"
    if [ "$status" = "$want" ]; then ok; else bad "$* -> exit $status, want $want: $(head -c 400 "$T/err")"; fi
}
same_as() { # same_as GOLDEN out|err
    if cmp -s "$1" "$T/$2"; then ok; else
        bad "$2 differs from $1"
        diff -u "$1" "$T/$2" | head -20 >&2
    fi
}
has() { # has TEXT out|err
    if grep -qF -- "$1" "$T/$2"; then ok; else bad "\"$1\" not in $2: $(head -c 300 "$T/$2")"; fi
}
lines() { # lines N out|err
    n=$(wc -l <"$T/$2")
    if [ "$n" -eq "$1" ]; then ok; else bad "$2 has $n lines, want $1"; fi
}

export OPINFO_DB="$DEFAULT_DB"

# --- usage -------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" --version
has "database schema 3" out
expect 0 "$DB_TOOL" --help
has "usage: opinfo-db" out
expect 2 "$DB_TOOL"
expect 2 "$DB_TOOL" frobnicate
has 'unknown command "frobnicate"' err
expect 2 "$DB_TOOL" --bogus list backends
expect 2 "$DB_TOOL" list
expect 2 "$DB_TOOL" list widgets
expect 2 "$DB_TOOL" show Conv2d
has "show needs --backend" err
expect 2 "$DB_TOOL" --db

# --- the default database is found without flags or environment --------------------------------
(unset OPINFO_DB; $RUN "$DB_TOOL" list backends >"$T/out" 2>"$T/err")
if [ $? -eq 0 ]; then ok; else bad "default database not found: $(cat "$T/err")"; fi
lines 3 out
has "qnn-htp" out

# --- show --------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8450
same_as "$EXP/show-conv2d-sm8450.txt" out
has "variant 16a4w-block [16a4w-block]: available on SM8450" out
has "variant 16a16w [16a16w]: GATED on SM8450 (arch v69): needs v73 or newer" out
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8350
has "variant 16a4w-block [16a4w-block]: GATED on SM8350 (arch v68): needs v69 or newer" out
expect 0 "$DB_TOOL" show aten.matmul.default --backend qnn-htp --soc SM8550 --release 2.41
has "MatMul (qnn-htp 2.41) on SM8550, arch v73" out
has "variant 16a16w [" out
expect 0 "$DB_TOOL" show torch.nn.Sigmoid --backend fbgemm
has "fixed scale 0.00390625; fixed zero_point 0" out
expect 1 "$DB_TOOL" show NoSuchOp --backend qnn-htp
has 'no op or alias "NoSuchOp"' err
expect 1 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM9999
has 'unknown SoC "SM9999"' err
expect 1 "$DB_TOOL" show Conv2d --backend nosuch
expect 1 "$DB_TOOL" show Conv2d --backend qnn-htp --release 9.9

# --- list --------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" list socs --backend qnn-htp
lines 20 out
has "SM8650      v75" out
expect 0 "$DB_TOOL" list releases
lines 8 out
expect 0 "$DB_TOOL" list ops --backend xnnpack
expect 0 "$DB_TOOL" list aliases --backend qnn-htp --release 2.41
has "aten.conv2d.default" out

# --- diff --------------------------------------------------------------------------------------
expect 1 "$DB_TOOL" diff --backend qnn-htp 2.41 2.44
same_as "$EXP/diff-qnn-htp-2.41-2.44.txt" out
has "2 changes" err
expect 0 "$DB_TOOL" diff --backend qnn-htp 2.44 2.44
expect 2 "$DB_TOOL" diff --backend qnn-htp 2.41 7.0
expect 2 "$DB_TOOL" diff --backend qnn-htp 2.41

# --- matrix ------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" matrix --backend qnn-htp
same_as "$EXP/matrix-qnn-htp.md" out
md_rows=$(grep '^| [A-Za-z]' "$T/out" | grep -vc '^| op |')
expect 0 "$DB_TOOL" matrix --backend qnn-htp --format html
has "<table>" out
html_rows=$(grep -o '<tr><td>' "$T/out" | wc -l)
if [ "$md_rows" -eq "$html_rows" ] && [ "$md_rows" -gt 100 ]; then ok; else bad "matrix rows md $md_rows html $html_rows"; fi
expect 2 "$DB_TOOL" matrix --backend qnn-htp --format pdf

# --- export, then import into a new database: identical -----------------------------------------
for br in qnn-htp:2.41 qnn-htp:2.44 xnnpack:1.13 fbgemm:1.13; do
    b=${br%%:*}
    r=${br#*:}
    expect 0 "$DB_TOOL" export --backend "$b" --release "$r" -o "$T/e.json"
    rm -f "$T/rt.db"*
    expect 0 "$DB_TOOL" --db "$T/rt.db" init
    expect 0 "$DB_TOOL" --db "$T/rt.db" import "$T/e.json"
    expect 0 "$DB_TOOL" --db "$T/rt.db" export --backend "$b"
    same_as "$T/e.json" out
done

# --- malformed constraint files: exact errors, exit 2, nothing written ---------------------------
rm -f "$T/bad.db"*
expect 0 "$DB_TOOL" --db "$T/bad.db" init
expect 0 "$DB_TOOL" --db "$T/bad.db" import db/data/xnnpack/1.13.json
"$DB_TOOL" --db "$T/bad.db" list releases >"$T/before" 2>/dev/null
nbad=0
for f in tests/bad-inputs/constraints/[0-9]*.json; do
    expect 2 "$DB_TOOL" --db "$T/bad.db" import "$f"
    same_as "${f%.json}.expected" err
    nbad=$((nbad + 1))
done
"$DB_TOOL" --db "$T/bad.db" list releases >"$T/after" 2>/dev/null
if cmp -s "$T/before" "$T/after"; then ok; else bad "a rejected import changed the database"; fi
if [ "$nbad" -ge 25 ]; then ok; else bad "only $nbad malformed constraint files"; fi
expect 0 "$DB_TOOL" --db "$T/bad.db" check tests/bad-inputs/constraints/ok-minimal.json
expect 2 "$DB_TOOL" --db "$T/bad.db" import tests/bad-inputs/constraints/no-such-file.json
has "tests/bad-inputs/constraints/no-such-file.json: error: cannot open: No such file or directory" err
expect 2 "$DB_TOOL" --db "$T/bad.db" import
expect 2 "$DB_TOOL" --db "$T/bad.db" import db/data/xnnpack/1.13.json
has "release xnnpack 1.13 is already in the database" err

# --- databases that must be refused -----------------------------------------------------------
expect 2 "$DB_TOOL" --db "$T/none.db" list backends
has "cannot open database: No such file or directory" err
OPINFO_DB="$T/none.db" run "$DB_TOOL" list backends
if [ "$status" = 2 ]; then ok; else bad "OPINFO_DB is not honoured"; fi
printf 'not a database at all, only text that goes on for a while...............\n' >"$T/text.db"
expect 2 "$DB_TOOL" --db "$T/text.db" list backends
has "not an opinfo database" err
cp "$DEFAULT_DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
expect 2 "$DB_TOOL" --db "$T/newer.db" show Conv2d --backend qnn-htp
has "(db schema 99, tool supports <= 3)" err
expect 2 "$DB_TOOL" --db "$T/newer.db" migrate
rm -f "$T/cur.db"*
expect 0 "$DB_TOOL" --db "$T/cur.db" init
expect 0 "$DB_TOOL" --db "$T/cur.db" migrate
has "schema 3 is current" out

# --- opinfo-check -----------------------------------------------------------------------------
CHECK="$BUILD/bin/opinfo-check"
CASE=tests/cases/010-htp-E4-matmul-16a16w-v69/input.json
expect 0 "$CHECK" --version
has "qgraph format 1" out
expect 0 "$CHECK" --help
expect 0 "$CHECK" --list-rules
lines 34 out
has "qnn-htp/per-tensor-2bit" out
has "arch-gate" out
has "runs-in-float" out
has "dynamic-mismatch" out
has "overrides-no-variant" out
# autofix and overrides: usage errors (tests/autofix and tests/overrides run them for real)
expect 2 "$CHECK" --fix "$CASE"
has "--fix needs -o FIXED for a qgraph" err
expect 2 "$CHECK" fix-overrides "$CASE"
has "fix-overrides needs GRAPH OVERRIDES" err
expect 2 "$CHECK" --overrides tests/overrides/validate/01-scale-without-zero-point.json --activation-type QUInt12 "$CASE"
has "unknown --activation-type QUInt12" err
expect 2 "$CHECK" --overrides /nonexistent.json "$CASE"
has "/nonexistent.json" err
expect 2 "$CHECK"
has "no input files" err
expect 2 "$CHECK" --format xml "$CASE"
expect 2 "$CHECK" --max-errors 0 "$CASE"
expect 2 "$CHECK" --frobnicate "$CASE"
expect 0 "$CHECK" --backend qnn-htp --soc SM8450 --explain Conv2d
same_as "$EXP/show-conv2d-sm8450.txt" out
expect 1 "$CHECK" --backend qnn-htp --explain NoSuchOp
expect 2 "$CHECK" --explain Conv2d
# strict (default) fails, warn passes, both report
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 "$CASE"
has "[arch-gate]" out
has "opinfo-check: 1 error, 0 warnings in 1 node" err
expect 0 "$CHECK" --warn --backend qnn-htp --soc SM8450 "$CASE"
has ": warning: " out
expect 1 "$CHECK" --warn --strict --backend qnn-htp --soc SM8450 "$CASE"
expect 0 "$CHECK" --backend qnn-htp --soc SM8550 "$CASE"
lines 0 out
# --quiet drops only the summary
expect 1 "$CHECK" --quiet --backend qnn-htp --soc SM8450 "$CASE"
lines 0 err
lines 2 out
# stdin, and a report written whole to a file
run "$CHECK" --backend qnn-htp --soc SM8450 - <"$CASE"
if [ "$status" = 1 ] && grep -qF "<stdin>:" "$T/out"; then ok; else bad "stdin: exit $status"; fi
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -f json -o "$T/r.json" "$CASE"
lines 0 out
if [ -s "$T/r.json" ] && [ ! -e "$T/r.json.tmp" ] && grep -qF '"rule": "arch-gate"' "$T/r.json"; then ok; else bad "-o did not write the report"; fi
expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o "$T/no/such/dir/r.txt" "$CASE"
# several files: one report; a bad file is exit 2 even when the others are clean
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 examples/cnn-8a8w.qgraph.json examples/llm-block-16a8w.qgraph.json
has "in 42 nodes" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 examples/cnn-8a8w.qgraph.json tests/bad-inputs/qgraph/01-truncated.json
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 no-such-file.json
has "no-such-file.json: error: cannot open: No such file or directory" err
# --max-errors stops early and says so
expect 1 "$CHECK" --max-errors 1 --backend qnn-htp --soc SM8350 examples/llm-block-16a8w.qgraph.json
lines 2 out
has "stopped at --max-errors 1" err
# the database is refused the same way as by opinfo-db
expect 2 "$CHECK" --db "$T/newer.db" --backend qnn-htp --soc SM8650 "$CASE"
has "(db schema 99, tool supports <= 3)" err

# --- plugins: listing, fail closed, annotation ------------------------------------------------
expect 0 "$CHECK" --list-plugins
lines 3 out
has "qnn-htp 0.1.0 (ABI 1.2) serves qnn-htp: ok; configs 8a8w,8a4w,16a8w,16a16w,16a4w,16a4w-block,16a2w" out
# a refused plugin first on the path: the backend's plugin is unavailable, and the check says so
mkdir -p "$T/plugins"
chmod 755 "$T/plugins"
printf 'not a shared object\n' >"$T/plugins/qnn-htp.so"
expect 1 "$CHECK" --plugin-path "$T/plugins" --list-plugins
has "qnn-htp.so: refused: " out
expect 1 "$CHECK" --plugin-path "$T/plugins" --backend qnn-htp --soc SM8550 "$CASE"
has "[backend-unavailable]" out
has "is not a shared object" out
expect 0 "$CHECK" --warn --plugin-path "$T/plugins" --backend qnn-htp --soc SM8550 "$CASE"
has ": warning: qnn-htp: the qnn-htp plugin is unavailable" out
# annotation: goldens reviewed once, compared exactly (the tool's version redacted)
ANN=tests/annotate/expected
# every plugin and config: tests/annotate/expected/LIST says backend, SoC, config, graph, golden
nann=0
while read -r b soc cfg graph gold; do
    socarg=""
    [ "$soc" != "-" ] && socarg="--soc $soc"
    # the xnnpack plugin's configs are PyTorch 1.13's (FX names); 2.6 is XNNPACKQuantizer's (aten)
    [ "$b" = xnnpack ] && socarg="--release 1.13.1"
    # shellcheck disable=SC2086
    expect 0 "$CHECK" annotate --backend "$b" $socarg --config "$cfg" "examples/float/$graph.qgraph.json"
    sed 's/"version": "[0-9.]*"/"version": "<VERSION>"/' "$T/out" >"$T/ann.json"
    sed 's/"version": "[0-9.]*"/"version": "<VERSION>"/' "$ANN/$gold.json" >"$T/ann-gold.json"
    if cmp -s "$T/ann.json" "$T/ann-gold.json"; then ok; else bad "annotate $gold differs from the golden"; fi
    # shellcheck disable=SC2086
    expect 0 "$CHECK" --backend "$b" $socarg "$ANN/$gold.json"
    nann=$((nann + 1))
done <"$ANN/LIST"
if [ "$nann" -ge 13 ]; then ok; else bad "only $nann annotate goldens"; fi
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 examples/float/cnn.qgraph.json
has "annotate needs --config" err
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 --config 9a9w examples/float/cnn.qgraph.json
has "qnn-htp: " err
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 --config 16a4w-block:x examples/float/cnn.qgraph.json
expect 2 "$CHECK" annotate --plugin-path "$T/plugins" --backend qnn-htp --soc SM8650 --config 8a8w examples/float/cnn.qgraph.json
has "is not a shared object" err
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin qnn-htp
has "plugin qnn-htp ships no constraint data" err
mkdir -p "$T/fixture"
chmod 755 "$T/fixture"
cp "$BUILD/tests/fixtures/good.so" "$T/fixture/fixture.so"
chmod 644 "$T/fixture/fixture.so"
expect 0 "$DB_TOOL" --db "$T/cur.db" import --from-plugin fixture --plugin-path "$T/fixture"
has "imported the constraint data of plugin fixture 1.2.3" err
expect 0 "$DB_TOOL" --db "$T/cur.db" show Relu --backend fixture
has "Relu (fixture 1.2.3)" out
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin fixture --plugin-path "$T/fixture"
has "release fixture 1.2.3 is already in the database" err
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin nosuch
has "no plugin for backend nosuch" err

# --- ONNX models, read by the C reader (tests/cli/onnx/make.py wrote them) ----------------------
CHECK="$BUILD/bin/opinfo-check"
M16=tests/cli/onnx/matmul16.onnx
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$M16"
same_as "$EXP/onnx-matmul16-sm8350.txt" out
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 "$M16"
lines 0 out
# by content, whatever the name; stdin too
cp "$M16" "$T/MODEL.ONNX"
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$T/MODEL.ONNX"
has "$T/MODEL.ONNX: node 4: error: y_node: MatMul 16a16w" out
cp "$M16" "$T/model.qgraph.json"
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$T/model.qgraph.json"
has "model.qgraph.json: node 4: error: y_node" out
run "$CHECK" --backend qnn-htp --soc SM8350 - <"$M16"
if [ "$status" = 1 ]; then ok; else bad "stdin ONNX -> exit $status"; fi
has "<stdin>: node 4: error: y_node" out
# JSON and SARIF: the node's index, never a line
expect 1 "$CHECK" -f json --backend qnn-htp --soc SM8350 "$M16"
has '"node_index": 4' out
has '"qgraph_location": null' out
expect 1 "$CHECK" -f sarif --backend qnn-htp --soc SM8350 "$M16"
has '"fullyQualifiedName": "graph.node[4]"' out
has '"index": 4' out
if grep -q '"startLine"' "$T/out"; then bad "SARIF of an ONNX model has a startLine"; else ok; fi
expect 1 "$CHECK" -f junit --backend qnn-htp --soc SM8350 "$M16"
has "matmul16.onnx: node 4: error: y_node: MatMul 16a16w" out
# external data beside the model; the same model elsewhere without it
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 tests/cli/onnx/ext/model.onnx
cp tests/cli/onnx/ext/model.onnx "$T/alone.onnx"
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 "$T/alone.onnx"
has "$T/alone.onnx: error: tensor 'x_scale': external data 'weights.bin': No such file or directory" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 - <tests/cli/onnx/ext/model.onnx
has "<stdin>: error: tensor 'x_scale': external data 'weights.bin' cannot be read for a model without a directory (stdin)" err
# --overrides on an ONNX model sees its weights as initializers
printf '{"w_q": [{"quant_type": "QInt8", "symmetric": true}]}\n' >"$T/ov.json"
run "$CHECK" --overrides "$T/ov.json" --backend qnn-htp --soc SM8650 tests/cli/onnx/ext/model.onnx
if [ "$status" != 2 ]; then ok; else bad "--overrides on ONNX -> exit 2: $(head -c 300 "$T/err")"; fi
# --fix on an ONNX model writes ONNX Runtime's TensorQuantOverrides, by float tensor names (W, not
# W_quantized; y, not y_QuantizeLinear_Input), with the convert of its DequantizeLinear ->
# QuantizeLinear pair and the Sigmoid's fixed qparams; stdout without -o
F16=tests/cli/onnx/fix16.onnx
expect 1 "$CHECK" --backend qnn-htp --soc SM8650 "$F16"
has "fix16.onnx: node 6: error: sigmoid: output y_QuantizeLinear_Input has scale" out
has "[qscheme]" out
# its fixes in ONNX Runtime's knobs, on the float model's names
has 'or the override "W": [{"quant_type": "QInt8", "symmetric": true, "axis": 0}]; per tensor instead, as --fix writes it: per_channel=False' out
has 'note: fix: the override "y": [{"quant_type": "QUInt16", "scale": 1.52587890625e-05, "zero_point": 0}]' out
expect 0 "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16"
same_as "$EXP/onnx-fix16-overrides.json" out
has "fix16.onnx: fixed: conv: tensor W_quantized: qscheme per_tensor_affine [qscheme]" err
has "wrote <stdout>: 4 tensor overrides for ONNX Runtime's TensorQuantOverrides (defaults: activations QUInt16, weights QUInt8)" err
has "0 errors, 0 warnings in what is left" err
expect 0 "$CHECK" --fix -o "$T/ov16.json" --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16"
lines 0 out
if cmp -s "$T/ov16.json" "$EXP/onnx-fix16-overrides.json"; then ok; else bad "--fix -o differs from stdout"; fi
# what it wrote is valid overrides for the model (every ONNX Runtime rule), and the types they give
# every node form a variant
expect 0 "$CHECK" --overrides "$T/ov16.json" --activation-type QUInt16 --backend qnn-htp --soc SM8650 "$F16"
# with ONNX Runtime's default types every 16-bit activation is named
expect 0 "$CHECK" --fix --backend qnn-htp --soc SM8650 "$F16"
has '"x": [' out
# stdin works like a file; bad input is exit 2 with nothing written
run "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt16 - <"$F16"
if [ "$status" = 0 ] && cmp -s "$T/out" "$EXP/onnx-fix16-overrides.json"; then ok; else bad "--fix from stdin -> $status"; fi
expect 2 "$CHECK" --fix -o "$T/never.json" --backend qnn-htp --soc SM8650 tests/bad-inputs/onnx/11-cycle.onnx
if [ -e "$T/never.json" ]; then bad "--fix on a bad model wrote a file"; else ok; fi
expect 2 "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt12 "$F16"
# fix-overrides on an ONNX model reads and writes the float model's names
printf '{"r": [{"quant_type": "QUInt8"}], "W": [{"quant_type": "QInt8", "symmetric": true}]}\n' >"$T/init16.json"
expect 0 "$CHECK" fix-overrides --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16" "$T/init16.json" -o "$T/fo16.json"
if [ "$(tr -d ' \n' <"$T/fo16.json")" = '{"r":[{"quant_type":"QUInt8"}],"W":[{"quant_type":"QInt8","symmetric":true}],"c":[{"quant_type":"QUInt16","convert":{"quant_type":"QUInt8","recv_nodes":["relu"]}}]}' ]; then ok; else bad "fix-overrides on ONNX: $(tr -d ' \n' <"$T/fo16.json")"; fi
. tests/cli/safety.sh
. tests/cli/adopt.sh
. tests/cli/done.sh
. tests/cli/grammar.sh
. tests/cli/rules.sh
. tests/cli/incremental.sh

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
