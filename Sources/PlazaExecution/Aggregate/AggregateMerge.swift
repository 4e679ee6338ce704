import PlazaCore
import PlazaVector

/// Merging worker states: keys by packed key (text ids rewritten), aggregates through a group map,
/// DISTINCT sets value by value so that each distinct value reaches the accumulator once.
extension AggregateState {
    /// Adds a worker's state into this (global) state; `keyMap`, when given, is where each of the
    /// worker's groups already is in this state's table.
    func merge(_ local: AggregateState, keyMap: [Int32]? = nil) throws(ExecutionError) {
        try local.drainAllDistinct()
        try drainAllDistinct()
        sortedGroups?.stop()  // keys merged in are not appended in order
        var map: [Int32] = [0]
        if let table, let localTable = local.table {
            if let keyMap { map = keyMap } else { map = try mergeKeys(from: local, localTable, into: table) }
            for accumulator in accumulators { accumulator.resize(table.groupCount) }
            try account()
        }
        for (index, accumulator) in accumulators.enumerated() {
            if let set = distinctSets[index], let localSet = local.distinctSets[index] {
                try mergeDistinct(set, localSet, local.distinctIDs[index], distinctIDs[index], map, accumulator)
            } else {
                try accumulator.merge(local.accumulators[index], map)
            }
        }
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
            let strings = localIDs.strings.keyColumns(0..<localIDs.strings.groupCount)[0]
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

    func mergeDistinct(
        _ set: GroupTable, _ localSet: GroupTable, _ localIDs: DictionaryIDs?, _ globalIDs: DictionaryIDs?,
        _ map: [Int32], _ accumulator: Accumulator
    ) throws(ExecutionError) {
        var start = 0
        while start < localSet.groupCount {
            let end = Swift.min(start + ColumnVector.batchCapacity, localSet.groupCount)
            let n = end - start
            let keys = localSet.keyColumns(start..<end)
            let localGroups = keys[0].values(as: Int64.self)
            let globalGroups = ColumnVector(type: .bigint, capacity: n)
            var groupNumbers = [Int32](repeating: 0, count: n)
            for i in 0..<n {
                let g = map[Int(localGroups[i])]
                globalGroups.append(Int64(g))
                groupNumbers[i] = g
            }
            let before = set.groupCount
            var ids = [Int32](repeating: 0, count: n)
            // Values travel as text between id tables; the accumulator sees the text.
            let values = localIDs.map { $0.decode(keys[1]) } ?? keys[1]
            let stored = try globalIDs.map { (g) throws(ExecutionError) in try g.translate(values, count: n) } ?? values
            try ids.withUnsafeMutableBufferPointer { (buffer) throws(ExecutionError) in
                try set.findOrInsert([globalGroups, stored], rowCount: n, into: buffer.baseAddress!)
            }
            let fresh = (0..<n).filter { ids[$0] >= before }.map { Int32($0) }
            // A (y, x) statistic's set holds x as a third column.
            let x = keys.count > 2 ? keys[2] : nil
            try groupNumbers.withUnsafeBufferPointer { (g) throws(ExecutionError) in
                try fresh.withUnsafeBufferPointer { (rows) throws(ExecutionError) in
                    try accumulator.update(g.baseAddress!, rows, values, x: x, count: n)
                }
            }
            start = end
        }
    }
}
