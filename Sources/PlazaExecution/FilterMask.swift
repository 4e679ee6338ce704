import PlazaCore
import PlazaVector

/// Row masks of a filter: one bit per row, LSB-first, 64 rows a word (as `ValidityBitmap`).
/// Each conjunct ANDs its result in; words already zero are skipped.
enum FilterMask {
    /// Sets the first `count` bits and clears the rest of the last word.
    static func setAll(_ mask: UnsafeMutablePointer<UInt64>, count: Int) {
        let words = ValidityBitmap.wordCount(for: count)
        mask.update(repeating: ~0, count: words)
        if count % 64 != 0 { mask[words - 1] = (1 &<< UInt64(count % 64)) &- 1 }
    }

    /// Whether no bit is set.
    static func isEmpty(_ mask: UnsafeMutablePointer<UInt64>, words: Int) -> Bool {
        var any: UInt64 = 0
        for w in 0..<words { any |= mask[w] }
        return any == 0
    }

    /// The number of set bits.
    static func population(_ mask: UnsafeMutablePointer<UInt64>, words: Int) -> Int {
        var n = 0
        for w in 0..<words { n &+= mask[w].nonzeroBitCount }
        return n
    }

    /// ANDs in `IS NULL` (`isNull`) or `IS NOT NULL` of `vector`.
    static func andNullTest(_ mask: UnsafeMutablePointer<UInt64>, words: Int, vector: ColumnVector, isNull: Bool) {
        guard vector.hasNulls else {
            if isNull { mask.update(repeating: 0, count: words) }
            return
        }
        let validity = vector.validityWords
        if isNull {
            for w in 0..<words { mask[w] &= ~validity[w] }
        } else {
            for w in 0..<words { mask[w] &= validity[w] }
        }
    }

    /// ANDs in 0/1 `flags` (low bit read), masked by `validity` (a NULL result is not true).
    static func andFlags(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, flags: UnsafePointer<UInt8>, validity: ValidityBitmap
    ) {
        let words = ValidityBitmap.wordCount(for: count)
        let raw = UnsafeRawPointer(flags)
        for w in 0..<words where mask[w] != 0 {
            let base = w &* 64
            var bits: UInt64 = 0
            if count &- base >= 64 {
                // Eight flags at a time: their low bits gathered into one byte by one multiply.
                for k in 0..<8 {
                    let eight = raw.loadUnaligned(fromByteOffset: base &+ k &* 8, as: UInt64.self) & 0x0101_0101_0101_0101
                    bits |= ((eight &* 0x0102_0408_1020_4080) &>> 56) &<< UInt64(k &* 8)
                }
            } else {
                for j in 0..<(count &- base) { bits |= UInt64(flags[base &+ j] & 1) &<< UInt64(j) }
            }
            if let validityWords = validity.words { bits &= validityWords[w] }
            mask[w] &= bits
        }
    }

    /// ANDs in `matches[code]` (0 or 1 per dictionary entry) of a dictionary vector's codes;
    /// NULL rows are not true.
    static func andCodes(_ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, matches: [UInt8]) {
        let words = ValidityBitmap.wordCount(for: count)
        let codes = vector.data.assumingMemoryBound(to: UInt32.self)
        let validity = vector.validity
        matches.withUnsafeBufferPointer { m in
            for w in 0..<words where mask[w] != 0 {
                let base = w &* 64, end = Swift.min(64, count &- base)
                var bits: UInt64 = 0
                if let validityWords = validity.words, validityWords[w] != ~0 {
                    // NULL rows may hold any code: read entry 0 for them, then clear their bits.
                    let valid = validityWords[w]
                    for j in 0..<end {
                        let isValid = (valid &>> UInt64(j)) & 1
                        let code = Int(codes[base &+ j]) & -Int(isValid)
                        bits |= UInt64(m[code] & 1) &<< UInt64(j)
                    }
                    bits &= valid
                } else {
                    for j in 0..<end { bits |= UInt64(m[Int(codes[base &+ j])] & 1) &<< UInt64(j) }
                }
                mask[w] &= bits
            }
        }
    }

    /// The positions of the set bits among the first `count` rows, into `out` (room for `count`).
    static func select(_ mask: UnsafeMutablePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<Int32>) -> Int {
        var n = 0
        for w in 0..<ValidityBitmap.wordCount(for: count) {
            var bits = mask[w]
            let base = Int32(truncatingIfNeeded: w &* 64)
            while bits != 0 {
                out[n] = base &+ Int32(truncatingIfNeeded: bits.trailingZeroBitCount)
                n &+= 1
                bits &= bits &- 1
            }
        }
        return n
    }
}
