/// Table names: which are allowed, and how they compare (Formats/plaza-manifest.md §1).
enum TableName {
    /// The longest name accepted, in UTF-8 bytes (well under the 255 bytes a directory name may have).
    static let maxBytes = 128

    /// Checks that `name` is safe as a directory name, or throws `.invalidName` saying why.
    ///
    /// Allowed: letters and digits of any script, `_` and `-`; not starting with `-`; 1…128 bytes.
    /// This excludes `/`, `.` (so `..` and hidden names), NUL, spaces and control characters.
    static func validate(_ name: String) throws(StorageError) {
        let byteCount = name.utf8.count
        guard byteCount > 0 else { throw StorageError(.invalidName, "a table name cannot be empty") }
        guard byteCount <= maxBytes else {
            throw StorageError(
                .invalidName, "table name is \(byteCount) bytes long; the limit is \(maxBytes)", table: name)
        }
        if name.hasPrefix("-") {
            throw StorageError(.invalidName, "a table name cannot start with \"-\"", table: name)
        }
        for scalar in name.unicodeScalars {
            let allowed =
                scalar == "_" || scalar == "-" || scalar.properties.isAlphabetic
                || scalar.properties.numericType == .decimal
            guard allowed else {
                let shown =
                    scalar.properties.generalCategory == .control || scalar == " "
                    ? "U+" + String(scalar.value, radix: 16, uppercase: true) : "\"\(scalar)\""
                throw StorageError(
                    .invalidName,
                    "table name contains \(shown); use letters, digits, \"_\" or \"-\"", table: name)
            }
        }
    }

    /// The comparison key: names that differ only in case are the same table.
    static func key(_ name: String) -> String { name.lowercased() }
}
