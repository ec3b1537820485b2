#!/bin/sh
# Cold start: opinfo-check on a 100-node qgraph next to `sqlite3 DB 'select 1'` on the same
# database, each run RUNS times as a fresh process, in the same run; medians. Figures only.
#   sh bench/bench_cold.sh BUILD_DIR
set -eu
BUILD=${1:?usage: bench_cold.sh BUILD_DIR}
RUNS=${RUNS:-31}
DB=$BUILD/share/opinfo/opinfo.db
G=$BUILD/bench/llm-100.qgraph.json
mkdir -p "$BUILD/bench"
[ -f "$G" ] || python3 bench/gen_qgraph.py --nodes 100 --calibrated -o "$G" >/dev/null
command -v sqlite3 >/dev/null || { echo "cold start: needs the sqlite3 tool (make deps)"; exit 2; }
# median wall time in ms of RUNS runs of the command
median_ms() {
    i=0
    while [ $i -lt "$RUNS" ]; do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
        i=$((i + 1))
    done | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)] / 1000}'
}
nodes=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['nodes']))" "$G")
# one warm-up each: the page cache holds the files for both
"$BUILD/bin/opinfo-check" --db "$DB" --backend qnn-htp --soc SM8650 "$G" >/dev/null 2>&1 || true
sqlite3 "$DB" 'select 1' >/dev/null
check=$(median_ms "$BUILD/bin/opinfo-check" -q --db "$DB" --backend qnn-htp --soc SM8650 "$G")
sql=$(median_ms sqlite3 "$DB" 'select 1')
echo "cold start ($RUNS runs each, median wall time, fresh processes):"
printf "  opinfo-check on %s nodes:    %7.2f ms\n" "$nodes" "$check"
printf "  sqlite3 DB 'select 1':        %7.2f ms\n" "$sql"
awk -v a="$check" -v b="$sql" 'BEGIN {printf "  ratio:                        %7.2fx\n", a / b}'
