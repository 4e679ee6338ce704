#!/usr/bin/env bash
# Generates TPC-H lineitem as CSV with tpchgen-cli (PyPI) and imports it into a Plaza database.
# Usage: Benchmarks/TPCH/make_lineitem.sh [SCALE_FACTOR] [PLAZA_BINARY]
# Writes Benchmarks/data/tpch-sf<SF>/lineitem.csv (read by Compare/run.sh --tpch <SF>)
# and Benchmarks/data/tpch-sf<SF>/plaza (for `plaza query --db`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scale="${1:-1}"
plaza="${2:-$here/../../.build/release/plaza}"
out="$here/../data/tpch-sf$scale"
venv="$here/.venv"
if [ ! -x "$venv/bin/tpchgen-cli" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
mkdir -p "$out"
if [ ! -s "$out/lineitem.csv" ]; then
    "$venv/bin/tpchgen-cli" csv --scale-factor "$scale" --tables lineitem --output-dir "$out.tmp" --overwrite
    mv "$out.tmp/lineitem.csv" "$out/lineitem.csv"
    rmdir "$out.tmp"
fi
if [ -x "$plaza" ]; then
    rm -rf "$out/plaza"
    "$plaza" import "$out/lineitem.csv" --db "$out/plaza" --table lineitem --quiet
    echo "imported into $out/plaza"
else
    echo "no plaza binary at $plaza: CSV only (swift build -c release --product plaza)" >&2
fi
