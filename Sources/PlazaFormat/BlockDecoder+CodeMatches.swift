import CPlazaKernels
import PlazaCore
import PlazaVector

/// Dictionary tests run on a block's packed codes, without an array of codes (§7.1, §7.5): the
/// scan filter's test of a column of 2 to 16 entries.
extension BlockDecoder {
    /// For a dictionary block whose codes are 1 to 4 bits wide (2 to 16 entries), ANDs into `mask`
    /// (one bit per row, LSB first) whether each row is not NULL and its code's `matches` entry
    /// (0 or 1 per dictionary entry) is set, straight from the packed codes (no array of codes);
    /// returns the block's header, or nil, leaving `mask` alone, for any other block.
    ///
    /// - Throws: `FormatError` for a damaged block, a code beyond the dictionary's `entries`, or a
    ///   count other than `rows`.
    package func andCodeMatches(
        _ block: UnsafeRawBufferPointer, entries: Int, matches: UnsafeBufferPointer<UInt8>,
        mask: UnsafeMutablePointer<UInt64>, verifyChecksum: Bool = true, expecting rows: Int? = nil
    ) throws(FormatError) -> BlockHeader? {
        let header = try BlockHeader(parsing: block, verifyChecksum: verifyChecksum)
        let n = header.count
        // Checked before `mask` (sized for `rows`) is written.
        if let rows, n != rows { throw corrupt("block holds \(n) values, the footer expects \(rows)") }
        guard header.encoding == .dictionary, entries > 0, n > 0 else { return nil }
        var payload = UnsafeRawBufferPointer(
            start: block.baseAddress! + SegmentFormat.blockHeaderSize, count: header.storedLength)
        if header.isCompressed { payload = try decompress(payload, rawLength: header.rawLength) }
        var r = ByteReader(payload, what: "block payload")
        let words = ValidityBitmap.wordCount(for: n)
        var validity: UnsafeRawBufferPointer? = nil
        if header.hasValidity { validity = try r.bytes(words * 8) }
        let width = try readWidth(&r, max: 16)
        guard width >= 1 && width <= 4 else { return nil }
        let packed = try r.bytes(BitPacking.byteCount(count: n, width: width))
        guard r.remaining == 0 else { throw corrupt("\(r.remaining) unread bytes at the end of the block payload") }
        if width < 3 {
            let bad = BlockDecoder.andNarrowCodes(packed, width: width, groups: words, entries, matches, mask)
            guard !bad else { throw corrupt("a dictionary code is beyond the \(entries) entries") }
        } else if width == 3 {
            guard !andTripleCodes(packed, groups: words, entries, matches, mask) else {
                throw corrupt("a dictionary code is beyond the \(entries) entries")
            }
        } else {
            try andNibbleCodes(packed, groups: words, entries, matches, mask)
        }
        if let validity {
            for w in 0..<words {
                mask[w] &= UInt64(littleEndian: validity.loadUnaligned(fromByteOffset: w &* 8, as: UInt64.self))
            }
        }
        return header
    }

    /// Codes of 1 or 2 bits (2 to 4 entries) tested 64 or 32 to a word, branch-free: a 2-bit field
    /// equals code k where `word ^ (k × 0x55…)` has both its bits clear; the fields' results are
    /// then packed into one bit per row. Returns whether some code is past the dictionary.
    private static func andNarrowCodes(
        _ packed: UnsafeRawBufferPointer, width: Int, groups: Int, _ entries: Int,
        _ matches: UnsafeBufferPointer<UInt8>, _ mask: UnsafeMutablePointer<UInt64>
    ) -> Bool {
        // Per code: all ones when it passes, and all ones when it is past the dictionary.
        func passes(_ code: Int) -> UInt64 { code < entries && code < matches.count && matches[code] != 0 ? ~0 : 0 }
        func invalid(_ code: Int) -> UInt64 { code >= entries ? ~0 : 0 }
        var bad: UInt64 = 0
        if width == 1 {
            let one = passes(1), zero = passes(0), pastOne = invalid(1)
            for g in 0..<groups {
                let w = UInt64(littleEndian: packed.loadUnaligned(fromByteOffset: g &* 8, as: UInt64.self))
                bad |= w & pastOne
                mask[g] &= (w & one) | (~w & zero)
            }
            return bad != 0
        }
        let low: UInt64 = 0x5555_5555_5555_5555
        let p0 = passes(0), p1 = passes(1), p2 = passes(2), p3 = passes(3)
        let i2 = invalid(2), i3 = invalid(3)
        /// Bit 2j of the result: whether field j of `w` holds code k (`pattern` = k × 0x55…).
        @inline(__always) func equal(_ w: UInt64, _ pattern: UInt64) -> UInt64 {
            let t = w ^ pattern
            return ~(t | (t &>> 1)) & low
        }
        /// The even bits of `x` packed into its low 32 bits.
        @inline(__always) func packEven(_ x: UInt64) -> UInt64 {
            var x = x & low
            x = (x | (x &>> 1)) & 0x3333_3333_3333_3333
            x = (x | (x &>> 2)) & 0x0F0F_0F0F_0F0F_0F0F
            x = (x | (x &>> 4)) & 0x00FF_00FF_00FF_00FF
            x = (x | (x &>> 8)) & 0x0000_FFFF_0000_FFFF
            return (x | (x &>> 16)) & 0xFFFF_FFFF
        }
        for g in 0..<groups {
            var halves: (UInt64, UInt64) = (0, 0)
            for half in 0..<2 {
                let w = UInt64(
                    littleEndian: packed.loadUnaligned(fromByteOffset: g &* 16 &+ half &* 8, as: UInt64.self))
                let e0 = equal(w, 0), e1 = equal(w, low), e2 = equal(w, low &<< 1), e3 = equal(w, ~0)
                bad |= (e2 & i2) | (e3 & i3)
                let hits = packEven((e0 & p0) | (e1 & p1) | (e2 & p2) | (e3 & p3))
                if half == 0 { halves.0 = hits } else { halves.1 = hits }
            }
            mask[g] &= halves.0 | (halves.1 &<< 32)
        }
        return bad != 0
    }

    /// Codes of 3 bits (5 to 8 entries), four at a time: each 12 bits of a group's 24 bytes (at a
    /// whole or half byte) index `chunkTable`. Returns whether some code is past the dictionary.
    private func andTripleCodes(
        _ packed: UnsafeRawBufferPointer, groups: Int, _ entries: Int, _ matches: UnsafeBufferPointer<UInt8>,
        _ mask: UnsafeMutablePointer<UInt64>
    ) -> Bool {
        var key = UInt64(entries) &<< 8
        for code in 0..<Swift.min(8, entries, matches.count) where matches[code] != 0 { key |= 1 &<< UInt64(code) }
        if key != chunkKey {
            // 4,096 entries, rebuilt only when the tests or the dictionary's size change.
            for chunk in 0..<4096 {
                var entry: UInt8 = 0
                for k in 0..<4 {
                    let code = (chunk &>> (3 &* k)) & 7
                    if code >= entries { entry |= 0x10 } else if (key &>> UInt64(code)) & 1 == 1 { entry |= 1 &<< k }
                }
                chunkTable[chunk] = entry
            }
            chunkKey = key
        }
        let table = chunkTable
        var bad: UInt8 = 0
        let base = packed.baseAddress!
        for g in 0..<groups {
            let group = base + g &* 24
            var bits: UInt64 = 0
            for i in 0..<16 {
                // Chunk i holds codes 4i ..< 4i + 4, at bit 12i: two bytes from byte 12i / 8 hold it.
                let at = i &* 12
                let two = UInt16(littleEndian: group.loadUnaligned(fromByteOffset: at &>> 3, as: UInt16.self))
                let entry = table[Int((two &>> UInt16(at & 7)) & 0xFFF)]
                bad |= entry
                bits |= UInt64(entry & 0xF) &<< UInt64(i &* 4)
            }
            mask[g] &= bits
        }
        return bad & 0x10 != 0
    }

    /// 4-bit codes tested by the shuffle kernel of CPlazaKernels.
    private func andNibbleCodes(
        _ packed: UnsafeRawBufferPointer, groups words: Int, _ entries: Int, _ matches: UnsafeBufferPointer<UInt8>,
        _ mask: UnsafeMutablePointer<UInt64>
    ) throws(FormatError) {
        // 0/1 per code; codes past the dictionary are flagged (the last group's padding is code 0).
        var table = SIMD16<UInt8>(repeating: 0), invalid = SIMD16<UInt8>(repeating: 0)
        for code in 0..<16 {
            if code < entries {
                table[code] = code < matches.count && matches[code] != 0 ? 1 : 0
            } else {
                invalid[code] = 1
            }
        }
        let bad = withUnsafeBytes(of: &table) { t in
            withUnsafeBytes(of: &invalid) { v in
                plaza_and_nibble_codes(
                    packed.baseAddress!.assumingMemoryBound(to: UInt8.self), words,
                    t.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    v.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    mask)
            }
        }
        guard bad == 0 else { throw corrupt("a dictionary code is beyond the \(entries) entries") }
    }
}
