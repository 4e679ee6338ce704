import PlazaCore
import Synchronization

/// A catalog view for one query: the first look at a table pins its snapshot, so the binder
/// (through `CatalogReader`) and the executor (through `snapshot(table:)`) see the same state even
/// when a commit lands in between, including one that widens a column type.
///
/// ```swift
/// let pinned = PinnedCatalog(catalog)
/// let plan = try Binder(catalog: pinned).bind(statement)   // pins "trips"
/// let source = try pinned.snapshot(table: "trips")          // the same snapshot
/// ```
/// Thread-safe: the pins sit behind a mutex.
///
/// Tables pinned while a statement is bound are pinned under the database's shared commit lock
/// (Formats/plaza-manifest.md §11), held from the first pin to `endPinning()`, so that a commit of
/// several tables is seen whole or not at all. Inside a transaction, the tables it changed are
/// read as it left them.
package final class PinnedCatalog: CatalogReader, Sendable {
    /// The catalog that snapshots are taken from.
    package let catalog: StorageCatalog
    private let pins = Mutex<[String: TableSnapshot]>([:])
    /// Opens files named in FROM; nil where the database may not read files.
    package let files: (any FileTableOpener)?
    /// The transaction whose changes this view sees, if any.
    package let transaction: DatabaseTransaction?
    /// The shared commit lock while pinning, and whether pins are being taken for a binding.
    private let pinning = Mutex<(lock: FileLock?, isBinding: Bool)>((nil, true))

    /// Creates a view that pins nothing yet; `files` opens files named in FROM (nil refuses them);
    /// `transaction`'s changed tables are read as it left them.
    package init(
        _ catalog: StorageCatalog, files: (any FileTableOpener)? = nil, transaction: DatabaseTransaction? = nil
    ) {
        self.catalog = catalog
        self.files = files
        self.transaction = transaction
    }

    /// Starts a binding: later first pins keep the shared commit lock until `endPinning()`.
    package func beginPinning() {
        pinning.withLock { $0.isBinding = true }
    }

    /// Ends a binding: releases the shared commit lock. Later first pins (rare: the executor
    /// reads what the binder pinned) take it only while they open the table.
    package func endPinning() {
        let lock = pinning.withLock { state in
            state.isBinding = false
            let lock = state.lock
            state.lock = nil
            return lock
        }
        lock?.release()
    }

    /// Opens files named in FROM through `files`, or refuses when there is no opener.
    package func fileTable(_ request: FileTableRequest) throws(FileTableError) -> TableDescription {
        guard let files else {
            throw FileTableError("reading files outside the database is disabled for this database")
        }
        return try files.open(request)
    }

    /// The names of the committed tables, sorted (not pinned: a listing is not a read).
    package func tableNames() -> [String] {
        guard let transaction else { return catalog.tableNames() }
        let dropped = transaction.droppedTableKeys
        let created = transaction.createdTableNames
        if dropped.isEmpty && created.isEmpty { return catalog.tableNames() }
        let kept = catalog.tableNames().filter { !dropped.contains(TableName.key($0)) }
        return Array(Set(kept).union(created)).sorted()
    }

    /// The view named `name`, read now (views are not pinned: they hold no rows); inside a
    /// transaction, as the transaction left it.
    package func viewDefinition(named name: String) -> ViewDefinition? {
        switch transaction?.viewChange(named: name) {
        case .defined(let definition): return definition
        case .dropped: return nil
        case nil: return catalog.viewDefinition(named: name)
        }
    }

    /// The names of the views, sorted (inside a transaction, as it left them).
    package func viewNames() -> [String] {
        guard let changes = transaction?.viewChanges, !changes.isEmpty else { return catalog.viewNames() }
        let changed = Set(changes.keys.map(TableName.key))
        let kept = catalog.viewNames().filter { !changed.contains(TableName.key($0)) }
        return (kept + changes.compactMap { name, change in change == .dropped ? nil : name }).sorted()
    }

    /// The pinned table's description (pinning it now if needed); nil when it cannot be opened.
    package func table(named name: String) -> TableDescription? {
        guard let snapshot = try? snapshot(table: name) else { return nil }
        return TableDescription(name: snapshot.table, schema: snapshot.schema, rowCount: snapshot.rowCount)
    }

    /// The table's pinned snapshot, opening and pinning it on first use.
    ///
    /// - Throws: what `StorageCatalog.snapshot(table:)` throws; a failure pins nothing.
    package func snapshot(table name: String) throws(StorageError) -> TableSnapshot {
        if let transaction, let changed = try transaction.snapshot(table: name) { return changed }
        let key = TableName.key(name)
        if let pinned = pins.withLock({ $0[key] }) { return pinned }
        let opened = try openUnderCommitLock(name)
        // Two threads may open the same table at once; the first pin wins so both see one state.
        return pins.withLock { pins in
            if let earlier = pins[key] { return earlier }
            pins[key] = opened
            return opened
        }
    }

    /// Opens the table's snapshot holding the shared commit lock: kept until `endPinning()` while
    /// binding, released at once otherwise.
    private func openUnderCommitLock(_ name: String) throws(StorageError) -> TableSnapshot {
        let binding = pinning.withLock { $0.isBinding && $0.lock != nil }
        if binding { return try catalog.snapshot(table: name) }
        let lock = try catalog.lockCommits(shared: true)
        let keep = pinning.withLock { state in
            guard state.isBinding, state.lock == nil else { return false }
            state.lock = lock
            return true
        }
        defer { if !keep { lock.release() } }
        return try catalog.snapshot(table: name)
    }
}
