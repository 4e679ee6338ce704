#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// A direct array in front of a `GroupTable` for group keys that are small integers: dictionary
/// ids of text, dates, `year()`/`month()`/`hour()` results, small BIGINTs.
///
/// Each key column covers a range `base ..< base + span`; a row's slot is the mixed-radix number
/// of its keys' offsets and holds `group + 1` (0: not seen yet). A batch whose rows all hit known
/// slots gets its groups without hashing; otherwise the caller asks the table and `record`s the
/// answer. Ranges start at the first batch's values and widen (with slack) when a batch leaves
/// them, up to `maxSlots`; past that, or on NULL keys, the cache steps aside for good or for the batch.
final class GroupKeyCache {
    /// The most slots (4 bytes each, 32 MiB at most, counted against the memory limit) a cache may
    /// hold: enough for TPC-H's orderkeys at scale factor 1 (6M), which 2M slots gave up on.
    static let maxSlots = 1 << 23

    /// The key columns' physical types this cache reads (`.int64`, `.int32`, `.uint8`).
    let physicalTypes: [PhysicalType]
    /// False once the keys' ranges outgrew `maxSlots`: the caller stops asking.
    private(set) var isUsable = true
    private var bases: [Int64]
    private var spans: [Int64]
    /// Whether a widening found no room left to grow a key: the next one gives up.
    private var isSaturated = false
    /// Per key: the lowest and highest value of every batch looked up so far.
    private var seenLows: [Int64]
    private var seenHighs: [Int64]
    private var slots: UnsafeMutablePointer<Int32>
    private var slotCount = 0
    /// The slot of each row of the last `lookup`.
    private let rowSlots: UnsafeMutablePointer<Int>
    /// The groups recorded so far and their key values (`physicalTypes.count` per group), to refill slots after widening.
    /// Raw `malloc` buffers grown by `realloc` (large ones move by remapping pages, not copying):
    /// `recordedCapacity` groups, `recordedCount` used.
    private var recordedGroups: UnsafeMutablePointer<Int32>
    private var recordedKeys: UnsafeMutablePointer<Int64>
    private var recordedCapacity = 1024
    private let minimums: UnsafeMutablePointer<Int64>
    private let maximums: UnsafeMutablePointer<Int64>

    /// Reserves the cache's bytes before they are allocated (nil: not counted).
    private let tracker: MemoryTracker?
    /// The bytes reserved from `tracker`.
    private var trackedBytes = 0

    /// Creates a cache for keys of `types`, or nil when a type is not an integer-like fixed width
    /// or when the memory limit leaves no room for its first buffers.
    init?(types: [DataType], tracker: MemoryTracker?) {
        var physical: [PhysicalType] = []
        for type in types {
            switch type.physicalType {
            case .int64, .int32, .uint8: physical.append(type.physicalType)
            default: return nil
            }
        }
        guard !physical.isEmpty else { return nil }
        // The cache is an optional speed-up: without room for it the table serves every key.
        let bytes = recordedCapacity * (4 + 8 * physical.count)
        guard (try? tracker?.reserve(bytes, for: "hash aggregate")) != nil else { return nil }
        var buffers: [UnsafeMutableRawPointer] = []
        for size in [recordedCapacity * 4, bytes - recordedCapacity * 4, 4] {
            guard let raw = try? MemoryTracker.reallocate(nil, bytes: size, for: "hash aggregate") else {
                for buffer in buffers { free(buffer) }
                tracker?.release(bytes)
                return nil
            }
            buffers.append(raw)
        }
        let (groups, keys, firstSlot) = (buffers[0], buffers[1], buffers[2])
        self.tracker = tracker
        trackedBytes = bytes
        physicalTypes = physical
        bases = Array(repeating: 0, count: physical.count)
        spans = Array(repeating: 0, count: physical.count)
        seenLows = Array(repeating: 0, count: physical.count)
        seenHighs = Array(repeating: 0, count: physical.count)
        slots = firstSlot.bindMemory(to: Int32.self, capacity: 1)
        recordedGroups = groups.bindMemory(to: Int32.self, capacity: recordedCapacity)
        recordedKeys = keys.bindMemory(to: Int64.self, capacity: recordedCapacity * physical.count)
        rowSlots = .allocate(capacity: ColumnVector.batchCapacity)
        missingRows = .allocate(capacity: ColumnVector.batchCapacity)
        minimums = .allocate(capacity: physical.count)
        maximums = .allocate(capacity: physical.count)
    }

    deinit {
        free(recordedGroups)
        free(recordedKeys)
        free(slots)
        tracker?.release(trackedBytes)
        rowSlots.deallocate()
        missingRows.deallocate()
        minimums.deallocate()
        maximums.deallocate()
    }

    /// The bytes held, for the memory tracker.
    var footprint: Int { slotCount * 4 + recordedCapacity * (4 + 8 * physicalTypes.count) }

    /// The rows of the last `lookup` whose key has no known group, as many as it returned (`record` reuses it).
    let missingRows: UnsafeMutablePointer<Int32>

    /// Writes the group of each of the first `count` rows of `keys` to `groups` and returns the
    /// number of rows whose key has no known group (listed in `missingRows`; ask the table for
    /// them, then `record` its answer); nil when the cache cannot serve this batch (NULL or
    /// dictionary keys, batches over 2,048 rows, or ranges past `maxSlots`), leaving `groups` unspecified.
    func lookup(_ keys: [ColumnVector], count: Int, into groups: UnsafeMutablePointer<Int32>) -> Int? {
        precondition(keys.count == physicalTypes.count, "cache keys do not fit")
        guard isUsable, count > 0, count <= ColumnVector.batchCapacity else { return nil }
        for key in keys where key.hasNulls || key.isDictionary { return nil }
        for (position, key) in keys.enumerated() {
            let (low, high) = GroupKeyCache.range(key, count)
            minimums[position] = low
            maximums[position] = high
            if slotCount > 0 {
                // Every value ever looked up stays inside what widening may shrink back to.
                seenLows[position] = Swift.min(seenLows[position], low)
                seenHighs[position] = Swift.max(seenHighs[position], high)
            }
        }
        if slotCount == 0 || !covers() {
            guard widen() else {
                isUsable = false
                return nil
            }
        }
        // Slot = Σ (value - base) × radix, radixes growing from the last key.
        let rowSlots = self.rowSlots
        for row in 0..<count { rowSlots[row] = 0 }
        var radix = 1
        for position in stride(from: keys.count - 1, through: 0, by: -1) {
            GroupKeyCache.addOffsets(keys[position], count, base: bases[position], radix: radix, into: rowSlots)
            radix &*= Int(spans[position])
        }
        let slots = self.slots, missingRows = self.missingRows
        var missing = 0
        for row in 0..<count {
            let entry = slots[rowSlots[row]]
            groups[row] = entry &- 1
            missingRows[missing] = Int32(truncatingIfNeeded: row)
            missing &+= Int(truncatingIfNeeded: entry == 0 ? 1 : 0)
        }
        return missing
    }

    /// The number of groups recorded so far. When it equals the table's group count, every group
    /// of the table is in the cache, so a key the cache misses is new to the table too (`claim`).
    private(set) var recordedCount = 0

    /// After a `lookup` that missed the first `missing` rows of `missingRows`, while the cache holds
    /// every group of the table: gives the distinct keys among those rows new groups numbered from
    /// `firstGroup` in row order, writes each row's group to `groups`, and lists in `newRows` the row
    /// that introduced each new group. Returns the number of new groups (append their keys to the table).
    func claim(
        _ keys: [ColumnVector], missing: Int, firstGroup: Int32, groups: UnsafeMutablePointer<Int32>,
        newRows: UnsafeMutablePointer<Int32>
    ) throws(ExecutionError) -> Int {
        try reserveRecorded(missing)
        let slots = self.slots, rowSlots = self.rowSlots, missingRows = self.missingRows
        let recordedGroups = self.recordedGroups + recordedCount
        var fresh = 0
        for index in 0..<missing {
            let row = Int(missingRows[index])
            let slot = rowSlots[row]
            if slots[slot] == 0 {
                let group = firstGroup &+ Int32(truncatingIfNeeded: fresh)
                slots[slot] = group &+ 1
                newRows[fresh] = Int32(truncatingIfNeeded: row)
                recordedGroups[fresh] = group
                fresh &+= 1
            }
            groups[row] = slots[slot] &- 1
        }
        storeKeys(keys, rows: newRows, count: fresh)
        return fresh
    }

    /// Makes room for `extra` more recorded groups, reserving the bytes first.
    private func reserveRecorded(_ extra: Int) throws(ExecutionError) {
        guard recordedCount + extra > recordedCapacity else { return }
        var capacity = recordedCapacity * 2
        while capacity < recordedCount + extra { capacity *= 2 }
        let added = (capacity - recordedCapacity) * (4 + 8 * physicalTypes.count)
        try tracker?.reserve(added, for: "hash aggregate")
        trackedBytes += added
        // A failed realloc leaves the old block: the cache stays whole (and its bytes reserved).
        recordedGroups = try MemoryTracker.reallocate(recordedGroups, bytes: capacity * 4, for: "hash aggregate")
            .assumingMemoryBound(to: Int32.self)
        recordedKeys = try MemoryTracker.reallocate(
            recordedKeys, bytes: capacity * physicalTypes.count * 8, for: "hash aggregate"
        ).assumingMemoryBound(to: Int64.self)
        recordedCapacity = capacity
    }

    /// Records the key values of `rows[0 ..< count]` (whose groups are already in
    /// `recordedGroups[recordedCount...]`), column by column, and counts them as recorded.
    private func storeKeys(_ keys: [ColumnVector], rows: UnsafePointer<Int32>, count: Int) {
        let keyCount = physicalTypes.count
        let base = recordedKeys + recordedCount * keyCount
        for (position, key) in keys.enumerated() {
            switch key.physicalType {
            case .int64:
                GroupKeyCache.store(
                    key.data.assumingMemoryBound(to: Int64.self), rows, count, base + position, keyCount)
            case .int32:
                GroupKeyCache.store(
                    key.data.assumingMemoryBound(to: Int32.self), rows, count, base + position, keyCount)
            default:
                GroupKeyCache.store(
                    key.data.assumingMemoryBound(to: UInt8.self), rows, count, base + position, keyCount)
            }
        }
        recordedCount += count
    }

    @inline(__always)
    private static func store<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafePointer<Int32>, _ count: Int,
        _ out: UnsafeMutablePointer<Int64>, _ stride: Int
    ) {
        for index in 0..<count { out[index &* stride] = Int64(values[Int(rows[index])]) }
    }

    /// Remembers the groups that the table gave to the first `missing` rows of `missingRows`
    /// (`found[i]` for row `missingRows[i]`) after the last `lookup`; writes them to `groups`.
    func record(
        _ keys: [ColumnVector], missing: Int, found: UnsafePointer<Int32>, groups: UnsafeMutablePointer<Int32>
    ) throws(ExecutionError) {
        try reserveRecorded(missing)
        let slots = self.slots, rowSlots = self.rowSlots, missingRows = self.missingRows
        let recordedGroups = self.recordedGroups + recordedCount
        // The rows whose key is new to the cache, listed in place of the rows already handled.
        let newRows = self.missingRows
        var fresh = 0
        for index in 0..<missing {
            let row = Int(missingRows[index])
            let group = found[index]
            groups[row] = group
            guard slots[rowSlots[row]] == 0 else { continue }
            slots[rowSlots[row]] = group &+ 1
            recordedGroups[fresh] = group
            newRows[fresh] = Int32(truncatingIfNeeded: row)
            fresh &+= 1
        }
        storeKeys(keys, rows: newRows, count: fresh)
    }

    private func covers() -> Bool {
        for position in 0..<physicalTypes.count {
            let (offset, overflow) = maximums[position].subtractingReportingOverflow(bases[position])
            if minimums[position] < bases[position] || overflow || offset >= spans[position] { return false }
        }
        return true
    }

    /// Grows the ranges to hold the last batch's, with slack, and refills the slots; false when
    /// they would need more than `maxSlots`.
    ///
    /// A key whose values left its range gets the exact range of every value seen so far, doubled
    /// in the direction it grew (so that a growing key widens O(log n) times); the others keep
    /// their range unless the total does not fit, when every key falls back to what was seen.
    @inline(never)
    private func widen() -> Bool {
        // Widening without slack again and again would rebuild the array for every batch.
        if isSaturated { return false }
        let keyCount = physicalTypes.count
        let isFirst = slotCount == 0
        var grew = [Bool](repeating: isFirst, count: keyCount)
        var newBases = bases, newSpans = spans
        for position in 0..<keyCount {
            if isFirst {
                seenLows[position] = minimums[position]
                seenHighs[position] = maximums[position]
            } else {
                seenLows[position] = Swift.min(seenLows[position], minimums[position])
                seenHighs[position] = Swift.max(seenHighs[position], maximums[position])
                let (offset, overflow) = maximums[position].subtractingReportingOverflow(bases[position])
                grew[position] = minimums[position] < bases[position] || overflow || offset >= spans[position]
            }
        }
        func exact(_ position: Int) -> Bool {
            let (width, overflow) = seenHighs[position].subtractingReportingOverflow(seenLows[position])
            guard !overflow, width < Int64(GroupKeyCache.maxSlots) else { return false }
            newBases[position] = seenLows[position]
            newSpans[position] = width + 1
            return true
        }
        var total = 1
        for position in 0..<keyCount where grew[position] {
            guard exact(position) else { return false }
        }
        var fits = true
        for position in 0..<keyCount {
            let (product, overflow) = total.multipliedReportingOverflow(by: Int(newSpans[position]))
            if overflow || product > GroupKeyCache.maxSlots {
                fits = false
                break
            }
            total = product
        }
        if fits {
            // A grown key boxed in by the others' slack would saturate: drop the slack instead.
            for position in 0..<keyCount where grew[position] {
                let room = Int64(GroupKeyCache.maxSlots / (total / Int(newSpans[position]))) - newSpans[position]
                if Swift.min(Swift.max(newSpans[position], 8), room) < Swift.max(newSpans[position] / 8, 1) {
                    fits = false
                }
            }
        }
        if !fits {
            total = 1
            for position in 0..<keyCount {
                guard exact(position) else { return false }
                total *= Int(newSpans[position])
                guard total <= GroupKeyCache.maxSlots else { return false }
            }
        }
        for position in 0..<keyCount where grew[position] {
            // Double the span, or take what room is left; too little room ends the widening:
            // the next batch outside the ranges hands the keys to the table for good.
            let others = total / Int(newSpans[position])
            let room = Int64(GroupKeyCache.maxSlots / others) - newSpans[position]
            let extra = Swift.min(Swift.max(newSpans[position], 8), room)
            if extra < Swift.max(newSpans[position] / 8, 1) {
                isSaturated = true
                continue
            }
            let candidate = others * Int(newSpans[position] + extra)
            let growsDown = !isFirst && minimums[position] < bases[position]
            let (lowered, overflow) = newBases[position].subtractingReportingOverflow(growsDown ? extra : 0)
            if overflow || lowered > Int64.max - newSpans[position] - extra { continue }
            newBases[position] = lowered
            newSpans[position] += extra
            total = candidate
        }
        // Sparse keys (few groups over the range of the values seen, as in one hash partition of
        // a spilled aggregate) would hold far more slots than groups: step aside. Up to 1M slots
        // (4 MiB) the cache is kept regardless: the first batch of keys spread evenly over 100K
        // values (db-benchmark's id6) holds only 2K of them, yet all will come.
        var seenTotal = 1
        for position in 0..<keyCount {
            let (width, overflow) = seenHighs[position].subtractingReportingOverflow(seenLows[position])
            guard !overflow, width < Int64(GroupKeyCache.maxSlots) else {
                seenTotal = Int.max
                break
            }
            let (product, tooMany) = seenTotal.multipliedReportingOverflow(by: Int(width) + 1)
            seenTotal = tooMany ? Int.max : product
        }
        if total > 1 << 20 && seenTotal / 8 > recordedCount + ColumnVector.batchCapacity { return false }
        // Room for the new slots, or the cache steps aside and the table serves every key.
        guard (try? tracker?.reserve(total * 4, for: "hash aggregate")) != nil,
            let newSlots = try? MemoryTracker.reallocate(nil, bytes: total * 4, for: "hash aggregate")
        else {
            return false
        }
        free(slots)
        tracker?.release(slotCount * 4)
        trackedBytes += total * 4 - slotCount * 4
        slots = newSlots.bindMemory(to: Int32.self, capacity: total)
        slots.initialize(repeating: 0, count: total)
        slotCount = total
        bases = newBases
        spans = newSpans
        for index in 0..<recordedCount {
            let group = recordedGroups[index]
            var slot = 0
            for position in 0..<keyCount {
                slot = slot * Int(spans[position]) + Int(recordedKeys[index * keyCount + position] - bases[position])
            }
            slots[slot] = group &+ 1
        }
        return true
    }

    private static func range(_ key: ColumnVector, _ count: Int) -> (Int64, Int64) {
        switch key.physicalType {
        case .int64: return range(key.data.assumingMemoryBound(to: Int64.self), count)
        case .int32: return range(key.data.assumingMemoryBound(to: Int32.self), count)
        default: return range(key.data.assumingMemoryBound(to: UInt8.self), count)
        }
    }

    @inline(__always)
    private static func range<T: FixedWidthInteger>(_ values: UnsafeMutablePointer<T>, _ count: Int) -> (Int64, Int64) {
        var low = values[0], high = values[0]
        for row in 1..<Swift.max(count, 1) {
            low = Swift.min(low, values[row])
            high = Swift.max(high, values[row])
        }
        return (Int64(low), Int64(high))
    }

    private static func addOffsets(
        _ key: ColumnVector, _ count: Int, base: Int64, radix: Int, into slots: UnsafeMutablePointer<Int>
    ) {
        switch key.physicalType {
        case .int64: addOffsets(key.data.assumingMemoryBound(to: Int64.self), count, base, radix, slots)
        case .int32: addOffsets(key.data.assumingMemoryBound(to: Int32.self), count, base, radix, slots)
        default: addOffsets(key.data.assumingMemoryBound(to: UInt8.self), count, base, radix, slots)
        }
    }

    @inline(__always)
    private static func addOffsets<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ count: Int, _ base: Int64, _ radix: Int, _ slots: UnsafeMutablePointer<Int>
    ) {
        for row in 0..<count { slots[row] &+= Int(truncatingIfNeeded: Int64(values[row]) &- base) &* radix }
    }
}
