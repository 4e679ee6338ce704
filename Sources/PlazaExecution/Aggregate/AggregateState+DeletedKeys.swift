import PlazaVector

// Group keys of any shape over a table's deleted rows: every row, deleted or not, gets a valid
// group and only live rows make them, so counts read the live rows from their bitmap (`countLive`),
// a batch of one group is summed under it, and positions are written only for what reads them.
extension AggregateState {
    /// Whether `input`'s keys take `assignGroupsOverDeleted`: neither one dictionary key nor a
    /// pair of them (those map every row by code), and computed over every row by `readsInPlace`.
    func groupsOverDeleted(_ input: Batch) -> Bool {
        if let key = singleKeyColumn, input.columns[key].dictionary != nil { return false }
        return pairCodes(input) == nil
    }

    /// Fills `groups` for every row of `batch` (read in place, its selection made from
    /// `liveWords`) from keys computed over every row, so no key column is copied: rows whose key
    /// has no group yet make one only when live (in row order, as over the compacted rows), and a
    /// deleted row without one gets group 0, which the counts weigh 0.
    func assignGroupsOverDeleted(_ batch: Batch, _ table: GroupTable, liveWords: UnsafePointer<UInt64>)
        throws(ExecutionError)
    {
        let count = batch.count
        if sortedGroups?.isActive != true, let keyCache, keyCache.isUsable {
            var keys: [ColumnVector] = []
            for (position, node) in op.groupNodes.enumerated() {
                var key: ColumnVector
                if let column = node as? ColumnNode {
                    key = batch.columns[column.index]
                } else {
                    key = try node.evaluate(batch)
                }
                // Ids of deleted rows' text make no group: ids are only the keys' stored form.
                if let ids = keyIDs[position] {
                    key = try ids.translate(key, count: count)
                } else if key.isDictionary {
                    key = key.flattened()
                }
                keys.append(key)
            }
            if let missing = keyCache.lookup(keys, count: count, into: groups) {
                // The rows missed that are live keep their order; deleted ones stay without a group.
                let rows = keyCache.missingRows
                var live = 0
                for index in 0..<missing {
                    let row = Int(rows[index])
                    rows[live] = Int32(truncatingIfNeeded: row)
                    live &+= Int(truncatingIfNeeded: (liveWords[row &>> 6] &>> UInt64(row & 63)) & 1)
                }
                try groupMissing(keys, live, into: groups, table, keyCache)
                if missing > 0 { clampGroups(count) }
                return
            }
        }
        // The cache cannot serve these keys: the live rows' keys copied and looked up.
        try assignGroupsByKeys(batch, table, live: UnsafeBufferPointer(batch.selection!.buffer))
        clampGroups(count)
    }

    /// Gives group 0 (which exists once a live row has a group) to each of the first `count` rows without one.
    private func clampGroups(_ count: Int) {
        let groups = self.groups
        for row in 0..<count { groups[row] = Swift.max(groups[row], 0) }
    }
}
