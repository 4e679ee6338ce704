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
        try forEachTable(tables.isEmpty ? db.tableNames() : tables, failure: "could not be compacted") {
            (name) throws(PlazaError) in try db.compact(table: name).description
        }
    }
}
