"""Scan over the function catalog (issue 21): ns per value per core of every scalar function family,
Plaza against DuckDB, on one generated table, in one run.

Usage (from the repository root, with the Compare venv, which has duckdb 2.0.1 and pyarrow):
    Benchmarks/Compare/.venv/bin/python Benchmarks/Kernels/functions.py \
        [--rows 10000000] [--threads 2] [--runs 5] [--plaza PATH] [--data DIR] [--only REGEX]

Each function is one query that evaluates it on every row and consumes the result cheaply:
`sum(f(x))` for numbers, `max(f(x))` for text and times, `count(*) … WHERE f(x)` for predicates.
Its baseline is the same shape over the bare columns it reads (`sum(x)`, `max(s)`, `count(*) WHERE x IS
NOT NULL`), and ns/value/core = (median ms − baseline median ms) × threads / rows. DuckDB is timed on its
connection, Plaza in process (`plaza query --repeat --timer`), both warm (Compare/sidebyside.py). Every
answer is compared between the engines. The table is printed and written to
Benchmarks/Kernels/results/functions-<rows>.md.
"""
import argparse
import datetime
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "Benchmarks" / "Compare"))
import compare  # noqa: E402
import engines  # noqa: E402
import sidebyside  # noqa: E402

# Bars of issue 21: a function that DuckDB runs below FAST ns/value/core and Plaza above SLOW is an offender;
# so is any where Plaza takes more than RATIO times DuckDB's time.
FAST, SLOW, RATIO = 1.0, 5.0, 3.0

# Column -> (DuckDB type, how `sum`/`max` baselines read it). Plaza stores INTEGER as BIGINT.
COLUMNS = {
    "i": "BIGINT", "n": "INTEGER", "d": "DOUBLE", "m": "DECIMAL(12,2)", "lo": "VARCHAR", "hi": "VARCHAR",
    "num": "VARCHAR", "dt": "DATE", "ts": "TIMESTAMP", "b": "BOOLEAN",
}
NUMERIC = {"i", "n", "d", "m"}

# 40 low-cardinality texts: accents, mixed case, some with spaces around (trim), one with a comma.
PLACES = ["Coyoacán", "Tlalpan", "IZTAPALAPA", "Benito Juárez", "Cuauhtémoc", "Álvaro Obregón", "miguel hidalgo",
          "Gustavo A. Madero, GAM"]
SUFFIXES = ["", " Norte", " Sur", "  ", " centro "]
LOW = [(" " if k % 3 == 0 else "") + p + s for k, (p, s) in enumerate((p, s) for p in PLACES for s in SUFFIXES)]


def generation_sql(rows, path):
    """DuckDB SQL that writes the table as Parquet: deterministic (hashes of the row number), ~5% NULLs."""
    low = "[" + ", ".join("'" + s.replace("'", "''") + "'" for s in LOW) + "]"
    words = "['alpha', 'Beta', 'gamma', 'Delta', 'épsilon', 'zeta', 'ETA', 'theta']"
    def h(k):
        return f"hash(r, {k})"
    def nullable(k, expression):
        return f"CASE WHEN {h(100 + k)} % 20 = 0 THEN NULL ELSE {expression} END"
    columns = [
        nullable(1, f"({h(1)} % 2000001)::BIGINT - 1000000") + " AS i",
        nullable(2, f"({h(2)} % 100000 + 1)::INTEGER") + " AS n",
        nullable(3, f"({h(3)} % 100000000)::DOUBLE / 1000 + 0.5") + " AS d",
        nullable(4, f"((({h(4)} % 200001)::BIGINT - 100000) / 100)::DECIMAL(12,2)") + " AS m",
        nullable(5, f"{low}[({h(5)} % {len(LOW)})::BIGINT + 1]") + " AS lo",
        nullable(6, f"{words}[({h(6)} % 8)::BIGINT + 1] || ' ' || ({h(7)} % 100000000)::VARCHAR || ' ' || {words}[({h(8)} % 8)::BIGINT + 1]")
        + " AS hi",
        nullable(9, f"({h(9)} % 1000000)::VARCHAR") + " AS num",
        nullable(10, f"DATE '1990-01-01' + ({h(10)} % 15000)::INTEGER") + " AS dt",
        nullable(11, f"make_timestamp(631152000000000 + ({h(11)} % 1296000000000)::BIGINT * 1000)") + " AS ts",
        nullable(12, f"{h(12)} % 3 = 0") + " AS b",
    ]
    return (f"COPY (SELECT {', '.join(columns)} FROM range({rows}) AS g(r)) TO '{path}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE 122880)")


def catalog():
    """[(family, function, expression, shape, columns read)]; shape: sum | max | where."""
    q = []
    def add(family, name, expression, shape, columns):
        q.append((family, name, expression, shape, columns))
    for expression, cols in [
        ("i + n", ["i", "n"]), ("i - n", ["i", "n"]), ("i * n", ["i", "n"]), ("i / n", ["i", "n"]),
        ("i % n", ["i", "n"]), ("i + 3", ["i"]), ("i * 3", ["i"]), ("-i", ["i"]),
        ("n + 3", ["n"]), ("n * 3", ["n"]), ("n / 7", ["n"]), ("n % 7", ["n"]),
        ("d + 1.5", ["d"]), ("d - d", ["d"]), ("d * 1.5", ["d"]), ("d / 3.0", ["d"]), ("d % 7.0", ["d"]),
        ("-d", ["d"]), ("d + i", ["d", "i"]),
        ("m + m", ["m"]), ("m - 1.50", ["m"]), ("m * m", ["m"]), ("m * 3", ["m"]), ("m / 3", ["m"]),
        ("m % 7", ["m"]), ("-m", ["m"]), ("m + i", ["i", "m"]),
    ]:
        add("arithmetic", expression, expression, "sum", cols)
    add("arithmetic", "d * 2.5 + 1 (fused)", "d * 2.5 + 1", "sum", ["d"])
    add("arithmetic", "m * (1 - m) (TPC-H)", "m * (1 - m)", "sum", ["m"])
    # Comparisons, each type against a constant and column against column.
    for column, constant in [("i", "0"), ("n", "50000"), ("d", "50000.0"), ("m", "0.00"),
                             ("dt", "DATE '2010-06-15'"), ("ts", "TIMESTAMP '2010-06-15 12:00:00'"),
                             ("lo", "'Tlalpan Sur'"), ("hi", "'delta'")]:
        add("comparison", f"{column} > constant", f"{column} > {constant}", "where", [column])
        if column in ("i", "lo", "hi"):
            add("comparison", f"{column} = constant", f"{column} = {constant}", "where", [column])
    add("comparison", "i < n", "i < n", "where", ["i", "n"])
    add("comparison", "d >= i (mixed types)", "d >= i", "where", ["d", "i"])
    add("comparison", "i BETWEEN", "i BETWEEN -1000 AND 500000", "where", ["i"])
    add("comparison", "i IN (5 values)", "i IN (1, 2, 3, 5, 8)", "where", ["i"])
    add("comparison", "lo IN (3 values)", "lo IN ('Tlalpan', 'Tlalpan Sur', 'IZTAPALAPA')", "where", ["lo"])
    add("comparison", "i IS DISTINCT FROM n", "i IS DISTINCT FROM n", "where", ["i", "n"])
    add("comparison", "i IS NULL", "i IS NULL", "where", ["i"])
    # Casts.
    for name, expression, shape, cols in [
        ("BIGINT -> DOUBLE", "CAST(i AS DOUBLE)", "sum", ["i"]),
        ("DOUBLE -> BIGINT", "CAST(d AS BIGINT)", "sum", ["d"]),
        ("DECIMAL -> DOUBLE", "CAST(m AS DOUBLE)", "sum", ["m"]),
        ("BIGINT -> DECIMAL(18,2)", "CAST(i AS DECIMAL(18,2))", "sum", ["i"]),
        ("DECIMAL -> BIGINT", "CAST(m AS BIGINT)", "sum", ["m"]),
        ("BIGINT -> VARCHAR", "CAST(i AS VARCHAR)", "max", ["i"]),
        ("DOUBLE -> VARCHAR", "CAST(d AS VARCHAR)", "max", ["d"]),
        ("DATE -> VARCHAR", "CAST(dt AS VARCHAR)", "max", ["dt"]),
        ("VARCHAR -> BIGINT", "CAST(num AS BIGINT)", "sum", ["num"]),
        ("VARCHAR -> DOUBLE", "CAST(num AS DOUBLE)", "sum", ["num"]),
        ("TRY_CAST VARCHAR -> BIGINT", "TRY_CAST(num AS BIGINT)", "sum", ["num"]),
        ("DATE -> TIMESTAMP", "CAST(dt AS TIMESTAMP)", "max", ["dt"]),
        ("TIMESTAMP -> DATE", "CAST(ts AS DATE)", "max", ["ts"]),
        ("BOOLEAN -> BIGINT", "CAST(b AS BIGINT)", "sum", ["b"]),
    ]:
        add("cast", name, expression, shape, cols)
    # Math.
    for name, expression, cols in [
        ("abs(i)", "abs(i)", ["i"]), ("abs(d)", "abs(d - 50000)", ["d"]), ("abs(m)", "abs(m)", ["m"]),
        ("round(d)", "round(d)", ["d"]), ("round(d, 2)", "round(d, 2)", ["d"]), ("round(m, 1)", "round(m, 1)", ["m"]),
        ("floor(d)", "floor(d)", ["d"]), ("ceil(d)", "ceil(d)", ["d"]), ("floor(m)", "floor(m)", ["m"]),
        ("sqrt(d)", "sqrt(d)", ["d"]), ("ln(d)", "ln(d)", ["d"]), ("log10(d)", "log10(d)", ["d"]),
        ("power(d, 2)", "power(d, 2)", ["d"]), ("greatest(i, n)", "greatest(i, n)", ["i", "n"]),
        ("least(d, 100)", "least(d, 100.0)", ["d"]),
    ]:
        add("math", name, expression, "sum", cols)
    # Date parts and date arithmetic.
    for part in ["year", "quarter", "month", "week", "day", "dayofweek", "dayofyear"]:
        add("date part", f"{part}(dt)", f"{part}(dt)", "sum", ["dt"])
        add("date part", f"{part}(ts)", f"{part}(ts)", "sum", ["ts"])
    for part in ["hour", "minute", "second"]:
        add("date part", f"{part}(ts)", f"{part}(ts)", "sum", ["ts"])
    add("date part", "extract(year FROM ts)", "extract(year FROM ts)", "sum", ["ts"])
    add("date part", "date_part('month', dt)", "date_part('month', dt)", "sum", ["dt"])
    for part in ["year", "month", "week", "day"]:
        # Plaza's date_trunc of a DATE is a DATE, DuckDB's a TIMESTAMP (docs/SQL.md): compared as DATEs.
        add("date part", f"date_trunc('{part}', dt)", f"CAST(date_trunc('{part}', dt) AS DATE)", "max", ["dt"])
    for part in ["month", "day", "hour"]:
        add("date part", f"date_trunc('{part}', ts)", f"date_trunc('{part}', ts)", "max", ["ts"])
    add("date part", "date_diff('day', dt)", "date_diff('day', DATE '1990-01-01', dt)", "sum", ["dt"])
    add("date part", "date_diff('month', dt)", "date_diff('month', DATE '1990-01-01', dt)", "sum", ["dt"])
    add("date part", "date_diff('hour', ts)", "date_diff('hour', TIMESTAMP '1990-01-01', ts)", "sum", ["ts"])
    add("date part", "dt - DATE", "dt - DATE '1990-01-01'", "sum", ["dt"])
    add("date part", "dt + n (days)", "dt + n", "max", ["dt", "n"])
    add("date part", "dt + INTERVAL 1 MONTH", "dt + INTERVAL 1 MONTH", "max", ["dt"])
    add("date part", "ts + INTERVAL 1 DAY", "ts + INTERVAL 1 DAY", "max", ["ts"])
    add("date part", "ts + INTERVAL 1 MONTH", "ts + INTERVAL 1 MONTH", "max", ["ts"])
    add("date part", "strftime(dt)", "strftime(dt, '%Y/%m/%d')", "max", ["dt"])
    add("date part", "make_date", "make_date(2000, 1, n % 28 + 1)", "max", ["n"])
    # Text over low (dictionary) and high cardinality.
    for column in ["lo", "hi"]:
        for name, expression, shape in [
            ("lower", "lower({s})", "max"), ("upper", "upper({s})", "max"), ("length", "length({s})", "sum"),
            ("substring", "substring({s}, 2, 5)", "max"), ("trim", "trim({s})", "max"),
            ("ltrim", "ltrim({s})", "max"), ("rtrim", "rtrim({s})", "max"),
            ("concat", "concat({s}, '-x')", "max"), ("||", "{s} || '-x'", "max"),
            ("replace", "replace({s}, 'a', 'A')", "max"), ("split_part", "split_part({s}, ' ', 2)", "max"),
            ("strip_accents", "strip_accents({s})", "max"),
            ("like '%ta%'", "{s} LIKE '%ta%'", "where"), ("like 'Tl%'", "{s} LIKE 'Tl%'", "where"),
            ("like '%Sur'", "{s} LIKE '%Sur'", "where"), ("ilike '%ta%'", "{s} ILIKE '%ta%'", "where"),
            ("contains", "contains({s}, 'ta')", "where"), ("starts_with", "starts_with({s}, 'Tl')", "where"),
            ("regexp_matches", "regexp_matches({s}, 'a[lt]')", "where"),
        ]:
            add(f"text ({'dictionary' if column == 'lo' else 'high cardinality'})", f"{name}({column})",
                expression.format(s=column), shape, [column])
    # Conditionals.
    for name, expression, cols in [
        ("CASE WHEN i > 0", "CASE WHEN i > 0 THEN i ELSE 0 END", ["i"]),
        ("CASE on text", "CASE WHEN lo = 'Tlalpan' THEN 1 WHEN lo = 'IZTAPALAPA' THEN 2 ELSE 3 END", ["lo"]),
        ("CASE x WHEN (simple)", "CASE n % 4 WHEN 0 THEN 10 WHEN 1 THEN 20 ELSE 30 END", ["n"]),
        ("coalesce(i, 0)", "coalesce(i, 0)", ["i"]), ("coalesce(i, n)", "coalesce(i, n)", ["i", "n"]),
        ("nullif(n, 7)", "nullif(n, 7)", ["n"]),
        ("CASE WHEN d > 1000 (DOUBLE)", "CASE WHEN d > 1000 THEN d ELSE -d END", ["d"]),
        ("CASE WHEN m > 0 (DECIMAL)", "CASE WHEN m > 0 THEN m ELSE 0 END", ["m"]),
    ]:
        add("conditional", name, expression, "sum", cols)
    # Boolean logic.
    for name, expression, cols in [
        ("b", "b", ["b"]), ("NOT b", "NOT b", ["b"]), ("b AND i > 0", "b AND i > 0", ["b", "i"]),
        ("b OR i > 0", "b OR i > 0", ["b", "i"]), ("i > 0 AND n < 50000", "i > 0 AND n < 50000", ["i", "n"]),
        ("i > 0 OR n < 50000", "i > 0 OR n < 50000", ["i", "n"]), ("b IS TRUE", "b IS TRUE", ["b"]),
        ("NOT (i > 0)", "NOT (i > 0)", ["i"]),
    ]:
        add("boolean", name, expression, "where", cols)
    return q


def query_sql(expression, shape):
    if shape == "where":
        return f"SELECT count(*) FROM t WHERE {expression}"
    return f"SELECT {shape}({expression}) FROM t"


def baseline_sql(shape, columns):
    """The same shape over the bare columns: what reading them costs without the function."""
    if shape == "where":
        return "SELECT count(*) FROM t WHERE " + " AND ".join(f"{c} IS NOT NULL" for c in columns)
    items = [f"sum({c})" if shape == "sum" and c in NUMERIC else f"max({c})" for c in columns]
    return f"SELECT {', '.join(items)} FROM t"


def ns_per_value(ms, base_ms, rows, threads):
    return (ms - base_ms) * 1e6 * threads / rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plaza", default=str(ROOT / ".build" / "release" / "plaza"))
    parser.add_argument("--data", default=str(ROOT / "Benchmarks" / "Kernels" / "data"),
                        help="where the Parquet file and both databases go")
    parser.add_argument("--only", help="regular expression: run only the functions whose family or name match")
    parser.add_argument("--out", help="results file (default results/functions-<rows>.md; '-' for none)")
    args = parser.parse_args()

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    parquet = data / f"functions-{args.rows}.parquet"
    import duckdb
    if not parquet.exists():
        start = time.perf_counter()
        generator = duckdb.connect()
        generator.execute("SET enable_progress_bar = false")
        generator.execute(generation_sql(args.rows, parquet))
        print(f"generated {parquet} in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    work = data / f"functions-{args.rows}"
    work.mkdir(exist_ok=True)
    duck = engines.DuckDB(work, args.threads)
    duck.con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
    duck.con.execute("CHECKPOINT")
    plaza = engines.Plaza(work, args.threads, args.plaza)
    done = subprocess.run([args.plaza, "query", "--db", str(plaza.db), "--format", "none",
                           f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"plaza could not load {parquet}: {done.stderr.strip()}")

    selected = [f for f in catalog() if not args.only or re.search(args.only, f"{f[0]} {f[1]}")]
    baselines = {}
    rows = []
    for family, name, expression, shape, columns in selected:
        base = baseline_sql(shape, columns)
        if base not in baselines:
            baselines[base] = sidebyside.run_queries(duck, plaza, [(base, base)], args.runs, discard=True)[0]
        sql = query_sql(expression, shape)
        result = sidebyside.run_queries(duck, plaza, [(name, sql)], args.runs, discard=False)[0]
        rows.append((family, name, sql, result, baselines[base]))

    lines = table(rows, args)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out != "-":
        out = Path(args.out) if args.out else HERE / "results" / f"functions-{args.rows}.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
        print(f"written to {out}", file=sys.stderr)


def table(rows, args):
    """The results file: command, commit, one row per function, then the functions over the bars."""
    command = "Benchmarks/Compare/.venv/bin/python Benchmarks/Kernels/functions.py " + " ".join(sys.argv[1:])
    lines = [
        f"# Function catalog scan, {args.rows:,} rows, {args.threads} threads",
        "",
        f"`{command}`",
        "",
        f"Plaza {sidebyside.git_description(ROOT)}, DuckDB {__import__('duckdb').__version__}, "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, median of {args.runs} warm runs.",
        "ns = (query ms − baseline ms) × threads / rows: the function's cost per value per core; the baseline is the",
        "same query over the bare columns. Offender: DuckDB < 1 ns and Plaza > 5 ns, or Plaza > 3× DuckDB",
        "(ratio of the ns, counted only where Plaza's ns > 1).",
        "",
        "| family | function | DuckDB ms | Plaza ms | DuckDB base | Plaza base | DuckDB ns | Plaza ns | ratio | answer |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    offenders = []
    for family, name, sql, result, base in rows:
        _, duck_ms, _, plaza_ms, _, answer, same = result
        _, duck_base, _, plaza_base, _, _, _ = base
        if not isinstance(duck_ms, float) or plaza_ms is None or not isinstance(duck_base, float) or plaza_base is None:
            lines.append(f"| {family} | `{name}` | {duck_ms} | – | | | | | | {answer} |")
            continue
        duck_ns = ns_per_value(duck_ms, duck_base, args.rows, args.threads)
        plaza_ns = ns_per_value(plaza_ms, plaza_base, args.rows, args.threads)
        ratio = plaza_ns / max(duck_ns, 0.1)
        flag = ""
        if duck_ns < FAST and plaza_ns > SLOW:
            flag = " **bar**"
        elif plaza_ns > 1 and ratio > RATIO:
            flag = " **3×**"
        if flag:
            offenders.append((plaza_ns - duck_ns, family, name, duck_ns, plaza_ns, flag.strip()))
        lines.append(f"| {family} | `{name}` | {duck_ms:.1f} | {plaza_ms:.1f} | {duck_base:.1f} | {plaza_base:.1f} | "
                     f"{duck_ns:.2f} | {plaza_ns:.2f} | {ratio:.1f}{flag} | {answer} |")
    lines += ["", "## Over the bars (by Plaza ns − DuckDB ns)", "",
              "| family | function | DuckDB ns | Plaza ns | why |", "|---|---|---|---|---|"]
    for _, family, name, duck_ns, plaza_ns, flag in sorted(offenders, reverse=True):
        lines.append(f"| {family} | `{name}` | {duck_ns:.2f} | {plaza_ns:.2f} | {flag} |")
    return lines


if __name__ == "__main__":
    main()
