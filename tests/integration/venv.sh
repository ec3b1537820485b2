#!/bin/sh
# pip install of bindings/python into a fresh virtual environment of the Debian 13 root's python3
# (3.13, PyTorch 2.6), offline, then opinfo.check on a torchvision model prepared with PT2E's
# XNNPACKQuantizer, with the libopinfo installed in PREFIX inside the root. Debian's python3 has
# no ensurepip: the venv is made --without-pip, with the system's site-packages (torch, and
# Debian's python3-pip, python3-setuptools and python3-wheel, which build the package offline).
#   sh tests/integration/venv.sh ROOT PREFIX      (needs root: chroot; run.sh runs it)
set -u
root=${1:?usage: venv.sh ROOT PREFIX}
prefix=${2:?usage: venv.sh ROOT PREFIX}
src=$(cd "$(dirname "$0")/../.." && pwd)
t=/tmp/opinfo-venv.$$
rm -rf "$root$t"
mkdir -p "$root$t"
trap 'rm -rf "$root$t"' EXIT
cp -R "$src/bindings/python" "$root$t/pkg"
cat >"$root$t/use.py" <<'PY'
import sys, warnings
import opinfo
assert opinfo.__file__.startswith(sys.prefix + "/lib/"), (opinfo.__file__, sys.prefix)
import torch, torchvision
from torch.ao.quantization.quantize_pt2e import prepare_pt2e
from torch.ao.quantization.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                               get_symmetric_quantization_config)
warnings.simplefilter("ignore")
torch.manual_seed(0)
ex = (torch.randn(1, 3, 32, 32),)
g = torch.export.export_for_training(torchvision.models.resnet18().eval(), ex).module()
gm = prepare_pt2e(g, XNNPACKQuantizer().set_global(get_symmetric_quantization_config()))
gm(*ex)
clean = opinfo.check(gm, backend="xnnpack", release="2.6")
rules = sorted({d.rule for d in opinfo.check(gm, backend="fbgemm", strict=False)})
print(opinfo.__version__, len(clean), rules)
PY
run() { chroot "$root" env -i PATH=/usr/bin:/bin HOME=/tmp "$@"; }
status=0
if ! { run python3 -m venv --without-pip --system-site-packages "$t/venv" &&
       run sh -c "cd $t && $t/venv/bin/python -m pip install -q --no-build-isolation --no-index \
                  $t/pkg"; } >"$root$t/log" 2>&1; then
    echo "venv: FAIL: venv or pip install: $(tail -n 20 "$root$t/log")" >&2
    status=1
else
    want="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$src/bindings/python/opinfo/_version.py") 0 ['no-variant']"
    out=$(run LD_LIBRARY_PATH="$prefix/lib" sh -c "cd / && $t/venv/bin/python -W ignore $t/use.py" \
          2>&1)
    if [ "$out" = "$want" ]; then
        echo "venv: pip install in a fresh venv of the root's python3, check of a PT2E resnet18: ok"
    else
        echo "venv: FAIL: got '$out', want '$want'" >&2
        status=1
    fi
fi
exit $status
