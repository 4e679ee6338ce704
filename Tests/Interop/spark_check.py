#!/usr/bin/env python3
"""Plaza's exported Parquet read by Spark; run through Tests/Interop/spark.sh.

A generated CSV (integers, decimals, text, dates, booleans, with NULLs) is imported into Plaza,
exported with `plaza export` (zstd, snappy, none) and read by pyspark. The same aggregate
questions are asked of Plaza (over its own table) and of Spark (over each exported file); the
answers must match, numbers compared to 1e-9 relative.
"""
import csv
import datetime
import math
import os
import random
import subprocess
import sys
import tempfile

from pyspark.sql import SparkSession

PLAZA = sys.argv[1]
ROWS = 50_000
DISTRICTS = ["Centro", "Norte", "Sur", "Oriente", "Poniente", "Valle, Alto", 'La "Loma"']
QUESTIONS = [
    "SELECT count(*), count(amount), sum(units), min(units), max(units), min(day), max(day) FROM {t}",
    "SELECT sum(amount), min(amount), max(amount), count(done), sum(CASE WHEN done THEN 1 ELSE 0 END) FROM {t}",
    "SELECT district, count(*), sum(units), sum(amount), max(day) FROM {t} GROUP BY district ORDER BY district NULLS LAST",
    "SELECT year(day), count(*), sum(units) FROM {t} WHERE amount > 500 GROUP BY 1 ORDER BY 1 NULLS LAST",
]


def write_csv(path):
    rng = random.Random(18)
    start = datetime.date(2019, 1, 1)
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "district", "units", "amount", "day", "done"])
        for i in range(ROWS):
            null = lambda p: rng.random() < p  # noqa: E731
            out.writerow([
                i,
                "" if null(0.02) else rng.choice(DISTRICTS),
                "" if null(0.03) else rng.randint(-1000, 100_000),
                "" if null(0.05) else "%.2f" % rng.uniform(0, 1000),
                "" if null(0.01) else (start + datetime.timedelta(days=rng.randint(0, 2000))).isoformat(),
                "" if null(0.04) else rng.choice(["true", "false"]),
            ])


def plaza(db, *args):
    result = subprocess.run([PLAZA, *args, "--db", db], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("plaza %s failed: %s" % (" ".join(args), result.stderr))
    return result.stdout


def canonical(value):
    """One comparable form for a cell from Plaza's CSV (a string) or from Spark (a Python value)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def plaza_rows(db, sql):
    text = plaza(db, "query", "--format", "csv", sql)
    rows = list(csv.reader(text.splitlines()))[1:]
    return [[canonical(v) for v in row] for row in rows]


def spark_rows(spark, sql):
    return [[canonical(v) for v in row] for row in spark.sql(sql).collect()]


def main():
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("plaza-interop")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        db = os.path.join(work, "db")
        source = os.path.join(work, "reports.csv")
        write_csv(source)
        plaza(db, "import", "--quiet", source)
        for codec in ("zstd", "snappy", "none"):
            out = os.path.join(work, "reports-%s.parquet" % codec)
            plaza(db, "export", "reports", "--to", out, "--compression", codec, "--quiet")
            spark.read.parquet(out).createOrReplaceTempView("exported")
            before = failures
            for question in QUESTIONS:
                mine = plaza_rows(db, question.format(t="reports"))
                theirs = spark_rows(spark, question.format(t="exported"))
                agree = len(mine) == len(theirs) and all(
                    len(m) == len(s) and all(same(x, y) for x, y in zip(m, s)) for m, s in zip(mine, theirs)
                )
                if not agree:
                    failures += 1
                    print("DIFFERENT (%s): %s\n  plaza: %s\n  spark: %s" % (codec, question, mine[:5], theirs[:5]))
            print("%s %s" % ("ok" if failures == before else "FAILED", codec))
    spark.stop()
    if failures:
        raise SystemExit("spark: %d differences" % failures)
    print("spark: Spark reads Plaza's Parquet (zstd, snappy, none) and answers as Plaza does")


if __name__ == "__main__":
    main()
