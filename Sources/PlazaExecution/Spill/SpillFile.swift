#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import PlazaCore
import PlazaVector

// The C calls under names the classes' own `close()` cannot shadow (Glibc or Darwin alike).
private func posixClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
private func posixRead(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, bytes, count)
}

/// A directory of temporary files for one spilling operator, removed with everything in it by
/// `remove()` (operators call it in a `defer`, so it goes when the query ends, fails or is cancelled).
package final class SpillDirectory: @unchecked Sendable {
    // Safe to share: `path` is immutable; file names come from an atomic-free per-caller scheme
    // (each writer passes its own worker and partition numbers).
    /// The directory's path.
    let path: String

    /// Creates a fresh directory under `parent` (the database's temporary directory, or the
    /// system's when nil).
    init(parent: String?, operatorName: String) throws(ExecutionError) {
        let base = parent ?? FileManager.default.temporaryDirectory.path
        let name = Self.namePrefix + "\(getpid())-" + String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        path = base + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ExecutionError(
                .storage(underlying: error), "\(operatorName) could not create its temporary directory \(path)")
        }
    }

    /// The path of file `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and its files; errors are ignored (nothing useful can be done).
    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Every spill directory's name starts with this, then the owning process id and a dash.
    static let namePrefix = "plaza-spill-"

    /// Removes the spill directories under `parent` of processes that no longer run: a query removes
    /// its own when it ends, so only a killed process leaves one behind.
    package static func removeAbandoned(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(namePrefix) {
            guard let pid = Int32(name.dropFirst(namePrefix.count).prefix { $0 != "-" }) else { continue }
            // kill(pid, 0) probes without signalling; ESRCH means no such process.
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: parent + "/" + name) }
        }
    }
}

/// Appends batches to one temporary file in a simple self-describing layout, through a buffer.
///
/// Layout of a batch: UInt32 magic `0x50534231`, Int32 rows, Int32 columns; per column a UInt8
/// (1 when a validity bitmap follows), the bitmap's words, then the values: `rows × width` bytes
/// for fixed width, or `rows + 1` Int32 offsets, an Int64 byte count and the UTF-8 bytes.
final class SpillWriter {
    static let magic: UInt32 = 0x5053_4231
    let path: String
    private let descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    private let bufferCapacity = 1 << 16
    private var buffered = 0
    /// Bytes written so far (including the buffer).
    private(set) var bytesWritten = 0
    /// Rows written so far.
    private(set) var rowsWritten = 0
    private var isClosed = false

    init(path: String) throws(ExecutionError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if descriptor < 0 { throw SpillWriter.failure("create", path) }
        buffer = .allocate(byteCount: bufferCapacity, alignment: 16)
    }

    deinit {
        if !isClosed { _ = posixClose(descriptor) }
        buffer.deallocate()
    }

    /// Writes the rows of `batch` (compacted and flattened first).
    func append(_ input: Batch) throws(ExecutionError) {
        let batch = input.compacted()
        if batch.count == 0 { return }
        let rows = batch.count
        try put(SpillWriter.magic)
        try put(Int32(rows))
        try put(Int32(batch.columns.count))
        for raw in batch.columns {
            let column = raw.flattened()
            try put(UInt8(column.hasNulls ? 1 : 0))
            if column.hasNulls {
                try write(UnsafeRawPointer(column.validityWords), ValidityBitmap.wordCount(for: rows) * 8)
            }
            if column.physicalType == .string {
                let offsets = column.offsets
                let base = Int(offsets[0])
                if base == 0 {
                    try write(UnsafeRawPointer(offsets), (rows + 1) * 4)
                } else {
                    for row in 0...rows { try put(offsets[row] - Int32(base)) }
                }
                let length = Int(offsets[rows]) - base
                try put(Int64(length))
                try write(UnsafeRawPointer(column.heap + base), length)
            } else {
                try write(UnsafeRawPointer(column.data), rows * column.byteWidth)
            }
        }
        rowsWritten += rows
    }

    /// Flushes and closes the file.
    func close() throws(ExecutionError) {
        if isClosed { return }
        try flush()
        isClosed = true
        if posixClose(descriptor) != 0 { throw SpillWriter.failure("close", path) }
    }

    private func put<T>(_ value: T) throws(ExecutionError) {
        var copy = value
        try withUnsafeBytes(of: &copy) { (bytes) throws(ExecutionError) in try write(bytes.baseAddress!, bytes.count) }
    }

    private func write(_ source: UnsafeRawPointer, _ count: Int) throws(ExecutionError) {
        if count == 0 { return }
        bytesWritten += count
        if buffered + count > bufferCapacity { try flush() }
        if count > bufferCapacity {
            try writeFully(source, count)
            return
        }
        (buffer + buffered).copyMemory(from: source, byteCount: count)
        buffered += count
    }

    private func flush() throws(ExecutionError) {
        if buffered == 0 { return }
        try writeFully(UnsafeRawPointer(buffer), buffered)
        buffered = 0
    }

    private func writeFully(_ source: UnsafeRawPointer, _ count: Int) throws(ExecutionError) {
        var done = 0
        while done < count {
            let n = posixWrite(descriptor, source + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw SpillWriter.failure("write", path)
            }
            done += n
        }
    }

    @inline(never)
    static func failure(_ action: String, _ path: String) -> ExecutionError {
        let reason = String(cString: strerror(errno))
        return ExecutionError(
            .storage(underlying: SpillFileError(path: path, reason: reason)),
            "could not \(action) the temporary file \(path)")
    }
}

/// Why a temporary (spill) file could not be written or read back.
package struct SpillFileError: Error, CustomStringConvertible {
    /// The file.
    package let path: String
    /// What went wrong.
    package let reason: String
    package var description: String { "\(path): \(reason)" }
}

/// Reads back the batches a `SpillWriter` wrote, one at a time, through a window that holds
/// about one batch (the file is never read whole).
final class SpillReader {
    let path: String
    let types: [DataType]
    private let descriptor: Int32
    private var window: UnsafeMutableRawPointer
    private var windowCapacity = 1 << 16
    /// Bytes of the window holding file data, and the read position inside it.
    private var filled = 0
    private var position = 0
    /// File offset of the window's first byte.
    private var windowStart = 0
    private var atEnd = false

    /// Opens `path`, whose batches have columns of `types`.
    init(path: String, types: [DataType]) throws(ExecutionError) {
        self.path = path
        self.types = types
        descriptor = open(path, O_RDONLY)
        if descriptor < 0 { throw SpillWriter.failure("open", path) }
        window = .allocate(byteCount: windowCapacity, alignment: 16)
    }

    deinit {
        _ = posixClose(descriptor)
        window.deallocate()
    }

    /// The next batch, or nil at the end of the file.
    func next() throws(ExecutionError) -> Batch? {
        try ensure(1)
        if filled == position { return nil }
        guard try take(UInt32.self) == SpillWriter.magic else { throw damaged("bad batch marker") }
        let rows = Int(try take(Int32.self))
        let columnCount = Int(try take(Int32.self))
        guard rows > 0, columnCount == types.count else { throw damaged("bad batch header") }
        var columns: [ColumnVector] = []
        columns.reserveCapacity(columnCount)
        for type in types {
            let column = ColumnVector(type: type, capacity: rows)
            let hasNulls = try take(UInt8.self) != 0
            if hasNulls {
                let words = ValidityBitmap.wordCount(for: rows)
                column.setValid(false, at: 0)  // creates the bitmap, then overwritten
                try copy(words * 8, to: UnsafeMutableRawPointer(column.validityWords))
            }
            if column.physicalType == .string {
                try copy((rows + 1) * 4, to: UnsafeMutableRawPointer(column.offsets))
                let length = Int(try take(Int64.self))
                let offsets = column.offsets
                guard length >= 0, offsets[0] == 0, Int(offsets[rows]) == length else {
                    throw damaged("bad string offsets")
                }
                for row in 0..<rows where offsets[row] > offsets[row + 1] { throw damaged("bad string offsets") }
                column.reserveHeap(length)
                try copy(length, to: column.heap)
                column.setHeapCount(length)
            } else {
                try copy(rows * column.byteWidth, to: column.data)
            }
            column.setCount(rows)
            columns.append(column)
        }
        return Batch(columns: columns, count: rows)
    }

    /// Makes `count` bytes from the read position available in the window (fewer only at the end).
    private func ensure(_ count: Int) throws(ExecutionError) {
        if filled - position >= count || atEnd { return }
        let remaining = filled - position
        if count > windowCapacity {
            var capacity = windowCapacity
            while capacity < count { capacity *= 2 }
            let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            larger.copyMemory(from: window + position, byteCount: remaining)
            window.deallocate()
            window = larger
            windowCapacity = capacity
        } else if remaining > 0 {
            window.copyMemory(from: window + position, byteCount: remaining)
        }
        windowStart += position
        position = 0
        filled = remaining
        while filled < count {
            let n = posixRead(descriptor, window + filled, windowCapacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw SpillWriter.failure("read", path)
            }
            if n == 0 {
                atEnd = true
                return
            }
            filled += n
        }
    }

    /// Copies `count` bytes to `target`, straight from the file past what the window holds.
    private func copy(_ count: Int, to target: UnsafeMutableRawPointer) throws(ExecutionError) {
        guard count >= 0 else { throw damaged("negative length") }
        if count <= windowCapacity {
            try ensure(count)
            guard filled - position >= count else { throw damaged("truncated") }
            if count > 0 { target.copyMemory(from: window + position, byteCount: count) }
            position += count
            return
        }
        let buffered = filled - position
        if buffered > 0 { target.copyMemory(from: window + position, byteCount: buffered) }
        windowStart += filled
        position = 0
        filled = 0
        var done = buffered
        while done < count {
            let n = posixRead(descriptor, target + done, count - done)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SpillWriter.failure("read", path) }
            if n == 0 { throw damaged("truncated") }
            done += n
        }
        windowStart += count - buffered
    }

    private func take<T>(_: T.Type) throws(ExecutionError) -> T {
        let size = MemoryLayout<T>.size
        try ensure(size)
        guard filled - position >= size else { throw damaged("truncated") }
        defer { position += size }
        return (window + position).loadUnaligned(as: T.self)
    }

    private func damaged(_ what: String) -> ExecutionError {
        ExecutionError(
            .storage(underlying: SpillFileError(path: path, reason: what)),
            "the temporary file \(path) is damaged near byte \(windowStart + position) (\(what))")
    }
}
