import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

/// The (y, x) statistics' states: NULL in either argument skips the pair (whole validity words
/// and single bits, with and without a selection), and merged partial states give what one pass does.
@Suite struct RegressionAccumulatorTests {
    static let functions: [AggregateFunction] = AggregateFunction.allCases.filter(\.readsPairs)

    /// A vector of DOUBLEs, nil as NULL.
    func vector(_ values: [Double?]) -> ColumnVector {
        let out = ColumnVector(type: .double, capacity: Swift.max(values.count, 1))
        for value in values { out.append(value: value.map { .double($0) } ?? .null) }
        return out
    }

    /// `function` over the pairs, in groups `groups[row]`, in one accumulator or merged from two
    /// that each saw half of the rows.
    func run(
        _ function: AggregateFunction, _ ys: [Double?], _ xs: [Double?], groups: [Int32], groupCount: Int,
        rows: [Int32]? = nil, split: Bool = false
    ) throws -> [Value] {
        func accumulate(_ range: Range<Int>) -> RegressionAccumulator {
            let accumulator = RegressionAccumulator(function: function)
            accumulator.resize(groupCount)
            let y = vector(Array(ys[range])), x = vector(Array(xs[range]))
            let local = Array(groups[range])
            local.withUnsafeBufferPointer { g in
                if let rows {
                    let kept = rows.filter { range.contains(Int($0)) }.map { $0 - Int32(range.lowerBound) }
                    kept.withUnsafeBufferPointer {
                        accumulator.update(g.baseAddress!, $0, y: y, x: x, count: range.count)
                    }
                } else {
                    accumulator.update(g.baseAddress!, nil, y: y, x: x, count: range.count)
                }
            }
            return accumulator
        }
        let accumulator: RegressionAccumulator
        if split {
            let half = ys.count / 2
            accumulator = accumulate(0..<half)
            let other = accumulate(half..<ys.count)
            let targets = (0..<Int32(groupCount)).map { $0 }
            try targets.withUnsafeBufferPointer {
                try accumulator.merge(other, sources: nil, targets: $0.baseAddress!, count: groupCount)
            }
        } else {
            accumulator = accumulate(0..<ys.count)
        }
        let out = try accumulator.finalize(groupCount)
        return (0..<groupCount).map { out.value(at: $0) }
    }

    /// 300 rows in 3 groups, with NULL y every 7th row and NULL x every 5th.
    static let ys: [Double?] = (0..<300).map { (row: Int) -> Double? in
        row % 7 == 3 ? nil : Double((row * 37) % 101) / 4
    }
    static let xs: [Double?] = (0..<300).map { (row: Int) -> Double? in
        row % 5 == 1 ? nil : Double((row * 53) % 97) / 8
    }
    static let groups: [Int32] = (0..<300).map { Int32($0 % 3) }

    @Test func nullInEitherArgumentSkipsThePair() throws {
        let counts = try run(.regrCount, Self.ys, Self.xs, groups: Self.groups, groupCount: 3)
        let averages = try run(.regrAvgX, Self.ys, Self.xs, groups: Self.groups, groupCount: 3)
        for g in 0..<3 {
            let pairs = (0..<300).filter { $0 % 3 == g && Self.ys[$0] != nil && Self.xs[$0] != nil }
            #expect(counts[g] == .bigint(Int64(pairs.count)))
            #expect(averages[g] == .double(pairs.reduce(0.0) { $0 + Self.xs[$1]! } / Double(pairs.count)))
        }
        // Only the selected rows count, NULLs still skipped.
        let selected = (0..<300).filter { $0 % 4 != 0 }.map { Int32($0) }
        let some = try run(.regrCount, Self.ys, Self.xs, groups: Self.groups, groupCount: 3, rows: selected)
        for g in 0..<3 {
            let pairs = (0..<300).filter { $0 % 3 == g && $0 % 4 != 0 && Self.ys[$0] != nil && Self.xs[$0] != nil }
            #expect(some[g] == .bigint(Int64(pairs.count)))
        }
    }

    @Test(arguments: functions)
    func mergedStatesGiveWhatOnePassDoes(function: AggregateFunction) throws {
        let whole = try run(function, Self.ys, Self.xs, groups: Self.groups, groupCount: 3)
        let merged = try run(function, Self.ys, Self.xs, groups: Self.groups, groupCount: 3, split: true)
        for (a, b) in zip(whole, merged) {
            switch (a, b) {
            case (.double(let p), .double(let q)):
                #expect(abs(p - q) <= 1e-12 * Swift.max(1, abs(p)), "\(function.rawValue): \(p) vs \(q)")
            default: #expect(a == b, "\(function.rawValue)")
            }
        }
    }

    @Test(arguments: [1e300, -1e300, 2.5])
    func mergingIntoAnEmptyGroupKeepsTheState(value: Double) throws {
        // Group 0 has rows only in the second half: the first accumulator's group 0 is empty.
        let ys: [Double?] = [nil, nil, value, value]
        let xs: [Double?] = [nil, nil, value, 2 * value]
        let result = try run(.covarPop, ys, xs, groups: [0, 0, 0, 0], groupCount: 1, split: true)
        #expect(try run(.covarPop, ys, xs, groups: [0, 0, 0, 0], groupCount: 1) == result)
        #expect(result[0] == .double(0))
    }
}
