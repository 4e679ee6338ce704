/// What a table or view name may be (Formats/plaza-manifest.md §1), shared by the binder, which
/// refuses a bad name with its place in the SQL, and storage, which refuses it whatever the caller.
@usableFromInline package enum TableNameRule {
    /// The longest name accepted, in UTF-8 bytes (well under the 255 bytes a directory name may have).
    package static let maxBytes = 128

    /// Why `name` cannot name a table, or nil when it can.
    ///
    /// Allowed: letters and digits of any script, `_` and `-`; not starting with `-`; 1…128 bytes.
    /// This excludes `/`, `.` (so `..` and hidden names), NUL, spaces and control characters.
    package static func problem(_ name: String) -> String? {
        let byteCount = name.utf8.count
        guard byteCount > 0 else { return "a table name cannot be empty" }
        guard byteCount <= maxBytes else { return "table name is \(byteCount) bytes long; the limit is \(maxBytes)" }
        if name.hasPrefix("-") { return "a table name cannot start with \"-\"" }
        for scalar in name.unicodeScalars {
            let allowed =
                scalar == "_" || scalar == "-" || scalar.properties.isAlphabetic
                || scalar.properties.numericType == .decimal
            guard allowed else {
                let shown =
                    scalar.properties.generalCategory == .control || scalar == " "
                    ? "U+" + String(scalar.value, radix: 16, uppercase: true) : "\"\(scalar)\""
                return "table name contains \(shown); use letters, digits, \"_\" or \"-\""
            }
        }
        return nil
    }
}
