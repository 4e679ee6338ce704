import PlazaVector

/// The live rows of a table with deleted rows, counted per dictionary code of the one group key
/// across the batches of one dictionary (`AggregateState.countCodesLive`): the counts then reach
/// the groups once per code (`AggregateState.flushCodeCounts`), not once per row.
///
/// Few entries are counted in four interleaved lanes, so that consecutive rows of one code do not
/// wait on the same counter's previous store (as `CountAccumulator.countInLanes`).
final class LiveCodeCounts {
    /// The dictionary whose codes `counts` counts, or nil before the first batch.
    private(set) var dictionary: ColumnVector?
    /// The dictionary's entries.
    private(set) var entries = 0
    /// 4 for few entries, else 1.
    private(set) var lanes = 1
    /// Per lane and code (`lane × entries + code`): live rows not yet added to the groups.
    private var counts: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    /// The live rows counted since the last flush (they fit the 32-bit counters: a flush comes
    /// at the latest when a morsel ends, and `add` flushes before 2^31).
    var pendingRows = 0
    /// How many entries have no group yet (`AggregateState.countCodesLive`).
    var unmappedCount = 0
    /// Those entries' codes, listed once they are few (nil until then).
    var unmapped: [Int32]?

    /// Entries up to this many are counted in lanes.
    static let laneEntries = 64

    init() {
        capacity = 256
        counts = .allocate(capacity: capacity)
    }

    deinit { counts.deallocate() }

    /// Starts counting the codes of `dictionary` (the last ones flushed), every counter zero.
    func start(_ dictionary: ColumnVector) {
        precondition(pendingRows == 0, "codes of a dictionary left uncounted")
        self.dictionary = dictionary
        entries = Swift.max(dictionary.count, 1)
        lanes = entries <= LiveCodeCounts.laneEntries ? 4 : 1
        if lanes &* entries > capacity {
            counts.deallocate()
            capacity = lanes &* entries
            counts = .allocate(capacity: capacity)
        }
        counts.initialize(repeating: 0, count: lanes &* entries)
    }

    /// Counts the first `count` rows of `codes` whose bit is set in `liveWords` (bits past `count`
    /// clear), each code below `entries`: every row adds its bit, so no branch depends on it.
    /// (A tenth of rows deleted leaves a few in every word: whole words live are rare.)
    func add(_ codes: UnsafePointer<UInt32>, liveWords: UnsafePointer<UInt64>, liveCount: Int, count: Int) {
        let c0 = counts
        let (c1, c2, c3) =
            lanes == 4 ? (c0 + entries, c0 + 2 &* entries, c0 + 3 &* entries) : (c0, c0, c0)
        let whole = count &>> 6
        for w in 0..<whole {
            let bits = liveWords[w]
            let rows = codes + w &* 64
            var j = 0
            while j < 64 {
                c0[Int(rows[j])] &+= UInt32(truncatingIfNeeded: (bits &>> UInt64(j)) & 1)
                c1[Int(rows[j &+ 1])] &+= UInt32(truncatingIfNeeded: (bits &>> UInt64(j &+ 1)) & 1)
                c2[Int(rows[j &+ 2])] &+= UInt32(truncatingIfNeeded: (bits &>> UInt64(j &+ 2)) & 1)
                c3[Int(rows[j &+ 3])] &+= UInt32(truncatingIfNeeded: (bits &>> UInt64(j &+ 3)) & 1)
                j &+= 4
            }
        }
        if count & 63 != 0 {
            let bits = liveWords[whole], base = whole &* 64
            for j in 0..<(count & 63) {
                c0[Int(codes[base &+ j])] &+= UInt32(truncatingIfNeeded: (bits &>> UInt64(j)) & 1)
            }
        }
        pendingRows &+= liveCount
    }

    /// Whether any of `unmapped` has a live row counted.
    func countsAnyUnmapped() -> Bool {
        for code in unmapped ?? [] where total(Int(code)) != 0 { return true }
        return false
    }

    /// The live rows of `code` counted since the last flush.
    @inline(__always)
    func total(_ code: Int) -> UInt32 {
        guard lanes == 4 else { return counts[code] }
        return counts[code] &+ counts[entries &+ code] &+ counts[2 &* entries &+ code] &+ counts[3 &* entries &+ code]
    }

    /// Hands each code with live rows counted and its number to `body`, then zeroes the counters.
    func drain(_ body: (Int, Int64) -> Void) {
        guard pendingRows > 0 else { return }
        for code in 0..<entries {
            let n = total(code)
            if n != 0 { body(code, Int64(n)) }
        }
        counts.update(repeating: 0, count: lanes &* entries)
        pendingRows = 0
    }
}
