import PlazaCore
import PlazaVector

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
///
/// With `Options.encodingThreads`, filled row groups are encoded and compressed on threads of
/// their own while the next one fills (`RowGroupPipeline`); the file is byte for byte the one
/// written without them.
package final class ParquetWriter {
    /// How to write.
    package struct Options: Sendable {
        /// Page compression: `.uncompressed`, `.snappy` or `.zstd`.
        package var codec: ParquetCodec
        /// Rows per row group (the unit of pruning and of parallel reads).
        package var rowGroupRows: Int
        /// Rows per data page.
        package var pageRows: Int
        /// Threads that encode filled row groups while the caller fills the next, holding at
        /// most twice as many row groups in memory; 0 encodes each row group when it fills,
        /// before `write` returns.
        package var encodingThreads: Int

        /// Creates options; the defaults are Zstd, row groups of 122,880 rows, pages of 16,384
        /// and no encoding threads.
        package init(
            codec: ParquetCodec = .zstd, rowGroupRows: Int = 122_880, pageRows: Int = 16_384, encodingThreads: Int = 0
        ) {
            self.codec = codec
            self.rowGroupRows = rowGroupRows
            self.pageRows = pageRows
            self.encodingThreads = encodingThreads
        }
    }

    /// The final path.
    package let path: String
    /// The columns written.
    package let schema: Schema
    /// The options.
    package let options: Options
    private let file: ParquetOutputFile
    private let pipeline: RowGroupPipeline
    private var buffered: [ColumnVector]
    private var bufferedRows = 0

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
        file = try ParquetOutputFile(path: path)
        pipeline = RowGroupPipeline(schema: schema, options: options, file: file, threads: options.encodingThreads)
        buffered = Self.emptyBuffers(schema)
        do throws(ParquetError) { try file.append(Array("PAR1".utf8)) } catch {
            abandon()
            throw error
        }
    }

    deinit { if file.isOpen { abandon() } }

    private static func emptyBuffers(_ schema: Schema) -> [ColumnVector] {
        schema.fields.map { ColumnVector(type: $0.type, capacity: ColumnVector.batchCapacity) }
    }

    /// Appends the live rows of `batch` (columns in schema order; selections are applied).
    ///
    /// A dictionary vector's codes are kept while every batch of the row group brings the same
    /// dictionary (a table scan's row group does), so the encoder hashes each distinct value
    /// once rather than every row's; other dictionary vectors are flattened.
    /// - Throws: `ParquetError` for a batch of the wrong shape, or a failure writing an earlier
    ///   row group.
    package func write(_ batch: Batch) throws(ParquetError) {
        guard file.isOpen else { throw ParquetError(.invalidArgument, "the writer is finished", path: path) }
        guard batch.columns.count == schema.count else {
            throw ParquetError(
                .invalidArgument, "a batch of \(batch.columns.count) columns for \(schema.count)", path: path)
        }
        let rows: [Int32] = batch.selection.map { Array($0.buffer) } ?? (0..<Int32(batch.count)).map { $0 }
        var flats = [ColumnVector?](repeating: nil, count: batch.columns.count)
        var start = 0
        while start < rows.count {
            let take = min(rows.count - start, options.rowGroupRows - bufferedRows)
            rows.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[start..<(start + take)])
                for (column, source) in batch.columns.enumerated() {
                    append(slice, of: source, flat: &flats[column], toColumn: column)
                }
            }
            bufferedRows += take
            start += take
            if bufferedRows == options.rowGroupRows { try flushRowGroup(isLast: false) }
        }
    }

    /// Appends rows `rows` of `source` to the buffer of column `column`: as codes when the buffer
    /// holds codes of the same dictionary (or is empty), else as values (`flat` caches the
    /// flattened `source` for the batch's other row groups).
    private func append(
        _ rows: UnsafeBufferPointer<Int32>, of source: ColumnVector, flat: inout ColumnVector?, toColumn column: Int
    ) {
        var target = buffered[column]
        if let dictionary = source.dictionary, keepsCodes(of: dictionary, for: target) {
            if target.count == 0 && !target.isDictionary { target.makeDictionary(dictionary, count: 0) }
            if target.dictionary === dictionary {
                makeRoom(target, rows.count)
                target.appendRows(of: source, rows)
                return
            }
        }
        if target.isDictionary {
            // Codes of another dictionary arrive: the row group's values are written flat.
            target = target.flattened()
            buffered[column] = target
        }
        if flat == nil { flat = source.flattened() }
        makeRoom(target, rows.count)
        target.appendRows(of: flat!, rows)
    }

    /// Whether codes of `dictionary` are kept in `target`: a flat dictionary of the column's
    /// type without NULLs and not much larger than a row group (the encoder maps every entry).
    private func keepsCodes(of dictionary: ColumnVector, for target: ColumnVector) -> Bool {
        dictionary.type == target.type && target.physicalType != .uint8 && !dictionary.isDictionary
            && !dictionary.hasNulls
            && dictionary.count <= max(options.rowGroupRows, ColumnChunkEncoder.maxDictionaryEntries)
    }

    /// Grows `vector` geometrically (up to a row group) so that `extra` more rows fit.
    private func makeRoom(_ vector: ColumnVector, _ extra: Int) {
        let needed = vector.count + extra
        if needed > vector.capacity { vector.reserve(max(needed, min(options.rowGroupRows, vector.capacity * 2))) }
    }

    private func flushRowGroup(isLast: Bool) throws(ParquetError) {
        guard bufferedRows > 0 else { return }
        let columns = buffered
        let rows = bufferedRows
        bufferedRows = 0
        buffered = []
        let spare = try pipeline.submit(columns, rows: rows, isLast: isLast)
        buffered = isLast ? [] : spare ?? Self.emptyBuffers(schema)
    }

    /// Writes the last row group and the footer, syncs, and renames the file to `path`.
    /// - Throws: `ParquetError`; the temporary file is then removed.
    package func finish() throws(ParquetError) {
        guard file.isOpen else { throw ParquetError(.invalidArgument, "the writer is finished", path: path) }
        do throws(ParquetError) {
            try flushRowGroup(isLast: true)
            let rowGroups = try pipeline.drain()
            let rows = rowGroups.reduce(0) { $0 + $1.rows }
            let footer = ParquetFooterEncoder(schema: schema, rowGroups: rowGroups, rows: rows).encode()
            let length = UInt32(footer.count)
            let trailer = withUnsafeBytes(of: length.littleEndian) { Array($0) } + Array("PAR1".utf8)
            try file.append(footer + trailer)
            try file.complete()
        } catch {
            abandon()
            throw error
        }
    }

    /// Stops writing and removes the temporary file; the final path is untouched.
    package func abandon() {
        pipeline.stop()
        file.remove()
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
