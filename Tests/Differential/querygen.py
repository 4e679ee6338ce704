"""Random queries from a grammar of Plaza's dialect (docs/SQL.md), typed so that most of them bind:
projections, grouped queries (with grouping sets and windows over aggregates) and window functions
(with QUALIFY and capped rankings).

A query comes with whether its order matters (a top-level ORDER BY over every output column) and a
comparison mode per output column (tolerances for approximate or order-dependent aggregates).
"""

from datagen import WORDS
from querygen_composite import CompositeQueries

TYPES = ["BOOLEAN", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "DATE", "TIMESTAMP"]
NUMERIC = ["BIGINT", "DOUBLE", "DECIMAL"]
DATE_PARTS = ["year", "quarter", "month", "week", "day", "dow", "doy", "hour", "minute", "second"]
DATE_FUNCTIONS = ["year", "quarter", "month", "week", "day", "dayofweek", "dayofyear"]
TRUNC_PARTS = ["year", "quarter", "month", "week", "day", "hour", "minute", "second"]
DIFF_PARTS = ["year", "quarter", "month", "day", "hour", "minute", "second"]
STRFTIME_FORMATS = ["%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%Y %j", "%b %B %a %A", "%y%m%d %f", "%H:%M %%"]
INTERVALS = ["INTERVAL '3 days'", "INTERVAL '1 month'", "INTERVAL '2 hours'", "INTERVAL '1 year 2 months'",
             "INTERVAL 90 MINUTES", "INTERVAL '1 day 04:00:00'", "INTERVAL '45 seconds'"]
LIKE_PATTERNS = ["a%", "%a%", "_", "%", "A_c", "%ü%", "%b", "z%", "%á%", "s%o", "%,%", "w1%", "__"]
REGEX_PATTERNS = ["^a", "b$", "[0-9]", "^$", "é", "a|z", "^[A-Z]"]


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def base_type(type_name):
    """A Plaza column type reduced to the generator's categories."""
    upper = type_name.upper()
    if upper.startswith("DECIMAL"):
        return "DECIMAL"
    return upper


def decimal_scale(type_name):
    inside = type_name[type_name.index("(") + 1:type_name.index(")")]
    return int(inside.split(",")[1])


class Column:
    def __init__(self, sql, type_name, full_type=None):
        self.sql = sql
        self.type = type_name
        self.full_type = full_type or type_name


class Query:
    def __init__(self, sql, ordered, modes):
        self.sql = sql
        self.ordered = ordered
        self.modes = modes
        self.tags = []  # the issue-17 constructs it uses (querygen_composite.py), counted by the summary


# The share of queries built of queries (set operations, subqueries, CTEs, VALUES, series).
COMPOSITE_SHARE = 0.4


class QueryGenerator(CompositeQueries):
    def __init__(self, rng, tables):
        """`tables`: name → [(column name, Plaza type)], with row counts in `sizes`."""
        self.rng = rng
        self.tables = tables

    # ----- helpers -----
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(items)

    def column(self, sql, type_name):
        return Column(sql, type_name)

    def make_query(self, sql, ordered, count, modes=None):
        return Query(sql, ordered, modes or [None] * count)

    def columns_of(self, table, alias=None):
        prefix = (alias + ".") if alias else ""
        return [Column(prefix + name, base_type(t), t) for name, t in self.tables[table]]

    # ----- literals -----
    def literal(self, type_name):
        r = self.rng.random()
        if r < 0.04:
            return "CAST(NULL AS %s)" % ("DECIMAL(9,2)" if type_name == "DECIMAL" else type_name)
        if type_name == "BIGINT":
            if self.chance(0.05):
                return self.pick(["9223372036854775807", "(-9223372036854775807)", "2147483648", "4294967296"])
            value = self.rng.randint(-5, 100)
            return "(%d)" % value if value < 0 else str(value)
        if type_name == "DOUBLE":
            if self.chance(0.08):
                return self.pick(["CAST('nan' AS DOUBLE)", "CAST('inf' AS DOUBLE)", "CAST('-inf' AS DOUBLE)",
                                  "(-0.0e0)", "1e300"])
            return self.pick(["1.5e0", "0.1e0", "2e0", "(-3.25e0)", "1e-3", "100e0", "0e0", "2.5e1"])
        if type_name == "DECIMAL":
            return self.pick(["12.50", "0.5", "(-3.25)", "100.000", "0.001", "7.0", "(-0.01)", "99999.99"])
        if type_name == "VARCHAR":
            return quote(self.pick(WORDS))
        if type_name == "DATE":
            return "DATE " + self.pick(["'2024-02-29'", "'1969-12-31'", "'2000-01-01'", "'1900-03-01'",
                                          "'2020-06-15'", "'0999-12-31'"])
        if type_name == "TIMESTAMP":
            return "TIMESTAMP " + self.pick(["'2024-02-29 23:59:59'", "'1969-12-31 12:00:00'",
                                               "'2000-01-01 00:00:00.5'", "'2020-06-15 08:30:00'"])
        if type_name == "BOOLEAN":
            return self.pick(["TRUE", "FALSE"])
        raise ValueError(type_name)

    def small_int(self, scope):
        columns = [c for c in scope if c.type == "BIGINT" and c.sql.split(".")[-1] in ("n", "k")]
        if columns and self.chance(0.5):
            return self.pick(columns).sql
        return str(self.rng.randint(0, 40))

    # ----- scalar expressions -----
    def expr(self, type_name, scope, depth):
        columns = [c for c in scope if c.type == type_name]
        if depth <= 0 or self.chance(0.3):
            if columns and self.chance(0.8):
                return self.pick(columns).sql
            return self.literal(type_name)
        method = getattr(self, "expr_" + type_name.lower())
        return method(scope, depth - 1)

    def common(self, type_name, scope, depth):
        """Productions every type has: CASE, coalesce, nullif, greatest/least."""
        e = lambda: self.expr(type_name, scope, depth)
        r = self.rng.randint(0, 4)
        if r == 0:
            text = "CASE WHEN %s THEN %s" % (self.expr("BOOLEAN", scope, depth), e())
            if self.chance(0.3):
                text += " WHEN %s THEN %s" % (self.expr("BOOLEAN", scope, depth), e())
            return text + (" ELSE %s END" % e() if self.chance(0.7) else " END")
        if r == 1:
            return "coalesce(%s, %s)" % (e(), e())
        if r == 2 and type_name not in ("DOUBLE",):
            return "nullif(%s, %s)" % (e(), e())
        if r == 3 and type_name != "BOOLEAN":
            return "%s(%s, %s)" % (self.pick(["greatest", "least"]), e(), e())
        return "CASE %s WHEN %s THEN %s ELSE %s END" % (e(), e(), e(), e())

    def expr_bigint(self, scope, depth):
        r = self.rng.randint(0, 13)
        i = lambda: self.expr("BIGINT", scope, depth)
        if r <= 2:
            return "(%s %s %s)" % (i(), self.pick(["+", "-", "*", "%"]), i())
        if r == 3:
            return "(-%s)" % i()
        if r == 4:
            return "abs(%s)" % i()
        if r == 5:
            return "length(%s)" % self.expr("VARCHAR", scope, depth)
        if r == 6:
            return "%s(%s)" % (self.pick(DATE_FUNCTIONS), self.expr(self.pick(["DATE", "TIMESTAMP"]), scope, depth))
        if r == 7:
            return "%s(%s)" % (self.pick(["hour", "minute", "second"]), self.expr("TIMESTAMP", scope, depth))
        if r == 8:
            x = self.expr(self.pick(["DATE", "TIMESTAMP"]), scope, depth)
            if self.chance(0.5):
                return "extract(%s FROM %s)" % (self.pick(DATE_PARTS), x)
            return "date_part('%s', %s)" % (self.pick(DATE_PARTS), x)
        if r == 9:
            t = self.pick(["DATE", "TIMESTAMP"])
            return "date_diff('%s', %s, %s)" % (self.pick(DIFF_PARTS), self.expr(t, scope, depth),
                                                 self.expr(t, scope, depth))
        if r == 10:
            return "(%s - %s)" % (self.expr("DATE", scope, depth), self.expr("DATE", scope, depth))
        if r == 11:
            source = self.pick(["DOUBLE", "DECIMAL", "BOOLEAN", "VARCHAR"])
            return "%s(%s AS BIGINT)" % (self.pick(["CAST", "TRY_CAST"]), self.expr(source, scope, depth))
        if r == 12:
            # floor/ceil of a BIGINT are DOUBLE in DuckDB 2.0, BIGINT in Plaza (documented): round only.
            return "round(%s)" % i()
        return self.common("BIGINT", scope, depth)

    def expr_double(self, scope, depth):
        r = self.rng.randint(0, 10)
        d = lambda: self.expr("DOUBLE", scope, depth)
        if r <= 1:
            return "(%s %s %s)" % (d(), self.pick(["+", "-", "*"]), d())
        if r == 2:
            return "(%s / %s)" % (self.expr(self.pick(NUMERIC), scope, depth),
                                  self.expr(self.pick(NUMERIC), scope, depth))
        if r == 3:
            function = self.pick(["sqrt", "ln", "log10"])
            if self.chance(0.5):
                return "%s((abs(%s) + 1e0))" % (function, d())
            return "%s(%s)" % (function, d())
        if r == 4:
            return "power(%s, %s)" % (d(), self.pick(["2e0", "0.5e0", "3e0", "(-1e0)"]))
        if r == 5:
            return "round(%s, %d)" % (d(), self.rng.randint(-1, 3))
        if r == 6:
            return "%s(%s)" % (self.pick(["floor", "ceil", "abs", "round"]), d())
        if r == 7:
            return "CAST(%s AS DOUBLE)" % self.expr(self.pick(["BIGINT", "DECIMAL", "VARCHAR"]), scope, depth)
        if r == 8:
            return "(%s %% %s)" % (d(), d())
        if r == 9:
            return "(%s + %s)" % (d(), self.expr(self.pick(["BIGINT", "DECIMAL"]), scope, depth))
        return self.common("DOUBLE", scope, depth)

    def expr_decimal(self, scope, depth):
        r = self.rng.randint(0, 8)
        m = lambda: self.expr("DECIMAL", scope, depth)
        if r <= 1:
            return "(%s %s %s)" % (m(), self.pick(["+", "-"]), m())
        if r == 2:
            return "(%s * %s)" % (m(), self.pick(["2", "0.5", "1.25", "(-1)"]))
        if r == 3:
            return "abs(%s)" % m()
        if r == 4:
            return "round(%s, %d)" % (m(), self.rng.randint(0, 3))
        if r == 5:
            return "%s(%s)" % (self.pick(["floor", "ceil"]), m())
        if r == 6:
            return "CAST(%s AS %s)" % (self.expr(self.pick(["BIGINT", "DOUBLE", "DECIMAL"]), scope, depth),
                                       self.pick(["DECIMAL(12,2)", "DECIMAL(18,4)", "DECIMAL(5,1)"]))
        if r == 7:
            return "(%s %s %s)" % (m(), self.pick(["+", "-", "%"]), self.small_int(scope))
        return self.common("DECIMAL", scope, depth)

    def expr_varchar(self, scope, depth):
        r = self.rng.randint(0, 13)
        s = lambda: self.expr("VARCHAR", scope, depth)
        if r == 0:
            return "%s(%s)" % (self.pick(["lower", "upper", "strip_accents"]), s())
        if r == 1:
            if self.chance(0.5):
                return "%s(%s)" % (self.pick(["trim", "ltrim", "rtrim"]), s())
            return "%s(%s, %s)" % (self.pick(["trim", "ltrim", "rtrim"]), s(), quote(self.pick(["a", " x", "ñ"])))
        if r == 2:
            start = self.pick(["1", "2", "3", "0", "(-2)", self.small_int(scope)])
            if self.chance(0.5):
                return "substring(%s, %s)" % (s(), start)
            return "substring(%s, %s, %s)" % (s(), start, self.pick(["1", "2", "5", "0"]))
        if r == 3:
            return "replace(%s, %s, %s)" % (s(), quote(self.pick(["a", "ü", "", " "])), quote(self.pick(["X", "", "éé"])))
        if r == 4:
            return "concat(%s, %s)" % (s(), self.expr(self.pick(TYPES), scope, depth))
        if r == 5:
            return "(%s || %s)" % (s(), self.expr(self.pick(TYPES), scope, depth))
        if r == 6:
            return "split_part(%s, %s, %s)" % (s(), quote(self.pick([",", " ", "a", "ü"])),
                                              self.pick(["1", "2", "(-1)", "0", "3"]))
        if r in (7, 8):
            source = self.pick(["BIGINT", "DOUBLE", "DECIMAL", "BOOLEAN", "DATE", "TIMESTAMP"])
            return "CAST(%s AS VARCHAR)" % self.expr(source, scope, depth)
        if r == 9:
            return "strftime(%s, %s)" % (self.expr(self.pick(["DATE", "TIMESTAMP"]), scope, depth),
                                         quote(self.pick(STRFTIME_FORMATS)))
        return self.common("VARCHAR", scope, depth)

    def expr_boolean(self, scope, depth):
        r = self.rng.randint(0, 14)
        b = lambda: self.expr("BOOLEAN", scope, depth)
        if r <= 2:
            t = self.pick(TYPES)
            if t in NUMERIC and self.chance(0.3):
                other = self.pick(NUMERIC)
            else:
                other = t
            return "(%s %s %s)" % (self.expr(t, scope, depth), self.pick(["=", "<>", "<", "<=", ">", ">=", "!="]),
                                   self.expr(other, scope, depth))
        if r <= 4:
            return "(%s %s %s)" % (b(), self.pick(["AND", "OR"]), b())
        if r == 5:
            return "(NOT %s)" % b()
        if r == 6:
            return "(%s IS %sNULL)" % (self.expr(self.pick(TYPES), scope, depth), self.pick(["", "NOT "]))
        if r == 7:
            t = self.pick(TYPES)
            return "(%s IS %sDISTINCT FROM %s)" % (self.expr(t, scope, depth), self.pick(["", "NOT "]),
                                                  self.expr(t, scope, depth))
        if r == 8:
            t = self.pick(TYPES)
            return "(%s %sBETWEEN %s AND %s)" % (self.expr(t, scope, depth), self.pick(["", "NOT "]),
                                                 self.expr(t, scope, depth), self.expr(t, scope, depth))
        if r == 9:
            t = self.pick(TYPES)
            items = ", ".join(self.literal(t) if self.chance(0.7) else self.expr(t, scope, depth)
                              for _ in range(self.rng.randint(1, 4)))
            if self.chance(0.15):
                items += ", NULL"
            return "(%s %sIN (%s))" % (self.expr(t, scope, depth), self.pick(["", "NOT "]), items)
        if r == 10:
            return "(%s %s %s)" % (self.expr("VARCHAR", scope, depth),
                                   self.pick(["LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE"]), quote(self.pick(LIKE_PATTERNS)))
        if r == 11:
            return "%s(%s, %s)" % (self.pick(["starts_with", "contains"]), self.expr("VARCHAR", scope, depth),
                                   quote(self.pick(["a", "", "Ü", "ñ", "b", "w1"])))
        if r == 12:
            return "regexp_matches(%s, %s)" % (self.expr("VARCHAR", scope, depth), quote(self.pick(REGEX_PATTERNS)))
        if r == 13:
            return "(%s IS %s%s)" % (b(), self.pick(["", "NOT "]), self.pick(["TRUE", "FALSE"]))
        return self.common("BOOLEAN", scope, depth)

    def expr_date(self, scope, depth):
        r = self.rng.randint(0, 7)
        if r <= 1:
            # DuckDB has DATE ± INTEGER only (no BIGINT overload); INTEGER is BIGINT in Plaza.
            return "(%s %s CAST(%s AS INTEGER))" % (self.expr("DATE", scope, depth), self.pick(["+", "-"]),
                                                   self.small_int(scope))
        if r == 2:
            return "CAST(%s AS DATE)" % self.expr("TIMESTAMP", scope, depth)
        if r == 3:
            return "make_date(%s, %s, %s)" % (self.pick(["2024", "1969", "2000"]), self.pick(["1", "2", "12", "13"]),
                                              self.pick(["1", "29", "30", "31"]))
        if r == 4:
            # date_trunc on a DATE is a DATE in Plaza and a TIMESTAMP in DuckDB (documented).
            return "CAST(date_trunc('%s', %s) AS DATE)" % (self.pick(["year", "quarter", "month", "week", "day"]),
                                                           self.expr("DATE", scope, depth))
        return self.common("DATE", scope, depth)

    def expr_timestamp(self, scope, depth):
        r = self.rng.randint(0, 7)
        if r <= 1:
            return "(%s %s %s)" % (self.expr(self.pick(["DATE", "TIMESTAMP"]), scope, depth), self.pick(["+", "-"]),
                                   self.pick(INTERVALS))
        if r == 2:
            return "CAST(%s AS TIMESTAMP)" % self.expr("DATE", scope, depth)
        if r == 3:
            return "date_trunc('%s', %s)" % (self.pick(TRUNC_PARTS), self.expr("TIMESTAMP", scope, depth))
        if r == 4:
            return "strptime(%s, '%%Y-%%m-%%d')" % quote(self.pick(["2024-02-29", "1969-07-20", "2023-02-29"]))
        return self.common("TIMESTAMP", scope, depth)

    # ----- aggregates -----
    def aggregate(self, scope, depth, top_level):
        """(sql, type, comparison mode) of one aggregate call."""
        r = self.rng.randint(0, 13)
        distinct = "DISTINCT " if self.chance(0.15) else ""
        if r == 0:
            call, type_name, mode = "count(*)", "BIGINT", None
        elif r == 1:
            call, type_name, mode = "count(%s%s)" % (distinct, self.expr(self.pick(TYPES), scope, depth)), "BIGINT", None
        elif r <= 3:
            t = self.pick(NUMERIC + ["BOOLEAN"] if self.chance(0.1) else NUMERIC)
            call = "sum(%s%s)" % (distinct, self.expr(t, scope, depth))
            type_name = {"BIGINT": "BIGINT", "BOOLEAN": "BIGINT", "DOUBLE": "DOUBLE", "DECIMAL": "DECIMAL"}[t]
            mode = ("absolute", 1e-6) if t == "DOUBLE" else None
        elif r == 4:
            call, type_name, mode = "%s(%s%s)" % (self.pick(["avg", "mean"]), distinct,
                                                   self.expr(self.pick(NUMERIC), scope, depth)), "DOUBLE", ("absolute", 1e-6)
        elif r <= 6:
            t = self.pick(TYPES)
            call, type_name, mode = "%s(%s)" % (self.pick(["min", "max"]), self.expr(t, scope, depth)), t, None
        elif r == 7:
            call = "%s(%s%s)" % (self.pick(["stddev_samp", "var_samp", "stddev", "variance"]), distinct,
                                 self.expr(self.pick(NUMERIC), scope, depth))
            type_name, mode = "DOUBLE", ("absolute", 1e-6)
        elif r == 8 and top_level:
            argument, mode = self._quantile_argument(scope, depth)
            if self.chance(0.5):
                call = "median(%s)" % argument
            else:
                call = "quantile_cont(%s, %s)" % (argument, self.pick(["0.5", "0.25", "0.9", "0", "1"]))
            type_name = "DOUBLE"
        elif r == 9 and top_level:
            call = "approx_count_distinct(%s)" % self.expr(self.pick(TYPES), scope, depth)
            type_name, mode = "BIGINT", ("approx",)
        elif r == 10 and top_level:
            call = "string_agg(%s, '|')" % self.expr("VARCHAR", scope, depth)
            type_name, mode = "VARCHAR", ("parts", "|")
        elif r == 11:
            call = "%s(%s)" % (self.pick(["bool_and", "bool_or"]), self.expr("BOOLEAN", scope, depth))
            type_name, mode = "BOOLEAN", None
        else:
            call, type_name, mode = "count(*)", "BIGINT", None
        if self.chance(0.1):
            call += " FILTER (WHERE %s)" % self.expr("BOOLEAN", scope, depth)
        return call, type_name, mode

    def _quantile_argument(self, scope, depth):
        decimals = [c for c in scope if c.type == "DECIMAL" and c.full_type.upper().startswith("DECIMAL(")]
        if decimals and self.chance(0.4):
            column = self.pick(decimals)
            # DuckDB keeps DECIMAL and rounds the interpolation; Plaza returns DOUBLE (documented).
            return column.sql, ("absolute", 10.0 ** -decimal_scale(column.full_type))
        t = self.pick(["BIGINT", "DOUBLE"])
        return self.expr(t, scope, depth), ("absolute", 1e-6)

    def grouped_expr(self, type_name, scope, keys, depth):
        """An expression valid after GROUP BY: keys, aggregates, literals, and arithmetic over them."""
        key_matches = [k for k in keys if k.type == type_name]
        r = self.rng.random()
        if key_matches and r < 0.3:
            return self.pick(key_matches).sql
        if type_name == "BOOLEAN" and r < 0.7:
            t = self.pick(["BIGINT", "DOUBLE", "DECIMAL"])
            return "(%s %s %s)" % (self.grouped_expr(t, scope, keys, depth), self.pick(["<", ">", "=", "<>", ">="]),
                                   self.literal(t))
        for _ in range(20):
            call, t, mode = self.aggregate(scope, depth, False)
            if t == type_name and mode is None or (t == type_name and type_name == "DOUBLE"):
                if type_name in ("BIGINT", "DECIMAL") and self.chance(0.3):
                    return "(%s %s %s)" % (call, self.pick(["+", "-", "*"]), self.literal(type_name))
                return call
        return self.literal(type_name)

    # ----- queries -----
    def table_scope(self, table, alias=None):
        return self.columns_of(table, alias)

    def where(self, scope, depth=2, extra=None):
        conditions = [extra] if extra else []
        if self.chance(0.5):
            conditions.append(self.expr("BOOLEAN", scope, depth))
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def order_limit(self, count, force_limit=False):
        keys = []
        for position in range(1, count + 1):
            key = str(position)
            descending = self.chance(0.5)
            if descending:
                key += " DESC"
            if descending or self.chance(0.3):
                # DESC keys name their NULL order (a leftover from when Plaza's default differed; kept so
                # that recorded seeds still give the same queries). The default is covered by logic tests.
                key += self.pick([" NULLS FIRST", " NULLS LAST"])
            keys.append(key)
        text = " ORDER BY " + ", ".join(keys)
        if force_limit or self.chance(0.6):
            text += " LIMIT %d" % self.rng.randint(0, 20)
            if self.chance(0.3):
                text += " OFFSET %d" % self.rng.randint(0, 10)
        return text

    def projection(self, scope, source, big):
        items = [self.expr(self.pick(TYPES), scope, self.rng.randint(0, 3)) for _ in range(self.rng.randint(1, 4))]
        select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        distinct = "DISTINCT " if self.chance(0.15) else ""
        sql = "SELECT %s%s FROM %s%s" % (distinct, select, source, self.where(scope, extra=self.extra_where))
        ordered = big or self.chance(0.4)
        if ordered:
            sql += self.order_limit(len(items), force_limit=big)
        return Query(sql, ordered, [None] * len(items))

    def grouped(self, scope, source):
        key_count = self.rng.randint(0, 2)
        keys = []
        for _ in range(key_count):
            t = self.pick(["BIGINT", "VARCHAR", "BOOLEAN", "DATE", "BIGINT", "DECIMAL", "DOUBLE"])
            low = [c for c in scope if c.type == t]
            if low and self.chance(0.7):
                keys.append(Column(self.pick(low).sql, t))
            else:
                keys.append(Column(self.expr(t, scope, 1), t))
        items, modes = [], []
        for key in keys:
            items.append(key.sql)
            modes.append(None)
        for _ in range(self.rng.randint(1, 3)):
            if self.chance(0.75):
                call, _, mode = self.aggregate(scope, self.rng.randint(0, 2), True)
            else:
                t = self.pick(TYPES)
                call, mode = self.grouped_expr(t, scope, keys, 1), (("absolute", 1e-6) if t == "DOUBLE" else None)
            items.append(call)
            modes.append(mode)
        select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        sql = "SELECT %s FROM %s%s" % (select, source, self.where(scope, extra=self.extra_where))
        if keys and self.chance(0.2):
            # A window over the groups: rank by an aggregate, or a group's share of a total.
            call, mode = self.window_over_groups(keys)
            select += ", %s AS c%d" % (call, len(items))
            items.append(call)
            modes.append(mode)
            sql = "SELECT %s FROM %s%s" % (select, source, self.where(scope, extra=self.extra_where))
        if keys:
            # DuckDB's GROUP BY ALL refuses a window over the groups ("Cannot mix aggregates …").
            style = self.rng.randint(0, 3)
            while style == 2 and " OVER " in select:
                style = self.rng.randint(0, 3)
            if style == 0:
                sql += " GROUP BY " + ", ".join(k.sql for k in keys)
            elif style == 1:
                sql += " GROUP BY " + ", ".join(str(n + 1) for n in range(len(keys)))
            elif style == 2:
                sql += " GROUP BY ALL"
            else:
                sql += " GROUP BY " + self.grouping_sets(keys)
            if self.chance(0.3):
                sql += " HAVING " + self.grouped_expr("BOOLEAN", scope, keys, 1)
        ordered = False
        if keys and all(m is None for m in modes) and self.chance(0.3):
            sql += self.order_limit(len(items))
            ordered = True
        return Query(sql, ordered, modes)

    def grouping_sets(self, keys):
        """ROLLUP, CUBE or an explicit GROUPING SETS list over the keys (with the empty set)."""
        names = [k.sql for k in keys]
        r = self.rng.randint(0, 2)
        if r == 0:
            return "ROLLUP (%s)" % ", ".join(names)
        if r == 1:
            return "CUBE (%s)" % ", ".join(names)
        sets = ["(%s)" % ", ".join(names), "()"]
        if len(names) > 1:
            sets.insert(1, "(%s)" % names[self.rng.randint(0, len(names) - 1)])
        if self.chance(0.3):
            sets.append(sets[0])  # a set twice: its groups come out twice, as in DuckDB
        return "GROUPING SETS (%s)" % ", ".join(sets)

    def window_over_groups(self, keys):
        """(sql, mode) of a window function over a grouped query's aggregates."""
        r = self.rng.randint(0, 3)
        partition = "PARTITION BY %s " % keys[0].sql if len(keys) > 1 and self.chance(0.5) else ""
        if r == 0:
            return "rank() OVER (%sORDER BY count(*) DESC)" % partition, None
        if r == 1:
            return "dense_rank() OVER (%sORDER BY count(*), min(%s))" % (partition, keys[-1].sql), None
        if r == 2:
            return "sum(count(*)) OVER (%s)" % partition.strip(), None
        return "count(*) * 1.0 / sum(count(*)) OVER (%s)" % partition.strip(), ("absolute", 1e-9)

    # ----- window functions -----
    def window_keys(self, scope):
        """Columns a window may partition or order by (no DOUBLE: NaN and -0.0 order alike in both,
        but keep partitions readable)."""
        return [c for c in scope if c.type in ("BIGINT", "VARCHAR", "BOOLEAN", "DATE", "DECIMAL", "TIMESTAMP")]

    def order_key(self, column):
        text = column.sql
        if self.chance(0.4):
            text += " DESC"
        if self.chance(0.4):
            text += self.pick([" NULLS FIRST", " NULLS LAST"])
        return text

    def window_spec(self, scope, total, frame):
        """`(PARTITION BY … ORDER BY … frame)`; `total` orders by every column of the scope after
        the chosen keys, so rows tie only with identical rows and order-sensitive functions agree."""
        keys = self.window_keys(scope)
        parts = []
        partition = [self.pick(keys).sql for _ in range(self.rng.randint(0, 2))] if keys else []
        if partition:
            parts.append("PARTITION BY " + ", ".join(partition))
        order = [self.order_key(self.pick(keys)) for _ in range(self.rng.randint(0 if not total else 0, 2))] if keys else []
        if total:
            order += [c.sql for c in scope]
        if order:
            parts.append("ORDER BY " + ", ".join(order))
        single = order[0].split(" ")[0] if len(order) == 1 else None
        if frame and order:
            parts.append(self.frame(scope, single, total))
        return "(" + " ".join(parts) + ")"

    def frame(self, scope, single_key, total):
        """A ROWS, RANGE or GROUPS frame; ROWS only over a total order, offsets in RANGE only over one
        numeric or temporal key."""
        bounds = ["UNBOUNDED PRECEDING", "P", "CURRENT ROW", "F", "UNBOUNDED FOLLOWING"]
        units = ["GROUPS", "RANGE"] + (["ROWS", "ROWS"] if total else [])
        unit = self.pick(units)
        key_type = None
        if single_key is not None:
            key_type = next((c.type for c in scope if c.sql == single_key), None)
        offsets_allowed = unit != "RANGE" or key_type in ("BIGINT", "DECIMAL", "DATE", "TIMESTAMP")
        start = self.rng.randint(0, 3)
        end = self.rng.randint(max(start, 1), 4)

        def text(bound):
            if bounds[bound] in ("P", "F"):
                if not offsets_allowed:
                    return "CURRENT ROW"
                if unit == "RANGE" and key_type in ("DATE", "TIMESTAMP"):
                    amount = self.pick(["INTERVAL 3 DAYS", "INTERVAL '1 month'", "INTERVAL 0 DAYS"])
                elif unit == "RANGE" and key_type == "DECIMAL":
                    amount = self.pick(["1.5", "0", "10"])
                else:
                    amount = str(self.rng.randint(0, 3))
                return amount + (" PRECEDING" if bounds[bound] == "P" else " FOLLOWING")
            return bounds[bound]

        return "%s BETWEEN %s AND %s" % (unit, text(start), text(end))

    def window_call(self, scope, sensitive_allowed=True):
        """(sql, type, mode, sensitive) of one window function call. `sensitive`: its value depends on
        how identical rows are ordered among themselves (row_number, ntile, lag/lead, the value functions,
        aggregates over a total order); two such calls in one query could pair their values differently
        across identical rows in the two engines, so a query has at most one."""
        sql, type_name, mode, sensitive = self._window_call(scope)
        while sensitive and not sensitive_allowed:
            sql, type_name, mode, sensitive = self._window_call(scope)
        return sql, type_name, mode, sensitive

    def _window_call(self, scope):
        r = self.rng.randint(0, 11)
        if r == 0:
            return "row_number() OVER %s" % self.window_spec(scope, True, False), "BIGINT", None, True
        if r == 1:
            return ("%s() OVER %s" % (self.pick(["rank", "dense_rank"]), self.window_spec(scope, False, False)),
                    "BIGINT", None, False)
        if r == 2:
            return ("%s() OVER %s" % (self.pick(["percent_rank", "cume_dist"]), self.window_spec(scope, False, False)),
                    "DOUBLE", None, False)
        if r == 3:
            return ("ntile(%d) OVER %s" % (self.rng.randint(1, 5), self.window_spec(scope, True, False)), "BIGINT", None,
                    True)
        if r == 4:
            t = self.pick(TYPES)
            column = self.pick([c for c in scope if c.type == t] or scope)
            arguments = column.sql
            if self.chance(0.6):
                arguments += ", %d" % self.rng.randint(0, 3)
                if self.chance(0.5):
                    arguments += ", " + self.literal(column.type)
            nulls = " IGNORE NULLS" if self.chance(0.15) else ""
            return ("%s(%s%s) OVER %s" % (self.pick(["lag", "lead"]), arguments, nulls, self.window_spec(scope, True, False)),
                    column.type, ("absolute", 1e-9) if column.type == "DOUBLE" else None, True)
        if r == 5:
            column = self.pick(scope)
            function = self.pick(["first_value(%s)", "last_value(%s)", "nth_value(%%s, %d)" % self.rng.randint(1, 3)])
            return (function % column.sql + " OVER " + self.window_spec(scope, True, True), column.type,
                    ("absolute", 1e-9) if column.type == "DOUBLE" else None, True)
        # An aggregate over a frame: any frame over a total order, RANGE/GROUPS or none otherwise.
        total = self.chance(0.5)
        call, type_name, mode = self.window_aggregate(scope)
        return call + " OVER " + self.window_spec(scope, total, self.chance(0.7)), type_name, mode, total

    def window_aggregate(self, scope):
        r = self.rng.randint(0, 7)
        filter_clause = " FILTER (WHERE %s)" % self.expr("BOOLEAN", scope, 1) if self.chance(0.1) else ""
        if r == 0:
            return "count(*)" + filter_clause, "BIGINT", None
        if r == 1:
            distinct = "DISTINCT " if self.chance(0.2) else ""
            return "count(%s%s)%s" % (distinct, self.expr(self.pick(TYPES), scope, 1), filter_clause), "BIGINT", None
        if r <= 3:
            t = self.pick(NUMERIC)
            return ("sum(%s)%s" % (self.expr(t, scope, 1), filter_clause), t,
                    ("absolute", 1e-6) if t == "DOUBLE" else None)
        if r == 4:
            return "avg(%s)%s" % (self.expr(self.pick(NUMERIC), scope, 1), filter_clause), "DOUBLE", ("absolute", 1e-6)
        if r == 5:
            t = self.pick(TYPES)
            return "%s(%s)%s" % (self.pick(["min", "max"]), self.expr(t, scope, 1), filter_clause), t, None
        if r == 6:
            return ("%s(%s)%s" % (self.pick(["stddev_samp", "var_samp", "var_pop"]), self.expr(self.pick(NUMERIC), scope, 1),
                                  filter_clause), "DOUBLE", ("absolute", 1e-6))
        return "%s(%s)" % (self.pick(["bool_and", "bool_or"]), self.expr("BOOLEAN", scope, 1)), "BOOLEAN", None

    def windowed(self, scope, source):
        """Columns and window functions over them; sometimes a QUALIFY, or a cap on a ranking in WHERE
        over the query as a derived table (the per-partition top-k shape)."""
        items, modes = [], []
        for _ in range(self.rng.randint(0, 2)):
            column = self.pick(scope)
            items.append(column.sql)
            modes.append(("absolute", 1e-9) if column.type == "DOUBLE" else None)
        sensitive = False
        for _ in range(self.rng.randint(1, 3)):
            call, _, mode, is_sensitive = self.window_call(scope, not sensitive)
            sensitive = sensitive or is_sensitive
            items.append(call)
            modes.append(mode)
        select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        sql = "SELECT %s FROM %s%s" % (select, source, self.where(scope, extra=self.extra_where))
        # A capped row_number picks among identical rows: only when no other call depends on that order.
        rankings = ["rank", "dense_rank"] + ([] if sensitive else ["row_number"])
        ranking = "%s() OVER %s" % (self.pick(rankings), self.window_spec(scope, True, False))
        cap = "%s %s" % (self.pick(["<=", "<", "="]), self.rng.randint(0, 3))
        r = self.rng.random()
        if r < 0.2:
            sql += " QUALIFY %s %s" % (ranking, cap)
        elif r < 0.35:
            outer = ", ".join("c%d" % n for n in range(len(items)))
            sql = "SELECT %s FROM (SELECT %s, %s AS r FROM %s%s) AS w WHERE r %s" % (
                outer, select, ranking, source, self.where(scope, extra=self.extra_where), cap)
        return Query(sql, False, modes)

    def source(self):
        """A FROM clause and its scope; `big` when the result may have thousands of rows."""
        r = self.rng.randint(0, 11)
        if r <= 3:
            table = self.pick(["t1", "t2", "t3"])
            alias = self.pick([None, "a"])
            text = table + (" AS a" if alias else "")
            return text, self.table_scope(table, alias), table == "t3"
        if r <= 6:
            left, right = self.pick([("t1", "t2"), ("t2", "t1"), ("t2", "t2"), ("t1", "t1")])
            join = self.pick(
                ["JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "RIGHT JOIN", "RIGHT OUTER JOIN", "FULL JOIN",
                 "FULL OUTER JOIN"])
            scope = self.table_scope(left, "a") + self.table_scope(right, "b")
            key = self.pick(["k", "s", "k", "dt", "n"])
            if self.chance(0.15):
                # USING: the qualified columns the queries read stay each side's own.
                return "%s AS a %s %s AS b USING (%s)" % (left, join, right, key), scope, True
            if self.chance(0.15):
                # No equality key: a nested loop.
                condition = "a.%s %s b.%s" % (key, self.pick(["<", "<=", "<>", ">"]), key)
            else:
                condition = "a.%s = b.%s" % (key, key)
            if self.chance(0.3):
                condition += " AND " + self.expr("BOOLEAN", scope, 1)
            return "%s AS a %s %s AS b ON %s" % (left, join, right, condition), scope, True
        if r == 7:
            scope = self.table_scope("t2", "a") + self.table_scope("t2", "b")
            if self.chance(0.5):
                return "t2 AS a CROSS JOIN t2 AS b", scope, True
            return "t2 AS a, t1 AS b", self.table_scope("t2", "a") + self.table_scope("t1", "b"), True
        if r <= 9:
            # A derived table or a CTE over a random projection of one table.
            table = self.pick(["t1", "t2", "t3"])
            inner_scope = self.table_scope(table)
            items, columns = [], []
            for n in range(self.rng.randint(2, 4)):
                t = self.pick(TYPES)
                items.append("%s AS e%d" % (self.expr(t, inner_scope, 1), n))
                columns.append(Column("e%d" % n, t))
            inner = "SELECT %s FROM %s%s" % (", ".join(items), table, self.where(inner_scope, 1))
            if r == 8:
                return "(%s) AS d" % inner, columns, table == "t3"
            return ("WITH", inner), columns, table == "t3"
        # A single table filtered by IN (subquery), compared with a scalar subquery, or by a
        # correlated EXISTS / scalar aggregate (unnested into joins by the binder).
        table = self.pick(["t1", "t2"])
        column = self.pick(["k", "n", "s", "dt"])
        t = base_type(dict(self.tables[table])[column])
        if self.chance(0.4):
            scope = self.table_scope(table, "o")
            inner_scope = self.table_scope("t2", "i")
            inner_column = self.pick([c for c in inner_scope if c.type == t])
            correlation = "%s = o.%s" % (inner_column.sql, column)
            if self.chance(0.5):
                # Conditions over both sides are checked per pair (a residual of the join).
                extra = " AND " + self.expr("BOOLEAN", inner_scope + scope, 1) if self.chance(0.5) else ""
                predicate = "%sEXISTS (SELECT 1 FROM t2 AS i WHERE %s%s)" % (
                    self.pick(["", "NOT "]), correlation, extra)
            else:
                extra = " AND " + self.expr("BOOLEAN", inner_scope, 1) if self.chance(0.5) else ""
                function = self.pick(["min", "max", "count"])
                argument = self.pick([c for c in inner_scope if c.type == t]).sql
                compared = "o.k" if function == "count" else "o.%s" % column
                predicate = "%s %s (SELECT %s(%s) FROM t2 AS i WHERE %s%s)" % (
                    compared, self.pick(["=", "<", ">="]), function, argument, correlation, extra)
            self.extra_where = "(%s)" % predicate
            return table + " AS o", scope, False
        scope = self.table_scope(table)
        sub_scope = self.table_scope("t2")
        sub_columns = [c for c in sub_scope if c.type == t]
        if self.chance(0.6):
            predicate = "%s %sIN (SELECT %s FROM t2%s)" % (column, self.pick(["", "NOT "]), self.pick(sub_columns).sql,
                                                            self.where(sub_scope, 1))
        else:
            predicate = "%s %s (SELECT %s(%s) FROM t2%s)" % (column, self.pick(["=", "<", ">="]), self.pick(["min", "max"]),
                                                             self.pick(sub_columns).sql, self.where(sub_scope, 1))
        self.extra_where = "(%s)" % predicate
        return table, scope, False

    def query(self):
        self.extra_where = None
        self.tags = set()
        if self.chance(COMPOSITE_SHARE):
            query = self.composite_query()
            query.tags = sorted(self.tags)
            return query
        source, scope, big = self.source()
        prefix = ""
        if isinstance(source, tuple):
            prefix = "WITH c AS (%s) " % source[1]
            source = "c"
        r = self.rng.random()
        if r < 0.2:
            query = self.windowed(scope, source)
        elif r < 0.56:
            query = self.grouped(scope, source)
        else:
            query = self.projection(scope, source, big)
        query.sql = prefix + query.sql
        return query
