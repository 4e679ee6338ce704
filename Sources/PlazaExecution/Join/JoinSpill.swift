import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Grace hash join, for a build side past the memory limit: both sides run into partition
/// files split by the hash of their join keys (probe keys already cast to the build keys' types,
/// so equal keys pack and hash alike), then each partition builds its own table and probes it,
/// both cores taking partitions. A partition still too large is split again on other hash bits.
///
/// Each partition's joined rows go to an output file as they are produced; the operators above
/// the join read those files back a batch at a time (`SpilledJoinOutput`).
struct SpillingJoin: Sendable {
    let planner: PhysicalPlanner
    let join: Join
    let sides: JoinPlanner.Sides
    var kind: Join.Kind { join.kind }
    let profile: OperatorProfile?

    /// Runs the join into files; the result has the join's columns (left, then right) and owns
    /// the temporary directory from now on.
    func run() throws(ExecutionError) -> SpilledJoinOutput {
        let directory = try SpillDirectory(
            parent: planner.context.options.temporaryDirectory, operatorName: "hash join")
        do {
            return SpilledJoinOutput(
                fields: LogicalPlan.join(join).fields, files: try joinFiles(directory), directory: directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    private func joinFiles(_ directory: SpillDirectory) throws(ExecutionError) -> [(path: String, rows: Int)] {
        let context = planner.context
        let build = try partition(
            sides.buildPlan, keys: sides.buildKeys, prefix: "b", directory: directory, dropsNullKeys: false)
        // ANTI (NOT IN) decides NULLs for the whole build side, which no partition sees: a NULL
        // build key leaves no row; otherwise probe rows with a NULL key go, and each partition
        // keeps the rest of its probe rows that its build rows do not match.
        if kind == .anti && build.nullKeyRows > 0 { return [] }
        let probe = try partition(
            sides.probePlan, keys: sides.probeKeys, prefix: "p", directory: directory,
            dropsNullKeys: kind == .anti && build.rows > 0)
        let buildTypes = sides.buildPlan.fields.map(\.type), probeTypes = sides.probePlan.fields.map(\.type)
        let work = (0..<SpillPartitioner.partitionCount).filter { !build.paths[$0].isEmpty || !probe.paths[$0].isEmpty }
            .map {
                (
                    SpillPartition(paths: build.paths[$0], types: buildTypes),
                    SpillPartition(paths: probe.paths[$0], types: probeTypes)
                )
            }
        profile?.child("SPILL", "\(work.count) partitions, \(formatBytes(build.bytes + probe.bytes)) written")
            .addRows(in: build.rows + probe.rows)
        let results = SpilledJoinFiles()
        try Scheduler.forEachTask(work.count, threads: context.options.threads, context: context) {
            (index) throws(ExecutionError) in
            let path = directory.file("o\(index)")
            let writer = try SpillWriter(path: path)
            try self.join(work[index].0, work[index].1, directory: directory, name: "q\(index)", into: writer)
            try writer.close()
            // The partition's input is no longer needed: free its disk space now.
            for file in work[index].0.paths + work[index].1.paths {
                try? FileManager.default.removeItem(atPath: file)
            }
            if writer.rowsWritten > 0 {
                results.add(index, path: path, rows: writer.rowsWritten)
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        return results.all
    }

    /// Runs `plan` into partition files of `directory` by the hash of `keys`, leaving out rows
    /// with a NULL key when `dropsNullKeys`; counts the rows kept and those with a NULL key.
    private func partition(
        _ plan: LogicalPlan, keys: [ExpressionNode], prefix: String, directory: SpillDirectory, dropsNullKeys: Bool
    ) throws(ExecutionError) -> (paths: [[String]], bytes: Int, rows: Int, nullKeyRows: Int) {
        let pipeline = try planner.pipeline(plan, profile: nil)
        let types = plan.fields.map(\.type)
        let sinks = try Scheduler.sinkLocals(
            pipeline,
            into: JoinPartitioning(
                keys: keys, directory: directory, prefix: prefix, types: types, dropsNullKeys: dropsNullKeys),
            context: planner.context)
        var paths = [[String]](repeating: [], count: SpillPartitioner.partitionCount)
        var bytes = 0
        for sink in sinks {
            bytes += try sink.partitioner.finish()
            for p in sink.partitioner.usedPartitions {
                paths[p].append(SpillPartitioner.path(directory, sink.partitioner.prefix, p))
            }
        }
        return (paths, bytes, sinks.reduce(0) { $0 + $1.rows }, sinks.reduce(0) { $0 + $1.nullKeyRows })
    }

    /// Joins one partition pair into `writer`; splits both further when the build part does not fit.
    private func join(
        _ build: SpillPartition, _ probe: SpillPartition, directory: SpillDirectory, name: String,
        into writer: SpillWriter
    ) throws(ExecutionError) {
        let context = planner.context
        let sides = self.sides
        try Repartitioning.process(
            (build: build, probe: probe, name: name),
            process: { (part) throws(ExecutionError) in
                let table = try JoinTable(
                    batches: try part.build.readAll(context), fields: sides.buildPlan.fields, keys: sides.buildKeys,
                    context: context)
                try probeAll(table, part.probe, into: writer)
            },
            split: { (part, level) throws(ExecutionError) in
                let buildParts = try split(
                    part.build, keys: sides.buildKeys, prefix: part.name + "-b", level: level, directory: directory)
                let probeParts = try split(
                    part.probe, keys: sides.probeKeys, prefix: part.name + "-p", level: level, directory: directory)
                return (0..<SpillPartitioner.partitionCount).filter { buildParts[$0] != nil || probeParts[$0] != nil }
                    .map { p in
                        (
                            SpillPartition(paths: buildParts[p].map { [$0] } ?? [], types: part.build.types),
                            SpillPartition(paths: probeParts[p].map { [$0] } ?? [], types: part.probe.types),
                            part.name + "-\(p)"
                        )
                    }
            },
            combine: { _ in },
            finished: { part in
                for file in part.build.paths + part.probe.paths { try? FileManager.default.removeItem(atPath: file) }
            },
            tooLarge: { ways, error in
                Repartitioning.tooLargeError(
                    "hash join build", of: "its rows", ways: ways, hint: " (many rows share one key?)",
                    context: context, underlying: error)
            })
    }

    /// Splits a partition's files on the hash bits of `level`; returns the new file of each part.
    private func split(
        _ partition: SpillPartition, keys: [ExpressionNode], prefix: String, level: Int, directory: SpillDirectory
    ) throws(ExecutionError) -> [String?] {
        try partition.split(directory: directory, prefix: prefix, level: level, context: planner.context) {
            (batch) throws(ExecutionError) in
            try keys.map { (key) throws(ExecutionError) in try key.evaluate(batch) }
        }
    }

    /// Probes `table` with every batch of `probe` into `writer`; outer joins that keep the build
    /// side's unmatched rows add this partition's.
    private func probeAll(_ table: JoinTable, _ probe: SpillPartition, into writer: SpillWriter) throws(ExecutionError)
    {
        let outerBuild = sides.keepsBuildRows
        let stage = ProbeStage(
            table: table, probeKeys: sides.probeKeys, kind: sides.probeKind, buildIsLeft: sides.buildIsLeft,
            residual: sides.residual, residualColumns: sides.residualColumns, unmatchedBuildRows: nil,
            probeColumnCount: sides.probePlan.fields.count, profile: nil)
        let worker = WorkerState()
        let matched = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(table.rowCount, 1))
        defer { matched.deallocate() }
        matched.initialize(repeating: 0, count: Swift.max(table.rowCount, 1))
        try probe.forEach(planner.context) { (batch) throws(ExecutionError) in
            let outputs = try stage.probe(batch, worker, matched: outerBuild ? matched : nil)
            if sides.marksBuildRows { return }
            for output in outputs { try writer.append(output) }
        }
        if outerBuild {
            let unmatched = JoinPlanner.unmatchedBuildRows(
                table, matched: matched, probeFields: sides.marksBuildRows ? [] : sides.probePlan.fields,
                buildIsLeft: sides.buildIsLeft, keptMark: sides.keptMark)
            for output in unmatched {
                try writer.append(output)
            }
        }
    }
}

/// Writes one side of a join into partition files by the hash of its join keys, one partitioner
/// per worker: the sink phase of a grace hash join.
struct JoinPartitioning: PipelineSink {
    let keys: [ExpressionNode]
    let directory: SpillDirectory
    /// Starts the file names of this side ("b": build, "p": probe).
    let prefix: String
    let types: [DataType]
    let dropsNullKeys: Bool

    func makeLocalState(worker: Int) -> JoinPartitionSink {
        JoinPartitionSink(
            keys: keys,
            partitioner: SpillPartitioner(
                directory: directory, prefix: "\(prefix)\(worker + 1)", types: types, level: 0),
            dropsNullKeys: dropsNullKeys)
    }

    func sink(_ batch: Batch, into local: JoinPartitionSink, morsel: Int) throws(ExecutionError) {
        try local.consume(batch)
    }

    func combine(_ locals: [JoinPartitionSink]) -> [JoinPartitionSink] { locals }
}

/// Partitions one worker's rows of a join side by the hash of its join keys.
final class JoinPartitionSink {
    let keys: [ExpressionNode]
    let partitioner: SpillPartitioner
    /// Whether rows with a NULL key are left out (ANTI probe side).
    let dropsNullKeys: Bool
    /// Rows written.
    var rows = 0
    /// Rows seen with a NULL in some key (written or not).
    var nullKeyRows = 0

    init(keys: [ExpressionNode], partitioner: SpillPartitioner, dropsNullKeys: Bool) {
        self.keys = keys
        self.partitioner = partitioner
        self.dropsNullKeys = dropsNullKeys
    }

    /// Writes the rows of `input` to the partitions of their keys.
    func consume(_ input: Batch) throws(ExecutionError) {
        var batch = input.compacted()
        var vectors: [ColumnVector] = []
        for key in keys { vectors.append(try key.evaluate(batch)) }
        let count = batch.count
        if vectors.contains(where: { $0.type == .null }) {
            nullKeyRows += count
            if dropsNullKeys { return }
        } else if vectors.contains(where: { !$0.validity.isAllValid }) {
            var kept: [Int32] = []
            kept.reserveCapacity(count)
            for row in 0..<count where vectors.allSatisfy({ $0.isValid(at: row) }) {
                kept.append(Int32(truncatingIfNeeded: row))
            }
            nullKeyRows += count - kept.count
            if dropsNullKeys && kept.count < count {
                if kept.isEmpty { return }
                kept.withUnsafeBufferPointer { rows in
                    batch = Batch(columns: batch.columns.map { GatherKernel.gather($0, rows) }, count: rows.count)
                    vectors = vectors.map { GatherKernel.gather($0, rows) }
                }
            }
        }
        rows += batch.count
        try partitioner.add(batch, keys: vectors)
    }
}
