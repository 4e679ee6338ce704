"""The db-benchmark groupby questions side by side in DuckDB (a native table) and Plaza, every answer
compared.

Usage (through run.sh; generate.sh ROWS K must have run first):
    Benchmarks/GroupBy/run.sh [--rows 10M] [--k 100] [--threads 2] [--runs 5] [--queries q01,q10] [--plaza PATH]

The data is the table `x` of the H2O.ai db-benchmark (Benchmarks/Sources/DataGen/GroupByTable.swift
generates it); the ten questions are in queries/. DuckDB loads data/groupby-<rows>-<K>/x.csv into a
native database file with the same column types as Plaza's table. Both engines are timed computing
each answer whole without printing it (DuckDB fetches an Arrow table, Plaza runs with `--format none`), as
the db-benchmark times an engine building its answer table: q10's answer has about as many rows as
the table. Timing and comparison as in Compare/sidebyside.py. The report goes to stdout and to
Compare/results/groupby-<rows>-<K>.md.
"""
import argparse
import datetime
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH / "Compare"))
import compare  # noqa: E402
import engines  # noqa: E402
import sidebyside  # noqa: E402

SCHEMA = [("id1", "VARCHAR"), ("id2", "VARCHAR"), ("id3", "VARCHAR"), ("id4", "BIGINT"), ("id5", "BIGINT"),
          ("id6", "BIGINT"), ("v1", "BIGINT"), ("v2", "BIGINT"), ("v3", "DOUBLE")]


def row_count(text):
    """10M, 100K or 1000 as an integer."""
    text = text.strip().upper().replace("_", "")
    scale = {"M": 1_000_000, "K": 1000}.get(text[-1:], 1)
    return int(text[:-1] if scale > 1 else text) * scale


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10M", help="N: reads Benchmarks/data/groupby-<N>-<K>/")
    parser.add_argument("--k", type=int, default=100, help="K, the small keys' cardinality")
    parser.add_argument("--threads", type=int, default=2, help="threads each engine may use")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after one warm-up (>= 1)")
    parser.add_argument("--queries", default="", help="comma-separated query names, e.g. q01,q10 (default: all)")
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"),
                        help="the plaza binary (swift build -c release --product plaza)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one Plaza run may take")
    parser.add_argument("--memory-limit", default=None,
                        help="plaza --memory-limit and DuckDB's memory_limit (default: each engine's own)")
    parser.add_argument("--output", default=None, help="markdown file (default: Compare/results/groupby-<N>-<K>.md)")
    arguments = parser.parse_args(argv)
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    arguments.rows = row_count(arguments.rows)
    return arguments


def query_files(names):
    """(name, sql) of every question, or of the named ones."""
    files = sorted((HERE / "queries").glob("q[0-9][0-9].sql"))
    wanted = {f"q{int(n.strip().lower().lstrip('q')):02d}" for n in names if n.strip()}
    unknown = wanted - {f.stem for f in files}
    if unknown:
        raise SystemExit(f"no such question: {', '.join(sorted(unknown))} (have {', '.join(f.stem for f in files)})")
    return [(f.stem, f.read_text()) for f in files if not wanted or f.stem in wanted]


def main(argv=None):
    arguments = parse_arguments(argv)
    name = f"groupby-{arguments.rows}-{arguments.k}"
    data_dir = (BENCH / "data" / name).resolve()
    if not (data_dir / "x.csv").exists() or not (data_dir / "plaza").is_dir():
        sys.exit(f"no groupby data in {data_dir}: run `Benchmarks/GroupBy/generate.sh {arguments.rows} {arguments.k}` first")
    work = BENCH / "Compare" / "work" / name
    work.mkdir(parents=True, exist_ok=True)

    plaza = engines.Plaza(work, arguments.threads, arguments.plaza, db=data_dir / "plaza",
                          memory_limit=arguments.memory_limit, timeout=arguments.timeout)
    reason = plaza.check()
    if reason:
        sys.exit(f"cannot run Plaza: {reason}")
    engines.TABLES.clear()
    engines.TABLES["x"] = SCHEMA
    duck = engines.DuckDB(work, arguments.threads)
    if arguments.memory_limit:
        duck.con.execute(f"SET memory_limit = '{arguments.memory_limit}'")
    print("loading DuckDB …", file=sys.stderr)
    duck_load = duck.load(data_dir)
    import duckdb

    results = sidebyside.run_queries(duck, plaza, query_files(arguments.queries.split(",")), arguments.runs,
                                     discard=True)
    commit = sidebyside.git_description(Path(arguments.plaza).resolve().parent)
    report = render(arguments, results, duck_load, duckdb.__version__, commit)
    output = Path(arguments.output) if arguments.output else BENCH / "Compare" / "results" / f"{name}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(report)


def render(arguments, results, duck_load, duck_version, commit):
    """The markdown report: header, one row per question, the geometric mean and how it was timed."""
    command = "Benchmarks/GroupBy/run.sh " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    limit = arguments.memory_limit or "each engine's default"
    lines = [
        f"db-benchmark groupby, N = {arguments.rows:,}, K = {arguments.k} · Plaza {commit} (release) · DuckDB "
        f"{duck_version} · threads: {arguments.threads} · median of {arguments.runs} runs after one warm-up · "
        f"memory limit {limit} · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Machine: {compare.machine_description()}",
        f"Command: `{command.strip()}`",
        "",
    ]
    lines += sidebyside.table_lines(results)
    lines += [
        "",
        f"DuckDB: native database file loaded from the CSV ({duck_load:.1f} s), each answer fetched "
        "as an Arrow table (not as Python objects); Plaza: `--format none`, the answer computed whole and not printed; "
        + sidebyside.TIMING_NOTE,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
