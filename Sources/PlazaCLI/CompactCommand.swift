import ArgumentParser
import Foundation
import Plaza

/// `plaza compact [TABLE…]`: rewrites segments without the rows DELETE and UPDATE removed.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact", abstract: "Reclaim the space of deleted rows (rewrite segments without them).",
        discussion: """
            Prints one line per table: "NAME: S segments rewritten, D deleted rows removed, R rows". \
            Each table is rewritten in one atomic commit; queries running meanwhile are not disturbed. \
            Tables without deleted rows are left as they are. Exits 1 if any table failed.
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The tables to compact (default: every table).") var tables: [String] = []

    func run() async throws {
        let db = try database.open(readOnly: false)
        let names = tables.isEmpty ? db.tableNames() : tables
        let output = OutputStream.standardOutput
        var failed: [String] = []
        for name in names {
            let compaction: TableCompaction
            do {
                compaction = try db.compact(table: name)
            } catch {
                try output.flush()
                printError(error)
                failed.append(name)
                continue
            }
            try output.writeLine(compaction.description)
        }
        if !failed.isEmpty {
            throw CommandFailure(
                message: "\(failed.count) of \(names.count) tables could not be compacted: "
                    + failed.joined(separator: ", "))
        }
    }
}
