import PlazaCore
import PlazaVector

/// Merging large worker states on every thread: each worker's groups are split by the top bits of
/// their key hash into `mergePartitionCount` partitions; a thread takes partition `p`, merges
/// partition `p` of every worker's table into a table of its own (small enough to stay in cache),
/// merges the accumulators of those groups, finalizes them and decodes their keys. The answer is
/// the partitions' batches one after the other.
///
/// Text keys of multi-key groups are ids local to each worker (`DictionaryIDs`): before
/// partitioning, every other worker's keys are renumbered into the first worker's ids and hashed
/// again, so that equal keys land in the same partition with equal packed bytes.
extension AggregateOperator {
    /// Hash bits choosing a group's merge partition: the top ones, as the tables' slots use the low bits.
    static let mergePartitionBits = 8
    /// The number of merge partitions.
    static let mergePartitionCount = 1 << mergePartitionBits
    /// Fewest groups outside the largest worker table for which the merge is partitioned:
    /// below it, merging into the largest table on one thread costs less than re-inserting every group.
    static let partitionedMergeThreshold = 1 << 15

    /// Fewest threads for which the merge is partitioned. It does about twice the work of merging
    /// into the largest table (every group is re-inserted, and the keys copied by partition first),
    /// so on two threads it only breaks even (measured on q14: 1,676 vs 870 samples of merge work).
    static let partitionedMergeMinimumThreads = 3

    /// Whether `states` (one per worker, DISTINCT-free) are worth merging by partitions.
    func mergesByPartition(_ states: [AggregateState]) -> Bool {
        guard context.options.threads >= AggregateOperator.partitionedMergeMinimumThreads, states.count >= 2,
            !groupNodes.isEmpty, !calls.contains(where: \.isDistinct)
        else {
            return false
        }
        let counts = states.map(\.groupCount)
        return counts.reduce(0, +) - (counts.max() ?? 0) >= AggregateOperator.partitionedMergeThreshold
    }

    /// Merges and finalizes `states` (one per worker, grouped, without DISTINCT aggregates) on the
    /// query's threads; returns the result rows, partition after partition.
    func mergePartitioned(_ states: [AggregateState]) throws(ExecutionError) -> [Batch] {
        precondition(
            states.count >= 2 && !calls.contains(where: \.isDistinct), "partitioned merge of \(states.count) states")
        let canonicalIDs = states[0].keyIDs
        // Per worker and key: the map from its text ids to the first worker's (nil: same numbering).
        var idMaps: [[[Int64]?]] = [canonicalIDs.map { _ in nil }]
        for state in states.dropFirst() {
            var maps: [[Int64]?] = []
            for (globalIDs, localIDs) in zip(canonicalIDs, state.keyIDs) {
                guard let globalIDs, let localIDs else {
                    maps.append(nil)
                    continue
                }
                let strings = localIDs.texts
                let ids = try globalIDs.translate(strings, count: strings.count)
                maps.append(Array(ids.values(as: Int64.self)))
            }
            idMaps.append(maps)
        }
        // The text of each canonical id, read (never written) by every partition's key decoding.
        let decodedStrings = KeyStrings(
            canonicalIDs.map { ids in ids.map { $0.texts } })
        let sources = states.enumerated().map { MergeSource(state: $1, idMaps: idMaps[$0]) }
        let tracker = context.tracker
        try Scheduler.forEachTask(sources.count, threads: context.options.threads, context: context) {
            (index) throws(ExecutionError) in
            try sources[index].prepare(tracker: tracker)
        }
        return try Scheduler.map(
            AggregateOperator.mergePartitionCount, threads: context.options.threads, context: context
        ) {
            (partition) throws(ExecutionError) in
            try self.mergePartition(partition, sources, decodedStrings.columns)
        }.flatMap { $0 }
    }

    /// Merges partition `partition` of every source into a table of its own and finalizes it.
    private func mergePartition(_ partition: Int, _ sources: [MergeSource], _ decodedStrings: [ColumnVector?])
        throws(ExecutionError) -> [Batch]
    {
        let types = sources[0].types
        // Sized once for every entry of the partition (at most that many groups).
        var entries = 0, keyBytes = 0
        for source in sources {
            entries += source.starts[partition + 1] - source.starts[partition]
            keyBytes += source.keyStarts[source.starts[partition + 1]] - source.keyStarts[source.starts[partition]]
        }
        let table = try GroupTable(
            types: types, tracker: context.tracker, operatorName: "hash aggregate", expectedGroups: entries,
            expectedKeyBytes: keyBytes)
        try table.reserveFootprint()
        var accumulators: [Accumulator] = []
        for (call, argument) in zip(calls, argumentNodes) {
            guard let accumulator = try? Accumulator.make(call, inputType: argument?.type) else {
                preconditionFailure("accumulator for \(call.function) failed after validation")
            }
            accumulators.append(accumulator)  // one thread per partition: finalize stays on it
        }
        var capacity = 0
        var targets = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { targets.deallocate() }
        for source in sources {
            let start = source.starts[partition], count = source.starts[partition + 1] - start
            guard count > 0 else { continue }
            if count > capacity {
                targets.deallocate()
                targets = .allocate(capacity: count)
                capacity = count
            }
            let groups = source.order + start
            let keyBytes = source.keyBytes, keyStarts = source.keyStarts, hashes = source.hashes
            for entry in start..<(start + count) {
                let key = UnsafeRawBufferPointer(
                    start: keyBytes + keyStarts[entry], count: keyStarts[entry + 1] - keyStarts[entry])
                targets[entry - start] = Int32(
                    truncatingIfNeeded: try table.findOrInsert(packed: key, hash: hashes[entry]))
            }
            for (index, accumulator) in accumulators.enumerated() {
                accumulator.resize(table.groupCount)
                try accumulator.merge(source.state.accumulators[index], sources: groups, targets: targets, count: count)
            }
        }
        let total = table.groupCount
        if total == 0 { return [] }
        let bytes = accumulators.reduce(0) { $0 + $1.footprint }
        try context.tracker.reserve(bytes, for: "hash aggregate")
        defer { context.tracker.release(bytes) }
        var columns: [ColumnVector] = []
        for accumulator in accumulators { columns.append(try accumulator.finalize(total)) }
        var batches: [Batch] = []
        var start = 0
        while start < total {
            let end = Swift.min(start + ColumnVector.batchCapacity, total)
            var keys = table.keyColumns(start..<end)
            for (position, strings) in decodedStrings.enumerated() {
                guard let strings else { continue }
                keys[position] = AggregateOperator.decode(keys[position], strings)
            }
            let values =
                total <= ColumnVector.batchCapacity ? columns : columns.map { GatherKernel.slice($0, start..<end) }
            batches.append(Batch(columns: keys + values, count: end - start))
            start = end
        }
        return batches
    }

    /// The text of a BIGINT id vector, given the text of every id (NULL stays NULL).
    static func decode(_ ids: ColumnVector, _ strings: ColumnVector) -> ColumnVector {
        let values = ids.values(as: Int64.self)
        let indices = (0..<ids.count).map { ids.isValid(at: $0) ? Int32(truncatingIfNeeded: values[$0]) : -1 }
        return indices.withUnsafeBufferPointer { GatherKernel.gather(strings, $0) }
    }
}

/// The text of each canonical id per group key (nil: not a text key), shared by the partitions.
final class KeyStrings: @unchecked Sendable {
    // Safe: built before the partitions are merged and only read while they are.
    let columns: [ColumnVector?]
    init(_ columns: [ColumnVector?]) { self.columns = columns }
}

/// One worker's groups as the partitioned merge reads them: packed keys in the canonical text-id
/// numbering, copied partition by partition into contiguous buffers (one sequential pass over the
/// worker's table), so that merging a partition reads its keys in order instead of one cache miss each.
final class MergeSource: @unchecked Sendable {
    // Safe to share: `prepare` runs on one thread before any partition is merged; afterwards the
    // fields are only read, and `state`'s accumulators are written only at the groups of the
    // partition a thread holds (see `Accumulator.merge(_:sources:targets:count:)`).
    let state: AggregateState
    let idMaps: [[Int64]?]
    /// The key column types.
    let types: [DataType]
    /// The worker's table, or a copy of its keys renumbered into the canonical ids.
    private var keys: GroupTable
    /// Entry `e` (partition by partition, ascending groups within one) is the worker's group
    /// `order[e]`, whose packed key is `keyBytes[keyStarts[e] ..< keyStarts[e + 1]]` and hash `hashes[e]`.
    private(set) var order = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var keyStarts = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    private(set) var hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    private(set) var keyBytes = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 8)
    /// Partition `p`'s entries are `starts[p] ..< starts[p + 1]`.
    private(set) var starts: [Int] = []
    private var trackedBytes = 0
    private var tracker: MemoryTracker?

    init(state: AggregateState, idMaps: [[Int64]?]) {
        guard let table = state.table else { preconditionFailure("partitioned merge of an ungrouped aggregate") }
        self.state = state
        self.idMaps = idMaps
        self.keys = table
        self.types = table.types
    }

    deinit {
        order.deallocate()
        keyStarts.deallocate()
        hashes.deallocate()
        keyBytes.deallocate()
        tracker?.release(trackedBytes)
    }

    /// Renumbers the keys if needed and copies them partition by partition.
    func prepare(tracker: MemoryTracker) throws(ExecutionError) {
        if idMaps.contains(where: { $0 != nil }) { try renumber(tracker) }
        let keys = self.keys
        let groupCount = keys.groupCount
        let partitions = AggregateOperator.mergePartitionCount
        let shift = UInt64(64 - AggregateOperator.mergePartitionBits)
        // Counts, then starts, of entries and key bytes per partition.
        var entryStarts = [Int](repeating: 0, count: partitions + 1)
        var byteStarts = [Int](repeating: 0, count: partitions + 1)
        for group in 0..<groupCount {
            let p = Int(truncatingIfNeeded: keys.hash(of: group) &>> shift)
            entryStarts[p + 1] += 1
            byteStarts[p + 1] += keys.key(of: group).count
        }
        for p in 0..<partitions {
            entryStarts[p + 1] += entryStarts[p]
            byteStarts[p + 1] += byteStarts[p]
        }
        let totalBytes = byteStarts[partitions]
        trackedBytes = groupCount * 20 + totalBytes
        try tracker.reserve(trackedBytes, for: "hash aggregate")
        self.tracker = tracker
        order.deallocate()
        keyStarts.deallocate()
        hashes.deallocate()
        keyBytes.deallocate()
        order = .allocate(capacity: Swift.max(groupCount, 1))
        keyStarts = .allocate(capacity: groupCount + 1)
        hashes = .allocate(capacity: Swift.max(groupCount, 1))
        keyBytes = .allocate(byteCount: Swift.max(totalBytes, 1), alignment: 8)
        starts = entryStarts
        var nextEntry = entryStarts, nextByte = byteStarts
        for group in 0..<groupCount {
            let hash = keys.hash(of: group)
            let p = Int(truncatingIfNeeded: hash &>> shift)
            let entry = nextEntry[p], key = keys.key(of: group)
            order[entry] = Int32(truncatingIfNeeded: group)
            hashes[entry] = hash
            keyStarts[entry] = nextByte[p]
            if key.count > 0 { (keyBytes + nextByte[p]).copyMemory(from: key.baseAddress!, byteCount: key.count) }
            nextEntry[p] = entry + 1
            nextByte[p] += key.count
        }
        keyStarts[groupCount] = totalBytes
        // Drop the renumbered copy: the buffers hold its keys now.
        if keys !== state.table { self.keys = state.table! }
    }

    /// Replaces `keys` by a table of the same groups, in the same order, with canonical text ids.
    private func renumber(_ tracker: MemoryTracker) throws(ExecutionError) {
        let local = keys
        let copy = try GroupTable(types: local.types, tracker: tracker, operatorName: "hash aggregate")
        var start = 0
        while start < local.groupCount {
            let end = Swift.min(start + ColumnVector.batchCapacity, local.groupCount)
            let columns = local.keyColumns(start..<end)
            for (column, idMap) in idMaps.enumerated() {
                guard let idMap else { continue }
                let ids = columns[column].values(as: Int64.self)
                let validity = columns[column].validity
                // NULL keys hold 0, which is never read back as an id.
                for row in 0..<(end - start) where validity.isValid(at: row) { ids[row] = idMap[Int(ids[row])] }
            }
            // Renumbering is one-to-one, so the keys stay distinct: append without probing.
            try copy.append(columns, rowCount: end - start)
            start = end
        }
        keys = copy
    }
}

extension AggregateOperator {
    /// Fewest groups for which a finished aggregate decodes its keys and cuts its batches on every thread.
    static let parallelFinalizeThreshold = 1 << 16
}

extension AggregateState {
    /// The result batches of `total` groups whose aggregates are `columns`: each batch's keys are
    /// unpacked and decoded, and the aggregate columns sliced, on the query's threads.
    func finalizeBatches(_ table: GroupTable, _ columns: [ColumnVector], _ total: Int) throws(ExecutionError) -> [Batch]
    {
        let shared = FinalizeInput(
            table: table, columns: columns,
            strings: keyIDs.map { ids in ids.map { $0.texts } })
        let batchCount = (total + ColumnVector.batchCapacity - 1) / ColumnVector.batchCapacity
        return try Scheduler.map(batchCount, threads: op.context.options.threads, context: op.context) {
            (index) throws(ExecutionError) in
            let range =
                (index * ColumnVector.batchCapacity)..<Swift.min((index + 1) * ColumnVector.batchCapacity, total)
            var keys = shared.table.keyColumns(range)
            for (position, strings) in shared.strings.enumerated() {
                guard let strings else { continue }
                keys[position] = AggregateOperator.decode(keys[position], strings)
            }
            return Batch(columns: keys + shared.columns.map { GatherKernel.slice($0, range) }, count: range.count)
        }
    }
}

/// What `finalizeBatches` reads on several threads.
final class FinalizeInput: @unchecked Sendable {
    // Safe: built before the threads start and only read by them (`GroupTable.keyColumns` reads the
    // table's arena and offsets; gathers and slices read the vectors).
    let table: GroupTable
    let columns: [ColumnVector]
    let strings: [ColumnVector?]

    init(table: GroupTable, columns: [ColumnVector], strings: [ColumnVector?]) {
        self.table = table
        self.columns = columns
        self.strings = strings
    }
}
