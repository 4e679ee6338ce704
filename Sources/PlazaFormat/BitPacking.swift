import CPlazaKernels

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
        guard width > 0, let source = values.baseAddress else { return }
        let n = values.count
        if width < 64 {
            var wide: UInt64 = 0
            for v in values { wide |= v }
            precondition(wide >> UInt64(width) == 0, "value wider than its bit width")
        }
        let full = n / 64, groups = (n + 63) / 64
        let start = out.bytes.count
        out.bytes.append(contentsOf: repeatElement(0, count: groups * width * 8))
        out.bytes.withUnsafeMutableBytes { bytes in
            // Words are written straight into the output (they were appended one at a time through
            // `u64`, with a checked array per group: 7% of an UPDATE's time).
            let words = bytes.baseAddress! + start
            for group in 0..<full { packGroup(source + group &* 64, width, words + group &* width &* 8) }
            if full < groups {
                var last = [UInt64](repeating: 0, count: 64)
                last.withUnsafeMutableBufferPointer { last in
                    last.baseAddress!.update(from: source + full &* 64, count: n - full &* 64)
                    packGroup(last.baseAddress!, width, words + full &* width &* 8)
                }
            }
        }
    }

    /// Packs the 64 values at `values` into the `width` little-endian words at `words` (§7.1).
    @inline(__always)
    private static func packGroup(_ values: UnsafePointer<UInt64>, _ width: Int, _ words: UnsafeMutableRawPointer) {
        var word: UInt64 = 0, used = 0, index = 0
        for j in 0..<64 {
            let v = values[j]
            word |= v &<< UInt64(used)
            used &+= width
            if used >= 64 {
                words.storeBytes(of: word.littleEndian, toByteOffset: index &* 8, as: UInt64.self)
                index &+= 1
                used &-= 64
                // The bits of `v` that did not fit start the next word.
                word = used > 0 ? v &>> UInt64(width &- used) : 0
            }
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
        // The C kernels take eight values per shuffle (AVX2) where they have a loop for the width:
        // dictionary codes and narrow frames of reference (unrolled, 15% of TPC-H Q1's time; now 7%).
        if T.bitWidth == 32,
            plaza_unpack_u32(
                src, groups, UInt32(width), UInt32(truncatingIfNeeded: reference),
                UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt32.self)) != 0
        {
            return
        }
        if T.bitWidth == 64,
            plaza_unpack_u64(
                src, groups, UInt32(width), reference, UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt64.self)
            ) != 0
        {
            return
        }
        unpackUnrolled(src, groups, width, reference, dst)  // Generated/BitUnpackDispatch_generated.swift
    }
}
