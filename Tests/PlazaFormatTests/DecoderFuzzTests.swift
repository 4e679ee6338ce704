import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

/// Damaged blocks decoded with the checksum check turned off, so that every structural check of
/// the decoders (Formats/plaza-file-format.md §5, §7, §10) is reached: each attempt must decode or
/// throw, never trap or read out of bounds.
@Suite struct DecoderFuzzTests {
    /// Small blocks of every type × encoding, with NULLs, with and without LZ4.
    static func blocks() throws -> [(DataType, [UInt8], ColumnVector?)] {
        var result: [(DataType, [UInt8], ColumnVector?)] = []
        let decoder = BlockDecoder()
        for c in EncodingMatrixTests.cases {
            let values = EncodingMatrixTests.values(c, count: 40, nulls: .random, seed: 11)
            let vector = makeVector(c.type, values)
            if c.encoding == .dictionary {
                let (d, codes) = try BlockCodec.encodeWithDictionary(vector)
                let dictionary = ColumnVector(type: c.type)
                try d.withUnsafeBytes { _ = try decoder.decode($0, type: c.type, dictionary: nil, into: dictionary) }
                result.append((c.type, d, nil))
                result.append((c.type, codes, dictionary))
            } else {
                result.append(
                    (c.type, try BlockCodec.encode(vector, encoding: c.encoding, allowCompression: false), nil))
            }
        }
        let text = makeVector(.varchar, (0..<40).map { .varchar("calzada de tlalpan \($0 % 4)") })
        result.append((.varchar, try BlockCodec.encode(text), nil))
        return result
    }

    @Test func damagedBlocksDecodeOrThrow() throws {
        let decoder = BlockDecoder()
        var thrown = 0, attempts = 0
        for (type, block, dictionary) in try Self.blocks() {
            let out = ColumnVector(type: type)
            for index in 0..<block.count {
                // Small changes (lengths off by one) and large ones, alternating to keep the test quick.
                do {
                    var damaged = block
                    damaged[index] ^= index % 2 == 0 ? 0x01 : 0xFF
                    attempts += 1
                    do {
                        try damaged.withUnsafeBytes {
                            _ = try decoder.decode(
                                $0, type: type, dictionary: dictionary, into: out, verifyChecksum: false)
                        }
                    } catch {
                        thrown += 1
                    }
                }
            }
            for length in stride(from: 0, to: block.count, by: 3) {
                attempts += 1
                let cut = Array(block[0..<length])
                #expect(throws: FormatError.self) {
                    try cut.withUnsafeBytes {
                        _ = try decoder.decode($0, type: type, dictionary: dictionary, into: out)
                    }
                }
            }
        }
        #expect(thrown > 0 && attempts > 1_000, "\(thrown) of \(attempts) attempts threw")
    }

    @Test func checksumCatchesEveryFlippedByte() throws {
        let decoder = BlockDecoder()
        for (type, block, dictionary) in try Self.blocks().prefix(12) {
            let out = ColumnVector(type: type)
            for index in 0..<block.count where !(20..<24).contains(index) {
                var damaged = block
                damaged[index] ^= 0x10
                #expect(throws: FormatError.self) {
                    try damaged.withUnsafeBytes {
                        _ = try decoder.decode($0, type: type, dictionary: dictionary, into: out)
                    }
                }
            }
        }
    }
}
