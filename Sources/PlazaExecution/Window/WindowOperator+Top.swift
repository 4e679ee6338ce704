import PlazaCore
import PlazaPlanner
import PlazaVector

/// "The top k per partition": when a filter above caps a ranking call (`WindowCall.keepsAtMost`,
/// set by `WindowTopRule`), the rows that can pass it are found in one pass over the input, each
/// thread keeping every partition's k best (ORDER BY key, row) pairs in a small sorted array;
/// only those rows are then sorted and numbered as usual. 10M rows in 100K partitions cut to
/// their top 2 sort 200K rows instead of 10M.
extension WindowOperator {
    /// The most rows per partition the cut keeps in its arrays (a larger cap sorts as usual).
    static let largestTopCut = 4096

    /// The input rows that can pass the cap on a ranking call: each partition's first k rows in
    /// window order for `row_number`, the rows tied with them too for `rank`, the rows of its
    /// first k distinct ORDER BY keys for `dense_rank`; in input order, as batches. Nil when no
    /// call is capped, the keys do not pack into 64 bits, or the cut would keep half the rows.
    func topRows(_ batches: [Batch], _ total: Int) throws(ExecutionError) -> [Batch]? {
        guard let capped = calls.first(where: { $0.keepsAtMost != nil }), let limit = capped.keepsAtMost,
            calls.allSatisfy({ call in
                switch call.function {
                case .rowNumber, .rank, .denseRank:
                    return call.partitionBy == capped.partitionBy && call.orderBy == capped.orderBy
                default: return false
                }
            })
        else { return nil }
        if limit == 0 { return [] }
        guard limit < total, limit <= Self.largestTopCut else { return nil }
        for sortKey in capped.orderBy {
            let type = sortKey.expression.type
            guard type == .varchar || SortKeyRange.isPackable(type) else { return nil }
        }
        var orderKeys: [ColumnVector] = []
        for sortKey in capped.orderBy {
            orderKeys.append(
                sortKey.expression.type == .varchar
                    ? try textRanks(sortKey.expression, batches, total) : try evaluateAll(sortKey.expression, batches))
        }
        var ranges: [SortKeyRange] = []
        for vector in orderKeys {
            var range = SortKeyRange()
            range.add(vector, count: total)
            ranges.append(range)
        }
        let directions = capped.orderBy.map { (isDescending: $0.isDescending, nullsFirst: $0.nullsFirst) }
        guard let layout = PackedKeyLayout(ranges, directions) else { return nil }
        // Without PARTITION BY every row is in partition 0 (no numbers).
        let partitions: (numbers: ColumnVector?, count: Int) =
            capped.partitionBy.isEmpty ? (nil, 1) : try partitionNumbers(capped.partitionBy, batches, total)
        guard partitions.count.multipliedReportingOverflow(by: limit).partialValue <= total / 2 else { return nil }
        let mode: TopCut.Mode =
            switch capped.function {
            case .rowNumber: .rows
            case .rank: .ranks
            default: .distinctKeys
            }
        let kept = try keptRows(layout, orderKeys, partitions, total, TopCut.Shape(limit: limit, mode: mode))
        return gatherRows(kept, batches)
    }

    /// The rows that can pass the cut, ascending: one pass per thread over its share of the rows
    /// keeps each partition's best entries, the threads' arrays are merged in row order, and (but
    /// for row_number, whose kept rows are the entries held) a second pass keeps the rows that
    /// compare at most their partition's k-th entry.
    private func keptRows(
        _ layout: PackedKeyLayout, _ orderKeys: [ColumnVector], _ partitions: (numbers: ColumnVector?, count: Int),
        _ total: Int, _ shape: TopCut.Shape
    ) throws(ExecutionError) -> [Int32] {
        let threads = context.options.threads
        let chunks = Swift.max(1, Swift.min(threads, total / 65_536))
        let chunkRows = (total + chunks - 1) / chunks
        let bytesPerCut = partitions.count * shape.limit * 12
        try context.tracker.reserve(chunks * bytesPerCut, for: "window top rows")
        defer { context.tracker.release(chunks * bytesPerCut) }
        let cuts = (0..<chunks).map { _ in TopCut(partitions: partitions.count, shape: shape) }
        defer { for cut in cuts { cut.deallocate() } }
        let partitionOf = partitions.numbers.map { UnsafePointer($0.values(as: Int64.self).baseAddress!) }
        let walk = TopRowWalk(
            layout: layout, keys: orderKeys, partitionOf: partitionOf, total: total, chunkRows: chunkRows)
        // Pass 1: every thread offers its rows to its own arrays.
        _ = try Scheduler.map(chunks, threads: threads, context: context) { (chunk) throws(ExecutionError) in
            let cut = cuts[chunk]
            walk.forEachRow(chunk) { partition, key, row in cut.offer(partition, key, row) }
        }
        // Later chunks hold later rows: merged in order, an equal key stays behind the rows before it.
        for chunk in 1..<chunks { cuts[0].merge(cuts[chunk]) }
        let bounds = cuts[0]
        if shape.mode == .rows { return bounds.heldRows(total: total) }
        bounds.makeThresholds()
        // Pass 2: every thread lists its rows within their partition's threshold.
        return try Scheduler.map(chunks, threads: threads, context: context) { (chunk) throws(ExecutionError) in
            var kept: [Int32] = []
            walk.forEachRow(chunk) { partition, key, row in
                if bounds.admits(partition, key, row) { kept.append(Int32(bitPattern: row)) }
            }
            return kept
        }.flatMap { $0 }
    }

    /// The rows `rows` (ascending positions over `batches` end to end) as batches of at most a
    /// batch's capacity.
    private func gatherRows(_ rows: [Int32], _ batches: [Batch]) -> [Batch] {
        var output: [Batch] = []
        var pending: [Batch] = []
        var pendingRows = 0
        func flush() {
            guard pendingRows > 0 else { return }
            let columns = pending[0].columns.indices.map { column in
                ColumnConcatenation.concatenate(
                    pending.map { $0.columns[column] }, type: pending[0].columns[column].type)
            }
            output.append(Batch(columns: columns, count: pendingRows))
            pending = []
            pendingRows = 0
        }
        var next = 0
        var offset = 0
        for batch in batches {
            let end = offset + batch.count
            var local: [Int32] = []
            while next < rows.count && Int(rows[next]) < end {
                local.append(rows[next] - Int32(offset))
                next += 1
            }
            offset = end
            if local.isEmpty { continue }
            if pendingRows + local.count > ColumnVector.batchCapacity { flush() }
            let gathered = local.withUnsafeBufferPointer { indices in
                Batch(columns: batch.columns.map { GatherKernel.gather($0, indices) }, count: local.count)
            }
            pending.append(gathered)
            pendingRows += local.count
        }
        flush()
        return output
    }
}

/// The rows of one thread's share of a window's input, each with its partition and its packed
/// ORDER BY key: both passes of the top-k cut read them this way.
struct TopRowWalk {
    let layout: PackedKeyLayout
    let keys: [ColumnVector]
    /// Each row's partition number; nil: every row is in partition 0.
    let partitionOf: UnsafePointer<Int64>?
    let total: Int
    let chunkRows: Int

    /// Calls `body(partition, key, row)` for every row of share `chunk`, in row order, packing the
    /// keys a batch at a time into a buffer of its own.
    @inline(__always)
    func forEachRow(_ chunk: Int, _ body: (Int, UInt64, UInt32) -> Void) {
        let step = ColumnVector.batchCapacity
        let buffer = UnsafeMutablePointer<SortEntry>.allocate(capacity: step)
        defer { buffer.deallocate() }
        var start = chunk * chunkRows
        let end = Swift.min(total, start + chunkRows)
        while start < end {
            let count = Swift.min(step, end - start)
            layout.pack(keys, count: count, batch: 0, start: start, into: buffer)
            for i in 0..<count {
                let row = start + i
                body(partitionOf.map { Int($0[row]) } ?? 0, buffer[i].key, UInt32(truncatingIfNeeded: row))
            }
            start += count
        }
    }
}

/// One thread's best entries per partition for the top-k cut: `limit` (packed key, row) slots
/// per partition, sorted ascending. An empty slot holds the largest key and the row `UInt32.max`
/// (no row: a window holds fewer than 2^31), so a row is turned away by reading one key.
final class TopCut: @unchecked Sendable {
    /// Which prefix of a partition the cut keeps.
    enum Mode {
        /// The first `limit` rows (`row_number`): ties broken by row, as the window's stable sort does.
        case rows
        /// Rows whose key is at most the `limit`-th smallest key counted with repeats (`rank`).
        case ranks
        /// Rows whose key is among the `limit` smallest distinct keys (`dense_rank`).
        case distinctKeys
    }

    /// The cap and the mode.
    struct Shape {
        var limit: Int
        var mode: Mode
    }

    private static let empty = UInt32.max
    private let limit: Int
    private let mode: Mode
    private let keys: UnsafeMutablePointer<UInt64>
    private let rows: UnsafeMutablePointer<UInt32>
    private let partitions: Int

    /// Empty arrays for `partitions` partitions.
    init(partitions: Int, shape: Shape) {
        self.partitions = partitions
        limit = shape.limit
        mode = shape.mode
        let slots = Swift.max(1, partitions * limit)
        keys = .allocate(capacity: slots)
        keys.initialize(repeating: .max, count: slots)
        rows = .allocate(capacity: slots)
        rows.initialize(repeating: Self.empty, count: slots)
    }

    /// Frees the arrays.
    func deallocate() {
        keys.deallocate()
        rows.deallocate()
    }

    /// Offers the row `row` of partition `partition` with packed key `key`; rows come in
    /// ascending order, so an entry already held with an equal key is the earlier row.
    @inline(__always)
    func offer(_ partition: Int, _ key: UInt64, _ row: UInt32) {
        let base = partition &* limit
        let last = base &+ limit &- 1
        let worst = keys[last]
        if key > worst || (key == worst && rows[last] != Self.empty) { return }
        // The slot the new entry takes: after every entry whose key is at most its own (empty
        // slots hold the largest key, so they move down and the last one drops out).
        var slot = last
        while slot > base && keys[slot - 1] > key { slot -= 1 }
        if mode == .distinctKeys && slot > base && keys[slot - 1] == key && rows[slot - 1] != Self.empty { return }
        var move = last
        while move > slot {
            keys[move] = keys[move - 1]
            rows[move] = rows[move - 1]
            move -= 1
        }
        keys[slot] = key
        rows[slot] = row
    }

    /// Offers every entry of `other`, whose rows all come after this cut's rows.
    func merge(_ other: TopCut) {
        for slot in 0..<(partitions * limit) where other.rows[slot] != Self.empty {
            offer(slot / limit, other.keys[slot], other.rows[slot])
        }
    }

    /// The rows held in every partition, ascending (a bitmap over the rows puts them in order).
    func heldRows(total: Int) -> [Int32] {
        var bits = [UInt64](repeating: 0, count: (total + 63) / 64)
        var count = 0
        for slot in 0..<(partitions * limit) where rows[slot] != Self.empty {
            bits[Int(rows[slot]) >> 6] |= 1 << UInt64(rows[slot] & 63)
            count += 1
        }
        var result: [Int32] = []
        result.reserveCapacity(count)
        for (index, word) in bits.enumerated() where word != 0 {
            var word = word
            while word != 0 {
                result.append(Int32(index * 64 + word.trailingZeroBitCount))
                word &= word - 1
            }
        }
        return result
    }

    /// Turns each partition's last slot into its threshold: a partition with an empty slot keeps
    /// every row (all ones), and `rank`'s and `dense_rank`'s cuts keep every row of the
    /// threshold key (row all ones).
    func makeThresholds() {
        for partition in 0..<partitions {
            let last = partition * limit + limit - 1
            if rows[last] == Self.empty {
                keys[last] = .max
            } else if mode != .rows {
                rows[last] = .max
            }
        }
    }

    /// Whether a row passes its partition's threshold (after `makeThresholds`).
    @inline(__always)
    func admits(_ partition: Int, _ key: UInt64, _ row: UInt32) -> Bool {
        let last = partition &* limit &+ limit &- 1
        let bound = keys[last]
        return key < bound || (key == bound && row <= rows[last])
    }
}
