#!/usr/bin/env python3
"""A/B of plaza binaries on `COPY reportes TO 'x.parquet'`, interleaved with DuckDB's COPY, for the
Parquet writer (issue 18's bar: at most DuckDB's time).

    Benchmarks/Compare/.venv/bin/python Benchmarks/Compare/copy_ab.py OLD/plaza,NEW/plaza \
        [--codecs zstd,snappy] [--runs 3] [--threads 2]

Uses the databases files.py leaves in work/files-<rows> (run it once first). Each round runs
DuckDB's COPY from its table, then each binary's (`plaza query --timer`, one process per run), so
load on the shared machine falls on all alike. Reported per codec: the median time of each, its
ratio to DuckDB, and each binary's median user time (how many cores it kept busy). Every binary's
file must be byte-identical to the first binary's: a faster writer may not write another file.
"""
import argparse, filecmp, re, statistics, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", help="comma-separated plaza binaries")
    parser.add_argument("--codecs", default="zstd,snappy")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=10_000_000)
    arguments = parser.parse_args()
    import duckdb

    work = HERE / "work" / f"files-{arguments.rows}"
    binaries = arguments.binaries.split(",")
    con = duckdb.connect(str(work / "duck.db"), read_only=True)
    con.execute(f"SET threads = {arguments.threads}")
    for codec in arguments.codecs.split(","):
        times = {name: [] for name in ["duckdb", *binaries]}
        users = {name: [] for name in binaries}
        outputs = {name: work / f"ab-{index}-{codec}.parquet" for index, name in enumerate(binaries)}
        for _ in range(arguments.runs):
            start = time.perf_counter()
            con.execute(f"COPY reportes TO '{work / 'ab-duck.parquet'}' (FORMAT parquet, COMPRESSION {codec})")
            times["duckdb"].append(time.perf_counter() - start)
            for name in binaries:
                sql = f"COPY reportes TO '{outputs[name]}' (FORMAT parquet, COMPRESSION {codec})"
                done = subprocess.run(["/usr/bin/time", "-f", "USER %U", name, "query", "--db", str(work / "plaza"),
                                       "--threads", str(arguments.threads), "--timer", sql],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    sys.exit(f"{name}: {done.stderr.strip()[:300]}")
                times[name].append(float(re.search(r"Run Time: ([0-9.]+)", done.stderr).group(1)))
                users[name].append(float(re.search(r"USER ([0-9.]+)", done.stderr).group(1)))
        for name in binaries[1:]:
            if not filecmp.cmp(outputs[binaries[0]], outputs[name], shallow=False):
                sys.exit(f"{codec}: {name} wrote another file than {binaries[0]}")
        duck = statistics.median(times["duckdb"])
        print(f"| {codec} | DuckDB {duck:.2f} s | " + " | ".join(
            f"{name}: {statistics.median(times[name]):.2f} s ({statistics.median(times[name]) / duck:.2f}x, "
            f"user {statistics.median(users[name]):.1f} s)" for name in binaries) + " |")


if __name__ == "__main__":
    main()
