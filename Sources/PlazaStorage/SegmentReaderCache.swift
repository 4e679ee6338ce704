#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaFormat
import Synchronization

/// Which file a path named when it was opened: device, inode, size and change times.
///
/// A cached reader maps its file, so the file's inode stays allocated while the entry lives and
/// cannot be reused by a different file: an equal identity means the same file. Segment files
/// are immutable and uniquely named, so a new commit never reuses a path; the times catch a
/// file rewritten in place (damage), whose new bytes must then be checked afresh.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var modified: timespec
    var changed: timespec

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec
            && a.modified.tv_nsec == b.modified.tv_nsec && a.changed.tv_sec == b.changed.tv_sec
            && a.changed.tv_nsec == b.changed.tv_nsec
    }
}

/// Opened segment readers kept between snapshots of a long-lived catalog, so a statement does not
/// re-read, re-checksum and re-index every footer (opening reportes' two segments cost ~12 ms).
///
/// An entry is served only while its path still names the same file (`FileIdentity`); a snapshot
/// of a table drops the table's entries that its manifest no longer lists (replace, compaction),
/// and a drop drops them all. Bounded by `capacity` readers and `footerBudget` footer bytes,
/// evicting the least recently used. A snapshot keeps its readers alive after eviction.
/// Thread-safe: the entries sit behind a mutex; readers are opened outside it.
final class SegmentReaderCache: Sendable {
    struct Entry {
        var identity: FileIdentity
        var reader: SegmentReader
        var lastUse: UInt64
    }

    struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var footerBytes = 0
        /// Decoded deletion files by path, with the identity they were read from; dropped with
        /// their directory's entries (the files are small, and one per segment at most).
        var deletions: [String: (identity: FileIdentity, vector: DeletionVector)] = [:]
    }

    /// The most readers held.
    let capacity: Int
    /// The most footer bytes (copies and indexes) held.
    let footerBudget: Int
    private let state = Mutex(State())

    init(capacity: Int = 256, footerBudget: Int = 256 << 20) {
        precondition(capacity >= 1 && footerBudget >= 1, "a cache holds something")
        self.capacity = capacity
        self.footerBudget = footerBudget
    }

    /// The reader cached for `path` if it was opened from the file `identity` names.
    func reader(path: String, identity: FileIdentity) -> SegmentReader? {
        state.withLock { state in
            guard var entry = state.entries[path] else { return nil }
            guard entry.identity == identity else {
                state.footerBytes -= entry.reader.footerByteCount
                state.entries[path] = nil
                return nil
            }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[path] = entry
            return entry.reader
        }
    }

    /// Remembers `reader`, opened from `path` as `identity`, evicting the least recently used
    /// entries beyond the bounds (a reader larger than the whole budget is not kept).
    func insert(path: String, identity: FileIdentity, reader: SegmentReader) {
        guard reader.footerByteCount <= footerBudget else { return }
        state.withLock { state in
            state.clock += 1
            if let old = state.entries[path] { state.footerBytes -= old.reader.footerByteCount }
            state.entries[path] = Entry(identity: identity, reader: reader, lastUse: state.clock)
            state.footerBytes += reader.footerByteCount
            while state.entries.count > capacity || state.footerBytes > footerBudget {
                guard let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                state.footerBytes -= oldest.value.reader.footerByteCount
                state.entries[oldest.key] = nil
            }
        }
    }

    /// The deletion vector cached for `path` if it was read from the file `identity` names.
    func deletionVector(path: String, identity: FileIdentity) -> DeletionVector? {
        state.withLock { state in
            guard let entry = state.deletions[path], entry.identity == identity else { return nil }
            return entry.vector
        }
    }

    /// Remembers the deletion vector read from `path` as `identity`.
    func insertDeletionVector(path: String, identity: FileIdentity, vector: DeletionVector) {
        state.withLock { $0.deletions[path] = (identity, vector) }
    }

    /// Drops the entries for files in `directory` that are not in `keeping`.
    func removeEntries(in directory: String, keeping: Set<String> = []) {
        let prefix = directory + "/"
        state.withLock { state in
            for path in state.deletions.keys where path.hasPrefix(prefix) && !keeping.contains(path) {
                state.deletions[path] = nil
            }
            for (path, entry) in state.entries where path.hasPrefix(prefix) && !keeping.contains(path) {
                state.footerBytes -= entry.reader.footerByteCount
                state.entries[path] = nil
            }
        }
    }

    /// The cached paths (tests).
    var paths: Set<String> { state.withLock { Set($0.entries.keys) } }
}

extension FileSystem {
    /// The identity of the regular file at `path`, or nil if it does not exist.
    static func fileIdentity(_ path: String, table: String?) throws(StorageError) -> FileIdentity? {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ioError("stat", path, table: table)
        }
        #if canImport(Darwin)
            let modified = info.st_mtimespec, changed = info.st_ctimespec
        #else
            let modified = info.st_mtim, changed = info.st_ctim
        #endif
        return FileIdentity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int(info.st_size), modified: modified,
            changed: changed)
    }
}
