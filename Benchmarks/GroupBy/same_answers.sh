#!/usr/bin/env bash
# Checks that Plaza gives the same answer to every groupby question with 1 and with 2 threads
# (issue 22): each answer printed as CSV, its rows sorted (the questions have no ORDER BY), compared
# byte for byte. Usage: Benchmarks/GroupBy/same_answers.sh [ROWS (default 10M)] [K (default 100)] [PLAZA_BINARY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rows="${1:-10M}"
k="${2:-100}"
plaza="${3:-$here/../../.build/release/plaza}"
case "$rows" in
    *M) count=$(( ${rows%M} * 1000000 ));;
    *K) count=$(( ${rows%K} * 1000 ));;
    *) count=$rows;;
esac
db="$here/../data/groupby-$count-$k/plaza"
[ -d "$db" ] || { echo "no database at $db: run Benchmarks/GroupBy/generate.sh $rows $k first" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
differ=0
for file in "$here"/queries/q*.sql; do
    name="$(basename "$file" .sql)"
    for threads in 1 2; do
        "$plaza" query --db "$db" --threads "$threads" --format csv "$(cat "$file")" | LC_ALL=C sort > "$work/$name-$threads.csv"
    done
    if cmp -s "$work/$name-1.csv" "$work/$name-2.csv"; then
        echo "$name: same ($(( $(wc -l < "$work/$name-1.csv") - 1 )) rows)"
    else
        echo "$name: DIFFERENT with 1 and 2 threads"
        diff "$work/$name-1.csv" "$work/$name-2.csv" | head -6 || true
        differ=1
    fi
done
exit $differ
