import PlazaCore
import Testing

@testable import PlazaPlanner

/// `sum(CASE WHEN c THEN 1 ELSE 0 END)` becomes `count(*) FILTER (WHERE c)` only where it is equal.
@Suite struct CaseCountRuleTests {
    /// The aggregate calls of the optimized plan of `sql`.
    func aggregates(_ sql: String) throws -> [AggregateCall] {
        var pending = [Optimizer.optimize(try plan(sql))]
        while let node = pending.popLast() {
            switch node {
            case .aggregate(_, _, let calls, _): return calls
            case .project(let input, _, _), .filter(let input, _), .sort(let input, _), .limit(let input, _, _):
                pending.append(input)
            default: break
            }
        }
        Issue.record("no aggregate in \(sql)")
        return []
    }

    @Test func groupedCountOfAConditionBecomesAFilteredCount() throws {
        let calls = try aggregates(
            "SELECT colonia, sum(CASE WHEN n > 5 THEN 1 ELSE 0 END), "
                + "sum(CASE WHEN n > 1 THEN 1 ELSE 0 END) FILTER (WHERE ts IS NULL) FROM reportes GROUP BY colonia")
        #expect(calls.map(\.function) == [.countStar, .countStar])
        #expect(calls.allSatisfy { $0.arguments.isEmpty && $0.filter != nil && $0.type == .bigint })
        guard case .call(.and, let both, _)? = calls[1].filter else {
            Issue.record("the FILTER and the condition are not combined: \(String(describing: calls[1].filter))")
            return
        }
        #expect(both.count == 2)
    }

    @Test func otherShapesStayASum() throws {
        for sql in [
            "SELECT sum(CASE WHEN n > 5 THEN 1 ELSE 0 END) FROM reportes",  // no GROUP BY: NULL on empty input
            "SELECT colonia, sum(CASE WHEN n > 5 THEN 1 END) FROM reportes GROUP BY colonia",  // NULL, not 0
            "SELECT colonia, sum(CASE WHEN n > 5 THEN 2 ELSE 0 END) FROM reportes GROUP BY colonia",
            "SELECT colonia, sum(CASE WHEN n > 5 THEN 0 ELSE 1 END) FROM reportes GROUP BY colonia",
            "SELECT colonia, sum(DISTINCT CASE WHEN n > 5 THEN 1 ELSE 0 END) FROM reportes GROUP BY colonia",
            "SELECT colonia, sum(CASE WHEN n > 5 THEN 1 WHEN n < 0 THEN 1 ELSE 0 END) FROM reportes GROUP BY colonia",
        ] {
            #expect(try aggregates(sql).first?.function == .sum, "\(sql)")
        }
    }
}
