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
package final class PinnedCatalog: CatalogReader, Sendable {
    /// The catalog that snapshots are taken from.
    package let catalog: StorageCatalog
    private let pins = Mutex<[String: TableSnapshot]>([:])
    /// Opens files named in FROM; nil where the database may not read files.
    package let files: (any FileTableOpener)?

    /// Creates a view that pins nothing yet; `files` opens files named in FROM (nil refuses them).
    package init(_ catalog: StorageCatalog, files: (any FileTableOpener)? = nil) {
        self.catalog = catalog
        self.files = files
    }

    /// Opens files named in FROM through `files`, or refuses when there is no opener.
    package func fileTable(_ request: FileTableRequest) throws(FileTableError) -> TableDescription {
        guard let files else {
            throw FileTableError("reading files outside the database is disabled for this database")
        }
        return try files.open(request)
    }

    /// The names of the committed tables, sorted (not pinned: a listing is not a read).
    package func tableNames() -> [String] { catalog.tableNames() }

    /// The view named `name`, read now (views are not pinned: they hold no rows).
    package func viewDefinition(named name: String) -> ViewDefinition? { catalog.viewDefinition(named: name) }

    /// The names of the views, sorted.
    package func viewNames() -> [String] { catalog.viewNames() }

    /// The pinned table's description (pinning it now if needed); nil when it cannot be opened.
    package func table(named name: String) -> TableDescription? {
        guard let snapshot = try? snapshot(table: name) else { return nil }
        return TableDescription(name: snapshot.table, schema: snapshot.schema, rowCount: snapshot.rowCount)
    }

    /// The table's pinned snapshot, opening and pinning it on first use.
    ///
    /// - Throws: what `StorageCatalog.snapshot(table:)` throws; a failure pins nothing.
    package func snapshot(table name: String) throws(StorageError) -> TableSnapshot {
        let key = TableName.key(name)
        if let pinned = pins.withLock({ $0[key] }) { return pinned }
        let opened = try catalog.snapshot(table: name)
        // Two threads may open the same table at once; the first pin wins so both see one state.
        return pins.withLock { pins in
            if let earlier = pins[key] { return earlier }
            pins[key] = opened
            return opened
        }
    }
}
