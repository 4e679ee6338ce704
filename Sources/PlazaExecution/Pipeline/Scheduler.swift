import Dispatch
import Synchronization
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Runs work on the query's worker threads: a pipeline's morsels into a `PipelineSink`, or a
/// number of independent tasks (merge partitions, spill partitions, sorted runs).
///
/// Whatever the work, the first error stops every worker before its next morsel or task and is
/// rethrown, and cancellation (`ExecutionOptions.isCancelled`) is polled before each.
enum Scheduler {
    /// Runs `pipeline` into `sink`: every worker consumes its morsels into a local state, then the
    /// states are combined and finalized. `stop` lets the sink end the run early (LIMIT).
    static func run<Sink: PipelineSink>(
        _ pipeline: Pipeline, into sink: Sink, context: QueryContext, stop: StopFlag? = nil
    ) throws(ExecutionError) -> Sink.Output {
        let locals = try sinkLocals(pipeline, into: sink, context: context, stop: stop)
        return try sink.finalize(try sink.combine(locals))
    }

    /// Runs the sink phase of `pipeline` alone; returns each worker's local state, in worker order.
    static func sinkLocals<Sink: PipelineSink>(
        _ pipeline: Pipeline, into sink: Sink, context: QueryContext, stop: StopFlag? = nil
    ) throws(ExecutionError) -> [Sink.LocalState] {
        let morsels = MorselPlan(pipeline, threads: context.options.threads)
        let threads = Swift.max(1, Swift.min(context.options.threads, morsels.count))
        var locals: [Sink.LocalState] = []
        for worker in 0..<threads { locals.append(try sink.makeLocalState(worker: worker)) }
        let slots = WorkerSlots(locals)
        let shared = SharedRun(pipeline: pipeline, morsels: morsels)
        try forEachWorker(threads: threads, tasks: morsels.count, context: context, stop: stop) {
            (worker, morsel, scratch) throws(ExecutionError) in
            let local = slots.items[worker]
            try shared.runMorsel(morsel, sink: sink, local: local, state: scratch, context: context, stop: stop)
            sink.finishMorsel(morsel, of: local)
        }
        if !(stop?.isSet ?? false) && pipeline.stages.contains(where: { $0 is any FinishingStage }) {
            // Rows added after the last morsel (an outer join's unmatched build rows) come last,
            // as one more morsel of worker 0.
            try shared.finishStages(sink: sink, local: slots.items[0], morsel: morsels.count, context: context)
            sink.finishMorsel(morsels.count, of: slots.items[0])
        }
        return slots.items
    }

    /// Runs `body(task)` once for every task in `0 ..< count` on up to `threads` threads (each
    /// thread takes the next task when it is done with one); rethrows the first error.
    static func forEachTask(
        _ count: Int, threads: Int, context: QueryContext? = nil, _ body: (Int) throws(ExecutionError) -> Void
    ) throws(ExecutionError) {
        let workers = Swift.max(1, Swift.min(threads, count))
        try forEachWorker(threads: workers, tasks: count, context: context, stop: nil) {
            (_, task, _) throws(ExecutionError) in try body(task)
        }
    }

    /// The results of `body(task)` for every task in `0 ..< count`, in task order, computed on up
    /// to `threads` threads; rethrows the first error.
    static func map<Result>(
        _ count: Int, threads: Int, context: QueryContext? = nil, _ body: (Int) throws(ExecutionError) -> Result
    ) throws(ExecutionError) -> [Result] {
        let results = ResultSlots<Result>(count: count)
        try forEachTask(count, threads: threads, context: context) { (task) throws(ExecutionError) in
            results.set(task, try body(task))
        }
        return results.all()
    }

    /// Runs `body(worker, task, scratch)` for every task on `threads` workers, each with its own
    /// scratch state; the first error stops every worker before its next task and is rethrown.
    private static func forEachWorker(
        threads: Int, tasks count: Int, context: QueryContext?, stop: StopFlag?,
        _ body: (Int, Int, WorkerState) throws(ExecutionError) -> Void
    ) throws(ExecutionError) {
        let run = RunState()
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            let worker: @Sendable (Int) -> Void = { worker in
                let scratch = WorkerState()
                while true {
                    if run.failed.load(ordering: .relaxed) || (stop?.isSet ?? false) { return }
                    let task = run.next.add(1, ordering: .relaxed).oldValue
                    if task >= count { return }
                    do throws(ExecutionError) {
                        try context?.checkCancelled()
                        try work.value(worker, task, scratch)
                    } catch {
                        run.failure.withLock { if $0 == nil { $0 = error } }
                        run.failed.store(true, ordering: .relaxed)
                        // Sinks that wait on one another (ordered streaming) watch the stop flag.
                        stop?.set()
                        return
                    }
                }
            }
            if threads == 1 {
                worker(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: threads, execute: worker)
            }
        }
        if let error = run.failure.withLock({ $0 }) { throw error }
    }
}

/// A value handed to worker threads that the caller guarantees they use safely.
struct UncheckedSendable<Value>: @unchecked Sendable {
    // Safe where used: the scheduler's task bodies touch only their own task's or worker's slots.
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// How a pipeline's source is cut into morsels: row groups (or parts of them), or chunks of batches.
struct MorselPlan: Sendable {
    /// The row groups to read (those the scan's predicates may match).
    var rowGroups: [Int] = []
    /// Into how many parts each row group is cut (morsel m is part m % parts of group m / parts).
    var partsPerGroup = 1
    /// The batches of each morsel, for a source of batches.
    var batchChunks: [Range<Int>] = []
    /// The number of morsels.
    var count = 0

    init(_ pipeline: Pipeline, threads: Int) {
        switch pipeline.source {
        case .scan(let source, let scan, let profile):
            for group in 0..<source.rowGroupCount {
                if source.mightMatch(rowGroup: group, columns: scan.columns, predicates: scan.pruningPredicates) {
                    rowGroups.append(group)
                } else {
                    profile?.rowGroupsSkipped.add(1, ordering: .relaxed)
                }
            }
            if let order = pipeline.rowGroupOrder, rowGroups.count > 1 {
                rowGroups = source.ordered(
                    rowGroups, byColumn: scan.columns[order.column], descending: order.descending)
            }
            // Fewer row groups than threads: cut each into parts, so every thread has work.
            if !rowGroups.isEmpty && rowGroups.count < threads {
                partsPerGroup = (threads + rowGroups.count - 1) / rowGroups.count
            }
            count = rowGroups.count * partsPerGroup
        case .batches(let batches):
            let chunk = 16
            var start = 0
            while start < batches.count {
                batchChunks.append(start..<Swift.min(start + chunk, batches.count))
                start += chunk
            }
            count = batchChunks.count
        }
    }
}

/// A box for values shared between the workers of one pipeline run, each touching only its own slot.
final class WorkerSlots<T>: @unchecked Sendable {
    // Safe: worker `i` reads and writes only `items[i]`, and the array is read only after all workers joined.
    var items: [T]
    init(_ items: [T]) { self.items = items }
}

/// One result per task, filled by several threads.
final class ResultSlots<T>: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private var items: [T?]
    private let lock = Mutex(())

    init(count: Int) { items = Array(repeating: nil, count: count) }

    /// Stores the result of task `index`.
    func set(_ index: Int, _ value: T) { lock.withLock { _ in items[index] = value } }

    /// Every result in task order; each task must have set its slot.
    func all() -> [T] {
        lock.withLock { _ in
            items.map {
                guard let value = $0 else { preconditionFailure("a task finished without a result") }
                return value
            }
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

/// The task counter and the first error of one run.
final class RunState: Sendable {
    let next = Atomic<Int>(0)
    let failed = Atomic<Bool>(false)
    let failure = Mutex<ExecutionError?>(nil)
}
