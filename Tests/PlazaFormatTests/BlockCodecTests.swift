import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

/// `BlockCodec.encodeCodes`, `BlockDecoder.payload(of:)`, the plain VARCHAR offset checks and
/// the zeroing of NULL slots (Formats/plaza-file-format.md §5, §7.2, §7.5, §7.9).
@Suite struct BlockCodecTests {
    @Test(arguments: 1...16)
    func codeBlocksRoundTripAtEveryWidth(width: Int) throws {
        let entries = width == 1 ? 2 : (1 << (width - 1)) + 1
        let dictionary = ColumnVector(type: .bigint, capacity: entries)
        for entry in 0..<entries { dictionary.append(Int64(entry) - 7) }
        var rng = SeededRandom(seed: UInt64(width))
        let codes = (0..<3_000).map { _ in UInt32(rng.next() % UInt64(entries)) }
        let block = try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: entries) }
        let vector = ColumnVector(type: .bigint)
        let header = try block.withUnsafeBytes {
            try BlockDecoder().decode($0, type: .bigint, dictionary: dictionary, into: vector)
        }
        #expect(header.encoding == .dictionary)
        #expect(vector.isDictionary && vector.count == codes.count)
        let decoded = Array(vector.values(as: UInt32.self))
        #expect(decoded == codes, "width \(width)")
        #expect(vector.value(at: 5) == .bigint(Int64(codes[5]) - 7))
    }

    @Test func codeBlocksRejectCodesBeyondTheDictionary() {
        let codes: [UInt32] = [0, 1, 2, 3]
        #expect(throws: FormatError.self) {
            try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: 3) }
        }
        #expect(throws: FormatError.self) {
            try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: 0) }
        }
    }

    @Test func payloadIsTheDecompressedBody() throws {
        let vector = ColumnVector(type: .bigint, capacity: 4_096)
        for row in 0..<4_096 { vector.append(Int64(row / 100)) }
        let block = try BlockCodec.encode(vector, encoding: .plain, allowCompression: true)
        let decoder = BlockDecoder()
        try block.withUnsafeBytes { bytes in
            #expect(try BlockHeader(parsing: bytes).isCompressed)
            let payload = try decoder.payload(of: bytes)
            #expect(payload.count == 4_096 * 8)
            for row in [0, 99, 100, 4_095] {
                #expect(
                    Int64(littleEndian: payload.loadUnaligned(fromByteOffset: row * 8, as: Int64.self))
                        == Int64(row / 100))
            }
        }
        var damaged = block
        damaged[damaged.count - 1] ^= 0x40
        #expect(throws: FormatError.self) { try damaged.withUnsafeBytes { _ = try decoder.payload(of: $0) } }
        let plain = try BlockCodec.encode(vector, encoding: .plain, allowCompression: false)
        try plain.withUnsafeBytes { bytes in
            let payload = try decoder.payload(of: bytes)
            #expect(payload.baseAddress == bytes.baseAddress! + SegmentFormat.blockHeaderSize)
            #expect(payload.count == bytes.count - SegmentFormat.blockHeaderSize)
        }
    }

    /// A plain VARCHAR block whose offset table (right after the 24-byte header) is edited, read
    /// without checksum verification so that the offset checks themselves are what fails.
    func stringBlock(editing edit: (inout [UInt8]) -> Void) throws -> FormatError? {
        let vector = makeVector(.varchar, ["ab", "", "cde", "f"].map { .varchar($0) })
        var block = try BlockCodec.encode(vector, encoding: .plain, allowCompression: false)
        edit(&block)
        do {
            try block.withUnsafeBytes {
                _ = try BlockDecoder().decode(
                    $0, type: .varchar, dictionary: nil, into: ColumnVector(type: .varchar), verifyChecksum: false)
            }
            return nil
        } catch let error as FormatError {
            return error
        }
    }

    @Test func plainStringOffsetsAreChecked() throws {
        func setOffset(_ index: Int, _ value: UInt32) -> (inout [UInt8]) -> Void {
            { block in for k in 0..<4 { block[24 + index * 4 + k] = UInt8(truncatingIfNeeded: value >> UInt32(8 * k)) }
            }
        }
        #expect(try stringBlock(editing: { _ in }) == nil)
        #expect(try stringBlock(editing: setOffset(0, 1))?.kind == .corrupt)
        let decrease = try stringBlock(editing: setOffset(2, 1))
        #expect(decrease?.kind == .corrupt)
        #expect(decrease?.message.contains("decrease at value 2") == true)
        #expect(try stringBlock(editing: setOffset(4, 0x8000_0000))?.kind == .corrupt)
        #expect(try stringBlock(editing: setOffset(4, 7)) != nil)  // one byte beyond the heap
    }

    @Test(arguments: [DataType.boolean, .date, .bigint, .double, .timestamp])
    func nullSlotsDecodeAsZero(type: DataType) throws {
        var rng = SeededRandom(seed: 11)
        let values: [Value] = (0..<2_500).map { row in
            if rng.next() % 3 == 0 { return .null }
            switch type {
            case .boolean: return .boolean(true)
            case .date: return .date(Int32(row) + 1)
            case .double: return .double(Double(row) + 0.5)
            case .timestamp: return .timestamp(Int64(row) * 1_000 + 1)
            default: return .bigint(Int64(row) + 1)
            }
        }
        let block = try BlockCodec.encode(makeVector(type, values), allowCompression: false)
        let vector = ColumnVector(type: type)
        try block.withUnsafeBytes { _ = try BlockDecoder().decode($0, type: type, dictionary: nil, into: vector) }
        expectValues(vector, values, "\(type)")
        for row in values.indices where values[row] == .null {
            let bytes = UnsafeRawBufferPointer(start: vector.data + row * vector.byteWidth, count: vector.byteWidth)
            #expect(bytes.allSatisfy { $0 == 0 }, "\(type) NULL row \(row) holds \(Array(bytes))")
        }
    }
    /// ALP decodes integers inside [−2^51, 2^51) through the mantissa trick and wider ones by
    /// conversion: both give the exact doubles back, at the boundaries too.
    @Test(
        arguments: [
            [-(1 << 51), (1 << 51) - 1],
            [-(1 << 51) - 1, 5],
            [0, 1 << 51],
            [-(1 << 52), 1 << 52],
            [-12_345, 67_890],
        ] as [[Int64]])
    func alpRoundTripsAcrossTheExactConversionRange(bounds: [Int64]) throws {
        var rng = SeededRandom(seed: UInt64(bitPattern: bounds[0]))
        for exponent in [0, 2] {
            let scale = exponent == 0 ? 1.0 : 100.0
            var values: [Value] = bounds.map { .double(Double($0) / scale) }
            let span = UInt64(bitPattern: bounds[1] &- bounds[0])
            for _ in 0..<2_000 {
                values.append(.double(Double(bounds[0] &+ Int64(bitPattern: rng.next() % span)) / scale))
            }
            values.append(.double(-0.0))  // an exception
            let block = try BlockCodec.encode(makeVector(.double, values), encoding: .alp, allowCompression: false)
            let vector = ColumnVector(type: .double)
            try block.withUnsafeBytes {
                _ = try BlockDecoder().decode($0, type: .double, dictionary: nil, into: vector)
            }
            expectValues(vector, values, "ALP \(bounds) / 10^\(exponent)")
        }
    }
    /// A plain VARCHAR block written by hand whose NULL rows keep bytes (§5.1 allows it): the
    /// reader hands those rows out as empty strings and keeps the others intact.
    @Test func nullStringSlotsWithBytesDecodeEmpty() throws {
        let texts = ["ab", "xyz", "", "c", "dé", "q"]
        let nulls: Set<Int> = [1, 3, 5]
        var payload: [UInt8] = []
        var validity: UInt64 = 0
        for row in texts.indices where !nulls.contains(row) { validity |= 1 << UInt64(row) }
        for k in 0..<8 { payload.append(UInt8(truncatingIfNeeded: validity >> UInt64(8 * k))) }
        var offset: UInt32 = 0
        func u32(_ v: UInt32) { for k in 0..<4 { payload.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) } }
        u32(0)
        for text in texts {
            offset += UInt32(text.utf8.count)
            u32(offset)
        }
        for text in texts { payload.append(contentsOf: text.utf8) }
        var block: [UInt8] = [0, 0, 1, 0]
        for v in [UInt32(texts.count), UInt32(payload.count), UInt32(payload.count), 0, 0] {
            for k in 0..<4 { block.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) }
        }
        block += payload
        let vector = ColumnVector(type: .varchar)
        try block.withUnsafeBytes {
            _ = try BlockDecoder().decode($0, type: .varchar, dictionary: nil, into: vector, verifyChecksum: false)
        }
        let expected: [Value] = texts.indices.map { nulls.contains($0) ? .null : .varchar(texts[$0]) }
        expectValues(vector, expected, "hand-made VARCHAR block")
        for row in nulls { #expect(vector.bytes(at: row).isEmpty, "NULL row \(row)") }
        #expect(vector.heapCount == "ab".utf8.count + "dé".utf8.count)
    }
}
