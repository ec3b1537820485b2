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
# a prepared torchvision model straight to check() (Debian's torch 1.13 through the system's
# site-packages): clean on xnnpack, no-variant on fbgemm (int8 activations)
cat >"$t/fx.py" <<'PY'
import warnings
warnings.simplefilter("ignore")
import opinfo, torch, torchvision
from torch.ao.quantization import QConfigMapping
from torch.ao.quantization.backend_config import get_qnnpack_backend_config
from torch.ao.quantization.qconfig import default_symmetric_qnnpack_qconfig
from torch.ao.quantization.quantize_fx import prepare_fx
torch.manual_seed(0)
gm = prepare_fx(torchvision.models.resnet18().eval(),
                QConfigMapping().set_global(default_symmetric_qnnpack_qconfig),
                (torch.randn(1, 3, 32, 32),), backend_config=get_qnnpack_backend_config())
print(len(opinfo.check(gm, backend="xnnpack", release="1.13.1")),
      sorted({d.rule for d in opinfo.check(gm, backend="fbgemm", release="1.13.1", strict=False)}))
PY
if "$py" -c 'import torchvision' 2>/dev/null; then
    out=$(cd "$t/elsewhere" && env -u PYTHONPATH "$db" "$plugins" \
          "OPINFO_LIBRARY=$build/lib/libopinfo.so.0" "$t/venv/bin/python" "$t/fx.py" 2>&1)
    [ "$out" = "0 ['no-variant']" ] && ok || bad "check(prepared resnet18): $out"
fi
# an editable install follows the source
"$t/venv/bin/pip" uninstall -q -y opinfo >/dev/null 2>&1
if "$t/venv/bin/pip" install -q --no-build-isolation --no-index -e "$t/pkg" >"$t/log" 2>&1; then
    out=$(cd "$t/elsewhere" && "$t/venv/bin/python" -c 'import opinfo; print(opinfo.__file__)')
    [ "$out" = "$t/pkg/opinfo/__init__.py" ] && ok || bad "editable: $out"
else bad "pip install -e: $(tail -n 20 "$t/log")"; fi
echo "test-install venv: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
