#!/bin/sh
# Builds plaza (release) and runs the SIGKILL-during-SQL-write harness (kill_sql.py).
#   Tests/Robustness/kill-sql.sh [--statement insert|ctas] [--trials 200] [--rows 600000] [--seed N]
# Set PLAZA_BINARY to use an existing executable instead of building; SCRATCH (default
# .build-robustness) is the build directory. Exits non-zero if any trial left a torn table.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${PLAZA_BINARY:-}" ]; then
    scratch=${SCRATCH:-$root/.build-robustness}
    swift build --package-path "$root" -c release --scratch-path "$scratch" --product plaza >&2
    PLAZA_BINARY="$scratch/release/plaza"
fi
exec python3 "$root/Tests/Robustness/kill_sql.py" --binary "$PLAZA_BINARY" "$@"
