#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import PlazaCore
import PlazaVector
import Synchronization

/// Tuning of a segment file's layout (Formats/plaza-file-format.md §4).
@usableFromInline package struct SegmentWriterOptions: Sendable, Hashable {
    /// Rows per row group (the last one may hold fewer); 1 … 2^24. Default 122,880 (60 × 2,048).
    package var rowGroupSize: Int
    /// Values per block: a multiple of 2,048 up to 65,536. Default 2,048, one batch.
    package var blockSize: Int
    /// Threads that encode a row group's columns at once; nil uses every core. The file's bytes
    /// do not depend on it.
    package var encodingThreads: Int?

    /// Creates options; `precondition`s the ranges above (a bug in the caller, not bad input).
    package init(rowGroupSize: Int = 122_880, blockSize: Int = 2_048, encodingThreads: Int? = nil) {
        precondition(rowGroupSize >= 1 && rowGroupSize <= SegmentFormat.maxRowGroupSize, "row group size out of range")
        precondition(
            blockSize >= 2_048 && blockSize % 2_048 == 0 && blockSize <= SegmentFormat.maxBlockSize,
            "block size must be a multiple of 2,048 up to 65,536")
        self.rowGroupSize = rowGroupSize
        self.blockSize = blockSize
        self.encodingThreads = encodingThreads.map { max(1, $0) }
    }
}

/// What a finished segment file holds.
@usableFromInline package struct SegmentSummary: Sendable, Hashable {
    /// Rows written.
    package var rowCount: Int
    /// Row groups written.
    package var rowGroupCount: Int
    /// The file's size in bytes.
    package var byteCount: Int

    /// Creates a summary.
    package init(rowCount: Int, rowGroupCount: Int, byteCount: Int) {
        self.rowCount = rowCount
        self.rowGroupCount = rowGroupCount
        self.byteCount = byteCount
    }
}

/// Writes one segment file (Formats/plaza-file-format.md): batches in, row groups of encoded
/// blocks out, then the footer. The bytes depend only on the rows, schema and options.
///
/// ```swift
/// let writer = try SegmentWriter(path: "t/000001.plz", schema: schema)
/// try writer.append(batch)
/// let summary = try writer.finish()
/// ```
/// Buffers at most one row group. Not for concurrent use.
@usableFromInline package final class SegmentWriter {
    /// The file being written.
    package let path: String
    /// The columns, in order.
    package let schema: Schema
    /// The layout options.
    package let options: SegmentWriterOptions
    private var fd: Int32
    private var buffers: [ColumnVector]
    private var buffered = 0
    private var offset = 0
    private var rowGroups: [RowGroupEntry] = []
    private var rowCount = 0
    private var isFinished = false
    /// Per string column, its rows' distinct strings while they arrive as dictionary vectors
    /// (created at the first such row group; nil for other columns).
    private var coded: [CodedStrings?]
    /// One chunk writer (with its scratch buffers) per thread encoding columns.
    private var chunkWriters = [ChunkWriter()]
    /// The threads that encode a row group's columns at once: every core.
    private static let encodingThreads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Creates (or truncates) the file at `path` and writes the header (§3).
    ///
    /// - Throws: `.invalidArgument` for a column type a table cannot store (INTERVAL, NULL) or a
    ///   DECIMAL precision over 38; `.io` when the file cannot be created or written.
    package init(path: String, schema: Schema, options: SegmentWriterOptions = .init()) throws(FormatError) {
        self.path = path
        self.schema = schema
        self.options = options
        for field in schema.fields {
            guard TypeCode.code(of: field.type) != nil else {
                throw FormatError(
                    .invalidArgument, "type \(field.type) cannot be stored", path: path, column: field.name)
            }
            if case .decimal(let p, let s) = field.type,
                p < 1 || p > DataType.maxDecimalPrecision || s < 0 || s > p
            {
                throw FormatError(
                    .invalidArgument, "DECIMAL(\(p),\(s)) is outside precision 1…38", path: path, column: field.name)
            }
        }
        buffers = schema.fields.map { ColumnVector(type: $0.type, capacity: options.rowGroupSize) }
        coded = [CodedStrings?](repeating: nil, count: schema.count)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FormatError(.io, "cannot create the file: \(errnoText())", path: path) }
        var header = ByteWriter()
        header.raw(SegmentFormat.headerMagic)
        header.u16(SegmentFormat.majorVersion)
        header.u16(minorVersion)
        header.u32(0)
        try writeAll(header.bytes)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends the rows of `batch`: flat or dictionary columns in schema order and of its types, no
    /// selection. Encodes and writes a row group each time one fills.
    ///
    /// - Throws: `.invalidArgument` for a batch that does not match the schema, or after `finish`;
    ///   `.io` when writing fails.
    package func append(_ batch: Batch) throws(FormatError) {
        guard !isFinished else { throw FormatError(.invalidArgument, "append after finish", path: path) }
        guard batch.selection == nil else {
            throw FormatError(.invalidArgument, "batch has a selection vector; compact it first", path: path)
        }
        guard batch.columns.count == schema.count else {
            throw FormatError(
                .invalidArgument, "batch has \(batch.columns.count) columns, the schema \(schema.count)", path: path)
        }
        var sources: [ColumnVector] = []
        for (index, column) in batch.columns.enumerated() {
            guard column.type == schema.fields[index].type, column.count >= batch.count else {
                throw FormatError(
                    .invalidArgument,
                    "column of type \(column.type) with \(column.count) rows where \(schema.fields[index].type) with \(batch.count) rows is expected",
                    path: path, column: schema.fields[index].name)
            }
            // Text stays dictionary-coded: its distinct strings are then found once per entry.
            sources.append(column.isDictionary && column.physicalType == .string ? column : column.flattened())
        }
        var start = 0
        while start < batch.count {
            let take = min(batch.count - start, options.rowGroupSize - buffered)
            for (index, source) in sources.enumerated() {
                if source.isDictionary {
                    try copyCodedRows(source, start, take, column: index)
                } else if source.physicalType == .string, let value = Self.repeatedValue(source, start, take) {
                    try copyRepeatedRows(source, value, start, take, column: index)
                } else {
                    coded[index]?.giveUp(materializingInto: buffers[index])
                    try copyRows(source, start, take, into: buffers[index], column: schema.fields[index].name)
                }
            }
            buffered += take
            start += take
            if buffered == options.rowGroupSize { try flushRowGroup() }
        }
    }

    /// The lowest minor version with every type of the schema (§1): 1.1 only for a wide DECIMAL,
    /// so files without one keep the bytes a 1.0 writer gave them.
    private var minorVersion: UInt16 {
        schema.fields.contains { $0.type.isWideDecimal }
            ? SegmentFormat.wideDecimalMinorVersion : SegmentFormat.minorVersion
    }

    /// Writes the last row group, the footer and the trailer (§6), then flushes the file to disk
    /// unless `syncing` is false (a caller that fsyncs it later, together with other files).
    ///
    /// - Throws: `.io` when writing or syncing fails; `.invalidArgument` when called twice.
    package func finish(syncing: Bool = true) throws(FormatError) -> SegmentSummary {
        guard !isFinished else { throw FormatError(.invalidArgument, "finish called twice", path: path) }
        if buffered > 0 { try flushRowGroup() }
        isFinished = true
        let footer = SegmentFooter(
            minorVersion: minorVersion, blockSize: options.blockSize, rowCount: rowCount, schema: schema,
            rowGroups: rowGroups
        ).serialized()
        var tail = ByteWriter()
        tail.raw(footer)
        tail.u32(UInt32(footer.count))
        tail.u32(XXHash64.checksum(footer))
        tail.raw(SegmentFormat.trailerMagic)
        try writeAll(tail.bytes)
        guard !syncing || fsync(fd) == 0 else { throw FormatError(.io, "fsync failed: \(errnoText())", path: path) }
        guard close(fd) == 0 else {
            fd = -1
            throw FormatError(.io, "close failed: \(errnoText())", path: path)
        }
        fd = -1
        return SegmentSummary(rowCount: rowCount, rowGroupCount: rowGroups.count, byteCount: offset)
    }

    /// Records rows of a dictionary vector of text by their distinct strings when every row of the
    /// row group so far came that way (no bytes copied); otherwise copies them flat.
    private func copyCodedRows(_ source: ColumnVector, _ start: Int, _ count: Int, column index: Int)
        throws(FormatError)
    {
        if coded[index] == nil && buffered == 0 {
            let fresh = CodedStrings()
            fresh.reset()
            coded[index] = fresh
        }
        if let state = coded[index], state.isUsable, state.rows.count == buffered,
            state.append(source, start, count, into: buffers[index], at: buffered)
        {
            return
        }
        coded[index]?.giveUp(materializingInto: buffers[index])
        try copyRows(source.flattened(), start, count, into: buffers[index], column: schema.fields[index].name)
    }

    /// The bytes every valid row of text rows `start..<start+count` holds, if they are all the
    /// same (an UPDATE's `SET col = 'constant'`); nil when two differ or none is valid. Stops at
    /// the first difference, which varied text meets at once.
    private static func repeatedValue(_ source: ColumnVector, _ start: Int, _ count: Int) -> UnsafeRawBufferPointer? {
        let view = ColumnView(source)
        var first: UnsafeRawBufferPointer?
        for row in start..<(start + count) where view.isValid(row) {
            let b = view.bytes(row)
            guard let value = first else {
                first = b
                continue
            }
            guard b.count == value.count, b.count == 0 || memcmp(b.baseAddress!, value.baseAddress!, b.count) == 0
            else { return nil }
        }
        return first
    }

    /// Records text rows that repeat one value by their distinct string, as `copyCodedRows` does
    /// for dictionary rows; otherwise copies them flat.
    private func copyRepeatedRows(
        _ source: ColumnVector, _ value: UnsafeRawBufferPointer, _ start: Int, _ count: Int, column index: Int
    ) throws(FormatError) {
        if coded[index] == nil && buffered == 0 {
            let fresh = CodedStrings()
            fresh.reset()
            coded[index] = fresh
        }
        if let state = coded[index], state.isUsable, state.rows.count == buffered,
            state.appendRepeated(value, of: source, start, count, into: buffers[index], at: buffered)
        {
            return
        }
        coded[index]?.giveUp(materializingInto: buffers[index])
        try copyRows(source, start, count, into: buffers[index], column: schema.fields[index].name)
    }

    private func copyRows(_ source: ColumnVector, _ start: Int, _ count: Int, into buffer: ColumnVector, column: String)
        throws(FormatError)
    {
        let at = buffered
        if buffer.physicalType == .string {
            // One copy of the rows' contiguous bytes, then rebased offsets (NULL rows included:
            // their bytes are never encoded).
            let first = Int(source.offsets[start]), last = Int(source.offsets[start + count])
            let base = buffer.heapCount
            guard last >= first, base + (last - first) <= Int(Int32.max) else {
                throw FormatError(
                    .invalidArgument, "a row group's strings exceed 2 GiB; use smaller row groups", path: path,
                    column: column)
            }
            buffer.reserveHeap(last - first)
            if last > first { (buffer.heap + base).copyMemory(from: source.heap + first, byteCount: last - first) }
            let shift = Int32(base - first), sourceOffsets = source.offsets, offsets = buffer.offsets
            for i in 1...count { offsets[at + i] = sourceOffsets[start + i] &+ shift }
            buffer.heapCount = base + (last - first)
            buffer.count = at + count
        } else {
            let width = buffer.byteWidth
            (buffer.data + at * width).copyMemory(from: source.data + start * width, byteCount: count * width)
            buffer.count = at + count
        }
        if source.hasNulls {
            for row in 0..<count where !source.isValid(at: start + row) { buffer.setValid(false, at: at + row) }
        }
    }

    private func flushRowGroup() throws(FormatError) {
        // Columns are encoded on every core at once, each into its own bytes from offset 0; every
        // column's first block is 8-aligned, so padding each to 8 and laying them end to end gives
        // the bytes a serial writer would, with the offsets shifted by where each column lands.
        let columns = buffers.count
        let workers = buffered >= 8_192 ? min(columns, options.encodingThreads ?? Self.encodingThreads) : 1
        while chunkWriters.count < workers { chunkWriters.append(ChunkWriter()) }
        var outputs = [ByteWriter](repeating: ByteWriter(), count: columns)
        var encoded = [ChunkEntry?](repeating: nil, count: columns)
        let rows = buffered, blockSize = options.blockSize
        outputs.withUnsafeMutableBufferPointer { outputs in
            encoded.withUnsafeMutableBufferPointer { encoded in
                let shared = EncodingBox((outputs, encoded, buffers, chunkWriters, coded))
                let next = ColumnCounter()
                let encode: @Sendable (Int) -> Void = { worker in
                    let (outputs, encoded, buffers, writers, coded) = shared.value
                    while true {
                        let column = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                        if column >= columns { return }
                        encoded[column] = writers[worker].write(
                            buffers[column], rows: rows, blockSize: blockSize, output: &outputs[column], base: 0,
                            coded: coded[column])
                        outputs[column].pad(to: 8)
                    }
                }
                if workers == 1 {
                    encode(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers, execute: encode)
                }
            }
        }
        var chunks: [ChunkEntry] = []
        for column in 0..<columns {
            var chunk = encoded[column]!
            chunk.shift(by: offset)
            chunks.append(chunk)
            try writeAll(outputs[column].bytes)
            buffers[column].reset()
            coded[column]?.reset()
        }
        rowGroups.append(RowGroupEntry(rowCount: buffered, chunks: chunks))
        rowCount += buffered
        buffered = 0
    }

    private func writeAll(_ bytes: [UInt8]) throws(FormatError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError(.io, "write failed: \(errnoText())", path: path, offset: offset + done)
            }
            done += n
        }
        offset += bytes.count
    }
}

/// The text of the current `errno`.
func errnoText() -> String { String(cString: strerror(errno)) }

/// Hands the row group's buffers and disjoint output slots to the encoding threads (each column's
/// slot is written by one thread only; the buffers and writers are not touched by anyone else meanwhile).
private struct EncodingBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The next column to encode, shared by the encoding threads.
private final class ColumnCounter: Sendable {
    let value = Atomic<Int>(0)
}
