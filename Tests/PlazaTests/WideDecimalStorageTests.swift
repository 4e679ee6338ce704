import Foundation
import Testing

@testable import Plaza

/// Tables with DECIMAL(19…38) columns through the library: explicit compaction, reopening the
/// database, and the files written (expected values from DuckDB 2.0.1).
@Suite struct WideDecimalStorageTests {
    @Test func wideColumnsSurviveDeleteUpdateCompactionAndReopening() throws {
        let directory = TestDirectory()
        do {
            let db = try Database(path: directory.database, options: .init(autoCompactionFraction: nil))
            try db.execute(
                "CREATE TABLE t AS SELECT range AS id, CAST(range AS DECIMAL(38,2)) * 100000000000000000 - 99999999999999999999999999999999.99 AS x FROM range(20000)"
            )
            #expect(try db.execute("DELETE FROM t WHERE id % 10 < 6") == 12000)
            #expect(try db.execute("UPDATE t SET x = NULL WHERE id % 10 = 9") == 2000)
            let compaction = try db.compact(table: "t")
            #expect(compaction.rowsRemoved > 0 && compaction.rowCount == 8000)
            let files = try DeleteUpdateTests.tableFiles(directory, "t")
            #expect(files.allSatisfy { $0.hasSuffix(".plzseg") }, "compacted: no deletion files left")
        }
        let db = try Database(path: directory.database)
        let described = try db.query("DESCRIBE t").column("column_type", as: String.self)
        #expect(described == ["BIGINT", "DECIMAL(38,2)"])
        let totals = try db.query(
            "SELECT CAST(count(*) AS VARCHAR) AS n, CAST(count(x) AS VARCHAR) AS v, CAST(sum(x) AS VARCHAR) AS s, CAST(min(x) AS VARCHAR) AS lo, CAST(max(x) AS VARCHAR) AS hi FROM t"
        )
        let row = try ["n", "v", "s", "lo", "hi"].map { try totals.column($0, as: String.self)[0] }
        #expect(
            row == [
                "8000", "6000", "-599999999993998799999999999999999940.00", "-99999999999999399999999999999999.99",
                "-99999999998000199999999999999999.99",
            ])
        let first = try db.query("SELECT CAST(x AS VARCHAR) AS x FROM t ORDER BY id LIMIT 3").column(
            "x", as: String.self)
        #expect(
            first == [
                "-99999999999999399999999999999999.99", "-99999999999999299999999999999999.99",
                "-99999999999999199999999999999999.99",
            ])
        // The manifest is 1.2 with feature bit 0; the segments are format 1.1 (Formats/ §4.4, §1).
        let manifest = Array(try Data(contentsOf: URL(fileURLWithPath: directory.database + "/t/MANIFEST")))
        #expect(manifest[10] == 2)
        let segment = try #require(try DeleteUpdateTests.tableFiles(directory, "t").first)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory.database + "/t/" + segment)))
        #expect(bytes[10] == 1)
    }
}
