import PlazaCore
import PlazaPlanner
import PlazaVector

/// Resolves the table names of a plan to sources at execution time.
package protocol TableProvider: Sendable {
    /// The source for the table `name`, as of the snapshot the query runs on.
    func source(forTable name: String) throws -> any ScanSource
}
