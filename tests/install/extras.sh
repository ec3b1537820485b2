#!/bin/sh
# What an installation gives beside the library: man pages that render, bash completion whose
# names come from the installed database, the documentation and schemas --help points at, and
# a statically linked program that finds the installed database and plugins by itself.
#   PKG_CONFIG_PATH=PREFIX/lib/pkgconfig sh tests/install/extras.sh PREFIX
set -u
prefix=${1:?usage: extras.sh PREFIX}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "extras: FAIL: $*" >&2; }
share=$prefix/share

# 1. man pages: each renders, with its name, synopsis, options and the installed paths
for tool in opinfo-check opinfo-db opinfo-kernel; do
    page=$share/man/man1/$tool.1
    out=$(MANWIDTH=100 man -l "$page" 2>"$t/man.err")
    if [ -s "$t/man.err" ]; then bad "man -l $tool.1: $(cat "$t/man.err")"; continue; fi
    printf '%s\n' "$out" | grep -q "^NAME" &&
    printf '%s\n' "$out" | grep -q "^ *$tool - " &&
    printf '%s\n' "$out" | grep -q "^SYNOPSIS" &&
    printf '%s\n' "$out" | grep -q -- "--backend" &&
    printf '%s\n' "$out" | grep -qF "$share/opinfo/opinfo.db" &&
    printf '%s\n' "$out" | grep -qF "$share/doc/opinfo" && ok || bad "man $tool: $out"
done
# opinfo-check's page: how long runs behave, and the line format's schema where it is installed
out=$(MANWIDTH=100 man -l "$share/man/man1/opinfo-check.1" 2>/dev/null)
printf '%s\n' "$out" | grep -q "^LONG RUNS" &&
printf '%s\n' "$out" | grep -q -- "--no-incremental" &&
printf '%s\n' "$out" | grep -qF "/opinfo/schemas/report-line.schema.json" && ok ||
    bad "man opinfo-check: no LONG RUNS section with the jsonl schema"
# what man finds by name through MANPATH
if MANPATH=$share/man man -w opinfo-check | grep -qx "$share/man/man1/opinfo-check.1"; then ok
else bad "man -w opinfo-check does not find the page"; fi

# 2. --help names the installed documentation, which is there
for tool in opinfo-check opinfo-db opinfo-kernel; do
    dir=$("$prefix/bin/$tool" --help | sed -n "s|.*\\($share/doc/opinfo\\).*|\\1|p" | head -n 1)
    if [ "$dir" = "$share/doc/opinfo" ] && ! "$prefix/bin/$tool" --help | grep -q 'docs/'; then ok
    else bad "$tool --help does not name $share/doc/opinfo"; fi
done
for f in README.md qgraph.md rules.md autofix.md overrides.md kernels.md c-api.md plugin-abi.md \
         python.md constraint-format.md; do
    [ -s "$share/doc/opinfo/$f" ] || bad "$share/doc/opinfo/$f is not installed"
done
for f in qgraph.schema.json constraints.schema.json report.schema.json report-line.schema.json; do
    [ -s "$share/opinfo/schemas/$f" ] || bad "$share/opinfo/schemas/$f is not installed"
done
ok
# every rule's page is installed, and the links --list-rules (and SARIF's helpUri) give lead to it
"$prefix/bin/opinfo-check" --list-rules -f tsv | tail -n +2 | cut -f1,5 >"$t/rules.tsv"
n=0
while IFS='	' read -r id uri; do
    n=$((n + 1))
    [ "$uri" = "file://$share/doc/opinfo/rules/$id.md" ] && [ -s "${uri#file://}" ] ||
        bad "rule $id: its page $uri is not installed"
done <"$t/rules.tsv"
[ "$n" -ge 34 ] && [ -s "$share/doc/opinfo/rules/README.md" ] && ok || bad "$n rules' pages installed"

# 3. bash completion: registered for the three tools; names from the installed database
comp=$share/bash-completion/completions
cat >"$t/comp.bash" <<'B'
comp=$1 bin=$2
for f in "$comp"/opinfo-check "$comp"/opinfo-db "$comp"/opinfo-kernel; do source "$f"; done
complete -p opinfo-check opinfo-db opinfo-kernel
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "$FN"; echo "${COMPREPLY[*]}"; }
FN=_opinfo_check
echo "backends: $(c "$bin/opinfo-check" --backend '')"
echo "socs: $(c "$bin/opinfo-check" --backend qnn-htp --soc SM86)"
echo "ops: $(c "$bin/opinfo-check" --backend qnn-htp --explain Conv)"
echo "format: $(c "$bin/opinfo-check" -f s)"
echo "json formats: $(c "$bin/opinfo-check" -f jso)"
echo "option: $(c "$bin/opinfo-check" --no-inc)"
FN=_opinfo_db_complete
echo "db: $(c "$bin/opinfo-db" li)"
echo "list: $(c "$bin/opinfo-db" list so)"
echo "show: $(c "$bin/opinfo-db" show --backend xnnpack Conv2)"
echo "releases: $(c "$bin/opinfo-db" diff --backend qnn-htp '')"
FN=_opinfo_kernel
echo "kernels: $(c "$bin/opinfo-kernel" --backend xnnpack requ)"
B
got=$(cd "$t" && env -u OPINFO_DB bash --norc --noprofile "$t/comp.bash" "$comp" "$prefix/bin" 2>&1)
want="complete -F _opinfo_check opinfo-check
complete -F _opinfo_db_complete opinfo-db
complete -F _opinfo_kernel opinfo-kernel
backends: fbgemm qnn-htp xnnpack
socs: SM8650
ops: Conv2d Conv3d Convert
format: sarif
json formats: json jsonl
option: --no-incremental
db: list
list: socs
show: Conv2d
releases: 2.41 2.44 2.44.1
kernels: requantize"
if [ "$got" = "$want" ]; then ok; else
    bad "completion:"; printf '%s\n' "$got" | diff - "$(printf '%s\n' "$want" >"$t/want"; echo "$t/want")" >&2; fi

# 4. a statically linked program finds the installed database (no $OPINFO_DB) from elsewhere
cat >"$t/static.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <opinfo.h>
int main(void)
{
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        fprintf(stderr, "%s: %s\n", e.source, e.text);
        return 2;
    }
    opinfo_soc soc;
    int rc = opinfo_db_find_soc(db, "qnn-htp", NULL, "SM8650", &soc, &e);
    printf("%s %s\n", opinfo_db_path(db), rc == OPINFO_OK ? soc.arch : e.text);
    opinfo_db_close(db);
    /* the installed plugins, by the compiled-in directory */
    opinfo_plugins *p;
    const struct opinfo_plugin *pl;
    if (opinfo_plugins_open(NULL, 0, 0, &p, &e) != OPINFO_OK)
        return 2;
    int prc = opinfo_plugins_get(p, "xnnpack", &pl, &e);
    printf("xnnpack plugin: %s\n", prc == OPINFO_OK ? "ok" : e.text);
    opinfo_plugins_close(p);
    return rc || prc;
}
C
if cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags opinfo) -o "$t/static" "$t/static.c" \
        "$prefix/lib/libopinfo.a" $(pkg-config --static --libs-only-l opinfo | sed 's/-lopinfo//') \
        2>"$t/cc.err"; then
    if nm "$t/static" | grep -q ' T opinfo_db_open$' && ! ldd "$t/static" | grep -q libopinfo; then ok
    else bad "the static program links libopinfo dynamically"; fi
    mkdir "$t/elsewhere"
    out=$(cd "$t/elsewhere" && env -u OPINFO_DB -u LD_LIBRARY_PATH -u OPINFO_PLUGIN_PATH \
          "$t/static" 2>&1)
    real=$(cd "$share/opinfo" && pwd -P)/opinfo.db
    if [ "$out" = "$real v75
xnnpack plugin: ok" ] || [ "$out" = "$share/opinfo/opinfo.db v75
xnnpack plugin: ok" ]; then ok
    else bad "the static program: $out (want the database under $share)"; fi
else
    bad "the static program does not build: $(cat "$t/cc.err")"
fi

echo "test-install extras: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
