import PlazaCore
import PlazaVector
import Synchronization

/// The sorted runs one ORDER BY wrote to temporary files after passing the memory limit.
///
/// A run is a list of files of at most `chunkBatches` batches each, so the merge holds one chunk
/// per run in memory. The files live in one `SpillDirectory` under the query's temporary
/// directory, created at the first spill and removed by `remove()` (the operator calls it in a
/// `defer`, so also when the query fails or is cancelled).
final class SortSpill: Sendable {
    /// Batches (of ≤ 2,048 rows) per file.
    static let chunkBatches = 8
    let options: ExecutionOptions
    private let state = Mutex<(directory: SpillDirectory?, runs: [[String]], types: [DataType], next: Int)>(
        (nil, [], [], 0))

    init(op: SortOperator) { self.options = op.context.options }

    /// The files of every run written, and the column types of their batches.
    var runs: (files: [[String]], types: [DataType]) { state.withLock { ($0.runs, $0.types) } }

    /// Writes `run`'s rows in order as a new run.
    ///
    /// - Throws: a storage error naming the file when it cannot be written; `.cancelled`.
    func write(_ run: SortRun) throws(ExecutionError) {
        let options = self.options
        let (directory, number) = try state.withLock { (s) throws(ExecutionError) -> (SpillDirectory, Int) in
            if s.directory == nil {
                s.directory = try SpillDirectory(parent: options.temporaryDirectory, operatorName: "ORDER BY")
            }
            s.next += 1
            return (s.directory!, s.next)
        }
        var files: [String] = []
        var writer: SpillWriter?
        var batchesInFile = 0
        var start = 0
        let rows = run.rows.count
        while start < rows {
            let end = Swift.min(start + ColumnVector.batchCapacity, rows)
            let batch = Batch(columns: run.rows.columns.map { GatherKernel.slice($0, start..<end) }, count: end - start)
            if writer == nil {
                let path = directory.file("sort-run-\(number)-\(files.count)")
                files.append(path)
                writer = try SpillWriter(path: path)
            }
            try writer!.append(batch)
            batchesInFile += 1
            if batchesInFile == SortSpill.chunkBatches {
                try writer!.close()
                writer = nil
                batchesInFile = 0
            }
            if options.isCancelled() { throw ExecutionError(.cancelled, "the query was cancelled") }
            start = end
        }
        try writer?.close()
        let types = run.rows.columns.map(\.type)
        state.withLock {
            $0.runs.append(files)
            $0.types = types
        }
    }

    /// Deletes every file written.
    func remove() {
        let directory = state.withLock { s -> SpillDirectory? in
            let d = s.directory
            s.directory = nil
            return d
        }
        directory?.remove()
    }
}
