#!/usr/bin/env bash
# Runs the 22 TPC-H queries in DuckDB and Plaza side by side (run.py) in Benchmarks/TPCH/.venv.
# Usage: Benchmarks/TPCH/run.sh [--sf 1] [--threads 2] [--runs 5] [--queries q01,q06] [--plaza PATH]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(bash "$here/venv.sh")"
exec "$venv/bin/python" "$here/run.py" "$@"
