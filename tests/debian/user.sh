#!/bin/sh
# tests/debian/run.sh, inside the bookworm root with the packages installed, as an unprivileged
# user: the README's main job, what a v68 chip refuses, the database, the man pages, the
# development files, and the Python package finding libopinfo.so.0 by soname.
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
