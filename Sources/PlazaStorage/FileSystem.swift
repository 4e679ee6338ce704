#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the POSIX calls storage needs, each failure a `StorageError` naming the path.
///
/// POSIX rather than Foundation because the commit protocol needs `fsync` of files and
/// directories, `rename`, `O_EXCL` and `flock`, which Foundation does not expose.
enum FileSystem {
    /// The text of the current `errno`.
    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func ioError(_ what: String, _ path: String, table: String?, code: Int32 = errno) -> StorageError {
        StorageError(.io, "\(what) failed: \(errnoText(code))", table: table, file: path)
    }

    /// Whether `path` names an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of the regular file at `path`, or nil if it does not exist.
    static func fileSize(_ path: String, table: String?) throws(StorageError) -> Int? {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ioError("stat", path, table: table)
        }
        return Int(info.st_size)
    }

    /// The whole file, or nil when it does not exist.
    /// Files over `limit` bytes throw `.damaged` without being read (a manifest is never that big).
    static func readFileIfPresent(_ path: String, table: String?, limit: Int = 1 << 28) throws(StorageError) -> [UInt8]?
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ioError("open", path, table: table)
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw ioError("fstat", path, table: table) }
        guard Int(info.st_size) <= limit else {
            throw StorageError(
                .damaged, "file is \(info.st_size) bytes, more than the \(limit) a manifest may have", table: table,
                file: path)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ioError("read", path, table: table)
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return bytes
    }

    /// Creates `path` (which must not exist), writes `bytes`, and fsyncs the file before returning.
    static func writeNewFileDurably(_ path: String, _ bytes: [UInt8], table: String?) throws(StorageError) {
        try writeNewFile(path, bytes, table: table, syncing: true)
    }

    /// Creates `path` (which must not exist) and writes `bytes`; fsyncs the file when `syncing`.
    static func writeNewFile(_ path: String, _ bytes: [UInt8], table: String?, syncing: Bool = false)
        throws(StorageError)
    {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw ioError("create", path, table: table) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path, table: table)
            }
            written += result
        }
        if syncing && fsync(fd) != 0 { throw ioError("fsync", path, table: table) }
    }

    /// Flushes each of `paths` (files or directories) to stable storage, on a thread each: fsyncs
    /// in flight together share the file system's journal commits, where one after the other each
    /// waits for its own. Throws the first path's failure, after every fsync has returned.
    static func syncAll(_ paths: [String], table: String?) throws(StorageError) {
        guard paths.count > 1 else {
            for path in paths { try sync(path, table: table) }
            return
        }
        // At most 16 threads at a time (a CREATE TABLE AS may write hundreds of segments).
        guard paths.count <= 16 else {
            var failure: StorageError?
            for start in stride(from: 0, to: paths.count, by: 16) {
                do throws(StorageError) {
                    try syncAll(Array(paths[start..<Swift.min(start + 16, paths.count)]), table: table)
                } catch {
                    failure = failure ?? error
                }
            }
            if let failure { throw failure }
            return
        }
        let jobs = paths.map { SyncJob(path: $0, table: table) }
        var threads: [pthread_t?] = []
        for job in jobs.dropFirst() {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            if pthread_create(&thread, nil, { SyncJob.run($0) }, context) == 0 {
                threads.append(thread)
            } else {
                Unmanaged<SyncJob>.fromOpaque(context).release()
                job.runHere()
                threads.append(nil)
            }
        }
        jobs[0].runHere()
        for thread in threads { if let thread { pthread_join(thread, nil) } }
        if let failure = jobs.lazy.compactMap(\.failure).first { throw failure }
    }

    /// Flushes a file or a directory (its entries) to stable storage.
    static func sync(_ path: String, table: String?) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ioError("open for fsync", path, table: table) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw ioError("fsync", path, table: table) }
    }

    /// Atomically replaces `to` with `from` (both in the same directory).
    static func moveAtomically(_ from: String, to: String, table: String?) throws(StorageError) {
        if rename(from, to) != 0 { throw ioError("rename to \"\(to)\"", from, table: table) }
    }

    /// Makes `to` a second name of the file `from` (a hard link, same file system).
    static func link(_ from: String, to: String, table: String?) throws(StorageError) {
        if Glibc.link(from, to) != 0 { throw ioError("link to \"\(to)\"", from, table: table) }
    }

    /// Deletes a file; a file that is already gone is not an error.
    static func removeFile(_ path: String, table: String?) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT { throw ioError("unlink", path, table: table) }
    }

    /// Creates a directory; returns false if it already existed.
    @discardableResult
    static func makeDirectory(_ path: String, table: String?) throws(StorageError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST && isDirectory(path) { return false }
        throw ioError("mkdir", path, table: table)
    }

    /// Removes a directory if it is empty; returns whether it did.
    static func removeEmptyDirectory(_ path: String) -> Bool { rmdir(path) == 0 }

    /// The names in a directory, without `.` and `..`, in no particular order.
    static func list(_ path: String, table: String?) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw ioError("open directory", path, table: table) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Deletes a directory and everything under it; a missing directory is not an error.
    static func removeTree(_ path: String, table: String?) throws(StorageError) {
        guard isDirectory(path) else { return try removeFile(path, table: table) }
        for name in try list(path, table: table) {
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                try removeTree(child, table: table)
            } else {
                try removeFile(child, table: table)
            }
        }
        if rmdir(path) != 0 && errno != ENOENT { throw ioError("rmdir", path, table: table) }
    }
}

/// An advisory lock (`flock`) on a lock file, exclusive or shared, held until `release()` or deinit.
///
/// `flock` locks belong to the open file description, so two opens in one process exclude each
/// other just as two processes do, and the kernel drops the lock when a killed process's files close.
/// A process forked (to spawn a program) while the lock is held keeps the description until it
/// calls `exec`, which is why a waiting writer polls for a short while before giving up.
/// `@unchecked Sendable`: its owners (a transaction, a pinned catalog) keep it behind their own mutex.
final class FileLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock on `path` (creating the file), polling every 5 ms for up to `timeout`,
    /// then throwing `.busy` with `busyMessage` if someone still holds it. A `shared` lock
    /// excludes only exclusive ones.
    init(
        path: String, table: String?, timeout: Duration, shared: Bool = false,
        busyMessage: String = "another writer is changing this table; retry when it has committed"
    ) throws(StorageError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw FileSystem.ioError("open lock file", path, table: table) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK && clock.now < deadline {
                usleep(5_000)
                continue
            }
            close(descriptor)
            descriptor = -1
            if code == EWOULDBLOCK {
                throw StorageError(.busy, busyMessage, table: table, file: path)
            }
            throw FileSystem.ioError("flock", path, table: table, code: code)
        }
    }

    /// A lock that holds nothing, for a read-only database where no one can be writing.
    static var none: FileLock { FileLock() }

    private init() { descriptor = -1 }

    /// A lock released together with this one (the commit lock's turnstile, §11).
    var companion: FileLock?

    /// Releases the lock (and its companion); safe to call more than once.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        companion?.release()
        companion = nil
    }

    deinit { release() }
}

/// One fsync of `FileSystem.syncAll`, run on a thread of its own; `failure` is read after the join.
private final class SyncJob {
    let path: String
    let table: String?
    var failure: StorageError?

    init(path: String, table: String?) {
        self.path = path
        self.table = table
    }

    /// Syncs on the calling thread, keeping the error.
    func runHere() {
        do { try FileSystem.sync(path, table: table) } catch { failure = error }
    }

    /// The thread body: takes the retained job from `context` and syncs.
    static func run(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        Unmanaged<SyncJob>.fromOpaque(context!).takeRetainedValue().runHere()
        return nil
    }
}
