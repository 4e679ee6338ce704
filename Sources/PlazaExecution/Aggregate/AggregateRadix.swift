import PlazaCore
import PlazaVector

/// Grouping at high cardinality by radix partitioning, in memory: a worker whose table has
/// outgrown the cache while most of its rows still made new groups stops aggregating and routes
/// its remaining rows by the top bits of their key hash into `radixPartitionCount` partitions
/// (`RadixPartitions`: packed keys and the aggregates' inputs). Each partition is then aggregated
/// by a fresh state on one thread (a table a fraction of the size, sized once, probed with the
/// keys as they were packed), the groups the workers built before switching are merged into the
/// partition their key hashes to, and the partition is finalized there: no serial merge of large
/// tables, and every thread busy to the end.
///
/// A fresh state per partition packs text keys as they are, so no text ids (`DictionaryIDs`)
/// cross workers. Buffered rows are reserved from the memory tracker, so past the limit the run
/// fails with the memory-limit error and `SpillingAggregate` redoes it through disk.
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
        // Keys in ascending runs need neither partitions nor probes.
        guard worker.partitions == nil, worker.state.sortedGroups?.isActive != true,
            worker.state.groupCount * 4 >= worker.rows * 3,
            !calls.contains(where: \.isDistinct), !groupNodes.isEmpty
        else { return }
        worker.partitions = RadixPartitions(tracker: context.tracker)
    }

    /// The aggregates' inputs over the rows of `batch` (no selection), as radix chunks keep them:
    /// per aggregate, where it has them, its argument, its x, and its FILTER as bytes 0 or 1.
    func radixInputs(_ batch: Batch) throws(ExecutionError) -> [ColumnVector] {
        var inputs: [ColumnVector] = []
        for index in calls.indices {
            if let node = argumentNodes[index] { inputs.append(try node.evaluate(batch)) }
            if let node = xNodes[index] { inputs.append(try node.evaluate(batch)) }
            if let filter = filterNodes[index] {
                let flags = try filter.evaluate(batch).flattened()
                let count = batch.count
                let selected = ColumnVector(type: .boolean, capacity: Swift.max(count, 1))
                let out = selected.data.assumingMemoryBound(to: UInt8.self)
                let values = flags.data.assumingMemoryBound(to: UInt8.self)
                let isNull = flags.type == .null
                for row in 0..<count { out[row] = !isNull && values[row] != 0 && flags.isValid(at: row) ? 1 : 0 }
                selected.count = count
                inputs.append(selected)
            }
        }
        return inputs
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

    /// Splits `state`'s groups by the partition of their decoded keys' hash: the keys packed, and
    /// each row's group in `state`.
    private func routeGroups(_ state: AggregateState) throws(ExecutionError) -> RadixPartitions {
        let routed = RadixPartitions(tracker: context.tracker)
        var start = 0
        while start < state.groupCount {
            let end = Swift.min(start + ColumnVector.batchCapacity, state.groupCount)
            try routed.add(keys: state.decodedKeys(start..<end), inputs: [], count: end - start, firstGroup: start)
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
        var expected = 0, keyBytes = 0
        for part in workers.compactMap({ $0.partitions?.parts[partition] }) + routed.map({ $0.parts[partition] }) {
            expected += part.rows
            keyBytes += part.keyBytes
        }
        if expected == 0 { return [] }
        // One thread per partition: finalize stays on it. Keys are packed text as it is. The table
        // is sized once for every row being a new group, which radix partitioning expects.
        let state = try AggregateState(
            self, expectedGroups: expected, expectedKeyBytes: keyBytes, threads: 1, textIDs: false)
        for worker in workers {
            guard let part = worker.partitions?.parts[partition] else { continue }
            for chunk in part.chunks { try state.consume(chunk) }
            part.release()
        }
        for (worker, groups) in zip(workers, routed) {
            for chunk in groups.parts[partition].chunks { try state.mergeGroups(of: worker.state, chunk) }
            groups.parts[partition].release()
        }
        return try state.finalize(parallel: false)
    }
}

extension AggregateState {
    /// Aggregates the rows of a radix chunk: its packed keys go to the table as they are, its
    /// inputs to the accumulators (laid out as `AggregateOperator.radixInputs` made them).
    func consume(_ chunk: RadixChunk) throws(ExecutionError) {
        guard let table else { preconditionFailure("radix rows for an ungrouped aggregate") }
        let count = chunk.count
        try table.findOrInsert(
            packed: chunk.keys, offsets: chunk.offsets, hashes: chunk.hashes, rowCount: count, into: groups)
        for accumulator in accumulators { accumulator.resize(table.groupCount) }
        try account()
        var input = 0
        for (index, accumulator) in accumulators.enumerated() {
            var argument: ColumnVector?, x: ColumnVector?
            if op.argumentNodes[index] != nil {
                argument = chunk.inputs[input]
                input += 1
            }
            if op.xNodes[index] != nil {
                x = chunk.inputs[input]
                input += 1
            }
            guard op.filterNodes[index] != nil else {
                try accumulator.update(groups, nil, argument, x: x, count: count)
                continue
            }
            let flags = chunk.inputs[input].data.assumingMemoryBound(to: UInt8.self)
            input += 1
            var rows: [Int32] = []
            for row in 0..<count where flags[row] != 0 { rows.append(Int32(row)) }
            try rows.withUnsafeBufferPointer { (rows) throws(ExecutionError) in
                try accumulator.update(groups, rows, argument, x: x, count: count)
            }
        }
    }

    /// Merges into this state the groups of `local` listed in `chunk` (their packed keys, and
    /// their groups in `local`). Only reads `local`, so partitions may merge from it at once.
    func mergeGroups(of local: AggregateState, _ chunk: RadixChunk) throws(ExecutionError) {
        guard let table, let sources = chunk.groups else { preconditionFailure("radix merge without groups") }
        let count = chunk.count
        try table.findOrInsert(
            packed: chunk.keys, offsets: chunk.offsets, hashes: chunk.hashes, rowCount: count, into: groups)
        for (index, accumulator) in accumulators.enumerated() {
            accumulator.resize(table.groupCount)
            try accumulator.merge(local.accumulators[index], sources: sources, targets: groups, count: count)
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
