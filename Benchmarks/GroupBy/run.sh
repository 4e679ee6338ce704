#!/usr/bin/env bash
# Runs the db-benchmark groupby questions in DuckDB and Plaza side by side (run.py), in the
# TPC-H suite's virtual environment (DuckDB, pinned).
# Usage: Benchmarks/GroupBy/run.sh [--rows 10M] [--k 100] [--threads 2] [--runs 5] [--queries q01,q10] [--plaza PATH]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(bash "$here/../TPCH/venv.sh")"
exec "$venv/bin/python" "$here/run.py" "$@"
