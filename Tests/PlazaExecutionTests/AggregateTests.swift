import PlazaCore
import PlazaExecution
import PlazaPlanner
import PlazaVector
import Testing

@Suite struct AggregateTests {
    let schema = Schema([
        Field(name: "k", type: .varchar), Field(name: "a", type: .bigint),
        Field(name: "d", type: .decimal(precision: 12, scale: 2)), Field(name: "x", type: .double),
    ])

    func table(rowGroupSize: Int = 3) -> InMemoryTable {
        InMemoryTable(
            schema: schema,
            rows: [
                [.varchar("p"), .bigint(1), .decimal(150, scale: 2), .double(1.5)],
                [.varchar("q"), .bigint(2), .decimal(-25, scale: 2), .double(2.5)],
                [.varchar("p"), .null, .null, .null],
                [.null, .bigint(4), .decimal(1000, scale: 2), .double(-1)],
                [.varchar("q"), .bigint(5), .decimal(1, scale: 2), .double(0)],
                [.varchar("r"), .null, .null, .null],
            ], rowGroupSize: rowGroupSize)
    }

    @Test func ungroupedAggregatesSkipNulls() throws {
        let t = table()
        let plan = T.aggregate(
            T.scan("t", t), groups: [],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .count, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(function: .sum, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(
                    function: .sum, arguments: [T.col(2, .decimal(precision: 12, scale: 2))],
                    type: .decimal(precision: 18, scale: 2)),
                AggregateCall(function: .avg, arguments: [T.col(2, .decimal(precision: 12, scale: 2))], type: .double),
                AggregateCall(function: .min, arguments: [T.col(0, .varchar)], type: .varchar),
                AggregateCall(function: .max, arguments: [T.col(3, .double)], type: .double),
                AggregateCall(function: .avg, arguments: [T.col(1, .bigint)], type: .double),
            ])
        let rows = try T.runBoth(plan, ["t": t])
        #expect(
            rows == [
                [
                    .bigint(6), .bigint(4), .bigint(12), .decimal(1126, scale: 2), .double(2.815), .varchar("p"),
                    .double(2.5), .double(3),
                ]
            ])
    }

    @Test func emptyInputGivesOneRowUngroupedAndNoRowsGrouped() throws {
        let t = InMemoryTable(schema: schema, rows: [])
        let calls = [
            AggregateCall(function: .countStar, arguments: [], type: .bigint),
            AggregateCall(function: .sum, arguments: [T.col(1, .bigint)], type: .bigint),
        ]
        #expect(try T.runBoth(T.aggregate(T.scan("t", t), groups: [], calls), ["t": t]) == [[.bigint(0), .null]])
        #expect(try T.runBoth(T.aggregate(T.scan("t", t), groups: [T.col(0, .varchar)], calls), ["t": t]).isEmpty)
    }

    @Test func groupedWithNullGroupAndAllNullGroup() throws {
        let t = table(rowGroupSize: 2)
        let plan = T.aggregate(
            T.scan("t", t), groups: [T.col(0, .varchar)],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .sum, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(
                    function: .max, arguments: [T.col(2, .decimal(precision: 12, scale: 2))],
                    type: .decimal(precision: 12, scale: 2)),
            ])
        let rows = T.sortRows(try T.runBoth(plan, ["t": t]))
        #expect(
            rows
                == T.sortRows([
                    [.varchar("p"), .bigint(2), .bigint(1), .decimal(150, scale: 2)],
                    [.varchar("q"), .bigint(2), .bigint(7), .decimal(1, scale: 2)],
                    [.null, .bigint(1), .bigint(4), .decimal(1000, scale: 2)],
                    [.varchar("r"), .bigint(1), .null, .null],
                ]))
    }

    @Test func sumOverflowIsAnError() throws {
        let t = InMemoryTable(
            schema: Schema([Field(name: "a", type: .bigint)]), rows: [[.bigint(.max)], [.bigint(1)]], rowGroupSize: 1)
        let plan = T.aggregate(
            T.scan("t", t), groups: [], [AggregateCall(function: .sum, arguments: [T.col(0, .bigint)], type: .bigint)])
        #expect(throws: ExecutionError.self) { try T.run(plan, ["t": t]) }
        // The intermediate sum may pass Int64 as long as the final one fits.
        let u = InMemoryTable(
            schema: Schema([Field(name: "a", type: .bigint)]), rows: [[.bigint(.max)], [.bigint(1)], [.bigint(-2)]],
            rowGroupSize: 1)
        let plan2 = T.aggregate(
            T.scan("u", u), groups: [], [AggregateCall(function: .sum, arguments: [T.col(0, .bigint)], type: .bigint)])
        #expect(try T.runBoth(plan2, ["u": u]) == [[.bigint(.max - 1)]])
    }

    @Test func dictionaryKeysGroupByCode() throws {
        let t = T.dictionaryTable(groups: 5, rowsPerGroup: 5000, words: ["alpha", "beta", "gamma"])
        let plan = T.aggregate(
            T.scan("t", t), groups: [T.col(0, .varchar)],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .sum, arguments: [T.col(1, .bigint)], type: .bigint),
            ])
        let rows = T.sortRows(try T.runBoth(plan, ["t": t]))
        // Rows cycle alpha, beta, gamma, NULL over n = 0 ..< 25000.
        var expected: [String: (Int64, Int64)] = [:]
        for n in 0..<25000 {
            let key = ["alpha", "beta", "gamma", "NULL"][n % 4]
            expected[key, default: (0, 0)].0 += 1
            expected[key, default: (0, 0)].1 += Int64(n)
        }
        let want = T.sortRows(
            expected.map { key, v in [key == "NULL" ? .null : .varchar(key), .bigint(v.0), .bigint(v.1)] })
        #expect(rows == want)
    }

    @Test func filteredDictionaryKeysMakeNoEmptyGroups() throws {
        let t = T.dictionaryTable(groups: 3, rowsPerGroup: 4000, words: ["alpha", "beta", "gamma"])
        let filtered = LogicalPlan.filter(
            input: T.scan("t", t), predicate: T.call(.like, [T.col(0, .varchar), T.lit(.varchar("%et%"))], .boolean))
        let grouped = T.aggregate(
            filtered, groups: [T.col(0, .varchar)], [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        #expect(try T.runBoth(grouped, ["t": t]) == [[.varchar("beta"), .bigint(3000)]])
        let distinct = LogicalPlan.distinct(input: T.project(filtered, [T.col(0, .varchar)]))
        #expect(try T.runBoth(distinct, ["t": t]) == [[.varchar("beta")]])
    }

    @Test func quantilesOfManyValuesUseSelection() throws {
        let values = (0..<1001).map { Double(($0 * 389) % 1001) }  // 0…1000, shuffled
        let t = InMemoryTable(
            schema: Schema([Field(name: "x", type: .double)]), rows: values.map { [.double($0)] }, rowGroupSize: 300)
        let x = T.col(0, .double)
        let plan = T.aggregate(
            T.scan("t", t), groups: [],
            [
                AggregateCall(function: .median, arguments: [x], type: .double),
                AggregateCall(function: .quantileCont, arguments: [x], constants: [.double(0.9)], type: .double),
                AggregateCall(function: .quantileCont, arguments: [x], constants: [.double(0.0005)], type: .double),
                AggregateCall(function: .quantileCont, arguments: [x], constants: [.double(1)], type: .double),
            ])
        #expect(try T.runBoth(plan, ["t": t]) == [[.double(500), .double(900), .double(0.5), .double(1000)]])
    }

    @Test func statisticalAggregates() throws {
        let t = table()
        let x = T.col(3, .double)
        let plan = T.aggregate(
            T.scan("t", t), groups: [],
            [
                AggregateCall(function: .varSamp, arguments: [x], type: .double),
                AggregateCall(function: .stddevSamp, arguments: [x], type: .double),
                AggregateCall(function: .median, arguments: [x], type: .double),
                AggregateCall(function: .quantileCont, arguments: [x], constants: [.double(0.25)], type: .double),
                AggregateCall(function: .approxCountDistinct, arguments: [T.col(0, .varchar)], type: .bigint),
                AggregateCall(function: .count, arguments: [T.col(0, .varchar)], isDistinct: true, type: .bigint),
                AggregateCall(
                    function: .boolAnd, arguments: [T.call(.greater, [x, T.lit(.double(-2))], .boolean)], type: .boolean
                ),
                AggregateCall(
                    function: .boolOr, arguments: [T.call(.greater, [x, T.lit(.double(2))], .boolean)], type: .boolean),
            ])
        let row = try T.runBoth(plan, ["t": t])[0]
        // x = 1.5, 2.5, -1, 0: mean 0.75, squared deviations 0.5625 + 3.0625 + 3.0625 + 0.5625 = 7.25.
        #expect(row[0] == .double(7.25 / 3))
        #expect(row[1] == .double((7.25 / 3).squareRoot()))
        #expect(row[2] == .double(0.75))
        #expect(row[3] == .double(-0.25))
        #expect(row[4] == .bigint(3))
        #expect(row[5] == .bigint(3))
        #expect(row[6] == .boolean(true))
        #expect(row[7] == .boolean(true))
    }

    @Test func distinctAndFilterAgreeAcrossThreads() throws {
        let t = T.dictionaryTable(groups: 4, rowsPerGroup: 3000, words: ["a", "b"])
        let plan = T.aggregate(
            T.scan("t", t), groups: [T.col(0, .varchar)],
            [
                AggregateCall(
                    function: .count, arguments: [T.call(.modulo, [T.col(1, .bigint), T.lit(.bigint(7))], .bigint)],
                    isDistinct: true, type: .bigint),
                AggregateCall(
                    function: .sum, arguments: [T.col(1, .bigint)],
                    filter: T.call(.less, [T.col(1, .bigint), T.lit(.bigint(10))], .boolean), type: .bigint),
                AggregateCall(
                    function: .stringAgg, arguments: [T.cast(T.col(1, .bigint))], constants: [.varchar("|")],
                    filter: T.call(.less, [T.col(1, .bigint), T.lit(.bigint(6))], .boolean), type: .varchar),
            ])
        let rows = T.sortRows(try T.runBoth(plan, ["t": t]))
        #expect(
            rows
                == T.sortRows([
                    [.varchar("a"), .bigint(7), .bigint(0 + 3 + 6 + 9 - 9 + 9), .varchar("0|3")],
                    [.varchar("b"), .bigint(7), .bigint(1 + 4 + 7), .varchar("1|4")],
                    [.null, .bigint(7), .bigint(2 + 5 + 8), .varchar("2|5")],
                ]))
    }

    @Test func twoKeysWithDictionaryTextAgreeAcrossThreads() throws {
        let t = T.dictionaryTable(groups: 4, rowsPerGroup: 3000, words: ["x", "y", "z"])
        let plan = T.aggregate(
            T.scan("t", t),
            groups: [T.col(0, .varchar), T.call(.modulo, [T.col(1, .bigint), T.lit(.bigint(2))], .bigint)],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .count, arguments: [T.col(0, .varchar)], isDistinct: true, type: .bigint),
                AggregateCall(function: .min, arguments: [T.col(0, .varchar)], type: .varchar),
            ])
        let rows = T.sortRows(try T.runBoth(plan, ["t": t]))
        // n cycles x, y, z, NULL with period 4, so n % 2 pairs x and z with 0, y and NULL with 1.
        #expect(
            rows
                == T.sortRows([
                    [.varchar("x"), .bigint(0), .bigint(3000), .bigint(1), .varchar("x")],
                    [.varchar("y"), .bigint(1), .bigint(3000), .bigint(1), .varchar("y")],
                    [.varchar("z"), .bigint(0), .bigint(3000), .bigint(1), .varchar("z")],
                    [.null, .bigint(1), .bigint(3000), .bigint(0), .null],
                ]))
    }

    @Test func manyGroups() throws {
        // 300,000 distinct keys over 4 row groups; each key appears twice.
        let schema = Schema([Field(name: "k", type: .bigint)])
        var groups: [[Batch]] = []
        for group in 0..<4 {
            var batches: [Batch] = []
            var start = 0
            while start < 150_000 {
                let n = Swift.min(ColumnVector.batchCapacity, 150_000 - start)
                let v = ColumnVector(type: .bigint, capacity: n)
                let raw = v.data.assumingMemoryBound(to: Int64.self)
                for i in 0..<n { raw[i] = Int64((group % 2) * 150_000 + start + i) }
                v.setCount(n)
                batches.append(Batch(columns: [v], count: n))
                start += n
            }
            groups.append(batches)
        }
        let t = InMemoryTable(schema: schema, rowGroups: groups)
        let grouped = T.aggregate(
            T.scan("t", t), groups: [T.col(0, .bigint)],
            [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        let plan = T.aggregate(
            grouped, groups: [],
            [
                AggregateCall(function: .countStar, arguments: [], type: .bigint),
                AggregateCall(function: .min, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(function: .max, arguments: [T.col(1, .bigint)], type: .bigint),
                AggregateCall(function: .sum, arguments: [T.col(0, .bigint)], type: .bigint),
            ])
        #expect(
            try T.runBoth(plan, ["t": t]) == [
                [.bigint(300_000), .bigint(2), .bigint(2), .bigint(299_999 * 300_000 / 2)]
            ])
    }
}

extension T {
    static func cast(_ e: BoundExpression, _ type: DataType = .varchar) -> BoundExpression {
        .cast(e, to: type, isTry: false)
    }
}
