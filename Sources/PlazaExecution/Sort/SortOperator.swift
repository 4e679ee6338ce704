import PlazaCore
import PlazaPlanner
import PlazaVector

/// ORDER BY: rows are ordered by normalized keys, byte strings that compare with memcmp exactly as
/// the SQL keys do (see `SortKeyEncoder`).
///
/// Every worker buffers its rows. When all keys are fixed-width and pack into 64 bits
/// (`PackedKeyLayout`), the rows are radix sorted as (key, row) entries on all cores, or, with
/// LIMIT/OFFSET, only the rows in the band of wanted ranks are (`runPacked`). Otherwise each
/// worker's rows are sorted into a run on its own thread, and the runs are merged. Past the query's memory limit a worker sorts what it holds
/// and writes it to temporary files as a run (`SortSpill`), which the merge reads back a chunk
/// at a time; the files go when the sort ends, fails or is cancelled. (ORDER BY … LIMIT runs
/// through `TopNOperator` instead.)
final class SortOperator: @unchecked Sendable {
    // Safe to share: immutable after init.
    let keys: [(node: ExpressionNode, isDescending: Bool, nullsFirst: Bool)]
    /// Rows to return after skipping `offset`, nil for all.
    let limit: Int?
    /// Rows to skip from the front of the result.
    let offset: Int
    let context: QueryContext
    /// Whether every key is of a fixed-width type that `PackedKeyLayout` can pack.
    let isPackable: Bool

    init(keys: [SortKey], limit: Int?, offset: Int = 0, compiler: ExpressionCompiler, context: QueryContext)
        throws(ExecutionError)
    {
        precondition(offset >= 0, "negative offset")
        self.keys = try keys.map { (key) throws(ExecutionError) in
            (try compiler.compile(key.expression), key.isDescending, key.nullsFirst)
        }
        self.limit = limit
        self.offset = offset
        self.context = context
        self.isPackable = keys.allSatisfy { SortKeyRange.isPackable($0.expression.type) }
    }

    /// Rows the merge must produce from the front (limit + offset), nil for all.
    var wanted: Int? {
        guard let limit else { return nil }
        let (sum, overflow) = limit.addingReportingOverflow(offset)
        return overflow ? nil : sum
    }

    static func describe(_ key: SortKey) -> String {
        (key.isDescending ? "DESC" : "ASC") + (key.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
    }

    var directions: [(isDescending: Bool, nullsFirst: Bool)] { keys.map { ($0.isDescending, $0.nullsFirst) } }

    /// The normalized keys of the flat batch `batch`.
    func encodeKeys(_ batch: Batch) throws(ExecutionError) -> SortKeyEncoder {
        var vectors: [ColumnVector] = []
        for key in keys { vectors.append(try key.node.evaluate(batch).flattened()) }
        return SortKeyEncoder(vectors, directions, count: batch.count)
    }

    /// Runs `pipeline` and returns its rows in order (after OFFSET, up to LIMIT).
    func run(_ pipeline: Pipeline) throws(ExecutionError) -> [Batch] {
        if limit == 0 { return [] }
        let spill = SortSpill(op: self)
        defer { spill.remove() }
        return try Scheduler.run(pipeline, into: Execution(op: self, spill: spill), context: context)
    }

    /// One run of the sort as a pipeline sink: each worker buffers its rows (`SortSink`), spilling
    /// sorted runs past its share of the memory limit; combining sorts and merges them.
    struct Execution: PipelineSink {
        let op: SortOperator
        let spill: SortSpill

        func makeLocalState(worker: Int) -> SortSink { SortSink(op: op, spill: spill) }

        func sink(_ batch: Batch, into local: SortSink, morsel: Int) throws(ExecutionError) {
            try local.consume(batch)
        }

        func combine(_ sinks: [SortSink]) throws(ExecutionError) -> [Batch] {
            defer { for sink in sinks { sink.release() } }
            if spill.runs.files.isEmpty, let result = try op.runPacked(sinks) { return result }
            // Sort each worker's rows on its own thread.
            let runs = try Scheduler.map(sinks.count, threads: sinks.count, context: op.context) {
                (worker) throws(ExecutionError) in try sinks[worker].sortedRun()
            }
            var cursors = runs.compactMap { $0 }.map { SortRunCursor(run: $0) }
            let (spilled, types) = spill.runs
            for files in spilled {
                if let cursor = try SortRunCursor(files: files, types: types, op: op) { cursors.append(cursor) }
            }
            let result = try SortMerge(op: op, cursors: cursors).merge()
            return op.offset == 0 ? result : LimitOperator.slice(result, limit: op.limit, offset: op.offset)
        }
    }
}

/// Rows sorted in memory: flat columns and their keys, in key order.
struct SortRun {
    let rows: Batch
    let keys: SortKeyEncoder
}

/// One worker's rows (compacted batches) waiting to be sorted.
final class SortSink {
    let op: SortOperator
    let spill: SortSpill
    var batches: [Batch] = []
    /// For packable keys: the flat key vectors of every batch, and each key's range so far.
    var keyVectors: [[ColumnVector]] = []
    var ranges: [SortKeyRange]
    /// Every `SortSink.sampleEvery`-th row's key order bits (one per key) and NULL flags, taken
    /// while the batch is in cache; they bound the band of a large OFFSET (`sampledBand`).
    var sampleBits: [UInt64] = []
    var sampleNulls: [Bool] = []
    /// The row of the next batch to sample.
    private var nextSample = 0
    static let sampleEvery = 128
    var rows = 0
    var trackedBytes = 0

    init(op: SortOperator, spill: SortSpill) {
        self.op = op
        self.spill = spill
        self.ranges = Array(repeating: SortKeyRange(), count: op.keys.count)
    }

    deinit { release() }

    func release() {
        op.context.tracker.release(trackedBytes)
        trackedBytes = 0
    }

    /// Buffers `batch`, first writing what it holds as a sorted run when over its memory share.
    func consume(_ batch: Batch) throws(ExecutionError) {
        var compact = batch.compacted()
        if compact.columns.contains(where: \.isDictionary) {
            compact = Batch(columns: compact.columns.map { $0.flattened() }, count: compact.count)
        }
        var bytes = compact.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
        var vectors: [ColumnVector] = []
        if op.isPackable {
            for (k, key) in op.keys.enumerated() {
                let vector = try key.node.evaluate(compact).flattened()
                ranges[k].add(vector, count: compact.count)
                if !compact.columns.contains(where: { $0 === vector }) {
                    bytes += compact.count * Swift.max(vector.byteWidth, 4)
                }
                vectors.append(vector)
            }
        }
        // Each worker keeps to its share of half the limit, so that the others (and the rest of
        // the query) still find room; past it, it writes what it holds as a sorted run.
        if let limit = op.context.tracker.limit, rows > 0,
            trackedBytes + bytes > Swift.max(limit / (2 * op.context.options.threads), 1)
        {
            try spillBuffered()
        }
        do {
            try op.context.tracker.reserve(bytes, for: "ORDER BY")
        } catch {
            guard case .memoryLimit = error.kind, rows > 0 else { throw error }
            try spillBuffered()
            try op.context.tracker.reserve(bytes, for: "ORDER BY")
        }
        trackedBytes += bytes
        batches.append(compact)
        if op.isPackable {
            keyVectors.append(vectors)
            var row = nextSample
            while row < compact.count {
                for vector in vectors {
                    let isValid = vector.type != .null && vector.isValid(at: row)
                    sampleBits.append(isValid ? SortKeyRange.orderBits(vector, row) : 0)
                    sampleNulls.append(!isValid)
                }
                row += SortSink.sampleEvery
            }
            nextSample = row - compact.count
        }
        rows += compact.count
    }

    /// Writes the buffered rows to a temporary run and frees them.
    private func spillBuffered() throws(ExecutionError) {
        if let run = try sortedRun() { try spill.write(run) }
        batches = []
        keyVectors = []
        sampleBits = []
        sampleNulls = []
        rows = 0
        release()
    }

    /// The buffered rows sorted, or nil when there are none.
    func sortedRun() throws(ExecutionError) -> SortRun? {
        guard rows > 0, let first = batches.first else { return nil }
        let columns = (0..<first.columns.count).map { c in
            GatherKernel.concatenate(batches.map { $0.columns[c] }, type: first.columns[c].type)
        }
        let all = Batch(columns: columns, count: rows)
        let encoder = try op.encodeKeys(all)
        var order = (0..<rows).map { Int32($0) }
        encoder.sort(&order)
        // Put the rows (and their keys) in order here, on the worker's thread, so that the merge
        // reads every run front to back instead of jumping around memory for each row.
        let sorted = order.withUnsafeBufferPointer { all.gathered($0) }
        return SortRun(rows: sorted, keys: try op.encodeKeys(sorted))
    }
}
