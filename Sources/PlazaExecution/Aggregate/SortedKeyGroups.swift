import PlazaCore
import PlazaVector

/// Group assignment by runs, for one integer group key whose values arrive in ascending order:
/// a table stored in key order (TPC-H's lineitem by `l_orderkey`, reports by day) delivers them so.
///
/// A row opens a new group exactly when its key differs from the row before, so a batch gets its
/// groups without hashing or a slot array, the group table receives each key once by `append`
/// (never probed), and groups are numbered in key order. Workers' states merge by walking their
/// key lists side by side (`AggregateOperator.combineSorted`). The first batch that is out of order
/// or holds a NULL key switches it off for good; the keys appended so far are distinct, so the
/// table serves the remaining batches as usual (it indexes them when first probed).
final class SortedKeyGroups {
    /// Whether every key so far ascended; false once a batch broke the order.
    private(set) var isActive = true
    /// Each group's key, widened to 64 bits, in group order (ascending): the merge reads them
    /// here instead of unpacking the table's.
    private(set) var keys: [Int64] = []
    /// Rows of the current batch that open a group.
    private var fresh: UnsafeMutablePointer<Int32>
    private var freshCapacity: Int

    /// A run assigner for `types`, or nil when they are not one integer key (64- or 32-bit).
    init?(types: [DataType]) {
        guard types.count == 1, SortedKeyGroups.handles(types[0]) else { return nil }
        freshCapacity = ColumnVector.batchCapacity
        fresh = .allocate(capacity: freshCapacity)
    }

    deinit { fresh.deallocate() }

    /// Whether a key of `type` is read as a 64- or 32-bit integer (BIGINT, DECIMAL up to 18 digits,
    /// TIMESTAMP, DATE).
    static func handles(_ type: DataType) -> Bool {
        switch type.physicalType {
        case .int64, .int32: return true
        default: return false
        }
    }

    /// The bytes the recorded keys hold, for the memory tracker.
    var footprint: Int { keys.capacity * 8 }

    /// Switches run assignment off; the caller's other paths take over.
    func stop() {
        isActive = false
        keys = []
    }

    /// Writes the group of each of the first `count` rows of `key` to `groups`, appending new
    /// groups to `table`; returns false, having written nothing and switched off, when the batch
    /// is not in ascending order after the keys before it, holds NULLs or is dictionary-coded.
    func assign(_ key: ColumnVector, count: Int, into groups: UnsafeMutablePointer<Int32>, _ table: GroupTable)
        throws(ExecutionError) -> Bool
    {
        guard isActive else { return false }
        guard !key.hasNulls, !key.isDictionary else {
            stop()
            return false
        }
        guard count > 0 else { return true }
        if count > freshCapacity {
            fresh.deallocate()
            fresh = .allocate(capacity: count)
            freshCapacity = count
        }
        let opened: Int?
        switch key.type.physicalType {
        case .int64: opened = runs(key.values(as: Int64.self), count, groups, table.groupCount)
        case .int32: opened = runs(key.values(as: Int32.self), count, groups, table.groupCount)
        default: opened = nil
        }
        guard let opened else {
            stop()
            return false
        }
        if opened > 0 {
            let rows = UnsafeBufferPointer(start: fresh, count: opened)
            try table.append([GatherKernel.gather(key, rows)], rowCount: opened)
        }
        return true
    }

    /// The run assignment over `values` (nil when they do not ascend from the last key): returns how
    /// many rows open a group, listed in `fresh`.
    private func runs<T: FixedWidthInteger>(
        _ values: UnsafeMutableBufferPointer<T>, _ count: Int, _ groups: UnsafeMutablePointer<Int32>,
        _ groupCount: Int
    ) -> Int? {
        // While active, `keys` holds every group's key: the last is the previous batch's last row's.
        let lastKey = keys.last
        if let lastKey, Int64(values[0]) < lastKey { return nil }
        // One branch-free pass decides the order before anything is written.
        var descents = 0
        for row in 1..<count { descents &+= values[row] < values[row &- 1] ? 1 : 0 }
        if descents != 0 { return nil }
        // A row opens a group when its key differs from the previous row's (the batch's first row:
        // from the last group's key; with no group yet it always opens one).
        var group = Int32(truncatingIfNeeded: groupCount) &- 1
        var previous = lastKey.map { T(truncatingIfNeeded: $0) } ?? ~values[0]
        var opened = 0
        let fresh = self.fresh
        for row in 0..<count {
            let value = values[row]
            let opens = value != previous ? 1 : 0
            group &+= Int32(opens)
            fresh[opened] = Int32(truncatingIfNeeded: row)
            opened &+= opens
            groups[row] = group
            previous = value
        }
        for index in 0..<opened { keys.append(Int64(values[Int(fresh[index])])) }
        return opened
    }
}

extension AggregateOperator {
    /// Whether every worker's groups came by ascending runs: then `combineSorted` combines them.
    /// Not with DISTINCT aggregates, whose values reach the accumulators only through a merge.
    func mergesSorted(_ states: [AggregateState]) -> Bool {
        states.count >= 2 && !calls.contains(where: \.isDistinct)
            && states.allSatisfy { $0.sortedGroups?.isActive == true }
    }

    /// Combines worker states whose groups are each in ascending key order (`SortedKeyGroups`)
    /// without moving them: each state's key list is walked beside the keys of the states before
    /// it (no hashing, sequential reads), and only a key an earlier state also holds (a run cut
    /// between two morsels) is added into that state and left out of this one's result.
    func combineSorted(_ locals: [AggregateState]) throws(ExecutionError) -> Combined {
        // The keys seen so far, ascending, and which state and group holds each (state << 32 | group).
        var keys = SortedKeyGroups.keyValues(locals[0])
        var owners = (0..<keys.count).map { Int64($0) }
        var dropped: [[Int32]] = [[]]
        var pairs: [(state: Int, owner: Int, sources: [Int32], targets: [Int32])] = []
        for index in locals.indices.dropFirst() {
            let step = SortedKeyGroups.mergeStep(
                keys, owners, SortedKeyGroups.keyValues(locals[index]), state: index,
                keepsUnion: index + 1 < locals.count)
            for (owner, sources, targets) in step.shared { pairs.append((index, owner, sources, targets)) }
            dropped.append(step.shared.flatMap(\.sources).sorted())
            keys = step.keys
            owners = step.owners
        }
        for pair in pairs {
            let target = locals[pair.owner], source = locals[pair.state]
            try pair.sources.withUnsafeBufferPointer { (sources) throws(ExecutionError) in
                try pair.targets.withUnsafeBufferPointer { (targets) throws(ExecutionError) in
                    for (accumulator, other) in zip(target.accumulators, source.accumulators) {
                        try accumulator.merge(
                            other, sources: sources.baseAddress!, targets: targets.baseAddress!, count: sources.count)
                    }
                }
            }
        }
        return .disjoint(locals, dropped: dropped)
    }

    /// The result rows of states combined by `combineSorted`: each state's groups in turn, less
    /// the groups `dropped` lists for it (ascending), which an earlier state already counts.
    func finalizeDisjoint(_ states: [AggregateState], dropped: [[Int32]]) throws(ExecutionError) -> [Batch] {
        var output: [Batch] = []
        for (state, drop) in zip(states, dropped) {
            let batches = try state.finalize()
            guard !drop.isEmpty else {
                output += batches
                continue
            }
            // Finalized batches hold groups in order, `batchCapacity` per batch.
            var next = 0, first = 0
            for batch in batches {
                let end = first + batch.count
                guard next < drop.count, Int(drop[next]) < end else {
                    output.append(batch)
                    first = end
                    continue
                }
                let selection = SelectionVector(capacity: batch.count)
                var kept = 0
                for row in 0..<batch.count {
                    if next < drop.count && Int(drop[next]) == first + row {
                        next += 1
                        continue
                    }
                    selection.indices[kept] = Int32(truncatingIfNeeded: row)
                    kept += 1
                }
                selection.count = kept
                if kept > 0 {
                    output.append(Batch(columns: batch.columns, count: batch.count, selection: selection).compacted())
                }
                first = end
            }
        }
        return output
    }
}

extension SortedKeyGroups {
    /// The keys of `state`'s groups in group order (ascending), widened to 64 bits.
    static func keyValues(_ state: AggregateState) -> [Int64] {
        if let sorted = state.sortedGroups, sorted.isActive { return sorted.keys }
        guard let table = state.table, table.groupCount > 0 else { return [] }
        let column = table.keyColumns(0..<table.groupCount)[0]
        switch column.type.physicalType {
        case .int64: return Array(column.values(as: Int64.self))
        default: return column.values(as: Int32.self).map { Int64($0) }
        }
    }

    /// One step of `combineSorted`: which of `other`'s keys (ascending, distinct; state `state`'s
    /// groups) are among `keys` (ascending, distinct, key `i` held by `owners[i]` = state << 32 |
    /// group), per owning state as (its groups in `other`, the owner's groups); with `keepsUnion`,
    /// also the union of both lists and their owners.
    static func mergeStep(_ keys: [Int64], _ owners: [Int64], _ other: [Int64], state: Int, keepsUnion: Bool) -> (
        shared: [(owner: Int, sources: [Int32], targets: [Int32])], keys: [Int64], owners: [Int64]
    ) {
        var shared: [Int: (sources: [Int32], targets: [Int32])] = [:]
        var unionKeys: [Int64] = []
        var unionOwners: [Int64] = []
        if keepsUnion {
            unionKeys.reserveCapacity(keys.count + other.count)
            unionOwners.reserveCapacity(keys.count + other.count)
        }
        keys.withUnsafeBufferPointer { keys in
            owners.withUnsafeBufferPointer { owners in
                other.withUnsafeBufferPointer { other in
                    var i = 0
                    for j in 0..<other.count {
                        let key = other[j]
                        while i < keys.count && keys[i] < key {
                            if keepsUnion {
                                unionKeys.append(keys[i])
                                unionOwners.append(owners[i])
                            }
                            i &+= 1
                        }
                        let owner: Int64
                        if i < keys.count && keys[i] == key {
                            owner = owners[i]
                            i &+= 1
                            let holder = Int(owner >> 32)
                            shared[holder, default: ([], [])].sources.append(Int32(truncatingIfNeeded: j))
                            shared[holder, default: ([], [])].targets.append(Int32(truncatingIfNeeded: owner))
                        } else {
                            owner = Int64(state) << 32 | Int64(j)
                        }
                        if keepsUnion {
                            unionKeys.append(key)
                            unionOwners.append(owner)
                        }
                    }
                    if keepsUnion {
                        unionKeys.append(contentsOf: keys[i...])
                        unionOwners.append(contentsOf: owners[i...])
                    }
                }
            }
        }
        let pairs = shared.keys.sorted().map { (owner: $0, sources: shared[$0]!.sources, targets: shared[$0]!.targets) }
        return (pairs, unionKeys, unionOwners)
    }
}
