#!/bin/sh
# A full disk during `plaza import --append`, through the command line (issue 9):
#   1. a file-size limit (ulimit -f, SIGXFSZ ignored), which needs no privileges;
#   2. a 1 MiB tmpfs (needs root with CAP_SYS_ADMIN; skipped with a message otherwise).
# Each must fail with exit status 1 and a clear error, and leave the table exactly as it was
# (`plaza verify` output and the table's files unchanged). Usage:
#   Tests/Robustness/full-disk.sh            (builds plaza in debug; PLAZA_BINARY=… to use another)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${PLAZA_BINARY:-}" ]; then
    scratch=${SCRATCH:-$root/.build-robustness-debug}
    swift build --package-path "$root" --scratch-path "$scratch" --product plaza >&2
    PLAZA_BINARY="$scratch/debug/plaza"
fi
work=$(mktemp -d /tmp/plaza-full-disk.XXXXXX)
mounted=""
cleanup() {
    if [ -n "$mounted" ]; then umount "$mounted" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Random numbers so that no encoding shrinks the appended rows below the limits (%.0f: mawk's
# %d stops at 2^31 - 1).
make_csv() {  # make_csv FILE FIRST ROWS
    awk -v first="$2" -v rows="$3" 'BEGIN { srand(first); print "id,v,s";
        for (i = first; i < first + rows; i++) printf "%d,%.0f,w%.0f\n", i, rand() * 2^52, rand() * 2^52 }' >"$1"
}
make_csv "$work/small.csv" 0 1000
make_csv "$work/big.csv" 1000 100000

# check NAME DB COMMAND... : runs the failing import, then compares the table with before.
check() {
    name=$1 db=$2 expected=$3
    shift 3
    "$PLAZA_BINARY" verify --db "$db" t >"$work/before.txt"
    ls "$db/t" >"$work/files-before.txt"
    status=0
    "$@" 2>"$work/error.txt" || status=$?
    "$PLAZA_BINARY" verify --db "$db" t >"$work/after.txt" || fail "$name: verify failed after the import"
    ls "$db/t" >"$work/files-after.txt"
    [ "$status" -eq 1 ] || fail "$name: the import exited $status, expected 1"
    grep -q "$expected" "$work/error.txt" || fail "$name: the error does not say \"$expected\": $(cat "$work/error.txt")"
    grep -q 'table "t"' "$work/error.txt" || fail "$name: the error does not name the table"
    grep -q "the table is unchanged" "$work/error.txt" || fail "$name: the error does not say the table is unchanged"
    cmp -s "$work/before.txt" "$work/after.txt" || fail "$name: the table changed: $(cat "$work/after.txt")"
    cmp -s "$work/files-before.txt" "$work/files-after.txt" || fail "$name: files changed: $(cat "$work/files-after.txt")"
    echo "$name: $(cat "$work/error.txt")"
    echo "$name: table still $(cat "$work/after.txt")"
}

db="$work/db"
"$PLAZA_BINARY" import --quiet --db "$db" --table t "$work/small.csv"
check "file-size limit" "$db" "File too large" \
    sh -c 'trap "" XFSZ; ulimit -f 512; exec "$0" import --quiet --append --db "$1" --table t "$2"' \
    "$PLAZA_BINARY" "$db" "$work/big.csv"

mkdir "$work/mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m tmpfs "$work/mnt" 2>/dev/null; then
    mounted="$work/mnt"
    db="$work/mnt/db"
    "$PLAZA_BINARY" import --quiet --db "$db" --table t "$work/small.csv"
    check "1 MiB tmpfs" "$db" "No space left on device" \
        "$PLAZA_BINARY" import --quiet --append --db "$db" --table t "$work/big.csv"
    # The failed import gave its space back: a small append fits.
    "$PLAZA_BINARY" import --quiet --append --db "$db" --table t "$work/small.csv" || fail "tmpfs: no space after the failure"
else
    echo "1 MiB tmpfs: skipped (mounting a tmpfs needs root with CAP_SYS_ADMIN)"
fi
if [ "$failures" -ne 0 ]; then
    echo "$failures failures"
    exit 1
fi
echo "OK: every full-disk import failed clearly and left the table unchanged"
