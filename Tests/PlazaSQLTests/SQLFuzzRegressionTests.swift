import PlazaCore
import Testing

@testable import PlazaSQL

/// Inputs found by Fuzz/ (fuzz-sql) that once broke a promise of the SQL frontend; each must
/// now keep it. See Fuzz/README.md.
@Suite struct SQLFuzzRegressionTests {
    /// Statement+SQL promises that printed SQL parses back to a statement that prints the same.
    static let roundTrips: [String] = [
        // A function name with `$` was printed quoted, and the parser takes no quoted function name.
        "SELECT id, da$1te_trunc('day', t) FROM ts ORDER BY id"
    ]

    @Test(arguments: roundTrips) func printedSQLParsesAgain(_ sql: String) throws {
        let statements = try Parser.parse(sql)
        #expect(statements.count == 1)
        let printed = statements[0].sql
        let again = try Parser.parse(printed)
        #expect(again.count == 1)
        #expect(again.first?.sql == printed)
    }
}
