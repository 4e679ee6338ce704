import PlazaCore
import PlazaVector

/// Reads one column chunk page by page and appends its rows to `ColumnVector`s, a batch at a time.
///
/// Memory stays bounded whatever the file claims: pages are inflated one at a time (at most
/// `PageCodec.maxPageBytes`), levels and dictionary indices are decoded a batch at a time, and
/// delta-encoded pages are capped at `maxPageValues`.
final class ParquetColumnReader {
    /// Encodings of the current data page's values.
    enum ValueEncoding { case plain, plainBoolean, rleBoolean, dictionary, byteStreamSplit, integers, ranges }

    /// The most values a page may claim (real writers stay near 20,000).
    static let maxPageValues = 1 << 22

    let column: ParquetColumn
    let chunk: UnsafeRawBufferPointer
    let codec: ParquetCodec
    private(set) var pagesRead = 0
    private(set) var bytesDecoded = 0
    private var position = 0
    private var pageNumber = -1
    var dictionary: ColumnVector?

    private var pageStorage: UnsafeMutableRawBufferPointer?
    var page = UnsafeRawBufferPointer(start: nil, count: 0)
    private var rowsLeftInPage = 0
    var levels: RLEHybridDecoder?
    var encoding = ValueEncoding.plain
    var valuePosition = 0
    var valueIndex = 0
    var streamCount = 0
    var valueDecoder: RLEHybridDecoder?
    var integers: [Int64] = []
    var ranges: [Range<Int>] = []
    var ownHeap: [UInt8]?

    let levelScratch: UnsafeMutablePointer<UInt32>
    let codeScratch: UnsafeMutablePointer<UInt32>
    /// A batch of row codes (NULL rows marked) while `readCodes` assembles a dictionary vector.
    let batchCodes: UnsafeMutablePointer<UInt32>
    /// Whether the dictionary's entries are distinct, as a dictionary vector's must be (Parquet
    /// does not require it; a writer that repeats an entry gets flat strings instead).
    var dictionaryIsDistinct = false
    let storedScratch: UnsafeMutableRawPointer
    var slices: [UnsafeRawBufferPointer] = []

    /// Creates a reader of `chunk`, the bytes from the chunk's first page to its end.
    init(column: ParquetColumn, chunk: UnsafeRawBufferPointer, codec: ParquetCodec) {
        self.column = column
        self.chunk = chunk
        self.codec = codec
        levelScratch = .allocate(capacity: ColumnVector.batchCapacity)
        codeScratch = .allocate(capacity: ColumnVector.batchCapacity)
        batchCodes = .allocate(capacity: ColumnVector.batchCapacity)
        storedScratch = .allocate(byteCount: ColumnVector.batchCapacity * max(16, column.storedWidth), alignment: 16)
    }

    deinit {
        levelScratch.deallocate()
        codeScratch.deallocate()
        batchCodes.deallocate()
        storedScratch.deallocate()
        pageStorage?.deallocate()
    }

    /// Appends the next `count` rows (at most a batch) to `vector`; throws if the chunk ends first.
    ///
    /// Text read into an empty vector from dictionary-encoded pages comes as a dictionary vector
    /// over the chunk's dictionary (codes only, no string copied), as Plaza's own segments give it,
    /// so that grouping, DISTINCT and filters work on codes.
    func read(_ count: Int, into vector: ColumnVector) throws(ParquetError) {
        precondition(count <= ColumnVector.batchCapacity, "read at most a batch at a time")
        var done = 0
        if vector.count == 0 && vector.physicalType == .string && count > 0 {
            do { done = try readCodes(count, into: vector) } catch { throw error.located(page: pageNumber) }
            if done == count { return }
        }
        let start = vector.count - done
        vector.reserve(start + count)
        while done < count {
            if rowsLeftInPage == 0 {
                do { try nextDataPage() } catch { throw error.located(page: pageNumber) }
            }
            let rows = min(count - done, rowsLeftInPage)
            do { try readRows(rows, into: vector, at: start + done) } catch { throw error.located(page: pageNumber) }
            rowsLeftInPage -= rows
            done += rows
        }
    }

    /// Decodes the definition levels of the next `rows` rows into `levelScratch` (all 1 when the
    /// column has none) and returns how many are not NULL.
    private func decodeLevels(_ rows: Int) throws(ParquetError) -> Int {
        guard var decoder = levels else { return rows }
        try decoder.next(rows, into: levelScratch)
        levels = decoder
        var ones = 0
        var all: UInt32 = 0
        for index in 0..<rows {
            ones &+= Int(levelScratch[index] & 1)
            all |= levelScratch[index]
        }
        guard all <= 1 else { throw ParquetError(.corrupt, "a definition level above 1 in a flat column") }
        return ones
    }

    /// Reads up to `count` rows of dictionary codes while the pages stay dictionary-encoded. All
    /// of them: `vector` becomes a dictionary vector, and the result is `count`. A page in another
    /// encoding first: the rows so far are appended as flat strings and their number returned.
    /// Without a usable dictionary (none yet, or one with repeated entries) nothing is read.
    private func readCodes(_ count: Int, into vector: ColumnVector) throws(ParquetError) -> Int {
        if rowsLeftInPage == 0 { try nextDataPage() }
        guard encoding == .dictionary, let dictionary, dictionaryIsDistinct else { return 0 }
        let codes = batchCodes
        var nullRows = 0
        var done = 0
        while done < count {
            if rowsLeftInPage == 0 { try nextDataPage() }
            guard encoding == .dictionary else { break }
            let rows = min(count - done, rowsLeftInPage)
            let nonNull = try decodeLevels(rows)
            try decodeCodes(nonNull)
            if nonNull == rows {
                (codes + done).update(from: codeScratch, count: rows)
            } else {
                var code = 0
                for row in 0..<rows {
                    if levelScratch[row] != 0 {
                        codes[done + row] = codeScratch[code]
                        code += 1
                    } else {
                        codes[done + row] = Self.nullCode
                        nullRows += 1
                    }
                }
            }
            bytesDecoded += rows * 4
            rowsLeftInPage -= rows
            done += rows
        }
        if done == count {
            vector.makeDictionary(dictionary, count: count)
            let target = vector.values(as: UInt32.self)
            if nullRows == 0 {
                target.baseAddress!.update(from: codes, count: count)
            } else {
                // The codes become the validity flags (nonzero: valid) once copied out.
                for row in 0..<count {
                    let code = codes[row]
                    target[row] = code == Self.nullCode ? 0 : code
                    codes[row] = code == Self.nullCode ? 0 : 1
                }
                vector.setValidity(flags: codes, count: count, at: 0)
            }
            return count
        }
        // Another encoding takes over mid-batch (a writer's dictionary overflowed): flat from here.
        vector.reserve(count)
        for row in 0..<done {
            if codes[row] == Self.nullCode {
                vector.appendNull()
            } else {
                vector.appendBytes(dictionary.bytes(at: Int(codes[row])))
            }
        }
        return done
    }

    /// Marks a NULL row among the codes of `readCodes` (no dictionary has 2^32 - 1 entries).
    private static let nullCode = UInt32.max

    private func readRows(_ rows: Int, into vector: ColumnVector, at base: Int) throws(ParquetError) {
        let nonNull = try decodeLevels(rows)
        bytesDecoded += rows * max(vector.byteWidth, 4)
        if vector.physicalType == .string {
            try readStrings(rows, nonNull: nonNull, into: vector)
            return
        }
        let width = vector.byteWidth
        let target = vector.data + base * width
        try decodeFixed(nonNull, into: target)
        if nonNull < rows {
            switch width {
            case 1: expand(target.assumingMemoryBound(to: UInt8.self), rows: rows, nonNull: nonNull)
            case 4: expand(target.assumingMemoryBound(to: UInt32.self), rows: rows, nonNull: nonNull)
            case 16: expand(target.assumingMemoryBound(to: UInt128.self), rows: rows, nonNull: nonNull)
            default: expand(target.assumingMemoryBound(to: UInt64.self), rows: rows, nonNull: nonNull)
            }
            vector.setValidity(flags: levelScratch, count: rows, at: base)
        }
        vector.setCount(base + rows)
    }

    /// Spreads `nonNull` packed values over `rows` slots by the definition levels, from the back.
    private func expand<T: FixedWidthInteger>(_ values: UnsafeMutablePointer<T>, rows: Int, nonNull: Int) {
        // Branch-free: NULLs fall anywhere, so a branch per row would mispredict.
        let levels = levelScratch
        var source = nonNull - 1
        var row = rows - 1
        while row >= 0 {
            let level = Int(levels[row])
            let value = values[source < 0 ? 0 : source]
            values[row] = level != 0 ? value : 0
            source &-= level
            row &-= 1
        }
    }

    // MARK: Pages

    private func nextDataPage() throws(ParquetError) {
        while true {
            guard position < chunk.count else {
                throw ParquetError(.truncated, "the column chunk ends before the row group's last row")
            }
            pageNumber += 1
            var reader = ThriftCompactReader(chunk, position: position)
            let header = try ParquetPageHeader.decode(&reader)
            position = reader.position
            let size = Int(header.compressedSize)
            guard size <= chunk.count - position else {
                throw ParquetError(.truncated, "a page of \(size) bytes past the end of the column chunk")
            }
            let body = UnsafeRawBufferPointer(rebasing: chunk[position..<(position + size)])
            position += size
            pagesRead += 1
            switch ParquetPageType(rawValue: header.type) {
            case .dictionaryPage:
                try loadDictionary(header, body)
            case .dataPage:
                try loadDataPageV1(header, body)
                if rowsLeftInPage > 0 { return }
            case .dataPageV2:
                try loadDataPageV2(header, body)
                if rowsLeftInPage > 0 { return }
            case .indexPage, nil:
                continue
            }
        }
    }

    /// Inflates `body` (or uses it as is) into `page`.
    private func inflate(_ body: UnsafeRawBufferPointer, size: Int, compressed: Bool) throws(ParquetError) {
        guard size >= 0, size <= PageCodec.maxPageBytes else {
            throw ParquetError(.corrupt, "a page claiming \(size) bytes (at most \(PageCodec.maxPageBytes) are read)")
        }
        if !compressed || codec == .uncompressed {
            guard body.count == size else {
                throw ParquetError(.corrupt, "an uncompressed page of \(body.count) bytes claiming \(size)")
            }
            page = body
            return
        }
        if (pageStorage?.count ?? -1) < size {
            pageStorage?.deallocate()
            pageStorage = .allocate(byteCount: max(size, 64), alignment: 16)
        }
        let target = UnsafeMutableRawBufferPointer(rebasing: pageStorage![..<size])
        try PageCodec.decompress(codec, body, into: target)
        page = UnsafeRawBufferPointer(target)
    }

    private func checkValueCount(_ header: ParquetPageHeader) throws(ParquetError) {
        guard Int(header.valueCount) <= Self.maxPageValues else {
            throw ParquetError(.corrupt, "a page claiming \(header.valueCount) values (at most \(Self.maxPageValues))")
        }
    }

    private func loadDictionary(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer) throws(ParquetError) {
        guard dictionary == nil else { throw ParquetError(.corrupt, "a second dictionary page in one column chunk") }
        guard
            header.encoding == ParquetEncoding.plain.rawValue
                || header.encoding == ParquetEncoding.plainDictionary.rawValue
        else { throw ParquetError(.unsupported, "a dictionary page with encoding \(header.encoding)") }
        try checkValueCount(header)
        try inflate(body, size: Int(header.uncompressedSize), compressed: true)
        let count = Int(header.valueCount)
        // Each entry takes at least one byte (four for byte arrays), so a larger count is a lie.
        guard count <= page.count else {
            throw ParquetError(.corrupt, "a dictionary of \(count) entries in \(page.count) bytes")
        }
        let values = ColumnVector(type: column.type, capacity: max(count, 1))
        encoding = .plain
        valuePosition = 0
        levels = nil
        var done = 0
        while done < count {
            let rows = min(ColumnVector.batchCapacity, count - done)
            if values.physicalType == .string {
                try readStrings(rows, nonNull: rows, into: values)
            } else {
                try decodeFixed(rows, into: values.data + done * values.byteWidth)
                values.setCount(done + rows)
            }
            done += rows
        }
        dictionary = values
        if values.physicalType == .string {
            // Hashes of the entries: a repeated hash (a repeated entry, or rarely a collision)
            // sends the chunk down the flat path, which is right either way.
            var seen = Set<Int>(minimumCapacity: count)
            for entry in 0..<count {
                var hasher = Hasher()
                hasher.combine(bytes: values.bytes(at: entry))
                seen.insert(hasher.finalize())
            }
            dictionaryIsDistinct = seen.count == count
        }
    }

    private func loadDataPageV1(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer) throws(ParquetError) {
        try checkValueCount(header)
        try inflate(body, size: Int(header.uncompressedSize), compressed: true)
        var start = 0
        levels = nil
        if column.isOptional {
            guard header.definitionLevelEncoding == ParquetEncoding.rle.rawValue else {
                throw ParquetError(.unsupported, "definition levels encoded with \(header.definitionLevelEncoding)")
            }
            guard page.count >= 4 else { throw ParquetError(.truncated, "a page ends in its definition levels") }
            let length = Int(UInt32(littleEndian: page.loadUnaligned(as: UInt32.self)))
            guard length <= page.count - 4 else {
                throw ParquetError(.truncated, "a page ends in its definition levels")
            }
            levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: page[4..<(4 + length)]), width: 1)
            start = 4 + length
        }
        try startValues(header, at: start)
    }

    private func loadDataPageV2(_ header: ParquetPageHeader, _ body: UnsafeRawBufferPointer) throws(ParquetError) {
        try checkValueCount(header)
        let repetition = Int(header.repetitionLevelsLength), definition = Int(header.definitionLevelsLength)
        guard repetition >= 0, definition >= 0, repetition + definition <= body.count,
            repetition + definition <= Int(header.uncompressedSize)
        else { throw ParquetError(.corrupt, "level lengths beyond the page") }
        guard repetition == 0 else { throw ParquetError(.unsupported, "repetition levels in a flat column") }
        levels = nil
        if column.isOptional {
            levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: body[..<definition]), width: 1)
        }
        let values = UnsafeRawBufferPointer(rebasing: body[definition...])
        try inflate(values, size: Int(header.uncompressedSize) - definition, compressed: header.isCompressed)
        try startValues(header, at: 0)
    }

    /// Prepares the value decoder of a data page whose values start at `start` in `page`.
    private func startValues(_ header: ParquetPageHeader, at start: Int) throws(ParquetError) {
        rowsLeftInPage = Int(header.valueCount)
        valuePosition = start
        valueIndex = 0
        ownHeap = nil
        let values = UnsafeRawBufferPointer(rebasing: page[start...])
        let physical = column.physicalType
        switch ParquetEncoding(rawValue: header.encoding) {
        case .plain:
            encoding = physical == .boolean ? .plainBoolean : .plain
            if physical == .boolean { valuePosition = start * 8 }
        case .plainDictionary, .rleDictionary:
            guard dictionary != nil else {
                throw ParquetError(.corrupt, "dictionary indices without a dictionary page")
            }
            guard values.count >= 1 else {
                // A page of NULLs only may carry no index bytes at all.
                encoding = .dictionary
                valueDecoder = try RLEHybridDecoder(values, width: 0)
                return
            }
            encoding = .dictionary
            valueDecoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: values[1...]), width: Int(values[0]))
        case .rle where physical == .boolean:
            guard values.count >= 4 else { throw ParquetError(.truncated, "a boolean page ends early") }
            let length = Int(UInt32(littleEndian: values.loadUnaligned(as: UInt32.self)))
            guard length <= values.count - 4 else { throw ParquetError(.truncated, "a boolean page ends early") }
            encoding = .rleBoolean
            valueDecoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: values[4..<(4 + length)]), width: 1)
        case .deltaBinaryPacked where physical == .int32 || physical == .int64:
            var cursor = 0
            integers = try DeltaDecoding.binaryPacked(values, position: &cursor, limit: rowsLeftInPage)
            encoding = .integers
        case .deltaLengthByteArray where physical == .byteArray:
            var cursor = 0
            ranges = try DeltaDecoding.lengthByteArray(values, position: &cursor, limit: rowsLeftInPage)
            ranges = ranges.map { ($0.lowerBound + start)..<($0.upperBound + start) }
            encoding = .ranges
        case .deltaByteArray where physical == .byteArray || physical == .fixedLenByteArray:
            var cursor = 0
            let decoded = try DeltaDecoding.byteArray(values, position: &cursor, limit: rowsLeftInPage)
            ownHeap = decoded.heap
            ranges = decoded.ranges
            encoding = .ranges
        case .byteStreamSplit where column.storedWidth > 0 && physical != .int96 && physical != .boolean:
            let width = column.storedWidth
            guard values.count % width == 0 else {
                throw ParquetError(
                    .corrupt, "a BYTE_STREAM_SPLIT page of \(values.count) bytes for \(width)-byte values")
            }
            streamCount = values.count / width
            encoding = .byteStreamSplit
        default:
            throw ParquetError(.unsupported, "encoding \(header.encoding) for \(physical) values")
        }
    }
}
