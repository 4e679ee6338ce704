import PlazaCore
import PlazaVector

/// Cuts each batch into slices of at most `rows` live rows, as selections over the same vectors,
/// before a nested-loop join: a stage returns all the batches one input becomes, and a probe row
/// of a nested loop becomes one output row per build row, so a slice bounds what one call holds.
final class ProbeSliceStage: Stage, @unchecked Sendable {
    // Safe to share: immutable.
    /// Not profiled: it only regroups rows.
    var profile: OperatorProfile? { nil }
    let rows: Int

    /// Slices of at most `rows` rows (at least 1).
    init(rows: Int) { self.rows = Swift.max(1, rows) }

    func process(_ batch: Batch, _ worker: WorkerState) throws(ExecutionError) -> [Batch] {
        let live = batch.liveCount
        if live <= rows { return [batch] }
        var slices: [Batch] = []
        var start = 0
        while start < live {
            let n = Swift.min(rows, live - start)
            let selection = SelectionVector(capacity: n)
            if let input = batch.selection {
                selection.indices.update(from: input.indices + start, count: n)
            } else {
                for i in 0..<n { selection.indices[i] = Int32(truncatingIfNeeded: start + i) }
            }
            selection.count = n
            slices.append(Batch(columns: batch.columns, count: batch.count, selection: selection))
            start += n
        }
        return slices
    }
}
