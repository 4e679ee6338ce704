#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// Reads one segment file (Formats/plaza-file-format.md): memory-maps it, checks the header,
/// trailer and footer, and opens cursors over row groups.
///
/// ```swift
/// let reader = try SegmentReader(path: "t/000001.plz")
/// let cursor = try reader.openRowGroup(0, columns: [0, 2], predicates: [])
/// let batch = Batch(types: [reader.schema.fields[0].type, reader.schema.fields[2].type])
/// while try cursor.next(into: batch) { … }
/// ```
/// Immutable after `init`, so safe to share between threads (hence `@unchecked Sendable`: the
/// mapping is read-only and unmapped only in `deinit`). Cursors keep their reader alive.
public final class SegmentReader: @unchecked Sendable {
    /// The file's path.
    public let path: String
    /// The columns, in order.
    public let schema: Schema
    /// Values per block.
    public let blockSize: Int
    /// The minor version the file was written with.
    public let minorVersion: Int
    let base: UnsafeRawPointer
    let size: Int
    private let isMapped: Bool
    let footer: SegmentFooter
    let kinds: [ValueKind]

    /// Opens and maps `path`, validating magic numbers, version, footer length and checksum, and
    /// the footer's structure (§10). Blocks are checked when read.
    ///
    /// - Throws: `.io`, `.truncated`, `.badMagic`, `.unsupportedVersion`, `.checksumMismatch`, `.corrupt`.
    public init(path: String) throws(FormatError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError(.io, "cannot open the file: \(errnoText())", path: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FormatError(.io, "cannot stat the file: \(errnoText())", path: path) }
        let size = Int(info.st_size)
        let minimum = SegmentFormat.headerSize + SegmentFormat.trailerSize
        guard size >= minimum else {
            throw FormatError(
                .truncated, "file of \(size) bytes is shorter than header and trailer (\(minimum))", path: path)
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw FormatError(.io, "cannot map the file: \(errnoText())", path: path)
        }
        let base = UnsafeRawPointer(mapped)
        do throws(FormatError) {
            footer = try SegmentReader.validate(base, size, path)
        } catch {
            munmap(mapped, size)
            throw error
        }
        self.isMapped = true
        self.base = base
        self.size = size
        (schema, blockSize, minorVersion, kinds) = SegmentReader.derive(footer)
    }

    /// What `init` keeps besides the footer. Statistics stay in the footer's raw form and become
    /// `ColumnStatistics` only when asked for, so opening a file costs no work per block.
    private static func derive(_ footer: SegmentFooter) -> (Schema, Int, Int, [ValueKind]) {
        (footer.schema, footer.blockSize, Int(footer.minorVersion), footer.schema.fields.map { ValueKind($0.type) })
    }

    /// Reads a segment from bytes in memory instead of a file (tests, and segments already in
    /// memory); `path` names it in errors. Copies the bytes.
    ///
    /// - Throws: as `init(path:)`, except `.io`.
    public init(bytes: [UInt8], path: String) throws(FormatError) {
        self.path = path
        let size = bytes.count
        guard size >= SegmentFormat.headerSize + SegmentFormat.trailerSize else {
            throw FormatError(.truncated, "file of \(size) bytes is shorter than header and trailer (32)", path: path)
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: size) }
        do throws(FormatError) {
            footer = try SegmentReader.validate(UnsafeRawPointer(copy), size, path)
        } catch {
            copy.deallocate()
            throw error
        }
        self.isMapped = false
        self.base = UnsafeRawPointer(copy)
        self.size = size
        (schema, blockSize, minorVersion, kinds) = SegmentReader.derive(footer)
    }

    /// Checks magic numbers, version, footer length and checksum, and parses the footer (§3, §6, §10).
    private static func validate(_ base: UnsafeRawPointer, _ size: Int, _ path: String) throws(FormatError)
        -> SegmentFooter
    {
        let minimum = SegmentFormat.headerSize + SegmentFormat.trailerSize
        let whole = UnsafeRawBufferPointer(start: base, count: size)
        guard whole.prefix(8).elementsEqual(SegmentFormat.headerMagic) else {
            throw FormatError(.badMagic, "the file does not start with PLAZASEG", path: path, offset: 0)
        }
        let major = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        guard major == SegmentFormat.majorVersion else {
            throw FormatError(
                .unsupportedVersion,
                "written by format major version \(major); this reader reads \(SegmentFormat.majorVersion)", path: path,
                offset: 8)
        }
        guard base.loadUnaligned(fromByteOffset: 12, as: UInt32.self) == 0 else {
            throw FormatError(.corrupt, "reserved header bytes are not zero", path: path, offset: 12)
        }
        guard whole.suffix(8).elementsEqual(SegmentFormat.trailerMagic) else {
            throw FormatError(
                .truncated, "the file does not end with PLAZAEND: truncated or damaged", path: path, offset: size - 8)
        }
        let footerLength = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: size - 16, as: UInt32.self)))
        let footerChecksum = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: size - 12, as: UInt32.self))
        guard footerLength <= size - minimum else {
            throw FormatError(.corrupt, "footer length \(footerLength) exceeds the file", path: path, offset: size - 16)
        }
        let footerStart = size - SegmentFormat.trailerSize - footerLength
        let footerBytes = UnsafeRawBufferPointer(start: base + footerStart, count: footerLength)
        let actual = XXHash64.checksum(footerBytes)
        guard actual == footerChecksum else {
            throw FormatError(
                .checksumMismatch, "footer checksum is \(hex(actual)), trailer says \(hex(footerChecksum))", path: path,
                offset: footerStart)
        }
        do throws(FormatError) {
            return try SegmentFooter.parse(footerBytes, dataStart: SegmentFormat.headerSize, dataEnd: footerStart)
        } catch {
            throw error.located(path: path, rowGroup: nil, column: nil, block: nil, offset: footerStart)
        }
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), size)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// The number of rows in the file.
    public var rowCount: Int { footer.rowCount }

    /// The number of row groups.
    public var rowGroupCount: Int { footer.rowGroups.count }

    /// The file's size in bytes.
    public var byteCount: Int { size }

    /// The number of rows in row group `rowGroup` (0 ..< rowGroupCount).
    public func rowCount(rowGroup: Int) -> Int { footer.rowGroups[rowGroup].rowCount }

    /// The number of blocks in each column chunk of row group `rowGroup`.
    public func blockCount(rowGroup: Int) -> Int { footer.rowGroups[rowGroup].chunks.first?.blocks.count ?? 0 }

    /// The statistics of column `column`'s chunk in row group `rowGroup` (§8). Cost: O(1), plus a
    /// `String` for each VARCHAR bound.
    public func statistics(rowGroup: Int, column: Int) -> ColumnStatistics {
        let group = footer.rowGroups[rowGroup]
        return group.chunks[column].statistics.statistics(valueCount: group.rowCount, type: schema.fields[column].type)
    }

    /// The statistics of one block of a column chunk (§8). Cost: as the chunk's.
    public func statistics(rowGroup: Int, column: Int, block: Int) -> ColumnStatistics {
        let entry = footer.rowGroups[rowGroup].chunks[column].blocks[block]
        return entry.statistics.statistics(valueCount: entry.count, type: schema.fields[column].type)
    }

    /// Whether the chunk of `column` in `rowGroup` has a shared dictionary, and its entry count.
    public func dictionaryEntryCount(rowGroup: Int, column: Int) -> Int? {
        footer.rowGroups[rowGroup].chunks[column].dictionary?.entries
    }

    /// The header of one block (encoding, compression, lengths), read without decoding the block.
    public func blockHeader(rowGroup: Int, column: Int, block: Int) throws(FormatError) -> BlockHeader {
        let entry = footer.rowGroups[rowGroup].chunks[column].blocks[block]
        do throws(FormatError) {
            return try BlockHeader(parsing: bytes(entry.offset, entry.length), verifyChecksum: false)
        } catch {
            throw error.located(
                path: path, rowGroup: rowGroup, column: schema.fields[column].name, block: block, offset: entry.offset)
        }
    }

    /// Whether the chunk statistics of `rowGroup` allow a row matching every predicate, whose
    /// `column` is a position in `columns` (table column numbers).
    public func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        predicates.allSatisfy { statistics(rowGroup: rowGroup, column: columns[$0.column]).mightMatch($0) }
    }

    /// A cursor over `rowGroup` yielding the table columns `columns` in that order, skipping
    /// blocks whose statistics rule out `predicates` (columns are positions in `columns`).
    ///
    /// - Throws: `FormatError` when a shared dictionary block is damaged.
    public func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws(FormatError)
        -> SegmentCursor
    {
        precondition(rowGroup >= 0 && rowGroup < rowGroupCount, "row group \(rowGroup) out of range")
        for column in columns { precondition(column >= 0 && column < schema.count, "column \(column) out of range") }
        for p in predicates { precondition(p.column >= 0 && p.column < columns.count, "predicate column out of range") }
        return try SegmentCursor(reader: self, rowGroup: rowGroup, columns: columns, predicates: predicates)
    }

    /// The mapped bytes `offset ..< offset + length` (already checked against the file by the footer).
    func bytes(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}
