import PlazaCore
import Testing

@testable import PlazaSQL

/// UNION, INTERSECT and EXCEPT: precedence, quantifiers, and text → tree → text.
@Suite struct SetOperationParserTests {
    static let queries = [
        "SELECT a FROM t UNION SELECT a FROM u",
        "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY 1 DESC LIMIT 3",
        "SELECT a FROM t INTERSECT ALL SELECT a FROM u EXCEPT DISTINCT SELECT 1",
        "SELECT a, b FROM t UNION ALL BY NAME SELECT b FROM u",
        "(SELECT a FROM t ORDER BY a LIMIT 1) UNION (SELECT a FROM u)",
        "WITH x AS (SELECT 1 AS a UNION SELECT 2) SELECT a FROM x EXCEPT SELECT 2",
        "SELECT a FROM t WHERE a IN (SELECT a FROM u UNION SELECT 3)",
        "VALUES (1, 'a'), (2, NULL) ORDER BY col0 LIMIT 1",
        "SELECT col0 FROM (VALUES (1), (1 + 1)) AS v UNION ALL VALUES (3)",
    ]

    @Test(arguments: queries)
    func printedTreeParsesToTheSamePrint(_ sql: String) throws {
        let first = try Parser.parse(sql)
        #expect(first.count == 1)
        let printed = first.map(\.sql).joined(separator: "; ")
        let second = try Parser.parse(printed)
        #expect(second.map(\.sql).joined(separator: "; ") == printed)
    }

    @Test func intersectBindsTighterThanUnionAndExceptGoLeftToRight() throws {
        guard
            case .select(let query) = try Parser.parse("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4")[0],
            let top = query.setOperation?.clause
        else {
            Issue.record("expected a set operation")
            return
        }
        #expect(top.op == .except)
        let union = try #require(top.left.setOperation?.clause)
        #expect(union.op == .union && !union.isAll)
        #expect(union.right.setOperation?.clause.op == .intersect)
        #expect(top.right.setOperation == nil)
    }

    @Test func orderByAndLimitApplyToTheWhole() throws {
        guard case .select(let query) = try Parser.parse("SELECT 1 AS a UNION ALL SELECT 2 ORDER BY a LIMIT 1")[0]
        else {
            Issue.record("expected a query")
            return
        }
        #expect(query.setOperation?.clause.isAll == true)
        #expect(query.orderBy.count == 1 && query.limit != nil)
        #expect(query.setOperation?.clause.right.orderBy.isEmpty == true)
    }
}
