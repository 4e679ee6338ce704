#!/usr/bin/env bash
# Runs Benchmarks/Spark/spark_questions.py with pyspark from a private venv (Java from Debian:
# apt-get install -y default-jre-headless). Usage: Benchmarks/Spark/run.sh [--rows N] [--queries …] [--plaza PATH]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SPARK_VENV:-/tmp/plaza-spark-venv}"
command -v java >/dev/null || { echo "spark: no java on PATH (apt-get install -y default-jre-headless)" >&2; exit 2; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check pyspark
fi
exec "$venv/bin/python" "$here/spark_questions.py" "$@"
