import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaFormat

/// `BlockDecoder.andCodeMatches`: dictionary tests run on packed codes (4 bits: the shuffle
/// kernel of CPlazaKernels; 3 bits: a table per four codes; 1 and 2 bits: fields compared 64 or
/// 32 to a word) agree with testing
/// the decoded codes, NULL rows never pass, and a code past the dictionary is reported as damage.
@Suite struct CodeMatchTests {
    @Test(arguments: [2, 3, 4, 5, 7, 8, 9, 12, 16])
    func packedTestsAgreeWithDecodedCodes(entries: Int) throws {
        var rng = SeededRandom(seed: UInt64(entries))
        // One decoder for every test: what it keeps from one (the 3-bit table) must follow the next.
        let decoder = BlockDecoder()
        for n in [1, 63, 64, 65, 1_000, 2_048] {
            let codes = (0..<n).map { _ in UInt32(rng.next() % UInt64(entries)) }
            // Random sets, and each single code (a field equal to one code, not its neighbours).
            let matches =
                n == 64
                ? (0..<entries).map { UInt8($0 == entries - 1 ? 1 : 0) }
                : n == 65
                    ? (0..<entries).map { UInt8($0 == 0 ? 1 : 0) } : (0..<entries).map { _ in UInt8(rng.next() % 2) }
            let block = try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: entries) }
            let words = (n + 63) / 64
            // Some words already cleared by an earlier test, the others random.
            let before = (0..<words).map { w -> UInt64 in
                let bits = w % 3 == 1 ? 0 : rng.next()
                return w == words - 1 && n % 64 != 0 ? bits & ((1 << UInt64(n % 64)) - 1) : bits
            }
            var mask = before
            let header = try block.withUnsafeBytes { bytes in
                try matches.withUnsafeBufferPointer { m in
                    try mask.withUnsafeMutableBufferPointer {
                        try decoder.andCodeMatches(bytes, entries: entries, matches: m, mask: $0.baseAddress!)
                    }
                }
            }
            #expect(header != nil, "codes of \(entries) entries are tested packed")
            for row in 0..<n {
                let expected = (before[row / 64] >> UInt64(row % 64)) & 1 == 1 && matches[Int(codes[row])] == 1
                #expect(
                    ((mask[row / 64] >> UInt64(row % 64)) & 1 == 1) == expected,
                    "\(entries) entries, row \(row) of \(n)")
            }
        }
    }

    @Test func nullRowsNeverPass() throws {
        let vector = ColumnVector(type: .varchar, capacity: 300)
        for row in 0..<300 {
            if row % 7 == 0 { vector.appendNull() } else { vector.appendString("v\(row % 11)") }
        }
        let (dictionaryBlock, codeBlock) = try BlockCodec.encodeWithDictionary(vector)
        let dictionary = ColumnVector(type: .varchar)
        try dictionaryBlock.withUnsafeBytes {
            _ = try BlockDecoder().decode($0, type: .varchar, dictionary: nil, into: dictionary)
        }
        let matches = [UInt8](repeating: 1, count: dictionary.count)
        var mask = [UInt64](repeating: ~0, count: 5)
        mask[4] = (1 << (300 - 256)) - 1
        let header = try codeBlock.withUnsafeBytes { bytes in
            try matches.withUnsafeBufferPointer { m in
                try mask.withUnsafeMutableBufferPointer {
                    try BlockDecoder().andCodeMatches(
                        bytes, entries: dictionary.count, matches: m, mask: $0.baseAddress!)
                }
            }
        }
        #expect(header?.hasValidity == true)
        for row in 0..<300 { #expect(((mask[row / 64] >> UInt64(row % 64)) & 1 == 1) == (row % 7 != 0), "row \(row)") }
    }

    /// Codes written for a dictionary of `written` entries, read against one of `entries`: the
    /// codes past it are damage, whichever rows are still selected.
    @Test(arguments: [(16, 10), (8, 6), (4, 3), (2, 1)])
    func codesPastTheDictionaryAreDamage(written: Int, entries: Int) throws {
        let codes = (0..<200).map { UInt32($0 % written) }
        let block = try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: written) }
        var mask = [UInt64](repeating: 0, count: 4)  // unselected rows are checked too
        let matches = [UInt8](repeating: 1, count: entries)
        #expect(throws: FormatError.self) {
            try block.withUnsafeBytes { bytes in
                try matches.withUnsafeBufferPointer { m in
                    try mask.withUnsafeMutableBufferPointer {
                        _ = try BlockDecoder().andCodeMatches(
                            bytes, entries: entries, matches: m, mask: $0.baseAddress!)
                    }
                }
            }
        }
    }

    @Test func otherWidthsAreLeftToDecoding() throws {
        let codes = (0..<100).map { UInt32($0 % 20) }
        let block = try codes.withUnsafeBufferPointer { try BlockCodec.encodeCodes($0, entries: 20) }
        var mask = [UInt64](repeating: ~0, count: 2)
        let matches = [UInt8](repeating: 0, count: 20)
        let header = try block.withUnsafeBytes { bytes in
            try matches.withUnsafeBufferPointer { m in
                try mask.withUnsafeMutableBufferPointer {
                    try BlockDecoder().andCodeMatches(bytes, entries: 20, matches: m, mask: $0.baseAddress!)
                }
            }
        }
        #expect(header == nil && mask == [~0, ~0])
    }
}
