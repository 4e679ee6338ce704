"""The 22 TPC-H queries side by side in DuckDB (native tables) and Plaza, every answer compared.

Usage (through run.sh, which makes the virtual environment; generate.sh SF must have run first):
    Benchmarks/TPCH/run.sh [--sf 1] [--threads 2] [--runs 5] [--queries q01,q06] [--plaza PATH]

DuckDB loads data/tpch-sf<SF>/*.csv into a native database file with the types of the TPC-H
specification (engines.TPCH_SCHEMA; `--duckdb-types plaza` uses the types Plaza inferred instead);
Plaza queries the database generate.sh imported. Each query: DuckDB runs once (its answer, and
the warm-up), then `--runs` timed runs in the same connection (median); Plaza runs once in a fresh
`plaza query` process (its answer; the "fresh process" column, process start and CSV output
included), then `--runs` + 1 times in one `plaza query --repeat` process, the first run discarded
(median: the "Plaza ms" column, timed as DuckDB is). Answers are compared row by row (numbers to
1e-9 relative, order-insensitive unless the query has ORDER BY). A query Plaza cannot answer is
reported with its error message, and the geometric mean of Plaza / DuckDB covers the queries whose
answers agree. The markdown table goes to stdout and to Compare/results/tpch-sf<SF>.md.
"""
import argparse
import datetime
import re
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
QUERIES = HERE / "queries"
sys.path.insert(0, str(BENCH / "Compare"))
import compare  # noqa: E402  (answer comparison and machine description, shared with compare.py)
import engines  # noqa: E402
import sidebyside  # noqa: E402
from sidebyside import error_text, geometric_mean, is_ordered  # noqa: E402,F401  (run.error_text … in test_run)


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", default="1", help="scale factor: reads Benchmarks/data/tpch-sf<SF>/")
    parser.add_argument("--threads", type=int, default=2, help="threads each engine may use")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after one warm-up (>= 1)")
    parser.add_argument("--queries", default="", help="comma-separated query names, e.g. q01,q06 (default: all 22)")
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"),
                        help="the plaza binary (swift build -c release --product plaza)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one Plaza run may take")
    parser.add_argument("--memory-limit", default="8GB", help="plaza --memory-limit (DuckDB: SET memory_limit)")
    parser.add_argument("--duckdb-types", choices=["spec", "plaza"], default="spec",
                        help="DuckDB column types: the TPC-H specification's, or the ones Plaza's import inferred")
    parser.add_argument("--output", default=None, help="markdown file (default: Compare/results/tpch-sf<SF>.md)")
    arguments = parser.parse_args(argv)
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    return arguments


def query_files(names):
    """(name, sql) of q01 … q22, or of the named ones (q1 and q01 both name the first)."""
    files = sorted(QUERIES.glob("q[0-9][0-9].sql"))
    wanted = {f"q{int(n.strip().lower().lstrip('q')):02d}" for n in names if n.strip()}
    unknown = wanted - {f.stem for f in files}
    if unknown:
        raise SystemExit(f"no such TPC-H query: {', '.join(sorted(unknown))} (have q01 … q{len(files):02d})")
    return [(f.stem, f.read_text()) for f in files if not wanted or f.stem in wanted]


def plaza_schema(plaza, table):
    """[(column, type)] of a Plaza table, through `DESCRIBE`."""
    done = subprocess.run([plaza.binary, "query", "--db", str(plaza.db), "--format", "csv", f"DESCRIBE {table}"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"DESCRIBE {table}: {done.stderr.strip()[:300]}")
    rows = plaza.rows(done.stdout)
    return [(row[0], row[1]) for row in rows]


def type_kind(name):
    """A type name without a DECIMAL's precision: import infers the smallest precision the file needs,
    so DECIMAL(8,2) and the specification's DECIMAL(15,2) hold the same values."""
    return re.sub(r"DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)", r"DECIMAL(_,\1)", name.upper())


def type_differences(schemas):
    """Notes for every column whose Plaza type is not the specification's (DECIMAL precision aside)."""
    notes = []
    for table, columns in engines.TPCH_SCHEMA.items():
        inferred = dict(schemas.get(table, []))
        for column, spec in columns:
            got = inferred.get(column)
            if got is None:
                notes.append(f"{table}.{column}: missing in Plaza's table")
            elif type_kind(got) != type_kind(spec):
                notes.append(f"{table}.{column}: Plaza inferred {got}, the specification says {spec}")
    return notes


def main(argv=None):
    arguments = parse_arguments(argv)
    data_dir = (BENCH / "data" / f"tpch-sf{arguments.sf}").resolve()
    missing = [t for t in engines.TPCH_SCHEMA if not (data_dir / f"{t}.csv").exists()]
    if missing or not (data_dir / "plaza").is_dir():
        sys.exit(f"no TPC-H data in {data_dir}: run `Benchmarks/TPCH/generate.sh {arguments.sf}` first")
    work = BENCH / "Compare" / "work" / f"tpch-sf{arguments.sf}"
    work.mkdir(parents=True, exist_ok=True)

    plaza = engines.Plaza(work, arguments.threads, arguments.plaza, db=data_dir / "plaza",
                          memory_limit=arguments.memory_limit, timeout=arguments.timeout)
    reason = plaza.check()
    if reason:
        sys.exit(f"cannot run Plaza: {reason}")
    schemas = {table: plaza_schema(plaza, table) for table in engines.TPCH_SCHEMA}
    type_notes = type_differences(schemas)

    # DuckDB reads the same CSVs into a native file with the chosen types.
    engines.TABLES.clear()
    engines.TABLES.update(schemas if arguments.duckdb_types == "plaza" else engines.TPCH_SCHEMA)
    duck = engines.DuckDB(work, arguments.threads)
    duck.con.execute(f"SET memory_limit = '{arguments.memory_limit}'")
    print("loading DuckDB …", file=sys.stderr)
    duck_load = duck.load(data_dir)
    import duckdb

    results = sidebyside.run_queries(duck, plaza, query_files(arguments.queries.split(",")), arguments.runs)

    report = render(arguments, results, type_notes, duck_load, duckdb.__version__, sidebyside.git_description(Path(arguments.plaza).resolve().parent))
    output = Path(arguments.output) if arguments.output else BENCH / "Compare" / "results" / f"tpch-sf{arguments.sf}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(report)


def render(arguments, results, type_notes, duck_load, duck_version, commit):
    """The markdown report: header, one row per query, the geometric mean and notes."""
    command = "Benchmarks/TPCH/run.sh " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines = [
        f"TPC-H SF{arguments.sf} · Plaza {commit} (release) · DuckDB {duck_version} ({arguments.duckdb_types} types) · "
        f"threads: {arguments.threads} · median of {arguments.runs} runs after one warm-up · memory limit "
        f"{arguments.memory_limit} · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Machine: {compare.machine_description()}",
        f"Command: `{command.strip()}`",
        "",
    ]
    lines += sidebyside.table_lines(results)
    lines += [
        "",
        f"DuckDB: native database file loaded from the CSVs ({duck_load:.1f} s), " + sidebyside.TIMING_NOTE,
    ]
    if type_notes:
        lines += ["", "Column types Plaza's import inferred that differ from the specification's:"]
        lines += [f"- {note}" for note in type_notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
