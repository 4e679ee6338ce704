"""Random tables for differential testing: Python values, CSV text for Plaza, rows for DuckDB."""

import datetime
import decimal
import math
import random

# Text values: accents (precomposed, so a character is one scalar and one grapheme), empty strings,
# spaces, quotes, commas, mixed case. No backslash (LIKE escapes differ on purpose), no `NULL`/`NA`
# (Plaza's default NULL tokens), no `|` (the string_agg separator the generator uses), no `ß`
# (upper('ß') is 'SS' in Plaza, 'ẞ' in DuckDB: documented).
WORDS = [
    "a", "A", "b", "abc", "Abc", "", " ", " x ", "ñandú", "Ñandú", "São Paulo", "Zürich", "zürich", "Élan", "élan",
    "it's", "a,b", 'say "hi"', "Coyoacán", "COYOACÁN", "Álvaro Obregón", "benito juárez", "x1", "10", "2", "-3",
    "año", "Año", "über", "ÆØÅ", "日本", "résumé", "z", "Z", "aa", "ab", "b_c", "100%", "a%b", "_",
]

EPOCH = datetime.date(1970, 1, 1)
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1


class Column:
    """One generated column: its name, the intended SQL type, and the values (None is NULL)."""

    def __init__(self, name, sql_type, values):
        self.name = name
        self.sql_type = sql_type
        self.values = values


class Table:
    """A generated table: name, columns, and the row count."""

    def __init__(self, name, columns):
        self.name = name
        self.columns = columns
        self.row_count = len(columns[0].values) if columns else 0

    def rows(self):
        return [tuple(column.values[row] for column in self.columns) for row in range(self.row_count)]


def _maybe_null(rng, rate, make):
    return None if rng.random() < rate else make()


def _bigint_key(rng):
    return rng.randint(0, 9)


def _bigint_wide(rng):
    r = rng.random()
    if r < 0.03:
        return rng.choice([MIN_INT, MAX_INT, MIN_INT + 1, MAX_INT - 1])
    if r < 0.10:
        return rng.randint(-(10**15), 10**15)
    return rng.randint(-1000, 1000)


def _double(rng, specials):
    r = rng.random()
    if specials and r < 0.04:
        # inf and nan are not read from CSV by Plaza's importer (bug board: fuzz); expressions make them.
        return -0.0
    if r < 0.10:
        return float(rng.randint(-50, 50))
    if r < 0.15:
        return rng.uniform(-1e6, 1e6)
    return round(rng.uniform(-1000, 1000), rng.randint(0, 4))


def _decimal(rng, precision, scale):
    digits = precision - scale
    r = rng.random()
    if r < 0.05:
        unscaled = rng.choice([10**precision - 1, -(10**precision - 1)])
    elif r < 0.5:
        unscaled = rng.randint(-(10 ** min(precision, scale + 2)) + 1, 10 ** min(precision, scale + 2) - 1)
    else:
        unscaled = rng.randint(-(10**precision) + 1, 10**precision - 1)
    del digits
    return decimal.Decimal(unscaled).scaleb(-scale)


def _date(rng):
    r = rng.random()
    if r < 0.05:
        return rng.choice([datetime.date(2024, 2, 29), datetime.date(2000, 2, 29), datetime.date(1900, 2, 28),
                           datetime.date(1969, 12, 31), datetime.date(1970, 1, 1), datetime.date(1, 1, 1),
                           datetime.date(9999, 12, 31), datetime.date(1582, 10, 10)])
    if r < 0.15:
        return EPOCH + datetime.timedelta(days=rng.randint(-700000, 700000))
    return datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(-30000, 3000))


def _timestamp(rng):
    day = _date(rng)
    if rng.random() < 0.2:
        return datetime.datetime(day.year, day.month, day.day)
    micro = 0 if rng.random() < 0.5 else rng.randint(0, 999999)
    return datetime.datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59),
                             rng.randint(0, 59), micro)


def _word(rng, pool):
    return rng.choice(pool)


def make_table(rng, name, row_count, decimal_type, specials):
    """A table with every type; a key column for joins and grouping, NULLs at random rates per column."""
    precision, scale = decimal_type
    rates = {}
    for column in ["k", "n", "x", "f", "m", "s", "w", "b", "dt", "ts"]:
        rates[column] = rng.choice([0.0, 0.05, 0.1, 0.3, 0.6])
    rates["k"] = min(rates["k"], 0.1)
    wide_words = WORDS + ["w%d" % i for i in range(40)]
    generators = [
        ("k", "BIGINT", lambda: _bigint_key(rng)),
        ("n", "BIGINT", lambda: rng.randint(-100, 100)),
        ("x", "BIGINT", lambda: _bigint_wide(rng)),
        ("f", "DOUBLE", lambda: _double(rng, specials)),
        ("m", "DECIMAL(%d,%d)" % (precision, scale), lambda: _decimal(rng, precision, scale)),
        ("s", "VARCHAR", lambda: _word(rng, WORDS[:12])),
        ("w", "VARCHAR", lambda: _word(rng, wide_words)),
        ("b", "BOOLEAN", lambda: rng.random() < 0.5),
        ("dt", "DATE", lambda: _date(rng)),
        ("ts", "TIMESTAMP", lambda: _timestamp(rng)),
    ]
    columns = []
    for column_name, sql_type, make in generators:
        values = [_maybe_null(rng, rates[column_name], make) for _ in range(row_count)]
        columns.append(Column(column_name, sql_type, values))
    table = Table(name, columns)
    _anchor_types(table, precision, scale)
    return table


def _anchor_types(table, precision, scale):
    """Makes the first row hold values that pin Plaza's inferred types to the intended ones."""
    if table.row_count == 0:
        return
    by_name = {column.name: column for column in table.columns}
    # A value with every integer digit fixes DECIMAL(p,s); a letter fixes VARCHAR; others need one value.
    by_name["m"].values[0] = decimal.Decimal(10**precision - 1).scaleb(-scale)
    by_name["s"].values[0] = "abc"
    by_name["w"].values[0] = "w0"
    for name, value in [("k", 1), ("n", 1), ("x", 1), ("f", 0.5), ("b", True),
                        ("dt", datetime.date(2024, 1, 1)), ("ts", datetime.datetime(2024, 1, 1, 8, 30))]:
        if all(v is None for v in by_name[name].values):
            by_name[name].values[0] = value


def format_csv_value(value):
    """A value as Plaza's importer reads it: NULL as an empty unquoted field, text quoted when needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        # An exponent keeps the column DOUBLE (a plain 1.5 would make it DECIMAL).
        return text if "e" in text else text + "e0"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    text = str(value)
    if text == "" or any(c in text for c in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def format_date(value):
    return "%04d-%02d-%02d" % (value.year, value.month, value.day)


def format_timestamp(value):
    text = "%s %02d:%02d:%02d" % (format_date(value), value.hour, value.minute, value.second)
    if value.microsecond:
        text += ".%06d" % value.microsecond
    return text


def table_csv(table, rows=None):
    """The table as CSV text with a header line."""
    lines = [",".join(column.name for column in table.columns)]
    for row in rows if rows is not None else table.rows():
        lines.append(",".join(format_csv_value(value) for value in row))
    return "\n".join(lines) + "\n"


def make_tables(rng):
    """Three tables: two small ones for joins, one over several batches (2,048 rows each)."""
    decimal_types = [(9, 2), (18, 4), (5, 1), (12, 6), (4, 3), (15, 2)]
    specials = True
    return [
        make_table(rng, "t1", rng.randint(80, 200), rng.choice(decimal_types), specials),
        make_table(rng, "t2", rng.randint(20, 80), rng.choice(decimal_types), specials),
        make_table(rng, "t3", rng.randint(2100, 5000), rng.choice(decimal_types), specials),
    ]
