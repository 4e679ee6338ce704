import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Settings of one query execution.
package struct ExecutionOptions: Sendable {
    /// Worker threads for parallel operators (at least 1); default: the active processor count.
    package var threads: Int
    /// Bytes the big structures of a query (hash tables, sort and join buffers) may hold; nil for no limit.
    package var memoryLimit: Int?
    /// Polled between batches; returning true stops the query with a `.cancelled` error.
    package var isCancelled: @Sendable () -> Bool
    /// Where operators past the memory limit spill to temporary files (the database's temporary
    /// directory); nil uses the system's. Each query removes its files when it ends, fails or is cancelled.
    package var temporaryDirectory: String?

    /// Creates options.
    package init(
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, memoryLimit: Int? = nil,
        isCancelled: @escaping @Sendable () -> Bool = { false }, temporaryDirectory: String? = nil
    ) {
        self.threads = Swift.max(1, threads)
        self.memoryLimit = memoryLimit
        self.isCancelled = isCancelled
        self.temporaryDirectory = temporaryDirectory
    }
}

/// The result of a query: its columns and its rows as flat batches (no selection, no dictionary
/// vectors, at most 2,048 rows each).
package struct QueryOutput {
    /// The result columns.
    package var fields: [Field]
    /// The rows, in order.
    package var batches: [Batch]

    /// Creates an output.
    package init(fields: [Field], batches: [Batch]) {
        self.fields = fields
        self.batches = batches
    }

    /// The number of rows.
    package var rowCount: Int { batches.reduce(0) { $0 + $1.count } }

    /// Every row as scalar values (for tests and small results; not for large outputs).
    package func rows() -> [[Value]] {
        var rows: [[Value]] = []
        for batch in batches {
            for row in 0..<batch.count { rows.append(batch.columns.map { $0.value(at: row) }) }
        }
        return rows
    }
}

/// Runs logical plans over the tables of a `TableProvider`: vectorized, on `options.threads` cores.
///
/// ```swift
/// let executor = QueryExecutor(tables: provider, options: ExecutionOptions(threads: 2))
/// let output = try executor.execute(plan)
/// ```
/// Stateless between queries: one executor may run several queries at once from several threads.
package final class QueryExecutor: Sendable {
    /// Where table names resolve.
    package let tables: any TableProvider
    /// Threads, memory limit and cancellation.
    package let options: ExecutionOptions

    /// Creates an executor.
    package init(tables: any TableProvider, options: ExecutionOptions = ExecutionOptions()) {
        self.tables = tables
        self.options = options
    }

    /// Runs `plan` to completion and returns every row.
    ///
    /// - Throws: `ExecutionError` for bad values met at run time (overflow, conversion), the
    ///   memory limit, cancellation and storage failures.
    package func execute(_ plan: LogicalPlan) throws(ExecutionError) -> QueryOutput {
        let context = QueryContext(tables: tables, options: options, profiling: false)
        let batches = try PhysicalPlanner(context: context).materialize(plan, profile: nil)
        return QueryOutput(fields: plan.fields, batches: normalizeOutput(batches))
    }

    /// Runs `plan` and hands each result batch to `body`, which returns false to stop early.
    ///
    /// - Parameter keepingDictionaries: batches streamed from a scan may hold dictionary vectors
    ///   (whose dictionary stays unchanged while `body` holds it), for a consumer that uses the
    ///   codes (the Parquet writer); otherwise every vector is flat.
    ///
    /// Errors thrown by `body` are rethrown wrapped as `.internal` unless they are `ExecutionError`s.
    package func stream(
        _ plan: LogicalPlan, keepingDictionaries: Bool = false, _ body: (Batch) throws -> Bool
    ) throws(ExecutionError) {
        if plan.streamsFromScan {
            // Scan, filter, project: batches go to `body` while the scan runs, in the order
            // `execute` gives, never all held at once (a COPY of a whole table).
            let context = QueryContext(tables: tables, options: options, profiling: false)
            let pipeline = try PhysicalPlanner(context: context).pipeline(plan, profile: nil)
            let failure: ExecutionError? = try withoutActuallyEscaping(body) { (escapable) throws(ExecutionError) in
                let delivery = OrderedDelivery(window: 2 * Swift.max(1, options.threads), consumer: escapable)
                let sink = OrderedStreamSink(delivery: delivery, keepsDictionaries: keepingDictionaries)
                _ = try Scheduler.sinkLocals(pipeline, into: sink, context: context, stop: delivery.stop)
                return delivery.failure
            }
            if let failure { throw failure }
            return
        }
        let output = try execute(plan)
        for batch in output.batches {
            let keepGoing: Bool
            do {
                keepGoing = try body(batch)
            } catch let error as ExecutionError {
                throw error
            } catch {
                throw ExecutionError(.internal, "the result consumer failed: \(error)")
            }
            if !keepGoing { return }
        }
    }

    /// Runs `plan`, then describes it as an indented tree: per operator the rows it produced and
    /// the time spent in it; per scan the row groups and blocks read and skipped and the bytes decoded.
    package func explainAnalyze(_ plan: LogicalPlan) throws(ExecutionError) -> String {
        let context = QueryContext(tables: tables, options: options, profiling: true)
        let root = OperatorProfile(name: "RESULT", detail: "")
        let start = ContinuousClock.now
        let batches = try PhysicalPlanner(context: context).materialize(plan, profile: root)
        let elapsed = ContinuousClock.now - start
        root.addRows(out: batches.reduce(0) { $0 + $1.liveCount })
        var text = "Total: " + formatDuration(elapsed) + ", threads: \(options.threads)"
        if let limit = options.memoryLimit { text += ", memory limit: " + formatBytes(limit) }
        text += ", peak tracked memory: " + formatBytes(context.tracker.peak.load(ordering: .relaxed)) + "\n"
        return text + root.render()
    }
}

/// Flattens dictionary vectors (unless `keepingDictionaries`), applies selections and cuts
/// batches to at most 2,048 rows.
func normalizeOutput(_ batches: [Batch], keepingDictionaries: Bool = false) -> [Batch] {
    var result: [Batch] = []
    for batch in batches {
        let compact = batch.compacted()
        if compact.count == 0 { continue }
        var start = 0
        while start < compact.count {
            let end = Swift.min(start + ColumnVector.batchCapacity, compact.count)
            if start == 0 && end == compact.count
                && (keepingDictionaries || !compact.columns.contains(where: \.isDictionary))
            {
                result.append(compact)
            } else if keepingDictionaries {
                let indices = Array(Int32(start)..<Int32(end))
                let columns = indices.withUnsafeBufferPointer { rows in
                    compact.columns.map { GatherKernel.gather($0, rows) }
                }
                result.append(Batch(columns: columns, count: end - start))
            } else {
                result.append(
                    Batch(columns: compact.columns.map { GatherKernel.slice($0, start..<end) }, count: end - start))
            }
            start = end
        }
    }
    return result
}

/// Shared state of one running query.
final class QueryContext: @unchecked Sendable {
    // Safe to share: every stored property is immutable or itself thread-safe.
    let tables: any TableProvider
    let options: ExecutionOptions
    let tracker: MemoryTracker
    let profiling: Bool
    let currentDate: Int32
    /// The rows of the CTEs computed once and of recursive CTEs' working tables.
    let cteResults = CTEResults()

    init(tables: any TableProvider, options: ExecutionOptions, profiling: Bool) {
        self.tables = tables
        self.options = options
        self.tracker = MemoryTracker(limit: options.memoryLimit)
        self.profiling = profiling
        let seconds = Int64(Date().timeIntervalSince1970.rounded(.down))
        self.currentDate = Int32(truncatingIfNeeded: CivilCalendar.split(micros: seconds * 1_000_000).days)
    }

    /// Throws `.cancelled` when the caller asked to stop.
    @inline(__always)
    func checkCancelled() throws(ExecutionError) {
        if options.isCancelled() { throw ExecutionError(.cancelled, "the query was cancelled") }
    }
}

/// `1.234 ms`.
func formatDuration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let millis = Double(seconds) * 1000 + Double(attoseconds) / 1e15
    return String(format: "%.3f ms", millis)
}
