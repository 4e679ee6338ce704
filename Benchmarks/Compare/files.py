"""Files in and out, side by side with DuckDB in one run (issue 18's bars):

1. COPY of the whole `reportes` table to Parquet (zstd and snappy): time and file size, DuckDB from its
   native table, Plaza from its own (both timed in one process, median of the runs after a warm-up).
2. Reading the CSV in place (`SELECT count(*), sum(costo), count(DISTINCT colonia) FROM read_csv(…)`)
   against `plaza import` of the same file, and DuckDB's read_csv of it.

Usage: Benchmarks/Compare/run.sh is for compare.py; run this one with the same venv:
    Benchmarks/Compare/.venv/bin/python Benchmarks/Compare/files.py --rows 10000000 --threads 2
"""
import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(HERE))
import engines  # noqa: E402


def median_ms(run, runs):
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plaza_warm(binary, db, sql, runs, threads):
    """Plaza's median `--timer` over `runs` runs after a warm-up, in one process, and its output."""
    times, output = engines.plaza_timers(binary, db, sql, threads, runs + 1)
    return statistics.median(times[1:]), output


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"))
    parser.add_argument("--output", default=str(HERE / "results" / "files-latest.md"))
    arguments = parser.parse_args()
    import duckdb

    data_dir = (BENCH / "data" / str(arguments.rows)).resolve()
    csv = engines.csv_file(data_dir, "reportes")
    work = HERE / "work" / f"files-{arguments.rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    con = duckdb.connect(str(work / "duck.db"))
    con.execute(f"SET threads = {arguments.threads}")
    spec = ", ".join(f"'{c}': '{t}'" for c, t in engines.TABLES["reportes"])
    con.execute(f"CREATE TABLE reportes AS SELECT * FROM read_csv('{csv}', header = true, columns = {{{spec}}})")
    con.execute("CHECKPOINT")
    db = work / "plaza"
    start = time.perf_counter()
    # plaza import uses every core: 2 on the machine these figures come from, as --threads 2 asks.
    done = subprocess.run([arguments.plaza, "import", csv, "--db", str(db), "--table", "reportes", "--quiet"],
                          capture_output=True, text=True)
    import_ms = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(done.stderr)

    lines = [f"Rows: {arguments.rows:,} · threads: {arguments.threads} · median of {arguments.runs} runs after one "
             f"warm-up, each engine in one process · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
             "", "| COPY reportes TO parquet | DuckDB ms | Plaza ms | Plaza / DuckDB | DuckDB MB | Plaza MB | size ratio |",
             "|---|---|---|---|---|---|---|"]
    for codec in ("zstd", "snappy"):
        duck_file, plaza_file = work / f"duck-{codec}.parquet", work / f"plaza-{codec}.parquet"
        duck_ms = median_ms(lambda: con.execute(
            f"COPY reportes TO '{duck_file}' (FORMAT parquet, COMPRESSION {codec})"), arguments.runs)
        plaza_ms, _ = plaza_warm(arguments.plaza, db, f"COPY reportes TO '{plaza_file}' (FORMAT parquet, COMPRESSION {codec})",
                                 arguments.runs, arguments.threads)
        duck_mb, plaza_mb = duck_file.stat().st_size / 1e6, plaza_file.stat().st_size / 1e6
        lines.append(f"| {codec} | {duck_ms:.0f} | {plaza_ms:.0f} | {plaza_ms / duck_ms:.2f} | {duck_mb:.1f} | "
                     f"{plaza_mb:.1f} | {plaza_mb / duck_mb:.2f} |")
        print(lines[-1], file=sys.stderr)

    question = "SELECT count(*), sum(costo), count(DISTINCT colonia) FROM read_csv('{}')"
    duck_ms = median_ms(lambda: con.execute(question.format(csv)).fetchall(), arguments.runs)
    plaza_ms, answer = plaza_warm(arguments.plaza, db, question.format(csv), arguments.runs, arguments.threads)
    duck_answer = con.execute(question.format(csv)).fetchall()[0]
    lines += ["", "| reading reportes.csv in place | ms |", "|---|---|",
              f"| DuckDB `{question.format('reportes.csv')}` | {duck_ms:.0f} |",
              f"| Plaza, the same query | {plaza_ms:.0f} |",
              f"| Plaza `plaza import` of the same file (fresh process, writing the table) | {import_ms:.0f} |",
              "", f"Answers: DuckDB {duck_answer}; Plaza {answer.strip().splitlines()[-1]}.",
              "", "DuckDB's COPY reads its native table; Plaza's its own. Both write zstd or snappy pages; DuckDB "
                  "with its default row groups of 122,880 rows, Plaza with its own (122,880 rows). The read_csv "
                  "question infers types from the file in both engines (DuckDB samples, Plaza reads every value)."]
    report = "\n".join(lines) + "\n"
    Path(arguments.output).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
