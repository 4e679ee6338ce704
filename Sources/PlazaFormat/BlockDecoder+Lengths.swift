import PlazaCore
import PlazaVector

/// A text block's value lengths, read without its bytes (§5.1, §7.2, §7.3): an equality with a
/// constant can only hold where the lengths agree, so a block with no such row need not be decoded.
extension BlockDecoder {
    /// For a VARCHAR block that is plain or constant, ANDs into `mask` (one bit per row, LSB first)
    /// whether each row is not NULL and its value is `length` bytes long, reading only the validity
    /// bitmap and the offsets (an LZ4 payload is decompressed only that far); returns the block's
    /// header, or nil, leaving `mask` alone, for other encodings. Call it only for VARCHAR blocks.
    ///
    /// - Throws: `FormatError` for a damaged block (offsets that decrease or pass the payload, or
    ///   a count other than `rows`).
    package func andLengthEquals(
        _ block: UnsafeRawBufferPointer, length: Int, mask: UnsafeMutablePointer<UInt64>, verifyChecksum: Bool = true,
        expecting rows: Int? = nil
    ) throws(FormatError) -> BlockHeader? {
        let header = try BlockHeader(parsing: block, verifyChecksum: verifyChecksum)
        let n = header.count
        // Checked before `mask` (sized for `rows`) is written.
        if let rows, n != rows { throw corrupt("block holds \(n) values, the footer expects \(rows)") }
        guard n > 0, header.encoding == .plain || header.encoding == .constant else { return nil }
        let words = ValidityBitmap.wordCount(for: n)
        let validityBytes = header.hasValidity ? words &* 8 : 0
        // The bitmap, then n + 1 offsets (plain) or the one value's length (constant).
        let needed = validityBytes &+ (header.encoding == .plain ? (n &+ 1) &* 4 : 4)
        guard header.rawLength >= needed else {
            throw corrupt("payload of \(header.rawLength) bytes is shorter than its \(needed)-byte offsets")
        }
        let source = try payloadPrefix(of: block, header, bytes: needed, "offsets")
        let target = UInt32(truncatingIfNeeded: length)
        if header.encoding == .constant {
            // One value for every row.
            let same =
                length <= Int(UInt32.max)
                && UInt32(
                    littleEndian: source.loadUnaligned(
                        fromByteOffset: validityBytes, as: UInt32.self)) == target
            if !same { for w in 0..<words { mask[w] = 0 } }
        } else {
            let offsets = source + validityBytes
            @inline(__always) func offset(_ i: Int) -> UInt32 {
                UInt32(littleEndian: offsets.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
            }
            var previous = offset(0)
            var decreasing: UInt32 = 0
            for w in 0..<words {
                let base = w &* 64, end = min(64, n &- base)
                var bits: UInt64 = 0
                for j in 0..<end {
                    let next = offset(base &+ j &+ 1)
                    // A decreasing offset wraps the difference past 2^31 (offsets are below it).
                    let difference = next &- previous
                    decreasing |= difference
                    bits |= UInt64(difference == target ? 1 : 0) &<< UInt64(j)
                    previous = next
                }
                mask[w] &= bits
            }
            guard offset(0) == 0, decreasing & 0x8000_0000 == 0 else { throw corrupt("text offsets decrease") }
        }
        if header.hasValidity {
            for w in 0..<words {
                mask[w] &= UInt64(littleEndian: source.loadUnaligned(fromByteOffset: w &* 8, as: UInt64.self))
            }
        }
        return header
    }
}
