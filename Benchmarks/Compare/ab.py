#!/usr/bin/env python3
"""A/B of two plaza binaries on the benchmark queries, for changes that must not cost speed.

    Benchmarks/Compare/ab.py --before OLD/plaza --after NEW/plaza --db DB [--threads 2] [--runs 5] [--queries q01,q14]

For each query of Benchmarks/Queries, in turn: both binaries print the result as CSV with 1 and with
2 threads, and the four outputs must be byte-identical; then each binary runs the query `runs + 1`
times in one process (`plaza query --repeat --timer`, the first run is the warm-up), alternating
before/after twice so that load on the machine falls on both alike. Reported: the median warm time
of each and after/before. Both binaries must read DB (make it with the older one's `plaza import`).
"""
import argparse, re, statistics, subprocess, sys
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "Queries"


def run(binary, db, sql, threads, *extra):
    done = subprocess.run([binary, "query", "--db", db, "--threads", str(threads), *extra, "--", sql],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{binary}: {done.stderr.strip()[:300]}")
    return done


def timings(binary, db, sql, threads, runs):
    done = run(binary, db, sql, threads, "--format", "csv", "--timer", "--repeat", str(runs + 1))
    times = [float(t) * 1000 for t in re.findall(r"Run Time: ([0-9.]+) s", done.stderr)]
    return times[1:]  # the first run warms the caches


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", default="")
    args = parser.parse_args()
    prefixes = [p for p in args.queries.split(",") if p]
    files = sorted(f for f in QUERIES.glob("q*.sql") if not prefixes or any(f.name.startswith(p) for p in prefixes))
    print("| query | before ms | after ms | after / before | same output (1 and 2 threads) |")
    print("|---|---|---|---|---|")
    ratios, differing = [], []
    for file in files:
        sql = file.read_text()
        try:
            outputs = [run(b, args.db, sql, t, "--format", "csv").stdout
                       for b in (args.before, args.after) for t in (1, 2)]
        except RuntimeError as error:
            print(f"| {file.stem} | | | | error: {error} |")
            differing.append(file.stem)
            continue
        same = all(o == outputs[0] for o in outputs)
        if not same:
            differing.append(file.stem)
        before, after = [], []
        for _ in range(2):
            before += timings(args.before, args.db, sql, args.threads, args.runs)
            after += timings(args.after, args.db, sql, args.threads, args.runs)
        b, a = statistics.median(before), statistics.median(after)
        ratios.append(a / b)
        print(f"| {file.stem} | {b:.1f} | {a:.1f} | {a / b:.2f} | {'yes' if same else 'NO'} |", flush=True)
    if ratios:
        print(f"| geometric mean ({len(ratios)}) | | | {statistics.geometric_mean(ratios):.2f} | |")
    if differing:
        print(f"outputs differ or fail: {', '.join(differing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
