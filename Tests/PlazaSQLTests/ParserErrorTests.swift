import PlazaCore
import Testing

@testable import PlazaSQL

/// Every kind of syntax mistake reports a message and the exact line and column.
@Suite struct ParserErrorTests {
    struct Case: Sendable, CustomStringConvertible {
        let sql: String
        let line: Int
        let column: Int
        let fragment: String
        var description: String { sql }
    }

    static let cases: [Case] = [
        Case(sql: "SELECT (1 + 2 FROM t", line: 1, column: 15, fragment: "\")\""),
        Case(sql: "SELECT 'abc", line: 1, column: 8, fragment: "unterminated string"),
        Case(sql: "SELECT \"abc", line: 1, column: 8, fragment: "unterminated quoted name"),
        Case(sql: "SELECT * FROM t WHERE", line: 1, column: 22, fragment: "end of input"),
        Case(sql: "SELECT 1 +", line: 1, column: 11, fragment: "expected an expression"),
        Case(sql: "SELECT CAST(1 AS FOO)", line: 1, column: 18, fragment: "unknown type \"FOO\""),
        Case(sql: "SELECT a FROM t ORDER BY a NULLS MIDDLE", line: 1, column: 34, fragment: "FIRST or LAST"),
        Case(sql: "SELECT a\nFROM t\nWHERE b = = 1", line: 3, column: 11, fragment: "\"=\""),
        Case(sql: "SELECT $0", line: 1, column: 8, fragment: "parameter"),
        Case(sql: "SELECT ?, $1", line: 1, column: 11, fragment: "do not mix"),
        Case(sql: "SELECT 1e", line: 1, column: 8, fragment: "exponent"),
        Case(sql: "SELECT @x", line: 1, column: 8, fragment: "unexpected character"),
        Case(sql: "SELECT 1 /* open", line: 1, column: 10, fragment: "unterminated comment"),
        Case(sql: "SELECT CAST(a AS DECIMAL(39,2))", line: 1, column: 26, fragment: "precision"),
        Case(sql: "SELECT CAST(a AS DECIMAL(4,5))", line: 1, column: 26, fragment: "scale"),
        Case(sql: "SELEC 1", line: 1, column: 1, fragment: "expected SELECT"),
        Case(sql: "SELECT a FROM", line: 1, column: 14, fragment: "table name"),
        Case(sql: "SELECT a FROM t JOIN u", line: 1, column: 23, fragment: "ON"),
        Case(sql: "SELECT a FROM t NATURAL JOIN u ON a = b", line: 1, column: 32, fragment: "near \"ON\""),
        Case(sql: "SELECT a FROM t FULL OUTER u ON a = b", line: 1, column: 28, fragment: "expected JOIN"),
        Case(sql: "SELECT a FROM t JOIN u USING (a,)", line: 1, column: 33, fragment: "column name in USING"),
        Case(
            sql: "SELECT a FROM t EXCEPT BY NAME SELECT b FROM u", line: 1, column: 17,
            fragment: "BY NAME is only supported with UNION"),
        Case(sql: "SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 UNION", line: 1, column: 50, fragment: "UNION"),
        Case(sql: "SELECT CASE END", line: 1, column: 13, fragment: "WHEN"),
        Case(sql: "SELECT a FROM t WHERE a IN ()", line: 1, column: 29, fragment: "expected an expression"),
        Case(sql: "SELECT 1 2", line: 1, column: 10, fragment: "between statements"),
        Case(sql: "SELECT a FROM t GROUP a", line: 1, column: 23, fragment: "BY"),
        Case(
            sql: "SELECT sum(a) OVER (ORDER BY a ROWS 1 FOLLOWING) FROM t", line: 1, column: 37,
            fragment: "a frame without BETWEEN"),
        Case(sql: "SHOW COLUMNS", line: 1, column: 6, fragment: "TABLES"),
        Case(sql: "SELECT a.b.c.d FROM t", line: 1, column: 12, fragment: "table.name"),
        Case(sql: "WITH RECURSIVE x(a, AS (SELECT 1) SELECT 1", line: 1, column: 21, fragment: "column name"),
        Case(sql: "WITH x AS MATERIALIZED SELECT 1", line: 1, column: 24, fragment: "before the WITH query"),
        Case(sql: "SELECT a FROM t WHERE a IS 3", line: 1, column: 28, fragment: "after IS"),
        Case(sql: "SELECT INTERVAL 3", line: 1, column: 18, fragment: "unit"),
        Case(sql: "SELECT a FROM t LIMIT", line: 1, column: 22, fragment: "expression"),
        Case(sql: "SELECT  FROM t", line: 1, column: 9, fragment: "expected an expression"),
        Case(sql: "SELECT \"\" FROM t", line: 1, column: 8, fragment: "cannot be empty"),
        Case(sql: "SELECT x FROM t WHERE a LIKE 'x' ESCAPE '!'", line: 1, column: 34, fragment: "ESCAPE"),
        Case(sql: "SELECT 1;\nSELECT (", line: 2, column: 9, fragment: "end of input"),
    ]

    @Test(arguments: cases)
    func errorPointsAtTheOffendingToken(_ testCase: Case) {
        do {
            _ = try Parser.parse(testCase.sql)
            Issue.record("expected an error for \(testCase.sql)")
        } catch {
            #expect(error.span.line == testCase.line, "\(error.description)")
            #expect(error.span.column == testCase.column, "\(error.description)")
            #expect(error.message.contains(testCase.fragment), "\(error.message)")
        }
    }

    @Test func descriptionShowsTheLineAndACaret() {
        do {
            _ = try Parser.parse("SELECT a\nFROM t WHERE (b")
            Issue.record("expected an error")
        } catch {
            let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3)
            #expect(lines[1] == "LINE 2: FROM t WHERE (b")
            #expect(lines[2] == String(repeating: " ", count: 8 + 15) + "^")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let sql = "SELECT " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(sql) }
        let chain = "SELECT " + Array(repeating: "1", count: 10_000).joined(separator: " + ")
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(chain) }
        let subqueries =
            String(repeating: "SELECT * FROM (", count: 5_000) + "SELECT 1" + String(repeating: ")", count: 5_000)
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(subqueries) }
        let nots = "SELECT " + String(repeating: "NOT ", count: 10_000) + "TRUE"
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(nots) }
        let minus = "SELECT " + String(repeating: "- ", count: 10_000) + "1"
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(minus) }
    }

    @Test func moderateNestingParses() throws {
        let sql = "SELECT " + String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(try Parser.parse(sql).count == 1)
    }

    @Test func aMegabyteStringLiteralParses() throws {
        let big = String(repeating: "x", count: 1 << 20)
        let statements = try Parser.parse("SELECT '" + big + "'")
        guard case .select(let query) = statements[0], case .expression(let e, _) = query.select.items[0],
            case .literal(.string(let text)) = e.kind
        else {
            Issue.record("unexpected tree")
            return
        }
        #expect(text.utf8.count == 1 << 20)
    }

    @Test func invalidUTF8IsAnErrorWithItsPosition() {
        var bytes = Array("SELECT 'ab".utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Array("'".utf8))
        do {
            _ = try Parser.parse(utf8: bytes)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("invalid UTF-8"))
            #expect(error.span.offset == 10)
            #expect(error.span.column == 11)
        }
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(utf8: [0xC0, 0x80]) }  // overlong
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(utf8: [0xED, 0xA0, 0x80]) }  // surrogate
        #expect(throws: SQLSyntaxError.self) { try Parser.parse(utf8: [0xE2, 0x82]) }  // truncated
    }

    @Test func validUTF8BytesParse() throws {
        #expect(try Parser.parse(utf8: Array("SELECT 'año €'".utf8)).count == 1)
    }

    @Test func arbitraryBytesNeverTrap() {
        // A fixed pseudo-random sweep over short inputs made of SQL fragments.
        let fragments = [
            "SELECT", " ", "(", ")", "'", "\"", "a", "1", ".", ",", "+", "-", "*", "/", "FROM", "WHERE", "CASE", "END",
            "::", "?", "$1", "--", "/*", "*/", "e", "\n", "IN", "NOT", "AND",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            var sql = ""
            for _ in 0..<12 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                sql += fragments[Int(state >> 33) % fragments.count]
            }
            _ = try? Parser.parse(sql)
        }
    }
}
