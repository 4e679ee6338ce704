import PlazaCore
import PlazaPlanner
import PlazaVector

/// Computes window functions over a materialized input: the input rows keep their order and each
/// call adds one column.
///
/// Calls that share PARTITION BY and ORDER BY share one sort (DuckDB's window sharing): the keys of
/// every row are encoded as byte strings, the row numbers sorted once, and each function walks the
/// sorted rows partition by partition with frames given as `[start, end)` positions.
final class WindowOperator: @unchecked Sendable {
    let calls: [WindowCall]
    let inputFields: [Field]
    let compiler: ExpressionCompiler
    let context: QueryContext

    init(calls: [WindowCall], inputFields: [Field], compiler: ExpressionCompiler, context: QueryContext) {
        self.calls = calls
        self.inputFields = inputFields
        self.compiler = compiler
        self.context = context
    }

    /// Inputs from this many rows with PARTITION BY are sorted in hash buckets on all threads.
    static let parallelSortRows = 16_384

    /// EXPLAIN ANALYZE's detail: the calls and the number of sorts.
    static func describe(_ calls: [WindowCall], _ fields: [Field]) -> String {
        let sorts = Set(calls.map { WindowSortKey(partitionBy: $0.partitionBy, orderBy: $0.orderBy) }).count
        return "\(sorts) sort\(sorts == 1 ? "" : "s"): " + calls.map { $0.description(fields) }.joined(separator: ", ")
    }

    /// The input batches with one column per call appended.
    func run(_ input: [Batch]) throws(ExecutionError) -> [Batch] {
        let batches = input.map { $0.compacted() }.filter { $0.count > 0 }
        let total = batches.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        guard total < Int(Int32.max) else {
            throw ExecutionError(.memoryLimit, "a window over more than 2^31 rows is not supported")
        }
        var results = [ColumnVector?](repeating: nil, count: calls.count)
        // One sort per distinct PARTITION BY / ORDER BY.
        var groups: [WindowSortKey: [Int]] = [:]
        var groupOrder: [WindowSortKey] = []
        for (index, call) in calls.enumerated() {
            let key = WindowSortKey(partitionBy: call.partitionBy, orderBy: call.orderBy)
            if groups[key] == nil { groupOrder.append(key) }
            groups[key, default: []].append(index)
        }
        for key in groupOrder {
            try context.checkCancelled()
            let layout = try sortedLayout(key, batches, total)
            for index in groups[key]! {
                results[index] = try evaluate(calls[index], layout, batches)
            }
        }
        // Slice the results back into the input's batches.
        var output: [Batch] = []
        var offset = 0
        for batch in batches {
            let indices = (offset..<(offset + batch.count)).map { Int32($0) }
            var columns = batch.columns
            indices.withUnsafeBufferPointer { buffer in
                for result in results { columns.append(GatherKernel.gather(result!, buffer)) }
            }
            output.append(Batch(columns: columns, count: batch.count))
            offset += batch.count
        }
        return output
    }

    /// `expression` evaluated over every row, as one vector.
    func evaluateAll(_ expression: BoundExpression, _ batches: [Batch]) throws(ExecutionError) -> ColumnVector {
        let node = try compiler.compile(expression)
        var parts: [ColumnVector] = []
        for batch in batches { parts.append(try node.evaluate(batch)) }
        return ColumnConcatenation.concatenate(parts, type: expression.type)
    }

    /// Sorts the rows by partition and order keys and finds partitions and peer groups.
    private func sortedLayout(_ key: WindowSortKey, _ batches: [Batch], _ total: Int) throws(ExecutionError)
        -> WindowLayout
    {
        var partitionVectors: [ColumnVector] = []
        for expression in key.partitionBy { partitionVectors.append(try evaluateAll(expression, batches)) }
        var orderVectors: [ColumnVector] = []
        for sortKey in key.orderBy { orderVectors.append(try evaluateAll(sortKey.expression, batches)) }
        var order = (0..<total).map { Int32($0) }
        let partitionDirections = key.partitionBy.map { _ in (isDescending: false, nullsFirst: false) }
        let orderDirections = key.orderBy.map { (isDescending: $0.isDescending, nullsFirst: $0.nullsFirst) }
        let full = SortKeyEncoder(
            partitionVectors + orderVectors, partitionDirections + orderDirections, count: total)
        let partitionKeys =
            partitionVectors.isEmpty ? nil : SortKeyEncoder(partitionVectors, partitionDirections, count: total)
        let threads = context.options.threads
        if let partitionKeys, threads > 1, total >= WindowOperator.parallelSortRows {
            order = WindowPartitioner.sortedRows(
                full: full, partitionKeys: partitionKeys, count: total, threads: threads)
        } else if !partitionVectors.isEmpty || !orderVectors.isEmpty {
            full.sort(&order)
        }
        var partitionStarts: [Int] = [0]
        var peerStart = [Int32](repeating: 0, count: total)
        var peerEnd = [Int32](repeating: 0, count: total)
        var groupStart: Int32 = 0
        for position in 1..<Swift.max(total, 1) {
            let row = Int(order[position]), previous = Int(order[position - 1])
            let newPartition = partitionKeys.map { $0.compare(row, $0, previous) != 0 } ?? false
            if newPartition { partitionStarts.append(position) }
            let newPeer = newPartition || (!orderVectors.isEmpty && full.compare(row, full, previous) != 0)
            if newPeer {
                for p in Int(groupStart)..<position { peerEnd[p] = Int32(position) }
                groupStart = Int32(position)
            }
            peerStart[position] = groupStart
        }
        for p in Int(groupStart)..<total { peerEnd[p] = Int32(total) }
        partitionStarts.append(total)
        if orderVectors.isEmpty {
            // Without ORDER BY every row of a partition is a peer of every other.
            for index in 0..<(partitionStarts.count - 1) {
                let start = partitionStarts[index], end = partitionStarts[index + 1]
                for p in start..<end {
                    peerStart[p] = Int32(start)
                    peerEnd[p] = Int32(end)
                }
            }
        }
        return WindowLayout(
            order: order, partitionStarts: partitionStarts, peerStart: peerStart, peerEnd: peerEnd,
            orderVectors: orderVectors, isFirstKeyDescending: key.orderBy.first?.isDescending ?? false)
    }
}

/// What calls must share to share a sort.
struct WindowSortKey: Hashable {
    var partitionBy: [BoundExpression]
    var orderBy: [SortKey]
}

/// Rows in window order: `order[position]` is the input row; partitions are
/// `partitionStarts[i] ..< partitionStarts[i + 1]`; peers of a position are `peerStart ..< peerEnd`.
struct WindowLayout {
    var order: [Int32]
    var partitionStarts: [Int]
    var peerStart: [Int32]
    var peerEnd: [Int32]
    /// The ORDER BY keys over input rows (for RANGE offsets).
    var orderVectors: [ColumnVector]
    /// Whether the first ORDER BY key is descending.
    var isFirstKeyDescending: Bool

    var count: Int { order.count }
}
