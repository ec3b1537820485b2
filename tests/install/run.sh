#!/bin/sh
# Builds and runs a program against an installed opinfo through pkg-config alone:
#   PKG_CONFIG_PATH=PREFIX/lib/pkgconfig sh tests/install/run.sh PREFIX
set -eu
prefix=${1:?usage: run.sh PREFIX}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/use.c" <<'C'
#include <stdio.h>
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
    printf("%s %s\n", opinfo_version_str(), rc == OPINFO_OK ? soc.arch : e.text);
    opinfo_db_close(db);
    return rc == OPINFO_OK ? 0 : 1;
}
C
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags opinfo) -o "$t/use" "$t/use.c" \
    $(pkg-config --libs opinfo) -Wl,-rpath,"$prefix/lib"
out=$(env -u OPINFO_DB OPINFO_DB="$prefix/share/opinfo/opinfo.db" "$t/use")
[ "$out" = "$(pkg-config --modversion opinfo) v75" ] || { echo "unexpected: $out" >&2; exit 1; }
"$prefix/bin/opinfo-db" --version >/dev/null
# the Python package, from the installed tree alone: it finds the installed library beside it
py=${PYTHON:-/usr/bin/python3}
out=$(cd "$t" && env -u OPINFO_LIBRARY -u OPINFO_DB PYTHONPATH="${PYTHONDIR:-$prefix/lib/python3/dist-packages}" \
    "$py" -c 'import opinfo; print(opinfo.version(), opinfo.check({"qgraph": 1, "tensors": [], "nodes": []}, backend="fbgemm"))')
[ "$out" = "$(pkg-config --modversion opinfo) []" ] || { echo "python: unexpected: $out" >&2; exit 1; }
# the installed opinfo-kernel lists the installed plugins' kernels
"$prefix/bin/opinfo-kernel" --backend xnnpack --list | grep -q '^requantize ' ||
    { echo "opinfo-kernel: no requantize" >&2; exit 1; }
echo "test-install: 3 passed, 0 failed"
