import PlazaCore
import PlazaPlanner
import PlazaVector

/// count(*) and count(x).
final class CountAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let countsNulls: Bool
    var counts: [Int64] = []

    init(countsNulls: Bool) { self.countsNulls = countsNulls }

    func resize(_ groupCount: Int) {
        if counts.count < groupCount { counts.append(contentsOf: repeatElement(0, count: groupCount - counts.count)) }
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        let source = countsNulls ? nil : input
        if isUngrouped && rows == nil {
            // One group: the count is the number of valid rows, 64 at a time.
            counts[0] &+= Int64(source?.validity.validCount(count) ?? count)
            return
        }
        if isUngrouped, let rows {
            // One group, some rows: count them, or their valid ones.
            guard let source, source.hasNulls else {
                counts[0] &+= Int64(rows.count)
                return
            }
            let words = source.validityWords
            var n = 0
            for r in rows { n &+= Int(truncatingIfNeeded: (words[Int(r) &>> 6] &>> UInt64(r & 63)) & 1) }
            counts[0] &+= Int64(n)
            return
        }
        if rows == nil, source?.hasNulls != true, let g = uniformGroup(groups, count) {
            counts[g] &+= Int64(count)
            return
        }
        counts.withUnsafeMutableBufferPointer { c in
            if source?.hasNulls != true {
                if c.count <= CountAccumulator.laneGroups && (rows?.count ?? count) >= 256 {
                    if let rows {
                        CountAccumulator.countInLanes(c, groups, rows.count) { rows[$0] }
                    } else {
                        CountAccumulator.countInLanes(c, groups, count) { Int32(truncatingIfNeeded: $0) }
                    }
                    return
                }
                if let rows {
                    for r in rows { c[Int(groups[Int(r)])] &+= 1 }
                } else {
                    for row in 0..<count { c[Int(groups[row])] &+= 1 }
                }
                return
            }
            try? forEachValidRow(rows, source, count) { row in c[Int(groups[row])] &+= 1 }
        }
    }

    /// Groups at most this many are counted in four lanes (`countInLanes`).
    static let laneGroups = 512

    /// Adds `weight(p)` (1 unless given) to `counts[groups[row(p)]]` for positions `0 ..< n`, in
    /// four interleaved lanes of 32-bit counters: with few groups, consecutive rows mostly hit one
    /// counter, and a single array waited on its own previous store at every row (q15's count by
    /// status).
    @inline(__always)
    static func countInLanes(
        _ counts: UnsafeMutableBufferPointer<Int64>, _ groups: UnsafePointer<Int32>, _ n: Int,
        weight: (Int) -> UInt32 = { _ in 1 }, _ row: (Int) -> Int32
    ) {
        let g = counts.count
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * g) { lanes in
            let l = lanes.baseAddress!
            l.initialize(repeating: 0, count: 4 * g)
            let quarter = n / 4
            for i in 0..<quarter {
                let p = 4 &* i
                l[Int(groups[Int(row(p))])] &+= weight(p)
                l[g &+ Int(groups[Int(row(p &+ 1))])] &+= weight(p &+ 1)
                l[2 &* g &+ Int(groups[Int(row(p &+ 2))])] &+= weight(p &+ 2)
                l[3 &* g &+ Int(groups[Int(row(p &+ 3))])] &+= weight(p &+ 3)
            }
            for p in (4 &* quarter)..<n { l[Int(groups[Int(row(p))])] &+= weight(p) }
            for k in 0..<g {
                counts[k] &+= Int64(l[k]) &+ Int64(l[g &+ k]) &+ Int64(l[2 &* g &+ k]) &+ Int64(l[3 &* g &+ k])
            }
        }
    }

    /// Adds the rows set in `liveWords` (of `count` rows, `liveCount` of them set) to group
    /// `group` (the one group when ungrouped): their number, or the valid ones among them.
    func update(group: Int = 0, liveWords: UnsafePointer<UInt64>, liveCount: Int, _ input: ColumnVector?, count: Int) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        var n = liveCount
        if !countsNulls, input!.hasNulls {
            n = ValidityBitmap.setBitCount(
                liveWords, and: input!.validityWords, wordCount: ValidityBitmap.wordCount(for: count))
        }
        counts.withUnsafeMutableBufferPointer { $0[group] &+= Int64(n) }
    }

    /// Adds 1 to `counts[groups[row]]` for each of the first `count` rows, except those clear in
    /// `mask`: every row counted in four lanes as in `countInLanes`, then the few left out (a
    /// tenth deleted) taken back from the lane of their row, so no row pays for a weight.
    /// (A copy of the lane loop on purpose: taken back from the group counts after a call to
    /// `countInLanes`, q42's FILTER counts over deleted rows ran 1.5x slower, the generic lanes
    /// no longer specialized for their weight.)
    static func countInLanes(
        _ counts: UnsafeMutableBufferPointer<Int64>, _ groups: UnsafePointer<Int32>, _ count: Int,
        takingBackRowsClearIn mask: UnsafePointer<UInt64>
    ) {
        let g = counts.count
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * g) { lanes in
            let l = lanes.baseAddress!
            l.initialize(repeating: 0, count: 4 * g)
            let quarter = count / 4
            for i in 0..<quarter {
                let p = 4 &* i
                l[Int(groups[p])] &+= 1
                l[g &+ Int(groups[p &+ 1])] &+= 1
                l[2 &* g &+ Int(groups[p &+ 2])] &+= 1
                l[3 &* g &+ Int(groups[p &+ 3])] &+= 1
            }
            for p in (4 &* quarter)..<count { l[Int(groups[p])] &+= 1 }
            for w in 0..<ValidityBitmap.wordCount(for: count) {
                var out = ~mask[w]
                if w &* 64 &+ 64 > count { out &= (1 &<< UInt64(count & 63)) &- 1 }
                let base = w &* 64
                while out != 0 {
                    let row = base &+ out.trailingZeroBitCount
                    // A row's lane by its position: neighbouring rows taken back wait on different counters.
                    l[(row & 3) &* g &+ Int(groups[row])] &-= 1
                    out &= out &- 1
                }
            }
            // The last rows, counted in lane 0, are taken back from their position's lane, which
            // may wrap below zero: summed in 32-bit wrapping arithmetic the four lanes are exact.
            for k in 0..<g {
                counts[k] &+= Int64(l[k] &+ l[g &+ k] &+ l[2 &* g &+ k] &+ l[3 &* g &+ k])
            }
        }
    }

    /// Adds each of the first `count` rows set in `liveWords` (and valid in `input`, for count(x))
    /// to its group `groups[row]`, which every row has, deleted ones included: each row adds its
    /// bit, or (many groups, few rows left out) 1, the left-out ones then taken back; so the live
    /// rows' positions are never written. `liveCount`, when known, is the number of bits set in
    /// `liveWords` (the selection's count), which saves counting them again.
    func update(
        _ groups: UnsafePointer<Int32>, liveWords: UnsafePointer<UInt64>, liveCount: Int? = nil,
        _ input: ColumnVector?, count: Int
    ) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        let wordCount = ValidityBitmap.wordCount(for: count)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Swift.max(wordCount, 1)) { buffer in
            var mask = liveWords
            var set = liveCount
            if !countsNulls, input!.hasNulls {
                let validity = input!.validityWords
                for w in 0..<wordCount { buffer[w] = liveWords[w] & validity[w] }
                mask = UnsafePointer(buffer.baseAddress!)
                set = nil
            }
            let leftOut = count &- (set ?? ValidityBitmap.setBitCount(mask, wordCount: wordCount))
            counts.withUnsafeMutableBufferPointer { c in
                if c.count <= CountAccumulator.laneGroups && count >= 256 && leftOut &* 8 <= count {
                    CountAccumulator.countInLanes(c, groups, count, takingBackRowsClearIn: mask)
                } else if c.count <= CountAccumulator.laneGroups && count >= 256 {
                    // Each row adds its bit of `mask` (0 or 1).
                    CountAccumulator.countInLanes(
                        c, groups, count,
                        weight: { UInt32(truncatingIfNeeded: (mask[$0 &>> 6] &>> UInt64($0 & 63)) & 1) }
                    ) { Int32(truncatingIfNeeded: $0) }
                } else if leftOut &* 8 <= count {
                    // Few rows left out (a tenth deleted) over many groups: every row counted, as a
                    // compacted batch's are, then those few taken back, a word's clear bits at a
                    // time. (With few groups, taking back waited on the same counters: lanes win.)
                    for row in 0..<count { c[Int(groups[row])] &+= 1 }
                    for w in 0..<wordCount {
                        var out = ~mask[w]
                        if w &* 64 &+ 64 > count { out &= (1 &<< UInt64(count & 63)) &- 1 }
                        let base = w &* 64
                        while out != 0 {
                            c[Int(groups[base &+ out.trailingZeroBitCount])] &-= 1
                            out &= out &- 1
                        }
                    }
                } else {
                    for row in 0..<count {
                        c[Int(groups[row])] &+= Int64(truncatingIfNeeded: (mask[row &>> 6] &>> UInt64(row & 63)) & 1)
                    }
                }
            }
        }
    }

    /// Adds the rows `lanes` tagged, none of them NULL (count(*), or an argument without NULLs).
    func update(lanes: GroupLanes) {
        for g in 0..<lanes.groupCount { counts[g] &+= lanes.rowCounts[g] }
    }

    /// Adds the rows `runs` orders: a group's count is its run's length, or its valid rows.
    func update(runs: GroupRuns, _ input: ColumnVector?) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        let order = runs.order, bounds = runs.bounds
        let words = countsNulls ? nil : input?.validity.words
        counts.withUnsafeMutableBufferPointer { c in
            for g in 0..<runs.groupCount {
                let start = Int(bounds[g]), end = Int(bounds[g + 1])
                guard let words else {
                    c[g] &+= Int64(end &- start)
                    continue
                }
                var n: Int64 = 0
                for i in start..<end {
                    let row = Int(order[i])
                    n &+= Int64(truncatingIfNeeded: (words[row &>> 6] &>> UInt64(row & 63)) & 1)
                }
                c[g] &+= n
            }
        }
    }

    func merge(_ other: CountAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int)
        throws(ExecutionError)
    {
        let o = other
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

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        let out = makeOutput(.bigint, groupCount)
        for g in 0..<groupCount { out.data.storeBytes(of: counts[g], toByteOffset: g * 8, as: Int64.self) }
        return out
    }

    var footprint: Int { counts.capacity * 8 }
}
