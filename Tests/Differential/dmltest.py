"""Differential testing of writes: random INSERT, DELETE and UPDATE sequences run on Plaza and on
DuckDB, and after each statement its count of changed rows and the whole changed table compared.

Usage (the virtual environment of run.sh):
    Tests/Differential/.venv/bin/python Tests/Differential/dmltest.py --plaza .build/debug/plaza \
        --statements 300 --seed 1
Exit status 1 when a statement's count, or a table after it, differs (or one engine alone fails).
"""

import argparse
import collections
import os
import sys
import time

import compare
from difftest import HERE, Session, error_class, intended
from engines import PlazaCrash


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=200, help="how many random statements to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plaza", required=True, help="the plaza binary")
    parser.add_argument("--work", default=os.path.join(HERE, "work-dml"), help="where databases and CSV files go")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a Plaza statement counts as hung")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args()


def statement(session, table):
    """A random DELETE, UPDATE or INSERT … SELECT of `table`, from the query generator's pieces."""
    generator = session.generator
    scope = generator.table_scope(table)
    where = generator.where(scope)
    kind = generator.rng.random()
    if kind < 0.35:
        # A DELETE without WHERE empties the table for the rest of the run: mostly give it one.
        for _ in range(4):
            if where:
                break
            where = generator.where(scope)
        return "DELETE FROM %s%s" % (table, where)
    if kind < 0.8:
        targets = generator.rng.sample(scope, k=min(len(scope), 1 + generator.rng.randrange(2)))
        assignments = ", ".join(
            "%s = %s" % (column.sql, generator.expr(column.type, scope, 2)) for column in targets)
        return "UPDATE %s SET %s%s" % (table, assignments, where)
    return "INSERT INTO %s SELECT * FROM %s%s" % (table, table, where)


def table_contents(session, table):
    """Every row of `table` in both engines, compared without order."""
    columns = [name for name, _ in session.generator.tables[table]]
    sql = "SELECT %s FROM %s" % (", ".join("%s AS c%d" % (name, n) for n, name in enumerate(columns)), table)
    plaza = session.plaza.run(sql)
    duck = session.duck.run(sql)
    if plaza[0] != "ok" or duck[0] != "ok":
        return "the table cannot be read: Plaza %s; DuckDB %s" % (plaza[:2], duck[:2])
    return compare.compare(plaza[2], duck[2], duck[1], False, None)


def main():
    args = parse_arguments()
    os.makedirs(args.work, exist_ok=True)
    session = Session(args, args.seed, 0)
    counts = collections.Counter()
    problems = []
    start = time.time()
    tables = list(session.generator.tables)
    for number in range(args.statements):
        table = session.generator.pick(tables)
        sql = statement(session, table)
        try:
            plaza = session.plaza.run(sql, first_column="Count")
        except PlazaCrash as crash:
            problems.append((sql, "crash: %s" % str(crash)[:300]))
            counts["crash"] += 1
            break
        duck = session.duck.run(sql)
        if plaza[0] == "error" and duck[0] == "error":
            counts["both-error"] += 1
            continue
        if plaza[0] != duck[0]:
            # One engine changed the table and the other did not: the tables part ways, so the run
            # stops here (a documented difference, such as Plaza's 18-digit DECIMAL, is not a failure).
            detail = plaza[1] if plaza[0] == "error" else duck[1]
            label = intended(sql, str(detail), []) if plaza[0] == "error" else None
            counts["intended" if label else "one-error"] += 1
            if not label:
                problems.append((sql, "only %s failed: %s" % (
                    "Plaza" if plaza[0] == "error" else "DuckDB", error_class(str(detail)))))
            else:
                print("stopped at a documented difference (%s): %s" % (label, sql))
            break
        plaza_count = plaza[2][0][0][0] if plaza[2] else "?"
        duck_count = duck[2][0][0] if duck[2] else "?"
        if str(plaza_count) != str(duck_count):
            problems.append((sql, "changed rows: Plaza %s, DuckDB %s" % (plaza_count, duck_count)))
            counts["count-differs"] += 1
        difference = table_contents(session, table)
        if difference is None:
            counts["agree"] += 1
        else:
            counts["table-differs"] += 1
            problems.append((sql, "table %s afterwards: %s" % (table, difference)))
            break
        if args.verbose:
            print(sql, plaza_count)
    session.plaza.stop()
    print("DML differential run: seed %d, %d statements, %.0f s: %s" % (
        args.seed, sum(counts.values()), time.time() - start, dict(counts)))
    for sql, problem in problems:
        print("  %s\n    %s" % (sql, problem))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
