import Foundation
import Plaza
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thrown when the reader of standard output has gone away (`plaza query … | head`): the command
/// stops quietly with success.
struct OutputClosed: Error {}

/// Buffered writes to a file descriptor; a closed pipe (EPIPE) becomes `OutputClosed`.
///
/// `@unchecked Sendable`: the buffer is only touched with `lock` held.
final class OutputStream: @unchecked Sendable {
    private let lock = NSLock()
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 16

    /// Standard output.
    static let standardOutput = OutputStream(descriptor: 1)
    /// Standard error.
    static let standardError = OutputStream(descriptor: 2)

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(flushThreshold)
    }

    /// Queues `text`, writing when the buffer is full.
    func write(_ text: String) throws(OutputClosed) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { try flushLocked() }
    }

    /// Queues `text` and a line break.
    func writeLine(_ text: String) throws(OutputClosed) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushThreshold { try flushLocked() }
    }

    /// Writes everything queued.
    func flush() throws(OutputClosed) {
        lock.lock()
        defer { lock.unlock() }
        try flushLocked()
    }

    private func flushLocked() throws(OutputClosed) {
        var start = 0
        let failed: Bool = buffer.withUnsafeBytes { bytes in
            while start < bytes.count {
                let written = Glibc_write(descriptor, bytes.baseAddress! + start, bytes.count - start)
                if written < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                start += written
            }
            return false
        }
        buffer.removeAll(keepingCapacity: true)
        if failed { throw OutputClosed() }
    }

    /// Whether the descriptor is a terminal.
    var isTerminal: Bool { isatty(descriptor) == 1 }

    /// The terminal's width in columns, or nil when it is not a terminal.
    var terminalWidth: Int? {
        var size = winsize()
        guard isTerminal, ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(fd, pointer, count)
    #else
        return Darwin.write(fd, pointer, count)
    #endif
}

/// Writes a message to standard error at once, ignoring failures.
/// Prints a Plaza error as `Error: message` (with the caret diagram for SQL), the form analysts
/// know from the shells; only an internal error keeps its kind, since it asks for a bug report.
func printError(_ error: PlazaError) {
    if error.kind == .internal {
        printError("Error: " + error.description)
    } else {
        printError("Error: " + error.message)
    }
}

func printError(_ text: String) {
    let stream = OutputStream.standardError
    try? stream.writeLine(text)
    try? stream.flush()
}

/// Runs `body` for each table of `names`, writing the line it returns; a table that fails has its
/// error printed and the others still run. Throws at the end when any failed, saying
/// "N of M tables <failure>: names".
func forEachTable(
    _ names: [String], failure: String, _ body: (String) throws(PlazaError) -> String
) throws {
    let output = OutputStream.standardOutput
    var failed: [String] = []
    for name in names {
        let line: String
        do {
            line = try body(name)
        } catch {
            try output.flush()
            printError(error)
            failed.append(name)
            continue
        }
        try output.writeLine(line)
    }
    if !failed.isEmpty {
        throw CommandFailure(
            message: "\(failed.count) of \(names.count) tables \(failure): " + failed.joined(separator: ", "))
    }
}
