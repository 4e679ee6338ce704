import ArgumentParser
import Foundation
import Plaza

/// `plaza verify [TABLE…]`: reads every block of every segment and checks its checksum.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that tables read back intact (every block's checksum).",
        discussion: """
            Prints one line per table: "NAME: ok, generation G, R rows, S segments, B blocks". \
            A damaged table's error goes to standard error, naming the segment file, column, row \
            group and block; the other tables are still checked. Exits 1 if any table failed.
            """)

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The tables to check (default: every table).") var tables: [String] = []

    func run() async throws {
        let db = try database.open(readOnly: true)
        try forEachTable(tables.isEmpty ? db.tableNames() : tables, failure: "failed verification") {
            (name) throws(PlazaError) in try db.verify(table: name).description
        }
    }
}
