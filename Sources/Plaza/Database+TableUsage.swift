internal import PlazaStorage
import Foundation

extension Database {
    /// The bytes on disk of table `name`'s committed files and when it was last imported into.
    ///
    /// - Throws: `PlazaError` (`.binding`) when there is no such table.
    public func storageUsage(ofTable name: String) throws(PlazaError) -> (bytes: Int, lastImport: Date) {
        guard let usage = catalog.usage(ofTable: name) else { throw unknownTable(name) }
        return (usage.bytes, Date(timeIntervalSince1970: TimeInterval(usage.committedAtSeconds)))
    }
}
