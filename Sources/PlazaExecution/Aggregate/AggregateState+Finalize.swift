import PlazaCore
import PlazaVector

/// A state's result: its groups' keys decoded and its accumulators finalized, in batches.
extension AggregateState {
    /// The group key columns of groups `range`, with VARCHAR ids turned back into text.
    func decodedKeys(_ range: Range<Int>) -> [ColumnVector] {
        guard let table else { return [] }
        var keys = table.keyColumns(range)
        for (position, ids) in keyIDs.enumerated() {
            if let ids { keys[position] = ids.decode(keys[position]) }
        }
        return keys
    }

    /// The result rows: group keys, then one column per aggregate; with `parallel`, a large
    /// result's keys are decoded on the query's threads.
    func finalize(parallel: Bool = true) throws(ExecutionError) -> [Batch] {
        flushCodeCounts()
        try drainAllDistinct()
        let total = groupCount
        var columns: [ColumnVector] = []
        for accumulator in accumulators {
            accumulator.resize(total)
            columns.append(try accumulator.finalize(total))
        }
        if total == 0 { return [] }
        if total <= ColumnVector.batchCapacity {
            return [Batch(columns: decodedKeys(0..<total) + columns, count: total)]
        }
        if parallel && total >= AggregateOperator.parallelFinalizeThreshold && op.context.options.threads >= 2,
            let table
        {
            return try finalizeBatches(table, columns, total)
        }
        // Keys decoded batch by batch: no whole key columns to build and then slice.
        var batches: [Batch] = []
        var start = 0
        while start < total {
            let end = Swift.min(start + ColumnVector.batchCapacity, total)
            batches.append(
                Batch(
                    columns: decodedKeys(start..<end) + columns.map { GatherKernel.slice($0, start..<end) },
                    count: end - start))
            start = end
        }
        return batches
    }
}
