"""Engine adapters for the side-by-side comparison: load the CSVs, run one query, report size.

Each adapter exposes `name`, `load(data_dir) -> seconds`, `size_bytes()`, `run(sql) -> (result, ms_inside)`
and `rows(result) -> list[tuple]`. `ms_inside` is the engine's own time when it reports one
(Plaza's `--timer`), else None.
"""
import csv
import io
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

# Column types, identical in every engine (DuckDB spelling; chDB's below).
TABLES = {
    "reportes": [
        ("id", "BIGINT"), ("fecha_creacion", "TIMESTAMP"), ("fecha_cierre", "TIMESTAMP"),
        ("dependencia", "VARCHAR"), ("categoria", "VARCHAR"), ("subcategoria", "VARCHAR"),
        ("colonia", "VARCHAR"), ("codigo_postal", "VARCHAR"), ("latitud", "DOUBLE"), ("longitud", "DOUBLE"),
        ("estatus", "VARCHAR"), ("canal", "VARCHAR"), ("horas_resolucion", "DOUBLE"), ("costo", "DECIMAL(12,2)"),
    ],
    "colonias": [("colonia", "VARCHAR"), ("alcaldia", "VARCHAR"), ("codigo_postal", "VARCHAR"), ("poblacion", "BIGINT")],
    "dependencias": [("dependencia", "VARCHAR"), ("secretaria", "VARCHAR"), ("presupuesto_anual", "DECIMAL(14,2)")],
    "presupuesto": [
        ("id", "BIGINT"), ("fecha", "DATE"), ("secretaria", "VARCHAR"), ("programa", "VARCHAR"),
        ("proveedor", "VARCHAR"), ("monto", "DECIMAL(14,2)"),
    ],
}
# Columns that have NULLs in the generated data (Nullable in chDB).
NULLABLE = {"fecha_cierre", "latitud", "longitud", "horas_resolucion", "costo"}
# Low-cardinality text columns: LowCardinality(String) in chDB, as a ClickHouse user would declare them.
LOW_CARDINALITY = {"dependencia", "categoria", "subcategoria", "colonia", "codigo_postal", "estatus", "canal",
                   "alcaldia", "secretaria", "programa", "proveedor"}
SORT_KEYS = {"reportes": "fecha_creacion", "presupuesto": "fecha"}
# The 8 TPC-H tables as the specification types them (identifiers as BIGINT, Plaza's only integer
# type): DECIMAL(15,2) money, quantities and rates, DATE dates. Benchmarks/TPCH/run.py loads all of
# them into DuckDB; Benchmarks/TPCH/generate.sh writes the CSVs.
MONEY = "DECIMAL(15,2)"
TPCH_SCHEMA = {
    "region": [("r_regionkey", "BIGINT"), ("r_name", "VARCHAR"), ("r_comment", "VARCHAR")],
    "nation": [("n_nationkey", "BIGINT"), ("n_name", "VARCHAR"), ("n_regionkey", "BIGINT"), ("n_comment", "VARCHAR")],
    "supplier": [
        ("s_suppkey", "BIGINT"), ("s_name", "VARCHAR"), ("s_address", "VARCHAR"), ("s_nationkey", "BIGINT"),
        ("s_phone", "VARCHAR"), ("s_acctbal", MONEY), ("s_comment", "VARCHAR"),
    ],
    "customer": [
        ("c_custkey", "BIGINT"), ("c_name", "VARCHAR"), ("c_address", "VARCHAR"), ("c_nationkey", "BIGINT"),
        ("c_phone", "VARCHAR"), ("c_acctbal", MONEY), ("c_mktsegment", "VARCHAR"), ("c_comment", "VARCHAR"),
    ],
    "part": [
        ("p_partkey", "BIGINT"), ("p_name", "VARCHAR"), ("p_mfgr", "VARCHAR"), ("p_brand", "VARCHAR"),
        ("p_type", "VARCHAR"), ("p_size", "BIGINT"), ("p_container", "VARCHAR"), ("p_retailprice", MONEY),
        ("p_comment", "VARCHAR"),
    ],
    "partsupp": [
        ("ps_partkey", "BIGINT"), ("ps_suppkey", "BIGINT"), ("ps_availqty", "BIGINT"), ("ps_supplycost", MONEY),
        ("ps_comment", "VARCHAR"),
    ],
    "orders": [
        ("o_orderkey", "BIGINT"), ("o_custkey", "BIGINT"), ("o_orderstatus", "VARCHAR"), ("o_totalprice", MONEY),
        ("o_orderdate", "DATE"), ("o_orderpriority", "VARCHAR"), ("o_clerk", "VARCHAR"),
        ("o_shippriority", "BIGINT"), ("o_comment", "VARCHAR"),
    ],
    "lineitem": [
        ("l_orderkey", "BIGINT"), ("l_partkey", "BIGINT"), ("l_suppkey", "BIGINT"), ("l_linenumber", "BIGINT"),
        ("l_quantity", MONEY), ("l_extendedprice", MONEY), ("l_discount", MONEY),
        ("l_tax", MONEY), ("l_returnflag", "VARCHAR"), ("l_linestatus", "VARCHAR"),
        ("l_shipdate", "DATE"), ("l_commitdate", "DATE"), ("l_receiptdate", "DATE"),
        ("l_shipinstruct", "VARCHAR"), ("l_shipmode", "VARCHAR"), ("l_comment", "VARCHAR"),
    ],
}
# TPC-H lineitem alone: compare.py adds it to TABLES, read from CSV_DIRS["lineitem"], when run with
# --tpch <scale factor> (Benchmarks/TPCH/generate.sh makes the CSV).
TPCH_TABLES = {"lineitem": TPCH_SCHEMA["lineitem"]}
LOW_CARDINALITY |= {"l_returnflag", "l_linestatus", "l_shipinstruct", "l_shipmode"}
SORT_KEYS["lineitem"] = "l_shipdate"
# Tables whose CSV lives outside the city data directory: table -> directory.
CSV_DIRS = {}


def csv_file(data_dir, table):
    """The CSV a table is loaded from: <data_dir>/<table>.csv unless CSV_DIRS names another directory."""
    return f"{Path(CSV_DIRS.get(table, data_dir)).resolve()}/{table}.csv"


def make_parquet(data_dir, out_dir, threads):
    """Writes each table of TABLES as <out_dir>/<table>.parquet with DuckDB (zstd, its default row
    groups of 122,880 rows, file order kept), once; returns the directory. Every engine then reads the
    very same files, so the comparison is of the readers, not of the writers."""
    import duckdb
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for table, columns in TABLES.items():
        target = out_dir / f"{table}.parquet"
        if target.exists():
            continue
        spec = ", ".join(f"'{c}': '{t}'" for c, t in columns)
        partial = out_dir / f"{table}.parquet.partial"
        con.execute(f"COPY (SELECT * FROM read_csv('{csv_file(data_dir, table)}', header = true, columns = {{{spec}}})) "
                    f"TO '{partial}' (FORMAT parquet, COMPRESSION zstd)")
        partial.rename(target)
    con.close()
    return out_dir


def directory_size(path):
    """Bytes of all files below `path` (or of the file itself)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class DuckDB:
    name = "DuckDB"

    def __init__(self, work, threads):
        import duckdb
        self.path = Path(work) / "duckdb.db"
        for stale in (self.path, Path(str(self.path) + ".wal")):
            stale.unlink(missing_ok=True)
        self.con = duckdb.connect(str(self.path))
        self.con.execute(f"SET threads = {threads}")

    def load(self, data_dir, parquet_dir=None):
        start = time.perf_counter()
        if parquet_dir is not None:
            for table in TABLES:
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{Path(parquet_dir).resolve()}/{table}.parquet')")
            return time.perf_counter() - start
        for table, columns in TABLES.items():
            spec = ", ".join(f"'{c}': '{t}'" for c, t in columns)
            self.con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv('{csv_file(data_dir, table)}', header = true, "
                f"columns = {{{spec}}})")
        self.con.execute("CHECKPOINT")
        return time.perf_counter() - start

    def size_bytes(self):
        return directory_size(self.path)

    def run(self, sql):
        return self.con.sql(sql).to_arrow_table(), None

    def rows(self, result):
        return arrow_rows(result)


class ChDB:
    name = "chDB"

    def __init__(self, work, threads):
        from chdb import session
        self.path = Path(work) / "chdb"
        shutil.rmtree(self.path, ignore_errors=True)
        self.session = session.Session(str(self.path))
        self.threads = threads

    @staticmethod
    def column_type(column, duck_type):
        base = {"BIGINT": "Int64", "TIMESTAMP": "DateTime('UTC')", "VARCHAR": "String", "DOUBLE": "Float64",
                "DATE": "Date32"}.get(duck_type)
        if duck_type.startswith("DECIMAL"):
            base = duck_type.replace("DECIMAL", "Decimal")
        if column in LOW_CARDINALITY:
            base = f"LowCardinality({base})"
        return f"Nullable({base})" if column in NULLABLE else base

    def load(self, data_dir):
        start = time.perf_counter()
        for table, columns in TABLES.items():
            ddl = ", ".join(f"{c} {self.column_type(c, t)}" for c, t in columns)
            order = SORT_KEYS.get(table, "tuple()")
            self.session.query(f"CREATE TABLE {table} ({ddl}) ENGINE = MergeTree ORDER BY {order}")
            self.session.query(
                f"INSERT INTO {table} SELECT * FROM file('{csv_file(data_dir, table)}', 'CSVWithNames') "
                f"SETTINGS max_threads = {self.threads}, max_insert_threads = {self.threads}, "
                "date_time_input_format = 'best_effort', session_timezone = 'UTC'")
            self.session.query(f"OPTIMIZE TABLE {table} FINAL")
        return time.perf_counter() - start

    def size_bytes(self):
        result = self.session.query(
            "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase()", "CSV")
        return int(str(result).strip() or 0)

    def run(self, sql):
        sql = sql.strip().rstrip(";")
        setting = f"max_threads = {self.threads}, session_timezone = 'UTC'"
        sql = f"{sql}, {setting}" if re.search(r"\bSETTINGS\b", sql) else f"{sql}\nSETTINGS {setting}"
        return self.session.query(sql, "ArrowTable"), None

    def rows(self, result):
        return arrow_rows(result)


class Polars:
    name = "Polars"

    def __init__(self, work, threads):
        # POLARS_MAX_THREADS must be set before polars is first imported (compare.py does it).
        import polars as pl
        self.pl = pl
        self.dir = Path(work) / "parquet"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)

    def polars_type(self, duck_type):
        pl = self.pl
        if duck_type.startswith("DECIMAL"):
            precision, scale = map(int, re.findall(r"\d+", duck_type))
            return pl.Decimal(precision, scale)
        return {"BIGINT": pl.Int64, "TIMESTAMP": pl.Datetime("us"), "VARCHAR": pl.String,
                "DOUBLE": pl.Float64, "DATE": pl.Date}[duck_type]

    def load(self, data_dir):
        pl = self.pl
        start = time.perf_counter()
        frames = {}
        for table, columns in TABLES.items():
            schema = {c: self.polars_type(t) for c, t in columns}
            target = self.dir / f"{table}.parquet"
            pl.scan_csv(csv_file(data_dir, table), schema=schema).sink_parquet(target)
            frames[table] = pl.scan_parquet(target)
        self.context = pl.SQLContext(frames)
        return time.perf_counter() - start

    def size_bytes(self):
        return directory_size(self.dir)

    def run(self, sql):
        return self.context.execute(sql).collect(), None

    def rows(self, result):
        return arrow_rows(result.to_arrow())


class Plaza:
    name = "Plaza"

    def __init__(self, work, threads, binary, db=None, memory_limit=None, timeout=600):
        """`db`: an existing database to query (kept as is) instead of a fresh one under `work`;
        `memory_limit`: passed as `--memory-limit`; `timeout`: seconds a query may run (warm_times: twice)."""
        self.binary = str(binary)
        if db is None:
            self.db = Path(work) / "plaza"
            shutil.rmtree(self.db, ignore_errors=True)
        else:
            self.db = Path(db)
        self.threads = threads
        self.timeout = timeout
        self.options = ["--threads", str(threads)] + (["--memory-limit", memory_limit] if memory_limit else [])

    def check(self):
        """Returns None when the CLI can import and query, else the reason it cannot."""
        if not os.access(self.binary, os.X_OK):
            return f"no plaza binary at {self.binary} (swift build -c release --static-swift-stdlib --package-path .. --product plaza)"
        probe = subprocess.run([self.binary, "query", "--db", str(self.db), "--format", "csv", "SELECT 1 AS x"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode != 0 or probe.stdout.strip().splitlines()[-1:] != ["1"]:
            return f"`plaza query` does not work yet: {(probe.stderr or probe.stdout).strip()[:200]}"
        return None

    def load(self, data_dir, parquet_dir=None):
        start = time.perf_counter()
        if parquet_dir is not None:
            for table in TABLES:
                sql = f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{Path(parquet_dir).resolve()}/{table}.parquet')"
                done = subprocess.run([self.binary, "query", "--db", str(self.db), sql], capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"plaza view over {table}.parquet failed: {done.stderr.strip()[:400]}")
            return time.perf_counter() - start
        for table in TABLES:
            done = subprocess.run([self.binary, "import", csv_file(data_dir, table), "--db", str(self.db),
                                   "--table", table, "--quiet"], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"plaza import {table} failed: {done.stderr.strip()[:400]}")
        return time.perf_counter() - start

    def size_bytes(self):
        return directory_size(self.db)

    def run(self, sql):
        done = subprocess.run([self.binary, "query", "--db", str(self.db), "--format", "csv", *self.options,
                               "--timer", "--", sql], capture_output=True, text=True, timeout=self.timeout)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[:400] or f"exit status {done.returncode}")
        return done.stdout, parse_timer(done.stderr)

    def warm_times(self, sql, runs, output_format="csv"):
        """Milliseconds of `runs` runs in one plaza process after a warm-up run, as DuckDB's connection is
        timed; `output_format` "none" computes each result without printing it."""
        done = subprocess.run([self.binary, "query", "--db", str(self.db), "--format", output_format, *self.options,
                               "--timer", "--repeat", str(runs + 1), "--", sql],
                              capture_output=True, text=True, timeout=2 * self.timeout)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[:400] or f"exit status {done.returncode}")
        times = parse_timers(done.stderr)
        if len(times) != runs + 1:
            raise RuntimeError(f"expected {runs + 1} run times from --repeat, got {len(times)}")
        return times[1:]

    def rows(self, result):
        reader = csv.reader(io.StringIO(result))
        next(reader, None)  # header
        return [tuple(None if field == "" else field for field in row) for row in reader]


def parse_timers(stderr):
    """Milliseconds from every `--timer` line on stderr (e.g. `Run Time: 0.012 s`), in order."""
    units = {"ms": 1.0, "s": 1000.0, "µs": 0.001, "us": 0.001}
    return [float(value) * units[unit] for value, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(ms|s|µs|us)\b", stderr)]


def plaza_timers(binary, db, sql, threads, repeat=1):
    """Runs `sql` `repeat` times in one `plaza query --timer` process: the milliseconds of each run
    (the statement only, not the process start) and the CSV output."""
    done = subprocess.run([binary, "query", "--db", str(db), "--threads", str(threads), "--format", "csv", "--timer",
                           "--repeat", str(repeat), "--", sql], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[:400])
    return parse_timers(done.stderr), done.stdout


def parse_timer(stderr):
    """Milliseconds from Plaza's first `--timer` line on stderr, or None."""
    times = parse_timers(stderr)
    return times[0] if times else None


def arrow_rows(table):
    """Rows of a pyarrow table as tuples of Python values."""
    columns = [column.to_pylist() for column in table.columns]
    return list(zip(*columns)) if columns else []
