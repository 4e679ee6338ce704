import Foundation
import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

/// Text that reaches the segment writer as dictionary vectors (an UPDATE or CREATE TABLE AS reading
/// a table) has its distinct strings found once per entry; the file must be byte for byte the one
/// the same rows written flat give, whatever mix of dictionaries, flat batches and NULLs arrives.
@Suite struct CodedStringWriteTests {
    /// One way of handing a batch of text rows to the writer.
    enum Shape { case flat, dictionary(ColumnVector) }

    /// `values` (nil = NULL) as a dictionary vector over `entries`, or flat.
    static func vector(_ values: [String?], _ shape: Shape) -> ColumnVector {
        switch shape {
        case .flat:
            return makeVector(.varchar, values.map { $0.map(Value.varchar) ?? .null })
        case .dictionary(let entries):
            var index: [String: UInt32] = [:]
            for i in 0..<entries.count {
                if case .varchar(let s) = entries.value(at: i), index[s] == nil { index[s] = UInt32(i) }
            }
            let v = ColumnVector(type: .varchar, capacity: max(values.count, 1))
            v.makeDictionary(entries, count: values.count)
            let codes = v.values(as: UInt32.self)
            for (row, value) in values.enumerated() {
                if let value {
                    codes[row] = index[value]!
                } else {
                    codes[row] = 7_777  // a NULL row's code may be anything
                    v.setValid(false, at: row)
                }
            }
            return v
        }
    }

    /// Writes `rows` of (text, id) in batches whose shape `shapeOf` picks, and returns the file's bytes.
    static func write(
        _ rows: [String?], batchRows: Int, rowGroupSize: Int, shapeOf: (Int) -> Shape
    ) throws -> [UInt8] {
        let schema = Schema([Field(name: "t", type: .varchar), Field(name: "id", type: .bigint)])
        let path = temporaryPath("coded.plz")
        let writer = try SegmentWriter(
            path: path, schema: schema, options: SegmentWriterOptions(rowGroupSize: rowGroupSize))
        var start = 0, batch = 0
        while start < rows.count {
            let end = min(rows.count, start + batchRows)
            let ids = makeVector(.bigint, (start..<end).map { .bigint(Int64($0)) })
            let text = vector(Array(rows[start..<end]), shapeOf(batch))
            try writer.append(Batch(columns: [text, ids], count: end - start))
            start = end
            batch += 1
        }
        _ = try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The first byte offset where two files differ (nil when identical), so a failure stays readable.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        for i in 0..<min(a.count, b.count) where a[i] != b[i] { return i }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    static let words = ["Del Valle", "", "Roma Norte", "Doctores", "Ñápoles", "Centro", "San Ángel", "Condesa"]

    @Test func dictionaryBatchesWriteTheFlatBytes() throws {
        var rng = SeededRandom(seed: 11)
        let rows: [String?] = (0..<20_000).map { _ in
            rng.next() % 9 == 0 ? nil : Self.words[Int(rng.next() % UInt64(Self.words.count))]
        }
        // Two dictionaries in different orders, one with entries no row uses.
        let first = makeVector(.varchar, Self.words.map(Value.varchar))
        let second = makeVector(.varchar, (Self.words.reversed() + ["sin uso", "otra"]).map(Value.varchar))
        let flat = try Self.write(rows, batchRows: 2_048, rowGroupSize: 6_000) { _ in .flat }
        let coded = try Self.write(rows, batchRows: 2_048, rowGroupSize: 6_000) { _ in .dictionary(first) }
        #expect(Self.firstDifference(coded, flat) == nil)
        let alternating = try Self.write(rows, batchRows: 1_000, rowGroupSize: 6_000) {
            $0 % 2 == 0 ? .dictionary(first) : .dictionary(second)
        }
        #expect(Self.firstDifference(alternating, flat) == nil)
        // Flat batches in between: the row groups they touch are hashed row by row instead.
        let mixed = try Self.write(rows, batchRows: 1_500, rowGroupSize: 6_000) {
            $0 % 5 == 3 ? .flat : .dictionary($0 % 2 == 0 ? second : first)
        }
        #expect(Self.firstDifference(mixed, flat) == nil)
    }

    @Test func tooManyDistinctStringsFallBackToNoDictionary() throws {
        // More distinct strings than a chunk dictionary may hold (§7.5): the coded rows give up
        // the same way the writer's own hashing does.
        let count = SegmentFormat.maxDictionaryEntries + 10
        let rows: [String?] = (0..<count).map { "k\($0)" }
        let entries = makeVector(.varchar, rows.map { .varchar($0!) })
        let flat = try Self.write(rows, batchRows: 2_048, rowGroupSize: count) { _ in .flat }
        let coded = try Self.write(rows, batchRows: 2_048, rowGroupSize: count) { _ in .dictionary(entries) }
        #expect(Self.firstDifference(coded, flat) == nil)
    }

    @Test func codedRowsWithoutADictionaryWriteTheirBytes() throws {
        // Every string distinct and long: plain blocks beat a dictionary, so the rows' bytes, which
        // coded rows do not copy, must be written out of the distinct strings after all; NULLs
        // and repeats between them, and a flat batch in the middle of a row group.
        let rows: [String?] = (0..<9_000).map {
            $0 % 11 == 0 ? nil : $0 % 13 == 0 ? "Del Valle" : "calle \($0) esquina con avenida de los insurgentes sur"
        }
        var distinct: [String] = []
        for row in rows { if let row, !distinct.contains(row) { distinct.append(row) } }
        let entries = makeVector(.varchar, distinct.map(Value.varchar))
        let flat = try Self.write(rows, batchRows: 2_048, rowGroupSize: 4_000) { _ in .flat }
        let coded = try Self.write(rows, batchRows: 2_048, rowGroupSize: 4_000) { _ in .dictionary(entries) }
        #expect(Self.firstDifference(coded, flat) == nil)
        let mixed = try Self.write(rows, batchRows: 1_000, rowGroupSize: 4_000) {
            $0 == 2 ? .flat : .dictionary(entries)
        }
        #expect(Self.firstDifference(mixed, flat) == nil)
        let path = temporaryPath("coded-plain.plz")
        try Data(coded).write(to: URL(fileURLWithPath: path))
        let columns = try readAll(try SegmentReader(path: path))
        expectValues(makeVector(.varchar, columns[0]), rows.map { $0.map(Value.varchar) ?? .null }, "text")
    }

    @Test func batchesOfOneRepeatedValueWriteTheBytesOfVariedBatches() throws {
        // Runs of 1,000 rows of one value (some NULLs, one run all NULL, one of empty strings):
        // batches of 1,000 each repeat a value (recorded by their distinct string, no bytes
        // copied), batches of 1,500 always hold two runs (copied flat); the files are the same.
        let runs: [String?] = ["revisado", "Del Valle", nil, "", "Roma Norte", "revisado", "Ñápoles", "Centro"]
        let rows: [String?] = (0..<12_000).map { row in
            let value = runs[row / 1_000 % runs.count]
            return row % 17 == 0 && row / 1_000 != 4 ? nil : value
        }
        let varied = try Self.write(rows, batchRows: 1_500, rowGroupSize: 5_000) { _ in .flat }
        let repeated = try Self.write(rows, batchRows: 1_000, rowGroupSize: 5_000) { _ in .flat }
        #expect(Self.firstDifference(repeated, varied) == nil)
        // Repeated batches between dictionary ones, and a row group split inside a batch.
        let entries = makeVector(.varchar, (Self.words + ["revisado"]).map(Value.varchar))
        let mixed = try Self.write(rows, batchRows: 1_000, rowGroupSize: 3_500) {
            $0 % 3 == 1 ? .dictionary(entries) : .flat
        }
        let reference = try Self.write(rows, batchRows: 1_500, rowGroupSize: 3_500) { _ in .flat }
        #expect(Self.firstDifference(mixed, reference) == nil)
        let path = temporaryPath("coded-repeated.plz")
        try Data(repeated).write(to: URL(fileURLWithPath: path))
        let columns = try readAll(try SegmentReader(path: path))
        expectValues(makeVector(.varchar, columns[0]), rows.map { $0.map(Value.varchar) ?? .null }, "text")
    }

    @Test func codedRowsReadBack() throws {
        let rows: [String?] = (0..<5_000).map { $0 % 7 == 0 ? nil : Self.words[$0 % Self.words.count] }
        let entries = makeVector(.varchar, Self.words.map(Value.varchar))
        let bytes = try Self.write(rows, batchRows: 777, rowGroupSize: 2_100) { _ in .dictionary(entries) }
        let path = temporaryPath("coded-copy.plz")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let columns = try readAll(try SegmentReader(path: path))
        expectValues(makeVector(.varchar, columns[0]), rows.map { $0.map(Value.varchar) ?? .null }, "text")
    }
}
