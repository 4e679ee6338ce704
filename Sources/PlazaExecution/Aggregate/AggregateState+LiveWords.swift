import PlazaVector

/// Counts grouped over a table's live rows read from the deletion bitmap (`liveWords` of the
/// scan's selection), without writing the live rows' positions.
extension AggregateState {
    /// Whether the counts of `input` (a selection made from a bitmap) may take its live rows from
    /// the bitmap: every aggregate a count or a quantile (`countsByWords`), grouped by one dictionary key without
    /// NULLs or by a pair of them (`pairCodes`), whose codes give every row a group, or by other
    /// keys that never fail (`countsOverAnyKeys`, `assignGroupsOverDeleted`).
    func countsLiveByWords(_ input: Batch) -> Bool {
        // One dictionary key maps by code (`assignGroups`), which needs it without NULLs.
        if let key = singleKeyColumn, input.columns[key].dictionary != nil {
            return countsByWords && input.columns[key].validity.isAllValid
        }
        if countsByWords && pairCodes(input) != nil { return true }
        // Other keys: computed over every row, and only live rows make groups.
        return countsOverAnyKeys
    }

    /// Adds the live rows set in `liveWords` (and, with a FILTER, the true ones among them) of
    /// `batch` to count `index`'s groups; `groups` holds a valid group for every row.
    func countLive(_ index: Int, _ counter: CountAccumulator, _ batch: Batch, liveWords: UnsafePointer<UInt64>)
        throws(ExecutionError)
    {
        let count = batch.count
        let argument = countColumns[index].map { batch.columns[$0] }
        guard let filter = op.filterNodes[index] else {
            counter.update(groups, liveWords: liveWords, liveCount: batch.liveCount, argument, count: count)
            return
        }
        // A FILTER that cannot fail, over every row: its true rows ANDed into the live ones.
        let flags = try filter.evaluate(batch)
        let words = ValidityBitmap.wordCount(for: count)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Swift.max(words, 1)) { buffer in
            let mask = buffer.baseAddress!
            if flags.type == .null {
                mask.initialize(repeating: 0, count: words)  // a NULL condition holds for no row
            } else {
                mask.initialize(from: liveWords, count: words)
                FilterMask.andFlags(
                    mask, count: count, flags: flags.data.assumingMemoryBound(to: UInt8.self),
                    validity: flags.validity)
            }
            counter.update(groups, liveWords: mask, argument, count: count)
        }
    }
}
