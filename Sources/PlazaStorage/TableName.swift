import PlazaCore

/// Table names: which are allowed, and how they compare (Formats/plaza-manifest.md §1).
enum TableName {
    /// The longest name accepted, in UTF-8 bytes.
    static let maxBytes = TableNameRule.maxBytes

    /// Checks that `name` is safe as a directory name (`TableNameRule`), or throws `.invalidName` saying why.
    static func validate(_ name: String) throws(StorageError) {
        guard let problem = TableNameRule.problem(name) else { return }
        throw StorageError(.invalidName, problem, table: name.isEmpty ? nil : name)
    }

    /// The comparison key: names that differ only in case are the same table.
    static func key(_ name: String) -> String { name.lowercased() }
}
