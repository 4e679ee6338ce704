#!/usr/bin/env python3
"""Condenses `swift package benchmark` text output into one markdown row per benchmark.

Usage: swift package benchmark --no-progress 2>&1 | python3 summarize.py
Throughput is iterations/s; for benchmarks over 2^20 values it reads as Mi values/s.
"""
import re
import sys


def main():
    text = sys.stdin.read()
    name, rows = None, []
    metrics = {}
    for line in text.splitlines():
        if line and not line[0] in "│╒╞├╘═[" and not line.startswith(("Build", "Running", "Building")):
            if name and metrics:
                rows.append((name, metrics))
            name, metrics = line.strip(), {}
            continue
        match = re.match(r"│ (Throughput|Time \(wall clock\)) \(([^)]*)\)[^│]*│(.*)", line)
        if match and name:
            cells = [c.strip() for c in match.group(3).split("│") if c.strip()]
            metrics[match.group(1)] = (match.group(2), cells[0], cells[2])  # unit, p0, p50
    if name and metrics:
        rows.append((name, metrics))
    print("| benchmark | time p50 | throughput p0 / p50 (iterations/s) |")
    print("|---|---|---|")
    for name, metrics in rows:
        unit, _, p50 = metrics.get("Time (wall clock)", ("", "–", "–"))
        _, t0, t50 = metrics.get("Throughput", ("", "–", "–"))
        print(f"| {name} | {p50} {unit} | {t0} / {t50} |")


if __name__ == "__main__":
    main()
