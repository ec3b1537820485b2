#!/bin/sh
# pip install of bindings/python into a fresh virtual environment of Debian's python3, offline
# (--no-build-isolation --no-index: Debian's python3-setuptools and python3-wheel build it), then
# the installed package checks an example against the build's library; then an editable install.
#   sh tests/install/venv.sh BUILD
set -u
build=$(cd "${1:?usage: venv.sh BUILD}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
py=${PYTHON:-/usr/bin/python3}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "venv: FAIL: $*" >&2; }
cp -R "$src/bindings/python" "$t/pkg"   # pip builds in place: keep the source tree clean
cp "$src/examples/llm-block-16a8w.qgraph.json" "$t/model.qgraph.json"
if "$py" -m venv --system-site-packages "$t/venv" >"$t/log" 2>&1 &&
   "$t/venv/bin/pip" install -q --no-build-isolation --no-index "$t/pkg" >>"$t/log" 2>&1; then ok
else bad "pip install: $(tail -n 20 "$t/log")"; fi
mkdir "$t/elsewhere"
cat >"$t/use.py" <<'PY'
import os, sys
import opinfo
assert opinfo.__file__.startswith(sys.prefix), (opinfo.__file__, sys.prefix)
assert os.path.exists(os.path.join(os.path.dirname(opinfo.__file__), "py.typed"))
diags = opinfo.check(sys.argv[1], backend="qnn-htp", soc="SM8650")
print(opinfo.__version__, opinfo.version(), len(diags),
      sorted({d.rule for d in opinfo.check(sys.argv[1], backend="qnn-htp", soc="SM8350",
                                           strict=False)}))
PY
want="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$src/bindings/python/opinfo/_version.py")"
want="$want $want"
run() {  # run LABEL ENV...: the venv's python on use.py, from elsewhere
    label=$1
    shift
    out=$(cd "$t/elsewhere" && env -u OPINFO_LIBRARY -u PYTHONPATH "$@" "$t/venv/bin/python" \
          -W ignore::UserWarning "$t/use.py" "$t/model.qgraph.json" 2>&1)
    case $out in
    "$want 0 ['arch-gate']") ok ;;
    *) bad "$label: $out" ;;
    esac
}
db="OPINFO_DB=$build/share/opinfo/opinfo.db"
plugins="OPINFO_PLUGIN_PATH=$build/lib/opinfo/plugins"
run "OPINFO_LIBRARY" "$db" "$plugins" "OPINFO_LIBRARY=$build/lib/libopinfo.so.0"
run "the soname on the linker's path" "$db" "$plugins" "LD_LIBRARY_PATH=$build/lib"
# without any, the error names every place tried
out=$(cd "$t/elsewhere" && env -u OPINFO_LIBRARY -u PYTHONPATH -u LD_LIBRARY_PATH \
      "$t/venv/bin/python" -c 'import opinfo; opinfo.version()' 2>&1)
case $out in
*LibraryNotFoundError*OPINFO_LIBRARY*libopinfo.so.0*) ok ;;
*) if ldconfig -p | grep -q 'libopinfo\.so\.0 '; then ok; else bad "no library: $out"; fi ;;
esac
# an editable install follows the source
"$t/venv/bin/pip" uninstall -q -y opinfo >/dev/null 2>&1
if "$t/venv/bin/pip" install -q --no-build-isolation --no-index -e "$t/pkg" >"$t/log" 2>&1; then
    out=$(cd "$t/elsewhere" && "$t/venv/bin/python" -c 'import opinfo; print(opinfo.__file__)')
    [ "$out" = "$t/pkg/opinfo/__init__.py" ] && ok || bad "editable: $out"
else bad "pip install -e: $(tail -n 20 "$t/log")"; fi
echo "test-install venv: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
