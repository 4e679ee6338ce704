import PlazaCore
import PlazaVector

/// An open-addressing table from one integer key (BIGINT, DECIMAL, TIMESTAMP as Int64; DATE as
/// Int32) to dense key numbers, probed with loops typed on the value: no packing, no byte compares.
///
/// Slots hold the key and `number + 1` (0 = empty); linear probing at most half full, so the
/// table is sized once from the build's row count and never grows.
final class IntegerKeyTable: @unchecked Sendable {
    // Safe to share: written only while building, read-only while probing.
    private let keys: UnsafeMutablePointer<Int64>
    private let numbers: UnsafeMutablePointer<Int32>
    private let mask: Int
    private let shift: UInt64
    /// The number of distinct keys.
    private(set) var count = 0
    /// One bit per `filterShift`-prefix of the slot hash, set where a key lives: most absent keys
    /// are turned away by one load from a small bitmap and a branch that a selective join (whose
    /// probe side mostly misses) predicts well, instead of a probe whose "empty slot or equal key"
    /// branches are coin tosses and whose slots may be out of cache.
    private var filter: UnsafeMutablePointer<UInt64>?
    private var filterShift: UInt64 = 64

    /// Whether `vector` can key this table (a flat or dictionary vector of 4- or 8-byte integers).
    static func supports(_ vector: ColumnVector) -> Bool {
        switch vector.physicalType {
        case .int64, .int32: return vector.type != .double
        default: return false
        }
    }

    /// Creates a table for up to `capacity` distinct keys.
    init(capacity: Int) {
        var slots = 16
        while slots < capacity * 2 { slots *= 2 }
        mask = slots - 1
        shift = UInt64(64 - slots.trailingZeroBitCount)
        keys = .allocate(capacity: slots)
        numbers = .allocate(capacity: slots)
        numbers.initialize(repeating: 0, count: slots)
        keys.initialize(repeating: 0, count: slots)
    }

    deinit {
        keys.deallocate()
        numbers.deallocate()
        filter?.deallocate()
    }

    /// Bytes held.
    var footprint: Int { (mask + 1) * 12 + (filter == nil ? 0 : 1 << (64 - Int(filterShift) - 3)) }

    /// Sets the filter's bits for the keys inserted: 16 bits per key, so about 6% of absent keys
    /// pass it (at most 2^23 bits, 1 MiB).
    private func buildFilter() {
        guard count > 0 else { return }
        var bits = 1 << 12
        while bits < count * 16 && bits < 1 << 23 { bits <<= 1 }
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: bits / 64)
        words.initialize(repeating: 0, count: bits / 64)
        let shift = UInt64(64 - bits.trailingZeroBitCount)
        for slot in 0...mask where numbers[slot] != 0 {
            let bit = Int(truncatingIfNeeded: IntegerKeyTable.hash(keys[slot]) &>> shift)
            words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
        }
        filter = words
        filterShift = shift
    }

    @inline(__always)
    private static func hash(_ key: Int64) -> UInt64 { UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15 }

    @inline(__always)
    private func slot(of key: Int64) -> Int {
        Int(truncatingIfNeeded: IntegerKeyTable.hash(key) &>> shift)
    }

    /// Inserts the keys of `rows` of `vector` (never NULL there), writing each row's key number.
    func insert(_ vector: ColumnVector, rows: UnsafeBufferPointer<Int32>, into numbersOut: UnsafeMutablePointer<Int32>)
    {
        let flat = vector.flattened()
        if flat.physicalType == .int64 {
            insert(flat.data.assumingMemoryBound(to: Int64.self), rows, numbersOut)
        } else {
            insert(flat.data.assumingMemoryBound(to: Int32.self), rows, numbersOut)
        }
    }

    @inline(__always)
    private func insert<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ out: UnsafeMutablePointer<Int32>
    ) {
        let keys = self.keys, numbers = self.numbers, mask = self.mask
        var count = self.count
        for i in 0..<rows.count {
            let key = Int64(values[Int(rows[i])])
            var slot = self.slot(of: key)
            while true {
                let number = numbers[slot]
                if number == 0 {
                    keys[slot] = key
                    count &+= 1
                    numbers[slot] = Int32(truncatingIfNeeded: count)
                    out[i] = Int32(truncatingIfNeeded: count &- 1)
                    break
                }
                if keys[slot] == key {
                    out[i] = number &- 1
                    break
                }
                slot = (slot &+ 1) & mask
            }
        }
        self.count = count
        buildFilter()
    }

    /// Writes the key number of each of the first `count` rows of `vector`, or -1 when absent
    /// (NULL rows get any value; the caller overwrites them).
    func find(_ vector: ColumnVector, count: Int, into out: UnsafeMutablePointer<Int32>) {
        let flat = vector.flattened()
        if flat.physicalType == .int64 {
            find(flat.data.assumingMemoryBound(to: Int64.self), count, out)
        } else {
            find(flat.data.assumingMemoryBound(to: Int32.self), count, out)
        }
    }

    /// Probes in three passes over the batch, so that the cache misses of different rows overlap
    /// instead of each row waiting on its own: slots (rows the bit filter turns away answered at
    /// once), then every candidate's slot number and key loaded in tight loops, then collisions.
    @inline(__always)
    private func find<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ count: Int, _ out: UnsafeMutablePointer<Int32>
    ) {
        let keys = self.keys, numbers = self.numbers, mask = self.mask
        let filter = self.filter, filterShift = self.filterShift
        let chunk = 1024
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * chunk) { scratch in
            let rows = scratch.baseAddress!, slots = rows + chunk
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: chunk) { found in
                let foundKeys = found.baseAddress!
                var start = 0
                while start < count {
                    let end = Swift.min(count, start + chunk)
                    var n = 0
                    for row in start..<end {
                        let key = Int64(values[row])
                        out[row] = -1
                        var passes = true
                        if let filter {
                            let bit = Int(truncatingIfNeeded: IntegerKeyTable.hash(key) &>> filterShift)
                            passes = filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0
                        }
                        rows[n] = row
                        slots[n] = slot(of: key)
                        n &+= passes ? 1 : 0
                    }
                    for i in 0..<n { foundKeys[i] = keys[slots[i]] }
                    for i in 0..<n { out[rows[i]] = numbers[slots[i]] &- 1 }
                    for i in 0..<n {
                        let row = rows[i]
                        let key = Int64(values[row])
                        // An empty slot (-1) or the key itself ends the search at once.
                        if out[row] < 0 || foundKeys[i] == key { continue }
                        var slot = (slots[i] &+ 1) & mask
                        while true {
                            let number = numbers[slot]
                            if number == 0 || keys[slot] == key {
                                out[row] = number &- 1
                                break
                            }
                            slot = (slot &+ 1) & mask
                        }
                    }
                    start = end
                }
            }
        }
    }
}

/// Two integer join keys packed into one 64-bit key, `(a - minA) << bitsB | (b - minB)`, when the
/// build side's ranges fit in 62 bits: the pair is then looked up in an `IntegerKeyTable` instead of
/// packing both into bytes for a `GroupTable` (TPC-H's `(partkey, suppkey)` pairs).
struct IntegerPairKey: Sendable {
    let minA: Int64, spanA: UInt64
    let minB: Int64, spanB: UInt64
    let bitsB: UInt64

    /// The packing for the build keys `a` and `b` at `rows` (non-NULL there), or nil when they do
    /// not fit (or are not both integers).
    init?(_ a: ColumnVector, _ b: ColumnVector, rows: UnsafeBufferPointer<Int32>) {
        guard IntegerKeyTable.supports(a), IntegerKeyTable.supports(b), !rows.isEmpty else { return nil }
        let valuesA = IntegerPairKey.int64Values(a), valuesB = IntegerPairKey.int64Values(b)
        let pa = valuesA.data.assumingMemoryBound(to: Int64.self), pb = valuesB.data.assumingMemoryBound(to: Int64.self)
        var loA = Int64.max, hiA = Int64.min, loB = Int64.max, hiB = Int64.min
        for row in rows {
            let x = pa[Int(row)], y = pb[Int(row)]
            loA = Swift.min(loA, x)
            hiA = Swift.max(hiA, x)
            loB = Swift.min(loB, y)
            hiB = Swift.max(hiB, y)
        }
        let (spanA, overflowA) = hiA.subtractingReportingOverflow(loA)
        let (spanB, overflowB) = hiB.subtractingReportingOverflow(loB)
        guard !overflowA, !overflowB else { return nil }
        let bitsA = 64 - UInt64(spanA).leadingZeroBitCount, bitsB = 64 - UInt64(spanB).leadingZeroBitCount
        guard bitsA + bitsB <= 62 else { return nil }
        self.minA = loA
        self.spanA = UInt64(spanA)
        self.minB = loB
        self.spanB = UInt64(spanB)
        self.bitsB = UInt64(bitsB)
    }

    /// The packed key of each of the first `count` rows (a BIGINT vector without NULLs); a pair
    /// outside the build side's ranges gets -1, which no build pair has. NULL rows get any value.
    func combine(_ a: ColumnVector, _ b: ColumnVector, count: Int) -> ColumnVector {
        let valuesA = IntegerPairKey.int64Values(a), valuesB = IntegerPairKey.int64Values(b)
        let pa = valuesA.data.assumingMemoryBound(to: Int64.self), pb = valuesB.data.assumingMemoryBound(to: Int64.self)
        let out = makeOutput(.bigint, count)
        let target = out.data.assumingMemoryBound(to: Int64.self)
        let minA = self.minA, minB = self.minB, spanA = self.spanA, spanB = self.spanB, bitsB = self.bitsB
        for row in 0..<count {
            let da = UInt64(bitPattern: pa[row] &- minA), db = UInt64(bitPattern: pb[row] &- minB)
            let packed = Int64(bitPattern: (da &<< bitsB) | db)
            target[row] = da <= spanA && db <= spanB ? packed : -1
        }
        return out
    }

    /// `vector`'s values as a flat vector of Int64 (DATE's Int32 widened).
    private static func int64Values(_ vector: ColumnVector) -> ColumnVector {
        let flat = vector.flattened()
        guard flat.physicalType == .int32 else { return flat }
        let out = makeOutput(.bigint, flat.count)
        let source = flat.data.assumingMemoryBound(to: Int32.self),
            target = out.data.assumingMemoryBound(to: Int64.self)
        for row in 0..<flat.count { target[row] = Int64(source[row]) }
        return out
    }
}
