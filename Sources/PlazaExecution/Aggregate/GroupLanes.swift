import PlazaCore
import PlazaVector

/// A batch's rows tagged with a slot (lane × groups + group), for integer sums and counts over few
/// groups without ordering the rows (as `GroupRuns` does).
///
/// Each sum adds row by row into 64-bit partial sums `partial[slot]`: consecutive rows go to
/// different lanes, so a group's run of rows does not wait on its own previous store, and a row
/// costs one load and one add where a sum over runs gathered it through the row order and added
/// it into 128 bits. Used only where the values are proven small enough that no partial sum of a
/// batch can overflow (a DECIMAL's precision, a dictionary's entries, or a check of the batch).
///
/// A selection of most rows (a filter that keeps nearly everything, as TPC-H Q1's) is tagged
/// densely: every row gets a slot, the rows left out a spare group whose sums are dropped, so the
/// sums read values in order instead of through the row list (with 16 lanes, Q1's CPU −5%).
final class GroupLanes {
    /// Groups above this many are left to the other paths (as for `GroupRuns`).
    static let maximumGroups = GroupRuns.maximumGroups
    /// Rows in a row go to this many lanes in turn: 16 for few groups, since a row's add waits on
    /// the store of the last row in its lane and group (store forwarding, several cycles); 4 for
    /// more groups, where zeroing and adding up the lanes would cost more than the waits.
    private static let manyLanes = 16, fewLanes = 4
    /// Groups up to this many get `manyLanes`.
    private static let manyLanesGroups = 15

    /// Per position: `lane * stride + group`.
    private var slots: UnsafeMutablePointer<Int32>
    /// The batch's rows (positions' rows) when a selection restricts them.
    private var rowBuffer: UnsafeMutablePointer<Int32>
    private var capacity: Int
    /// Per slot: a 64-bit partial sum, reused by each sum.
    private let partial: UnsafeMutablePointer<Int64>
    /// Per group: the rows of the batch in it.
    let rowCounts: UnsafeMutablePointer<Int64>
    /// The groups of the batch built last.
    private(set) var groupCount = 0
    /// The positions of the batch built last.
    private(set) var positions = 0
    /// Whether the positions are rows `rowBuffer` lists (else position p is row p).
    private var hasRows = false
    /// Whether every row has a slot, the rows left out the spare group's.
    private var dense = false
    /// The lanes of the batch built last.
    private var lanes = GroupLanes.fewLanes
    /// Slots per lane: the groups and the spare group of rows left out.
    private var stride = 1

    init() {
        capacity = ColumnVector.batchCapacity
        slots = .allocate(capacity: capacity)
        rowBuffer = .allocate(capacity: capacity)
        partial = .allocate(
            capacity: max(
                GroupLanes.manyLanes * (GroupLanes.manyLanesGroups + 1),
                GroupLanes.fewLanes * (GroupLanes.maximumGroups + 1)))
        rowCounts = .allocate(capacity: GroupLanes.maximumGroups)
    }

    deinit {
        slots.deallocate()
        rowBuffer.deallocate()
        partial.deallocate()
        rowCounts.deallocate()
    }

    /// Tags the rows `rows` (nil: `0 ..< count`) with their slots, by `groups[row]` each in
    /// `0 ..< groupCount`, and counts each group's rows.
    func build(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, count: Int, groupCount: Int) {
        precondition(groupCount <= GroupLanes.maximumGroups, "\(groupCount) groups over lanes")
        let n = rows?.count ?? count
        if max(n, count) > capacity {
            slots.deallocate()
            rowBuffer.deallocate()
            capacity = max(n, count)
            slots = .allocate(capacity: capacity)
            rowBuffer = .allocate(capacity: capacity)
        }
        self.groupCount = groupCount
        let lanes = groupCount <= GroupLanes.manyLanesGroups ? GroupLanes.manyLanes : GroupLanes.fewLanes
        let stride = groupCount &+ 1
        self.lanes = lanes
        self.stride = stride
        // Dense: at least 7 rows in 8 kept (the spare group's adds cost less than the indirection).
        let dense = rows != nil && n &* 8 >= count &* 7
        self.dense = dense
        positions = dense ? count : n
        hasRows = rows != nil && !dense
        // Counted per lane (so no count waits on its own previous store), then added up.
        let laneCounts = partial
        laneCounts.initialize(repeating: 0, count: lanes * stride)
        let slots = self.slots
        let laneMask = lanes &- 1
        if let rows, dense {
            // Every row in the spare group, then the kept rows in theirs.
            for p in 0..<count { slots[p] = Int32(truncatingIfNeeded: (p & laneMask) &* stride &+ groupCount) }
            for r in rows {
                let p = Int(r)
                let slot = (p & laneMask) &* stride &+ Int(groups[p])
                slots[p] = Int32(truncatingIfNeeded: slot)
                laneCounts[slot] &+= 1
            }
        } else if let rows {
            rowBuffer.update(from: rows.baseAddress!, count: n)
            for p in 0..<n {
                let slot = (p & laneMask) &* stride &+ Int(groups[Int(rows[p])])
                slots[p] = Int32(truncatingIfNeeded: slot)
                laneCounts[slot] &+= 1
            }
        } else {
            for p in 0..<n {
                let slot = (p & laneMask) &* stride &+ Int(groups[p])
                slots[p] = Int32(truncatingIfNeeded: slot)
                laneCounts[slot] &+= 1
            }
        }
        for g in 0..<groupCount {
            var total: Int64 = 0
            for lane in 0..<lanes { total &+= laneCounts[lane &* stride &+ g] }
            rowCounts[g] = total
        }
    }

    /// Whether `sum` may add `input` (`count` rows of BIGINT or DECIMAL values, flat or a dictionary
    /// of them) over any of its rows in 64 bits: no NULL rows, and each value's magnitude at most
    /// `Int64.max / count`, so that no partial sum can overflow (a dense build sums every row). A
    /// DECIMAL's precision proves it; else its entries or its rows are read.
    static func fits(_ input: ColumnVector, count: Int) -> Bool {
        guard !input.hasNulls, count > 0 else { return false }
        let limit = UInt64(Int64.max) / UInt64(count)
        if let dictionary = input.dictionary {
            // Entries no longer than the batch: reading them costs less than the rows.
            guard dictionary.physicalType == .int64, !dictionary.hasNulls, dictionary.count <= count else {
                return false
            }
            return GroupLanes.magnitude(dictionary.data.assumingMemoryBound(to: Int64.self), dictionary.count) <= limit
        }
        guard input.physicalType == .int64 else { return false }
        if case .decimal(let precision, _) = input.type, precision < 18,
            UInt64(GroupLanes.powersOfTen[precision] - 1) <= limit
        {
            return true
        }
        return GroupLanes.magnitude(input.data.assumingMemoryBound(to: Int64.self), count) <= limit
    }

    /// 10^k for k in 0 ... 18.
    private static let powersOfTen: [Int64] = (0...18).map { k in (0..<k).reduce(Int64(1)) { r, _ in r * 10 } }

    /// A bound on the magnitudes of `values[0 ..< count]`: the OR of `x ^ (x >> 63)` (|x| or
    /// |x| - 1 per value), plus one.
    private static func magnitude(_ values: UnsafePointer<Int64>, _ count: Int) -> UInt64 {
        var bits: UInt64 = 0
        for i in 0..<count {
            let x = values[i]
            bits |= UInt64(bitPattern: x ^ (x &>> 63))
        }
        return bits == UInt64.max ? bits : bits &+ 1
    }

    /// Adds each group's sum of `input` (which `fits`) into `sums[group]` (`groupCount` entries).
    func sum(_ input: ColumnVector, into sums: UnsafeMutablePointer<Int128>) {
        let lanes = self.lanes, stride = self.stride
        partial.initialize(repeating: 0, count: lanes * stride)
        if let dictionary = input.dictionary {
            let codes = input.data.assumingMemoryBound(to: UInt32.self)
            let values = LaneCodedValues(entries: dictionary.data.assumingMemoryBound(to: Int64.self), codes: codes)
            if hasRows {
                add(values, LaneSomeRows(base: rowBuffer))
            } else if !dense {
                add(values, LaneAllRows())
            } else {
                // The rows left out may hold codes that are not entries (nothing wrote them): entry 0
                // for those. A compare per row costs less than a pass to prove them in range.
                add(
                    LaneClampedCodedValues(
                        entries: values.entries, codes: codes, limit: UInt32(truncatingIfNeeded: dictionary.count)),
                    LaneAllRows())
            }
        } else {
            let values = LaneFlatValues(base: input.data.assumingMemoryBound(to: Int64.self))
            if hasRows { add(values, LaneSomeRows(base: rowBuffer)) } else { add(values, LaneAllRows()) }
        }
        for g in 0..<groupCount {
            var total: Int128 = 0
            for lane in 0..<lanes { total &+= Int128(partial[lane &* stride &+ g]) }
            sums[g] &+= total
        }
    }

    /// The loop of `sum`, specialized per way of reading a value and a position's row.
    @inline(__always)
    private func add<Values: LaneValues, Rows: LaneRows>(_ values: Values, _ rows: Rows) {
        let slots = self.slots, partial = self.partial
        for p in 0..<positions {
            partial[Int(slots[p])] &+= values.load(rows[p])
        }
    }
}

/// How `GroupLanes.sum` reads a row's value.
private protocol LaneValues {
    func load(_ row: Int) -> Int64
}

/// The values of a flat vector.
private struct LaneFlatValues: LaneValues {
    let base: UnsafePointer<Int64>
    @inline(__always) func load(_ row: Int) -> Int64 { base[row] }
}

/// The values of a dictionary vector without NULL rows: entry `codes[row]`.
private struct LaneCodedValues: LaneValues {
    let entries: UnsafePointer<Int64>
    let codes: UnsafePointer<UInt32>
    @inline(__always) func load(_ row: Int) -> Int64 { entries[Int(codes[row])] }
}

/// The values of a dictionary vector whose codes may not all be entries: entry 0 for those (rows
/// a dense build put in the spare group).
private struct LaneClampedCodedValues: LaneValues {
    let entries: UnsafePointer<Int64>
    let codes: UnsafePointer<UInt32>
    let limit: UInt32
    @inline(__always) func load(_ row: Int) -> Int64 {
        let code = codes[row]
        return entries[code < limit ? Int(code) : 0]
    }
}

/// The row at each position.
private protocol LaneRows {
    subscript(_ position: Int) -> Int { get }
}

/// Every row: position p is row p.
private struct LaneAllRows: LaneRows {
    @inline(__always) subscript(_ position: Int) -> Int { position }
}

/// A selection of rows.
private struct LaneSomeRows: LaneRows {
    let base: UnsafePointer<Int32>
    @inline(__always) subscript(_ position: Int) -> Int { Int(base[position]) }
}
