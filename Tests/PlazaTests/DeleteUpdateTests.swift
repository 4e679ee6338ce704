import Foundation
import Testing
@testable import Plaza

/// DELETE, UPDATE and compaction through the library: counts returned, parameters, snapshots of
/// running readers, automatic and explicit compaction, version upgrade of older tables.
@Suite struct DeleteUpdateTests {
    /// The table files of `table`: segments and deletion files.
    static func tableFiles(_ directory: TestDirectory, _ table: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.database + "/" + table).filter {
            $0.hasSuffix(".plzseg") || $0.hasSuffix(".plzdel")
        }
    }

    @Test func deleteAndUpdateReturnTheRowsTheyChangeAndTakeParameters() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database, options: .init(autoCompactionFraction: nil))
        try db.execute("CREATE TABLE t AS SELECT range AS id, range % 10 AS k, 'x' AS s FROM range(1000)")
        #expect(try db.execute("DELETE FROM t WHERE k = $1", parameters: [3]) == 100)
        #expect(try db.execute("UPDATE t SET s = ? WHERE id < ?", parameters: ["y", 50]) == 45)
        let result = try db.query("DELETE FROM t WHERE id >= 990")
        #expect(result.changedRowCount == 9)
        #expect(try result.column("Count", as: Int64.self) == [9])
        #expect(try db.rowCount(ofTable: "t") == 891)
        let counts = try db.query("SELECT s, count(*) AS n FROM t GROUP BY s ORDER BY s")
        #expect(try counts.column("n", as: Int64.self) == [846, 45])
        #expect(try Self.tableFiles(directory, "t").contains { $0.hasSuffix(".plzdel") })
    }

    @Test func aRunningReaderKeepsItsSnapshotAcrossADelete() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(100000)")
        var iterator = db.stream("SELECT id FROM t").makeAsyncIterator()
        var rows = try await iterator.next()?.count ?? 0
        try db.execute("DELETE FROM t WHERE id % 2 = 0")
        while let chunk = try await iterator.next() { rows += chunk.count }
        #expect(rows == 100000)
        #expect(try db.rowCount(ofTable: "t") == 50000)
    }

    @Test func segmentsMostlyDeletedAreCompactedAfterTheStatement() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(10000)")
        try db.execute("DELETE FROM t WHERE id % 10 = 0")
        #expect(try Self.tableFiles(directory, "t").count == 2, "10% deleted: a deletion file")
        try db.execute("DELETE FROM t WHERE id % 10 < 6")
        db.waitForCompactions()
        #expect(try Self.tableFiles(directory, "t").count == 1, "60% deleted: rewritten without them")
        let ids = try db.query("SELECT id FROM t ORDER BY id LIMIT 3").column("id", as: Int64.self)
        #expect(ids == [6, 7, 8])
        #expect(try db.rowCount(ofTable: "t") == 4000)
    }

    @Test func aWriteRightAfterACompactingDeleteStartsFromTheCompactedTable() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS id, range % 7 AS k FROM range(1000000)")
        // The first DELETE returns before its compaction (of a million rows) has committed; the
        // statements after it must not start from the state that compaction replaces.
        #expect(try db.execute("DELETE FROM t WHERE id % 10 < 6") == 600000)
        #expect(try db.execute("DELETE FROM t WHERE id % 10 = 6") == 100000)
        #expect(try db.execute("UPDATE t SET k = -1 WHERE id % 10 = 7") == 100000)
        #expect(try db.query("SELECT count(*) AS n FROM t WHERE k = -1").column("n", as: Int64.self) == [100000])
        #expect(try db.rowCount(ofTable: "t") == 300000)
    }

    @Test func aDatabaseFinishesItsCompactionBeforeItGoesAway() throws {
        let directory = TestDirectory()
        do {
            let db = try Database(path: directory.database)
            try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(1000000)")
            try db.execute("DELETE FROM t WHERE id % 10 < 6")
        }
        #expect(try Self.tableFiles(directory, "t").count == 1, "rewritten without the deleted rows")
        let db = try Database(path: directory.database, options: .init(isReadOnly: true))
        #expect(try db.query("SELECT min(id) AS m FROM t").column("m", as: Int64.self) == [6])
    }

    @Test func writesStreamTheirRowsInsteadOfHoldingThemAll() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database, options: .init(autoCompactionFraction: nil))
        try db.execute("CREATE TABLE t AS SELECT range AS id, range % 7 AS k FROM range(1000000)")
        // Each statement below reads 16 MB of rows; held all at once they would not fit in 4 MB.
        try db.execute("SET memory_limit = '4MB'")
        #expect(try db.execute("INSERT INTO t SELECT id + 1000000, k FROM t") == 1_000_000)
        #expect(try db.execute("UPDATE t SET k = -1 WHERE id % 2 = 0") == 1_000_000)
        #expect(try db.execute("DELETE FROM t WHERE k = -1") == 1_000_000)
        #expect(try db.execute("CREATE TABLE u AS SELECT * FROM t") == 1_000_000)
        let sums = try db.query("SELECT sum(id) AS s FROM u").column("s", as: Int64.self)
        #expect(sums == [Int64(1_000_000) * 1_000_000])
    }

    @Test func compactKeepsRowsAndOrderAndIsIdempotent() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database, options: .init(autoCompactionFraction: nil))
        try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(5000)")
        try db.execute("INSERT INTO t SELECT range + 5000 FROM range(5000)")
        try db.execute("DELETE FROM t WHERE id % 3 = 1")
        let before = try db.query("SELECT id FROM t").column("id", as: Int64.self)
        let done = try db.compact(table: "T")
        #expect(done.table == "t" && done.segmentsRewritten == 2 && done.rowsRemoved == 3333 && done.rowCount == 6667)
        #expect(try db.query("SELECT id FROM t").column("id", as: Int64.self) == before)
        #expect(try Self.tableFiles(directory, "t").allSatisfy { $0.hasSuffix(".plzseg") })
        #expect(try db.compact(table: "t").segmentsRewritten == 0)
        #expect(try db.verify(table: "t").rowCount == 6667)
        #expect(throws: PlazaError.self) { try db.compact(table: "nope") }
    }

    @Test func aVersion10TableIsReadAndUpgradedByItsFirstWrite() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS id FROM range(10)")
        // Rewrite the manifest as version 1.0 wrote it: minor 0, no 1.1 fields.
        let path = directory.database + "/t/MANIFEST"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let body = Int(bytes[12]) | Int(bytes[13]) << 8
        var old = Array(bytes[0..<(16 + body - 12)])
        old[10] = 0
        old[12] = UInt8((body - 12) & 0xFF)
        old[13] = UInt8((body - 12) >> 8)
        old += Self.crc(old) + Array("1INAMZLP".utf8)
        try Data(old).write(to: URL(fileURLWithPath: path))
        #expect(try db.rowCount(ofTable: "t") == 10)
        #expect(try db.execute("DELETE FROM t WHERE id < 4") == 4)
        bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes[10] == 1, "the first write upgrades the manifest to 1.1")
        #expect(try db.query("SELECT sum(id) AS s FROM t").column("s", as: Int64.self) == [4 + 5 + 6 + 7 + 8 + 9])
    }

    /// CRC-32C little-endian bytes (Formats/plaza-manifest.md §3).
    static func crc(_ bytes: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
    }
}
