import Foundation
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
        let op = self.op
        let (partitions, spillProfile) = try KeyPartitioning.spill(
            pipeline, keys: { (batch) throws(ExecutionError) in try op.groupKeyVectors(batch) }, directory: directory,
            context: context, profile: profile)
        // Every partition on the query's threads; results in partition order.
        let output = try Scheduler.map(partitions.count, threads: context.options.threads, context: context) {
            (index) throws(ExecutionError) in
            try self.aggregate(partitions[index], directory: directory, name: "q\(index)")
        }.flatMap { $0 }
        spillProfile?.addRows(out: output.reduce(0) { $0 + $1.count })
        return output
    }

    /// Aggregates one partition; when it does not fit, splits it further and aggregates the parts.
    private func aggregate(_ partition: SpillPartition, directory: SpillDirectory, name: String)
        throws(ExecutionError) -> [Batch]
    {
        let context = self.context, op = self.op
        return try Repartitioning.process(
            (partition: partition, name: name),
            process: { (part) throws(ExecutionError) in try aggregateInMemory(part.partition) },
            split: { (part, level) throws(ExecutionError) in
                try part.partition.splitReplacing(
                    directory: directory, prefix: part.name + "-l\(level)", level: level, context: context
                ) { (batch) throws(ExecutionError) in try op.groupKeyVectors(batch) }
            },
            combine: { $0.flatMap { $0 } },
            tooLarge: { ways, error in
                Repartitioning.tooLargeError(
                    "hash aggregate", of: "its groups", ways: ways, context: context, underlying: error)
            })
    }

    private func aggregateInMemory(_ partition: SpillPartition) throws(ExecutionError) -> [Batch] {
        let state = try AggregateState(op)
        try partition.forEach(context) { (batch) throws(ExecutionError) in try state.consume(batch) }
        // DISTINCT values reach the accumulators from the sets, as in the operator's combine.
        if op.calls.contains(where: \.isDistinct) { try state.feedDistinctInPlace() }
        return try state.finalize()
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
