#!/usr/bin/env python3
"""Compares Plaza's Parquet with pyarrow's and DuckDB's; run through Tests/Interop/run.sh.

1. Every fixture (written by pyarrow and DuckDB) is imported by `plaza import` and the same
   aggregate questions are asked of Plaza and of DuckDB over the file: the answers must match.
2. Each imported table is exported by `plaza export` (zstd, snappy, none) and read back by
   DuckDB and by pyarrow: every row must equal DuckDB's reading of the original file.
"""
import glob
import os
import subprocess
import sys
import tempfile

import duckdb
import pyarrow.parquet as pq

PLAZA = sys.argv[1]
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PlazaParquetTests", "Fixtures")
QUESTIONS = [
    "SELECT count(*), count(i32), sum(i32), sum(i64), min(day), max(day), min(ts_ms), max(ts_ns) FROM {t}",
    "SELECT sum(amount), sum(big_amount), min(f64), max(f32), count(flag), sum(CASE WHEN flag THEN 1 ELSE 0 END) FROM {t}",
    "SELECT name, count(*), sum(amount) FROM {t} GROUP BY name ORDER BY name NULLS LAST",
]


def plaza(db, *args):
    result = subprocess.run([PLAZA, *args, "--db", db], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("plaza %s failed: %s" % (" ".join(args), result.stderr))
    return result.stdout


def plaza_rows(db, sql):
    text = plaza(db, "query", "--format", "csv", sql)
    lines = text.strip("\n").split("\n")[1:]
    return lines


def duck_rows(sql):
    rows = duckdb.sql(sql).fetchall()
    return [",".join(text(v) for v in row) for row in rows]


def text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "%d.0" % value if value == int(value) else repr(value)
    if hasattr(value, "isoformat") and hasattr(value, "hour"):
        s = value.strftime("%Y-%m-%d %H:%M:%S")
        return s + (".%06d" % value.microsecond if value.microsecond else "")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    s = str(value)
    return '"%s"' % s.replace('"', '""') if ("," in s or '"' in s or s == "") else s


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        db = os.path.join(work, "db")
        for path in sorted(glob.glob(os.path.join(FIXTURES, "*.parquet"))):
            name = os.path.basename(path)[: -len(".parquet")]
            # nested_list is refused by design; dict_fallback (one text column, dictionary pages
            # then PLAIN ones) gets questions of its own, read in place and imported.
            if name == "nested_list":
                continue
            plaza(db, "import", "--quiet", path)
            questions = QUESTIONS
            if name == "dict_fallback":
                questions = ["SELECT name, count(*) FROM {t} GROUP BY name ORDER BY name NULLS LAST",
                             "SELECT count(*), count(name), count(DISTINCT name), min(name), max(name) FROM {t}"]
                for question in questions:
                    mine = plaza_rows(db, question.format(t="'%s'" % path))
                    theirs = duck_rows(question.format(t="'%s'" % path))
                    if mine != theirs:
                        failures += 1
                        print("DIFFERENT %s in place: %s\n  plaza:  %s\n  duckdb: %s" % (name, question, mine, theirs))
            for question in questions:
                mine = plaza_rows(db, question.format(t=name))
                theirs = duck_rows(question.format(t="'%s'" % path))
                if mine != theirs:
                    failures += 1
                    print("DIFFERENT %s: %s\n  plaza:  %s\n  duckdb: %s" % (name, question, mine, theirs))
            original = duckdb.sql("SELECT * FROM '%s'" % path).fetchall()
            for codec in ("zstd", "snappy", "none"):
                out = os.path.join(work, "%s-%s.parquet" % (name, codec))
                plaza(db, "export", name, "--to", out, "--compression", codec, "--quiet")
                by_duck = duckdb.sql("SELECT * FROM '%s'" % out).fetchall()
                by_arrow = [tuple(r.values()) for r in pq.read_table(out).to_pylist()]
                if by_duck != original or by_arrow != original:
                    failures += 1
                    print("DIFFERENT export of %s with %s" % (name, codec))
            print("ok %s" % name)
    with tempfile.TemporaryDirectory() as work:
        failures += check_excel(work)
    if failures:
        raise SystemExit("interop: %d differences" % failures)
    print("interop: every fixture reads alike in Plaza and DuckDB; Plaza's files read alike in DuckDB and pyarrow")


def check_excel(work):
    """A workbook Plaza writes (`plaza export --format xlsx`) reads in openpyxl as Plaza reads it back."""
    import datetime
    import openpyxl
    db = os.path.join(work, "excel-db")
    plaza(db, "query", "CREATE TABLE x AS SELECT range AS id, 'fila ñ ' || range AS texto, range * 0.25 AS cuarto, "
          "CAST(range * 1.5 AS DECIMAL(10, 2)) AS monto, DATE '2026-01-01' + CAST(range AS INTEGER) AS dia, "
          "CAST(DATE '2026-01-01' + CAST(range AS INTEGER) AS TIMESTAMP) + INTERVAL 510 MINUTES AS momento, "
          "range % 3 = 0 AS tercero, "
          "CASE WHEN range % 4 = 0 THEN NULL ELSE 'x<&>\"' END AS raro FROM range(500)")
    out = os.path.join(work, "x.xlsx")
    plaza(db, "export", "x", "--to", out, "--quiet")
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    expected_header = ("id", "texto", "cuarto", "monto", "dia", "momento", "tercero", "raro")
    failures = 0
    if rows[0] != expected_header or len(rows) != 501:
        print("DIFFERENT excel header or row count: %s, %d rows" % (rows[0], len(rows)))
        return 1
    for n, row in enumerate(rows[1:]):
        wanted = (n, "fila ñ %d" % n, n * 0.25, float(round(n * 1.5, 2)),
                  datetime.datetime(2026, 1, 1) + datetime.timedelta(days=n),
                  datetime.datetime(2026, 1, 1, 8, 30) + datetime.timedelta(days=n), n % 3 == 0,
                  None if n % 4 == 0 else 'x<&>"')
        if row != wanted:
            failures += 1
            if failures < 5:
                print("DIFFERENT excel row %d:\n  openpyxl: %s\n  expected: %s" % (n, row, wanted))
    back = plaza_rows(db, "SELECT count(*), sum(id), CAST(sum(monto) AS DOUBLE), max(dia), max(momento) FROM '%s'" % out)
    mine = plaza_rows(db, "SELECT count(*), sum(id), CAST(sum(monto) AS DOUBLE), max(dia), max(momento) FROM x")
    if back != mine:
        failures += 1
        print("DIFFERENT excel read back: %s\n  table: %s" % (back, mine))
    if not failures:
        print("ok excel: Plaza's workbook reads alike in openpyxl and in Plaza")
    return failures


if __name__ == "__main__":
    main()
