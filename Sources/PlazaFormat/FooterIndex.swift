import PlazaCore

/// A segment footer checked once and indexed flatly (Formats/plaza-file-format.md §6): where each
/// chunk's statistics and dictionary fields and each block entry sit in the footer bytes.
///
/// Opening a segment used to build an array of row groups, of chunks, of blocks, each block with
/// its decoded statistics: some 73,000 entries and as many allocations for a 10M-row table. The
/// index instead walks the footer once with every check of `SegmentFooter.parse`, recording one
/// `UInt32` position per block and two per chunk; block offsets, lengths and statistics are read
/// from the footer bytes when asked for.
///
/// The bytes are the reader's mapping of the file (copying them into fresh memory cost more than
/// everything else together). A file is never changed in place by Plaza, but damage may change it
/// under an open reader; so what is read later is checked again where memory safety depends on
/// it (block and dictionary ranges, which then throw), and statistics that no longer read are
/// treated as unknown (every block may match), never trusted and never a trap.
struct FooterIndex {
    /// The footer body (§6, without the trailer); owned by the `SegmentReader`, which outlives the index.
    let bytes: UnsafeRawBufferPointer
    /// Where blocks may lie in the file: after the header, before the footer.
    let dataStart: Int, dataEnd: Int
    /// The minor version the file was written with.
    let minorVersion: UInt16
    /// Values per block.
    let blockSize: Int
    /// The number of rows in the file.
    let rowCount: Int
    /// The columns, in order.
    let schema: Schema
    /// The value kind of each column.
    let kinds: [ValueKind]
    /// Rows per row group.
    let groupRows: [Int]
    /// Per row group: the index in `blockEntries` of its first column's first block.
    let groupFirstBlock: [Int]
    /// Per chunk (`group * columns + column`): the footer position of its statistics record.
    let chunkStatistics: [UInt32]
    /// Per chunk: the footer position of its dictionary fields (offset u64, length u32, entries u32).
    let chunkDictionary: [UInt32]
    /// Per block, chunk by chunk: the footer position of its entry (offset u64, length u32, statistics).
    let blockEntries: [UInt32]

    /// Checks a footer body whose blocks must lie in `dataStart ..< dataEnd` and indexes it (§6,
    /// §10). Throws exactly what `SegmentFooter.parse` throws for the same bytes.
    init(_ bytes: UnsafeRawBufferPointer, dataStart: Int, dataEnd: Int) throws(FormatError) {
        precondition(bytes.count <= Int(UInt32.max), "a footer length is a u32")
        var r = ByteReader(bytes, what: "footer")
        let (minor, blockSize, rowCount64, fields, kinds) = try SegmentFooter.parseHead(&r)
        let columnCount = fields.count
        let groupCount = try r.count32(max: r.remaining / 4, "row group count")
        var groupRows: [Int] = [], groupFirstBlock: [Int] = []
        var chunkStatistics: [UInt32] = [], chunkDictionary: [UInt32] = [], blockEntries: [UInt32] = []
        groupRows.reserveCapacity(groupCount)
        groupFirstBlock.reserveCapacity(groupCount)
        chunkStatistics.reserveCapacity(groupCount * columnCount)
        chunkDictionary.reserveCapacity(groupCount * columnCount)
        // The footer's row count (checked against the groups below) gives the block count; a
        // block entry takes at least 13 bytes, which bounds a damaged count.
        let maxBlocks = r.remaining / 13
        let plannedBlocks = min(Int(rowCount64) / blockSize + groupCount, maxBlocks)
        blockEntries.reserveCapacity(min(plannedBlocks * columnCount, maxBlocks))
        var total = 0
        for group in 0..<groupCount {
            let rows = try r.count32(max: SegmentFormat.maxRowGroupSize, "row group row count")
            guard rows >= 1 else { throw corrupt("row group \(group) holds no rows") }
            let expectedBlocks = (rows + blockSize - 1) / blockSize
            groupRows.append(rows)
            groupFirstBlock.append(blockEntries.count)
            for column in 0..<columnCount {
                do throws(FormatError) {
                    let kind = kinds[column]
                    chunkStatistics.append(UInt32(truncatingIfNeeded: r.position))
                    try RawStatistics.skip(&r, kind: kind, valueCount: rows)
                    chunkDictionary.append(UInt32(truncatingIfNeeded: r.position))
                    let dictOffset = try r.u64(), dictLength = Int(try r.u32()), entries = Int(try r.u32())
                    if dictOffset != 0 || dictLength != 0 || entries != 0 {
                        guard kind != .int128 else { throw SegmentFooter.wideDictionaryError }
                        try SegmentFooter.checkRange(offset: dictOffset, length: dictLength, dataStart, dataEnd)
                        guard entries >= 1, entries <= SegmentFormat.maxDictionaryEntries else {
                            throw corrupt("dictionary of \(entries) entries")
                        }
                    }
                    let blockCount = try r.count32(max: r.remaining / 13, "block count")
                    guard blockCount == expectedBlocks else {
                        throw corrupt("\(blockCount) blocks for \(rows) rows of \(blockSize)")
                    }
                    for block in 0..<blockCount {
                        blockEntries.append(UInt32(truncatingIfNeeded: r.position))
                        let count = min(blockSize, rows - block * blockSize)
                        if kind != .string, kind != .int128,
                            let next = Self.checkFixedWidthEntry(
                                r.base, at: r.position, end: r.count, valueCount: count, dataStart, dataEnd)
                        {
                            r.position = next
                            continue
                        }
                        // The checked path: also the one that names what is wrong.
                        let offset = try r.u64(), length = Int(try r.u32())
                        try SegmentFooter.checkRange(offset: offset, length: length, dataStart, dataEnd)
                        try RawStatistics.skip(&r, kind: kind, valueCount: count)
                    }
                } catch {
                    throw error.located(path: "", rowGroup: group, column: fields[column].name, block: nil, offset: nil)
                }
            }
            total += rows
        }
        guard r.remaining == 0 else { throw corrupt("\(r.remaining) unread bytes at the end of the footer") }
        guard UInt64(total) == rowCount64 else {
            throw corrupt("row groups hold \(total) rows, the footer says \(rowCount64)")
        }
        self.bytes = bytes
        self.dataStart = dataStart
        self.dataEnd = dataEnd
        self.minorVersion = minor
        self.blockSize = blockSize
        self.rowCount = total
        self.schema = Schema(fields)
        self.kinds = kinds
        self.groupRows = groupRows
        self.groupFirstBlock = groupFirstBlock
        self.chunkStatistics = chunkStatistics
        self.chunkDictionary = chunkDictionary
        self.blockEntries = blockEntries
    }

    /// Checks a block entry with fixed-width statistics (§6.3, §8) at `position` by plain loads,
    /// returning where the next entry starts, or nil when anything is off (the caller then reads
    /// the entry field by field, which throws the precise error). Accepts exactly what the checked
    /// path accepts; it exists because a footer holds tens of thousands of entries.
    @inline(__always)
    static func checkFixedWidthEntry(
        _ base: UnsafeRawPointer, at position: Int, end: Int, valueCount: Int, _ dataStart: Int, _ dataEnd: Int
    ) -> Int? {
        // offset u64, length u32, then statistics: flags u8, nulls u32, distinct u32 [, min i64, max i64].
        guard end - position >= 21 else { return nil }
        let offset = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self)))
        let flags = base.load(fromByteOffset: position + 12, as: UInt8.self)
        let nulls = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position + 13, as: UInt32.self)))
        let distinct = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position + 17, as: UInt32.self)))
        guard offset >= UInt64(dataStart), offset <= UInt64(dataEnd), length >= SegmentFormat.blockHeaderSize,
            length <= dataEnd - Int(offset), flags & ~3 == 0, nulls <= valueCount, distinct <= valueCount
        else { return nil }
        if flags & 1 == 0 { return position + 21 }
        guard nulls < valueCount, end - position >= 37 else { return nil }
        return position + 37
    }

    /// The number of row groups.
    var rowGroupCount: Int { groupRows.count }

    /// The number of blocks in each chunk of `rowGroup`.
    func blockCount(rowGroup: Int) -> Int { (groupRows[rowGroup] + blockSize - 1) / blockSize }

    /// The number of values in block `block` of `rowGroup`.
    func valueCount(rowGroup: Int, block: Int) -> Int { min(blockSize, groupRows[rowGroup] - block * blockSize) }

    /// Where block `block` of the chunk (`rowGroup`, `column`) lies in the file.
    ///
    /// - Throws: `.corrupt` when the entry, checked at `init`, no longer lies in the data area
    ///   (the file was changed in place).
    func block(rowGroup: Int, column: Int, block: Int) throws(FormatError) -> (offset: Int, length: Int) {
        let position = Int(blockEntries[blockIndex(rowGroup, column, block)])
        let offset = u64(at: position), length = Int(u32(at: position + 8))
        try SegmentFooter.checkRange(offset: offset, length: length, dataStart, dataEnd)
        return (Int(offset), length)
    }

    /// The file offset the entry of block `block` names, unchecked: for error messages only.
    func storedOffset(rowGroup: Int, column: Int, block: Int) -> Int {
        Int(truncatingIfNeeded: u64(at: Int(blockEntries[blockIndex(rowGroup, column, block)])))
    }

    /// The chunk's shared dictionary block (offset, length, entries), if it has one.
    ///
    /// - Throws: `.corrupt` as `block(rowGroup:column:block:)`.
    func dictionary(rowGroup: Int, column: Int) throws(FormatError) -> (offset: Int, length: Int, entries: Int)? {
        let position = Int(chunkDictionary[rowGroup * schema.count + column])
        let offset = u64(at: position), length = Int(u32(at: position + 8)), entries = Int(u32(at: position + 12))
        if offset == 0 && length == 0 && entries == 0 { return nil }
        try SegmentFooter.checkRange(offset: offset, length: length, dataStart, dataEnd)
        guard entries >= 1, entries <= SegmentFormat.maxDictionaryEntries else {
            throw corrupt("dictionary of \(entries) entries")
        }
        return (Int(offset), length, entries)
    }

    /// The stored statistics of the chunk (`rowGroup`, `column`) (§8).
    func chunkStatistics(rowGroup: Int, column: Int) -> RawStatistics {
        statistics(
            at: Int(chunkStatistics[rowGroup * schema.count + column]), column: column,
            valueCount: groupRows[rowGroup])
    }

    /// The stored statistics of one block (§8).
    func blockStatistics(rowGroup: Int, column: Int, block: Int) -> RawStatistics {
        statistics(
            at: Int(blockEntries[blockIndex(rowGroup, column, block)]) + 12, column: column,
            valueCount: valueCount(rowGroup: rowGroup, block: block))
    }

    /// The NULL count of one block's statistics (§8), read without building the record; clamped
    /// to the block's values (the footer was checked at `init`).
    func blockNullCount(rowGroup: Int, column: Int, block: Int) -> Int {
        // The entry is offset u64, length u32, then the statistics: flags u8, null count u32.
        let position = Int(blockEntries[blockIndex(rowGroup, column, block)]) + 12 + 1
        return min(Int(u32(at: position)), valueCount(rowGroup: rowGroup, block: block))
    }

    /// The flat position of a block among `blockEntries` (0 ..< blockEntries.count).
    func blockIndex(_ rowGroup: Int, _ column: Int, _ block: Int) -> Int {
        let perChunk = blockCount(rowGroup: rowGroup)
        precondition(block >= 0 && block < perChunk, "block \(block) out of range")
        return groupFirstBlock[rowGroup] + column * perChunk + block
    }

    private func statistics(at position: Int, column: Int, valueCount: Int) -> RawStatistics {
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[position...]), what: "footer")
        do throws(FormatError) {
            return try RawStatistics.read(&r, kind: kinds[column], valueCount: valueCount)
        } catch {
            // Checked at `init`, so the file changed since: claim nothing, so nothing is skipped.
            return RawStatistics()
        }
    }

    private func u64(at position: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    private func u32(at position: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }
}
