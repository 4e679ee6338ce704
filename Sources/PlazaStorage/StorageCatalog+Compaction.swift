import PlazaCore
import PlazaVector

/// What a compaction did.
package struct CompactionSummary: Sendable, Hashable {
    /// The table's name as stored.
    package var table: String
    /// The segments rewritten without their deleted rows.
    package var segmentsRewritten: Int
    /// The deleted rows whose space was reclaimed.
    package var rowsRemoved: Int
    /// The table's rows (unchanged by compaction).
    package var rowCount: Int
}

extension StorageCatalog {
    /// Rewrites the segments of `name` whose deleted rows are more than `minimumDeletedFraction`
    /// of their rows (every segment with a deleted row at 0) without those rows, in one atomic
    /// commit (Formats/plaza-manifest.md §10): the table's rows and their order do not change;
    /// readers keep the snapshot they hold. Does nothing when no segment qualifies.
    ///
    /// - Throws: `.readOnly`, `.tableNotFound`, `.busy` while another writer holds the table, `.io`,
    ///   and the damage reading a segment finds.
    @discardableResult
    package func compact(table name: String, minimumDeletedFraction: Double = 0) throws(StorageError)
        -> CompactionSummary
    {
        let snapshot = try self.snapshot(table: name)
        let chosen = snapshot.deletions.indices.filter { index in
            guard let vector = snapshot.deletions[index] else { return false }
            let rows = snapshot.segmentRowCount(index)
            return Double(vector.deletedCount) > minimumDeletedFraction * Double(rows)
        }
        guard !chosen.isEmpty else {
            return CompactionSummary(
                table: snapshot.table, segmentsRewritten: 0, rowsRemoved: 0, rowCount: snapshot.rowCount)
        }
        let transaction = try beginWrite(table: snapshot.table, mode: .append, schema: snapshot.schema)
        do {
            var removed = 0
            for segment in chosen { removed += try transaction.compact(segment: segment, from: snapshot) }
            let summary = try transaction.commit()
            return CompactionSummary(
                table: summary.table, segmentsRewritten: chosen.count, rowsRemoved: removed, rowCount: summary.rowCount)
        } catch {
            transaction.abort()
            throw error
        }
    }
}
