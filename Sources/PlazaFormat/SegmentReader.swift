#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector
import Synchronization

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
@usableFromInline package final class SegmentReader: @unchecked Sendable {
    /// The file's path.
    package let path: String
    /// The columns, in order.
    package let schema: Schema
    /// Values per block.
    package let blockSize: Int
    /// The minor version the file was written with.
    package let minorVersion: Int
    let base: UnsafeRawPointer
    let size: Int
    private let isMapped: Bool
    /// Where the footer body starts in the file.
    let footerStart: Int
    /// The checked, flatly indexed footer.
    let index: FooterIndex
    let kinds: [ValueKind]
    /// Per block entry, then per chunk dictionary: the stored offset + 1 of the block whose
    /// checksum this reader has verified there, 0 when none yet. Lets a reader that stays cached
    /// in a long-lived catalog hash each block once; a new reader (a new process, or a file whose
    /// stat(2) changed, see `SegmentReaderCache`) verifies every block it reads again.
    private let verified: UnsafeMutablePointer<Atomic<UInt64>>
    private let verifiedCount: Int

    /// Opens and maps `path`, validating magic numbers, version, footer length and checksum, and
    /// the footer's structure (§10). Blocks are checked when read. Cost: one read of the footer,
    /// its checksum and one pass over it in the mapping, with a few allocations whatever the number
    /// of blocks (no copy: copying reportes' 3.4 MB of footers into fresh pages cost ~1.5 ms).
    ///
    /// - Throws: `.io`, `.truncated`, `.badMagic`, `.unsupportedVersion`, `.checksumMismatch`, `.corrupt`.
    package init(path: String) throws(FormatError) {
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
            let frame = try SegmentReader.validateFrame(base, size, path)
            index = try SegmentReader.indexFooter(base + frame.start, frame, path)
            footerStart = frame.start
        } catch {
            munmap(mapped, size)
            throw error
        }
        self.isMapped = true
        self.base = base
        self.size = size
        (schema, blockSize, minorVersion, kinds) = (index.schema, index.blockSize, Int(index.minorVersion), index.kinds)
        (verified, verifiedCount) = SegmentReader.makeVerifiedFlags(index)
    }

    /// Reads a segment from bytes in memory instead of a file (tests, and segments already in
    /// memory); `path` names it in errors. Copies the bytes.
    ///
    /// - Throws: as `init(path:)`, except `.io`.
    package init(bytes: [UInt8], path: String) throws(FormatError) {
        self.path = path
        let size = bytes.count
        guard size >= SegmentFormat.headerSize + SegmentFormat.trailerSize else {
            throw FormatError(.truncated, "file of \(size) bytes is shorter than header and trailer (32)", path: path)
        }
        let whole = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        bytes.withUnsafeBytes { whole.copyMemory(from: $0.baseAddress!, byteCount: size) }
        do throws(FormatError) {
            let frame = try SegmentReader.validateFrame(UnsafeRawPointer(whole), size, path)
            index = try SegmentReader.indexFooter(UnsafeRawPointer(whole + frame.start), frame, path)
            footerStart = frame.start
        } catch {
            whole.deallocate()
            throw error
        }
        self.isMapped = false
        self.base = UnsafeRawPointer(whole)
        self.size = size
        (schema, blockSize, minorVersion, kinds) = (index.schema, index.blockSize, Int(index.minorVersion), index.kinds)
        (verified, verifiedCount) = SegmentReader.makeVerifiedFlags(index)
    }

    private static func makeVerifiedFlags(_ index: FooterIndex) -> (UnsafeMutablePointer<Atomic<UInt64>>, Int) {
        let count = index.blockEntries.count + index.rowGroupCount * index.schema.count
        let flags = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: max(count, 1))
        for i in 0..<count { (flags + i).initialize(to: Atomic(0)) }
        return (flags, count)
    }

    /// The slot of `verified` for a block (`block` ≥ 0) or for the chunk's dictionary (`block` = −1).
    private func verifiedSlot(rowGroup: Int, column: Int, block: Int) -> Int {
        block < 0
            ? index.blockEntries.count + rowGroup * schema.count + column
            : index.blockIndex(rowGroup, column, block)
    }

    /// Whether the checksum of the block stored at `offset` still needs checking: true unless this
    /// reader has verified that very block (same entry, same offset) before.
    func needsVerification(rowGroup: Int, column: Int, block: Int, offset: Int) -> Bool {
        verified[verifiedSlot(rowGroup: rowGroup, column: column, block: block)].load(ordering: .relaxed)
            != UInt64(offset) &+ 1
    }

    /// Records that the block at `offset` decoded with its checksum verified.
    func markVerified(rowGroup: Int, column: Int, block: Int, offset: Int) {
        verified[verifiedSlot(rowGroup: rowGroup, column: column, block: block)].store(
            UInt64(offset) &+ 1, ordering: .relaxed)
    }

    /// How many blocks and dictionaries this reader has verified so far (tests).
    var verifiedBlockCount: Int {
        (0..<verifiedCount).reduce(0) { $0 + (verified[$1].load(ordering: .relaxed) != 0 ? 1 : 0) }
    }

    /// Where the footer lies and what the trailer says its checksum is.
    struct FooterFrame {
        var start: Int
        var length: Int
        var checksum: UInt32
    }

    /// Checks magic numbers, version and footer length (§3, §10), and locates the footer.
    private static func validateFrame(_ base: UnsafeRawPointer, _ size: Int, _ path: String) throws(FormatError)
        -> FooterFrame
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
        return FooterFrame(
            start: size - SegmentFormat.trailerSize - footerLength, length: footerLength, checksum: footerChecksum)
    }

    /// Checks the checksum of the footer at `start` and indexes it (§6, §9, §10).
    private static func indexFooter(_ start: UnsafeRawPointer, _ frame: FooterFrame, _ path: String)
        throws(FormatError) -> FooterIndex
    {
        let footerBytes = UnsafeRawBufferPointer(start: start, count: frame.length)
        let actual = XXHash64.checksum(footerBytes)
        guard actual == frame.checksum else {
            throw FormatError(
                .checksumMismatch, "footer checksum is \(hex(actual)), trailer says \(hex(frame.checksum))", path: path,
                offset: frame.start)
        }
        do throws(FormatError) {
            return try FooterIndex(footerBytes, dataStart: SegmentFormat.headerSize, dataEnd: frame.start)
        } catch {
            throw error.located(path: path, rowGroup: nil, column: nil, block: nil, offset: frame.start)
        }
    }

    /// The footer parsed eagerly into entries, as a reference for the flat index (tests). Cost: a
    /// full parse with an allocation per block.
    var footer: SegmentFooter {
        do throws(FormatError) {
            return try SegmentFooter.parse(index.bytes, dataStart: SegmentFormat.headerSize, dataEnd: footerStart)
        } catch {
            preconditionFailure("a footer that indexed cleanly no longer parses: \(error)")
        }
    }

    deinit {
        verified.deinitialize(count: verifiedCount)
        verified.deallocate()
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), size)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// The number of rows in the file.
    package var rowCount: Int { index.rowCount }

    /// The number of row groups.
    package var rowGroupCount: Int { index.rowGroupCount }

    /// The file's size in bytes.
    package var byteCount: Int { size }

    /// The memory the reader keeps resident: its footer pages (in the mapping) and index, in bytes.
    package var footerByteCount: Int {
        index.bytes.count + 4 * (index.blockEntries.count + index.chunkStatistics.count * 2)
            + 8 * 2 * index.rowGroupCount
    }

    /// The number of rows in row group `rowGroup` (0 ..< rowGroupCount).
    package func rowCount(rowGroup: Int) -> Int { index.groupRows[rowGroup] }

    /// The number of blocks in each column chunk of row group `rowGroup`.
    package func blockCount(rowGroup: Int) -> Int { schema.count == 0 ? 0 : index.blockCount(rowGroup: rowGroup) }

    /// The statistics of column `column`'s chunk in row group `rowGroup` (§8). Cost: O(1), plus a
    /// `String` for each VARCHAR bound.
    package func statistics(rowGroup: Int, column: Int) -> ColumnStatistics {
        index.chunkStatistics(rowGroup: rowGroup, column: column).statistics(
            valueCount: index.groupRows[rowGroup], type: schema.fields[column].type)
    }

    /// The statistics of one block of a column chunk (§8). Cost: as the chunk's.
    package func statistics(rowGroup: Int, column: Int, block: Int) -> ColumnStatistics {
        index.blockStatistics(rowGroup: rowGroup, column: column, block: block).statistics(
            valueCount: index.valueCount(rowGroup: rowGroup, block: block), type: schema.fields[column].type)
    }

    /// Whether the chunk of `column` in `rowGroup` has a shared dictionary, and its entry count.
    package func dictionaryEntryCount(rowGroup: Int, column: Int) -> Int? {
        (try? index.dictionary(rowGroup: rowGroup, column: column))??.entries
    }

    /// The header of one block (encoding, compression, lengths), read without decoding the block.
    package func blockHeader(rowGroup: Int, column: Int, block: Int) throws(FormatError) -> BlockHeader {
        do throws(FormatError) {
            let entry = try index.block(rowGroup: rowGroup, column: column, block: block)
            return try BlockHeader(parsing: bytes(entry.offset, entry.length), verifyChecksum: false)
        } catch {
            throw error.located(
                path: path, rowGroup: rowGroup, column: schema.fields[column].name, block: block,
                offset: index.storedOffset(rowGroup: rowGroup, column: column, block: block))
        }
    }

    /// Whether the chunk statistics of `rowGroup` allow a row matching every predicate, whose
    /// `column` is a position in `columns` (table column numbers).
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool {
        predicates.allSatisfy { statistics(rowGroup: rowGroup, column: columns[$0.column]).mightMatch($0) }
    }

    /// A cursor over `rowGroup` yielding the table columns `columns` in that order, skipping
    /// blocks whose statistics rule out `predicates` (columns are positions in `columns`).
    /// Each block's checksum is verified the first time this reader reads it; with
    /// `verifyEveryBlock` the cursor verifies every block it reads, as `plaza verify` needs.
    ///
    /// - Throws: `FormatError` when a shared dictionary block is damaged.
    package func openRowGroup(
        _ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], verifyEveryBlock: Bool = false
    ) throws(FormatError) -> SegmentCursor {
        try openRowGroup(
            rowGroup, columns: columns, predicates: predicates, blocks: 0..<blockCount(rowGroup: rowGroup),
            verifyEveryBlock: verifyEveryBlock)
    }

    /// As `openRowGroup(_:columns:predicates:verifyEveryBlock:)`, over the blocks `blocks` of the
    /// row group only (a slice for one of several threads sharing it).
    package func openRowGroup(
        _ rowGroup: Int, columns: [Int], predicates: [ScanPredicate], blocks: Range<Int>, verifyEveryBlock: Bool = false
    ) throws(FormatError) -> SegmentCursor {
        precondition(
            blocks.lowerBound >= 0 && blocks.upperBound <= blockCount(rowGroup: rowGroup),
            "blocks \(blocks) out of range")
        precondition(rowGroup >= 0 && rowGroup < rowGroupCount, "row group \(rowGroup) out of range")
        for column in columns { precondition(column >= 0 && column < schema.count, "column \(column) out of range") }
        for p in predicates { precondition(p.column >= 0 && p.column < columns.count, "predicate column out of range") }
        return try SegmentCursor(
            reader: self, rowGroup: rowGroup, columns: columns, predicates: predicates, blocks: blocks,
            verifyEveryBlock: verifyEveryBlock)
    }

    /// The mapped bytes `offset ..< offset + length` (already checked against the file by the footer).
    func bytes(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}
