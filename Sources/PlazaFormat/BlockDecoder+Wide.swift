import PlazaCore

/// Decoding of DECIMAL(19…38) blocks (Formats/plaza-file-format.md §4.1, §7.6.1).
extension BlockDecoder {
    /// Decodes a plain, constant or frame-of-reference body of `n` wide values into `dst`.
    func decodeWide(_ encoding: BlockEncoding, _ r: inout ByteReader, _ n: Int, _ dst: UnsafeMutablePointer<Int128>)
        throws(FormatError)
    {
        switch encoding {
        case .plain:
            let bytes = try r.bytes(n * 16)
            for i in 0..<n { dst[i] = BlockDecoder.loadWide(bytes.baseAddress!, at: i &* 16) }
        case .constant:
            let bytes = try r.bytes(16)
            dst.update(repeating: BlockDecoder.loadWide(bytes.baseAddress!, at: 0), count: n)
        case .frameOfReference:
            let head = try r.bytes(16)
            let reference = BlockDecoder.loadWide(head.baseAddress!, at: 0)
            let width = Int(try r.u8())
            try r.zeros(7)
            guard width <= 64 else { throw corrupt("bit width \(width) exceeds 64") }
            let packed = try r.bytes(BitPacking.byteCount(count: n, width: width))
            let count = (n + 63) & ~63
            if count > intsCapacity {
                ints.deallocate()
                intsCapacity = count
                ints = .allocate(capacity: count)
            }
            BitPacking.unpack(
                packed.baseAddress ?? UnsafeRawPointer(ints), count: n, width: width, reference: 0, into: ints)
            for i in 0..<n { dst[i] = reference &+ Int128(ints[i]) }
        default:
            throw corrupt("\(encoding) encoding does not apply to a DECIMAL of more than 18 digits")
        }
    }

    /// Throws unless every value of `values[0 ..< n]` is below 10^precision in magnitude (§4.1);
    /// NULL slots are zero by now. One branch-free pass.
    func checkWideRange(_ values: UnsafePointer<Int128>, _ n: Int, precision: Int) throws(FormatError) {
        let limit = BlockDecoder.wideLimits[precision]
        // v + limit lies in 0 ... 2 limit exactly when |v| ≤ limit (unsigned compare, no branch).
        let span = UInt128(limit) &* 2
        var outside: UInt8 = 0
        for i in 0..<n { outside |= unsafeBitCast(UInt128(bitPattern: values[i] &+ limit) > span, to: UInt8.self) }
        guard outside != 0 else { return }
        let row = (0..<n).first { values[$0] > limit || values[$0] < -limit }!
        throw corrupt("value \(values[row]) at row \(row) has more than \(precision) digits")
    }

    /// 10^p − 1 for p in 0 ... 38: the largest magnitude of a DECIMAL(p, s).
    static let wideLimits: [Int128] = (0...38).map { p in (0..<p).reduce(Int128(1)) { r, _ in r * 10 } - 1 }

    /// The 16 little-endian bytes at `offset` as an Int128 (§4.1).
    @inline(__always)
    static func loadWide(_ base: UnsafeRawPointer, at offset: Int) -> Int128 {
        let low = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let high = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self))
        return Int128(bitPattern: UInt128(high) << 64 | UInt128(low))
    }
}
