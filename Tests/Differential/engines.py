"""The two engines behind one interface: `run(sql)` gives ("ok", types, rows) or ("error", message).

Plaza runs as one long-lived `plaza shell --format csv` process reading statements from standard
input; after each query a marker query tells where its output ends. A crash or hang restarts it.
"""

import os
import queue
import subprocess
import threading

MARK_HEADER = "diff_mark"


class PlazaCrash(Exception):
    """The Plaza process died or stopped answering; the message holds its last output."""


def parse_csv(text):
    """RFC 4180 rows of (value, was_quoted) pairs, so that `""` (empty text) differs from NULL."""
    rows, row, field, quoted = [], [], [], False
    position, length = 0, len(text)
    at_field_start = True
    while position < length:
        char = text[position]
        if at_field_start and char == '"':
            quoted = True
            position += 1
            while position < length:
                char = text[position]
                if char == '"':
                    if position + 1 < length and text[position + 1] == '"':
                        field.append('"')
                        position += 2
                        continue
                    position += 1
                    break
                field.append(char)
                position += 1
            at_field_start = False
            continue
        if char == ",":
            row.append(("".join(field), quoted))
            field, quoted, at_field_start = [], False, True
        elif char == "\n":
            row.append(("".join(field), quoted))
            rows.append(row)
            row, field, quoted, at_field_start = [], [], False, True
        elif char == "\r":
            pass
        else:
            field.append(char)
            at_field_start = False
        position += 1
    if field or row or quoted:
        row.append(("".join(field), quoted))
        rows.append(row)
    return rows


class PlazaShell:
    """A `plaza shell` process and the marker protocol around it."""

    def __init__(self, binary, database, timeout):
        self.binary = binary
        self.database = database
        self.timeout = timeout
        self.process = None
        self.lines = None
        self.marks = 0
        self.restarts = 0

    def start(self):
        environment = dict(os.environ)
        self.process = subprocess.Popen(
            [self.binary, "shell", "--db", self.database, "--format", "csv"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment,
            text=True, encoding="utf-8", errors="replace", bufsize=1)
        self.lines = queue.Queue()
        reader_lines = self.lines
        stdout = self.process.stdout

        def read():
            for line in stdout:
                reader_lines.put(line)
            reader_lines.put(None)

        threading.Thread(target=read, daemon=True).start()

    def stop(self):
        if self.process is None:
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _kill(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        self.restarts += 1

    def raw(self, statement):
        """The output (stdout and stderr interleaved) of one statement, without the marker."""
        if self.process is None:
            self.start()
        self.marks += 1
        mark = "DIFF_MARK_%d" % self.marks
        try:
            terminator = "\n" if statement.startswith(".") else ";\n"
            self.process.stdin.write(statement + terminator + "SELECT '%s' AS %s;\n" % (mark, MARK_HEADER))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        collected = []
        while True:
            try:
                line = self.lines.get(timeout=self.timeout)
            except queue.Empty:
                self._kill()
                raise PlazaCrash("no answer within %d s; output so far:\n%s" % (self.timeout, "".join(collected)[-2000:]))
            if line is None:
                self._kill()
                raise PlazaCrash("the process ended; output:\n" + "".join(collected)[-4000:])
            if line.rstrip("\n") == mark and collected and collected[-1].rstrip("\n") == MARK_HEADER:
                collected.pop()
                return "".join(collected)
            collected.append(line)

    def run(self, sql, first_column="c0"):
        """("ok", None, rows of (text, quoted)) when the output is a result whose first column is
        `first_column`, else ("error", text)."""
        output = self.raw(sql)
        if output.startswith(first_column + ",") or output.startswith(first_column + "\n"):
            rows = parse_csv(output)
            return ("ok", None, rows[1:])
        return ("error", output.strip())


def types_differ_only(a, b):
    """Whether two values are equal once the imported type is applied (an intended BIGINT read as
    DOUBLE by both engines, for example)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


class DuckDB:
    """An in-memory DuckDB database holding the same tables."""

    def __init__(self):
        import duckdb

        self.module = duckdb
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET threads = 1")
        # Plaza follows DuckDB 1.x here: `x % 0` is NULL, `x / 0` is inf (documented in docs/SQL.md).
        self.connection.execute("SET error_on_division_by_zero = false")

    def create(self, table, types, csv_path):
        """Loads the table from the CSV file written for Plaza, with explicit types, and checks that
        DuckDB read back exactly the generated values (so a difference later is not a loading artefact)."""
        columns = ", ".join("'%s': '%s'" % (column.name, sql_type) for column, sql_type in zip(table.columns, types))
        self.connection.execute(
            'CREATE OR REPLACE TABLE "%s" AS SELECT * FROM read_csv(?, header = true, delim = \',\', quote = \'"\', '
            "escape = '\"', nullstr = '', allow_quoted_nulls = false, strict_mode = true, columns = {%s})"
            % (table.name, columns), [csv_path])
        loaded = self.connection.execute('SELECT * FROM "%s" ORDER BY rowid' % table.name).fetchall()
        expected = table.rows()
        if len(loaded) != len(expected):
            raise RuntimeError("DuckDB read %d rows of %s, expected %d" % (len(loaded), table.name, len(expected)))
        for number, (got, want) in enumerate(zip(loaded, expected)):
            for a, b in zip(got, want):
                same = a == b or (a != a and b != b)
                if isinstance(a, float) and isinstance(b, float) and a == b:
                    same = str(a) == str(b)  # -0.0 is not 0.0 here
                if not same and not (types_differ_only(a, b)):
                    raise RuntimeError("DuckDB read row %d of %s as %r, expected %r" % (number + 1, table.name, got, want))

    def subset(self, source, name, rows):
        """A copy of table `source` holding only the rows at positions `rows` (0-based, in order)."""
        self.connection.execute('CREATE OR REPLACE TABLE "%s" AS SELECT * FROM "%s" WHERE list_contains(?, rowid) '
                                "ORDER BY rowid" % (name, source), [list(rows)])

    def run(self, sql):
        try:
            cursor = self.connection.execute(sql)
            rows = cursor.fetchall()
            types = [str(description[1]) for description in cursor.description]
            return ("ok", types, rows)
        except self.module.Error as error:
            return ("error", str(error))
        except (OverflowError, ValueError) as error:
            # A value Python cannot represent (e.g. a date beyond year 9999).
            return ("error", "python conversion: %s" % error)
