#!/bin/sh
# Runs fuzz targets: sh tests/fuzz/run.sh FUZZ_DIR SECONDS TARGET...
# For each target: replays tests/fuzz/regressions/TARGET/, then fuzzes for SECONDS on a scratch
# copy of tests/fuzz/corpus/TARGET/ (FUZZ_DIR/corpus/TARGET; the seeds in git are never
# written). A crash, leak, timeout or out-of-memory fails the run; the input is saved under
# FUZZ_DIR/artifacts/TARGET/ and its path printed. The log of each run is FUZZ_DIR/logs/TARGET.log.
# $FUZZ_FLAGS adds libFuzzer options (e.g. FUZZ_FLAGS=-jobs=2).
set -u
DIR=${1:?usage: run.sh FUZZ_DIR SECONDS TARGET...}
SECONDS_EACH=${2:?usage: run.sh FUZZ_DIR SECONDS TARGET...}
shift 2
FUZZ_FLAGS=${FUZZ_FLAGS:-}
failed=""
for t in "$@"; do
    bin="$DIR/bin/fuzz-$t"
    corpus="$DIR/corpus/$t"
    artifacts="$DIR/artifacts/$t"
    log="$DIR/logs/$t.log"
    mkdir -p "$corpus" "$artifacts" "$DIR/logs"
    cp -R tests/fuzz/corpus/"$t"/. "$corpus"/ 2>/dev/null
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    regressions=$(find "tests/fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null | sort)
    if [ -n "$regressions" ]; then
        # shellcheck disable=SC2086
        if ! "$bin" -artifact_prefix="$artifacts/" $regressions >"$DIR/logs/$t-regressions.log" 2>&1; then
            echo "FAIL: fuzz $t: a regression input crashes again (log: $DIR/logs/$t-regressions.log)" >&2
            tail -n 30 "$DIR/logs/$t-regressions.log" >&2
            failed="$failed $t"
            continue
        fi
    fi
    echo "fuzz $t: ${SECONDS_EACH}s on $corpus"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" $dict $FUZZ_FLAGS "$corpus" >"$log" 2>&1
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "FAIL: fuzz $t: exit status $status (log: $log)" >&2
        grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|Test unit written to|^artifact_prefix' "$log" | head -n 20 >&2
        saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        [ -n "$saved" ] && echo "crashing input saved to: $saved" >&2
        failed="$failed $t"
        continue
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    files=$(find "$corpus" -type f | wc -l)
    echo "fuzz $t: ok, ${execs:-?} executions, ${speed:-?}/s, corpus $files files"
done
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
echo "fuzz: all targets ran clean"
