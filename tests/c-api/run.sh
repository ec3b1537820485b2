#!/bin/sh
# docs/c-api.md's program: the doc quotes examples/check.c verbatim; the program compiles
# against the build tree with the strictest flags and runs from another directory on the
# library's defaults alone (no $OPINFO_DB, no $OPINFO_PLUGIN_PATH).
#   sh tests/c-api/run.sh BUILD
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD}" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: $*" >&2
    fail=$((fail + 1))
}
sed -n '/^<!-- begin examples\/check.c -->$/,/^<!-- end examples\/check.c -->$/p' \
    "$root/docs/c-api.md" | sed '1,2d;$d' | sed '$d' >"$t/from-doc.c"
if cmp -s "$t/from-doc.c" "$root/examples/check.c"; then ok; else
    bad "docs/c-api.md does not quote examples/check.c verbatim:"
    diff -u "$root/examples/check.c" "$t/from-doc.c" >&2
fi
${CC:-cc} ${SAN:-} -std=c11 -Wall -Wextra -Werror -pedantic -I"$root/include" -o "$t/check" \
    "$root/examples/check.c" -L"$build/lib" -lopinfo -Wl,-rpath,"$build/lib" || {
    bad "examples/check.c does not compile"
    echo "c-api: $pass passed, $fail failed"
    exit 1
}
ok
# run NAME WANT_STATUS WANT_TEXT FILE BACKEND [SOC]
run() {
    name=$1 want=$2 text=$3
    shift 3
    (cd "$t" && env -u OPINFO_DB -u OPINFO_PLUGIN_PATH ${RUN:-} ./check "$@") >"$t/out" 2>"$t/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, want $want: $(head -n 2 "$t/err")"
    elif [ -n "$text" ] && ! grep -q -- "$text" "$t/out"; then
        bad "$name: no \"$text\" in: $(head -n 3 "$t/out")"
    else
        ok
    fi
}
run "clean" 0 "" "$root/examples/cnn-8a8w.qgraph.json" qnn-htp SM8650
run "arch gates" 1 "\[arch-gate\]" "$root/examples/llm-block-16a8w.qgraph.json" qnn-htp SM8350
run "the plugin's own check" 1 "\[qnn-htp/per-tensor-2bit\]" \
    "$root/tests/cases/019-htp-E12-2bit-per-tensor-conv2d/input.json" qnn-htp SM8850
run "bad input" 2 "" "$root/tests/bad-inputs/qgraph/56-key-invalid-escape.json" qnn-htp SM8650
grep -q "56-key-invalid-escape.json:2:8: error: invalid escape" "$t/err" && ok ||
    bad "bad input: $(cat "$t/err")"
echo "c-api: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
