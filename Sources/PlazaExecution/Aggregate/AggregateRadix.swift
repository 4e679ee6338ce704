import PlazaCore
import PlazaVector

/// Grouping at high cardinality by radix partitioning, in memory: a worker whose table has
/// outgrown the cache while most of its rows still made new groups stops aggregating and routes
/// its remaining rows by the top bits of their key hash into `radixPartitionCount` partitions.
/// Each partition is then aggregated by a fresh state on one thread (a table a fraction of the
/// size, sized once), the groups the workers built before switching are merged into the partition
/// their key hashes to, and the partition is finalized there: no serial merge of large tables,
/// and every thread busy to the end.
///
/// A fresh state per partition packs text keys as they are, so no text ids (`DictionaryIDs`)
/// cross workers. Buffered rows
/// are reserved from the memory tracker, so past the limit the run fails with the memory-limit
/// error and `SpillingAggregate` redoes it through disk.
extension AggregateOperator {
    /// Hash bits choosing a row's radix partition (the top ones).
    static let radixBits = 6
    /// The number of radix partitions.
    static let radixPartitionCount = 1 << radixBits
    /// Fewest groups in a worker's table before it considers routing rows by partition: below
    /// it, the table fits the caches well enough and the serial merge is short.
    static let radixThreshold = 1 << 18

    /// Switches `worker` to routing rows by partition when at least three rows in four made new
    /// groups (many more groups are coming; a key domain of 400K, whose table still merges fast,
    /// reaches 262K groups at 0.6) and the aggregates allow it (no DISTINCT sets to split).
    func startRadixIfPays(_ worker: AggregateWorker) throws(ExecutionError) {
        guard worker.partitions == nil, worker.state.groupCount * 4 >= worker.rows * 3,
            !calls.contains(where: \.isDistinct), !groupNodes.isEmpty
        else { return }
        worker.partitions = RadixPartitions(tracker: context.tracker)
    }

    /// Aggregates every radix partition on the query's threads; the result is the partitions'
    /// batches one after the other.
    func finalizeRadix(_ workers: [AggregateWorker]) throws(ExecutionError) -> [Batch] {
        let threads = context.options.threads
        for worker in workers { try worker.partitions?.sealAll() }
        // The groups each worker built before switching (or all of them), by partition.
        let routed = try Scheduler.map(workers.count, threads: threads, context: context) {
            (index) throws(ExecutionError) in
            try self.routeGroups(workers[index].state)
        }
        return try Scheduler.map(AggregateOperator.radixPartitionCount, threads: threads, context: context) {
            (partition) throws(ExecutionError) in
            try self.aggregatePartition(partition, workers, routed)
        }.flatMap { $0 }
    }

    /// Splits `state`'s groups by the partition of their decoded keys' hash: the keys in batches,
    /// and each row's group in `state`.
    private func routeGroups(_ state: AggregateState) throws(ExecutionError) -> RadixPartitions {
        let routed = RadixPartitions(tracker: context.tracker)
        var start = 0
        while start < state.groupCount {
            let end = Swift.min(start + ColumnVector.batchCapacity, state.groupCount)
            let keys = state.decodedKeys(start..<end)
            try routed.add(Batch(columns: keys, count: end - start), keys: keys, firstGroup: start)
            start = end
        }
        try routed.sealAll()
        return routed
    }

    /// Aggregates partition `partition`: the rows routed to it, then the groups built before
    /// routing; returns its result rows.
    private func aggregatePartition(_ partition: Int, _ workers: [AggregateWorker], _ routed: [RadixPartitions])
        throws(ExecutionError) -> [Batch]
    {
        var expected = 0
        for worker in workers { expected += worker.partitions?.parts[partition].rows ?? 0 }
        for groups in routed { expected += groups.parts[partition].rows }
        if expected == 0 { return [] }
        // One thread per partition: finalize stays on it. Buffered text is flat: packed as it is.
        let state = try AggregateState(self, expectedGroups: expected, threads: 1, textIDs: false)
        for worker in workers {
            guard let part = worker.partitions?.parts[partition] else { continue }
            for batch in part.batches { try state.consume(batch) }
            part.release()
        }
        for (worker, groups) in zip(workers, routed) {
            try state.mergeGroups(of: worker.state, groups.parts[partition])
            groups.parts[partition].release()
        }
        return try state.finalize(parallel: false)
    }
}

extension AggregateState {
    /// Merges into this state the groups of `local` listed in `part` (their decoded keys, and
    /// their groups in `local`). Only reads `local`, so partitions may merge from it at once.
    func mergeGroups(of local: AggregateState, _ part: RadixPartition) throws(ExecutionError) {
        guard let table else { preconditionFailure("radix merge into an ungrouped aggregate") }
        var first = 0
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
        defer { targets.deallocate() }
        for batch in part.batches {
            let count = batch.count
            var keys = batch.columns
            for (position, ids) in keyIDs.enumerated() {
                if let ids { keys[position] = try ids.translate(keys[position], count: count) }
            }
            try findGroups(keys, count: count, into: targets, table)
            try part.groups.withUnsafeBufferPointer { (sources) throws(ExecutionError) in
                for (index, accumulator) in accumulators.enumerated() {
                    accumulator.resize(table.groupCount)
                    try accumulator.merge(
                        local.accumulators[index], sources: sources.baseAddress! + first, targets: targets,
                        count: count)
                }
            }
            first += count
        }
        try account()
    }
}

/// One grouped aggregation worker: its state and, once it routes rows by radix partition, their buffers.
final class AggregateWorker {
    /// The groups aggregated before routing (all of them when it never routes).
    let state: AggregateState
    /// The rows routed by partition, or nil while the worker aggregates them itself.
    var partitions: RadixPartitions?
    /// Rows consumed into `state`.
    var rows = 0

    /// A worker aggregating into `state`.
    init(_ state: AggregateState) { self.state = state }
}

/// Rows split by the top bits of their key hash into `AggregateOperator.radixPartitionCount`
/// partitions, buffered in memory in batches of up to `ColumnVector.batchCapacity` rows.
final class RadixPartitions {
    /// One per partition; each is used by one thread at a time.
    let parts: [RadixPartition]
    private let packer = KeyPacker()
    private var order = UnsafeMutablePointer<Int32>.allocate(capacity: ColumnVector.batchCapacity)
    private var orderCapacity = ColumnVector.batchCapacity

    /// Empty partitions whose buffers are reserved from `tracker`.
    init(tracker: MemoryTracker) {
        parts = (0..<AggregateOperator.radixPartitionCount).map { _ in RadixPartition(tracker: tracker) }
    }

    deinit { order.deallocate() }

    /// Adds the rows of `batch` (no selection), each to the partition of its `keys` (vectors over
    /// the batch's rows); with `firstGroup`, row `r` also records group `firstGroup + r`.
    func add(_ batch: Batch, keys: [ColumnVector], firstGroup: Int? = nil) throws(ExecutionError) {
        let count = batch.count
        if count == 0 { return }
        packer.pack(keys, rowCount: count)
        if count > orderCapacity {
            order.deallocate()
            order = .allocate(capacity: count)
            orderCapacity = count
        }
        let grouped = HashPartitionOrder(
            packer.hashes, count: count, shift: UInt64(64 - AggregateOperator.radixBits),
            partitionCount: AggregateOperator.radixPartitionCount, into: order)
        let columns = batch.columns.map { $0.dictionary == nil ? $0 : $0.flattened() }
        for p in 0..<AggregateOperator.radixPartitionCount where grouped.starts[p + 1] > grouped.starts[p] {
            try parts[p].append(columns, grouped.rows(p, in: order), firstGroup: firstGroup)
        }
    }

    /// Closes every partition's last batch.
    func sealAll() throws(ExecutionError) {
        for part in parts { try part.seal() }
    }
}

/// The rows of one radix partition: full batches, plus the one being filled.
final class RadixPartition {
    /// The finished batches.
    private(set) var batches: [Batch] = []
    /// With routed groups: the group of each row, over the batches in order.
    private(set) var groups: [Int32] = []
    /// Rows added.
    private(set) var rows = 0
    private var open: [ColumnVector] = []
    private var openCount = 0
    private let tracker: MemoryTracker
    private var trackedBytes = 0

    /// An empty partition whose buffers are reserved from `tracker`.
    init(tracker: MemoryTracker) { self.tracker = tracker }

    deinit { tracker.release(trackedBytes) }

    /// Appends rows `rows` of the flat `columns`; with `firstGroup`, records their groups (`firstGroup + row`).
    func append(_ columns: [ColumnVector], _ rows: UnsafeBufferPointer<Int32>, firstGroup: Int?)
        throws(ExecutionError)
    {
        if openCount + rows.count > ColumnVector.batchCapacity { try seal() }
        if open.isEmpty {
            open = columns.map { source in
                let column = ColumnVector(type: source.type, capacity: ColumnVector.batchCapacity)
                // Text sized once at the source's bytes per row, instead of doubling from 64 bytes.
                if source.physicalType == .string && source.count > 0 {
                    column.reserveHeap(source.heapCount / source.count * ColumnVector.batchCapacity)
                }
                return column
            }
        }
        for index in open.indices { open[index].appendRows(of: columns[index], rows) }
        openCount += rows.count
        self.rows += rows.count
        if let firstGroup {
            for row in rows { groups.append(Int32(truncatingIfNeeded: firstGroup + Int(row))) }
        }
    }

    /// Closes the batch being filled, reserving its bytes.
    func seal() throws(ExecutionError) {
        guard !open.isEmpty else { return }
        var bytes = 0
        for column in open {
            bytes += column.capacity * Swift.max(column.byteWidth, 4) + column.heapCapacity + column.capacity / 8
        }
        let batch = Batch(columns: open, count: openCount)
        open = []
        openCount = 0
        try tracker.reserve(bytes, for: "hash aggregate")
        trackedBytes += bytes
        batches.append(batch)
    }

    /// Frees the partition's rows once they are aggregated.
    func release() {
        batches = []
        groups = []
        tracker.release(trackedBytes)
        trackedBytes = 0
    }
}
