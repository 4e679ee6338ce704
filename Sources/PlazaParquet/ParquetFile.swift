import PlazaCore
import PlazaVector

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open Parquet file with a flat schema: its columns as Plaza types, row groups and statistics.
///
/// ```swift
/// let file = try ParquetFile(path: "reportes.parquet")
/// let cursor = try file.openRowGroup(0, columns: [0, 2])
/// let batch = Batch(types: [file.schema.fields[0].type, file.schema.fields[2].type])
/// while try cursor.next(into: batch) { … }
/// ```
/// The file is memory-mapped and the footer decoded once; reading decodes only the requested
/// column chunks, a page at a time. A file is immutable while open: it must not change underneath.
package final class ParquetFile: @unchecked Sendable {
    /// The footer may hold at most this many bytes.
    static let maxFooterBytes = 64 << 20
    /// A footer claiming more rows than this per byte of file is refused before reading: every
    /// row costs a writer at least a bit or two somewhere, and the cap keeps a hostile footer
    /// (10^12 rows in a few hundred bytes) from making a reader spin.
    static let maxRowsPerFileByte = 1 << 12

    /// The path as given.
    package let path: String
    /// The columns as Plaza reads them.
    package let schema: Schema
    /// Each column's Parquet description.
    package let columns: [ParquetColumn]
    /// The application that wrote the file, when it says.
    package let createdBy: String?
    let metadata: ParquetFileMetadata
    private let base: UnsafeRawPointer
    private let size: Int
    /// Whether `base` is a mapping (else memory this object allocated).
    private let isMapped: Bool

    /// Opens and maps `path`, decoding and checking its footer.
    /// - Throws: `ParquetError` naming the file (and column for unsupported types).
    package init(path: String) throws(ParquetError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ParquetError(.io, "cannot open: \(String(cString: strerror(errno)))", path: path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw ParquetError(.io, "cannot read its size: \(String(cString: strerror(errno)))", path: path)
        }
        size = Int(info.st_size)
        guard size >= 12 else {
            throw ParquetError(.truncated, "\(size) bytes is too small for a Parquet file", path: path)
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw ParquetError(.io, "cannot map: \(String(cString: strerror(errno)))", path: path)
        }
        base = UnsafeRawPointer(mapped)
        isMapped = true
        do {
            (metadata, columns) = try Self.decode(UnsafeRawBufferPointer(start: base, count: size))
        } catch {
            munmap(UnsafeMutableRawPointer(mutating: base), size)
            throw error.located(path: path)
        }
        schema = Schema(columns.map { Field(name: $0.name, type: $0.type, isNullable: $0.isOptional) })
        createdBy = metadata.createdBy
    }

    /// Reads a Parquet file held in memory (tests and fuzzing); `path` names it in errors.
    package init(bytes: [UInt8], path: String = "<memory>") throws(ParquetError) {
        self.path = path
        size = bytes.count
        guard bytes.count >= 12 else {
            throw ParquetError(.truncated, "\(bytes.count) bytes is too small for a Parquet file", path: path)
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        base = UnsafeRawPointer(copy)
        isMapped = false
        do {
            (metadata, columns) = try Self.decode(UnsafeRawBufferPointer(start: copy, count: bytes.count))
        } catch {
            copy.deallocate()
            throw error.located(path: path)
        }
        schema = Schema(columns.map { Field(name: $0.name, type: $0.type, isNullable: $0.isOptional) })
        createdBy = metadata.createdBy
    }

    deinit {
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), size) } else { base.deallocate() }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) -> (
        ParquetFileMetadata, [ParquetColumn]
    ) {
        let metadata = try readFooter(bytes)
        let columns = try metadata.flatColumns()
        try check(metadata, columns: columns.count, fileSize: bytes.count)
        return (metadata, columns)
    }

    private static func readFooter(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) -> ParquetFileMetadata {
        let magic: [UInt8] = Array("PAR1".utf8)
        guard Array(bytes[0..<4]) == magic, Array(bytes[(bytes.count - 4)...]) == magic else {
            throw ParquetError(.badMagic, "the file does not start and end with PAR1")
        }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt32.self)))
        guard length <= bytes.count - 12, length <= maxFooterBytes else {
            throw ParquetError(.truncated, "a footer of \(length) bytes in a \(bytes.count)-byte file")
        }
        let start = bytes.count - 8 - length
        let footer = UnsafeRawBufferPointer(rebasing: bytes[start..<(bytes.count - 8)])
        var reader = ThriftCompactReader(footer)
        do {
            return try ParquetFileMetadata.decode(&reader)
        } catch {
            throw ParquetError(error.kind, "in the footer: " + error.message)
        }
    }

    /// Checks the row counts and that every column chunk lies inside the file.
    private static func check(_ metadata: ParquetFileMetadata, columns: Int, fileSize: Int) throws(ParquetError) {
        var total: Int64 = 0
        let limit = Int64(fileSize) * Int64(maxRowsPerFileByte)
        for (index, group) in metadata.rowGroups.enumerated() {
            guard group.rowCount >= 0, group.rowCount <= limit - total else {
                throw ParquetError(
                    .corrupt, "the footer claims \(group.rowCount) rows, more than a \(fileSize)-byte file can hold",
                    rowGroup: index)
            }
            total += group.rowCount
            guard group.columns.count == columns else {
                throw ParquetError(
                    .corrupt, "\(group.columns.count) column chunks for \(columns) columns", rowGroup: index)
            }
            for chunk in group.columns {
                let name = chunk.path.last
                guard chunk.filePath == nil else {
                    throw ParquetError(
                        .unsupported, "column data in another file", rowGroup: index, column: name)
                }
                let start = chunk.firstPageOffset
                guard start >= 4, chunk.totalCompressedSize >= 0,
                    chunk.totalCompressedSize <= Int64(fileSize) - start
                else {
                    throw ParquetError(
                        .corrupt,
                        "a column chunk at offset \(start) of \(chunk.totalCompressedSize) bytes outside the file",
                        rowGroup: index, column: name)
                }
                guard ParquetCodec(rawValue: chunk.codec) != nil else {
                    throw ParquetError(.unsupported, "compression codec \(chunk.codec)", rowGroup: index, column: name)
                }
            }
        }
        guard total == metadata.rowCount else {
            throw ParquetError(.corrupt, "the footer claims \(metadata.rowCount) rows but its row groups hold \(total)")
        }
    }

    /// The number of row groups.
    package var rowGroupCount: Int { metadata.rowGroups.count }

    /// The number of rows of all row groups.
    package var rowCount: Int { Int(metadata.rowCount) }

    /// The number of rows in row group `rowGroup`.
    package func rowCount(rowGroup: Int) -> Int { Int(metadata.rowGroups[rowGroup].rowCount) }

    /// The statistics of column `column` in row group `rowGroup`, converted to Plaza values.
    ///
    /// Nil bounds where the writer wrote none, or where their order is not Plaza's (legacy
    /// statistics of text).
    package func statistics(rowGroup: Int, column: Int) -> (min: Value?, max: Value?, nullCount: Int?) {
        let chunk = metadata.rowGroups[rowGroup].columns[column]
        guard let statistics = chunk.statistics else { return (nil, nil, nil) }
        let description = columns[column]
        let nulls = statistics.nullCount.map { Int($0) }
        if statistics.isLegacy && description.physicalType == .byteArray { return (nil, nil, nulls) }
        return (
            statistics.min.flatMap { description.value(fromStatistic: $0) },
            statistics.max.flatMap { description.value(fromStatistic: $0) }, nulls
        )
    }

    /// A reader of column `column` in row group `rowGroup`.
    func columnReader(rowGroup: Int, column: Int) -> ParquetColumnReader {
        let chunk = metadata.rowGroups[rowGroup].columns[column]
        let start = Int(chunk.firstPageOffset)
        let bytes = UnsafeRawBufferPointer(start: base + start, count: Int(chunk.totalCompressedSize))
        return ParquetColumnReader(
            column: columns[column], chunk: bytes, codec: ParquetCodec(rawValue: chunk.codec) ?? .uncompressed)
    }

    /// A cursor over row group `rowGroup` yielding the columns `columns`, in that order.
    package func openRowGroup(_ rowGroup: Int, columns: [Int]) throws(ParquetError) -> ParquetRowGroupCursor {
        precondition(rowGroup >= 0 && rowGroup < rowGroupCount, "row group \(rowGroup) of \(rowGroupCount)")
        return ParquetRowGroupCursor(file: self, rowGroup: rowGroup, columns: columns)
    }
}

/// Reads one row group of a Parquet file batch by batch (the `RowGroupCursor` of a Parquet scan).
package final class ParquetRowGroupCursor: RowGroupCursor {
    private let file: ParquetFile
    private let rowGroup: Int
    private let readers: [ParquetColumnReader]
    private var rowsLeft: Int

    init(file: ParquetFile, rowGroup: Int, columns: [Int]) {
        self.file = file
        self.rowGroup = rowGroup
        readers = columns.map { file.columnReader(rowGroup: rowGroup, column: $0) }
        rowsLeft = file.rowCount(rowGroup: rowGroup)
    }

    /// Fills `batch` with the next rows; false at the end of the row group.
    package func next(into batch: Batch) throws -> Bool {
        try nextBatch(into: batch)
    }

    /// As `next(into:)`, throwing `ParquetError` naming the file, row group, column and page.
    package func nextBatch(into batch: Batch) throws(ParquetError) -> Bool {
        batch.selection = nil
        for vector in batch.columns { vector.reset() }
        let count = min(rowsLeft, ColumnVector.batchCapacity)
        batch.count = count
        guard count > 0 else { return false }
        for (position, reader) in readers.enumerated() {
            do {
                try reader.read(count, into: batch.columns[position])
            } catch {
                throw error.located(path: file.path, rowGroup: rowGroup, column: reader.column.name)
            }
        }
        rowsLeft -= count
        return true
    }

    /// Pages read and bytes decoded so far.
    package var statistics: ScanStatistics {
        ScanStatistics(
            blocksRead: readers.reduce(0) { $0 + $1.pagesRead }, blocksSkipped: 0,
            bytesDecoded: readers.reduce(0) { $0 + $1.bytesDecoded })
    }
}
