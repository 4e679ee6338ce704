import Foundation
import Testing

@testable import Plaza

/// `COPY … TO 'x.parquet'` on several threads (row groups encoded while the scan runs, text
/// columns passed on as dictionary codes) writes the file one thread writes, and a failure half
/// way leaves no file behind.
@Suite struct ParquetCopyTests {
    static func database(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database, options: .init(threads: 2))
        // 400K rows: four row groups in the table and in the file. `barrio` is low-cardinality text
        // (the table keeps it as dictionary codes), `folio` is a distinct text per row.
        try db.execute(
            """
            CREATE TABLE t AS SELECT range AS x, 'barrio ' || (range % 97) AS barrio, 'F-' || range AS folio,
                CASE WHEN range % 11 = 0 THEN NULL ELSE range * 0.5 END AS monto FROM range(400000)
            """)
        return db
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test(arguments: ["zstd", "snappy"])
    func twoThreadsWriteTheFileOfOne(_ codec: String) throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        for query in ["t", "(SELECT barrio, x, folio FROM t WHERE x % 3 <> 0)"] {
            let one = directory.path + "/one.parquet"
            let two = directory.path + "/two.parquet"
            try db.execute("SET threads = 1")
            try db.execute("COPY \(query) TO '\(one)' (FORMAT parquet, COMPRESSION \(codec))")
            try db.execute("SET threads = 2")
            try db.execute("COPY \(query) TO '\(two)' (FORMAT parquet, COMPRESSION \(codec))")
            #expect(try Self.bytes(one) == Self.bytes(two), "\(query)")
            let read = try db.query("SELECT x FROM '\(two)'").column("x", as: Int64.self)
            let expected = (0..<400_000).filter { query == "t" || $0 % 3 != 0 }.map { Int64($0) }
            #expect(read == expected, "\(query): rows in table order")
            let counts = try db.query("SELECT count(DISTINCT barrio) AS b, count(DISTINCT folio) AS f FROM '\(two)'")
            #expect(counts.rows[0].values == [.bigint(97), .bigint(Int64(expected.count))])
            let differing = try db.query(
                """
                SELECT count(*) AS n FROM '\(two)' p JOIN t ON p.x = t.x
                WHERE p.barrio IS DISTINCT FROM t.barrio OR p.folio IS DISTINCT FROM t.folio
                """)
            #expect(try differing.column("n", as: Int64.self) == [0], "\(query): the text of every row")
            if query == "t" {
                let nulls = "SELECT count(monto) AS m, sum(monto) AS s"
                #expect(
                    try db.query("\(nulls) FROM '\(two)'").rows[0].values == db.query("\(nulls) FROM t").rows[0].values)
            }
        }
    }

    @Test func anErrorHalfWayLeavesNoFileAndKeepsAnOldOne() throws {
        let directory = TestDirectory()
        let db = try Self.database(directory)
        let path = directory.path + "/r.parquet"
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        // Row 350,000 fails after the first row groups went to the file.
        let sql = "SELECT x, barrio, CASE WHEN x = 350000 THEN CAST(barrio AS BIGINT) ELSE x END AS y FROM t"
        #expect(throws: PlazaError.self) { try db.execute("COPY (\(sql)) TO '\(path)' (FORMAT parquet)") }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.filter { $0.hasPrefix("r.parquet") } == ["r.parquet"])
        // The database is usable at once (no thread left waiting).
        #expect(try db.query("SELECT count(*) AS n FROM t").column("n", as: Int64.self) == [400_000])
    }
}
