internal import PlazaCore
internal import PlazaCSV
internal import PlazaStorage
internal import PlazaVector
import Foundation

extension Database {
    /// Imports a CSV file into a table, detecting the dialect, encoding and column types.
    ///
    /// ```swift
    /// let summary = try db.importCSV(from: "reportes_2024.csv")            // creates table reportes_2024
    /// try db.importCSV(from: "reportes_2025.csv", into: "reportes_2024", options: ImportOptions(mode: .append))
    /// ```
    /// Appending matches columns by name: a file column narrower than the table's is read with the
    /// table's type; a wider one widens the table. Imports run one at a time; queries keep running
    /// and see the table as it was until the import commits. On failure nothing changes.
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - table: the table name; nil derives it from the file name (lower-cased, other characters `_`).
    ///   - options: how to read the file and treat an existing table.
    ///   - progress: called from time to time with the bytes parsed so far.
    /// - Returns: rows read, imported and rejected, the table's columns, and the choices made.
    /// - Throws: `PlazaError`: `.input` naming file, line and column; `.usage` when the table exists
    ///   and neither append nor replace was asked for, or the database is read-only.
    @discardableResult
    public func importCSV(
        from path: String, into table: String? = nil, options: ImportOptions = ImportOptions(),
        progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) throws(PlazaError) -> ImportSummary {
        guard !self.options.isReadOnly else {
            throw PlazaError(
                kind: .usage, message: "the database \"\(self.path)\" was opened read-only; cannot import \(path)")
        }
        // Parquet input goes to its own importer (Database+ImportParquet.swift).
        if Self.isParquetPath(path) {
            return try importParquet(from: path, into: table, options: options, progress: progress)
        }
        if Self.isJSONPath(path) {
            return try importThroughReader(
                "read_json", from: path, into: table, options: options,
                note: "read as JSON objects: keys as columns, nested values as JSON text")
        }
        if Self.isExcelPath(path) {
            return try importThroughReader(
                "read_xlsx", from: path, into: table, options: options,
                note: "read the workbook's first sheet: its first row as header, types from every cell")
        }
        let name = table ?? Self.tableName(forFile: path)
        importLock.lock()
        defer { importLock.unlock() }
        do {
            return try importLocked(path: path, table: name, options: options, progress: progress)
        } catch {
            throw PlazaError.from(error)
        }
    }

    /// The default table name of a file: its base name without extension, lower-cased, with
    /// every character other than a letter, digit or `_` replaced by `_`.
    public static func tableName(forFile path: String) -> String {
        var base = (path as NSString).lastPathComponent
        let ext = (base as NSString).pathExtension
        if !ext.isEmpty { base = String(base.dropLast(ext.count + 1)) }
        let mapped = base.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" ? String($0) : "_" }.joined()
        return mapped.isEmpty ? "_" : mapped
    }

    private func csvOptions(_ options: ImportOptions) throws(PlazaError) -> CSVOptions {
        var csv = CSVOptions()
        if let delimiter = options.delimiter {
            guard let ascii = delimiter.asciiValue, delimiter != "\"", delimiter != "\n", delimiter != "\r" else {
                throw PlazaError(
                    kind: .usage,
                    message:
                        "the delimiter must be one ASCII character other than a quote or a line break, not \"\(delimiter)\""
                )
            }
            csv.delimiter = ascii
        }
        switch options.encoding {
        case .auto: csv.encoding = .auto
        case .utf8: csv.encoding = .utf8
        case .windows1252: csv.encoding = .windows1252
        }
        csv.dateFormat = options.dateFormat
        csv.decimalComma = options.decimalComma
        if let tokens = options.nullTokens { csv.nullTokens = tokens }
        csv.onError = options.onError == .fail ? .fail : .skip
        csv.hasHeader = options.hasHeader
        csv.threads = max(1, currentSettings.threads)
        return csv
    }

    private func importLocked(
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
        let file = try CSVFile(path: path, options: try csvOptions(options))
        let inference = try file.inferSchema()
        var notes = inference.notes
        var fileSchema = inference.schema
        if let given = options.schema {
            guard given.count == fileSchema.count else {
                throw PlazaError(
                    kind: .input,
                    message: "\(path) has \(fileSchema.count) columns but \(given.count) column types were given",
                    location: .file(FileLocation(path: path)))
            }
            fileSchema = given
        }
        let mode: WriteMode = options.mode == .create ? .create : options.mode == .append ? .append : .replace
        let transaction = try catalog.beginWrite(table: name, mode: mode, schema: fileSchema)
        do {
            // Read each file column with the table's type (the table may have widened, or be wider).
            let tableSchema = transaction.schema
            var readFields = fileSchema.fields
            var tableOrder: [Int] = []
            for field in tableSchema.fields {
                guard let position = fileSchema.index(of: field.name) else {
                    throw PlazaError(
                        kind: .internal,
                        message: "column \"\(field.name)\" of the table is missing from the file after matching")
                }
                tableOrder.append(position)
                if readFields[position].type != field.type {
                    notes.append(
                        "column \"\(field.name)\" read as \(field.type), the table's type (the file alone gives \(fileSchema.fields[position].type))"
                    )
                    readFields[position].type = field.type
                }
            }
            if let existing {
                for field in tableSchema.fields {
                    if let old = existing.schema.fields.first(where: { $0.name.lowercased() == field.name.lowercased() }
                    ), old.type != field.type {
                        notes.append(
                            "column \"\(field.name)\" of table \"\(existing.name)\" widened from \(old.type) to \(field.type)"
                        )
                    }
                }
            }
            let readSchema = Schema(readFields)
            let summary = try file.read(
                schema: readSchema,
                progress: { done, total in
                    progress?(ImportProgress(bytesDone: done, bytesTotal: total))
                }
            ) { batch in
                batch.columns = tableOrder.map { batch.columns[$0] }
                try transaction.append(batch)
            }
            var rejectsPath: String?
            if !summary.rejected.isEmpty, let path = options.rejectsPath {
                try Self.writeRejects(summary.rejected, to: path)
                rejectsPath = path
            }
            _ = try transaction.commit()
            return ImportSummary(
                path: path, table: transaction.table, mode: options.mode, rowsRead: summary.rowsRead,
                rowsImported: summary.rowsImported, rowsRejected: summary.rejected.count, columns: tableSchema.fields,
                notes: notes, rejectsPath: rejectsPath)
        } catch {
            transaction.abort()
            throw error
        }
    }

    /// Writes rejected rows as CSV with a header: `line,reason,text`.
    static func writeRejects(_ rows: [CSVRejectedRow], to path: String) throws(PlazaError) {
        var text = "line,reason,text\n"
        for row in rows {
            text += String(row.line) + "," + csvQuoted(row.reason) + "," + csvQuoted(row.text) + "\n"
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw PlazaError(
                kind: .input, message: "cannot write the rejects file \(path): \(error.localizedDescription)",
                location: .file(FileLocation(path: path)))
        }
    }
}

/// A CSV field: quoted (with doubled quotes) when it holds a delimiter, quote or line break, or is empty.
func csvQuoted(_ text: String) -> String {
    if text.isEmpty { return "\"\"" }
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
}
