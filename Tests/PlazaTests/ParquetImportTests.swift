import Foundation
import Testing

@testable import Plaza

/// `Database.importParquet` (and `importCSV`'s hand-off by extension) over the fixtures of
/// Tests/PlazaParquetTests, whose answers below come from DuckDB 2.0.1 on the same files.
@Suite struct ParquetImportTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PlazaParquetTests/Fixtures/" + name).path
    }

    @Test func importsAFileIntoATableNamedAfterIt() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let summary = try db.importCSV(from: Self.fixture("dict_snappy.parquet"))
        #expect(summary.table == "dict_snappy")
        #expect(summary.rowsImported == 300)
        #expect(summary.columns.map(\.type).contains(.decimal(precision: 9, scale: 2)))
        let result = try db.query(
            "SELECT count(*), count(i32), sum(i32), sum(amount), min(day), max(ts_ns), count(DISTINCT name) FROM dict_snappy"
        )
        #expect(
            result.rows.map(\.description) == ["300\t257\t3073\t216327.95\t2022-11-27\t2023-12-31 22:39:50.000298\t16"])
    }

    @Test func importsAPatternOfFilesIntoOneTable() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let source = URL(fileURLWithPath: directory.path).appendingPathComponent("datos")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        for name in ["dict_snappy.parquet", "duckdb_zstd.parquet"] {
            try FileManager.default.copyItem(
                atPath: Self.fixture(name), toPath: source.appendingPathComponent(name).path)
        }
        let summary = try db.importParquet(from: source.path + "/*.parquet", into: "reportes")
        #expect(summary.rowsImported == 600)
        #expect(
            try db.query("SELECT count(*), sum(i64) FROM reportes").rows.map(\.description) == ["600\t-567270857700990"]
        )
        // A directory is one table named after it.
        let whole = try db.importParquet(from: source.path)
        #expect(whole.table == "datos" && whole.rowsImported == 600)
    }

    @Test func aNestedColumnIsAnErrorNamingFileAndColumn() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        do {
            try db.importParquet(from: Self.fixture("nested_list.parquet"))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.message.contains("nested_list.parquet") && error.message.contains("\"tags\""))
        }
        #expect(db.tableNames().isEmpty)
    }

    @Test func aMissingPatternIsAnError() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        #expect(throws: PlazaError.self) { try db.importParquet(from: directory.path + "/nada/*.parquet") }
    }
}
