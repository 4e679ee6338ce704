import PlazaCore
import PlazaPlanner
import PlazaVector
import Synchronization

/// ORDER BY … LIMIT k (top-N): every worker keeps only the rows that can still be among the best
/// k, so the whole input is never buffered or sorted.
///
/// Each worker buffers rows until it holds more than max(2k, 16), then sorts them and keeps the best k;
/// the first key of its k-th row becomes a cutoff shared with the other workers. Later batches are
/// first cut by a typed comparison of their first key with the cutoff (one loop per physical
/// type), then by the full normalized key. When the first key is a column of the scanned table,
/// each row group is opened with the predicate `key >= cutoff` (or `<=`), so row groups and blocks
/// whose statistics rule out a better row are never decoded.
final class TopNOperator: @unchecked Sendable {
    // Safe to share: immutable after init.
    let keys: [(node: ExpressionNode, isDescending: Bool, nullsFirst: Bool)]
    /// Rows to keep (LIMIT + OFFSET), at least 1.
    let limit: Int
    let context: QueryContext
    /// The first key's position among the scan's columns, when statistics may prune by it.
    let pruningColumn: Int?

    init(keys: [SortKey], limit: Int, input: LogicalPlan, compiler: ExpressionCompiler, context: QueryContext)
        throws(ExecutionError)
    {
        precondition(limit > 0 && !keys.isEmpty, "top-N needs a positive limit and a key")
        self.keys = try keys.map { (key) throws(ExecutionError) in
            (try compiler.compile(key.expression), key.isDescending, key.nullsFirst)
        }
        self.limit = limit
        self.context = context
        self.pruningColumn = TopNOperator.pruningColumn(for: keys[0], in: input)
    }

    /// The position in the scan's columns of the table column that `key` reads, when `plan` is
    /// projections of columns and filters over that scan and NULLs cannot outrank values.
    static func pruningColumn(for key: SortKey, in plan: LogicalPlan) -> Int? {
        guard case .column(var index, _) = key.expression else { return nil }
        var plan = plan
        var knownNotNull = false  // a filter `column IS NOT NULL` on the key sits above
        while true {
            switch plan {
            case .scan(let scan):
                guard scan.fields[index].type.physicalType != .interval else { return nil }
                let nullsHarmless =
                    !key.nullsFirst || knownNotNull || !scan.fields[index].isNullable
                    || scan.pruningPredicates.contains { $0.column == index && $0.comparison == .isNotNull }
                return nullsHarmless ? index : nil
            case .filter(let input, let predicate):
                for conjunct in PlanUtilities.conjuncts(predicate) {
                    if case .call(.isNotNull, let arguments, _) = conjunct, case .column(let c, _) = arguments[0],
                        c == index
                    {
                        knownNotNull = true
                    }
                }
                plan = input
            case .project(let input, let expressions, _):
                guard case .column(let inner, _) = expressions[index] else { return nil }
                index = inner
                plan = input
            default:
                return nil
            }
        }
    }

    /// The predicate that skips row groups and blocks unable to hold a row before `cutoff`.
    func dynamicPredicate(_ cutoff: FirstKeyCutoff?) -> ScanPredicate? {
        guard let column = pruningColumn, let cutoff, cutoff.isTyped else { return nil }
        switch cutoff.rank {
        case 0: return ScanPredicate(column: column, comparison: .isNull, constants: [])
        case 1:
            return ScanPredicate(
                column: column, comparison: keys[0].isDescending ? .greaterOrEqual : .lessOrEqual,
                constants: [cutoff.value])
        default: return nil
        }
    }

    /// Runs `pipeline` and returns its best `limit` rows in order, with the first key of the
    /// last of them when there are `limit` rows. `initial` is a cutoff known beforehand.
    func run(_ pipeline: Pipeline, initial: FirstKeyCutoff? = nil) throws(ExecutionError)
        -> (batches: [Batch], cutoff: FirstKeyCutoff?)
    {
        let shared = TopNShared(initial, isDescending: keys[0].isDescending)
        if let column = pruningColumn { pipeline.rowGroupOrder = (column, keys[0].isDescending) }
        return try Scheduler.run(pipeline, into: Execution(op: self, shared: shared), context: context)
    }

    /// One run of the top-N as a pipeline sink: each worker keeps its candidate rows (`TopNSink`)
    /// and offers its cutoff to the others; a scan opens each row group with the cutoff known at
    /// that moment as an extra pruning predicate; combining keeps the best `limit` of all.
    struct Execution: PipelineSink {
        let op: TopNOperator
        let shared: TopNShared

        func makeLocalState(worker: Int) -> TopNSink { TopNSink(op: op, shared: shared) }

        func sink(_ batch: Batch, into local: TopNSink, morsel: Int) throws(ExecutionError) {
            try local.consume(batch)
        }

        func dynamicPruning() -> ScanPredicate? { op.dynamicPredicate(shared.current.cutoff) }

        func combine(_ sinks: [TopNSink]) throws(ExecutionError) -> (batches: [Batch], cutoff: FirstKeyCutoff?) {
            let merged = TopNSink(op: op, shared: shared)
            defer { merged.release() }
            for sink in sinks {
                for batch in sink.batches { merged.append(batch) }
                sink.release()
            }
            return try merged.sortAndCut()
        }
    }
}

/// The tightest first-key cutoff any worker has found.
final class TopNShared: Sendable {
    private let best: Mutex<(cutoff: FirstKeyCutoff?, isHeld: Bool)>
    let isDescending: Bool

    /// `initial` is a cutoff learned elsewhere (the key-only pass): no worker holds its rows, so
    /// rows level with it are kept.
    init(_ initial: FirstKeyCutoff?, isDescending: Bool) {
        self.best = Mutex((initial, false))
        self.isDescending = isDescending
    }

    /// The cutoff, and whether a worker holds k rows at least as good as it (then rows level
    /// with it on a single key can be dropped).
    var current: (cutoff: FirstKeyCutoff?, isHeld: Bool) { best.withLock { $0 } }

    /// Keeps `cutoff`, the first key of a worker's k-th row, when it is tighter than the current one.
    func offer(_ cutoff: FirstKeyCutoff) {
        best.withLock { current in
            if let existing = current.cutoff, !cutoff.isBefore(existing, isDescending: isDescending) { return }
            current = (cutoff, true)
        }
    }
}

/// One worker's candidate rows.
final class TopNSink {
    let op: TopNOperator
    let shared: TopNShared
    var batches: [Batch] = []
    var rows = 0
    var trackedBytes = 0
    /// The full normalized key of this worker's k-th row, once it has k rows.
    var cutoffKey: [UInt8]?
    private var scratch: UnsafeMutablePointer<Int32>
    private var scratchCapacity = ColumnVector.batchCapacity

    init(op: TopNOperator, shared: TopNShared) {
        self.op = op
        self.shared = shared
        self.scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        release()
        scratch.deallocate()
    }

    func release() {
        op.context.tracker.release(trackedBytes)
        trackedBytes = 0
    }

    /// Keeps the rows of `batch` that can still be among the best `limit`.
    func consume(_ batch: Batch) throws(ExecutionError) {
        var compact = batch.compacted()
        let first = op.keys[0]
        let (best, isHeld) = shared.current
        if let cutoff = best, cutoff.isTyped {
            let vector = try first.node.evaluate(compact).flattened()
            if compact.count > scratchCapacity {
                scratch.deallocate()
                scratchCapacity = compact.count
                scratch = .allocate(capacity: scratchCapacity)
            }
            let n = cutoff.survivors(
                vector, count: compact.count, isDescending: first.isDescending, nullsFirst: first.nullsFirst,
                strict: op.keys.count == 1 && isHeld, into: scratch)
            if n == 0 { return }
            if n < compact.count { compact = compact.gathered(UnsafeBufferPointer(start: scratch, count: n)) }
        }
        if let cutoffKey, op.keys.count > 1 || !isHeld || !(best?.isTyped ?? false) {
            var keyVectors: [ColumnVector] = []
            for key in op.keys { keyVectors.append(try key.node.evaluate(compact).flattened()) }
            let encoder = SortKeyEncoder(
                keyVectors, op.keys.map { ($0.isDescending, $0.nullsFirst) }, count: compact.count)
            let kept = cutoffKey.withUnsafeBytes { encoder.rowsBefore($0) }
            if kept.isEmpty { return }
            if kept.count < compact.count { compact = kept.withUnsafeBufferPointer { compact.gathered($0) } }
        }
        append(compact)
        try track(compact)
        // Cut back to k rows as soon as k more have arrived, so the cutoff tightens with every
        // better row (few pass it once it is tight, so this stays cheap).
        if rows > Swift.max(2 * op.limit, 16) {
            let (best, cutoff) = try sortAndCut()
            release()
            batches = []
            rows = 0
            for batch in best {
                append(batch)
                try track(batch)
            }
            if let cutoff { shared.offer(cutoff) }
        }
    }

    func append(_ batch: Batch) {
        batches.append(batch)
        rows += batch.count
    }

    private func track(_ batch: Batch) throws(ExecutionError) {
        let bytes = batch.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
        try op.context.tracker.reserve(bytes, for: "top-N")
        trackedBytes += bytes
    }

    /// The best `op.limit` buffered rows in key order, in batches of ≤ 2,048 rows, and the first key
    /// of the last of them when there are that many; also sets `cutoffKey`.
    func sortAndCut() throws(ExecutionError) -> (batches: [Batch], cutoff: FirstKeyCutoff?) {
        guard rows > 0, let template = batches.first else { return ([], nil) }
        let columns = (0..<template.columns.count).map { c in
            GatherKernel.concatenate(batches.map { $0.columns[c] }, type: template.columns[c].type)
        }
        let all = Batch(columns: columns, count: rows)
        var keyVectors: [ColumnVector] = []
        for key in op.keys { keyVectors.append(try key.node.evaluate(all).flattened()) }
        let encoder = SortKeyEncoder(keyVectors, op.keys.map { ($0.isDescending, $0.nullsFirst) }, count: rows)
        var order = (0..<rows).map { Int32($0) }
        encoder.sort(&order)
        let kept = Swift.min(op.limit, rows)
        var cutoff: FirstKeyCutoff?
        if rows >= op.limit {
            let last = Int(order[op.limit - 1])
            cutoffKey = encoder.key(last)
            cutoff = FirstKeyCutoff(
                keyVectors[0], row: last, isDescending: op.keys[0].isDescending, nullsFirst: op.keys[0].nullsFirst)
        }
        var result: [Batch] = []
        var start = 0
        while start < kept {
            let end = Swift.min(start + ColumnVector.batchCapacity, kept)
            result.append(order[start..<end].withUnsafeBufferPointer { all.gathered($0) })
            start = end
        }
        return (result, cutoff)
    }
}
