import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaParquet

/// Encoding threads (`RowGroupPipeline`) and dictionary vectors passed through change how the
/// writer works, never the file it writes: same bytes, row groups in order, no file left behind
/// by a write that stops half way.
@Suite struct ParquetWriterPipelineTests {
    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    static func leftovers(_ path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return names.filter { $0.hasPrefix(url.lastPathComponent) }
    }

    @Test(arguments: [1, 2, 4])
    func encodingThreadsWriteTheBytesOfOneThread(_ threads: Int) throws {
        let single = ParquetWriterTests.temporaryPath("single-\(threads).parquet")
        let threaded = ParquetWriterTests.temporaryPath("threaded-\(threads).parquet")
        defer {
            unlink(single)
            unlink(threaded)
        }
        // 13 row groups of 2,000 rows (the last one short): several in flight at once.
        let options = ParquetWriter.Options(codec: .zstd, rowGroupRows: 2_000, pageRows: 700)
        var threadedOptions = options
        threadedOptions.encodingThreads = threads
        try ParquetWriterTests().write(rows: 25_000, to: single, options: options)
        try ParquetWriterTests().write(rows: 25_000, to: threaded, options: threadedOptions)
        #expect(try Self.bytes(single) == Self.bytes(threaded))
        let file = try ParquetFile(path: threaded)
        #expect(file.rowGroupCount == 13)
        let rows = try readAllRows(file)
        #expect(rows.count == 25_000)
        for row in stride(from: 0, to: 25_000, by: 997) {
            let expected = (0..<ParquetWriterTests.schema.count).map {
                ParquetWriterTests.value(row: row, column: $0).description
            }
            #expect(rows[row] == expected.joined(separator: "\t"), "row \(row)")
        }
    }

    static let dictionarySchema = Schema([
        Field(name: "name", type: .varchar), Field(name: "n", type: .bigint), Field(name: "wide", type: .varchar),
        Field(name: "flag", type: .boolean),
    ])

    /// Batches of 1,000 rows as a table scan gives them: dictionary vectors whose dictionary is
    /// shared by the batches of one "row group" of 4,000 rows (the writer's hold 3,000, so one
    /// of them meets two dictionaries), and every other batch with a selection.
    /// `name` holds "a" twice in its dictionary; `wide` has more values than a Parquet dictionary
    /// takes (written PLAIN); `n` one dictionary for all; `flag` is a BOOLEAN dictionary.
    static func dictionaryBatches() -> [Batch] {
        func dictionary(_ type: DataType, _ values: [Value]) -> ColumnVector {
            let vector = ColumnVector(type: type, capacity: values.count)
            for value in values { vector.append(value: value) }
            return vector
        }
        let numbers = dictionary(.bigint, [.bigint(10), .bigint(-3), .bigint(10), .bigint(7)])
        let wide = dictionary(.varchar, (0..<5_000).map { .varchar("w\($0)") })
        let flags = dictionary(.boolean, [.boolean(true), .boolean(false)])
        var names = dictionary(.varchar, [])
        var batches: [Batch] = []
        for first in stride(from: 0, to: 12_000, by: 1_000) {
            if first % 4_000 == 0 {
                names = dictionary(.varchar, ["b", "a", "", "a", "Álvaro Obregón"].map { .varchar($0) })
            }
            let columns = [names, numbers, wide, flags].map { entries in
                let vector = ColumnVector(type: entries.type, capacity: 1_000)
                vector.makeDictionary(entries, count: 1_000)
                return vector
            }
            for offset in 0..<1_000 {
                let row = first + offset
                let codes = [row % 5, row % 4, (row * 7) % 5_000, row % 2]
                for (column, vector) in columns.enumerated() {
                    vector.values(as: UInt32.self)[offset] = UInt32(codes[column])
                    if (row + column) % (7 + column) == 0 { vector.setValid(false, at: offset) }
                }
            }
            let batch = Batch(columns: columns, count: 1_000)
            if first % 2_000 == 1_000 {
                let selection = SelectionVector(capacity: 1_000)
                var count = 0
                for offset in 0..<1_000 where offset % 3 != 0 {
                    selection.indices[count] = Int32(offset)
                    count += 1
                }
                selection.count = count
                batch.selection = selection
            }
            batches.append(batch)
        }
        return batches
    }

    func write(_ batches: [Batch], to path: String, threads: Int) throws {
        let options = ParquetWriter.Options(
            codec: .snappy, rowGroupRows: 3_000, pageRows: 1_000, encodingThreads: threads)
        let writer = try ParquetWriter(path: path, schema: Self.dictionarySchema, options: options)
        for batch in batches { try writer.write(batch) }
        try writer.finish()
    }

    @Test(arguments: [0, 2])
    func dictionaryVectorsWriteTheBytesOfTheirValues(_ threads: Int) throws {
        let flat = ParquetWriterTests.temporaryPath("flat-\(threads).parquet")
        let coded = ParquetWriterTests.temporaryPath("coded-\(threads).parquet")
        defer {
            unlink(flat)
            unlink(coded)
        }
        let batches = Self.dictionaryBatches()
        let flattened = batches.map { batch in
            Batch(columns: batch.columns.map { $0.flattened() }, count: batch.count, selection: batch.selection)
        }
        try write(flattened, to: flat, threads: 0)
        try write(batches, to: coded, threads: threads)
        #expect(try Self.bytes(flat) == Self.bytes(coded))
        let file = try ParquetFile(path: coded)
        let expected = flattened.flatMap { batch in
            (0..<batch.liveCount).map { position in
                let row = batch.selection.map { Int($0.indices[position]) } ?? position
                return batch.columns.map { $0.value(at: row).description }.joined(separator: "\t")
            }
        }
        #expect(try readAllRows(file) == expected)
        // "a" appears under two codes of its dictionary but once in the file's.
        let names = try file.openRowGroup(0, columns: [0])
        let batch = Batch(types: [.varchar])
        _ = try names.nextBatch(into: batch)
        let dictionary = batch.columns[0].dictionary
        #expect(dictionary == nil || dictionary!.count == 4)
    }

    @Test func abandoningWithRowGroupsInFlightLeavesNoFile() throws {
        let path = ParquetWriterTests.temporaryPath("abandoned-in-flight.parquet")
        let writer = try ParquetWriter(
            path: path, schema: ParquetWriterTests.schema, options: .init(rowGroupRows: 500, encodingThreads: 2))
        for first in stride(from: 0, to: 20_000, by: 2_000) {
            try writer.write(ParquetWriterTests.batch(rows: first, count: 2_000))
        }
        writer.abandon()
        #expect(Self.leftovers(path).isEmpty)
        #expect(throws: ParquetError.self) { try writer.write(ParquetWriterTests.batch(rows: 0, count: 10)) }
        #expect(throws: ParquetError.self) { try writer.finish() }
    }

    @Test func aWriterDroppedUnfinishedRemovesItsFile() throws {
        let path = ParquetWriterTests.temporaryPath("dropped-in-flight.parquet")
        do {
            let writer = try ParquetWriter(
                path: path, schema: ParquetWriterTests.schema, options: .init(rowGroupRows: 500, encodingThreads: 2))
            for first in stride(from: 0, to: 10_000, by: 2_000) {
                try writer.write(ParquetWriterTests.batch(rows: first, count: 2_000))
            }
        }
        #expect(Self.leftovers(path).isEmpty)
    }
}
