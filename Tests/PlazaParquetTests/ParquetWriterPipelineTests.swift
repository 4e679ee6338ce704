import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaParquet

/// Encoding threads (`RowGroupPipeline`) change how the writer works, never the file it writes:
/// same bytes, row groups in order, no file left behind by a write that stops half way.
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
