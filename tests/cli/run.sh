#!/bin/sh
# End-to-end tests of the command-line tools, run from the source root:
#   sh tests/cli/run.sh BUILD_DIR [PART]
# The parts (tests/cli/PART.sh, listed in PARTS below) are independent: without PART they all
# run, OPINFO_TEST_JOBS at a time (default: one per CPU), and their reports are printed in order.
# $RUN, when set, prefixes every tool run (make valgrind sets it to valgrind). Golden outputs
# live in tests/cli/expected/ and tests/bad-inputs/constraints/*.expected; they were reviewed by hand
# once and are compared exactly.
# The parts, sourced by name, use the variables and helpers defined here.
# shellcheck disable=SC1090,SC2034
set -u
BUILD=${1:?usage: run.sh BUILD_DIR [PART]}
PART=${2:-}
PARTS="db check onnx safety adopt done grammar rules incremental"
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
CHECK="$BUILD/bin/opinfo-check"
CASE=tests/cases/010-htp-E4-matmul-16a16w-v69/input.json

if [ -n "$PART" ]; then
    case " $PARTS " in
    *" $PART "*) . "tests/cli/$PART.sh" ;;
    *) echo "run.sh: no part $PART (parts: $PARTS)" >&2; exit 2 ;;
    esac
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
fi

# every part in its own shell; each one's report (failures, then its count) printed in order
jobs=${OPINFO_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
case $jobs in
'' | *[!0-9]* | 0) echo "run.sh: OPINFO_TEST_JOBS must be a positive integer, not '$jobs'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
printf '%s\n' $PARTS | xargs -P "$jobs" -I{} sh -c \
    's=$(date +%s); sh tests/cli/run.sh "$1" "$2" >"$3/$2.log" 2>&1; echo $? >"$3/$2.rc"
     echo $(($(date +%s) - s)) >"$3/$2.time"' sh "$BUILD" {} "$T"
for p in $PARTS; do
    summary=$(tail -n 1 "$T/$p.log")
    sed '$d' "$T/$p.log" >&2
    rc=$(cat "$T/$p.rc" 2>/dev/null || echo none)
    case $summary in
    [0-9]*" passed, "[0-9]*" failed")
        n_pass=${summary%% *}
        rest=${summary#* passed, }
        n_fail=${rest%% *}
        pass=$((pass + n_pass))
        fail=$((fail + n_fail))
        [ "$rc" = 0 ] || [ "$n_fail" != 0 ] || bad "part $p exited $rc with no failure counted"
        ;;
    *)
        echo "$summary" >&2
        bad "part $p ended without its count (exit $rc)"
        ;;
    esac
    echo "cli-test $p: $summary ($(cat "$T/$p.time" 2>/dev/null) s)"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
