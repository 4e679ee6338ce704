import PlazaCore
import PlazaFormat
import PlazaVector

/// What a commit published.
package struct CommitSummary: Sendable, Hashable {
    /// The table's name as stored.
    package var table: String
    /// The manifest generation the commit created (1 for a new table).
    package var generation: UInt64
    /// The rows this transaction wrote.
    package var rowsWritten: Int
    /// The segment files this transaction wrote.
    package var segmentsWritten: Int
    /// The bytes of segment files this transaction wrote.
    package var bytesWritten: Int
    /// The table's rows after the commit.
    package var rowCount: Int
    /// The table's schema after the commit.
    package var schema: Schema
}

/// One writer's change to a table: new segment files, published all at once by `commit()`.
///
/// Holds the table's lock from `StorageCatalog.beginWrite` until commit or abort. Not thread-safe:
/// use it from one thread at a time. Dropping it without committing aborts it (its files are deleted).
package final class TableWriteTransaction {
    /// The table's name as stored.
    package let table: String
    /// The table's schema after this write: batches must have these columns, in this order, of these types.
    package let schema: Schema
    /// The mode the write was started with.
    package let mode: WriteMode

    /// Steps of `commit()`, for tests that simulate a crash between them (Formats/plaza-manifest.md §5).
    enum CommitStep: CaseIterable {
        case segmentsFinished, segmentsSynced, manifestWritten, manifestRenamed, directorySynced, oldSegmentsDeleted
    }

    enum State { case open, committed, aborted, failed, crashed }

    /// The prefix of a manifest being written (§5); leftovers are deleted by the next writer.
    static let temporaryManifestPrefix = "MANIFEST.tmp-"

    private let directory: String
    private let base: Manifest?
    private let options: StorageOptions
    private var lock: FileLock?
    private var state = State.open
    private var writer: SegmentWriter?
    private var writerPath = ""
    private var writerRows = 0
    private var written: [SegmentEntry] = []
    private var rowsWritten = 0
    /// The snapshot row ids were taken from, once `delete(rowIDs:in:)` was called.
    private var deletingFrom: TableSnapshot?
    /// Per snapshot row group touched by deletes: the bitmap of rows this transaction deletes.
    private var deleteMarks: [Int: [UInt64]] = [:]
    /// The deletion files this transaction wrote (names), for abort.
    private var deletionFilesWritten: [String] = []
    /// Per base segment rewritten by `compact(segment:from:)`: the new segments that take its place.
    private var replacements: [Int: [SegmentEntry]] = [:]
    /// Test hook: `commit()` stops as if the process died right after this step.
    var crashAfter: CommitStep?

    /// The transaction this write belongs to: `commit()` stages the result there instead of publishing it.
    private let owner: DatabaseTransaction?

    /// `lock` is nil when `owner` already holds the table's lock.
    init(
        table: String, directory: String, mode: WriteMode, schema: Schema, base: Manifest?, lock: FileLock?,
        options: StorageOptions, owner: DatabaseTransaction? = nil
    ) {
        self.table = table
        self.directory = directory
        self.mode = mode
        self.schema = schema
        self.base = base
        self.lock = lock
        self.options = options
        self.owner = owner
    }

    deinit {
        if state == .open || state == .failed { abort() }
    }

    /// The generation of the table this write started from (0 for a new table).
    package var baseGeneration: UInt64 { base?.generation ?? 0 }

    /// The generation the commit will create.
    private var generation: UInt64 { baseGeneration + 1 }

    /// The path of this transaction's file number `sequence`: `<gen>-<seq>-<random>.<ending>` (§5, §10).
    private func newFileName(sequence: Int, ending: String) -> String {
        sixDigits(generation) + "-" + sixDigits(UInt64(sequence)) + "-" + StorageCatalog.randomSuffix() + "." + ending
    }

    /// Appends the live rows of `batch` (with a selection vector, only the selected rows).
    ///
    /// Memory stays bounded: rows stream into the current segment file, and a new file starts
    /// every `StorageOptions.rowsPerSegment` rows. After an error the transaction can only be aborted.
    ///
    /// - Throws: `.transactionClosed`; `.schemaMismatch` when the batch's columns differ from `schema`;
    ///   `.format` when the segment cannot be written (disk full, for example).
    package func append(_ batch: Batch) throws(StorageError) {
        try checkOpen()
        guard batch.columns.count == schema.count else {
            throw StorageError(
                .schemaMismatch, "batch has \(batch.columns.count) columns, the table \(schema.count)", table: table)
        }
        for (index, column) in batch.columns.enumerated() where column.type != schema.fields[index].type {
            throw StorageError(
                .schemaMismatch,
                "batch column \(index) is \(column.type), the table's is \(schema.fields[index].type); cast it first",
                table: table, column: schema.fields[index].name)
        }
        let rows = batch.liveCount
        guard rows > 0 else { return }
        do {
            if writer == nil {
                writerPath = directory + "/" + newFileName(sequence: written.count, ending: "plzseg")
                writer = try SegmentWriter(path: writerPath, schema: schema, options: options.segmentOptions)
                writerRows = 0
            }
            if let selection = batch.selection {
                let rows = UnsafeBufferPointer(selection.buffer)
                try writer!.append(
                    Batch(columns: batch.columns.map { GatherKernel.gather($0, rows) }, count: rows.count))
            } else {
                try writer!.append(batch)
            }
            writerRows += rows
            rowsWritten += rows
            if writerRows >= options.rowsPerSegment { try finishSegment() }
        } catch {
            state = .failed
            throw writeFailure(error, context: "while appending")
        }
    }

    /// Deletes the rows `rowIDs` names (`TableSnapshot.rowIDColumn` values read from `snapshot`,
    /// which must be the state this write started from); ids of rows already deleted, or named
    /// twice, count once. Returns how many rows this call newly marks. The deletes become deletion
    /// files at `commit()` (Formats/plaza-manifest.md §10).
    ///
    /// - Throws: `.transactionClosed`; `.busy` when the table changed after `snapshot` was opened
    ///   (the statement must run again); `.damaged` for an id outside the snapshot.
    @discardableResult
    package func delete(rowIDs: UnsafeBufferPointer<Int64>, in snapshot: TableSnapshot) throws(StorageError) -> Int {
        try checkOpen()
        guard snapshot.generation == baseGeneration, snapshot.table == table else {
            throw StorageError(
                .busy,
                "table \"\(table)\" changed while the statement ran (generation \(snapshot.generation) read, \(baseGeneration) now); nothing was written, run it again",
                table: table)
        }
        guard replacements.isEmpty else {
            preconditionFailure("a write either compacts segments or deletes rows, not both")
        }
        deletingFrom = snapshot
        var marked = 0
        var group = -1, groupBase = 0, groupEnd = 0
        var words: [UInt64] = []
        var existing: [UInt64]? = nil
        func flush() {
            if group >= 0 { deleteMarks[group] = words }
        }
        for id in rowIDs {
            let rowID = Int(id)
            if rowID < groupBase || rowID >= groupEnd {
                guard let found = snapshot.rowGroup(ofRowID: rowID) else {
                    throw StorageError(.damaged, "row id \(rowID) is not a row of the snapshot", table: table)
                }
                flush()
                group = found.rowGroup
                groupBase = found.base
                groupEnd = found.base + snapshot.rowCount(rowGroup: group)
                words =
                    deleteMarks.removeValue(forKey: group)
                    ?? [UInt64](repeating: 0, count: (groupEnd - groupBase + 63) / 64)
                existing = snapshot.deletedWords(rowGroup: group)
            }
            let row = rowID - groupBase
            let bit: UInt64 = 1 &<< UInt64(row & 63)
            let already = words[row &>> 6] | (existing?[row &>> 6] ?? 0)
            if already & bit == 0 {
                words[row &>> 6] |= bit
                marked += 1
            }
        }
        flush()
        return marked
    }

    /// Rewrites base segment `segment` without its deleted rows into new segment files that take
    /// its place (and row order) at `commit()`; returns the rows it dropped. Readers of older
    /// snapshots keep reading the old file. `snapshot` must be the state this write started from.
    ///
    /// - Throws: `.transactionClosed`; `.busy` when the table changed after `snapshot` was opened;
    ///   what reading the segment or writing the new one throws.
    @discardableResult
    package func compact(segment: Int, from snapshot: TableSnapshot) throws(StorageError) -> Int {
        try checkOpen()
        guard snapshot.generation == baseGeneration, snapshot.table == table,
            segment < (base?.segments.count ?? 0), replacements[segment] == nil
        else {
            throw StorageError(
                .busy, "table \"\(table)\" changed while it was being compacted; nothing was written, run it again",
                table: table)
        }
        precondition(deleteMarks.isEmpty, "a write either compacts segments or deletes rows, not both")
        guard let deleted = snapshot.deletions[segment], deleted.deletedCount > 0 else { return 0 }
        do {
            if writer != nil { try finishSegment() }
        } catch {
            state = .failed
            throw writeFailure(error, context: "while finishing a segment")
        }
        let first = written.count
        let rowsBefore = rowsWritten
        let columns = Array(0..<schema.count)
        let batch = Batch(types: schema.fields.map(\.type))
        do {
            for group in snapshot.rowGroups(ofSegment: segment) {
                let cursor = try snapshot.openRowGroup(group, columns: columns, predicates: [])
                while try cursor.next(into: batch) {
                    if let mask = cursor.deletedRows {
                        batch.selection = SelectionVector(rowsClearIn: mask, count: batch.count)
                    }
                    try append(batch)
                }
            }
            if writer != nil { try finishSegment() }
        } catch let error as StorageError {
            state = .failed
            throw error
        } catch let error as FormatError {
            state = .failed
            throw writeFailure(error, context: "while compacting")
        } catch {
            state = .failed
            throw StorageError(.io, "compacting failed: \(error)", table: table)
        }
        replacements[segment] = Array(written[first...])
        rowsWritten = rowsBefore
        return deleted.deletedCount
    }

    /// The base manifest's segments with this transaction's deletes applied: each touched segment
    /// gets a new deletion file (written here, fsynced by `commit`), and a segment left without live
    /// rows is dropped.
    private func segmentsAfterDeletes() throws(StorageError) -> [SegmentEntry] {
        var segments = base?.segments ?? []
        guard let snapshot = deletingFrom, !deleteMarks.isEmpty else { return withReplacements(segments) }
        var touched: [Int: DeletionVector] = [:]
        for (group, marks) in deleteMarks.sorted(by: { $0.key < $1.key }) {
            let (segment, local) = snapshot.segmentLocation(ofRowGroup: group)
            var vector =
                touched[segment] ?? snapshot.deletions[segment]
                ?? DeletionVector(groupRows: snapshot.segmentGroupRows(segment))
            var words = vector.groups[local] ?? [UInt64](repeating: 0, count: marks.count)
            for w in words.indices { words[w] |= marks[w] }
            vector.setWords(group: local, words)
            touched[segment] = vector
        }
        var sequence = written.count
        var emptied = Set<Int>()
        for (segment, vector) in touched.sorted(by: { $0.key < $1.key }) {
            if vector.deletedCount == segments[segment].rowCount {
                emptied.insert(segment)
                continue
            }
            let name = newFileName(sequence: sequence, ending: "plzdel")
            sequence += 1
            let bytes = vector.encoded(segment: segments[segment].fileName)
            deletionFilesWritten.append(name)
            try FileSystem.writeNewFile(directory + "/" + name, bytes, table: table)
            segments[segment].deletions = DeletionEntry(
                fileName: name, deletedRows: vector.deletedCount, byteSize: bytes.count)
        }
        // A segment whose every row is deleted leaves the table (its file goes after the commit).
        return segments.indices.filter { !emptied.contains($0) }.map { segments[$0] }
    }

    /// `segments` (the base's, in order) with each compacted one replaced by its new files.
    private func withReplacements(_ segments: [SegmentEntry]) -> [SegmentEntry] {
        guard !replacements.isEmpty else { return segments }
        return segments.enumerated().flatMap { index, entry in replacements[index] ?? [entry] }
    }

    /// Publishes the written rows: finishes and fsyncs the segment files and the directory, writes
    /// the new manifest to a temporary file, fsyncs it, renames it over `MANIFEST` and fsyncs the
    /// directory (§5). Then deletes segments a replace made obsolete, and releases the lock.
    ///
    /// A crash at any point leaves the old or the new table, never a mix.
    ///
    /// - Throws: `.transactionClosed`; `.format` or `.io` when a step fails (the table is unchanged
    ///   unless the failure came after the rename, in which case the message says so).
    @discardableResult
    package func commit() throws(StorageError) -> CommitSummary {
        try checkOpen()
        do {
            if writer != nil { try finishSegment() }
        } catch {
            state = .failed
            throw writeFailure(error, context: "while finishing a segment")
        }
        try step(.segmentsFinished)
        let kept: [SegmentEntry]
        do {
            kept = mode == .append ? try segmentsAfterDeletes() : []
            // The new segments and deletion files and the directory's entries, all at once: one
            // after the other, each fsync waited for a journal commit of its own (a third of an
            // UPDATE's commit). All are durable before the manifest names them.
            let files =
                written.map { directory + "/" + $0.fileName } + deletionFilesWritten.map { directory + "/" + $0 }
            try FileSystem.syncAll(files + [directory], table: table)
        } catch {
            state = .failed
            throw error.noting(Self.unchangedNote)
        }
        try step(.segmentsSynced)

        let replacing = Set(replacements.values.joined().map(\.fileName))
        let appended = written.filter { !replacing.contains($0.fileName) }
        let manifest = Manifest(generation: generation, schema: schema, segments: kept + appended)
        let finalPath = directory + "/" + Manifest.fileName
        let temporaryPath = directory + "/" + Self.temporaryManifestPrefix + StorageCatalog.randomSuffix()
        do {
            try FileSystem.writeNewFileDurably(temporaryPath, manifest.encoded(), table: table)
            try step(.manifestWritten)
            if let owner {
                // Inside a transaction the new manifest waits under its temporary name; the
                // transaction publishes it (and deletes what it replaces) when it commits.
                owner.stage(
                    entry: table, directory: directory, base: base, manifest: manifest,
                    file: String(temporaryPath.split(separator: "/").last!), lock: lock)
                lock = nil
                state = .committed
                return CommitSummary(
                    table: table, generation: generation, rowsWritten: rowsWritten, segmentsWritten: written.count,
                    bytesWritten: written.reduce(0) { $0 + $1.byteSize }, rowCount: manifest.rowCount, schema: schema)
            }
            try FileSystem.moveAtomically(temporaryPath, to: finalPath, table: table)
        } catch {
            if state != .crashed {
                state = .failed
                try? FileSystem.removeFile(temporaryPath, table: table)
            }
            throw state == .crashed ? error : error.noting(Self.unchangedNote)
        }
        // From here on the new table is published; later failures do not undo it.
        state = .committed
        try step(.manifestRenamed)
        do {
            try FileSystem.sync(directory, table: table)
        } catch {
            lock?.release()
            throw StorageError(
                error.kind, error.message + " (the commit is visible but may not survive a power loss)", table: table,
                file: directory)
        }
        try step(.directorySynced)
        let keptNames = Set(manifest.segments.flatMap(\.fileNames))
        for name in (base?.segments ?? []).flatMap(\.fileNames) where !keptNames.contains(name) {
            // Open snapshots keep their mapping after unlink (POSIX), so deleting now is safe;
            // a failure only leaves an orphan that the next writer deletes.
            try? FileSystem.removeFile(directory + "/" + name, table: table)
        }
        try step(.oldSegmentsDeleted)
        lock?.release()
        lock = nil
        return CommitSummary(
            table: table, generation: generation, rowsWritten: rowsWritten, segmentsWritten: written.count,
            bytesWritten: written.reduce(0) { $0 + $1.byteSize }, rowCount: manifest.rowCount, schema: schema)
    }

    /// Abandons the write: deletes the segment files it wrote and releases the lock. The table is unchanged.
    /// Does nothing after `commit()` or an earlier `abort()`.
    package func abort() {
        guard state == .open || state == .failed else { return }
        state = .aborted
        writer = nil
        if !writerPath.isEmpty { try? FileSystem.removeFile(writerPath, table: table) }
        for segment in written { try? FileSystem.removeFile(directory + "/" + segment.fileName, table: table) }
        for name in deletionFilesWritten { try? FileSystem.removeFile(directory + "/" + name, table: table) }
        // A table directory this write created stays only if something else is in it.
        if base == nil { _ = FileSystem.removeEmptyDirectory(directory) }
        lock?.release()
        lock = nil
    }

    // MARK: Helpers

    private func checkOpen() throws(StorageError) {
        switch state {
        case .open: return
        case .committed: throw StorageError(.transactionClosed, "the write was already committed", table: table)
        case .aborted, .crashed: throw StorageError(.transactionClosed, "the write was aborted", table: table)
        case .failed:
            throw StorageError(
                .transactionClosed, "an earlier step of this write failed; abort it and start again", table: table)
        }
    }

    /// Appended to the message of a write that failed before its commit was published.
    static let unchangedNote = "nothing was committed; the table is unchanged"

    /// A segment writer's failure as a `StorageError`. An I/O failure (disk full, file size limit)
    /// keeps the kind `.io`, so that callers do not take it for damage on disk.
    private func writeFailure(_ error: FormatError, context: String) -> StorageError {
        let failure = StorageError(error, table: table, context: context)
        guard error.kind == .io else { return failure }
        var io = failure.noting(Self.unchangedNote)
        io.kind = .io
        return io
    }

    private func finishSegment() throws(FormatError) {
        guard let current = writer else { return }
        writer = nil
        // Not fsynced here: `commit` fsyncs every new file at once (they share journal commits).
        let summary = try current.finish(syncing: false)
        written.append(
            SegmentEntry(
                fileName: String(writerPath.split(separator: "/").last!), rowCount: summary.rowCount,
                rowGroupCount: summary.rowGroupCount, byteSize: summary.byteCount))
        writerPath = ""
    }

    /// Simulates a crash after `completed` when the test hook asks for it: the lock goes (as the
    /// kernel drops it when a process dies) and nothing is cleaned up.
    private func step(_ completed: CommitStep) throws(StorageError) {
        guard crashAfter == completed else { return }
        state = .crashed
        writer = nil
        lock?.release()
        lock = nil
        throw StorageError(.io, "simulated crash after \(completed)", table: table)
    }
}

/// A number as at least six decimal digits, for segment file names that sort by generation.
func sixDigits(_ value: UInt64) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
}
