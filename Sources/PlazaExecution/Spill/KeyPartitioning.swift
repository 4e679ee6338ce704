#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// Writes a pipeline's rows into partition files by the hash of keys computed from each batch, one
/// partitioner per worker: the sink phase of the operators that spill by key (hash aggregate,
/// window functions).
struct KeyPartitioning: PipelineSink {
    /// The key vectors of a batch without selection.
    let keys: @Sendable (Batch) throws(ExecutionError) -> [ColumnVector]
    let directory: SpillDirectory
    let types: [DataType]

    /// One worker's partition files and the rows it wrote.
    final class Writer {
        let partitioner: SpillPartitioner
        var rows = 0
        init(_ partitioner: SpillPartitioner) { self.partitioner = partitioner }
    }

    func makeLocalState(worker: Int) -> Writer {
        Writer(SpillPartitioner(directory: directory, prefix: "w\(worker + 1)", types: types, level: 0))
    }

    func sink(_ input: Batch, into local: Writer, morsel: Int) throws(ExecutionError) {
        let batch = input.compacted()
        local.rows += batch.count
        try local.partitioner.add(batch, keys: try keys(batch))
    }

    func combine(_ locals: [Writer]) -> [Writer] { locals }

    /// The partition files the workers wrote, grouped by partition.
    private static func partitions(_ directory: SpillDirectory, prefixes: [String], types: [DataType], used: [[Int]])
        -> [SpillPartition]
    {
        var paths = [[String]](repeating: [], count: SpillPartitioner.partitionCount)
        for (prefix, partitions) in zip(prefixes, used) {
            for p in partitions { paths[p].append(SpillPartitioner.path(directory, prefix, p)) }
        }
        return paths.filter { !$0.isEmpty }.map { SpillPartition(paths: $0, types: types) }
    }

    /// Runs `pipeline` into partition files in `directory` by the hash of `keys`, one set per
    /// worker; returns the files of each partition that holds rows, grouped by partition, with a
    /// `SPILL` child of `profile` that counts the partitions, bytes and rows.
    static func spill(
        _ pipeline: Pipeline, keys: @escaping @Sendable (Batch) throws(ExecutionError) -> [ColumnVector],
        directory: SpillDirectory, context: QueryContext, profile: OperatorProfile?
    ) throws(ExecutionError) -> (partitions: [SpillPartition], profile: OperatorProfile?) {
        let types = pipeline.fields.map(\.type)
        let writers = try Scheduler.sinkLocals(
            pipeline, into: KeyPartitioning(keys: keys, directory: directory, types: types), context: context)
        var bytes = 0
        for writer in writers { bytes += try writer.partitioner.finish() }
        let partitions = Self.partitions(
            directory, prefixes: writers.map(\.partitioner.prefix), types: types,
            used: writers.map(\.partitioner.usedPartitions))
        let spillProfile = profile?.child("SPILL", "\(partitions.count) partitions, \(formatBytes(bytes)) written")
        spillProfile?.addRows(in: writers.reduce(0) { $0 + $1.rows })
        return (partitions, spillProfile)
    }
}

extension SpillPartition {
    /// Writes this partition's rows into parts on the hash bits of `level` of `keys` (vectors over
    /// each batch), in files `prefix-p` of `directory`; returns each part's file, nil where no row went.
    func split(
        directory: SpillDirectory, prefix: String, level: Int, context: QueryContext,
        keys: (Batch) throws(ExecutionError) -> [ColumnVector]
    ) throws(ExecutionError) -> [String?] {
        let partitioner = SpillPartitioner(directory: directory, prefix: prefix, types: types, level: level)
        try forEach(context) { (batch) throws(ExecutionError) in try partitioner.add(batch, keys: try keys(batch)) }
        _ = try partitioner.finish()
        let used = Set(partitioner.usedPartitions)
        return (0..<SpillPartitioner.partitionCount).map {
            used.contains($0) ? SpillPartitioner.path(directory, prefix, $0) : nil
        }
    }

    /// `split`'s parts that hold rows, each named `prefix-p`; this partition's files are removed (the
    /// parts replace it).
    func splitReplacing(
        directory: SpillDirectory, prefix: String, level: Int, context: QueryContext,
        keys: (Batch) throws(ExecutionError) -> [ColumnVector]
    ) throws(ExecutionError) -> [(partition: SpillPartition, name: String)] {
        let files = try split(directory: directory, prefix: prefix, level: level, context: context, keys: keys)
        for path in paths { unlink(path) }
        return files.enumerated().compactMap { (p, file) in
            file.map { (SpillPartition(paths: [$0], types: types), prefix + "-\(p)") }
        }
    }
}

extension Repartitioning {
    /// The error for work that still does not fit after its input was split `ways` ways:
    /// "`subject` needs more than the memory limit of … for one partition of `what` even after
    /// splitting them … ways on disk`hint`; raise it …".
    static func tooLargeError(
        _ subject: String, of what: String, ways: Int, hint: String = "", context: QueryContext,
        underlying: ExecutionError
    ) -> ExecutionError {
        let limit = formatBytes(context.options.memoryLimit ?? 0)
        return ExecutionError(
            .memoryLimit,
            "\(subject) needs more than the memory limit of \(limit) for one partition of \(what) even after "
                + "splitting them \(ways) ways on disk\(hint); raise it with SET memory_limit = '…' "
                + "(\(underlying.message))")
    }
}
