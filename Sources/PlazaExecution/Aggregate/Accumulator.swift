import PlazaCore
import PlazaPlanner
import PlazaVector

/// The state of one aggregate for every group of one thread (or of the merged result).
///
/// Group numbers are dense; `resize` is called before a batch may touch new groups.
class Accumulator {
    /// Set when every row goes to group 0 (no GROUP BY), enabling whole-batch shortcuts.
    var isUngrouped = false

    /// Threads `finalize` may use (the query's thread count).
    var threads = 1

    /// Makes room for `groupCount` groups (new groups start empty).
    func resize(_ groupCount: Int) { preconditionFailure("abstract") }

    /// Adds rows of `input` (nil for count(*)) to the groups in `groups[row]`; `rows` restricts
    /// the rows (nil: all `count`). NULL inputs are skipped.
    func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int)
        throws(ExecutionError)
    {
        preconditionFailure("abstract")
    }

    /// Adds `other`'s group `g` into this accumulator's group `map[g]`, for every group of `other`.
    func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        guard !map.isEmpty else { return }
        try map.withUnsafeBufferPointer { (targets) throws(ExecutionError) in
            try merge(other, sources: nil, targets: targets.baseAddress!, count: targets.count)
        }
    }

    /// Adds `other`'s group `sources[i]` (`i` when `sources` is nil) into this accumulator's group
    /// `targets[i]`, for each `i` in `0 ..< count`; targets must exist (`resize`) and be distinct.
    ///
    /// Several threads may merge disjoint source groups of one `other` into different accumulators
    /// at once (the partitioned merge): `other` is only read, or written at the source groups.
    func merge(_ other: Accumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        preconditionFailure("abstract")
    }

    /// The result of each group, as a vector of `groupCount` rows.
    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector { preconditionFailure("abstract") }

    /// Bytes held, for the memory limit.
    var footprint: Int { 0 }

    /// Creates the accumulator for `call`.
    static func make(_ call: AggregateCall, inputType: DataType?) throws(ExecutionError) -> Accumulator {
        let input = inputType ?? .null
        switch call.function {
        case .countStar: return CountAccumulator(countsNulls: true)
        case .count: return CountAccumulator(countsNulls: false)
        case .sum, .avg:
            let isAverage = call.function == .avg
            switch input {
            case .double: return DoubleSumAccumulator(isAverage: isAverage)
            default:
                return IntegerSumAccumulator(isAverage: isAverage, inputScale: input.decimalScale, result: call.type)
            }
        case .min, .max:
            let isMax = call.function == .max
            switch input.physicalType {
            case .uint8, .int32, .int64, .double:
                return FixedMinMaxAccumulator(isMax: isMax, type: call.type, physicalType: input.physicalType)
            case .string: return StringMinMaxAccumulator(isMax: isMax)
            case .interval: throw ExecutionError(.invalidArgument, "\(call.function.rawValue) does not accept INTERVAL")
            }
        case .stddevSamp, .varSamp: return VarianceAccumulator(isStandardDeviation: call.function == .stddevSamp)
        case .median: return QuantileAccumulator(fraction: 0.5)
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
            return QuantileAccumulator(fraction: fraction)
        case .approxCountDistinct: return HyperLogLogAccumulator()
        case .stringAgg:
            var separator = ","
            if case .varchar(let s)? = call.constants.first { separator = s }
            return StringAggAccumulator(separator: Array(separator.utf8))
        case .boolAnd, .boolOr: return BoolAccumulator(isAnd: call.function == .boolAnd)
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

/// count(*) and count(x).
final class CountAccumulator: Accumulator {
    let countsNulls: Bool
    var counts: [Int64] = []

    init(countsNulls: Bool) { self.countsNulls = countsNulls }

    override func resize(_ groupCount: Int) {
        if counts.count < groupCount { counts.append(contentsOf: repeatElement(0, count: groupCount - counts.count)) }
    }

    override func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        let source = countsNulls ? nil : input
        if isUngrouped && rows == nil {
            // One group: the count is the number of valid rows, 64 at a time.
            guard let source, source.hasNulls else {
                counts[0] &+= Int64(count)
                return
            }
            let words = source.validityWords
            var n = 0
            for w in 0..<(count / 64) { n &+= words[w].nonzeroBitCount }
            if count % 64 != 0 { n &+= (words[count / 64] & ((1 << UInt64(count % 64)) &- 1)).nonzeroBitCount }
            counts[0] &+= Int64(n)
            return
        }
        if rows == nil, source?.hasNulls != true, let g = uniformGroup(groups, count) {
            counts[g] &+= Int64(count)
            return
        }
        counts.withUnsafeMutableBufferPointer { c in
            if rows == nil, source?.hasNulls != true {
                for row in 0..<count { c[Int(groups[row])] &+= 1 }
                return
            }
            try? forEachValidRow(rows, source, count) { row in c[Int(groups[row])] &+= 1 }
        }
    }

    override func merge(_ other: Accumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other as! CountAccumulator
        o.counts.withUnsafeBufferPointer { theirs in
            counts.withUnsafeMutableBufferPointer { mine in
                if let sources {
                    for i in 0..<count { mine[Int(targets[i])] &+= theirs[Int(sources[i])] }
                } else {
                    for i in 0..<count { mine[Int(targets[i])] &+= theirs[i] }
                }
            }
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = makeOutput(.bigint, groupCount)
        for g in 0..<groupCount { out.data.storeBytes(of: counts[g], toByteOffset: g * 8, as: Int64.self) }
        return out
    }

    override var footprint: Int { counts.capacity * 8 }
}

/// sum and avg over BIGINT and DECIMAL: exact 128-bit sums, checked against the result type at the end.
final class IntegerSumAccumulator: Accumulator {
    let isAverage: Bool
    let inputScale: Int
    let result: DataType
    var sums: [Int128] = []
    var counts: [Int64] = []

    init(isAverage: Bool, inputScale: Int, result: DataType) {
        self.isAverage = isAverage
        self.inputScale = inputScale
        self.result = result
    }

    override func resize(_ groupCount: Int) {
        if sums.count < groupCount {
            sums.append(contentsOf: repeatElement(0, count: groupCount - sums.count))
            counts.append(contentsOf: repeatElement(0, count: groupCount - counts.count))
        }
    }

    override func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        // BOOLEAN arrives cast to BIGINT; an input of UInt8 would be a binder bug.
        precondition(input.physicalType == .int64, "integer sum over \(input.type)")
        let values = input.data.assumingMemoryBound(to: Int64.self)
        if rows == nil, let g = isUngrouped ? 0 : uniformGroup(groups, count) {
            let (sum, n) = IntegerSumAccumulator.total(values, input.validity, count)
            sums[g] &+= sum
            counts[g] &+= Int64(n)
            return
        }
        sums.withUnsafeMutableBufferPointer { s in
            counts.withUnsafeMutableBufferPointer { c in
                if rows == nil && !input.hasNulls {
                    for row in 0..<count {
                        let g = Int(groups[row])
                        s[g] &+= Int128(values[row])
                        c[g] &+= 1
                    }
                    return
                }
                if rows == nil, let words = input.validity.words {
                    // Branch-free: a NULL row adds 0 to the sum and to the count.
                    for row in 0..<count {
                        let mask = 0 &- Int64(truncatingIfNeeded: (words[row &>> 6] &>> UInt64(row & 63)) & 1)
                        let g = Int(groups[row])
                        s[g] &+= Int128(values[row] & mask)
                        c[g] &+= mask & 1
                    }
                    return
                }
                try? forEachValidRow(rows, input, count) { row in
                    let g = Int(groups[row])
                    s[g] &+= Int128(values[row])
                    c[g] &+= 1
                }
            }
        }
    }

    /// The exact sum and the number of the valid values among the first `count`.
    ///
    /// Each value splits into its high 32 bits (signed) and low 32 bits (unsigned), summed in
    /// separate 64-bit lanes that cannot overflow for up to 2^31 values and that vectorize;
    /// the 128-bit total is `high << 32 + low`.
    static func total(_ values: UnsafePointer<Int64>, _ validity: ValidityBitmap, _ count: Int) -> (Int128, Int) {
        precondition(count <= 1 << 31, "batch of \(count) rows")
        var high: Int64 = 0, low: Int64 = 0
        guard let words = validity.words else {
            for row in 0..<count {
                let x = values[row]
                high &+= x &>> 32
                low &+= x & 0xFFFF_FFFF
            }
            return (Int128(high) << 32 + Int128(low), count)
        }
        var valid = 0
        var start = 0
        while start < count {
            let end = Swift.min(start + 64, count)
            let word = words[start &>> 6]
            if word == UInt64.max && end - start == 64 {
                for row in start..<end {
                    let x = values[row]
                    high &+= x &>> 32
                    low &+= x & 0xFFFF_FFFF
                }
                valid &+= 64
            } else if word != 0 {
                for row in start..<end {
                    // All ones for a valid row, zero for NULL (whose value may be anything).
                    let mask = 0 &- Int64(truncatingIfNeeded: (word &>> UInt64(row & 63)) & 1)
                    let x = values[row] & mask
                    high &+= x &>> 32
                    low &+= x & 0xFFFF_FFFF
                    valid &+= Int(mask & 1)
                }
            }
            start = end
        }
        return (Int128(high) << 32 + Int128(low), valid)
    }

    override func merge(_ other: Accumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other as! IntegerSumAccumulator
        for i in 0..<count {
            let g = mergeSource(sources, i), t = Int(targets[i])
            sums[t] &+= o.sums[g]
            counts[t] &+= o.counts[g]
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: result, capacity: Swift.max(groupCount, 1))
        let limit: Int128 = result == .bigint ? Int128(Int64.max) : Int128(ArithmeticKernels.maxDecimal)
        let divisor = Double(powersOfTen[inputScale])
        for g in 0..<groupCount {
            if counts[g] == 0 {
                out.appendNull()
            } else if isAverage {
                out.append(Double(sums[g]) / divisor / Double(counts[g]))
            } else {
                let sum = sums[g]
                guard sum <= limit && sum >= -limit - (result == .bigint ? 1 : 0) else {
                    throw ExecutionError(
                        .overflow,
                        "SUM is out of range for \(result) (the exact sum is \(sum)); cast the argument to DOUBLE to sum approximately"
                    )
                }
                out.append(Int64(sum))
            }
        }
        return out
    }

    override var footprint: Int { sums.capacity * 16 + counts.capacity * 8 }
}

/// sum and avg over DOUBLE.
final class DoubleSumAccumulator: Accumulator {
    let isAverage: Bool
    var sums: [Double] = []
    var counts: [Int64] = []

    init(isAverage: Bool) { self.isAverage = isAverage }

    override func resize(_ groupCount: Int) {
        if sums.count < groupCount {
            sums.append(contentsOf: repeatElement(0, count: groupCount - sums.count))
            counts.append(contentsOf: repeatElement(0, count: groupCount - counts.count))
        }
    }

    override func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let values = input.data.assumingMemoryBound(to: Double.self)
        if rows == nil && !input.hasNulls, let g = isUngrouped ? 0 : uniformGroup(groups, count) {
            // Four independent sums so the additions overlap.
            var a = 0.0, b = 0.0, c = 0.0, d = 0.0
            var row = 0
            while row + 4 <= count {
                a += values[row]
                b += values[row + 1]
                c += values[row + 2]
                d += values[row + 3]
                row += 4
            }
            while row < count {
                a += values[row]
                row += 1
            }
            sums[g] += (a + b) + (c + d)
            counts[g] &+= Int64(count)
            return
        }
        sums.withUnsafeMutableBufferPointer { s in
            counts.withUnsafeMutableBufferPointer { c in
                try? forEachValidRow(rows, input, count) { row in
                    let g = Int(groups[row])
                    s[g] += values[row]
                    c[g] &+= 1
                }
            }
        }
    }

    override func merge(_ other: Accumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other as! DoubleSumAccumulator
        for i in 0..<count {
            let g = mergeSource(sources, i), t = Int(targets[i])
            sums[t] += o.sums[g]
            counts[t] &+= o.counts[g]
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .double, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if counts[g] == 0 {
                out.appendNull()
            } else {
                out.append(isAverage ? sums[g] / Double(counts[g]) : sums[g])
            }
        }
        return out
    }

    override var footprint: Int { sums.capacity * 16 }
}
