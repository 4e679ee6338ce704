#!/usr/bin/env python3
"""Load test of `plaza serve`: concurrent clients run the benchmark queries over HTTP on loopback.

Bounded in time and in requests, and it only ever talks to 127.0.0.1. Not part of the test suite.

    swift build -c release --product plaza                                 # ../../.build/release/plaza
    (cd .. && swift run -c release plaza-datagen --rows 1000000)           # ../data/1000000/*.csv
    Benchmarks/Load/load.py --data Benchmarks/data/1000000 --clients 32 --seconds 60

Imports the CSVs into a scratch database (or uses --db), starts `plaza serve` on a free port,
runs the clients, samples the server's resident memory every second, and prints a Markdown
summary: requests, errors, throughput, p50/p99 latency overall and per query, peak memory.
"""

import argparse
import glob
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_REQUESTS_PER_CLIENT = 100_000  # a second bound besides the duration


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def resident_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def import_tables(plaza, data, database):
    for path in sorted(glob.glob(os.path.join(data, "*.csv"))):
        subprocess.run([plaza, "import", "--db", database, "--quiet", "--replace", path], check=True)


def start_server(plaza, database, max_queries, memory_limit, timeout):
    command = [plaza, "serve", "--db", database, "--port", "0", "--read-only", "--query-timeout", timeout,
               "--max-rows", "1000"]
    if max_queries:
        command += ["--max-queries", str(max_queries)]
    if memory_limit:
        command += ["--memory-limit", memory_limit]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = server.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if match:
            threading.Thread(target=lambda: server.stderr.read(), daemon=True).start()
            return server, int(match.group(1))
        if line == "" and server.poll() is not None:
            break
    server.kill()
    raise RuntimeError("plaza serve did not start")


def runnable(port, queries):
    """Runs each query once (a warm-up) and keeps those the data can answer: a query that reads a
    table the database lacks (the TPC-H ones over city data) is set aside, named in the summary;
    any other failure stops the test."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    kept, lacking = [], []
    for name, sql in queries:
        connection.request("POST", "/api/query", json.dumps({"sql": sql}), {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        if response.status == 200:
            kept.append((name, sql))
        elif b"unknown table" in payload:
            lacking.append(name)
        else:
            raise RuntimeError("%s failed before the test: %s %s" % (name, response.status, payload[:300]))
    connection.close()
    return kept, lacking


def client(port, queries, offset, stop_at, results, lock):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for number in range(MAX_REQUESTS_PER_CLIENT):
        if time.time() >= stop_at:
            break
        name, sql = queries[(offset + number) % len(queries)]
        body = json.dumps({"sql": sql})
        started = time.perf_counter()
        try:
            connection.request("POST", "/api/query", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            ok = status == 200 and b',"error":{' not in payload[-4000:]
        except (OSError, http.client.HTTPException) as failure:
            status, ok = "exception: %s" % failure, False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        elapsed = time.perf_counter() - started
        with lock:
            results.append((name, status, ok, elapsed))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plaza", default=os.path.join(ROOT, ".build", "release", "plaza"))
    parser.add_argument("--data", help="a directory of plaza-datagen CSVs to import")
    parser.add_argument("--db", help="an existing database (skips the import)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-queries", type=int, default=0, help="plaza serve --max-queries (default: its own)")
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--query-timeout", default="60s")
    parser.add_argument("--queries", default=os.path.join(ROOT, "Benchmarks", "Queries"))
    parser.add_argument("--output", help="also write the summary to this file")
    options = parser.parse_args()
    if not options.db and not options.data:
        parser.error("give --data (CSVs to import) or --db")
    options.clients = max(1, min(options.clients, 256))
    options.seconds = max(1.0, min(options.seconds, 600.0))

    scratch = None
    database = options.db
    if not database:
        scratch = tempfile.mkdtemp(prefix="plaza-load-")
        database = os.path.join(scratch, "db")
        import_tables(options.plaza, options.data, database)
    queries = []
    for path in sorted(glob.glob(os.path.join(options.queries, "q*.sql"))):
        with open(path) as text:
            queries.append((os.path.basename(path)[:3], text.read()))

    server, port = start_server(options.plaza, database, options.max_queries, options.memory_limit,
                                options.query_timeout)
    results, lock = [], threading.Lock()
    peak, samples = 0, []
    try:
        queries, lacking = runnable(port, queries)
        stop_at = time.time() + options.seconds
        threads = [threading.Thread(target=client, args=(port, queries, offset, stop_at, results, lock))
                   for offset in range(options.clients)]
        started = time.time()
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            rss = resident_kib(server.pid)
            samples.append(rss)
            peak = max(peak, rss)
            time.sleep(1)
        wall = time.time() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)

    latencies = [elapsed for _, _, ok, elapsed in results if ok]
    failures = [(name, status) for name, status, ok, _ in results if not ok]
    lines = [
        "%d clients for %.0f s against `plaza serve` (%s), %d queries from Benchmarks/Queries, round robin"
        % (options.clients, options.seconds, os.path.basename(options.plaza), len(queries)),
        "",
        "| requests | errors | throughput | p50 | p99 | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|",
        "| %d | %d | %.1f req/s | %.0f ms | %.0f ms | %.0f MB |" % (
            len(results), len(failures), len(latencies) / wall, percentile(latencies, 0.5) * 1000,
            percentile(latencies, 0.99) * 1000, peak / 1024),
        "",
        "| query | runs | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    if lacking:
        lines[0] += "; not run, their tables are not in the data: " + ", ".join(lacking)
    for name, _ in queries:
        own = [elapsed for query, _, ok, elapsed in results if ok and query == name]
        lines.append("| %s | %d | %.0f | %.0f |" % (name, len(own), percentile(own, 0.5) * 1000,
                                                  percentile(own, 0.99) * 1000))
    if failures:
        lines += ["", "Errors (first 10): " + ", ".join("%s %s" % failure for failure in failures[:10])]
    summary = "\n".join(lines)
    print(summary)
    if options.output:
        with open(options.output, "w") as out:
            out.write(summary + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
