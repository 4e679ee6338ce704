extension StorageCatalog {
    /// The newest manifest format version this code writes, as `major.minor` (Formats/plaza-manifest.md
    /// §2, §4.4): 1.2 for a table with a wide DECIMAL, 1.1 for the others.
    package static var manifestVersion: String { "\(Manifest.majorVersion).\(Manifest.wideDecimalMinorVersion)" }
}
