import PlazaCore
import PlazaVector

/// DISTINCT aggregates of one worker: the (group, value) pairs each batch adds to the distinct sets.
extension AggregateState {
    /// Moves the pairs that DISTINCT aggregate `index` marked by code into its distinct set.
    func drainDistinct(_ index: Int) throws(ExecutionError) {
        guard let codes = distinctCodes[index], let set = distinctSets[index] else { return }
        let ids = distinctIDs[index]
        try codes.drain { (groupColumn, values) throws(ExecutionError) in
            let stored =
                try ids.map { (ids) throws(ExecutionError) in try ids.translate(values, count: values.count) } ?? values
            let found = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(values.count, 1))
            defer { found.deallocate() }
            try set.findOrInsert([groupColumn, stored], rowCount: values.count, into: found)
        }
    }

    /// Moves every pair still marked by code into the distinct sets (before merging or finalizing).
    func drainAllDistinct() throws(ExecutionError) {
        for index in distinctCodes.indices { try drainDistinct(index) }
    }

    /// Adds the (group, value) pairs of the valid rows of `selected` (nil: all `count`) to `set`;
    /// with `x` (a (y, x) statistic), (group, y, x) where both are valid.
    func insertDistinct(
        _ set: GroupTable, _ ids: DictionaryIDs?, _ raw: ColumnVector?, _ x: ColumnVector?,
        _ selected: UnsafeBufferPointer<Int32>?,
        _ count: Int
    ) throws(ExecutionError) {
        guard let raw, raw.type != .null else { return }
        if let x, x.type == .null { return }
        let argument = try ids.map { (ids) throws(ExecutionError) in try ids.translate(raw, count: count) } ?? raw
        // The rows to add: the selected ones (or all), where the value (and x) is valid.
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { rows.deallocate() }
        var n = 0
        let checks = argument.hasNulls || x?.hasNulls == true
        if let selected {
            for row in selected where !checks || (argument.isValid(at: Int(row)) && x?.isValid(at: Int(row)) != false) {
                rows[n] = row
                n &+= 1
            }
        } else {
            for row in 0..<count where !checks || (argument.isValid(at: row) && x?.isValid(at: row) != false) {
                rows[n] = Int32(truncatingIfNeeded: row)
                n &+= 1
            }
        }
        if n == 0 { return }
        let groupColumn = ColumnVector(type: .bigint, capacity: n)
        let groupValues = groupColumn.data.assumingMemoryBound(to: Int64.self)
        for i in 0..<n { groupValues[i] = Int64(groups[Int(rows[i])]) }
        groupColumn.count = n
        // Every row in order: the vectors as they are, no gather.
        let whole = n == count && selected == nil
        let selection = UnsafeBufferPointer(start: rows, count: n)
        let values = [argument, x].compactMap { $0 }.map { whole ? $0 : GatherKernel.gather($0, selection) }
        let ids = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { ids.deallocate() }
        try set.findOrInsert([groupColumn] + values, rowCount: n, into: ids)
    }
}
