#!/usr/bin/env python3
"""Writes the small Parquet fixtures of Tests/PlazaParquetTests/Fixtures with pyarrow and DuckDB.

Every file holds the same 300 rows (NULLs in every column), so the Swift tests compare each one
with expected.tsv, written here in Plaza's own text form (Value.description). Run once with
pyarrow and duckdb==2.0.1 installed; the files are committed:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow duckdb==2.0.1
    /tmp/venv/bin/python Tests/Interop/make_fixtures.py
"""
import datetime
import decimal
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PlazaParquetTests", "Fixtures")
ROWS = 300


def cell(i, column):
    """Row i's value of a column, None every 7th row (shifted per column)."""
    if (i + column) % 7 == 0:
        return None
    return True


def table():
    base_day = datetime.date(2024, 1, 1)
    base_ts = datetime.datetime(2023, 12, 31, 22, 15, 0)
    columns = {
        "i32": (pa.int32(), lambda i: (i * 37) % 1000 - 500),
        "i64": (pa.int64(), lambda i: i * 1_000_003 - 2**40),
        "f32": (pa.float32(), lambda i: (i % 50) * 0.5),
        "f64": (pa.float64(), lambda i: (i % 97) * 0.25 - 10),
        "flag": (pa.bool_(), lambda i: i % 3 == 0),
        "name": (pa.string(), lambda i: ["Álvaro Obregón", "Coyoacán", "", "calle %d" % (i % 13)][i % 4]),
        "day": (pa.date32(), lambda i: base_day + datetime.timedelta(days=i * 3 - 400)),
        "ts_ms": (pa.timestamp("ms"), lambda i: base_ts + datetime.timedelta(milliseconds=i * 1_234_567)),
        "ts_us": (pa.timestamp("us"), lambda i: base_ts + datetime.timedelta(microseconds=i * 987_654_321)),
        "ts_ns": (pa.timestamp("ns"), lambda i: base_ts + datetime.timedelta(microseconds=i * 5_000_001)),
        "amount": (pa.decimal128(9, 2), lambda i: decimal.Decimal(i * 1234 - 99_999) / 100),
        "big_amount": (pa.decimal128(18, 4), lambda i: decimal.Decimal(i * 987_654_321_017 - 10**15) / 10_000),
    }
    arrays, names = [], []
    for position, (name, (kind, make)) in enumerate(columns.items()):
        values = [make(i) if cell(i, position) else None for i in range(ROWS)]
        arrays.append(pa.array(values, type=kind))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def text(value, kind):
    """A value as Plaza prints it (PlazaCore Value.description)."""
    if value is None:
        return "NULL"
    if pa.types.is_boolean(kind):
        return "true" if value else "false"
    if pa.types.is_floating(kind):
        value = float(value)
        return "%d.0" % value if value == int(value) else repr(value)
    if pa.types.is_timestamp(kind):
        s = value.strftime("%Y-%m-%d %H:%M:%S")
        return s + (".%06d" % value.microsecond if value.microsecond else "")
    if pa.types.is_date(kind):
        return value.isoformat()
    return str(value)


def main():
    os.makedirs(OUT, exist_ok=True)
    t = table()
    with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8") as f:
        f.write("\t".join(t.column_names) + "\n")
        columns = [c.to_pylist() for c in t.columns]
        for i in range(ROWS):
            f.write("\t".join(text(columns[c][i], t.schema.field(c).type) for c in range(len(columns))) + "\n")

    def write(name, **options):
        pq.write_table(t, os.path.join(OUT, name), row_group_size=128, **options)

    write("plain_none.parquet", use_dictionary=False, compression="none")
    write("dict_snappy.parquet", compression="snappy")
    write("dict_gzip.parquet", compression="gzip")
    write("dict_zstd_v2.parquet", compression="zstd", data_page_version="2.0")
    write("dict_lz4raw.parquet", compression="lz4")
    write("plain_int96.parquet", use_dictionary=False, compression="snappy", use_deprecated_int96_timestamps=True)
    write(
        "delta_v2.parquet", use_dictionary=False, compression="zstd", data_page_version="2.0",
        column_encoding={
            "i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "day": "DELTA_BINARY_PACKED",
            "ts_us": "DELTA_BINARY_PACKED", "name": "DELTA_LENGTH_BYTE_ARRAY",
            "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT",
        })
    write(
        "delta_bytes.parquet", use_dictionary=False, compression="none",
        column_encoding={
            "name": "DELTA_BYTE_ARRAY", "amount": "DELTA_BYTE_ARRAY", "i64": "BYTE_STREAM_SPLIT",
            "ts_ms": "BYTE_STREAM_SPLIT",
        })
    nested = pa.table({"id": pa.array([1, 2]), "tags": pa.array([["a"], ["b", "c"]])})
    pq.write_table(nested, os.path.join(OUT, "nested_list.parquet"))

    import duckdb
    con = duckdb.connect()
    con.register("t", t)
    for codec in ("snappy", "zstd"):
        path = os.path.join(OUT, "duckdb_%s.parquet" % codec)
        con.execute("COPY (SELECT * FROM t) TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 100)" % (path, codec))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("fixtures: %d bytes in %s" % (total, OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
