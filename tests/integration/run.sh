#!/bin/sh
# make integration: today's quantizers, for real, in a Debian 13 root (make-env.sh builds or reuses
# it): opinfo is installed into ROOT/opt/opinfo exactly as `make install` installs it, then every
# tests/integration/test_*.py runs there with the root's python3 (PyTorch 2.6, ONNX Runtime 1.21).
#   sh tests/integration/run.sh ROOT          (needs root: chroot)
set -eu
root=${1:?usage: run.sh ROOT}
sh tests/integration/make-env.sh "$root"
rm -rf "$root/opt/opinfo"
# the root's python3 is not this one: the package goes where PYTHONPATH below names
make -s install DESTDIR="$root" PREFIX=/opt/opinfo pythondir=/opt/opinfo/lib/python3/dist-packages \
    >/dev/null
mkdir -p "$root/opt/opinfo/tests"
cp tests/integration/test_*.py tests/integration/*.expected "$root/opt/opinfo/tests/"
status=0
for t in "$root"/opt/opinfo/tests/test_*.py; do
    name=$(basename "$t")
    echo "integration: $name"
    # onnx.reference before onnxruntime (make-env.sh); ONNX's duplicate-schema notices go to
    # the log only
    if ! chroot "$root" env -i PATH=/usr/bin:/bin HOME=/tmp \
        PYTHONPATH=/opt/opinfo/lib/python3/dist-packages \
        python3 -W ignore -m unittest "/opt/opinfo/tests/$name" >"$root/tmp/$name.log" 2>&1; then
        status=1
    fi
    grep -v '^Schema error\|^$\|WARNING:root' "$root/tmp/$name.log" | tail -n 25
done
# pip install of bindings/python in a fresh venv of the root's python3 (venv.sh)
sh tests/integration/venv.sh "$root" /opt/opinfo || status=1
exit $status
