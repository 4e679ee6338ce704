import Foundation
import Testing
@testable import Plaza

/// A ranking window capped by a filter is cut to each partition's top rows before it sorts, and
/// only where the cut cannot change an answer (answers of every shape:
/// Tests/SQL/window/top_per_partition.test).
@Suite struct WindowTopTests {
    /// `t(i, p, v)`: 140,000 rows in 500 partitions, `v` with ties; enough rows for two threads to
    /// cut a share each and merge their cuts.
    static func database(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT i, i % 500 AS p, (i * 7919) % 97 AS v FROM range(0, 140000) r(i)")
        return db
    }

    /// The text of EXPLAIN or EXPLAIN ANALYZE, one line per row.
    func text(_ db: Database, _ sql: String) throws -> String {
        let result = try db.query(sql)
        return (0..<result.count).map { result.value(row: $0, column: 0).description }.joined(separator: "\n")
    }

    /// The EXPLAIN ANALYZE line of the window operator.
    func windowLine(_ db: Database, _ sql: String) throws -> String {
        try text(db, "EXPLAIN ANALYZE " + sql).split(separator: "\n").first { $0.contains("WINDOW") }.map(String.init)
            ?? ""
    }

    @Test(arguments: [1, 2]) func rowNumberCapKeepsTheTopRowsOfEachPartition(threads: Int) throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        try db.execute("SET threads = \(threads)")
        let sql = """
            SELECT p, v FROM (SELECT p, v, row_number() OVER (PARTITION BY p ORDER BY v DESC) AS rn FROM t)
            WHERE rn <= 2
            """
        let line = try windowLine(db, sql)
        #expect(line.contains("KEEP <= 2 PER PARTITION"), "\(line)")
        // 500 partitions × 2 rows leave the window, not 140,000.
        #expect(line.contains("rows out: 1000]") || line.contains("rows out: 1000,"), "\(line)")
        #expect(try db.query(sql).count == 1000)
    }

    @Test func rankCapKeepsEveryTiedRow() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = "SELECT count(*) FROM (SELECT rank() OVER (PARTITION BY p % 5 ORDER BY v) AS r FROM t) WHERE r = 1"
        #expect(try windowLine(db, sql).contains("KEEP <= 1 PER PARTITION"))
        // v = 0 for i a multiple of 97: 1,444 rows, every one ranked first in its partition.
        #expect(try db.query(sql).value(row: 0, column: 0) == .bigint(1444))
    }

    @Test func aWholePartitionCallInTheSameNodeIsNotCut() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = """
            SELECT max(n) FROM (SELECT row_number() OVER (PARTITION BY p ORDER BY v) AS rn,
            count(*) OVER (PARTITION BY p ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n
            FROM t) WHERE rn <= 2
            """
        #expect(!(try text(db, "EXPLAIN " + sql)).contains("KEEP"))
        #expect(try db.query(sql).value(row: 0, column: 0) == .bigint(280))
    }

    @Test func aCapJoinedByOrIsNotUsed() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = """
            SELECT count(*) FROM (SELECT p, row_number() OVER (PARTITION BY p ORDER BY v) AS rn FROM t)
            WHERE rn <= 2 OR p = 7
            """
        #expect(!(try text(db, "EXPLAIN " + sql)).contains("KEEP"))
        #expect(try db.query(sql).value(row: 0, column: 0) == .bigint(1278))
    }
}

/// A window past the memory limit splits its rows on disk by a PARTITION BY key its calls share
/// and finishes; without such a key it stops with an error that says why (answers of every
/// shape: Tests/SQL/window/spill.test).
@Suite struct WindowSpillTests {
    static let running = """
        SELECT count(*), sum(x) FROM (SELECT sum(v) OVER (PARTITION BY p ORDER BY i ROWS 3 PRECEDING) AS x FROM t)
        """

    @Test func aWindowPastTheLimitSpillsAndFinishes() throws {
        let directory = TestDirectory()
        let db = try WindowTopTests.database(directory)
        let unlimited = try db.query(Self.running)
        try db.execute("SET memory_limit = '1MB'")
        let plan = try WindowTopTests().text(db, "EXPLAIN ANALYZE " + Self.running)
        #expect(plan.contains("SPILL 32 partitions"), "\(plan)")
        let spilled = try db.query(Self.running)
        #expect(spilled.value(row: 0, column: 0) == .bigint(140_000))
        #expect(spilled.value(row: 0, column: 1) == unlimited.value(row: 0, column: 1))
    }

    @Test func withoutASharedPartitionKeyTheErrorSaysSo() throws {
        let directory = TestDirectory()
        let db = try WindowTopTests.database(directory)
        try db.execute("SET memory_limit = '1MB'")
        let sql = "SELECT sum(x) FROM (SELECT sum(v) OVER (ORDER BY i ROWS 3 PRECEDING) AS x FROM t)"
        #expect {
            try db.query(sql)
        } throws: { error in
            guard let error = error as? PlazaError else { return false }
            return error.kind == .execution && error.message.contains("share no PARTITION BY key")
        }
    }
}
