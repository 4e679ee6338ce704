import CPlazaKernels
import PlazaCore

/// Row positions that survived a filter, in ascending order, instead of copying the rows.
@usableFromInline package final class SelectionVector {
    /// The positions, `count` of them (written on first use for a selection made lazily from a mask).
    @inlinable package var indices: UnsafeMutablePointer<Int32> {
        if positionsPending { writePendingPositions() }
        return storage
    }
    /// Where the positions live.
    @usableFromInline let storage: UnsafeMutablePointer<Int32>
    /// Whether the positions are still only in `liveWords` (a count of live rows needs no positions).
    @exclusivity(unchecked) @usableFromInline var positionsPending = false
    /// Room for this many positions.
    package let capacity: Int
    // Unchecked exclusivity, as ColumnVector's stored properties: read for every batch of every stage.
    /// The number of positions.
    @exclusivity(unchecked) @usableFromInline package var count: Int
    /// The selected rows as a bitmap (bit set = selected, rows past the batch clear), when the
    /// selection was made from one (a deletion mask): counting kernels popcount it 64 rows at a time.
    @exclusivity(unchecked) package private(set) var liveWords: UnsafeMutablePointer<UInt64>?
    /// The number of bits set in `liveWords` (`count` as `refill` left it): while `count` still
    /// equals it, nothing narrowed the selection, so the bitmap describes it without a popcount.
    @exclusivity(unchecked) package private(set) var liveWordsCount = 0

    /// Creates an empty selection with room for `capacity` positions (and `slack` more that a
    /// writer may overrun).
    package init(capacity: Int = ColumnVector.batchCapacity, slack: Int = 0) {
        self.storage = .allocate(capacity: max(capacity &+ slack, 1))
        self.capacity = capacity
        self.count = 0
    }

    /// Writes the positions of the set bits of `words` (bit `i` of word `w` is row `64w + i`) in
    /// ascending order into `out` and returns how many: a word with many bits a byte at a time
    /// from a table of positions (no branch per row), a sparse one four bits a round without a
    /// branch per bit. `out` needs room for 8 positions past the last one written.
    ///
    /// In C (`CPlazaKernels`): POPCNT and TZCNT where the CPU has them (Swift cannot emit them
    /// without compiler flags). The rounds are what paid: a loop per bit mispredicted its exit about
    /// once a word, and this was 6.7% of Q6 with POPCNT alone, 4.2% with the rounds.
    package static func writePositions(
        of words: UnsafePointer<UInt64>, wordCount: Int, into out: UnsafeMutablePointer<Int32>
    ) -> Int {
        plaza_write_positions(words, wordCount, out)
    }

    /// The rows of `0 ..< count` whose bit in `mask` is clear (a deletion mask: bit set = row gone).
    /// (A tenth of rows deleted made a bit-by-bit walk cost a sixth of an aggregate.)
    /// With `lazily`, the positions are written only when first read: an aggregate that only
    /// counts rows popcounts `liveWords` and never needs them.
    package convenience init(rowsClearIn mask: UnsafePointer<UInt64>, count: Int, lazily: Bool = false) {
        self.init(capacity: count, slack: 8)
        liveWords = .allocate(capacity: max(ValidityBitmap.wordCount(for: count), 1))
        refill(rowsClearIn: mask, count: count)
        if !lazily { writePendingPositions() }
    }

    /// The rows of `0 ..< count` whose bit in `mask` is set (a filter's survivors), with the
    /// positions written only when first read: an aggregate sums and counts them by word.
    package convenience init(rowsSetIn mask: UnsafePointer<UInt64>, count: Int) {
        self.init(capacity: count, slack: 8)
        liveWords = .allocate(capacity: max(ValidityBitmap.wordCount(for: count), 1))
        fill(from: mask, count: count, flipped: false)
    }

    /// Makes this selection, one made by `init(rowsClearIn:count:lazily:)` with room for `count`
    /// rows, the rows of `0 ..< count` clear in `mask`, lazily: a scan reading batches into one
    /// reused batch refills one selection instead of allocating two buffers per batch.
    package func refill(rowsClearIn mask: UnsafePointer<UInt64>, count: Int) {
        fill(from: mask, count: count, flipped: true)
    }

    /// The rows of `0 ..< count` whose bit in `mask` is set (clear, when `flipped`), positions pending.
    private func fill(from mask: UnsafePointer<UInt64>, count: Int, flipped: Bool) {
        guard let live = liveWords, count <= capacity else {
            preconditionFailure("refill of \(count) rows into a selection of \(capacity) without a bitmap")
        }
        let wordCount = ValidityBitmap.wordCount(for: count)
        let flip: UInt64 = flipped ? ~0 : 0
        for w in 0..<wordCount {
            var bits = mask[w] ^ flip
            if count &- w &* 64 < 64 { bits &= (1 &<< UInt64(count & 63)) &- 1 }
            live[w] = bits
        }
        // Words past this batch's stay clear: `writePendingPositions` reads as far as `capacity`.
        for w in wordCount..<ValidityBitmap.wordCount(for: capacity) { live[w] = 0 }
        self.count = ValidityBitmap.setBitCount(live, wordCount: wordCount)
        liveWordsCount = self.count
        positionsPending = true
    }

    /// Writes the positions of `liveWords` (for `indices`, the first time it is read).
    @usableFromInline func writePendingPositions() {
        positionsPending = false
        _ = Self.writePositions(of: liveWords!, wordCount: ValidityBitmap.wordCount(for: capacity), into: storage)
    }

    deinit {
        storage.deallocate()
        liveWords?.deallocate()
    }

    /// The positions as a buffer.
    @inlinable
    package var buffer: UnsafeMutableBufferPointer<Int32> { UnsafeMutableBufferPointer(start: indices, count: count) }
}

/// Up to 2,048 rows of several columns flowing between operators.
///
/// When `selection` is set only the listed rows are live; `count` is the number of physical
/// rows in the columns, `liveCount` the number of rows the batch stands for.
@usableFromInline package final class Batch {
    // Unchecked exclusivity, as ColumnVector's stored properties: read for every batch of every stage.
    /// The columns, each holding `count` values.
    @exclusivity(unchecked) @usableFromInline package var columns: [ColumnVector]
    /// The number of physical rows in each column.
    @exclusivity(unchecked) @usableFromInline package var count: Int
    /// The live rows, or nil when every row is live.
    @exclusivity(unchecked) @usableFromInline package var selection: SelectionVector?

    /// Creates a batch over columns of equal length.
    package init(columns: [ColumnVector], count: Int, selection: SelectionVector? = nil) {
        self.columns = columns
        self.count = count
        self.selection = selection
    }

    /// Creates an empty batch with a column of each type.
    package convenience init(types: [DataType], capacity: Int = ColumnVector.batchCapacity) {
        self.init(columns: types.map { ColumnVector(type: $0, capacity: capacity) }, count: 0)
    }

    /// The number of rows the batch stands for (selected rows, or all).
    @inlinable
    package var liveCount: Int { selection?.count ?? count }

    /// The column at `index`.
    @inlinable
    package func column(at index: Int) -> ColumnVector { columns[index] }
}
