import CLZ4
import PlazaCore
import PlazaVector

/// Decodes blocks straight into `ColumnVector`s (Formats/plaza-file-format.md §5, §7), reusing
/// its decompression and integer buffers from block to block. Not for concurrent use: give each
/// thread its own decoder.
@usableFromInline package final class BlockDecoder {
    @usableFromInline var buffer: UnsafeMutableRawPointer
    @usableFromInline var bufferCapacity: Int
    @usableFromInline var ints: UnsafeMutablePointer<UInt64>
    @usableFromInline var intsCapacity: Int
    /// For 3-bit codes tested packed (BlockDecoder+CodeMatches.swift): per 12 bits of codes (four
    /// codes), bits 0–3 whether each passes and bit 4 whether one is past the dictionary; built for `chunkKey`.
    let chunkTable: UnsafeMutablePointer<UInt8>
    /// The passing codes (bits 0–7) and the entries (above) `chunkTable` was built for.
    var chunkKey = UInt64.max

    /// Creates a decoder with empty buffers.
    package init() {
        bufferCapacity = 64 * 1024
        buffer = .allocate(byteCount: bufferCapacity, alignment: 64)
        intsCapacity = ColumnVector.batchCapacity
        ints = .allocate(capacity: intsCapacity)
        chunkTable = .allocate(capacity: 4096)
    }

    deinit {
        buffer.deallocate()
        ints.deallocate()
        chunkTable.deallocate()
    }

    /// Decodes one block (header included) of a column of `type` into `vector`, replacing its
    /// contents. A `.dictionary` block needs the chunk's decoded `dictionary` and comes back as a
    /// dictionary vector over that same instance; any other block comes back flat.
    ///
    /// - Throws: `FormatError` (`.corrupt`, `.truncated`, `.checksumMismatch`) without a path; callers
    ///   add the place. Cost: O(values + bytes).
    @discardableResult
    /// With `only` (ascending row positions), bit-packed integers and dictionary codes are
    /// extracted at those rows alone (the other rows hold unspecified values; for codes, code 0);
    /// other encodings decode whole.
    package func decode(
        _ block: UnsafeRawBufferPointer, type: DataType, dictionary: ColumnVector?, into vector: ColumnVector,
        verifyChecksum: Bool = true, only: UnsafeBufferPointer<Int32>? = nil
    ) throws(FormatError) -> BlockHeader {
        let header = try BlockHeader(parsing: block, verifyChecksum: verifyChecksum)
        let n = header.count
        var payload = UnsafeRawBufferPointer(
            start: block.baseAddress! + SegmentFormat.blockHeaderSize, count: header.storedLength)
        if header.isCompressed { payload = try decompress(payload, rawLength: header.rawLength) }
        var r = ByteReader(payload, what: "block payload")
        var validity: UnsafeRawBufferPointer? = nil
        if header.hasValidity { validity = try r.bytes(ValidityBitmap.wordCount(for: n) * 8) }
        vector.reset()
        let rounded = (n + 63) & ~63
        vector.reserve(rounded)
        if header.encoding == .dictionary {
            guard let dictionary else {
                throw corrupt("dictionary-encoded block in a column chunk without a dictionary")
            }
            try decodeCodes(
                &r, count: n, entries: dictionary.count, into: vector.data.assumingMemoryBound(to: UInt32.self),
                only: only)
            vector.makeDictionary(dictionary, count: n)
        } else {
            if dictionary != nil { throw corrupt("\(header.encoding) block in a dictionary-encoded column chunk") }
            guard header.encoding.applies(to: type) else {
                throw corrupt("\(header.encoding) encoding does not apply to \(type)")
            }
            switch ValueKind(type) {
            case .boolean:
                try decodeIntegers(header.encoding, &r, n, vector.data.assumingMemoryBound(to: UInt8.self), only: only)
            case .int32:
                try decodeIntegers(header.encoding, &r, n, vector.data.assumingMemoryBound(to: Int32.self), only: only)
            case .int64:
                try decodeIntegers(header.encoding, &r, n, vector.data.assumingMemoryBound(to: Int64.self), only: only)
            case .double: try decodeDoubles(header.encoding, &r, n, vector.data.assumingMemoryBound(to: UInt64.self))
            case .string: try decodeStrings(header.encoding, &r, n, validity, vector)
            case .int128: try decodeWide(header.encoding, &r, n, vector.data.assumingMemoryBound(to: Int128.self))
            }
            vector.count = n
        }
        guard r.remaining == 0 else { throw corrupt("\(r.remaining) unread bytes at the end of the block payload") }
        if let validity {
            let words = ValidityBitmap.wordCount(for: n)
            vector.validityWords.withMemoryRebound(to: UInt8.self, capacity: words * 8) { dst in
                dst.update(from: validity.baseAddress!.assumingMemoryBound(to: UInt8.self), count: words * 8)
            }
            vector.hasNulls = true
            if header.encoding != .dictionary && vector.byteWidth > 0 { zeroNullSlots(vector) }
        }
        if case .decimal(let precision, _) = type, precision > DataType.maxNarrowDecimalPrecision {
            try checkWideRange(vector.data.assumingMemoryBound(to: Int128.self), n, precision: precision)
        }
        return header
    }

    /// Decodes only the validity bitmap of one block (header included) of `count` values into
    /// `words`: all valid when the block has no bitmap. An LZ4 payload is decompressed only as
    /// far as the bitmap reaches. Returns whether the block has a bitmap.
    ///
    /// - Throws: `FormatError` as `decode`, for a damaged header, checksum or bitmap.
    package func decodeValidity(
        _ block: UnsafeRawBufferPointer, count: Int, into words: UnsafeMutablePointer<UInt64>,
        verifyChecksum: Bool = true
    ) throws(FormatError) -> Bool {
        let header = try BlockHeader(parsing: block, verifyChecksum: verifyChecksum)
        guard header.count == count else {
            throw corrupt("block holds \(header.count) values, the footer expects \(count)")
        }
        guard header.hasValidity else { return false }
        let wordCount = ValidityBitmap.wordCount(for: count)
        let length = wordCount * 8
        guard header.rawLength >= length else {
            throw corrupt("payload of \(header.rawLength) bytes is shorter than its \(length)-byte validity bitmap")
        }
        let source = try payloadPrefix(of: block, header, bytes: length, "validity bitmap")
        UnsafeMutableRawPointer(words).copyMemory(from: source, byteCount: length)
        return true
    }

    /// The first `bytes` of a block's raw payload (`header` parsed from `block`, its raw length
    /// already checked to hold them): the stored bytes, or for an LZ4 block only that much
    /// decompressed into this decoder's reused buffer. `what` names those bytes in errors.
    func payloadPrefix(
        of block: UnsafeRawBufferPointer, _ header: BlockHeader, bytes: Int, _ what: String
    ) throws(FormatError) -> UnsafeRawPointer {
        let stored = UnsafeRawBufferPointer(
            start: block.baseAddress! + SegmentFormat.blockHeaderSize, count: header.storedLength)
        guard header.isCompressed else {
            guard stored.count >= bytes else {
                throw corrupt("payload of \(stored.count) bytes is shorter than its \(bytes)-byte \(what)")
            }
            return stored.baseAddress!
        }
        reserveBuffer(header.rawLength)
        let produced = LZ4_decompress_safe_partial(
            stored.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.assumingMemoryBound(to: CChar.self),
            Int32(stored.count), Int32(bytes), Int32(header.rawLength))
        guard Int(produced) >= bytes else { throw corrupt("LZ4 payload does not hold the \(bytes)-byte \(what)") }
        return UnsafeRawPointer(buffer)
    }

    /// The payload of one block (header included in `block`): its stored bytes, or for an LZ4
    /// block the decompressed bytes in this decoder's reused buffer, valid until the next call.
    /// The LZ4 stage of `decode` on its own, for measuring it against liblz4.
    ///
    /// - Throws: `FormatError` (`.corrupt`, `.truncated`, `.checksumMismatch`) without a path.
    package func payload(of block: UnsafeRawBufferPointer, verifyChecksum: Bool = true) throws(FormatError)
        -> UnsafeRawBufferPointer
    {
        let header = try BlockHeader(parsing: block, verifyChecksum: verifyChecksum)
        let stored = UnsafeRawBufferPointer(
            start: block.baseAddress! + SegmentFormat.blockHeaderSize, count: header.storedLength)
        return header.isCompressed ? try decompress(stored, rawLength: header.rawLength) : stored
    }

    /// Makes NULL rows of a fixed-width vector hold zero, as `ColumnVector` promises: a word of
    /// all NULLs is cleared in one fill, any other word with a NULL has just its NULL slots
    /// stored (one trailing-zero count per NULL, no per-value shift).
    private func zeroNullSlots(_ vector: ColumnVector) {
        let words = vector.validityWords, n = vector.count
        switch vector.byteWidth {
        case 16: zeroNulls(words, n, vector.data.assumingMemoryBound(to: UInt128.self))
        case 8: zeroNulls(words, n, vector.data.assumingMemoryBound(to: UInt64.self))
        case 4: zeroNulls(words, n, vector.data.assumingMemoryBound(to: UInt32.self))
        case 2: zeroNulls(words, n, vector.data.assumingMemoryBound(to: UInt16.self))
        case 1: zeroNulls(words, n, vector.data.assumingMemoryBound(to: UInt8.self))
        default: preconditionFailure("no fixed width of \(vector.byteWidth) bytes")
        }
    }

    @inline(__always)
    private func zeroNulls<T: FixedWidthInteger>(
        _ words: UnsafeMutablePointer<UInt64>, _ n: Int, _ dst: UnsafeMutablePointer<T>
    ) {
        let wordCount = ValidityBitmap.wordCount(for: n)
        for w in 0..<wordCount where words[w] != ~0 {
            let base = w &* 64, end = min(64, n &- base)
            // Bits of rows past `n` in the last word are ignored; the slots stay in bounds.
            let inRange: UInt64 = end == 64 ? ~0 : (1 &<< UInt64(end)) &- 1
            var nulls = ~words[w] & inRange
            if nulls == inRange {
                (dst + base).update(repeating: 0, count: end)
                continue
            }
            while nulls != 0 {
                dst[base &+ nulls.trailingZeroBitCount] = 0
                nulls &= nulls &- 1
            }
        }
    }

    /// Grows the reused decompression buffer to hold `bytes`.
    func reserveBuffer(_ bytes: Int) {
        guard bytes > bufferCapacity else { return }
        buffer.deallocate()
        bufferCapacity = max(bytes, bufferCapacity * 2)
        buffer = .allocate(byteCount: bufferCapacity, alignment: 64)
    }

    func decompress(_ stored: UnsafeRawBufferPointer, rawLength: Int) throws(FormatError)
        -> UnsafeRawBufferPointer
    {
        reserveBuffer(rawLength)
        let produced = LZ4_decompress_safe(
            stored.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.assumingMemoryBound(to: CChar.self),
            Int32(stored.count), Int32(rawLength))
        guard Int(produced) == rawLength else {
            throw corrupt("LZ4 payload decompresses to \(produced) bytes, header says \(rawLength)")
        }
        return UnsafeRawBufferPointer(start: buffer, count: rawLength)
    }

    private func reserveInts(_ count: Int) {
        guard count > intsCapacity else { return }
        ints.deallocate()
        intsCapacity = count
        ints = .allocate(capacity: count)
    }

    // MARK: Encodings (§7)

    func readWidth(_ r: inout ByteReader, max: Int) throws(FormatError) -> Int {
        let width = Int(try r.u8())
        try r.zeros(7)
        guard width <= max else { throw corrupt("bit width \(width) exceeds \(max)") }
        return width
    }

    private func decodeCodes(
        _ r: inout ByteReader, count n: Int, entries: Int, into dst: UnsafeMutablePointer<UInt32>,
        only: UnsafeBufferPointer<Int32>? = nil
    )
        throws(FormatError)
    {
        let width = try readWidth(&r, max: 16)
        let packed = try r.bytes(BitPacking.byteCount(count: n, width: width))
        if let only, width > 0, let source = packed.baseAddress {
            // Code 0 elsewhere: every slot stays a valid code.
            dst.update(repeating: 0, count: n)
            BitPacking.extract(source, width: width, reference: 0, at: only, into: dst)
        } else {
            BitPacking.unpack(
                packed.baseAddress ?? UnsafeRawPointer(dst), count: n, width: width, reference: 0, into: dst)
        }
        // Codes below 2^width ≤ entries need no check; otherwise a branch-free pass: a code over
        // the last entry makes (last − code) wrap and sets the top bit (codes are < 2^16).
        guard (1 << width) > entries else { return }
        let last = UInt32(entries - 1)
        var over: UInt32 = 0
        if let only, width > 0 {
            // The other rows hold code 0.
            for row in only { over |= last &- dst[Int(truncatingIfNeeded: row)] }
        } else {
            for i in 0..<n { over |= last &- dst[i] }
        }
        guard over & 0x8000_0000 == 0 else { throw corrupt("a dictionary code is beyond the \(entries) entries") }
    }

    private func decodeIntegers<T: FixedWidthInteger>(
        _ encoding: BlockEncoding, _ r: inout ByteReader, _ n: Int, _ dst: UnsafeMutablePointer<T>,
        only: UnsafeBufferPointer<Int32>? = nil
    ) throws(FormatError) {
        switch encoding {
        case .plain:
            let bytes = try r.bytes(n * MemoryLayout<T>.size)
            UnsafeMutableRawPointer(dst).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        case .constant:
            dst.update(repeating: T(truncatingIfNeeded: try r.u64()), count: n)
        case .runLength:
            try decodeRuns(&r, n) { start, length, bits in
                (dst + start).update(repeating: T(truncatingIfNeeded: bits), count: length)
            }
        case .frameOfReference:
            let reference = try r.u64()
            let width = try readWidth(&r, max: T.bitWidth)
            let packed = try r.bytes(BitPacking.byteCount(count: n, width: width))
            if let only, width > 0, let source = packed.baseAddress {
                // The other rows keep whatever the vector held: values a consumer of the selection never reads.
                BitPacking.extract(source, width: width, reference: reference, at: only, into: dst)
            } else {
                BitPacking.unpack(
                    packed.baseAddress ?? UnsafeRawPointer(dst), count: n, width: width, reference: reference, into: dst
                )
            }
        case .delta:
            var value = try r.u64()
            let minDelta = try r.u64()
            let width = try readWidth(&r, max: 64)
            let packed = try r.bytes(BitPacking.byteCount(count: n - 1, width: width))
            reserveInts((n + 63) & ~63)
            BitPacking.unpack(
                packed.baseAddress ?? UnsafeRawPointer(ints), count: n - 1, width: width, reference: minDelta,
                into: ints)
            dst[0] = T(truncatingIfNeeded: value)
            for i in 1..<max(n, 1) {
                value = value &+ ints[i &- 1]
                dst[i] = T(truncatingIfNeeded: value)
            }
        case .dictionary, .alp:
            throw corrupt("\(encoding) encoding does not apply to integers")
        }
    }

    private func decodeDoubles(
        _ encoding: BlockEncoding, _ r: inout ByteReader, _ n: Int, _ dst: UnsafeMutablePointer<UInt64>
    ) throws(FormatError) {
        switch encoding {
        case .plain:
            let bytes = try r.bytes(n * 8)
            UnsafeMutableRawPointer(dst).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        case .constant:
            dst.update(repeating: try r.u64(), count: n)
        case .runLength:
            try decodeRuns(&r, n) { start, length, bits in (dst + start).update(repeating: bits, count: length) }
        case .alp:
            let exponent = Int(try r.u8())
            let width = Int(try r.u8())
            try r.zeros(2)
            let exceptions = try r.count32(max: n, "exception count")
            let reference = try r.u64()
            guard exponent <= alpMaxExponent, width <= 64 else {
                throw corrupt("ALP exponent \(exponent) or width \(width) out of range")
            }
            let packed = try r.bytes(BitPacking.byteCount(count: n, width: width))
            let positions = try r.bytes(exceptions * 4)
            let patches = try r.bytes(exceptions * 8)
            reserveInts((n + 63) & ~63)
            BitPacking.unpack(
                packed.baseAddress ?? UnsafeRawPointer(ints), count: n, width: width, reference: reference, into: ints)
            let scale = alpPowersOfTen[exponent]
            let out = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Double.self)
            let low = Int64(bitPattern: reference)
            let (high, overflow) = low.addingReportingOverflow(width >= 63 ? .max : (1 << Int64(width)) &- 1)
            if !overflow && low >= -(1 << 51) && high < 1 << 51 {
                // Every integer is in [−2^51, 2^51): placed in the mantissa of 1.5 × 2^52 it
                // converts exactly with one integer add and one subtraction, which vectorize
                // (x86-64 has no packed Int64 → Double conversion before AVX-512).
                let magic = (1.5 as Double) * 0x1p52
                let magicBits = magic.bitPattern
                for i in 0..<n { out[i] = (Double(bitPattern: magicBits &+ ints[i]) - magic) / scale }
            } else {
                for i in 0..<n { out[i] = Double(Int64(bitPattern: ints[i])) / scale }
            }
            for k in 0..<exceptions {
                let position = Int(
                    UInt32(littleEndian: positions.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                guard position < n else { throw corrupt("ALP exception position \(position) beyond \(n) values") }
                dst[position] = UInt64(littleEndian: patches.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self))
            }
        case .dictionary, .frameOfReference, .delta:
            throw corrupt("\(encoding) encoding does not apply to DOUBLE")
        }
    }

    /// Reads a run-length body (§7.4) and calls `fill(start, length, value)` for each run.
    private func decodeRuns(_ r: inout ByteReader, _ n: Int, _ fill: (Int, Int, UInt64) -> Void) throws(FormatError) {
        let runs = try r.count32(max: n, "run count")
        try r.zeros(4)
        guard runs >= 1 else { throw corrupt("run-length block with no runs") }
        let values = try r.bytes(runs * 8), lengths = try r.bytes(runs * 4)
        var start = 0
        for k in 0..<runs {
            let length = Int(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
            guard length >= 1, length <= n - start else { throw corrupt("run lengths do not add up to \(n) values") }
            fill(start, length, UInt64(littleEndian: values.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)))
            start += length
        }
        guard start == n else { throw corrupt("run lengths add up to \(start), not \(n) values") }
    }

    /// Copies the n + 1 little-endian u32 offsets of a plain VARCHAR body (§7.2) into `offsets`
    /// in one branch-free pass, then checks them once: they start at 0, never decrease, and end
    /// at most at 2^31 − 1 (so every one fits an Int32). Returns the last offset (the heap size).
    private func copyOffsets(_ table: UnsafeRawBufferPointer, _ n: Int, _ offsets: UnsafeMutablePointer<Int32>)
        throws(FormatError) -> Int
    {
        let src = table.baseAddress!
        @inline(__always) func load(_ i: Int) -> UInt32 {
            UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
        }
        guard load(0) == 0 else { throw corrupt("string offsets do not start at 0") }
        offsets[0] = 0
        var decreases: UInt8 = 0
        var previous: UInt32 = 0
        for i in 1..<(n &+ 1) {
            let o = load(i)
            decreases |= unsafeBitCast(o < previous, to: UInt8.self)
            offsets[i] = Int32(truncatingIfNeeded: o)
            previous = o
        }
        guard decreases == 0 else {
            var i = 1
            while load(i) >= load(i &- 1) { i &+= 1 }
            throw corrupt("string offsets decrease at value \(i)")
        }
        guard previous <= UInt32(Int32.max) else { throw corrupt("string bytes exceed 2 GiB") }
        return Int(previous)
    }

    /// Makes NULL rows of a plain VARCHAR block empty strings (§5.1): a writer may leave bytes in
    /// a NULL row's slot (this one never does). Checks each word with a NULL in one pass and,
    /// only where a NULL row has bytes, moves the later rows' bytes down over them.
    private func emptyNullStrings(_ validity: UnsafeRawBufferPointer, _ n: Int, _ vector: ColumnVector) {
        let offsets = vector.offsets
        @inline(__always) func word(_ w: Int) -> UInt64 {
            UInt64(littleEndian: validity.loadUnaligned(fromByteOffset: w &* 8, as: UInt64.self))
        }
        var first = -1
        search: for w in 0..<ValidityBitmap.wordCount(for: n) where word(w) != ~0 {
            // Only the NULL rows' bits are visited (a loop over every bit cost a tenth of a scan).
            let end = min(64, n &- w &* 64)
            var nulls = ~word(w) & (end == 64 ? ~0 : (1 &<< UInt64(end)) &- 1)
            while nulls != 0 {
                let row = w &* 64 &+ nulls.trailingZeroBitCount
                if offsets[row &+ 1] != offsets[row] {
                    first = row
                    break search
                }
                nulls &= nulls &- 1
            }
        }
        guard first >= 0 else { return }
        let heap = vector.heap
        var used = Int(offsets[first]), start = used
        for row in first..<n {
            let end = Int(offsets[row &+ 1])  // read before this row's end is rewritten
            let isValid = word(row &>> 6) &>> UInt64(row & 63) & 1 == 1
            if isValid && end > start {
                (heap + used).copyMemory(from: heap + start, byteCount: end &- start)  // memmove: used ≤ start
                used &+= end &- start
            }
            offsets[row &+ 1] = Int32(used)
            start = end
        }
        vector.heapCount = used
    }

    private func decodeStrings(
        _ encoding: BlockEncoding, _ r: inout ByteReader, _ n: Int, _ validity: UnsafeRawBufferPointer?,
        _ vector: ColumnVector
    ) throws(FormatError) {
        let offsets = vector.offsets
        switch encoding {
        case .plain:
            let table = try r.bytes((n + 1) * 4)
            let previous = try copyOffsets(table, n, offsets)
            let bytes = try r.bytes(previous)
            vector.reserveHeap(previous)
            if previous > 0 { vector.heap.copyMemory(from: bytes.baseAddress!, byteCount: previous) }
            vector.heapCount = previous
            if let validity { emptyNullStrings(validity, n, vector) }
        case .constant:
            let length = try r.count32(max: Int(Int32.max), "string length")
            let bytes = try r.bytes(length)
            guard length * n <= Int(Int32.max) else { throw corrupt("constant string block expands beyond 2 GiB") }
            vector.reserveHeap(length * n)
            var used = 0
            for i in 0..<n {
                let isNull = validity.map { $0[i >> 3] >> UInt8(i & 7) & 1 == 0 } ?? false
                if !isNull && length > 0 {
                    (vector.heap + used).copyMemory(from: bytes.baseAddress!, byteCount: length)
                    used += length
                }
                offsets[i + 1] = Int32(used)
            }
            vector.heapCount = used
        default:
            throw corrupt("\(encoding) encoding does not apply to VARCHAR")
        }
    }
}
