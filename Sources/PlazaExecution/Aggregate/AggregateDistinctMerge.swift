import PlazaCore
import PlazaVector

/// Combining worker states when some aggregate is DISTINCT, on every thread.
///
/// A worker's DISTINCT set holds (group, value) pairs distinct within that worker; the value reaches
/// the accumulator only once it is known distinct across workers. Merging every worker's pairs into
/// one global set ran on one thread and re-inserted each pair (TPC-H Q16: most of its time). Here
/// the global groups are split by number among the threads: a thread re-inserts only the pairs of
/// its groups, into a set and an accumulator of its own, and the accumulators are then merged group
/// by group. Each group's values still reach it in the serial order (worker after worker, set order),
/// so every answer, string_agg's order included, is the one-thread merge's.
extension AggregateOperator {
    /// Merges `locals` (one per worker) into a new state whose accumulators hold every aggregate,
    /// DISTINCT ones included; the state is final (its DISTINCT sets stay empty).
    func combineDistinct(_ locals: [AggregateState]) throws(ExecutionError) -> AggregateState {
        let threads = context.options.threads
        try Scheduler.forEachTask(locals.count, threads: threads, context: context) { (index) throws(ExecutionError) in
            try locals[index].drainAllDistinct()
        }
        if locals.count == 1 {
            try locals[0].feedDistinctInPlace()
            return locals[0]
        }
        let global = try AggregateState(self)
        let maps = try locals.map { (local) throws(ExecutionError) in try global.merge(local) }
        for index in calls.indices where global.distinctSets[index] != nil {
            try mergeDistinctByGroups(index, locals, maps, into: global)
        }
        return global
    }

    /// Feeds DISTINCT aggregate `index` of `global` from the workers' sets, one share of the global
    /// groups per thread (group `g` goes to share `g % shares`).
    private func mergeDistinctByGroups(
        _ index: Int, _ locals: [AggregateState], _ maps: [[Int32]], into global: AggregateState
    ) throws(ExecutionError) {
        let groupCount = global.groupCount
        let shares = Swift.max(1, Swift.min(context.options.threads, groupCount))
        // The text of each worker's value ids, read (never written) by every share.
        let strings: [ColumnVector?] = locals.map { local in
            local.distinctIDs[index].map { $0.texts }
        }
        let call = calls[index], inputType = argumentNodes[index]?.type, tracker = context.tracker
        let setTypes = global.distinctSets[index]!.types
        let translates = global.distinctIDs[index] != nil
        let parts = try Scheduler.map(shares, threads: shares, context: context) {
            (share) throws(ExecutionError) -> Accumulator in
            let accumulator = try Accumulator.make(call, inputType: inputType)
            accumulator.threads = 1
            accumulator.resize(groupCount)
            let set = try GroupTable(types: setTypes, tracker: tracker, operatorName: "DISTINCT aggregate")
            let ids = translates ? try DictionaryIDs(tracker: tracker) : nil
            for (position, local) in locals.enumerated() {
                guard let localSet = local.distinctSets[index] else { continue }
                try DistinctShare.feed(
                    from: localSet, map: maps[position], strings: strings[position], share: share, of: shares,
                    into: set, ids: ids, accumulator)
            }
            return accumulator
        }
        let target = global.accumulators[index]
        for (share, part) in parts.enumerated() {
            let groups = Array(stride(from: Int32(share), to: Int32(groupCount), by: shares))
            guard !groups.isEmpty else { continue }
            try groups.withUnsafeBufferPointer { (groups) throws(ExecutionError) in
                try target.merge(part, sources: groups.baseAddress!, targets: groups.baseAddress!, count: groups.count)
            }
        }
    }
}

extension AggregateState {
    /// Feeds each DISTINCT aggregate's accumulator straight from this state's own sets, whose pairs
    /// are distinct already (one worker, or a spilled partition): no second set to insert into.
    /// The state is final afterwards: its sets are emptied so that no value can count twice.
    func feedDistinctInPlace() throws(ExecutionError) {
        try drainAllDistinct()
        let identity = (0..<Int32(groupCount)).map { $0 }
        for index in distinctSets.indices {
            guard let set = distinctSets[index] else { continue }
            accumulators[index].resize(groupCount)
            let strings = distinctIDs[index].map { $0.texts }
            try DistinctShare.feed(
                from: set, map: identity, strings: strings, share: 0, of: 1, into: nil, ids: nil,
                accumulators[index])
            distinctSets[index] = try GroupTable(
                types: set.types, tracker: op.context.tracker, operatorName: "DISTINCT aggregate")
        }
    }
}

/// The pair loop shared by the merge by groups and the in-place feed.
enum DistinctShare {
    /// Reads the (local group, value[, x]) pairs of `source` batch by batch; those whose global
    /// group (`map[local]`) falls in `share` of `shares` are inserted into `set` (nil: the pairs
    /// are distinct already) and the new ones added to `accumulator`. `strings` turns a worker's
    /// text ids back into text; `ids` numbers text for `set`.
    static func feed(
        from source: GroupTable, map: [Int32], strings: ColumnVector?, share: Int, of shares: Int,
        into set: GroupTable?, ids: DictionaryIDs?, _ accumulator: Accumulator
    ) throws(ExecutionError) {
        let capacity = ColumnVector.batchCapacity
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let found = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        defer {
            rows.deallocate()
            groups.deallocate()
            found.deallocate()
        }
        var start = 0
        while start < source.groupCount {
            let end = Swift.min(start + capacity, source.groupCount)
            let keys = source.keyColumns(start..<end)
            let localGroups = keys[0].values(as: Int64.self)
            var n = 0
            try map.withUnsafeBufferPointer { (map) throws(ExecutionError) in
                for i in 0..<(end - start) {
                    let g = map[Int(localGroups[i])]
                    if shares == 1 || Int(g) % shares == share {
                        rows[n] = Int32(truncatingIfNeeded: i)
                        groups[n] = g
                        n &+= 1
                    }
                }
            }
            start = end
            guard n > 0 else { continue }
            let selected = UnsafeBufferPointer(start: rows, count: n)
            let all = n == keys[0].count
            var values = all ? keys[1] : GatherKernel.gather(keys[1], selected)
            if let strings {
                // NULL values are never in a set, so every id indexes the text.
                let positions = values.values(as: Int64.self).prefix(n).map { Int32(truncatingIfNeeded: $0) }
                values = positions.withUnsafeBufferPointer { GatherKernel.gather(strings, $0) }
            }
            let x = keys.count > 2 ? (all ? keys[2] : GatherKernel.gather(keys[2], selected)) : nil
            guard let set else {
                try accumulator.update(groups, nil, values, x: x, count: n)
                continue
            }
            let groupColumn = ColumnVector(type: .bigint, capacity: n)
            let groupValues = groupColumn.data.assumingMemoryBound(to: Int64.self)
            for i in 0..<n { groupValues[i] = Int64(groups[i]) }
            groupColumn.count = n
            let stored = try ids.map { (ids) throws(ExecutionError) in try ids.translate(values, count: n) } ?? values
            let before = set.groupCount
            try set.findOrInsert([groupColumn, stored] + (x.map { [$0] } ?? []), rowCount: n, into: found)
            var fresh = 0
            for i in 0..<n where Int(found[i]) >= before {
                rows[fresh] = Int32(truncatingIfNeeded: i)
                fresh &+= 1
            }
            guard fresh > 0 else { continue }
            try accumulator.update(groups, UnsafeBufferPointer(start: rows, count: fresh), values, x: x, count: n)
        }
    }
}
