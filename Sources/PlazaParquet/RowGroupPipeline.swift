import Dispatch
import PlazaCore
import PlazaVector

/// Encodes and compresses filled row groups' column chunks on threads of its own while the
/// writer fills the next row group, and appends each finished row group to the file in order.
///
/// The work is one task per column chunk, taken in row group order by `threads` threads and by
/// the submitting thread whenever it has to wait. At most `2 × threads` row groups are submitted
/// and not yet written; `submit` waits past that, which bounds memory when encoding is slower
/// than the rows arrive. Whoever finishes the next row group in order appends it and any later
/// ones already finished, so the file is the one a single thread would write, byte for byte.
///
/// With no threads, `submit` encodes the row group's columns at once through
/// `DispatchQueue.concurrentPerform` and writes it before returning (nothing in flight).
final class RowGroupPipeline: @unchecked Sendable {
    // Safe to share: every mutable property is read and written under `lock`, except `file`,
    // which only the holder of the writing turn (`isWriting`) touches until every thread is joined.

    /// A submitted row group: its buffered columns and, as they finish, its encoded chunks.
    private final class Group {
        let number: Int
        let columns: [ColumnVector]
        let rows: Int
        var chunks: [(bytes: [UInt8], chunk: WrittenColumnChunk)?]
        var remaining: Int

        init(number: Int, columns: [ColumnVector], rows: Int) {
            self.number = number
            self.columns = columns
            self.rows = rows
            chunks = Array(repeating: nil, count: columns.count)
            remaining = columns.count
        }
    }

    private let schema: Schema
    private let options: ParquetWriter.Options
    private let file: ParquetOutputFile
    private let threadCount: Int
    private let maxInFlight: Int
    private let lock = Monitor()
    private var threads: [PlainThread] = []
    private var groups: [Int: Group] = [:]
    private var tasks: [(group: Group, column: Int)] = []
    private var nextTask = 0
    private var submitted = 0
    private var nextToWrite = 0
    private var isWriting = false
    private var isStopping = false
    private var failure: ParquetError?
    private var written: [WrittenRowGroup] = []
    /// Buffers of written row groups, emptied, for the writer to fill again.
    private var spare: [[ColumnVector]] = []

    /// A pipeline appending to `file` (already holding the leading magic bytes) with `threads`
    /// threads, started when the first row group is submitted.
    init(schema: Schema, options: ParquetWriter.Options, file: ParquetOutputFile, threads: Int) {
        self.schema = schema
        self.options = options
        self.file = file
        threadCount = max(0, threads)
        maxInFlight = 2 * max(1, threads)
    }

    /// Hands over a filled row group (`rows` rows in `columns`, schema order), then waits,
    /// helping to encode, while `2 × threads` row groups are in flight.
    /// - Parameter isLast: no row group follows; without threads started yet, it is encoded at once.
    /// - Returns: emptied buffers of an earlier row group to fill next, if any.
    /// - Throws: the first `ParquetError` of writing the file.
    func submit(_ columns: [ColumnVector], rows: Int, isLast: Bool) throws(ParquetError) -> [ColumnVector]? {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        let group = Group(number: submitted, columns: columns, rows: rows)
        submitted += 1
        groups[group.number] = group
        if threadCount == 0 || (isLast && threads.isEmpty) {
            // Nothing in flight (every earlier row group is written): encode it now, all columns at once.
            lock.unlock()
            let results = encodeAll(group)
            lock.lock()
            group.chunks = results
            group.remaining = 0
            writeReady()
        } else {
            if threads.isEmpty { startThreads() }
            for column in columns.indices { tasks.append((group, column)) }
            lock.broadcast()
            while submitted - nextToWrite >= maxInFlight && failure == nil { helpOrWait() }
        }
        if let failure { throw failure }
        return spare.popLast()
    }

    /// Waits, helping, until every submitted row group is written, then stops the threads.
    /// - Returns: the row groups written, in order.
    /// - Throws: the first `ParquetError` of writing the file.
    func drain() throws(ParquetError) -> [WrittenRowGroup] {
        lock.lock()
        while nextToWrite < submitted && failure == nil && !isStopping { helpOrWait() }
        let failure = self.failure
        let written = self.written
        lock.unlock()
        stop()
        if let failure { throw failure }
        return written
    }

    /// Stops and joins the threads; row groups not yet written are dropped. Safe to call twice.
    func stop() {
        lock.lock()
        isStopping = true
        tasks.removeAll()
        nextTask = 0
        let running = threads
        threads = []
        lock.broadcast()
        lock.unlock()
        for thread in running { thread.join() }
    }

    /// Every column of `group` encoded, on Dispatch's threads.
    private func encodeAll(_ group: Group) -> [(bytes: [UInt8], chunk: WrittenColumnChunk)?] {
        var results = [(bytes: [UInt8], chunk: WrittenColumnChunk)?](repeating: nil, count: group.columns.count)
        results.withUnsafeMutableBufferPointer { results in
            let shared = UncheckedBox((results, self, group))
            DispatchQueue.concurrentPerform(iterations: group.columns.count) { column in
                let (results, pipeline, group) = shared.value
                results[column] = pipeline.encode(group, column)
            }
        }
        return results
    }

    /// Column `column` of `group`, encoded as if it started at offset 0.
    private func encode(_ group: Group, _ column: Int) -> (bytes: [UInt8], chunk: WrittenColumnChunk) {
        ColumnChunkEncoder(
            field: schema.fields[column], values: group.columns[column], codec: options.codec,
            pageRows: options.pageRows
        ).encode(at: 0)
    }

    private func startThreads() {
        for _ in 0..<threadCount {
            // The threads hold the pipeline, not the writer: a writer dropped unfinished still
            // deinitializes, and its abandon() stops them.
            if let thread = PlainThread.start({ [self] in work() }) { threads.append(thread) }
        }
    }

    /// A thread's loop: run tasks until stopped.
    private func work() {
        lock.lock()
        while !isStopping {
            if nextTask < tasks.count {
                runNextTask()
            } else {
                lock.wait()
            }
        }
        lock.unlock()
    }

    /// Under the lock: runs a queued task if there is one, else waits for a change.
    private func helpOrWait() {
        if nextTask < tasks.count {
            runNextTask()
        } else {
            lock.wait()
        }
    }

    /// Under the lock (released while encoding): encodes the next queued chunk and, when that
    /// completes the next row group in order, writes what is ready.
    private func runNextTask() {
        let (group, column) = tasks[nextTask]
        nextTask += 1
        if nextTask == tasks.count {
            tasks.removeAll(keepingCapacity: true)
            nextTask = 0
        }
        lock.unlock()
        let result = encode(group, column)
        lock.lock()
        group.chunks[column] = result
        group.remaining -= 1
        if group.remaining == 0 && group.number == nextToWrite { writeReady() }
    }

    /// Under the lock: appends every finished row group that is next in order. One thread at a
    /// time holds the writing turn; the lock is released while it writes.
    private func writeReady() {
        guard !isWriting else { return }
        isWriting = true
        while !isStopping && failure == nil, let group = groups[nextToWrite], group.remaining == 0 {
            lock.unlock()
            var chunks: [WrittenColumnChunk] = []
            var error: ParquetError?
            do throws(ParquetError) {
                for encoded in group.chunks {
                    guard let encoded else { preconditionFailure("a finished row group lacks a chunk") }
                    var chunk = encoded.chunk
                    chunk.shift(by: file.offset)
                    try file.append(encoded.bytes)
                    chunks.append(chunk)
                }
            } catch let failed {
                error = failed
            }
            for vector in group.columns { vector.reset() }
            lock.lock()
            if let error {
                failure = failure ?? error
            } else {
                written.append(WrittenRowGroup(rows: group.rows, columns: chunks))
            }
            groups[group.number] = nil
            spare.append(group.columns)
            nextToWrite += 1
            lock.broadcast()
        }
        isWriting = false
    }
}
