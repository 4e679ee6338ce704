import PlazaCore
import PlazaVector

/// Reads one row group of a segment batch by batch, decoding only the requested columns and
/// skipping blocks whose statistics rule out the predicates (Formats/plaza-file-format.md §8).
///
/// A column whose chunk has a shared dictionary comes back as a dictionary vector whose
/// `dictionary` is the same `ColumnVector` instance for every batch of the row group; other
/// columns come back flat. Not for concurrent use; open one cursor per thread.
@usableFromInline package final class SegmentCursor: RowGroupCursor {
    /// The reader the cursor reads from (kept alive by the cursor).
    package let reader: SegmentReader
    /// The row group being read.
    package let rowGroup: Int
    /// The table columns yielded, in order.
    package let columns: [Int]
    /// The predicates used for block skipping (columns are positions in `columns`).
    package let predicates: [ScanPredicate]
    /// What has been read and skipped so far. A skipped block counts once per requested column,
    /// as a read one does.
    package private(set) var statistics = ScanStatistics()
    /// The shared dictionary of each requested column, or nil for columns decoded flat.
    package let dictionaries: [ColumnVector?]

    private let decoder = BlockDecoder()
    private let blockCount: Int
    private var nextBlock = 0
    /// For blocks over 2,048 values: the decoded block and the next row to hand out.
    private var staging: [ColumnVector] = []
    private var stagingRow = 0
    private var stagingCount = 0

    /// The row (within the row group) of the first row of the last batch handed out.
    package private(set) var batchStartRow = 0
    /// Per block of the row group, whether to skip it unread (its rows are all deleted); nil: none.
    package var excludedBlocks: [Bool]?

    /// Whether every block read is hashed, even one this reader verified before.
    private let verifyEveryBlock: Bool

    init(
        reader: SegmentReader, rowGroup: Int, columns: [Int], predicates: [ScanPredicate], blocks: Range<Int>,
        verifyEveryBlock: Bool
    ) throws(FormatError) {
        self.reader = reader
        self.verifyEveryBlock = verifyEveryBlock
        self.rowGroup = rowGroup
        // Copies of their own: the arrays the scan hands every cursor are shared between threads,
        // and reading them block by block retained their buffers from every core at once.
        self.columns = columns.map { $0 }
        self.predicates = predicates.map {
            ScanPredicate(column: $0.column, comparison: $0.comparison, constants: $0.constants.map { $0 })
        }
        self.blockCount = blocks.upperBound
        self.nextBlock = blocks.lowerBound
        var dictionaries: [ColumnVector?] = []
        for column in columns {
            let field = reader.schema.fields[column]
            let dictionary: (offset: Int, length: Int, entries: Int)?
            do throws(FormatError) {
                dictionary = try reader.index.dictionary(rowGroup: rowGroup, column: column)
            } catch {
                throw error.located(path: reader.path, rowGroup: rowGroup, column: field.name, block: -1, offset: nil)
            }
            guard let d = dictionary else {
                dictionaries.append(nil)
                continue
            }
            let vector = ColumnVector(type: field.type, capacity: (d.entries + 63) & ~63)
            do throws(FormatError) {
                let verify =
                    verifyEveryBlock
                    || reader.needsVerification(rowGroup: rowGroup, column: column, block: -1, offset: d.offset)
                let header = try decoder.decode(
                    reader.bytes(d.offset, d.length), type: field.type, dictionary: nil, into: vector,
                    verifyChecksum: verify)
                guard header.encoding == .plain, !header.hasValidity, header.count == d.entries else {
                    throw corrupt(
                        "dictionary block must be plain, without NULLs, with the \(d.entries) entries the footer names")
                }
                if verify { reader.markVerified(rowGroup: rowGroup, column: column, block: -1, offset: d.offset) }
            } catch {
                throw error.located(
                    path: reader.path, rowGroup: rowGroup, column: field.name, block: -1, offset: d.offset)
            }
            dictionaries.append(vector)
        }
        self.dictionaries = dictionaries
        if reader.blockSize > ColumnVector.batchCapacity {
            staging = columns.map { ColumnVector(type: reader.schema.fields[$0].type, capacity: reader.blockSize) }
        }
    }

    /// Fills `batch` (one vector per requested column, of its type) with the next rows, at most
    /// 2,048. Returns false, leaving the batch empty, when the row group is done.
    ///
    /// - Throws: `FormatError` naming the file, row group, column and block of a damaged block.
    package func next(into batch: Batch) throws(FormatError) -> Bool {
        try next(into: batch, demands: nil)
    }

    /// As `next(into:)`, decoding each column only as `demands` asks (one per requested column):
    /// `.values` decodes it; `.validity` gives its NULLs exactly, from the block statistics when
    /// they show none or only NULLs, else from the block's bitmap alone; `.nothing` reads nothing.
    /// Vectors not decoded hold the row count, unspecified values and empty strings;
    /// `load(column:into:)` decodes them later. Blocks over 2,048 values decode every column.
    ///
    /// - Throws: `FormatError` naming the file, row group, column and block of a damaged block.
    package func next(into batch: Batch, demands: [ColumnDemand]) throws(FormatError) -> Bool {
        try next(into: batch, demands: Optional(demands))
    }

    private func next(into batch: Batch, demands: [ColumnDemand]?) throws(FormatError) -> Bool {
        precondition(batch.columns.count == columns.count, "batch needs one vector per requested column")
        precondition(demands == nil || demands!.count == columns.count, "one demand per requested column")
        batch.selection = nil
        if stagingRow < stagingCount {
            batchStartRow = currentBlock * reader.blockSize + stagingRow
            handOutStaged(batch)
            return true
        }
        guard let block = nextUnskippedBlock() else {
            batch.count = 0
            currentBlock = -1
            for vector in batch.columns { vector.reset() }
            return false
        }
        currentBlock = block
        batchStartRow = block * reader.blockSize
        let rows = reader.index.valueCount(rowGroup: rowGroup, block: block)
        for position in columns.indices {
            let target = staging.isEmpty ? batch.columns[position] : staging[position]
            let demand = staging.isEmpty ? demands?[position] ?? .values : .values
            switch demand {
            case .values: try decode(position, block: block, rows: rows, into: target)
            case .validity: try decodeValidity(position, block: block, rows: rows, into: target)
            case .nothing: Self.makeUndecoded(target, rows: rows)
            }
        }
        if staging.isEmpty {
            batch.count = rows
        } else {
            stagingRow = 0
            stagingCount = rows
            handOutStaged(batch)
        }
        return true
    }

    /// Decodes the values of column `position` of the rows the last `next` returned into
    /// `batch.columns[position]` (after a `.nothing` or `.validity` demand). Does nothing for
    /// blocks over 2,048 values, which `next` decoded whole.
    ///
    /// - Throws: `FormatError` naming the file, row group, column and block of a damaged block.
    package func load(column position: Int, into batch: Batch) throws(FormatError) {
        guard staging.isEmpty else { return }
        precondition(currentBlock >= 0, "load(column:into:) needs a batch from next(into:demands:)")
        try decode(
            position, block: currentBlock, rows: reader.index.valueCount(rowGroup: rowGroup, block: currentBlock),
            into: batch.columns[position])
    }

    /// As `load(column:into:)`, but bit-packed integers and dictionary codes are extracted at
    /// `rows` only (the other rows' values are unspecified): after a selective filter, a fraction
    /// of the work.
    package func load(column position: Int, into batch: Batch, rows selected: UnsafeBufferPointer<Int32>)
        throws(FormatError)
    {
        guard staging.isEmpty else { return }
        precondition(currentBlock >= 0, "load(column:into:rows:) needs a batch from next(into:demands:)")
        try decode(
            position, block: currentBlock, rows: reader.index.valueCount(rowGroup: rowGroup, block: currentBlock),
            into: batch.columns[position], only: selected)
    }

    /// The shared dictionary of column `position` in the current row group, nil when decoded flat.
    package func dictionary(ofColumn position: Int) -> ColumnVector? { dictionaries[position] }

    /// ANDs into `mask` whether each row of the last batch (after a `.nothing` or `.validity`
    /// demand) is not NULL in column `position` and its dictionary code's `matches` entry is set,
    /// from the packed codes when they are 1, 2 or 4 bits wide; false, leaving `mask` alone, otherwise.
    ///
    /// - Throws: `FormatError` naming the file, row group, column and block of a damaged block.
    package func andCodeMatches(
        column position: Int, matches: UnsafeBufferPointer<UInt8>, into mask: UnsafeMutablePointer<UInt64>
    ) throws(FormatError) -> Bool {
        guard staging.isEmpty, currentBlock >= 0, let dictionary = dictionaries[position] else { return false }
        let rows = reader.index.valueCount(rowGroup: rowGroup, block: currentBlock)
        var applied = false
        try readBlock(position, block: currentBlock) { (bytes, verify) throws(FormatError) in
            guard
                try decoder.andCodeMatches(
                    bytes, entries: dictionary.count, matches: matches, mask: mask, verifyChecksum: verify,
                    expecting: rows) != nil
            else { return }
            applied = true
        }
        if applied {
            statistics.blocksRead += 1
            statistics.bytesDecoded += BitPacking.byteCount(
                count: rows, width: BitPacking.width(of: UInt64(dictionary.count - 1)))
        }
        return applied
    }

    /// ANDs into `mask` whether each row of the last batch (after a `.nothing` or `.validity`
    /// demand) is not NULL in the VARCHAR column `position` and its value is `length` bytes long,
    /// from the block's offsets alone (no text decompressed): an equality with a constant of that
    /// length holds nowhere else. False, leaving `mask` alone, for other columns and encodings.
    ///
    /// - Throws: `FormatError` naming the file, row group, column and block of a damaged block.
    package func andLengthEquals(
        column position: Int, length: Int, into mask: UnsafeMutablePointer<UInt64>
    ) throws(FormatError) -> Bool {
        guard staging.isEmpty, currentBlock >= 0, dictionaries[position] == nil,
            reader.schema.fields[columns[position]].type == .varchar
        else { return false }
        let rows = reader.index.valueCount(rowGroup: rowGroup, block: currentBlock)
        var applied = false
        try readBlock(position, block: currentBlock) { (bytes, verify) throws(FormatError) in
            guard
                try decoder.andLengthEquals(bytes, length: length, mask: mask, verifyChecksum: verify, expecting: rows)
                    != nil
            else { return }
            applied = true
        }
        return applied
    }

    /// Whether the statistics of the block the last batch came from prove `predicate` (a position
    /// among the requested columns) true for every row of it.
    package func provesTrue(_ predicate: ScanPredicate) -> Bool {
        guard currentBlock >= 0, predicate.column >= 0, predicate.column < columns.count else { return false }
        return reader.statistics(rowGroup: rowGroup, column: columns[predicate.column], block: currentBlock)
            .mustMatch(predicate)
    }

    /// The block of the last batch handed out, or -1 before the first and at the end.
    private var currentBlock = -1

    private func decode(
        _ position: Int, block: Int, rows: Int, into target: ColumnVector, only: UnsafeBufferPointer<Int32>? = nil
    ) throws(FormatError) {
        let column = columns[position]
        let field = reader.schema.fields[column]
        precondition(
            target.type == field.type, "batch column \(position) is \(target.type), the table column \(field.type)")
        try readBlock(position, block: block) { (bytes, verify) throws(FormatError) in
            let header = try decoder.decode(
                bytes, type: field.type, dictionary: dictionaries[position], into: target, verifyChecksum: verify,
                only: only)
            guard header.count == rows else {
                throw corrupt("block holds \(header.count) values, the footer expects \(rows)")
            }
        }
        statistics.blocksRead += 1
        statistics.bytesDecoded += decodedBytes(target)
    }

    /// Hands `body` the bytes of block `block` of column `position` and whether to hash them, marks
    /// the block verified once `body` succeeds, and locates any error in file, row group, column and block.
    private func readBlock(
        _ position: Int, block: Int, _ body: (UnsafeRawBufferPointer, Bool) throws(FormatError) -> Void
    ) throws(FormatError) {
        let column = columns[position]
        do throws(FormatError) {
            let entry = try reader.index.block(rowGroup: rowGroup, column: column, block: block)
            // A block this reader verified before decodes with its header and structure
            // checked but not hashed again (see SegmentReader.needsVerification).
            let verify =
                verifyEveryBlock
                || reader.needsVerification(rowGroup: rowGroup, column: column, block: block, offset: entry.offset)
            try body(reader.bytes(entry.offset, entry.length), verify)
            if verify { reader.markVerified(rowGroup: rowGroup, column: column, block: block, offset: entry.offset) }
        } catch {
            throw error.located(
                path: reader.path, rowGroup: rowGroup, column: reader.schema.fields[column].name, block: block,
                offset: reader.index.storedOffset(rowGroup: rowGroup, column: column, block: block))
        }
    }

    /// Fills only the NULLs of column `position`: from the block's NULL count when it is 0 or
    /// every row, else from the block's bitmap (the values are not decoded).
    private func decodeValidity(_ position: Int, block: Int, rows: Int, into target: ColumnVector) throws(FormatError) {
        let column = columns[position]
        let field = reader.schema.fields[column]
        precondition(
            target.type == field.type, "batch column \(position) is \(target.type), the table column \(field.type)")
        Self.makeUndecoded(target, rows: rows)
        let nulls = reader.index.blockNullCount(rowGroup: rowGroup, column: column, block: block)
        if nulls == 0 { return }
        let words = ValidityBitmap.wordCount(for: rows)
        target.hasNulls = true
        if nulls == rows {
            target.validityWords.update(repeating: 0, count: words)
            return
        }
        try readBlock(position, block: block) { (bytes, verify) throws(FormatError) in
            let hasBitmap = try decoder.decodeValidity(
                bytes, count: rows, into: target.validityWords, verifyChecksum: verify)
            guard hasBitmap else {
                throw corrupt("block statistics count \(nulls) NULLs but the block has no validity bitmap")
            }
        }
        statistics.blocksRead += 1
        statistics.bytesDecoded += words * 8
    }

    /// Makes `target` a flat vector of `rows` rows without NULLs whose values are unspecified
    /// (strings empty), for a column whose values are not decoded.
    static func makeUndecoded(_ target: ColumnVector, rows: Int) {
        target.reset()
        target.reserve((rows + 63) & ~63)
        if target.physicalType == .string { target.offsets.update(repeating: 0, count: rows + 1) }
        target.count = rows
    }

    private func decodedBytes(_ v: ColumnVector) -> Int {
        if v.isDictionary { return v.count * 4 }
        return v.physicalType == .string ? (v.count + 1) * 4 + v.heapCount : v.count * v.byteWidth
    }

    private func nextUnskippedBlock() -> Int? {
        while nextBlock < blockCount {
            let block = nextBlock
            nextBlock += 1
            if let excludedBlocks, excludedBlocks[block] {
                statistics.blocksSkipped += max(columns.count, 1)
                continue
            }
            let matches = predicates.allSatisfy {
                reader.statistics(rowGroup: rowGroup, column: columns[$0.column], block: block).mightMatch($0)
            }
            if matches { return block }
            statistics.blocksSkipped += max(columns.count, 1)
        }
        return nil
    }

    /// Copies the next ≤ 2,048 staged rows into `batch`; slices start at multiples of 64 rows, so
    /// validity words copy whole.
    private func handOutStaged(_ batch: Batch) {
        let start = stagingRow, count = min(ColumnVector.batchCapacity, stagingCount - stagingRow)
        for (position, source) in staging.enumerated() {
            let target = batch.columns[position]
            precondition(
                target.type == source.type,
                "batch column \(position) is \(target.type), the table column \(source.type)")
            target.reset()
            target.reserve((count + 63) & ~63)
            if let dictionary = source.dictionary {
                (target.data).copyMemory(from: source.data + start * 4, byteCount: count * 4)
                target.makeDictionary(dictionary, count: count)
            } else if source.physicalType == .string {
                let base = source.offsets[start], end = source.offsets[start + count]
                target.reserveHeap(Int(end - base))
                target.heap.copyMemory(from: source.heap + Int(base), byteCount: Int(end - base))
                for i in 0...count { target.offsets[i] = source.offsets[start + i] - base }
                target.heapCount = Int(end - base)
                target.count = count
            } else {
                target.data.copyMemory(
                    from: source.data + start * source.byteWidth, byteCount: count * source.byteWidth)
                target.count = count
            }
            if source.hasNulls {
                target.validityWords.update(
                    from: source.validityWords + start / 64, count: ValidityBitmap.wordCount(for: count))
                target.hasNulls = true
            }
        }
        batch.count = count
        stagingRow += count
    }
}
