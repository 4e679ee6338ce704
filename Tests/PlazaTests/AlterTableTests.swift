import Foundation
import Testing
@testable import Plaza

/// ALTER TABLE through the library: renames move the table's directory atomically, column changes
/// rewrite the table in one commit, and both persist across reopening.
@Suite struct AlterTableTests {
    @Test func renamesAndColumnChangesPersist() throws {
        let directory = TestDirectory()
        do {
            let db = try Database(path: directory.database)
            try db.execute("CREATE TABLE t (id BIGINT NOT NULL, a VARCHAR)")
            try db.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')")
            try db.execute("DELETE FROM t WHERE id = 2")
            try db.execute("ALTER TABLE t ADD COLUMN b DOUBLE DEFAULT 1.5")
            try db.execute("ALTER TABLE t RENAME COLUMN a TO letra")
            try db.execute("ALTER TABLE t DROP COLUMN b")
            try db.execute("ALTER TABLE t RENAME TO u")
        }
        let db = try Database(path: directory.database)
        #expect(db.tableNames() == ["u"])
        #expect(try db.schema(ofTable: "u").fields.map(\.name) == ["id", "letra"])
        #expect(try db.schema(ofTable: "u").fields.map(\.isNullable) == [false, true])
        #expect(try db.query("SELECT letra FROM u ORDER BY id").column("letra", as: String.self) == ["x", "z"])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.database)
        #expect(files.contains("u") && !files.contains("t"))
    }

    @Test func aQueryRunningDuringARenameKeepsItsTable() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(100000)")
        var iterator = db.stream("SELECT id FROM t").makeAsyncIterator()
        var rows = try await iterator.next()?.count ?? 0
        try db.execute("ALTER TABLE t RENAME TO u")
        while let chunk = try await iterator.next() { rows += chunk.count }
        #expect(rows == 100000)
        #expect(throws: PlazaError.self) { try db.query("SELECT count(*) FROM t") }
        #expect(try db.rowCount(ofTable: "u") == 100000)
    }
}
