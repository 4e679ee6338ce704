// libFuzzer target: the Parquet reader (footer, schema mapping, page headers, levels, every
// encoding and codec) from arbitrary file bytes.
//
// Each input is opened from memory and every column of every row group is decoded batch by
// batch. Bad bytes must throw `ParquetError` (the typed throws guarantee the type); a trap, a
// sanitizer report, a hang or memory beyond the limit is a bug. Seeds in Corpus/parquet are
// small files written by pyarrow and DuckDB (see Tests/Interop/make_fixtures.py).
import FuzzDriver
import PlazaCore
import PlazaVector

@testable import PlazaParquet

/// Opens and decodes every column of every row group of `bytes`.
func readAll(_ bytes: [UInt8]) throws(ParquetError) {
    let file = try ParquetFile(bytes: bytes, path: "fuzz.parquet")
    let batch = Batch(types: file.schema.fields.map(\.type))
    var rows = 0
    for group in 0..<file.rowGroupCount {
        let cursor = try file.openRowGroup(group, columns: Array(0..<file.schema.count))
        while try cursor.nextBatch(into: batch) {
            for column in batch.columns { check(column.count == batch.count, "column length differs from batch") }
            rows += batch.count
        }
        for column in 0..<file.schema.count { _ = file.statistics(rowGroup: group, column: column) }
    }
    check(rows == file.rowCount, "read \(rows) rows of \(file.rowCount)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParquet(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do throws(ParquetError) { try readAll(bytes) } catch { _ = error.description }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzParquet) }
}
