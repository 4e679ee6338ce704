import PlazaCore
import Testing

@testable import PlazaSQL

/// CREATE, DROP and INSERT: trees, printing that reparses to the same print, and errors at the spot.
@Suite struct WriteStatementParserTests {
    static let statements = [
        "CREATE TABLE t (a BIGINT NOT NULL, b VARCHAR, c DECIMAL(10,2) NULL)",
        "CREATE OR REPLACE TABLE t (d DATE, e TIMESTAMP, f BOOLEAN, g DOUBLE)",
        "CREATE TABLE IF NOT EXISTS \"Mi Tabla\" (\"Fecha de creación\" DATE)",
        "CREATE TABLE t AS SELECT a, count(*) AS n FROM u GROUP BY a",
        "CREATE OR REPLACE TABLE t AS WITH x AS (SELECT 1 AS a) SELECT * FROM x",
        "CREATE TABLE t AS VALUES (1, 'a'), (2, NULL)",
        "DROP TABLE t",
        "DROP TABLE IF EXISTS t",
        "INSERT INTO t VALUES (1, 'a'), (2, NULL)",
        "INSERT INTO t (b, a) VALUES (?, ?)",
        "INSERT INTO t SELECT * FROM u WHERE a > 1",
        "INSERT INTO t (a) (SELECT a FROM u)",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE OR REPLACE VIEW v AS SELECT a FROM t ORDER BY a LIMIT 3",
        "CREATE VIEW IF NOT EXISTS v AS SELECT 1 AS x",
        "DROP VIEW v",
        "DROP VIEW IF EXISTS v",
    ]

    @Test(arguments: statements)
    func printedTreeParsesToTheSamePrint(_ sql: String) throws {
        let first = try Parser.parse(sql)
        #expect(first.count == 1)
        guard case .write = first[0] else {
            Issue.record("\(sql) did not parse as a write statement")
            return
        }
        let printed = first[0].sql
        #expect(try Parser.parse(printed).map(\.sql) == [printed])
    }

    @Test func columnDefinitionsKeepTypesAndConstraints() throws {
        let statement = try Parser.parse("CREATE TABLE t (a BIGINT NOT NULL, b VARCHAR(20), c DECIMAL(10,2) NULL)")[0]
        guard case .write(.createTable(let name, let columns, let orReplace, let ifNotExists)) = statement else {
            Issue.record("not a CREATE TABLE: \(statement)")
            return
        }
        #expect(name.name == "t" && !orReplace && !ifNotExists)
        #expect(columns.map(\.name.name) == ["a", "b", "c"])
        #expect(columns.map(\.type) == [.bigint, .varchar, .decimal(precision: 10, scale: 2)])
        #expect(columns.map(\.isNotNull) == [true, false, false])
    }

    @Test func parametersOfAnInsertAreCounted() throws {
        #expect(try Parser.parse("INSERT INTO t VALUES (?, ?), (?, 1)")[0].parameterCount == 3)
        #expect(try Parser.parse("CREATE TABLE t AS SELECT * FROM u WHERE a = $2")[0].parameterCount == 2)
        #expect(try Parser.parse("DROP TABLE t")[0].parameterCount == 0)
    }

    @Test(arguments: [
        ("CREATE TABLE t (a)", "expected a type name", 18),
        ("CREATE TABLE t (a BIGINT PRIMARY KEY)", "PRIMARY is not supported", 26),
        ("CREATE OR REPLACE TABLE IF NOT EXISTS t (a BIGINT)", "cannot be used together", 39),
        ("CREATE TEMP TABLE t (a BIGINT)", "temporary tables are not supported", 8),
        ("INSERT t VALUES (1)", "expected INTO", 8),
        ("INSERT INTO t DEFAULT VALUES", "DEFAULT VALUES is not supported", 15),
        ("DROP INDEX i", "expected TABLE", 6),
        ("CREATE VIEW v SELECT 1", "expected AS", 15),
    ])
    func mistakesAreReportedAtTheirPlace(_ sql: String, _ fragment: String, _ column: Int) {
        do {
            _ = try Parser.parse(sql)
            Issue.record("expected an error for \(sql)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.span.column == column, "\(sql): column \(error.span.column)")
        }
    }
}
