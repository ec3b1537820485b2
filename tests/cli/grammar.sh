# The option grammar the three tools share (cli/common.c), the listing formats and the names people
# type (cli/names.c). Sourced by tests/cli/run.sh: uses its run/expect/has/lines/same_as, $T,
# $DB_TOOL, $CHECK and $BUILD.
KERNEL_TOOL="$BUILD/bin/opinfo-kernel"
CASE16=tests/cases/010-htp-E4-matmul-16a16w-v69/input.json

# one wording for a usage error, in every tool; exit 2
for tool in opinfo-db opinfo-check opinfo-kernel; do
    expect 2 "$BUILD/bin/$tool" --bogus
    has "$tool: unknown option --bogus (try '$tool --help')" err
    lines 1 err
    expect 2 "$BUILD/bin/$tool" --format
    has "$tool: option --format needs a value (try '$tool --help')" err
    expect 2 "$BUILD/bin/$tool" --quiet=yes
    has "$tool: option --quiet takes no value (try '$tool --help')" err
    expect 2 "$BUILD/bin/$tool" --color=sometimes
    has "$tool: --color must be auto, always or never, not \"sometimes\" (try '$tool --help')" err
    expect 0 "$BUILD/bin/$tool" -V
    has "$tool " out
    expect 0 "$BUILD/bin/$tool" --vers
    has "$tool " out
    expect 0 "$BUILD/bin/$tool" -h
    has "usage: $tool" out
    has "-o, --output" out
    has "-q, --quiet" out
done
expect 2 "$DB_TOOL" --colr=never list backends
has "opinfo-db: unknown option --colr; did you mean --color? (try 'opinfo-db --help')" err
expect 2 "$CHECK" --w "$CASE16"
has "opinfo-check: option --w is ambiguous (--warn, --weight-symmetric, --weight-asymmetric, --weight-type, --write-baseline) (try 'opinfo-check --help')" err
expect 2 "$DB_TOOL" --f json list backends
has "opinfo-db: option --f is ambiguous (--format, --from-plugin)" err

# getopt_long: abbreviations, attached and bundled values, options after operands, --
expect 1 "$CHECK" "$CASE16" --back qnn-htp --soc SM8450 -qfjson
lines 0 err
has '"rule": "arch-gate"' out
expect 1 "$CHECK" --format=json --backend=qnn-htp --soc=SM8450 "$CASE16"
has '"rule": "arch-gate"' out
expect 1 "$CHECK" -f json -o "$T/g.json" --backend qnn-htp --soc SM8450 "$CASE16"
lines 0 out
if grep -qF '"rule": "arch-gate"' "$T/g.json"; then ok; else bad "-o FILE with -f json"; fi
cp "$CASE16" "$T/-x.json"
abs_check=$(cd "$(dirname "$CHECK")" && pwd)/opinfo-check
abs_db=$(cd "$(dirname "$OPINFO_DB")" && pwd)/$(basename "$OPINFO_DB")
(cd "$T" && OPINFO_DB="$abs_db" $RUN "$abs_check" --backend qnn-htp --soc SM8450 -- -x.json >out 2>err)
if [ $? -eq 1 ] && grep -qF -- "-x.json:" "$T/out"; then ok; else bad "-- did not end the options"; fi
# a file named like an option: an option before "--", the file after it
cp "$CASE16" "$T/--strict"
(cd "$T" && OPINFO_DB="$abs_db" $RUN "$abs_check" --backend qnn-htp --soc SM8450 --strict >out 2>err)
if [ $? -eq 2 ] && grep -qF "no input files" "$T/err"; then ok; else bad "--strict before -- is not the option"; fi
(cd "$T" && OPINFO_DB="$abs_db" $RUN "$abs_check" --backend qnn-htp --soc SM8450 -- --strict >out 2>err)
if [ $? -eq 1 ] && grep -qF -- "--strict:26:5: error: mm1: " "$T/out"; then ok; else bad "-- --strict did not check the file: $(cat "$T/err")"; fi
(cd "$T" && OPINFO_DB="$abs_db" $RUN "$abs_check" -- --backend qnn-htp >out 2>err)
if [ $? -eq 2 ] && grep -qF -- "--backend: error: cannot open: No such file or directory" "$T/err"; then ok; else bad "-- --backend is not a file: $(cat "$T/err")"; fi
# bundled short options, a value attached to the last: every tool
expect 0 "$DB_TOOL" -qftsv list backends
has "$(printf 'backend\t')" out
expect 0 "$DB_TOOL" list backends -qfjson
has '"backend": "qnn-htp"' out
expect 0 "$KERNEL_TOOL" --backend xnnpack -qftsv --list
if head -n 1 "$T/out" | grep -q "$(printf '\t')"; then ok; else bad "opinfo-kernel -qftsv --list"; fi
expect 2 "$CHECK" -qxf json "$CASE16"
has "opinfo-check: unknown option -x (try 'opinfo-check --help')" err
# a prefix of exactly two long options: refused, naming both; whole names and unique prefixes pass
expect 2 "$CHECK" --show "$CASE16"
has "opinfo-check: option --show is ambiguous (--show-suppressed, --show-config) (try 'opinfo-check --help')" err
lines 1 err
lines 0 out
expect 2 "$CHECK" --r 2.44 --backend qnn-htp --soc SM8450 "$CASE16"
has "opinfo-check: option --r is ambiguous (--release, --rules-url) (try 'opinfo-check --help')" err
expect 1 "$CHECK" --rel 2.44 --backend qnn-htp --soc SM8450 "$CASE16"
has "opinfo-check: 1 error, 0 warnings in 1 node" err
expect 0 "$CHECK" --show-c --backend qnn-htp "$CASE16"
has "backend: qnn-htp (--backend)" out

# --explain NAME where NAME is both a rule id and an op of the backend: refused, exit 2, naming
# both ways to say which; rule: and op: settle it (a database whose backend has an op "axis")
sed 's/"name": "Conv2d"/"name": "axis"/' tests/bad-inputs/constraints/ok-minimal.json >"$T/both.json"
rm -f "$T/both.db"*
expect 0 "$DB_TOOL" --db "$T/both.db" init
expect 0 "$DB_TOOL" --db "$T/both.db" import "$T/both.json"
expect 2 "$CHECK" --db "$T/both.db" --backend testbe --explain axis
has "opinfo-check: error: --explain axis: both a rule and an op of testbe; say which: --explain rule:axis or --explain op:axis" err
lines 0 out
expect 0 "$CHECK" --db "$T/both.db" --backend testbe --explain rule:axis
has "axis: per-channel quantization" out
expect 0 "$CHECK" --db "$T/both.db" --backend testbe --explain op:axis
has "axis (testbe" out
# without --backend there is no op to mistake it for: the rule
expect 0 "$CHECK" --db "$T/both.db" --explain axis
has "axis: per-channel quantization" out

# a command word after options; ./annotate is a file
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 annotate examples/float/cnn.qgraph.json
has "annotate needs --config" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 ./annotate
has "./annotate: error: cannot open: No such file or directory" err

# every --format is validated, with the list of choices
expect 2 "$DB_TOOL" list backends --format xyz
has "opinfo-db: unknown --format \"xyz\" for opinfo-db list (one of: text, json, tsv) (try 'opinfo-db --help')" err
expect 2 "$DB_TOOL" show Conv2d --backend qnn-htp -f xml
has "(one of: text, json, tsv)" err
expect 2 "$DB_TOOL" diff --backend qnn-htp 2.41 2.44 -f yaml
has "(one of: text, json, tsv)" err
expect 2 "$DB_TOOL" matrix --backend qnn-htp -f pdf
has "(one of: md, html)" err
expect 2 "$DB_TOOL" --db "$T/x.db" init -f json
has "opinfo-db: init takes no --format (try 'opinfo-db --help')" err
expect 2 "$DB_TOOL" --db "$T/x.db" import -f jsn db/data/xnnpack/1.13.json
has "(one of: constraints, backendopinfo)" err
expect 2 "$CHECK" --list-rules -f sarif
has "opinfo-check: unknown --format \"sarif\" for --list-rules (one of: text, json, tsv)" err
expect 2 "$CHECK" --explain Conv2d --backend qnn-htp -f junit
has "for --explain (one of: text, json, tsv)" err
expect 2 "$CHECK" -f xml "$CASE16"
has "opinfo-check: unknown --format \"xml\" for a check (one of: text, json, sarif, junit, github, jsonl, gcc)" err

# TSV listings: a header on stdout, tabs, no padding: every line has the header's field count,
# and cut gives the values back
for kind in backends releases socs archs ops aliases; do
    expect 0 "$DB_TOOL" list "$kind" -f tsv
    lines 0 err
    nf=$(head -n 1 "$T/out" | awk -F'\t' '{print NF}')
    if awk -F'\t' -v nf="$nf" 'NF != nf {exit 1}' "$T/out" && [ "$nf" -ge 3 ]; then ok; else bad "list $kind -f tsv: ragged fields"; fi
    if grep -q '  ' "$T/out" && [ "$kind" != releases ] && [ "$kind" != aliases ]; then bad "list $kind -f tsv is padded"; else ok; fi
    expect 0 "$DB_TOOL" list "$kind" -f json
    if /usr/bin/python3 -c "import json,sys; d=json.load(open('$T/out')); sys.exit(0 if isinstance(d, list) and d and isinstance(d[0], dict) else 1)"; then ok; else bad "list $kind -f json"; fi
done
expect 0 "$DB_TOOL" list socs --backend qnn-htp -f tsv
has "$(printf 'backend\trelease\tsoc\tarch\tvtcm_mb\tattributes')" out
if [ "$(cut -f3 "$T/out" | sed -n 2,100p | grep -c '^SM8650$')" = 1 ]; then ok; else bad "cut -f3 does not give SM8650"; fi
if [ "$(awk -F'\t' '$3 == "SM8650" {print $4}' "$T/out")" = v75 ]; then ok; else bad "awk does not find SM8650's arch"; fi
expect 0 "$DB_TOOL" list releases -ftsv
# a release's source holds spaces: one field all the same
if [ "$(awk -F'\t' '$1 == "qnn-htp" && $2 == "2.41" {print $5}' "$T/out")" -gt 10 ]; then ok; else bad "releases TSV: ops is not field 5"; fi
expect 0 "$DB_TOOL" list socs --backend qnn-htp -f json
if /usr/bin/python3 -c "
import json, sys
d = {r['soc']: r for r in json.load(open('$T/out'))}
s = d['SM8650']
sys.exit(0 if s['vtcm_mb'] == 8 and s['attributes']['marketing_name'] == 'Snapdragon 8 Gen 3' else 1)"; then ok; else bad "list socs -f json: numbers and attributes"; fi
expect 1 "$DB_TOOL" diff --backend qnn-htp 2.41 2.44 -f tsv
lines 3 out
has "$(printf 'change\twhat\tfield\told\tnew')" out
expect 1 "$DB_TOOL" diff --backend qnn-htp 2.41 2.44 -q -f json
lines 0 err
if /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/out'))
sys.exit(0 if len(d) == 2 and all(c['change'] in '+-~' for c in d) and isinstance(d[0]['new'], dict) else 1)"; then ok; else bad "diff -f json"; fi
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8450 -f json
if /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/out'))
v = {x['name']: x for x in d['variants']}
sys.exit(0 if d['op'] == 'Conv2d' and d['arch'] == 'v69' and v['16a4w-block']['available'] is True and v['16a16w']['available'] is False else 1)"; then ok; else bad "show -f json"; fi
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8450 -f tsv
if [ "$(awk -F'\t' '$2 == "16a16w" && $7 == "weight" {print $6 "," $9}' "$T/out")" = "no,int16" ]; then ok; else bad "show -f tsv: 16a16w weight"; fi
expect 0 "$DB_TOOL" list backends -o "$T/b.tsv" -f tsv
lines 0 out
if [ "$(cut -f1 "$T/b.tsv" | tr '\n' ' ')" = "backend fbgemm qnn-htp xnnpack " ]; then ok; else bad "list -o FILE"; fi
expect 0 "$CHECK" --list-rules -f tsv
has "$(printf 'id\tsummary')" out
if cut -f1 "$T/out" | grep -qx arch-gate && [ "$(cut -f1 "$T/out" | sort | uniq -d)" = "" ]; then ok; else bad "--list-rules -f tsv: cut -f1"; fi
expect 0 "$CHECK" --list-rules --format=json
if /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/out'))
sys.exit(0 if any(r['id'] == 'arch-gate' and r['summary'] and r['description'] for r in d) else 1)"; then ok; else bad "--list-rules -f json"; fi
expect 0 "$CHECK" --explain conv2d --backend QNN-HTP --soc sm8450 -f json
if /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/out'))
sys.exit(0 if d['op'] == 'Conv2d' and d['soc'] == 'SM8450' else 1)"; then ok; else bad "--explain -f json"; fi

# names people type: any case, marketing names, did you mean, the choices
expect 0 "$DB_TOOL" show conv2d --backend QNN-HTP --soc sm8450
same_as "$EXP/show-conv2d-sm8450.txt" out
expect 0 "$DB_TOOL" show CONV2D --backend qnn-htp --soc "snapdragon 8 gen 1"
same_as "$EXP/show-conv2d-sm8450.txt" out
expect 0 "$CHECK" --backend Qnn-Htp --soc "Snapdragon 8 Gen 2" "$CASE16"
has "opinfo-check: 0 errors, 0 warnings in 1 node" err
expect 1 "$CHECK" --backend qnn-htp --soc sm8450 "$CASE16"
has "SM8450 is v69" out
expect 1 "$DB_TOOL" show Conv2 --backend qnn-htp
has "opinfo-db: no op or alias \"Conv2\" for qnn-htp; did you mean \"Conv2d\"? (see 'opinfo-db list ops --backend qnn-htp')" err
expect 1 "$DB_TOOL" show Conv2d --backend qnn-hpt
has 'opinfo-db: unknown backend "qnn-hpt"; did you mean "qnn-htp"? (choices: fbgemm, qnn-htp, xnnpack)' err
expect 1 "$DB_TOOL" show Conv2d --backend tflite
has 'opinfo-db: unknown backend "tflite" (choices: fbgemm, qnn-htp, xnnpack)' err
expect 1 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM865
has 'opinfo-db: unknown SoC "SM865" for qnn-htp; did you mean "SM8650"? (choices: SA8295, SM8350,' err
expect 2 "$CHECK" --backend qnn-htp --soc "Snapdragon 8 Gen 9" "$CASE16"
has 'opinfo-check: unknown SoC "Snapdragon 8 Gen 9" for qnn-htp; did you mean "Snapdragon 8 Gen' err
expect 2 "$CHECK" --backend xnnpak "$CASE16"
has 'opinfo-check: unknown backend "xnnpak"; did you mean "xnnpack"?' err
expect 1 "$CHECK" --backend qnn-htp --explain softmx
has 'opinfo-check: no op or alias "softmx" for qnn-htp; did you mean "Softmax"?' err
expect 2 "$DB_TOOL" lst backends
has "opinfo-db: unknown command \"lst\"; did you mean \"list\"? (try 'opinfo-db --help')" err
expect 2 "$DB_TOOL" list socz
has "opinfo-db: cannot list \"socz\"; did you mean \"socs\"?" err

# --statistics: diagnostics per rule at the end, most first
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 --statistics -q examples/llm-block-16a8w.qgraph.json
has "       9  arch-gate  error  " err
lines 1 err

# long runs: a big input on a terminal gets a progress line on stderr (under script(1), which
# gives the tool a terminal); never when stderr is not a terminal, never with -q
if command -v script >/dev/null 2>&1; then
    /usr/bin/python3 bench/gen_qgraph.py --layers 700 --calibrated -o "$T/big.json" 2>/dev/null
    script -qec "$CHECK --backend qnn-htp --soc SM8350 $T/big.json >$T/tty-out" /dev/null >"$T/tty" 2>&1
    if grep -q "reading $T/big.json (" "$T/tty" && grep -q "$(printf '\r')" "$T/tty"; then ok; else bad "no progress line on a terminal: $(head -c 300 "$T/tty")"; fi
    if grep -q "opinfo-check: 6300 errors, 0 warnings in 18200 nodes" "$T/tty"; then ok; else bad "no summary on the terminal"; fi
    script -qec "$CHECK -q --backend qnn-htp --soc SM8350 $T/big.json >$T/tty-out" /dev/null >"$T/tty" 2>&1
    if [ ! -s "$T/tty" ]; then ok; else bad "-q on a terminal printed: $(head -c 200 "$T/tty")"; fi
    expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$T/big.json"
    if grep -q "reading\|$(printf '\r')" "$T/err"; then bad "progress written to a non-terminal"; else ok; fi
    lines 1 err
    # diagnostics written as they are found are the report written whole, in text and github
    for f in text github; do
        expect 1 "$CHECK" --backend qnn-htp --soc SM8350 --ignore dynamic-mismatch -f "$f" "$T/big.json"
        cp "$T/out" "$T/streamed"
        expect 1 "$CHECK" --backend qnn-htp --soc SM8350 --ignore dynamic-mismatch -f "$f" -o "$T/whole" "$T/big.json"
        if cmp -s "$T/streamed" "$T/whole" && [ -s "$T/whole" ]; then ok; else bad "-f $f: streamed output differs from the whole report"; fi
    done
fi

# --color: the severity coloured on demand, never by default off a terminal
expect 1 "$CHECK" --color=always --backend qnn-htp --soc SM8450 "$CASE16"
has "$(printf ': \033[1;31merror\033[0m: mm1: ')" out
has "$(printf ': \033[1;36mnote\033[0m: fix: ')" out
expect 1 "$CHECK" --backend qnn-htp --soc SM8450 "$CASE16"
if grep -q "$(printf '\033')" "$T/out"; then bad "colour off a terminal"; else ok; fi
expect 1 "$CHECK" --color=always -f json --backend qnn-htp --soc SM8450 "$CASE16"
if grep -q "$(printf '\033')" "$T/out"; then bad "colour in JSON"; else ok; fi

# every tool colours the severity of its errors and warnings on stderr the same way, on demand
ESC=$(printf '\033')
RED="$ESC[1;31merror$ESC[0m"
MAG="$ESC[1;35mwarning$ESC[0m"
expect 2 "$DB_TOOL" --color=always --db "$T/none.db" list backends
has "$T/none.db: $RED: cannot open database: No such file or directory" err
expect 2 "$DB_TOOL" --color=always import "$T/none.json" --db "$T/none.db"
has "$RED: " err
expect 2 "$KERNEL_TOOL" --color=always --backend xnnpack requantize --in "$T/none.npy" -o "$T/o.npy"
has "$T/none.npy: $RED: cannot open: No such file or directory" err
expect 2 "$KERNEL_TOOL" --out "$T/o.npy" --color=always --backend xnnpack requantize
has "opinfo-kernel: $MAG: --out is deprecated; use -o/--output" err
expect 2 "$CHECK" --color=always --backend qnn-htp --soc SM8450 "$T/none.json"
has "$T/none.json: $RED: cannot open: No such file or directory" err
mkdir -p "$T/colcfg"
cp "$CASE16" "$T/colcfg/m.json"
printf '{\n  "soc": 8450\n}\n' >"$T/colcfg/.opinfo.json"
expect 2 "$CHECK" --color=always "$T/colcfg/m.json"
has "$T/colcfg/.opinfo.json:2:10: $RED: \"soc\" must be a string" err
# never, and auto off a terminal: no escape anywhere; a bad value is a usage error
for tool in opinfo-db opinfo-kernel opinfo-check; do
    for when in never auto; do
        case $tool in
        opinfo-db) expect 2 "$BUILD/bin/$tool" --color=$when --db "$T/none.db" list backends ;;
        opinfo-kernel) expect 2 "$BUILD/bin/$tool" --color=$when --backend xnnpack requantize --in "$T/none.npy" -o "$T/o.npy" ;;
        opinfo-check) expect 2 "$BUILD/bin/$tool" --color=$when --backend qnn-htp --soc SM8450 "$T/none.json" ;;
        esac
        has ": error: " err
        if grep -q "$ESC" "$T/err" "$T/out"; then bad "$tool --color=$when coloured"; else ok; fi
    done
    expect 2 "$BUILD/bin/$tool" --color=bogus
    has "$tool: --color must be auto, always or never, not \"bogus\" (try '$tool --help')" err
    lines 0 out
done
# on a terminal (script(1)), auto colours; NO_COLOR turns it off
if command -v script >/dev/null 2>&1; then
    env -u NO_COLOR TERM=xterm script -qec "$DB_TOOL --db $T/none.db list backends" /dev/null >"$T/tty" 2>&1
    if grep -qF "$RED" "$T/tty"; then ok; else bad "--color=auto on a terminal: $(cat -v "$T/tty")"; fi
    NO_COLOR=1 TERM=xterm script -qec "$DB_TOOL --db $T/none.db list backends" /dev/null >"$T/tty" 2>&1
    if grep -q "$ESC" "$T/tty"; then bad "NO_COLOR did not turn colour off"; else ok; fi
fi

# --backend other than the file's target re-targets: the target's SoC and release are another
# backend's, so they are dropped (a backend with SoCs then needs --soc)
expect 1 "$CHECK" --backend xnnpack examples/cnn-8a8w.qgraph.json
has "[no-variant]" out
has "opinfo-check: 16 errors, 0 warnings in 16 nodes" err
expect 0 "$CHECK" --backend qnn-htp examples/cnn-8a8w.qgraph.json
expect 2 "$CHECK" --backend qnn-htp tests/annotate/expected/xnnpack-dynamic-int8-torch-mlp.json
has "backend qnn-htp needs a SoC: give --soc" err
