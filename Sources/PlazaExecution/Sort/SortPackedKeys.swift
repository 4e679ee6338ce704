import PlazaCore
import PlazaVector

/// One row to sort: its packed key and where the row lives (source batch << 32 | row).
///
/// Sorting entries by `key` alone, stably, from `ref` order gives the SQL order with ties in
/// input order.
struct SortEntry {
    /// All sort keys of the row packed into one integer whose order is the SQL order.
    var key: UInt64
    /// The source batch (high 32 bits) and the row in it (low 32 bits).
    var ref: UInt64
}

/// The range of one fixed-width sort key seen while buffering: the smallest and largest order
/// bits of its values (`SortOrderBits`) and whether a NULL occurred.
struct SortKeyRange {
    var minimum = UInt64.max
    var maximum: UInt64 = 0
    var hasNulls = false

    /// Whether any value (not NULL) was seen.
    var hasValues: Bool { minimum <= maximum }

    /// Whether keys of `type` can be packed (NULL, boolean, integers, dates, decimals,
    /// timestamps, doubles; not strings or intervals).
    static func isPackable(_ type: DataType) -> Bool {
        if type == .null { return true }
        switch type.physicalType {
        case .uint8, .int32, .int64, .double: return true
        case .string, .interval, .int128: return false
        }
    }

    /// Widens the range by the `count` rows of the flat vector `vector`.
    mutating func add(_ vector: ColumnVector, count: Int) {
        precondition(!vector.isDictionary, "sort key ranges need flat vectors")
        if count == 0 { return }
        if vector.type == .null {
            hasNulls = true
            return
        }
        switch vector.physicalType {
        case .uint8: add(vector, UInt8.self, count)
        case .int32: add(vector, Int32.self, count)
        case .int64: add(vector, Int64.self, count)
        case .double: add(vector, Double.self, count)
        case .string, .interval, .int128: preconditionFailure("no packed range for \(vector.type)")
        }
    }

    @inline(__always)
    private mutating func add<T: SortOrderBits>(_ vector: ColumnVector, _: T.Type, _ count: Int) {
        let values = vector.data.assumingMemoryBound(to: T.self)
        let validity = vector.validity
        var low = minimum, high = maximum
        if validity.isAllValid {
            for row in 0..<count {
                let bits = T.orderBits(values[row])
                low = Swift.min(low, bits)
                high = Swift.max(high, bits)
            }
        } else {
            // Branch-free: a NULL row widens nothing (its bits count as max for the minimum and 0
            // for the maximum), since NULLs come in no predictable pattern.
            var nulls = 0
            for row in 0..<count {
                let bits = T.orderBits(values[row])
                let isValid = validity.isValid(at: row)
                low = Swift.min(low, isValid ? bits : .max)
                high = Swift.max(high, isValid ? bits : 0)
                nulls &+= Int(unsafeBitCast(!isValid, to: UInt8.self))
            }
            if nulls > 0 { hasNulls = true }
        }
        minimum = low
        maximum = high
    }

    /// The order bits of the valid row `row` of the flat vector `vector` (one value: not for
    /// hot loops).
    static func orderBits(_ vector: ColumnVector, _ row: Int) -> UInt64 {
        switch vector.physicalType {
        case .uint8: return UInt8.orderBits(vector.data.load(fromByteOffset: row, as: UInt8.self))
        case .int32: return Int32.orderBits(vector.data.load(fromByteOffset: row * 4, as: Int32.self))
        case .int64: return Int64.orderBits(vector.data.load(fromByteOffset: row * 8, as: Int64.self))
        case .double: return Double.orderBits(vector.data.load(fromByteOffset: row * 8, as: Double.self))
        case .string, .interval, .int128: preconditionFailure("no packed key for \(vector.type)")
        }
    }

    /// Widens the range by `other`.
    mutating func merge(_ other: SortKeyRange) {
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        hasNulls = hasNulls || other.hasNulls
    }
}

/// How the sort keys of a query pack into one UInt64 per row, when they fit.
///
/// Each key becomes a code in 0...max: its order bits minus the smallest (or the largest minus
/// them, for DESC), shifted up by one when NULLs come first; a NULL is 0 (NULLS FIRST) or one past
/// the largest value code (NULLS LAST). Codes take as many bits as their largest value needs, and
/// the first key takes the highest bits, so integer order is the ORDER BY order.
struct PackedKeyLayout {
    struct Part {
        var minimum: UInt64
        var maximum: UInt64
        var isDescending: Bool
        /// Added to value codes (1 when NULLs come first and occur).
        var bias: UInt64
        var nullCode: UInt64
        var shift: UInt64
        var bits: Int
    }

    let parts: [Part]
    /// Bits used by the packed key (0...64).
    let totalBits: Int

    /// The layout for keys with `ranges`, or nil when they need more than 64 bits.
    init?(_ ranges: [SortKeyRange], _ directions: [(isDescending: Bool, nullsFirst: Bool)]) {
        var parts: [Part] = []
        var total = 0
        for (range, direction) in zip(ranges, directions) {
            let span = range.hasValues ? range.maximum &- range.minimum : 0
            var largest = span
            var bias: UInt64 = 0
            var nullCode: UInt64 = 0
            if range.hasNulls && range.hasValues {
                if span == .max { return nil }
                largest = span + 1
                if direction.nullsFirst { bias = 1 } else { nullCode = span + 1 }
            }
            let bits = largest == 0 ? 0 : 64 - largest.leadingZeroBitCount
            total += bits
            if total > 64 { return nil }
            parts.append(
                Part(
                    minimum: range.minimum, maximum: range.maximum, isDescending: direction.isDescending, bias: bias,
                    nullCode: nullCode, shift: 0, bits: bits))
        }
        var shift = 0
        for index in parts.indices.reversed() {
            parts[index].shift = UInt64(shift)
            shift += parts[index].bits
        }
        self.parts = parts
        self.totalBits = total
    }

    /// Writes the entries of the `count` rows from `start` whose flat key vectors are `vectors` to
    /// `out`, with refs `batch << 32 | row`.
    func pack(
        _ vectors: [ColumnVector], count: Int, batch: Int, start: Int = 0, into out: UnsafeMutablePointer<SortEntry>
    ) {
        let high = UInt64(batch) << 32
        for row in 0..<count { out[row] = SortEntry(key: 0, ref: high | UInt64(start + row)) }
        for (part, vector) in zip(parts, vectors) where part.bits > 0 {
            switch vector.physicalType {
            case .uint8: pack(part, vector, UInt8.self, start, count, out)
            case .int32: pack(part, vector, Int32.self, start, count, out)
            case .int64: pack(part, vector, Int64.self, start, count, out)
            case .double: pack(part, vector, Double.self, start, count, out)
            case .string, .interval, .int128: preconditionFailure("no packed key for \(vector.type)")
            }
        }
    }

    @inline(__always)
    private func pack<T: SortOrderBits>(
        _ part: Part, _ vector: ColumnVector, _: T.Type, _ start: Int, _ count: Int,
        _ out: UnsafeMutablePointer<SortEntry>
    ) {
        // A part with bits > 0 has values (a NULL-only key packs to 0 bits).
        precondition(vector.type != .null, "a NULL key with bits")
        let values = vector.data.assumingMemoryBound(to: T.self) + start
        let validity = vector.validity
        let shift = part.shift, bias = part.bias
        // code = (bits ^ flip) - base: ascending (bits - min); descending (max - bits).
        let flip: UInt64 = part.isDescending ? ~0 : 0
        let base: UInt64 = part.isDescending ? ~part.maximum : part.minimum
        if validity.isAllValid {
            for row in 0..<count {
                let code = ((T.orderBits(values[row]) ^ flip) &- base) &+ bias
                out[row].key |= code &<< shift
            }
        } else {
            let nullCode = part.nullCode
            for row in 0..<count {
                let value = ((T.orderBits(values[row]) ^ flip) &- base) &+ bias
                let code = validity.isValid(at: start + row) ? value : nullCode
                out[row].key |= code &<< shift
            }
        }
    }
}
