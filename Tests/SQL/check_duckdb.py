#!/usr/bin/env python3
"""Runs a logic-test file (Tests/SQL/**/*.test) against DuckDB and reports every record whose
outcome differs: a statement's success or failure, a query's rows. Records may name a session
(`statement ok con2`, `query I rowsort con2`); each name is its own DuckDB connection to one
database file, as the Swift runner gives each its own Plaza session.

    python3 Tests/SQL/check_duckdb.py Tests/SQL/dml/transactions.test

`table` records are not supported (use CREATE TABLE … AS in such files). Needs `pip install duckdb`.
"""
import decimal
import os
import sys
import tempfile

import duckdb


def text(value):
    """A value as the Swift runner prints it (NULL, true/false, decimals with their scale)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)


def records(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        number = index + 1
        index += 1
        if not line or line.startswith("#"):
            continue
        words = line.split()
        sql = []
        while index < len(lines) and lines[index].strip() and lines[index].strip() != "----":
            if not lines[index].startswith("#"):
                sql.append(lines[index])
            index += 1
        expected = []
        if index < len(lines) and lines[index].strip() == "----":
            index += 1
            while index < len(lines) and lines[index].strip():
                expected.append(lines[index])
                index += 1
        connection = next((w for w in words[1:] if w.startswith("con")), "")
        yield number, words, "\n".join(sql), expected, connection


def main(path):
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        database = os.path.join(scratch, "check.duckdb")
        first = duckdb.connect(database)
        connections = {"": first}
        for number, words, sql, expected, name in records(path):
            if name not in connections:
                connections[name] = first.cursor()
            connection = connections[name]
            if words[0] == "statement":
                try:
                    connection.execute(sql)
                    ok = True
                except duckdb.Error as error:
                    ok, message = False, str(error).split("\n")[0]
                if ok != (words[1] == "ok"):
                    failures += 1
                    print(f"{path}:{number}: expected {words[1]}, DuckDB " + ("succeeded" if ok else f"failed: {message}"))
            elif words[0] == "query":
                try:
                    rows = connection.execute(sql).fetchall()
                except duckdb.Error as error:
                    failures += 1
                    print(f"{path}:{number}: DuckDB failed: {error}")
                    continue
                actual = ["\t".join(text(v) for v in row) for row in rows]
                wanted = list(expected)
                if "rowsort" in words:
                    actual.sort()
                    wanted.sort()
                if actual != wanted:
                    failures += 1
                    print(f"{path}:{number}: DuckDB gives\n" + "\n".join(actual))
            else:
                print(f"{path}:{number}: unsupported record {words[0]}")
                failures += 1
    print(f"{path}: {failures} difference(s) with DuckDB {duckdb.__version__}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(max(main(path) for path in sys.argv[1:]))
