#!/usr/bin/env bash
# Generates the 8 TPC-H tables as CSV with tpchgen-cli (PyPI, pinned in requirements.txt) and
# imports them with `plaza import` into one database.
# Usage: Benchmarks/TPCH/generate.sh [SCALE_FACTOR] [PLAZA_BINARY]
# Writes Benchmarks/data/tpch-sf<SF>/<table>.csv (with a header row) and the database
# Benchmarks/data/tpch-sf<SF>/plaza, then prints the column types Plaza inferred.
# CSVs already there are kept; the database is always imported again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scale="${1:-1}"
plaza="${2:-$here/../../.build/release/plaza}"
out="$here/../data/tpch-sf$scale"
tables="region nation supplier customer part partsupp orders lineitem"
venv="$(bash "$here/venv.sh")"

missing=""
for table in $tables; do
    [ -s "$out/$table.csv" ] || missing="$missing $table"
done
if [ -n "$missing" ]; then
    mkdir -p "$out"
    rm -rf "$out.tmp"
    start=$(date +%s)
    # One tpchgen-cli run for the missing tables; files move into place only when it succeeded.
    "$venv/bin/tpchgen-cli" csv --scale-factor "$scale" --tables "$(echo $missing | tr ' ' ',')" \
        --output-dir "$out.tmp" --no-progress
    for table in $missing; do mv "$out.tmp/$table.csv" "$out/$table.csv"; done
    rmdir "$out.tmp"
    echo "generated$missing at SF $scale in $(( $(date +%s) - start )) s"
fi

if [ ! -x "$plaza" ]; then
    echo "no plaza binary at $plaza: CSV only (swift build -c release --product plaza)" >&2
    exit 0
fi
rm -rf "$out/plaza"
for table in $tables; do
    start=$(date +%s%N)
    "$plaza" import "$out/$table.csv" --db "$out/plaza" --table "$table" --quiet
    echo "imported $table in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
echo "database: $out/plaza"
for table in $tables; do
    echo "-- $table"
    "$plaza" query --db "$out/plaza" --format csv "DESCRIBE $table" | tail -n +2
done
