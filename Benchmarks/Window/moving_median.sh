#!/bin/bash
# Moving medians over N rows (default 10M) in 1000 partitions, Plaza against DuckDB in one run:
# a 7-row frame (direct selection) and a 201-row frame (the wavelet matrix). Each engine's answer
# is printed so that they can be compared; Plaza is timed through its CLI (process start and
# reading the table included), DuckDB in process on an in-memory table.
#
#   swift build -c release --product plaza --scratch-path /tmp/build-release
#   Benchmarks/Window/moving_median.sh /tmp/build-release/release/plaza /path/to/python-with-duckdb
set -euo pipefail
PLAZA=${1:?path to a release plaza binary}
PYTHON=${2:?python with duckdb installed}
N=${N:-10000000}
RUNS=${RUNS:-3}
DB=${DB:-/tmp/plaza-moving-median-$N}
TABLE="SELECT i AS t, i % 1000 AS k, CAST((i * 7919) % 100003 AS DOUBLE) AS x FROM range(0, $N) r(i)"
if [ ! -d "$DB" ]; then
  mkdir -p "$DB"
  "$PLAZA" query --db "$DB" "CREATE TABLE m AS $TABLE" > /dev/null
fi
for frame in "6 PRECEDING AND CURRENT ROW" "100 PRECEDING AND 100 FOLLOWING"; do
  query="SELECT sum(m), count(m) FROM (SELECT median(x) OVER (PARTITION BY k ORDER BY t ROWS BETWEEN $frame) AS m FROM m)"
  echo "$query"
  for _ in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    answer=$("$PLAZA" query --db "$DB" --format csv "$query" | tail -1)
    echo "  plaza  $(echo "$(date +%s.%N) - $start" | bc) s  $answer"
    "$PYTHON" - "$TABLE" "$query" <<'PY'
import sys, time
import duckdb
connection = duckdb.connect()
connection.execute("CREATE TABLE m AS " + sys.argv[1])
start = time.time()
answer = connection.execute(sys.argv[2]).fetchall()
print(f"  duckdb {time.time() - start:.2f} s  {answer}")
PY
  done
done
