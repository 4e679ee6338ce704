// libFuzzer target: the JSON reader behind read_json and `plaza import r.jsonl` (record
// splitting, string escapes, type inference, conversion) from arbitrary file bytes.
//
// Each input is written to a file under /dev/shm (the reader maps files), opened, and every
// chunk read with all columns, then with the columns reversed. Bad bytes must throw `CSVError`;
// both reads must give the same rows, and every column as many values as its batch has rows.
// A trap, a sanitizer report or a mismatch is a bug.
#if canImport(Glibc)
    import Glibc
#endif
import FuzzDriver
import PlazaCore
import PlazaVector

@testable import PlazaCSV

let path = "/dev/shm/plaza-fuzz-json-\(getpid()).jsonl"

/// Every row of every chunk, columns in `columns` order, as text.
func readAll(_ source: JSONScanSource, columns: [Int]) throws -> [[String]] {
    var rows: [[String]] = []
    for chunk in 0..<source.rowGroupCount {
        let cursor = try source.openRowGroup(chunk, columns: columns, predicates: [])
        let batch = Batch(types: columns.map { source.schema.fields[$0].type })
        while try cursor.next(into: batch) {
            check(batch.columns.count == columns.count, "batch has the wrong number of columns")
            for column in batch.columns { check(column.count == batch.count, "column length differs from batch") }
            for row in 0..<batch.count { rows.append(batch.columns.map { $0.value(at: row).description }) }
        }
    }
    return rows
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    writeInput(bytes, to: path)
    do {
        let source = try JSONScanSource(paths: [path], threads: 1)
        let columns = Array(source.schema.fields.indices)
        let forward = try readAll(source, columns: columns)
        let backward = try readAll(source, columns: columns.reversed())
        check(forward.count == backward.count, "the two reads gave different row counts")
        for (a, b) in zip(forward, backward) { check(a == Array(b.reversed()), "the two reads differ") }
    } catch {
        _ = "\(error)"
    }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzJSON) }
}
