internal import PlazaCore
internal import PlazaParquet
internal import PlazaStorage
internal import PlazaVector
import Foundation

extension Database {
    /// Imports a Parquet file, a directory of them, or a glob pattern (`data/*.parquet`) into
    /// one table.
    ///
    /// ```swift
    /// try db.importParquet(from: "reportes_2024.parquet")                 // creates table reportes_2024
    /// try db.importParquet(from: "portal/*.parquet", into: "reportes")    // every match, one table
    /// ```
    /// Flat schemas only; every Parquet type Plaza has is mapped (INT96 reads as TIMESTAMP), and
    /// nested or unsupported columns are an error naming the file and column. All files must
    /// have the first file's columns (matched by name) with the same types. Appending needs the
    /// table's columns and types, or wider ones in the file (the table then widens). On failure
    /// nothing changes.
    /// - Parameters:
    ///   - path: a `.parquet` file, a directory holding `.parquet` files, or a glob pattern.
    ///   - table: the table name; nil derives it from the file or directory name.
    ///   - options: `mode` (create, append, replace); the CSV options do not apply.
    ///   - progress: called after each row group with the rows done and the rows in all files.
    /// - Throws: `PlazaError`: `.input` or `.format` naming the file, row group and column;
    ///   `.usage` when the table exists and neither append nor replace was asked for.
    @discardableResult
    public func importParquet(
        from path: String, into table: String? = nil, options: ImportOptions = ImportOptions(),
        progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) throws(PlazaError) -> ImportSummary {
        guard !self.options.isReadOnly else {
            throw PlazaError(
                kind: .usage, message: "the database \"\(self.path)\" was opened read-only; cannot import \(path)")
        }
        let name = table ?? Self.tableName(forParquet: path)
        importLock.lock()
        defer { importLock.unlock() }
        do {
            return try importParquetLocked(path: path, table: name, options: options, progress: progress)
        } catch {
            throw PlazaError.from(error)
        }
    }

    /// Whether `path` names Parquet input: a `.parquet` file or pattern, or a directory holding
    /// `.parquet` files.
    public static func isParquetPath(_ path: String) -> Bool {
        if (path as NSString).pathExtension.lowercased() == "parquet" { return true }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return false
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.contains { ($0 as NSString).pathExtension.lowercased() == "parquet" }
    }

    /// The default table of Parquet input: the file's name, or the directory's for a directory
    /// or a pattern.
    static func tableName(forParquet path: String) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let last = (trimmed as NSString).lastPathComponent
        if last.contains(where: { "*?[".contains($0) }) {
            let directory = (trimmed as NSString).deletingLastPathComponent
            return tableName(forFile: directory.isEmpty ? FileManager.default.currentDirectoryPath : directory)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory), isDirectory.boolValue {
            return tableName(forFile: (trimmed as NSString).lastPathComponent + ".dir")
        }
        return tableName(forFile: trimmed)
    }

    /// The files `path` names, sorted: itself, a directory's `.parquet` files, or a pattern's matches.
    static func parquetFiles(_ path: String) throws(PlazaError) -> [String] {
        let last = (path as NSString).lastPathComponent
        if last.contains(where: { "*?[".contains($0) }) {
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(path, 0, nil, &matches) == 0 else {
                throw PlazaError(
                    kind: .input, message: "\(path): no file matches the pattern",
                    location: .file(FileLocation(path: path)))
            }
            return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }.sorted()
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PlazaError(
                kind: .input, message: "\(path): no such file or directory", location: .file(FileLocation(path: path)))
        }
        guard isDirectory.boolValue else { return [path] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = entries.filter { ($0 as NSString).pathExtension.lowercased() == "parquet" }.sorted()
        guard !files.isEmpty else {
            throw PlazaError(
                kind: .input, message: "\(path): the directory holds no .parquet files",
                location: .file(FileLocation(path: path)))
        }
        return files.map { (path as NSString).appendingPathComponent($0) }
    }

    private func importParquetLocked(
        path: String, table name: String, options: ImportOptions, progress: (@Sendable (ImportProgress) -> Void)?
    ) throws -> ImportSummary {
        let existing = catalog.table(named: name)
        if existing != nil && options.mode == .create {
            throw PlazaError(
                kind: .usage,
                message:
                    "table \"\(existing?.name ?? name)\" already exists; use --append to add the rows or --replace to replace the table (nothing was changed)"
            )
        }
        if existing == nil && options.mode == .append { throw unknownTable(name) }
        let files = try Self.parquetFiles(path)
        let source = try ParquetScanSource(paths: files)
        let mode: WriteMode = options.mode == .create ? .create : options.mode == .append ? .append : .replace
        // Every column may hold NULLs once in a table, as CSV columns may.
        let fileSchema = Schema(source.schema.fields.map { Field(name: $0.name, type: $0.type) })
        let transaction = try catalog.beginWrite(table: name, mode: mode, schema: fileSchema)
        do {
            let tableSchema = transaction.schema
            var order: [Int] = []
            for field in tableSchema.fields {
                guard let position = fileSchema.index(of: field.name) else {
                    throw PlazaError(
                        kind: .internal,
                        message: "column \"\(field.name)\" of the table is missing from the file after matching")
                }
                guard fileSchema.fields[position].type == field.type else {
                    throw PlazaError(
                        kind: .input,
                        message:
                            "\(files[0]): column \"\(field.name)\" is \(fileSchema.fields[position].type) in the file but \(field.type) in the table; Parquet import does not convert types (nothing was changed)",
                        location: .file(FileLocation(path: files[0], column: field.name)))
                }
                order.append(position)
            }
            let total = files.indices.reduce(0) { $0 + source.files[$1].rowCount }
            var rows = 0
            let batch = Batch(types: tableSchema.fields.map(\.type))
            for group in 0..<source.rowGroupCount {
                let cursor = try source.openRowGroup(group, columns: order, predicates: [])
                while try cursor.next(into: batch) {
                    try transaction.append(batch)
                    rows += batch.count
                }
                progress?(ImportProgress(bytesDone: rows, bytesTotal: total))
            }
            _ = try transaction.commit()
            var notes = [
                "read \(source.rowGroupCount) row groups from \(files.count) Parquet file\(files.count == 1 ? "" : "s")"
            ]
            if let writer = source.files[0].createdBy { notes.append("written by \(writer)") }
            return ImportSummary(
                path: path, table: transaction.table, mode: options.mode, rowsRead: rows, rowsImported: rows,
                rowsRejected: 0, columns: tableSchema.fields, notes: notes, rejectsPath: nil)
        } catch {
            transaction.abort()
            throw error
        }
    }
}

extension PlazaError {
    /// The `PlazaError` of a Parquet read or write, keeping file, row group and column.
    static func from(parquet error: ParquetError) -> PlazaError {
        let kind: Kind
        switch error.kind {
        case .io: kind = .input
        case .invalidArgument: kind = .usage
        case .unsupported: kind = .input
        default: kind = .format
        }
        let location = error.path.map { PlazaError.Location.file(FileLocation(path: $0, column: error.column)) }
        return PlazaError(kind: kind, message: error.description, location: location, underlying: error)
    }
}
