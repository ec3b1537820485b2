#!/bin/sh
# Malformed inputs of every format, each with its exact expected error:
#   sh tests/bad-inputs/run.sh BUILD_DIR
# tests/bad-inputs/<format>/CMD is the command, with {} for the input, $BIN for the build's
# bin directory and $T for a scratch directory; NAME.cmd replaces it for one input.
# <format>/NAME.<ext> is an input; the first line of NAME.expected is exactly the first line of
# stderr it must give. Every case must exit with status 2. $RUN, when set, prefixes the command
# (make valgrind sets it to valgrind, whose own reports fail the case through its exit code).
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
BIN="$BUILD/bin"
RUN=${RUN:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
for dir in tests/bad-inputs/*/; do
    fmt=$(basename "$dir")
    [ -f "$dir/CMD" ] || { echo "FAIL: $dir has no CMD" >&2; fail=$((fail + 1)); continue; }
    for exp in "$dir"*.expected; do
        [ -e "$exp" ] || continue
        name=$(basename "$exp" .expected)
        input=$(ls "$dir$name".* 2>/dev/null | grep -v '\.expected$\|\.cmd$' | head -n 1)
        if [ -z "$input" ]; then
            echo "FAIL: $fmt/$name: no input beside $exp" >&2
            fail=$((fail + 1))
            continue
        fi
        # NAME.cmd, when present, replaces the directory's CMD for that input
        if [ -f "$dir$name.cmd" ]; then cmd=$(sed -n 1p "$dir$name.cmd"); else cmd=$(sed -n 1p "$dir/CMD"); fi
        line=$(printf '%s\n' "$cmd" | sed "s|{}|$input|g; s|\$BIN|$BIN|g; s|\$T|$T|g")
        # shellcheck disable=SC2086
        $RUN $line >"$T/out" 2>"$T/err"
        status=$?
        got=$(head -n 1 "$T/err")
        want=$(head -n 1 "$exp")
        if [ "$status" -ne 2 ]; then
            echo "FAIL: $fmt/$name: exit status $status, expected 2 ($got)" >&2
            fail=$((fail + 1))
        elif [ "$got" != "$want" ]; then
            printf 'FAIL: %s/%s:\n  got:  %s\n  want: %s\n' "$fmt" "$name" "$got" "$want" >&2
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    done
done
echo "bad inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
