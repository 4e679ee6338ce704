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

    /// Adds 1 to `counts[groups[row(p)]]` for positions `0 ..< n`, in four interleaved lanes of
    /// 32-bit counters: with few groups, consecutive rows mostly hit one counter, and a single
    /// array waited on its own previous store at every row (q15's count by status).
    @inline(__always)
    static func countInLanes(
        _ counts: UnsafeMutableBufferPointer<Int64>, _ groups: UnsafePointer<Int32>, _ n: Int,
        _ row: (Int) -> Int32
    ) {
        let g = counts.count
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * g) { lanes in
            let l = lanes.baseAddress!
            l.initialize(repeating: 0, count: 4 * g)
            let quarter = n / 4
            for i in 0..<quarter {
                let p = 4 &* i
                l[Int(groups[Int(row(p))])] &+= 1
                l[g &+ Int(groups[Int(row(p &+ 1))])] &+= 1
                l[2 &* g &+ Int(groups[Int(row(p &+ 2))])] &+= 1
                l[3 &* g &+ Int(groups[Int(row(p &+ 3))])] &+= 1
            }
            for p in (4 &* quarter)..<n { l[Int(groups[Int(row(p))])] &+= 1 }
            for k in 0..<g {
                counts[k] &+= Int64(l[k]) &+ Int64(l[g &+ k]) &+ Int64(l[2 &* g &+ k]) &+ Int64(l[3 &* g &+ k])
            }
        }
    }

    /// Adds the rows set in `liveWords` (of `count` rows) to group `group` (the one group when
    /// ungrouped): their number, or the valid ones among them, 64 rows at a time.
    func update(group: Int = 0, liveWords: UnsafePointer<UInt64>, _ input: ColumnVector?, count: Int) {
        if !countsNulls && (input == nil || input!.type == .null) { return }
        var n = 0
        // Two loops: an optional unwrapped per word kept the popcounts from running unrolled.
        if !countsNulls, input!.hasNulls {
            let validity = input!.validityWords
            for w in 0..<ValidityBitmap.wordCount(for: count) { n &+= (liveWords[w] & validity[w]).nonzeroBitCount }
        } else {
            for w in 0..<ValidityBitmap.wordCount(for: count) { n &+= liveWords[w].nonzeroBitCount }
        }
        counts.withUnsafeMutableBufferPointer { $0[group] &+= Int64(n) }
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
