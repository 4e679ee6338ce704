/// A wavelet matrix over a sequence of unsigned symbols below 2^bits: the k-th smallest symbol of
/// any position range, or how many of its symbols lie below a bound, in O(bits) steps.
///
/// Level l holds, for the sequence as stably sorted by the symbols' top l bits (zeros first), the
/// next bit of each symbol; a position range at one level maps to one range at the next through
/// the count of ones before it (Claude, Navarro, Ordóñez, "The wavelet matrix", SPIRE 2012).
/// Building costs O(n · bits); memory is about n · bits · 1.5 bits.
final class WaveletMatrix {
    /// The number of symbols.
    let count: Int
    /// The number of levels (bits per symbol).
    let levels: Int
    /// 64-bit words per level: one past the last whole word, so that rank(count) reads a real word.
    private let wordCount: Int
    /// The bits of level l are `words[l * wordCount ..< (l + 1) * wordCount]`.
    private let words: UnsafeMutablePointer<UInt64>
    /// `ones[l * wordCount + w]`: the ones of level l before word w.
    private let ones: UnsafeMutablePointer<UInt32>
    /// The zeros of each level (where the ones' part of the next level starts).
    private var zeros: [Int]

    /// Builds the matrix of `symbols`, each below 2^`bits` (1 ≤ bits ≤ 32, count < 2^32).
    init(_ symbols: UnsafeBufferPointer<UInt32>, bits: Int) {
        precondition(bits >= 1 && bits <= 32 && symbols.count < Int(UInt32.max), "wavelet matrix out of range")
        count = symbols.count
        levels = bits
        wordCount = count / 64 + 1
        words = .allocate(capacity: levels * wordCount)
        words.initialize(repeating: 0, count: levels * wordCount)
        ones = .allocate(capacity: levels * wordCount)
        zeros = [Int](repeating: 0, count: levels)
        var current = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: Swift.max(count, 1))
        var next = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: Swift.max(count, 1))
        defer {
            current.deallocate()
            next.deallocate()
        }
        _ = current.initialize(fromContentsOf: symbols)
        for level in 0..<levels {
            let shift = UInt32(levels - 1 - level)
            let levelWords = words + level * wordCount
            var zeroCount = 0
            for i in 0..<count {
                let bit = UInt64(current[i] &>> shift & 1)
                levelWords[i &>> 6] |= bit &<< UInt64(i & 63)
                zeroCount &+= Int(1 &- bit)
            }
            zeros[level] = zeroCount
            let levelOnes = ones + level * wordCount
            var before: UInt32 = 0
            for w in 0..<wordCount {
                levelOnes[w] = before
                before &+= UInt32(levelWords[w].nonzeroBitCount)
            }
            // Stable partition: zeros first, then ones, each in their order.
            var zeroAt = 0, oneAt = zeroCount
            for i in 0..<count {
                let symbol = current[i]
                if symbol &>> shift & 1 == 0 {
                    next[zeroAt] = symbol
                    zeroAt &+= 1
                } else {
                    next[oneAt] = symbol
                    oneAt &+= 1
                }
            }
            swap(&current, &next)
        }
    }

    deinit {
        words.deallocate()
        ones.deallocate()
    }

    /// The ones of `level` at positions before `position` (≤ count).
    @inline(__always)
    private func rank1(_ level: Int, _ position: Int) -> Int {
        let base = level &* wordCount &+ position &>> 6
        let mask = (UInt64(1) &<< UInt64(position & 63)) &- 1
        return Int(ones[base]) &+ (words[base] & mask).nonzeroBitCount
    }

    /// The `k`-th smallest symbol (from 0) among positions `start ..< end`; needs k < end − start.
    func kthSmallest(_ start: Int, _ end: Int, _ k: Int) -> UInt32 {
        precondition(start <= end && end <= count && k < end - start, "k-th smallest outside the range")
        var s = start, e = end, k = k
        var symbol: UInt32 = 0
        for level in 0..<levels {
            let onesBeforeStart = rank1(level, s), onesBeforeEnd = rank1(level, e)
            let zerosInRange = (e &- onesBeforeEnd) &- (s &- onesBeforeStart)
            if k < zerosInRange {
                s = s &- onesBeforeStart
                e = e &- onesBeforeEnd
            } else {
                k &-= zerosInRange
                s = zeros[level] &+ onesBeforeStart
                e = zeros[level] &+ onesBeforeEnd
                symbol |= 1 &<< UInt32(levels - 1 - level)
            }
        }
        return symbol
    }

    /// How many symbols among positions `start ..< end` are below `bound`.
    func countBelow(_ start: Int, _ end: Int, _ bound: UInt64) -> Int {
        precondition(start <= end && end <= count, "range outside the matrix")
        if bound >= UInt64(1) << UInt64(levels) { return end - start }
        var s = start, e = end
        var below = 0
        for level in 0..<levels {
            let onesBeforeStart = rank1(level, s), onesBeforeEnd = rank1(level, e)
            if bound &>> UInt64(levels - 1 - level) & 1 == 1 {
                // Symbols with a 0 here (and the bound's higher bits) are below the bound.
                below &+= (e &- onesBeforeEnd) &- (s &- onesBeforeStart)
                s = zeros[level] &+ onesBeforeStart
                e = zeros[level] &+ onesBeforeEnd
            } else {
                s = s &- onesBeforeStart
                e = e &- onesBeforeEnd
            }
        }
        return below
    }
}
