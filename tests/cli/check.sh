# opinfo-check end to end: options, formats, output files, plugins (listing, fail closed,
# annotation). A part of tests/cli/run.sh (its helpers and variables).

# the databases this part refuses or imports into (opinfo-db's own runs of these are in db.sh)
cp "$DEFAULT_DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
"$DB_TOOL" --db "$T/cur.db" init >/dev/null

# --- opinfo-check -----------------------------------------------------------------------------
expect 0 "$CHECK" --version
has "qgraph format 1" out
expect 0 "$CHECK" --help
expect 0 "$CHECK" --list-rules
lines 34 out
has "qnn-htp/per-tensor-2bit" out
has "arch-gate" out
has "runs-in-float" out
has "dynamic-mismatch" out
has "overrides-no-variant" out
# autofix and overrides: usage errors (tests/autofix and tests/overrides run them for real)
expect 2 "$CHECK" --fix "$CASE"
has "--fix needs -o FIXED for a qgraph" err
expect 2 "$CHECK" fix-overrides "$CASE"
has "fix-overrides needs GRAPH OVERRIDES" err
expect 2 "$CHECK" --overrides tests/overrides/validate/01-scale-without-zero-point.json --activation-type QUInt12 "$CASE"
has "unknown --activation-type QUInt12" err
expect 2 "$CHECK" --overrides /nonexistent.json "$CASE"
has "/nonexistent.json" err
expect 2 "$CHECK"
has "no input files" err
expect 2 "$CHECK" --format xml "$CASE"
expect 2 "$CHECK" --max-errors 0 "$CASE"
expect 2 "$CHECK" --frobnicate "$CASE"
expect 0 "$CHECK" --backend qnn-htp --soc SM8450 --explain Conv2d
same_as "$EXP/show-conv2d-sm8450.txt" out
expect 1 "$CHECK" --backend qnn-htp --explain NoSuchOp
expect 2 "$CHECK" --explain Conv2d
# strict (default) fails, warn passes, both report
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 "$CASE"
has "[arch-gate]" out
has "opinfo-check: 1 error, 0 warnings in 1 node" err
expect 0 "$CHECK" --warn --backend qnn-htp --soc SM8450 "$CASE"
has ": warning: " out
expect 1 "$CHECK" --warn --strict --backend qnn-htp --soc SM8450 "$CASE"
expect 0 "$CHECK" --backend qnn-htp --soc SM8550 "$CASE"
lines 0 out
# --quiet drops only the summary
expect 1 "$CHECK" --quiet --backend qnn-htp --soc SM8450 "$CASE"
lines 0 err
lines 2 out
# stdin, and a report written whole to a file
run "$CHECK" --backend qnn-htp --soc SM8450 - <"$CASE"
if [ "$status" = 1 ] && grep -qF "<stdin>:" "$T/out"; then ok; else bad "stdin: exit $status"; fi
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 -f json -o "$T/r.json" "$CASE"
lines 0 out
if [ -s "$T/r.json" ] && [ ! -e "$T/r.json.tmp" ] && grep -qF '"rule": "arch-gate"' "$T/r.json"; then ok; else bad "-o did not write the report"; fi
expect 2 "$CHECK" --backend qnn-htp --soc SM8450 -o "$T/no/such/dir/r.txt" "$CASE"
# several files: one report; a bad file is exit 2 even when the others are clean
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 examples/cnn-8a8w.qgraph.json examples/llm-block-16a8w.qgraph.json
has "in 42 nodes" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 examples/cnn-8a8w.qgraph.json tests/bad-inputs/qgraph/01-truncated.json
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 no-such-file.json
has "no-such-file.json: error: cannot open: No such file or directory" err
# --max-errors stops early and says so
expect 1 "$CHECK" --max-errors 1 --backend qnn-htp --soc SM8350 examples/llm-block-16a8w.qgraph.json
lines 2 out
has "stopped at --max-errors 1" err
# the database is refused the same way as by opinfo-db
expect 2 "$CHECK" --db "$T/newer.db" --backend qnn-htp --soc SM8650 "$CASE"
has "(db schema 99, tool supports <= 3)" err

# --- plugins: listing, fail closed, annotation ------------------------------------------------
expect 0 "$CHECK" --list-plugins
lines 3 out
has "qnn-htp 0.1.0 (ABI 1.2) serves qnn-htp: ok; configs 8a8w,8a4w,16a8w,16a16w,16a4w,16a4w-block,16a2w" out
# a refused plugin first on the path: the backend's plugin is unavailable, and the check says so
mkdir -p "$T/plugins"
chmod 755 "$T/plugins"
printf 'not a shared object\n' >"$T/plugins/qnn-htp.so"
expect 1 "$CHECK" --plugin-path "$T/plugins" --list-plugins
has "qnn-htp.so: refused: " out
expect 1 "$CHECK" --plugin-path "$T/plugins" --backend qnn-htp --soc SM8550 "$CASE"
has "[backend-unavailable]" out
has "is not a shared object" out
expect 0 "$CHECK" --warn --plugin-path "$T/plugins" --backend qnn-htp --soc SM8550 "$CASE"
has ": warning: qnn-htp: the qnn-htp plugin is unavailable" out
# annotation: goldens reviewed once, compared exactly (the tool's version redacted)
ANN=tests/annotate/expected
# every plugin and config: tests/annotate/expected/LIST says backend, SoC, config, graph, golden
nann=0
while read -r b soc cfg graph gold; do
    socarg=""
    [ "$soc" != "-" ] && socarg="--soc $soc"
    # the xnnpack plugin's configs are PyTorch 1.13's (FX names); 2.6 is XNNPACKQuantizer's (aten)
    [ "$b" = xnnpack ] && socarg="--release 1.13.1"
    # shellcheck disable=SC2086
    expect 0 "$CHECK" annotate --backend "$b" $socarg --config "$cfg" "examples/float/$graph.qgraph.json"
    sed 's/"version": "[0-9.]*"/"version": "<VERSION>"/' "$T/out" >"$T/ann.json"
    sed 's/"version": "[0-9.]*"/"version": "<VERSION>"/' "$ANN/$gold.json" >"$T/ann-gold.json"
    if cmp -s "$T/ann.json" "$T/ann-gold.json"; then ok; else bad "annotate $gold differs from the golden"; fi
    # shellcheck disable=SC2086
    expect 0 "$CHECK" --backend "$b" $socarg "$ANN/$gold.json"
    nann=$((nann + 1))
done <"$ANN/LIST"
if [ "$nann" -ge 13 ]; then ok; else bad "only $nann annotate goldens"; fi
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 examples/float/cnn.qgraph.json
has "annotate needs --config" err
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 --config 9a9w examples/float/cnn.qgraph.json
has "qnn-htp: " err
expect 2 "$CHECK" annotate --backend qnn-htp --soc SM8650 --config 16a4w-block:x examples/float/cnn.qgraph.json
expect 2 "$CHECK" annotate --plugin-path "$T/plugins" --backend qnn-htp --soc SM8650 --config 8a8w examples/float/cnn.qgraph.json
has "is not a shared object" err
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin qnn-htp
has "plugin qnn-htp ships no constraint data" err
mkdir -p "$T/fixture"
chmod 755 "$T/fixture"
cp "$BUILD/tests/fixtures/good.so" "$T/fixture/fixture.so"
chmod 644 "$T/fixture/fixture.so"
expect 0 "$DB_TOOL" --db "$T/cur.db" import --from-plugin fixture --plugin-path "$T/fixture"
has "imported the constraint data of plugin fixture 1.2.3" err
expect 0 "$DB_TOOL" --db "$T/cur.db" show Relu --backend fixture
has "Relu (fixture 1.2.3)" out
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin fixture --plugin-path "$T/fixture"
has "release fixture 1.2.3 is already in the database" err
expect 2 "$DB_TOOL" --db "$T/cur.db" import --from-plugin nosuch
has "no plugin for backend nosuch" err
