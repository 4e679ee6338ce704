"""Side-by-side comparison of Plaza with DuckDB, chDB and Polars on the benchmark queries.

Usage (through run.sh, which makes the virtual environment):
    ./run.sh [--rows 1000000] [--threads 2] [--runs 5] [--engines duckdb,chdb,polars,plaza] [--queries q01,q05]
"""
import argparse
import datetime
import decimal
import math
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
QUERIES = BENCH / "Queries"
ENGINE_DIRS = {"chDB": "chdb", "Polars": "polars"}  # per-engine spellings beside the shared queries


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="data set size (Benchmarks/data/<rows>/)")
    parser.add_argument("--threads", type=int, default=2, help="threads every engine may use")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after one warm-up (>= 5)")
    parser.add_argument("--engines", default="duckdb,chdb,polars,plaza")
    parser.add_argument("--tpch", default="",
                        help="also load TPC-H lineitem at this scale factor (Benchmarks/TPCH/make_lineitem.sh); "
                             "without it, queries on lineitem are skipped")
    parser.add_argument("--source", choices=["tables", "parquet"], default="tables",
                        help="tables: each engine loads the CSVs into its own format; parquet: DuckDB and Plaza query "
                             "the same Parquet files in place (written once by DuckDB, zstd) through views")
    parser.add_argument("--queries", default="", help="comma-separated prefixes, e.g. q01,q14 (default: all)")
    parser.add_argument("--plaza", default=str(BENCH.parent / ".build" / "release" / "plaza"),
                        help="the plaza binary (swift build -c release --static-swift-stdlib --package-path .. --product plaza)")
    parser.add_argument("--output", default=str(HERE / "results" / "latest.md"),
                        help="where the markdown table goes (run.sh runs from Benchmarks/Compare: relative paths start there)")
    arguments = parser.parse_args()
    if arguments.runs < 5:
        parser.error("--runs must be at least 5")
    return arguments


def load_queries(prefixes, with_tpch=True):
    """(name, {engine: sql}) for every query file, with per-engine variants where they exist."""
    queries = []
    for path in sorted(QUERIES.glob("q*.sql")):
        if prefixes and not any(path.stem.startswith(p) for p in prefixes):
            continue
        if not with_tpch and re.search(r"\blineitem\b", path.read_text()):
            continue
        texts = {"default": path.read_text()}
        for engine, folder in ENGINE_DIRS.items():
            variant = QUERIES / folder / path.name
            if variant.exists():
                texts[engine] = variant.read_text()
        queries.append((path.stem, texts))
    return queries


def normalize(value):
    """A comparable form of one result value: numbers as float, times as ISO text, NULL as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.replace("T", " ") if len(value) == 19 and value[10] == "T" else value
    return str(value)


def values_equal(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return a == b


def sort_key(row):
    return tuple((v is None, "" if v is None else (0, v, "") if isinstance(v, float) else (1, 0, v)) for v in row)


def exact_decimal(value):
    """`value` as an exact Decimal when it is one (Decimal, int, or number text), else None (floats are inexact)."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    if isinstance(value, decimal.Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, str):
        try:
            number = decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def values_match(reference, candidate):
    """Whether a candidate value agrees with the reference engine's value.

    A DECIMAL reference is exact, so an exact candidate must equal it at the reference's scale
    (its printed precision: `1234.5` matches `1234.50`); 1e-9 relative would accept a cent off in a
    TPC-H sum of 5e10. Anything else is compared after `normalize`, floats to 1e-9 relative.
    """
    if isinstance(reference, decimal.Decimal) and reference.is_finite():
        exact = exact_decimal(candidate)
        if exact is not None:
            with decimal.localcontext() as context:
                context.prec = 80
                step = decimal.Decimal(1).scaleb(min(reference.as_tuple().exponent, 0))
                return exact.quantize(step, rounding=decimal.ROUND_HALF_EVEN) == reference
    return values_equal(normalize(reference), normalize(candidate))


def shown(value):
    """A value as a difference message shows it: exact decimals (and number text) as written, the rest normalized."""
    if isinstance(value, (decimal.Decimal, int)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and exact_decimal(value) is not None:
        return str(value).strip()
    return repr(normalize(value))


def compare_rows(reference, candidate, ordered, columns=None):
    """None when the results agree, else a short description of the first difference.

    With `columns` (the reference's column names), a row that differs is described by its first
    differing column alone (`row 3, column revenue: 1.5 instead of 2.5`), which keeps wide rows short.
    """
    if len(reference) != len(candidate):
        return f"{len(candidate)} rows instead of {len(reference)}"
    reference, candidate = [tuple(row) for row in reference], [tuple(row) for row in candidate]
    if not ordered:
        def by_value(row):
            return sort_key(tuple(normalize(v) for v in row))
        reference, candidate = sorted(reference, key=by_value), sorted(candidate, key=by_value)
    for index, (left, right) in enumerate(zip(reference, candidate)):
        if len(left) != len(right):
            return f"row {index + 1}: {len(right)} columns instead of {len(left)}"
        if not all(values_match(a, b) for a, b in zip(left, right)):
            if columns is None:
                return (f"row {index + 1}: ({', '.join(shown(v) for v in right)}) instead of "
                        f"({', '.join(shown(v) for v in left)})")
            column = next(c for c, (a, b) in enumerate(zip(left, right)) if not values_match(a, b))
            name = columns[column] if column < len(columns) else f"#{column + 1}"
            return f"row {index + 1}, column {name}: {shown(right[column])} instead of {shown(left[column])}"
    return None


def time_query(engine, sql, runs):
    """(median ms, median in-engine ms or None, result) after one warm-up and `runs` timed runs."""
    engine.run(sql)
    wall, inside, result = [], [], None
    for _ in range(runs):
        start = time.perf_counter()
        result, own = engine.run(sql)
        wall.append((time.perf_counter() - start) * 1000)
        if own is not None:
            inside.append(own)
    if hasattr(engine, "warm_times"):
        # The engine's own time, measured like DuckDB's: repeated runs in one process after a warm-up.
        inside = engine.warm_times(sql, runs)
    return statistics.median(wall), (statistics.median(inside) if inside else None), result


def machine_description():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main():
    arguments = parse_arguments()
    os.environ["POLARS_MAX_THREADS"] = str(arguments.threads)  # read when polars is first imported
    import engines

    data_dir = (BENCH / "data" / str(arguments.rows)).resolve()
    if not (data_dir / "reportes.csv").exists():
        sys.exit(f"no data in {data_dir}: run `swift run -c release plaza-datagen --rows {arguments.rows}` "
                 "in Benchmarks/ first")
    if arguments.tpch:
        tpch_dir = BENCH / "data" / f"tpch-sf{arguments.tpch}"
        if not (tpch_dir / "lineitem.csv").exists():
            sys.exit(f"no lineitem in {tpch_dir}: run `Benchmarks/TPCH/make_lineitem.sh {arguments.tpch}` first")
        engines.TABLES.update(engines.TPCH_TABLES)
        engines.CSV_DIRS["lineitem"] = tpch_dir
    work = HERE / "work" / (str(arguments.rows) + (f"-tpch{arguments.tpch}" if arguments.tpch else "")
                            + ("-parquet" if arguments.source == "parquet" else ""))
    work.mkdir(parents=True, exist_ok=True)
    wanted = [name.strip().lower() for name in arguments.engines.split(",") if name.strip()]
    parquet_dir = None
    if arguments.source == "parquet":
        wanted = [name for name in wanted if name in ("duckdb", "plaza")]
        print("writing the Parquet files (once) …", file=sys.stderr)
        name = f"parquet-{arguments.rows}" + (f"-tpch{arguments.tpch}" if arguments.tpch else "")
        parquet_dir = engines.make_parquet(data_dir, HERE / "work" / name, arguments.threads)
    makers = {"duckdb": lambda: engines.DuckDB(work, arguments.threads),
              "chdb": lambda: engines.ChDB(work, arguments.threads),
              "polars": lambda: engines.Polars(work, arguments.threads),
              "plaza": lambda: engines.Plaza(work, arguments.threads, arguments.plaza)}
    active, notes, loads = [], [], {}
    for key in wanted:
        if key not in makers:
            sys.exit(f"unknown engine {key!r} (choose from {', '.join(makers)})")
        engine = makers[key]()
        if key == "plaza":
            reason = engine.check()
            if reason:
                notes.append(f"Plaza skipped: {reason}")
                print(f"Plaza skipped: {reason}", file=sys.stderr)
                continue
        print(f"loading {engine.name} …", file=sys.stderr)
        try:
            seconds = engine.load(data_dir, parquet_dir)
        except Exception as error:  # an engine that cannot load is reported, not fatal
            notes.append(f"{engine.name} skipped: load failed: {error}")
            print(f"{engine.name} load failed: {error}", file=sys.stderr)
            continue
        loads[engine.name] = (seconds, engine.size_bytes())
        active.append(engine)

    queries = load_queries([p.strip() for p in arguments.queries.split(",") if p.strip()], bool(arguments.tpch))
    table = []  # (query, {engine: ms or error text}, plaza_inside_ms, differences)
    for name, texts in queries:
        times, differences, inside, reference = {}, [], None, None
        for engine in active:
            sql = texts.get(engine.name, texts["default"])
            try:
                ms, own, result = time_query(engine, sql, arguments.runs)
                rows = engine.rows(result)
            except Exception as error:
                times[engine.name] = f"error: {str(error).splitlines()[0][:120] if str(error) else type(error).__name__}"
                continue
            times[engine.name] = ms
            if own is not None:
                inside = own
            if reference is None:
                reference = (engine.name, rows)
            else:
                difference = compare_rows(reference[1], rows, ordered="ORDER BY" in texts["default"].upper())
                if difference:
                    differences.append(f"{engine.name} vs {reference[0]}: {difference}")
        table.append((name, times, inside, differences))
        shown = ", ".join(f"{k} {v:.1f} ms" if isinstance(v, float) else f"{k} {v}" for k, v in times.items())
        print(f"{name}: {shown}" + (f"  DIFF {differences}" if differences else ""), file=sys.stderr)

    csv_bytes = sum(Path(engines.csv_file(data_dir, name)).stat().st_size for name in engines.TABLES)
    if parquet_dir is not None:
        for engine in active:  # the data both read is the Parquet files, not an engine's own copy
            loads[engine.name] = (loads[engine.name][0], engines.directory_size(parquet_dir))
    report = render(arguments, active, loads, table, notes, csv_bytes)
    output = Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(report)


def render(arguments, active, loads, table, notes, csv_bytes):
    names = [engine.name for engine in active]
    has_plaza = "Plaza" in names
    source = " · source: the same Parquet files, read in place by each engine" if arguments.source == "parquet" else ""
    lines = [f"Rows: {arguments.rows:,}{source} · threads: {arguments.threads} · median of {arguments.runs} runs after one "
             f"warm-up · {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"Machine: {machine_description()}", ""]
    header = ["query"] + [f"{n} ms" for n in names]
    if has_plaza:
        header += ["Plaza in-process ms", "Plaza / DuckDB", "in-process / DuckDB"]
    header.append("same rows")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    logs = {n: [] for n in names}
    ratios, inside_ratios = [], []
    for name, times, inside, differences in table:
        cells = [name]
        for n in names:
            value = times.get(n, "–")
            cells.append(f"{value:.1f}" if isinstance(value, float) else str(value))
            if isinstance(value, float) and value > 0:
                logs[n].append((name, math.log(value)))
        if has_plaza:
            cells.append(f"{inside:.1f}" if inside is not None else "–")
            plaza, duck = times.get("Plaza"), times.get("DuckDB")
            if isinstance(plaza, float) and isinstance(duck, float) and duck > 0:
                ratios.append(math.log(plaza / duck))
                cells.append(f"{plaza / duck:.2f}")
            else:
                cells.append("–")
            if inside and isinstance(duck, float) and duck > 0:
                inside_ratios.append(math.log(inside / duck))
                cells.append(f"{inside / duck:.2f}")
            else:
                cells.append("–")
        failed = any(not isinstance(times.get(n), float) for n in names)
        cells.append("**no**" if differences else "not all ran" if failed else "yes")
        lines.append("| " + " | ".join(cells) + " |")
    # Geometric means over the queries that every engine answered, so that columns are comparable.
    common = set.intersection(*(set(q for q, _ in logs[n]) for n in names)) if names else set()
    geo = ["geometric mean"]
    for n in names:
        values = [v for q, v in logs[n] if q in common]
        geo.append(f"{math.exp(sum(values) / len(values)):.1f}" if values else "–")
    if has_plaza:
        geo += ["", f"{math.exp(sum(ratios) / len(ratios)):.2f}" if ratios else "–",
                f"{math.exp(sum(inside_ratios) / len(inside_ratios)):.2f}" if inside_ratios else "–"]
    geo.append(f"{len(common)} queries")
    lines += ["| " + " | ".join(geo) + " |", ""]
    lines += [f"| engine | import s ({csv_bytes / 1e6:.0f} MB of CSV) | import MB/s | on disk MB |", "|---|---|---|---|"]
    for n in names:
        seconds, size = loads[n]
        lines.append(f"| {n} | {seconds:.1f} | {csv_bytes / 1e6 / seconds:.0f} | {size / 1e6:.1f} |")
    if has_plaza:
        lines += ["", "Plaza is timed through the CLI (process start and CSV output included); the in-process "
                      "column is its own `--timer` figure for the median of the same number of runs made in one `plaza query "
                      "--repeat` process after a warm-up, as DuckDB is timed in one connection (catalog open and footers "
                      "read once; process start and the first open are in the CLI column)."]
    lines += ["", "DuckDB: native file; chDB: MergeTree (ORDER BY the creation date, LowCardinality text); Polars: "
                  "lazy scan of a Parquet copy (import = CSV → Parquet). Geometric means cover the queries every "
                  "engine answered."]
    problems = [(name, d) for name, _, _, ds in table for d in ds]
    if problems or notes:
        lines += ["", "Notes and differences:"]
        lines += [f"- {note}" for note in notes]
        lines += [f"- {name}: {d}" for name, d in problems]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
