import Foundation
import PlazaCore
import PlazaTestSupport
import Testing

@testable import PlazaCSV

/// Random CSV-shaped bytes (quotes, delimiters, CR/LF, digits, dates, bytes ≥ 0x80) must never
/// trap: every file either fails with a `CSVError` or reads with every record accounted for.
@Suite struct CSVFuzzTests {
    static let pieces: [[UInt8]] =
        [
            "\"", "\"\"", ",", ";", "\n", "\r\n", "\r", "12", "-3.5", "0", "06700", "2024-02-29", "31/12/2024",
            "2024-01-31T10:00:00Z", "true", "NA", "$1,234.50", "1e308", "1e999", "abc", " ", "|", "\t",
            "99999999999999999999", "sí",
        ].map { Array($0.utf8) } + [[0xF1], [0xC3], [0xE2, 0x82], [0x00]]

    @Test func randomFilesNeverTrap() throws {
        var random = SeededRandom(seed: 42)
        for round in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<(random.below(400) + 1) { bytes += Self.pieces[random.below(Self.pieces.count)] }
            let path = NSTemporaryDirectory() + "plaza-csv-fuzz-\(getpid())-\(round).csv"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { unlink(path) }
            var options = CSVOptions()
            options.onError = round % 2 == 0 ? .skip : .fail
            options.encoding = [CSVEncoding.auto, .utf8, .windows1252][round % 3]
            options.decimalComma = random.below(4) == 0
            options.dateFormat = [nil, "%d/%m/%Y", "%Y%m%d"][random.below(3)]
            options.hasHeader = [nil, true, false][random.below(3)]
            options.delimiter = [nil, UInt8(ascii: ";"), UInt8(ascii: "\t")][random.below(3)]
            options.threads = random.below(3) + 1
            if random.below(4) == 0 { options.nullTokens = ["", "12"] }
            do {
                let file = try CSVFile(path: path, options: options)
                file.chunkSize = random.below(64) + 1
                let inference = try file.inferSchema()
                var rows = 0
                let summary = try file.read(schema: inference.schema) { batch in
                    rows += batch.count
                    for column in batch.columns { #expect(column.count == batch.count) }
                }
                #expect(rows == summary.rowsImported)
                // One chunk must see exactly what many tiny chunks saw.
                let whole = try CSVFile(path: path, options: options)
                let wholeInference = try whole.inferSchema()
                #expect(wholeInference.schema == inference.schema)
                if options.onError == .skip {
                    let wholeSummary = try whole.read(schema: wholeInference.schema) { _ in }
                    #expect(wholeSummary.rejected == summary.rejected)
                    #expect(wholeSummary.rowsImported == summary.rowsImported)
                }
                #expect(summary.rowsImported + summary.rejected.count == summary.rowsRead)
                #expect(summary.rowsRead == inference.dataRowCount)
                // The same file read into arbitrary column types, as an append would.
                let types: [DataType] = [
                    .boolean, .bigint, .double, .decimal(precision: 10, scale: 2), .varchar, .date, .timestamp,
                ]
                let forced = Schema(
                    inference.schema.fields.map { Field(name: $0.name, type: types[random.below(types.count)]) })
                if options.onError == .skip {
                    var forcedRows = 0
                    let forcedSummary = try file.read(schema: forced) { forcedRows += $0.count }
                    #expect(forcedRows + forcedSummary.rejected.count == forcedSummary.rowsRead)
                }
                if options.onError == .skip && summary.rejected.isEmpty {
                    #expect(inference.notes.allSatisfy { !$0.contains("left out of type inference") })
                }
            } catch is CSVError {
                continue
            }
        }
    }
}
