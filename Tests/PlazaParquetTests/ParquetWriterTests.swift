import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaParquet

@Suite struct ParquetWriterTests {
    static let schema = Schema([
        Field(name: "flag", type: .boolean), Field(name: "n", type: .bigint), Field(name: "x", type: .double),
        Field(name: "amount", type: .decimal(precision: 12, scale: 2)), Field(name: "name", type: .varchar),
        Field(name: "day", type: .date), Field(name: "at", type: .timestamp),
    ])

    /// Row `row`'s values: NULLs every 5th row (shifted per column), low- and high-cardinality columns.
    static func value(row: Int, column: Int) -> Value {
        if (row + column) % 5 == 0 { return .null }
        switch column {
        case 0: return .boolean(row % 3 == 0)
        case 1: return .bigint(Int64(row) * 1_000_003 - 5_000_000)
        case 2: return .double(Double(row % 10) * 0.5 - 1)
        case 3: return .decimal(Int64(row % 7) * 12_345 - 30_000, scale: 2)
        case 4: return .varchar(["Álvaro Obregón", "", "calle \(row % 9)"][row % 3])
        case 5: return .date(Int32(row % 400) - 200)
        default: return .timestamp(Int64(row) * 86_400_000_123 - 1_000_000)
        }
    }

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "plaza-parquet-\(getpid())-\(name)"
    }

    /// Rows `first ..< first + count` of the schema's columns.
    static func batch(rows first: Int, count: Int) -> Batch {
        let batch = Batch(types: schema.fields.map(\.type))
        for (column, vector) in batch.columns.enumerated() {
            for offset in 0..<count { vector.append(value: value(row: first + offset, column: column)) }
        }
        batch.count = count
        return batch
    }

    func write(rows: Int, to path: String, options: ParquetWriter.Options) throws {
        let writer = try ParquetWriter(path: path, schema: Self.schema, options: options)
        var row = 0
        while row < rows {
            let count = min(ColumnVector.batchCapacity, rows - row)
            try writer.write(Self.batch(rows: row, count: count))
            row += count
        }
        try writer.finish()
    }

    @Test(arguments: [ParquetCodec.uncompressed, .snappy, .zstd])
    func roundTripsEveryTypeWithNulls(_ codec: ParquetCodec) throws {
        let path = Self.temporaryPath("round-\(codec).parquet")
        defer { unlink(path) }
        try write(rows: 5_000, to: path, options: .init(codec: codec, rowGroupRows: 2_000, pageRows: 700))
        let file = try ParquetFile(path: path)
        #expect(file.schema == Self.schema)
        #expect(file.rowGroupCount == 3)
        let rows = try readAllRows(file)
        #expect(rows.count == 5_000)
        for (row, text) in rows.enumerated() {
            let expected = (0..<Self.schema.count).map { Self.value(row: row, column: $0).description }
            if text != expected.joined(separator: "\t") {
                Issue.record("row \(row): \(text)")
                break
            }
        }
        let (low, high, nulls) = file.statistics(rowGroup: 0, column: 1)
        #expect(low == .bigint(-5_000_000))  // row 0
        #expect(high == .bigint(1_998 * 1_000_003 - 5_000_000))  // row 1,999 is NULL
        #expect(nulls == 400)
        // Text bounds in byte order: the empty text sorts first, "Á" (0xC3…) after every "calle …".
        let (lowName, highName, _) = file.statistics(rowGroup: 0, column: 4)
        #expect(lowName == .varchar(""))
        #expect(highName == .varchar("Álvaro Obregón"))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }

    @Test func anEmptyTableWritesAReadableFile() throws {
        let path = Self.temporaryPath("empty.parquet")
        defer { unlink(path) }
        try write(rows: 0, to: path, options: .init())
        let file = try ParquetFile(path: path)
        #expect(file.rowCount == 0)
        #expect(file.schema == Self.schema)
    }

    @Test func anAbandonedWriteLeavesNoFile() throws {
        let path = Self.temporaryPath("abandoned.parquet")
        let writer = try ParquetWriter(path: path, schema: Self.schema)
        writer.abandon()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
        #expect(throws: ParquetError.self) { try writer.finish() }
    }

    @Test func intervalsAreRefused() {
        #expect(throws: ParquetError.self) {
            _ = try ParquetWriter(
                path: Self.temporaryPath("bad.parquet"), schema: Schema([Field(name: "i", type: .interval)]))
        }
    }
}
