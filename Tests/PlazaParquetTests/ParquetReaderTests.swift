import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaParquet

/// Reads every row of every column of a file as text (NULL as `NULL`), tab-separated.
func readAllRows(_ file: ParquetFile) throws -> [String] {
    var rows: [String] = []
    let columns = Array(0..<file.schema.count)
    let batch = Batch(types: file.schema.fields.map(\.type))
    for group in 0..<file.rowGroupCount {
        let cursor = try file.openRowGroup(group, columns: columns)
        while try cursor.nextBatch(into: batch) {
            for row in 0..<batch.count {
                rows.append(batch.columns.map { $0.value(at: row).description }.joined(separator: "\t"))
            }
        }
    }
    return rows
}

func fixturePath(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!.path
}

@Suite struct ParquetReaderTests {
    static let files = [
        "plain_none.parquet", "dict_snappy.parquet", "dict_gzip.parquet", "dict_zstd_v2.parquet",
        "dict_lz4raw.parquet", "plain_int96.parquet", "delta_v2.parquet", "delta_bytes.parquet",
        "duckdb_snappy.parquet", "duckdb_zstd.parquet",
    ]

    static func expected() throws -> (header: [String], rows: [String]) {
        let text = try String(contentsOfFile: fixturePath("expected.tsv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return (lines[0].split(separator: "\t").map(String.init), Array(lines.dropFirst()))
    }

    @Test(arguments: files)
    func readsEveryValueAsWritten(_ name: String) throws {
        let file = try ParquetFile(path: fixturePath(name))
        let (header, expectedRows) = try Self.expected()
        #expect(file.schema.fields.map(\.name) == header)
        #expect(
            file.schema.fields.map(\.type) == [
                .bigint, .bigint, .double, .double, .boolean, .varchar, .date, .timestamp, .timestamp, .timestamp,
                .decimal(precision: 9, scale: 2), .decimal(precision: 18, scale: 4),
            ])
        let rows = try readAllRows(file)
        #expect(rows.count == expectedRows.count)
        for (index, (row, expected)) in zip(rows, expectedRows).enumerated() where row != expected {
            Issue.record("\(name) row \(index): \(row) != \(expected)")
            break
        }
    }

    /// Dictionary pages give dictionary vectors (codes over the chunk's dictionary); when the
    /// writer falls back to PLAIN mid-chunk, the batch that straddles the change and those after
    /// it are flat, and every value (NULLs included) reads as written.
    @Test func dictionaryPagesGiveDictionaryVectorsUntilTheWriterFallsBack() throws {
        let file = try ParquetFile(path: fixturePath("dict_fallback.parquet"))
        let text = try String(contentsOfFile: fixturePath("dict_fallback.tsv"), encoding: .utf8)
        let expected = text.split(separator: "\n").map(String.init)
        let cursor = try file.openRowGroup(0, columns: [0])
        let batch = Batch(types: [.varchar])
        var rows: [String] = []
        var kinds: [Bool] = []
        while try cursor.nextBatch(into: batch) {
            kinds.append(batch.columns[0].dictionary != nil)
            for row in 0..<batch.count { rows.append(batch.columns[0].value(at: row).description) }
        }
        #expect(rows == expected)
        #expect(kinds.first == true, "the first batch comes from dictionary pages: \(kinds)")
        #expect(kinds.last == false, "the last batch comes from PLAIN pages: \(kinds)")
    }

    @Test func readsOnlyTheRequestedColumnsInTheirOrder() throws {
        let file = try ParquetFile(path: fixturePath("dict_snappy.parquet"))
        let cursor = try file.openRowGroup(0, columns: [5, 0])
        let batch = Batch(types: [.varchar, .bigint])
        #expect(try cursor.nextBatch(into: batch))
        #expect(batch.count == 128)
        #expect(batch.columns[0].value(at: 1) == .varchar("Coyoacán"))
        #expect(batch.columns[1].value(at: 0) == .null)
        #expect(batch.columns[1].value(at: 1) == .bigint(-463))
    }

    @Test func nestedColumnsAreAnErrorNamingTheColumn() throws {
        #expect {
            _ = try ParquetFile(path: fixturePath("nested_list.parquet"))
        } throws: { error in
            let error = error as! ParquetError
            return error.kind == .unsupported && error.column == "tags"
                && error.description.contains("nested_list.parquet")
        }
    }

    @Test func rowGroupStatisticsPrune() throws {
        let source = try ParquetScanSource(paths: [fixturePath("dict_zstd_v2.parquet")])
        #expect(source.rowGroupCount == 3)
        // i64 grows with the row number: row group 0 holds rows 0-127.
        let low = ScanPredicate(column: 0, comparison: .less, constants: [.bigint(-1_099_511_627_776 + 1_000_003 * 10)])
        #expect(source.mightMatch(rowGroup: 0, columns: [1], predicates: [low]))
        #expect(!source.mightMatch(rowGroup: 1, columns: [1], predicates: [low]))
        #expect(!source.mightMatch(rowGroup: 2, columns: [1], predicates: [low]))
        let (minimum, maximum, nulls) = try ParquetFile(path: fixturePath("dict_zstd_v2.parquet"))
            .statistics(rowGroup: 0, column: 6)
        #expect(minimum == .date(Int32(CivilCalendar.days(year: 2022, month: 11, day: 27))))
        #expect(maximum != nil)
        #expect(nulls == 19)  // rows 1, 8, …, 127
    }

    @Test func aSetOfFilesIsOneTable() throws {
        let source = try ParquetScanSource(paths: [
            fixturePath("dict_snappy.parquet"), fixturePath("duckdb_zstd.parquet"),
        ])
        #expect(source.rowGroupCount == 3 + 1)  // DuckDB keeps its 300 rows in one row group
        #expect((0..<source.rowGroupCount).map { source.rowCount(rowGroup: $0) }.reduce(0, +) == 600)
    }
}
