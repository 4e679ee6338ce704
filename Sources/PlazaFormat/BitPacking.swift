/// Bit-packing of unsigned integers in groups of 64 values (Formats/plaza-file-format.md §7.1).
///
/// Group `g` holds values `64g ..< 64g + 64` in `w` little-endian 64-bit words; value `j` of a
/// group starts at bit `j × w` of the group, LSB-first. The last group is padded with zeros.
@usableFromInline package enum BitPacking {
    /// The bytes that `count` values of `width` bits occupy.
    @inlinable
    package static func byteCount(count: Int, width: Int) -> Int { (count + 63) / 64 * width * 8 }

    /// The number of bits needed to hold `maxValue` (0 for 0).
    @inlinable
    package static func width(of maxValue: UInt64) -> Int { 64 - maxValue.leadingZeroBitCount }

    /// Appends `values` packed at `width` bits; every value must be below 2^width.
    static func pack(_ values: UnsafeBufferPointer<UInt64>, width: Int, into out: inout ByteWriter) {
        guard width > 0 else { return }
        let groups = (values.count + 63) / 64
        var words = [UInt64](repeating: 0, count: width + 1)
        for group in 0..<groups {
            for k in 0..<words.count { words[k] = 0 }
            for j in 0..<64 {
                let index = group * 64 + j
                let v = index < values.count ? values[index] : 0
                precondition(width == 64 || v >> UInt64(width) == 0, "value wider than its bit width")
                let bit = j * width, word = bit >> 6, shift = bit & 63
                words[word] |= v << UInt64(shift)
                if shift + width > 64 { words[word + 1] |= v >> UInt64(64 - shift) }
            }
            for k in 0..<width { out.u64(words[k]) }
        }
    }

    /// Unpacks only the values at `rows` (positions below the packed count) of `width` bits
    /// (1…T.bitWidth) from `src` into the same positions of `dst`, each plus `reference`
    /// (wrapping): a few values of a block without unpacking the rest.
    @inlinable
    package static func extract<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, width: Int, reference: UInt64, at rows: UnsafeBufferPointer<Int32>,
        into dst: UnsafeMutablePointer<T>
    ) {
        precondition(width > 0 && width <= T.bitWidth, "bit width beyond the output type")
        let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        for row in rows {
            let i = Int(truncatingIfNeeded: row)
            // Value j of group g starts at bit 64·g·w + j·w (§7.1); it spans two words at most.
            let bit = (i &>> 6) &* 64 &* width &+ (i & 63) &* width
            let word = bit &>> 6, shift = bit & 63
            var value =
                UInt64(littleEndian: src.loadUnaligned(fromByteOffset: word &* 8, as: UInt64.self)) &>> UInt64(shift)
            if shift &+ width > 64 {
                value |=
                    UInt64(littleEndian: src.loadUnaligned(fromByteOffset: (word &+ 1) &* 8, as: UInt64.self))
                    &<< UInt64(64 &- shift)
            }
            dst[i] = T(truncatingIfNeeded: (value & mask) &+ reference)
        }
    }

    /// Unpacks `count` values of `width` bits from `src` into `dst`, each plus `reference`
    /// (wrapping), truncated to `T`. Writes `count` rounded up to 64 values, so `dst` needs room
    /// for them; `src` must hold `byteCount(count:width:)` bytes; `width` must be 0…T.bitWidth.
    @inlinable
    package static func unpack<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, count: Int, width: Int, reference: UInt64, into dst: UnsafeMutablePointer<T>
    ) {
        let groups = (count + 63) / 64
        if width == 0 {
            dst.update(repeating: T(truncatingIfNeeded: reference), count: groups * 64)
            return
        }
        precondition(width <= T.bitWidth, "bit width beyond the output type")
        unpackUnrolled(src, groups, width, reference, dst)  // Generated/BitUnpackDispatch_generated.swift
    }
}
