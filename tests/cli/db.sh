# opinfo-db end to end: usage, show, list, diff, matrix, export and import, malformed constraint
# files, databases that must be refused. A part of tests/cli/run.sh (its helpers and variables).

# --- usage -------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" --version
has "database schema 3" out
expect 0 "$DB_TOOL" --help
has "usage: opinfo-db" out
expect 2 "$DB_TOOL"
expect 2 "$DB_TOOL" frobnicate
has 'unknown command "frobnicate"' err
expect 2 "$DB_TOOL" --bogus list backends
expect 2 "$DB_TOOL" list
expect 2 "$DB_TOOL" list widgets
expect 2 "$DB_TOOL" show Conv2d
has "show needs --backend" err
expect 2 "$DB_TOOL" --db

# --- the default database is found without flags or environment --------------------------------
(unset OPINFO_DB; $RUN "$DB_TOOL" list backends >"$T/out" 2>"$T/err")
if [ $? -eq 0 ]; then ok; else bad "default database not found: $(cat "$T/err")"; fi
lines 3 out
has "qnn-htp" out

# --- show --------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8450
same_as "$EXP/show-conv2d-sm8450.txt" out
has "variant 16a4w-block [16a4w-block]: available on SM8450" out
has "variant 16a16w [16a16w]: GATED on SM8450 (arch v69): needs v73 or newer" out
expect 0 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM8350
has "variant 16a4w-block [16a4w-block]: GATED on SM8350 (arch v68): needs v69 or newer" out
expect 0 "$DB_TOOL" show aten.matmul.default --backend qnn-htp --soc SM8550 --release 2.41
has "MatMul (qnn-htp 2.41) on SM8550, arch v73" out
has "variant 16a16w [" out
expect 0 "$DB_TOOL" show torch.nn.Sigmoid --backend fbgemm
has "fixed scale 0.00390625; fixed zero_point 0" out
expect 1 "$DB_TOOL" show NoSuchOp --backend qnn-htp
has 'no op or alias "NoSuchOp"' err
expect 1 "$DB_TOOL" show Conv2d --backend qnn-htp --soc SM9999
has 'unknown SoC "SM9999"' err
expect 1 "$DB_TOOL" show Conv2d --backend nosuch
expect 1 "$DB_TOOL" show Conv2d --backend qnn-htp --release 9.9

# --- list --------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" list socs --backend qnn-htp
lines 20 out
has "SM8650      v75" out
expect 0 "$DB_TOOL" list releases
lines 9 out
has "xnnpack  1.13.2" out
expect 0 "$DB_TOOL" list ops --backend xnnpack
expect 0 "$DB_TOOL" list aliases --backend qnn-htp --release 2.41
has "aten.conv2d.default" out

# --- diff --------------------------------------------------------------------------------------
expect 1 "$DB_TOOL" diff --backend qnn-htp 2.41 2.44
same_as "$EXP/diff-qnn-htp-2.41-2.44.txt" out
has "2 changes" err
expect 0 "$DB_TOOL" diff --backend qnn-htp 2.44 2.44
expect 2 "$DB_TOOL" diff --backend qnn-htp 2.41 7.0
expect 2 "$DB_TOOL" diff --backend qnn-htp 2.41

# --- matrix ------------------------------------------------------------------------------------
expect 0 "$DB_TOOL" matrix --backend qnn-htp
same_as "$EXP/matrix-qnn-htp.md" out
md_rows=$(grep '^| [A-Za-z]' "$T/out" | grep -vc '^| op |')
expect 0 "$DB_TOOL" matrix --backend qnn-htp --format html
has "<table>" out
html_rows=$(grep -o '<tr><td>' "$T/out" | wc -l)
if [ "$md_rows" -eq "$html_rows" ] && [ "$md_rows" -gt 100 ]; then ok; else bad "matrix rows md $md_rows html $html_rows"; fi
expect 2 "$DB_TOOL" matrix --backend qnn-htp --format pdf

# --- export, then import into a new database: identical -----------------------------------------
for br in qnn-htp:2.41 qnn-htp:2.44 xnnpack:1.13 fbgemm:1.13; do
    b=${br%%:*}
    r=${br#*:}
    expect 0 "$DB_TOOL" export --backend "$b" --release "$r" -o "$T/e.json"
    rm -f "$T/rt.db"*
    expect 0 "$DB_TOOL" --db "$T/rt.db" init
    expect 0 "$DB_TOOL" --db "$T/rt.db" import "$T/e.json"
    expect 0 "$DB_TOOL" --db "$T/rt.db" export --backend "$b"
    same_as "$T/e.json" out
done

# --- malformed constraint files: exact errors, exit 2, nothing written ---------------------------
rm -f "$T/bad.db"*
expect 0 "$DB_TOOL" --db "$T/bad.db" init
expect 0 "$DB_TOOL" --db "$T/bad.db" import db/data/xnnpack/1.13.json
"$DB_TOOL" --db "$T/bad.db" list releases >"$T/before" 2>/dev/null
nbad=0
for f in tests/bad-inputs/constraints/[0-9]*.json; do
    expect 2 "$DB_TOOL" --db "$T/bad.db" import "$f"
    same_as "${f%.json}.expected" err
    nbad=$((nbad + 1))
done
"$DB_TOOL" --db "$T/bad.db" list releases >"$T/after" 2>/dev/null
if cmp -s "$T/before" "$T/after"; then ok; else bad "a rejected import changed the database"; fi
if [ "$nbad" -ge 25 ]; then ok; else bad "only $nbad malformed constraint files"; fi
expect 0 "$DB_TOOL" --db "$T/bad.db" check tests/bad-inputs/constraints/ok-minimal.json
expect 2 "$DB_TOOL" --db "$T/bad.db" import tests/bad-inputs/constraints/no-such-file.json
has "tests/bad-inputs/constraints/no-such-file.json: error: cannot open: No such file or directory" err
expect 2 "$DB_TOOL" --db "$T/bad.db" import
expect 2 "$DB_TOOL" --db "$T/bad.db" import db/data/xnnpack/1.13.json
has "release xnnpack 1.13 is already in the database" err

# --- databases that must be refused -----------------------------------------------------------
expect 2 "$DB_TOOL" --db "$T/none.db" list backends
has "cannot open database: No such file or directory" err
OPINFO_DB="$T/none.db" run "$DB_TOOL" list backends
if [ "$status" = 2 ]; then ok; else bad "OPINFO_DB is not honoured"; fi
printf 'not a database at all, only text that goes on for a while...............\n' >"$T/text.db"
expect 2 "$DB_TOOL" --db "$T/text.db" list backends
has "not an opinfo database" err
cp "$DEFAULT_DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
expect 2 "$DB_TOOL" --db "$T/newer.db" show Conv2d --backend qnn-htp
has "(db schema 99, tool supports <= 3)" err
expect 2 "$DB_TOOL" --db "$T/newer.db" migrate
rm -f "$T/cur.db"*
expect 0 "$DB_TOOL" --db "$T/cur.db" init
expect 0 "$DB_TOOL" --db "$T/cur.db" migrate
has "schema 3 is current" out
