#!/usr/bin/env bash
# ONNX Runtime's TensorQuantOverrides: every validation rule as a case (validate/NAME.json with
# its exact report in NAME.expected, exit status last), the fixer on ONNX Runtime's own example
# graph (identical output under its assumption and under the database's constraints), where the
# database saves conversions, and the property test on random graphs.
# usage: run.sh BUILD   ($RUN, e.g. valgrind, prefixes every command; the property test, which
# runs the tools some thousand times, is left to the builds without a prefix)
set -u
bin=$1/bin
# shellcheck disable=SC2206
run=(${RUN:-})
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
cd "$here/../.." || exit 2
check=("${run[@]}" "$bin/opinfo-check")

for f in tests/overrides/validate/*.json; do
    got=$("${check[@]}" -q --overrides "$f" tests/overrides/table.qgraph.json 2>&1; echo "rc=$?")
    if [ "$got" == "$(cat "${f%.json}.expected")" ]; then ok; else
        bad "$f"; diff <(echo "$got") "${f%.json}.expected" | head -5; fi
done

# ONNX Runtime's example (facts: ort-qnn.md §2.5): the documented output, in both modes
fix() { "${check[@]}" fix-overrides -q "$@"; }
for mode in "--ort" "--backend qnn-htp --soc SM8650" "--backend qnn-htp --soc SM8350"; do
    # shellcheck disable=SC2086
    if fix $mode tests/overrides/fix/ort-example.qgraph.json tests/overrides/fix/ort-example.init.json \
        -o "$tmp/ex.json" && cmp -s "$tmp/ex.json" tests/overrides/fix/ort-example.expected.json; then ok
    else bad "ort-example $mode"; diff "$tmp/ex.json" tests/overrides/fix/ort-example.expected.json | head; fi
done
# ... and it validates on the backend
if "${check[@]}" -q --overrides tests/overrides/fix/ort-example.expected.json --backend qnn-htp \
    --soc SM8650 tests/overrides/fix/ort-example.qgraph.json >/dev/null 2>&1; then ok; else bad "ort-example check"; fi

# An override that differs from the default only in `symmetric`: ONNX Runtime 1.21 requests it on
# the neighbours and converts op5_out back to the default, a convert to the same quant_type that
# its own is_valid would refuse but does not reach (it returns at the first non-empty entry).
# --ort writes exactly that, with a warning; the database needs no conversion for it.
out=$(fix --ort tests/overrides/fix/ort-example.qgraph.json tests/overrides/fix/ort-symmetric.init.json \
    -o "$tmp/sym.json" 2>&1)
if [ $? -eq 0 ] && cmp -s "$tmp/sym.json" tests/overrides/fix/ort-symmetric.expected.json &&
    grep -q "warning: op5_out: 'convert' quant_type must differ" <<<"$out"; then ok
else bad "symmetric-only --ort: $out"; diff "$tmp/sym.json" tests/overrides/fix/ort-symmetric.expected.json | head; fi
if fix --backend qnn-htp --soc SM8650 tests/overrides/fix/ort-example.qgraph.json \
    tests/overrides/fix/ort-symmetric.init.json -o "$tmp/sym.json" &&
    cmp -s "$tmp/sym.json" tests/overrides/fix/ort-symmetric.db.json; then ok
else bad "symmetric-only with the database"; cat "$tmp/sym.json"; fi

# Relu has no int16 variant on SM8650: overriding its output to QInt16 is refused with that cause
# (not ONNX Runtime's "Desired producer quant_type" text), and nothing is written
rm -f "$tmp/r.json"
out=$(fix --backend qnn-htp --soc SM8650 tests/overrides/fix/relu2.qgraph.json \
    tests/overrides/fix/relu2-int16.init.json -o "$tmp/r.json" 2>&1)
if [ $? -eq 1 ] && [ ! -e "$tmp/r.json" ] && ! grep -q "Desired producer" <<<"$out" &&
    grep -q "error: z: no variant of Relu on SM8650 takes int16 activations at its output: node m produces 'z'.*\[overrides-no-variant\]" <<<"$out" &&
    grep -q "fix: override 'z' with a type a variant produces (e.g. QUInt16)" <<<"$out"; then ok
else bad "int16 refusal: $out"; fi
# the user's convert gives m an int16 input Relu does not take: reported, the convert kept as it
# was (not emptied to recv_nodes [] with exit 0)
out=$(fix --backend qnn-htp --soc SM8650 tests/overrides/fix/relu2.qgraph.json \
    tests/overrides/fix/relu2-user-convert.init.json -o "$tmp/r.json" 2>&1)
if [ $? -eq 1 ] && grep -q "error: m: under the overrides node m (Relu) has input int16" <<<"$out" &&
    python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(a!=b)' \
        "$tmp/r.json" tests/overrides/fix/relu2-user-convert.init.json; then ok
else bad "user convert: $out"; cat "$tmp/r.json"; fi
# ONNX Runtime adds op4 to the user's convert of op2_out (and narrows a convert for all consumers
# to the requesting ones): --ort does the same, and says so
for init in user-convert user-convert-all; do
    out=$(fix --ort tests/overrides/fix/ort-example.qgraph.json "tests/overrides/fix/$init.init.json" \
        -o "$tmp/u.json" 2>&1)
    if [ $? -eq 0 ] && grep -q "warning: op2_out: the fixer changed the convert you gave 'op2_out'.*op4.*\[overrides-changed\]" <<<"$out" &&
        grep -q '"op4"' "$tmp/u.json"; then ok
    else bad "$init: $out"; fi
done

# Weights are examined as ONNX Runtime quantizes them (initializers with "initializer": true):
# Conv's and MatMul's at --weight-type, Add's constant at the activation type, Gather's table at
# the activation type with its static int64 indices as int32; the one refusal names the knob
got=$("${check[@]}" -q --overrides tests/overrides/fix/weights.init.json --backend qnn-htp \
    --soc SM8650 --weight-type QInt8 tests/overrides/fix/weights.qgraph.json 2>&1; echo "rc=$?")
if [ "$got" == "$(cat tests/overrides/fix/weights.check.expected)" ]; then ok
else bad "weights check"; diff <(echo "$got") tests/overrides/fix/weights.check.expected; fi
if fix --backend qnn-htp --soc SM8650 --weight-type QInt8 tests/overrides/fix/weights.qgraph.json \
    tests/overrides/fix/weights16.init.json -o "$tmp/w.json" && cmp -s "$tmp/w.json" tests/overrides/fix/weights16.db.json &&
    [ -z "$("${check[@]}" -q --overrides "$tmp/w.json" --backend qnn-htp --soc SM8650 --weight-type QInt8 \
        tests/overrides/fix/weights.qgraph.json 2>&1)" ]; then ok
else bad "weights fix"; diff "$tmp/w.json" tests/overrides/fix/weights16.db.json; fi
# a node the check cannot examine (an op the backend lacks, inputs that do not fit the op's ports)
# is reported, not passed; a node without a quantized tensor (int64 shapes) is not the overrides'
got=$("${check[@]}" -q --overrides tests/overrides/fix/weights.init.json --backend qnn-htp \
    --soc SM8650 tests/overrides/fix/custom.qgraph.json 2>&1; echo "rc=$?")
if [ "$(grep -c '\[overrides-unexamined\]' <<<"$got")" -eq 2 ] && tail -1 <<<"$got" | grep -q rc=0 &&
    grep -q "custom: node custom (VendorCustomOp) was not examined under the overrides: qnn-htp [^ ]* has no op VendorCustomOp" <<<"$got" &&
    grep -q "relu2: node relu2 (Relu) was not examined under the overrides: its 2 inputs and 1 outputs do not fit the ports of Relu" <<<"$got"
then ok; else bad "unexamined: $got"; fi

# MatMul takes a 16-bit first input with an 8-bit second one (16a8w): one conversion fewer than
# ONNX Runtime's assumption, whose output the backend refuses
for pair in "matmul:--ort:matmul.ort.json" "matmul:--backend qnn-htp --soc SM8650:matmul.db.json" \
    "matmul16:--backend qnn-htp --soc SM8650:matmul16.db.json"; do
    IFS=: read -r init mode want <<<"$pair"
    # shellcheck disable=SC2086
    if fix $mode tests/overrides/fix/matmul.qgraph.json "tests/overrides/fix/$init.init.json" \
        -o "$tmp/mm.json" && cmp -s "$tmp/mm.json" "tests/overrides/fix/$want"; then ok
    else bad "$init $mode"; diff "$tmp/mm.json" "tests/overrides/fix/$want" | head; fi
done
out=$("${check[@]}" -q --overrides tests/overrides/fix/matmul.ort.json --backend qnn-htp --soc SM8650 \
    tests/overrides/fix/matmul.qgraph.json 2>&1)
if [ $? -eq 1 ] && grep -q "node mm (MatMul) has in0 uint16, in1 uint16, output uint16" <<<"$out"; then ok
else bad "ONNX Runtime's assumption on MatMul should be refused: $out"; fi
converts() { grep -c '"convert"' "$1"; }
if [ "$(converts tests/overrides/fix/matmul.db.json)" -lt "$(converts tests/overrides/fix/matmul.ort.json)" ]; then ok
else bad "the database should need fewer conversions"; fi
for want in matmul.db.json matmul16.db.json; do
    if "${check[@]}" -q --overrides "tests/overrides/fix/$want" --backend qnn-htp --soc SM8650 \
        tests/overrides/fix/matmul.qgraph.json >/dev/null; then ok; else bad "$want does not validate"; fi
done

# bad input: exit 2, file and position
printf '{"a": [' >"$tmp/trunc.json"
out=$("${check[@]}" -q --overrides "$tmp/trunc.json" tests/overrides/fix/matmul.qgraph.json 2>&1)
if [ $? -eq 2 ] && grep -q "trunc.json:1:" <<<"$out"; then ok; else bad "truncated overrides: $out"; fi
echo '[1]' >"$tmp/arr.json"
out=$("${check[@]}" -q --overrides "$tmp/arr.json" tests/overrides/fix/matmul.qgraph.json 2>&1)
if [ $? -eq 2 ] && grep -q "arr.json:1:1: error: TensorQuantOverrides must be a JSON object" <<<"$out"; then ok
else bad "array overrides: $out"; fi

if [ ${#run[@]} -eq 0 ]; then
    if python3 tests/overrides/property.py "$bin" "${PROPERTY_CASES:-300}"; then ok; else bad "property test"; fi
fi
echo "overrides: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
