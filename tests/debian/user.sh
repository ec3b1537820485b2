#!/bin/sh
# tests/debian/run.sh, inside the bookworm root with the packages installed, as an unprivileged
# user: the README's main job, what a v68 chip refuses, the database, the man pages, the
# development files (a C program built with pkg-config and with CMake), and the Python package finding libopinfo.so.0 by soname.
set -u
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "deb-test: FAIL: $*" >&2; }

out=$(opinfo-check --backend qnn-htp --soc SM8650 examples/*.qgraph.json 2>&1)
st=$?
[ $st -eq 0 ] && [ "$out" = "opinfo-check: 0 errors, 0 warnings in 42 nodes" ] && ok ||
    bad "README's main job: exit $st: $out"
out=$(opinfo-check --backend qnn-htp --soc SM8350 examples/llm-block-16a8w.qgraph.json 2>&1)
st=$?
case $st:$out in
1:*"[arch-gate]"*) ok ;;
*) bad "SM8350: exit $st: $out" ;;
esac
out=$(opinfo-db list backends 2>&1)
case $out in
*fbgemm*qnn-htp*xnnpack*) ok ;;
*) bad "opinfo-db list backends: $out" ;;
esac
out=$(opinfo-check --list-plugins 2>&1)
case $out in
*qnn-htp*xnnpack*fbgemm* | *fbgemm*qnn-htp*xnnpack*) ok ;;
*) bad "--list-plugins: $out" ;;
esac
for f in /usr/share/man/man1/opinfo-check.1.gz /usr/share/man/man1/opinfo-db.1.gz \
         /usr/share/man/man1/opinfo-kernel.1.gz /usr/share/bash-completion/completions/opinfo-check \
         /usr/include/opinfo.h /usr/lib/x86_64-linux-gnu/pkgconfig/opinfo.pc \
         /usr/lib/x86_64-linux-gnu/cmake/opinfo/opinfoConfig.cmake \
         /usr/lib/x86_64-linux-gnu/libopinfo.a /usr/share/doc/opinfo-tools/rules.md; do
    [ -e "$f" ] && ok || bad "missing $f"
done
[ ! -w /usr/share/opinfo/opinfo.db ] && ok || bad "the database is writable by the user"
out=$(man -P cat opinfo-check 2>/dev/null)
case $out in
*--backend*--soc*) ok ;;
*) bad "man opinfo-check: $(echo "$out" | head -n 3)" ;;
esac

# a C program from the installed development files: pkg-config, then CMake (shared and static)
run_c() { # $1: the program; the main job's file must check clean, the v68 one must not
    "$1" examples/cnn-8a8w.qgraph.json qnn-htp SM8650 >/dev/null 2>&1 || return 1
    "$1" examples/llm-block-16a8w.qgraph.json qnn-htp SM8350 >/dev/null 2>&1
    [ $? -eq 1 ]
}
if gcc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags opinfo) examples/check.c \
       -o check-pc $(pkg-config --libs opinfo) 2>cc.log && run_c ./check-pc; then ok
else bad "pkg-config build: $(cat cc.log)"; fi
mkdir -p cm
cat >cm/CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.16)
project(uses_opinfo C)
find_package(opinfo 0.1 REQUIRED)
add_executable(check_shared ${SRC}/check.c)
target_link_libraries(check_shared PRIVATE opinfo::opinfo)
add_executable(check_static ${SRC}/check.c)
target_link_libraries(check_static PRIVATE opinfo::opinfo_static)
CM
if cmake -S cm -B cm/build -DSRC="$PWD/examples" >cm.log 2>&1 &&
   cmake --build cm/build >>cm.log 2>&1 &&
   run_c cm/build/check_shared && run_c cm/build/check_static &&
   ! ldd cm/build/check_static | grep -q libopinfo; then ok
else bad "CMake find_package build: $(tail -n 20 cm.log)"; fi
out=$(python3 - examples/llm-block-16a8w.qgraph.json <<'PY' 2>&1
import sys, warnings
import opinfo
assert opinfo.__file__.startswith("/usr/lib/python3/dist-packages/"), opinfo.__file__
assert opinfo.version() == opinfo.__version__, (opinfo.version(), opinfo.__version__)
assert opinfo.check(sys.argv[1], backend="qnn-htp", soc="SM8650") == []
warnings.simplefilter("ignore")
rules = sorted({d.rule for d in opinfo.check(sys.argv[1], backend="qnn-htp", soc="SM8350",
                                             strict=False)})
try:
    opinfo.check(sys.argv[1], backend="qnn-htp", soc="SM8350")
    raise SystemExit("strict mode did not raise")
except opinfo.ValidationError as e:
    assert "arch-gate" in str(e)
print(opinfo.__version__, rules)
PY
)
case $out in
*"['arch-gate']") ok ;;
*) bad "python3: $out" ;;
esac
echo "deb-test (as $(id -un)): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
