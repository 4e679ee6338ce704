"""Side-by-side timing of a directory of queries in DuckDB and Plaza, every answer compared: the
parts TPCH/run.py and GroupBy/run.py share.

Each query: DuckDB runs once (its answer, and the warm-up), then `runs` timed runs in the same
connection (median); Plaza runs once in a fresh `plaza query` process (its answer; the "fresh process"
column, process start and CSV output included), then `runs` + 1 times in one `plaza query --repeat`
process, the first run discarded (median: the "Plaza ms" column, timed as DuckDB is). Answers are
compared row by row (numbers to 1e-9 relative, order-insensitive unless the query has ORDER BY).
"""
import math
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import compare
import engines

# A query whose first Plaza run takes longer than this is timed once more instead of `--runs` times.
SLOW_MS = 30_000



def is_ordered(sql):
    """True when the outermost query has an ORDER BY (then row order is compared too)."""
    text = re.sub(r"--[^\n]*", "", sql)
    depth, outer = 0, []
    for char in text:
        depth += char == "("
        depth -= char == ")"
        outer.append(char if depth == 0 else " ")
    return re.search(r"\bORDER\s+BY\b", "".join(outer), re.IGNORECASE) is not None


def error_text(error):
    """The first line of an engine's error, without the CLI's `Error: ` prefix, with the place its
    `LINE n:` excerpt and caret point at as `(line n, column m)`, fit for a table cell."""
    lines = (str(error).strip() or type(error).__name__).splitlines()
    first = re.sub(r"^(Error:\s*)+", "", lines[0])
    for excerpt, caret in zip(lines[1:], lines[2:]):
        place = re.match(r"LINE (\d+): ", excerpt)
        if place and caret.strip() == "^" and caret.index("^") >= len(place.group(0)):
            first += f" (line {place.group(1)}, column {caret.index('^') - len(place.group(0)) + 1})"
            break
    return first.replace("|", "\\|")[:200]


def geometric_mean(values):
    """The geometric mean of positive numbers, or None for none."""
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None



# Answers with more rows than this are compared as Arrow tables (sorted and compared column by
# column in C++) instead of as Python tuples, which for millions of rows take minutes and gigabytes.
LARGE_ANSWER_ROWS = 200_000


def duckdb_run(duck, sql, runs, discard=False):
    """(answer, column names, median ms) after the answer run (also the warm-up) and `runs` timed runs.
    The answer is a list of row tuples, or a pyarrow table when it has over LARGE_ANSWER_ROWS rows.
    With `discard`, a timed run fetches the result as an Arrow table (columnar, no Python object per
    value, which for millions of rows would cost more than the query)."""
    relation = duck.con.sql(sql)
    columns = list(relation.columns)
    table = relation.fetch_arrow_table()
    # Python rows from the same Arrow table (as compare.py reads DuckDB's answers), not a second run.
    answer = table if table.num_rows > LARGE_ANSWER_ROWS else engines.arrow_rows(table)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        if discard:
            duck.con.sql(sql).fetch_arrow_table()
        else:
            duck.con.sql(sql).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return answer, columns, statistics.median(times)


def plaza_run(plaza, sql, runs, discard=False):
    """(CSV output, fresh-process ms, median in-process ms, runs timed) or raises with Plaza's error.
    With `discard`, the timed runs compute the whole result but print nothing (`--format none`)."""
    start = time.perf_counter()
    try:
        output, _ = plaza.run(sql)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"no answer within {plaza.timeout:.0f} s (--timeout)")
    fresh = (time.perf_counter() - start) * 1000
    timed = runs if fresh < SLOW_MS else 1
    try:
        inside = statistics.median(plaza.warm_times(sql, timed, output_format="none" if discard else "csv"))
    except subprocess.TimeoutExpired:
        inside, timed = None, 0
    return output, fresh, inside, timed


def compare_large(reference, csv_text, ordered):
    """None when Plaza's CSV answer agrees with DuckDB's Arrow table `reference`, else the first
    difference: the CSV is read with the reference's column types, both tables are sorted by every
    column unless `ordered`, and columns are compared whole (floats to 1e-9 relative, NULL = NULL)."""
    import io
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = reference.column_names
    types = {name: reference.schema.field(name).type for name in names}
    candidate = pacsv.read_csv(
        io.BytesIO(csv_text.encode()),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True))
    if candidate.num_rows != reference.num_rows:
        return f"{candidate.num_rows} rows instead of {reference.num_rows}"
    if not ordered:
        keys = [(name, "ascending") for name in names]
        reference, candidate = reference.sort_by(keys), candidate.sort_by(keys)
    for name in names:
        left, right = reference[name].combine_chunks(), candidate[name].combine_chunks()
        both_null = pc.and_(pc.is_null(left), pc.is_null(right))
        if pa.types.is_floating(left.type):
            scale = pc.max_element_wise(pc.abs(left), pc.abs(right))
            close = pc.less_equal(pc.abs(pc.subtract(left, right)), pc.add(pc.multiply(scale, 1e-9), 1e-12))
            same = pc.or_(close, pc.and_(pc.is_nan(left), pc.is_nan(right)))
        else:
            same = pc.equal(left, right)
        agree = pc.or_kleene(pc.fill_null(same, False), both_null)
        if not pc.all(agree).as_py():
            row = pc.index(agree, False).as_py()
            return f"row {row + 1} (sorted), column {name}: {right[row].as_py()} instead of {left[row].as_py()}"
    return None


def git_description(path):
    """`abc1234` of the checkout holding the directory `path`, with the last commit that changed Plaza's
    sources when that is an older one, and `-dirty` when Sources/ has uncommitted changes."""
    def git(*arguments):
        return subprocess.run(["git", "-C", str(path), *arguments], capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        head = git("rev-parse", "--short", "HEAD")
        sources = git("log", "-1", "--format=%h", "--", ":(top)Sources", ":(top)Package.swift")
        dirty = git("status", "--porcelain", "--", ":(top)Sources", ":(top)Package.swift")
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    described = head if sources == head else f"{head}, sources as of {sources}"
    return described + ("-dirty" if dirty else "")


def run_queries(duck, plaza, queries, runs, discard=False):
    """Runs every (name, sql) in both engines and compares the answers; progress goes to stderr.
    `discard`: time the engines computing each result without printing or converting it.
    Returns [(name, duck ms or error text, plaza fresh ms, plaza ms, runs timed, answer, same)]."""
    results = []
    for name, sql in queries:
        try:
            duck_rows, columns, duck_ms = duckdb_run(duck, sql, runs, discard)
        except Exception as error:  # a query DuckDB refuses is a bug in the query file: report it
            results.append((name, f"DuckDB error: {error_text(error)}", None, None, 0, "not compared", False))
            print(f"{name}: DuckDB error {error}", file=sys.stderr)
            continue
        try:
            output, fresh, inside, timed = plaza_run(plaza, sql, runs, discard)
        except Exception as error:
            results.append((name, duck_ms, None, None, 0, f"Plaza error: {error_text(error)}", False))
            print(f"{name}: DuckDB {duck_ms:.1f} ms, Plaza error: {error_text(error)}", file=sys.stderr)
            continue
        if isinstance(duck_rows, list):
            difference = compare.compare_rows(duck_rows, plaza.rows(output), is_ordered(sql), columns)
        else:
            difference = compare_large(duck_rows, output, is_ordered(sql))
        answer = "same" if difference is None else f"DIFFERENT: {difference}".replace("|", "\\|")[:300]
        results.append((name, duck_ms, fresh, inside, timed, answer, difference is None))
        shown = f"{inside:.1f} ms" if inside is not None else "untimed"
        print(f"{name}: DuckDB {duck_ms:.1f} ms, Plaza {shown} (fresh process {fresh:.0f} ms), {answer}",
              file=sys.stderr)
    return results


def table_lines(results):
    """The markdown table of `run_queries`'s results with a geometric-mean row over the same answers."""
    lines = [
        "| query | DuckDB ms | Plaza ms | ratio | Plaza fresh process ms | answer |",
        "|---|---|---|---|---|---|",
    ]
    ratios = []
    for name, duck_ms, fresh, inside, timed, answer, same in results:
        duck_cell = f"{duck_ms:.1f}" if isinstance(duck_ms, float) else duck_ms
        plaza_cell = "–" if inside is None else f"{inside:.1f}" + (f" ({timed} run)" if timed == 1 else "")
        ratio = inside / duck_ms if inside is not None and isinstance(duck_ms, float) and duck_ms > 0 else None
        if same and ratio is not None:
            ratios.append(ratio)
        lines.append(f"| {name} | {duck_cell} | {plaza_cell} | {'–' if ratio is None else f'{ratio:.2f}'} | "
                     f"{'–' if fresh is None else f'{fresh:.0f}'} | {answer} |")
    mean = geometric_mean(ratios)
    same_count = sum(1 for r in results if r[6])
    lines.append(f"| geometric mean ({len(ratios)} same answers) |  |  | {'–' if mean is None else f'{mean:.2f}'} |  | "
                 f"{same_count} of {len(results)} same |")
    return lines


TIMING_NOTE = (
    "timed in one connection. Plaza ms: the median of the runs in one `plaza query --repeat` process after a "
    "warm-up run (its own `--timer`), as DuckDB is timed; fresh process: the first run, a new `plaza query` "
    "process (start, open, CSV output included). ratio = Plaza ms / DuckDB ms; the geometric mean covers the "
    "queries whose answers agree.")
