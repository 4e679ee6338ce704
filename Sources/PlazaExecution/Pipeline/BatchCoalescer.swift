import PlazaVector

/// Copies the live rows of small batches together into full ones before they reach a stage or
/// the sink, for one worker's morsel. A stage or sink costs microseconds for each batch however
/// few rows it holds (expressions allocate their vectors, joins look up their keys), and a
/// selective filter or join leaves a few rows of every batch: TPC-H Q14's date filter keeps 26 of
/// 2,048, and its aggregate spent a quarter of the query on those batches one at a time.
///
/// Rows keep their order: a batch too large to copy first pushes the rows waiting before it.
final class BatchCoalescer {
    /// Batches with fewer live rows than this are copied together; larger ones go on as they are.
    static let smallRows = ColumnVector.batchCapacity / 4

    /// The rows waiting for each stage index (the last index is the sink).
    private var pending: [Batch?]

    /// An empty coalescer for a pipeline of `stageCount` stages.
    init(stageCount: Int) { pending = [Batch?](repeating: nil, count: stageCount + 1) }

    /// Whether `batch` should wait to be copied together with others.
    static func isSmall(_ batch: Batch) -> Bool { batch.liveCount < smallRows }

    /// Takes the rows waiting for `stage`, if any.
    func take(_ stage: Int) -> Batch? {
        let waiting = pending[stage]
        pending[stage] = nil
        return waiting
    }

    /// Whether the live rows of `batch` can be added to those waiting for `stage`: they fit in one
    /// batch, and each dictionary column has the dictionary of the rows waiting (codes are copied).
    func fits(_ batch: Batch, stage: Int) -> Bool {
        guard let waiting = pending[stage] else { return true }
        if waiting.count + batch.liveCount > ColumnVector.batchCapacity { return false }
        for (target, source) in zip(waiting.columns, batch.columns) where target.dictionary !== source.dictionary {
            return false
        }
        return true
    }

    /// Copies the live rows of `batch` (which must fit) to those waiting for `stage`; returns the
    /// rows waiting once they nearly fill a batch, for the caller to push on.
    func append(_ batch: Batch, stage: Int) -> Batch? {
        let waiting: Batch
        if let existing = pending[stage] {
            waiting = existing
        } else {
            let columns = batch.columns.map { source -> ColumnVector in
                let column = ColumnVector(type: source.type)
                if let dictionary = source.dictionary { column.makeDictionary(dictionary, count: 0) }
                return column
            }
            waiting = Batch(columns: columns, count: 0)
            pending[stage] = waiting
        }
        let live = batch.liveCount
        if let selection = batch.selection {
            append(batch, UnsafeBufferPointer(start: selection.indices, count: live), to: waiting)
        } else {
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: live) { rows in
                for row in 0..<live { rows[row] = Int32(truncatingIfNeeded: row) }
                append(batch, UnsafeBufferPointer(rows), to: waiting)
            }
        }
        if waiting.count > ColumnVector.batchCapacity - BatchCoalescer.smallRows { return take(stage) }
        return nil
    }

    private func append(_ batch: Batch, _ rows: UnsafeBufferPointer<Int32>, to waiting: Batch) {
        for (target, source) in zip(waiting.columns, batch.columns) { target.appendRows(of: source, rows) }
        waiting.count += rows.count
    }
}
