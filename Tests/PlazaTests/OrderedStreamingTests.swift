import Foundation
import Testing
@testable import Plaza

/// Results of a scan with filters and projections are handed on while the scan runs
/// (`OrderedStreamSink`): same rows in the same order as a materialized query, early stops and
/// errors in the middle of the scan end the run without hanging.
@Suite struct OrderedStreamingTests {
    static func database(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database, options: .init(threads: 2))
        // 400K rows: several row groups, so both workers run morsels and finish them out of order.
        try db.execute("CREATE TABLE t AS SELECT range AS x, 'v' || (range % 97) AS s FROM range(400000)")
        return db
    }

    @Test func streamedRowsComeInTheOrderOfTheMaterializedResult() async throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = "SELECT x * 3 AS y, s FROM t WHERE x % 7 <> 0"
        let whole = try db.query(sql).column("y", as: Int64.self)
        var streamed: [Int64] = []
        for try await batch in db.stream(sql) { streamed += try batch.column("y", as: Int64.self) }
        #expect(streamed.count == whole.count)
        #expect(streamed == whole)
        let expected: [Int64] = (0..<400000).filter { $0 % 7 != 0 }.map { Int64($0) * 3 }
        #expect(streamed == expected)
    }

    @Test func copyWritesTheRowsInTableOrder() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let file = directory.database + "-out.csv"
        try db.execute("COPY (SELECT x FROM t WHERE x % 2 = 0) TO '\(file)' (FORMAT csv)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200001)
        let values: [Int] = lines.dropFirst().map { Int($0)! }
        let expected: [Int] = Array(stride(from: 0, to: 400000, by: 2))
        #expect(values == expected)
    }

    @Test func anErrorInTheMiddleOfTheScanEndsTheStream() async throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let sql = "SELECT CASE WHEN x = 250000 THEN CAST(s AS BIGINT) ELSE x END AS y FROM t"
        await #expect(throws: PlazaError.self) {
            for try await _ in db.stream(sql) {}
        }
        #expect(throws: PlazaError.self) {
            try db.execute("COPY (\(sql)) TO '\(directory.database)-bad.csv' (FORMAT csv)")
        }
    }

    @Test func aConsumerThatStopsEarlyEndsTheRun() async throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        var seen = 0
        for try await batch in db.stream("SELECT x FROM t") {
            seen += batch.count
            if seen > 5000 { break }
        }
        #expect(seen > 5000 && seen < 400000)
        // The database is still usable at once (no worker is left waiting).
        #expect(try db.query("SELECT count(*) AS n FROM t").column("n", as: Int64.self) == [400000])
    }
}
