import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

@Suite struct ChecksumAndBitPackingTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // Checksumming in pieces equals checksumming at once, at every split.
        let bytes: [UInt8] = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let whole = CRC32C.checksum(bytes)
        bytes.withUnsafeBytes { b in
            for split in 0...100 {
                let first = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<split]))
                #expect(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[split...]), continuing: first) == whole)
            }
        }
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
                    BitPacking.unpack(src.baseAddress ?? UnsafeRawPointer(dst.baseAddress!), count: count, width: width, reference: 5, into: dst.baseAddress!)
                }
            }
            #expect(Array(out[0..<count]) == values.map { $0 &+ 5 }, "width \(width)")
        }
    }

    @Test func narrowOutputsTruncateAfterAddingTheReference() {
        let values: [UInt64] = (0..<70).map { UInt64($0 % 8) }
        var w = ByteWriter()
        values.withUnsafeBufferPointer { BitPacking.pack($0, width: 3, into: &w) }
        var out = [Int32](repeating: 0, count: 128)
        w.bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer {
                BitPacking.unpack(src.baseAddress!, count: 70, width: 3, reference: UInt64(bitPattern: -4), into: $0.baseAddress!)
            }
        }
        #expect(Array(out[0..<70]) == values.map { Int32($0) - 4 })
    }
}
