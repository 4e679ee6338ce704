import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

@Suite struct ChecksumAndBitPackingTests {
    @Test func xxhash64MatchesTheReferenceVectors() {
        #expect(XXHash64.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
        #expect(XXHash64.checksum(Array("abc".utf8)) == 0xAD77_0999)
    }

    @Test func bitPackingRoundTripsEveryWidth() {
        var rng = SeededRandom(seed: 7)
        for width in 0...64 {
            let count = 1 + Int(rng.next() % 300)
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let values = (0..<count).map { _ in rng.next() & mask }
            var w = ByteWriter()
            values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
            #expect(w.count == BitPacking.byteCount(count: count, width: width))
            var out = [UInt64](repeating: 0, count: (count + 63) / 64 * 64)
            w.bytes.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer { dst in
                    BitPacking.unpack(
                        src.baseAddress ?? UnsafeRawPointer(dst.baseAddress!), count: count, width: width, reference: 5,
                        into: dst.baseAddress!)
                }
            }
            #expect(Array(out[0..<count]) == values.map { $0 &+ 5 }, "width \(width)")
        }
    }

    /// Packing writes the bits exactly where §7.1 puts them (value j of group g at bit 64·g·w + j·w,
    /// LSB-first, little-endian words), also after an odd number of bytes already written.
    @Test func packingPutsEachBitWhereTheSpecSays() {
        var rng = SeededRandom(seed: 13)
        for width in 1...64 {
            for count in [1, 63, 64, 65, 130, 2_048] {
                let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
                let values = (0..<count).map { _ in rng.next() & mask }
                var w = ByteWriter()
                w.u8(0xAB)
                values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
                var expected = [UInt8](repeating: 0, count: BitPacking.byteCount(count: count, width: width))
                for (j, v) in values.enumerated() {
                    for b in 0..<width where v >> UInt64(b) & 1 == 1 {
                        let bit = j / 64 * 64 * width + j % 64 * width + b
                        expected[bit / 8] |= 1 << UInt8(bit % 8)
                    }
                }
                #expect(w.bytes.first == 0xAB)
                #expect(Array(w.bytes.dropFirst()) == expected, "width \(width), \(count) values")
            }
        }
    }

    @Test func extractingRowsGivesWhatUnpackingGivesThere() {
        var rng = SeededRandom(seed: 9)
        for width in 1...64 {
            let count = 1 + Int(rng.next() % 400)
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let values = (0..<count).map { _ in rng.next() & mask }
            var w = ByteWriter()
            values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
            let rows = (0..<count).filter { _ in rng.next() % 3 == 0 }.map { Int32($0) }
            var out = [UInt64](repeating: 7, count: count)
            w.bytes.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer { dst in
                    rows.withUnsafeBufferPointer {
                        BitPacking.extract(src.baseAddress!, width: width, reference: 5, at: $0, into: dst.baseAddress!)
                    }
                }
            }
            let chosen = Set(rows.map(Int.init))
            #expect(
                (0..<count).allSatisfy { out[$0] == (chosen.contains($0) ? values[$0] &+ 5 : 7) }, "width \(width)")
        }
    }

    /// `unpack` (the C kernels where they have a loop for the width) gives what the unrolled Swift
    /// loops give, for 32- and 64-bit outputs, every width, partial last groups and references that
    /// wrap, reading a source exactly as long as the packed values.
    @Test func vectorUnpackingMatchesTheUnrolledLoops() {
        var rng = SeededRandom(seed: 29)
        func check<T: FixedWidthInteger>(_: T.Type, widths: ClosedRange<Int>) {
            for width in widths {
                for count in [1, 8, 63, 64, 65, 130, 2_048] {
                    let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
                    let values = (0..<count).map { _ in rng.next() & mask }
                    var w = ByteWriter()
                    values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
                    let reference = rng.next()
                    let groups = (count + 63) / 64
                    var fast = [T](repeating: 0, count: groups * 64)
                    var unrolled = [T](repeating: 0, count: groups * 64)
                    let source = UnsafeMutableRawPointer.allocate(byteCount: w.bytes.count, alignment: 1)
                    defer { source.deallocate() }
                    w.bytes.withUnsafeBytes { source.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    fast.withUnsafeMutableBufferPointer {
                        BitPacking.unpack(
                            source, count: count, width: width, reference: reference, into: $0.baseAddress!)
                    }
                    unrolled.withUnsafeMutableBufferPointer {
                        BitPacking.unpackUnrolled(source, groups, width, reference, $0.baseAddress!)
                    }
                    #expect(fast == unrolled, "\(T.self) width \(width), \(count) values")
                    #expect(
                        Array(fast[0..<count]) == values.map { T(truncatingIfNeeded: $0 &+ reference) },
                        "\(T.self) width \(width), \(count) values")
                }
            }
        }
        check(UInt32.self, widths: 1...32)
        check(Int32.self, widths: 1...32)
        check(UInt64.self, widths: 1...64)
        check(Int64.self, widths: 1...64)
    }

    @Test func narrowOutputsTruncateAfterAddingTheReference() {
        let values: [UInt64] = (0..<70).map { UInt64($0 % 8) }
        var w = ByteWriter()
        values.withUnsafeBufferPointer { BitPacking.pack($0, width: 3, into: &w) }
        var out = [Int32](repeating: 0, count: 128)
        w.bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer {
                BitPacking.unpack(
                    src.baseAddress!, count: 70, width: 3, reference: UInt64(bitPattern: -4), into: $0.baseAddress!)
            }
        }
        #expect(Array(out[0..<70]) == values.map { Int32($0) - 4 })
    }
}
