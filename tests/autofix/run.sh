#!/usr/bin/env bash
# Autofix on every golden case (tests/cases): the changes it makes and what it leaves, compared
# with tests/autofix/expected.txt (reviewed by hand); every fixed qgraph checked again by a
# separate opinfo-check run, which must find exactly what autofix said is left (nothing, when
# every violation had a mechanical fix); and every fixable rule fixed on every backend that has
# a case for it. usage: run.sh BUILD ($RUN prefixes the tools, e.g. valgrind)
set -u
bin=$(cd "$1/bin" && pwd)
# shellcheck disable=SC2206
run=(${RUN:-})
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
: >"$tmp/got.txt"
for d in "$root"/tests/cases/[0-2]*/; do
    n=$(basename "$d")
    # shellcheck disable=SC2046
    (cd "$d" && "${run[@]}" "$bin/opinfo-check" --fix -o "$tmp/$n.json" $(cat args) input.json \
        >"$tmp/$n.left" 2>"$tmp/$n.log")
    rc=$?
    changes=$(grep -c ': fixed: ' "$tmp/$n.log")
    left=$(grep -c ': error: \|: warning: ' "$tmp/$n.left")
    [ "$changes" -eq 0 ] && [ "$left" -eq 0 ] && continue
    {
        echo "== $n (exit $rc)"
        grep ': fixed: ' "$tmp/$n.log" | sed 's/^input.json: //'
        grep ': error: \|: warning: ' "$tmp/$n.left" | sed "s|^$tmp/||"
    } >>"$tmp/got.txt"
    # a second, independent check of the written file
    # shellcheck disable=SC2046
    again=$(cd "$d" && "${run[@]}" "$bin/opinfo-check" -q $(cat args) "$tmp/$n.json" 2>&1 |
        grep ': error: \|: warning: ' | sed "s|^$tmp/||")
    if [ "$again" == "$(grep ': error: \|: warning: ' "$tmp/$n.left" | sed "s|^$tmp/||")" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: $n: the fixed file checks differently from what autofix reported"
        fail=$((fail + 1))
    fi
done
cp "$tmp/got.txt" "${AUTOFIX_GOT:-/dev/null}"
if diff -u "$here/expected.txt" "$tmp/got.txt"; then pass=$((pass + 1)); else
    echo "FAIL: autofix output differs from tests/autofix/expected.txt"
    fail=$((fail + 1))
fi
# every fixable rule is fixed somewhere, on every backend it applies to
for want in qnn-htp:fixed-qparams qnn-htp:shared-spec qnn-htp:derived-bias qnn-htp:qscheme \
    qnn-htp:quant-range qnn-htp:arch-gate xnnpack:fixed-qparams xnnpack:shared-spec \
    xnnpack:symmetric xnnpack:qscheme xnnpack:quant-range xnnpack:no-variant \
    xnnpack:scale-range fbgemm:fixed-qparams fbgemm:shared-spec fbgemm:qscheme; do
    b=${want%%:*}
    r=${want#*:}
    pre=htp
    [ "$b" = xnnpack ] && pre=xnn
    [ "$b" = fbgemm ] && pre=fbg
    if awk -v p="$pre" -v r="[$r]" '/^== /{c=($2 ~ "^[0-9]+-" p "-")} c && index($0, "fixed: ") == 1 && index($0, r){f=1} END{exit !f}' "$tmp/got.txt"; then
        pass=$((pass + 1))
    else
        echo "FAIL: no case of $b has a $r fix"
        fail=$((fail + 1))
    fi
done
# a malformed key is a syntax error for --fix too, at jansson's position (not "out of memory")
for f in 56-key-invalid-escape 57-key-nul-escape; do
    "${run[@]}" "$bin/opinfo-check" --fix -o "$tmp/$f.fixed.json" --backend qnn-htp --soc SM8650 \
        "$root/tests/bad-inputs/qgraph/$f.json" >/dev/null 2>"$tmp/$f.err"
    rc=$?
    want=$(sed "s|^tests/bad-inputs/qgraph/|$root/tests/bad-inputs/qgraph/|" \
        "$root/tests/bad-inputs/qgraph/$f.expected")
    if [ "$rc" -eq 2 ] && [ "$(head -n 1 "$tmp/$f.err")" == "$want" ] && [ ! -e "$tmp/$f.fixed.json" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: --fix on $f: exit $rc, $(head -n 1 "$tmp/$f.err")"
        fail=$((fail + 1))
    fi
done
echo "autofix: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
