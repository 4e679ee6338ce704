import Foundation
import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaFormat

/// DECIMAL(19…38) in segment files (Formats/plaza-file-format.md §4.1, §7.6.1): each encoding
/// round trips, the writer's choice, damage, and the golden file of version 1.1.
@Suite struct WideDecimalFormatTests {
    static let type = DataType.decimal(precision: 38, scale: 2)
    /// 10^38 − 1, the largest DECIMAL(38) magnitude.
    static let largest: Int128 = (0..<38).reduce(Int128(1)) { r, _ in r * 10 } - 1

    /// Values of `count` rows for `encoding`: one repeated, a range that fits 64 bits around a
    /// 128-bit reference, or extremes far apart; NULLs as `nulls` says.
    static func values(for encoding: BlockEncoding, count: Int, nulls: NullPattern) -> [Value] {
        var rng = SeededRandom(seed: 5)
        return (0..<count).map { row -> Value in
            if nulls.isNull(row, &rng) { return .null }
            let v: Int128
            switch encoding {
            case .constant: v = -largest + 7
            case .frameOfReference: v = Int128(Int64.max) * 3 + Int128(rng.next() % 1_000_000_007)
            default: v = row % 2 == 0 ? largest - Int128(row) : -largest + Int128(row)
            }
            return .wideDecimal(v, scale: 2)
        }
    }

    static func decode(_ block: [UInt8], as type: DataType = type) throws -> ColumnVector {
        let vector = ColumnVector(type: type)
        try block.withUnsafeBytes { _ = try BlockDecoder().decode($0, type: type, dictionary: nil, into: vector) }
        return vector
    }

    @Test(
        arguments: [BlockEncoding.plain, .constant, .frameOfReference],
        [NullPattern.none, .alternating, .random])
    func encodingRoundTrips(_ encoding: BlockEncoding, nulls: NullPattern) throws {
        let values = Self.values(for: encoding, count: 3_000, nulls: nulls)
        for compress in [false, true] {
            let block = try BlockCodec.encode(
                makeVector(Self.type, values), encoding: encoding, allowCompression: compress)
            #expect(block[0] == encoding.rawValue)
            let vector = try Self.decode(block)
            expectValues(vector, values, "\(encoding), nulls \(nulls), LZ4 allowed \(compress)")
            for row in values.indices where values[row] == .null {
                #expect(vector.data.load(fromByteOffset: row * 16, as: Int128.self) == 0, "NULL row \(row) is not 0")
            }
        }
    }

    @Test func writerPicksConstantThenFrameOfReferenceThenPlain() throws {
        for encoding in [BlockEncoding.constant, .frameOfReference, .plain] {
            let values = Self.values(for: encoding, count: 2_048, nulls: .none)
            let block = try BlockCodec.encode(makeVector(Self.type, values), allowCompression: false)
            #expect(block[0] == encoding.rawValue, "values made for \(encoding) were written as \(block[0])")
        }
        // A range of exactly 2^64 − 1 still fits frame-of-reference at width 64.
        let edge: [Value] = (0..<2_048).map { row in
            .wideDecimal(row % 2 == 0 ? -Int128(UInt64.max) / 2 : Int128(UInt64.max) / 2 + 1, scale: 2)
        }
        let block = try BlockCodec.encode(makeVector(Self.type, edge), allowCompression: false)
        #expect(block[0] == BlockEncoding.frameOfReference.rawValue)
        expectValues(try Self.decode(block), edge, "range 2^64 - 1")
    }

    @Test func encodingsThatDoNotApplyAreRefused() {
        let values = Self.values(for: .plain, count: 100, nulls: .none)
        for encoding in [BlockEncoding.runLength, .delta, .alp, .frameOfReference, .constant] {
            #expect(throws: FormatError.self, "\(encoding)") {
                try BlockCodec.encode(makeVector(Self.type, values), encoding: encoding)
            }
        }
        #expect(throws: FormatError.self) { try BlockCodec.encodeWithDictionary(makeVector(Self.type, values)) }
    }

    /// Re-seals `block` (no LZ4) after `edit` changed its payload, so only the edit is wrong.
    static func resealed(_ block: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = block
        edit(&bytes)
        let checksum = bytes.withUnsafeBytes { all in
            blockChecksum(
                header: all.baseAddress!,
                payload: UnsafeRawBufferPointer(rebasing: all[SegmentFormat.blockHeaderSize...]))
        }
        for k in 0..<4 { bytes[16 + k] = UInt8(truncatingIfNeeded: checksum >> UInt32(8 * k)) }
        return bytes
    }

    @Test func damagedBlocksAreCorrupt() throws {
        let values = Self.values(for: .frameOfReference, count: 100, nulls: .none)
        let block = try BlockCodec.encode(makeVector(Self.type, values), allowCompression: false)
        // A flipped payload byte: the checksum catches it.
        var flipped = block
        flipped[40] ^= 0x10
        #expect(throws: FormatError.self) { try Self.decode(flipped) }
        func kind(_ bytes: [UInt8], as type: DataType = Self.type) -> FormatError.Kind? {
            do {
                _ = try Self.decode(bytes, as: type)
                return nil
            } catch let error as FormatError {
                return error.kind
            } catch {
                return nil
            }
        }
        // Bit width over 64 (byte 16 of the body, after the 16-byte reference).
        #expect(kind(Self.resealed(block) { $0[24 + 16] = 65 }) == .corrupt)
        // Run-length and dictionary encodings do not apply to code 8.
        #expect(kind(Self.resealed(block) { $0[0] = BlockEncoding.runLength.rawValue }) == .corrupt)
        #expect(kind(Self.resealed(block) { $0[0] = BlockEncoding.delta.rawValue }) == .corrupt)
        // A value of more digits than the column's precision.
        let big = try BlockCodec.encode(
            makeVector(Self.type, [.wideDecimal(Self.largest, scale: 2)]), allowCompression: false)
        #expect(kind(big, as: .decimal(precision: 20, scale: 2)) == .corrupt)
        #expect(kind(big) == nil)
        // A truncated body.
        let short = Self.resealed(block) { bytes in
            bytes.removeLast(8)
            for k in 0..<4 { bytes[8 + k] = UInt8(truncatingIfNeeded: (bytes.count - 24) >> (8 * k)) }
            for k in 0..<4 { bytes[12 + k] = UInt8(truncatingIfNeeded: (bytes.count - 24) >> (8 * k)) }
        }
        #expect(kind(short) == .corrupt)
    }

    /// The rows of `Golden/wide-v1.1.plz`: sums of money (frame-of-reference), the extremes of
    /// DECIMAL(38,0) (plain), a constant DECIMAL(20,4), NULLs, three row groups.
    static func goldenRows() -> (Schema, [[Value]]) {
        let schema = Schema([
            Field(name: "id", type: .bigint, isNullable: false),
            Field(name: "total", type: .decimal(precision: 38, scale: 2)),
            Field(name: "extremo", type: .decimal(precision: 38, scale: 0)),
            Field(name: "tasa", type: .decimal(precision: 20, scale: 4)),
        ])
        let rows = 40
        let columns: [[Value]] = [
            (0..<rows).map { .bigint(Int64($0)) },
            (0..<rows).map { row -> Value in
                row % 7 == 3 ? .null : .wideDecimal(Int128(Int64.max) + Int128(row * 1_250_003), scale: 2)
            },
            (0..<rows).map { row -> Value in .wideDecimal(row % 2 == 0 ? largest : -largest, scale: 0) },
            (0..<rows).map { row -> Value in row == 5 ? .null : .wideDecimal(123_456_789_012_345_678, scale: 4) },
        ]
        return (schema, columns)
    }

    @Test func goldenFileIsReadableAndTheWriterStillProducesIt() throws {
        let name = "wide-v1.1.plz"
        let (schema, columns) = Self.goldenRows()
        let fresh = try writeSegment(schema, columns, options: DamageTests.mixedOptions)
        let freshBytes = Array(try Data(contentsOf: URL(fileURLWithPath: fresh)))
        if ProcessInfo.processInfo.environment["PLAZA_REGENERATE_GOLDEN"] == "1" {
            try Data(freshBytes).write(to: DamageTests.goldenDirectory.appendingPathComponent(name))
        }
        let golden = try DamageTests.goldenBytes(name)
        #expect(freshBytes == golden, "the writer's output for \(name) changed; 1.1 files must stay byte-identical")
        // Header minor version 1 (§1, §3).
        #expect(golden[10] == 1 && golden[11] == 0)
        let reader = try SegmentReader(bytes: golden, path: name)
        #expect(reader.schema == schema)
        #expect(reader.minorVersion == 1)
        let read = try readAll(reader)
        for c in 0..<columns.count {
            expectValues(makeVector(schema.fields[c].type, read[c]), columns[c], "\(name) column \(c)")
        }
        // Chunk statistics of a wide column: NULLs counted, no bounds (§8).
        let statistics = reader.statistics(rowGroup: 0, column: 1)
        #expect(statistics.nullCount == 2 && statistics.min == nil && statistics.max == nil)
        // The blocks use the encodings §7.10 describes.
        let encodings = reader.footer.rowGroups[0].chunks[1...3].map { golden[$0.blocks[0].offset] }
        #expect(
            encodings == [
                BlockEncoding.frameOfReference.rawValue, BlockEncoding.plain.rawValue, BlockEncoding.constant.rawValue,
            ])
    }

    @Test func everyFlippedByteOfTheGoldenFileReadsCorrectlyOrThrows() throws {
        let (_, columns) = Self.goldenRows()
        let golden = try DamageTests.goldenBytes("wide-v1.1.plz")
        var failures = 0
        for index in 0..<golden.count {
            var bytes = golden
            bytes[index] ^= 0xFF
            if DamageTests.attempt(bytes, "flipped.plz", columns) != nil { failures += 1 }
        }
        #expect(failures > golden.count / 2)
    }

    @Test func filesWithoutWideColumnsStayVersion10() throws {
        let (schema, columns) = DamageTests.tinyRows()
        let path = try writeSegment(schema, columns)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes[10] == 0 && bytes[11] == 0)
    }
}
