#!/bin/sh
# Database faults: a truncated and a corrupt file, a read-only file and directory, a full disk
# (RLIMIT_FSIZE), a writer holding the lock past the busy timeout. Each must give a clear error
# naming the file, exit status 2, and lose nothing already committed.
#   sh tests/faults/db-faults.sh BUILD_DIR      ($RUN prefixes opinfo-db, e.g. valgrind)
set -u
BUILD=${1:?usage: db-faults.sh BUILD_DIR}
DB_TOOL="${RUN:-} $BUILD/bin/opinfo-db"
T=$(mktemp -d)
chmod 755 "$T"
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

# run CMD...: status in $st, stderr in $T/err
run() {
    "$@" >"$T/out" 2>"$T/err"
    st=$?
}
expect() { # expect STATUS TEXT WHAT: the last run's status and a line of its stderr
    if [ "$st" -eq "$1" ] && grep -qF -- "$2" "$T/err"; then ok; else
        bad "$3: status $st, stderr: $(head -c 300 "$T/err")"
    fi
}
releases() { # the committed releases of DB
    $BUILD/bin/opinfo-db --db "$1" list releases 2>/dev/null | cut -f1,2 | sort
}
intact() { # intact DB WANT WHAT
    if [ "$(releases "$1")" = "$2" ] && [ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)" = ok ]; then
        ok
    else bad "$3: the database lost committed data or is damaged"; fi
}

# a database with one release committed
base="$T/base.db"
$BUILD/bin/opinfo-db --db "$base" init >/dev/null && $BUILD/bin/opinfo-db --db "$base" import db/data/fbgemm/1.13.json >/dev/null ||
    { echo "FAIL: cannot make the base database" >&2; exit 1; }
want=$(releases "$base")
[ -n "$want" ] && ok || bad "the base database lists no release"
size=$(wc -c <"$base")

# --- truncated: half the file -----------------------------------------------------------------
cp "$base" "$T/trunc.db"
truncate -s $((size / 2)) "$T/trunc.db"
run $DB_TOOL --db "$T/trunc.db" list releases
expect 2 "$T/trunc.db" "truncated database"
grep -q "malformed\|not a database\|truncated\|corrupt" "$T/err" && ok || bad "truncated: no cause in: $(cat "$T/err")"
# ... and cut inside the header
head -c 50 "$base" >"$T/stub.db"
run $DB_TOOL --db "$T/stub.db" list releases
expect 2 "$T/stub.db" "database cut in its header"

# --- corrupt: the header's magic, then pages in the middle ------------------------------------
cp "$base" "$T/magic.db"
printf 'GARBAGEGARBAGE!!' | dd of="$T/magic.db" bs=1 seek=0 conv=notrunc 2>/dev/null
run $DB_TOOL --db "$T/magic.db" list releases
expect 2 "$T/magic.db" "corrupt header"
cp "$base" "$T/pages.db"
dd if=/dev/urandom of="$T/pages.db" bs=4096 seek=3 count=6 conv=notrunc 2>/dev/null
run $DB_TOOL --db "$T/pages.db" show Conv2d --backend fbgemm
if [ "$st" -eq 2 ] && grep -qF "$T/pages.db" "$T/err"; then ok
elif [ "$st" -eq 0 ]; then ok # the damage missed what the query reads; the check below finds it
else bad "corrupt pages: status $st, stderr: $(cat "$T/err")"; fi
run $DB_TOOL --db "$T/pages.db" export --backend fbgemm -o "$T/pages.json"
expect 2 "$T/pages.db" "corrupt pages, reading all of them"
[ ! -e "$T/pages.json" ] && ok || bad "a failed export left $T/pages.json behind"

# --- read-only file and read-only directory: the import fails, nothing is lost ----------------
# (root ignores permission bits: the tool then runs as nobody, whom they do bind)
as_user() {
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
mkdir "$T/ro"
cp "$base" "$T/ro/file.db"
chmod 755 "$T/ro"
chmod 444 "$T/ro/file.db"
run as_user $DB_TOOL --db "$T/ro/file.db" import db/data/xnnpack/1.13.json
expect 2 "$T/ro/file.db" "read-only file"
grep -qi "read-only\|readonly\|permission" "$T/err" && ok || bad "read-only file: no cause in: $(cat "$T/err")"
intact "$T/ro/file.db" "$want" "read-only file"
mkdir "$T/rodir"
cp "$base" "$T/rodir/dir.db"
chmod 666 "$T/rodir/dir.db"
chmod 555 "$T/rodir"
run as_user $DB_TOOL --db "$T/rodir/dir.db" import db/data/xnnpack/1.13.json
expect 2 "$T/rodir/dir.db" "read-only directory (no journal)"
chmod 755 "$T/rodir"
intact "$T/rodir/dir.db" "$want" "read-only directory"

# --- full disk: no file may grow past the database's present size -----------------------------
cp "$base" "$T/full.db"
limit=$((size / 512))
# SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process
run sh -c "trap '' XFSZ; ulimit -f $limit; exec $DB_TOOL --db '$T/full.db' import db/data/qnn-htp/2.44.json"
expect 2 "$T/full.db" "full disk"
grep -qi "too large\|no space\|full\|disk I/O error" "$T/err" && ok || bad "full disk: no cause in: $(cat "$T/err")"
intact "$T/full.db" "$want" "full disk"
# with room again, the same import succeeds
run $DB_TOOL --db "$T/full.db" import db/data/qnn-htp/2.44.json
[ "$st" -eq 0 ] && ok || bad "import after the disk has room: $(cat "$T/err")"

# --- a writer holding the lock past the busy timeout ------------------------------------------
cp "$base" "$T/lock.db"
python3 - "$T/lock.db" "$T/locked" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(4)
c.execute("ROLLBACK")
EOF
holder=$!
i=0
while [ ! -e "$T/locked" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
run env OPINFO_BUSY_TIMEOUT=500 $DB_TOOL --db "$T/lock.db" import db/data/xnnpack/1.13.json
t1=$(date +%s)
expect 2 "$T/lock.db" "lock held past the busy timeout"
grep -qi "locked\|busy" "$T/err" && ok || bad "lock: no cause in: $(cat "$T/err")"
[ $((t1 - t0)) -lt 4 ] && ok || bad "the import waited for the lock longer than its timeout"
wait $holder
intact "$T/lock.db" "$want" "lock held"
run $DB_TOOL --db "$T/lock.db" import db/data/xnnpack/1.13.json
[ "$st" -eq 0 ] && ok || bad "import after the lock is gone: $(cat "$T/err")"
[ "$(releases "$T/lock.db" | wc -l)" -eq 2 ] && ok || bad "the retried import is not there"

echo "db faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
