import Foundation
import PlazaCore
import PlazaVector

/// The output of a spilled hash join, read back from its files a batch at a time: each file is
/// one row group, so the operators above the join stream it on every core instead of holding it.
///
/// Owns the join's spill directory and removes it when the query lets go of the plan (finished,
/// failed or cancelled).
final class SpilledJoinOutput: ScanSource, @unchecked Sendable {
    // Safe to share: immutable after init; every cursor opens its own reader.
    let schema: Schema
    /// The output files and their row counts.
    let files: [(path: String, rows: Int)]
    private let directory: SpillDirectory

    init(fields: [Field], files: [(path: String, rows: Int)], directory: SpillDirectory) {
        schema = Schema(fields)
        self.files = files
        self.directory = directory
    }

    deinit { directory.remove() }

    /// Rows in all files.
    var rowCount: Int { files.reduce(0) { $0 + $1.rows } }

    var rowGroupCount: Int { files.count }

    func rowCount(rowGroup: Int) -> Int { files[rowGroup].rows }

    func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool { true }

    func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor {
        precondition(columns == Array(schema.fields.indices), "spilled join output is read whole")
        return SpilledJoinCursor(reader: try SpillReader(path: files[rowGroup].path, types: schema.fields.map(\.type)))
    }
}

/// Reads one file of a spilled join's output.
final class SpilledJoinCursor: RowGroupCursor {
    private let reader: SpillReader
    private(set) var statistics = ScanStatistics()

    init(reader: SpillReader) { self.reader = reader }

    func next(into batch: Batch) throws -> Bool {
        guard let read = try reader.next() else {
            batch.count = 0
            batch.selection = nil
            return false
        }
        // The vectors are fresh from the file, so the batch can take them over.
        batch.columns = read.columns
        batch.count = read.count
        batch.selection = nil
        statistics.blocksRead += read.columns.count
        statistics.bytesDecoded += read.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
        return true
    }
}

/// The output files of a spilled join's partitions, collected from the threads that join them.
final class SpilledJoinFiles: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private var items: [(index: Int, path: String, rows: Int)] = []
    private let lock = NSLock()

    /// Records partition `index`'s output file of `rows` rows.
    func add(_ index: Int, path: String, rows: Int) { lock.withLock { items.append((index, path, rows)) } }

    /// The files in partition order.
    var all: [(path: String, rows: Int)] {
        lock.withLock { items.sorted { $0.index < $1.index }.map { ($0.path, $0.rows) } }
    }
}
