import Foundation
import Testing

@testable import Plaza

/// Files in FROM, COPY and `Database.export` through the API: what a service may not do, where
/// errors point, and CSV files parsed in parallel chunks.
@Suite struct FileTableTests {
    @Test func aServiceThatDisallowsFilesRefusesThemInFromAndCopy() throws {
        let directory = TestDirectory()
        let csv = directory.path + "/r.csv"
        try "a,b\n1,x\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let db = try Database(path: directory.path + "/db", options: Database.Options(allowsExternalFiles: false))
        try db.query("CREATE TABLE t AS SELECT 1 AS a")
        for sql in ["SELECT * FROM '\(csv)'", "SELECT * FROM read_csv('\(csv)')", "COPY t TO '\(csv).out'"] {
            #expect(throws: PlazaError.self, "\(sql)") { try db.query(sql) }
            do { try db.query(sql) } catch { #expect(error.description.contains("disabled"), "\(error)") }
        }
        #expect(!FileManager.default.fileExists(atPath: csv + ".out"))
        // The service itself may still export: it names the file, not a user's SQL.
        #expect(try db.export("t", to: directory.path + "/t.csv") == 1)
    }

    @Test func exportWritesEachFormatAndPartitions() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.path + "/db")
        try db.query("CREATE TABLE t AS SELECT range AS id, range % 3 AS k FROM range(10)")
        #expect(try db.export("t", to: directory.path + "/t.json") == 10)
        let json = try String(contentsOfFile: directory.path + "/t.json", encoding: .utf8)
        #expect(json.hasPrefix("{\"id\":0,\"k\":0}\n{\"id\":1,\"k\":1}\n"))
        #expect(try db.export("SELECT * FROM t WHERE id < 4", to: directory.path + "/t.txt", format: .csv) == 4)
        #expect(
            try String(contentsOfFile: directory.path + "/t.txt", encoding: .utf8) == "id,k\n0,0\n1,1\n2,2\n3,0\n")
        #expect(try db.export("t", to: directory.path + "/p", format: .parquet, partitionBy: ["k"]) == 10)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/p").sorted()
        #expect(names == ["k=0", "k=1", "k=2"])
        let result = try db.query("SELECT count(*), sum(id) FROM '\(directory.path)/p/k=0/*.parquet'")
        #expect(result.rows[0].values == [.bigint(4), .bigint(18)])
    }

    @Test func aBadRowInALaterChunkNamesItsLine() throws {
        let directory = TestDirectory()
        let path = directory.path + "/big.csv"
        // About 3 MB: several parsing chunks (at least 1 MB each), read by two threads.
        var text = "id,name,amount\n"
        for row in 0..<150_000 { text += "\(row),name\(row % 100),\(row % 1000).25\n" }
        let good = text
        text += "150000,short\n"
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        let db = try Database(path: directory.path + "/db", options: Database.Options(threads: 2))
        let result = try db.query("SELECT count(*), sum(id), count(DISTINCT name), max(amount) FROM '\(path)'")
        #expect(result.rows[0].values[0] == .bigint(150_000))
        #expect(result.rows[0].values[1] == .bigint(150_000 * 149_999 / 2))
        #expect(result.rows[0].values[2] == .bigint(100))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try db.query("SELECT sum(id) FROM '\(path)'")
            Issue.record("a ragged row was accepted")
        } catch {
            #expect(error.description.contains("line 150002"), "\(error)")
            #expect(error.description.contains("expected 3 fields but found 2"), "\(error)")
        }
        let skipped = try db.query("SELECT count(*) FROM read_csv('\(path)', ignore_errors = true)")
        #expect(skipped.rows[0].values == [.bigint(150_000)])
    }

    @Test func anOptionErrorPointsAtTheOption() throws {
        let directory = TestDirectory()
        let path = directory.path + "/r.csv"
        try "a\n1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let db = try Database(path: directory.path + "/db")
        let sql = "SELECT * FROM read_csv('\(path)', header = 'yes')"
        do {
            _ = try db.query(sql)
            Issue.record("accepted a text for header")
        } catch {
            #expect(error.description.contains("the option header takes true or false"), "\(error)")
            guard case .sql(let span)? = error.location else {
                Issue.record("no SQL location: \(error)")
                return
            }
            #expect(span.column == sql.distance(from: sql.startIndex, to: sql.range(of: "header")!.lowerBound) + 1)
        }
    }

    @Test func aFilterOnAPartitionColumnSkipsTheOtherFiles() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.path + "/db")
        try db.query(
            "COPY (SELECT range AS id, range % 4 AS k FROM range(4000)) TO '\(directory.path)/p' (FORMAT parquet, PARTITION_BY (k))"
        )
        let plan = try db.query("EXPLAIN ANALYZE SELECT sum(id) FROM '\(directory.path)/p/*/*.parquet' WHERE k = 2")
        let text = plan.rows.map { $0.values.map(\.description).joined() }.joined(separator: "\n")
        #expect(text.contains("row groups read: 1, skipped: 3"), "\(text)")
        let sum = try db.query("SELECT sum(id), min(k), max(k) FROM '\(directory.path)/p/*/*.parquet' WHERE k = 2")
        let expected: Int64 = (0..<1000).reduce(0) { $0 + Int64($1) * 4 + 2 }
        #expect(sum.rows[0].values == [.bigint(expected), .bigint(2), .bigint(2)])
    }

    @Test func jsonRecordsBecomeRowsAndABadOneNamesItsLine() throws {
        let directory = TestDirectory()
        let path = try directory.file(
            "r.jsonl",
            """
            {"id": 1, "agencia": "Agua", "monto": 10.5, "tags": ["a", "b"], "dia": "2024-01-02"}
            {"id": 2, "agencia": "Obras\\u00e9", "extra": {"k": true}}

            {"agencia": null, "id": 3, "monto": 7}
            """)
        let db = try Database(path: directory.database)
        let result = try db.query("SELECT * FROM '\(path)' ORDER BY id")
        #expect(result.fields.map(\.name) == ["id", "agencia", "monto", "tags", "dia", "extra"])
        #expect(result.fields.map(\.type) == [.bigint, .varchar, .double, .varchar, .date, .varchar])
        #expect(result.rows[0].values[3] == .varchar("[\"a\", \"b\"]"))
        #expect(result.rows[1].values[1] == .varchar("Obrasé"))
        #expect(result.rows[1].values[5] == .varchar("{\"k\": true}"))
        #expect(result.rows[2].values[2] == .double(7))
        // Import reads the same; appending matches keys to columns by name.
        #expect(try db.importCSV(from: path, into: "r").rowsImported == 3)
        var append = ImportOptions()
        append.mode = .append
        #expect(try db.importCSV(from: path, into: "r", options: append).rowsImported == 3)
        #expect(try db.query("SELECT count(*), sum(id) FROM r").rows[0].values == [.bigint(6), .bigint(12)])
        let bad = try directory.file("bad.jsonl", "{\"a\": 1}\n{\"a\": 2\n{\"a\": 3}\n")
        do {
            _ = try db.query("SELECT * FROM '\(bad)'")
            Issue.record("a broken record was accepted")
        } catch {
            #expect(error.description.contains("bad.jsonl, line 2"), "\(error)")
        }
    }

    @Test func workbooksImportAndDamagedOnesAreNamed() throws {
        let fixture =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SQL/files/reportes.xlsx").path
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let summary = try db.importCSV(from: fixture, into: "reportes")
        #expect(summary.rowsImported == 4)
        #expect(
            try db.schema(ofTable: "reportes").fields.map(\.type) == [
                .bigint, .varchar, .double, .date, .timestamp, .boolean, .varchar,
            ])
        #expect(try db.query("SELECT sum(folio) AS s FROM reportes").column("s", as: Int64.self) == [10])
        // Every prefix of the workbook, and the workbook with bytes flipped, gives an error naming the file.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture)))
        for length in stride(from: 0, to: bytes.count, by: 97) {
            let path = try directory.file("cut.xlsx", String(decoding: [], as: UTF8.self))
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            #expect(throws: PlazaError.self, "prefix of \(length) bytes") { try db.query("SELECT * FROM '\(path)'") }
        }
        for offset in stride(from: 0, to: bytes.count, by: 31) {
            var flipped = bytes
            flipped[offset] ^= 0x5A
            let path = directory.path + "/flipped.xlsx"
            try Data(flipped).write(to: URL(fileURLWithPath: path))
            do {
                _ = try db.query("SELECT * FROM '\(path)'")
            } catch {
                #expect(error.description.contains("flipped.xlsx"), "\(error)")
            }
        }
    }

    @Test func aServiceMayLimitFilesToItsDirectories() throws {
        let directory = TestDirectory()
        let open = directory.path + "/abiertos", other = directory.path + "/otros"
        for folder in [open, other] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try "a\n1\n".write(toFile: open + "/a.csv", atomically: true, encoding: .utf8)
        try "a\n2\n".write(toFile: other + "/b.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: open + "/link.csv", withDestinationPath: other + "/b.csv")
        let db = try Database(
            path: directory.database, options: Database.Options(allowedDirectories: [open]))
        #expect(try db.query("SELECT a FROM '\(open)/a.csv'").rows[0].values == [.bigint(1)])
        try db.query("COPY (SELECT 3 AS a) TO '\(open)/c.csv'")
        for sql in [
            "SELECT * FROM '\(other)/b.csv'", "SELECT * FROM '\(open)/../otros/b.csv'",
            "SELECT * FROM '\(open)/link.csv'",
            "SELECT * FROM '\(directory.path)/*/b.csv'", "COPY (SELECT 1 AS a) TO '\(other)/x.csv'",
        ] {
            do {
                _ = try db.query(sql)
                Issue.record("not refused: \(sql)")
            } catch {
                #expect(error.description.contains("outside the directories"), "\(sql): \(error)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: other + "/x.csv"))
    }
}
