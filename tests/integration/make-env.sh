#!/bin/sh
# make-env.sh ROOT: a Debian 13 (trixie) root with PyTorch 2.6, torchvision, ONNX Runtime 1.21 and
# ONNX 1.17 from Debian's own archive, for the integration tests against today's quantizers
# (PT2E's XNNPACKQuantizer, ONNX Runtime's QNN QDQ tools); pip, setuptools for venv.sh.
# Idempotent: a root that already imports them is reused as it is. Needs root (debootstrap,
# chroot) and Debian's archive. About 3 minutes and 2 GB the first time.
set -eu
root=${1:?usage: make-env.sh ROOT}
mkdir -p "$root"
ready() {
    [ -x "$root/usr/bin/python3" ] &&
        chroot "$root" python3 -c 'import onnx.reference, torch, onnxruntime, torchvision' \
            >/dev/null 2>&1 &&
        chroot "$root" python3 -c 'import ctypes; ctypes.CDLL("libprotobuf-c.so.1")' >/dev/null 2>&1 &&
        chroot "$root" python3 -c "import pip, setuptools.build_meta" >/dev/null 2>&1
}
mount_proc() { mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"; }
[ -x "$root/usr/bin/python3" ] && mount_proc
if ready; then
    echo "make-env: $root is ready"
    exit 0
fi
if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
# the machine's own Debian mirror
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
if [ ! -x "$root/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
        echo "make-env: debootstrap failed, see $root.debootstrap.log" >&2
        exit 2
    }
fi
mount_proc
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
chroot "$root" apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0 install -y -qq \
    --no-install-recommends python3-torch python3-torchvision python3-onnxruntime python3-onnx \
    python3-numpy libjansson4 libsqlite3-0 libprotobuf-c1 python3-pip python3-setuptools >/dev/null
ready || { echo "make-env: $root does not import torch and onnxruntime" >&2; exit 2; }
echo "make-env: $root is ready"
