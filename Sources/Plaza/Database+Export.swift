internal import PlazaCore
internal import PlazaExecution
internal import PlazaParquet
internal import PlazaPlanner
internal import PlazaSQL
internal import PlazaStorage
internal import PlazaVector
import Foundation

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
    ///   - path: the file to write (replaced if it exists).
    ///   - compression: the page codec.
    /// - Returns: the number of rows written.
    /// - Throws: `PlazaError` for bad SQL, an unknown table, or a file that cannot be written.
    @discardableResult
    public func exportParquet(_ tableOrQuery: String, to path: String, compression: ExportCompression = .zstd)
        throws(PlazaError) -> Int
    {
        let trimmed = tableOrQuery.trimmingCharacters(in: .whitespacesAndNewlines)
        let isQuery = trimmed.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" })
        let sql = isQuery ? trimmed : "SELECT * FROM \"" + trimmed.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let statements = try parse(sql)
        guard statements.count == 1 else {
            throw PlazaError(kind: .usage, message: "export takes one table or one query, not \(statements.count)")
        }
        let tables = PinnedCatalog(catalog)
        let bound = try bind(statements[0], sql: sql, parameters: [], tables: tables)
        guard case .query(let plan) = bound else {
            throw PlazaError(kind: .usage, message: "export takes a table or a SELECT query")
        }
        let optimized = Optimizer.optimize(plan, statistics: tables)
        let codec: ParquetCodec = compression == .zstd ? .zstd : compression == .snappy ? .snappy : .uncompressed
        var rows = 0
        let cancellation = CancellationToken.forCurrentTask()
        let writer: ParquetWriter
        do {
            writer = try ParquetWriter(
                path: path, schema: Schema(optimized.fields), options: ParquetWriter.Options(codec: codec))
        } catch {
            throw PlazaError.from(parquet: error)
        }
        var failure: ParquetError?
        do {
            try makeExecutor(cancellation: cancellation, tables: tables).stream(optimized) { batch in
                do throws(ParquetError) {
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
}
