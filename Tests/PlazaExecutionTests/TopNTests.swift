import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

@Suite struct TopNTests {
    /// 6,000 rows in row groups of 500: a unique id, and per type a column with NULLs and
    /// many duplicates, so ties are broken by the id.
    static let table: InMemoryTable = {
        let schema = Schema([
            Field(name: "id", type: .bigint), Field(name: "ts", type: .timestamp), Field(name: "x", type: .double),
            Field(name: "s", type: .varchar), Field(name: "d", type: .date), Field(name: "b", type: .boolean),
            Field(name: "m", type: .decimal(precision: 9, scale: 2)),
        ])
        var rows: [[Value]] = []
        var seed: UInt64 = 12345
        func next(_ n: UInt64) -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (seed >> 33) % n
        }
        for id in 0..<6000 {
            let isNull = next(13) == 0
            let r = Int64(next(5000)) - 2500
            let words = ["", "a", "a\u{0}", "ab", "b", "\u{e9}t\u{e9}", "z", "Z"]
            rows.append([
                .bigint(Int64(id)), isNull ? .null : .timestamp(r * 1_000_003),
                isNull ? .null : .double(next(50) == 0 ? -0.0 : Double(r) / 7),
                isNull ? .null : .varchar(words[Int(next(UInt64(words.count)))] + String(r % 3)),
                isNull ? .null : .date(Int32(r)), isNull ? .null : .boolean(r % 2 == 0),
                isNull ? .null : .decimal(r * 101, scale: 2),
            ])
        }
        return InMemoryTable(schema: schema, rows: rows, rowGroupSize: 500)
    }()

    static let types: [DataType] = [
        .bigint, .timestamp, .double, .varchar, .date, .boolean, .decimal(precision: 9, scale: 2),
    ]

    func plan(column: Int, desc: Bool, nullsFirst: Bool, limit: Int?, offset: Int) -> LogicalPlan {
        let keys = [
            SortKey(expression: T.col(column, Self.types[column]), isDescending: desc, nullsFirst: nullsFirst),
            SortKey(expression: T.col(0, .bigint), isDescending: false, nullsFirst: false),
        ]
        let sorted = LogicalPlan.sort(input: T.scan("t", Self.table), keys: keys)
        return limit == nil && offset == 0 ? sorted : .limit(input: sorted, limit: limit, offset: offset)
    }

    @Test(arguments: 1..<7)
    func topNIsThePrefixOfTheFullSort(column: Int) throws {
        let tables = ["t": Self.table]
        for (desc, nullsFirst) in [(false, false), (false, true), (true, false), (true, true)] {
            let full = try T.run(
                plan(column: column, desc: desc, nullsFirst: nullsFirst, limit: nil, offset: 0), tables)
            #expect(full.count == 6000)
            for (limit, offset) in [(1, 0), (10, 0), (25, 100), (3000, 17), (10, 5995)] {
                let top = try T.runBoth(
                    plan(column: column, desc: desc, nullsFirst: nullsFirst, limit: limit, offset: offset), tables,
                    ordered: true)
                let expected = Array(full[Swift.min(offset, full.count)..<Swift.min(offset + limit, full.count)])
                #expect(
                    top == expected,
                    "column \(column) desc \(desc) nullsFirst \(nullsFirst) limit \(limit) offset \(offset)")
            }
        }
    }

    @Test func singleKeyWithTiesKeepsTheRightValues() throws {
        // Only the key is returned, so any tied rows are an equally right answer.
        let tables = ["t": Self.table]
        let sorted = LogicalPlan.sort(
            input: T.project(T.scan("t", Self.table), [T.col(3, .varchar)]),
            keys: [SortKey(expression: T.col(0, .varchar), isDescending: true, nullsFirst: false)])
        let full = try T.run(sorted, tables)
        let top = try T.runBoth(.limit(input: sorted, limit: 700, offset: 5), tables, ordered: true)
        #expect(top == Array(full[5..<705]))
    }

    @Test func keyColumnsAreReadFirstAndPruneTheSecondPass() throws {
        let numbers = InMemoryTable(
            schema: Schema([
                Field(name: "n", type: .bigint), Field(name: "label", type: .varchar), Field(name: "k", type: .bigint),
            ]),
            rows: (0..<30_000).map { [.bigint(Int64($0)), .varchar("row \($0)"), .bigint(Int64($0 % 7))] },
            rowGroupSize: 1000)
        let filter = LogicalPlan.filter(
            input: T.scan("n", numbers),
            predicate: T.call(.notEqual, [T.col(0, .bigint), T.lit(.bigint(29_998))], .boolean))
        let plan = LogicalPlan.limit(
            input: .sort(
                input: T.project(filter, [T.col(1, .varchar), T.col(0, .bigint)]),
                keys: [SortKey(expression: T.col(1, .bigint), isDescending: true, nullsFirst: false)]), limit: 4,
            offset: 0)
        let rows = try T.runBoth(plan, ["n": numbers], ordered: true)
        #expect(rows.map { $0[1] } == [.bigint(29_999), .bigint(29_997), .bigint(29_996), .bigint(29_995)])
        #expect(rows[0][0] == .varchar("row 29999"))
        // The first pass reads n only; the second opens one row group of 30.
        guard
            let (narrow, narrowKeys) = TopNOperator.keyColumnsOnly(
                T.project(filter, [T.col(1, .varchar), T.col(0, .bigint)]),
                [SortKey(expression: T.col(1, .bigint), isDescending: true, nullsFirst: false)]),
            case .filter(.scan(let scan), _) = narrow
        else {
            Issue.record("expected a narrowed plan")
            return
        }
        #expect(scan.columns == [0])
        #expect(narrowKeys == [SortKey(expression: T.col(0, .bigint), isDescending: true, nullsFirst: false)])
        // A filter on another column: one pass over every column instead.
        let other = LogicalPlan.filter(
            input: T.scan("n", numbers), predicate: T.call(.notEqual, [T.col(2, .bigint), T.lit(.bigint(3))], .boolean))
        #expect(
            TopNOperator.keyColumnsOnly(
                T.project(other, [T.col(1, .varchar), T.col(0, .bigint)]),
                [SortKey(expression: T.col(1, .bigint), isDescending: true, nullsFirst: false)]) == nil)
        let executor = QueryExecutor(tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 1))
        let text = try executor.explainAnalyze(plan)
        #expect(text.contains("TOP_N_KEYS"))
        #expect(text.contains("SCAN n [n, label, k]") && text.contains("row groups read: 1, skipped: 29"), "\(text)")
    }

    @Test func rowGroupsWithTheBestKeysAreReadFirstSoTheCutoffSkipsTheRest() throws {
        // Stored in ascending order, asked newest first behind a filter on another column (the
        // latest requests of one neighbourhood): the last row group is read first, and its cutoff
        // rules out every other.
        let rows: [[Value]] = (0..<30_000).map { [.bigint(Int64($0)), .bigint(Int64($0 % 7))] }
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint), Field(name: "k", type: .bigint)]), rows: rows,
            rowGroupSize: 1000)
        let filter = LogicalPlan.filter(
            input: T.scan("n", numbers), predicate: T.call(.equal, [T.col(1, .bigint), T.lit(.bigint(3))], .boolean))
        let plan = LogicalPlan.limit(
            input: .sort(
                input: filter, keys: [SortKey(expression: T.col(0, .bigint), isDescending: true, nullsFirst: false)]),
            limit: 5, offset: 2)
        let expected = (0..<30_000).filter { $0 % 7 == 3 }.reversed().dropFirst(2).prefix(5).map {
            Value.bigint(Int64($0))
        }
        #expect(try T.runBoth(plan, ["n": numbers], ordered: true).map { $0[0] } == Array(expected))
        let executor = QueryExecutor(tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 1))
        let text = try executor.explainAnalyze(plan)
        #expect(text.contains("row groups read: 1, skipped: 29"), "\(text)")
    }

    @Test func limitWithoutOrderStopsTheScanEarly() throws {
        let numbers = InMemoryTable(
            schema: Schema([Field(name: "n", type: .bigint)]), rows: (0..<20_000).map { [.bigint(Int64($0))] },
            rowGroupSize: 1000)
        let odd = LogicalPlan.filter(
            input: T.scan("n", numbers), predicate: T.call(.notEqual, [T.col(0, .bigint), T.lit(.bigint(3))], .boolean))
        let plan = LogicalPlan.limit(input: odd, limit: 5, offset: 10)
        #expect(try T.runBoth(plan, ["n": numbers], ordered: true) == [11, 12, 13, 14, 15].map { [Value.bigint($0)] })
        let executor = QueryExecutor(tables: InMemoryTables(["n": numbers]), options: ExecutionOptions(threads: 1))
        #expect(try executor.explainAnalyze(plan).contains("row groups read: 1, skipped: 0"))
    }

    @Test func nullsFirstKeysPruneOnlyWhenNullsAreExcluded() {
        let scan = T.scan("t", Self.table)
        let desc = SortKey(expression: T.col(2, .double), isDescending: true, nullsFirst: true)
        #expect(TopNOperator.pruningColumn(for: desc, in: scan) == nil)
        let notNull = LogicalPlan.filter(input: scan, predicate: T.call(.isNotNull, [T.col(2, .double)], .boolean))
        #expect(TopNOperator.pruningColumn(for: desc, in: notNull) == 2)
        let last = SortKey(expression: T.col(2, .double), isDescending: true, nullsFirst: false)
        #expect(TopNOperator.pruningColumn(for: last, in: scan) == 2)
        let computed = SortKey(
            expression: T.call(.subtract, [T.col(2, .double)], .double), isDescending: false, nullsFirst: false)
        #expect(TopNOperator.pruningColumn(for: computed, in: scan) == nil)
    }

    @Test func cutoffFilterKeepsOnlyRowsThatCanWin() {
        let vector = ColumnVector(type: .bigint)
        for v: Int64 in [5, -3, 9, 5, 0] { vector.append(v) }
        vector.appendNull()
        let out = UnsafeMutablePointer<Int32>.allocate(capacity: 8)
        defer { out.deallocate() }
        let cutoff = FirstKeyCutoff(vector, row: 0, isDescending: true, nullsFirst: false)  // 5, DESC NULLS LAST
        let n = cutoff.survivors(vector, count: 6, isDescending: true, nullsFirst: false, strict: false, into: out)
        #expect(Array(UnsafeBufferPointer(start: out, count: n)) == [0, 2, 3])
        let strict = cutoff.survivors(vector, count: 6, isDescending: true, nullsFirst: false, strict: true, into: out)
        #expect(Array(UnsafeBufferPointer(start: out, count: strict)) == [2])
        let first = FirstKeyCutoff(vector, row: 4, isDescending: false, nullsFirst: true)  // 0, ASC NULLS FIRST
        let m = first.survivors(vector, count: 6, isDescending: false, nullsFirst: true, strict: false, into: out)
        #expect(Array(UnsafeBufferPointer(start: out, count: m)) == [1, 4, 5])
    }
}
