#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// min / max over VARCHAR, by bytes.
final class StringMinMaxAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let isMax: Bool
    var values: [[UInt8]?] = []

    init(isMax: Bool) { self.isMax = isMax }

    func resize(_ groupCount: Int) {
        if values.count < groupCount { values.append(contentsOf: repeatElement(nil, count: groupCount - values.count)) }
    }

    private func offer(_ bytes: UnsafeRawBufferPointer, _ g: Int) {
        if let current = values[g] {
            let ordering = current.withUnsafeBytes { CompareKernel.compareBytes(bytes, $0) }
            if isMax ? ordering <= 0 : ordering >= 0 { return }
        }
        values[g] = Array(bytes)
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        if let dictionary = input.dictionary {
            if dictionary.count <= Self.rankedEntries {
                try updateCodes(groups, rows, input, dictionary, count)
                return
            }
            let flat = input.flattened()
            try forEachValidRow(rows, flat, count) { row in offer(flat.bytes(at: row), Int(groups[row])) }
            return
        }
        try forEachValidRow(rows, input, count) { row in offer(input.bytes(at: row), Int(groups[row])) }
    }

    /// Dictionaries up to this many entries are ranked (sorted once per dictionary); larger ones
    /// are compared row by row, as sorting them could cost more than the rows.
    static let rankedEntries = 4_096
    /// The dictionary `ranks` belongs to, and each entry's rank in byte order (-1 for a NULL entry).
    private var rankedDictionary: ColumnVector?
    private var ranks: [Int32] = []
    /// The entry of each rank.
    private var entryOfRank: [Int32] = []
    /// Per group, the best rank of the current batch (-1 none), and the groups that have one.
    private var best: [Int32] = []
    private var touched: [Int32] = []

    /// A batch of dictionary codes: the best rank per group in integer compares, then one
    /// comparison of strings per group the batch touched.
    private func updateCodes(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector,
        _ dictionary: ColumnVector, _ count: Int
    ) throws(ExecutionError) {
        if rankedDictionary !== dictionary {
            let valid = (0..<dictionary.count).filter { dictionary.isValid(at: $0) }
            let sorted = valid.sorted {
                CompareKernel.compareBytes(dictionary.bytes(at: $0), dictionary.bytes(at: $1)) < 0
            }
            ranks = [Int32](repeating: -1, count: dictionary.count)
            for (rank, entry) in sorted.enumerated() { ranks[entry] = Int32(rank) }
            entryOfRank = sorted.map { Int32($0) }
            rankedDictionary = dictionary
        }
        if best.count < values.count { best.append(contentsOf: repeatElement(-1, count: values.count - best.count)) }
        let codes = input.values(as: UInt32.self)
        let isMax = self.isMax
        // Work on locals: a class's stored arrays pay a dynamic exclusivity check per access.
        var best: [Int32] = [], touched: [Int32] = []
        swap(&best, &self.best)
        swap(&touched, &self.touched)
        defer {
            swap(&best, &self.best)
            swap(&touched, &self.touched)
        }
        try ranks.withUnsafeBufferPointer { ranks throws(ExecutionError) in
            try forEachValidRow(rows, input, count) { row in
                let rank = ranks[Int(codes[row])]
                guard rank >= 0 else { return }  // the dictionary's NULL entry
                let g = Int(groups[row])
                let current = best[g]
                if current < 0 {
                    touched.append(Int32(g))
                    best[g] = rank
                } else if isMax ? rank > current : rank < current {
                    best[g] = rank
                }
            }
        }
        for g in touched {
            let group = Int(g)
            offer(dictionary.bytes(at: Int(entryOfRank[Int(best[group])])), group)
            best[group] = -1
        }
        touched.removeAll(keepingCapacity: true)
    }

    func merge(
        _ other: StringMinMaxAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int
    )
        throws(ExecutionError)
    {
        let o = other
        for i in 0..<count {
            guard let value = o.values[mergeSource(sources, i)] else { continue }
            value.withUnsafeBytes { offer($0, Int(targets[i])) }
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .varchar, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if let value = values[g] { value.withUnsafeBytes { out.appendBytes($0) } } else { out.appendNull() }
        }
        return out
    }
}

/// var_samp / stddev_samp / var_pop / stddev_pop: Welford's running mean and squared deviations,
/// merged with Chan's formula.
final class VarianceAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let isStandardDeviation: Bool
    /// var_pop / stddev_pop: divide by n (0 for one value) instead of n − 1 (NULL for one value).
    let isPopulation: Bool
    var counts: [Double] = []
    var means: [Double] = []
    var m2: [Double] = []

    init(isStandardDeviation: Bool, isPopulation: Bool = false) {
        self.isStandardDeviation = isStandardDeviation
        self.isPopulation = isPopulation
    }

    func resize(_ groupCount: Int) {
        if counts.count < groupCount {
            let extra = groupCount - counts.count
            counts.append(contentsOf: repeatElement(0, count: extra))
            means.append(contentsOf: repeatElement(0, count: extra))
            m2.append(contentsOf: repeatElement(0, count: extra))
        }
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let data = input.data.assumingMemoryBound(to: Double.self)
        // Raw buffers for the loop: no exclusivity checks or uniqueness tests per row.
        counts.withUnsafeMutableBufferPointer { counts in
            means.withUnsafeMutableBufferPointer { means in
                m2.withUnsafeMutableBufferPointer { m2 in
                    try? forEachValidRow(rows, input, count) { row in
                        let g = Int(groups[row])
                        let x = data[row]
                        counts[g] += 1
                        let delta = x - means[g]
                        means[g] += delta / counts[g]
                        m2[g] += delta * (x - means[g])
                    }
                }
            }
        }
    }

    func merge(_ other: VarianceAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other
        for i in 0..<count {
            let g = mergeSource(sources, i), t = Int(targets[i])
            guard o.counts[g] > 0 else { continue }
            // An empty target takes the other state as is: its mean of 0 would make delta² overflow
            // to infinity for values past 1e154, and infinity × 0 rows is NaN.
            if counts[t] == 0 {
                (counts[t], means[t], m2[t]) = (o.counts[g], o.means[g], o.m2[g])
                continue
            }
            let n = counts[t] + o.counts[g]
            let delta = o.means[g] - means[t]
            m2[t] += o.m2[g] + delta * delta * counts[t] * o.counts[g] / n
            means[t] += delta * o.counts[g] / n
            counts[t] = n
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .double, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            let n = counts[g]
            if n < (isPopulation ? 1 : 2) {
                out.appendNull()
            } else {
                // As DuckDB: the population variance of one value is 0 whatever the value (even NaN).
                let variance = isPopulation ? (n > 1 ? m2[g] / n : 0) : m2[g] / (n - 1)
                out.append(isStandardDeviation ? variance.squareRoot() : variance)
            }
        }
        return out
    }
}

/// string_agg: the group's values joined by the separator, in input order.
final class StringAggAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let separator: [UInt8]
    var values: [[UInt8]?] = []

    init(separator: [UInt8]) { self.separator = separator }

    func resize(_ groupCount: Int) {
        if values.count < groupCount { values.append(contentsOf: repeatElement(nil, count: groupCount - values.count)) }
    }

    private func append(_ bytes: UnsafeRawBufferPointer, _ g: Int) {
        if values[g] == nil {
            values[g] = Array(bytes)
        } else {
            values[g]!.append(contentsOf: separator)
            values[g]!.append(contentsOf: bytes)
        }
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        try forEachValidRow(rows, input, count) { row in append(input.bytes(at: row), Int(groups[row])) }
    }

    func merge(_ other: StringAggAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other
        for i in 0..<count {
            guard let value = o.values[mergeSource(sources, i)] else { continue }
            value.withUnsafeBytes { append($0, Int(targets[i])) }
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .varchar, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if let value = values[g] { value.withUnsafeBytes { out.appendBytes($0) } } else { out.appendNull() }
        }
        return out
    }
}

/// approx_count_distinct: exact hash sets up to 256 values per group, then a HyperLogLog sketch
/// with 2^12 registers (standard error about 1.6%).
final class HyperLogLogAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    static let precision = 12
    static let exactLimit = 256
    var exact: [Set<UInt64>] = []
    var registers: [[UInt8]?] = []
    let packer = KeyPacker()

    func resize(_ groupCount: Int) {
        if exact.count < groupCount {
            exact.append(contentsOf: repeatElement([], count: groupCount - exact.count))
            registers.append(contentsOf: repeatElement(nil, count: groupCount - registers.count))
        }
    }

    private func add(_ hash: UInt64, _ g: Int) {
        if registers[g] == nil {
            exact[g].insert(hash)
            if exact[g].count > HyperLogLogAccumulator.exactLimit {
                registers[g] = [UInt8](repeating: 0, count: 1 << HyperLogLogAccumulator.precision)
                for h in exact[g] { addToSketch(h, g) }
                exact[g] = []
            }
        } else {
            addToSketch(hash, g)
        }
    }

    private func addToSketch(_ hash: UInt64, _ g: Int) {
        HyperLogLogAccumulator.addToSketch(hash, &registers[g]!)
    }

    /// Raises the register that `hash` falls in to the hash's rank (shared with the window aggregate).
    @inline(__always)
    static func addToSketch(_ hash: UInt64, _ sketch: inout [UInt8]) {
        let p = HyperLogLogAccumulator.precision
        let index = Int(hash >> UInt64(64 - p))
        let rest = (hash << UInt64(p)) | (1 << UInt64(p - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if sketch[index] < rank { sketch[index] = rank }
    }

    /// The cardinality estimate of a sketch of 2^precision registers (shared with the window aggregate).
    static func estimate(_ sketch: [UInt8]) -> Int64 {
        let m = Double(1 << HyperLogLogAccumulator.precision)
        var sum = 0.0
        var zeros = 0
        for r in sketch {
            sum += pow(2.0, -Double(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        var e = alpha * m * m / sum
        if e <= 2.5 * m && zeros > 0 { e = m * log(m / Double(zeros)) }
        return Int64(e.rounded())
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        packer.pack([input], rowCount: count)
        let hashes = packer.hashes
        try forEachValidRow(rows, input, count) { row in add(hashes[row], Int(groups[row])) }
    }

    func merge(
        _ other: HyperLogLogAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int
    )
        throws(ExecutionError)
    {
        let o = other
        for i in 0..<count {
            let g = mergeSource(sources, i), t = Int(targets[i])
            if let theirs = o.registers[g] {
                if registers[t] == nil {
                    registers[t] = theirs
                    for h in exact[t] { addToSketch(h, t) }
                    exact[t] = []
                } else {
                    for i in 0..<theirs.count where theirs[i] > registers[t]![i] { registers[t]![i] = theirs[i] }
                }
            } else {
                for h in o.exact[g] { add(h, t) }
            }
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = makeOutput(.bigint, groupCount)
        for g in 0..<groupCount {
            let estimate: Int64
            if let sketch = registers[g] {
                estimate = HyperLogLogAccumulator.estimate(sketch)
            } else {
                estimate = Int64(exact[g].count)
            }
            out.data.storeBytes(of: estimate, toByteOffset: g * 8, as: Int64.self)
        }
        return out
    }
}

/// bool_and / bool_or.
final class BoolAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let isAnd: Bool
    var values: [UInt8] = []
    var seen: [UInt8] = []

    init(isAnd: Bool) { self.isAnd = isAnd }

    func resize(_ groupCount: Int) {
        if values.count < groupCount {
            values.append(contentsOf: repeatElement(isAnd ? 1 : 0, count: groupCount - values.count))
            seen.append(contentsOf: repeatElement(0, count: groupCount - seen.count))
        }
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let data = input.data.assumingMemoryBound(to: UInt8.self)
        let isAnd = self.isAnd
        values.withUnsafeMutableBufferPointer { values in
            seen.withUnsafeMutableBufferPointer { seen in
                try? forEachValidRow(rows, input, count) { row in
                    let g = Int(groups[row])
                    values[g] = isAnd ? values[g] & data[row] : values[g] | data[row]
                    seen[g] = 1
                }
            }
        }
    }

    func merge(_ other: BoolAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other
        for i in 0..<count {
            let g = mergeSource(sources, i), t = Int(targets[i])
            guard o.seen[g] != 0 else { continue }
            values[t] = isAnd ? values[t] & o.values[g] : values[t] | o.values[g]
            seen[t] = 1
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .boolean, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if seen[g] == 0 { out.appendNull() } else { out.append(values[g]) }
        }
        return out
    }
}
