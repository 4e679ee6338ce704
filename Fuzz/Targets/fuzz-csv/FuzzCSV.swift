// libFuzzer target: the CSV importer (encoding and dialect detection, type inference, reading)
// from arbitrary file bytes.
//
// Each input is written to a file under /dev/shm (CSVFile maps files) and imported with every
// option on automatic or with options picked from a hash of the bytes (encoding, decimal comma,
// date format, header, delimiter, NULL tokens, threads); some inputs are also read in tiny
// chunks, or once more into column types picked the same way, as an append would. Bad bytes
// must throw `CSVError`; every record must be imported or rejected, and tiny chunks must give
// what one chunk gives. A trap, a sanitizer report or a broken count is a bug.
#if canImport(Glibc)
    import Glibc
#endif
import FuzzDriver
import PlazaCore
import PlazaVector

@testable import PlazaCSV

let path = "/dev/shm/plaza-fuzz-csv-\(getpid()).csv"

/// FNV-1a of the bytes: a stable choice of options for each input.
func choice(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

/// Imports the file with `options`, checking the counts; returns normally or throws.
func importFile(options: CSVOptions, chunkSize: Int?, forcedTypes: UInt64?) throws {
    let file = try CSVFile(path: path, options: options)
    if let chunkSize { file.chunkSize = chunkSize }
    let inference = try file.inferSchema()
    check(inference.schema.count == file.columnNames.count, "schema and names differ in length")
    var rows = 0
    let summary = try file.read(schema: inference.schema) { batch in
        check(batch.columns.count == inference.schema.count, "batch has the wrong number of columns")
        for column in batch.columns { check(column.count == batch.count, "column length differs from batch") }
        rows += batch.count
    }
    check(rows == summary.rowsImported, "sink saw \(rows) rows, summary says \(summary.rowsImported)")
    check(summary.rowsImported + summary.rejected.count == summary.rowsRead, "rows lost")
    check(summary.rowsRead == inference.dataRowCount, "read \(summary.rowsRead) of \(inference.dataRowCount) rows")
    if chunkSize != nil {
        let whole = try CSVFile(path: path, options: options)
        let wholeInference = try whole.inferSchema()
        check(wholeInference.schema == inference.schema, "tiny chunks inferred a different schema")
        let wholeSummary = try whole.read(schema: wholeInference.schema) { _ in }
        check(wholeSummary.rowsImported == summary.rowsImported, "tiny chunks imported different rows")
        check(wholeSummary.rejected == summary.rejected, "tiny chunks rejected different rows")
    }
    if var seed = forcedTypes, options.onError == .skip {
        let types: [DataType] = [
            .boolean, .bigint, .double, .decimal(precision: 10, scale: 2), .varchar, .date, .timestamp,
            .decimal(precision: 38, scale: 0), .decimal(precision: 18, scale: 18),
        ]
        let forced = Schema(
            inference.schema.fields.map { field in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Field(name: field.name, type: types[Int(seed >> 33) % types.count])
            })
        var forcedRows = 0
        let forcedSummary = try file.read(schema: forced) { forcedRows += $0.count }
        check(forcedRows == forcedSummary.rowsImported, "forced types: sink and summary differ")
        check(forcedRows + forcedSummary.rejected.count == forcedSummary.rowsRead, "forced types: rows lost")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    writeInput(bytes, to: path)
    var pick = choice(bytes)
    func next(_ n: Int) -> Int {
        defer { pick /= UInt64(n) }
        return Int(pick % UInt64(n))
    }
    var options = CSVOptions()
    options.threads = 1
    options.onError = .skip
    // Half of the inputs run with every option on automatic, the rest with options from the hash.
    if next(2) == 1 {
        options.onError = next(2) == 0 ? .skip : .fail
        options.encoding = [CSVEncoding.auto, .utf8, .windows1252][next(3)]
        options.decimalComma = next(4) == 0
        options.dateFormat = [nil, "%d/%m/%Y", "%Y%m%d", "%m-%d-%Y"][next(4)]
        options.hasHeader = [nil, true, false][next(3)]
        options.delimiter = [nil, UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")][next(4)]
        options.threads = next(8) == 0 ? 2 : 1
        if next(4) == 0 { options.nullTokens = ["", "NA", "-"] }
    }
    // A quarter compare tiny chunks with one chunk; half of the rest read into forced types.
    let chunkSize = next(4) == 0 ? next(48) + 1 : nil
    let forced = chunkSize == nil && next(2) == 0 ? choice(bytes.reversed()) : nil
    do { try importFile(options: options, chunkSize: chunkSize, forcedTypes: forced) } catch { _ = "\(error)" }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzCSV) }
}
