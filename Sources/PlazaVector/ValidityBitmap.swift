import CPlazaKernels

/// A view of which rows of a vector are valid (not NULL), one bit per row, LSB-first.
///
/// `valid(j) = words[j / 64] >> (j % 64) & 1`. A nil `words` means every row is valid;
/// kernels test that once per batch and run a tight loop (../shared/STYLE.md rule 11).
@frozen
@usableFromInline package struct ValidityBitmap {
    /// The bit words, or nil when every row is valid.
    @usableFromInline package let words: UnsafeMutablePointer<UInt64>?

    /// Creates a view over `words` (nil: all valid).
    @inlinable
    package init(words: UnsafeMutablePointer<UInt64>?) { self.words = words }

    /// Whether every row is valid without looking at bits.
    @inlinable
    package var isAllValid: Bool { words == nil }

    /// Whether row `row` is valid (not NULL).
    @inlinable
    package func isValid(at row: Int) -> Bool {
        guard let words else { return true }
        return (words[row &>> 6] &>> UInt64(row & 63)) & 1 == 1
    }

    /// The number of valid rows among the first `count`, 64 at a time.
    @inlinable
    package func validCount(_ count: Int) -> Int {
        guard let words else { return count }
        var n = 0
        for w in 0..<(count &>> 6) { n &+= words[w].nonzeroBitCount }
        if count & 63 != 0 { n &+= (words[count &>> 6] & ((1 &<< UInt64(count & 63)) &- 1)).nonzeroBitCount }
        return n
    }

    /// The number of set bits in the first `wordCount` words of `words`: POPCNT where the CPU has
    /// it (`plaza_popcount` in CPlazaKernels; Swift cannot emit it for baseline x86-64 without
    /// compiler flags), else a portable loop.
    package static func setBitCount(_ words: UnsafePointer<UInt64>, wordCount: Int) -> Int {
        plaza_popcount(words, wordCount)
    }

    /// The number of bits set in both `a` and `b` among their first `wordCount` words (live rows
    /// that are valid): `plaza_popcount_and`, for the same reason as `setBitCount(_:wordCount:)`
    /// (the Swift loop was 4.5% of q17's counts over a table with deleted rows).
    package static func setBitCount(_ a: UnsafePointer<UInt64>, and b: UnsafePointer<UInt64>, wordCount: Int) -> Int {
        plaza_popcount_and(a, b, wordCount)
    }

    /// The first and last of the first `count` rows whose bit is set in `words` (a selection's live
    /// rows, at least one of them set), found a word at a time from each end.
    package static func firstAndLastSet(_ words: UnsafePointer<UInt64>, count: Int) -> (Int, Int) {
        let wordCount = self.wordCount(for: count)
        var first = 0
        while first < wordCount && words[first] == 0 { first &+= 1 }
        var last = wordCount &- 1
        while last > first && words[last] == 0 { last &-= 1 }
        precondition(first < wordCount, "no row set among \(count)")
        return (
            first &* 64 &+ words[first].trailingZeroBitCount, last &* 64 &+ 63 &- words[last].leadingZeroBitCount
        )
    }

    /// Number of 64-bit words needed for `count` rows.
    @inlinable
    package static func wordCount(for count: Int) -> Int { (count + 63) / 64 }
}
