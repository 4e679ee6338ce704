import PlazaCore
import PlazaPlanner
import PlazaVector

/// The immutable inputs of one pipeline run, shared by its workers: reads a morsel and pushes its
/// batches through the stages into the worker's local sink state.
final class SharedRun: @unchecked Sendable {
    // Safe: read-only after construction; batches are never mutated by stages.
    let pipeline: Pipeline
    let morsels: MorselPlan
    /// How the scan decodes and filters, for a pipeline reading a table.
    let scanPlan: ScanPlan?
    /// Per stage index (the last is the sink): whether its small input batches are copied together
    /// (`BatchCoalescer`); not after a stage that cuts batches small on purpose.
    let coalescesInput: [Bool]

    init(pipeline: Pipeline, morsels: MorselPlan) {
        self.pipeline = pipeline
        self.morsels = morsels
        let stages = pipeline.stages
        self.coalescesInput = (0...stages.count).map { $0 == 0 || !(stages[$0 - 1] is ProbeSliceStage) }
        if case .scan(_, let scan, _) = pipeline.source {
            self.scanPlan = ScanPlan(pipeline: pipeline, columnCount: scan.columns.count)
        } else {
            self.scanPlan = nil
        }
    }

    /// Reads morsel `morsel` and pushes its batches into `local`.
    func runMorsel<Sink: PipelineSink>(
        _ morsel: Int, sink: Sink, local: Sink.LocalState, state: WorkerState, context: QueryContext,
        stop: StopFlag?
    ) throws(ExecutionError) {
        let coalescer = BatchCoalescer(stageCount: pipeline.stages.count)
        switch pipeline.source {
        case .scan(let source, let scan, let profile):
            let partsPerGroup = morsels.partsPerGroup
            let group = morsels.rowGroups[morsel / partsPerGroup], part = morsel % partsPerGroup
            var predicates = scan.pruningPredicates
            if let dynamic = sink.dynamicPruning() {
                predicates.append(dynamic)
                if !source.mightMatch(rowGroup: group, columns: scan.columns, predicates: predicates) {
                    if part == 0 { profile?.rowGroupsSkipped.add(1, ordering: .relaxed) }
                    return
                }
            }
            let cursor: any RowGroupCursor
            do {
                cursor =
                    partsPerGroup == 1
                    ? try source.openRowGroup(group, columns: scan.columns, predicates: predicates)
                    : try source.openRowGroup(
                        group, columns: scan.columns, predicates: predicates, part: part, of: partsPerGroup)
            } catch let error as ExecutionError {
                throw error
            } catch {
                throw ExecutionError(
                    .storage(underlying: error), "reading row group \(group) of table \"\(scan.table)\"")
            }
            if part == 0 { profile?.rowGroupsRead.add(1, ordering: .relaxed) }
            // Stages never keep their input (the coalescer copies what it keeps); a sink that keeps
            // nothing lets the vectors be refilled.
            let reused = sink.keepsBatches ? nil : Batch(types: scan.fields.map(\.type))
            guard let scanPlan else { preconditionFailure("scan pipeline without a scan plan") }
            try scanPlan.read(
                cursor, group: group, scan: scan, reused: reused, scanProfile: profile, context: context, worker: state,
                stop: stop
            ) { (batch, stage) throws(ExecutionError) in
                try push(
                    batch, stage: stage, morsel: morsel, sink: sink, local: local, state: state, context: context,
                    coalescer: coalescer)
            }
        case .batches(let batches):
            for index in morsels.batchChunks[morsel] {
                try push(
                    batches[index], stage: 0, morsel: morsel, sink: sink, local: local, state: state, context: context,
                    coalescer: coalescer)
                if stop?.isSet ?? false { break }
            }
        }
        try flush(coalescer, morsel: morsel, sink: sink, local: local, state: state, context: context)
    }

    /// Pushes the batches of every finishing stage (in pipeline order, so that one stage's rows
    /// go through the finishing stages after it before they finish) into `local`, as morsel `morsel`.
    func finishStages<Sink: PipelineSink>(
        sink: Sink, local: Sink.LocalState, morsel: Int, context: QueryContext
    ) throws(ExecutionError) {
        let state = WorkerState()
        let coalescer = BatchCoalescer(stageCount: pipeline.stages.count)
        for (index, stage) in pipeline.stages.enumerated() {
            guard let finishing = stage as? any FinishingStage else { continue }
            let outputs = finishing.finish()
            finishing.profile?.addRows(out: outputs.reduce(0) { $0 + $1.liveCount })
            for output in outputs {
                try push(
                    output, stage: index + 1, morsel: morsel, sink: sink, local: local, state: state, context: context,
                    coalescer: coalescer)
            }
            // Every row must have gone through the later finishing stages before they finish.
            try flush(coalescer, morsel: morsel, sink: sink, local: local, state: state, context: context)
        }
    }

    /// Pushes `batch` into stage `stage` (or the sink past the last stage); a small batch may
    /// instead wait in `coalescer` for more rows.
    private func push<Sink: PipelineSink>(
        _ batch: Batch, stage: Int, morsel: Int, sink: Sink, local: Sink.LocalState, state: WorkerState,
        context: QueryContext, coalescer: BatchCoalescer
    ) throws(ExecutionError) {
        if batch.liveCount == 0 { return }
        if coalescesInput[stage] {
            if BatchCoalescer.isSmall(batch) {
                if !coalescer.fits(batch, stage: stage), let waiting = coalescer.take(stage) {
                    try forward(waiting, stage, morsel, sink, local, state, context, coalescer)
                }
                if let full = coalescer.append(batch, stage: stage) {
                    try forward(full, stage, morsel, sink, local, state, context, coalescer)
                }
                return
            }
            // Rows keep their order: the rows waiting go first.
            if let waiting = coalescer.take(stage) {
                try forward(waiting, stage, morsel, sink, local, state, context, coalescer)
            }
        }
        try forward(batch, stage, morsel, sink, local, state, context, coalescer)
    }

    /// Pushes the rows waiting in `coalescer` on, the earliest stage first (its outputs may wait
    /// for a later stage, which is flushed after it).
    private func flush<Sink: PipelineSink>(
        _ coalescer: BatchCoalescer, morsel: Int, sink: Sink, local: Sink.LocalState, state: WorkerState,
        context: QueryContext
    ) throws(ExecutionError) {
        for stage in 0...pipeline.stages.count {
            if let waiting = coalescer.take(stage) {
                try forward(waiting, stage, morsel, sink, local, state, context, coalescer)
            }
        }
    }

    /// Runs stage `stage` on `batch` (or sinks it past the last stage) and pushes the outputs on.
    private func forward<Sink: PipelineSink>(
        _ batch: Batch, _ stage: Int, _ morsel: Int, _ sink: Sink, _ local: Sink.LocalState, _ state: WorkerState,
        _ context: QueryContext, _ coalescer: BatchCoalescer
    ) throws(ExecutionError) {
        if stage == pipeline.stages.count {
            pipeline.sinkProfile?.addRows(in: batch.liveCount)
            try sink.sink(batch, into: local, morsel: morsel)
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
            try push(
                output, stage: stage + 1, morsel: morsel, sink: sink, local: local, state: state, context: context,
                coalescer: coalescer)
            // A join stage can turn one batch into millions of rows: stay responsive to cancellation.
            try context.checkCancelled()
        }
    }
}
