import PlazaCore
import PlazaPlanner
import PlazaVector

/// An aggregate over each row's frame.
///
/// count, sum and avg of integers and decimals use prefix sums (Int128, overflow checked on the
/// result), so a moving sum costs O(1) a row; sums of doubles use a segment tree (O(log n) a row)
/// to avoid the drift of subtracting; min and max slide a monotonic deque over the frames, whose
/// ends only move forward within a partition (O(1) amortized a row). count(DISTINCT) recounts a
/// frame only when it differs from the previous row's. The variances, the (y, x) statistics and
/// bool_and/bool_or are in WindowAggregator+Moments.swift; median and quantile_cont (a wavelet
/// matrix, O(log n) a row) in +Quantiles.swift; string_agg and approx_count_distinct in +Distinct.swift.
struct WindowAggregator {
    let op: WindowOperator
    let call: WindowCall
    let function: AggregateFunction
    let layout: WindowLayout
    let batches: [Batch]

    init(
        operator op: WindowOperator, call: WindowCall, function: AggregateFunction, layout: WindowLayout,
        batches: [Batch]
    ) {
        self.op = op
        self.call = call
        self.function = function
        self.layout = layout
        self.batches = batches
    }

    func run() throws(ExecutionError) -> ColumnVector {
        let n = layout.count
        let frames = try WindowFrames(call.frame, layout)
        let argument = function == .countStar ? nil : try op.evaluateAll(call.arguments[0], batches)
        // Whether each sorted position takes part: FILTER true and (for all but count(*)) a non-NULL value.
        var included = [Bool](repeating: true, count: n)
        if let filter = call.filter {
            let vector = try op.evaluateAll(filter, batches)
            let values = vector.values(as: UInt8.self)
            for p in 0..<n {
                let row = Int(layout.order[p])
                included[p] = vector.isValid(at: row) && values[row] != 0
            }
        }
        if let argument, argument.hasNulls {
            for p in 0..<n where !argument.isValid(at: Int(layout.order[p])) { included[p] = false }
        }
        // A (y, x) statistic skips rows where x is NULL too.
        let x = function.readsPairs ? try op.evaluateAll(call.arguments[1], batches) : nil
        if let x, x.hasNulls {
            for p in 0..<n where !x.isValid(at: Int(layout.order[p])) { included[p] = false }
        }
        var counts = [Int64](repeating: 0, count: n + 1)
        for p in 0..<n { counts[p + 1] = counts[p] &+ (included[p] ? 1 : 0) }
        switch function {
        case .countStar, .count:
            if call.isDistinct, let argument { return distinctCounts(argument, frames, included) }
            let out = ColumnVector(type: .bigint, capacity: n)
            out.setCount(n)
            let values = out.values(as: Int64.self)
            for p in 0..<n {
                values[Int(layout.order[p])] = counts[Int(frames.end[p])] &- counts[Int(frames.start[p])]
            }
            return out
        case .sum, .avg:
            guard let argument else { throw ExecutionError(.internal, "sum without an argument") }
            if argument.physicalType == .double {
                return doubleSums(argument, frames, included, counts)
            }
            return try integerSums(argument, frames, included, counts)
        case .min, .max:
            guard let argument else { throw ExecutionError(.internal, "min without an argument") }
            return extremes(argument, frames, included)
        case .stddevSamp, .varSamp, .stddevPop, .varPop:
            guard let argument else { throw ExecutionError(.internal, "var_samp without an argument") }
            return moments(argument, frames, included)
        case .corr, .covarPop, .covarSamp, .regrCount, .regrAvgX, .regrAvgY, .regrSlope, .regrIntercept, .regrR2,
            .regrSXX, .regrSYY, .regrSXY:
            guard let argument, let x else { throw ExecutionError(.internal, "\(function.rawValue) without (y, x)") }
            return pairMoments(argument, x, frames, included)
        case .boolAnd, .boolOr:
            guard let argument else { throw ExecutionError(.internal, "bool_and without an argument") }
            return booleans(argument, frames, included, counts)
        case .median, .quantileCont:
            guard let argument else { throw ExecutionError(.internal, "median without an argument") }
            return try quantiles(argument, frames, included, counts)
        case .stringAgg:
            guard let argument else { throw ExecutionError(.internal, "string_agg without an argument") }
            return try stringAggregates(argument, frames, included)
        case .approxCountDistinct:
            guard let argument else { throw ExecutionError(.internal, "approx_count_distinct without an argument") }
            return approximateDistinctCounts(argument, frames, included)
        default:
            throw ExecutionError(.internal, "\(function.rawValue) is not a window aggregate")
        }
    }

    /// sum / avg of BIGINT and DECIMAL (Int64 values).
    private func integerSums(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool], _ counts: [Int64])
        throws(ExecutionError) -> ColumnVector
    {
        let n = layout.count
        var sums = [Int128](repeating: 0, count: n + 1)
        if argument.physicalType == .int128 {
            // A wide DECIMAL argument: prefix sums checked, as they could pass Int128.
            let source = argument.values(as: Int128.self)
            for p in 0..<n {
                let (sum, wrapped) = sums[p].addingReportingOverflow(included[p] ? source[Int(layout.order[p])] : 0)
                guard !wrapped else { throw overflow() }
                sums[p + 1] = sum
            }
        } else {
            let source = argument.values(as: Int64.self)
            for p in 0..<n {
                sums[p + 1] = sums[p] &+ (included[p] ? Int128(source[Int(layout.order[p])]) : 0)
            }
        }
        let out = ColumnVector(type: call.type, capacity: n)
        out.setCount(n)
        var scale = 1.0
        if case .decimal(_, let s) = argument.type { scale = Double(powersOfTen128[s]) }
        for p in 0..<n {
            let row = Int(layout.order[p])
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            let count = counts[e] &- counts[s]
            if count == 0 {
                out.setValid(false, at: row)
                continue
            }
            let (sum, wrapped) = sums[e].subtractingReportingOverflow(sums[s])
            if wrapped { throw overflow() }
            if function == .avg {
                out.values(as: Double.self)[row] = Double(exactSum: sum) / scale / Double(count)
            } else if call.type.isWideDecimal {
                // sum of DECIMAL is DECIMAL(38, s): the Int128 total is the value, within 38 digits.
                guard sum.magnitude <= maxUnscaled(precision: DataType.maxDecimalPrecision).magnitude else {
                    throw overflow()
                }
                out.values(as: Int128.self)[row] = sum
            } else {
                // Int128's own conversions are generic (slow): the Int64 bits, checked, instead.
                let small = Int64(truncatingIfNeeded: sum)
                guard Int128(small) == sum else { throw overflow() }
                out.values(as: Int64.self)[row] = small
            }
        }
        return out
    }

    @inline(never)
    private func overflow() -> ExecutionError {
        ExecutionError(.overflow, "sum(…) OVER (…) does not fit \(call.type); cast the argument to DOUBLE or DECIMAL")
    }

    /// sum / avg of DOUBLE through a segment tree over the sorted values.
    private func doubleSums(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool], _ counts: [Int64])
        -> ColumnVector
    {
        let n = layout.count
        let source = argument.values(as: Double.self)
        var size = 1
        while size < n { size <<= 1 }
        var tree = [Double](repeating: 0, count: 2 * size)
        for p in 0..<n where included[p] { tree[size + p] = source[Int(layout.order[p])] }
        if size > 1 {
            for node in stride(from: size - 1, through: 1, by: -1) { tree[node] = tree[2 * node] + tree[2 * node + 1] }
        }
        let out = ColumnVector(type: .double, capacity: n)
        out.setCount(n)
        let values = out.values(as: Double.self)
        for p in 0..<n {
            let row = Int(layout.order[p])
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            let count = counts[e] &- counts[s]
            if count == 0 {
                out.setValid(false, at: row)
                continue
            }
            var left = s + size, right = e + size
            var leftSum = 0.0, rightSum = 0.0
            while left < right {
                if left & 1 == 1 {
                    leftSum += tree[left]
                    left += 1
                }
                if right & 1 == 1 {
                    right -= 1
                    rightSum = tree[right] + rightSum
                }
                left >>= 1
                right >>= 1
            }
            let sum = leftSum + rightSum
            values[row] = function == .avg ? sum / Double(count) : sum
        }
        return out
    }

    /// min / max: a deque of candidate positions, values increasing (min) or decreasing (max).
    private func extremes(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool]) -> ColumnVector {
        let n = layout.count
        let keys = SortKeyEncoder(
            [argument], [(isDescending: function == .max, nullsFirst: false)], count: argument.count)
        var indices = [Int32](repeating: -1, count: n)
        var deque = [Int32](repeating: 0, count: n)
        for partition in 0..<(layout.partitionStarts.count - 1) {
            let first = layout.partitionStarts[partition], last = layout.partitionStarts[partition + 1]
            var head = 0, tail = 0  // deque[head..<tail]
            var pushed = first  // positions < pushed were offered
            var lastStart = first, lastEnd = first
            for p in first..<last {
                let s = Int(frames.start[p]), e = Int(frames.end[p])
                if s < lastStart || e < lastEnd {
                    // Frames moved backwards (cannot happen with constant offsets): start over.
                    head = 0
                    tail = 0
                    pushed = s
                }
                lastStart = s
                lastEnd = e
                if pushed < s { pushed = s }
                while pushed < e {
                    if included[pushed] {
                        let row = Int(layout.order[pushed])
                        while tail > head && keys.compare(Int(layout.order[Int(deque[tail - 1])]), keys, row) > 0 {
                            tail -= 1
                        }
                        deque[tail] = Int32(pushed)
                        tail += 1
                    }
                    pushed += 1
                }
                while head < tail && Int(deque[head]) < s { head += 1 }
                if head < tail { indices[Int(layout.order[p])] = layout.order[Int(deque[head])] }
            }
        }
        return indices.withUnsafeBufferPointer { GatherKernel.gather(argument, $0) }
    }

    /// count(DISTINCT x): the distinct keys of each frame, recounted only when the frame changes.
    private func distinctCounts(_ argument: ColumnVector, _ frames: WindowFrames, _ included: [Bool])
        -> ColumnVector
    {
        let n = layout.count
        let keys = SortKeyEncoder([argument], [(isDescending: false, nullsFirst: false)], count: argument.count)
        let out = ColumnVector(type: .bigint, capacity: n)
        out.setCount(n)
        let values = out.values(as: Int64.self)
        var previous = (start: -1, end: -1, count: Int64(0))
        for p in 0..<n {
            let s = Int(frames.start[p]), e = Int(frames.end[p])
            if s != previous.start || e != previous.end {
                var seen = Set<[UInt8]>()
                for q in s..<e where included[q] { seen.insert(keys.key(Int(layout.order[q]))) }
                previous = (s, e, Int64(seen.count))
            }
            values[Int(layout.order[p])] = previous.count
        }
        return out
    }
}
