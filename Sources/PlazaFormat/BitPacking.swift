/// Bit-packing of unsigned integers in groups of 64 values (Formats/plaza-file-format.md §7.1).
///
/// Group `g` holds values `64g ..< 64g + 64` in `w` little-endian 64-bit words; value `j` of a
/// group starts at bit `j × w` of the group, LSB-first. The last group is padded with zeros.
public enum BitPacking {
    /// The bytes that `count` values of `width` bits occupy.
    @inlinable
    public static func byteCount(count: Int, width: Int) -> Int { (count + 63) / 64 * width * 8 }

    /// The number of bits needed to hold `maxValue` (0 for 0).
    @inlinable
    public static func width(of maxValue: UInt64) -> Int { 64 - maxValue.leadingZeroBitCount }

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

    /// Unpacks `groups × 64` values of a compile-time `width` (after inlining), adding
    /// `reference` with wrapping and truncating to `T`. `width` must be 1…64.
    @inlinable
    @inline(__always)
    static func unpackGroups<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, _ groups: Int, _ width: Int, _ reference: UInt64, _ dst: UnsafeMutablePointer<T>
    ) {
        let mask: UInt64 = width == 64 ? ~0 : (UInt64(1) &<< UInt64(width)) &- 1
        var s = src
        var d = dst
        for _ in 0..<groups {
            for j in 0..<64 {
                let bit = j &* width
                let word = bit &>> 6
                let shift = UInt64(bit & 63)
                let lo = UInt64(littleEndian: s.loadUnaligned(fromByteOffset: word &* 8, as: UInt64.self))
                // The next word is read even when unneeded (its bits are masked off); clamp to the group.
                let next = Swift.min(word &+ 1, width &- 1)
                let hi = UInt64(littleEndian: s.loadUnaligned(fromByteOffset: next &* 8, as: UInt64.self))
                let v = ((lo &>> shift) | ((hi &<< 1) &<< (63 &- shift))) & mask
                d[j] = T(truncatingIfNeeded: v &+ reference)
            }
            s += width &* 8
            d += 64
        }
    }

    /// Unpacks `count` values of `width` bits from `src` into `dst`, each plus `reference`
    /// (wrapping), truncated to `T`. Writes `count` rounded up to 64 values, so `dst` needs room
    /// for them; `src` must hold `byteCount(count:width:)` bytes; `width` must be 0…T.bitWidth.
    @inlinable
    public static func unpack<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, count: Int, width: Int, reference: UInt64, into dst: UnsafeMutablePointer<T>
    ) {
        let groups = (count + 63) / 64
        if width == 0 {
            dst.update(repeating: T(truncatingIfNeeded: reference), count: groups * 64)
            return
        }
        precondition(width <= T.bitWidth, "bit width beyond the output type")
        if T.bitWidth <= 8 {
            switch width {
            case 1: unpackGroups(src, groups, 1, reference, dst)
            case 2: unpackGroups(src, groups, 2, reference, dst)
            case 3: unpackGroups(src, groups, 3, reference, dst)
            case 4: unpackGroups(src, groups, 4, reference, dst)
            case 5: unpackGroups(src, groups, 5, reference, dst)
            case 6: unpackGroups(src, groups, 6, reference, dst)
            case 7: unpackGroups(src, groups, 7, reference, dst)
            case 8: unpackGroups(src, groups, 8, reference, dst)
            default: unpackGroups(src, groups, width, reference, dst)
            }
        } else if T.bitWidth <= 32 {
            switch width {
            case 1: unpackGroups(src, groups, 1, reference, dst)
            case 2: unpackGroups(src, groups, 2, reference, dst)
            case 3: unpackGroups(src, groups, 3, reference, dst)
            case 4: unpackGroups(src, groups, 4, reference, dst)
            case 5: unpackGroups(src, groups, 5, reference, dst)
            case 6: unpackGroups(src, groups, 6, reference, dst)
            case 7: unpackGroups(src, groups, 7, reference, dst)
            case 8: unpackGroups(src, groups, 8, reference, dst)
            case 9: unpackGroups(src, groups, 9, reference, dst)
            case 10: unpackGroups(src, groups, 10, reference, dst)
            case 11: unpackGroups(src, groups, 11, reference, dst)
            case 12: unpackGroups(src, groups, 12, reference, dst)
            case 13: unpackGroups(src, groups, 13, reference, dst)
            case 14: unpackGroups(src, groups, 14, reference, dst)
            case 15: unpackGroups(src, groups, 15, reference, dst)
            case 16: unpackGroups(src, groups, 16, reference, dst)
            case 17: unpackGroups(src, groups, 17, reference, dst)
            case 18: unpackGroups(src, groups, 18, reference, dst)
            case 19: unpackGroups(src, groups, 19, reference, dst)
            case 20: unpackGroups(src, groups, 20, reference, dst)
            case 21: unpackGroups(src, groups, 21, reference, dst)
            case 22: unpackGroups(src, groups, 22, reference, dst)
            case 23: unpackGroups(src, groups, 23, reference, dst)
            case 24: unpackGroups(src, groups, 24, reference, dst)
            case 25: unpackGroups(src, groups, 25, reference, dst)
            case 26: unpackGroups(src, groups, 26, reference, dst)
            case 27: unpackGroups(src, groups, 27, reference, dst)
            case 28: unpackGroups(src, groups, 28, reference, dst)
            case 29: unpackGroups(src, groups, 29, reference, dst)
            case 30: unpackGroups(src, groups, 30, reference, dst)
            case 31: unpackGroups(src, groups, 31, reference, dst)
            case 32: unpackGroups(src, groups, 32, reference, dst)
            default: unpackGroups(src, groups, width, reference, dst)
            }
        } else {
            switch width {
            case 1: unpackGroups(src, groups, 1, reference, dst)
            case 2: unpackGroups(src, groups, 2, reference, dst)
            case 3: unpackGroups(src, groups, 3, reference, dst)
            case 4: unpackGroups(src, groups, 4, reference, dst)
            case 5: unpackGroups(src, groups, 5, reference, dst)
            case 6: unpackGroups(src, groups, 6, reference, dst)
            case 7: unpackGroups(src, groups, 7, reference, dst)
            case 8: unpackGroups(src, groups, 8, reference, dst)
            case 9: unpackGroups(src, groups, 9, reference, dst)
            case 10: unpackGroups(src, groups, 10, reference, dst)
            case 11: unpackGroups(src, groups, 11, reference, dst)
            case 12: unpackGroups(src, groups, 12, reference, dst)
            case 13: unpackGroups(src, groups, 13, reference, dst)
            case 14: unpackGroups(src, groups, 14, reference, dst)
            case 15: unpackGroups(src, groups, 15, reference, dst)
            case 16: unpackGroups(src, groups, 16, reference, dst)
            case 17: unpackGroups(src, groups, 17, reference, dst)
            case 18: unpackGroups(src, groups, 18, reference, dst)
            case 19: unpackGroups(src, groups, 19, reference, dst)
            case 20: unpackGroups(src, groups, 20, reference, dst)
            case 21: unpackGroups(src, groups, 21, reference, dst)
            case 22: unpackGroups(src, groups, 22, reference, dst)
            case 23: unpackGroups(src, groups, 23, reference, dst)
            case 24: unpackGroups(src, groups, 24, reference, dst)
            case 25: unpackGroups(src, groups, 25, reference, dst)
            case 26: unpackGroups(src, groups, 26, reference, dst)
            case 27: unpackGroups(src, groups, 27, reference, dst)
            case 28: unpackGroups(src, groups, 28, reference, dst)
            case 29: unpackGroups(src, groups, 29, reference, dst)
            case 30: unpackGroups(src, groups, 30, reference, dst)
            case 31: unpackGroups(src, groups, 31, reference, dst)
            case 32: unpackGroups(src, groups, 32, reference, dst)
            case 33: unpackGroups(src, groups, 33, reference, dst)
            case 34: unpackGroups(src, groups, 34, reference, dst)
            case 35: unpackGroups(src, groups, 35, reference, dst)
            case 36: unpackGroups(src, groups, 36, reference, dst)
            case 37: unpackGroups(src, groups, 37, reference, dst)
            case 38: unpackGroups(src, groups, 38, reference, dst)
            case 39: unpackGroups(src, groups, 39, reference, dst)
            case 40: unpackGroups(src, groups, 40, reference, dst)
            case 41: unpackGroups(src, groups, 41, reference, dst)
            case 42: unpackGroups(src, groups, 42, reference, dst)
            case 43: unpackGroups(src, groups, 43, reference, dst)
            case 44: unpackGroups(src, groups, 44, reference, dst)
            case 45: unpackGroups(src, groups, 45, reference, dst)
            case 46: unpackGroups(src, groups, 46, reference, dst)
            case 47: unpackGroups(src, groups, 47, reference, dst)
            case 48: unpackGroups(src, groups, 48, reference, dst)
            case 49: unpackGroups(src, groups, 49, reference, dst)
            case 50: unpackGroups(src, groups, 50, reference, dst)
            case 51: unpackGroups(src, groups, 51, reference, dst)
            case 52: unpackGroups(src, groups, 52, reference, dst)
            case 53: unpackGroups(src, groups, 53, reference, dst)
            case 54: unpackGroups(src, groups, 54, reference, dst)
            case 55: unpackGroups(src, groups, 55, reference, dst)
            case 56: unpackGroups(src, groups, 56, reference, dst)
            case 57: unpackGroups(src, groups, 57, reference, dst)
            case 58: unpackGroups(src, groups, 58, reference, dst)
            case 59: unpackGroups(src, groups, 59, reference, dst)
            case 60: unpackGroups(src, groups, 60, reference, dst)
            case 61: unpackGroups(src, groups, 61, reference, dst)
            case 62: unpackGroups(src, groups, 62, reference, dst)
            case 63: unpackGroups(src, groups, 63, reference, dst)
            case 64: unpackGroups(src, groups, 64, reference, dst)
            default: unpackGroups(src, groups, width, reference, dst)
            }
        }
    }
}
