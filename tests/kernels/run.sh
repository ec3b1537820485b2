#!/bin/sh
# opinfo-kernel end to end: listings, usage errors, and the comparisons of compare.py (ONNX's
# backend test data, PyTorch's own quantization) bit for bit.
#   sh tests/kernels/run.sh BUILD_DIR        ($RUN prefixes every tool run)
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
K="$BUILD/bin/opinfo-kernel"
RUN=${RUN:-}
PYTHON=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
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
# expect STATUS CMD...: exit status
expect() {
    want=$1
    shift
    run "$@"
    if [ "$status" -eq "$want" ]; then ok; else bad "$* exited $status, not $want: $(head -n 2 "$T/err")"; fi
}
# has FILE TEXT: the file holds the exact line
has() {
    if grep -qxF -- "$1" "$T/$2"; then ok; else bad "no line '$1' in $2: $(head -n 3 "$T/$2")"; fi
}

# listings: every kernel the issue names, per backend
expect 0 "$K" --backend fbgemm --list
for k in quantize dequantize requantize requantize_fixed_point choose_qparams \
         choose_requantization_multiplier linear conv2d add; do
    if grep -q "^$k " "$T/out"; then ok; else bad "fbgemm lists no $k"; fi
done
expect 0 "$K" --backend xnnpack --list
for k in quantize dequantize requantize fully_connected conv2d add; do
    if grep -q "^$k " "$T/out"; then ok; else bad "xnnpack lists no $k"; fi
done
expect 0 "$K" --backend qnn-htp --list
for k in quantize dequantize requantize lpbq_scales quantize_lpbq dequantize_lpbq \
         fully_connected fully_connected_lpbq conv2d conv2d_lpbq \
         sigmoid tanh; do
    if grep -q "^$k " "$T/out"; then ok; else bad "qnn-htp lists no $k"; fi
done

# usage errors
expect 2 "$K" quantize --in x.npy --out y.npy
has "opinfo-kernel: --backend is required (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend fbgemm
has "opinfo-kernel: name a kernel, or --list (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend fbgemm quantize --in x.npy
has "opinfo-kernel: -o/--output is required (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend fbgemm quantize --colour red
has "opinfo-kernel: unknown option --colour; did you mean --color? (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend fbgemm quantize --attr scale=abc -o "$T/y.npy"
has 'opinfo-kernel: --attr scale: "abc" is not a number, a fraction or a dtype' err
expect 2 "$K" --backend fbgemm quantize --attr =1 -o "$T/y.npy"
has "opinfo-kernel: --attr =1: expected NAME=VALUE[,VALUE...]" err
expect 2 "$K" --backend nosuch --list
expect 2 "$K" --backend fbgemm softmax -o "$T/y.npy"
has 'opinfo-kernel: error: backend fbgemm has no kernel "softmax" (opinfo-kernel --backend fbgemm --list)' err
expect 2 "$K" --backend fbgemm quantize --in "$T/missing.npy" --attr scale=1 -o "$T/y.npy"
expect 0 "$K" --help
expect 0 "$K" --version

# a round trip through files: quantize 1/256-scaled values, dequantize them back exactly
"$PYTHON" -c "import numpy as np; np.save('$T/x.npy', (np.arange(-8, 8, dtype=np.float32) / 4))"
expect 0 "$K" --backend xnnpack quantize --in "$T/x.npy" --attr scale=1/256 --attr dtype=int8 \
    -o "$T/q.npy"
expect 0 "$K" --backend xnnpack dequantize --in "$T/q.npy" --attr scale=1/256 -o "$T/y.npy"
if "$PYTHON" -c "
import numpy as np, sys
x = np.load('$T/x.npy'); q = np.load('$T/q.npy'); y = np.load('$T/y.npy')
want_q = np.clip(x * 256, -128, 127).astype(np.int8)
sys.exit(0 if q.dtype == np.int8 and (q == want_q).all() and y.dtype == np.float32 and
         (y == want_q.astype(np.float32) / 256).all() else 1)"; then ok; else bad "quantize/dequantize round trip"; fi
# a kernel error leaves no output file behind
rm -f "$T/z.npy"
expect 2 "$K" --backend xnnpack requantize --in "$T/q.npy" --attr scale=1 -o "$T/z.npy"
if [ ! -e "$T/z.npy" ]; then ok; else bad "a failed kernel wrote its output"; fi
has "opinfo-kernel: error: xnnpack requantize: acc (input 0) must be int32, not int8" err

# the three requantization schemes of XNNPACK by name through the tool: at scale 1/4, 1 and -6
# give (fp32, ties to even) 0 and -2, (rndnu, ties up) 0 and -1, (gemmlowp, Q31 then away from
# zero) 1 and -2
"$PYTHON" -c "import numpy as np; np.save('$T/acc.npy', np.array([1, -6], dtype=np.int32))"
for sw in "0 0,-2" "1 0,-1" "2 1,-2"; do
    set -- $sw
    expect 0 "$K" --backend xnnpack requantize --in "$T/acc.npy" --attr scale=1/4 \
        --attr scheme="$1" -o "$T/r.npy"
    got=$("$PYTHON" -c "import numpy as np; print(','.join(str(v) for v in np.load('$T/r.npy')))")
    if [ "$got" = "$2" ]; then ok; else bad "requantize scheme $1: $got, not $2"; fi
done

# the option grammar every opinfo tool shares (cli/common.c): the deprecated --out still works and
# says so; bundled and attached values; abbreviations; names in any case; did you mean
expect 0 "$K" --backend xnnpack dequantize --in "$T/q.npy" --attr scale=1/256 --out "$T/y2.npy"
has "opinfo-kernel: warning: --out is deprecated; use -o/--output" err
if cmp -s "$T/y.npy" "$T/y2.npy"; then ok; else bad "--out and -o wrote different files"; fi
expect 0 "$K" --backend xnnpack dequantize --in "$T/q.npy" --attr scale=1/256 -o"$T/y3.npy"
if cmp -s "$T/y.npy" "$T/y3.npy"; then ok; else bad "-oFILE did not write FILE"; fi
expect 0 "$K" --back=XNNPACK --li -ftsv
has "$(printf 'kernel\tsignature')" out
# every row has exactly the header's two fields
if awk -F'\t' 'NF != 2 {exit 1}' "$T/out"; then ok; else bad "--list -f tsv rows are not 2 fields"; fi
expect 0 "$K" --backend xnnpack --list --format=json
if "$PYTHON" -c "import json,sys; d=json.load(open('$T/out')); sys.exit(0 if any(r['kernel']=='requantize' for r in d) else 1)"; then ok; else bad "--list -f json"; fi
expect 2 "$K" --backend xnnpack --list -f xml
has "opinfo-kernel: unknown --format \"xml\" for --list (one of: text, json, tsv) (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend xnnpak --list
has 'opinfo-kernel: unknown backend "xnnpak"; did you mean "xnnpack"? (choices: fbgemm, qnn-htp, xnnpack)' err
expect 2 "$K" --backend xnnpack --li --a scale=1
has "opinfo-kernel: option --a is ambiguous (--attr, --allow-writable-plugins) (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend xnnpack --list=yes
has "opinfo-kernel: option --list takes no value (try 'opinfo-kernel --help')" err
expect 2 "$K" --backend xnnpack dequantize --attr scale=1 -o "$T/z.npy" --in
has "opinfo-kernel: option --in needs a value (try 'opinfo-kernel --help')" err
# a missing input names its path once
expect 2 "$K" --backend xnnpack dequantize --in "$T/missing.npy" --attr scale=1 -o "$T/z.npy"
has "$T/missing.npy: error: cannot open: No such file or directory" err
# after --, a name that looks like an option is the kernel's name
expect 2 "$K" --backend xnnpack -o "$T/z.npy" -- --list
has 'opinfo-kernel: error: backend xnnpack has no kernel "--list" (opinfo-kernel --backend xnnpack --list)' err

echo "kernels CLI: $pass passed, $fail failed"
RUN="$RUN" "$PYTHON" tests/kernels/compare.py "$BUILD" || fail=$((fail + 1))
[ "$fail" -eq 0 ]
