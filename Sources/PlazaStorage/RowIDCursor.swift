import PlazaCore
import PlazaFormat
import PlazaVector

/// A snapshot cursor that also yields the row id column (`TableSnapshot.rowIDColumn`): each row's
/// number in the snapshot, for DELETE and UPDATE to name the rows they change.
final class RowIDCursor: RowGroupCursor {
    private let inner: SnapshotCursor
    /// The row id's position among the requested columns.
    private let position: Int
    /// The row id of the row group's first row.
    private let base: Int64
    /// The caller's vectors except the row id's, as the inner cursor expects them.
    private let innerBatch = Batch(columns: [], count: 0)

    init(inner: SnapshotCursor, position: Int, base: Int) {
        self.inner = inner
        self.position = position
        self.base = Int64(base)
    }

    var statistics: ScanStatistics { inner.statistics }
    var deletedRows: UnsafePointer<UInt64>? { inner.deletedRows }

    func next(into batch: Batch) throws -> Bool {
        try fill(batch) { try inner.next(into: innerBatch) }
    }

    func next(into batch: Batch, demands: [ColumnDemand]) throws -> Bool {
        var rest = demands
        rest.remove(at: position)
        // A filter first: the ids are numbered by `load` for the batches with survivors only.
        return try fill(batch, numbering: demands[position] != .nothing) {
            try inner.next(into: innerBatch, demands: rest)
        }
    }

    func load(column: Int, into batch: Batch) throws {
        guard column != position else {
            number(batch.columns[position], count: batch.count)
            return
        }
        try inner.load(column: column < position ? column : column - 1, into: innerBatch)
    }

    func load(column: Int, into batch: Batch, rows: UnsafeBufferPointer<Int32>) throws {
        guard column != position else {
            number(batch.columns[position], count: batch.count)
            return
        }
        try inner.load(column: column < position ? column : column - 1, into: innerBatch, rows: rows)
    }

    func dictionary(ofColumn column: Int) -> ColumnVector? {
        column == position ? nil : inner.dictionary(ofColumn: column < position ? column : column - 1)
    }

    func andCodeMatches(
        column: Int, matches: UnsafeBufferPointer<UInt8>, into mask: UnsafeMutablePointer<UInt64>
    ) throws -> Bool {
        guard column != position else { return false }
        return try inner.andCodeMatches(column: column < position ? column : column - 1, matches: matches, into: mask)
    }

    func andLengthEquals(column: Int, length: Int, into mask: UnsafeMutablePointer<UInt64>) throws -> Bool {
        guard column != position else { return false }
        return try inner.andLengthEquals(column: column < position ? column : column - 1, length: length, into: mask)
    }

    func provesTrue(_ predicate: ScanPredicate) -> Bool {
        guard let stored = predicate.droppingColumn(at: position) else { return false }
        return inner.provesTrue(stored)
    }

    /// Reads the stored columns into `batch`'s vectors through `read`, then numbers the rows (or,
    /// without `numbering`, leaves the ids unspecified until `load`).
    private func fill(_ batch: Batch, numbering: Bool = true, _ read: () throws -> Bool) throws -> Bool {
        var columns = batch.columns
        let ids = columns.remove(at: position)
        innerBatch.columns = columns
        let more = try read()
        batch.count = innerBatch.count
        batch.selection = innerBatch.selection
        ids.reset()
        ids.reserve((batch.count + 63) & ~63)
        ids.count = batch.count
        if numbering { number(ids, count: batch.count) }
        return more
    }

    /// Writes the ids of the last batch's `count` rows into `ids`.
    private func number(_ ids: ColumnVector, count: Int) {
        let first = base + Int64(inner.batchStartRow)
        let values = ids.data.assumingMemoryBound(to: Int64.self)
        for row in 0..<count { values[row] = first &+ Int64(row) }
    }
}

extension ScanPredicate {
    /// The predicate over the requested columns without the one at `position` (the row id):
    /// nil when it tests that column, else with its column renumbered past the gap.
    func droppingColumn(at position: Int) -> ScanPredicate? {
        guard column != position else { return nil }
        var shifted = self
        if shifted.column > position { shifted.column -= 1 }
        return shifted
    }
}
