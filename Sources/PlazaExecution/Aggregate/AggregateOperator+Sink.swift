import PlazaCore
import PlazaVector

/// Hash aggregation as a pipeline sink: each worker aggregates into its own `AggregateState`
/// (or, with very many groups, routes its rows by radix partition: `AggregateRadix.swift`);
/// combining merges the states into one (or keeps them for the partitioned or radix merge), and
/// finalizing produces the groups and aggregates.
extension AggregateOperator: PipelineSink {
    /// Every worker's states merged into one, or kept for merging by partitions on all threads.
    enum Combined {
        /// One state holding every group.
        case merged(AggregateState)
        /// The workers' states, merged and finalized partition by partition (`mergePartitioned`).
        case partitioned([AggregateState])
        /// The workers, some with rows routed by radix partition: aggregated partition by partition.
        case radix([AggregateWorker])
        /// Workers' states with keys in ascending runs, finalized one after the other, less the
        /// groups (per state, ascending) whose rows went into an earlier state (`combineSorted`).
        case disjoint([AggregateState], dropped: [[Int32]])
    }

    func makeLocalState(worker: Int) throws(ExecutionError) -> AggregateWorker {
        AggregateWorker(try AggregateState(self))
    }

    func sink(_ batch: Batch, into local: AggregateWorker, morsel: Int) throws(ExecutionError) {
        if let partitions = local.partitions {
            let rows = batch.compacted()
            try partitions.add(keys: try groupKeyVectors(rows), inputs: try radixInputs(rows), count: rows.count)
            return
        }
        try local.state.consume(batch)
        local.rows += batch.liveCount
        if local.state.groupCount >= AggregateOperator.radixThreshold { try startRadixIfPays(local) }
    }

    /// The live rows a worker counted per dictionary code (`countCodesLive`) reach its groups:
    /// the next morsel's row group brings another dictionary.
    func finishMorsel(_ morsel: Int, of local: AggregateWorker) {
        local.state.flushCodeCounts()
    }

    /// Accumulators, group tables and distinct sets copy what they keep.
    var keepsBatches: Bool { false }

    func combine(_ workers: [AggregateWorker]) throws(ExecutionError) -> Combined {
        for worker in workers { worker.state.flushCodeCounts() }
        if workers.contains(where: { $0.partitions != nil }) { return .radix(workers) }
        let locals = workers.map(\.state)
        // A worker that consumed nothing still has the text keys' first form: make it merge.
        if let decided = textKeyIDs.withLock({ $0 }) {
            for local in locals { try local.adopt(textKeyIDs: decided) }
        }
        if mergesSorted(locals) { return try combineSorted(locals) }
        if mergesByPartition(locals) { return .partitioned(locals) }
        if !calls.contains(where: \.isDistinct),
            let largest = locals.indices.max(by: { locals[$0].groupCount < locals[$1].groupCount })
        {
            // Without DISTINCT sets a worker's state is already complete: merge the others into the largest.
            let global = locals[largest]
            for (index, local) in locals.enumerated() where index != largest { try global.merge(local) }
            return .merged(global)
        }
        return .merged(try combineDistinct(locals))
    }

    func finalize(_ global: Combined) throws(ExecutionError) -> [Batch] {
        switch global {
        case .merged(let state): return try state.finalize()
        case .partitioned(let states): return try mergePartitioned(states)
        case .radix(let workers): return try finalizeRadix(workers)
        case .disjoint(let states, let dropped): return try finalizeDisjoint(states, dropped: dropped)
        }
    }
}
