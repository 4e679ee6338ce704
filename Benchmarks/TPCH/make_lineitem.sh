#!/usr/bin/env bash
# Kept for Compare/run.sh --tpch <SF>, which reads data/tpch-sf<SF>/lineitem.csv: generate.sh now
# writes all 8 TPC-H tables (lineitem among them) and imports them into data/tpch-sf<SF>/plaza.
# Usage: Benchmarks/TPCH/make_lineitem.sh [SCALE_FACTOR] [PLAZA_BINARY]
exec "$(cd "$(dirname "$0")" && pwd)/generate.sh" "$@"
