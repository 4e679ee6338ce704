import PlazaCore
import PlazaVector

/// Encodes single blocks outside a segment file, for benchmarks and tests; decode them with
/// `BlockDecoder.decode` (Formats/plaza-file-format.md §5, §7).
@usableFromInline package enum BlockCodec {
    /// Encodes the flat `vector` (1 … 65,536 values) as one sealed block with `encoding`, or the
    /// smallest that applies when nil; LZ4 goes on top where it saves ≥ 10% if `allowCompression`.
    ///
    /// - Throws: `.invalidArgument` for an empty or dictionary vector, `.dictionary` (use
    ///   `encodeWithDictionary`), or an encoding that cannot hold these values (e.g. `.constant`
    ///   over different values, `.alp` over values that are not short decimals).
    package static func encode(_ vector: ColumnVector, encoding: BlockEncoding? = nil, allowCompression: Bool = true)
        throws(FormatError) -> [UInt8]
    {
        let n = vector.count
        guard n >= 1, n <= SegmentFormat.maxBlockSize, !vector.isDictionary else {
            throw FormatError(.invalidArgument, "a block holds 1 … 65,536 values of a flat vector", path: "")
        }
        guard TypeCode.code(of: vector.type) != nil else {
            throw FormatError(.invalidArgument, "type \(vector.type) cannot be stored", path: "")
        }
        if let encoding {
            guard encoding != .dictionary else {
                throw FormatError(.invalidArgument, "dictionary blocks come from encodeWithDictionary", path: "")
            }
            guard encoding.applies(to: vector.type) else {
                throw FormatError(.invalidArgument, "\(encoding) does not apply to \(vector.type)", path: "")
            }
        }
        let kind = ValueKind(vector.type)
        let validity =
            vector.hasNulls
            ? UnsafeBufferPointer(start: vector.validityWords, count: ValidityBitmap.wordCount(for: n)) : nil
        let encoder = BlockEncoder()
        if kind == .int128 { return try encodeWide(vector, encoding, validity, allowCompression, encoder) }
        if kind == .string {
            if encoding == .constant {
                var first: UnsafeRawBufferPointer? = nil
                for row in 0..<n where vector.isValid(at: row) {
                    if let f = first, !f.elementsEqual(vector.bytes(at: row)) {
                        throw FormatError(.invalidArgument, "constant encoding over different values", path: "")
                    }
                    first = first ?? vector.bytes(at: row)
                }
            }
            return encoder.encodeStrings(
                offsets: vector.offsets, heap: vector.heap, count: n, validity: validity, only: encoding,
                allowLZ4: allowCompression)
        }
        let chunk = ChunkWriter()
        chunk.fillValues(vector, kind, n)
        return try chunk.values.withUnsafeBufferPointer { values throws(FormatError) -> [UInt8] in
            if encoding == .constant, values.contains(where: { $0 != values[0] }) {
                throw FormatError(.invalidArgument, "constant encoding over different values", path: "")
            }
            if encoding == .alp, encoder.chooseALP(values) == nil {
                throw FormatError(.invalidArgument, "the values are not short decimals; ALP does not apply", path: "")
            }
            return encoder.encodeFixed(
                kind: kind, values: values, validity: validity, only: encoding, allowLZ4: allowCompression)
        }
    }

    /// `encode` for a DECIMAL(19…38) vector (§4.1): its values with NULL slots filled as §5.1 says.
    private static func encodeWide(
        _ vector: ColumnVector, _ encoding: BlockEncoding?, _ validity: UnsafeBufferPointer<UInt64>?,
        _ allowCompression: Bool, _ encoder: BlockEncoder
    ) throws(FormatError) -> [UInt8] {
        let n = vector.count, source = vector.data.assumingMemoryBound(to: Int128.self)
        var values = [Int128](repeating: 0, count: n)
        var previous = (0..<n).first(where: vector.isValid(at:)).map { source[$0] } ?? 0
        for row in 0..<n {
            if vector.isValid(at: row) { previous = source[row] }
            values[row] = previous
        }
        let lo = values.min()!, hi = values.max()!
        if encoding == .constant, lo != hi {
            throw FormatError(.invalidArgument, "constant encoding over different values", path: "")
        }
        let (range, overflow) = hi.subtractingReportingOverflow(lo)
        if encoding == .frameOfReference, overflow || range > Int128(UInt64.max) {
            throw FormatError(.invalidArgument, "frame-of-reference needs a range that fits 64 bits", path: "")
        }
        return values.withUnsafeBufferPointer {
            encoder.encodeWide($0, validity: validity, only: encoding, allowLZ4: allowCompression)
        }
    }

    /// Encodes dictionary `codes` (1 … 65,536 of them, each below `entries`) as a `.dictionary`
    /// block (§7.5) for a chunk dictionary of `entries` (1 … 65,536) entries, packed at the width
    /// the writer uses for that many entries (LZ4 on top where it saves ≥ 10%). For benchmarks and
    /// tests of code decoding; decode with `BlockDecoder.decode` and `dictionary:` set.
    ///
    /// - Throws: `.invalidArgument` for a count or code out of range.
    package static func encodeCodes(_ codes: UnsafeBufferPointer<UInt32>, entries: Int) throws(FormatError) -> [UInt8] {
        guard codes.count >= 1, codes.count <= SegmentFormat.maxBlockSize, entries >= 1, entries <= 65_536 else {
            throw FormatError(.invalidArgument, "a code block holds 1 … 65,536 codes into 1 … 65,536 entries", path: "")
        }
        var wide = [UInt64](repeating: 0, count: codes.count)
        for (i, code) in codes.enumerated() {
            guard Int(code) < entries else {
                throw FormatError(.invalidArgument, "code \(code) at \(i) is beyond \(entries) entries", path: "")
            }
            wide[i] = UInt64(code)
        }
        let width = BitPacking.width(of: UInt64(entries - 1))
        return wide.withUnsafeBufferPointer { BlockEncoder().encodeCodes($0, width: width, validity: nil) }
    }

    /// Encodes the flat `vector` (1 … 65,536 values, at least one not NULL, at most 65,536
    /// distinct) as a dictionary block (§7.5) and the block of codes into it.
    ///
    /// Decode the dictionary with `BlockDecoder.decode(_:type:dictionary: nil, into:)`, then the
    /// codes with `dictionary:` set to that vector.
    /// - Throws: `.invalidArgument` when the values do not fit a dictionary.
    package static func encodeWithDictionary(_ vector: ColumnVector) throws(FormatError) -> (
        dictionary: [UInt8], codes: [UInt8]
    ) {
        let n = vector.count
        guard n >= 1, n <= SegmentFormat.maxBlockSize, !vector.isDictionary, TypeCode.code(of: vector.type) != nil
        else {
            throw FormatError(.invalidArgument, "a block holds 1 … 65,536 values of a flat, storable vector", path: "")
        }
        var output = ByteWriter()
        let entry = ChunkWriter().write(
            vector, rows: n, blockSize: (n + 2047) / 2048 * 2048, output: &output, base: 0, dictionary: true)
        guard let d = entry.dictionary, let block = entry.blocks.first else {
            throw FormatError(
                .invalidArgument, "the values do not fit a dictionary (none valid, or over 65,536 distinct)", path: "")
        }
        return (
            Array(output.bytes[d.offset..<(d.offset + d.length)]),
            Array(output.bytes[block.offset..<(block.offset + block.length)])
        )
    }
}
