/// A batch's rows ordered by group, for aggregates over few groups.
///
/// With few groups, consecutive rows mostly hit the same group, and an accumulator that adds
/// row by row into `sums[group]` waits on its own previous store at every row. Ordered once per
/// batch (a counting sort shared by every aggregate of the batch), each aggregate instead sums a
/// group's rows in a register and stores once per group.
final class GroupRuns {
    /// Groups above this many are left to the row-by-row path: their rows rarely repeat a group.
    static let maximumGroups = 64
    /// Batches below this many rows are not worth ordering.
    static let minimumRows = 256
    /// Interleaved counting chains (row quarters), so that no chain waits on its own store.
    private static let lanes = 4

    /// Row numbers, group by group; within a group in row order.
    private(set) var order: UnsafeMutablePointer<Int32>
    private var orderCapacity: Int
    /// Group `g`'s rows are `order[bounds[g] ..< bounds[g + 1]]`.
    private(set) var bounds: UnsafeMutablePointer<Int32>
    /// Per lane and group: a count, then the next slot to write.
    private var slots: UnsafeMutablePointer<Int32>
    /// The groups `bounds` covers.
    private(set) var groupCount = 0

    init() {
        orderCapacity = 0
        order = .allocate(capacity: 1)
        bounds = .allocate(capacity: GroupRuns.maximumGroups + 1)
        slots = .allocate(capacity: GroupRuns.lanes * GroupRuns.maximumGroups)
    }

    deinit {
        order.deallocate()
        bounds.deallocate()
        slots.deallocate()
    }

    /// Whether a batch of `rows` rows over `groupCount` groups is worth ordering.
    static func applies(groupCount: Int, rows: Int) -> Bool {
        groupCount <= maximumGroups && rows >= minimumRows
    }

    /// Orders the rows `rows` (nil: `0 ..< count`) by `groups[row]`, each in `0 ..< groupCount`.
    func build(_ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, count: Int, groupCount: Int) {
        precondition(groupCount <= GroupRuns.maximumGroups)
        let n = rows?.count ?? count
        if n > orderCapacity {
            order.deallocate()
            order = .allocate(capacity: n)
            orderCapacity = n
        }
        self.groupCount = groupCount
        if let rows {
            fill(SomeRows(base: rows.baseAddress!), groups, n, groupCount)
        } else {
            fill(AllRows(), groups, n, groupCount)
        }
    }

    /// The counting sort of `build` over positions `0 ..< n` whose rows `rows` gives.
    private func fill<Rows: RowNumbers>(_ rows: Rows, _ groups: UnsafePointer<Int32>, _ n: Int, _ groupCount: Int) {
        let lanes = GroupRuns.lanes
        let quarter = n / lanes
        let slots = self.slots
        slots.initialize(repeating: 0, count: lanes * groupCount)
        // Lane l takes positions [l * quarter, (l + 1) * quarter); the last lane also the rest.
        @inline(__always) func group(_ p: Int) -> Int { Int(groups[Int(rows[p])]) }
        for i in 0..<quarter {
            slots[group(i)] &+= 1
            slots[groupCount + group(quarter + i)] &+= 1
            slots[2 * groupCount + group(2 * quarter + i)] &+= 1
            slots[3 * groupCount + group(3 * quarter + i)] &+= 1
        }
        for p in (lanes * quarter)..<n { slots[3 * groupCount + group(p)] &+= 1 }
        // Counts become start positions: group by group, lane by lane (so row order holds).
        var next: Int32 = 0
        for g in 0..<groupCount {
            bounds[g] = next
            for lane in 0..<lanes {
                let c = slots[lane * groupCount + g]
                slots[lane * groupCount + g] = next
                next &+= c
            }
        }
        bounds[groupCount] = next
        let order = self.order
        for i in 0..<quarter {
            let p0 = i, p1 = quarter + i, p2 = 2 * quarter + i, p3 = 3 * quarter + i
            let s0 = group(p0), s1 = groupCount + group(p1), s2 = 2 * groupCount + group(p2)
            let s3 = 3 * groupCount + group(p3)
            order[Int(slots[s0])] = rows[p0]
            slots[s0] &+= 1
            order[Int(slots[s1])] = rows[p1]
            slots[s1] &+= 1
            order[Int(slots[s2])] = rows[p2]
            slots[s2] &+= 1
            order[Int(slots[s3])] = rows[p3]
            slots[s3] &+= 1
        }
        for p in (lanes * quarter)..<n {
            let s = 3 * groupCount + group(p)
            order[Int(slots[s])] = rows[p]
            slots[s] &+= 1
        }
    }
}

/// The row at each position of a batch's rows (specializes `GroupRuns.fill`).
private protocol RowNumbers {
    subscript(_ position: Int) -> Int32 { get }
}

/// Every row: position p is row p.
private struct AllRows: RowNumbers {
    subscript(_ position: Int) -> Int32 { Int32(truncatingIfNeeded: position) }
}

/// A selection of rows.
private struct SomeRows: RowNumbers {
    let base: UnsafePointer<Int32>
    subscript(_ position: Int) -> Int32 { base[position] }
}
