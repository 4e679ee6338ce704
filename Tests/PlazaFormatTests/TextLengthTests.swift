import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaFormat

/// `BlockDecoder.andLengthEquals`: the lengths read from a text block's offsets (plain, LZ4 or
/// not, with NULLs) or its one value (constant) agree with the decoded texts, and decreasing
/// offsets are damage.
@Suite struct TextLengthTests {
    @Test func lengthsAgreeWithTheDecodedTexts() throws {
        var rng = SeededRandom(seed: 5)
        let decoder = BlockDecoder()
        for n in [1, 63, 64, 65, 1_000, 2_048] {
            for compressible in [false, true] {
                let vector = ColumnVector(type: .varchar, capacity: n)
                var texts: [String?] = []
                for _ in 0..<n {
                    if rng.next() % 9 == 0 {
                        vector.appendNull()
                        texts.append(nil)
                        continue
                    }
                    let length = Int(rng.next() % 6)
                    let text =
                        compressible
                        ? String(repeating: "ab", count: 20) + String(repeating: "x", count: length)
                        : String((0..<length).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.next() % 26))) })
                    vector.appendString(text)
                    texts.append(text)
                }
                let block = try BlockCodec.encode(vector, encoding: .plain)
                for length in [0, 3, 42] {
                    var mask = [UInt64](repeating: ~0, count: (n + 63) / 64)
                    let header = try block.withUnsafeBytes { bytes in
                        try mask.withUnsafeMutableBufferPointer {
                            try decoder.andLengthEquals(bytes, length: length, mask: $0.baseAddress!)
                        }
                    }
                    #expect(header?.count == n)
                    // The repeated texts compress: their offsets come from a partial LZ4 decompression.
                    if compressible && n >= 63 { #expect(header?.isCompressed == true) }
                    for row in 0..<n {
                        let expected = texts[row].map { $0.utf8.count == length } ?? false
                        #expect(((mask[row / 64] >> UInt64(row % 64)) & 1 == 1) == expected, "row \(row) of \(n)")
                    }
                }
            }
        }
    }

    @Test func aConstantBlockHasOneLength() throws {
        let vector = ColumnVector(type: .varchar, capacity: 100)
        for row in 0..<100 { if row % 10 == 0 { vector.appendNull() } else { vector.appendString("same") } }
        let block = try BlockCodec.encode(vector, encoding: .constant)
        for (length, expected) in [(4, true), (5, false)] {
            var mask = [UInt64](repeating: ~0, count: 2)
            _ = try block.withUnsafeBytes { bytes in
                try mask.withUnsafeMutableBufferPointer {
                    try BlockDecoder().andLengthEquals(bytes, length: length, mask: $0.baseAddress!)
                }
            }
            for row in 0..<100 {
                #expect(((mask[row / 64] >> UInt64(row % 64)) & 1 == 1) == (expected && row % 10 != 0))
            }
        }
    }

    @Test func decreasingOffsetsAreDamage() throws {
        let vector = ColumnVector(type: .varchar, capacity: 3)
        for text in ["abc", "de", "f"] { vector.appendString(text) }
        var block = try BlockCodec.encode(vector, encoding: .plain, allowCompression: false)
        // Offsets 0, 3, 5, 6 after the 24-byte header: make the second 9, past the third.
        block[24 + 4] = 9
        #expect(throws: FormatError.self) {
            var mask: [UInt64] = [~0]
            _ = try block.withUnsafeBytes { bytes in
                try mask.withUnsafeMutableBufferPointer {
                    try BlockDecoder().andLengthEquals(bytes, length: 1, mask: $0.baseAddress!, verifyChecksum: false)
                }
            }
        }
    }
}
