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

    init(pipeline: Pipeline, morsels: MorselPlan) {
        self.pipeline = pipeline
        self.morsels = morsels
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
            // Stages never keep their input; a sink that keeps nothing lets the vectors be refilled.
            let reused = sink.keepsBatches ? nil : Batch(types: scan.fields.map(\.type))
            guard let scanPlan else { preconditionFailure("scan pipeline without a scan plan") }
            try scanPlan.read(
                cursor, group: group, scan: scan, reused: reused, scanProfile: profile, context: context, worker: state,
                stop: stop
            ) { (batch, stage) throws(ExecutionError) in
                try push(batch, stage: stage, morsel: morsel, sink: sink, local: local, state: state, context: context)
            }
        case .batches(let batches):
            for index in morsels.batchChunks[morsel] {
                try push(
                    batches[index], stage: 0, morsel: morsel, sink: sink, local: local, state: state, context: context)
                if stop?.isSet ?? false { break }
            }
        }
    }

    /// Pushes the batches of every finishing stage (in pipeline order, so that one stage's rows
    /// go through the finishing stages after it before they finish) into `local`, as morsel `morsel`.
    func finishStages<Sink: PipelineSink>(
        sink: Sink, local: Sink.LocalState, morsel: Int, context: QueryContext
    ) throws(ExecutionError) {
        let state = WorkerState()
        for (index, stage) in pipeline.stages.enumerated() {
            guard let finishing = stage as? any FinishingStage else { continue }
            let outputs = finishing.finish()
            finishing.profile?.addRows(out: outputs.reduce(0) { $0 + $1.liveCount })
            for output in outputs {
                try push(
                    output, stage: index + 1, morsel: morsel, sink: sink, local: local, state: state, context: context)
            }
        }
    }

    private func push<Sink: PipelineSink>(
        _ batch: Batch, stage: Int, morsel: Int, sink: Sink, local: Sink.LocalState, state: WorkerState,
        context: QueryContext
    ) throws(ExecutionError) {
        if batch.liveCount == 0 { return }
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
                output, stage: stage + 1, morsel: morsel, sink: sink, local: local, state: state, context: context)
            // A join stage can turn one batch into millions of rows: stay responsive to cancellation.
            try context.checkCancelled()
        }
    }
}
