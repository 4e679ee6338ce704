#!/usr/bin/env bash
# Runs the side-by-side comparison in its own virtual environment.
# Usage: Benchmarks/Compare/run.sh [--rows N] [--threads N] [--runs N] [--engines ...] [--queries ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
cd "$here"
exec "$venv/bin/python" compare.py "$@"
