import PlazaCore
import PlazaVector

/// The (group, dictionary code) pairs that a `DISTINCT` aggregate has met since the dictionary of
/// its argument last changed, one bit per pair.
///
/// A dictionary-encoded argument keeps one dictionary for a whole row group, so marking a bit per
/// row replaces hashing and comparing the value per row; the pairs reach the distinct set once per
/// row group (`drain`), at most `groups × entries` of them. Bit `group × entries + code`: groups
/// grow at the end, so a new group only appends words.
final class AggregateDistinctCodes {
    /// The most bits (pairs) kept; past it the aggregate hashes values row by row instead.
    static let maxBits = 1 << 23

    /// The dictionary whose codes the bits stand for, or nil before the first batch.
    private(set) var dictionary: ColumnVector?
    private var entries = 0
    private var words: UnsafeMutablePointer<UInt64>
    private var wordCapacity: Int
    /// Whether any bit is set.
    private(set) var hasPairs = false

    init() {
        wordCapacity = 64
        words = .allocate(capacity: wordCapacity)
        words.initialize(repeating: 0, count: wordCapacity)
    }

    deinit { words.deallocate() }

    /// The bytes held, for the memory tracker.
    var footprint: Int { wordCapacity * 8 }

    /// Starts over for `dictionary`; the caller drained the pairs of the previous one.
    func start(_ dictionary: ColumnVector) {
        precondition(!hasPairs, "distinct codes restarted before being drained")
        self.dictionary = dictionary
        entries = Swift.max(dictionary.count, 1)
    }

    /// Whether `groupCount` groups of the current dictionary fit in `maxBits`.
    func fits(groupCount: Int) -> Bool { groupCount <= AggregateDistinctCodes.maxBits / entries }

    /// Marks the pair of every valid row of `vector` (a dictionary vector over `dictionary`), or of
    /// the rows in `rows` only, with the row's group from `groups`.
    ///
    /// - Precondition: `fits(groupCount:)` holds and every group number is below `groupCount`.
    func mark(
        _ vector: ColumnVector, groups: UnsafePointer<Int32>, groupCount: Int, rows: UnsafeBufferPointer<Int32>?,
        count: Int
    ) {
        precondition(vector.dictionary === dictionary, "marking codes of another dictionary")
        let needed = (groupCount * entries + 63) >> 6
        if needed > wordCapacity { grow(needed) }
        let words = self.words, entries = self.entries
        let codes = vector.data.assumingMemoryBound(to: UInt32.self)
        let validity = vector.validity
        if let rows, validity.isAllValid {
            for row in rows {
                let r = Int(row)
                let bit = Int(groups[r]) &* entries &+ Int(codes[r])
                words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
            }
        } else if let rows {
            for row in rows {
                let r = Int(row)
                guard validity.isValid(at: r) else { continue }
                let bit = Int(groups[r]) &* entries &+ Int(codes[r])
                words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
            }
        } else if validity.isAllValid {
            for r in 0..<count {
                let bit = Int(groups[r]) &* entries &+ Int(codes[r])
                words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
            }
        } else {
            for r in 0..<count where validity.isValid(at: r) {
                let bit = Int(groups[r]) &* entries &+ Int(codes[r])
                words[bit &>> 6] |= 1 &<< UInt64(bit & 63)
            }
        }
        hasPairs = hasPairs || count > 0
    }

    /// As `mark` for the one group 0 of an ungrouped aggregate, over the rows set in `liveWords`
    /// (of `count` rows; a table's deleted rows clear): each row ORs its live-and-valid bit into
    /// its code's word, so no positions are written and no row branches (a tenth deleted leaves
    /// hardly a 64-row word whole).
    func markUngrouped(_ vector: ColumnVector, liveWords: UnsafePointer<UInt64>, count: Int) {
        precondition(vector.dictionary === dictionary, "marking codes of another dictionary")
        let needed = (entries + 63) >> 6
        if needed > wordCapacity { grow(needed) }
        let words = self.words
        let codes = vector.data.assumingMemoryBound(to: UInt32.self)
        let validity = vector.hasNulls ? UnsafePointer(vector.validityWords) : nil
        var any: UInt64 = 0
        for w in 0..<ValidityBitmap.wordCount(for: count) {
            let mask = liveWords[w] & (validity?[w] ?? ~0)
            any |= mask
            if mask == 0 { continue }
            let base = w &* 64, rows = Swift.min(64, count &- base)
            for j in 0..<rows {
                let code = Int(codes[base &+ j])
                words[code &>> 6] |= ((mask &>> UInt64(j)) & 1) &<< UInt64(code & 63)
            }
        }
        hasPairs = hasPairs || any != 0
    }

    /// Hands the marked pairs to `body` in chunks of at most 2,048 (groups as BIGINT, values as a
    /// flat vector of the dictionary's type), then clears every bit.
    func drain(_ body: (ColumnVector, ColumnVector) throws(ExecutionError) -> Void) throws(ExecutionError) {
        guard hasPairs, let dictionary else { return }
        hasPairs = false
        let wordCount = wordCapacity
        var groups = ColumnVector(type: .bigint)
        var codes: [Int32] = []
        codes.reserveCapacity(ColumnVector.batchCapacity)
        for index in 0..<wordCount {
            var word = words[index]
            if word == 0 { continue }
            words[index] = 0
            while word != 0 {
                let bit = index &<< 6 &+ word.trailingZeroBitCount
                word &= word &- 1
                groups.append(Int64(bit / entries))
                codes.append(Int32(truncatingIfNeeded: bit % entries))
                if codes.count == ColumnVector.batchCapacity {
                    let values = AggregateDistinctCodes.encoded(codes, dictionary)
                    try body(groups, values)
                    groups = ColumnVector(type: .bigint)
                    codes.removeAll(keepingCapacity: true)
                }
            }
        }
        if !codes.isEmpty {
            let values = AggregateDistinctCodes.encoded(codes, dictionary)
            try body(groups, values)
        }
    }

    /// `codes` as a dictionary vector over `dictionary`: text keeps its codes, so ids are looked up
    /// once per entry (`DictionaryIDs`) rather than hashed again for every pair.
    private static func encoded(_ codes: [Int32], _ dictionary: ColumnVector) -> ColumnVector {
        let vector = ColumnVector(type: dictionary.type, capacity: Swift.max(codes.count, 1))
        vector.makeDictionary(dictionary, count: codes.count)
        let target = vector.values(as: UInt32.self)
        for (i, code) in codes.enumerated() { target[i] = UInt32(bitPattern: code) }
        return vector
    }

    @inline(never)
    private func grow(_ needed: Int) {
        var capacity = wordCapacity * 2
        while capacity < needed { capacity *= 2 }
        let newWords = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        newWords.update(from: words, count: wordCapacity)
        (newWords + wordCapacity).initialize(repeating: 0, count: capacity - wordCapacity)
        words.deallocate()
        words = newWords
        wordCapacity = capacity
    }
}
