#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore

/// Comparison of two vectors of one type, or of a vector and a constant, into 0/1 bytes.
///
/// VARCHAR compares by UTF-8 bytes; BOOLEAN false < true; DOUBLE: NaN equals NaN and sorts above
/// every other value; INTERVAL by months·30 days + days, then microseconds (as DuckDB).
/// NULL rows produce an unspecified byte; the caller masks them with the validity.
@usableFromInline package enum CompareKernel {
    /// The comparison operator.
    @usableFromInline package enum Operator: Sendable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

        /// The operator for the catalogue name (`=`, `<>`, `<`, `<=`, `>`, `>=`).
        package init?(name: String) {
            switch name {
            case "=": self = .equal
            case "<>", "!=": self = .notEqual
            case "<": self = .less
            case "<=": self = .lessOrEqual
            case ">": self = .greater
            case ">=": self = .greaterOrEqual
            default: return nil
            }
        }

        /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
        package var swapped: Operator {
            switch self {
            case .less: return .greater
            case .lessOrEqual: return .greaterOrEqual
            case .greater: return .less
            case .greaterOrEqual: return .lessOrEqual
            default: return self
            }
        }

        @inline(__always)
        func holds(_ ordering: Int) -> Bool {
            switch self {
            case .equal: return ordering == 0
            case .notEqual: return ordering != 0
            case .less: return ordering < 0
            case .lessOrEqual: return ordering <= 0
            case .greater: return ordering > 0
            case .greaterOrEqual: return ordering >= 0
            }
        }
    }

    /// `out[row] = a[row] op b[row]` for `count` rows of two flat vectors of one physical type.
    package static func compare(
        _ a: ColumnVector, _ b: ColumnVector, _ op: Operator, count: Int, into out: UnsafeMutablePointer<UInt8>
    ) {
        precondition(a.physicalType == b.physicalType, "compare of different physical types")
        switch a.physicalType {
        case .uint8:
            loop(
                a.data.assumingMemoryBound(to: UInt8.self), b.data.assumingMemoryBound(to: UInt8.self), false, op,
                count, out)
        case .int32:
            loop(
                a.data.assumingMemoryBound(to: Int32.self), b.data.assumingMemoryBound(to: Int32.self), false, op,
                count, out)
        case .int64:
            loop(
                a.data.assumingMemoryBound(to: Int64.self), b.data.assumingMemoryBound(to: Int64.self), false, op,
                count, out)
        case .int128:
            loop(
                a.data.assumingMemoryBound(to: Int128.self), b.data.assumingMemoryBound(to: Int128.self), false, op,
                count, out)
        case .double:
            doubleLoop(
                a.data.assumingMemoryBound(to: Double.self), b.data.assumingMemoryBound(to: Double.self), false, op,
                count, out)
        case .interval:
            let x = a.data.assumingMemoryBound(to: Interval.self), y = b.data.assumingMemoryBound(to: Interval.self)
            for row in 0..<count { out[row] = op.holds(compareIntervals(x[row], y[row])) ? 1 : 0 }
        case .string:
            for row in 0..<count { out[row] = op.holds(compareStrings(a, row, b, row)) ? 1 : 0 }
        }
    }

    /// `out[row] = a[row] op constant` for `count` rows; `constant` is non-NULL and of `a`'s type.
    package static func compare(
        _ a: ColumnVector, constant: Value, _ op: Operator, count: Int, into out: UnsafeMutablePointer<UInt8>
    ) {
        let holder = ColumnVector(type: a.type, capacity: 1)
        holder.append(value: constant)
        compare(a, constantHolder: holder, op, count: count, into: out)
    }

    /// `out[row] = a[row] op holder[0]` for `count` rows: the constant already stored as row 0 of
    /// a one-row vector of `a`'s type (built once per expression, so no allocation per batch).
    package static func compare(
        _ a: ColumnVector, constantHolder holder: ColumnVector, _ op: Operator, count: Int,
        into out: UnsafeMutablePointer<UInt8>
    ) {
        precondition(
            holder.count >= 1 && holder.physicalType == a.physicalType,
            "constant holder must hold one value of the compared physical type")
        switch a.physicalType {
        case .uint8:
            loop(
                a.data.assumingMemoryBound(to: UInt8.self), holder.data.assumingMemoryBound(to: UInt8.self), true, op,
                count, out)
        case .int32:
            loop(
                a.data.assumingMemoryBound(to: Int32.self), holder.data.assumingMemoryBound(to: Int32.self), true, op,
                count, out)
        case .int64:
            loop(
                a.data.assumingMemoryBound(to: Int64.self), holder.data.assumingMemoryBound(to: Int64.self), true, op,
                count, out)
        case .int128:
            loop(
                a.data.assumingMemoryBound(to: Int128.self), holder.data.assumingMemoryBound(to: Int128.self), true, op,
                count, out)
        case .double:
            doubleLoop(
                a.data.assumingMemoryBound(to: Double.self), holder.data.assumingMemoryBound(to: Double.self), true, op,
                count, out)
        case .interval:
            let x = a.data.assumingMemoryBound(to: Interval.self),
                c = holder.data.assumingMemoryBound(to: Interval.self)[0]
            for row in 0..<count { out[row] = op.holds(compareIntervals(x[row], c)) ? 1 : 0 }
        case .string:
            // Each text's first 8 bytes, read as one big-endian number, decide most rows without a
            // memcmp call (16-30 ns a row with one on high-cardinality text).
            let constantBytes = holder.bytes(at: 0)
            let constantLength = constantBytes.count
            let constantPrefix = prefix8(constantBytes.baseAddress, constantLength)
            let offsets = a.offsets, heap = UnsafeRawPointer(a.heap)
            if op == .equal || op == .notEqual {
                let want: UInt8 = op == .equal ? 1 : 0
                for row in 0..<count {
                    let start = Int(offsets[row]), length = Int(offsets[row &+ 1]) &- start
                    let same =
                        length == constantLength && prefix8(heap + start, length) == constantPrefix
                        && (length <= 8
                            || memcmp(heap + (start &+ 8), constantBytes.baseAddress! + 8, length &- 8) == 0)
                    out[row] = same ? want : 1 &- want
                }
            } else {
                for row in 0..<count {
                    let start = Int(offsets[row]), length = Int(offsets[row &+ 1]) &- start
                    let prefix = prefix8(heap + start, length)
                    let order =
                        prefix != constantPrefix
                        ? (prefix < constantPrefix ? -1 : 1)
                        : compareBytes(UnsafeRawBufferPointer(start: heap + start, count: length), constantBytes)
                    out[row] = op.holds(order) ? 1 : 0
                }
            }
        }
    }

    @inline(__always)
    static func loop<T: Comparable>(
        _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ isConstant: Bool, _ op: Operator, _ count: Int,
        _ out: UnsafeMutablePointer<UInt8>
    ) {
        // One loop per operator, branch-free bodies (PERFORMANCE.md rule 2).
        if isConstant {
            let c = y[0]
            switch op {
            case .equal: for row in 0..<count { out[row] = unsafeBitCast(x[row] == c, to: UInt8.self) }
            case .notEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] != c, to: UInt8.self) }
            case .less: for row in 0..<count { out[row] = unsafeBitCast(x[row] < c, to: UInt8.self) }
            case .lessOrEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] <= c, to: UInt8.self) }
            case .greater: for row in 0..<count { out[row] = unsafeBitCast(x[row] > c, to: UInt8.self) }
            case .greaterOrEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] >= c, to: UInt8.self) }
            }
        } else {
            switch op {
            case .equal: for row in 0..<count { out[row] = unsafeBitCast(x[row] == y[row], to: UInt8.self) }
            case .notEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] != y[row], to: UInt8.self) }
            case .less: for row in 0..<count { out[row] = unsafeBitCast(x[row] < y[row], to: UInt8.self) }
            case .lessOrEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] <= y[row], to: UInt8.self) }
            case .greater: for row in 0..<count { out[row] = unsafeBitCast(x[row] > y[row], to: UInt8.self) }
            case .greaterOrEqual: for row in 0..<count { out[row] = unsafeBitCast(x[row] >= y[row], to: UInt8.self) }
            }
        }
    }

    @inline(__always)
    static func doubleLoop(
        _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ isConstant: Bool, _ op: Operator, _ count: Int,
        _ out: UnsafeMutablePointer<UInt8>
    ) {
        let hasNaN = isConstant ? y[0].isNaN : false
        if isConstant && !hasNaN {
            // NaN rows: NaN is above every number, so only <>, >, >= hold.
            loop(x, y, true, op, count, out)
            let nanHolds: UInt8 = (op == .notEqual || op == .greater || op == .greaterOrEqual) ? 1 : 0
            for row in 0..<count where x[row].isNaN { out[row] = nanHolds }
            return
        }
        if !isConstant {
            // Two columns: the total order (NaN above all, equal to NaN) as IEEE comparisons and NaN
            // tests without a branch, one loop per operator (it was a three-way compare per row).
            switch op {
            case .less: for row in 0..<count { out[row] = lessTotal(x[row], y[row]) }
            case .lessOrEqual: for row in 0..<count { out[row] = 1 &- lessTotal(y[row], x[row]) }
            case .greater: for row in 0..<count { out[row] = lessTotal(y[row], x[row]) }
            case .greaterOrEqual: for row in 0..<count { out[row] = 1 &- lessTotal(x[row], y[row]) }
            case .equal: for row in 0..<count { out[row] = equalTotal(x[row], y[row]) }
            case .notEqual: for row in 0..<count { out[row] = 1 &- equalTotal(x[row], y[row]) }
            }
            return
        }
        for row in 0..<count { out[row] = op.holds(compareDoubles(x[row], y[0])) ? 1 : 0 }
    }

    /// 1 when `a` < `b` in the total order of `compareDoubles`, else 0.
    @inline(__always)
    static func lessTotal(_ a: Double, _ b: Double) -> UInt8 {
        UInt8(truncatingIfNeeded: (a < b ? 1 : 0) | (!a.isNaN && b.isNaN ? 1 : 0))
    }

    /// 1 when `a` equals `b` in the total order of `compareDoubles` (NaN equals NaN), else 0.
    @inline(__always)
    static func equalTotal(_ a: Double, _ b: Double) -> UInt8 {
        UInt8(truncatingIfNeeded: (a == b ? 1 : 0) | (a.isNaN && b.isNaN ? 1 : 0))
    }

    /// Total order on doubles: NaN equal to NaN and above everything, -0.0 equal to 0.0.
    @inline(__always)
    package static func compareDoubles(_ a: Double, _ b: Double) -> Int {
        if a < b { return -1 }
        if a > b { return 1 }
        if a == b { return 0 }
        return a.isNaN ? (b.isNaN ? 0 : 1) : -1
    }

    /// Orders intervals as DuckDB: months as 30 days, then days, then microseconds, normalized.
    @inline(__always)
    package static func compareIntervals(_ a: Interval, _ b: Interval) -> Int {
        let x = (Int128(a.months) * 30 + Int128(a.days)) * Int128(86_400_000_000) + Int128(a.micros)
        let y = (Int128(b.months) * 30 + Int128(b.days)) * Int128(86_400_000_000) + Int128(b.micros)
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// The first 8 of `length` bytes at `bytes` as a big-endian number, zero-padded: two texts whose
    /// numbers differ compare as the numbers do (a shorter text pads with 0, below any byte it lacks);
    /// equal numbers leave the order to the bytes after them and the lengths.
    @inline(__always)
    static func prefix8(_ bytes: UnsafeRawPointer?, _ length: Int) -> UInt64 {
        guard let bytes else { return 0 }
        if length >= 8 { return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) }
        var value: UInt64 = 0
        for k in 0..<length { value |= UInt64(bytes.load(fromByteOffset: k, as: UInt8.self)) &<< UInt64(56 &- 8 &* k) }
        return value
    }

    /// Compares string row `i` of `a` with row `j` of `b` by bytes.
    @inline(__always)
    package static func compareStrings(_ a: ColumnVector, _ i: Int, _ b: ColumnVector, _ j: Int) -> Int {
        compareBytes(a.bytes(at: i), b.bytes(at: j))
    }

    /// Compares two byte strings: negative, zero or positive, as memcmp then length.
    @inline(__always)
    package static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(a.count, b.count)
        if common > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, common)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}

/// Turns 0/1 bytes and a validity bitmap into a selection of the rows that are true.
@usableFromInline package enum FilterKernel {
    /// Writes the positions of rows `0 ..< count` whose byte is 1 and that are valid; returns how many.
    ///
    /// Works 64 rows at a time: eight bytes become eight bits with one multiply, the word is
    /// masked by the validity word, and only its set bits are visited, so a selective filter costs
    /// little more than reading the bytes.
    package static func select(
        _ bools: UnsafePointer<UInt8>, validity: ValidityBitmap, count: Int, into out: UnsafeMutablePointer<Int32>
    ) -> Int {
        let words = validity.words
        let raw = UnsafeRawPointer(bools)
        var n = 0
        var base = 0
        while base < count {
            let end = Swift.min(64, count &- base)
            var bits: UInt64 = 0
            var k = 0
            while k &+ 8 <= end {
                // Byte i (0 or 1) of x lands on bit 56 + i of the product; no two terms overlap.
                let x =
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base &+ k, as: UInt64.self))
                    & 0x0101_0101_0101_0101
                bits |= ((x &* 0x0102_0408_1020_4080) &>> 56) &<< UInt64(k)
                k &+= 8
            }
            while k < end {
                bits |= UInt64(bools[base &+ k] & 1) &<< UInt64(k)
                k &+= 1
            }
            if let words { bits &= words[base &>> 6] }
            while bits != 0 {
                out[n] = Int32(truncatingIfNeeded: base &+ bits.trailingZeroBitCount)
                n &+= 1
                bits &= bits &- 1
            }
            base &+= 64
        }
        return n
    }
}
