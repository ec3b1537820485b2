#!/bin/sh
# A vendor's plugin against an installed opinfo: takes the minimal plugin and the build command
# from docs/plugin-abi.md, builds it out of tree against the installed header alone, and loads it
# through a host program linked with pkg-config:
#   PKG_CONFIG_PATH=PREFIX/lib/pkgconfig sh tests/install/vendor-plugin.sh PREFIX
set -eu
prefix=${1:?usage: vendor-plugin.sh PREFIX}
src=${OPINFO_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
doc=$src/docs/plugin-abi.md
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "vendor-plugin: FAIL: $*" >&2; }
done_() { echo "vendor-plugin: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# The fenced block after the marker <!-- vendor-plugin: NAME --> in the doc.
block() {
    awk -v want="<!-- vendor-plugin: $1 -->" '
        $0 == want { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$doc"
}

# 1. the doc has the plugin and its build command
mkdir "$t/acme" "$t/plugins"
block acme-npu.c >"$t/acme/acme-npu.c"
block build >"$t/acme/build.sh"
if [ -s "$t/acme/acme-npu.c" ] && grep -q 'OPINFO_PLUGIN_DECLARE_ENTRY' "$t/acme/acme-npu.c" &&
   grep -q 'pkg-config --cflags opinfo' "$t/acme/build.sh"; then ok; else
    bad "docs/plugin-abi.md lacks the minimal plugin or its build command"; done_; fi

# 2. the plugin's one header is the installed one (pkg-config --cflags only, no source tree)
hdr=$(cd "$t/acme" && cc $(pkg-config --cflags opinfo) -M acme-npu.c 2>&1 | tr ' \\' '\n\n' |
      grep 'opinfo/plugin\.h$' || true)
if [ "$hdr" = "$prefix/include/opinfo/plugin.h" ]; then ok; else
    bad "acme-npu.c does not build against $prefix/include/opinfo/plugin.h: [$hdr]"; done_; fi

# 3. the doc's command builds it out of tree (from its own directory, installed header only),
#    warning-free
if (cd "$t/acme" && sh -eu build.sh) 2>"$t/build.err" &&
   (cd "$t/acme" && cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags opinfo) -shared \
        -fPIC -fvisibility=hidden -o acme-npu-werror.so acme-npu.c) 2>>"$t/build.err" &&
   [ -f "$t/acme/acme-npu.so" ]; then ok; else
    bad "the minimal plugin does not build: $(cat "$t/build.err")"; done_; fi

# 4. it exports the entry and nothing else, and needs nothing of libopinfo
exports=$(nm -D --defined-only "$t/acme/acme-npu.so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
          grep -v '^_' || true)
needs=$(nm -D --undefined-only "$t/acme/acme-npu.so" | awk '{print $NF}' | grep '^opinfo' || true)
if [ "$exports" = opinfo_plugin_entry ] && [ -z "$needs" ]; then ok; else
    bad "exports [$exports], needs of libopinfo [$needs]"; fi

install -m 644 "$t/acme/acme-npu.so" "$t/plugins/acme-npu.so"

# 5. a host program linked through pkg-config loads it
cat >"$t/host.c" <<'C'
#include <stdio.h>
#include <string.h>

#include <opinfo.h>
#include <opinfo/plugin.h>

static int row(int n, const char *const *c, void *ud)
{
    (void)ud;
    if (n >= 6)
        printf("list %s %s %s %s %s\n", c[1] ? c[1] : "-", c[2] ? c[2] : "-", c[3] ? c[3] : "-",
               c[4] ? c[4] : "-", c[5] ? c[5] : "-");
    return 0;
}

int main(int argc, char **argv)
{
    const char *dirs[] = {argc > 1 ? argv[1] : "."};
    opinfo_plugins *p;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_plugins_open(dirs, 1, OPINFO_PLUGINS_ONLY_GIVEN, &p, &e) != OPINFO_OK) {
        fprintf(stderr, "open: %s\n", e.text);
        return 2;
    }
    const opinfo_plugin *pl;
    int rc = opinfo_plugins_get(p, "acme-npu", &pl, &e);
    if (rc != OPINFO_OK) {
        printf("get %s: %s\n", opinfo_err_name(rc), e.text);
    } else {
        printf("abi %s\n", opinfo_plugin_abi_version());
        printf("get %s %s %u.%u %s %s\n", pl->name, pl->version, (unsigned)pl->abi_major,
               (unsigned)pl->abi_minor, pl->backends[0] ? pl->backends[0] : "-",
               pl->check ? "check" : "no-check");
    }
    opinfo_error_init(&e);
    if (opinfo_plugins_list(p, row, NULL, &e) != OPINFO_OK)
        printf("list failed: %s\n", e.text);
    opinfo_plugins_close(p);
    return rc == OPINFO_OK ? 0 : 1;
}
C
if cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags opinfo) -o "$t/host" "$t/host.c" \
        $(pkg-config --libs opinfo) -Wl,-rpath,"$prefix/lib" 2>"$t/host.err"; then ok; else
    bad "the host program does not build: $(cat "$t/host.err")"; done_; fi

out=$("$t/host" "$t/plugins" 2>&1) || true
if printf '%s\n' "$out" | grep -qx 'get acme-npu 0.1.0 1.2 acme-npu check'; then ok; else
    bad "the plugin does not load: $out"; fi
if printf '%s\n' "$out" | grep -qx 'list acme-npu 0.1.0 1.2 acme-npu ok'; then ok; else
    bad "the listing does not show it ok: $out"; fi
if printf '%s\n' "$out" | grep -qx 'abi 1.2'; then ok; else bad "ABI version: $out"; fi

# 6. made writable by others, the same file is refused
chmod 646 "$t/plugins/acme-npu.so"
out=$("$t/host" "$t/plugins" 2>&1) && st=0 || st=$?
if [ "$st" -eq 1 ] && printf '%s\n' "$out" | grep -q '^get EINPUT: .*is writable by others'; then
    ok; else bad "a plugin writable by others was not refused: $out"; fi

done_
