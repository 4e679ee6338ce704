import PlazaCore
import PlazaPlanner
import PlazaVector

/// Per-thread scratch state handed to stages (caches keyed by stage).
final class WorkerState {
    /// Per filter stage: the last dictionary seen and whether each of its entries passes.
    var dictionaryMatches: [CacheKey: (dictionary: ColumnVector, matches: [UInt8])] = [:]
    /// Per join probe: the last dictionary of a probe key and the build group of each entry.
    var dictionaryGroups: [ObjectIdentifier: (dictionary: ColumnVector, groups: [Int32])] = [:]
    /// Per outer join keeping its build rows: this worker's flags of matched build rows (owned by
    /// the join's `UnmatchedBuildRows`).
    var matchedBuildRows: [ObjectIdentifier: UnsafeMutablePointer<UInt8>] = [:]
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
protocol Stage: AnyObject, Sendable {
    /// Where EXPLAIN ANALYZE counts the stage's rows and time, or nil.
    var profile: OperatorProfile? { get }

    /// The batches that `batch` becomes (none when every row is filtered out).
    func process(_ batch: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch]
}

/// A stage with rows to add after its last input: an outer join's build rows that no probe row
/// matched. The scheduler calls `finish` once, after every morsel went through the pipeline, and
/// pushes its batches through the stages after it into the sink.
protocol FinishingStage: Stage {
    /// The batches to add once every input batch has been processed.
    func finish() -> [Batch]
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
    var stages: [any Stage] = []
    let fields: [Field]
    /// The operator consuming the pipeline's output, whose `rows in` the run counts (EXPLAIN ANALYZE).
    var sinkProfile: OperatorProfile?
    /// How much of each output column the consumer reads (nil: every value); lets the scan skip
    /// columns, or decode only the NULLs of a column read by `count(x)`.
    var outputDemand: [ColumnDemand]?
    /// For a top-N: read the row groups whose statistics show the best values of this scan column
    /// first (largest when `descending`), so that its cutoff skips the others.
    var rowGroupOrder: (column: Int, descending: Bool)?

    init(source: PipelineSource, fields: [Field]) {
        self.source = source
        self.fields = fields
    }
}
