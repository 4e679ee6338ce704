import Dispatch
import PlazaCore
import PlazaVector

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes batches to a Parquet file: dictionary (RLE_DICTIONARY) or PLAIN values, RLE
/// definition levels, statistics per row group, and logical types that keep DATE, TIMESTAMP
/// and DECIMAL exact.
///
/// ```swift
/// let writer = try ParquetWriter(path: "out.parquet", schema: schema, options: .init(codec: .zstd))
/// try writer.write(batch)
/// try writer.finish()          // the file appears under its name only now
/// ```
/// The file is written under a temporary name beside `path`, synced and renamed on `finish()`,
/// so a crash or a full disk never leaves a half-written file under the final name.
/// `abandon()` (or deinit without `finish()`) removes the temporary file.
package final class ParquetWriter {
    /// How to write.
    package struct Options: Sendable {
        /// Page compression: `.uncompressed`, `.snappy` or `.zstd`.
        package var codec: ParquetCodec
        /// Rows per row group (the unit of pruning and of parallel reads).
        package var rowGroupRows: Int
        /// Rows per data page.
        package var pageRows: Int

        /// Creates options; the defaults are Zstd, row groups of 122,880 rows and pages of 16,384.
        package init(codec: ParquetCodec = .zstd, rowGroupRows: Int = 122_880, pageRows: Int = 16_384) {
            self.codec = codec
            self.rowGroupRows = rowGroupRows
            self.pageRows = pageRows
        }
    }

    /// The final path.
    package let path: String
    /// The columns written.
    package let schema: Schema
    /// The options.
    package let options: Options
    private let temporaryPath: String
    private var descriptor: Int32
    private var offset = 0
    private var buffered: [ColumnVector]
    private var bufferedRows = 0
    private var rowGroups: [WrittenRowGroup] = []
    private var totalRows = 0

    /// Creates the temporary file beside `path`.
    /// - Throws: `ParquetError` (`.invalidArgument` for a codec the writer does not offer or a
    ///   type Parquet cannot hold, `.io` when the file cannot be created).
    package init(path: String, schema: Schema, options: Options = Options()) throws(ParquetError) {
        guard [.uncompressed, .snappy, .zstd].contains(options.codec) else {
            throw ParquetError(.invalidArgument, "the writer compresses with none, snappy or zstd", path: path)
        }
        guard options.rowGroupRows > 0, options.pageRows > 0 else {
            throw ParquetError(.invalidArgument, "row groups and pages need at least one row", path: path)
        }
        for field in schema.fields where field.type == .interval || field.type == .null {
            throw ParquetError(
                .invalidArgument, "\(field.type) cannot be written to Parquet", path: path, column: field.name)
        }
        self.path = path
        self.schema = schema
        self.options = options
        temporaryPath = path + ".tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw ParquetError(.io, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
        }
        buffered = schema.fields.map { ColumnVector(type: $0.type, capacity: ColumnVector.batchCapacity) }
        do throws(ParquetError) { try append(Array("PAR1".utf8)) } catch {
            abandon()
            throw error
        }
    }

    deinit { if descriptor >= 0 { abandon() } }

    /// Appends the live rows of `batch` (columns in schema order; dictionary vectors and
    /// selections are flattened).
    package func write(_ batch: Batch) throws(ParquetError) {
        guard descriptor >= 0 else { throw ParquetError(.invalidArgument, "the writer is finished", path: path) }
        guard batch.columns.count == schema.count else {
            throw ParquetError(
                .invalidArgument, "a batch of \(batch.columns.count) columns for \(schema.count)", path: path)
        }
        let rows: [Int32] = batch.selection.map { Array($0.buffer) } ?? (0..<Int32(batch.count)).map { $0 }
        let flats = batch.columns.map { $0.flattened() }
        var start = 0
        while start < rows.count {
            let take = min(rows.count - start, options.rowGroupRows - bufferedRows)
            rows.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[start..<(start + take)])
                for (column, flat) in flats.enumerated() { buffered[column].appendRows(of: flat, slice) }
            }
            bufferedRows += take
            start += take
            if bufferedRows == options.rowGroupRows { try flushRowGroup() }
        }
    }

    private func append(_ bytes: [UInt8]) throws(ParquetError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written)
            }
            guard result > 0 else {
                throw ParquetError(
                    .io, "cannot write \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
            }
            written += result
        }
        offset += bytes.count
    }

    private func flushRowGroup() throws(ParquetError) {
        guard bufferedRows > 0 else { return }
        // Columns are encoded and compressed on all cores at once, then written in order (a
        // chunk's offsets depend on what precedes it, so they are set once the sizes are known).
        let columns = buffered.count
        var encoded = [(bytes: [UInt8], chunk: WrittenColumnChunk)?](repeating: nil, count: columns)
        encoded.withUnsafeMutableBufferPointer { results in
            let shared = UncheckedBox((results, buffered, schema, options))
            DispatchQueue.concurrentPerform(iterations: columns) { column in
                let (results, buffered, schema, options) = shared.value
                results[column] = ColumnChunkEncoder(
                    field: schema.fields[column], values: buffered[column], codec: options.codec,
                    pageRows: options.pageRows
                ).encode(at: 0)
            }
        }
        var chunks: [WrittenColumnChunk] = []
        for (column, vector) in buffered.enumerated() {
            var (bytes, chunk) = encoded[column]!
            chunk.shift(by: offset)
            try append(bytes)
            chunks.append(chunk)
            vector.reset()
        }
        rowGroups.append(WrittenRowGroup(rows: bufferedRows, columns: chunks))
        totalRows += bufferedRows
        bufferedRows = 0
    }

    /// Writes the last row group and the footer, syncs, and renames the file to `path`.
    package func finish() throws(ParquetError) {
        guard descriptor >= 0 else { throw ParquetError(.invalidArgument, "the writer is finished", path: path) }
        do throws(ParquetError) {
            try flushRowGroup()
            let footer = ParquetFooterEncoder(schema: schema, rowGroups: rowGroups, rows: totalRows).encode()
            let length = UInt32(footer.count)
            let trailer = withUnsafeBytes(of: length.littleEndian) { Array($0) } + Array("PAR1".utf8)
            try append(footer + trailer)
            guard fsync(descriptor) == 0 else {
                throw ParquetError(.io, "cannot sync \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
            }
            close(descriptor)
            descriptor = -1
            guard rename(temporaryPath, path) == 0 else {
                throw ParquetError(.io, "cannot rename to \(path): \(String(cString: strerror(errno)))", path: path)
            }
        } catch {
            abandon()
            throw error
        }
        // Sync the directory so the rename itself survives a crash.
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let handle = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if handle >= 0 {
            _ = fsync(handle)
            close(handle)
        }
    }

    /// Stops writing and removes the temporary file; the final path is untouched.
    package func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }
}

/// A column chunk as written: where it is and what the footer says of it.
struct WrittenColumnChunk {
    var physicalType: ParquetPhysicalType
    var codec: ParquetCodec
    var encodings: [ParquetEncoding]
    var valueCount: Int
    var uncompressedSize: Int
    var compressedSize: Int
    var dataPageOffset: Int
    var dictionaryPageOffset: Int?
    var statistics: ParquetStatistics

    /// Moves the chunk's page offsets by `distance` (it was encoded as if at offset 0).
    mutating func shift(by distance: Int) {
        dataPageOffset += distance
        dictionaryPageOffset = dictionaryPageOffset.map { $0 + distance }
    }
}

/// A row group as written.
struct WrittenRowGroup {
    var rows: Int
    var columns: [WrittenColumnChunk]
}

/// Hands values to `DispatchQueue.concurrentPerform` workers that only read them (or write
/// disjoint slots of a buffer).
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
