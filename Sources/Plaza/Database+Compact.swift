internal import PlazaStorage
import Foundation
import Synchronization

/// What `Database.compact(table:)` did to a table.
public struct TableCompaction: Sendable, Hashable, CustomStringConvertible {
    /// The table's name as stored.
    public var table: String
    /// Segment files rewritten without their deleted rows.
    public var segmentsRewritten: Int
    /// Deleted rows whose space was reclaimed.
    public var rowsRemoved: Int
    /// The table's rows (compaction never changes them).
    public var rowCount: Int

    /// `reportes: 2 segments rewritten, 51234 deleted rows removed, 948766 rows` (plain numbers, for scripts).
    public var description: String {
        "\(table): \(segmentsRewritten) segments rewritten, \(rowsRemoved) deleted rows removed, \(rowCount) rows"
    }
}

extension Database {
    /// Rewrites the segments of table `name` that hold deleted rows (left by DELETE and UPDATE)
    /// without them, in one atomic commit: scans stop decoding those rows. The table's rows and
    /// their order are unchanged; queries running meanwhile keep reading the state they started with.
    ///
    /// ```swift
    /// try db.execute("DELETE FROM reportes WHERE fecha < '2020-01-01'")
    /// let done = try db.compact(table: "reportes")   // done.rowsRemoved deleted rows reclaimed
    /// ```
    /// - Throws: `PlazaError` (`.binding`) when there is no such table, (`.usage`) when the database
    ///   is read-only or another writer holds the table, (`.format`) for damage found while reading.
    @discardableResult
    public func compact(table name: String) throws(PlazaError) -> TableCompaction {
        guard !options.isReadOnly else {
            throw PlazaError(
                kind: .usage, message: "the database \"\(path)\" was opened read-only; it cannot be compacted")
        }
        importLock.lock()
        defer { importLock.unlock() }
        do {
            let summary = try catalog.compact(table: name)
            return TableCompaction(
                table: summary.table, segmentsRewritten: summary.segmentsRewritten, rowsRemoved: summary.rowsRemoved,
                rowCount: summary.rowCount)
        } catch  where error.kind == .tableNotFound {
            throw unknownTable(name)
        } catch {
            throw PlazaError.from(error)
        }
    }

    /// After a DELETE or UPDATE of `table` committed: schedules the rewrite of its segments deleted
    /// past `Options.autoCompactionFraction` on the database's background compactor, so the
    /// statement returns as soon as its change is committed (as DuckDB leaves reclaiming deleted
    /// rows to its checkpoint).
    func compactAfterChange(table: String) {
        guard let fraction = options.autoCompactionFraction else { return }
        compactor.schedule(table: table, catalog: catalog, writers: importLock, minimumDeletedFraction: fraction)
    }

    /// Blocks until the compactions scheduled so far have finished; writes call it before they
    /// read the table, so they never start from a state a compaction is about to replace.
    func waitForCompactions() { compactor.waitUntilIdle() }
}

/// Runs automatic compactions one at a time on a thread of their own, after the statement that made
/// them due has returned. Each holds the database's writer lock while it runs, so writes of this
/// process wait for it; readers never do (a compaction commits like any write, atomically).
final class BackgroundCompactor: Sendable {
    /// Tables scheduled and not yet started (a second DELETE before the compaction starts adds nothing).
    private let pending = Mutex<Set<String>>([])
    private let queue = DispatchQueue(label: "plaza.compaction", qos: .utility)
    private let running = DispatchGroup()

    /// Compacts `table` in the background unless it is already waiting to be. A failure leaves the
    /// committed change as it is (the deleted rows stay marked; the next statement or
    /// `compact(table:)` tries again), so it is not reported.
    func schedule(table: String, catalog: StorageCatalog, writers: NSLock, minimumDeletedFraction: Double) {
        let key = table.lowercased()
        guard pending.withLock({ $0.insert(key).inserted }) else { return }
        queue.async(group: running) { [self] in
            writers.lock()
            defer { writers.unlock() }
            pending.withLock { _ = $0.remove(key) }
            _ = try? catalog.compact(table: table, minimumDeletedFraction: minimumDeletedFraction)
        }
    }

    /// Blocks until every scheduled compaction has finished.
    func waitUntilIdle() { running.wait() }
}
