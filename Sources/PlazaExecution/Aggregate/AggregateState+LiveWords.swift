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
        // A FILTER that cannot fail, over every row: the live rows it holds for, as positions
        // (branch-free, as a compacted batch's are), counted as a filter's survivors are. (ANDed
        // into the bitmap instead, few rows kept made the counts weigh every row by its bit:
        // q42's FILTER counts ran 1.3x their compacted time.)
        let flags = try filter.evaluate(batch)
        if flags.type == .null { return }  // a NULL condition holds for no row
        let values = flags.data.assumingMemoryBound(to: UInt8.self), rows = filterRows
        var n = 0
        if let valid = flags.validity.words {
            for row in 0..<count {
                rows[n] = Int32(truncatingIfNeeded: row)
                let word = liveWords[row &>> 6] & valid[row &>> 6]
                n &+=
                    Int(unsafeBitCast(values[row] != 0, to: UInt8.self))
                    & Int(truncatingIfNeeded: (word &>> UInt64(row & 63)) & 1)
            }
        } else {
            for row in 0..<count {
                rows[n] = Int32(truncatingIfNeeded: row)
                n &+=
                    Int(unsafeBitCast(values[row] != 0, to: UInt8.self))
                    & Int(truncatingIfNeeded: (liveWords[row &>> 6] &>> UInt64(row & 63)) & 1)
            }
        }
        try counter.update(groups, UnsafeBufferPointer(start: rows, count: n), argument, count: count)
    }

    /// Whether every aggregate is a count without FILTER or DISTINCT under one column key, so that
    /// the counts of a dictionary key's batches may be kept per code (`countCodesLive`).
    func countsAreByCode() -> Bool {
        singleKeyColumn != nil && aggregatesReadWords
            && accumulators.allSatisfy { if case .count = $0 { return true } else { return false } }
            && op.filterNodes.allSatisfy { $0 == nil }
    }

    /// Counts the live rows (set in `liveWords`) of `batch`, grouped by its one dictionary key
    /// without NULLs, per code into `codeCounts`, which reach the groups once per code
    /// (`flushCodeCounts`): no group is written per row and no row is counted twice. Entries get
    /// groups as over the compacted rows, in the order live rows first use them. Returns false,
    /// doing nothing, where that does not apply (`countsByCode`, a count(x) with NULLs in `batch`).
    func countCodesLive(_ batch: Batch, _ table: GroupTable, liveWords: UnsafePointer<UInt64>) throws(ExecutionError)
        -> Bool
    {
        guard countsByCode, let key = singleKeyColumn, let dictionary = batch.columns[key].dictionary else {
            return false
        }
        for column in countColumns {
            // count(x) of a column without NULLs here counts the live rows, as count(*).
            if let column, batch.columns[column].hasNulls || batch.columns[column].type == .null { return false }
        }
        let vector = batch.columns[key]
        let count = batch.count, liveCount = batch.liveCount
        sortedGroups?.stop()  // groups made here are not in key order
        let codes = codeCounts ?? LiveCodeCounts()
        codeCounts = codes
        if dictionaryGroups == nil || dictionaryGroups!.dictionary !== dictionary {
            flushCodeCounts()
            dictionaryGroups = (dictionary, [Int32](repeating: -1, count: Swift.max(dictionary.count, 1)))
        }
        if codes.dictionary !== dictionary || codes.pendingRows > Int(Int32.max) - liveCount {
            flushCodeCounts()
            codes.start(dictionary)
            codes.unmappedCount = dictionaryGroups!.groups.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
            codes.unmapped = nil
        }
        codes.add(
            UnsafePointer(vector.values(as: UInt32.self).baseAddress!), liveWords: liveWords, liveCount: liveCount,
            count: count)
        guard codes.unmappedCount > 0 else { return true }
        // Entries without a group: while many, the batch's live rows are looked at (about what
        // mapping every row by code cost); once few, only their counts (a code seen in deleted rows
        // alone keeps none, and must not cost a look at every row of every batch).
        if codes.unmapped == nil && codes.unmappedCount &* 16 <= count {
            codes.unmapped = dictionaryGroups!.groups.indices.compactMap {
                dictionaryGroups!.groups[$0] < 0 ? Int32($0) : nil
            }
        }
        if codes.unmapped == nil || codes.countsAnyUnmapped() {
            // The batch's live rows give groups to their codes in row order, as over the compacted rows.
            let mapped = try mapMissingCodes(vector, dictionary, count, liveWords: liveWords)
            guard mapped > 0 else { return true }
            codes.unmappedCount -= mapped
            codes.unmapped?.removeAll { dictionaryGroups!.groups[Int($0)] >= 0 }
            for accumulator in accumulators { accumulator.resize(table.groupCount) }
            try account()
        }
        return true
    }

    /// Adds the live rows counted per code (`countCodesLive`) to every count's group of its
    /// code: before the key's dictionary changes, at the end of a morsel, and before the state
    /// is read (merged, finalized).
    func flushCodeCounts() {
        guard let codes = codeCounts, codes.pendingRows > 0 else { return }
        guard let mapped = dictionaryGroups, mapped.dictionary === codes.dictionary else {
            preconditionFailure("codes counted without their dictionary's groups")
        }
        let groups = mapped.groups
        let counters = accumulators.map { accumulator -> CountAccumulator in
            guard case .count(let counter) = accumulator else { preconditionFailure("codes counted for a non-count") }
            return counter
        }
        codes.drain { code, n in
            let group = Int(groups[code])
            precondition(group >= 0, "a code counted without a group")
            for counter in counters { counter.counts[group] &+= n }
        }
    }

    /// `ungroupedCounts` for `op`'s aggregates: nil unless each is a count without FILTER or
    /// DISTINCT of no argument or a column.
    static func ungroupedCounts(_ op: AggregateOperator, _ accumulators: [Accumulator])
        -> [(counter: CountAccumulator, column: Int?)]?
    {
        var counts: [(counter: CountAccumulator, column: Int?)] = []
        for (index, accumulator) in accumulators.enumerated() {
            guard case .count(let counter) = accumulator, op.filterNodes[index] == nil, !op.calls[index].isDistinct
            else { return nil }
            let argument = op.argumentNodes[index]
            guard argument == nil || argument is ColumnNode else { return nil }
            counts.append((counter, (argument as? ColumnNode)?.index))
        }
        return counts
    }

    /// Adds a batch whose selection is its table's live rows (`liveWords`, not narrowed since) to
    /// the ungrouped `counts`: their number, or for count(x) the valid ones, 64 rows a popcount;
    /// returns false, doing nothing, for any other batch. Nothing else runs for such a batch (no
    /// groups cleared, no argument looked at), so counting deleted rows costs about what
    /// counting the rows left after compaction does (q17).
    func countUngroupedLive(_ input: Batch, _ counts: [(counter: CountAccumulator, column: Int?)]) -> Bool {
        guard let selection = input.selection, let words = selection.liveWords,
            selection.count == selection.liveWordsCount
        else { return false }
        for (counter, column) in counts {
            counter.update(
                liveWords: words, liveCount: selection.count, column.map { input.columns[$0] }, count: input.count)
        }
        return true
    }
}
