"""Queries built of queries (issue 17), mixed into `querygen.QueryGenerator`: set operations (also BY NAME,
nested, over branches of different but unifiable types), IN / NOT IN subqueries with NULLs on either side,
scalar subqueries (uncorrelated and correlated, in SELECT, WHERE and HAVING), ANY / ALL comparisons,
correlated subqueries over two outer columns and two levels out, CTEs read twice ([NOT] MATERIALIZED),
WITH RECURSIVE (bounded counters, UNION and UNION ALL, walks over a parent table), VALUES lists and
range / generate_series (integers, dates and timestamps with an INTERVAL step) joined to the tables.

Every query records the constructs it uses in `self.tags` (counted by difftest.py's summary).
"""

import re

SET_OPERATORS = ["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"]
# A family is a set of types the engines unify to one column type (docs/SQL.md "Set operations").
SET_FAMILIES = ["BIGINT", "BIGINT", "NUMERIC", "DECIMAL", "TEMPORAL", "VARCHAR", "VARCHAR", "BOOLEAN", "TEXT_MIX"]
# BY NAME branches name their columns from these; the first branch starts with c0 (the harness
# recognizes a result by its first column's name).
BY_NAME_COLUMNS = ["c0", "c1", "c2", "c3"]
# Series over dates and timestamps: (start, stop) literals and steps; a stop written as `start +
# INTERVAL` is refused by Plaza (table function arguments must fold to constants; noted in the README).
TEMPORAL_SERIES = [
    ("DATE '2024-01-31'", "DATE '2024-12-31'", ["INTERVAL 1 MONTH", "INTERVAL '7 days'", "INTERVAL '1 month 1 day'"]),
    ("DATE '2023-12-30'", "DATE '2024-03-01'", ["INTERVAL '7 days'", "INTERVAL '1 day 2 hours'", "INTERVAL 1 WEEK"]),
    ("TIMESTAMP '2024-02-28 22:00:00'", "TIMESTAMP '2024-02-29 18:00:00'", ["INTERVAL 90 MINUTE", "INTERVAL 2 HOURS"]),
    ("TIMESTAMP '1999-12-31 23:59:59.5'", "TIMESTAMP '2030-01-01 00:00:00'", ["INTERVAL 1 YEAR", "INTERVAL '1 year 2 months'"]),
    ("DATE '2024-12-31'", "DATE '2024-01-01'", ["INTERVAL '-1 month'", "INTERVAL '-10 days'"]),
]


def unified_type(types):
    """The generator type a column of branches of these types has (NULL branches take the others')."""
    present = set(t for t in types if t != "NULL")
    for name in ("VARCHAR", "DOUBLE", "DECIMAL", "BIGINT", "TIMESTAMP", "DATE", "BOOLEAN"):
        if name in present:
            return name
    return "BIGINT"


class CompositeQueries:
    """Productions whose parts are queries; `QueryGenerator` provides the expressions and bodies."""

    # ----- entry point -----
    def composite_query(self):
        """One query of the issue-17 constructs; bodies (projection, grouped, windowed) come from the base."""
        r = self.rng.random()
        if r < 0.28:
            return self.set_operation_query()
        if r < 0.44:
            return self.subquery_query()
        if r < 0.52:
            return self.subquery_placement_query()
        if r < 0.64:
            prefix, source, scope, big = self.cte_twice_source()
        elif r < 0.78:
            prefix, source, scope, big = self.recursive_source()
        elif r < 0.89:
            prefix, source, scope, big = self.values_source()
        else:
            prefix, source, scope, big = self.series_source()
        if source is None:
            # The CTE forms that are whole queries (a union of the CTE with itself) come back finished.
            return prefix
        query = self.body(scope, source, big)
        query.sql = prefix + query.sql
        return query

    def body(self, scope, source, big):
        """A windowed, grouped or plain query over a source and its scope, as the base generator makes."""
        r = self.rng.random()
        if r < 0.2:
            return self.windowed(scope, source)
        if r < 0.56:
            return self.grouped(scope, source)
        return self.projection(scope, source, big)

    # ----- set operations -----
    def set_item(self, family, allow_null):
        """(sql, type) of one branch item of a family over a table's columns (k, n, f, m, s, w, b, dt, ts)."""
        if allow_null and self.chance(0.1):
            return "NULL", "NULL"
        if family == "TEXT_MIX":
            # VARCHAR or BIGINT only: a nested branch pair must unify on its own (BIGINT with DATE does not).
            family = self.pick(["VARCHAR", "BIGINT"])
        if family == "BIGINT":
            choice = self.pick(["k", "k", "n", "x", "(k % 3)", "literal"])
            return (self.literal("BIGINT"), "BIGINT") if choice == "literal" else (choice, "BIGINT")
        if family == "NUMERIC":
            choice = self.pick(["k", "n", "f", "CAST(n AS DOUBLE)", "1.5e0", "(-0.0e0)"])
            return choice, "BIGINT" if choice in ("k", "n") else "DOUBLE"
        if family == "DECIMAL":
            # The tables' DECIMAL columns differ in scale; casts and literals add others.
            choice = self.pick(["m", "m", "CAST(m AS DECIMAL(18,4))", "CAST(k AS DECIMAL(5,1))", "0.5", "12.125", "k"])
            return choice, "BIGINT" if choice == "k" else "DECIMAL"
        if family == "TEMPORAL":
            choice = self.pick(["dt", "ts", "CAST(ts AS DATE)", "date_trunc('month', ts)", "DATE '2024-02-29'",
                                "TIMESTAMP '2000-01-01 00:00:00.5'"])
            return choice, "TIMESTAMP" if choice == "ts" or choice.startswith(("date_trunc", "TIMESTAMP")) else "DATE"
        if family == "VARCHAR":
            choice = self.pick(["s", "s", "w", "lower(s)", "literal"])
            return (self.literal("VARCHAR"), "VARCHAR") if choice == "literal" else (choice, "VARCHAR")
        if family == "BOOLEAN":
            return self.pick(["b", "b", "(k > 4)", "(s = 'a')"]), "BOOLEAN"
        raise ValueError(family)

    def set_values_branch(self, families):
        """VALUES rows as a branch, one literal (or NULL) of each family per column."""
        rows = []
        types = [[] for _ in families]
        for _ in range(self.rng.randint(1, 3)):
            cells = []
            for position, family in enumerate(families):
                kind = {"NUMERIC": self.pick(["BIGINT", "DOUBLE"]), "TEMPORAL": self.pick(["DATE", "TIMESTAMP"]),
                        "TEXT_MIX": "VARCHAR"}.get(family, family)
                literal = "NULL" if self.chance(0.15) else self.literal(kind)
                cells.append(literal)
                types[position].append("NULL" if "NULL" in literal else kind)
            rows.append("(%s)" % ", ".join(cells))
        return "VALUES " + ", ".join(rows), [unified_type(t) for t in types]

    def set_series_branch(self, families, first):
        """SELECT over a range / generate_series: numeric columns read the series, the others are literals."""
        self.tags.add("range/generate_series")
        items, types = [], []
        for family in families:
            if family in ("BIGINT", "NUMERIC", "DECIMAL"):
                item, item_type = "g.v", "BIGINT"
            elif family in ("VARCHAR", "TEXT_MIX"):
                item, item_type = "CAST(g.v AS VARCHAR)", "VARCHAR"
            else:
                item_type = "DATE" if family == "TEMPORAL" else "BOOLEAN"
                item = self.literal(item_type)
            items.append(item + (" AS c%d" % len(items) if first else ""))
            types.append(item_type)
        return "SELECT %s FROM %s AS g(v)" % (", ".join(items), self.integer_series()), types, False

    def set_branch(self, families, first, names=None):
        """(sql, types, reads_big_table) of one SELECT (or VALUES) branch; `names` aliases its items."""
        r = self.rng.random()
        if r < 0.1 and names is None and not first:
            self.tags.add("VALUES")
            sql, types = self.set_values_branch(families)
            return sql, types, False
        if r < 0.18 and names is None:
            return self.set_series_branch(families, first)
        table = self.pick(["t1", "t1", "t2", "t2", "t3"])
        scope = self.table_scope(table)
        items, types = [], []
        for family in families:
            item, item_type = self.set_item(family, not first)
            items.append(item)
            types.append(item_type)
        if names is not None:
            select = ", ".join("%s AS %s" % (item, name) for item, name in zip(items, names))
        elif first:
            select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        else:
            select = ", ".join(items)
        distinct = "DISTINCT " if self.chance(0.1) else ""
        sql = "SELECT %s%s FROM %s%s" % (distinct, select, table, self.where(scope, 1))
        if self.chance(0.1):
            # A parenthesized branch with its own ORDER BY over every column and LIMIT.
            sql = "(%s%s)" % (sql, self.order_limit(len(items), force_limit=True))
            return sql, types, False
        return sql, types, table == "t3"

    def set_tree(self, families, depth, first):
        """(sql, types per column, reads_big_table, is_compound) of a tree of set operations."""
        if depth <= 0 or self.chance(0.3 if first else 0.45):
            sql, types, big = self.set_branch(families, first)
            return sql, [[t] for t in types], big, False
        left = self.set_tree(families, depth - 1, first)
        operator = self.pick(SET_OPERATORS)
        right = self.set_tree(families, depth - 1, False)
        parts = []
        for side, (sql, _, _, compound) in ((0, left), (1, right)):
            # A compound right side is always parenthesized (its meaning), a left one sometimes; the
            # flat chains that remain exercise precedence (INTERSECT binds tighter).
            if compound and (side == 1 or self.chance(0.5)):
                sql = "(%s)" % sql
            parts.append(sql)
        types = [l + r for l, r in zip(left[1], right[1])]
        return "%s %s %s" % (parts[0], operator, parts[1]), types, left[2] or right[2], True

    def set_operation_query(self):
        """A tree of set operations; sometimes UNION [ALL] BY NAME, sometimes a derived table under a body."""
        self.tags.add("set operation")
        if self.chance(0.15):
            return self.by_name_query()
        families = [self.pick(SET_FAMILIES) for _ in range(self.rng.randint(1, 3))]
        sql, types, big, _ = self.set_tree(families, self.rng.randint(1, 3), True)
        if " UNION " not in sql and " INTERSECT " not in sql and " EXCEPT " not in sql:
            second, second_types, second_big = self.set_branch(families, False)
            sql = "%s %s %s" % (sql, self.pick(SET_OPERATORS), second)
            types = [t + [u] for t, u in zip(types, second_types)]
            big = big or second_big
        column_types = [unified_type(t) for t in types]
        if self.chance(0.25):
            # The set operation as a derived table under a grouped, windowed or plain query.
            scope = [self.column("u.c%d" % n, t) for n, t in enumerate(column_types)]
            return self.body(scope, "(%s) AS u" % sql, big)
        ordered = big or self.chance(0.4)
        if ordered:
            order = self.order_limit(len(families), force_limit=big)
            if self.chance(0.3):
                # ORDER BY the output names (the first branch's) instead of ordinals.
                keys, limit = (order.split(" LIMIT ", 1) + [None])[:2]
                keys = re.sub(r"(BY |, )(\d+)", lambda m: "%sc%d" % (m.group(1), int(m.group(2)) - 1), keys)
                order = keys + (" LIMIT " + limit if limit else "")
            sql += order
        return self.make_query(sql, ordered, len(families))

    def by_name_query(self):
        """UNION [ALL] BY NAME over branches naming some of the same columns, in different orders."""
        self.tags.add("UNION BY NAME")
        families = {name: self.pick(SET_FAMILIES) for name in BY_NAME_COLUMNS}
        output = []
        parts = []
        for position in range(self.rng.randint(2, 3)):
            names = self.rng.sample(BY_NAME_COLUMNS, self.rng.randint(1, 3))
            if position == 0 and "c0" not in names:
                names[0] = "c0"
            if position == 0:
                names.remove("c0")
                names.insert(0, "c0")
            sql, _, big = self.set_branch([families[n] for n in names], position == 0, names)
            if big:
                sql += " ORDER BY %s LIMIT 30" % ", ".join(str(n + 1) for n in range(len(names)))
                sql = "(%s)" % sql
            parts.append(sql)
            output += [n for n in names if n not in output]
        sql = parts[0]
        for part in parts[1:]:
            sql += " UNION %sBY NAME %s" % (self.pick(["", "ALL "]), part)
        ordered = self.chance(0.4)
        if ordered:
            sql += self.order_limit(len(output))
        return self.make_query(sql, ordered, len(output))

    def integer_series(self):
        """range or generate_series over integers (steps of both signs)."""
        r = self.rng.randint(0, 3)
        if r == 0:
            return "range(%d)" % self.rng.randint(0, 12)
        if r == 1:
            return "range(%d, %d, %d)" % (self.rng.randint(-3, 3), self.rng.randint(4, 15), self.rng.randint(1, 4))
        if r == 2:
            return "generate_series(%d, %d)" % (self.rng.randint(-2, 3), self.rng.randint(3, 12))
        return "generate_series(%d, %d, %d)" % (self.rng.randint(8, 14), self.rng.randint(-2, 2), -self.rng.randint(1, 3))

    # ----- subqueries -----
    def in_list_subquery(self, type_name, outer=None):
        """A one-column subquery of `type_name` for IN / ANY / ALL, NULLs and emptiness included; with
        `outer`, sometimes correlated with it (IN in WHERE unnests; NOT IN is a documented error)."""
        inner_scope = self.table_scope("t2", "i")
        column = self.pick([c for c in inner_scope if c.type == type_name]).sql
        if outer is not None and self.chance(0.2):
            self.tags.add("correlated IN")
            return "SELECT %s FROM t2 AS i WHERE i.k = %s.k%s" % (
                column, outer, " AND i.b = %s.b" % outer if self.chance(0.3) else "")
        r = self.rng.randint(0, 8)
        if r == 6:
            # Another type than the left side's: the two meet in their common type.
            other = {"BIGINT": self.pick(["i.f", "i.m", "CAST(i.n AS DOUBLE) / 2"]), "DATE": "i.ts",
                     "VARCHAR": "i.w"}[type_name]
            return "SELECT %s FROM t2 AS i%s" % (other, self.where(inner_scope, 1))
        if r == 0:
            return "SELECT %s FROM t2 AS i UNION ALL SELECT NULL" % column
        if r == 1:
            return "SELECT CASE WHEN i.b THEN NULL ELSE %s END FROM t2 AS i" % column
        if r == 2:
            # Empty: NOT IN of nothing is TRUE even for a NULL on the left.
            return "SELECT %s FROM t2 AS i WHERE i.k > 100" % column
        if r == 3:
            return "SELECT %s FROM t2 AS i WHERE %s IS NOT NULL%s" % (
                column, column, " AND " + self.expr("BOOLEAN", inner_scope, 1) if self.chance(0.5) else "")
        if r == 4 and type_name == "BIGINT":
            self.tags.add("set operation")
            return "SELECT i.k FROM t2 AS i %s SELECT j.n FROM t1 AS j WHERE j.n < 10" % self.pick(
                ["EXCEPT", "INTERSECT", "UNION"])
        if r == 5 and type_name == "BIGINT":
            self.tags.add("VALUES")
            return "VALUES (1), (%s), (3)" % self.pick(["NULL", "2", "5"])
        return "SELECT %s FROM t2 AS i%s" % (column, self.where(inner_scope, 1))

    def outer_operand(self, type_name, scope):
        """The left side of IN / ANY / ALL: an outer column (with its NULLs), sometimes a NULL or a literal."""
        r = self.rng.random()
        if r < 0.08:
            return "CAST(NULL AS %s)" % type_name
        if r < 0.15:
            return self.literal(type_name)
        return self.pick([c for c in scope if c.type == type_name and c.sql.split(".")[-1] in ("k", "n", "s", "dt")]
                         or [c for c in scope if c.type == type_name]).sql

    def in_predicate(self, scope, outer=None):
        self.tags.add("IN/NOT IN subquery")
        t = self.pick(["BIGINT", "BIGINT", "VARCHAR", "DATE"])
        return "(%s %sIN (%s))" % (self.outer_operand(t, scope), self.pick(["", "NOT "]), self.in_list_subquery(t, outer))

    def quantified_predicate(self, scope):
        """`x op ANY/SOME/ALL (subquery)` (DuckDB's semantics: NULL when no row decides and one is NULL)."""
        self.tags.add("ANY/ALL")
        t = self.pick(["BIGINT", "BIGINT", "VARCHAR", "DATE"])
        return "(%s %s %s (%s))" % (self.outer_operand(t, scope), self.pick(["=", "<>", "<", "<=", ">", ">="]),
                                    self.pick(["ANY", "ALL", "SOME", "ALL"]), self.in_list_subquery(t))

    def scalar_subquery(self):
        """(sql, type, mode) of an uncorrelated scalar subquery: one aggregate, or one row by ORDER BY LIMIT 1."""
        self.tags.add("scalar subquery")
        inner_scope = self.table_scope("t2", "i")
        if self.chance(0.1):
            self.tags.add("set operation")
            return ("(SELECT %s(u.c) FROM (SELECT i.n AS c FROM t2 AS i %s SELECT j.k FROM t1 AS j WHERE j.b) AS u)" % (
                self.pick(["max", "min", "count"]), self.pick(SET_OPERATORS)), "BIGINT", None)
        if self.chance(0.2):
            column = self.pick([c for c in inner_scope if c.sql.split(".")[-1] in ("k", "n", "s", "dt", "m")])
            return ("(SELECT %s FROM t2 AS i%s ORDER BY 1 %s LIMIT 1)" % (
                column.sql, self.where(inner_scope, 1), self.pick(["NULLS FIRST", "NULLS LAST", "DESC NULLS LAST"])),
                column.type, None)
        call, t, mode = self.aggregate(inner_scope, 1, False)
        return "(SELECT %s FROM t2 AS i%s)" % (call, self.where(inner_scope, 1)), t, mode

    def correlated_scalar(self, outer, two_columns):
        """(sql, type, mode) of a scalar aggregate correlated by equalities on one or two outer columns."""
        self.tags.add("scalar subquery")
        self.tags.add("correlated scalar subquery")
        inner_scope = self.table_scope("t2", "i")
        keys = ["k"] + ([self.pick(["b", "s", "n"])] if two_columns else [])
        if two_columns:
            self.tags.add("correlated on two columns")
        correlation = " AND ".join("i.%s = %s.%s" % (key, outer, key) for key in keys)
        extra = " AND " + self.expr("BOOLEAN", inner_scope, 1) if self.chance(0.3) else ""
        r = self.rng.randint(0, 4)
        if r == 0:
            return "(SELECT count(*) FROM t2 AS i WHERE %s%s)" % (correlation, extra), "BIGINT", None
        if r == 1:
            return "(SELECT sum(i.n) FROM t2 AS i WHERE %s%s)" % (correlation, extra), "BIGINT", None
        if r == 2:
            return "(SELECT avg(i.n) FROM t2 AS i WHERE %s%s)" % (correlation, extra), "DOUBLE", ("absolute", 1e-6)
        column = self.pick([c for c in inner_scope if c.type in ("BIGINT", "VARCHAR", "DATE", "DECIMAL")])
        return ("(SELECT %s(%s) FROM t2 AS i WHERE %s%s)" % (self.pick(["min", "max"]), column.sql, correlation, extra),
                column.type, None)

    def correlated_exists(self, outer):
        """[NOT] EXISTS over two outer columns, or nested two levels with a reference to each level's
        parent or, sometimes, to the outermost query (two levels out)."""
        inner_scope = self.table_scope("t2", "i")
        r = self.rng.randint(0, 2)
        if r == 0:
            self.tags.add("correlated on two columns")
            second = self.pick(["i.b = %s.b" % outer, "i.s = %s.s" % outer, "i.n < %s.n" % outer,
                                "i.dt >= %s.dt" % outer])
            inner = "SELECT 1 FROM t2 AS i WHERE i.k = %s.k AND %s" % (outer, second)
        else:
            self.tags.add("correlated two levels")
            if r == 1:
                deepest = "j.s = i.s"
            else:
                # A reference two queries out: DuckDB answers; docs/SQL.md lists it as an error in Plaza.
                self.tags.add("correlated two levels out")
                deepest = "j.s = i.s AND j.n > %s.n" % outer
            inner = "SELECT 1 FROM t2 AS i WHERE i.k = %s.k AND %sEXISTS (SELECT 1 FROM t1 AS j WHERE %s)" % (
                outer, self.pick(["", "NOT "]), deepest)
        return "(%sEXISTS (%s))" % (self.pick(["", "NOT "]), inner)

    def subquery_query(self):
        """A query over one table (alias o) with subqueries in WHERE, in the select list or in HAVING."""
        table = self.pick(["t1", "t2"])
        scope = self.table_scope(table, "o")
        conditions = []
        for _ in range(self.rng.randint(0, 2)):
            r = self.rng.randint(0, 5)
            if r <= 1:
                conditions.append(self.in_predicate(scope, "o"))
            elif r == 2:
                conditions.append(self.quantified_predicate(scope) if self.chance(0.5) else self.in_predicate(scope))
            elif r == 3:
                sql, t, _ = self.scalar_subquery()
                column = self.pick([c for c in scope if c.type == t] or [None])
                if column is not None:
                    conditions.append("(%s %s %s)" % (column.sql, self.pick(["=", "<", ">=", "<>"]), sql))
            elif r == 4:
                sql, t, _ = self.correlated_scalar("o", self.chance(0.5))
                column = self.pick([c for c in scope if c.type == t] or [None])
                if column is not None:
                    conditions.append("(%s %s %s)" % (column.sql, self.pick(["=", "<", ">=", "<>"]), sql))
            else:
                conditions.append(self.correlated_exists("o"))
        if self.chance(0.4):
            conditions.append(self.expr("BOOLEAN", scope, 1))
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        if self.chance(0.35):
            return self.grouped_with_subqueries(table, scope, where)
        items, modes = [], []
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.randint(0, 5)
            if r == 0:
                sql, _, mode = self.scalar_subquery()
            elif r == 1:
                sql, _, mode = self.correlated_scalar("o", self.chance(0.5))
            elif r == 2:
                # IN in the select list: TRUE, FALSE or NULL (uncorrelated; the correlated form is an error).
                sql, mode = self.in_predicate(scope), None
            elif r == 3 and self.chance(0.3):
                sql, mode = self.quantified_predicate(scope), None
            else:
                column = self.pick(scope)
                sql, mode = column.sql, (("absolute", 1e-9) if column.type == "DOUBLE" else None)
            items.append(sql)
            modes.append(mode)
        select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        sql = "SELECT %s FROM %s AS o%s" % (select, table, where)
        ordered = all(m is None for m in modes) and self.chance(0.3)
        if ordered:
            sql += self.order_limit(len(items))
        query = self.make_query(sql, ordered, len(items))
        query.modes = modes
        return query

    def subquery_placement_query(self):
        """A correlated subquery where issue 17 asks for one beyond WHERE and the select list: an aggregate's
        argument or FILTER, a GROUP BY key, the ON of an outer join (reading one side or both), beside a window
        function, with a window or a derived table inside, or reading an aggregate of the enclosing query."""
        table = self.pick(["t1", "t2"])
        scope = self.table_scope(table, "o")
        r = self.rng.randint(0, 7)
        if r == 0:
            self.tags.add("correlated in an aggregate argument")
            sub, t, mode = self.correlated_scalar("o", self.chance(0.3))
            function = self.pick(["sum", "max", "count"]) if t in ("BIGINT", "DOUBLE") else self.pick(["max", "count"])
            if t == "DOUBLE" and function == "sum":
                mode = ("absolute", 1e-6)
            item = "%s(%s)" % (function, sub)
            if self.chance(0.5):
                return self.make_query("SELECT %s AS c0 FROM %s AS o" % (item, table), False, 1, [mode])
            return self.make_query("SELECT o.k AS c0, %s AS c1 FROM %s AS o GROUP BY o.k" % (item, table),
                                   False, 2, [None, mode])
        if r == 1:
            self.tags.add("correlated in FILTER")
            condition = self.correlated_exists("o") if self.chance(0.6) else self.in_predicate(scope, "o")
            return self.make_query("SELECT o.k AS c0, count(*) FILTER (WHERE %s) AS c1 FROM %s AS o GROUP BY o.k"
                                   % (condition, table), False, 2)
        if r == 2:
            self.tags.add("correlated GROUP BY key")
            sub, t, mode = self.correlated_scalar("o", self.chance(0.3))
            if mode is not None:
                sub, t, mode = "(SELECT count(*) FROM t2 AS i WHERE i.k = o.k)", "BIGINT", None
            again = self.chance(0.5)
            items = "%s AS c0, count(*) AS c1" % sub
            return self.make_query("SELECT %s FROM %s AS o GROUP BY %s" % (items, table, sub if again else "1"),
                                   False, 2)
        if r == 3:
            self.tags.add("correlated in an outer join's ON")
            kind = self.pick(["LEFT", "RIGHT", "FULL"])
            side = self.pick(["o", "i", "both"])
            if side == "both":
                sub = "(SELECT count(*) FROM t2 AS j WHERE j.k = o.k AND j.n <= i.n)"
                condition = "i.n > %s" % sub
            else:
                sub = "(SELECT %s(j.n) FROM t2 AS j WHERE j.k = %s.k)" % (self.pick(["min", "max"]), side)
                condition = "%s.n %s %s" % (self.pick(["i", "o"]), self.pick(["<", ">=", "<>"]), sub)
            sql = ("SELECT o.k AS c0, o.n AS c1, i.k AS c2, i.n AS c3 FROM %s AS o %s JOIN t2 AS i ON o.k = i.k AND %s"
                   % (table, kind, condition))
            return self.make_query(sql, False, 4)
        if r == 4:
            self.tags.add("correlated beside a window function")
            sub, t, mode = self.correlated_scalar("o", False)
            window = self.pick(["rank() OVER (ORDER BY o.k NULLS LAST)", "count(*) OVER (PARTITION BY o.k)",
                                "sum(o.n) OVER (PARTITION BY o.k)"])
            return self.make_query("SELECT o.k AS c0, %s AS c1, %s AS c2 FROM %s AS o" % (sub, window, table),
                                   False, 3, [None, mode, None])
        if r == 5:
            self.tags.add("correlated with a window inside")
            inner = self.pick([
                "(SELECT max(r) FROM (SELECT rank() OVER (ORDER BY i.n) AS r FROM t2 AS i WHERE i.k = o.k) AS w)",
                "(SELECT i.n FROM t2 AS i WHERE i.k = o.k QUALIFY row_number() OVER (ORDER BY i.n DESC NULLS LAST) = 1)",
                "(SELECT sum(x) FROM (SELECT count(*) OVER (PARTITION BY i.s) AS x FROM t2 AS i WHERE i.k = o.k) AS w)"])
            return self.make_query("SELECT o.k AS c0, %s AS c1 FROM %s AS o" % (inner, table), False, 2)
        if r == 6:
            self.tags.add("correlated derived table")
            inner = self.pick([
                "(SELECT count(*) FROM (SELECT * FROM t2 AS i WHERE i.k = o.k) AS d)",
                "(SELECT max(d.n) FROM (SELECT n FROM t2 AS i WHERE i.k = o.k UNION ALL SELECT n FROM t1 AS j WHERE j.k = o.k) AS d)",
                "(SELECT sum(c) FROM (SELECT i.s, count(*) AS c FROM t2 AS i WHERE i.n > o.n GROUP BY i.s) AS d)"])
            return self.make_query("SELECT o.k AS c0, %s AS c1 FROM %s AS o" % (inner, table), False, 2)
        self.tags.add("outer aggregate in a subquery")
        inner = self.pick([
            "EXISTS (SELECT 1 FROM t2 AS i WHERE i.n > max(o.n))",
            "(SELECT count(*) FROM t2 AS i WHERE i.n < sum(o.n) AND i.k = o.k) > 0"])
        return self.make_query("SELECT o.k AS c0, count(*) AS c1 FROM %s AS o GROUP BY o.k HAVING %s"
                               % (table, inner), False, 2)

    def grouped_with_subqueries(self, table, scope, where):
        """GROUP BY o.k with a scalar subquery in the select list or HAVING (uncorrelated, or correlated
        on the group key)."""
        items = ["o.k", "count(*)"]
        modes = [None, None]
        having = None
        # Mostly uncorrelated: a correlated subquery under GROUP BY is a documented error in Plaza.
        r = self.pick([0, 0, 1, 1, 1, 2, 3])
        if r == 0:
            sql, _, mode = self.scalar_subquery()
            items.append(sql)
            modes.append(mode)
        elif r == 1:
            sql, t, _ = self.scalar_subquery()
            if t in ("BIGINT", "DECIMAL", "DOUBLE"):
                having = "sum(o.n) %s %s" % (self.pick([">", "<=", "<>"]), sql)
            else:
                having = "max(o.%s) %s %s" % ({"VARCHAR": "s", "DATE": "dt", "BOOLEAN": "b", "TIMESTAMP": "ts"}[t],
                                               self.pick([">", "<=", "="]), sql)
        else:
            # Correlated on the group key, in HAVING or the select list.
            self.tags.add("scalar subquery")
            self.tags.add("correlated scalar subquery")
            self.tags.add("correlated in HAVING")
            sub = "(SELECT count(*) FROM t2 AS i WHERE i.k = o.k)"
            if r == 2:
                having = "count(*) %s %s" % (self.pick([">", ">=", "<"]), sub)
            else:
                items.append(sub)
                modes.append(None)
                having = "count(*) > 1" if self.chance(0.5) else None
        select = ", ".join("%s AS c%d" % (item, n) for n, item in enumerate(items))
        sql = "SELECT %s FROM %s AS o%s GROUP BY o.k" % (select, table, where)
        if having:
            sql += " HAVING " + having
        return self.make_query(sql, False, len(items), modes)

    # ----- CTEs -----
    def cte_body(self, table):
        """(sql, columns) of a random projection of one table, columns e0…, with a join key e0."""
        inner_scope = self.table_scope(table)
        key = self.pick([c for c in inner_scope if c.sql in ("k", "s", "b", "dt")])
        items = ["%s AS e0" % key.sql]
        columns = [self.column("e0", key.type)]
        for n in range(1, self.rng.randint(2, 4)):
            t = self.pick(["BIGINT", "VARCHAR", "DOUBLE", "DECIMAL", "DATE", "BOOLEAN", "TIMESTAMP"])
            items.append("%s AS e%d" % (self.expr(t, inner_scope, 1), n))
            columns.append(self.column("e%d" % n, t))
        return "SELECT %s FROM %s%s" % (", ".join(items), table, self.where(inner_scope, 1)), columns

    def cte_twice_source(self):
        """WITH c AS [[NOT] MATERIALIZED] (…) read twice: a self-join, a subquery over it, a second CTE
        over it, or a union of two reads (a whole query, returned as the prefix)."""
        self.tags.add("CTE used twice")
        table = self.pick(["t1", "t2"])
        inner, columns = self.cte_body(table)
        materialized = self.pick(["", "MATERIALIZED ", "NOT MATERIALIZED "])
        prefix = "WITH c AS %s(%s) " % (materialized, inner)
        r = self.rng.randint(0, 3)
        if r == 0:
            scope = [self.column("x." + c.sql, c.type) for c in columns] + [self.column("y." + c.sql, c.type)
                                                                             for c in columns]
            join = self.pick(["JOIN", "LEFT JOIN", "FULL JOIN"])
            return prefix, "c AS x %s c AS y ON x.e0 = y.e0" % join, scope, True
        if r == 1:
            condition = self.pick(["e0 %sIN (SELECT e0 FROM c WHERE %s)" % (
                self.pick(["", "NOT "]), self.expr("BOOLEAN", columns, 1)),
                "EXISTS (SELECT 1 FROM c AS z WHERE z.e0 = c.e0 AND z.e1 IS NOT NULL)"])
            self.extra_where = "(%s)" % condition
            return prefix, "c", columns, False
        if r == 2:
            prefix = prefix.rstrip() + ", d AS (SELECT e0, count(*) AS cnt FROM c GROUP BY e0) "
            scope = columns + [self.column("d.cnt", "BIGINT")]
            return prefix, "c JOIN d USING (e0)", scope, True
        self.tags.add("set operation")
        first = "SELECT %s FROM c%s" % (", ".join("%s AS c%d" % (c.sql, n) for n, c in enumerate(columns)),
                                        self.where(columns, 1))
        second = "SELECT %s FROM c%s" % (", ".join(c.sql for c in columns), self.where(columns, 1))
        sql = "%s%s %s %s" % (prefix, first, self.pick(SET_OPERATORS), second)
        ordered = self.chance(0.4)
        if ordered:
            sql += self.order_limit(len(columns))
        return self.make_query(sql, ordered, len(columns)), None, None, None

    def recursive_source(self):
        """WITH RECURSIVE: a counter to N ≤ 50 (UNION ALL, or UNION over a finite cycle), or a walk over a
        parent table (a tree made from a series, or the edges k → n of t2), joined to a table."""
        self.tags.add("WITH RECURSIVE")
        r = self.rng.randint(0, 3)
        limit = self.rng.randint(0, 50)
        if r == 0:
            step = self.pick(["i + 1", "i + 2", "i * 2"])
            if self.chance(0.3):
                cte = "r(i, s) AS (SELECT 1, CAST('a' AS VARCHAR) UNION ALL SELECT %s, s || 'b' FROM r WHERE i < %d)" % (
                    step, limit)
                scope = [self.column("r.i", "BIGINT"), self.column("r.s", "VARCHAR")]
            else:
                cte = "r(i) AS (SELECT 1 UNION %sSELECT %s FROM r WHERE i < %d)" % (self.pick(["ALL ", ""]), step, limit)
                scope = [self.column("r.i", "BIGINT")]
        elif r == 1:
            # UNION over values modulo a small number: the set is finite, so it ends without a bound.
            modulus = self.rng.randint(3, 17)
            cte = "r(i) AS (SELECT k FROM t2 UNION SELECT (i * %d + 1) %% %d FROM r WHERE i IS NOT NULL)" % (
                self.rng.randint(2, 5), modulus)
            scope = [self.column("r.i", "BIGINT")]
        elif r == 2:
            # A tree: the parent of v is v / 2 (rounded down), walked from the root with each node's depth.
            cte = ("p(id, parent) AS (SELECT v, CASE WHEN v > 1 THEN CAST((v - v %% 2) / 2 AS BIGINT) END "
                   "FROM range(1, %d) AS g(v)), r(i, root, depth) AS (SELECT id, id, 0 FROM p WHERE parent IS NULL "
                   "UNION %sSELECT p.id, r.root, r.depth + 1 FROM p JOIN r ON p.parent = r.i)") % (
                limit + 2, self.pick(["ALL ", ""]))
            scope = [self.column("r.i", "BIGINT"), self.column("r.root", "BIGINT"), self.column("r.depth", "BIGINT")]
            self.tags.add("range/generate_series")
        else:
            # Edges of t2 (child n, parent k), possibly with cycles: UNION over (node, root) pairs ends; UNION
            # ALL is bounded by depth.
            if self.chance(0.5):
                cte = ("p AS (SELECT n AS id, k AS parent FROM t2 WHERE n IS NOT NULL), r(i, root) AS (SELECT id, id "
                       "FROM p WHERE parent IS NULL OR parent > %d UNION SELECT p.id, r.root FROM p JOIN r ON "
                       "p.parent = r.i)") % self.rng.randint(3, 9)
                scope = [self.column("r.i", "BIGINT"), self.column("r.root", "BIGINT")]
            else:
                cte = ("p AS (SELECT n AS id, k AS parent FROM t2), r(i, depth) AS (SELECT k, 0 FROM t1 WHERE n < 0 "
                       "UNION ALL SELECT p.id, r.depth + 1 FROM p JOIN r ON p.parent = r.i WHERE r.depth < %d)") % (
                    self.rng.randint(1, 3))
                scope = [self.column("r.i", "BIGINT"), self.column("r.depth", "BIGINT")]
        prefix = "WITH RECURSIVE %s " % cte
        if self.chance(0.5):
            return prefix, "r", scope, True
        table = self.pick(["t1", "t2"])
        join = self.pick(["JOIN", "LEFT JOIN", "RIGHT JOIN"])
        return prefix, "r %s %s AS a ON a.k = r.i %% 10" % (join, table), scope + self.table_scope(table, "a"), True

    # ----- VALUES and series -----
    def values_source(self):
        """A VALUES list as a table, alone or joined to a table on its first (BIGINT) column."""
        self.tags.add("VALUES")
        kinds = ["BIGINT"] + [self.pick(["BIGINT", "VARCHAR", "DATE", "DECIMAL", "DOUBLE", "BOOLEAN", "TIMESTAMP"])
                              for _ in range(self.rng.randint(0, 2))]
        rows = []
        for row in range(self.rng.randint(1, 5)):
            cells = []
            for kind in kinds:
                if row > 0 and self.chance(0.15):
                    cells.append("NULL")
                elif kind == "BIGINT":
                    cells.append(str(self.rng.randint(0, 11)))
                else:
                    cells.append(self.literal(kind))
            rows.append("(%s)" % ", ".join(cells))
        names = ["v%d" % n for n in range(len(kinds))]
        values = "(VALUES %s) AS v(%s)" % (", ".join(rows), ", ".join(names))
        scope = [self.column("v." + name, kind) for name, kind in zip(names, kinds)]
        if self.chance(0.25):
            return "", values, scope, False
        table = self.pick(["t1", "t2"])
        join = self.pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
        on = "a.k = v.v0" if self.chance(0.8) else "a.n > v.v0"
        return "", "%s AS a %s %s ON %s" % (table, join, values, on), self.table_scope(table, "a") + scope, True

    def series_source(self):
        """range / generate_series over integers, dates or timestamps (INTERVAL steps), joined to a table."""
        self.tags.add("range/generate_series")
        table = self.pick(["t1", "t2"])
        join = self.pick(["JOIN", "LEFT JOIN", "RIGHT JOIN"])
        if self.chance(0.5):
            series = self.integer_series()
            scope = [self.column("g.v", "BIGINT")]
            on = self.pick(["a.k = g.v", "a.k = g.v", "a.n BETWEEN g.v AND g.v + 3"])
        else:
            start, stop, steps = self.pick(TEMPORAL_SERIES)
            series = "%s(%s, %s, %s)" % (self.pick(["range", "generate_series"]), start, stop, self.pick(steps))
            scope = [self.column("g.v", "TIMESTAMP")]
            on = self.pick(["a.k = month(g.v) % 10", "a.dt <= g.v", "year(a.dt) = year(g.v) AND a.k = day(g.v) % 10"])
        source = "%s AS g(v)" % series
        if self.chance(0.2):
            return "", source, scope, True
        return "", "%s %s %s AS a ON %s" % (source, join, table, on), scope + self.table_scope(table, "a"), True
