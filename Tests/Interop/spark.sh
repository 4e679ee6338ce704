#!/usr/bin/env bash
# Spark interop: a table Plaza exports to Parquet is read by Spark (pyspark), which runs the same
# aggregates as Plaza; the answers must match. Needs the built `plaza` (PLAZA, default
# .build/debug/plaza), Java and pyspark (SPARK_VENV, default /tmp/plaza-spark-venv). When Java or
# pyspark is missing and pip cannot install pyspark, the check is skipped with a message, never failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
PLAZA="${PLAZA:-.build/debug/plaza}"
VENV="${SPARK_VENV:-/tmp/plaza-spark-venv}"
if ! command -v java >/dev/null 2>&1; then
    echo "spark: SKIPPED: no java on PATH (Spark needs a JVM)" >&2
    exit 0
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pyspark' 2>/dev/null; then
    if ! python3 -m venv "$VENV" >/dev/null 2>&1 \
        || ! "$VENV/bin/pip" install -q --disable-pip-version-check pyspark >/dev/null 2>&1; then
        echo "spark: SKIPPED: could not install pyspark with pip (no network?)" >&2
        exit 0
    fi
fi
exec "$VENV/bin/python" Tests/Interop/spark_check.py "$PLAZA"
