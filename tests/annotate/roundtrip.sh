#!/bin/sh
# The annotation round trip, run from the source root:
#   sh tests/annotate/roundtrip.sh BUILD_DIR
# For every backend plugin with annotation rules, every SoC of the backend and every config the
# plugin lists: annotate a float example (examples/float/*.qgraph.json) and check the result on
# that SoC. It must be clean (exit 0, no diagnostics), except where the SoC's arch gates a
# variant the config needs (qnn-htp: 16a16w below v73, 16a4w-block below v69, 16a2w below v81,
# the last two on conv/linear only): there every diagnostic must be arch-gate.
#   qnn-htp: examples/float/llm-block.qgraph.json and cnn.qgraph.json;
#   every other backend whose plugin is listed ok: examples/float/torch-*.qgraph.json.
# A plugin's configs come from `opinfo-check --list-plugins`; for qnn-htp, when the listing does
# not name them, the plugin's documented list is used. $RUN, when set, prefixes every tool run;
# then each arch is tried on one of its SoCs (the first listed), not on all of them.
set -u
BUILD=${1:?usage: roundtrip.sh BUILD_DIR}
CHECK="$BUILD/bin/opinfo-check"
DB_TOOL="$BUILD/bin/opinfo-db"
PY=/usr/bin/python3
RUN=${RUN:-}
QNN_CONFIGS="8a8w 8a4w 16a8w 16a16w 16a4w 16a4w-block 16a2w"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# configs BACKEND: the configs --list-plugins names for the plugin serving BACKEND (one a line)
$RUN "$CHECK" --list-plugins >"$T/plugins" 2>&1
configs() {
    "$PY" - "$1" "$T/plugins" <<'EOF'
import re, sys
backend, path = sys.argv[1], sys.argv[2]
for line in open(path):
    m = re.search(r"serves (\S+)", line)
    if not m or re.search(r"refused|shadowed", line):
        continue
    if backend not in m.group(1).rstrip(":").split(","):
        continue
    c = re.search(r"configs?\s*[:=]?\s*\[?([A-Za-z0-9_.:, -]+)", line)
    if c:
        for name in re.split(r"[,\s]+", c.group(1)):
            if name:
                print(name)
EOF
}

# backends: the other backends with a plugin listed ok (name before "serves")
other_backends() {
    "$PY" - "$T/plugins" <<'EOF'
import re, sys
for line in open(sys.argv[1]):
    m = re.search(r"serves (\S+)", line)
    if m and not re.search(r"refused|shadowed", line):
        for b in m.group(1).rstrip(":").split(","):
            if b != "qnn-htp":
                print(b)
EOF
}

# verdict REPORT_JSON CHECK_STATUS CONFIG BACKEND: prints "ok" or why not
verdict() {
    "$PY" - "$1" "$2" "$3" "$4" <<'EOF'
import json, sys
path, status, config, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    r = json.load(open(path))
except Exception as e:
    print("unreadable report: %s" % e)
    sys.exit(0)
diags = r.get("diagnostics", [])
rules = sorted({d.get("rule") for d in diags})
if status == 0 and not diags:
    print("ok")
    sys.exit(0)
arch = (r.get("target") or {}).get("arch") or ""
rank = int(arch[1:]) if arch[:1] == "v" and arch[1:].isdigit() else None
gated = False
if backend == "qnn-htp" and rank is not None:
    base = config.split(":")[0]
    gated = ((base == "16a16w" and rank < 73) or (base == "16a4w-block" and rank < 69)
             or (base == "16a2w" and rank < 81))
if gated and diags and rules == ["arch-gate"]:
    print("ok")
    sys.exit(0)
first = diags[0] if diags else {}
print("exit %d, rules %s%s%s" % (status, ",".join(r or "?" for r in rules) or "none",
      " (arch %s: a gate is allowed)" % arch if gated else "",
      "; first: %s: %s" % (first.get("node"), first.get("message")) if first else ""))
EOF
}

# one BACKEND SOC CONFIG FILE
one() {
    label="$1 ${2:-(no soc)} $3 $4"
    socopt=""
    [ -n "$2" ] && socopt="--soc $2"
    # the xnnpack plugin's configs are PyTorch 1.13's (FX names); release 2.6 is XNNPACKQuantizer's
    [ "$1" = xnnpack ] && socopt="--release 1.13.1"
    # shellcheck disable=SC2086
    if ! $RUN "$CHECK" annotate --backend "$1" $socopt --config "$3" "$4" -o "$T/a.json" \
        >"$T/out" 2>"$T/err"; then
        fail=$((fail + 1))
        echo "FAIL: $label: annotate failed: $(head -c 300 "$T/err")" >&2
        return
    fi
    # shellcheck disable=SC2086
    $RUN "$CHECK" --backend "$1" $socopt -q -f json "$T/a.json" >"$T/report.json" 2>"$T/err"
    st=$?
    v=$(verdict "$T/report.json" "$st" "$3" "$1")
    if [ "$v" = ok ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $label: $v" >&2
    fi
}

# run BACKEND FILE...: every SoC x config
run_backend() {
    backend=$1
    shift
    cfgs=$(configs "$backend")
    if [ -z "$cfgs" ] && [ "$backend" = qnn-htp ]; then
        cfgs=$QNN_CONFIGS
    fi
    if [ -z "$cfgs" ]; then
        echo "note: --list-plugins names no configs for $backend; skipped" >&2
        return
    fi
    # under $RUN (valgrind, a second a run) one SoC of each arch: the arch gates are per arch
    if [ -n "$RUN" ]; then pick='!seen[$4]++'; else pick=1; fi
    socs=$("$DB_TOOL" list socs --backend "$backend" 2>/dev/null | awk '!/^#/ && NF >= 3' | awk "$pick" | awk '{print $3}')
    [ -z "$socs" ] && socs="-"
    for f in "$@"; do
        [ -f "$f" ] || continue
        for s in $socs; do
            [ "$s" = "-" ] && s=""
            for c in $cfgs; do
                # dynamic quantization covers only linear (and RNN) ops in the data: its configs
                # are checked on the linear-only graph, static configs on every graph
                case "$c:$f" in
                dynamic*:*torch-mlp*) ;;
                dynamic*) continue ;;
                esac
                one "$backend" "$s" "$c" "$f"
            done
        done
    done
}

run_backend qnn-htp examples/float/llm-block.qgraph.json examples/float/cnn.qgraph.json
torch=$(ls examples/float/torch-*.qgraph.json 2>/dev/null)
if [ -n "$torch" ]; then
    for b in $(other_backends); do
        # shellcheck disable=SC2086
        run_backend "$b" $torch
    done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
