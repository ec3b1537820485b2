#!/bin/sh
# The installed tree is read-only and shared: a copy of it with every write bit cleared, run by
# another user (nobody, when this runs as root) from a directory of its own, must answer every
# tool and the Python package, and the database's directory must stay as it was (no -wal, -shm
# or -journal beside it).
#   sh tests/install/readonly.sh PREFIX
set -eu
prefix=${1:?usage: readonly.sh PREFIX}
root=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT
chmod 755 "$t"
cp -a "$prefix" "$t/ro"
cp "$root/examples/llm-block-16a8w.qgraph.json" "$t/model.qgraph.json"
mkdir "$t/elsewhere"
chmod 644 "$t/model.qgraph.json"
chmod 755 "$t/elsewhere"
chmod -R a-w "$t/ro"
chmod -R a+rX "$t/ro"
before=$(ls -la "$t/ro/share/opinfo")

# as root, write bits do not bind: run as nobody; as anyone else, as oneself
as=""
if [ "$(id -u)" = 0 ]; then
    as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    $as true 2>/dev/null || as="runuser -u nobody --"
fi
pass=0
fail=0
# run NAME WANT_STATUS COMMAND...: from another directory, as the other user, no OPINFO_* set
run() {
    name=$1
    want=$2
    shift 2
    # shellcheck disable=SC2086
    (cd "$t/elsewhere" && env -u OPINFO_DB -u OPINFO_LIBRARY -u OPINFO_PLUGIN_PATH HOME=/nonexistent \
        $as "$@") >"$t/out" 2>"$t/err"
    rc=$?
    if [ "$rc" -eq "$want" ] && [ -s "$t/out" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: $name: exit $rc (want $want): $(head -n 3 "$t/err")" >&2
        fail=$((fail + 1))
    fi
}
bin=$t/ro/bin
set +e
run "opinfo-db list backends" 0 "$bin/opinfo-db" list backends
run "opinfo-db list socs" 0 "$bin/opinfo-db" list socs --backend qnn-htp
run "opinfo-db show" 0 "$bin/opinfo-db" show Conv2d --backend qnn-htp
run "opinfo-check" 1 "$bin/opinfo-check" --backend qnn-htp --soc SM8350 "$t/model.qgraph.json"
run "opinfo-check --explain" 0 "$bin/opinfo-check" --explain MatMul --backend qnn-htp --soc SM8450
run "opinfo-kernel --list" 0 "$bin/opinfo-kernel" --backend xnnpack --list
run "python opinfo.check" 0 env PYTHONPATH="$t/ro${PYTHONDIR#"$prefix"}" \
    "${PYTHON:-/usr/bin/python3}" -c 'import opinfo; print(opinfo.check("'"$t"'/model.qgraph.json", backend="qnn-htp", soc="SM8650"))'
set -e
after=$(ls -la "$t/ro/share/opinfo")
if [ "$before" = "$after" ]; then pass=$((pass + 1)); else
    echo "FAIL: the database's directory changed:" >&2
    echo "$after" >&2
    fail=$((fail + 1))
fi
echo "test-install read-only${as:+ (as nobody)}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
