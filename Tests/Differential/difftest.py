"""Differential testing of Plaza against DuckDB: random tables, random queries, every result compared.

Usage (through run.sh, which makes the virtual environment):
    Tests/Differential/run.sh --queries 20000 --seed 1
Prints a summary and writes each difference, with a shrunk repro in logic-test form, to the report.
"""

import argparse
import collections
import datetime
import os
import random
import re
import shutil
import subprocess
import sys
import time

import compare
import datagen
import querygen
from engines import DuckDB, PlazaCrash, PlazaShell, parse_csv

# Query shapes counted apart in the summary (a query may count in several): text that marks them.
SHAPES = [
    ("with window functions", [" OVER "]),
    ("with QUALIFY or a capped ranking", [" QUALIFY ", ") AS w WHERE r "]),
    ("with grouping sets", ["GROUPING SETS", "ROLLUP (", "CUBE ("]),
]

# The constructs of issue 17 the generator tags its queries with (querygen_composite.py), in summary order.
CONSTRUCTS = ["set operation", "UNION BY NAME", "IN/NOT IN subquery", "scalar subquery", "correlated scalar subquery",
              "correlated in HAVING", "ANY/ALL", "correlated IN", "correlated on two columns", "correlated two levels",
              "correlated two levels out", "correlated in an aggregate argument", "correlated in FILTER",
              "correlated GROUP BY key", "correlated in an outer join's ON", "correlated beside a window function",
              "correlated with a window inside", "correlated derived table", "outer aggregate in a subquery",
              "CTE used twice", "WITH RECURSIVE", "VALUES", "range/generate_series"]

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000, help="how many random queries to run")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the tables and queries")
    parser.add_argument("--plaza", required=True, help="the plaza binary")
    parser.add_argument("--work", default=os.path.join(HERE, "work"), help="where databases and CSV files go")
    parser.add_argument("--report", help="the report file (default: WORK/report-seed-S.md)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a Plaza query counts as hung")
    parser.add_argument("--shrink", type=int, default=1, help="differences per class to shrink to a small repro")
    parser.add_argument("--tables-per-seed", type=int, default=2000,
                        help="queries before new random tables are made")
    parser.add_argument("--max-seconds", type=float, default=0,
                        help="stop generating queries after this long (0: no limit); the summary says how many ran")
    parser.add_argument("--verbose", action="store_true", help="print every difference as it is found")
    return parser.parse_args()


def error_class(message):
    """An error message reduced to a class: numbers, quoted names and carets removed."""
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    first = re.sub(r"^Error: ", "", first)
    first = re.sub(r'"[^"]*"', '"…"', first)
    first = re.sub(r"'[^']*'", "'…'", first)
    first = re.sub(r"-?\d+(\.\d+)?", "N", first)
    first = re.sub(r"\(.*", "", first)
    return first[:90].strip()


def intended(query_sql, plaza_error, duck_types):
    """The name of a documented difference that explains a Plaza-only error, else None."""
    if plaza_error is None or duck_types is None:
        return None
    lowered = plaza_error.lower()
    if re.search(r"a correlated subquery is supported in WHERE(,| and)|a correlated subquery is not supported here"
                 r"|in a FULL join's ON that reads both sides"
                 r"|belongs to an enclosing query|a correlated scalar subquery (must compute one aggregate|may compare)"
                 r"|a correlated subquery (over VALUES|with grouping sets|with window functions)",
                 plaza_error):
        # Correlated shapes Plaza does not unnest: over a set operation, with windows, in ON (docs/SQL.md).
        return "a correlated subquery Plaza does not unnest: an error that says so (docs/SQL.md)"
    if re.search(r"out of range for DECIMAL|could not convert BIGINT value \S+ to DECIMAL\(18,", plaza_error):
        # Our data stay far below DuckDB's 38 digits: a Plaza DECIMAL overflow is the 18-digit cap.
        return "DECIMAL is at most 18 digits in Plaza, 38 in DuckDB"
    if re.search(r"could not convert DECIMAL\(\d+,\d+\) value \S+ to DECIMAL\(18,", plaza_error):
        # Two DECIMALs unified to DECIMAL(18, larger scale): a value with too many digits (documented).
        return "DECIMAL is at most 18 digits in Plaza, 38 in DuckDB"
    if "overflow" in lowered or "out of range" in lowered or "does not fit" in lowered:
        for type_name in duck_types:
            if type_name == "HUGEINT":
                return "sum(BIGINT) is BIGINT in Plaza, HUGEINT in DuckDB"
            match = re.match(r"DECIMAL\((\d+),", type_name)
            if match and int(match.group(1)) > 18:
                return "DECIMAL is at most 18 digits in Plaza, 38 in DuckDB"
        if re.search(r"\b(sum|avg|mean)\(", query_sql) and "DECIMAL" in " ".join(duck_types):
            return "DECIMAL is at most 18 digits in Plaza, 38 in DuckDB"
    return None


class Session:
    """The tables of one seed in both engines."""

    def __init__(self, args, seed, generation):
        self.args = args
        self.rng = random.Random("%d/%d" % (seed, generation))
        self.directory = os.path.join(args.work, "seed-%d-%d" % (seed, generation))
        shutil.rmtree(self.directory, ignore_errors=True)
        os.makedirs(self.directory)
        self.database = os.path.join(self.directory, "db")
        self.tables = datagen.make_tables(self.rng)
        self.types = {}
        self.paths = {}
        for table in self.tables:
            path = os.path.join(self.directory, table.name + ".csv")
            self.paths[table.name] = path
            with open(path, "w", encoding="utf-8") as file:
                file.write(datagen.table_csv(table))
            subprocess.run(
                [args.plaza, "import", "--db", self.database, "--table", table.name, "--replace", "--quiet",
                 "--delimiter", ",", "--encoding", "utf-8", "--null", "\\N", path],
                check=True)
        self.plaza = PlazaShell(args.plaza, self.database, args.timeout)
        self.duck = DuckDB()
        for table in self.tables:
            self.types[table.name] = self.describe(table.name)
            intended_types = [column.sql_type for column in table.columns]
            if self.types[table.name] != intended_types:
                print("note: %s imported as %s (intended %s)" % (table.name, self.types[table.name], intended_types))
            self.duck.create(table, self.types[table.name], self.paths[table.name])
        self.generator = querygen.QueryGenerator(
            self.rng, {t.name: list(zip([c.name for c in t.columns], self.types[t.name])) for t in self.tables})

    def describe(self, name):
        output = self.plaza.raw("DESCRIBE " + name)
        rows = [[text for text, _ in row] for row in parse_csv(output)[1:]]
        return [row[1].replace(" ", "") if row[1].startswith("DECIMAL") else row[1] for row in rows]

    def check_tables(self):
        """Every table reads back the same in both engines (the import is the first thing tested)."""
        problems = []
        for table in self.tables:
            columns = ", ".join("%s AS c%d" % (column.name, n) for n, column in enumerate(table.columns))
            sql = "SELECT %s FROM %s" % (columns, table.name)
            outcome = run_both(self, sql)
            if outcome[0] != "agree":
                problems.append((table.name, outcome))
        return problems


def run_both(session, sql, ordered=False, modes=None):
    """(class, detail, plaza outcome, duckdb outcome)."""
    try:
        plaza = session.plaza.run(sql)
    except PlazaCrash as crash:
        plaza = ("crash", str(crash))
    duck = session.duck.run(sql)
    if plaza[0] == "crash":
        kind = "hang" if "no answer" in plaza[1] else "crash"
        return (kind, plaza[1][:300], plaza, duck)
    if plaza[0] == "ok" and duck[0] == "ok":
        reason = compare.compare(plaza[2], duck[2], duck[1], ordered, modes)
        if reason is None:
            return ("agree", None, plaza, duck)
        return ("differ", reason, plaza, duck)
    if plaza[0] == "error" and duck[0] == "error":
        return ("both-error", None, plaza, duck)
    if plaza[0] == "error":
        label = intended(sql, plaza[1], None)
        return ("plaza-error", error_class(plaza[1]), plaza, duck)
    return ("duckdb-error", error_class(duck[1]), plaza, duck)


def classify(session, query):
    outcome = run_both(session, query.sql, query.ordered, query.modes)
    kind, detail, plaza, duck = outcome
    if kind == "plaza-error":
        # Only DuckDB answered: is it a documented difference? Ask DuckDB for the result types.
        label = intended(query.sql, plaza[1], duck[1])
        if label:
            return ("intended", label, plaza, duck)
    return outcome


def class_name(kind, detail):
    if kind == "differ":
        return "differ: " + re.sub(r"\d+", "N", detail.split(":")[0])
    if kind in ("plaza-error", "duckdb-error", "intended"):
        return "%s: %s" % (kind, detail)
    return kind


def used_tables(sql):
    return [name for name in ("t1", "t2", "t3") if re.search(r"\b%s\b" % name, sql)]


def logic_type_letters(types):
    letters = ""
    for type_name in types:
        if type_name.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER")):
            letters += "I"
        elif type_name.startswith(("DOUBLE", "FLOAT", "DECIMAL")):
            letters += "R"
        elif type_name == "BOOLEAN":
            letters += "B"
        else:
            letters += "T"
    return letters


class Shrinker:
    """Removes rows from the tables a query reads while the same kind of difference stays."""

    def __init__(self, session, budget=80):
        self.session = session
        self.budget = budget
        self.counter = 0

    def attempt(self, sql, query, rows_by_table, target_kind):
        """Whether the query still shows `target_kind` on these rows (positions per table)."""
        self.counter += 1
        renamed = sql
        for table_name, positions in rows_by_table.items():
            table = next(t for t in self.session.tables if t.name == table_name)
            name = "r%d_%s" % (self.counter, table_name)
            path = os.path.join(self.session.directory, name + ".csv")
            all_rows = table.rows()
            with open(path, "w", encoding="utf-8") as file:
                file.write(datagen.table_csv(table, [all_rows[p] for p in positions]))
            output = self.session.plaza.raw(".import %s %s" % (path, name))
            if "Error" in output or self.session.describe(name) != self.session.types[table_name]:
                return False
            self.session.duck.subset(table_name, name, positions)
            renamed = re.sub(r"\b%s\b" % table_name, name, renamed)
        outcome = run_both(self.session, renamed, query.ordered, query.modes)
        return outcome[0] == target_kind

    def shrink(self, query, kind):
        """Row positions per table, after removing chunks of rows (halves, quarters, … single rows)."""
        tables = used_tables(query.sql)
        rows = {name: list(range(next(t for t in self.session.tables if t.name == name).row_count)) for name in tables}
        attempts = 0
        for name in tables:
            chunk = max(1, len(rows[name]) // 2)
            while attempts < self.budget:
                start = 0
                while start < len(rows[name]) and attempts < self.budget:
                    candidate = dict(rows)
                    candidate[name] = rows[name][:start] + rows[name][start + chunk:]
                    attempts += 1
                    if candidate[name] and self.attempt(query.sql, query, candidate, kind):
                        rows = candidate
                    else:
                        start += chunk
                if chunk == 1:
                    break
                chunk = max(1, chunk // 2)
        return rows

    def repro(self, query, rows, duck):
        lines = ["# name: differential/REPLACE.test", "# description: found by Tests/Differential (DuckDB 2.0.1)", ""]
        for name, positions in rows.items():
            table = next(t for t in self.session.tables if t.name == name)
            all_rows = table.rows()
            table_rows = [all_rows[p] for p in positions]
            columns = ", ".join("%s %s" % (c.name, t) for c, t in zip(table.columns, self.session.types[name]))
            lines.append("table %s(%s)" % (name, columns))
            lines.append("----")
            for row in table_rows:
                lines.append(",".join(datagen.format_csv_value(v) for v in row))
            lines.append("")
        if duck[0] == "ok":
            lines.append("query %s%s" % (logic_type_letters(duck[1]), "" if query.ordered else " rowsort"))
            lines.append(query.sql)
            lines.append("----")
            expected = sorted(compare.format_duck_rows(duck[2], limit=10**6).splitlines())
            lines.extend(expected if not query.ordered else compare.format_duck_rows(duck[2], limit=10**6).splitlines())
        else:
            lines.append("statement error")
            lines.append(query.sql)
        return "\n".join(lines)


def main():
    args = parse_arguments()
    os.makedirs(args.work, exist_ok=True)
    report_path = args.report or os.path.join(args.work, "report-seed-%d.md" % args.seed)
    start = time.time()
    counts = collections.Counter()
    shapes = {shape: collections.Counter() for shape, _ in SHAPES}
    constructs = {construct: collections.Counter() for construct in CONSTRUCTS}
    construct_classes = {construct: collections.Counter() for construct in CONSTRUCTS}
    classes = collections.Counter()
    examples = collections.defaultdict(list)
    generation = 0
    session = None
    table_problems = []
    executed = 0
    for number in range(args.queries):
        if args.max_seconds and time.time() - start > args.max_seconds:
            break
        executed += 1
        if number % args.tables_per_seed == 0:
            if session is not None:
                session.plaza.stop()
            session = Session(args, args.seed, generation)
            generation += 1
            problems = session.check_tables()
            for name, outcome in problems:
                table_problems.append((session.directory, name, outcome))
                print("table %s differs after import: %s %s" % (name, outcome[0], outcome[1]))
        query = session.generator.query()
        kind, detail, plaza, duck = classify(session, query)
        counts[kind] += 1
        for shape, words in SHAPES:
            if any(word in query.sql for word in words):
                shapes[shape][kind] += 1
        for construct in query.tags:
            constructs[construct][kind] += 1
            if kind not in ("agree", "both-error"):
                construct_classes[construct][class_name(kind, detail)] += 1
        if kind in ("agree", "both-error"):
            pass
        else:
            name = class_name(kind, detail)
            classes[name] += 1
            if len(examples[name]) < 50:
                examples[name].append((session, query, kind, detail, plaza, duck))
            if args.verbose:
                print("%s\n  %s" % (name, query.sql))
        if (number + 1) % 500 == 0:
            print("%d queries, %.0f s: %s" % (number + 1, time.time() - start, dict(counts)), flush=True)
    duration = time.time() - start

    shrunk = {}
    for name, items in examples.items():
        for session_of, query, kind, detail, plaza, duck in items[:args.shrink]:
            if kind in ("intended",):
                continue
            shrinker = Shrinker(session_of)
            try:
                rows = shrinker.shrink(query, kind)
                shrunk[id(query)] = shrinker.repro(query, rows, duck)
            except (PlazaCrash, StopIteration) as error:
                shrunk[id(query)] = "(shrinking failed: %s)" % error
    if session is not None:
        session.plaza.stop()

    summary = [
        "Differential run: seed %d, %d queries, %.0f s (%s)" % (args.seed, executed, duration,
                                                                datetime.datetime.now().strftime("%Y-%m-%d %H:%M")),
        "  agreed:            %d" % counts["agree"],
        "  both errors:       %d" % counts["both-error"],
        "  differed:          %d" % counts["differ"],
        "  Plaza-only errors: %d" % counts["plaza-error"],
        "  DuckDB-only errors: %d" % counts["duckdb-error"],
        "  intended (documented) differences: %d" % counts["intended"],
        "  crashes: %d, hangs: %d" % (counts["crash"], counts["hang"]),
        "  tables differing after import: %d" % len(table_problems),
    ]
    for shape, _ in SHAPES:
        tally = shapes[shape]
        summary.append("  %s: %d queries (%d agreed, %d both errors, %d otherwise)" % (
            shape, sum(tally.values()), tally["agree"], tally["both-error"],
            sum(tally.values()) - tally["agree"] - tally["both-error"]))
    summary.append("Constructs of issue 17 (a query may use several):")
    for construct in CONSTRUCTS:
        tally = constructs[construct]
        summary.append("  %s: %d queries (%d agreed, %d both errors, %d otherwise)" % (
            construct, sum(tally.values()), tally["agree"], tally["both-error"],
            sum(tally.values()) - tally["agree"] - tally["both-error"]))
        for name, count in construct_classes[construct].most_common(4):
            summary.append("      %5d  %s" % (count, name[:100]))
    summary.append("By class:")
    for name, count in classes.most_common():
        summary.append("  %6d  %s" % (count, name))
    print("\n".join(summary))
    with open(report_path, "w", encoding="utf-8") as report:
        report.write("# " + summary[0] + "\n\n```\n" + "\n".join(summary[1:]) + "\n```\n\n")
        for directory, name, outcome in table_problems:
            report.write("## table %s in %s differs after import: %s\n\n" % (name, directory, outcome[1]))
        for name, count in classes.most_common():
            report.write("## %s (%d)\n\n" % (name, count))
            for session_of, query, kind, detail, plaza, duck in examples[name][:max(args.shrink, 5)]:
                report.write("```sql\n%s\n```\n" % query.sql)
                report.write("- detail: %s\n" % detail)
                if plaza[0] == "ok":
                    report.write("- Plaza:\n```\n%s\n```\n" % compare.format_plaza_rows(plaza[2]))
                else:
                    report.write("- Plaza %s:\n```\n%s\n```\n" % (plaza[0], plaza[1][:1500]))
                if duck[0] == "ok":
                    report.write("- DuckDB (%s):\n```\n%s\n```\n" % (", ".join(duck[1]), compare.format_duck_rows(duck[2])))
                else:
                    report.write("- DuckDB error:\n```\n%s\n```\n" % duck[1][:1500])
                if id(query) in shrunk:
                    report.write("- repro:\n```\n%s\n```\n" % shrunk[id(query)])
                report.write("\n")
    print("report: " + report_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
