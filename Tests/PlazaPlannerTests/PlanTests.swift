import PlazaCore
import Testing

@testable import PlazaPlanner

/// The shape of bound plans: joins, grouping, ordering, parameters, statements.
@Suite struct PlanTests {
    @Test func selectWithoutFromBindsToOneEmptyRow() throws {
        guard case .project(.values(let rows, let fields), let expressions, let output) = try plan("SELECT 1 AS one")
        else {
            Issue.record("unexpected plan")
            return
        }
        #expect(rows == [[]] && fields.isEmpty)
        #expect(expressions == [.literal(.bigint(1), type: .bigint)])
        #expect(output == [Field(name: "one", type: .bigint, isNullable: false)])
    }

    @Test func joinEqualitiesBecomeKeysAndTheRestResidual() throws {
        let bound = try plan(
            "SELECT r.n FROM reportes r JOIN alcaldias a ON r.colonia = a.colonia AND r.n > a.poblacion")
        guard case .project(.join(let join), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(join.kind == .inner)
        #expect(join.leftKeys == [.column(index: 0, type: .varchar)])
        #expect(join.rightKeys == [.column(index: 1, type: .varchar)])
        #expect(
            join.residual
                == .call(
                    name: .greater, arguments: [.column(index: 3, type: .bigint), .column(index: 10, type: .bigint)],
                    type: .boolean))
    }

    @Test func leftJoinMakesTheRightSideNullable() throws {
        let bound = try plan("SELECT a.poblacion FROM reportes r LEFT JOIN alcaldias a ON a.colonia = r.colonia")
        #expect(bound.fields == [Field(name: "poblacion", type: .bigint, isNullable: true)])
        guard case .project(.join(let join), _, _) = bound else { return }
        #expect(join.kind == .left)
        #expect(join.leftKeys == [.column(index: 0, type: .varchar)])
    }

    @Test func groupByOrdinalAliasAndAllAgree() throws {
        let byOrdinal = try plan("SELECT lower(colonia) AS c, count(*) FROM reportes GROUP BY 1")
        let byAlias = try plan("SELECT lower(colonia) AS c, count(*) FROM reportes GROUP BY c")
        let byAll = try plan("SELECT lower(colonia) AS c, count(*) FROM reportes GROUP BY ALL")
        let byExpression = try plan("SELECT lower(colonia) AS c, count(*) FROM reportes GROUP BY lower(colonia)")
        #expect(byOrdinal == byAlias && byAlias == byAll)
        #expect(byExpression.fields == byAll.fields)
        #expect(byOrdinal.fields.map(\.name) == ["c", "count_star()"])
        #expect(byOrdinal.fields[1].isNullable == false)
    }

    @Test func aggregateNodeHoldsGroupsThenDeduplicatedAggregates() throws {
        guard
            case .project(.filter(.aggregate(_, let groups, let aggregates, _), _), let expressions, _) =
                try plan("SELECT colonia, sum(n), sum(n) * 2 FROM reportes GROUP BY colonia HAVING sum(n) > 0")
        else {
            Issue.record("unexpected plan")
            return
        }
        #expect(groups == [.column(index: 0, type: .varchar)])
        #expect(aggregates.count == 1)
        #expect(expressions[1] == .column(index: 1, type: .bigint))
    }

    @Test func orderByAnUnselectedExpressionAddsAHiddenColumnThenDropsIt() throws {
        let bound = try plan("SELECT colonia FROM reportes ORDER BY n DESC LIMIT 3")
        guard
            case .project(
                .limit(.sort(.project(_, let expressions, _), let keys), let limit, 0), let kept, let fields) = bound
        else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(expressions.count == 2 && kept.count == 1 && fields.map(\.name) == ["colonia"])
        #expect(keys == [SortKey(expression: .column(index: 1, type: .bigint), isDescending: true, nullsFirst: false)])
        #expect(limit == 3)
    }

    @Test func orderByAliasAndOrdinalUseTheSelectList() throws {
        guard case .sort(_, let keys) = try plan("SELECT n AS k, colonia FROM reportes ORDER BY k, 2 NULLS FIRST")
        else {
            Issue.record("unexpected plan")
            return
        }
        #expect(keys.map(\.expression) == [.column(index: 0, type: .bigint), .column(index: 1, type: .varchar)])
        #expect(keys.map(\.nullsFirst) == [false, true])
    }

    @Test func orderByAnAggregateNotSelectedIsCollected() throws {
        let bound = try plan("SELECT colonia FROM reportes GROUP BY colonia ORDER BY count(*) DESC")
        guard case .project(.sort(.project(.aggregate(_, _, let aggregates, _), _, _), _), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(aggregates.map(\.function) == [.countStar])
    }

    @Test func parametersBecomeLiterals() throws {
        let bound = try plan(
            "SELECT n FROM reportes WHERE colonia = ? AND n > ?", parameters: [.varchar("Centro"), .bigint(5)])
        guard case .project(.filter(_, let predicate), _, _) = bound else {
            Issue.record("unexpected plan")
            return
        }
        let text = PlanPrinter.describe(predicate, TestCatalog().tables[0].schema.fields)
        #expect(text == "((colonia = 'Centro') AND (n > 5))")
    }

    @Test func aParameterCannotChangeTheQueryShape() throws {
        let bound = try plan("SELECT n FROM reportes WHERE colonia = ?", parameters: [.varchar("x' OR '1'='1")])
        guard case .project(.filter(_, .call(.equal, let arguments, _)), _, _) = bound else {
            Issue.record("unexpected plan")
            return
        }
        #expect(arguments[1] == .literal(.varchar("x' OR '1'='1"), type: .varchar))
    }

    @Test func ctesAndSubqueriesAreInlined() throws {
        let bound = try plan("WITH big AS (SELECT colonia, n FROM reportes WHERE n > 10) SELECT b.colonia FROM big b")
        guard case .project(.project(.filter(.scan(let scan), _), _, _), _, _) = bound else {
            Issue.record("unexpected plan \(bound)")
            return
        }
        #expect(scan.table == "reportes")
    }

    @Test func statementsOtherThanQueries() throws {
        guard case .showTables = try bind("SHOW TABLES") else { Issue.record("SHOW TABLES"); return }
        guard case .describe(let table) = try bind("DESCRIBE REPORTES"), table == "reportes" else {
            Issue.record("DESCRIBE"); return
        }
        guard case .set(let name, let value) = try bind("SET Threads = 2 + 2"), name == "threads", value == .bigint(4)
        else {
            Issue.record("SET")
            return
        }
        guard case .explain(_, let analyze) = try bind("EXPLAIN ANALYZE SELECT 1"), analyze else {
            Issue.record("EXPLAIN"); return
        }
    }

    @Test func inSubqueryAndScalarSubqueryBind() throws {
        let bound = try plan(
            "SELECT n FROM reportes WHERE colonia NOT IN (SELECT colonia FROM alcaldias) AND n > (SELECT min(poblacion) FROM alcaldias)"
        )
        guard case .project(.filter(_, .call(.and, let arguments, _)), _, _) = bound else {
            Issue.record("unexpected plan")
            return
        }
        guard case .inSubquery(_, _, let negated) = arguments[0] else { Issue.record("no IN"); return }
        #expect(negated)
        guard case .call(.greater, let comparison, _) = arguments[1], case .scalarSubquery(_, .bigint) = comparison[1]
        else {
            Issue.record("no scalar subquery")
            return
        }
    }

    @Test func stringLiteralsMeetingDatesAreParsed() throws {
        let bound = try expression("fecha >= '2024-01-31'")
        #expect(
            bound
                == .call(
                    name: .greaterOrEqual,
                    arguments: [.column(index: 2, type: .date), .literal(.date(19753), type: .date)],
                    type: .boolean))
    }

    @Test func negativeIntegerLiteralsFoldIncludingTheMinimum() throws {
        #expect(try expression("-9223372036854775808") == .literal(.bigint(.min), type: .bigint))
        #expect(try expression("-1.50") == .literal(.decimal(-150, scale: 2), type: .decimal(precision: 3, scale: 2)))
        #expect(try expression("99999999999999999999").type == .double)
    }

    @Test func betweenIsRewrittenToComparisons() throws {
        #expect(
            try expression("n BETWEEN 1 AND 5")
                == .call(
                    name: .and,
                    arguments: [
                        .call(
                            name: .greaterOrEqual,
                            arguments: [.column(index: 3, type: .bigint), .literal(.bigint(1), type: .bigint)],
                            type: .boolean),
                        .call(
                            name: .lessOrEqual,
                            arguments: [.column(index: 3, type: .bigint), .literal(.bigint(5), type: .bigint)],
                            type: .boolean),
                    ], type: .boolean))
    }

    @Test func everyCallNameIsInTheCatalogue() throws {
        let names = Set(FunctionCatalog.signatures.map(\.name))
        for text in [
            "n + 1", "colonia LIKE 'x' OR NOT ok", "coalesce(n, 1) IN (1, 2)", "year(fecha) = 2024 AND n IS NOT NULL",
            "monto * 2 - 1",
        ] {
            var pending = [try expression(text)]
            while let next = pending.popLast() {
                switch next {
                case .call(let name, let arguments, _):
                    #expect(names.contains(name.rawValue), "\(name)")
                    pending += arguments
                case .cast(let inner, _, _): pending.append(inner)
                default: break
                }
            }
        }
    }
}

/// Inputs at the limits bind without trapping.
@Suite struct BinderLimitTests {
    @Test func deepButAllowedNestingBinds() throws {
        let parentheses =
            "SELECT " + String(repeating: "(", count: 200) + "n" + String(repeating: ")", count: 200) + " FROM reportes"
        #expect(try plan(parentheses).fields.count == 1)
        let deepest =
            "SELECT " + String(repeating: "(-", count: 120) + "n" + String(repeating: ")", count: 120)
            + " FROM reportes"
        #expect(PlanPrinter.explain(Optimizer.optimize(try plan(deepest))).contains("negate"))
        let subqueries =
            String(repeating: "SELECT * FROM (", count: 100) + "SELECT n FROM reportes"
            + String(repeating: ") AS s", count: 100)
        #expect(try plan(subqueries).fields.map(\.name) == ["n"])
        let chain = "SELECT n FROM reportes WHERE " + (1...200).map { "n = \($0)" }.joined(separator: " OR ")
        #expect(Optimizer.optimize(try plan(chain)).fields.count == 1)
    }

    @Test func aLongInListBinds() throws {
        let list = (1...20_000).map(String.init).joined(separator: ", ")
        let optimized = Optimizer.optimize(try plan("SELECT n FROM reportes WHERE n IN (\(list))"))
        guard case .filter(.scan(let scan), _) = optimized else {
            Issue.record("unexpected plan")
            return
        }
        #expect(scan.pruningPredicates.first?.constants.count == 20_000)
    }

    @Test func aDecimalParameterWithAnImpossibleScaleIsAnError() {
        #expect(throws: BindError.self) { try plan("SELECT ? + 1", parameters: [.decimal(1, scale: 40)]) }
    }

    @Test func aTextParameterMeetingADateIsReadAsADate() throws {
        let bound = try plan("SELECT n FROM reportes WHERE fecha = ?", parameters: [.varchar("2024-01-31")])
        guard case .project(.filter(_, .call(.equal, let arguments, _)), _, _) = bound else {
            Issue.record("unexpected plan")
            return
        }
        #expect(arguments[1] == .literal(.date(19753), type: .date))
    }
}
