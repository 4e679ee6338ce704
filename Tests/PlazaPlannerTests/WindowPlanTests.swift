import PlazaCore
import Testing

@testable import PlazaPlanner

/// The shape of plans with window functions and grouping sets.
@Suite struct WindowPlanTests {
    @Test func windowCallsBecomeOneNodeBelowTheProjection() throws {
        let bound = try plan(
            "SELECT n, row_number() OVER (PARTITION BY colonia ORDER BY n), sum(n) OVER (PARTITION BY colonia) FROM reportes"
        )
        guard case .project(.window(let input, let calls, let fields), let expressions, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        let inputCount = input.fields.count
        #expect(calls.count == 2)
        #expect(fields.count == inputCount + 2)
        #expect(calls[0].function == .rowNumber && calls[0].type == .bigint)
        #expect(calls[1].function == .aggregate(.sum) && calls[1].frame == .wholePartition)
        #expect(calls[0].frame == .defaultWithOrder)
        #expect(expressions[1] == .column(index: inputCount, type: .bigint))
    }

    @Test func identicalCallsAreComputedOnce() throws {
        let bound = try plan(
            "SELECT rank() OVER (ORDER BY n) AS a, rank() OVER (ORDER BY n) + 1 AS b FROM reportes")
        guard case .project(.window(_, let calls, _), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(calls.count == 1)
    }

    @Test func qualifyFiltersAboveTheWindow() throws {
        let bound = try plan("SELECT n FROM reportes QUALIFY row_number() OVER (ORDER BY n) = 1")
        guard case .project(.filter(.window, _), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
    }

    @Test func windowsOverAggregatesSitAboveTheAggregate() throws {
        let bound = try plan("SELECT colonia, sum(count(*)) OVER () FROM reportes GROUP BY colonia")
        guard case .project(.window(.aggregate, let calls, _), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(calls[0].arguments == [.column(index: 1, type: .bigint)])
    }

    @Test func rollupOverAScanIsOneAggregatePerSetUnitedWithTheSetIds() throws {
        // avg does not roll up from the finer set's results: each set aggregates the input.
        let bound = try plan("SELECT colonia, avg(n) FROM reportes GROUP BY ROLLUP (colonia)")
        guard case .project(.setOperation(let union), _, _) = bound,
            case .project(.aggregate(_, let fine, _, _), let fineColumns, _) = union.left,
            case .project(.aggregate(_, let total, _, _), let totalColumns, _) = union.right
        else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(union.kind == .union && union.isAll)
        #expect(fine.count == 1 && total.isEmpty)
        // colonia, then the set id, then count(*): the total's colonia is NULL, its id 1.
        #expect(fineColumns[1] == .literal(.bigint(0), type: .bigint))
        #expect(totalColumns[0] == .literal(.null, type: .varchar))
        #expect(totalColumns[1] == .literal(.bigint(1), type: .bigint))
    }

    @Test func manySetsOverAJoinRepeatEachRowPerSet() throws {
        let bound = try plan(
            "SELECT a.colonia, a.n, avg(a.n) FROM reportes a JOIN reportes b ON a.n = b.n GROUP BY CUBE (a.colonia, a.n, b.colonia)"
        )
        guard case .project(.aggregate(let input, let groups, _, _), _, _) = bound,
            case .project(.join(let join), _, _) = input, case .values(let rows, _) = join.right
        else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(groups.count == 4)
        #expect(groups[3].type == .bigint)
        #expect(rows.count == 8)
    }

    @Test func setsWhoseAggregatesCombineAreRolledUpFromOneAggregation() throws {
        let bound = try plan("SELECT colonia, n, count(*), sum(n) FROM reportes GROUP BY ROLLUP (colonia, n)")
        guard case .project(.materializedCTE(let cte), _, _) = bound,
            case .aggregate(.scan, let finest, _, _) = cte.definition,
            case .setOperation(let union) = cte.body,
            case .setOperation(let finer) = union.left,
            case .project(.cteScan(let finestRead), _, _) = finer.left,
            case .project(.aggregate(.cteScan, let byColonia, let rolled, _), _, _) = finer.right,
            case .project(.aggregate(.cteScan, let total, _, _), _, _) = union.right
        else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        // The input is aggregated once, by (colonia, n); the coarser sets read those rows.
        #expect(finest.count == 2 && finestRead.id == cte.id)
        #expect(byColonia.count == 1 && total.isEmpty)
        #expect(rolled.map(\.function) == [.sum, .sum])
    }

    @Test func misplacedWindowsAreErrorsWithPlaces() {
        #expect(
            bindError("SELECT n FROM reportes WHERE rank() OVER (ORDER BY n) = 1")?.message
                == "window functions are not allowed in WHERE")
        #expect(
            bindError("SELECT ntile(0) OVER () FROM reportes")?.message
                == "ntile's argument must be a positive integer constant")
        #expect(
            bindError("SELECT sum(rank() OVER ()) OVER () FROM reportes")?.message
                == "window functions cannot be nested")
        #expect(bindError("SELECT lag(n, -2) OVER () FROM reportes")?.message == "lag's offset cannot be negative")
    }
}
