#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaVector

/// Turns one column of a buffered row group into its blocks, statistics and optional shared
/// dictionary (Formats/plaza-file-format.md §4, §7.5, §8). Reuses its buffers across chunks.
final class ChunkWriter {
    let encoder = BlockEncoder()
    /// Values as 64-bit patterns, NULL slots filled with the previous valid value.
    var values: [UInt64] = []
    /// For each row, the index of its value among the distinct values (-1 for NULL).
    var rowDistinct: [Int32] = []
    var distinctValues: [UInt64] = []
    /// The distinct strings of a string chunk (found here, or handed in as `CodedStrings`).
    var stringTable = StringDistinctTable()
    var slots: [Int32] = []
    /// The value of each occupied slot of `slots` (numeric chunks).
    var slotValues: [UInt64] = []
    /// The bitmap of `hasTooManyDistinct`: 2^21 bits, 256 KiB, held in a core's L2 cache.
    var distinctBits: [UInt64] = []
    static let distinctBitsLog2 = 21
    var codes: [UInt64] = []
    static let slotBits = 17  // 2^17 slots: at most half full with 65,536 entries

    /// Appends the chunk's blocks to `output` (whose first byte sits at file offset `base`) and
    /// returns its footer entry. Every block starts at a multiple of 8 (§4).
    /// With `coded` (a string column whose rows arrived as dictionary vectors), the distinct strings
    /// and each row's index among them are taken from it instead of hashing every row, and the
    /// column holds the rows' count and NULLs but their bytes only if `coded` had to write them
    /// (a chunk without dictionary); the bytes written are the same. `coded` is handed back
    /// unchanged.
    func write(
        _ column: ColumnVector, rows n: Int, blockSize: Int, output: inout ByteWriter, base: Int,
        dictionary: Bool? = nil, coded: CodedStrings? = nil
    ) -> ChunkEntry {
        precondition(n > 0 && !column.isDictionary, "chunk writer needs a flat, non-empty column")
        let kind = ValueKind(column.type)
        if kind == .int128 { return writeWide(column, rows: n, blockSize: blockSize, output: &output, base: base) }
        let words =
            column.hasNulls
            ? UnsafeBufferPointer(start: column.validityWords, count: ValidityBitmap.wordCount(for: n)) : nil
        let blockCount = (n + blockSize - 1) / blockSize
        var coded = coded.flatMap { $0.isUsable && kind == .string && $0.rows.count == n ? $0 : nil }
        if let forced = coded, dictionary == false {
            forced.materialize(into: column, rows: n)
            coded = nil
        }
        // Where the distinct strings' bytes sit: `coded`'s own heap, or the column's.
        let entryHeap = UnsafeRawPointer(coded?.heap ?? column.heap)
        if let coded {
            // Borrow the rows' indices and the table for this chunk; they go back at the end.
            swap(&rowDistinct, &coded.rows)
            swap(&stringTable, &coded.table)
        }
        defer {
            if let coded {
                swap(&rowDistinct, &coded.rows)
                swap(&stringTable, &coded.table)
            }
        }
        if kind != .string { fillValues(column, kind, n) }
        var blockStats: [RawStatistics] = []
        for block in 0..<blockCount {
            let start = block * blockSize, count = min(blockSize, n - start)
            blockStats.append(
                kind != .string
                    ? (kind.isInteger
                        ? integerStatistics(start, count, validity: words)
                        : fixedStatistics(column, kind, start, count))
                    : coded != nil
                        ? codedStringStatistics(entryHeap, start, count) : stringStatistics(column, start, count))
        }
        let hasDictionary =
            coded != nil
            ? !stringTable.entries.isEmpty
            : dictionary != false && (kind != .boolean || dictionary == true) && findDistinct(column, kind, n)
        var chunkStats = RawStatistics()
        for (block, s) in blockStats.enumerated() {
            let count = min(blockSize, n - block * blockSize)
            if block == 0 {
                chunkStats = s; chunkStats.hasUnknownBounds = s.nullCount < count && s.min == nil
            } else {
                chunkStats.merge(s, kind: kind, otherHasValues: s.nullCount < count)
            }
        }
        chunkStats.distinctCount =
            hasDictionary ? (kind == .string ? stringTable.entries.count : distinctValues.count) : nil
        func validity(_ start: Int, _ count: Int, _ nulls: Int) -> UnsafeBufferPointer<UInt64>? {
            guard nulls > 0, let words else { return nil }
            return UnsafeBufferPointer(
                rebasing: words[(start / 64)..<(start / 64 + ValidityBitmap.wordCount(for: count))])
        }

        // Pick the shared dictionary only where it is smaller than the best per-block encodings,
        // remembering each block's best so that plain blocks need not be chosen again.
        var entries = 0
        var chosen = [BlockEncoding?](repeating: nil, count: hasDictionary && kind != .string ? blockCount : 0)
        if hasDictionary {
            entries = kind == .string ? stringTable.entries.count : distinctValues.count
            let width = BitPacking.width(of: UInt64(entries - 1))
            var dictionarySize = kind == .string ? 4 * (entries + 1) : entries * kind.nativeWidth
            if kind == .string { for s in stringTable.entries { dictionarySize += s.length } }
            var perBlock = 0
            for block in 0..<blockCount {
                let start = block * blockSize, count = min(blockSize, n - start)
                dictionarySize += 8 + BitPacking.byteCount(count: count, width: width)
                if kind == .string {
                    perBlock +=
                        coded != nil ? codedPlainStringSize(start, count) : plainStringSize(column, start, count)
                } else {
                    let (encoding, size) = values.withUnsafeBufferPointer {
                        encoder.choose(kind: kind, values: UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
                    }
                    chosen[block] = encoding
                    perBlock += size
                }
            }
            if dictionarySize >= perBlock && dictionary != true { entries = 0 }
        }
        if entries == 0, coded != nil {
            // Plain blocks after all: they need the rows' bytes, which `coded` held back.
            CodedStrings.materialize(rows: rowDistinct, table: stringTable, heap: entryHeap, count: n, into: column)
        }

        var chunk = ChunkEntry(statistics: chunkStats, dictionary: nil, blocks: [])
        if entries > 0 {
            let (dictionaryBlock, width) = buildCodes(entryHeap, kind, n, entries)
            output.pad(to: 8)
            chunk.dictionary = (base + output.count, dictionaryBlock.count, entries)
            output.raw(dictionaryBlock)
            // A block's distinct codes, counted in a bitmap over the entries (cleared after each block).
            var marks = [UInt64](repeating: 0, count: (entries + 63) / 64)
            for block in 0..<blockCount {
                let start = block * blockSize, count = min(blockSize, n - start)
                var distinct = 0
                codes.withUnsafeBufferPointer { codes in
                    rowDistinct.withUnsafeBufferPointer { rowDistinct in
                        marks.withUnsafeMutableBufferPointer { marks in
                            for row in start..<(start + count) where rowDistinct[row] >= 0 {
                                let code = Int(truncatingIfNeeded: codes[row])
                                let bit: UInt64 = 1 &<< UInt64(code & 63)
                                if marks[code &>> 6] & bit == 0 {
                                    marks[code &>> 6] |= bit
                                    distinct &+= 1
                                }
                            }
                            for row in start..<(start + count) where rowDistinct[row] >= 0 {
                                marks[Int(truncatingIfNeeded: codes[row]) &>> 6] = 0
                            }
                        }
                    }
                }
                blockStats[block].distinctCount = distinct
                let bytes = codes.withUnsafeBufferPointer {
                    encoder.encodeCodes(
                        UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), width: width,
                        validity: validity(start, count, blockStats[block].nullCount))
                }
                output.pad(to: 8)
                chunk.blocks.append(
                    BlockEntry(
                        offset: base + output.count, length: bytes.count, count: count, statistics: blockStats[block]))
                output.raw(bytes)
            }
            return chunk
        }
        for block in 0..<blockCount {
            let start = block * blockSize, count = min(blockSize, n - start)
            let v = validity(start, count, blockStats[block].nullCount)
            let bytes: [UInt8]
            if kind == .string {
                bytes = encodeStringBlock(column, start, count, v)
            } else {
                bytes = values.withUnsafeBufferPointer {
                    encoder.encodeFixed(
                        kind: kind, values: UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), validity: v,
                        only: chosen.isEmpty ? nil : chosen[block])
                }
            }
            output.pad(to: 8)
            chunk.blocks.append(
                BlockEntry(
                    offset: base + output.count, length: bytes.count, count: count, statistics: blockStats[block]))
            output.raw(bytes)
        }
        return chunk
    }

    // MARK: Values and statistics

    /// Values with NULL slots holding the previous valid value (the first valid one before it), so
    /// NULLs neither widen bit widths nor break runs.
    func fillValues(_ column: ColumnVector, _ kind: ValueKind, _ n: Int) {
        let view = ColumnView(column)
        var values: [UInt64] = []
        swap(&values, &self.values)
        defer { swap(&values, &self.values) }
        values.removeAll(keepingCapacity: true)
        if !column.hasNulls {
            // No NULL slots to fill: the values widened in one typed pass.
            values.append(contentsOf: repeatElement(0, count: n))
            values.withUnsafeMutableBufferPointer { out in
                let data = UnsafeRawPointer(column.data)
                switch kind {
                case .boolean:
                    let bytes = data.assumingMemoryBound(to: UInt8.self)
                    for row in 0..<n { out[row] = bytes[row] != 0 ? 1 : 0 }
                case .int32:
                    let ints = data.assumingMemoryBound(to: Int32.self)
                    for row in 0..<n { out[row] = UInt64(bitPattern: Int64(ints[row])) }
                default:
                    out.baseAddress!.update(from: data.assumingMemoryBound(to: UInt64.self), count: n)
                }
            }
            return
        }
        var firstValid: UInt64 = 0
        for row in 0..<n where view.isValid(row) {
            firstValid = view.load(row)
            break
        }
        var previous = firstValid
        for row in 0..<n {
            if view.isValid(row) { previous = view.load(row) }
            values.append(previous)
        }
    }

    /// `fixedStatistics` of an integer block from `values` (filled by `fillValues`), a validity
    /// word at a time (`validity`: the chunk's words, nil without NULLs): a word of valid rows in
    /// one tight loop, a word of NULLs skipped, a mixed one row by row.
    private func integerStatistics(_ start: Int, _ count: Int, validity: UnsafeBufferPointer<UInt64>?) -> RawStatistics
    {
        var lo = Int64.max, hi = Int64.min, nulls = 0
        values.withUnsafeBufferPointer { values in
            // Blocks start at a multiple of 2,048 rows, so at a word of the bitmap.
            var row = start
            let end = start + count
            while row < end {
                let stop = min(row + 64, end)
                var word = validity.map { $0[row >> 6] } ?? ~0
                if stop - row < 64 { word &= (1 &<< UInt64(stop - row)) &- 1 }
                if word == ~0 || (stop - row < 64 && word == (1 &<< UInt64(stop - row)) &- 1) {
                    for i in row..<stop {
                        let v = Int64(bitPattern: values[i])
                        lo = min(lo, v)
                        hi = max(hi, v)
                    }
                } else {
                    nulls &+= (stop - row) &- word.nonzeroBitCount
                    while word != 0 {
                        let v = Int64(bitPattern: values[row &+ word.trailingZeroBitCount])
                        lo = min(lo, v)
                        hi = max(hi, v)
                        word &= word &- 1
                    }
                }
                row = stop
            }
        }
        var s = RawStatistics()
        s.nullCount = nulls
        if nulls < count {
            s.min = .integer(lo)
            s.max = .integer(hi)
        }
        return s
    }

    private func fixedStatistics(_ column: ColumnVector, _ kind: ValueKind, _ start: Int, _ count: Int) -> RawStatistics
    {
        let view = ColumnView(column)
        var s = RawStatistics()
        var lo: UInt64 = 0, hi: UInt64 = 0, any = false
        for row in start..<(start + count) {
            guard view.isValid(row) else {
                s.nullCount += 1
                continue
            }
            let v = view.load(row)
            if !any {
                (lo, hi, any) = (v, v, true)
            } else if kind == .double {
                if doubleOrder(Double(bitPattern: v), Double(bitPattern: lo)) < 0 { lo = v }
                if doubleOrder(Double(bitPattern: v), Double(bitPattern: hi)) > 0 { hi = v }
            } else {
                if Int64(bitPattern: v) < Int64(bitPattern: lo) { lo = v }
                if Int64(bitPattern: v) > Int64(bitPattern: hi) { hi = v }
            }
        }
        if any {
            s.min = kind == .double ? .double(lo) : .integer(Int64(bitPattern: lo))
            s.max = kind == .double ? .double(hi) : .integer(Int64(bitPattern: hi))
        }
        return s
    }

    private func stringStatistics(_ column: ColumnVector, _ start: Int, _ count: Int) -> RawStatistics {
        let view = ColumnView(column)
        var s = RawStatistics()
        var lo: UnsafeRawBufferPointer? = nil, hi: UnsafeRawBufferPointer? = nil
        for row in start..<(start + count) {
            guard view.isValid(row) else {
                s.nullCount += 1
                continue
            }
            let b = view.bytes(row)
            if lo == nil || bytesPrecede(b, lo!) { lo = b }
            if hi == nil || bytesPrecede(hi!, b) { hi = b }
        }
        Self.setBounds(&s, lo, hi)
        return s
    }

    /// Stores a block's smallest and largest string in `s`, unless either is too long to keep (§8).
    private static func setBounds(
        _ s: inout RawStatistics, _ lo: UnsafeRawBufferPointer?, _ hi: UnsafeRawBufferPointer?
    ) {
        guard let lo, let hi, lo.count <= SegmentFormat.maxStatisticStringBytes,
            hi.count <= SegmentFormat.maxStatisticStringBytes
        else { return }
        s.min = .bytes(Array(lo))
        s.max = .bytes(Array(hi))
    }

    /// `stringStatistics` from the rows' distinct indices: each distinct string of the block is
    /// compared once, not each row.
    private func codedStringStatistics(_ heap: UnsafeRawPointer, _ start: Int, _ count: Int) -> RawStatistics {
        var s = RawStatistics()
        var lo: UnsafeRawBufferPointer? = nil, hi: UnsafeRawBufferPointer? = nil
        let entries = stringTable.entries
        var marks = [UInt64](repeating: 0, count: (entries.count + 63) / 64)
        rowDistinct.withUnsafeBufferPointer { rows in
            for row in start..<(start + count) {
                let index = Int(rows[row])
                guard index >= 0 else {
                    s.nullCount += 1
                    continue
                }
                let bit: UInt64 = 1 &<< UInt64(index & 63)
                if marks[index &>> 6] & bit != 0 { continue }
                marks[index &>> 6] |= bit
                let b = UnsafeRawBufferPointer(start: heap + entries[index].offset, count: entries[index].length)
                if lo == nil || bytesPrecede(b, lo!) { lo = b }
                if hi == nil || bytesPrecede(hi!, b) { hi = b }
            }
        }
        Self.setBounds(&s, lo, hi)
        return s
    }

    private func plainStringSize(_ column: ColumnVector, _ start: Int, _ count: Int) -> Int {
        4 * (count + 1) + Int(column.offsets[start + count] - column.offsets[start])
    }

    /// `plainStringSize` from the rows' distinct indices (their bytes are not in the column).
    private func codedPlainStringSize(_ start: Int, _ count: Int) -> Int {
        var bytes = 0
        stringTable.entries.withUnsafeBufferPointer { entries in
            rowDistinct.withUnsafeBufferPointer { rows in
                for row in start..<(start + count) where rows[row] >= 0 { bytes &+= entries[Int(rows[row])].length }
            }
        }
        return 4 * (count + 1) + bytes
    }

    private func encodeStringBlock(
        _ column: ColumnVector, _ start: Int, _ count: Int, _ v: UnsafeBufferPointer<UInt64>?
    ) -> [UInt8] {
        // Offsets relative to the block's first byte, as the encoder expects.
        let base = column.offsets[start]
        var relative = [Int32](repeating: 0, count: count + 1)
        for i in 0...count { relative[i] = column.offsets[start + i] - base }
        return relative.withUnsafeBufferPointer {
            encoder.encodeStrings(offsets: $0.baseAddress!, heap: column.heap + Int(base), count: count, validity: v)
        }
    }
}

/// A column's buffers read once, so that per-row loops do not read class properties (each such
/// read across modules pays a dynamic exclusivity check).
struct ColumnView {
    let validity: ValidityBitmap
    let data: UnsafeMutableRawPointer
    let heap: UnsafeMutableRawPointer
    let kind: ValueKind

    init(_ column: ColumnVector) {
        validity = column.validity
        data = column.data
        heap = column.heap
        kind = ValueKind(column.type)
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool { validity.isValid(at: row) }

    /// The value of a fixed-width row as its 64-bit pattern (§4's integer view, or DOUBLE bits).
    @inline(__always)
    func load(_ row: Int) -> UInt64 {
        switch kind {
        case .boolean: return data.load(fromByteOffset: row, as: UInt8.self) != 0 ? 1 : 0
        case .int32: return UInt64(bitPattern: Int64(data.load(fromByteOffset: row &* 4, as: Int32.self)))
        default: return data.load(fromByteOffset: row &* 8, as: UInt64.self)
        }
    }

    /// Where string row `row` starts in the heap.
    @inline(__always)
    func offset(_ row: Int) -> Int { Int(data.load(fromByteOffset: row &* 4, as: Int32.self)) }

    /// The UTF-8 bytes of string row `row`.
    @inline(__always)
    func bytes(_ row: Int) -> UnsafeRawBufferPointer {
        let start = offset(row)
        return UnsafeRawBufferPointer(start: heap + start, count: offset(row + 1) - start)
    }
}

/// Whether `a` sorts before `b` bytewise (unsigned bytes, a prefix first), as §8 orders VARCHAR.
@inline(__always)
func bytesPrecede(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let common = min(a.count, b.count)
    if common > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, common)
        if c != 0 { return c < 0 }
    }
    return a.count < b.count
}
