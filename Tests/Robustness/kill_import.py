#!/usr/bin/env python3
"""Kill `plaza import --append` with SIGKILL at random moments; check what survives (issue 9).

Each trial starts an append of a sizeable CSV into a table, sends SIGKILL after a random delay
spread over the whole import (parsing, segment writing, fsyncs, manifest rename), then checks:

  * `plaza verify` reads every block of every segment (all checksums valid) and the table's
    row count is exactly the old or the new count;
  * `SELECT count(*), sum(id), count(DISTINCT colonia)` agrees with that same state;
  * after all trials, a completed append cleans every leftover of the killed writers (only the
    manifest's segments stay in the table directory);
  * meanwhile `--readers` processes (default 2) run `SELECT count(*), sum(id)` in a loop, and every
    answer is the old or the new state, never an error.

A trial that ends "new" resets the database to the base copy, so the table stays small; a trial
that ends "old" keeps the database, so the killed writer's leftovers meet the next writer.
Standard library only. Usage: kill_import.py --binary PATH [--trials 200] [--rows 600000] [--seed N]
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

VERIFY_LINE = re.compile(r"^(\S+): ok, generation (\d+), (\d+) rows, (\d+) segments, (\d+) blocks$")
COLONIAS = ["Centro", "Roma Norte", "Condesa", "Del Valle", "Coyoacán", "Narvarte", "Polanco", "Tlalpan"]


def write_csv(path, first_id, rows, rng):
    """Rows `first_id ..< first_id + rows`; returns (count, sum of id)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("id,creado,colonia,monto,atendido\n")
        lines = []
        for row_id in range(first_id, first_id + rows):
            colonia = COLONIAS[rng.randrange(len(COLONIAS))]
            day = 1 + row_id % 28
            cents = rng.randrange(0, 10_000_000)
            lines.append(
                f"{row_id},2024-{1 + row_id % 12:02d}-{day:02d},{colonia} {row_id % 97},"
                f"{cents // 100}.{cents % 100:02d},{'true' if row_id % 3 else 'false'}\n"
            )
            if len(lines) == 10_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)
    return rows, sum(range(first_id, first_id + rows))


def run(binary, *arguments, check=True):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"FAILED: plaza {' '.join(arguments)}\n{result.stdout}{result.stderr}")
    return result


def table_state(binary, database):
    """(rows, generation, segments, count(*), sum(id), distinct colonias) once every block verified."""
    verify = run(binary, "verify", "--db", database, "t", check=False)
    if verify.returncode != 0:
        return None, verify.stdout + verify.stderr
    match = VERIFY_LINE.match(verify.stdout.strip())
    if not match:
        return None, "unexpected verify output: " + verify.stdout
    query = run(
        binary, "query", "--db", database, "--format", "csv",
        "SELECT count(*), sum(id), count(DISTINCT colonia) FROM t", check=False)
    if query.returncode != 0:
        return None, query.stdout + query.stderr
    values = query.stdout.strip().splitlines()[-1].split(",")
    rows = int(match.group(3))
    return (rows, int(match.group(2)), int(match.group(4)), int(values[0]), int(values[1]), int(values[2])), ""


class Readers:
    """Processes running `plaza query` in a loop while a trial's import runs; each answer must be the
    old or the new state of the table (one committed state: count and sum agree)."""

    QUERY = "SELECT count(*), sum(id) FROM t"

    def __init__(self, binary, database, count, states):
        self.binary, self.database, self.states = binary, database, states
        self.stop = threading.Event()
        self.answers = 0
        self.problems = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def loop(self):
        while not self.stop.is_set():
            result = run(self.binary, "query", "--db", self.database, "--format", "csv", self.QUERY, check=False)
            with self.lock:
                if result.returncode != 0:
                    self.problems.append(f"reader failed: {result.stderr.strip()}")
                    return
                values = tuple(int(v) for v in result.stdout.strip().splitlines()[-1].split(","))
                if values not in self.states:
                    self.problems.append(f"reader saw {values}, neither old nor new")
                self.answers += 1

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()
        return self.problems


def segment_files(database):
    return sorted(name for name in os.listdir(os.path.join(database, "t")) if name.endswith(".plzseg"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the plaza executable (a release build)")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rows", type=int, default=600_000, help="rows of the appended CSV")
    parser.add_argument("--base-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--readers", type=int, default=2, help="query processes running during each import")
    parser.add_argument("--work", default=None, help="scratch directory (default: a new temporary one)")
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = options.work or tempfile.mkdtemp(prefix="plaza-kill-")
    os.makedirs(work, exist_ok=True)
    binary = os.path.abspath(options.binary)
    started = time.monotonic()
    print(f"seed {seed}, work directory {work}", flush=True)

    base_csv, append_csv = os.path.join(work, "base.csv"), os.path.join(work, "append.csv")
    base_rows, base_sum = write_csv(base_csv, 0, options.base_rows, rng)
    append_rows, append_sum = write_csv(append_csv, options.base_rows, options.rows, rng)
    base_db, database = os.path.join(work, "base.db"), os.path.join(work, "db")
    shutil.rmtree(base_db, ignore_errors=True)
    run(binary, "import", "--db", base_db, "--table", "t", "--quiet", base_csv)

    old_state = (base_rows, base_sum)
    new_state = (base_rows + append_rows, base_sum + append_sum)
    # How long an append takes when nobody kills it, with the readers running (the median of three).
    durations = []
    for _ in range(3):
        shutil.rmtree(database, ignore_errors=True)
        shutil.copytree(base_db, database)
        readers = Readers(binary, database, options.readers, {old_state, new_state})
        begin = time.monotonic()
        run(binary, "import", "--db", database, "--table", "t", "--append", "--quiet", append_csv)
        durations.append(time.monotonic() - begin)
        problems = readers.finish()
        if problems:
            raise SystemExit("FAILED: " + "; ".join(problems))
    duration = sorted(durations)[1]
    state, error = table_state(binary, database)
    if state is None or state[0] != base_rows + append_rows or state[3] != base_rows + append_rows:
        raise SystemExit(f"FAILED: an uninterrupted append gave {state} {error}")
    distinct_after_append = state[5]
    print(f"{base_rows} base rows, {append_rows} appended rows; an append takes {duration:.2f} s", flush=True)
    shutil.rmtree(database)
    shutil.copytree(base_db, database)
    base_distinct = table_state(binary, database)[0][5]

    outcomes = {"old": 0, "new": 0}
    # The estimated end of an import's segment writing, nudged after each aimed trial: earlier when the
    # import had already committed, later when the kill hit segment writing; aiming there hits the commit.
    commit_estimate = 0.9
    aimed_trials = 0
    # Kill moments as fractions of `duration`, counted in five bins to show the spread.
    bins = [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 0.95), (0.95, 1.3)]
    per_bin = {b: {"old": 0, "new": 0} for b in bins}
    # What each kill interrupted, judged from the files it left (new names in the table directory).
    phases = {"killed before the first segment file": 0, "killed while writing segments": 0,
              "killed in the commit (temporary manifest written, not renamed)": 0,
              "killed after the commit (MANIFEST renamed)": 0, "the import had finished before the kill": 0}
    failures = []
    reader_answers = 0
    for trial in range(options.trials):
        table_directory = os.path.join(database, "t")
        files_before = set(os.listdir(table_directory))
        # Half uniform over the whole import, half aimed at the estimated commit (fsyncs, manifest, rename).
        aimed = rng.random() < 0.5
        fraction = commit_estimate * rng.uniform(0.985, 1.015) if aimed else rng.uniform(0.0, 1.1)
        readers = Readers(binary, database, options.readers, {old_state, new_state})
        process = subprocess.Popen(
            [binary, "import", "--db", database, "--table", "t", "--append", "--quiet", append_csv],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(fraction * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
        failures += [f"trial {trial}: {problem}" for problem in readers.finish()]
        reader_answers += readers.answers
        left = set(os.listdir(table_directory)) - files_before
        if process.returncode not in (0, -signal.SIGKILL):
            failures.append(f"trial {trial}: import exited {process.returncode}: {stderr.decode(errors='replace')}")
        state, error = table_state(binary, database)
        if state is None:
            failures.append(f"trial {trial} (kill at {fraction:.2f}): {error.strip()}")
            break
        rows, _, _, count, total, distinct = state
        if (rows, total) == old_state and count == rows and distinct == base_distinct:
            outcome = "old"
        elif (rows, total) == new_state and count == rows and distinct == distinct_after_append:
            outcome = "new"
        else:
            failures.append(f"trial {trial} (kill at {fraction:.2f}): table holds {state}, neither old nor new")
            break
        outcomes[outcome] += 1
        if aimed:
            # Coarse steps first to find the commit, then fine ones to stay on it.
            aimed_trials += 1
            step = 0.04 if aimed_trials <= 15 else 0.01
            commit_estimate *= 1 - step if outcome == "new" else 1 + step
        if process.returncode == 0:
            phases["the import had finished before the kill"] += 1
        elif outcome == "new":
            phases["killed after the commit (MANIFEST renamed)"] += 1
        elif any(name.startswith("MANIFEST.tmp") for name in left):
            phases["killed in the commit (temporary manifest written, not renamed)"] += 1
        elif any(name.endswith(".plzseg") for name in left):
            phases["killed while writing segments"] += 1
        else:
            phases["killed before the first segment file"] += 1
        for b in bins:
            if b[0] <= fraction < b[1] or (b is bins[-1] and fraction >= b[1]):
                per_bin[b][outcome] += 1
        if outcome == "new":
            shutil.rmtree(database)
            shutil.copytree(base_db, database)
        elif process.returncode == 0:
            failures.append(f"trial {trial}: the import exited 0 but the table holds the old rows")
        if (trial + 1) % 20 == 0:
            print(f"  {trial + 1} trials: {outcomes['old']} old, {outcomes['new']} new "
                  f"({len(segment_files(database))} segment files in the table directory)", flush=True)

    # A completed append removes the leftovers of killed writers.
    run(binary, "import", "--db", database, "--table", "t", "--append", "--quiet", append_csv)
    state, error = table_state(binary, database)
    if state is None or len(segment_files(database)) != state[2]:
        failures.append(f"after a completed append: {state} {error}; files {segment_files(database)}")
    leftovers = [n for n in os.listdir(os.path.join(database, "t")) if n != "MANIFEST" and not n.endswith(".plzseg")]
    if leftovers:
        failures.append(f"leftover files after a completed append: {leftovers}")

    elapsed = time.monotonic() - started
    print(f"{options.trials} trials in {elapsed:.0f} s (seed {seed}): {outcomes['old']} old, {outcomes['new']} new; "
          f"kills aimed at the commit ended near {commit_estimate:.2f} of the measured import time; "
          f"{reader_answers} concurrent queries, each the old or the new state")
    for b in bins:
        print(f"  kill at {b[0]:.2f}-{b[1]:.2f} of an import: {per_bin[b]['old']} old, {per_bin[b]['new']} new")
    for phase, count in phases.items():
        print(f"  {phase}: {count}")
    if failures:
        print("FAILURES:\n" + "\n".join(failures))
        return 1
    if not options.work:
        shutil.rmtree(work, ignore_errors=True)
    print("OK: every trial left the old or the new table, with every block checksum valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
