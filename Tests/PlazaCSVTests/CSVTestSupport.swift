import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaCSV

/// Everything a test looks at after reading a file: the inference, the rows and the summary.
struct ReadResult {
    var inference: CSVInference
    var rows: [[Value]]
    var summary: CSVReadSummary
    var batchSizes: [Int]

    /// The schema as `name TYPE` strings.
    var columns: [String] { inference.schema.fields.map { "\($0.name) \($0.type)" } }
    /// The rows as printed text, NULL as `NULL`.
    var texts: [[String]] { rows.map { $0.map(\.description) } }
}

/// The path of a corpus file.
func corpusPath(_ name: String) -> String {
    let base = Bundle.module.resourcePath ?? ""
    return base + "/Corpus/" + name
}

/// Opens, infers and reads a file with the inferred schema (or `schema` when given).
func readFile(
    _ path: String, options: CSVOptions = CSVOptions(), schema: Schema? = nil, chunkSize: Int? = nil
) throws -> ReadResult {
    let file = try CSVFile(path: path, options: options)
    if let chunkSize { file.chunkSize = chunkSize }
    let inference = try file.inferSchema()
    var rows: [[Value]] = []
    var sizes: [Int] = []
    let summary = try file.read(schema: schema ?? inference.schema) { batch in
        sizes.append(batch.count)
        for row in 0..<batch.count { rows.append(batch.columns.map { $0.value(at: row) }) }
    }
    return ReadResult(inference: inference, rows: rows, summary: summary, batchSizes: sizes)
}

/// Reads a corpus file.
func readCorpus(_ name: String, options: CSVOptions = CSVOptions()) throws -> ReadResult {
    try readFile(corpusPath(name), options: options)
}

/// A scratch file holding `bytes`, removed by the caller.
func temporaryFile(_ name: String, _ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "plaza-csv-\(getpid())-\(name)"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// The error `body` throws, as a `CSVError`.
func csvError(_ body: () throws -> Void) -> CSVError? {
    do {
        try body()
        return nil
    } catch let error as CSVError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
