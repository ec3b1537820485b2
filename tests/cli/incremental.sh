# Checking while reading (the default) against reading first (--no-incremental): the same exit
# status, stdout and stderr in every format, over the graphs tests/cli/incremental_graphs.py
# makes (sourced by tests/cli/run.sh; uses its helpers). When the read fails, the error and the
# status are the same, and so is every report written at the end; the line formats may have
# written the diagnostics found before the failure.
CHECK="$BUILD/bin/opinfo-check"
IG="$T/incremental"
/usr/bin/python3 tests/cli/incremental_graphs.py "$IG"
# both ways: $T/inc.{out,err,status} and $T/whole.{out,err,status}
both() {
    $RUN "$CHECK" "$@" >"$T/inc.out" 2>"$T/inc.err"
    echo $? >"$T/inc.status"
    $RUN "$CHECK" --no-incremental "$@" >"$T/whole.out" 2>"$T/whole.err"
    echo $? >"$T/whole.status"
    # SARIF's invocation names the flag: the one difference there may be
    sed -e '/^ *"--no-incremental",$/d' -e 's/"opinfo-check --no-incremental /"opinfo-check /' \
        "$T/whole.out" >"$T/whole.sed" && mv "$T/whole.sed" "$T/whole.out"
}
compare() { # compare WHAT STREAMS...
    what=$1
    shift
    for s in status err "$@"; do
        if cmp -s "$T/inc.$s" "$T/whole.$s"; then ok; else
            bad "incremental $s differs from --no-incremental: $what"
            diff "$T/whole.$s" "$T/inc.$s" | head -6 >&2
        fi
    done
}
ARGS1="--backend qnn-htp --soc SM8350"
ARGS2="--backend qnn-htp --soc SM8650 --max-errors 40"
i=0
for f in "$IG"/*.json; do
    name=$(basename "$f" .json)
    case $name in
        llm|splice-038) formats="text json sarif junit github jsonl" ;;
        *) formats="text json jsonl" ;;
    esac
    sets="1 2"
    if [ -n "$RUN" ]; then
        # under valgrind (a second a run) each graph is read both ways once, its formats and the
        # two option sets taking turns from graph to graph; the other builds run every pair
        # shellcheck disable=SC2086
        set -- $formats
        shift $((i % $#))
        formats=$1
        sets=$((i % 2 + 1))
    fi
    i=$((i + 1))
    for fmt in $formats; do
        for a in $sets; do
            if [ "$a" = 1 ]; then args=$ARGS1; else args=$ARGS2; fi
            # shellcheck disable=SC2086
            both $args -f "$fmt" "$f"
            case $fmt:$(cat "$T/whole.status") in
                text:2|github:2|jsonl:2) compare "$name -f $fmt $args" ;;
                *) compare "$name -f $fmt $args" out ;;
            esac
        done
    done
done
# the failures are failures both ways, each with its own error
for name in late-duplicate late-duplicate-tensor late-syntax late-unknown late-cycle dtype-mismatch \
    early-duplicate late-empty-name late-long-name late-not-object; do
    both --backend qnn-htp --soc SM8350 -f json "$IG/$name.json"
    if [ "$(cat "$T/inc.status")" = 2 ] && [ ! -s "$T/inc.out" ]; then ok; else bad "$name: not refused"; fi
done
has_in() { if grep -qF -- "$1" "$2"; then ok; else bad "\"$1\" not in $2: $(head -c 300 "$2")"; fi; }
both --backend qnn-htp --soc SM8350 "$IG/late-duplicate-tensor.json"
has_in "is defined twice" "$T/inc.err"
both --backend qnn-htp --soc SM8350 "$IG/early-duplicate.json"
has_in "is defined twice" "$T/inc.err"
both --backend qnn-htp --soc SM8350 "$IG/late-empty-name.json"
has_in "name must be 1..1024 characters" "$T/inc.err"
both --backend qnn-htp --soc SM8350 "$IG/late-cycle.json"
has_in "shared_with forms a cycle" "$T/inc.err"
# a target the options do not fully name is waited for: from the end of the file, it re-targets
both --backend qnn-htp "$IG/target-last.json"
compare "target-last without --soc" out
# the progress of a check while reading: no total yet; SARIF, the invocation, the same
both --backend qnn-htp --soc SM8350 -f sarif -q "$IG/splice-037.json"
compare "splice-037 sarif -q" out
# an ONNX model is read whole, then checked
for m in tests/cli/onnx/fix16.onnx tests/cli/onnx/matmul16.onnx; do
    both --backend qnn-htp --soc SM8650 -f jsonl "$m"
    compare "$m -f jsonl" out
done
# stdin
$RUN "$CHECK" --backend qnn-htp --soc SM8350 -f jsonl - <"$IG/llm.json" >"$T/inc.out" 2>"$T/inc.err"
echo $? >"$T/inc.status"
$RUN "$CHECK" --no-incremental --backend qnn-htp --soc SM8350 -f jsonl - <"$IG/llm.json" >"$T/whole.out" 2>"$T/whole.err"
echo $? >"$T/whole.status"
compare "stdin -f jsonl" out

# -f jsonl: every line is an object of schemas/report-line.schema.json, the diagnostics those of
# -f json in the same order, the last line the summary
$RUN "$CHECK" --backend qnn-htp --soc SM8350 --select arch-gate,no-variant -f jsonl "$IG/splice-038.json" >"$T/lines" 2>/dev/null
$RUN "$CHECK" --backend qnn-htp --soc SM8350 --select arch-gate,no-variant -f json "$IG/splice-038.json" >"$T/report" 2>/dev/null
if /usr/bin/python3 - "$T/lines" "$T/report" <<'PY'
import json, sys
import jsonschema
schema = json.load(open("schemas/report-line.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
lines = [json.loads(l) for l in open(sys.argv[1])]
report = json.load(open(sys.argv[2]))
for l in lines:
    errs = list(v.iter_errors(l))
    assert not errs, errs[0].message
assert [l["type"] for l in lines] == ["diagnostic"] * (len(lines) - 1) + ["summary"], "line types"
diags = [{k: x for k, x in l.items() if k != "type"} for l in lines[:-1]]
assert diags == report["diagnostics"] and diags, "diagnostics differ from -f json"
s = lines[-1]
assert s["summary"] == report["summary"] and s["target"] == report["target"], "summary"
assert s["files"] == report["files"] and s["version"] == report["version"], "header"
PY
then ok; else bad "-f jsonl against the schema and -f json"; fi
