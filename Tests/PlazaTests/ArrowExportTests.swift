import Foundation
import PlazaTestSupport
import Testing

@testable import Plaza

/// `export(format: .arrow)` and `COPY … (FORMAT arrow)` files, read back by the test reader.
@Suite struct ArrowExportTests {
    static func read(_ path: String) throws -> ArrowStreamReader {
        try ArrowStreamReader(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func exportWritesEveryBatchOfAFilteredQuery() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute(
            "CREATE TABLE t AS SELECT range AS n, CASE WHEN range % 3 = 0 THEN NULL ELSE 'é' || range END AS s FROM range(6000)"
        )
        let path = directory.path + "/t.arrows"
        // The filter leaves selection vectors over dictionary-free scans: the writer compacts them.
        let rows = try db.export("SELECT n, s FROM t WHERE n % 2 = 0 ORDER BY n", to: path)
        #expect(rows == 3000)
        let reader = try Self.read(path)
        #expect(reader.fields.map(\.name) == ["n", "s"])
        #expect(reader.batches.map(\.length) == [2048, 952])
        #expect(reader.batches.flatMap { $0.columns[0] } == stride(from: 0, to: 6000, by: 2).map { .int64(Int64($0)) })
        #expect(
            reader.batches.flatMap { $0.columns[1] }
                == stride(from: 0, to: 6000, by: 2).map { $0 % 3 == 0 ? .null : .utf8("é\($0)") })
    }

    @Test func aSelectiveFilterGivesOneRecordBatchNotOnePerScannedBatch() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS n FROM range(10000)")
        let path = directory.path + "/pocas.arrows"
        #expect(try db.export("SELECT n FROM t WHERE n % 100 = 0", to: path) == 100)
        let reader = try Self.read(path)
        #expect(reader.batches.map(\.length) == [100])
        #expect(Set(reader.batches[0].columns[0]) == Set(stride(from: 0, to: 10000, by: 100).map { .int64(Int64($0)) }))
    }

    @Test func partitionedFilesAreArrowStreamsWithoutThePartitionColumn() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE t AS SELECT range AS n, range % 2 AS par FROM range(10)")
        let path = directory.path + "/por_par"
        try db.export("t", to: path, format: .arrow, partitionBy: ["par"])
        let reader = try Self.read(path + "/par=1/data_0.arrows")
        #expect(reader.fields.map(\.name) == ["n"])
        #expect(reader.batches.flatMap { $0.columns[0] } == [1, 3, 5, 7, 9].map { .int64($0) })
    }

    @Test func anIntervalPastNanosecondsFailsAndLeavesNoFile() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let path = directory.path + "/lejos.arrows"
        #expect(throws: PlazaError.self) {
            try db.execute("COPY (SELECT INTERVAL '3000000 hours' AS lapso) TO '\(path)'")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("lejos") }.isEmpty)
    }
}
