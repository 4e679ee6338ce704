import CPlazaKernels
import Dispatch
import PlazaCore
import PlazaVector

/// Where a key goes in a power-of-two array (table slots or filter bits).
protocol KeyPlacement {
    /// The position of `key` in `0..<size` (any position for a key outside the build's range).
    func position(_ key: Int64) -> Int
}

/// Positions by a multiplicative (Fibonacci) hash: any key distribution spreads evenly.
struct HashedPlacement: KeyPlacement, Sendable {
    let shift: UInt64

    /// Places keys in `size` (a power of two) positions.
    init(size: Int) { shift = UInt64(64 - size.trailingZeroBitCount) }

    @inline(__always)
    func position(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }
}

/// Positions in key order: the key's offset from the smallest build key scaled onto the positions
/// (`offset * size / (span + 1)`, by a multiply-high). Probe keys that arrive sorted or clustered
/// (a fact table stored in key order) then walk the table front to back instead of missing the
/// cache on every row, and a build whose keys fill their range (span < size) never collides.
struct OrderedPlacement: KeyPlacement, Sendable {
    let base: Int64
    /// Left shift that brings the largest offset's top bit to bit 63, so `factor` keeps precision.
    let normalize: UInt64
    let factor: UInt64

    /// Places the keys `base...base + span` (any span) in `size` (at most 2^32) positions.
    init(base: Int64, span: UInt64, size: Int) {
        self.base = base
        let k = UInt64(Swift.min(span.leadingZeroBitCount, 63))
        normalize = k
        // factor = size * 2^64 / D with D = (span + 1) * 2^k in (2^63, 2^64] (0 here stands for 2^64),
        // so it is at most 2 * size; and (offset << k) * factor / 2^64 < size for every offset <= span.
        let divisor = (span &+ 1) &<< k
        factor = divisor == 0 ? UInt64(size) : divisor.dividingFullWidth((high: UInt64(size), low: 0)).quotient
    }

    @inline(__always)
    func position(_ key: Int64) -> Int {
        let offset = UInt64(bitPattern: key &- base) &<< normalize
        return Int(truncatingIfNeeded: offset.multipliedFullWidth(by: factor).high)
    }
}

/// An open-addressing table from one integer key (BIGINT, DECIMAL, TIMESTAMP as Int64; DATE as
/// Int32) to dense key numbers, probed with loops typed on the value: no packing, no byte compares.
///
/// Slots hold `number + 1` (0 = empty), and `keyOf` each number's key; linear probing at most
/// half full, so the table is sized once from the build's row count and never grows. Keys are
/// placed in key order (`OrderedPlacement`) unless that crowds them (clustered keys), then by hash.
final class IntegerKeyTable: @unchecked Sendable {
    // Safe to share: written only while building, read-only while probing.
    /// Per slot. Only these 4 bytes a slot are zeroed, and the keys kept densely by number: a slot
    /// holding its key too (12 bytes) made large builds mostly page faults and zeroing (Q9's orders).
    private let numbers: UnsafeMutablePointer<Int32>
    /// The key of each number (`count` of them; the rest uninitialized).
    private let keyOf: UnsafeMutablePointer<Int64>
    private let mask: Int
    /// The numbers given to keys: the distinct keys, and after a concurrent insert also the unused
    /// ends of its number blocks (see `insertConcurrently`).
    private(set) var count = 0
    /// The number of distinct keys.
    private(set) var distinctCount = 0
    /// The smallest build key and the largest's distance from it: a probe key outside is absent.
    private var minKey: Int64 = 0
    private var span: UInt64 = 0
    /// Set when slots and filter bits are in key order (else hashed).
    private(set) var isOrdered = false
    /// One bit per filter position of a key, set where a key lives: most absent keys are turned
    /// away by one load from a small bitmap and a branch that a selective join (whose probe side
    /// mostly misses) predicts well, instead of a probe whose "empty slot or equal key" branches
    /// are coin tosses and whose slots may be out of cache.
    private var filter: UnsafeMutablePointer<UInt64>?
    private var filterBits = 0
    /// For the scan's join filter on a table in key order: bit `(key - minKey) >> rangeShift` set
    /// where a key lives, so a probe key is tested with a subtract, a shift and a load (exact when
    /// the shift is 0), not the multiply of the ordered placement.
    private var rangeFilter: UnsafeMutablePointer<UInt64>?
    private var rangeShift: UInt64 = 0

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
        numbers = .allocate(capacity: slots)
        numbers.initialize(repeating: 0, count: slots)
        // Room for the unused ends of number blocks when several threads insert.
        let slack = capacity >= IntegerKeyTable.parallelRows ? 10 * 1024 : 0
        keyOf = .allocate(capacity: Swift.max(capacity + slack, 1))
    }

    deinit {
        keyOf.deallocate()
        numbers.deallocate()
        filter?.deallocate()
        rangeFilter?.deallocate()
    }

    /// Bytes held.
    var footprint: Int { (mask + 1) * 4 + count * 8 + filterBits / 8 }

    /// Slots in key order over the build's key range.
    private var slotPlacement: OrderedPlacement {
        OrderedPlacement(base: minKey, span: span, size: mask + 1)
    }

    /// Sets the filter's bits for the keys inserted: 16 bits per key, so about 6% of absent keys
    /// pass it (at most 2^23 bits, 1 MiB). Not larger in key order: probes in random order would
    /// miss the cache more. In key order, a bit for every value of the keys' range when that fits
    /// in the same 2^23 bits, however few the keys: the filter is then exact, and no absent key
    /// walks the table's collisions (Q5's orders of one year: 227,000 keys over 6 million values,
    /// whose absent neighbours passed the 16-bit filter and walked the runs of consecutive keys;
    /// Q21's 73,000 late orders, whose neighbours in TPC-H's runs of 8 keys passed a bit of 4 keys).
    private func buildFilter() {
        guard count > 0 else { return }
        var bits = 1 << 12
        while bits < count * 16 && bits < 1 << 23 { bits <<= 1 }
        if isOrdered && span < 1 << 23 {
            while UInt64(bits) <= span { bits <<= 1 }
        }
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: bits / 64)
        words.initialize(repeating: 0, count: bits / 64)
        if isOrdered {
            setFilterBits(words, OrderedPlacement(base: minKey, span: span, size: bits))
        } else {
            setFilterBits(words, HashedPlacement(size: bits))
        }
        filter = words
        filterBits = bits
        if isOrdered {
            // The finest shift whose bitmap fits 2^26 bits (8 MiB): probe keys arriving in key
            // order read it front to back. Capped at the hashed filter's 2^23 bits, SF10's orders of
            // one year (2.3M keys over 60M values) shared a bit among 8 neighbours and let 73% of
            // lineitem through where 15% match (Q5, Q3, Q21).
            var shift: UInt64 = 0
            while (span &>> shift) >= UInt64(Swift.max(bits, 1 << 26)) { shift &+= 1 }
            let rangeWords = Int((span &>> shift) &>> 6) &+ 1
            let range = UnsafeMutablePointer<UInt64>.allocate(capacity: rangeWords)
            range.initialize(repeating: 0, count: rangeWords)
            for number in 0..<count {
                let bit = UInt64(bitPattern: keyOf[number] &- minKey) &>> shift
                range[Int(bit &>> 6)] |= 1 &<< (bit & 63)
            }
            rangeFilter = range
            rangeShift = shift
        }
    }

    /// Sets the bit of every key at its `placement` position.
    @inline(__always)
    private func setFilterBits<P: KeyPlacement>(_ words: UnsafeMutablePointer<UInt64>, _ placement: P) {
        for number in 0..<count {
            let bit = placement.position(keyOf[number])
            words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
        }
    }

    /// Inserts the keys of `rows` of `vector` (never NULL there), writing each row's key number;
    /// on `threads` threads when there are many rows (`parallelRows`).
    func insert(
        _ vector: ColumnVector, rows: UnsafeBufferPointer<Int32>, into numbersOut: UnsafeMutablePointer<Int32>,
        threads: Int = 1
    ) {
        let flat = vector.flattened()
        let workers = rows.count >= IntegerKeyTable.parallelRows ? Swift.min(threads, 8) : 1  // 8: the keys' slack
        if flat.physicalType == .int64 {
            let values = flat.data.assumingMemoryBound(to: Int64.self)
            if workers > 1 {
                insertConcurrently(values, rows, numbersOut, workers)
            } else {
                insert(values, rows, numbersOut)
            }
        } else {
            let values = flat.data.assumingMemoryBound(to: Int32.self)
            if workers > 1 {
                insertConcurrently(values, rows, numbersOut, workers)
            } else {
                insert(values, rows, numbersOut)
            }
        }
    }

    /// Fewest build rows inserted on several threads: below, one thread is done before others start.
    static let parallelRows = 1 << 16

    /// `insert` on `workers` threads without atomic slot updates: the slots are split into one
    /// contiguous region per thread, and each thread inserts the rows whose key's first slot lies
    /// in its region (equal keys share a first slot, so one thread sees all of a key's rows). A
    /// probe that would run past its region's end is left for one thread to finish afterwards.
    /// Numbers are taken in blocks per thread; the unused end of each last block is a number no
    /// slot holds, whose key is set to the smallest key (so the filters stay as they were) and
    /// whose chain stays empty. `distinctCount` counts the keys themselves.
    private func insertConcurrently<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ out: UnsafeMutablePointer<Int32>,
        _ workers: Int
    ) {
        let shared = ConcurrentInsert(
            values: values, rows: rows, out: out, keyOf: keyOf, numbers: numbers, mask: mask, workers: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { shared.findRange(worker: $0) }
        minKey = shared.low.withLock { $0 }
        span = UInt64(bitPattern: shared.high.withLock { $0 } &- minKey)
        if shared.insert(slotPlacement, budgeted: true) {
            isOrdered = true
        } else {
            // Keys bunched in part of their range: clear the slots and place by hash.
            numbers.update(repeating: 0, count: mask + 1)
            shared.reset()
            _ = shared.insert(HashedPlacement(size: mask + 1), budgeted: false)
        }
        count = shared.numberEnd
        distinctCount = shared.distinct
        for hole in shared.holes { keyOf[hole] = minKey }
        buildFilter()
    }

    /// Key order first; when its probe sequences get long (more than 4 extra slots per key on
    /// average: keys bunched in part of their range), the table is cleared and filled by hash. Key
    /// numbers follow first appearance either way, so the choice never changes an answer.
    @inline(__always)
    private func insert<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ out: UnsafeMutablePointer<Int32>
    ) {
        guard !rows.isEmpty else { return }
        var low = Int64.max, high = Int64.min
        for row in rows {
            let key = Int64(values[Int(row)])
            low = Swift.min(low, key)
            high = Swift.max(high, key)
        }
        minKey = low
        span = UInt64(bitPattern: high &- low)
        if insert(values, rows, out, slotPlacement, budget: 4 &* rows.count &+ 64) {
            isOrdered = true
        } else {
            numbers.update(repeating: 0, count: mask + 1)
            count = 0
            _ = insert(values, rows, out, HashedPlacement(size: mask + 1), budget: Int.max)
        }
        distinctCount = count
        buildFilter()
    }

    /// Inserts with `placement`; false (the table half filled) once the extra slots visited pass `budget`.
    @inline(__always)
    private func insert<T: FixedWidthInteger, P: KeyPlacement>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ out: UnsafeMutablePointer<Int32>,
        _ placement: P, budget: Int
    ) -> Bool {
        let keyOf = self.keyOf, numbers = self.numbers, mask = self.mask
        var count = self.count
        defer { self.count = count }
        var extra = 0
        for i in 0..<rows.count {
            let key = Int64(values[Int(rows[i])])
            var slot = placement.position(key) & mask
            while true {
                let number = numbers[slot]
                if number == 0 {
                    keyOf[count] = key
                    count &+= 1
                    numbers[slot] = Int32(truncatingIfNeeded: count)
                    out[i] = Int32(truncatingIfNeeded: count &- 1)
                    break
                }
                if keyOf[Int(number &- 1)] == key {
                    out[i] = number &- 1
                    break
                }
                slot = (slot &+ 1) & mask
                extra &+= 1
                if extra > budget { return false }
            }
        }
        return true
    }

    /// Writes the key number of each of the first `count` rows of `vector`, or -1 when absent
    /// (NULL rows get any value; the caller overwrites them).
    func find(_ vector: ColumnVector, count: Int, into out: UnsafeMutablePointer<Int32>) {
        guard self.count > 0, let filter else {
            out.initialize(repeating: -1, count: count)
            return
        }
        let flat = vector.flattened()
        if flat.physicalType == .int64 {
            find(flat.data.assumingMemoryBound(to: Int64.self), count, out, filter)
        } else {
            find(flat.data.assumingMemoryBound(to: Int32.self), count, out, filter)
        }
    }

    /// ANDs into `mask` (one bit per row of `vector`, LSB first) whether each row's key may be in
    /// the table: non-NULL, within the build's key range, and its filter bit set. The join filter a
    /// scan runs before decoding a probe side's other columns. Returns false, leaving the mask
    /// alone, for a vector it cannot test (dictionary-encoded).
    func andMightContain(_ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector) -> Bool {
        let words = ValidityBitmap.wordCount(for: count)
        guard self.count > 0, let filter else {
            mask.update(repeating: 0, count: words)
            return true
        }
        guard !vector.isDictionary, vector.type != .null,
            vector.physicalType == .int64 || vector.physicalType == .int32
        else { return false }
        if let validity = vector.validity.words {
            for w in 0..<words { mask[w] &= validity[w] }
        }
        if let rangeFilter {
            // In C: four keys per AVX2 gather of their filter words where the CPU has it (this
            // loop was a fifth of TPC-H Q3 at SF1 and a quarter of Q2 at SF10, row by row).
            if vector.physicalType == .int64 {
                plaza_and_range_filter_i64(
                    vector.data.assumingMemoryBound(to: Int64.self), count, minKey, span, UInt32(rangeShift),
                    rangeFilter, mask, 0)
            } else {
                plaza_and_range_filter_i32(
                    vector.data.assumingMemoryBound(to: Int32.self), count, minKey, span, UInt32(rangeShift),
                    rangeFilter, mask, 0)
            }
        } else {
            let test = HashedFilterTest(
                words: filter, placement: HashedPlacement(size: filterBits), mask: filterBits - 1, base: minKey,
                span: span)
            andMightContain(mask, count, vector, test)
        }
        return true
    }

    @inline(__always)
    private func andMightContain<F: KeyFilterTest>(
        _ mask: UnsafeMutablePointer<UInt64>, _ count: Int, _ vector: ColumnVector, _ test: F
    ) {
        if vector.physicalType == .int64 {
            IntegerKeyTable.andMightContain(mask, count, vector.data.assumingMemoryBound(to: Int64.self), test)
        } else {
            IntegerKeyTable.andMightContain(mask, count, vector.data.assumingMemoryBound(to: Int32.self), test)
        }
    }

    /// Tests the rows of each mask word still set: all 64 branch-free, or only the set bits when
    /// few are (a selective WHERE before the join filter).
    @inline(__always)
    private static func andMightContain<T: FixedWidthInteger, F: KeyFilterTest>(
        _ mask: UnsafeMutablePointer<UInt64>, _ count: Int, _ values: UnsafeMutablePointer<T>, _ test: F
    ) {
        var base = 0
        while base < count {
            let word = base &>> 6
            let live = mask[word]
            if live != 0 {
                var bits: UInt64 = 0
                if live.nonzeroBitCount <= 8 {
                    var rest = live
                    while rest != 0 {
                        let j = rest.trailingZeroBitCount
                        rest &= rest &- 1
                        bits |= test.passes(Int64(values[base &+ j])) &<< UInt64(j)
                    }
                } else if count &- base >= 64 {
                    // Four chains of 16 rows, each shifting its bits in from the top row down: no
                    // shift by a variable count per row, and four independent dependency chains.
                    var c0: UInt64 = 0, c1: UInt64 = 0, c2: UInt64 = 0, c3: UInt64 = 0
                    var j = 15
                    while j >= 0 {
                        c0 = (c0 &<< 1) | test.passes(Int64(values[base &+ j]))
                        c1 = (c1 &<< 1) | test.passes(Int64(values[base &+ 16 &+ j]))
                        c2 = (c2 &<< 1) | test.passes(Int64(values[base &+ 32 &+ j]))
                        c3 = (c3 &<< 1) | test.passes(Int64(values[base &+ 48 &+ j]))
                        j &-= 1
                    }
                    bits = c0 | (c1 &<< 16) | (c2 &<< 32) | (c3 &<< 48)
                } else {
                    let end = count &- base
                    for j in 0..<end { bits |= test.passes(Int64(values[base &+ j])) &<< UInt64(j) }
                }
                mask[word] = live & bits
            }
            base &+= 64
        }
    }

    /// The smallest and largest key inserted, or nil for an empty table.
    var keyRange: (low: Int64, high: Int64)? {
        count > 0 ? (minKey, minKey &+ Int64(bitPattern: span)) : nil
    }

    /// `find` with the placements of this table: key order or hash.
    @inline(__always)
    private func find<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ count: Int, _ out: UnsafeMutablePointer<Int32>,
        _ filter: UnsafeMutablePointer<UInt64>
    ) {
        if isOrdered {
            let filterPlacement = OrderedPlacement(base: minKey, span: span, size: filterBits)
            find(values, count, out, slotPlacement, filter, filterPlacement)
        } else {
            find(values, count, out, HashedPlacement(size: mask + 1), filter, HashedPlacement(size: filterBits))
        }
    }

    /// Probes in passes over the batch, so that the cache misses of different rows overlap
    /// instead of each row waiting on its own: the candidates (rows outside the build's key range
    /// or turned away by the bit filter answered at once), then every candidate's slot number,
    /// then the keys of those numbers, each in a tight loop, then collisions. Slots in key order
    /// over a range no wider than the table (a dense key like a dimension's) hold one key value
    /// each: the slot number is the answer, with no key to compare.
    @inline(__always)
    private func find<T: FixedWidthInteger, P: KeyPlacement>(
        _ values: UnsafeMutablePointer<T>, _ count: Int, _ out: UnsafeMutablePointer<Int32>,
        _ placement: P, _ filter: UnsafeMutablePointer<UInt64>, _ filterPlacement: P
    ) {
        let keyOf = self.keyOf, numbers = self.numbers, mask = self.mask
        let minKey = self.minKey, span = self.span, filterMask = filterBits - 1
        let isDirect = isOrdered && span < UInt64(mask)
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
                        // Out-of-range keys get some in-bounds bit and slot; `inRange` rejects them.
                        let inRange = UInt64(bitPattern: key &- minKey) <= span
                        let bit = filterPlacement.position(key) & filterMask
                        let isSet = filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0
                        rows[n] = row
                        n &+= Int(unsafeBitCast(inRange, to: UInt8.self) & unsafeBitCast(isSet, to: UInt8.self))
                    }
                    // Slots for the candidates only: a selective join turns most rows away above.
                    for i in 0..<n {
                        let slot = placement.position(Int64(values[rows[i]])) & mask
                        slots[i] = slot
                        out[rows[i]] = numbers[slot] &- 1
                    }
                    if isDirect {
                        start = end
                        continue
                    }
                    // A miss (-1) reads key 0's, which the table has (count > 0), and ignores it.
                    for i in 0..<n { foundKeys[i] = keyOf[Int(Swift.max(out[rows[i]], 0))] }
                    for i in 0..<n {
                        let row = rows[i]
                        let key = Int64(values[row])
                        // An empty slot (-1) or the key itself ends the search at once.
                        if out[row] < 0 || foundKeys[i] == key { continue }
                        var slot = (slots[i] &+ 1) & mask
                        while true {
                            let number = numbers[slot]
                            if number == 0 || keyOf[Int(number &- 1)] == key {
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

/// One row's test of a scan's join filter: 1 when the key may be in the table, else 0.
protocol KeyFilterTest {
    func passes(_ key: Int64) -> UInt64
}

/// The test of a hashed table: in range, and the bit of its hashed position set (about 6% of
/// absent keys pass).
struct HashedFilterTest: KeyFilterTest {
    let words: UnsafeMutablePointer<UInt64>
    let placement: HashedPlacement
    let mask: Int
    let base: Int64
    let span: UInt64

    @inline(__always)
    func passes(_ key: Int64) -> UInt64 {
        let inRange = UInt64(unsafeBitCast(UInt64(bitPattern: key &- base) <= span, to: UInt8.self))
        let bit = placement.position(key) & mask
        return inRange & (words[bit &>> 6] &>> UInt64(bit & 63))
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
