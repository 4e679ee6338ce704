/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY, decoded a page at a time
/// (the caller has capped the page's value count, so the arrays stay bounded).
enum DeltaDecoding {
    /// The largest block the decoder accepts (writers use 128 to 1,024 values).
    static let maxBlockSize = 1 << 16

    private static func varint(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw ParquetError(.truncated, "delta data ends inside a varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw ParquetError(.corrupt, "a delta varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private static func zigzag(_ raw: UInt64) -> Int64 { Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }

    /// Decodes up to `limit` values of a DELTA_BINARY_PACKED stream starting at `position`, and
    /// leaves `position` after the stream. Arithmetic wraps, as the encoding specifies.
    static func binaryPacked(_ bytes: UnsafeRawBufferPointer, position: inout Int, limit: Int) throws(ParquetError)
        -> [Int64]
    {
        let blockSize = try varint(bytes, &position)
        let miniblocks = try varint(bytes, &position)
        let total = try varint(bytes, &position)
        let first = zigzag(try varint(bytes, &position))
        guard blockSize > 0, blockSize <= UInt64(maxBlockSize), blockSize % 128 == 0, miniblocks > 0,
            blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0
        else {
            throw ParquetError(.corrupt, "a delta block of \(blockSize) values in \(miniblocks) miniblocks")
        }
        guard total <= UInt64(limit) else {
            throw ParquetError(.corrupt, "a delta stream of \(total) values where the page holds \(limit)")
        }
        let count = Int(total)
        var values: [Int64] = []
        values.reserveCapacity(count)
        if count == 0 { return values }
        values.append(first)
        var previous = first
        let perMiniblock = Int(blockSize / miniblocks)
        while values.count < count {
            let minDelta = zigzag(try varint(bytes, &position))
            guard bytes.count - position >= Int(miniblocks) else {
                throw ParquetError(.truncated, "delta data ends early")
            }
            let widthsAt = position
            position += Int(miniblocks)
            for mini in 0..<Int(miniblocks) where values.count < count {
                let width = Int(bytes[widthsAt + mini])
                guard width <= 64 else { throw ParquetError(.corrupt, "a delta bit width of \(width)") }
                let byteCount = perMiniblock * width / 8
                // The last miniblock may be cut short by a writer; what is there must cover the values.
                let take = min(perMiniblock, count - values.count)
                let available = min(byteCount, bytes.count - position)
                guard available * 8 >= take * width else { throw ParquetError(.truncated, "delta data ends early") }
                let packed = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + available)])
                var bit = 0
                for _ in 0..<take {
                    let delta = Int64(bitPattern: loadBits(packed, bit: bit, width: width))
                    previous = previous &+ minDelta &+ delta
                    values.append(previous)
                    bit &+= width
                }
                position += available
            }
        }
        return values
    }

    /// Decodes DELTA_LENGTH_BYTE_ARRAY: the lengths, then the bytes; returns each value's range.
    static func lengthByteArray(_ bytes: UnsafeRawBufferPointer, position: inout Int, limit: Int)
        throws(ParquetError) -> [Range<Int>]
    {
        let lengths = try binaryPacked(bytes, position: &position, limit: limit)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(lengths.count)
        for length in lengths {
            guard length >= 0, length <= Int64(bytes.count - position) else {
                throw ParquetError(.corrupt, "a string of \(length) bytes past the end of the page")
            }
            ranges.append(position..<(position + Int(length)))
            position += Int(length)
        }
        return ranges
    }

    /// Decodes DELTA_BYTE_ARRAY into one byte heap and each value's range in it.
    static func byteArray(_ bytes: UnsafeRawBufferPointer, position: inout Int, limit: Int)
        throws(ParquetError) -> (heap: [UInt8], ranges: [Range<Int>])
    {
        let prefixes = try binaryPacked(bytes, position: &position, limit: limit)
        let suffixes = try lengthByteArray(bytes, position: &position, limit: limit)
        guard prefixes.count == suffixes.count else {
            throw ParquetError(.corrupt, "\(prefixes.count) prefix lengths for \(suffixes.count) suffixes")
        }
        var heap: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(prefixes.count)
        var previous = 0..<0
        for (prefix, suffix) in zip(prefixes, suffixes) {
            guard prefix >= 0, prefix <= Int64(previous.count) else {
                throw ParquetError(.corrupt, "a shared prefix of \(prefix) bytes after a \(previous.count)-byte value")
            }
            // Output grows by at most the previous value per entry; cap it like a page.
            guard heap.count + Int(prefix) + suffix.count <= PageCodec.maxPageBytes else {
                throw ParquetError(.corrupt, "DELTA_BYTE_ARRAY values larger than \(PageCodec.maxPageBytes) bytes")
            }
            let start = heap.count
            // Byte by byte: appending a slice of the array itself would copy the whole heap.
            for index in previous.lowerBound..<(previous.lowerBound + Int(prefix)) { heap.append(heap[index]) }
            heap.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[suffix]))
            previous = start..<heap.count
            ranges.append(previous)
        }
        return (heap, ranges)
    }
}
