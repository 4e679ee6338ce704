#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlazaCore
import PlazaVector

/// A fixed-width value min/max can order.
protocol OrderedValue {
    static func isLess(_ a: Self, _ b: Self) -> Bool
}
extension UInt8: OrderedValue { static func isLess(_ a: UInt8, _ b: UInt8) -> Bool { a < b } }
extension Int32: OrderedValue { static func isLess(_ a: Int32, _ b: Int32) -> Bool { a < b } }
extension Int64: OrderedValue { static func isLess(_ a: Int64, _ b: Int64) -> Bool { a < b } }
extension Double: OrderedValue { static func isLess(_ a: Double, _ b: Double) -> Bool { CompareKernel.compareDoubles(a, b) < 0 } }

/// min / max over a fixed-width type.
final class MinMaxAccumulator<T: OrderedValue>: Accumulator {
    let isMax: Bool
    let type: DataType
    var values: [T] = []
    var seen: [UInt8] = []

    init(isMax: Bool, type: DataType) {
        self.isMax = isMax
        self.type = type
    }

    override func resize(_ groupCount: Int) {
        if seen.count < groupCount {
            let zero = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: 16)
            defer { zero.deallocate() }
            zero.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
            values.append(contentsOf: repeatElement(zero.load(as: T.self), count: groupCount - values.count))
            seen.append(contentsOf: repeatElement(0, count: groupCount - seen.count))
        }
    }

    @inline(__always)
    private func better(_ candidate: T, _ current: T) -> Bool {
        isMax ? T.isLess(current, candidate) : T.isLess(candidate, current)
    }

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let data = input.data.assumingMemoryBound(to: T.self)
        let isMax = self.isMax
        values.withUnsafeMutableBufferPointer { v in
            seen.withUnsafeMutableBufferPointer { s in
                try? forEachValidRow(rows, input, count) { row in
                    let g = Int(groups[row])
                    let x = data[row]
                    if s[g] == 0 || (isMax ? T.isLess(v[g], x) : T.isLess(x, v[g])) {
                        v[g] = x
                        s[g] = 1
                    }
                }
            }
        }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! MinMaxAccumulator<T>
        for (g, target) in map.enumerated() where o.seen[g] != 0 {
            let t = Int(target)
            if seen[t] == 0 || better(o.values[g], values[t]) {
                values[t] = o.values[g]
                seen[t] = 1
            }
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: type, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if seen[g] == 0 { out.appendNull() } else { out.append(values[g]) }
        }
        return out
    }

    override var footprint: Int { values.capacity * MemoryLayout<T>.stride + seen.capacity }
}

/// min / max over VARCHAR, by bytes.
final class StringMinMaxAccumulator: Accumulator {
    let isMax: Bool
    var values: [[UInt8]?] = []

    init(isMax: Bool) { self.isMax = isMax }

    override func resize(_ groupCount: Int) {
        if values.count < groupCount { values.append(contentsOf: repeatElement(nil, count: groupCount - values.count)) }
    }

    private func offer(_ bytes: UnsafeRawBufferPointer, _ g: Int) {
        if let current = values[g] {
            let ordering = current.withUnsafeBytes { CompareKernel.compareBytes(bytes, $0) }
            if isMax ? ordering <= 0 : ordering >= 0 { return }
        }
        values[g] = Array(bytes)
    }

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        try forEachValidRow(rows, input, count) { row in offer(input.bytes(at: row), Int(groups[row])) }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! StringMinMaxAccumulator
        for (g, target) in map.enumerated() {
            guard let value = o.values[g] else { continue }
            value.withUnsafeBytes { offer($0, Int(target)) }
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .varchar, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if let value = values[g] { value.withUnsafeBytes { out.appendBytes($0) } } else { out.appendNull() }
        }
        return out
    }
}

/// var_samp / stddev_samp: Welford's running mean and squared deviations, merged with Chan's formula.
final class VarianceAccumulator: Accumulator {
    let isStandardDeviation: Bool
    var counts: [Double] = []
    var means: [Double] = []
    var m2: [Double] = []

    init(isStandardDeviation: Bool) { self.isStandardDeviation = isStandardDeviation }

    override func resize(_ groupCount: Int) {
        if counts.count < groupCount {
            let extra = groupCount - counts.count
            counts.append(contentsOf: repeatElement(0, count: extra))
            means.append(contentsOf: repeatElement(0, count: extra))
            m2.append(contentsOf: repeatElement(0, count: extra))
        }
    }

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let data = input.data.assumingMemoryBound(to: Double.self)
        try forEachValidRow(rows, input, count) { row in
            let g = Int(groups[row])
            let x = data[row]
            counts[g] += 1
            let delta = x - means[g]
            means[g] += delta / counts[g]
            m2[g] += delta * (x - means[g])
        }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! VarianceAccumulator
        for (g, target) in map.enumerated() where o.counts[g] > 0 {
            let t = Int(target)
            let n = counts[t] + o.counts[g]
            let delta = o.means[g] - means[t]
            m2[t] += o.m2[g] + delta * delta * counts[t] * o.counts[g] / n
            means[t] += delta * o.counts[g] / n
            counts[t] = n
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .double, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if counts[g] < 2 {
                out.appendNull()
            } else {
                let variance = m2[g] / (counts[g] - 1)
                out.append(isStandardDeviation ? variance.squareRoot() : variance)
            }
        }
        return out
    }
}

/// median / quantile_cont: keeps the values, sorts them at the end, interpolates linearly.
final class QuantileAccumulator: Accumulator {
    let fraction: Double
    var values: [[Double]] = []

    init(fraction: Double) { self.fraction = fraction }

    override func resize(_ groupCount: Int) {
        if values.count < groupCount { values.append(contentsOf: repeatElement([], count: groupCount - values.count)) }
    }

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        let data = input.data.assumingMemoryBound(to: Double.self)
        values.withUnsafeMutableBufferPointer { lists in
            try? forEachValidRow(rows, input, count) { row in lists[Int(groups[row])].append(data[row]) }
        }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! QuantileAccumulator
        for (g, target) in map.enumerated() where !o.values[g].isEmpty { values[Int(target)].append(contentsOf: o.values[g]) }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .double, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            var list = values[g]
            if list.isEmpty {
                out.appendNull()
                continue
            }
            let position = fraction * Double(list.count - 1)
            let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
            let weight = position - Double(lower)
            if list.contains(where: \.isNaN) {
                list.sort { CompareKernel.compareDoubles($0, $1) < 0 }
            } else {
                // Two order statistics by selection, O(n) instead of a full sort.
                list.withUnsafeMutableBufferPointer { buffer in
                    QuantileAccumulator.select(buffer, lower)
                    if upper != lower {
                        // The upper neighbour is the smallest value right of `lower`.
                        var smallest = buffer[upper]
                        for i in (lower + 1)..<buffer.count where buffer[i] < smallest { smallest = buffer[i] }
                        buffer[upper] = smallest
                    }
                }
            }
            // DuckDB's interpolation, lo·(1−d) + hi·d, so that results match it to the last bit.
            out.append(lower == upper ? list[lower] : list[lower] * (1 - weight) + list[upper] * weight)
        }
        return out
    }
}

extension QuantileAccumulator {
    /// Rearranges `values` so that `values[k]` is the k-th smallest, smaller ones before it and
    /// larger ones after (Hoare partitioning, iterative; no NaN).
    static func select(_ values: UnsafeMutableBufferPointer<Double>, _ k: Int) {
        var low = 0, high = values.count - 1
        while low < high {
            let pivot = values[low + (high - low) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return
            }
        }
    }
}

/// string_agg: the group's values joined by the separator, in input order.
final class StringAggAccumulator: Accumulator {
    let separator: [UInt8]
    var values: [[UInt8]?] = []

    init(separator: [UInt8]) { self.separator = separator }

    override func resize(_ groupCount: Int) {
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

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        try forEachValidRow(rows, input, count) { row in append(input.bytes(at: row), Int(groups[row])) }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! StringAggAccumulator
        for (g, target) in map.enumerated() {
            guard let value = o.values[g] else { continue }
            value.withUnsafeBytes { append($0, Int(target)) }
        }
    }

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = ColumnVector(type: .varchar, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if let value = values[g] { value.withUnsafeBytes { out.appendBytes($0) } } else { out.appendNull() }
        }
        return out
    }
}

/// approx_count_distinct: exact hash sets up to 256 values per group, then a HyperLogLog sketch
/// with 2^12 registers (standard error about 1.6%).
final class HyperLogLogAccumulator: Accumulator {
    static let precision = 12
    static let exactLimit = 256
    var exact: [Set<UInt64>] = []
    var registers: [[UInt8]?] = []
    let packer = KeyPacker()

    override func resize(_ groupCount: Int) {
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
        let p = HyperLogLogAccumulator.precision
        let index = Int(hash >> UInt64(64 - p))
        let rest = (hash << UInt64(p)) | (1 << UInt64(p - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if registers[g]![index] < rank { registers[g]![index] = rank }
    }

    override func update(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        packer.pack([input], rowCount: count)
        let hashes = packer.hashes
        try forEachValidRow(rows, input, count) { row in add(hashes[row], Int(groups[row])) }
    }

    override func merge(_ other: Accumulator, _ map: [Int32]) throws(ExecutionError) {
        let o = other as! HyperLogLogAccumulator
        for (g, target) in map.enumerated() {
            let t = Int(target)
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

    override func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = makeOutput(.bigint, groupCount)
        let m = Double(1 << HyperLogLogAccumulator.precision)
        for g in 0..<groupCount {
            var estimate: Int64
            if let sketch = registers[g] {
                var sum = 0.0
                var zeros = 0
                for r in sketch {
                    sum += pow(2.0, -Double(r))
                    if r == 0 { zeros += 1 }
                }
                let alpha = 0.7213 / (1 + 1.079 / m)
                var e = alpha * m * m / sum
                if e <= 2.5 * m && zeros > 0 { e = m * log(m / Double(zeros)) }
                estimate = Int64(e.rounded())
            } else {
                estimate = Int64(exact[g].count)
            }
            out.data.storeBytes(of: estimate, toByteOffset: g * 8, as: Int64.self)
        }
        return out
    }
}
