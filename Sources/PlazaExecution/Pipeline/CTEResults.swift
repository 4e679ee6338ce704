import Synchronization
import PlazaVector

/// The stored rows of one query's materialized CTEs and recursive working tables, by CTE number.
///
/// A materialized CTE's rows are stored once, before the query that reads them runs, and every
/// reference (subqueries included, which plan on other threads' stacks) reads the same batches.
final class CTEResults: Sendable {
    // Batches are not Sendable; stored batches are never changed, only read.
    private let results = Mutex<[Int: UncheckedSendable<[Batch]>]>([:])

    /// Stores (or replaces) the rows of CTE `id`.
    func store(_ batches: [Batch], for id: Int) {
        results.withLock { $0[id] = UncheckedSendable(batches) }
    }

    /// The rows of CTE `id`, or nil when none were stored.
    func batches(for id: Int) -> [Batch]? {
        results.withLock { $0[id]?.value }
    }
}
