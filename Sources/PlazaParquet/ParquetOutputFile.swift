#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file a `ParquetWriter` appends to: a temporary name beside the final path, synced and
/// renamed by `complete()`, removed by `remove()`. Only one thread appends at a time.
final class ParquetOutputFile {
    /// The final path.
    let path: String
    /// Where the bytes go until `complete()`.
    let temporaryPath: String
    private var descriptor: Int32
    /// The number of bytes appended so far.
    private(set) var offset = 0

    /// Creates the temporary file beside `path`.
    /// - Throws: `ParquetError` `.io` when it cannot be created.
    init(path: String) throws(ParquetError) {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw ParquetError(.io, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
        }
    }

    deinit { if isOpen { remove() } }

    /// Whether the file is still being written (neither completed nor removed).
    var isOpen: Bool { descriptor >= 0 }

    /// Appends `bytes`.
    /// - Throws: `ParquetError` `.io` when the system cannot write them (a full disk).
    func append(_ bytes: [UInt8]) throws(ParquetError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes {
                write(descriptor, $0.baseAddress! + written, bytes.count - written)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw ParquetError(
                    .io, "cannot write \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
            }
            written += result
        }
        offset += bytes.count
    }

    /// Syncs the file, renames it to `path` and syncs the directory, so that the rename itself
    /// survives a crash.
    /// - Throws: `ParquetError` `.io`; the temporary file is then still there (call `remove()`).
    func complete() throws(ParquetError) {
        guard fsync(descriptor) == 0 else {
            throw ParquetError(.io, "cannot sync \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            throw ParquetError(.io, "cannot rename to \(path): \(String(cString: strerror(errno)))", path: path)
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let handle = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if handle >= 0 {
            _ = fsync(handle)
            close(handle)
        }
    }

    /// Closes and deletes the temporary file; the final path is untouched.
    func remove() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }
}
