import PlazaCore

/// Blocks of DECIMAL(19…38) values (Formats/plaza-file-format.md §4.1): constant, frame-of-reference
/// over a 128-bit reference where the block's range fits 64 bits (§7.6.1), else plain.
extension BlockEncoder {
    /// The encoding the encoder picks for wide `values` (NULL slots already filled with a
    /// neighbouring valid value) and the bit width of frame-of-reference, excluding LZ4 (§7.10).
    func chooseWide(_ values: UnsafeBufferPointer<Int128>) -> (encoding: BlockEncoding, width: Int) {
        var lo = values[0], hi = values[0]
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        if lo == hi { return (.constant, 0) }
        let (difference, overflow) = hi.subtractingReportingOverflow(lo)
        guard !overflow, difference <= Int128(UInt64.max) else { return (.plain, 0) }
        let range = UInt128(difference)
        let width = BitPacking.width(of: UInt64(range))
        let forSize = 24 + BitPacking.byteCount(count: values.count, width: width)
        return forSize < values.count * 16 ? (.frameOfReference, width) : (.plain, 0)
    }

    /// Encodes wide values into a sealed block. `only` forces an encoding (it must apply and, for
    /// frame-of-reference, the range must fit 64 bits).
    func encodeWide(
        _ values: UnsafeBufferPointer<Int128>, validity: UnsafeBufferPointer<UInt64>?, only: BlockEncoding? = nil,
        allowLZ4: Bool = true
    ) -> [UInt8] {
        let n = values.count
        precondition(n > 0, "empty block")
        var (encoding, width) = chooseWide(values)
        if let only, only != encoding {
            precondition(only == .plain || only == .frameOfReference, "\(only) does not apply to wide DECIMAL")
            if only == .frameOfReference {
                var lo = values[0], hi = values[0]
                for v in values {
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
                let (difference, overflow) = hi.subtractingReportingOverflow(lo)
                precondition(
                    !overflow && difference <= Int128(UInt64.max), "frame-of-reference forced on a range over 64 bits")
                width = BitPacking.width(of: UInt64(difference))
            }
            encoding = only
        }
        body.bytes.removeAll(keepingCapacity: true)
        switch encoding {
        case .constant:
            putWide(values[0])
        case .frameOfReference:
            var lo = values[0]
            for v in values { lo = Swift.min(lo, v) }
            putWide(lo)
            body.u8(UInt8(width))
            body.zeros(7)
            scratch.removeAll(keepingCapacity: true)
            for v in values { scratch.append(UInt64(truncatingIfNeeded: v &- lo)) }
            scratch.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &body) }
        default:
            for v in values { putWide(v) }
        }
        return seal(encoding: encoding, count: n, validity: validity, allowLZ4: allowLZ4)
    }

    /// A 128-bit value as §4.1 stores it: the low u64, then the high u64, little-endian.
    private func putWide(_ v: Int128) {
        body.u64(UInt64(truncatingIfNeeded: v))
        body.u64(UInt64(truncatingIfNeeded: v >> 64))
    }
}
