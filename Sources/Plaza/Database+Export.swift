internal import PlazaCore
internal import PlazaExecution
internal import PlazaParquet
internal import PlazaPlanner
internal import PlazaSQL
internal import PlazaStorage
internal import PlazaVector
import Foundation

/// The file formats `Database.export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Comma-separated text with a header line.
    case csv
    /// Apache Parquet.
    case parquet
    /// Newline-delimited JSON: one object per row.
    case json
    /// An Excel workbook of one sheet (at most 1,048,575 rows).
    case xlsx
    /// An Apache Arrow IPC stream (the streaming format, `.arrows`), as `pyarrow.ipc.open_stream` reads it.
    case arrow
}

/// Page compression of an exported Parquet file.
public enum ExportCompression: String, Sendable, CaseIterable {
    /// Zstandard (level 3): small files, fast to read.
    case zstd
    /// Snappy: what most Parquet writers use by default.
    case snappy
    /// No compression.
    case none
}

extension Database {
    /// Writes a table, or the result of a query, to a Parquet file.
    ///
    /// ```swift
    /// try db.exportParquet("reportes", to: "reportes.parquet")
    /// try db.exportParquet("SELECT agencia, sum(monto) FROM reportes GROUP BY 1", to: "totales.parquet")
    /// ```
    /// Dictionary and RLE encodings, min/max statistics per row group, and DATE, TIMESTAMP and
    /// DECIMAL as exact logical types. The file is written under a temporary name and renamed
    /// when complete: a failure leaves no file under `path` (an existing file stays as it was).
    /// - Parameters:
    ///   - tableOrQuery: a table name, or a SELECT statement.
    ///   - parameters: the values of the query's `?` or `$n` placeholders.
    ///   - path: the file to write (replaced if it exists).
    ///   - compression: the page codec.
    /// - Returns: the number of rows written.
    /// - Throws: `PlazaError` for bad SQL, an unknown table, or a file that cannot be written.
    @discardableResult
    public func exportParquet(_ tableOrQuery: String, to path: String, compression: ExportCompression = .zstd)
        throws(PlazaError) -> Int
    {
        try export(tableOrQuery, to: path, format: .parquet, compression: compression)
    }

    /// Writes a table, or the result of a query, to a CSV, Parquet, newline-delimited JSON, Excel
    /// or Arrow IPC stream file, or with `partitionBy` to Hive-style directories of them
    /// (`anio=2024/data_0.parquet`), as `COPY … TO` does.
    ///
    /// ```swift
    /// try db.export("reportes", to: "reportes.csv")
    /// try db.export("SELECT *, year(fecha) AS anio FROM reportes", to: "por_anio", format: .parquet,
    ///               partitionBy: ["anio"])
    /// ```
    /// - Parameters:
    ///   - tableOrQuery: a table name, or a SELECT statement.
    ///   - parameters: the values of the query's `?` or `$n` placeholders.
    ///   - path: the file (replaced if it exists), or the directory for `partitionBy`.
    ///   - format: the file format; nil takes it from the extension (CSV when it names none).
    ///   - compression: Parquet's page codec.
    ///   - partitionBy: columns giving one directory level each; they are left out of the files.
    /// - Returns: the number of rows written.
    /// - Throws: `PlazaError` for bad SQL, an unknown table or column, or a file that cannot be written.
    @discardableResult
    public func export(
        _ tableOrQuery: String, parameters: [any ParameterConvertible] = [], to path: String,
        format: ExportFormat? = nil, compression: ExportCompression = .zstd, partitionBy: [String] = []
    ) throws(PlazaError) -> Int {
        let trimmed = tableOrQuery.trimmingCharacters(in: .whitespacesAndNewlines)
        let isQuery = trimmed.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" })
        let source = isQuery ? "(" + trimmed + ")" : Self.quotedName(trimmed)
        var options: [String] = []
        if let format { options.append("FORMAT " + format.rawValue) }
        if format == .parquet || (format == nil && path.lowercased().hasSuffix(".parquet")) {
            options.append("COMPRESSION " + compression.rawValue)
        }
        if !partitionBy.isEmpty {
            options.append("PARTITION_BY (" + partitionBy.map(Self.quotedName).joined(separator: ", ") + ")")
        }
        let sql =
            "COPY " + source + " TO '" + path.replacingOccurrences(of: "'", with: "''") + "'"
            + (options.isEmpty ? "" : " (" + options.joined(separator: ", ") + ")")
        let statements = try parse(sql)
        let tables = pinnedCatalog()
        guard statements.count == 1,
            case .copy(let copy) = try bind(
                statements[0], sql: sql, parameters: parameters.map(\.parameterValue), tables: tables)
        else {
            throw PlazaError(kind: .usage, message: "export takes one table or one SELECT query")
        }
        // The service itself names the file here, so allowsExternalFiles (which guards SQL) does not apply.
        let result = try runCopy(
            copy, cancellation: CancellationToken.forCurrentTask(), tables: tables, isRequestedByAPI: true)
        return result.changedRowCount ?? 0
    }

    /// A name in double quotes, for SQL this API writes.
    static func quotedName(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
