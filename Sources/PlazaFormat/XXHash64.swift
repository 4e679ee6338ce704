/// XXH64 (xxHash, 64-bit, seed 0), whose low 32 bits are the checksum of every block and of the
/// footer (Formats/plaza-file-format.md §9). Chosen over CRC-32C because it runs several times
/// faster in portable Swift (no SSE4.2 instruction without a C shim), and blocks are checked on
/// every read.
@usableFromInline package enum XXHash64 {
    @usableFromInline static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    @usableFromInline static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    @usableFromInline static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    @usableFromInline static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always)
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x &<< r) | (x &>> (64 &- r)) }

    @inline(__always)
    static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 { rotl(acc &+ input &* prime2, 31) &* prime1 }

    @inline(__always)
    static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 { (acc ^ round(0, value)) &* prime1 &+ prime4 }

    /// The XXH64 of `bytes` with seed 0.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let length = bytes.count
        guard let base = bytes.baseAddress, length > 0 else { return avalanche(prime5) }
        @inline(__always) func load64(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        var offset = 0
        var h: UInt64
        if length >= 32 {
            var v1 = prime1 &+ prime2, v2 = prime2, v3: UInt64 = 0, v4 = 0 &- prime1
            while offset &+ 32 <= length {
                v1 = round(v1, load64(offset))
                v2 = round(v2, load64(offset &+ 8))
                v3 = round(v3, load64(offset &+ 16))
                v4 = round(v4, load64(offset &+ 24))
                offset &+= 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1)
            h = merge(h, v2)
            h = merge(h, v3)
            h = merge(h, v4)
        } else {
            h = prime5
        }
        h &+= UInt64(length)
        while offset &+ 8 <= length {
            h ^= round(0, load64(offset))
            h = rotl(h, 27) &* prime1 &+ prime4
            offset &+= 8
        }
        if offset &+ 4 <= length {
            h ^= UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            offset &+= 4
        }
        while offset < length {
            h ^= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &* prime5
            h = rotl(h, 11) &* prime1
            offset &+= 1
        }
        return avalanche(h)
    }

    @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h &>> 33
        h = h &* prime2
        h ^= h &>> 29
        h = h &* prime3
        h ^= h &>> 32
        return h
    }

    /// The XXH64 of a byte array with seed 0.
    package static func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { hash($0) } }

    /// The 32-bit checksum of §9: the low 32 bits of XXH64 with seed 0.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { UInt32(truncatingIfNeeded: hash(bytes)) }

    /// The 32-bit checksum of §9 of a byte array.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 { UInt32(truncatingIfNeeded: hash(bytes)) }
}
