#!/usr/bin/env python3
"""Kill `plaza query` running INSERT … SELECT, CREATE TABLE … AS, DELETE or UPDATE with SIGKILL (issue 20).

The same checks as kill_import.py, for statements that write through SQL. A base database holds
table `t` (--base-rows rows) and a staging table `big` (--rows rows, ids after t's). Each trial runs
one statement that changes t from the old state (t's rows) to the new state (t's rows plus big's):

  * insert: `INSERT INTO t SELECT * FROM big`                       (appends segments)
  * ctas:   `CREATE OR REPLACE TABLE t AS SELECT * FROM t UNION ALL SELECT * FROM big`
                                                                    (replaces every segment)

For DELETE and UPDATE, t starts with big's rows appended (so the statement has rows to change) and
the new state is what the uninterrupted statement leaves:

  * delete: `DELETE FROM t WHERE id % 3 = 0`                       (writes deletion files)
  * delete-most: `DELETE FROM t WHERE id % 3 <> 0`                 (deletion files, then the
    background compaction the process waits for before it exits)
  * update: `UPDATE t SET id = id + 1000000000 WHERE id % 4 = 1`   (deletion files plus a segment)
  * compact: `plaza compact t` after `DELETE FROM t WHERE id % 3 = 0` (segments rewritten without
    the deleted rows; the rows do not change, so every trial must leave exactly them, verified)
  * transaction: `BEGIN; INSERT INTO t …; UPDATE big …; DELETE FROM t …; COMMIT`: two tables
    changed by three statements in one commit record (Formats/plaza-manifest.md §11); the state
    is then both tables' counts and sums, and every trial and reader must see both old or both new
  * transaction-drop: the same shape, with big dropped and created again (and a helper table
    created and dropped) inside the transaction

and sends SIGKILL after a random delay over the statement's measured time, half of the trials aimed
at a running estimate of its commit. Then `plaza verify t` must read every block with valid
checksums and `count(*), sum(id)` must be exactly the old or the new state; `--readers` processes
query t meanwhile and must each see the old or the new state. After all trials one completed
statement must leave only MANIFEST and the manifest's segments in t's directory (no leaked files).
Standard library only.
Usage: kill_sql.py --binary PATH [--statement insert|ctas|delete|delete-most|update|compact|transaction|transaction-drop]
                   [--trials 200]
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_import import Readers, run, table_state, write_csv  # noqa: E402

STATEMENTS = {
    "insert": "INSERT INTO t SELECT * FROM big",
    "ctas": "CREATE OR REPLACE TABLE t AS SELECT * FROM t UNION ALL SELECT * FROM big",
    "delete": "DELETE FROM t WHERE id % 3 = 0",
    "update": "UPDATE t SET id = id + 1000000000 WHERE id % 4 = 1",
    # Past the compaction threshold: the process compacts in the background after the commit and
    # waits for it before exiting, so a kill may land in the compaction too.
    "delete-most": "DELETE FROM t WHERE id % 3 <> 0",
}
STATEMENTS["transaction"] = (
    "BEGIN; INSERT INTO t SELECT * FROM big; UPDATE big SET id = id + 1000000000 WHERE id % 2 = 0; "
    "DELETE FROM t WHERE id % 5 = 0; COMMIT")
# The same with big dropped and created again inside the transaction (a drop in the commit record).
STATEMENTS["transaction-drop"] = (
    "BEGIN; INSERT INTO t SELECT * FROM big; CREATE TABLE kept AS SELECT * FROM big WHERE id % 2 = 1; "
    "DROP TABLE big; CREATE TABLE big AS SELECT * FROM kept; DROP TABLE kept; DELETE FROM t WHERE id % 5 = 0; COMMIT")
# Statements whose new state is measured from an uninterrupted run rather than computed.
CHANGES_IN_PLACE = {"delete", "delete-most", "update", "compact", "transaction", "transaction-drop"}
# What readers ask during a transaction trial: both tables in one statement, so one snapshot.
BOTH_TABLES = "SELECT (SELECT count(*) FROM t), (SELECT sum(id) FROM t), (SELECT count(*) FROM big), " \
    "(SELECT sum(id) FROM big)"


def checked_state(binary, database, statement):
    """The table state a trial is judged by, once `plaza verify` read every block: t's rows,
    generation, segments, count, sum and distinct colonias; for a transaction, with big's count and
    sum appended (big verified too). (None, error) when something cannot be read."""
    state, error = table_state(binary, database)
    if state is None or not statement.startswith("transaction"):
        return state, error
    verify = run(binary, "verify", "--db", database, "big", check=False)
    if verify.returncode != 0:
        return None, verify.stdout + verify.stderr
    query = run(binary, "query", "--db", database, "--format", "csv",
                "SELECT count(*), sum(id) FROM big", check=False)
    if query.returncode != 0:
        return None, query.stdout + query.stderr
    values = tuple(int(v) for v in query.stdout.strip().splitlines()[-1].split(","))
    return state + values, ""


def judged(state, statement):
    """The part of a checked state that must equal the old or the new state."""
    return (state[0], state[4]) + (state[6:8] if statement.startswith("transaction") else ())


class BothTablesReaders(Readers):
    """Readers of both tables of a transaction trial."""

    QUERY = BOTH_TABLES
# Compaction keeps the rows: its table starts with deletions, and its old and new states are one.
STATEMENTS["compact"] = "plaza compact t"


def command(binary, database, statement, sql):
    """The plaza command line that runs the trial's statement on `database`."""
    if statement == "compact":
        return [binary, "compact", "--db", database, "t"]
    return [binary, "query", "--db", database, sql]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the plaza executable")
    parser.add_argument("--statement", choices=sorted(STATEMENTS), default="insert")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rows", type=int, default=600_000, help="rows the statement adds")
    parser.add_argument("--base-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--readers", type=int, default=2, help="query processes running during each statement")
    parser.add_argument("--work", default=None, help="scratch directory (default: a new temporary one)")
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = options.work or tempfile.mkdtemp(prefix="plaza-kill-sql-")
    os.makedirs(work, exist_ok=True)
    binary = os.path.abspath(options.binary)
    sql = STATEMENTS[options.statement]
    started = time.monotonic()
    print(f"seed {seed}, work directory {work}, statement: {sql}", flush=True)

    base_csv, big_csv = os.path.join(work, "base.csv"), os.path.join(work, "big.csv")
    base_rows, base_sum = write_csv(base_csv, 0, options.base_rows, rng)
    big_rows, big_sum = write_csv(big_csv, options.base_rows, options.rows, rng)
    base_db, database = os.path.join(work, "base.db"), os.path.join(work, "db")
    shutil.rmtree(base_db, ignore_errors=True)
    run(binary, "import", "--db", base_db, "--table", "t", "--quiet", base_csv)
    run(binary, "import", "--db", base_db, "--table", "big", "--quiet", big_csv)
    old_state, new_state = (base_rows, base_sum), (base_rows + big_rows, base_sum + big_sum)
    if options.statement in CHANGES_IN_PLACE:
        run(binary, "query", "--db", base_db, "INSERT INTO t SELECT * FROM big")
        old_state = new_state
        if options.statement == "compact":
            run(binary, "query", "--db", base_db, "DELETE FROM t WHERE id % 3 = 0")
            state = table_state(binary, base_db)[0]
            old_state = (state[0], state[4])
        if options.statement.startswith("transaction"):
            old_state = judged(checked_state(binary, base_db, options.statement)[0], options.statement)
        probe = os.path.join(work, "probe.db")
        shutil.rmtree(probe, ignore_errors=True)
        shutil.copytree(base_db, probe)
        subprocess.run(command(binary, probe, options.statement, sql), check=True, capture_output=True)
        state, error = checked_state(binary, probe, options.statement)
        if state is None:
            raise SystemExit(f"FAILED: the statement's result cannot be read: {error}")
        new_state = judged(state, options.statement)
        shutil.rmtree(probe, ignore_errors=True)
        if (new_state == old_state) != (options.statement == "compact"):
            raise SystemExit(f"FAILED: the statement went from {old_state} to {new_state}")

    base_generation = table_state(binary, base_db)[0][1]
    reader_kind = BothTablesReaders if options.statement.startswith("transaction") else Readers

    def reset():
        shutil.rmtree(database, ignore_errors=True)
        shutil.copytree(base_db, database)

    durations = []
    for _ in range(3):
        reset()
        readers = reader_kind(binary, database, options.readers, {old_state, new_state})
        begin = time.monotonic()
        subprocess.run(command(binary, database, options.statement, sql), check=True, capture_output=True)
        durations.append(time.monotonic() - begin)
        problems = readers.finish()
        if problems:
            raise SystemExit("FAILED: " + "; ".join(problems))
    duration = sorted(durations)[1]
    state, error = checked_state(binary, database, options.statement)
    if state is None or judged(state, options.statement) != new_state:
        raise SystemExit(f"FAILED: an uninterrupted statement gave {state} {error}")
    print(f"t goes from {old_state[0]} to {new_state[0]} rows; the statement takes {duration:.2f} s", flush=True)
    reset()

    outcomes = {"old": 0, "new": 0}
    commit_estimate, aimed_trials = 0.9, 0
    failures, reader_answers = [], 0
    for trial in range(options.trials):
        aimed = rng.random() < 0.5
        fraction = commit_estimate * rng.uniform(0.985, 1.015) if aimed else rng.uniform(0.0, 1.1)
        readers = reader_kind(binary, database, options.readers, {old_state, new_state})
        process = subprocess.Popen(
            command(binary, database, options.statement, sql), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(fraction * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
        failures += [f"trial {trial}: {problem}" for problem in readers.finish()]
        reader_answers += readers.answers
        if process.returncode not in (0, -signal.SIGKILL):
            failures.append(f"trial {trial}: plaza exited {process.returncode}: {stderr.decode(errors='replace')}")
        state, error = checked_state(binary, database, options.statement)
        if state is None:
            failures.append(f"trial {trial} (kill at {fraction:.2f}): {error.strip()}")
            break
        rows, generation, count = state[0], state[1], state[3]
        if judged(state, options.statement) == old_state and count == rows:
            # Compaction keeps the rows: a new generation tells that its commit landed.
            outcome = "new" if options.statement == "compact" and generation > base_generation else "old"
        elif judged(state, options.statement) == new_state and count == rows:
            outcome = "new"
        else:
            failures.append(f"trial {trial} (kill at {fraction:.2f}): table holds {state}, neither old nor new")
            break
        outcomes[outcome] += 1
        if aimed:
            aimed_trials += 1
            step = 0.04 if aimed_trials <= 15 else 0.01
            commit_estimate *= 1 - step if outcome == "new" else 1 + step
        if outcome == "new" or options.statement == "compact":
            reset()
        elif process.returncode == 0 and options.statement != "compact":
            failures.append(f"trial {trial}: plaza exited 0 but the table holds the old rows")
        if (trial + 1) % 20 == 0:
            print(f"  {trial + 1} trials: {outcomes['old']} old, {outcomes['new']} new", flush=True)

    # A completed statement removes the leftovers of killed writers: no leaked files.
    subprocess.run(command(binary, database, options.statement, sql), check=True, capture_output=True)
    state, error = table_state(binary, database)
    table_directory = os.path.join(database, "t")
    names = os.listdir(table_directory)
    if options.statement.startswith("transaction"):
        # The record of a multi-table commit is gone once a writer finished it.
        stray = [n for n in os.listdir(database) if n.startswith(".plaza-commit")]
        names += [n for n in os.listdir(os.path.join(database, "big")) if not n.endswith((".plzseg", ".plzdel"))
                  and n != "MANIFEST"] + stray
    segments = [n for n in names if n.endswith(".plzseg")]
    if state is None or len(segments) != state[2]:
        failures.append(f"after a completed statement: {state} {error}; files {sorted(names)}")
    deletions = [n for n in names if n.endswith(".plzdel")]
    if state is not None and len(deletions) > state[2]:
        failures.append(f"{len(deletions)} deletion files for {state[2]} segments: {sorted(deletions)}")
    leftovers = [n for n in names if n != "MANIFEST" and not n.endswith((".plzseg", ".plzdel"))]
    if leftovers:
        failures.append(f"leftover files after a completed statement: {leftovers}")

    print(f"{options.trials} trials in {time.monotonic() - started:.0f} s (seed {seed}): {outcomes['old']} old, "
          f"{outcomes['new']} new; aimed kills ended near {commit_estimate:.2f} of the statement's time; "
          f"{reader_answers} concurrent queries, each the old or the new state")
    if failures:
        print("FAILURES:\n" + "\n".join(failures))
        return 1
    if not options.work:
        shutil.rmtree(work, ignore_errors=True)
    print("OK: every trial left the old or the new table, with every block checksum valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
