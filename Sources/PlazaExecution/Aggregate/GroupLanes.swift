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
final class GroupLanes {
    /// Groups above this many are left to the other paths (as for `GroupRuns`).
    static let maximumGroups = GroupRuns.maximumGroups
    /// Rows in a row go to this many lanes in turn.
    private static let lanes = 4

    /// Per position: `lane * groupCount + group`.
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

    init() {
        capacity = ColumnVector.batchCapacity
        slots = .allocate(capacity: capacity)
        rowBuffer = .allocate(capacity: capacity)
        partial = .allocate(capacity: GroupLanes.lanes * GroupLanes.maximumGroups)
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
        if n > capacity {
            slots.deallocate()
            rowBuffer.deallocate()
            slots = .allocate(capacity: n)
            rowBuffer = .allocate(capacity: n)
            capacity = n
        }
        self.groupCount = groupCount
        positions = n
        hasRows = rows != nil
        let lanes = GroupLanes.lanes
        // Counted per lane (so no count waits on its own previous store), then added up.
        let laneCounts = partial
        laneCounts.initialize(repeating: 0, count: lanes * groupCount)
        let slots = self.slots
        if let rows {
            rowBuffer.update(from: rows.baseAddress!, count: n)
            for p in 0..<n {
                let slot = (p & (lanes - 1)) &* groupCount &+ Int(groups[Int(rows[p])])
                slots[p] = Int32(truncatingIfNeeded: slot)
                laneCounts[slot] &+= 1
            }
        } else {
            for p in 0..<n {
                let slot = (p & (lanes - 1)) &* groupCount &+ Int(groups[p])
                slots[p] = Int32(truncatingIfNeeded: slot)
                laneCounts[slot] &+= 1
            }
        }
        for g in 0..<groupCount {
            var total: Int64 = 0
            for lane in 0..<lanes { total &+= laneCounts[lane &* groupCount &+ g] }
            rowCounts[g] = total
        }
    }

    /// Whether `sum` may add `input` (`count` rows of BIGINT or DECIMAL values, flat or a dictionary
    /// of them) over `positions` of its rows in 64 bits: no NULL rows, and each value's magnitude at
    /// most `Int64.max / positions`, so that no partial sum can overflow. A DECIMAL's precision
    /// proves it; else its entries or its rows are read.
    static func fits(_ input: ColumnVector, count: Int, positions: Int) -> Bool {
        guard !input.hasNulls, positions > 0 else { return false }
        let limit = UInt64(Int64.max) / UInt64(positions)
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
        let lanes = GroupLanes.lanes
        partial.initialize(repeating: 0, count: lanes * groupCount)
        if let dictionary = input.dictionary {
            let values = LaneCodedValues(
                entries: dictionary.data.assumingMemoryBound(to: Int64.self),
                codes: input.data.assumingMemoryBound(to: UInt32.self))
            if hasRows { add(values, LaneSomeRows(base: rowBuffer)) } else { add(values, LaneAllRows()) }
        } else {
            let values = LaneFlatValues(base: input.data.assumingMemoryBound(to: Int64.self))
            if hasRows { add(values, LaneSomeRows(base: rowBuffer)) } else { add(values, LaneAllRows()) }
        }
        for g in 0..<groupCount {
            var total: Int128 = 0
            for lane in 0..<lanes { total &+= Int128(partial[lane &* groupCount &+ g]) }
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
