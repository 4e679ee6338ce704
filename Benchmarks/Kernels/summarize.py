#!/usr/bin/env python3
"""Condenses `swift package benchmark` text output into one markdown row per benchmark.

Usage: swift package benchmark --no-progress 2>&1 | python3 summarize.py
Throughput is iterations/s; for benchmarks over 2^20 values it reads as Mi values/s. A name
ending in "(N B/value)" (N decoded bytes per value) also gets GB/s of decoded output, from the
p0 and p50 throughput: GB/s = iterations/s × 2^20 × N / 10^9.
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
    print("| benchmark | time p50 | throughput p0 / p50 (iterations/s) | GB/s p0 / p50 |")
    print("|---|---|---|---|")
    natural = lambda row: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", row[0])]
    for name, metrics in sorted(rows, key=natural):
        unit, _, p50 = metrics.get("Time (wall clock)", ("", "–", "–"))
        _, t0, t50 = metrics.get("Throughput", ("", "–", "–"))
        gbs = "–"
        per_value = re.search(r"\(([0-9.]+) B/value\)$", name)
        if per_value and t0 != "–" and t50 != "–":
            scale = float(per_value.group(1)) * (1 << 20) / 1e9
            gbs = f"{number(t0) * scale:.2f} / {number(t50) * scale:.2f}"
        print(f"| {name} | {p50} {unit} | {t0} / {t50} | {gbs} |")


def number(cell):
    """A throughput cell as a float ("1234", "12K" or "3M" as the benchmark prints them)."""
    factor = {"K": 1e3, "M": 1e6, "G": 1e9}.get(cell[-1:], 1)
    return float(cell.rstrip("KMG")) * factor

if __name__ == "__main__":
    main()
