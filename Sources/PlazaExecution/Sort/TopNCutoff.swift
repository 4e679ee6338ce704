import PlazaCore
import PlazaVector

/// Fixed-width values mapped to unsigned integers whose order is the SQL order of the values
/// (the same order `SortKeyEncoder` writes, so both agree on every value).
protocol SortOrderBits {
    /// The order-preserving unsigned form of `value`.
    static func orderBits(_ value: Self) -> UInt64
}

extension UInt8: SortOrderBits {
    @inline(__always) static func orderBits(_ value: UInt8) -> UInt64 { UInt64(value) }
}

extension Int32: SortOrderBits {
    @inline(__always) static func orderBits(_ value: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: value) ^ 0x8000_0000)
    }
}

extension Int64: SortOrderBits {
    @inline(__always) static func orderBits(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: value) ^ 0x8000_0000_0000_0000
    }
}

extension Double: SortOrderBits {
    /// -0.0 equals 0.0 and every NaN is one NaN above +inf, as in the statistics and the encoder.
    @inline(__always) static func orderBits(_ value: Double) -> UInt64 {
        var x = value
        if x == 0 { x = 0 }
        if x.isNaN { x = .nan }
        let bits = x.bitPattern
        return bits & 0x8000_0000_0000_0000 != 0 ? ~bits : bits | 0x8000_0000_0000_0000
    }
}

/// The first sort key of the k-th best row seen so far: rows whose first key sorts after it can
/// never enter the top k, so they are dropped batch by batch and their blocks skipped.
struct FirstKeyCutoff: Sendable {
    /// 0: a NULL placed first, 1: a value, 2: a NULL placed last.
    var rank: UInt8
    /// For fixed-width values: the order bits, inverted for DESC.
    var bits: UInt64 = 0
    /// For strings: the UTF-8 bytes (DESC is applied when comparing).
    var bytes: [UInt8] = []
    /// The value itself, for statistics-based pruning.
    var value: Value
    /// Whether the value can be compared by `bits`/`bytes` (false for intervals).
    var isTyped: Bool
    /// Whether the value is a string (compared by `bytes`).
    var isString = false

    /// The cutoff taken from row `row` of the flat key vector `vector`.
    init(_ vector: ColumnVector, row: Int, isDescending: Bool, nullsFirst: Bool) {
        precondition(!vector.isDictionary, "cutoff needs a flat key vector")
        if vector.type == .null || !vector.isValid(at: row) {
            self.rank = nullsFirst ? 0 : 2
            self.value = .null
            self.isTyped = true
            return
        }
        self.rank = 1
        self.value = vector.value(at: row)
        self.isTyped = true
        let flip: UInt64 = isDescending ? ~0 : 0
        switch vector.physicalType {
        case .uint8: bits = UInt8.orderBits(vector.data.load(fromByteOffset: row, as: UInt8.self)) ^ flip
        case .int32: bits = Int32.orderBits(vector.data.load(fromByteOffset: row * 4, as: Int32.self)) ^ flip
        case .int64: bits = Int64.orderBits(vector.data.load(fromByteOffset: row * 8, as: Int64.self)) ^ flip
        case .double: bits = Double.orderBits(vector.data.load(fromByteOffset: row * 8, as: Double.self)) ^ flip
        case .string:
            bytes = Array(vector.bytes(at: row))
            isString = true
        case .interval, .int128: isTyped = false
        }
    }

    /// Whether this cutoff sorts strictly before `other` (so it is the tighter one).
    func isBefore(_ other: FirstKeyCutoff, isDescending: Bool) -> Bool {
        if rank != other.rank { return rank < other.rank }
        if rank != 1 || !isTyped || !other.isTyped { return false }
        if !isString { return bits < other.bits }
        let order = bytes.withUnsafeBytes { a in other.bytes.withUnsafeBytes { b in CompareKernel.compareBytes(a, b) } }
        return isDescending ? order > 0 : order < 0
    }

    /// Writes to `out` the rows of the flat vector `vector` (of `count` rows) whose value sorts
    /// before the cutoff, or also level with it unless `strict`; returns how many.
    func survivors(
        _ vector: ColumnVector, count: Int, isDescending: Bool, nullsFirst: Bool, strict: Bool,
        into out: UnsafeMutablePointer<Int32>
    ) -> Int {
        precondition(isTyped && !vector.isDictionary, "typed cutoff over a flat vector")
        let nullRank: UInt8 = nullsFirst ? 0 : 2
        let nullPasses = nullRank < rank || (nullRank == rank && !strict)
        if vector.type == .null { return nullPasses ? Self.all(count, out) : 0 }
        let validity = vector.validity
        if rank != 1 {
            // Valid values (rank 1) pass only a NULLS LAST cutoff.
            let validPasses = rank == 2
            var n = 0
            for row in 0..<count {
                out[n] = Int32(truncatingIfNeeded: row)
                n &+= Int(unsafeBitCast(validity.isValid(at: row) ? validPasses : nullPasses, to: UInt8.self))
            }
            return n
        }
        let flip: UInt64 = isDescending ? ~0 : 0
        if vector.physicalType != .string, strict, bits == 0 {
            // Nothing sorts strictly before the smallest key: only NULLs placed first remain.
            return nullPasses ? Self.nulls(vector, count, out) : 0
        }
        let limit = strict && vector.physicalType != .string ? bits &- 1 : bits
        switch vector.physicalType {
        case .uint8: return Self.select(vector, UInt8.self, count, limit, flip, nullPasses, out)
        case .int32: return Self.select(vector, Int32.self, count, limit, flip, nullPasses, out)
        case .int64: return Self.select(vector, Int64.self, count, limit, flip, nullPasses, out)
        case .double: return Self.select(vector, Double.self, count, limit, flip, nullPasses, out)
        case .string:
            var n = 0
            bytes.withUnsafeBytes { cutoff in
                for row in 0..<count {
                    out[n] = Int32(truncatingIfNeeded: row)
                    let passes: Bool
                    if validity.isValid(at: row) {
                        let c = CompareKernel.compareBytes(vector.bytes(at: row), cutoff)
                        let order = isDescending ? -c : c
                        passes = strict ? order < 0 : order <= 0
                    } else {
                        passes = nullPasses
                    }
                    n &+= Int(unsafeBitCast(passes, to: UInt8.self))
                }
            }
            return n
        case .interval, .int128: preconditionFailure("interval and wide decimal keys have no typed cutoff")
        }
    }

    private static func all(_ count: Int, _ out: UnsafeMutablePointer<Int32>) -> Int {
        for row in 0..<count { out[row] = Int32(truncatingIfNeeded: row) }
        return count
    }

    private static func nulls(_ vector: ColumnVector, _ count: Int, _ out: UnsafeMutablePointer<Int32>) -> Int {
        let validity = vector.validity
        if validity.isAllValid { return 0 }
        var n = 0
        for row in 0..<count {
            out[n] = Int32(truncatingIfNeeded: row)
            n &+= Int(unsafeBitCast(!validity.isValid(at: row), to: UInt8.self))
        }
        return n
    }

    /// The branch-free loop for one fixed-width type: a row passes when its order bits (flipped
    /// for DESC) are at most `limit`.
    @inline(__always)
    private static func select<T: SortOrderBits>(
        _ vector: ColumnVector, _: T.Type, _ count: Int, _ limit: UInt64, _ flip: UInt64, _ nullPasses: Bool,
        _ out: UnsafeMutablePointer<Int32>
    ) -> Int {
        let values = vector.data.assumingMemoryBound(to: T.self)
        let validity = vector.validity
        var n = 0
        if validity.isAllValid {
            for row in 0..<count {
                out[n] = Int32(truncatingIfNeeded: row)
                n &+= Int(unsafeBitCast((T.orderBits(values[row]) ^ flip) <= limit, to: UInt8.self))
            }
        } else {
            for row in 0..<count {
                out[n] = Int32(truncatingIfNeeded: row)
                let passes = validity.isValid(at: row) ? (T.orderBits(values[row]) ^ flip) <= limit : nullPasses
                n &+= Int(unsafeBitCast(passes, to: UInt8.self))
            }
        }
        return n
    }
}
