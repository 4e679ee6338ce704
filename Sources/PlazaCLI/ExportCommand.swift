import ArgumentParser
import Foundation
import Plaza

/// `plaza export`: a table or a query's result to a Parquet file.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a table or a query's result to a Parquet file.",
        discussion: """
            The file is written under a temporary name and renamed when complete, so a failure \
            leaves no half-written file. Example: plaza export reportes --to reportes.parquet
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "The Parquet file to write (replaced if it exists).") var to: String
    @Option(help: "zstd (default), snappy or none.") var compression: ExportCompression = .zstd
    @Flag(help: "No summary.") var quiet = false
    @Argument(help: "A table name or a SELECT query.") var tableOrQuery: String

    func run() async throws {
        let db = try database.open(readOnly: true)
        let rows = try db.exportParquet(tableOrQuery, to: to, compression: compression)
        if !quiet {
            let output = OutputStream.standardOutput
            try output.writeLine("\(rows) rows written to \(to)")
            try output.flush()
        }
    }
}

extension ExportCompression: ExpressibleByArgument {}
