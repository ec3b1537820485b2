#!/bin/sh
# make-root.sh ROOT: the pristine minbase Debian bookworm root that tests/debian/run.sh copies and
# installs the packages into; built once by debootstrap, reused as it is afterwards. Separate so
# that CI can download it while the test suites run (.ci/run).
set -eu
root=${1:?usage: make-root.sh ROOT}
if [ ! -x "$root/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || {
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    # the machine's own Debian mirror (as tests/integration/make-env.sh)
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
             true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null ||
                                 true)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    rm -rf --one-file-system "$root.new"
    if ! debootstrap --variant=minbase bookworm "$root.new" "$mirror" >"$root.debootstrap.log" 2>&1
    then
        echo "deb-test: debootstrap failed, see $root.debootstrap.log" >&2
        exit 2
    fi
    rm -rf --one-file-system "$root"
    mv "$root.new" "$root"
fi
