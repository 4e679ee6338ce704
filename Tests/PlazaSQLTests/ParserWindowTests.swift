import PlazaCore
import Testing

@testable import PlazaSQL

/// Window functions, QUALIFY and grouping sets in the parser.
@Suite struct ParserWindowTests {
    static let queries = [
        "SELECT row_number() OVER (PARTITION BY a, b ORDER BY c DESC NULLS FIRST) FROM t",
        "SELECT sum(x) OVER (ORDER BY d ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING) FROM t",
        "SELECT avg(x) OVER (ORDER BY d RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
        "SELECT count(*) OVER (ORDER BY d GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t",
        "SELECT lag(x IGNORE NULLS) OVER w, lead(x, 2, 0) OVER (w ORDER BY y) FROM t WINDOW w AS (PARTITION BY a)",
        "SELECT sum(x) FILTER (WHERE x > 0) OVER () FROM t QUALIFY rank() OVER (ORDER BY x) <= 3",
        "SELECT a, b, sum(x) FROM t GROUP BY ROLLUP (a, b)",
        "SELECT a, b, grouping(a, b) FROM t GROUP BY CUBE (a, b)",
        "SELECT a, b FROM t GROUP BY GROUPING SETS ((a, b), (a), ())",
        "SELECT a, b, c FROM t GROUP BY a, ROLLUP (b, c)",
    ]

    @Test(arguments: queries)
    func printsAndReparsesToTheSameText(_ sql: String) throws {
        let first = try Parser.parse(sql)[0].sql
        let second = try Parser.parse(first)[0].sql
        #expect(first == second)
    }

    @Test func overKeepsPartitionOrderAndFrame() throws {
        let expression = try Parser.parseExpression(
            "sum(x) OVER (PARTITION BY a ORDER BY b DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")
        guard case .function(let call) = expression.kind, let window = call.window else {
            Issue.record("not a window call")
            return
        }
        #expect(window.partitionBy.count == 1)
        #expect(window.orderBy.count == 1 && window.orderBy[0].isDescending)
        #expect(window.frame?.unit == .rows && window.frame?.end == .currentRow)
        if case .preceding? = window.frame?.start {} else { Issue.record("start is not n PRECEDING") }
    }

    @Test func ignoreNullsIsAcceptedInsideAndAfterTheArguments() throws {
        for text in ["lag(x IGNORE NULLS) OVER ()", "lag(x) IGNORE NULLS OVER ()"] {
            guard case .function(let call) = try Parser.parseExpression(text).kind else {
                Issue.record("not a call")
                continue
            }
            #expect(call.ignoresNulls == true)
        }
    }

    @Test func rollupAndCubeExpandToGroupingSets() throws {
        guard case .select(let rollup) = try Parser.parse("SELECT 1 FROM t GROUP BY ROLLUP (a, b)")[0] else { return }
        #expect(rollup.select.groupingSets == [[0, 1], [0], []])
        guard case .select(let cube) = try Parser.parse("SELECT 1 FROM t GROUP BY CUBE (a, b)")[0] else { return }
        #expect(cube.select.groupingSets?.count == 4)
        guard case .select(let mixed) = try Parser.parse("SELECT 1 FROM t GROUP BY a, ROLLUP (b)")[0] else { return }
        #expect(mixed.select.groupingSets == [[0, 1], [0]])
        guard case .select(let plain) = try Parser.parse("SELECT 1 FROM t GROUP BY a, b")[0] else { return }
        #expect(plain.select.groupingSets == nil)
    }

    @Test func frameErrorsPointAtTheBound() {
        do {
            _ = try Parser.parse("SELECT sum(x) OVER (ORDER BY y ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM t")
            Issue.record("parsed")
        } catch {
            #expect(error.message.contains("the frame starts after it ends"))
            #expect(error.span.column == 45)
        }
    }
}
