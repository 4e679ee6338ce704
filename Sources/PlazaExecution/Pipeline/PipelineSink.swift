import PlazaCore
import PlazaVector

/// A pipeline breaker: the operator at the end of a pipeline that must see every row before it
/// produces any (hash aggregate, sort, top-N, join build, window, set operation, spill writer).
///
/// The contract is sink → combine → finalize, with one local state per worker thread and one
/// global state. To implement it, an operator:
/// 1. is immutable after planning and shared by every worker (hence `Sendable`);
/// 2. makes one `LocalState` per worker in `makeLocalState(worker:)`; only that worker ever
///    touches it while the pipeline runs, so it needs no locks;
/// 3. takes each batch its worker's pipeline produces in `sink(_:into:morsel:)`, and may keep the
///    batch only if `keepsBatches` is true (otherwise the scan refills it after the call);
/// 4. turns every worker's local state into the one `GlobalState` in `combine(_:)`, which runs
///    once, on the calling thread, after all workers have finished, with the local states in
///    worker order (so it may merge into the largest, or merge by partitions on all threads
///    through `Scheduler.forEachTask`);
/// 5. produces its result from the global state in `finalize(_:)`.
///
/// `Scheduler.run(_:into:context:)` schedules it: it runs the pipeline's morsels on the query's
/// threads, stops every worker at the first error or on cancellation and rethrows that error,
/// then calls `combine` and `finalize`. Hot per-row work belongs in typed kernels that `sink`
/// calls once per batch; the protocol itself is only crossed once per batch.
protocol PipelineSink: Sendable {
    /// One worker's state: what it has consumed so far (a partial aggregate, buffered rows).
    associatedtype LocalState: AnyObject
    /// Every worker's state combined.
    associatedtype GlobalState
    /// What the operator produces (batches, a table, files).
    associatedtype Output

    /// Makes the state of worker `worker` (0 ..< the run's thread count).
    func makeLocalState(worker: Int) throws(ExecutionError) -> LocalState

    /// Consumes one batch of morsel `morsel` into `local`.
    func sink(_ batch: Batch, into local: LocalState, morsel: Int) throws(ExecutionError)

    /// Called when every batch of `morsel` has been consumed (not when the run stopped early).
    func finishMorsel(_ morsel: Int, of local: LocalState)

    /// Whether `sink` may keep a batch (or its vectors) after returning. When false, a scan
    /// refills one batch per morsel instead of allocating one per read.
    var keepsBatches: Bool { get }

    /// A predicate that the scan adds, when it opens a row group, to those of the plan: lets a
    /// sink that learns a bound while it runs (top-N's cutoff) skip row groups and blocks.
    func dynamicPruning() -> ScanPredicate?

    /// Combines the local states of every worker, in worker order, into the global state.
    func combine(_ locals: [LocalState]) throws(ExecutionError) -> GlobalState

    /// The operator's result.
    func finalize(_ global: GlobalState) throws(ExecutionError) -> Output
}

extension PipelineSink {
    /// Nothing to do at the end of a morsel.
    func finishMorsel(_ morsel: Int, of local: LocalState) {}

    /// Sinks keep the batches they are given unless they say otherwise.
    var keepsBatches: Bool { true }

    /// No predicate learned while running.
    func dynamicPruning() -> ScanPredicate? { nil }
}

extension PipelineSink where GlobalState == [LocalState] {
    /// Keeps the local states as they are, for operators whose finalize reads every worker's state.
    func combine(_ locals: [LocalState]) throws(ExecutionError) -> [LocalState] { locals }
}

extension PipelineSink where GlobalState == Output {
    /// The global state is the result.
    func finalize(_ global: GlobalState) throws(ExecutionError) -> Output { global }
}
