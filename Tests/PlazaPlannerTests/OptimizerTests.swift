import PlazaCore
import Testing

@testable import PlazaPlanner

/// Rewrite rules: folding, pushdown, pruning, scan predicates, and the EXPLAIN tree.
@Suite struct OptimizerTests {
    func optimized(_ sql: String, parameters: [Value] = []) throws -> LogicalPlan {
        Optimizer.optimize(try plan(sql, parameters: parameters))
    }

    @Test func scanReadsOnlyNeededColumnsAndGetsPruningPredicates() throws {
        let result = try optimized(
            "SELECT colonia FROM reportes WHERE n > 5 AND fecha = DATE '2024-01-31' AND lower(colonia) = 'x'")
        guard case .project(.filter(.scan(let scan), _), _, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(scan.columns == [0, 2, 3])
        #expect(
            scan.pruningPredicates == [
                ScanPredicate(column: 2, comparison: .greater, constants: [.bigint(5)]),
                ScanPredicate(column: 1, comparison: .equal, constants: [.date(19753)]),
            ])
    }

    @Test func constantOnTheLeftIsFlippedAndInListsAndNullChecksPrune() throws {
        let result = try optimized("SELECT n FROM reportes WHERE 5 < n AND colonia IN ('a', 'b') AND ts IS NULL")
        guard case .project(.filter(.scan(let scan), _), _, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(Set(scan.pruningPredicates.map(\.comparison)) == [.greater, .inList, .isNull])
    }

    @Test func constantsFold() throws {
        let result = try optimized(
            "SELECT n * (2 + 3), 'a' || 'b', CAST('12' AS BIGINT) FROM reportes WHERE 1 = 1 AND n > 10 - 4")
        guard case .project(.filter(.scan, let predicate), let expressions, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(
            expressions[0]
                == .call(
                    name: .multiply,
                    arguments: [.column(index: 0, type: .bigint), .literal(.bigint(5), type: .bigint)],
                    type: .bigint))
        #expect(expressions[1] == .literal(.varchar("ab"), type: .varchar))
        #expect(expressions[2] == .literal(.bigint(12), type: .bigint))
        #expect(
            predicate
                == .call(
                    name: .greater, arguments: [.column(index: 0, type: .bigint), .literal(.bigint(6), type: .bigint)],
                    type: .boolean))
    }

    @Test func overflowIsLeftForTheExecutorToReport() throws {
        let bound = Optimizer.fold(try expression("9223372036854775807 + 1"))
        guard case .call(.add, _, _) = bound else {
            Issue.record("folded an overflow: \(bound)")
            return
        }
    }

    @Test func threeValuedLogicFolds() throws {
        #expect(Optimizer.fold(try expression("ok AND FALSE")) == .literal(.boolean(false), type: .boolean))
        #expect(Optimizer.fold(try expression("ok OR TRUE")) == .literal(.boolean(true), type: .boolean))
        #expect(Optimizer.fold(try expression("ok AND TRUE")) == .column(index: 5, type: .boolean))
        #expect(Optimizer.fold(try expression("NULL AND FALSE")) == .literal(.boolean(false), type: .boolean))
        #expect(Optimizer.fold(try expression("NOT NULL")) == .literal(.null, type: .boolean))
        #expect(Optimizer.fold(try expression("1 = NULL")) == .literal(.null, type: .boolean))
        #expect(Optimizer.fold(try expression("NULL IS NULL")) == .literal(.boolean(true), type: .boolean))
    }

    @Test func filtersAreSplitIntoJoinSides() throws {
        let result = try optimized(
            "SELECT r.colonia, a.nombre FROM reportes r JOIN alcaldias a ON r.colonia = a.colonia WHERE a.poblacion > 100 AND r.n = 1"
        )
        guard case .project(.join(let join), _, _) = result,
            case .filter(.scan(let left), _) = join.left, case .filter(.scan(let right), _) = join.right
        else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(left.pruningPredicates.count == 1 && right.pruningPredicates.count == 1)
        #expect(left.columns == [0, 3] && right.columns == [0, 1, 2])
    }

    @Test func crossJoinWithEqualityInWhereBecomesAnEquiJoin() throws {
        let result = try optimized("SELECT r.n FROM reportes r, alcaldias a WHERE r.colonia = a.colonia")
        guard case .project(.join(let join), _, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(join.leftKeys.count == 1 && join.residual == nil)
    }

    @Test func rightSideFilterStaysAboveALeftJoin() throws {
        let result = try optimized(
            "SELECT r.n FROM reportes r LEFT JOIN alcaldias a ON r.colonia = a.colonia WHERE a.poblacion IS NULL")
        guard case .project(.filter(let input, _), _, _) = result, case .join(let join) = withoutNarrowing(input) else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(join.kind == .left)
    }

    @Test func groupKeyFiltersMoveBelowTheAggregate() throws {
        let result = try optimized(
            "SELECT colonia, count(*) FROM reportes GROUP BY colonia HAVING colonia = 'x' AND count(*) > 1")
        guard case .filter(.aggregate(.filter(.scan(let scan), _), _, _, _), _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(scan.columns == [0])
        #expect(scan.pruningPredicates == [ScanPredicate(column: 0, comparison: .equal, constants: [.varchar("x")])])
    }

    @Test func countStarStillReadsOneColumn() throws {
        let result = try optimized("SELECT count(*) FROM reportes")
        guard case .aggregate(.scan(let scan), _, _, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(scan.columns.count == 1)
    }

    @Test func unusedAggregatesAndSubqueryColumnsArePruned() throws {
        let result = try optimized(
            "SELECT c FROM (SELECT colonia AS c, sum(n) AS s, max(x) AS m FROM reportes GROUP BY colonia) AS t")
        guard case .project(.aggregate(.scan(let scan), _, let aggregates, _), _, _) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(aggregates.isEmpty)
        #expect(scan.columns == [0])
    }

    @Test func optimizedPlansKeepTheirOutputFields() throws {
        for sql in [
            "SELECT * FROM reportes WHERE n > 1", "SELECT DISTINCT colonia FROM reportes ORDER BY colonia",
            "SELECT r.*, a.nombre FROM reportes r LEFT JOIN alcaldias a ON a.colonia = r.colonia WHERE r.n > 3 ORDER BY r.n LIMIT 5",
            "SELECT colonia, avg(monto) FILTER (WHERE ok) FROM reportes GROUP BY ALL ORDER BY 2 DESC",
        ] {
            let bound = try plan(sql)
            #expect(Optimizer.optimize(bound).fields == bound.fields, "\(sql)")
        }
    }

    @Test func stackedProjectionsMergeAndIdentityProjectionsDisappear() throws {
        let result = try optimized(
            "WITH c AS (SELECT n * 2 AS d, colonia FROM reportes) SELECT d + 1 AS e FROM (SELECT d FROM c) AS s")
        guard case .project(.scan(let scan), let expressions, let fields) = result else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(scan.columns == [3] && fields.map(\.name) == ["e"])
        #expect(PlanPrinter.describe(expressions[0], scan.fields) == "((n * 2) + 1)")
        let twice = try optimized("SELECT d + d FROM (SELECT n * 2 AS d FROM reportes) AS s")
        guard case .project(.project(.scan, _, _), _, _) = twice else {
            Issue.record("n * 2 must not be computed twice: \(twice)")
            return
        }
    }

    @Test func explainPrintsAnIndentedTree() throws {
        let result = try optimized(
            "SELECT colonia, count(*) FROM reportes WHERE n > 5 GROUP BY colonia ORDER BY 2 DESC LIMIT 3")
        let expected = """
            Limit 3
              Sort [count_star() DESC NULLS LAST]
                Aggregate groups=[colonia] aggregates=[count_star()]
                  Filter (n > 5)
                    Scan reportes columns=[colonia, n] pruning=[n > 5]
            """
        #expect(PlanPrinter.explain(result) == expected)
    }
}

/// IN (subquery) filters become SEMI/ANTI joins on the subquery's column.
@Suite struct SubqueryJoinRuleTests {
    @Test func inSubqueryBecomesASemiJoinAndNotInAnAntiJoin() throws {
        let result = Optimizer.optimize(
            try plan(
                "SELECT n FROM reportes WHERE colonia IN (SELECT colonia FROM alcaldias) AND colonia NOT IN (SELECT nombre FROM alcaldias) AND n > 1"
            ))
        guard case .project(.join(let anti), _, _) = result, case .join(let semi) = anti.left else {
            Issue.record("unexpected plan \(result)")
            return
        }
        #expect(anti.kind == .anti && semi.kind == .semi)
        #expect(
            semi.leftKeys == [.column(index: 0, type: .varchar)]
                && semi.rightKeys == [.column(index: 0, type: .varchar)])
        guard case .filter(.scan(let scan), _) = semi.left else {
            Issue.record("the other conjunct should stay on the scan: \(semi.left)")
            return
        }
        #expect(scan.columns == [0, 3])
        // SEMI and ANTI joins only filter their left input: their fields are the left input's.
        #expect(LogicalPlan.join(semi).fields == semi.left.fields)
        #expect(LogicalPlan.join(anti).fields == semi.left.fields && semi.left.fields.count == 2)
    }

    @Test func aSemiJoinRunsBelowTheLeftJoinOfACorrelatedScalarSubquery() throws {
        // As TPC-H Q20: the IN filters the outer rows before they meet the decorrelated subquery.
        let result = Optimizer.optimize(
            try plan(
                "SELECT n FROM reportes r WHERE colonia IN (SELECT nombre FROM alcaldias) AND n > (SELECT count(*) FROM alcaldias a WHERE a.colonia = r.colonia)"
            ))
        var found: Join?
        func visit(_ plan: LogicalPlan) -> LogicalPlan {
            if found == nil, case .join(let join) = plan, join.kind == .left { found = join }
            _ = plan.mapInputs(visit)
            return plan
        }
        _ = visit(result)
        guard let join = found, case .join(let semi) = join.left, semi.kind == .semi else {
            Issue.record("the SEMI join should be the LEFT join's left input: \(PlanPrinter.explain(result))")
            return
        }
        #expect(semi.leftKeys == [.column(index: 0, type: .varchar)])
    }

    @Test func theDomainOfACorrelatedScalarSubqueryReadsOnlyTheTableOfItsKeys() throws {
        // As TPC-H Q17: the keys come from alcaldias alone, so the domain is alcaldias under its
        // own filter, without the join with reportes that the outer query makes.
        let result = Optimizer.optimize(
            try plan(
                "SELECT r.n FROM reportes r, alcaldias a WHERE r.colonia = a.colonia AND a.poblacion > 5 AND r.n > (SELECT count(*) FROM reportes r2 WHERE r2.colonia = a.nombre)"
            ))
        var semi: Join?
        func visit(_ plan: LogicalPlan) -> LogicalPlan {
            if semi == nil, case .join(let join) = plan, join.kind == .semi { semi = join }
            _ = plan.mapInputs(visit)
            return plan
        }
        _ = visit(result)
        guard let semi else {
            Issue.record("the subquery should be restricted by a SEMI join: \(PlanPrinter.explain(result))")
            return
        }
        var tables: [String] = []
        func scans(_ plan: LogicalPlan) -> LogicalPlan {
            if case .scan(let scan) = plan { tables.append(scan.table) }
            _ = plan.mapInputs(scans)
            return plan
        }
        _ = scans(semi.right)
        #expect(tables == ["alcaldias"], "\(PlanPrinter.explain(result))")
    }

    @Test func aJoinKeepsOnlyTheColumnsReadAboveIt() throws {
        // The keys (colonia on both sides) are read by the join alone: a projection keeps the
        // one column the aggregate reads, which the executor fuses into the join.
        let result = Optimizer.optimize(
            try plan("SELECT sum(a.poblacion) FROM reportes r JOIN alcaldias a ON r.colonia = a.colonia"))
        guard case .aggregate(.project(.join(let join), let expressions, _), _, _, _) = result else {
            Issue.record("a projection should narrow the join: \(PlanPrinter.explain(result))")
            return
        }
        let poblacion = LogicalPlan.join(join).fields.firstIndex { $0.name == "poblacion" }
        #expect(expressions == [.column(index: poblacion!, type: .bigint)])
    }

    @Test func aSemiJoinStaysAboveAFilterOnItsScan() throws {
        // A filter right above a scan keeps its place (block pruning); the SEMI join goes on top.
        let result = Optimizer.optimize(
            try plan("SELECT n FROM reportes WHERE colonia IN (SELECT nombre FROM alcaldias) AND n > 1"))
        guard case .project(.join(let semi), _, _) = result, case .filter(.scan, _) = semi.left else {
            Issue.record("unexpected plan \(PlanPrinter.explain(result))")
            return
        }
    }
}

/// Constants take the column's type when exact, so columns are not cast per row.
@Suite struct LiteralNarrowingTests {
    @Test func integerConstantMeetsADecimalColumnWithoutCastingTheColumn() throws {
        let bound = try expression("monto > 100")
        #expect(
            bound
                == .call(
                    name: .greater,
                    arguments: [
                        .column(index: 1, type: .decimal(precision: 12, scale: 2)),
                        .literal(.decimal(10_000, scale: 2), type: .decimal(precision: 12, scale: 2)),
                    ], type: .boolean))
    }

    @Test func inexactConstantsWidenTheColumnInstead() throws {
        guard case .call(.greater, let arguments, _) = try expression("n > 2.5"), case .cast = arguments[0] else {
            Issue.record("n should be cast to DECIMAL")
            return
        }
        guard case .call(.greater, let more, _) = try expression("monto > 1.005"), case .cast = more[0] else {
            Issue.record("monto should be cast to a larger scale")
            return
        }
    }

    @Test func dateConstantMeetsATimestampColumn() throws {
        let result = Optimizer.optimize(try plan("SELECT n FROM reportes WHERE ts >= DATE '2024-01-01'"))
        guard case .project(.filter(.scan(let scan), _), _, _) = result else {
            Issue.record("unexpected plan")
            return
        }
        #expect(
            scan.pruningPredicates == [
                ScanPredicate(column: 1, comparison: .greaterOrEqual, constants: [.timestamp(19723 * 86_400_000_000)])
            ])
    }
}

/// Range predicates implied by year() comparisons and LIKE prefixes.
@Suite struct DerivedScanPredicateTests {
    func pruning(_ condition: String) throws -> [ScanPredicate] {
        guard
            case .project(.filter(.scan(let scan), _), _, _) = Optimizer.optimize(
                try plan("SELECT n FROM reportes WHERE \(condition)"))
        else {
            return []
        }
        return scan.pruningPredicates
    }

    @Test func yearEqualityBoundsTheDate() throws {
        let predicates = try pruning("year(fecha) = 2024")
        #expect(predicates.map(\.comparison) == [.greaterOrEqual, .less])
        #expect(predicates.map(\.constants) == [[.date(19723)], [.date(20089)]])
    }

    @Test func yearOnTheRightAndOnTimestampsIsMirrored() throws {
        let predicates = try pruning("2024 < year(ts)")
        #expect(predicates.map(\.comparison) == [.greaterOrEqual])
        #expect(predicates.first?.constants == [.timestamp(20089 * 86_400_000_000)])
    }

    @Test func likePrefixBoundsTheText() throws {
        #expect(try pruning("colonia LIKE 'Cen%'").map(\.constants) == [[.varchar("Cen")], [.varchar("Ceo")]])
        #expect(try pruning("colonia LIKE 'Centro'").map(\.comparison) == [.equal])
        #expect(try pruning("colonia LIKE '%tro'").isEmpty)
        #expect(try pruning("colonia LIKE 'añ%'").map(\.comparison) == [.greaterOrEqual])
    }
}

/// A LEFT join under a condition that rejects NULL-extended rows is an INNER join.
@Suite struct OuterJoinSimplificationTests {
    func joinKind(_ sql: String) throws -> Join.Kind? {
        var pending = [Optimizer.optimize(try plan(sql))]
        while let next = pending.popLast() {
            switch next {
            case .join(let join): return join.kind
            case .project(let input, _, _), .filter(let input, _), .sort(let input, _), .limit(let input, _, _):
                pending.append(input)
            default: break
            }
        }
        return nil
    }

    @Test func comparisonOnTheRightSideMakesTheJoinInner() throws {
        let base = "SELECT r.n FROM reportes r LEFT JOIN alcaldias a ON r.colonia = a.colonia WHERE "
        #expect(try joinKind(base + "a.poblacion > 100") == .inner)
        #expect(try joinKind(base + "lower(a.nombre) = 'x'") == .inner)
        #expect(try joinKind(base + "a.nombre IS NOT NULL") == .inner)
        #expect(try joinKind(base + "a.nombre IS NULL") == .left)
        #expect(try joinKind(base + "coalesce(a.poblacion, 0) = 0") == .left)
        #expect(try joinKind(base + "a.poblacion > 1 OR r.n > 1") == .left)
        #expect(try joinKind(base + "r.n > 1") == .left)
    }

    /// The join of an optimized plan (the first one found, depth first).
    func firstJoin(_ plan: LogicalPlan) -> Join? {
        switch plan {
        case .join(let join): return join
        case .filter(let input, _), .project(let input, _, _), .aggregate(let input, _, _, _), .sort(let input, _),
            .limit(let input, _, _), .distinct(let input), .window(let input, _, _):
            return firstJoin(input)
        default: return nil
        }
    }

    /// Every join of a plan, depth first.
    func joins(_ plan: LogicalPlan) -> [Join] {
        switch plan {
        case .join(let join): return [join] + joins(join.left) + joins(join.right)
        case .filter(let input, _), .project(let input, _, _), .aggregate(let input, _, _, _), .sort(let input, _),
            .limit(let input, _, _), .distinct(let input), .window(let input, _, _):
            return joins(input)
        default: return []
        }
    }

    @Test func joinsAreOrderedSoThatEveryJoinHasAKey() throws {
        // Written order: r and a share no condition, so joining them first would be a cross product.
        let sql =
            "SELECT r.n, a.nombre FROM reportes r, alcaldias a, reportes r2 WHERE r.colonia = r2.colonia AND a.colonia = r2.colonia AND r2.n > 3"
        let result = Optimizer.optimize(try plan(sql))
        let found = joins(result)
        #expect(found.count == 2)
        #expect(found.allSatisfy { !$0.leftKeys.isEmpty })
        #expect(result.fields.map(\.name) == ["n", "nombre"])
        // Two inputs keep the order written.
        let two = joins(
            Optimizer.optimize(try plan("SELECT 1 FROM alcaldias a, reportes r WHERE a.colonia = r.colonia")))
        #expect(two.count == 1)
        guard case .scan(let left)? = two.first?.left else {
            Issue.record("expected a scan on the left")
            return
        }
        #expect(left.table == "alcaldias")
    }

    @Test func filteredInputReachedOnlyThroughAnotherIsJoinedToItFirst() throws {
        // TPC-H Q3's shape: a2 (filtered) connects only to a, so (a JOIN a2) is built as one side
        // of the join with the fact table, instead of joining a whole first.
        let sql =
            "SELECT r.n FROM reportes r, alcaldias a, alcaldias a2 WHERE r.colonia = a.colonia AND a.nombre = a2.nombre AND a2.poblacion > 5"
        let result = Optimizer.optimize(try plan(sql))
        let top = try #require(firstJoin(result))
        guard case .join(let inner) = withoutNarrowing(top.right) else {
            Issue.record("expected the right side to be a join: \(top)")
            return
        }
        #expect(!top.leftKeys.isEmpty && !inner.leftKeys.isEmpty)
        #expect(result.fields.map(\.name) == ["n"])
    }

    @Test func inputFilteredThroughItsOwnSatelliteIsJoinedWithItFirst() throws {
        // TPC-H Q7's shape: a (unfiltered) is cut down only by a2, which hangs from it alone; the
        // pair is built as one side under r2, and r2 with them as one side of the fact table's join,
        // instead of building r2 whole: r JOIN (r2 JOIN (a JOIN a2)).
        let sql =
            "SELECT r.n FROM reportes r, reportes r2, alcaldias a, alcaldias a2 WHERE r.colonia = r2.colonia AND r2.ok = (a.poblacion > 0) AND a.nombre = a2.nombre AND a2.poblacion > 5"
        let result = Optimizer.optimize(try plan(sql))
        let top = try #require(firstJoin(result))
        guard case .join(let middle) = withoutNarrowing(top.right),
            case .join(let bottom) = withoutNarrowing(middle.right)
        else {
            Issue.record("expected r JOIN (r2 JOIN (a JOIN a2)): \(PlanPrinter.explain(result))")
            return
        }
        func scanBelowFilters(_ plan: LogicalPlan) -> TableScan? {
            switch plan {
            case .scan(let scan): return scan
            case .filter(let input, _): return scanBelowFilters(input)
            default: return nil
            }
        }
        guard let satellite = scanBelowFilters(bottom.right), satellite.table == "alcaldias" else {
            Issue.record("expected a2 innermost: \(PlanPrinter.explain(result))")
            return
        }
        #expect(joins(result).allSatisfy { !$0.leftKeys.isEmpty })
        #expect(result.fields.map(\.name) == ["n"])
    }

    @Test func aRangeFilterOnAColumnWithKnownBoundsKeepsWhatItCoversOfThem() throws {
        // fecha spans 700 days (19000 ... 19700); 70 of them are kept, and the equality a tenth.
        struct Ranges: CatalogStatistics {
            func distinctUpperBound(table: String, column: Int) -> Int? { nil }
            func valueRange(table: String, column: Int) -> ClosedRange<Double>? {
                table == "reportes" && column == 2 ? 19000...19700 : nil
            }
        }
        let sql =
            "SELECT n FROM reportes WHERE DATE '2023-01-01' <= fecha AND fecha < DATE '2023-03-12' AND colonia = 'x'"
        let withRanges = Optimizer.optimize(try plan(sql), statistics: Ranges())
        #expect(abs(withRanges.filteredEstimate - 10) < 0.01, "\(withRanges.filteredEstimate)")
        // Without bounds a range keeps a third.
        let without = Optimizer.optimize(try plan(sql))
        #expect(abs(without.filteredEstimate - 1000.0 / 30) < 0.01, "\(without.filteredEstimate)")
        // A range outside the bounds keeps nothing (the estimate's floor is a row).
        let outside = Optimizer.optimize(
            try plan("SELECT n FROM reportes WHERE fecha > DATE '2030-01-01'"), statistics: Ranges())
        #expect(outside.filteredEstimate == 1)
    }

    @Test func anEqualityOnAColumnOfManyValuesKeepsOneValuesShare() throws {
        // colonia holds about 500 values, ok 2: one colonia keeps 1/500, five 1/100, a flag a half
        // (no cap at the default tenth since TPC-H Q21's o_orderstatus = 'F', half of orders).
        struct Counts: CatalogStatistics {
            func distinctUpperBound(table: String, column: Int) -> Int? { nil }
            func distinctEstimate(table: String, column: Int) -> Int? {
                table == "reportes" ? [0: 500, 5: 2][column] : nil
            }
        }
        func estimate(_ sql: String) throws -> Double {
            Optimizer.optimize(try plan(sql), statistics: Counts()).filteredEstimate
        }
        #expect(abs(try estimate("SELECT n FROM reportes WHERE colonia = 'Roma'") - 2) < 0.01)
        #expect(
            abs(try estimate("SELECT n FROM reportes WHERE colonia IN ('a', 'b', 'c', 'd', 'e')") - 10) < 0.01)
        #expect(abs(try estimate("SELECT n FROM reportes WHERE ok = true") - 500) < 0.01)
        #expect(abs(try estimate("SELECT n FROM reportes WHERE n = 4") - 100) < 0.01)  // no count: a tenth
    }

    @Test func anExpressionTwoAggregatesShareIsComputedOnceBelowThem() throws {
        // TPC-H Q1's shape: monto * (1 - x) in two sums is one projected column; the CASE's
        // copy stays where it is (a CASE may skip rows), and so does a product used once.
        let result = Optimizer.optimize(
            try plan(
                "SELECT colonia, sum(monto * (1 - x)), sum(monto * (1 - x) * (1 + x)), sum(CASE WHEN ok THEN monto * (1 - x) END), sum(n * 2) FROM reportes GROUP BY colonia"
            ))
        guard case .aggregate(.project(_, let expressions, let fields), _, let aggregates, _) = result else {
            Issue.record("expected a projection below the aggregate: \(PlanPrinter.explain(result))")
            return
        }
        #expect(fields.filter { $0.name.hasPrefix("__shared") }.count == 1)
        let shared = fields.count - 1
        #expect(aggregates[0].arguments[0] == .column(index: shared, type: expressions[shared].type))
        guard case .call(.multiply, let product, _) = aggregates[1].arguments[0] else {
            Issue.record("expected the second sum to multiply the shared column")
            return
        }
        #expect(product[0] == .column(index: shared, type: expressions[shared].type))
        guard case .caseWhen = aggregates[2].arguments[0] else {
            Issue.record("expected the CASE untouched")
            return
        }
        guard case .call(.multiply, _, _) = aggregates[3].arguments[0] else {
            Issue.record("expected n * 2 untouched")
            return
        }
    }

    @Test func inSubqueryOnOneSideOfAJoinFiltersThatSideBeforeTheJoin() throws {
        // TPC-H Q18's shape: the IN reads only a's columns, so a is SEMI-joined before the join.
        let result = Optimizer.optimize(
            try plan(
                "SELECT r.n FROM reportes r, alcaldias a WHERE r.colonia = a.colonia AND a.nombre IN (SELECT colonia FROM reportes WHERE n > 3)"
            ))
        let join = try #require(firstJoin(result))
        #expect(join.kind == .inner)
        let sides = [join.left, join.right].compactMap { side -> Join? in
            if case .join(let semi) = withoutNarrowing(side), semi.kind == .semi { return semi }
            return nil
        }
        #expect(sides.count == 1, "\(PlanPrinter.explain(result))")
    }

    @Test func correlatedAggregateIsComputedOnlyForTheKeysTheOuterRowsAsk() throws {
        // The subquery's input is SEMI-joined with the outer keys under the outer WHERE's other
        // conditions, so only the neighbourhoods of reports with n > 3 are aggregated.
        let sql =
            "SELECT n FROM reportes r WHERE r.n > 3 AND r.x > (SELECT max(poblacion) FROM alcaldias a WHERE a.colonia = r.colonia)"
        let found = joins(Optimizer.optimize(try plan(sql)))
        let semi = try #require(found.first { $0.kind == .semi })
        #expect(semi.leftKeys.count == 1)
        // The domain side carries the outer filter.
        func hasFilter(_ plan: LogicalPlan) -> Bool {
            switch plan {
            case .filter: return true
            case .project(let input, _, _): return hasFilter(input)
            default: return false
            }
        }
        #expect(hasFilter(semi.right), "\(semi.right)")
    }

    @Test func columnTestedInEveryBranchOfAnOrGetsItsOwnImpliedFilterBelowTheJoin() throws {
        // TPC-H Q7's shape: each side's tests, OR-ed, go down to that side; the OR stays above.
        let result = Optimizer.optimize(
            try plan(
                "SELECT r.n FROM reportes r JOIN alcaldias a ON r.colonia = a.colonia WHERE (r.n = 1 AND a.poblacion = 5) OR (r.n = 2 AND a.poblacion = 6)"
            ))
        let join = try #require(firstJoin(result))
        guard case .filter(_, let left) = join.left, case .filter(_, let right) = join.right else {
            Issue.record("expected a filter on each side: \(join)")
            return
        }
        func hasOr(_ predicate: BoundExpression) -> Bool {
            PlanUtilities.conjuncts(predicate).contains { if case .call(.or, _, _) = $0 { true } else { false } }
        }
        #expect(hasOr(left))
        #expect(hasOr(right))
        #expect(join.residual != nil)
    }

    @Test func conditionSharedByEveryBranchOfAnOrBecomesAJoinKey() throws {
        // TPC-H Q19's shape: without factoring, no branch alone is a key and the join has none.
        let result = try Optimizer.optimize(
            plan(
                "SELECT r.n FROM reportes r, alcaldias a WHERE (r.colonia = a.colonia AND r.n > 5) OR (a.colonia = r.colonia AND a.poblacion < 10) OR (r.colonia = a.colonia AND r.n < 0)"
            ))
        let join = try #require(firstJoin(result))
        #expect(join.leftKeys.count == 1)
        #expect(join.residual != nil)
        // Branches that share nothing stay one OR, and a branch that is only the shared part absorbs the others.
        let noShared = try Optimizer.optimize(
            plan(
                "SELECT r.n FROM reportes r JOIN alcaldias a ON r.colonia = a.colonia WHERE r.n > 5 OR a.poblacion < 10"
            ))
        #expect(try #require(firstJoin(noShared)).residual != nil)
        let absorbed = try Optimizer.optimize(plan("SELECT n FROM reportes WHERE n > 5 OR (n > 5 AND x < 1)"))
        guard case .filter(_, let predicate) = absorbed else {
            Issue.record("unexpected plan \(absorbed)")
            return
        }
        #expect(PlanUtilities.conjuncts(predicate).count == 1)
        guard case .call(.greater, _, _) = predicate else {
            Issue.record("expected n > 5 alone, got \(predicate)")
            return
        }
    }

    @Test func rightAndFullJoinsNarrowUnderConditionsThatRejectTheirNullExtendedRows() throws {
        let right = "SELECT r.n FROM reportes r RIGHT JOIN alcaldias a ON r.colonia = a.colonia WHERE "
        #expect(try joinKind(right + "r.n > 1") == .inner)
        #expect(try joinKind(right + "a.poblacion > 100") == .right)
        #expect(try joinKind(right + "r.n IS NULL") == .right)
        let full = "SELECT r.n FROM reportes r FULL JOIN alcaldias a ON r.colonia = a.colonia WHERE "
        // Unmatched left rows have NULL right columns: a condition on the right drops them.
        #expect(try joinKind(full + "a.poblacion > 100") == .right)
        #expect(try joinKind(full + "r.n > 1") == .left)
        #expect(try joinKind(full + "r.n > 1 AND a.poblacion > 100") == .inner)
        #expect(try joinKind(full + "r.n = a.poblacion") == .inner)
        #expect(try joinKind(full + "r.n > 1 OR a.poblacion > 100") == .full)
        #expect(try joinKind(full + "a.nombre IS NULL") == .full)
    }

    /// The join of an optimized query and the filters right below it on each side.
    func joinAndSideFilters(_ sql: String) throws -> (Join, left: BoundExpression?, right: BoundExpression?) {
        var pending = [Optimizer.optimize(try plan(sql))]
        while let next = pending.popLast() {
            switch next {
            case .join(let join):
                func filter(_ side: LogicalPlan) -> BoundExpression? {
                    if case .filter(_, let predicate) = side { return predicate }
                    return nil
                }
                return (join, filter(join.left), filter(join.right))
            case .project(let input, _, _), .filter(let input, _), .sort(let input, _), .limit(let input, _, _):
                pending.append(input)
            default: break
            }
        }
        throw BindError("no join in \(sql)", span: nil)
    }

    @Test func onConditionsFilterInAdvanceOnlyTheSideWhoseUnmatchedRowsAreDropped() throws {
        let on = " JOIN alcaldias a ON r.colonia = a.colonia AND r.n > 1 AND a.poblacion > 5"
        let sql = "SELECT r.n, a.nombre FROM reportes r"
        let inner = try joinAndSideFilters(sql + on)
        #expect(inner.left != nil && inner.right != nil && inner.0.residual == nil)
        let left = try joinAndSideFilters(sql + " LEFT" + on)
        #expect(left.left == nil && left.right != nil && left.0.residual != nil)
        let right = try joinAndSideFilters(sql + " RIGHT" + on)
        #expect(right.left != nil && right.right == nil && right.0.residual != nil)
        let full = try joinAndSideFilters(sql + " FULL" + on)
        #expect(full.left == nil && full.right == nil)
        #expect(full.0.residual.map(PlanUtilities.conjuncts)?.count == 2)
        // A WHERE condition on the side a FULL join may NULL-extend stays above it.
        let above = try joinAndSideFilters(
            sql + " FULL JOIN alcaldias a ON r.colonia = a.colonia WHERE a.nombre IS NULL")
        #expect(above.left == nil && above.right == nil && above.0.kind == .full)
    }
}

/// Row estimates that order joins and choose build sides (`LogicalPlan.filteredEstimate`).
@Suite struct FilteredEstimateTests {
    let fields = [Field(name: "a", type: .bigint), Field(name: "b", type: .bigint)]

    func scan(_ rows: Int) -> LogicalPlan {
        .scan(TableScan(table: "t", columns: [0, 1], fields: fields, estimatedRows: rows))
    }

    func compare(_ op: ScalarFunction, _ column: Int, _ value: Int64) -> BoundExpression {
        .call(
            name: op, arguments: [.column(index: column, type: .bigint), .literal(.bigint(value), type: .bigint)],
            type: .boolean)
    }

    @Test func conditionsOnOneColumnCountOnceAndEqualitiesKeepATenth() {
        let range = BoundExpression.call(
            name: .and,
            arguments: [compare(.greaterOrEqual, 0, 1), compare(.lessOrEqual, 0, 5), compare(.equal, 1, 3)],
            type: .boolean)
        // The range on a is one third, the equality on b one tenth: 900 / 3 / 10.
        #expect(LogicalPlan.filter(input: scan(900), predicate: range).filteredEstimate == 30)
    }

    @Test func aJoinKeepsOfItsLargerSideTheFractionTheSmallerSideKeeps() {
        let dimension = LogicalPlan.filter(input: scan(20), predicate: compare(.equal, 1, 3))
        let join = LogicalPlan.join(
            Join(
                left: scan(1000), right: dimension, kind: .inner, leftKeys: [.column(index: 0, type: .bigint)],
                rightKeys: [.column(index: 0, type: .bigint)], residual: nil))
        // The dimension keeps a tenth of its rows, so the join a tenth of the fact table's.
        #expect(join.filteredEstimate == 100)
    }

    @Test func anEqualityKeepsOneValuesShareOfAColumnsDistinctValues() {
        func kept(distinct: Int) -> Double {
            var table = TableScan(table: "t", columns: [0, 1], fields: fields, estimatedRows: 6000)
            table.distinctCounts = [1: distinct]
            return LogicalPlan.filter(input: .scan(table), predicate: compare(.equal, 1, 3)).filteredEstimate
        }
        // Three values (TPC-H's o_orderstatus): a third, not the tenth that made Q21 build on orders.
        #expect(kept(distinct: 3) == 2000)
        #expect(kept(distinct: 5) == 1200)
        #expect(kept(distinct: 12) == 500)
        #expect(kept(distinct: 150) == 40)
    }
}

/// `plan` below the projections that only keep columns (a join narrowed to the columns read above it).
func withoutNarrowing(_ plan: LogicalPlan) -> LogicalPlan {
    guard case .project(let input, let expressions, _) = plan,
        expressions.allSatisfy({
            if case .column = $0 { return true }
            return false
        })
    else { return plan }
    return withoutNarrowing(input)
}
