#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How much disk a table's committed state takes and when it was committed.
package struct TableUsage: Sendable, Hashable {
    /// Bytes of the committed segment files plus the manifest.
    package var bytes: Int
    /// When the manifest was last replaced (the last import, append or replace), in seconds since 1970.
    package var committedAtSeconds: Int
}

extension StorageCatalog {
    /// The committed size and time of table `name` (matched as queries match it), or nil when
    /// there is no such table or its manifest cannot be read.
    package func usage(ofTable name: String) -> TableUsage? {
        guard let entry = try? committedTableEntry(name), let manifest = try? readManifest(table: entry) else {
            return nil
        }
        var info = stat()
        guard stat(tablePath(entry) + "/" + Manifest.fileName, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let seconds = Int(info.st_mtimespec.tv_sec)
        #else
            let seconds = Int(info.st_mtim.tv_sec)
        #endif
        return TableUsage(
            bytes: manifest.segments.reduce(Int(info.st_size)) { $0 + $1.byteSize }, committedAtSeconds: seconds)
    }
}
