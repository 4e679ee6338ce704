import Dispatch
import Synchronization
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Per-thread scratch state handed to stages (caches keyed by stage).
final class WorkerState {
    /// Per filter stage: the last dictionary seen and whether each of its entries passes.
    var dictionaryMatches: [CacheKey: (dictionary: ColumnVector, matches: [UInt8])] = [:]
    /// Per join probe: the last dictionary of a probe key and the build group of each entry.
    var dictionaryGroups: [ObjectIdentifier: (dictionary: ColumnVector, groups: [Int32])] = [:]
    /// The row mask and comparison bytes of a filter fused into the scan.
    lazy var filterScratch = FilterScratch()
}

/// Identifies one cache entry of a stage.
struct CacheKey: Hashable {
    let stage: ObjectIdentifier
    let conjunct: Int
}

/// A streaming operator: one batch in, zero or more batches out. Shared by all workers, so
/// immutable; per-thread state lives in `WorkerState`.
class Stage: @unchecked Sendable {
    let profile: OperatorProfile?
    init(profile: OperatorProfile?) { self.profile = profile }

    func process(_ batch: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        preconditionFailure("Stage.process is abstract")
    }
}

/// Where a pipeline's batches come from.
enum PipelineSource {
    /// Row groups of a stored table.
    case scan(source: any ScanSource, scan: TableScan, profile: OperatorProfile?)
    /// Batches already computed (the output of a pipeline breaker, or VALUES).
    case batches([Batch])
}

/// A source followed by streaming stages; run by `Scheduler` into a sink.
final class Pipeline: @unchecked Sendable {
    // Immutable after construction except `stages`, which only grows during planning.
    let source: PipelineSource
    var stages: [Stage] = []
    let fields: [Field]
    /// The operator consuming the pipeline's output, whose `rows in` the run counts (EXPLAIN ANALYZE).
    var sinkProfile: OperatorProfile?
    /// How much of each output column the consumer reads (nil: every value); lets the scan skip
    /// columns, or decode only the NULLs of a column read by `count(x)`.
    var outputDemand: [ColumnDemand]?

    init(source: PipelineSource, fields: [Field]) {
        self.source = source
        self.fields = fields
    }
}

/// Consumes the batches one worker produces; merged after all workers finish.
class LocalSink {
    /// Consumes a batch of morsel `morsel`. May keep the batch (it is never reused).
    func consume(_ batch: Batch, morsel: Int) throws(ExecutionError) {
        preconditionFailure("LocalSink.consume is abstract")
    }

    /// Called when every batch of `morsel` has been consumed (not when the run stopped early).
    func finishMorsel(_ morsel: Int) {}

    /// Whether `consume` may keep a batch (or its vectors) after returning. When false, a scan
    /// refills one batch per morsel instead of allocating one per read.
    var keepsBatches: Bool { true }
}

/// A box for values shared between the workers of one pipeline run, each touching only its own slot.
final class WorkerSlots<T>: @unchecked Sendable {
    // Safe: worker `i` reads and writes only `items[i]`, and the array is read only after all workers joined.
    var items: [T]
    init(_ items: [T]) { self.items = items }
}

/// Runs pipelines on a fixed pool of worker threads over morsels (row groups, or chunks of batches).
enum Scheduler {
    /// Runs `pipeline`, feeding each worker's output to its own sink from `makeSink`; returns the
    /// sinks in worker order. `stop` lets a sink end the run early (LIMIT).
    static func run<S: LocalSink>(
        _ pipeline: Pipeline, context: QueryContext, stop: StopFlag? = nil, makeSink: () -> S
    ) throws(ExecutionError) -> [S] {
        let morselCount: Int
        var rowGroups: [Int] = []
        var partsPerGroup = 1
        var batchChunks: [Range<Int>] = []
        switch pipeline.source {
        case .scan(let source, let scan, let profile):
            for group in 0..<source.rowGroupCount {
                if source.mightMatch(rowGroup: group, columns: scan.columns, predicates: scan.pruningPredicates) {
                    rowGroups.append(group)
                } else {
                    profile?.rowGroupsSkipped.add(1, ordering: .relaxed)
                }
            }
            // Fewer row groups than threads: cut each into parts, so every thread has work.
            let threads = context.options.threads
            if !rowGroups.isEmpty && rowGroups.count < threads {
                partsPerGroup = (threads + rowGroups.count - 1) / rowGroups.count
            }
            morselCount = rowGroups.count * partsPerGroup
        case .batches(let batches):
            let chunk = 16
            var start = 0
            while start < batches.count {
                batchChunks.append(start..<Swift.min(start + chunk, batches.count))
                start += chunk
            }
            morselCount = batchChunks.count
        }
        let threads = Swift.max(1, Swift.min(context.options.threads, morselCount))
        let sinks = WorkerSlots((0..<threads).map { _ in makeSink() })
        let run = RunState()
        let shared = SharedRun(
            pipeline: pipeline, rowGroups: rowGroups, partsPerGroup: partsPerGroup, batchChunks: batchChunks)
        let body: @Sendable (Int) -> Void = { worker in
            let sink = sinks.items[worker]
            let state = WorkerState()
            while true {
                if run.failed.load(ordering: .relaxed) || (stop?.isSet ?? false) { return }
                let morsel = run.next.add(1, ordering: .relaxed).oldValue
                if morsel >= morselCount { return }
                do throws(ExecutionError) {
                    try context.checkCancelled()
                    try shared.runMorsel(morsel, sink: sink, state: state, context: context, stop: stop)
                    sink.finishMorsel(morsel)
                } catch {
                    run.failure.withLock { if $0 == nil { $0 = error } }
                    run.failed.store(true, ordering: .relaxed)
                    return
                }
            }
        }
        if threads == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads, execute: body)
        }
        if let error = run.failure.withLock({ $0 }) { throw error }
        return sinks.items
    }
}

/// The immutable inputs of one pipeline run, shared by its workers.
final class SharedRun: @unchecked Sendable {
    // Safe: read-only after construction; batches are never mutated by stages.
    let pipeline: Pipeline
    let rowGroups: [Int]
    /// Into how many parts each row group is cut (morsel m is part m % parts of group m / parts).
    let partsPerGroup: Int
    let batchChunks: [Range<Int>]
    /// How the scan decodes and filters, for a pipeline reading a table.
    let scanPlan: ScanPlan?

    init(pipeline: Pipeline, rowGroups: [Int], partsPerGroup: Int = 1, batchChunks: [Range<Int>]) {
        self.pipeline = pipeline
        self.rowGroups = rowGroups
        self.partsPerGroup = partsPerGroup
        self.batchChunks = batchChunks
        if case .scan(_, let scan, _) = pipeline.source {
            self.scanPlan = ScanPlan(pipeline: pipeline, columnCount: scan.columns.count)
        } else {
            self.scanPlan = nil
        }
    }

    func runMorsel(_ morsel: Int, sink: LocalSink, state: WorkerState, context: QueryContext, stop: StopFlag?)
        throws(ExecutionError)
    {
        switch pipeline.source {
        case .scan(let source, let scan, let profile):
            let group = rowGroups[morsel / partsPerGroup], part = morsel % partsPerGroup
            let cursor: any RowGroupCursor
            do {
                cursor =
                    partsPerGroup == 1
                    ? try source.openRowGroup(group, columns: scan.columns, predicates: scan.pruningPredicates)
                    : try source.openRowGroup(
                        group, columns: scan.columns, predicates: scan.pruningPredicates, part: part, of: partsPerGroup)
            } catch let error as ExecutionError {
                throw error
            } catch {
                throw ExecutionError(
                    .storage(underlying: error), "reading row group \(group) of table \"\(scan.table)\"")
            }
            if part == 0 { profile?.rowGroupsRead.add(1, ordering: .relaxed) }
            // Stages never keep their input; a sink that keeps nothing lets the vectors be refilled.
            let reused = sink.keepsBatches ? nil : Batch(types: scan.fields.map(\.type))
            try scanPlan!.read(
                cursor, group: group, scan: scan, reused: reused, scanProfile: profile, context: context, worker: state,
                stop: stop
            ) { (batch, stage) throws(ExecutionError) in
                try push(batch, stage: stage, morsel: morsel, sink: sink, state: state, context: context)
            }
        case .batches(let batches):
            for index in batchChunks[morsel] {
                try push(batches[index], stage: 0, morsel: morsel, sink: sink, state: state, context: context)
                if stop?.isSet ?? false { break }
            }
        }
    }

    private func push(
        _ batch: Batch, stage: Int, morsel: Int, sink: LocalSink, state: WorkerState, context: QueryContext
    ) throws(ExecutionError) {
        if batch.liveCount == 0 { return }
        if stage == pipeline.stages.count {
            pipeline.sinkProfile?.addRows(in: batch.liveCount)
            try sink.consume(batch, morsel: morsel)
            return
        }
        let current = pipeline.stages[stage]
        let start = context.profiling ? ContinuousClock.now : nil
        let outputs = try current.process(batch, state)
        if let profile = current.profile {
            if let start { profile.addTime(ContinuousClock.now - start) }
            profile.addRows(in: batch.liveCount, out: outputs.reduce(0) { $0 + $1.liveCount })
        }
        for output in outputs {
            try push(output, stage: stage + 1, morsel: morsel, sink: sink, state: state, context: context)
            // A join stage can turn one batch into millions of rows: stay responsive to cancellation.
            try context.checkCancelled()
        }
    }
}

/// Lets a sink end a pipeline run early (LIMIT reached).
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Whether the run should stop.
    var isSet: Bool { flag.load(ordering: .relaxed) }
    /// Asks every worker to stop after its current batch.
    func set() { flag.store(true, ordering: .relaxed) }
}

/// The morsel counter and the first error of one pipeline run.
final class RunState: Sendable {
    let next = Atomic<Int>(0)
    let failed = Atomic<Bool>(false)
    let failure = Mutex<ExecutionError?>(nil)
}
