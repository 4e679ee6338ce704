import PlazaCore

/// Row positions that survived a filter, in ascending order, instead of copying the rows.
@usableFromInline package final class SelectionVector {
    /// The positions, `count` of them.
    @usableFromInline package let indices: UnsafeMutablePointer<Int32>
    /// Room for this many positions.
    package let capacity: Int
    // Unchecked exclusivity, as ColumnVector's stored properties: read for every batch of every stage.
    /// The number of positions.
    @exclusivity(unchecked) @usableFromInline package var count: Int
    /// The selected rows as a bitmap (bit set = selected, rows past the batch clear), when the
    /// selection was made from one (a deletion mask): counting kernels popcount it 64 rows at a time.
    @exclusivity(unchecked) package private(set) var liveWords: UnsafeMutablePointer<UInt64>?

    /// Creates an empty selection with room for `capacity` positions.
    package init(capacity: Int = ColumnVector.batchCapacity) {
        self.indices = .allocate(capacity: max(capacity, 1))
        self.capacity = capacity
        self.count = 0
    }

    /// The rows of `0 ..< count` whose bit in `mask` is clear (a deletion mask: bit set = row gone),
    /// found a 64-bit word at a time.
    package convenience init(rowsClearIn mask: UnsafePointer<UInt64>, count: Int) {
        self.init(capacity: count)
        var n = 0
        let wordCount = ValidityBitmap.wordCount(for: count)
        let live = UnsafeMutablePointer<UInt64>.allocate(capacity: max(wordCount, 1))
        liveWords = live
        for w in 0..<wordCount {
            var bits = ~mask[w]
            if count &- w &* 64 < 64 { bits &= (1 &<< UInt64(count & 63)) &- 1 }
            live[w] = bits
            let base = Int32(truncatingIfNeeded: w &* 64)
            while bits != 0 {
                indices[n] = base &+ Int32(truncatingIfNeeded: bits.trailingZeroBitCount)
                n &+= 1
                bits &= bits &- 1
            }
        }
        self.count = n
    }

    deinit {
        indices.deallocate()
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
