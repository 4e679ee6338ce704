import PlazaCore
import Testing

@testable import PlazaPlanner

/// Binding mistakes: the message names the problem, the span points at the token.
@Suite struct BinderErrorTests {
    struct Case: Sendable, CustomStringConvertible {
        let sql: String
        let fragment: String
        let column: Int?
        var description: String { sql }
    }

    static let cases: [Case] = [
        Case(
            sql: "SELECT colonai, count(*) FROM reportes GROUP BY 1",
            fragment: "unknown column \"colonai\" (did you mean \"colonia\"?)", column: 8),
        Case(
            sql: "SELECT * FROM reporte", fragment: "unknown table \"reporte\" (did you mean \"reportes\"?)", column: 15
        ),
        Case(
            sql: "SELECT colonia, count(*) FROM reportes",
            fragment: "column \"colonia\" must appear in the GROUP BY clause", column: 8),
        Case(
            sql: "SELECT colonia, n FROM reportes GROUP BY colonia",
            fragment: "column \"n\" must appear in the GROUP BY", column: 17),
        Case(sql: "SELECT n + 1 FROM reportes GROUP BY colonia", fragment: "column \"n\"", column: 8),
        Case(
            sql: "SELECT * FROM reportes WHERE sum(n) > 1", fragment: "aggregate functions are not allowed in WHERE",
            column: 30),
        Case(sql: "SELECT colonia FROM reportes GROUP BY sum(n)", fragment: "not allowed in GROUP BY", column: 39),
        Case(sql: "SELECT sum(count(*)) FROM reportes", fragment: "cannot be nested", column: 12),
        Case(
            sql: "SELECT colonia + 1 FROM reportes", fragment: "operator + cannot take VARCHAR and BIGINT", column: 16),
        Case(
            sql: "SELECT * FROM reportes WHERE colonia = 1", fragment: "cannot compare VARCHAR with BIGINT", column: 38),
        Case(sql: "SELECT * FROM reportes WHERE fecha = 'nope'", fragment: "cannot convert 'nope' to DATE", column: 38),
        Case(
            sql: "SELECT colonia FROM reportes JOIN alcaldias ON n = poblacion",
            fragment: "ambiguous column \"colonia\"", column: 8),
        Case(
            sql: "SELECT r.colonia FROM reportes r JOIN alcaldias a ON r.colonia = b.colonia",
            fragment: "unknown table \"b\"", column: 66),
        Case(
            sql: "SELECT * FROM reportes WHERE n", fragment: "WHERE needs a BOOLEAN condition, not BIGINT", column: 30),
        Case(sql: "SELECT lower(n) FROM reportes", fragment: "lower(BIGINT) is not defined", column: 8),
        Case(sql: "SELECT nope(n) FROM reportes", fragment: "unknown function \"nope\"", column: 8),
        Case(sql: "SELECT lowr(colonia) FROM reportes", fragment: "(did you mean \"lower\"?)", column: 8),
        Case(sql: "SELECT sum(colonia) FROM reportes", fragment: "sum does not accept VARCHAR", column: 8),
        Case(sql: "SELECT CAST(fecha AS BOOLEAN) FROM reportes", fragment: "cannot cast DATE to BOOLEAN", column: 8),
        Case(sql: "SELECT DATE '2024-13-01'", fragment: "invalid DATE literal '2024-13-01'", column: 8),
        Case(
            sql: "SELECT n FROM reportes ORDER BY 3", fragment: "ORDER BY position 3 is not in the select list",
            column: 33),
        Case(sql: "SELECT n FROM reportes GROUP BY 2", fragment: "GROUP BY position 2", column: 33),
        Case(
            sql: "SELECT n, ok FROM reportes   EXCEPT ALL SELECT n FROM reportes",
            fragment: "the branches of EXCEPT ALL have different numbers of columns: 2 on the left, 1 on the right",
            column: 30),
        Case(
            sql: "SELECT fecha FROM reportes UNION SELECT n FROM reportes",
            fragment: "column 1 (\"fecha\") of UNION is DATE on the left and BIGINT on the right", column: 28),
        Case(
            sql: "SELECT n FROM reportes UNION SELECT n FROM reportes ORDER BY 2",
            fragment: "ORDER BY position 2 is not in the select list", column: 62),
        Case(sql: "SELECT n FROM reportes LIMIT -1", fragment: "LIMIT must be a non-negative integer", column: 30),
        Case(sql: "SELECT n FROM reportes LIMIT 'a'", fragment: "LIMIT must be", column: 30),
        Case(sql: "SELECT $2", fragment: "missing value for parameter $2", column: 8),
        Case(
            sql: "SELECT (SELECT n, colonia FROM reportes)", fragment: "scalar subquery must return one column",
            column: 8),
        Case(
            sql: "SELECT n FROM reportes WHERE n IN (SELECT colonia FROM alcaldias)", fragment: "cannot compare BIGINT",
            column: 32),
        Case(
            sql: "SELECT date_trunc('fortnight', fecha) FROM reportes", fragment: "unknown date part \"fortnight\"",
            column: 19),
        Case(sql: "SELECT extract(eon FROM fecha) FROM reportes", fragment: "unknown date part \"eon\"", column: 16),
        Case(sql: "SELECT quantile_cont(n, 2) FROM reportes", fragment: "between 0 and 1", column: 25),
        Case(sql: "SELECT count(n, n) FROM reportes", fragment: "count takes 1 argument, not 2", column: 8),
        Case(sql: "SELECT sum(*) FROM reportes", fragment: "sum(*) is not defined", column: 8),
        Case(sql: "SELECT 1 + corr(x) FROM reportes", fragment: "corr takes 2 arguments, not 1", column: 12),
        Case(
            sql: "SELECT regr_slope(x, n, n) FROM reportes", fragment: "regr_slope takes 2 arguments, not 3",
            column: 8),
        Case(
            sql: "SELECT covar_pop(x, fecha) FROM reportes",
            fragment: "covar_pop does not accept DATE as x; it takes two numeric arguments (y, x)", column: 21),
        Case(
            sql: "SELECT regr_r2(colonia, x) FROM reportes",
            fragment: "regr_r2 does not accept VARCHAR as y; it takes two numeric arguments (y, x)", column: 8),
        Case(
            sql: "SELECT lower(DISTINCT colonia) FROM reportes", fragment: "DISTINCT applies only to aggregate",
            column: 8),
        Case(
            sql: "SELECT CASE WHEN ok THEN 1 ELSE 'x' END FROM reportes", fragment: "cannot convert 'x' to BIGINT",
            column: 33),
        Case(
            sql: "SELECT CASE WHEN ok THEN 1 ELSE fecha END FROM reportes",
            fragment: "CASE results have incompatible types BIGINT and DATE", column: 8),
        Case(sql: "SELECT CASE WHEN n THEN 1 END FROM reportes", fragment: "WHEN needs a BOOLEAN", column: 18),
        Case(sql: "SELECT NOT n FROM reportes", fragment: "NOT(BIGINT) is not defined", column: 8),
        Case(
            sql: "SELECT * FROM reportes r JOIN alcaldias a ON r.n", fragment: "JOIN … ON needs a BOOLEAN", column: 46),
        Case(sql: "SELECT x.* FROM reportes", fragment: "unknown table \"x\"", column: 8),
        Case(sql: "SELECT *", fragment: "SELECT * needs a FROM clause", column: 8),
        Case(sql: "DESCRIBE reportez", fragment: "unknown table \"reportez\" (did you mean \"reportes\"?)", column: 10),
        Case(sql: "WITH a AS (SELECT 1), a AS (SELECT 2) SELECT 1", fragment: "defined twice", column: 23),
        Case(
            sql: "WITH RECURSIVE t(x) AS (SELECT x FROM t UNION ALL SELECT 1) SELECT * FROM reportes",
            fragment: "the anchor of the recursive CTE \"t\" (the query before UNION ALL) cannot read \"t\"", column: 39
        ),
        Case(
            sql: "WITH RECURSIVE t(x) AS (SELECT x + 1 FROM t) SELECT * FROM t",
            fragment: "the recursive CTE \"t\" must be an anchor query, then UNION or UNION ALL", column: 43),
        Case(
            sql: "WITH RECURSIVE t(x) AS (SELECT 1 UNION ALL SELECT x + 1, 2 FROM t) SELECT * FROM t",
            fragment: "1 in the anchor, 2 in the recursive query", column: 34),
        Case(
            sql: "WITH RECURSIVE t(x) AS (SELECT 1 UNION ALL SELECT x FROM t ORDER BY 1) SELECT * FROM t",
            fragment: "ORDER BY is not allowed in the recursive CTE \"t\"", column: 69),
        Case(
            sql: "WITH RECURSIVE t(x) AS (SELECT NULL UNION ALL SELECT 1 FROM t) SELECT * FROM t",
            fragment: "is an untyped NULL in the anchor query", column: 25),
        Case(
            sql: "SELECT DISTINCT colonia FROM reportes ORDER BY n",
            fragment: "for SELECT DISTINCT, ORDER BY expressions must appear", column: 48),
        Case(sql: "SELECT count(*) FROM reportes HAVING n > 1", fragment: "column \"n\" must appear", column: 38),
        Case(
            sql: "SELECT colonia FROM reportes ORDER BY sum(n)", fragment: "column \"colonia\" must appear", column: 8),
        Case(sql: "SELECT fecha + ts FROM reportes", fragment: "operator + cannot take DATE and TIMESTAMP", column: 14),
        Case(sql: "SELECT INTERVAL '3 fortnights'", fragment: "invalid INTERVAL literal", column: 8),
        Case(sql: "SET threads = n", fragment: "unknown column \"n\"", column: 15),
        Case(
            sql: "SELECT monto FROM reportes WHERE monto > 'abc'", fragment: "cannot convert 'abc' to DECIMAL(12,2)",
            column: 42),
        Case(
            sql: "SELECT round(monto, n) FROM reportes", fragment: "argument 2 of round must be a constant", column: 21),
        // A LATERAL derived table may not be the kept side of a RIGHT or FULL join (as in DuckDB).
        Case(
            sql:
                "SELECT n FROM reportes r RIGHT JOIN (SELECT * FROM alcaldias a WHERE a.colonia = r.colonia) AS d ON true",
            fragment: "(LATERAL) may be joined by INNER, LEFT or CROSS JOIN or a comma, not by RIGHT JOIN", column: 84),
        Case(
            sql:
                "SELECT n FROM reportes r FULL JOIN LATERAL (SELECT count(*) AS c FROM alcaldias a WHERE a.colonia = r.colonia) AS d ON true",
            fragment: "not by FULL JOIN", column: 103),
    ]

    @Test(arguments: cases)
    func errorNamesTheProblemAndItsPlace(_ testCase: Case) {
        guard let error = bindError(testCase.sql) else {
            Issue.record("expected an error for \(testCase.sql)")
            return
        }
        #expect(error.message.contains(testCase.fragment), "\(error.message)")
        if let column = testCase.column {
            #expect(
                error.span?.column == column, "\(testCase.sql): \(error.message) at \(String(describing: error.span))")
        }
    }

    @Test func descriptionInSQLDrawsTheCaret() {
        let sql = "SELECT colonai, count(*) FROM reportes GROUP BY 1"
        let error = bindError(sql)
        #expect(
            error?.description(in: sql)
                == "unknown column \"colonai\" (did you mean \"colonia\"?)\nLINE 1: \(sql)\n               ^")
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(Scope.editDistance("colonai", "colonia") == 2)
        #expect(Scope.editDistance("", "abc") == 3)
        #expect(Scope.editDistance("año", "ano") == 1)
        #expect(Scope.suggestion(for: "zzzzzz", among: ["colonia"]) == "")
    }
}
