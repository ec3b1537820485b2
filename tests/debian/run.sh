#!/bin/sh
# make deb-test: builds the Debian packages (debian/) from a copy of the source tree, runs lintian
# on them (any error fails), then installs them with apt into a fresh copy of a clean Debian
# bookworm root, so their dependencies resolve from Debian's archive, and runs the README's main
# job, the man pages, a C program built with pkg-config and with CMake's find_package (shared and
# static library), and the Python package there as an unprivileged user.
#   sh tests/debian/run.sh [ROOT]     (needs root: debootstrap, chroot)
# ROOT (default /var/tmp/opinfo-bookworm) is a pristine minbase root built by debootstrap the
# first time (about 1 minute) and only copied afterwards; nothing is ever installed into it.
# The packages are built with DEB_BUILD_OPTIONS=nocheck: the tests run in `make check`.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-/var/tmp/opinfo-bookworm}
work=$(mktemp -d /var/tmp/opinfo-deb.XXXXXX)
t=$work/root
cleanup() {
    if mountpoint -q "$t/proc" 2>/dev/null; then umount "$t/proc"; fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
now() { date +%s; }
step() { echo "deb-test: $1 ($(($(now) - $2)) s)"; }
start=$(now)

# 1. the packages, from a copy of the tree without build/ (debian/rules clean removes it)
s=$(now)
mkdir -p "$work/src/opinfo"
(cd "$src" && tar -c --exclude=./build --exclude=./.git --exclude=__pycache__ .) | tar -x -C "$work/src/opinfo"
if ! (cd "$work/src/opinfo" &&
      DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" dpkg-buildpackage -us -uc -b) \
     >"$work/build.log" 2>&1
then
    tail -n 40 "$work/build.log"
    echo "deb-test: dpkg-buildpackage failed" >&2
    exit 1
fi
step "built $(cd "$work/src" && ls ./*.deb | grep -vc dbgsym) packages" "$s"
s=$(now)
lintian "$work/src"/*.changes >"$work/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$work/lintian.log" || true
if grep -q '^E:' "$work/lintian.log"; then
    echo "deb-test: lintian reports errors" >&2
    exit 1
fi
step "lintian: no errors" "$s"

# 2. the pristine bookworm root, built once
s=$(now)
sh "$src/tests/debian/make-root.sh" "$root"
step "clean bookworm root: $root" "$s"

# 3. a copy of it, the packages installed with apt
s=$(now)
cp -a "$root" "$t"
mount -t proc proc "$t/proc"
cp /etc/resolv.conf "$t/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$t/tmp/debs"
for d in "$work/src"/*.deb; do
    case $d in *-dbgsym_*) ;; *) cp "$d" "$t/tmp/debs/" ;; esac
done
chmod -R a+rX "$t/tmp/debs"
if ! { chroot "$t" apt-get update -qq &&
       chroot "$t" env DEBIAN_FRONTEND=noninteractive sh -c \
           'apt-get -o Dpkg::Use-Pty=0 install -y -q --no-install-recommends /tmp/debs/*.deb \
                man-db cmake gcc libc6-dev make pkgconf'
     } >"$work/apt.log" 2>&1; then
    tail -n 30 "$work/apt.log"
    echo "deb-test: apt-get install of the packages failed" >&2
    exit 1
fi
# what apt downloaded stays in the pristine root's cache (a cache only: nothing is installed)
cp -n "$t"/var/cache/apt/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
step "installed: $(chroot "$t" dpkg-query -W -f '${Package} ' libopinfo0 libopinfo-dev \
     opinfo-tools python3-opinfo)" "$s"

# 4. as an unprivileged user, in its home: the README's main job, the Python package
s=$(now)
chroot "$t" useradd -m -s /bin/sh user
mkdir -p "$t/home/user/examples"
cp "$src"/examples/*.qgraph.json "$src/examples/check.c" "$t/home/user/examples/"
cp "$src/tests/debian/user.sh" "$t/home/user/user.sh"
chroot "$t" chown -R user:user /home/user
# the installed files are read-only to the user: a write would fail
if ! chroot --userspec=user:user "$t" env -i HOME=/home/user PATH=/usr/bin:/bin \
        sh -c 'cd /home/user && sh user.sh'; then
    echo "deb-test: FAIL as user" >&2
    exit 1
fi
step "as user: README's main job, man, pkg-config, CMake, the Python package" "$s"
echo "deb-test: passed in $(($(now) - start)) s"
