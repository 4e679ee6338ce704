import Foundation
import Testing
@testable import Plaza

/// `Database.execute`: tables and views created, filled and dropped through SQL, kept across reopening.
@Suite struct ExecuteTests {
    @Test func executeReturnsTheRowsWrittenAndTheyPersist() throws {
        let directory = TestDirectory()
        do {
            let db = try Database(path: directory.database)
            #expect(try db.execute("CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR)") == 0)
            #expect(try db.execute("INSERT INTO t VALUES ($1, $2), ($1 + 1, NULL)", parameters: [1, "uno"]) == 2)
            #expect(try db.execute("INSERT INTO t SELECT id + 10, name FROM t; INSERT INTO t (id) VALUES (99)") == 3)
            #expect(try db.execute("CREATE TABLE u AS SELECT name, count(*) AS n FROM t GROUP BY name") == 2)
            #expect(try db.execute("CREATE VIEW big AS SELECT id FROM t WHERE id > 10") == 0)
            let result = try db.query("INSERT INTO t VALUES (5, 'cinco')")
            #expect(result.changedRowCount == 1)
            #expect(try result.column("Count", as: Int64.self) == [1])
            #expect(try db.query("SELECT 1 AS x").changedRowCount == nil)
        }
        let reopened = try Database(path: directory.database)
        #expect(reopened.tableNames() == ["t", "u"])
        #expect(try reopened.rowCount(ofTable: "t") == 6)
        #expect(try reopened.schema(ofTable: "t").fields.map(\.isNullable) == [false, true])
        #expect(try reopened.query("SELECT sum(id) AS s FROM big").column("s", as: Int64.self) == [11 + 12 + 99])
        #expect(try reopened.query("SHOW TABLES").column("name", as: String.self) == ["big", "t", "u"])
    }

    @Test func failedInsertChangesNothingAndNamesTheRow() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t (id BIGINT NOT NULL)")
        try db.execute("INSERT INTO t VALUES (1), (2)")
        do {
            try db.execute("INSERT INTO t VALUES (3), (4), (NULL)")
            Issue.record("a NULL in a NOT NULL column was accepted")
        } catch {
            #expect(error.kind == .execution)
            #expect(error.message.contains("t.id"))
            #expect(error.message.contains("row 3"))
        }
        #expect(try db.rowCount(ofTable: "t") == 2)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.database + "/t")
        #expect(files.filter { $0.hasSuffix(".plzseg") }.count == 1)
    }

    @Test func readOnlyDatabaseRefusesWrites() throws {
        let directory = TestDirectory()
        try Database(path: directory.database).execute("CREATE TABLE t AS SELECT 1 AS x")
        let db = try Database(path: directory.database, options: Database.Options(isReadOnly: true))
        for sql in [
            "INSERT INTO t VALUES (2)", "CREATE TABLE u (x BIGINT)", "DROP TABLE t", "CREATE VIEW v AS SELECT 1 AS y",
        ] {
            #expect(throws: PlazaError.self, "\(sql)") { try db.execute(sql) }
        }
        #expect(try db.rowCount(ofTable: "t") == 1)
    }

    @Test func viewsAreStoredAsSQLAndReboundEachTime() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT 1 AS x UNION ALL SELECT 2")
        try db.execute("CREATE VIEW v AS SELECT x * 10 AS y FROM t")
        try db.execute("CREATE VIEW w AS SELECT sum(y) AS total FROM v")
        #expect(try db.query("SELECT total FROM w").column("total", as: Int64.self) == [30])
        // Replacing the table changes what the view reads; a self-reference is refused, not a loop.
        try db.execute("CREATE OR REPLACE TABLE t AS SELECT 5 AS x")
        #expect(try db.query("SELECT total FROM w").column("total", as: Int64.self) == [50])
        try db.execute("CREATE OR REPLACE VIEW v AS SELECT total AS y FROM w")
        #expect(throws: PlazaError.self) { try db.query("SELECT * FROM w") }
    }
}
