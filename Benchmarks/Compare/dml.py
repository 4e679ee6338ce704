"""Writes through SQL, side by side with DuckDB in one run (issue 20's bars):

1. Each statement below on a fresh copy of the `reportes` table (copying is not timed): DELETE of 1%
   and of 50% of the rows, DELETE of 60% (past Plaza's automatic compaction threshold, so Plaza's
   time includes rewriting the segments), UPDATE of one column on 10%, CREATE TABLE AS of a grouped
   query. DuckDB runs the statement in a new connection to its database file, Plaza in a new
   `plaza query --timer` process (the timer covers the statement, not the process start); the files
   are in the OS page cache for both. Median of the runs. Both engines leave work for after the
   statement: DuckDB checkpoints when its connection closes, Plaza compacts segments deleted past
   its threshold in the background and waits for that before the process exits. So a second pair
   of columns times each engine whole: DuckDB's connect, statement and close; Plaza's process.
2. The aggregate suite queries that read only `reportes`, over the table after a DELETE of 10% of its
   rows: DuckDB and Plaza warm in one process each (median of the runs after a warm-up), and Plaza
   over the same rows compacted (`plaza compact`), for the bar "within 1.2x of a compacted table".
   Deleted and compacted alternate per query (one process each, then again, `rounds` times: A,B,A,B),
   so the machine's drift falls on both alike; each process times `SHORT_REPEATS` runs, and a query
   under `SHORT_MS` gets more rounds, as its median moves most with noise.

Usage (the venv of Benchmarks/Compare/run.sh):
    Benchmarks/Compare/.venv/bin/python Benchmarks/Compare/dml.py --rows 10000000 --threads 2
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

STATEMENTS = [
    ("DELETE 1%", "DELETE FROM reportes WHERE id % 100 = 7"),
    ("DELETE 50%", "DELETE FROM reportes WHERE id % 2 = 0"),
    ("DELETE 60% (past Plaza's compaction threshold)", "DELETE FROM reportes WHERE id % 10 < 6"),
    ("UPDATE 10%, one column", "UPDATE reportes SET estatus = 'revisado' WHERE id % 10 = 3"),
    ("CREATE TABLE AS grouped", "CREATE TABLE resumen AS SELECT dependencia, colonia, estatus, count(*) AS n, "
                                "sum(costo) AS costo, avg(horas_resolucion) AS horas FROM reportes GROUP BY ALL"),
]
TEN_PERCENT = "DELETE FROM reportes WHERE id % 10 = 9"
QUERIES = ["q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08", "q09", "q13", "q14", "q15", "q16", "q17", "q20",
           "q21", "q22", "q23", "q41", "q42"]


plaza = engines.plaza_timers
# A query faster than this (deleted table, warm) takes SHORT_ROUNDS times the rounds and
# SHORT_REPEATS timed runs a process in the deleted/compacted comparison.
SHORT_MS = 20.0
SHORT_ROUNDS = 3
SHORT_REPEATS = 5


def interleaved(binary, deleted, compacted, sql, threads, runs):
    """Times `sql` over the `deleted` and `compacted` databases alternately, one process each per
    round (a warm-up run, then the timed ones): the medians of every timed run of each, and the
    set of each one's outputs (one element when every process printed the same)."""
    probe, _ = plaza(binary, deleted, sql, threads, 2)
    short = probe[-1] < SHORT_MS
    # Five timed runs a process for every query: with one, a query of 20–30 ms swung from 1.19 to
    # 1.42 deleted/compacted between two runs while its CPU ratio was 1.10.
    rounds, repeats = (runs * SHORT_ROUNDS, SHORT_REPEATS) if short else (runs, SHORT_REPEATS)
    times = {deleted: [], compacted: []}
    outputs = {deleted: set(), compacted: set()}
    for _ in range(rounds):
        for db in (deleted, compacted):
            runs_ms, output = plaza(binary, db, sql, threads, repeats + 1)
            times[db] += runs_ms[1:]
            outputs[db].add(output)
    median = statistics.median
    return median(times[deleted]), median(times[compacted]), outputs[deleted], outputs[compacted]


def copy_database(source, target):
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    (shutil.copytree if source.is_dir() else shutil.copyfile)(source, target)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"))
    parser.add_argument("--output", default=str(HERE / "results" / "dml-latest.md"))
    arguments = parser.parse_args()
    import duckdb

    data_dir = (BENCH / "data" / str(arguments.rows)).resolve()
    csv = engines.csv_file(data_dir, "reportes")
    work = HERE / "work" / f"dml-{arguments.rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    duck_base, plaza_base = work / "duck-base.db", work / "plaza-base"
    con = duckdb.connect(str(duck_base))
    spec = ", ".join(f"'{c}': '{t}'" for c, t in engines.TABLES["reportes"])
    con.execute(f"CREATE TABLE reportes AS SELECT * FROM read_csv('{csv}', header = true, columns = {{{spec}}})")
    con.execute("CHECKPOINT")
    con.close()
    done = subprocess.run([arguments.plaza, "import", csv, "--db", str(plaza_base), "--table", "reportes", "--quiet"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr)

    duck_copy, plaza_copy = work / "duck.db", work / "plaza"
    lines = [f"Rows: {arguments.rows:,} · threads: {arguments.threads} · "
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Statements, each on a fresh copy of the table (median of {arguments.runs}):", "",
             "| statement | rows changed | DuckDB ms | Plaza ms | Plaza / DuckDB | DuckDB whole ms | Plaza whole ms | "
             "whole: Plaza / DuckDB |", "|---|---|---|---|---|---|---|---|"]
    for label, sql in STATEMENTS:
        duck_times, plaza_times, duck_wholes, plaza_wholes, answers = [], [], [], [], set()
        for _ in range(arguments.runs):
            copy_database(duck_base, duck_copy)
            opened = time.perf_counter()
            con = duckdb.connect(str(duck_copy))
            con.execute(f"SET threads = {arguments.threads}")
            start = time.perf_counter()
            changed = con.execute(sql).fetchall()
            duck_times.append((time.perf_counter() - start) * 1000)
            con.close()
            duck_wholes.append((time.perf_counter() - opened) * 1000)
            answers.add(("duckdb", changed[0][0] if changed else None))
            copy_database(plaza_base, plaza_copy)
            started = time.perf_counter()
            times, output = plaza(arguments.plaza, plaza_copy, sql, arguments.threads)
            plaza_wholes.append((time.perf_counter() - started) * 1000)
            plaza_times.append(times[0])
            answers.add(("plaza", int(output.strip().splitlines()[-1])))
        counts = sorted({count for _, count in answers})
        duck_ms, plaza_ms = statistics.median(duck_times), statistics.median(plaza_times)
        duck_whole, plaza_whole = statistics.median(duck_wholes), statistics.median(plaza_wholes)
        agree = "" if len(counts) == 1 else f" (differ: {sorted(answers)})"
        lines.append(f"| {label} | {counts[0]:,}{agree} | {duck_ms:.0f} | {plaza_ms:.0f} | {plaza_ms / duck_ms:.2f} | "
                     f"{duck_whole:.0f} | {plaza_whole:.0f} | {plaza_whole / duck_whole:.2f} |")
        print(lines[-1], file=sys.stderr)

    # The suite's queries over the table with 10% of its rows deleted, and over it compacted.
    copy_database(duck_base, duck_copy)
    con = duckdb.connect(str(duck_copy))
    con.execute(f"SET threads = {arguments.threads}")
    con.execute(TEN_PERCENT)
    copy_database(plaza_base, plaza_copy)
    plaza(arguments.plaza, plaza_copy, TEN_PERCENT, arguments.threads)
    compacted = work / "plaza-compacted"
    copy_database(plaza_copy, compacted)
    subprocess.run([arguments.plaza, "compact", "--db", str(compacted)], check=True, capture_output=True)
    lines += ["", f"Aggregate queries after `{TEN_PERCENT}` (warm, median of {arguments.runs} after one warm-up; "
                  f"Plaza deleted and compacted alternating, {arguments.runs} rounds of {SHORT_REPEATS} runs, or "
                  f"{arguments.runs * SHORT_ROUNDS} rounds for a query under {SHORT_MS:.0f} ms):", "",
              "| query | DuckDB ms | Plaza ms | Plaza / DuckDB | Plaza compacted ms | deleted / compacted | answers |",
              "|---|---|---|---|---|---|---|"]
    ratios, compaction_ratios = [], []
    for name in QUERIES:
        path = next((BENCH / "Queries").glob(f"{name}_*.sql"))
        sql = path.read_text()
        con.execute(sql).fetchall()
        duck_times = []
        for _ in range(arguments.runs):
            start = time.perf_counter()
            duck_rows = con.execute(sql).fetchall()
            duck_times.append((time.perf_counter() - start) * 1000)
        plaza_ms, compact_ms, outputs, compact_outputs = interleaved(
            arguments.plaza, plaza_copy, compacted, sql, arguments.threads, arguments.runs)
        duck_ms = statistics.median(duck_times)
        output = next(iter(outputs))
        plaza_rows = len(output.strip().splitlines()) - 1
        agree = outputs == compact_outputs and len(outputs) == 1
        same = "same rows" if agree and plaza_rows == len(duck_rows) else (
            f"{plaza_rows} vs DuckDB {len(duck_rows)} rows" + ("" if agree else "; compacted differs"))
        ratios.append(plaza_ms / duck_ms)
        compaction_ratios.append(plaza_ms / compact_ms)
        lines.append(f"| {path.stem} | {duck_ms:.1f} | {plaza_ms:.1f} | {plaza_ms / duck_ms:.2f} | {compact_ms:.1f} | "
                     f"{plaza_ms / compact_ms:.2f} | {same} |")
        print(lines[-1], file=sys.stderr)
    geomean = statistics.geometric_mean
    lines += ["", f"Geometric means: Plaza / DuckDB {geomean(ratios):.2f}; Plaza deleted / compacted "
                  f"{geomean(compaction_ratios):.2f} (worst {max(compaction_ratios):.2f}).", "",
              "Answers: the row counts of DuckDB's and Plaza's results agree where the table says \"same rows\", "
              "and Plaza's output over the table with deleted rows is byte for byte its output over the compacted one."]
    report = "\n".join(lines) + "\n"
    Path(arguments.output).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
