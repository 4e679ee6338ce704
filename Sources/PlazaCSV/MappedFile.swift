#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore

/// A read-only memory map of a whole file (PERFORMANCE.md rule 10), unmapped on deinit.
///
/// Immutable after init and only read through `bytes`, so sharing it across threads is safe.
final class MappedFile: @unchecked Sendable {
    /// The file's bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    /// Maps `path`; throws `.io` naming the path and the system's reason.
    init(path: String) throws(CSVError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MappedFile.ioError(path, "cannot open the file") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFile.ioError(path, "cannot read the file's size") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw MappedFile.ioError(path, "not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else { throw MappedFile.ioError(path, "cannot map the file") }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }

    @inline(never)
    private static func ioError(_ path: String, _ what: String) -> CSVError {
        let reason = String(cString: strerror(errno))
        return CSVError(kind: .io, message: "\(what) (\(reason))", location: FileLocation(path: path))
    }
}

/// An owned, immutable byte buffer (the UTF-8 text of a transcoded file); freed on deinit.
final class OwnedBytes: @unchecked Sendable {
    /// The bytes; written once by the creator before the buffer is shared, then only read.
    let bytes: UnsafeMutableRawBufferPointer
    private let storage: UnsafeMutableRawPointer

    /// Allocates `count` uninitialized bytes.
    init(count: Int) {
        storage = .allocate(byteCount: max(count, 1), alignment: 64)
        bytes = UnsafeMutableRawBufferPointer(start: storage, count: count)
    }

    deinit { storage.deallocate() }
}
