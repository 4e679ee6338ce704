#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlazaCore
import PlazaVector

/// Encodes sort keys as byte strings whose memcmp order is the SQL order.
///
/// Per key: a NULL marker byte (0 for NULLS FIRST, 2 for NULLS LAST, 1 for a value), then for a
/// value its bytes, big-endian with the sign flipped (integers), IEEE bits made monotone (doubles),
/// or the UTF-8 bytes with 0x00 escaped as 0x00 0x01 and ended by 0x00 0x00 (strings); DESC
/// inverts the value bytes.
struct SortKeyEncoder {
    var bytes: [UInt8] = []
    var offsets: [Int] = [0]

    init(_ vectors: [ColumnVector], _ directions: [(isDescending: Bool, nullsFirst: Bool)], count: Int) {
        bytes.reserveCapacity(count * (vectors.count * 9 + 1))
        for row in 0..<count {
            for (vector, direction) in zip(vectors, directions) {
                if vector.type == .null || !vector.isValid(at: row) {
                    bytes.append(direction.nullsFirst ? 0 : 2)
                    continue
                }
                bytes.append(1)
                let start = bytes.count
                appendValue(vector, row)
                if direction.isDescending { for i in start..<bytes.count { bytes[i] = ~bytes[i] } }
            }
            offsets.append(bytes.count)
        }
    }

    private mutating func appendBigEndian(_ value: UInt64, _ width: Int) {
        // One append of the big-endian bytes instead of one per byte.
        let shifted = (value << UInt64((8 - width) * 8)).bigEndian
        withUnsafeBytes(of: shifted) { bytes.append(contentsOf: $0.prefix(width)) }
    }

    private mutating func appendValue(_ v: ColumnVector, _ row: Int) {
        switch v.physicalType {
        case .uint8: bytes.append(v.data.load(fromByteOffset: row, as: UInt8.self))
        case .int32:
            let x = v.data.load(fromByteOffset: row * 4, as: Int32.self)
            appendBigEndian(UInt64(UInt32(bitPattern: x) ^ 0x8000_0000), 4)
        case .int64:
            let x = v.data.load(fromByteOffset: row * 8, as: Int64.self)
            appendBigEndian(UInt64(bitPattern: x) ^ 0x8000_0000_0000_0000, 8)
        case .double:
            var x = v.data.load(fromByteOffset: row * 8, as: Double.self)
            if x == 0 { x = 0 }
            if x.isNaN { x = .nan }
            let bits = x.bitPattern
            appendBigEndian(bits & 0x8000_0000_0000_0000 != 0 ? ~bits : bits | 0x8000_0000_0000_0000, 8)
        case .interval:
            let i = v.data.load(fromByteOffset: row * 16, as: Interval.self)
            let total = (Int128(i.months) * 30 + Int128(i.days)) * Int128(86_400_000_000) + Int128(i.micros)
            let bits = UInt128(bitPattern: total) ^ (UInt128(1) << 127)
            appendBigEndian(UInt64(truncatingIfNeeded: bits >> 64), 8)
            appendBigEndian(UInt64(truncatingIfNeeded: bits), 8)
        case .string:
            for c in v.bytes(at: row) {
                bytes.append(c)
                if c == 0 { bytes.append(1) }
            }
            bytes.append(0)
            bytes.append(0)
        }
    }

    /// The key of `row`.
    func key(_ row: Int) -> [UInt8] { Array(bytes[offsets[row]..<offsets[row + 1]]) }

    /// Compares the key of `row` with the key of `other`'s row `otherRow` (memcmp, then length).
    @inline(__always)
    func compare(_ row: Int, _ other: SortKeyEncoder, _ otherRow: Int) -> Int32 {
        bytes.withUnsafeBufferPointer { a in
            other.bytes.withUnsafeBufferPointer { b in
                let sa = offsets[row], la = offsets[row + 1] - sa
                let sb = other.offsets[otherRow], lb = other.offsets[otherRow + 1] - sb
                let common = Swift.min(la, lb)
                let c = common == 0 ? 0 : memcmp(a.baseAddress! + sa, b.baseAddress! + sb, common)
                if c != 0 { return c }
                return la == lb ? 0 : (la < lb ? -1 : 1)
            }
        }
    }

    /// Rows whose key sorts strictly before `other` (memcmp, then length).
    func rowsBefore(_ other: UnsafeRawBufferPointer) -> [Int32] {
        var kept: [Int32] = []
        bytes.withUnsafeBytes { all in
            offsets.withUnsafeBufferPointer { offsets in
                for row in 0..<(offsets.count - 1) {
                    let key = UnsafeRawBufferPointer(rebasing: all[offsets[row]..<offsets[row + 1]])
                    if CompareKernel.compareBytes(key, other) < 0 { kept.append(Int32(row)) }
                }
            }
        }
        return kept
    }

    /// Sorts row numbers by key, ties by row number (so the sort is stable).
    func sort(_ order: inout [Int32]) {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            offsets.withUnsafeBufferPointer { offsets in
                order.sort { a, b in
                    let sa = offsets[Int(a)], la = offsets[Int(a) + 1] - sa
                    let sb = offsets[Int(b)], lb = offsets[Int(b) + 1] - sb
                    let common = Swift.min(la, lb)
                    let c = common == 0 ? 0 : memcmp(base + sa, base + sb, common)
                    if c != 0 { return c < 0 }
                    if la != lb { return la < lb }
                    return a < b
                }
            }
        }
    }
}
