extension StorageCatalog {
    /// The manifest format version this code writes, as `major.minor` (Formats/plaza-manifest.md §2).
    package static var manifestVersion: String { "\(Manifest.majorVersion).\(Manifest.minorVersion)" }
}
