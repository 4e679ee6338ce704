import PlazaCore

/// Where one block sits and what its statistics say (Formats/plaza-file-format.md §6.3).
struct BlockEntry {
    var offset: Int
    var length: Int
    var count: Int
    var statistics: RawStatistics
}

/// One column's part of a row group (§6.3).
struct ChunkEntry {
    var statistics: RawStatistics
    /// The chunk's shared dictionary block (offset, length, entries), if it has one.
    var dictionary: (offset: Int, length: Int, entries: Int)?
    var blocks: [BlockEntry]

    /// Moves every offset by `delta` (a chunk encoded at offset 0, placed at `delta`).
    mutating func shift(by delta: Int) {
        if let d = dictionary { dictionary = (d.offset + delta, d.length, d.entries) }
        for index in blocks.indices { blocks[index].offset += delta }
    }
}

/// One row group (§6.2).
struct RowGroupEntry {
    var rowCount: Int
    var chunks: [ChunkEntry]
}

/// The footer of a segment file: schema, layout and statistics (§6).
struct SegmentFooter {
    var minorVersion: UInt16 = SegmentFormat.minorVersion
    var blockSize: Int
    var rowCount: Int
    var schema: Schema
    var rowGroups: [RowGroupEntry]

    /// The footer body of §6, without the trailer.
    func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.u16(SegmentFormat.majorVersion)
        w.u16(minorVersion)
        w.u32(UInt32(blockSize))
        w.u64(UInt64(rowCount))
        w.u32(UInt32(schema.count))
        for field in schema.fields {
            w.u8(TypeCode.code(of: field.type)!)
            if case .decimal(let p, let s) = field.type {
                w.u8(UInt8(p))
                w.u8(UInt8(s))
            } else {
                w.u16(0)
            }
            w.u8(field.isNullable ? 1 : 0)
            let name = Array(field.name.utf8)
            w.u32(UInt32(name.count))
            w.raw(name)
        }
        w.u32(UInt32(rowGroups.count))
        for group in rowGroups {
            w.u32(UInt32(group.rowCount))
            for chunk in group.chunks {
                chunk.statistics.write(to: &w)
                w.u64(UInt64(chunk.dictionary?.offset ?? 0))
                w.u32(UInt32(chunk.dictionary?.length ?? 0))
                w.u32(UInt32(chunk.dictionary?.entries ?? 0))
                w.u32(UInt32(chunk.blocks.count))
                for block in chunk.blocks {
                    w.u64(UInt64(block.offset))
                    w.u32(UInt32(block.length))
                    block.statistics.write(to: &w)
                }
            }
        }
        return w.bytes
    }

    /// Parses and checks a footer body whose blocks must lie in `dataStart ..< dataEnd` (§6, §10).
    static func parse(_ bytes: UnsafeRawBufferPointer, dataStart: Int, dataEnd: Int) throws(FormatError)
        -> SegmentFooter
    {
        var r = ByteReader(bytes, what: "footer")
        let (minor, blockSize, rowCount64, fields, kinds) = try parseHead(&r)
        let columnCount = fields.count
        let groupCount = try r.count32(max: r.remaining / 4, "row group count")
        var groups: [RowGroupEntry] = []
        var total = 0
        for group in 0..<groupCount {
            let rows = try r.count32(max: SegmentFormat.maxRowGroupSize, "row group row count")
            guard rows >= 1 else { throw corrupt("row group \(group) holds no rows") }
            let expectedBlocks = (rows + blockSize - 1) / blockSize
            var chunks: [ChunkEntry] = []
            for column in 0..<columnCount {
                do throws(FormatError) {
                    var chunk = ChunkEntry(
                        statistics: try RawStatistics.read(&r, kind: kinds[column], valueCount: rows), dictionary: nil,
                        blocks: [])
                    let dictOffset = try r.u64(), dictLength = Int(try r.u32()), entries = Int(try r.u32())
                    if dictOffset != 0 || dictLength != 0 || entries != 0 {
                        guard kinds[column] != .int128 else { throw wideDictionaryError }
                        try checkRange(offset: dictOffset, length: dictLength, dataStart, dataEnd)
                        guard entries >= 1, entries <= SegmentFormat.maxDictionaryEntries else {
                            throw corrupt("dictionary of \(entries) entries")
                        }
                        chunk.dictionary = (Int(dictOffset), dictLength, entries)
                    }
                    let blockCount = try r.count32(max: r.remaining / 13, "block count")
                    guard blockCount == expectedBlocks else {
                        throw corrupt("\(blockCount) blocks for \(rows) rows of \(blockSize)")
                    }
                    for block in 0..<blockCount {
                        let offset = try r.u64(), length = Int(try r.u32())
                        try checkRange(offset: offset, length: length, dataStart, dataEnd)
                        let count = min(blockSize, rows - block * blockSize)
                        let stats = try RawStatistics.read(&r, kind: kinds[column], valueCount: count)
                        chunk.blocks.append(
                            BlockEntry(offset: Int(offset), length: length, count: count, statistics: stats))
                    }
                    chunks.append(chunk)
                } catch {
                    throw error.located(path: "", rowGroup: group, column: fields[column].name, block: nil, offset: nil)
                }
            }
            groups.append(RowGroupEntry(rowCount: rows, chunks: chunks))
            total += rows
        }
        guard r.remaining == 0 else { throw corrupt("\(r.remaining) unread bytes at the end of the footer") }
        guard UInt64(total) == rowCount64 else {
            throw corrupt("row groups hold \(total) rows, the footer says \(rowCount64)")
        }
        return SegmentFooter(
            minorVersion: minor, blockSize: blockSize, rowCount: total, schema: Schema(fields), rowGroups: groups)
    }

    /// Reads the part of a footer before the row groups: versions, block size, row count and
    /// schema (§6.1), checking each field.
    static func parseHead(_ r: inout ByteReader) throws(FormatError) -> (
        minor: UInt16, blockSize: Int, rowCount: UInt64, fields: [Field], kinds: [ValueKind]
    ) {
        let major = try r.u16()
        guard major == SegmentFormat.majorVersion else {
            throw FormatError(
                .unsupportedVersion,
                "footer says format major version \(major); this reader reads \(SegmentFormat.majorVersion)", path: "")
        }
        let minor = try r.u16()
        let blockSize = Int(try r.u32())
        guard blockSize >= ColumnVector2048.size, blockSize % ColumnVector2048.size == 0,
            blockSize <= SegmentFormat.maxBlockSize
        else {
            throw corrupt("block size \(blockSize) is not a multiple of 2,048 up to 65,536")
        }
        let rowCount64 = try r.u64()
        guard rowCount64 <= UInt64(Int32.max) * UInt64(SegmentFormat.maxRowGroupSize) else {
            throw corrupt("row count \(rowCount64) is implausible")
        }
        let columnCount = try r.count32(max: r.remaining / 8, "column count")
        var fields: [Field] = []
        var kinds: [ValueKind] = []
        for _ in 0..<columnCount {
            let code = try r.u8(), precision = try r.u8(), scale = try r.u8(), flags = try r.u8()
            guard let type = TypeCode.type(code: code, precision: precision, scale: scale) else {
                throw corrupt("unknown column type code \(code) (precision \(precision), scale \(scale))")
            }
            guard flags & ~1 == 0 else { throw corrupt("unknown column flags \(flags)") }
            guard code != 8 || minor >= SegmentFormat.wideDecimalMinorVersion else {
                throw corrupt("type code 8 (DECIMAL of more than 18 digits) in a file of version 1.\(minor)")
            }
            let nameLength = try r.count32(max: r.remaining, "column name length")
            guard let name = String(validating: Array(try r.bytes(nameLength)), as: UTF8.self) else {
                throw corrupt("a column name is not valid UTF-8")
            }
            fields.append(Field(name: name, type: type, isNullable: flags & 1 == 1))
            kinds.append(ValueKind(type))
        }
        return (minor, blockSize, rowCount64, fields, kinds)
    }

    /// §7.5, §4.1: a DECIMAL(19…38) chunk never has a dictionary.
    static var wideDictionaryError: FormatError {
        corrupt("a DECIMAL of more than 18 digits has a dictionary block, which §4.1 does not allow")
    }

    static func checkRange(offset: UInt64, length: Int, _ start: Int, _ end: Int) throws(FormatError) {
        guard offset >= UInt64(start), offset <= UInt64(end), length >= SegmentFormat.blockHeaderSize,
            length <= end - Int(offset)
        else {
            throw corrupt("block at offset \(offset), \(length) bytes, lies outside the data area \(start)..<\(end)")
        }
    }
}

/// The batch size every block size is a multiple of.
enum ColumnVector2048 { static let size = 2048 }
