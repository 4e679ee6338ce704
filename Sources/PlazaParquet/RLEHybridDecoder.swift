/// Reads `width` bits at bit `bit` of `bytes` (LSB-first), for widths up to 64.
///
/// The caller has checked that the value's bits lie inside `bytes`; the fast path loads eight
/// bytes at once where eight remain, the slow path gathers the last bytes one at a time.
@inline(__always)
func loadBits(_ bytes: UnsafeRawBufferPointer, bit: Int, width: Int) -> UInt64 {
    let byte = bit &>> 3, shift = UInt64(bit & 7)
    let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
    var low: UInt64
    if byte &+ 8 <= bytes.count {
        low = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) &>> shift
    } else {
        low = 0
        var index = byte
        while index < bytes.count && index < byte &+ 8 {
            low |= UInt64(bytes[index]) &<< UInt64((index &- byte) &* 8)
            index &+= 1
        }
        low = low &>> shift
    }
    if width &+ Int(shift) > 64 {
        // The value spills into a ninth byte.
        let ninth = byte &+ 8 < bytes.count ? UInt64(bytes[byte &+ 8]) : 0
        low |= ninth &<< (64 &- shift)
    }
    return low & mask
}

/// Decodes the RLE / bit-packed hybrid encoding of definition levels, dictionary indices and
/// RLE booleans, a run at a time, so that memory stays bounded whatever counts the data claims.
///
/// A run header is a varint: an even header `2n` is a run of `n` copies of one value stored in
/// ⌈width/8⌉ little-endian bytes; an odd header `2n+1` is `n` groups of eight bit-packed values.
struct RLEHybridDecoder {
    let bytes: UnsafeRawBufferPointer
    let width: Int
    private var position = 0
    private var runLeft = 0
    private var isPacked = false
    private var runValue: UInt32 = 0
    private var packedBit = 0
    private var packedEnd = 0

    /// Creates a decoder of `width`-bit values (0 to 32) over `bytes`.
    init(_ bytes: UnsafeRawBufferPointer, width: Int) throws(ParquetError) {
        guard width >= 0, width <= 32 else { throw ParquetError(.corrupt, "a bit width of \(width) for RLE values") }
        self.bytes = bytes
        self.width = width
    }

    private mutating func readVarint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw ParquetError(.truncated, "RLE data ends inside a run header") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw ParquetError(.corrupt, "an RLE run header longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func nextRun() throws(ParquetError) {
        let header = try readVarint()
        let count = header >> 1
        guard count > 0, count <= UInt64(Int32.max) else {
            throw ParquetError(.corrupt, "an RLE run of \(count) values")
        }
        if header & 1 == 0 {
            let valueBytes = (width + 7) / 8
            guard bytes.count - position >= valueBytes else { throw ParquetError(.truncated, "RLE data ends in a run") }
            var value: UInt32 = 0
            for index in 0..<valueBytes { value |= UInt32(bytes[position + index]) << (8 * index) }
            position += valueBytes
            isPacked = false
            runValue = value
            runLeft = Int(count)
        } else {
            let groupBytes = Int(count) * width
            // A final packed run may be cut short by the writer: keep what is there.
            let available = min(groupBytes, bytes.count - position)
            isPacked = true
            packedBit = position * 8
            packedEnd = position + available
            runLeft = width == 0 ? Int(count) * 8 : min(Int(count) * 8, available * 8 / width)
            position += available
            guard runLeft > 0 else { throw ParquetError(.truncated, "RLE data ends in a bit-packed run") }
        }
    }

    /// Writes the next `count` values to `output`; throws if the data ends first.
    mutating func next(_ count: Int, into output: UnsafeMutablePointer<UInt32>) throws(ParquetError) {
        var done = 0
        while done < count {
            if runLeft == 0 { try nextRun() }
            let take = min(runLeft, count - done)
            if isPacked {
                let packed = UnsafeRawBufferPointer(rebasing: bytes[..<packedEnd])
                unpack(packed, bit: packedBit, count: take, into: output + done)
                packedBit += take * width
            } else {
                (output + done).update(repeating: runValue, count: take)
            }
            runLeft -= take
            done += take
        }
    }

    /// Unpacks with the width a compile-time constant in each case (PERFORMANCE.md rule 7).
    private func unpack(
        _ packed: UnsafeRawBufferPointer, bit: Int, count: Int, into output: UnsafeMutablePointer<UInt32>
    ) {
        @inline(__always) func run(_ w: Int) {
            var b = bit
            var index = 0
            // Eight values of at most 8 bits fill at most 8 bytes: one load per group of eight
            // (bit-packed runs are whole groups, byte-aligned when a read starts on a group).
            if w <= 8 && b & 7 == 0 {
                let mask = (UInt64(1) &<< UInt64(w)) &- 1
                while index &+ 8 <= count && (b &>> 3) &+ 8 <= packed.count {
                    let word = UInt64(littleEndian: packed.loadUnaligned(fromByteOffset: b &>> 3, as: UInt64.self))
                    for k in 0..<8 {
                        output[index &+ k] = UInt32(truncatingIfNeeded: (word &>> UInt64(k &* w)) & mask)
                    }
                    index &+= 8
                    b &+= 8 &* w
                }
            }
            while index < count {
                output[index] = UInt32(truncatingIfNeeded: loadBits(packed, bit: b, width: w))
                b &+= w
                index &+= 1
            }
        }
        switch width {
        case 0: output.update(repeating: 0, count: count)
        case 1: run(1)
        case 2: run(2)
        case 3: run(3)
        case 4: run(4)
        case 5: run(5)
        case 6: run(6)
        case 7: run(7)
        case 8: run(8)
        case 9: run(9)
        case 10: run(10)
        case 11: run(11)
        case 12: run(12)
        case 16: run(16)
        default: run(width)
        }
    }
}
