import PlazaCore
import PlazaPlanner
import PlazaVector

/// Window functions that finish past the memory limit: when the in-memory attempt hits the limit,
/// the input runs again into partition files split by the hash of the PARTITION BY keys every
/// call shares, and each file (a set of whole window partitions) is computed on its own by the
/// same operator, one after the other, each with every thread. A file still too large is split
/// again on other hash bits; past `SpillPartitioner.maxLevel`, or with no key in common to split
/// by, the query fails naming the operator and the limit. Rows come out file by file, not in
/// input order (a window's output has no order of its own).
struct SpillingWindow {
    let op: WindowOperator
    let context: QueryContext
    let profile: OperatorProfile?

    /// The window's output: `materialize` collects the input for the in-memory attempt; `pipeline`
    /// makes the input's pipeline again for the spilled one.
    func run(
        materialize: () throws(ExecutionError) -> [Batch], pipeline makePipeline: () throws(ExecutionError) -> Pipeline
    ) throws(ExecutionError) -> [Batch] {
        guard context.options.memoryLimit != nil else { return try timed(try materialize()) }
        let firstError: ExecutionError
        do {
            return try timed(try materialize())
        } catch {
            guard case .memoryLimit = error.kind else { throw error }
            firstError = error
        }
        let keys = op.sharedPartitionKeys
        guard !keys.isEmpty else {
            throw ExecutionError(
                .memoryLimit,
                "window functions need more than the memory limit of \(formatBytes(context.options.memoryLimit ?? 0)) "
                    + "and share no PARTITION BY key to split their rows by on disk; raise it with SET memory_limit = "
                    + "'…' (\(firstError.message))")
        }
        let nodes = try keys.map { (key) throws(ExecutionError) in try op.compiler.compile(key) }
        let directory = try SpillDirectory(parent: context.options.temporaryDirectory, operatorName: "window")
        defer { directory.remove() }
        let (partitions, spillProfile) = try KeyPartitioning.spill(
            try makePipeline(), keys: { (batch) throws(ExecutionError) in try Self.keyVectors(nodes, batch) },
            directory: directory, context: context, profile: profile)
        var output: [Batch] = []
        for (index, partition) in partitions.enumerated() {
            output += try compute(partition, nodes: nodes, directory: directory, name: "q\(index)")
        }
        spillProfile?.addRows(out: output.reduce(0) { $0 + $1.count })
        return output
    }

    /// `batch` in pieces of at most a batch's capacity: a spill file's batches may hold up to twice
    /// that, and the window's output keeps its input's batch sizes for the operators above.
    static func slices(_ batch: Batch) -> [Batch] {
        let capacity = ColumnVector.batchCapacity
        guard batch.count > capacity else { return [batch] }
        return stride(from: 0, to: batch.count, by: capacity).map { start in
            let rows = (start..<Swift.min(start + capacity, batch.count)).map { Int32($0) }
            return rows.withUnsafeBufferPointer { batch.gathered($0) }
        }
    }

    /// `op.run` over `batches`, its time added to the profile (not the time spent making the input).
    private func timed(_ batches: [Batch]) throws(ExecutionError) -> [Batch] {
        let start = ContinuousClock.now
        defer { profile?.addTime(ContinuousClock.now - start) }
        return try op.run(batches)
    }

    /// The window over one partition file; when it does not fit, over each of its parts.
    private func compute(_ partition: SpillPartition, nodes: [ExpressionNode], directory: SpillDirectory, name: String)
        throws(ExecutionError) -> [Batch]
    {
        let context = self.context, op = self.op
        return try Repartitioning.process(
            (partition: partition, name: name),
            process: { (part) throws(ExecutionError) in
                // The rows read back count against the limit while the window runs over them.
                var reserved = 0
                defer { context.tracker.release(reserved) }
                var batches: [Batch] = []
                try part.partition.forEach(context) { (batch) throws(ExecutionError) in
                    let bytes = MemoryTracker.bytes(of: batch)
                    try context.tracker.reserve(bytes, for: "window")
                    reserved += bytes
                    batches += Self.slices(batch)
                }
                return try self.timed(batches)
            },
            split: { (part, level) throws(ExecutionError) in
                try part.partition.splitReplacing(
                    directory: directory, prefix: part.name + "-l\(level)", level: level, context: context
                ) { (batch) throws(ExecutionError) in try Self.keyVectors(nodes, batch) }
            },
            combine: { $0.flatMap { $0 } },
            tooLarge: { ways, error in
                Repartitioning.tooLargeError(
                    "window functions", of: "their rows", ways: ways, context: context, underlying: error)
            })
    }
}

extension SpillingWindow {
    /// The key vectors of `batch` (no selection).
    static func keyVectors(_ keys: [ExpressionNode], _ batch: Batch) throws(ExecutionError) -> [ColumnVector] {
        try keys.map { (node) throws(ExecutionError) in try node.evaluate(batch) }
    }
}

extension WindowOperator {
    /// The PARTITION BY expressions every call has: rows equal on them are in one partition of
    /// every call, so files split by their hash hold whole partitions.
    var sharedPartitionKeys: [BoundExpression] {
        guard let first = calls.first else { return [] }
        return first.partitionBy.filter { key in calls.allSatisfy { $0.partitionBy.contains(key) } }
    }
}
