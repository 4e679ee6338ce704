#!/usr/bin/env bash
# Differential testing of Plaza against DuckDB, in its own virtual environment.
# Usage: Tests/Differential/run.sh [--queries N] [--seed S] [--plaza PATH] [--report FILE] ...
# Without --plaza it builds the plaza binary (debug) with the scratch path .build-diff.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
args=("$@")
if [[ " ${args[*]-} " != *" --plaza "* ]]; then
    scratch="${PLAZA_SCRATCH:-.build-diff}"
    (cd "$root" && swift build --scratch-path "$scratch" --product plaza >&2)
    args+=(--plaza "$root/$scratch/debug/plaza")
fi
exec "$venv/bin/python" "$here/difftest.py" "${args[@]}"
