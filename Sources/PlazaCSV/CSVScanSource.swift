import PlazaCore
import PlazaVector

/// CSV files as a table a query scans in place (`SELECT … FROM 'reportes.csv'`): each file's
/// parsing chunks are its row groups, so threads parse different chunks at once, and only the
/// columns a query reads are converted.
///
/// The schema is inferred from the first file as `plaza import` infers it, over all of its
/// values; later files must have the same number of columns and are read with that schema.
/// There are no statistics, so no row group is skipped.
package final class CSVScanSource: ScanSource, @unchecked Sendable {
    // @unchecked: after `init` the files are only read (`readChunk` touches no mutable state).
    /// The columns.
    package let schema: Schema
    /// What inference chose for the first file, in words.
    package let notes: [String]
    private let files: [CSVFile]
    private let plans: [[ColumnPlan]]
    /// Row groups numbered across files: the file, its chunk's start and end offsets.
    private let chunks: [(file: Int, start: Int, end: Int)]
    /// Records per byte of body text, for row-count estimates.
    private let rowsPerByte: Double

    /// Opens the files, infers the schema from the first, and cuts each into chunks.
    /// - Throws: `CSVError` naming the file (and line) that cannot be read or does not fit.
    package init(paths: [String], options: CSVOptions) throws(CSVError) {
        guard let firstPath = paths.first else {
            throw CSVError(kind: .io, message: "no CSV files to read", location: FileLocation(path: ""))
        }
        let first = try CSVFile(path: firstPath, options: options)
        let inference = try first.inferSchema()
        schema = inference.schema
        notes = inference.notes
        var files = [first]
        for path in paths.dropFirst() {
            let file = try CSVFile(path: path, options: options)
            guard file.columnCount == first.columnCount else {
                throw CSVError(
                    kind: .schemaMismatch,
                    message: "the file has \(file.columnCount) columns but \(firstPath) has \(first.columnCount)",
                    location: FileLocation(path: path))
            }
            files.append(file)
        }
        var plans: [[ColumnPlan]] = []
        var chunks: [(Int, Int, Int)] = []
        for (index, file) in files.enumerated() {
            plans.append(try file.columnPlans(schema))
            let starts = file.chunkStarts
            for chunk in starts.indices { chunks.append((index, starts[chunk], file.chunkEnd(chunk, starts))) }
        }
        self.files = files
        self.plans = plans
        self.chunks = chunks
        rowsPerByte = Double(inference.dataRowCount) / Double(max(1, first.text.count - first.bodyStart))
    }

    /// Chunks of all files.
    package var rowGroupCount: Int { chunks.count }

    /// An estimate: the chunk's bytes at the first file's bytes per record (exact counts need parsing).
    package func rowCount(rowGroup: Int) -> Int {
        let chunk = chunks[rowGroup]
        return Int((Double(chunk.end - chunk.start) * rowsPerByte).rounded())
    }

    /// Always true: text files carry no statistics.
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool { true }

    /// Parses the chunk and yields its rows, the table columns `columns` only.
    /// - Throws: `CSVError` with the file, line and column of a bad row.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        let chunk = chunks[rowGroup]
        let file = files[chunk.file]
        let result = file.readChunk(start: chunk.start, end: chunk.end, plans: plans[chunk.file], columns: columns)
        if let failure = result.failure {
            throw CSVError(
                kind: failure.kind, message: failure.message,
                location: FileLocation(
                    path: file.path, line: file.line(atOffset: chunk.start) + failure.relativeLine,
                    column: failure.column))
        }
        return BatchListCursor(batches: result.batches)
    }
}

extension CSVFile {
    /// The 1-based physical line of the record starting at byte `offset` of the body (counts line
    /// feeds before it; used only to place an error).
    func line(atOffset offset: Int) -> Int {
        var line = bodyStartLine
        for index in bodyStart..<offset where base[index] == ASCII.lineFeed { line += 1 }
        return line
    }
}

/// Hands out parsed batches one per call.
final class BatchListCursor: RowGroupCursor {
    private var batches: [Batch]
    private var position = 0
    private(set) var statistics = ScanStatistics()

    init(batches: [Batch]) { self.batches = batches }

    func next(into batch: Batch) throws -> Bool {
        guard position < batches.count else {
            batch.count = 0
            return false
        }
        let next = batches[position]
        batches[position] = Batch(types: [])  // the cursor no longer holds it
        position += 1
        batch.columns = next.columns
        batch.count = next.count
        batch.selection = nil
        statistics.blocksRead += 1
        return true
    }
}
