internal import PlazaCore
internal import PlazaVector
internal import PlazaStorage
internal import PlazaExecution

/// Gives the executor the committed snapshot of each table a query reads.
struct CatalogTables: TableProvider {
    let catalog: StorageCatalog
    /// Whether SQL may read files outside the database (`Database.Options.allowsExternalFiles`).
    let allowsExternalFiles: Bool

    func source(forTable name: String) throws -> any ScanSource {
        try catalog.snapshot(table: name)
    }
}
