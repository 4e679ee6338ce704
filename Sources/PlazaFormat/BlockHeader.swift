/// The 24-byte header in front of every block (Formats/plaza-file-format.md §5).
@usableFromInline package struct BlockHeader: Sendable, Hashable {
    /// How the values are represented.
    package var encoding: BlockEncoding
    /// Whether the payload is an LZ4 block (§7.9).
    package var isCompressed: Bool
    /// Whether the payload starts with a validity bitmap (§5.1).
    package var hasValidity: Bool
    /// The number of values in the block.
    package var count: Int
    /// Payload bytes as stored after the header.
    package var storedLength: Int
    /// Payload bytes after decompression (equal to `storedLength` when not compressed).
    package var rawLength: Int
    /// The block checksum of §9 (XXH64-based), covering header bytes 0..<16 and the stored payload.
    package var checksum: UInt32

    /// The largest raw payload a reader accepts (guards allocations against damaged lengths).
    static let maxRawLength = 1 << 30

    /// Reads and checks the header of `block`, which must be exactly the block's bytes; verifies
    /// the checksum when `verifyChecksum` is set. Throws `.corrupt`, `.truncated` or `.checksumMismatch`.
    package init(parsing block: UnsafeRawBufferPointer, verifyChecksum: Bool = true) throws(FormatError) {
        guard block.count >= SegmentFormat.blockHeaderSize else {
            throw FormatError(.truncated, "block of \(block.count) bytes is shorter than its 24-byte header", path: "")
        }
        var r = ByteReader(block, what: "block header")
        let code = try r.u8(), compression = try r.u8(), flags = try r.u8()
        try r.zeros(1)
        guard let encoding = BlockEncoding(rawValue: code) else { throw corrupt("unknown block encoding \(code)") }
        guard compression <= 1 else { throw corrupt("unknown block compression \(compression)") }
        guard flags & ~1 == 0 else { throw corrupt("unknown block flags \(flags)") }
        self.encoding = encoding
        self.isCompressed = compression == 1
        self.hasValidity = flags & 1 == 1
        self.count = Int(try r.u32())
        self.storedLength = Int(try r.u32())
        self.rawLength = Int(try r.u32())
        self.checksum = try r.u32()
        try r.zeros(4)
        guard count >= 1, count <= SegmentFormat.maxBlockSize else {
            throw corrupt("block holds \(count) values; blocks hold 1 … 65,536")
        }
        guard storedLength == block.count - SegmentFormat.blockHeaderSize else {
            throw corrupt(
                "block header says \(storedLength) payload bytes, the footer leaves \(block.count - SegmentFormat.blockHeaderSize)"
            )
        }
        // LZ4 expands at most about 255:1, so a larger R is damage, not data (and no allocation).
        let expandable = isCompressed ? min(BlockHeader.maxRawLength, storedLength * 255 + 64) : storedLength
        guard rawLength <= expandable, isCompressed || rawLength == storedLength else {
            throw corrupt("raw payload length \(rawLength) does not fit stored length \(storedLength)")
        }
        if verifyChecksum {
            let base = block.baseAddress!
            let actual = blockChecksum(
                header: base,
                payload: UnsafeRawBufferPointer(start: base + SegmentFormat.blockHeaderSize, count: storedLength))
            guard actual == checksum else {
                throw FormatError(
                    .checksumMismatch, "block checksum is \(hex(actual)), header says \(hex(checksum))", path: "")
            }
        }
    }
}

/// The block checksum of §9: the low 32 bits of XXH64 over header bytes 0..<16 followed by the
/// XXH64 of the stored payload (u64, little-endian).
func blockChecksum(header: UnsafeRawPointer, payload: UnsafeRawBufferPointer) -> UInt32 {
    withUnsafeTemporaryAllocation(byteCount: 24, alignment: 8) { scratch in
        scratch.baseAddress!.copyMemory(from: header, byteCount: 16)
        scratch.storeBytes(of: XXHash64.hash(payload).littleEndian, toByteOffset: 16, as: UInt64.self)
        return XXHash64.checksum(UnsafeRawBufferPointer(scratch))
    }
}

/// `0x1a2b3c4d`.
func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
