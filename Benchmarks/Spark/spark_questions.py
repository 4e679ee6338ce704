#!/usr/bin/env python3
"""When one machine is not enough: the benchmark database exported as Hive-partitioned Parquet,
and the benchmark questions asked of Apache Spark over it, answers compared with Plaza's.

    Benchmarks/Spark/run.sh [--rows 1000000] [--queries q01,q02]

Each table of Benchmarks/data/<rows>/ is imported into a fresh Plaza database, then exported with
`plaza export` (reportes partitioned by year of creation, `anio=2019/…`; the others one file each).
Spark (pyspark, local[2]) reads each export directory, with partition discovery, as a view named
like the table; every Benchmarks/Queries file that does not read lineitem is run in both engines.
The table printed (and written to results/latest.md) gives each engine's time and whether the rows
agree (numbers to 1e-9 relative, or 1e-6 absolute for
Spark's rounded avg over DECIMAL; order kept only under ORDER BY). A question Spark's dialect cannot
parse or run is listed as such, not counted as a difference.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH.parent / "Tests" / "Interop"))
from spark_check import canonical, same  # noqa: E402  (one comparison for both Spark checks)

TABLES = ["reportes", "colonias", "dependencias", "presupuesto"]


def plaza(binary, db, *args):
    done = subprocess.run([binary, *args, "--db", str(db)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[:300])
    return done.stdout


def cell(value):
    """A Spark cell as Plaza prints it: timestamps with a space, not `T`, between date and time."""
    value = canonical(value)
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T" and value[:4].isdigit():
        return value[:10] + " " + value[11:]
    return value


def close(a, b):
    """Equal, or (numbers) equal to 1e-9 relative or 1e-6 absolute: Spark types avg() over DECIMAL
    as DECIMAL with four more digits of scale, so it rounds where Plaza and DuckDB give a DOUBLE."""
    if isinstance(a, float) and isinstance(b, float):
        return same(a, b) or abs(a - b) <= 1e-6
    return a == b


def agree(mine, theirs, ordered):
    if not ordered:
        key = lambda row: [(v is None, str(v)) for v in row]  # noqa: E731
        mine, theirs = sorted(mine, key=key), sorted(theirs, key=key)
    return len(mine) == len(theirs) and all(
        len(m) == len(s) and all(close(x, y) for x, y in zip(m, s)) for m, s in zip(mine, theirs))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", default="")
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"))
    parser.add_argument("--output", default=str(HERE / "results" / "latest.md"))
    arguments = parser.parse_args()
    data = BENCH / "data" / str(arguments.rows)
    if not (data / "reportes.csv").exists():
        sys.exit(f"no data in {data}: run `swift run -c release plaza-datagen --rows {arguments.rows}` in Benchmarks/")
    work = HERE / "work" / str(arguments.rows)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "plaza"
    for table in TABLES:
        plaza(arguments.plaza, db, "import", str(data / f"{table}.csv"), "--table", table, "--quiet")
    start = time.perf_counter()
    exports = {}
    for table in TABLES:
        target = work / "parquet" / table
        if table == "reportes":
            plaza(arguments.plaza, db, "export", "SELECT *, year(fecha_creacion) AS anio FROM reportes",
                  "--to", str(target), "--format", "parquet", "--partition-by", "anio", "--quiet")
        else:
            target.mkdir(parents=True)
            plaza(arguments.plaza, db, "export", table, "--to", str(target / "data_0.parquet"), "--quiet")
        exports[table] = target
    export_seconds = time.perf_counter() - start

    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("plaza-questions")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")  # dialect errors are reported in the table instead
    for table, target in exports.items():
        frame = spark.read.parquet(str(target))
        if table == "reportes":
            frame = frame.drop("anio")  # the partition column was added for the directories only
        frame.createOrReplaceTempView(table)

    prefixes = [p for p in arguments.queries.split(",") if p]
    lines = [f"Rows: {arguments.rows:,} · Spark {spark.version} local[2] over `plaza export` Parquet "
             f"(reportes partitioned by year; exported in {export_seconds:.1f} s) · one run each after a warm-up",
             "", "| query | Plaza ms | Spark ms | same rows |", "|---|---|---|---|"]
    counts = {"yes": 0, "no": 0, "spark cannot run it": 0}
    for path in sorted((BENCH / "Queries").glob("q*.sql")):
        sql = path.read_text()
        if (prefixes and not any(path.stem.startswith(p) for p in prefixes)) or "lineitem" in sql:
            continue
        query = sql.strip().rstrip(";")
        text = plaza(arguments.plaza, db, "query", "--format", "csv", query)
        start = time.perf_counter()
        text = plaza(arguments.plaza, db, "query", "--format", "csv", query)
        plaza_ms = (time.perf_counter() - start) * 1000
        mine = [[canonical(v) for v in row] for row in list(csv.reader(text.splitlines()))[1:]]
        try:
            spark.sql(query).collect()
            start = time.perf_counter()
            theirs = [[cell(v) for v in row] for row in spark.sql(query).collect()]
            spark_ms = f"{(time.perf_counter() - start) * 1000:.0f}"
            verdict = "yes" if agree(mine, theirs, "ORDER BY" in query.upper()) else "no"
            if verdict == "no":
                print(f"{path.stem} differs:\n  plaza: {mine[:3]}\n  spark: {theirs[:3]}", file=sys.stderr)
        except Exception as error:  # Spark's dialect, not the data
            spark_ms, verdict = "–", "spark cannot run it"
            print(f"{path.stem}: {str(error).splitlines()[0][:160]}", file=sys.stderr)
        counts[verdict] += 1
        lines.append(f"| {path.stem} | {plaza_ms:.0f} | {spark_ms} | {verdict} |")
        print(lines[-1], file=sys.stderr)
    spark.stop()
    lines += ["", f"{counts['yes']} agree, {counts['no']} differ, {counts['spark cannot run it']} not runnable by "
                  "Spark SQL as written (DuckDB dialect). Plaza timed as a fresh `plaza query` process (start-up included)."]
    report = "\n".join(lines) + "\n"
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.output).write_text(report)
    print(report)
    if counts["no"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
