import PlazaCore
import Testing

@testable import PlazaSQL

/// Inputs found by Fuzz/ (fuzz-sql) that once broke a promise of the SQL frontend; each must
/// now keep it. See Fuzz/README.md.
@Suite struct SQLFuzzRegressionTests {
    /// Statement+SQL promises that printed SQL parses back to a statement that prints the same.
    static let roundTrips: [String] = [
        // A function name with `$` was printed quoted, and the parser takes no quoted function name.
        "SELECT id, da$1te_trunc('day', t) FROM ts ORDER BY id",
        // A quote followed by a combining mark (U+0613) is one Character: escaping by Character
        // left it single, and the printed string ended there.
        "SELECT date_trunc('for|nigh''''\u{0613}OG''''', day) FROM t",
        "SELECT 1 AS \"a\"\"\u{0301}b\"",
    ]

    @Test(arguments: roundTrips) func printedSQLParsesAgain(_ sql: String) throws {
        let statements = try Parser.parse(sql)
        #expect(statements.count == 1)
        let printed = statements[0].sql
        let again = try Parser.parse(printed)
        #expect(again.count == 1)
        #expect(again.first?.sql == printed)
    }

    /// fuzz-sql printed `SELECT m AS ""` for `SELECT m AS ''`, which does not parse: an empty
    /// alias is refused as an empty quoted name is, at its place.
    @Test func anEmptyAliasIsRefused() {
        #expect(throws: SQLSyntaxError.self) { try Parser.parse("SELECT m AS '' FROM t") }
        do {
            _ = try Parser.parse("SELECT m AS '' FROM t")
        } catch {
            #expect(error.message.contains("an alias cannot be empty"))
            #expect(error.span.column == 13)
        }
    }

    /// fuzz-sql timed out on queries nested in `FROM ((((…` several levels deep: each `(` was
    /// tried as a subquery then as a join, re-parsing all it held (exponential in the levels).
    /// Eight levels of 40 parentheses parse (and fail) in a moment now; before, not in hours.
    @Test func nestedParenthesesInFromParseOnce() {
        var sql = ""
        for _ in 0..<8 { sql += "SELECT r FROM " + String(repeating: "(", count: 40) }
        sql += " FROM t"
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(sql) }
        let fuzzInput =
            "((((((((((((((((((((((((((((((SELECT r*m(aCT) OVER () FROM(((((((((((((((((((((SELECT "
            + "r*m(aCT) OVER () FROM(((((((((((((((((((((((((((((SELECT r*m(aCT) OVER () FROM((((((((((((((((((((("
            + "SELECT r*m(aCT) OVER () FROM(((((((((((((((((((((((((((((SELECT r*m(mmmmmmmmmaCT) OVER () "
            + "FROM((( FR((((((((((((((((SELECT r*m(aCT) OVER () FROM((( FROM t"
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(fuzzInput) }
    }

    /// fuzz-sql overflowed the stack on 1,009 `(` in FROM: read as a join, a parenthesis did not
    /// count as a level of nesting. It does now, and the statement fails past the limit.
    @Test func parenthesizedJoinsCountAsNesting() throws {
        let deep = "SELECT 1 FROM " + String(repeating: "(", count: 1200) + "t" + String(repeating: ")", count: 1200)
        do {
            _ = try Parser.parse(deep)
            Issue.record("1,200 nested parentheses parsed")
        } catch {
            #expect(error.message.contains("nested too deeply"))
        }
        let allowed = "SELECT 1 FROM " + String(repeating: "(", count: 100) + "t" + String(repeating: ")", count: 100)
        #expect(try Parser.parse(allowed).count == 1)
    }

    /// A `(` in FROM first read as a subquery and then as a join counts its `?` once, not twice.
    @Test func aParameterInAJoinTreeIsCountedOnce() throws {
        let statements = try Parser.parse("SELECT * FROM ((SELECT ? AS x) AS a JOIN b ON a.x = b.y)")
        #expect(statements.first?.parameterCount == 1)
    }
}
