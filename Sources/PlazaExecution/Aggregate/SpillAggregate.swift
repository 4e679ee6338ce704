#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import Foundation
import Synchronization
import PlazaCore
import PlazaVector

/// Grouped hash aggregation that finishes past the memory limit: when the in-memory attempt
/// (`AggregateOperator.run`) hits the limit, the input runs again into partition files split by
/// the hash of the group keys, and each partition is aggregated on its own, both cores taking
/// partitions. A partition still too large is split again on other hash bits; past
/// `SpillPartitioner.maxLevel` the query fails naming the operator and the limit.
///
/// Composes on `AggregateOperator`/`AggregateState` without changing them: a partition's rows
/// stream through one `AggregateState`, which is finalized as the operator's own run would.
struct SpillingAggregate: Sendable {
    let op: AggregateOperator
    let context: QueryContext
    let profile: OperatorProfile?

    /// Runs the aggregation of `pipeline`'s rows, spilling when the memory limit requires it.
    func run(_ pipeline: Pipeline) throws(ExecutionError) -> [Batch] {
        guard context.options.memoryLimit != nil, !op.groupNodes.isEmpty else { return try op.run(pipeline) }
        do {
            return try op.run(pipeline)
        } catch {
            guard case .memoryLimit = error.kind else { throw error }
        }
        let directory = try SpillDirectory(parent: context.options.temporaryDirectory, operatorName: "hash aggregate")
        defer { directory.remove() }
        let types = pipeline.fields.map(\.type)
        var workers = 0
        let sinks = try Scheduler.run(pipeline, context: context) { () -> AggregatePartitionSink in
            workers += 1
            return AggregatePartitionSink(
                op: op,
                partitioner: SpillPartitioner(directory: directory, prefix: "w\(workers)", types: types, level: 0))
        }
        var bytes = 0
        for sink in sinks { bytes += try sink.partitioner.finish() }
        let partitions = SpillingAggregate.partitions(
            directory, prefixes: sinks.map(\.partitioner.prefix), types: types,
            used: sinks.map(\.partitioner.usedPartitions))
        let spillProfile = profile?.child("SPILL", "\(partitions.count) partitions, \(formatBytes(bytes)) written")
        spillProfile?.addRows(in: sinks.reduce(0) { $0 + $1.rows })
        let output = try aggregateAll(partitions, directory: directory)
        spillProfile?.addRows(out: output.reduce(0) { $0 + $1.count })
        return output
    }

    /// Aggregates one partition; when it does not fit, splits it further and aggregates the parts.
    private func aggregate(_ partition: SpillPartition, level: Int, directory: SpillDirectory, name: String)
        throws(ExecutionError) -> [Batch]
    {
        do {
            return try aggregateInMemory(partition)
        } catch {
            guard case .memoryLimit = error.kind else { throw error }
            guard level < SpillPartitioner.maxLevel else {
                let limit = formatBytes(context.options.memoryLimit ?? 0)
                throw ExecutionError(
                    .memoryLimit,
                    "hash aggregate needs more than the memory limit of \(limit) for one partition of its groups even after "
                        + "splitting its input \(SpillPartitioner.partitionCount << (SpillPartitioner.partitionBits * level)) ways on disk; "
                        + "raise it with SET memory_limit = '…' (\(error.message))")
            }
        }
        let prefix = name + "-l\(level + 1)"
        let partitioner = SpillPartitioner(
            directory: directory, prefix: prefix, types: partition.types, level: level + 1)
        try partition.forEach(context) { (batch) throws(ExecutionError) in
            try partitioner.add(batch, keys: try op.groupKeyVectors(batch))
        }
        _ = try partitioner.finish()
        for path in partition.paths { unlink(path) }  // split further: the parts replace it
        var output: [Batch] = []
        for p in partitioner.usedPartitions {
            let part = SpillPartition(paths: [SpillPartitioner.path(directory, prefix, p)], types: partition.types)
            output += try aggregate(part, level: level + 1, directory: directory, name: prefix + "-\(p)")
        }
        return output
    }

    private func aggregateInMemory(_ partition: SpillPartition) throws(ExecutionError) -> [Batch] {
        let state = AggregateState(op)
        try partition.forEach(context) { (batch) throws(ExecutionError) in try state.consume(batch) }
        if op.calls.contains(where: \.isDistinct) {
            // DISTINCT values reach the accumulators when sets are merged, as in `AggregateOperator.run`.
            let global = AggregateState(op)
            try global.merge(state)
            return try global.finalize()
        }
        return try state.finalize()
    }

    /// Aggregates every partition on the query's threads; results in partition order.
    private func aggregateAll(_ partitions: [SpillPartition], directory: SpillDirectory) throws(ExecutionError)
        -> [Batch]
    {
        let threads = Swift.max(1, Swift.min(context.options.threads, partitions.count))
        let results = ResultSlots(count: partitions.count)
        let run = RunState()
        let task: @Sendable (Int) -> Void = { _ in
            while !run.failed.load(ordering: .relaxed) {
                let index = run.next.add(1, ordering: .relaxed).oldValue
                if index >= partitions.count { return }
                do throws(ExecutionError) {
                    results.set(
                        index, try self.aggregate(partitions[index], level: 0, directory: directory, name: "q\(index)"))
                } catch {
                    run.failure.withLock { if $0 == nil { $0 = error } }
                    run.failed.store(true, ordering: .relaxed)
                }
            }
        }
        if threads == 1 { task(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: task) }
        if let error = run.failure.withLock({ $0 }) { throw error }
        return results.all()
    }

    /// The partition files the workers wrote, grouped by partition.
    static func partitions(_ directory: SpillDirectory, prefixes: [String], types: [DataType], used: [[Int]])
        -> [SpillPartition]
    {
        var paths = [[String]](repeating: [], count: SpillPartitioner.partitionCount)
        for (prefix, partitions) in zip(prefixes, used) {
            for p in partitions { paths[p].append(SpillPartitioner.path(directory, prefix, p)) }
        }
        return paths.filter { !$0.isEmpty }.map { SpillPartition(paths: $0, types: types) }
    }
}

/// Result batches per partition, filled by several threads.
final class ResultSlots: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private var items: [[Batch]]
    private let lock = NSLock()

    init(count: Int) { items = Array(repeating: [], count: count) }

    func set(_ index: Int, _ batches: [Batch]) { lock.withLock { items[index] = batches } }

    func all() -> [Batch] { lock.withLock { items.flatMap { $0 } } }
}

/// Partitions one worker's aggregate input by the hash of its group keys.
final class AggregatePartitionSink: LocalSink {
    let op: AggregateOperator
    let partitioner: SpillPartitioner
    var rows = 0

    init(op: AggregateOperator, partitioner: SpillPartitioner) {
        self.op = op
        self.partitioner = partitioner
    }

    override func consume(_ input: Batch, morsel: Int) throws(ExecutionError) {
        let batch = input.compacted()
        rows += batch.count
        try partitioner.add(batch, keys: try op.groupKeyVectors(batch))
    }
}

extension AggregateOperator {
    /// The group key vectors of `batch` (no selection): columns as they are, expressions evaluated.
    func groupKeyVectors(_ batch: Batch) throws(ExecutionError) -> [ColumnVector] {
        var keys: [ColumnVector] = []
        for node in groupNodes {
            if let column = node as? ColumnNode {
                keys.append(batch.columns[column.index])
            } else {
                keys.append(try node.evaluate(batch))
            }
        }
        return keys
    }
}
