import Foundation
import Testing
@testable import Plaza

/// A CTE read twice is computed once, one read once is inlined, and a recursive CTE shows its
/// runs (results of every shape: Tests/SQL/cte/materialized.test and recursive.test).
@Suite struct CTETests {
    /// `facts(k VARCHAR, n BIGINT)`: 100 rows, 4 keys.
    static func database(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database)
        let keys = ["a", "b", "c", "d"]
        try db.createTable(
            "facts", schema: Schema([Field(name: "k", type: .varchar), Field(name: "n", type: .bigint)]),
            rows: (0..<100).map { [.varchar(keys[$0 % 4]), .bigint(Int64($0))] })
        return db
    }

    /// The text of a one-column result (EXPLAIN and EXPLAIN ANALYZE), one line per row.
    func text(_ db: Database, _ sql: String) throws -> String {
        let result = try db.query(sql)
        return (0..<result.count).map { result.value(row: $0, column: 0).description }.joined(separator: "\n")
    }

    func count(_ fragment: String, in text: String) -> Int {
        text.components(separatedBy: fragment).count - 1
    }

    /// The shape of TPC-H Q15: the second reference is in a scalar subquery.
    static let readTwice = """
        WITH totals AS (SELECT k, sum(n) AS total FROM facts GROUP BY k)
        SELECT k, total FROM totals WHERE total = (SELECT max(total) FROM totals)
        """

    /// Both references in the main plan, where EXPLAIN ANALYZE profiles them.
    static let joinedWithItself = """
        WITH totals AS (SELECT k, sum(n) AS total FROM facts GROUP BY k)
        SELECT a.k, b.k FROM totals a JOIN totals b ON a.total < b.total
        """

    @Test func readTwiceRunsTheBodyOnce() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let plan = try text(db, "EXPLAIN " + Self.joinedWithItself)
        #expect(count("MaterializedCTE totals", in: plan) == 1, "\(plan)")
        #expect(count("CTEScan totals", in: plan) == 2, "\(plan)")
        #expect(count("Scan facts", in: plan) == 1, "\(plan)")
        // Run it: the table is scanned and aggregated once, and both references read the stored rows.
        let analyzed = try text(db, "EXPLAIN ANALYZE " + Self.joinedWithItself)
        #expect(count("MATERIALIZED_CTE totals", in: analyzed) == 1, "\(analyzed)")
        #expect(count("SCAN facts", in: analyzed) == 1, "\(analyzed)")
        #expect(count("HASH_AGGREGATE groups: 1", in: analyzed) == 1, "\(analyzed)")
        #expect(count("CTE_SCAN totals  [rows in: 0, rows out: 4", in: analyzed) == 2, "\(analyzed)")
        #expect(try db.query(Self.joinedWithItself).count == 6)
    }

    @Test func readInASubqueryToo() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let plan = try text(db, "EXPLAIN " + Self.readTwice)
        #expect(count("MaterializedCTE totals", in: plan) == 1, "\(plan)")
        #expect(plan.contains("(subquery: max(total) reads CTEScan totals #1)"), "\(plan)")
        #expect(count("CTEScan totals #1", in: plan) == 2, "\(plan)")
        #expect(count("Scan facts", in: plan) == 1, "\(plan)")
        let result = try db.query(Self.readTwice)
        #expect(result.count == 1)
        #expect(result.value(row: 0, column: 0).description == "d")
        #expect(result.value(row: 0, column: 1).description == String((0..<100).filter { $0 % 4 == 3 }.reduce(0, +)))
    }

    @Test func readOnceIsInlinedSoFiltersReachTheScan() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let plan = try text(db, "EXPLAIN WITH t AS (SELECT k, n FROM facts) SELECT count(*) FROM t WHERE n > 90")
        #expect(!plan.contains("MaterializedCTE"), "\(plan)")
        #expect(plan.contains("Filter (n > 90)\n      Scan facts columns=[k, n] pruning=[n > 90]"), "\(plan)")
    }

    @Test func hintsForceEitherWay() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let once = try text(
            db, "EXPLAIN WITH t AS MATERIALIZED (SELECT k, n FROM facts) SELECT count(*) FROM t WHERE n > 90")
        #expect(count("MaterializedCTE t", in: once) == 1, "\(once)")
        #expect(once.contains("Filter (n > 90)\n    CTEScan t"), "\(once)")
        let inlined = try text(
            db,
            "EXPLAIN WITH t AS NOT MATERIALIZED (SELECT k, n FROM facts) SELECT count(*) FROM t a, t b WHERE a.n = b.n")
        #expect(!inlined.contains("MaterializedCTE"), "\(inlined)")
        #expect(count("Scan facts", in: inlined) == 2, "\(inlined)")
    }

    @Test func recursiveCTEShowsItsTermsAndRuns() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT sum(n) FROM t"
        let plan = try text(db, "EXPLAIN " + sql)
        #expect(plan.contains("RecursiveCTE t UNION ALL columns=[n]"), "\(plan)")
        #expect(plan.contains("WorkingTable t columns=[n]"), "\(plan)")
        let analyzed = try text(db, "EXPLAIN ANALYZE " + sql)
        // Nine runs add 2 … 10; the tenth adds nothing and ends the recursion.
        #expect(analyzed.contains("ITERATIONS 10 runs of the recursive query"), "\(analyzed)")
        #expect(count("WORKING_TABLE t", in: analyzed) == 1, "\(analyzed)")
        #expect(try db.query(sql).value(row: 0, column: 0).description == "55")
    }

    @Test func aCTEReadByARecursiveTermIsComputedOnce() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        // `totals` is read once in the text, but the recursive term that reads it runs four times.
        let sql = """
            WITH RECURSIVE totals AS (SELECT k, sum(n) AS total FROM facts GROUP BY k),
                t(i, s) AS (SELECT 0, 0 UNION ALL SELECT i + 1, s + total FROM t JOIN totals ON k = 'a' WHERE i < 3)
            SELECT max(s) FROM t
            """
        let plan = try text(db, "EXPLAIN " + sql)
        #expect(count("MaterializedCTE totals", in: plan) == 1, "\(plan)")
        #expect(
            try db.query(sql).value(row: 0, column: 0).description == String(3 * (0..<25).map { $0 * 4 }.reduce(0, +)))
    }

    @Test func endlessRecursionStopsOnCancellation() async throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        // One row per run: far below the memory limit for a long time, so only cancellation stops it early.
        try await expectCancelled(
            db, "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t")
    }
}
