import PlazaCore
import PlazaVector

/// Merging worker states: keys by packed key (text ids rewritten), aggregates through a group map;
/// DISTINCT sets are merged by `combineDistinct`, which feeds their values to the accumulators.
extension AggregateState {
    /// Adds a worker's groups and its aggregates other than DISTINCT ones into this (global) state,
    /// and returns where each of the worker's groups is here; `keyMap`, when given, is that map
    /// already (the worker's groups are in this state's table).
    @discardableResult
    func merge(_ local: AggregateState, keyMap: [Int32]? = nil) throws(ExecutionError) -> [Int32] {
        sortedGroups?.stop()  // keys merged in are not appended in order
        flushCodeCounts()
        local.flushCodeCounts()
        var map: [Int32] = [0]
        if let table, let localTable = local.table {
            if let keyMap { map = keyMap } else { map = try mergeKeys(from: local, localTable, into: table) }
            for accumulator in accumulators { accumulator.resize(table.groupCount) }
            try account()
        }
        for (index, accumulator) in accumulators.enumerated() where distinctSets[index] == nil {
            try accumulator.merge(local.accumulators[index], map)
        }
        return map
    }

    /// Inserts the local table's keys into `table` and returns each local group's group there:
    /// packed keys as they are, or, when text ids must be renumbered from the local id table's
    /// numbering to this one's, in batches of unpacked keys (hashed and probed batch-wise).
    func mergeKeys(from local: AggregateState, _ localTable: GroupTable, into table: GroupTable) throws(ExecutionError)
        -> [Int32]
    {
        var idMaps: [[Int64]?] = []
        for (globalIDs, localIDs) in zip(keyIDs, local.keyIDs) {
            guard let globalIDs, let localIDs else {
                idMaps.append(nil)
                continue
            }
            let strings = localIDs.texts
            let ids = try globalIDs.translate(strings, count: strings.count)
            idMaps.append(Array(ids.values(as: Int64.self)))
        }
        var map = [Int32](repeating: 0, count: localTable.groupCount)
        // Through this state's key cache when it holds every group (batches of unpacked keys,
        // no probing for new ones); otherwise packed keys straight into the table.
        let cached = keyCache.map { $0.isUsable && $0.recordedCount == table.groupCount } ?? false
        if !cached && !idMaps.contains(where: { $0 != nil }) {
            for group in 0..<localTable.groupCount {
                map[group] = Int32(
                    try table.findOrInsert(packed: localTable.key(of: group), hash: localTable.hash(of: group)))
            }
            return map
        }
        // Unpack a batch of keys, renumber text ids where they differ between tables, insert the batch.
        var start = 0
        while start < localTable.groupCount {
            let end = Swift.min(start + ColumnVector.batchCapacity, localTable.groupCount)
            let keys = localTable.keyColumns(start..<end)
            for (column, idMap) in idMaps.enumerated() {
                guard let idMap else { continue }
                let ids = keys[column].values(as: Int64.self)
                let validity = keys[column].validity
                // NULL keys hold 0, which is never read back as an id.
                for row in 0..<(end - start) where validity.isValid(at: row) { ids[row] = idMap[Int(ids[row])] }
            }
            try map.withUnsafeMutableBufferPointer { (buffer) throws(ExecutionError) in
                try findGroups(keys, count: end - start, into: buffer.baseAddress! + start, table)
            }
            start = end
        }
        return map
    }
}
