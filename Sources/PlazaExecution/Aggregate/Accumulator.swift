import PlazaCore
import PlazaPlanner
import PlazaVector

/// The state of one aggregate for every group of one thread (or of the merged result): one
/// concrete class per kind of aggregate, each with typed arrays and loops of its own.
///
/// Group numbers are dense; `resize` is called before a batch may touch new groups.
protocol AccumulatorState: AnyObject {
    /// Set when every row goes to group 0 (no GROUP BY), enabling whole-batch shortcuts.
    var isUngrouped: Bool { get set }

    /// Threads `finalize` may use (the query's thread count).
    var threads: Int { get set }

    /// Makes room for `groupCount` groups (new groups start empty).
    func resize(_ groupCount: Int)

    /// Adds `other`'s group `sources[i]` (`i` when `sources` is nil) into this accumulator's group
    /// `targets[i]`, for each `i` in `0 ..< count`; targets must exist (`resize`) and be distinct.
    ///
    /// Several threads may merge disjoint source groups of one `other` into different accumulators
    /// at once (the partitioned merge): `other` is only read, or written at the source groups.
    func merge(_ other: Self, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)

    /// The result of each group, as a vector of `groupCount` rows.
    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector

    /// Bytes held, for the memory limit.
    var footprint: Int { get }
}

extension AccumulatorState {
    /// Bytes held, for the memory limit: none counted unless the accumulator says.
    var footprint: Int { 0 }
}

/// The state of an aggregate of one value argument (all but the (y, x) statistics).
protocol UnaryAccumulatorState: AccumulatorState {
    /// Adds rows of `input` (nil for count(*)) to the groups in `groups[row]`; `rows` restricts
    /// the rows (nil: all `count`). NULL inputs are skipped.
    func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int)
        throws(ExecutionError)
}

/// One aggregate's accumulator, as a closed set of kinds: calls go to the concrete class once per
/// batch (never per value), and merging pairs two accumulators of the same kind without a cast.
enum Accumulator {
    /// `CountAccumulator`.
    case count(CountAccumulator)
    /// `IntegerSumAccumulator`.
    case integerSum(IntegerSumAccumulator)
    /// `DoubleSumAccumulator`.
    case doubleSum(DoubleSumAccumulator)
    /// `FixedMinMaxAccumulator`.
    case fixedMinMax(FixedMinMaxAccumulator)
    /// `StringMinMaxAccumulator`.
    case stringMinMax(StringMinMaxAccumulator)
    /// `VarianceAccumulator`.
    case variance(VarianceAccumulator)
    /// `QuantileAccumulator`.
    case quantile(QuantileAccumulator)
    /// `HyperLogLogAccumulator`.
    case hyperLogLog(HyperLogLogAccumulator)
    /// `StringAggAccumulator`.
    case stringAgg(StringAggAccumulator)
    /// `BoolAccumulator`.
    case bool(BoolAccumulator)
    /// `RegressionAccumulator`: the (y, x) statistics.
    case regression(RegressionAccumulator)

    /// The concrete accumulator, for calls that do not need its type.
    var state: any AccumulatorState {
        if case .regression(let a) = self { return a }
        return unary
    }

    /// The concrete accumulator of a one-argument aggregate.
    private var unary: any UnaryAccumulatorState {
        switch self {
        case .count(let a): return a
        case .integerSum(let a): return a
        case .doubleSum(let a): return a
        case .fixedMinMax(let a): return a
        case .stringMinMax(let a): return a
        case .variance(let a): return a
        case .quantile(let a): return a
        case .hyperLogLog(let a): return a
        case .stringAgg(let a): return a
        case .bool(let a): return a
        case .regression: preconditionFailure("a (y, x) aggregate has no one-argument update")
        }
    }

    /// Set when every row goes to group 0 (no GROUP BY), enabling whole-batch shortcuts.
    var isUngrouped: Bool {
        get { state.isUngrouped }
        nonmutating set { state.isUngrouped = newValue }
    }

    /// Threads `finalize` may use (the query's thread count).
    var threads: Int {
        get { state.threads }
        nonmutating set { state.threads = newValue }
    }

    /// Makes room for `groupCount` groups (new groups start empty).
    func resize(_ groupCount: Int) { state.resize(groupCount) }

    /// Adds rows of `input` to the groups in `groups[row]` (see `UnaryAccumulatorState.update`);
    /// for the (y, x) statistics `input` is y and `x` is x.
    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?,
        x: ColumnVector? = nil, count: Int
    ) throws(ExecutionError) {
        if case .regression(let a) = self {
            a.update(groups, rows, y: input, x: x, count: count)
            return
        }
        try unary.update(groups, rows, input, count: count)
    }

    /// Whether `update(runs:_:)` applies: the exact accumulators, whose result does not depend on
    /// the order rows are added in (a double sum's rounding would).
    /// Adds the rows set in `liveWords` (of `count` rows, `liveCount` set), all of group `group`, where the
    /// accumulator takes a row bitmap (counts, sums of 64-bit integers); false, adding nothing,
    /// elsewhere.
    func update(group: Int, liveWords: UnsafePointer<UInt64>, liveCount: Int, _ input: ColumnVector?, count: Int)
        -> Bool
    {
        switch self {
        case .count(let counter):
            counter.update(group: group, liveWords: liveWords, liveCount: liveCount, input, count: count)
            return true
        case .integerSum(let sum):
            return sum.update(group: group, liveWords: liveWords, input, count: count)
        default:
            return false
        }
    }

    var takesRuns: Bool {
        switch self {
        case .count, .integerSum: return true
        default: return false
        }
    }

    /// Adds the rows `runs` orders to their groups (only where `takesRuns`).
    func update(runs: GroupRuns, _ input: ColumnVector?) throws(ExecutionError) {
        switch self {
        case .count(let a): a.update(runs: runs, input)
        case .integerSum(let a): a.update(runs: runs, input)
        default: preconditionFailure("update(runs:) on an accumulator that does not take runs")
        }
    }

    /// Adds `other`'s group `g` into this accumulator's group `map[g]`, for every group of `other`.
    func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        guard !map.isEmpty else { return }
        try map.withUnsafeBufferPointer { (targets) throws(ExecutionError) in
            try merge(other, sources: nil, targets: targets.baseAddress!, count: targets.count)
        }
    }

    /// Adds `other`'s groups into this accumulator's (see `AccumulatorState.merge`); both are
    /// made by `make` for the same aggregate call, so they are of the same kind.
    func merge(_ other: Accumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        switch (self, other) {
        case (.count(let a), .count(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.integerSum(let a), .integerSum(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.doubleSum(let a), .doubleSum(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.fixedMinMax(let a), .fixedMinMax(let b)):
            try a.merge(b, sources: sources, targets: targets, count: count)
        case (.stringMinMax(let a), .stringMinMax(let b)):
            try a.merge(b, sources: sources, targets: targets, count: count)
        case (.variance(let a), .variance(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.quantile(let a), .quantile(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.hyperLogLog(let a), .hyperLogLog(let b)):
            try a.merge(b, sources: sources, targets: targets, count: count)
        case (.stringAgg(let a), .stringAgg(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.bool(let a), .bool(let b)): try a.merge(b, sources: sources, targets: targets, count: count)
        case (.regression(let a), .regression(let b)):
            try a.merge(b, sources: sources, targets: targets, count: count)
        default: preconditionFailure("merging accumulators of different aggregates")
        }
    }

    /// The result of each group, as a vector of `groupCount` rows.
    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector { try state.finalize(groupCount) }

    /// Bytes held, for the memory limit.
    var footprint: Int { state.footprint }

    /// Creates the accumulator for `call`.
    static func make(_ call: AggregateCall, inputType: DataType?) throws(ExecutionError) -> Accumulator {
        let input = inputType ?? .null
        switch call.function {
        case .countStar: return .count(CountAccumulator(countsNulls: true))
        case .count: return .count(CountAccumulator(countsNulls: false))
        case .sum, .avg:
            let isAverage = call.function == .avg
            switch input {
            case .double: return .doubleSum(DoubleSumAccumulator(isAverage: isAverage))
            default:
                return .integerSum(
                    IntegerSumAccumulator(isAverage: isAverage, inputScale: input.decimalScale, result: call.type))
            }
        case .min, .max:
            let isMax = call.function == .max
            switch input.physicalType {
            case .uint8, .int32, .int64, .int128, .double:
                return .fixedMinMax(
                    FixedMinMaxAccumulator(isMax: isMax, type: call.type, physicalType: input.physicalType))
            case .string: return .stringMinMax(StringMinMaxAccumulator(isMax: isMax))
            case .interval: throw ExecutionError(.invalidArgument, "\(call.function.rawValue) does not accept INTERVAL")
            }
        case .stddevSamp, .varSamp, .stddevPop, .varPop:
            return .variance(
                VarianceAccumulator(
                    isStandardDeviation: call.function == .stddevSamp || call.function == .stddevPop,
                    isPopulation: call.function == .stddevPop || call.function == .varPop))
        case .median: return .quantile(QuantileAccumulator(fraction: 0.5))
        case .quantileCont:
            let fraction: Double
            switch call.constants.first {
            case .double(let q)?: fraction = q
            case .decimal(let v, let s)?: fraction = Double(v) / Double(powersOfTen[s])
            case .bigint(let v)?: fraction = Double(v)
            default: throw ExecutionError(.invalidArgument, "quantile_cont needs a constant fraction between 0 and 1")
            }
            guard fraction >= 0 && fraction <= 1 else {
                throw ExecutionError(
                    .invalidArgument, "quantile_cont fraction \(formatDouble(fraction)) is not between 0 and 1")
            }
            return .quantile(QuantileAccumulator(fraction: fraction))
        case .approxCountDistinct: return .hyperLogLog(HyperLogLogAccumulator())
        case .stringAgg:
            var separator = ","
            if case .varchar(let s)? = call.constants.first { separator = s }
            return .stringAgg(StringAggAccumulator(separator: Array(separator.utf8)))
        case .boolAnd, .boolOr: return .bool(BoolAccumulator(isAnd: call.function == .boolAnd))
        case .corr, .covarPop, .covarSamp, .regrCount, .regrAvgX, .regrAvgY, .regrSlope, .regrIntercept, .regrR2,
            .regrSXX, .regrSYY, .regrSXY:
            return .regression(RegressionAccumulator(function: call.function))
        }
    }

}

/// Source group `i` of a merge: `sources[i]`, or `i` when every group merges in order.
@inline(__always)
func mergeSource(_ sources: UnsafePointer<Int32>?, _ i: Int) -> Int {
    if let sources { return Int(sources[i]) }
    return i
}

/// The group of every one of the first `count` rows when they all share one (sorted or clustered
/// input: a whole batch of one month or one agency), else nil. One branch-free pass.
@inline(__always)
func uniformGroup(_ groups: UnsafePointer<Int32>, _ count: Int) -> Int? {
    guard count > 0 else { return nil }
    let first = groups[0]
    var differences: Int32 = 0
    for row in 0..<count { differences |= groups[row] ^ first }
    return differences == 0 ? Int(first) : nil
}

/// Calls `body(row)` for each row of `rows` (or `0..<count`) whose input is valid.
@inline(__always)
func forEachValidRow(
    _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, _ count: Int,
    _ body: (Int) throws(ExecutionError) -> Void
) throws(ExecutionError) {
    let validity = input?.validity ?? ValidityBitmap(words: nil)
    if let rows {
        if validity.isAllValid {
            for r in rows { try body(Int(r)) }
            return
        }
        for r in rows {
            let row = Int(r)
            if validity.isValid(at: row) { try body(row) }
        }
    } else if validity.isAllValid {
        for row in 0..<count { try body(row) }
    } else {
        for row in 0..<count where validity.isValid(at: row) { try body(row) }
    }
}
