#!/usr/bin/env bash
# Interop: files Plaza writes are read by pyarrow and DuckDB with identical results, and the
# fixture files they wrote (every encoding and codec) are read by Plaza identically; Plaza's
# Excel workbooks read alike in openpyxl.
# Needs the built `plaza` (PLAZA, default .build/debug/plaza) and a venv with pyarrow and
# duckdb==2.0.1; when pip cannot reach its index the check is skipped with a message, never failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
PLAZA="${PLAZA:-.build/debug/plaza}"
VENV="${INTEROP_VENV:-/tmp/plaza-interop-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pyarrow, duckdb, openpyxl' 2>/dev/null; then
    if ! python3 -m venv "$VENV" >/dev/null 2>&1 \
        || ! "$VENV/bin/pip" install -q --disable-pip-version-check pyarrow duckdb==2.0.1 openpyxl >/dev/null 2>&1; then
        echo "interop: SKIPPED: could not install pyarrow, duckdb==2.0.1 and openpyxl with pip (no network?)" >&2
        exit 0
    fi
fi
exec "$VENV/bin/python" Tests/Interop/interop.py "$PLAZA"
