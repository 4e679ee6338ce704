#if canImport(Glibc)
    import Glibc
#endif
import PlazaCore
import PlazaVector

/// Encodes one column of one row group: an optional dictionary page, then data pages (v1) of
/// RLE definition levels and RLE_DICTIONARY indices or PLAIN values, each compressed.
struct ColumnChunkEncoder {
    /// A dictionary is used while it has at most this many entries and half as many as rows.
    static let maxDictionaryEntries = 1 << 16

    let field: Field
    let values: ColumnVector
    let codec: ParquetCodec
    let pageRows: Int

    var physicalType: ParquetPhysicalType {
        switch field.type {
        case .boolean: return .boolean
        case .date: return .int32
        case .double: return .double
        case .varchar: return .byteArray
        case .decimal where field.type.isWideDecimal: return .fixedLenByteArray
        default: return .int64
        }
    }

    /// Writes rows' values in the PLAIN encoding. Holds the vector's buffers, read once: a class
    /// property read per row costs a dynamic exclusivity check (9% of a COPY's time, measured).
    private struct PlainValues {
        let physical: PhysicalType
        let data: UnsafeRawPointer
        let heap: UnsafeRawPointer

        init(_ values: ColumnVector) {
            physical = values.physicalType
            data = UnsafeRawPointer(values.data)
            heap = UnsafeRawPointer(values.heap)
        }

        /// Appends row `row`'s value to `bytes`.
        func append(_ row: Int, to bytes: inout [UInt8]) {
            switch physical {
            case .int32:
                withUnsafeBytes(of: data.load(fromByteOffset: row * 4, as: Int32.self).littleEndian) { bytes += $0 }
            case .int64, .double:
                withUnsafeBytes(of: data.load(fromByteOffset: row * 8, as: UInt64.self).littleEndian) { bytes += $0 }
            case .string:
                let offsets = data.assumingMemoryBound(to: Int32.self)
                let start = Int(offsets[row])
                let count = Int(offsets[row + 1]) - start
                withUnsafeBytes(of: UInt32(count).littleEndian) { bytes += $0 }
                bytes += UnsafeRawBufferPointer(start: heap + start, count: count)
            case .int128:
                // FIXED_LEN_BYTE_ARRAY(16) DECIMAL: big-endian two's complement.
                withUnsafeBytes(of: data.load(fromByteOffset: row * 16, as: Int128.self).bigEndian) { bytes += $0 }
            default: preconditionFailure("booleans are bit-packed")
            }
        }

        /// Appends the values of `rows`, all valid, to `bytes`: fixed-width values in one copy
        /// (PLAIN is their little-endian bytes, which a little-endian machine holds already).
        func append(_ rows: Range<Int>, to bytes: inout [UInt8]) {
            #if _endian(little)
                let width = physical == .int32 ? 4 : physical == .int64 || physical == .double ? 8 : 0
                if width > 0 {
                    bytes += UnsafeRawBufferPointer(start: data + rows.lowerBound * width, count: rows.count * width)
                    return
                }
            #endif
            for row in rows { append(row, to: &bytes) }
        }
    }

    /// The chunk's bytes as if it started at file offset `start`, and what the footer says of it.
    ///
    /// A dictionary vector (`values.isDictionary`, a flat dictionary without NULLs) is numbered
    /// through its dictionary: each distinct entry is hashed once, not every row's value. The bytes
    /// are the same as for the flattened vector.
    func encode(at start: Int) -> (bytes: [UInt8], chunk: WrittenColumnChunk) {
        var values = self.values
        let count = values.count
        let validity = values.validity  // read once: no class access per row
        // Without NULLs every row is valid: no per-row test (the profile showed a call per row here).
        let allValid = validity.words == nil
        let validRows = Self.validRows(validity, 0..<count)
        if values.isDictionary && (physicalType == .boolean || physicalType == .fixedLenByteArray || validRows.isEmpty)
        {
            values = values.flattened()
        }
        var output: [UInt8] = []
        var uncompressed = 0
        var dictionaryOffset: Int?
        // Dictionary codes, when every value has one.
        var codes: [UInt32]?
        var entries = 0
        // The rows the statistics look at: the first row of each distinct value, or every valid row.
        var statisticsRows = (vector: values, rows: validRows)
        // Wide DECIMALs go PLAIN: sums and amounts are mostly distinct, and no 16-byte value index exists.
        if physicalType != .boolean && physicalType != .fixedLenByteArray && !validRows.isEmpty {
            let limit = min(Self.maxDictionaryEntries, max(validRows.count / 2, 1))
            if let numbered = Self.dictionaryCodes(values, validRows, limit: limit) {
                codes = numbered.codes
                entries = numbered.entries.count
                statisticsRows = (numbered.dictionary, numbered.entries)
                dictionaryOffset = start
                let plain = PlainValues(numbered.dictionary)
                var dictionaryPage: [UInt8] = []
                for row in numbered.entries { plain.append(row, to: &dictionaryPage) }
                var header = ThriftCompactWriter()
                let compressed = dictionaryPage.withUnsafeBytes { PageCodec.compress(codec, $0) }
                header.structBody { w in
                    w.i32(1, ParquetPageType.dictionaryPage.rawValue)
                    w.i32(2, Int32(dictionaryPage.count))
                    w.i32(3, Int32(compressed.count))
                    w.structure(7) { w in
                        w.i32(1, Int32(entries))
                        w.i32(2, ParquetEncoding.plain.rawValue)
                    }
                }
                output += header.bytes + compressed
                uncompressed += header.bytes.count + dictionaryPage.count
            } else if values.isDictionary {
                // Too many values for a dictionary page: PLAIN pages of the values themselves.
                values = values.flattened()
                statisticsRows = (values, validRows)
            }
        }
        let plain = PlainValues(values)
        let dataOffset = start + output.count
        let width = max(1, Int.bitWidth - max(entries - 1, 0).leadingZeroBitCount)
        for pageStart in stride(from: 0, to: count, by: pageRows) {
            let pageEnd = min(count, pageStart + pageRows)
            var body: [UInt8] = []
            let levels = Self.encodeLevels(validity, pageStart..<pageEnd)
            withUnsafeBytes(of: UInt32(levels.count).littleEndian) { body += $0 }
            body += levels
            if let codes {
                body.append(UInt8(width))
                let pageCodes =
                    allValid
                    ? Array(codes[pageStart..<pageEnd])
                    : Self.validRows(validity, pageStart..<pageEnd).map { codes[$0] }
                body += bitPackedRun(pageCodes, width: width)
            } else if physicalType == .boolean {
                let rows = Self.validRows(validity, pageStart..<pageEnd)
                var bits = [UInt8](repeating: 0, count: (rows.count + 7) / 8)
                for (position, row) in rows.enumerated()
                where values.data.load(fromByteOffset: row, as: UInt8.self) != 0 {
                    bits[position / 8] |= 1 << UInt8(position % 8)
                }
                body += bits
            } else if allValid {
                plain.append(pageStart..<pageEnd, to: &body)
            } else {
                for row in Self.validRows(validity, pageStart..<pageEnd) { plain.append(row, to: &body) }
            }
            let compressed = body.withUnsafeBytes { PageCodec.compress(codec, $0) }
            var header = ThriftCompactWriter()
            header.structBody { w in
                w.i32(1, ParquetPageType.dataPage.rawValue)
                w.i32(2, Int32(body.count))
                w.i32(3, Int32(compressed.count))
                w.structure(5) { w in
                    w.i32(1, Int32(pageEnd - pageStart))
                    w.i32(2, (codes != nil ? ParquetEncoding.rleDictionary : ParquetEncoding.plain).rawValue)
                    w.i32(3, ParquetEncoding.rle.rawValue)
                    w.i32(4, ParquetEncoding.rle.rawValue)
                }
            }
            output += header.bytes + compressed
            uncompressed += header.bytes.count + body.count
        }
        var encodings: [ParquetEncoding] = [.rle]
        encodings.append(codes != nil ? .rleDictionary : .plain)
        if codes != nil { encodings.append(.plain) }
        let chunk = WrittenColumnChunk(
            physicalType: physicalType, codec: codec, encodings: encodings, valueCount: count,
            uncompressedSize: uncompressed, compressedSize: output.count, dataPageOffset: dataOffset,
            dictionaryPageOffset: dictionaryOffset,
            statistics: Self.statistics(
                of: statisticsRows.vector, rows: statisticsRows.rows, nullCount: count - validRows.count))
        return (output, chunk)
    }

    /// The dictionary codes of `validRows` (a code per row of `values`, 0 for NULL rows), the
    /// vector the dictionary page's values come from, and in it the row of each entry in code
    /// order (first appearance); nil when more than `limit` distinct values appear.
    private static func dictionaryCodes(_ values: ColumnVector, _ validRows: [Int], limit: Int)
        -> (codes: [UInt32], dictionary: ColumnVector, entries: [Int])?
    {
        var codes = [UInt32](repeating: 0, count: values.count)
        guard let dictionary = values.dictionary else {
            let index = ValueIndex(values: values, limit: limit)
            guard
                let entries = codes.withUnsafeMutableBufferPointer({ index.assign(validRows, codes: $0.baseAddress!) })
            else { return nil }
            return (codes, values, entries)
        }
        // Codes of the vector's own dictionary map to the chunk's codes; an entry is numbered
        // (hashed) on its first use, so the chunk's dictionary keeps the order of first appearance
        // and entries the vector's dictionary holds twice still get one code.
        let index = ValueIndex(values: dictionary, limit: limit)
        var remap = [UInt32](repeating: .max, count: dictionary.count)
        var entries: [Int] = []
        let sourceCodes = UnsafeRawPointer(values.data).assumingMemoryBound(to: UInt32.self)
        let fits = remap.withUnsafeMutableBufferPointer { remap in
            codes.withUnsafeMutableBufferPointer { codes in
                for row in validRows {
                    let entry = Int(sourceCodes[row])
                    var code = remap[entry]
                    if code == .max {
                        guard let (assigned, isNew) = index.code(ofRow: entry) else { return false }
                        if isNew { entries.append(entry) }
                        remap[entry] = assigned
                        code = assigned
                    }
                    codes[row] = code
                }
                return true
            }
        }
        return fits ? (codes, dictionary, entries) : nil
    }

    /// The valid rows of `range`, a 64-bit word of the bitmap at a time.
    private static func validRows(_ validity: ValidityBitmap, _ range: Range<Int>) -> [Int] {
        guard let words = validity.words else { return Array(range) }
        var rows: [Int] = []
        rows.reserveCapacity(range.count)
        var row = range.lowerBound
        while row < range.upperBound {
            let span = min(64 - (row & 63), range.upperBound - row)
            var bits = words[row >> 6] >> UInt64(row & 63)
            if span < 64 { bits &= (1 << UInt64(span)) - 1 }
            while bits != 0 {
                rows.append(row + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
            row += span
        }
        return rows
    }

    /// Definition levels of `rows` (1 valid, 0 NULL) as RLE runs of width 1.
    private static func encodeLevels(_ validity: ValidityBitmap, _ rows: Range<Int>) -> [UInt8] {
        var bytes = ThriftCompactWriter()
        var output: [UInt8] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            let valid = validity.isValid(at: row)
            var end = row + 1
            if validity.words == nil {
                end = rows.upperBound
            } else {
                while end < rows.upperBound && validity.isValid(at: end) == valid { end += 1 }
            }
            bytes = ThriftCompactWriter()
            bytes.varint(UInt64(end - row) << 1)
            output += bytes.bytes
            output.append(valid ? 1 : 0)
            row = end
        }
        return output
    }

    /// One bit-packed run of `codes` (padded to a multiple of eight values).
    private func bitPackedRun(_ codes: [UInt32], width: Int) -> [UInt8] {
        guard !codes.isEmpty else { return [] }
        let groups = (codes.count + 7) / 8
        var header = ThriftCompactWriter()
        header.varint(UInt64(groups) << 1 | 1)
        var packed = [UInt8](repeating: 0, count: groups * width)
        // LSB-first through a 64-bit accumulator: fewer than 8 bits wait between codes, and a code
        // has at most 32, so it never overflows.
        packed.withUnsafeMutableBufferPointer { out in
            var accumulator: UInt64 = 0
            var bits = 0
            var position = 0
            for code in codes {
                accumulator |= UInt64(code) << UInt64(bits)
                bits += width
                while bits >= 8 {
                    out[position] = UInt8(truncatingIfNeeded: accumulator)
                    accumulator >>= 8
                    bits -= 8
                    position += 1
                }
            }
            if bits > 0 { out[position] = UInt8(truncatingIfNeeded: accumulator) }
        }
        return header.bytes + packed
    }

    /// Min, max (plain-encoded, byte order for text) of `values`' rows `validRows`, and `nullCount`.
    private static func statistics(of values: ColumnVector, rows validRows: [Int], nullCount: Int)
        -> ParquetStatistics
    {
        var result = ParquetStatistics(nullCount: Int64(nullCount))
        guard !validRows.isEmpty else { return result }
        func bounds<T>(_ load: (Int) -> T, _ less: (T, T) -> Bool) -> (T, T)? {
            var low: T?
            var high: T?
            for row in validRows {
                let value = load(row)
                if let current = low, !less(value, current) {} else { low = value }
                if let current = high, !less(current, value) {} else { high = value }
            }
            guard let low, let high else { return nil }
            return (low, high)
        }
        func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        let data = UnsafeRawPointer(values.data)  // taken once: a class property read per row is checked
        switch values.physicalType {
        case .uint8:
            if let (low, high) = bounds({ data.load(fromByteOffset: $0, as: UInt8.self) }, <) {
                (result.min, result.max) = ([low], [high])
            }
        case .int32:
            if let (low, high) = bounds({ data.load(fromByteOffset: $0 * 4, as: Int32.self) }, <) {
                (result.min, result.max) = (bytes(low.littleEndian), bytes(high.littleEndian))
            }
        case .int64:
            if let (low, high) = bounds({ data.load(fromByteOffset: $0 * 8, as: Int64.self) }, <) {
                (result.min, result.max) = (bytes(low.littleEndian), bytes(high.littleEndian))
            }
        case .double:
            // NaN has no place in min/max; a column of NaNs only gets none.
            let numbers = validRows.map { data.load(fromByteOffset: $0 * 8, as: Double.self) }.filter {
                !$0.isNaN
            }
            if let low = numbers.min(), let high = numbers.max() {
                (result.min, result.max) = (bytes(low.bitPattern.littleEndian), bytes(high.bitPattern.littleEndian))
            }
        case .string:
            // Byte order, comparing in place; only the two winners are copied out.
            let offsets = data.assumingMemoryBound(to: Int32.self)
            let heap = UnsafeRawPointer(values.heap)
            func text(_ row: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(start: heap + Int(offsets[row]), count: Int(offsets[row + 1] - offsets[row]))
            }
            func less(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order < 0 || (order == 0 && a.count < b.count)
            }
            var low = validRows[0], high = validRows[0]
            for row in validRows.dropFirst() {
                let value = text(row)
                if less(value, text(low)) { low = row }
                if less(text(high), value) { high = row }
            }
            (result.min, result.max) = (Array(text(low)), Array(text(high)))
        case .interval: break  // the writer refuses it (ParquetWriter.init)
        case .int128:
            // Signed order; the bounds are the values' FIXED_LEN_BYTE_ARRAY bytes (big-endian).
            if let (low, high) = bounds({ data.load(fromByteOffset: $0 * 16, as: Int128.self) }, <) {
                (result.min, result.max) = (bytes(low.bigEndian), bytes(high.bigEndian))
            }
        }
        return result
    }
}
