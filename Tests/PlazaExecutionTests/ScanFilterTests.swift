import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

/// Filters evaluated inside the scan (late materialization) and columns decoded only as far as
/// the consumer needs. `InMemoryTable` hands columns it was not asked to decode as nonsense
/// values, so a consumer reading them gives a wrong answer here.
@Suite struct ScanFilterTests {
    static let schema = Schema([
        Field(name: "k", type: .bigint), Field(name: "g", type: .bigint), Field(name: "s", type: .varchar),
        Field(name: "x", type: .double),
    ])

    /// 7,000 rows in row groups of 3,000: `g` NULL on rows 2,000 ..< 4,000 and every fifth row after.
    static let rows: [[Value]] = (0..<7_000).map { row in
        let g: Value =
            (2_000..<4_000).contains(row) || (row >= 4_000 && row % 5 == 0) ? .null : .bigint(Int64(row % 10))
        let x: Value = row % 9 == 0 ? .null : .double(Double(row) / 2)
        return [.bigint(Int64(row)), g, .varchar(["red", "green", "blue"][row % 3]), x]
    }

    static let table = InMemoryTable(schema: schema, rows: rows, rowGroupSize: 3_000)

    static func count(_ function: AggregateFunction, _ argument: BoundExpression?) -> AggregateCall {
        AggregateCall(function: function, arguments: argument.map { [$0] } ?? [], type: .bigint)
    }

    static func sum(_ argument: BoundExpression) -> AggregateCall {
        AggregateCall(function: .sum, arguments: [argument], type: .bigint)
    }

    @Test func aggregateDemandsOnlyNullsForCountOfAColumn() {
        let k = T.col(0, .bigint), g = T.col(1, .bigint), x = T.col(3, .double)
        let demand = ScanPlan.demand(
            groups: [T.col(2, .varchar)],
            aggregates: [Self.count(.count, g), Self.count(.countStar, nil), Self.sum(k)],
            inputCount: 5)
        #expect(demand == [.values, .validity, .values, .nothing, .nothing])
        let distinct = AggregateCall(function: .count, arguments: [x], isDistinct: true, type: .bigint)
        #expect(
            ScanPlan.demand(groups: [], aggregates: [distinct], inputCount: 4) == [
                .nothing, .nothing, .nothing, .values,
            ])
        let filtered = AggregateCall(
            function: .count, arguments: [g], filter: T.call(.greater, [k, T.lit(.bigint(3))], .boolean), type: .bigint)
        #expect(ScanPlan.demand(groups: [], aggregates: [filtered], inputCount: 2) == [.values, .validity])
    }

    @Test func countsOfColumnsComeFromTheirNulls() throws {
        let plan = T.aggregate(
            T.scan("t", Self.table), groups: [],
            [Self.count(.countStar, nil), Self.count(.count, T.col(1, .bigint)), Self.count(.count, T.col(3, .double))])
        let expected: [[Value]] = [
            [
                .bigint(7_000), .bigint(Int64(Self.rows.filter { $0[1] != .null }.count)),
                .bigint(Int64(Self.rows.filter { $0[3] != .null }.count)),
            ]
        ]
        #expect(try T.runBoth(plan, ["t": Self.table]) == expected)
    }

    /// Each filter runs fused into the scan and must agree with a row-by-row evaluation here.
    @Test(arguments: 0..<8)
    func filtersInTheScanMatchRowByRow(_ which: Int) throws {
        let k = T.col(0, .bigint), g = T.col(1, .bigint), s = T.col(2, .varchar), x = T.col(3, .double)
        func call(_ name: ScalarFunction, _ a: BoundExpression, _ b: BoundExpression) -> BoundExpression {
            T.call(name, [a, b], .boolean)
        }
        func and(_ parts: BoundExpression...) -> BoundExpression { T.call(.and, parts, .boolean) }
        let cases: [(BoundExpression, ([Value]) -> Bool)] = [
            (T.call(.isNull, [g], .boolean), { $0[1] == .null }),
            (
                and(T.call(.isNotNull, [g], .boolean), call(.greaterOrEqual, k, T.lit(.bigint(3_500)))),
                { $0[1] != .null && Self.int($0[0]) >= 3_500 }
            ),
            (
                and(call(.equal, s, T.lit(.varchar("blue"))), call(.greater, x, T.lit(.double(1_000)))),
                { $0[2] == .varchar("blue") && $0[3] != .null && Self.double($0[3]) > 1_000 }
            ),
            (
                and(call(.less, k, T.lit(.bigint(3_000))), call(.notEqual, s, T.lit(.varchar("red")))),
                { Self.int($0[0]) < 3_000 && $0[2] != .varchar("red") }
            ),
            (
                and(
                    call(.greater, T.call(.add, [k, g], .bigint), T.lit(.bigint(6_000))),
                    call(.equal, s, T.lit(.varchar("green")))),
                { $0[1] != .null && Self.int($0[0]) + Self.int($0[1]) > 6_000 && $0[2] == .varchar("green") }
            ),
            (call(.greater, k, T.lit(.bigint(100_000))), { _ in false }),
            (and(T.call(.isNull, [g], .boolean), call(.equal, s, T.lit(.varchar("none")))), { _ in false }),
            (and(call(.greaterOrEqual, k, T.lit(.bigint(0))), T.call(.isNotNull, [k], .boolean)), { _ in true }),
        ]
        let (predicate, keep) = cases[which]
        let filtered = LogicalPlan.filter(input: T.scan("t", Self.table), predicate: predicate)
        // Only k and count(g) above the filter: s and x are read by the filter alone.
        let plan = T.aggregate(
            filtered, groups: [], [Self.count(.countStar, nil), Self.sum(k), Self.count(.count, g)])
        let kept = Self.rows.filter(keep)
        let expected: [[Value]] = [
            [
                .bigint(Int64(kept.count)), kept.isEmpty ? .null : .bigint(kept.reduce(0) { $0 + Self.int($1[0]) }),
                .bigint(Int64(kept.filter { $0[1] != .null }.count)),
            ]
        ]
        #expect(try T.runBoth(plan, ["t": Self.table]) == expected)
        // Without an aggregate above, every column comes back, in scan order.
        let rows = try T.runBoth(filtered, ["t": Self.table], ordered: true)
        #expect(rows == kept)
    }

    @Test func dictionaryColumnsAreTestedPerEntry() throws {
        let table = T.dictionaryTable(groups: 3, rowsPerGroup: 5_000, words: ["alpha", "beta", "gamma"])
        let predicate = T.call(
            .and,
            [
                T.call(.equal, [T.col(0, .varchar), T.lit(.varchar("beta"))], .boolean),
                T.call(.greater, [T.col(1, .bigint), T.lit(.bigint(7_000))], .boolean),
            ], .boolean)
        let plan = T.aggregate(
            .filter(input: T.scan("d", table), predicate: predicate), groups: [],
            [Self.count(.countStar, nil), Self.sum(T.col(1, .bigint))])
        // Codes cycle 0, 1, 2, NULL over the counter; "beta" is code 1.
        let kept = (7_001..<15_000).filter { $0 % 4 == 1 }
        #expect(try T.runBoth(plan, ["d": table]) == [[.bigint(Int64(kept.count)), .bigint(Int64(kept.reduce(0, +)))]])
    }

    static func int(_ value: Value) -> Int64 {
        if case .bigint(let v) = value { return v }
        return 0
    }

    static func double(_ value: Value) -> Double {
        if case .double(let v) = value { return v }
        return 0
    }
}
