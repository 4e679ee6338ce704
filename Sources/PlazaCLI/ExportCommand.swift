import ArgumentParser
import Foundation
import Plaza

/// `plaza export`: a table or a query's result to a Parquet, CSV, JSON, Excel or Arrow file (or partitioned directories).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a table or a query's result to a Parquet, CSV, JSON, Excel or Arrow file.",
        discussion: """
            Each file is written under a temporary name and renamed when complete, so a failure \
            leaves no half-written file. Examples: plaza export reportes --to reportes.parquet; \
            plaza export "SELECT *, year(fecha) AS anio FROM reportes" --to por_anio --format parquet --partition-by anio
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "The file to write (replaced if it exists), or the directory with --partition-by.") var to: String
    @Option(help: "parquet, csv, json, xlsx or arrow (default: from the extension of --to, else csv).")
    var format: ExportFormat?
    @Option(help: "Parquet compression: zstd (default), snappy or none.") var compression: ExportCompression = .zstd
    @Option(
        name: .customLong("partition-by"), parsing: .upToNextOption,
        help: "Columns giving Hive-style directories (anio=2024/…); left out of the files.")
    var partitionBy: [String] = []
    @Flag(help: "No summary.") var quiet = false
    @Argument(help: "A table name or a SELECT query.") var tableOrQuery: String

    func run() async throws {
        let db = try database.open(readOnly: true)
        let rows = try db.export(
            tableOrQuery, to: to, format: format, compression: compression, partitionBy: partitionBy)
        if !quiet {
            let output = OutputStream.standardOutput
            try output.writeLine("\(rows) rows written to \(to)")
            try output.flush()
        }
    }
}

extension ExportCompression: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
