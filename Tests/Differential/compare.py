"""Comparing a Plaza result (CSV text) with a DuckDB result (Python values and type names)."""

import datetime
import decimal
import math
import re

from datagen import format_date, format_timestamp

RELATIVE_TOLERANCE = 1e-9

NUMERIC_PREFIXES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                    "UBIGINT", "UHUGEINT", "DECIMAL", "DOUBLE", "FLOAT")


def _is_numeric(type_name):
    return type_name.startswith(NUMERIC_PREFIXES)


def _plaza_number(text):
    """Plaza's text of a number as int, Decimal or float; None when it is not a number."""
    lowered = text.lower()
    if lowered in ("nan", "inf", "-inf", "+inf"):
        return float(lowered)
    try:
        if "e" in lowered:
            return float(lowered)
        if "." in text:
            return decimal.Decimal(text)
        return int(text)
    except (ValueError, decimal.InvalidOperation):
        return None


def _numbers_equal(a, b, mode):
    if isinstance(a, float) or isinstance(b, float) or mode is not None:
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        if math.isinf(x) or math.isinf(y):
            return x == y
        tolerance = RELATIVE_TOLERANCE * max(1.0, abs(x), abs(y))
        if mode is not None and mode[0] == "absolute":
            tolerance = max(tolerance, mode[1])
        if mode is not None and mode[0] == "approx":
            tolerance = max(tolerance, 0.1 * max(abs(x), abs(y)) + 2)
        return abs(x - y) <= tolerance
    return decimal.Decimal(a) == decimal.Decimal(b)


def duckdb_text(value):
    """A DuckDB value as Plaza prints it (used for reports and non-numeric comparison)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


BC_PATTERN = re.compile(r"(\d{4,})-(\d\d)-(\d\d) \(BC\)")


def _astronomical(text):
    """DuckDB prints years before 1 as `0001-12-29 (BC)` (a TIMESTAMP as `0001-12-29 (BC) 08:00:00`);
    Plaza uses ISO 8601 year numbering, where 1 BC is year 0 (documented)."""

    def replace(match):
        year = 1 - int(match.group(1))
        return ("%04d" % year if year >= 0 else "-%04d" % -year) + "-%s-%s" % (match.group(2), match.group(3))

    return BC_PATTERN.sub(replace, text)


def values_equal(plaza, duck, type_name, mode):
    """Whether Plaza's (text, quoted) cell equals DuckDB's value of `type_name`."""
    text, quoted = plaza
    if duck is None:
        return text == "" and not quoted
    if text == "" and not quoted:
        return False
    if mode is not None and mode[0] == "parts":
        return sorted(text.split(mode[1])) == sorted(str(duck).split(mode[1]))
    if _is_numeric(type_name):
        number = _plaza_number(text)
        return number is not None and _numbers_equal(number, duck, mode)
    if isinstance(duck, datetime.datetime) and len(text) == 10:
        # date_trunc on a DATE: Plaza keeps DATE, DuckDB gives a TIMESTAMP at midnight (documented).
        return duck.time() == datetime.time(0) and text == format_date(duck)
    if isinstance(duck, str) and type_name in ("DATE", "TIMESTAMP"):
        return _trim_fraction(text) == _trim_fraction(_astronomical(duck))
    if isinstance(duck, str):
        # A timestamp's fraction inside text: six digits or trailing zeros dropped (lead: intended).
        return _trim_fractions(text) == _trim_fractions(_astronomical(duck))
    if isinstance(duck, datetime.datetime):
        # Six fraction digits (Plaza) or trailing zeros dropped (DuckDB): the same instant (bug board: lead).
        return _trim_fraction(text) == _trim_fraction(duckdb_text(duck))
    return text == duckdb_text(duck)


FRACTION_PATTERN = re.compile(r"(\d\d:\d\d:\d\d)\.(\d*?)0+(?!\d)")


def _trim_fractions(text):
    """Every `HH:MM:SS.ffffff` in a text with the fraction's trailing zeros dropped."""
    return FRACTION_PATTERN.sub(lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""), text)


def _trim_fraction(text):
    if "." in text and ":" in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _sort_key(cell):
    text, quoted = cell
    number = _plaza_number(text) if text else None
    if isinstance(number, float) and math.isnan(number):
        return (2, "nan")
    if number is not None:
        return (1, "%.6e" % float(number))
    return (0 if not quoted and text == "" else 3, text)


def _duck_sort_key(value):
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (3, "true" if value else "false")
    if isinstance(value, (int, float, decimal.Decimal)):
        if isinstance(value, float) and math.isnan(value):
            return (2, "nan")
        return (1, "%.6e" % float(value))
    return (3, duckdb_text(value))


def compare(plaza_rows, duck_rows, types, ordered, modes):
    """None when the results agree, else a short reason."""
    if len(plaza_rows) != len(duck_rows):
        return "row count: plaza %d, duckdb %d" % (len(plaza_rows), len(duck_rows))
    for row in plaza_rows:
        if len(row) != len(types):
            return "column count: plaza %d, duckdb %d" % (len(row), len(types))
    modes = modes or [None] * len(types)

    def row_equal(p, d):
        return all(values_equal(p[c], d[c], types[c], modes[c]) for c in range(len(types)))

    if ordered:
        for index, (p, d) in enumerate(zip(plaza_rows, duck_rows)):
            if not row_equal(p, d):
                return "row %d differs" % (index + 1)
        return None
    plaza_sorted = sorted(plaza_rows, key=lambda row: [_sort_key(cell) for cell in row])
    duck_sorted = sorted(duck_rows, key=lambda row: [_duck_sort_key(value) for value in row])
    if all(row_equal(p, d) for p, d in zip(plaza_sorted, duck_sorted)):
        return None
    # Tolerances can reorder rows: match greedily before calling it a difference.
    remaining = list(duck_rows)
    for p in plaza_rows:
        for index, d in enumerate(remaining):
            if row_equal(p, d):
                del remaining[index]
                break
        else:
            return "plaza row not in duckdb's result: " + ", ".join(cell[0] if cell[1] or cell[0] else "NULL" for cell in p)
    return None


def format_plaza_rows(rows, limit=20):
    lines = ["\t".join("NULL" if (not quoted and text == "") else text for text, quoted in row) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append("… %d more" % (len(rows) - limit))
    return "\n".join(lines)


def format_duck_rows(rows, limit=20):
    lines = ["\t".join(duckdb_text(value) for value in row) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append("… %d more" % (len(rows) - limit))
    return "\n".join(lines)
