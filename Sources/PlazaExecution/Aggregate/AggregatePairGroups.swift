import PlazaVector

/// Groups of two dictionary-encoded keys, mapped pair of codes to group.
extension AggregateState {
    /// The two key vectors when `assignPairGroups` applies: two dictionary-encoded key columns
    /// without NULLs whose dictionaries make at most `pairEntries` pairs.
    func pairCodes(_ batch: Batch) -> (first: ColumnVector, second: ColumnVector)? {
        guard op.groupNodes.count == 2, let first = op.groupNodes[0] as? ColumnNode,
            let second = op.groupNodes[1] as? ColumnNode
        else { return nil }
        let a = batch.columns[first.index], b = batch.columns[second.index]
        guard let da = a.dictionary, let db = b.dictionary, !a.hasNulls, !b.hasNulls,
            da.count > 0, db.count > 0, da.count * db.count <= AggregateState.pairEntries
        else { return nil }
        return (a, b)
    }

    /// Two dictionary-encoded key columns without NULLs whose dictionaries make at most
    /// `pairEntries` pairs (agency × status): each pair of codes maps to its group directly,
    /// learned from the general path the first time a batch uses it. False when it does not apply.
    /// With `live`, only those rows' pairs get groups (the other rows may hold -1).
    /// With `liveWords` instead (`live` nil), as `assignGroups(_:_:live:liveWords:)`: every row is
    /// left with a valid group, a deleted row without one getting group 0.
    func assignPairGroups(
        _ batch: Batch, _ table: GroupTable, live: UnsafeBufferPointer<Int32>?,
        liveWords: UnsafePointer<UInt64>? = nil
    ) throws(ExecutionError) -> Bool {
        guard let pair = pairCodes(batch), let da = pair.first.dictionary, let db = pair.second.dictionary else {
            return false
        }
        let a = pair.first, b = pair.second
        if pairGroups == nil || pairGroups!.first !== da || pairGroups!.second !== db {
            pairGroups = (da, db, [Int32](repeating: -1, count: da.count * db.count))
        }
        let count = batch.count, width = db.count
        let ca = a.values(as: UInt32.self), cb = b.values(as: UInt32.self)
        let groups = self.groups
        let unmapped = pairGroups!.groups.withUnsafeBufferPointer { map in
            var signs: Int32 = 0
            for row in 0..<count {
                let group = map[Int(ca[row]) &* width &+ Int(cb[row])]
                groups[row] = group
                signs |= group
            }
            // Only when some row has no group yet need the live rows be checked on their own.
            if let live, signs < 0 {
                signs = 0
                for row in live { signs |= groups[Int(row)] }
            } else if let liveWords, signs < 0 {
                signs = clampDeletedGroups(count, liveWords)
            }
            return signs < 0
        }
        guard unmapped else { return true }
        if let liveWords {
            // A live row without a group: the live rows' positions (written now) through the path below.
            let rows = UnsafeBufferPointer(batch.selection!.buffer)
            _ = try assignPairGroups(batch, table, live: rows)
            _ = clampDeletedGroups(count, liveWords)
            return true
        }
        guard let live else {
            try assignGroupsByKeys(batch, table)
            pairGroups!.groups.withUnsafeMutableBufferPointer { map in
                for row in 0..<count { map[Int(ca[row]) &* width &+ Int(cb[row])] = groups[row] }
            }
            return true
        }
        // The live rows alone through the general path (rows left out must not make groups), their
        // groups at positions 0 ..< live.count, then moved to their rows: from the last, as each
        // row is at or after its position.
        let liveBatch = batch.gathered(live)
        try assignGroupsByKeys(liveBatch, table)
        for position in live.indices.reversed() { groups[Int(live[position])] = groups[position] }
        pairGroups!.groups.withUnsafeMutableBufferPointer { map in
            for row in live { map[Int(ca[Int(row)]) &* width &+ Int(cb[Int(row)])] = groups[Int(row)] }
        }
        return true
    }
}
