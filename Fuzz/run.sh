#!/usr/bin/env bash
# Builds the libFuzzer targets (release, -sanitize=fuzzer,address) and runs them.
#
#   Fuzz/run.sh [--target NAME] [--runs N | --seconds S] [--jobs J] [--no-build] [-- LIBFUZZER_ARGS…]
#
# NAME is segment, manifest, sql, csv, json, parquet or xlsx (default: all seven, one after another). Each run starts
# from the committed seeds in Fuzz/Corpus/<name>/ plus what earlier runs found (kept in
# Fuzz/artifacts/corpus/<name>/, ignored by git); crashes, leaks and timeouts are written to
# Fuzz/artifacts/<name>/ and make the script exit non-zero. The log of each run is
# Fuzz/artifacts/<name>.log; a one-line summary (executions, seconds, status) is printed.
set -uo pipefail
cd "$(dirname "$0")"

targets=(segment manifest sql csv json parquet xlsx)
runs=""
seconds=""
build=1
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --target) targets=("$2"); shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$runs" && -z "$seconds" ]]; then seconds=60; fi

if [[ $build -eq 1 ]]; then
    swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing \
        2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
    [[ ${PIPESTATUS[0]} -eq 0 ]] || { echo "run.sh: build failed" >&2; exit 1; }
fi
bin="$(swift build -c release --show-bin-path)"

max_len() {
    case "$1" in segment) echo 16384 ;; manifest) echo 2048 ;; sql) echo 2048 ;; csv) echo 4096 ;; json) echo 4096 ;; parquet) echo 16384 ;; xlsx) echo 16384 ;; esac
}

status=0
for name in "${targets[@]}"; do
    [[ -x "$bin/fuzz-$name" ]] || { echo "run.sh: no fuzzer fuzz-$name in $bin" >&2; exit 2; }
    mkdir -p "artifacts/corpus/$name" "artifacts/$name"
    args=(-max_len="$(max_len "$name")" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="artifacts/$name/")
    [[ -f "Dictionaries/$name.dict" ]] && args+=(-dict="Dictionaries/$name.dict")
    [[ -n "$runs" ]] && args+=(-runs="$runs")
    [[ -n "$seconds" ]] && args+=(-max_total_time="$seconds")
    log="artifacts/$name.log"
    start=$(date +%s)
    SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
        "$bin/fuzz-$name" "${args[@]}" "${extra[@]}" "artifacts/corpus/$name" "Corpus/$name" >"$log" 2>&1
    rc=$?
    elapsed=$(($(date +%s) - start))
    execs=$(grep -ao 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    if [[ $rc -eq 0 ]]; then result=ok; else result="FAILED (exit $rc, see $log)"; status=1; fi
    echo "fuzz-$name: ${execs:-?} executions in ${elapsed}s: $result"
    if [[ $rc -ne 0 ]]; then grep -aE 'ERROR:|Fatal error|SUMMARY|Test unit written' "$log" | head -5; fi
done
exit $status
