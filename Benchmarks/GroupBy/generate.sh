#!/usr/bin/env bash
# Generates the db-benchmark groupby table `x` (plaza-datagen --groupby: N rows, K small-key values)
# and loads it into a Plaza database with the types the benchmark gives it (text ids, integer ids
# and values, DOUBLE v3), as DuckDB's CSV reader would infer them.
# Usage: Benchmarks/GroupBy/generate.sh [ROWS (default 10M)] [K (default 100)] [PLAZA_BINARY]
# Writes Benchmarks/data/groupby-<rows>-<K>/x.csv (kept when there) and its database .../plaza.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$here/.."
rows="${1:-10M}"
k="${2:-100}"
plaza="${3:-$here/../../.build/release/plaza}"
case "$rows" in
    *M) count=$(( ${rows%M} * 1000000 ));;
    *K) count=$(( ${rows%K} * 1000 ));;
    *) count=$rows;;
esac
out="$bench/data/groupby-$count-$k"
if [ ! -s "$out/x.csv" ]; then
    swift build -c release --package-path "$bench" --product plaza-datagen >&2
    "$bench/.build/release/plaza-datagen" --groupby --rows "$count" --k "$k" --out "$out"
fi
if [ ! -x "$plaza" ]; then
    echo "no plaza binary at $plaza: CSV only (swift build -c release --product plaza)" >&2
    exit 0
fi
rm -rf "$out/plaza"
start=$(date +%s%N)
"$plaza" query --db "$out/plaza" "CREATE TABLE x (id1 VARCHAR, id2 VARCHAR, id3 VARCHAR, id4 BIGINT, id5 BIGINT,
    id6 BIGINT, v1 BIGINT, v2 BIGINT, v3 DOUBLE)" >/dev/null
"$plaza" query --db "$out/plaza" "COPY x FROM '$out/x.csv' (HEADER)" >/dev/null
echo "loaded $count rows into $out/plaza in $(( ($(date +%s%N) - start) / 1000000 )) ms"
