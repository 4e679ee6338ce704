import PlazaCore
import PlazaExecution
import PlazaPlanner
import PlazaVector
import Testing

@Suite struct OperatorTests {
    let people = InMemoryTable(
        schema: Schema([
            Field(name: "id", type: .bigint), Field(name: "name", type: .varchar), Field(name: "city", type: .bigint),
        ]),
        rows: [
            [.bigint(1), .varchar("ana"), .bigint(10)],
            [.bigint(2), .varchar("bo"), .bigint(20)],
            [.bigint(3), .varchar("cy"), .null],
            [.bigint(4), .varchar("di"), .bigint(10)],
            [.bigint(5), .varchar("ed"), .bigint(99)],
        ], rowGroupSize: 2)
    let cities = InMemoryTable(
        schema: Schema([Field(name: "id", type: .bigint), Field(name: "city", type: .varchar)]),
        rows: [
            [.bigint(10), .varchar("Lima")], [.bigint(20), .varchar("Quito")], [.bigint(20), .varchar("Quito2")],
            [.null, .varchar("Nowhere")],
        ], rowGroupSize: 3)

    var tables: [String: InMemoryTable] { ["p": people, "c": cities] }

    func join(_ kind: Join.Kind, residual: BoundExpression? = nil) -> LogicalPlan {
        .join(
            Join(
                left: T.scan("p", people), right: T.scan("c", cities), kind: kind, leftKeys: [T.col(2, .bigint)],
                rightKeys: [T.col(0, .bigint)], residual: residual))
    }

    @Test func innerJoinMatchesDuplicatesAndSkipsNullKeys() throws {
        let rows = T.sortRows(try T.runBoth(join(.inner), tables))
        #expect(rows.map { "\($0[1]) \($0[4])" } == ["ana Lima", "bo Quito", "bo Quito2", "di Lima"])
    }

    @Test func leftJoinKeepsUnmatchedRows() throws {
        let rows = T.sortRows(try T.runBoth(join(.left), tables))
        #expect(
            rows.map { "\($0[1]) \($0[4])" } == ["ana Lima", "bo Quito", "bo Quito2", "cy NULL", "di Lima", "ed NULL"])
        let residual = T.call(.notEqual, [T.col(4, .varchar), T.lit(.varchar("Quito"))], .boolean)
        let filtered = T.sortRows(try T.runBoth(join(.left, residual: residual), tables))
        #expect(filtered.map { "\($0[1]) \($0[4])" } == ["ana Lima", "bo Quito2", "cy NULL", "di Lima", "ed NULL"])
    }

    @Test func semiAndAntiJoins() throws {
        #expect(T.sortRows(try T.runBoth(join(.semi), tables)).map { $0[1].description } == ["ana", "bo", "di"])
        // NOT IN with a NULL on the right: no rows.
        #expect(try T.runBoth(join(.anti), tables).isEmpty)
        let noNull = InMemoryTable(schema: cities.schema, rows: [[.bigint(10), .varchar("Lima")]])
        let anti = LogicalPlan.join(
            Join(
                left: T.scan("p", people), right: T.scan("n", noNull), kind: .anti, leftKeys: [T.col(2, .bigint)],
                rightKeys: [T.col(0, .bigint)], residual: nil))
        #expect(T.sortRows(try T.runBoth(anti, ["p": people, "n": noNull])).map { $0[1].description } == ["bo", "ed"])
    }

    @Test func joinWithEmptySide() throws {
        let empty = InMemoryTable(schema: cities.schema, rows: [])
        let plan = LogicalPlan.join(
            Join(
                left: T.scan("p", people), right: T.scan("e", empty), kind: .left, leftKeys: [T.col(2, .bigint)],
                rightKeys: [T.col(0, .bigint)], residual: nil))
        #expect(try T.runBoth(plan, ["p": people, "e": empty]).count == 5)
        let inner = LogicalPlan.join(
            Join(
                left: T.scan("p", people), right: T.scan("e", empty), kind: .inner, leftKeys: [T.col(2, .bigint)],
                rightKeys: [T.col(0, .bigint)], residual: nil))
        #expect(try T.runBoth(inner, ["p": people, "e": empty]).isEmpty)
    }

    @Test func sortOnSeveralKeysWithNullPlacement() throws {
        let byCity = LogicalPlan.sort(
            input: T.scan("p", people),
            keys: [
                SortKey(expression: T.col(2, .bigint), isDescending: false, nullsFirst: false),
                SortKey(expression: T.col(1, .varchar), isDescending: true, nullsFirst: false),
            ])
        #expect(
            try T.runBoth(byCity, tables, ordered: true).map { $0[1].description } == ["di", "ana", "bo", "ed", "cy"])
        let nullsFirst = LogicalPlan.sort(
            input: T.scan("p", people),
            keys: [SortKey(expression: T.col(2, .bigint), isDescending: true, nullsFirst: true)])
        #expect(
            try T.runBoth(nullsFirst, tables, ordered: true).map { $0[2].description } == [
                "NULL", "99", "20", "10", "10",
            ])
    }

    @Test func sortEveryType() throws {
        let schema = Schema([
            Field(name: "x", type: .double), Field(name: "s", type: .varchar),
            Field(name: "d", type: .decimal(precision: 5, scale: 1)),
        ])
        let t = InMemoryTable(
            schema: schema,
            rows: [
                [.double(.nan), .varchar("b"), .decimal(-15, scale: 1)],
                [.double(-1), .varchar("a\u{0}"), .decimal(3, scale: 1)],
                [.double(.infinity), .varchar(""), .null], [.double(-0.0), .varchar("a"), .decimal(-2, scale: 1)],
            ])
        func order(_ column: Int, _ type: DataType, desc: Bool = false) throws -> [String] {
            let plan = LogicalPlan.sort(
                input: T.scan("t", t),
                keys: [SortKey(expression: T.col(column, type), isDescending: desc, nullsFirst: false)])
            return try T.run(plan, ["t": t]).map { $0[column].description }
        }
        #expect(try order(0, .double) == ["-1.0", "-0.0", "inf", "nan"])
        #expect(try order(1, .varchar) == ["", "a", "a\u{0}", "b"])
        #expect(try order(2, .decimal(precision: 5, scale: 1), desc: true) == ["0.3", "-0.2", "-1.5", "NULL"])
    }

    @Test func topNAndLimitOffset() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]),
            rows: (0..<20_000).map { [.bigint(Int64(($0 * 7919) % 20_000))] }, rowGroupSize: 3000)
        let top = LogicalPlan.limit(
            input: .sort(
                input: T.scan("n", numbers),
                keys: [SortKey(expression: T.col(0, .bigint), isDescending: true, nullsFirst: true)]), limit: 3,
            offset: 2)
        #expect(
            try T.runBoth(top, ["n": numbers], ordered: true) == [
                [.bigint(19_997)], [.bigint(19_996)], [.bigint(19_995)],
            ])
        let plain = LogicalPlan.limit(input: T.scan("n", numbers), limit: 5, offset: 4000)
        // LIMIT without ORDER BY keeps the rows a single thread would keep.
        let page = try T.runBoth(plain, ["n": numbers], ordered: true)
        #expect(page.count == 5)
        #expect(page[0] == [.bigint(Int64((4000 * 7919) % 20_000))])
        #expect(try T.run(.limit(input: T.scan("n", numbers), limit: nil, offset: 19_999), ["n": numbers]).count == 1)
        #expect(try T.run(.limit(input: T.scan("n", numbers), limit: 0, offset: 0), ["n": numbers]).isEmpty)
    }

    @Test func distinctValuesAndSubqueries() throws {
        let distinct = LogicalPlan.distinct(input: T.project(T.scan("p", people), [T.col(2, .bigint)]))
        #expect(T.sortRows(try T.runBoth(distinct, tables)).map { $0[0].description } == ["10", "20", "99", "NULL"])
        let values = LogicalPlan.values(
            rows: [[T.lit(.bigint(1)), T.lit(.varchar("x"))], [T.lit(.bigint(2)), T.lit(.null, .varchar)]],
            fields: [Field(name: "a", type: .bigint), Field(name: "b", type: .varchar)])
        #expect(try T.run(values, [:]) == [[.bigint(1), .varchar("x")], [.bigint(2), .null]])
        let maxID = LogicalPlan.aggregate(
            input: T.scan("p", people), groups: [],
            aggregates: [AggregateCall(function: .max, arguments: [T.col(0, .bigint)], type: .bigint)],
            fields: [Field(name: "m", type: .bigint)])
        let filter = LogicalPlan.filter(
            input: T.scan("p", people),
            predicate: T.call(.equal, [T.col(0, .bigint), .scalarSubquery(maxID, type: .bigint)], .boolean))
        #expect(try T.runBoth(filter, tables).map { $0[1].description } == ["ed"])
        let cityIDs = T.project(T.scan("c", cities), [T.col(0, .bigint)])
        let notIn = LogicalPlan.filter(
            input: T.scan("p", people), predicate: .inSubquery(T.col(2, .bigint), cityIDs, isNegated: true))
        #expect(try T.runBoth(notIn, tables).isEmpty)  // the subquery holds a NULL
        let isIn = LogicalPlan.filter(
            input: T.scan("p", people), predicate: .inSubquery(T.col(2, .bigint), cityIDs, isNegated: false))
        #expect(T.sortRows(try T.runBoth(isIn, tables)).map { $0[1].description } == ["ana", "bo", "di"])
    }

    @Test func pruningSkipsRowGroups() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<10_000).map { [.bigint(Int64($0))] },
            rowGroupSize: 1000)
        let predicate = ScanPredicate(column: 0, comparison: .greaterOrEqual, constants: [.bigint(9500)])
        let plan = LogicalPlan.filter(
            input: T.scan("n", numbers, pruning: [predicate]),
            predicate: T.call(.greaterOrEqual, [T.col(0, .bigint), T.lit(.bigint(9500))], .boolean))
        #expect(try T.runBoth(plan, ["n": numbers]).count == 500)
        let executor = QueryExecutor(tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 2))
        let text = try executor.explainAnalyze(plan)
        #expect(text.contains("row groups read: 1, skipped: 9"))
        #expect(text.contains("SCAN n"))
        #expect(text.contains("FILTER"))
        let counted = T.aggregate(plan, groups: [], [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        let aggregateText = try executor.explainAnalyze(counted)
        #expect(aggregateText.contains("HASH_AGGREGATE groups: 0; aggregates: count_star  [rows in: 500, rows out: 1"))
    }

    @Test func collectedRowsBehindASelectiveFilterAreKeptCompacted() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<300_000).map { [.bigint(Int64($0))] },
            rowGroupSize: 50_000)
        let plan = LogicalPlan.filter(
            input: T.scan("n", numbers),
            predicate: T.call(
                .equal, [T.call(.modulo, [T.col(0, .bigint), T.lit(.bigint(100))], .bigint), T.lit(.bigint(7))],
                .boolean))
        // Kept behind their selections, the scan's vectors would hold 2.4 MB for 24 KB of rows:
        // past a 1 MB limit. Compacted as they are collected, they fit.
        let rows = try T.run(plan, ["n": numbers], memoryLimit: 1 << 20)
        #expect(rows.count == 3000 && rows.first == [.bigint(7)] && rows.last == [.bigint(299_907)])
    }

    @Test func aggregatePastTheMemoryLimitSpills() throws {
        // The limit errors of spilling operators are tested in MemorySpillTests.
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<50_000).map { [.bigint(Int64($0))] },
            rowGroupSize: 10_000)
        let plan = T.aggregate(
            T.scan("n", numbers), groups: [T.col(0, .bigint)],
            [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        // 50,000 groups need over 1.5 MB in memory; 400 KB leaves room for one partition's fixed
        // overhead (about 200 KB) while two threads hold theirs, which 200 KB did not always do.
        #expect(try T.run(plan, ["n": numbers], memoryLimit: 400_000).count == 50_000)
        #expect(try T.run(plan, ["n": numbers], memoryLimit: 64 << 20).count == 50_000)
    }

    @Test func cancellationStopsTheQuery() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<100).map { [.bigint(Int64($0))] })
        let executor = QueryExecutor(
            tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 1, isCancelled: { true }))
        #expect(throws: ExecutionError.self) { try executor.execute(T.scan("n", numbers)) }
    }

    @Test func streamStopsWhenAsked() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<10_000).map { [.bigint(Int64($0))] })
        let executor = QueryExecutor(tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 2))
        var seen = 0
        try executor.stream(T.scan("n", numbers)) { batch in
            seen += batch.count
            return false
        }
        #expect(seen == 2048)
    }
}
