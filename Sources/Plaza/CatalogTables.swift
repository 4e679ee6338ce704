internal import PlazaCore
internal import PlazaVector
internal import PlazaStorage
internal import PlazaExecution

/// Gives the executor the committed snapshot of each table a query reads: the one the binder
/// pinned, so that every scan of a table in one statement reads the same state.
///
/// Files the statement named in FROM come from the catalog's `FileTables`, which exists only
/// when the database may read files. Other names resolve only inside the database directory
/// (storage refuses `/`, `.` and other path characters); a name that looks like a file path is
/// refused outright when `allowsExternalFiles` is false, whatever a later planner routes here.
struct CatalogTables: TableProvider {
    let catalog: PinnedCatalog
    /// Whether SQL may read files outside the database (`Database.Options.allowsExternalFiles`).
    let allowsExternalFiles: Bool

    func source(forTable name: String) throws -> any ScanSource {
        if let files = catalog.files as? FileTables, let source = files.source(named: name) { return source }
        if !allowsExternalFiles && (name.contains("/") || name.contains("\\") || name.hasPrefix(".")) {
            throw PlazaError(
                kind: .usage,
                message: "reading files outside the database is disabled for this database (\(name))")
        }
        return try catalog.snapshot(table: name)
    }
}
