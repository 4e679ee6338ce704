#!/usr/bin/env bash
# CI: builds every fuzzer and runs each for a short time (30 s by default, FUZZ_SECONDS to change);
# exits non-zero when a build fails or a fuzzer finds a crash, a sanitizer report or a timeout.
# Needs only the Swift toolchain (its libFuzzer and ASan runtimes) and liblz4-dev, which .ci/run
# already installs.
set -euo pipefail
cd "$(dirname "$0")"
exec ./run.sh --seconds "${FUZZ_SECONDS:-30}"
