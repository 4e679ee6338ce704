import PlazaCore
import PlazaVector

/// What `TableSnapshot.verify()` read.
package struct VerificationSummary: Sendable, Hashable {
    /// The table's name as stored.
    package var table: String
    /// The manifest generation that was checked.
    package var generation: UInt64
    /// Rows decoded (equal to the manifest's row count when the check passes).
    package var rowCount: Int
    /// Segment files checked.
    package var segmentCount: Int
    /// Blocks decoded, each with its checksum verified by the segment reader.
    package var blocksRead: Int
}

extension TableSnapshot {
    /// Decodes every block of every column of the snapshot, so that each checksum is verified
    /// (also blocks a cached reader verified before), and checks that the rows add up to the manifest's count.
    ///
    /// Cost: a full scan of the table (no pruning). For crash and damage checks, not for queries.
    ///
    /// - Throws: `StorageError` naming table, file, column, row group and block for the first
    ///   damaged block; `.damaged` when a row group yields a different number of rows than recorded.
    package func verify() throws(StorageError) -> VerificationSummary {
        let columns = Array(0..<schema.count)
        let batch = Batch(types: schema.fields.map(\.type))
        var rows = 0, blocks = 0
        for group in 0..<rowGroupCount {
            var groupRows = 0
            do {
                let cursor = try openRowGroup(group, columns: columns, predicates: [], verifyEveryBlock: true)
                while try cursor.next(into: batch) { groupRows += batch.liveCount }
                blocks += cursor.statistics.blocksRead
            } catch let error as StorageError {
                throw error
            } catch {
                throw StorageError(.io, "verification failed: \(error)", table: table)
            }
            guard groupRows == rowCount(rowGroup: group) else {
                throw StorageError(
                    .damaged, "row group yielded \(groupRows) rows; its segment records \(rowCount(rowGroup: group))",
                    table: table, file: segmentPath(ofRowGroup: group), rowGroup: localRowGroup(group))
            }
            rows += groupRows
        }
        let deleted = deletions.reduce(0) { $0 + ($1?.deletedCount ?? 0) }
        guard rows - deleted == rowCount else {
            throw StorageError(
                .damaged, "segments hold \(rows) rows, \(deleted) deleted; the manifest records \(rowCount) live",
                table: table)
        }
        return VerificationSummary(
            table: table, generation: generation, rowCount: rows - deleted, segmentCount: segmentPaths.count,
            blocksRead: blocks)
    }
}
