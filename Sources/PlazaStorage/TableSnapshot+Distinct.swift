import PlazaCore
import PlazaFormat

extension TableSnapshot {
    /// An upper bound on the distinct non-NULL values of column `column` across the snapshot, from
    /// the chunk statistics (exact distinct counts up to 65,536 per chunk; integer min and max);
    /// nil when a chunk has neither.
    package func distinctUpperBound(column: Int) -> Int? {
        var sum = 0, everyChunkCounted = true
        var low = Int64.max, high = Int64.min, everyChunkBounded = true
        for rowGroup in 0..<rowGroupCount {
            // A widened column's stored statistics are in its old type; its counts still hold, its bounds may not.
            let converted = isConverted(rowGroup: rowGroup, column: column)
            let statistics = storedStatistics(rowGroup: rowGroup, column: column)
            if statistics.nullCount == statistics.valueCount { continue }
            if let distinct = statistics.distinctCount { sum += distinct } else { everyChunkCounted = false }
            if !converted, case .bigint(let min)? = statistics.min, case .bigint(let max)? = statistics.max {
                low = Swift.min(low, min)
                high = Swift.max(high, max)
            } else {
                everyChunkBounded = false
            }
            if !everyChunkCounted && !everyChunkBounded { return nil }
        }
        var bound: Int? = everyChunkCounted ? Swift.min(sum, rowCount) : nil
        if everyChunkBounded {
            let (span, overflow) = high.subtractingReportingOverflow(low)
            if low > high {
                bound = 0
            } else if !overflow && span < Int64(rowCount) {
                bound = Swift.min(bound ?? Int.max, Int(span) + 1)
            }
        }
        return bound
    }
}

extension TableSnapshot {
    /// The smallest and largest non-NULL value of column `column` across the snapshot on a numeric
    /// scale, from the chunk statistics; nil when a chunk with values has no bound (text, a
    /// widened column's older segment) or the column has no values.
    package func valueRange(column: Int) -> ClosedRange<Double>? {
        var low = Double.infinity, high = -Double.infinity
        for rowGroup in 0..<rowGroupCount {
            let statistics = storedStatistics(rowGroup: rowGroup, column: column)
            if statistics.nullCount == statistics.valueCount { continue }
            guard !isConverted(rowGroup: rowGroup, column: column),
                let min = statistics.min?.numericPosition, let max = statistics.max?.numericPosition
            else { return nil }
            low = Swift.min(low, min)
            high = Swift.max(high, max)
        }
        return low <= high ? low...high : nil
    }
}

extension TableSnapshot {
    /// An estimate of the distinct non-NULL values of column `column` from the chunks' exact
    /// distinct counts: a column with few values per chunk (a tenth of its rows or fewer) repeats
    /// them across chunks, so the largest chunk's count; otherwise their sum, at most the rows.
    /// Nil when a chunk with values has no count.
    package func distinctEstimate(column: Int) -> Int? {
        var largest = 0, sum = 0, rows = 0
        for rowGroup in 0..<rowGroupCount {
            let statistics = storedStatistics(rowGroup: rowGroup, column: column)
            if statistics.nullCount == statistics.valueCount { continue }
            guard let distinct = statistics.distinctCount else { return nil }
            largest = Swift.max(largest, distinct)
            sum += distinct
            rows += statistics.valueCount - statistics.nullCount
        }
        guard largest > 0 else { return nil }
        let chunks = Swift.max(rowGroupCount, 1)
        return largest * 10 * chunks <= rows ? largest : Swift.min(sum, rows)
    }
}

extension PinnedCatalog: CatalogStatistics {
    /// The estimate from the pinned snapshot of `table` (pinning it if needed); nil when it cannot be opened.
    package func distinctEstimate(table: String, column: Int) -> Int? {
        guard let snapshot = try? snapshot(table: table), column >= 0, column < snapshot.schema.count else {
            return nil
        }
        return snapshot.distinctEstimate(column: column)
    }

    /// The range from the pinned snapshot of `table` (pinning it if needed); nil when it cannot be opened.
    package func valueRange(table: String, column: Int) -> ClosedRange<Double>? {
        guard let snapshot = try? snapshot(table: table), column >= 0, column < snapshot.schema.count else {
            return nil
        }
        return snapshot.valueRange(column: column)
    }

    /// The bound from the pinned snapshot of `table` (pinning it if needed); nil when it cannot be opened.
    package func distinctUpperBound(table: String, column: Int) -> Int? {
        guard let snapshot = try? snapshot(table: table), column >= 0, column < snapshot.schema.count else {
            return nil
        }
        return snapshot.distinctUpperBound(column: column)
    }
}
