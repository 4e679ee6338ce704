import PlazaVector

// Group assignment of AggregateState: which group each row of a batch belongs to (by dictionary
// code, by code pair, or through the key cache and the group table).
extension AggregateState {
    /// Fills `groups` for the batch's rows (with `live`, only those rows get meaningful groups;
    /// the others may hold -1, and nothing reads them).
    ///
    /// With `liveWords` (one dictionary key without NULLs or a pair, `live` nil): the live rows are those set
    /// in it; every row, deleted ones included, is left with a valid group (a deleted row whose code
    /// has none gets group 0), which the counts weigh by the row's bit.
    func assignGroups(
        _ batch: Batch, _ table: GroupTable, live: UnsafeBufferPointer<Int32>?,
        liveWords: UnsafePointer<UInt64>? = nil
    ) throws(ExecutionError) {
        let count = batch.count
        if op.groupNodes.count == 1, let column = op.groupNodes[0] as? ColumnNode,
            let dictionary = batch.columns[column.index].dictionary
        {
            let vector = batch.columns[column.index]
            sortedGroups?.stop()  // groups made here are not in key order
            if dictionaryGroups == nil || dictionaryGroups!.dictionary !== dictionary {
                // -1: not mapped yet. Entries become groups only when a row uses them.
                dictionaryGroups = (dictionary, [Int32](repeating: -1, count: Swift.max(dictionary.count, 1)))
            }
            let codes = vector.values(as: UInt32.self)
            let validity = vector.validity
            // The NULL group exists only once a row that counts is NULL.
            let nullGroup: Int32
            if validity.isAllValid {
                nullGroup = 0
            } else if live?.contains(where: { !validity.isValid(at: Int($0)) })
                ?? (0..<count).contains(where: { !validity.isValid(at: $0) })
            {
                nullGroup = try self.nullGroupNumber(table)
            } else {
                nullGroup = -1
            }
            let groups = self.groups
            // Map by code; entries without a group yet (negative) are rare after the first
            // batches of a row group: give them groups and map again only then.
            for attempt in 0..<2 {
                let unmapped = dictionaryGroups!.groups.withUnsafeBufferPointer { map in
                    var signs: Int32 = 0
                    if validity.isAllValid {
                        for row in 0..<count {
                            let group = map[Int(codes[row])]
                            groups[row] = group
                            signs |= group
                        }
                    } else {
                        for row in 0..<count {
                            let group = validity.isValid(at: row) ? map[Int(codes[row])] : nullGroup
                            groups[row] = group
                            signs |= group
                        }
                    }
                    // Every row mapped means every live row is: the live rows are read only otherwise.
                    if let live, signs < 0 {
                        signs = 0
                        for row in live { signs |= groups[Int(row)] }
                    } else if liveWords != nil, signs < 0 {
                        // First the live rows' codes get groups (`mapMissingCodes`); mapped again,
                        // only deleted rows can lack one, and they get group 0, weighed 0.
                        guard attempt > 0 else { return true }
                        for row in 0..<count { groups[row] = Swift.max(groups[row], 0) }
                        signs = 0
                    }
                    return signs < 0
                }
                guard unmapped else { return }
                precondition(attempt == 0, "dictionary codes left without a group")
                // Only the live rows' codes: deleted rows must not make groups.
                if let liveWords, live == nil {
                    try mapMissingCodes(vector, dictionary, count, liveWords: liveWords)
                } else {
                    try mapMissingCodes(vector, dictionary, count, live: live)
                }
            }
            return
        }
        if try assignPairGroups(batch, table, live: live, liveWords: liveWords) { return }
        if let liveWords {
            try assignGroupsOverDeleted(batch, table, liveWords: liveWords)
            return
        }
        try assignGroupsByKeys(batch, table, live: live)
    }

    /// For a pair of dictionary keys (`assignPairGroups`): gives group 0 to each of the first `count` rows whose group is negative (none yet) and
    /// returns the OR of the groups the live rows (set in `liveWords`) had: negative when one of
    /// them had none. Deleted rows so get a valid group, which counts weigh 0 (group 0 exists once
    /// any live row has a group).
    func clampDeletedGroups(_ count: Int, _ liveWords: UnsafePointer<UInt64>) -> Int32 {
        let groups = self.groups
        var signs: Int32 = 0
        for w in 0..<ValidityBitmap.wordCount(for: count) {
            let word = liveWords[w], base = w &* 64
            for bit in 0..<Swift.min(64, count &- base) {
                let group = groups[base &+ bit]
                signs |= group & (0 &- Int32(truncatingIfNeeded: (word &>> UInt64(bit)) & 1))
                groups[base &+ bit] = Swift.max(group, 0)
            }
        }
        return signs
    }

    /// The general path: key vectors (text as ids), then the key cache and the table.
    ///
    /// With `live` (a selection read in place), the keys are computed over every row (the key
    /// expressions never fail) but only the live rows' keys are copied out and looked up: rows
    /// left out must not make groups. Their groups land at positions 0 ..< live.count and then
    /// move to their rows, from the last, as each row is at or after its position.
    func assignGroupsByKeys(_ batch: Batch, _ table: GroupTable, live: UnsafeBufferPointer<Int32>? = nil)
        throws(ExecutionError)
    {
        var keys: [ColumnVector] = []
        let count = live?.count ?? batch.count
        let whole = try op.groupNodes.map { (node) throws(ExecutionError) -> ColumnVector in
            // KeyPacker reads dictionary vectors directly.
            if let column = node as? ColumnNode { return batch.columns[column.index] }
            return try node.evaluate(batch)
        }
        // A table's live rows whose keys all have groups already (every batch after the first few,
        // with few groups): every row looked up in the key cache, no keys copied, no groups moved.
        // Deleted rows get their keys' groups, which nothing reads; a batch with a key new to the
        // cache takes the path below, where only the live rows' keys can make groups.
        if live != nil, keyIDs.allSatisfy({ $0 == nil }), sortedGroups?.isActive != true, let keyCache,
            keyCache.isUsable,
            keyCache.lookup(whole.map { $0.isDictionary ? $0.flattened() : $0 }, count: batch.count, into: groups) == 0
        {
            return
        }
        for (position, var key) in whole.enumerated() {
            if let live { key = GatherKernel.gather(key, live) }
            if let ids = keyIDs[position] { key = try ids.translate(key, count: count) }
            keys.append(key)
        }
        defer {
            if let live {
                for position in live.indices.reversed() { groups[Int(live[position])] = groups[position] }
            }
        }
        if let sortedGroups, try sortedGroups.assign(keys[0], count: count, into: groups, table) { return }
        try findGroups(keys, count: count, into: groups, table)
    }

    /// Finds or creates the group of each of the first `count` rows of `keys` (in the table's key
    /// types: text keys already as ids), through the key cache when it can serve them.
    ///
    /// While the cache holds every group of the table, keys it misses are new: they are appended
    /// to the table without probing it (the table indexes them only if it is ever probed).
    func findGroups(_ keys: [ColumnVector], count: Int, into groups: UnsafeMutablePointer<Int32>, _ table: GroupTable)
        throws(ExecutionError)
    {
        guard let keyCache, keyCache.isUsable else {
            try table.findOrInsert(keys, rowCount: count, into: groups)
            return
        }
        // Integer columns of many values arrive dictionary-coded from storage; the cache reads
        // values, so they are flattened (a typed gather) rather than sent to the hash table.
        let keys = keys.map { $0.isDictionary ? $0.flattened() : $0 }
        guard let missing = keyCache.lookup(keys, count: count, into: groups) else {
            try table.findOrInsert(keys, rowCount: count, into: groups)
            return
        }
        try groupMissing(keys, missing, into: groups, table, keyCache)
    }

    /// After `keyCache.lookup` of `keys` missed the first `missing` rows of its `missingRows`:
    /// finds or creates their groups (in row order) and records them in the cache.
    func groupMissing(
        _ keys: [ColumnVector], _ missing: Int, into groups: UnsafeMutablePointer<Int32>, _ table: GroupTable,
        _ keyCache: GroupKeyCache
    ) throws(ExecutionError) {
        if missing == 0 { return }
        let found = UnsafeMutablePointer<Int32>.allocate(capacity: missing)
        defer { found.deallocate() }
        if keyCache.recordedCount == table.groupCount {
            let first = Int32(truncatingIfNeeded: table.groupCount)
            let fresh = try keyCache.claim(keys, missing: missing, firstGroup: first, groups: groups, newRows: found)
            guard fresh > 0 else { return }
            let rows = UnsafeBufferPointer(start: found, count: fresh)
            try table.append(keys.map { GatherKernel.gather($0, rows) }, rowCount: fresh)
            return
        }
        // Only the rows with keys new to the cache go to the table.
        let rows = UnsafeBufferPointer(start: keyCache.missingRows, count: missing)
        let gathered = keys.map { GatherKernel.gather($0, rows) }
        try table.findOrInsert(gathered, rowCount: missing, into: found)
        try keyCache.record(keys, missing: missing, found: found, groups: groups)
    }

    /// Gives a group to every dictionary entry that rows of `vector` use and that has none yet;
    /// with `liveWords`, only the rows set in it (a table's live rows) count. Returns how many
    /// entries got one.
    @discardableResult
    func mapMissingCodes(
        _ vector: ColumnVector, _ dictionary: ColumnVector, _ count: Int, live: UnsafeBufferPointer<Int32>? = nil,
        liveWords: UnsafePointer<UInt64>? = nil
    )
        throws(ExecutionError) -> Int
    {
        guard let table else { return 0 }
        let codes = vector.values(as: UInt32.self)
        let validity = vector.validity
        var missing: [Int32] = []
        dictionaryGroups!.groups.withUnsafeMutableBufferPointer { map in
            func note(_ row: Int) {
                let code = Int(codes[row])
                if map[code] == -1 {
                    map[code] = -2  // queued
                    missing.append(Int32(code))
                }
            }
            if let live {
                for row in live where validity.isValid(at: Int(row)) { note(Int(row)) }
            } else if let liveWords {
                let valid = vector.hasNulls ? vector.validityWords : nil
                for w in 0..<ValidityBitmap.wordCount(for: count) {
                    var bits = liveWords[w]
                    if let valid { bits &= valid[w] }
                    while bits != 0 {
                        note(w &* 64 &+ bits.trailingZeroBitCount)
                        bits &= bits &- 1
                    }
                }
            } else {
                for row in 0..<count where validity.isValid(at: row) { note(row) }
            }
        }
        if missing.isEmpty { return 0 }
        let entries = missing.withUnsafeBufferPointer { GatherKernel.gather(dictionary, $0) }
        var found = [Int32](repeating: 0, count: missing.count)
        try found.withUnsafeMutableBufferPointer { (buffer) throws(ExecutionError) in
            try table.findOrInsert([entries], rowCount: missing.count, into: buffer.baseAddress!)
        }
        for (code, group) in zip(missing, found) { dictionaryGroups!.groups[Int(code)] = group }
        return missing.count
    }

    func nullGroupNumber(_ table: GroupTable) throws(ExecutionError) -> Int32 {
        if let nullGroup { return nullGroup }
        sortedGroups?.stop()
        let key = ColumnVector(type: table.types[0], capacity: 1)
        key.appendNull()
        var group: Int32 = 0
        try table.findOrInsert([key], rowCount: 1, into: &group)
        nullGroup = group
        return group
    }
}
