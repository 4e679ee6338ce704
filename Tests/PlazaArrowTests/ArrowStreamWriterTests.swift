import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaArrow

/// The writer gathers small batches into full record batches, keeps rows, order and NULLs across
/// the seams, flattens dictionaries and applies selections.
@Suite struct ArrowStreamWriterTests {
    static let fields = [Field(name: "n", type: .bigint), Field(name: "t", type: .varchar)]

    /// A batch of `rows`, each n and "t<n>" (NULLs where n % 5 == 0), with an optional selection.
    static func batch(_ rows: Range<Int>, selecting selected: [Int]? = nil) -> Batch {
        let numbers = ArrowStreamEncoderTests.vector(.bigint, rows.map { .bigint(Int64($0)) })
        let texts = ArrowStreamEncoderTests.vector(.varchar, rows.map { $0 % 5 == 0 ? .null : .varchar("t\($0)") })
        let batch = Batch(columns: [numbers, texts], count: rows.count)
        if let selected {
            let selection = SelectionVector(capacity: Swift.max(selected.count, 1))
            for (index, row) in selected.enumerated() { selection.indices[index] = Int32(row) }
            selection.count = selected.count
            batch.selection = selection
        }
        return batch
    }

    static func cells(_ values: [Int]) -> [[ArrowStreamReader.Cell]] {
        [values.map { .int64(Int64($0)) }, values.map { $0 % 5 == 0 ? .null : .utf8("t\($0)") }]
    }

    @Test func smallBatchesAreGatheredIntoFullRecordBatches() throws {
        let writer = ArrowStreamWriter(fields: Self.fields, targetRows: 100)
        var bytes = writer.schemaMessage()
        var expected: [Int] = []
        var start = 0
        // 3 of every 7 rows survive each "filter": 43 batches of 3 rows → 129 rows.
        for _ in 0..<43 {
            bytes += try writer.append(Self.batch(start..<start + 7, selecting: [1, 4, 5]))
            expected += [start + 1, start + 4, start + 5]
            start += 7
        }
        bytes += try writer.finish()
        let reader = try ArrowStreamReader(bytes)
        // 33 batches of 3 rows make 99; the 34th would pass 100, so 99 go first.
        #expect(reader.batches.map(\.length) == [99, 30])
        let gathered = (0..<2).map { column in reader.batches.flatMap { $0.columns[column] } }
        #expect(gathered == Self.cells(expected))
    }

    @Test func aFullBatchGoesOutAsItArrives() throws {
        let writer = ArrowStreamWriter(fields: Self.fields, targetRows: 10)
        #expect(try writer.append(Self.batch(0..<3)).isEmpty)
        let flushed = try writer.append(Self.batch(3..<13))  // the 3 waiting, then these 10 whole
        let reader = try ArrowStreamReader(writer.schemaMessage() + flushed + writer.finish())
        #expect(reader.batches.map(\.length) == [3, 10])
        #expect((0..<2).map { column in reader.batches.flatMap { $0.columns[column] } } == Self.cells(Array(0..<13)))
    }

    @Test func emptyBatchesWriteNothing() throws {
        let writer = ArrowStreamWriter(fields: Self.fields)
        #expect(try writer.append(Self.batch(0..<0)).isEmpty)
        #expect(try writer.append(Self.batch(0..<4, selecting: [])).isEmpty)
        let reader = try ArrowStreamReader(writer.schemaMessage() + writer.finish())
        #expect(reader.batches.isEmpty)
        #expect(reader.fields.map(\.name) == ["n", "t"])
    }

    @Test func dictionaryVectorsAndSelectionsAreFlattened() throws {
        let entries = ArrowStreamEncoderTests.vector(.varchar, [.varchar("Centro"), .varchar("Roma")])
        let codes = ColumnVector(type: .varchar, capacity: 4)
        codes.makeDictionary(entries, count: 4)
        for (row, code) in [1, 0, 1, 1].enumerated() { codes.values(as: UInt32.self)[row] = UInt32(code) }
        codes.setValid(false, at: 2)
        let numbers = ArrowStreamEncoderTests.vector(.bigint, [.bigint(10), .bigint(11), .bigint(12), .bigint(13)])
        let selection = SelectionVector(capacity: 4)
        for (index, row) in [0, 2, 3].enumerated() { selection.indices[index] = Int32(row) }
        selection.count = 3
        let writer = ArrowStreamWriter(fields: [
            Field(name: "colonia", type: .varchar), Field(name: "n", type: .bigint),
        ])
        let bytes =
            writer.schemaMessage()
            + (try writer.append(Batch(columns: [codes, numbers], count: 4, selection: selection)))
            + (try writer.finish())
        let reader = try ArrowStreamReader(bytes)
        #expect(
            reader.batches[0].columns == [
                [.utf8("Roma"), .null, .utf8("Roma")], [.int64(10), .int64(12), .int64(13)],
            ])
    }

    @Test func anIntervalErrorIsThrownByTheAppendOfItsRowsNotLater() throws {
        let writer = ArrowStreamWriter(fields: [Field(name: "lapso", type: .interval)])
        let fine = ArrowStreamEncoderTests.vector(.interval, [.interval(Interval(months: 1)), .null])
        #expect(try writer.append([fine], count: 2).isEmpty)  // waiting
        let far = ArrowStreamEncoderTests.vector(.interval, [.null, .interval(Interval(micros: .max / 10))])
        #expect(throws: ArrowError.self) { try writer.append([far], count: 2) }
        // The rows already taken are still written.
        let reader = try ArrowStreamReader(writer.schemaMessage() + writer.finish())
        #expect(reader.batches.map(\.length) == [2])
    }
}
