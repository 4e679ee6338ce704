internal import PlazaCore
internal import PlazaExecution
internal import PlazaParquet
internal import PlazaArrow
internal import PlazaCSV
internal import PlazaPlanner
internal import PlazaStorage
internal import PlazaVector
import Foundation

extension Database {
    /// Runs `COPY … TO 'path'`: streams the rows into the file (or the PARTITION_BY directories)
    /// and answers the number of rows written, as DuckDB does.
    ///
    /// Every file is written under a temporary name and renamed when complete, so a failure (a
    /// full disk, a bad row, a cancelled query) leaves no half-written file under a final name.
    /// `isRequestedByAPI`: `Database.export` names the file, not SQL, so `allowsExternalFiles` does not apply.
    func runCopy(
        _ copy: BoundCopy, cancellation: CancellationToken, tables: PinnedCatalog, isRequestedByAPI: Bool = false
    ) throws(PlazaError) -> QueryResult {
        guard options.allowsExternalFiles || isRequestedByAPI else {
            throw PlazaError(
                kind: .usage, message: "writing files outside the database is disabled for this database (\(copy.path))"
            )
        }
        if !isRequestedByAPI, let directories = options.allowedDirectories {
            do {
                try FileTables(threads: 1, allowedDirectories: directories).checkAllowed(copy.path)
            } catch {
                throw PlazaError(kind: .usage, message: error.message)
            }
        }
        let plan = Optimizer.optimize(copy.plan, statistics: tables)
        let writer: any RowFileWriter
        do {
            if copy.partitionBy.isEmpty {
                writer = try Self.fileWriter(
                    copy, path: copy.path, fields: plan.fields, threads: currentSettings.threads)
            } else {
                writer = try PartitionedFileWriter(copy, fields: plan.fields)
            }
        } catch {
            throw PlazaError.from(error)
        }
        let rows = try writeRows(of: plan, into: writer, tables: tables, cancellation: cancellation)
        return Self.changedRows(rows)
    }

    /// Runs the optimized `plan` into `writer` and completes it; on any failure the writer is
    /// abandoned (no file under a final name). Returns the number of rows written.
    func writeRows(
        of plan: LogicalPlan, into writer: any RowFileWriter, tables: PinnedCatalog,
        cancellation: CancellationToken = .forCurrentTask()
    ) throws(PlazaError) -> Int {
        var rows = 0
        var failure: (any Error)?
        do {
            try makeExecutor(cancellation: cancellation, tables: tables).stream(
                plan, keepingDictionaries: writer.takesDictionaryVectors
            ) { batch in
                do {
                    try writer.write(batch)
                } catch {
                    failure = error
                    return false
                }
                rows += batch.liveCount
                return true
            }
            if let failure { throw failure }
            try writer.finish()
        } catch {
            writer.abandon()
            throw PlazaError.from(error, cancellation: cancellation)
        }
        return rows
    }

    /// The writer of one file in the statement's format; a Parquet file of a query running on
    /// `threads` > 1 threads is encoded on that many threads of its own while the rows arrive.
    static func fileWriter(_ copy: BoundCopy, path: String, fields: [Field], threads: Int = 1) throws
        -> any RowFileWriter
    {
        switch copy.format {
        case .parquet:
            let codec: ParquetCodec =
                copy.compression == "snappy" ? .snappy : copy.compression == "none" ? .uncompressed : .zstd
            let options = ParquetWriter.Options(codec: codec, encodingThreads: threads > 1 ? threads : 0)
            return ParquetRowWriter(try ParquetWriter(path: path, schema: Schema(fields), options: options))
        case .csv:
            return try TextRowWriter(
                path: path, fields: fields, style: .csv(delimiter: copy.delimiter, header: copy.header))
        case .json:
            return try TextRowWriter(path: path, fields: fields, style: .jsonLines)
        case .xlsx:
            return try XLSXWriter(path: path, fields: fields)
        case .arrow:
            return try TextRowWriter(
                path: path, fields: fields, style: .arrowStream(ArrowStreamWriter(fields: fields)))
        }
    }
}

/// Something COPY writes rows into: one file, or a directory of them.
protocol RowFileWriter: AnyObject {
    /// Appends the batch's live rows.
    func write(_ batch: Batch) throws
    /// Completes the output under its final name.
    func finish() throws
    /// Stops and removes what was written; final names are untouched.
    func abandon()
    /// Whether `write` takes dictionary vectors as they are (it uses their codes).
    var takesDictionaryVectors: Bool { get }
}

extension RowFileWriter {
    /// Flat vectors only, unless the writer says otherwise.
    var takesDictionaryVectors: Bool { false }
}

/// A Parquet file (the writer already writes under a temporary name).
final class ParquetRowWriter: RowFileWriter {
    let writer: ParquetWriter
    init(_ writer: ParquetWriter) { self.writer = writer }
    var takesDictionaryVectors: Bool { true }
    func write(_ batch: Batch) throws { try writer.write(batch) }
    func finish() throws { try writer.finish() }
    func abandon() { writer.abandon() }
}

/// An Excel workbook is one as it stands (it already writes under a temporary name).
extension XLSXWriter: RowFileWriter {}

/// A CSV, newline-delimited JSON or Arrow stream file: a format written front to back, through
/// a buffer to a temporary file that is renamed to `path` when complete.
final class TextRowWriter: RowFileWriter {
    /// How rows become bytes.
    enum Style {
        /// RFC 4180 CSV with `delimiter`, a header line when `header`; NULL is an empty field.
        case csv(delimiter: UInt8, header: Bool)
        /// One JSON object per line, keyed by column name.
        case jsonLines
        /// An Arrow IPC stream: the schema, record batches of up to 2,048 rows, the end-of-stream marker.
        case arrowStream(ArrowStreamWriter)
    }

    let path: String
    let temporaryPath: String
    let fields: [Field]
    let style: Style
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// The JSON key of each column, quoted and escaped once.
    private let keys: [String]

    init(path: String, fields: [Field], style: Style) throws {
        self.path = path
        self.fields = fields
        self.style = style
        let url = URL(fileURLWithPath: path)
        temporaryPath =
            url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
            .path
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PlazaError(
                kind: .input, message: "cannot create \(path): \(String(cString: strerror(errno)))",
                location: .file(FileLocation(path: path)))
        }
        keys = fields.map { jsonString($0.name) }
        buffer.reserveCapacity(1 << 20)
        if case .csv(let delimiter, true) = style {
            let line = fields.map { csvField($0.name, delimiter: delimiter) }.joined(
                separator: String(UnicodeScalar(delimiter)))
            buffer.append(contentsOf: line.utf8)
            buffer.append(10)
        }
        if case .arrowStream(let writer) = style { buffer += writer.schemaMessage() }
    }

    func write(_ batch: Batch) throws {
        if case .arrowStream(let writer) = style {
            buffer += try writer.append(batch)
            if buffer.count >= 1 << 20 { try flush() }
            return
        }
        let rows = batch.liveCount
        for position in 0..<rows {
            let row = batch.selection.map { Int($0.indices[position]) } ?? position
            switch style {
            case .csv(let delimiter, _):
                for (column, vector) in batch.columns.enumerated() {
                    if column > 0 { buffer.append(delimiter) }
                    let value = vector.value(at: row)
                    if !value.isNull {
                        buffer.append(contentsOf: csvField(value.description, delimiter: delimiter).utf8)
                    }
                }
            case .jsonLines:
                buffer.append(UInt8(ascii: "{"))
                for (column, vector) in batch.columns.enumerated() {
                    if column > 0 { buffer.append(UInt8(ascii: ",")) }
                    buffer.append(contentsOf: keys[column].utf8)
                    buffer.append(UInt8(ascii: ":"))
                    buffer.append(contentsOf: jsonValue(vector.value(at: row)).utf8)
                }
                buffer.append(UInt8(ascii: "}"))
            case .arrowStream: preconditionFailure("written whole batches above")
            }
            buffer.append(10)
            if buffer.count >= 1 << 20 { try flush() }
        }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw PlazaError(
                    kind: .input, message: "cannot write \(path): \(String(cString: strerror(errno)))",
                    location: .file(FileLocation(path: path)))
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        if case .arrowStream(let writer) = style { buffer += try writer.finish() }
        try flush()
        guard fsync(descriptor) == 0 else {
            throw PlazaError(kind: .input, message: "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            throw PlazaError(
                kind: .input,
                message: "cannot rename the finished file to \(path): \(String(cString: strerror(errno)))",
                location: .file(FileLocation(path: path)))
        }
    }

    func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }
}

/// PARTITION_BY: one file per distinct combination of the partition columns, in Hive-style
/// directories (`anio=2024/agencia=Agua/data_0.parquet`); the files hold the other columns.
final class PartitionedFileWriter: RowFileWriter {
    let copy: BoundCopy
    let fields: [Field]
    /// Positions of the columns written into the files.
    let kept: [Int]
    private var writers: [String: any RowFileWriter] = [:]
    /// Directories this statement created, removed again on abandon (deepest first).
    private var createdDirectories: [String] = []

    init(_ copy: BoundCopy, fields: [Field]) throws {
        self.copy = copy
        self.fields = fields
        kept = fields.indices.filter { !copy.partitionBy.contains($0) }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: copy.path, isDirectory: &isDirectory) {
            let entries = isDirectory.boolValue ? (try? manager.contentsOfDirectory(atPath: copy.path)) ?? [] : ["?"]
            if !entries.isEmpty {
                guard copy.overwrite else {
                    throw PlazaError(
                        kind: .usage,
                        message:
                            "\(copy.path) exists and is not an empty directory; add OVERWRITE to replace it (nothing was written)"
                    )
                }
                try manager.removeItem(atPath: copy.path)
            }
        }
        try manager.createDirectory(atPath: copy.path, withIntermediateDirectories: true)
    }

    func write(_ batch: Batch) throws {
        var groups: [String: [Int32]] = [:]
        var order: [String] = []
        let partitionColumns = copy.partitionBy.map { batch.columns[$0] }
        for position in 0..<batch.liveCount {
            let row = batch.selection.map { $0.indices[position] } ?? Int32(position)
            var directory = ""
            for (index, vector) in zip(copy.partitionBy, partitionColumns) {
                directory += "/" + fields[index].name + "=" + Self.directoryText(vector.value(at: Int(row)))
            }
            if groups[directory] == nil { order.append(directory) }
            groups[directory, default: []].append(row)
        }
        for directory in order {
            let rows = groups[directory]!
            let writer = try writer(for: directory)
            let columns = rows.withUnsafeBufferPointer { indices in
                kept.map { GatherKernel.gather(batch.columns[$0], indices) }
            }
            try writer.write(Batch(columns: columns, count: rows.count))
        }
    }

    private func writer(for directory: String) throws -> any RowFileWriter {
        if let writer = writers[directory] { return writer }
        let path = copy.path + directory
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        createdDirectories.append(path)
        let writer = try Database.fileWriter(
            copy, path: path + "/data_0." + Self.fileExtension(copy.format), fields: kept.map { fields[$0] })
        writers[directory] = writer
        return writer
    }

    /// The extension of the files: the format's name, but `.arrows` for Arrow, the extension of
    /// the streaming format (`.arrow` usually names Arrow's random-access file format).
    static func fileExtension(_ format: BoundCopy.Format) -> String { format == .arrow ? "arrows" : format.rawValue }

    func finish() throws {
        for directory in writers.keys.sorted() { try writers[directory]!.finish() }
    }

    func abandon() {
        for writer in writers.values { writer.abandon() }
        try? FileManager.default.removeItem(atPath: copy.path)
    }

    /// A partition value as a directory name, as DuckDB and Hive write it: its text,
    /// `__HIVE_DEFAULT_PARTITION__` for NULL, and `%XX` for what a path cannot hold or Hive reads
    /// specially (`/`, `=`, `%`, spaces, control characters…).
    static func directoryText(_ value: Value) -> String {
        if value.isNull { return "__HIVE_DEFAULT_PARTITION__" }
        var text = ""
        for scalar in value.description.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || "/\\=%:*?\"<>|# ".unicodeScalars.contains(scalar)
                || (text.isEmpty && scalar == ".")
            {
                text += "%" + String(format: "%02X", scalar.value)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
