import PlazaCore
import Testing

@testable import PlazaSQL

/// Text → tree → text: printing a parsed statement and parsing the print gives the same print.
@Suite struct ParserRoundTripTests {
    static let queries = [
        "SELECT 1",
        "SELECT a, b AS c, t.d FROM t",
        "SELECT * FROM t",
        "SELECT t.*, u.x FROM t JOIN u ON t.id = u.id",
        "SELECT DISTINCT a FROM t WHERE a > 1 AND b < 2 OR NOT c",
        "SELECT a FROM t LEFT OUTER JOIN u ON t.a = u.a AND u.b > 3 INNER JOIN v ON v.k = t.k",
        "SELECT colonia, count(*) FROM reportes GROUP BY 1 HAVING count(*) > 10 ORDER BY 2 DESC NULLS LAST LIMIT 5 OFFSET 10",
        "SELECT count(DISTINCT a) FILTER (WHERE b > 0), sum(c) FROM t GROUP BY ALL",
        "SELECT a FROM t WHERE a BETWEEN 1 AND 10 AND b NOT BETWEEN 2 AND 3",
        "SELECT a FROM t WHERE a IN (1, 2, 3) AND b NOT IN (SELECT c FROM u)",
        "SELECT a FROM t WHERE s LIKE 'a%' AND s NOT ILIKE '%B_' ",
        "SELECT a IS NULL, b IS NOT NULL, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b FROM t",
        "SELECT CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END FROM t",
        "SELECT CASE a WHEN 1 THEN 'one' END FROM t",
        "SELECT CAST(a AS DECIMAL(12,2)), a::VARCHAR, TRY_CAST(b AS DATE) FROM t",
        "SELECT DATE '2024-01-31', TIMESTAMP '2024-01-31 08:00:00', INTERVAL '3 days', INTERVAL 2 HOURS",
        "SELECT 'it''s', \"Fecha de creación\" FROM \"Mi Tabla\"",
        "SELECT -a, +b, - -c, 1 - -2 FROM t",
        "SELECT 12.50, 1e3, 0.5, .5, 1E-7",
        "SELECT a || b || 'c' FROM t",
        "SELECT a * (b + c) / d % e FROM t",
        "SELECT extract(year FROM d), date_trunc('month', d), date_diff('day', a, b) FROM t",
        "WITH x AS (SELECT 1 AS a), y AS (SELECT a FROM x) SELECT * FROM y",
        "WITH RECURSIVE t(n, \"M x\") AS MATERIALIZED (SELECT 1, 2 UNION ALL SELECT n + 1, 2 FROM t WHERE n < 3), "
            + "u AS NOT MATERIALIZED (SELECT 1 AS a) SELECT * FROM t, u",
        "SELECT (SELECT max(a) FROM t) AS m",
        "SELECT a FROM (SELECT a FROM t) AS s WHERE a = ?",
        "SELECT a FROM t WHERE a = $1 AND b = $2",
        "SELECT a FROM t ORDER BY a ASC NULLS FIRST, b DESC",
        "SELECT current_date, quantile_cont(a, 0.5), string_agg(s, ', ') FROM t",
        "SELECT TRUE AND FALSE OR NULL",
        "EXPLAIN SELECT 1",
        "EXPLAIN ANALYZE SELECT a FROM t",
        "SHOW TABLES",
        "DESCRIBE reportes",
        "SET threads = 4",
        "SELECT a FROM t CROSS JOIN u",
        "SELECT a FROM t RIGHT OUTER JOIN u ON t.a = u.a FULL JOIN v ON v.k = t.k",
        "SELECT * FROM t JOIN u USING (a, \"B c\") NATURAL LEFT JOIN v NATURAL JOIN w",
        "SELECT \"select\" FROM \"from\"",
        "SELECT a AS \"Total Pesos\" FROM t",
        "SELECT x IS TRUE, y IS NOT FALSE FROM t",
        "SELECT a FROM t LIMIT 10",
        "SELECT a FROM t OFFSET 3",
    ]

    @Test(arguments: queries)
    func printedTreeParsesToTheSamePrint(_ sql: String) throws {
        let first = try Parser.parse(sql)
        #expect(first.count == 1)
        let printed = first.map(\.sql).joined(separator: "; ")
        let second = try Parser.parse(printed)
        #expect(second.map(\.sql).joined(separator: "; ") == printed)
    }

    @Test func withClauseKeepsColumnListsHintsAndRecursion() throws {
        guard
            case .select(let query) = try Parser.parse(
                "WITH RECURSIVE t(a, b) AS (SELECT 1, 2), u AS MATERIALIZED (SELECT 1), v AS NOT MATERIALIZED (SELECT 1) "
                    + "SELECT * FROM t, t AS x, (SELECT * FROM t) AS y WHERE a IN (SELECT a FROM t)")[0]
        else {
            Issue.record("expected a SELECT")
            return
        }
        #expect(query.ctes.map(\.name.name) == ["t", "u", "v"])
        #expect(query.ctes[0].columns.map(\.name) == ["a", "b"])
        #expect(query.ctes.allSatisfy { $0.isRecursive })
        #expect(query.ctes.map(\.materialization) == [.automatic, .materialized, .notMaterialized])
        // Two reads in FROM, one in a derived table, one in an IN subquery; none inside the WITH itself.
        var body = query
        body.ctes = []
        #expect(body.references(to: "T").count == 4)
    }

    @Test func precedenceGroupsMultiplicationBeforeAddition() throws {
        #expect(try Parser.parseExpression("1 + 2 * 3").sql == "(1 + (2 * 3))")
        #expect(try Parser.parseExpression("1 - 2 - 3").sql == "((1 - 2) - 3)")
        #expect(try Parser.parseExpression("a OR b AND c").sql == "(a OR (b AND c))")
        #expect(try Parser.parseExpression("NOT a = b").sql == "(NOT (a = b))")
        #expect(try Parser.parseExpression("a || b = c").sql == "((a || b) = c)")
        #expect(try Parser.parseExpression("-a::BIGINT").sql == "(-CAST(a AS BIGINT))")
        #expect(try Parser.parseExpression("a + 1 BETWEEN 2 AND 3 AND c").sql == "(((a + 1) BETWEEN 2 AND 3) AND c)")
    }

    @Test func multipleStatementsSplitOnSemicolons() throws {
        let statements = try Parser.parse("SELECT 1; ; SELECT 2;")
        #expect(statements.count == 2)
    }

    @Test func parameterCountIsTheHighestNumberOrTheNumberOfMarks() throws {
        #expect(try Parser.parse("SELECT ?, ?, ?")[0].parameterCount == 3)
        #expect(try Parser.parse("SELECT $2, $1, $2")[0].parameterCount == 2)
        #expect(try Parser.parse("SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = $4)")[0].parameterCount == 4)
        #expect(try Parser.parse("SELECT 1")[0].parameterCount == 0)
    }

    @Test func quotedNamesKeepSpellingAndUnquotedAreWords() throws {
        guard case .select(let query) = try Parser.parse("SELECT \"Año\", año FROM t")[0],
            case .expression(let first, _) = query.select.items[0], case .column(let parts) = first.kind
        else {
            Issue.record("unexpected tree")
            return
        }
        #expect(parts[0].name == "Año")
        #expect(parts[0].isQuoted)
    }

    @Test func literalsKeepTheirKinds() throws {
        #expect(try Parser.parseExpression("12.50").kind == .literal(.decimal("12.50")))
        #expect(try Parser.parseExpression("1e3").kind == .literal(.float("1e3")))
        #expect(try Parser.parseExpression("42").kind == .literal(.integer("42")))
        #expect(try Parser.parseExpression("'a''b'").kind == .literal(.string("a'b")))
        #expect(try Parser.parseExpression("DATE '2024-01-31'").kind == .literal(.typed(.date, "2024-01-31")))
    }

    @Test func lexerGivesLinesAndColumnsInCharacters() throws {
        var lexer = Lexer("SELECT\n  ñandú, x")
        let tokens = try lexer.tokenize()
        #expect(tokens[1].text == "ñandú")
        #expect(tokens[1].span.line == 2 && tokens[1].span.column == 3)
        #expect(tokens[3].span.column == 10)
        #expect(tokens.last?.kind == .end)
    }

    @Test func commentsAreSkipped() throws {
        let statements = try Parser.parse("-- a comment\nSELECT /* inline\n comment */ 1 -- trailing")
        #expect(statements.count == 1)
    }
}
