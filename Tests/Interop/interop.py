#!/usr/bin/env python3
"""Compares Plaza's Parquet and Arrow with pyarrow's and DuckDB's; run through Tests/Interop/run.sh.

1. Every fixture (written by pyarrow and DuckDB) is imported by `plaza import` and the same
   aggregate questions are asked of Plaza and of DuckDB over the file: the answers must match.
2. Each imported table is exported by `plaza export` (zstd, snappy, none) and read back by
   DuckDB and by pyarrow: every row must equal DuckDB's reading of the original file.
3. Arrow IPC streams Plaza writes (`plaza export --format arrow`, and `plaza serve`'s
   `"format": "arrow"`) are read by `pyarrow.ipc.open_stream`: every type with NULLs, unicode,
   several batches and empty results must equal DuckDB's answer to the same query.
"""
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

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
    with tempfile.TemporaryDirectory() as work:
        failures += check_arrow(work)
    if failures:
        raise SystemExit("interop: %d differences" % failures)
    print("interop: every fixture reads alike in Plaza and DuckDB; Plaza's files and Arrow streams read alike in "
          "DuckDB and pyarrow")


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


# Every type Plaza stores, with NULLs and unicode, over 5,000 rows (three batches of at most 2,048).
ARROW_SQL = (
    "SELECT range AS id, CASE WHEN range % 7 = 0 THEN NULL ELSE 'fila ñ 🦜 ' || range END AS texto, "
    "CASE WHEN range % 5 = 0 THEN NULL ELSE CAST(range AS DOUBLE) * 0.25 END AS cuarto, "
    "CASE WHEN range % 6 = 0 THEN NULL ELSE CAST(range * 1.5 - 1000 AS DECIMAL(10, 2)) END AS monto, "
    "CASE WHEN range % 8 = 0 THEN NULL ELSE DATE '2026-01-01' + CAST(range * 10 - 25000 AS INTEGER) END AS dia, "
    "CASE WHEN range % 9 = 0 THEN NULL ELSE CAST(DATE '2026-01-01' + CAST(range AS INTEGER) AS TIMESTAMP) "
    "+ INTERVAL 510 MINUTES END AS momento, "
    "CASE WHEN range % 10 = 0 THEN NULL ELSE range % 3 = 0 END AS tercero, "
    "CASE WHEN range % 11 = 0 THEN NULL ELSE INTERVAL '1 year 2 months 3 days 04:05:06' END AS lapso "
    "FROM range(5000) ORDER BY id")
ARROW_TYPES = ["int64", "string", "double", "decimal128(10, 2)", "date32[day]", "timestamp[us]", "bool",
               "month_day_nano_interval"]


def check_arrow(work):
    """Plaza's Arrow streams, from a file and from the server, read in pyarrow as DuckDB answers."""
    import pyarrow
    import pyarrow.ipc as ipc
    failures = 0
    expected = duckdb.sql(ARROW_SQL).to_arrow_table().to_pylist()
    db = os.path.join(work, "arrow-db")
    plaza(db, "query", "CREATE TABLE t AS SELECT 1 AS uno")

    def compare(what, data, rows, batches=None):
        reader = ipc.open_stream(data)
        got = list(reader)
        schema = reader.schema
        problems = []
        if [str(field.type) for field in schema][:len(ARROW_TYPES)] != ARROW_TYPES[:len(schema)]:
            problems.append("types %s" % [str(field.type) for field in schema])
        if batches is not None and [b.num_rows for b in got] != batches:
            problems.append("batches of %s rows" % [b.num_rows for b in got])
        table = pyarrow.Table.from_batches(got, schema)
        table.validate(full=True)
        mine = table.to_pylist()
        if mine != rows:
            row = next((n for n, (a, b) in enumerate(zip(mine, rows)) if a != b), min(len(mine), len(rows)))
            problems.append("%d rows, expected %d; row %d: %s, expected %s"
                            % (len(mine), len(rows), row, mine[row:row + 1], rows[row:row + 1]))
        for problem in problems:
            print("DIFFERENT arrow %s: %s" % (what, problem))
        return len(problems)

    out = os.path.join(work, "x.arrows")
    plaza(db, "export", ARROW_SQL, "--to", out, "--format", "arrow", "--quiet")
    with open(out, "rb") as f:
        failures += compare("export", f.read(), expected, [2048, 2048, 904])
    empty = os.path.join(work, "empty.arrows")
    plaza(db, "query", "COPY (" + ARROW_SQL.replace("ORDER BY", "WHERE range < 0 ORDER BY") + ") TO '%s'" % empty)
    with open(empty, "rb") as f:
        failures += compare("empty COPY", f.read(), [], [])

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([PLAZA, "serve", "--db", db, "--port", str(port), "--max-rows", "4500"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/version").read()
                break
            except OSError:
                time.sleep(0.1)

        def post(body):
            request = urllib.request.Request(base + "/api/query", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                return response.headers["Content-Type"], response.read()

        kind, data = post({"sql": ARROW_SQL, "format": "arrow"})
        if kind != "application/vnd.apache.arrow.stream":
            failures += 1
            print("DIFFERENT arrow content type: %s" % kind)
        failures += compare("served", data, expected[:4500])
        _, data = post({"sql": ARROW_SQL, "format": "arrow", "limit": 3})
        failures += compare("served with limit 3", data, expected[:3], [3])
        query = urllib.parse.urlencode({"sql": "SELECT id FROM (%s) AS x WHERE id < 0" % ARROW_SQL, "format": "arrow"})
        with urllib.request.urlopen(base + "/api/query?" + query) as response:
            failures += compare("served empty", response.read(), [], [])
        try:
            post({"sql": "SELECT nada FROM t", "format": "arrow"})
            failures += 1
            print("DIFFERENT arrow error: a bad query answered 200")
        except urllib.error.HTTPError as error:
            body = json.loads(error.read())
            if error.code != 400 or body["error"]["kind"] != "binding":
                failures += 1
                print("DIFFERENT arrow error: %d %s" % (error.code, body))
    finally:
        server.terminate()
        server.wait()
    if not failures:
        print("ok arrow: Plaza's Arrow streams (file and server) read in pyarrow as DuckDB answers")
    return failures


if __name__ == "__main__":
    main()
