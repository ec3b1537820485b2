#!/bin/sh
# find_package(opinfo) against a staged (DESTDIR) installation: a tiny CMake project configures,
# builds against the shared and the static library, and runs.
#   sh tests/install/cmake.sh STAGED_PREFIX
set -u
root=${1:?usage: cmake.sh STAGED_PREFIX}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "cmake: FAIL: $*" >&2; }
mkdir "$t/src"
cat >"$t/src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(use_opinfo C)
find_package(opinfo 0.1 REQUIRED)
message(STATUS "opinfo ${opinfo_VERSION} at ${opinfo_INCLUDE_DIRS}")
add_executable(use use.c)
target_link_libraries(use PRIVATE opinfo::opinfo)
add_executable(use_static use.c)
target_link_libraries(use_static PRIVATE opinfo::opinfo_static)
CM
cat >"$t/src/use.c" <<'C'
#include <stdio.h>
#include <opinfo.h>
int main(void)
{
    printf("%s\n", opinfo_version_str());
    return 0;
}
C
if cmake -S "$t/src" -B "$t/build" -DCMAKE_PREFIX_PATH="$root" >"$t/log" 2>&1 &&
   cmake --build "$t/build" >>"$t/log" 2>&1; then ok; else bad "$(tail -n 20 "$t/log")"; fi
version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$root"/lib/cmake/opinfo/opinfoConfigVersion.cmake)
if grep -q "opinfo $version at $root/include" "$t/log"; then ok; else
    bad "find_package did not report $version at $root/include: $(grep 'opinfo' "$t/log")"; fi
out=$(LD_LIBRARY_PATH="$root/lib" "$t/build/use" 2>&1)
[ "$out" = "$version" ] && ok || bad "use: $out"
out=$("$t/build/use_static" 2>&1)
[ "$out" = "$version" ] && ok || bad "use_static: $out"
# a newer major version than installed is refused
mkdir "$t/src9"
cat >"$t/src9/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(use_opinfo9 C)
find_package(opinfo 9 QUIET)
if(opinfo_FOUND)
  message(FATAL_ERROR "found opinfo ${opinfo_VERSION} for 9")
endif()
CM
if cmake -S "$t/src9" -B "$t/build9" -DCMAKE_PREFIX_PATH="$root" >"$t/log9" 2>&1; then ok; else
    bad "opinfo 9: $(tail -n 5 "$t/log9")"; fi
echo "test-install cmake: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
