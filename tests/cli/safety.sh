# Sourced by tests/cli/run.sh (its functions run/expect/has, $T, $CHECK, $DB_TOOL, $BUILD): what
# the tools do with hostile output paths, plugins, names and inputs (docs/hardening.md, "Safety
# and data loss").
KERNEL="$BUILD/bin/opinfo-kernel"
PY=${PYTHON:-/usr/bin/python3}
S="$T/safety"
rm -rf "$S"
mkdir -p "$S"

# --- output files: a symlink planted at the old fixed temporary name is never followed ---------
printf 'precious\n' >"$S/victim"
ln -s "$S/victim" "$S/r.json.tmp"
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -f json -o "$S/r.json" "$CASE"
if [ "$(cat "$S/victim")" = precious ]; then ok; else bad "-o followed a symlink at PATH.tmp: $(head -c 80 "$S/victim")"; fi
if [ -f "$S/r.json" ] && [ ! -L "$S/r.json" ] && "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$S/r.json"; then ok; else bad "-o did not write a JSON report beside a planted PATH.tmp"; fi
# no temporary file is left behind
if [ "$(find "$S" -name '.r.json.*' | wc -l)" -eq 0 ]; then ok; else bad "-o left a temporary file"; fi
ln -s "$S/victim" "$S/e.json.tmp"
expect 0 "$DB_TOOL" export --backend xnnpack -o "$S/e.json"
if [ "$(cat "$S/victim")" = precious ] && [ -s "$S/e.json" ]; then ok; else bad "opinfo-db export -o followed a symlink at PATH.tmp"; fi

# a symlink at PATH itself: the link is replaced by the report, its target is left alone
ln -s "$S/victim" "$S/link.txt"
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S/link.txt" "$CASE"
if [ "$(cat "$S/victim")" = precious ] && [ -f "$S/link.txt" ] && [ ! -L "$S/link.txt" ] &&
    grep -q 'arch-gate' "$S/link.txt"; then ok; else bad "-o LINK wrote through the link or did not replace it"; fi

# the permissions of a replaced report are kept
printf 'old\n' >"$S/mode.txt"
chmod 640 "$S/mode.txt"
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S/mode.txt" "$CASE"
if [ "$(stat -c %a "$S/mode.txt")" = 640 ]; then ok; else bad "-o changed the mode of the replaced file to $(stat -c %a "$S/mode.txt")"; fi

# a FIFO is written straight, and stays a FIFO
mkfifo "$S/fifo"
timeout 20 cat "$S/fifo" >"$S/fifo.out" &
reader=$!
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -f json -o "$S/fifo" "$CASE"
wait "$reader"
if [ -p "$S/fifo" ] && grep -qF '"rule": "arch-gate"' "$S/fifo.out"; then ok; else bad "-o FIFO: not written through, or replaced"; fi

# character devices: written straight, never replaced by a regular file. A private copy of
# /dev/null and /dev/full first (root can make them), so that a regression cannot damage /dev.
if mknod "$S/null" c 1 3 2>/dev/null && mknod "$S/full" c 1 7 2>/dev/null; then
    expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S/null" "$CASE"
    if [ -c "$S/null" ]; then ok; else bad "-o DEVICE replaced the device"; fi
    expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S/full" "$CASE"
    has "$S/full: cannot write: No space left on device" err
    if [ -c "$S/full" ]; then ok; else bad "-o FULL-DEVICE replaced the device"; fi
    "$PY" -c "import numpy as np; np.save('$S/x.npy', np.arange(-8, 8, dtype=np.float32))"
    expect 2 "$KERNEL" --backend xnnpack quantize --in "$S/x.npy" --attr scale=1/256 \
        --attr dtype=int8 -o "$S/full"
    has "$S/full: error: cannot write: No space left on device" err
    safe_devices=1
else
    safe_devices=0
fi
if [ "$safe_devices" = 1 ] && [ -c "$S/null" ] && [ -c "$S/full" ]; then
    expect 1 "$CHECK" --backend qnn-htp --soc SM8450 --output /dev/null "$CASE"
    if [ -c /dev/null ]; then ok; else bad "-o /dev/null replaced /dev/null"; fi
    expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o /dev/full "$CASE"
    has "/dev/full: cannot write: No space left on device" err
    expect 2 "$DB_TOOL" export --backend xnnpack -o /dev/full
    has "/dev/full: cannot write: No space left on device" err
    if [ -c /dev/full ]; then ok; else bad "-o /dev/full replaced /dev/full"; fi
fi
# a directory, and a directory that does not exist
expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S" "$CASE"
has "$S: is a directory" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o "$S/none/r.txt" "$CASE"
has "$S/none/r.txt: cannot open its directory $S/none" err

# a directory we may not write (root may write anything: then as nobody, when setpriv can)
mkdir -p "$S/ro"
chmod 555 "$S/ro"
chmod 755 "$T" "$S"
if [ "$(id -u)" = 0 ]; then as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"; else as_user=""; fi
if [ -z "$as_user" ] || command -v setpriv >/dev/null; then
    # shellcheck disable=SC2086
    run $as_user "$CHECK" --db "$DEFAULT_DB" --backend qnn-htp --soc SM8450 -o "$S/ro/r.txt" "$CASE"
    if [ "$status" = 2 ] && grep -qF "$S/ro/r.txt: cannot create a file in $S/ro: Permission denied" "$T/err"; then ok; else bad "-o into a read-only directory: exit $status: $(head -c 300 "$T/err")"; fi
    if [ -z "$(ls -A "$S/ro")" ]; then ok; else bad "-o left a file in a read-only directory"; fi
fi
chmod 700 "$T"

# two writers of one path: each leaves a whole report (the last rename wins), never a mixture.
# One generated graph of 104 nodes checked for two SoCs: reports of 29 KB and 6 KB, written in
# many write(2) calls each; 8 writers at a time, 5 rounds.
"$PY" bench/gen_qgraph.py --layers 4 -o "$S/g4.json" >/dev/null
run "$CHECK" --backend qnn-htp --soc SM8350 -f json "$S/g4.json"
cp "$T/out" "$S/want-a.json"
run "$CHECK" --backend qnn-htp --soc SM8450 -f json "$S/g4.json"
cp "$T/out" "$S/want-b.json"
if [ "$(wc -c <"$S/want-a.json")" -gt 16384 ] && ! cmp -s "$S/want-a.json" "$S/want-b.json"; then ok; else bad "the concurrent writers' reports are too small or the same"; fi
torn=0
for round in 1 2 3 4 5; do
    pids=""
    for i in 1 2 3 4 5 6 7 8; do
        if [ $((i % 2)) = 0 ]; then soc=SM8350; else soc=SM8450; fi
        "$CHECK" --backend qnn-htp --soc $soc -f json -o "$S/shared.json" "$S/g4.json" 2>/dev/null &
        pids="$pids $!"
    done
    # shellcheck disable=SC2086
    wait $pids
    if ! cmp -s "$S/shared.json" "$S/want-a.json" && ! cmp -s "$S/shared.json" "$S/want-b.json"; then
        torn=$((torn + 1))
    fi
    "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$S/shared.json" 2>/dev/null || torn=$((torn + 1))
done
if [ "$torn" = 0 ]; then ok; else bad "concurrent -o: $torn of 5 rounds left a mixed report"; fi
if [ "$(find "$S" -name '.shared.json.*' | wc -l)" -eq 0 ]; then ok; else bad "concurrent -o left temporary files"; fi

# --- plugins: a FIFO named B.so is refused with its reason, in the listing and for the check -----
mkdir -p "$S/plugins"
chmod 755 "$S/plugins"
mkfifo "$S/plugins/qnn-htp.so"
cp "$BUILD/tests/fixtures/good.so" "$S/plugins/fixture.so"
chmod 644 "$S/plugins/fixture.so"
expect 1 timeout 20 "$CHECK" --plugin-path "$S/plugins" --list-plugins
has "$S/plugins/qnn-htp.so: refused: $S/plugins/qnn-htp.so: is a FIFO, not a plugin; not loading" out
has "$S/plugins/fixture.so: fixture 1.2.3" out
expect 1 timeout 20 "$CHECK" --plugin-path "$S/plugins" --backend qnn-htp --soc SM8450 "$CASE"
has "the qnn-htp plugin is unavailable, so the backend's own checks did not run: $S/plugins/qnn-htp.so: is a FIFO, not a plugin; not loading [backend-unavailable]" out
# a world-writable directory on the way to a plugin, through a symlink: refused, reason listed
mkdir -p "$S/open"
cp "$BUILD/tests/fixtures/good.so" "$S/open/real.so"
chmod 644 "$S/open/real.so"
chmod 777 "$S/open"
rm -f "$S/plugins/qnn-htp.so"
ln -s "$S/open/real.so" "$S/plugins/fixture.so.tmp" && mv "$S/plugins/fixture.so.tmp" "$S/plugins/fixture.so"
expect 1 timeout 20 "$CHECK" --plugin-path "$S/plugins" --list-plugins
has "$S/plugins/fixture.so: refused: $S/plugins/fixture.so: directory $S/open on its path is writable by others, not loading" out
chmod 755 "$S/open"

# --- hostile names in every report format (tests/cli/hostile_names.py) -------------------------
if "$PY" tests/cli/hostile_names.py "$BUILD" "$S/hostile" >"$T/hostile.log" 2>&1; then ok; else bad "hostile names: $(cat "$T/hostile.log")"; fi

# --- runaway inputs: /dev/zero, a stream, a huge file; the limit users can change ----------------
expect 2 timeout 20 "$CHECK" --backend qnn-htp --soc SM8650 /dev/zero
has "/dev/zero: error: byte 0: a NUL byte, so not a JSON text; not reading on" err
run timeout 20 "$CHECK" --backend qnn-htp --soc SM8650 - </dev/zero
if [ "$status" = 2 ]; then ok; else bad "- </dev/zero: exit $status"; fi
has "<stdin>: error: byte 0: a NUL byte" err
expect 2 timeout 20 "$KERNEL" --backend fbgemm dequantize --in /dev/zero --attr scale=1 -o "$S/z.npy"
has "/dev/zero: error: byte 0: not a .npy stream (its magic is missing), not reading on" err
# sparse files: refused by their size before a byte is read
if truncate -s 3G "$S/huge.qgraph.json" 2>/dev/null && truncate -s 3G "$S/huge.npy" 2>/dev/null; then
    expect 2 timeout 20 "$CHECK" --backend qnn-htp --soc SM8650 "$S/huge.qgraph.json"
    has "$S/huge.qgraph.json: error: file is larger than the limit of 2147483648 bytes (set OPINFO_MAX_INPUT_SIZE to raise it)" err
    expect 2 timeout 20 "$KERNEL" --backend fbgemm dequantize --in "$S/huge.npy" --attr scale=1 -o "$S/z.npy"
    has "$S/huge.npy: error: file is larger than the limit of 2147483648 bytes (set OPINFO_MAX_INPUT_SIZE to raise it)" err
    rm -f "$S/huge.qgraph.json" "$S/huge.npy"
fi
# the limit, lowered and raised
expect 2 env OPINFO_MAX_INPUT_SIZE=100 "$CHECK" --backend qnn-htp --soc SM8450 "$CASE"
has "$CASE: error: file is larger than the limit of 100 bytes (set OPINFO_MAX_INPUT_SIZE to raise it)" err
expect 1 env OPINFO_MAX_INPUT_SIZE=1K "$CHECK" --backend qnn-htp --soc SM8450 "$CASE"
expect 2 env OPINFO_MAX_INPUT_SIZE=1x "$CHECK" --backend qnn-htp --soc SM8450 "$CASE"
has 'OPINFO_MAX_INPUT_SIZE="1x" is not a size (bytes, or with K, M, G, T)' err
run sh -c 'yes | OPINFO_MAX_INPUT_SIZE=1M "$1" --backend qnn-htp --soc SM8450 -' sh "$CHECK"
if [ "$status" = 2 ]; then ok; else bad "an endless stream: exit $status"; fi
has "<stdin>: error: file is larger than the limit of 1048576 bytes" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8450 "$S"
has "$S: error: is a directory" err
