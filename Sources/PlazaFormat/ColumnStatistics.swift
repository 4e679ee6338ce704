import PlazaCore

/// What a block or a column chunk's statistics say about its values (Formats/plaza-file-format.md §8).
@usableFromInline package struct ColumnStatistics: Sendable, Hashable {
    /// The number of rows covered, NULLs included.
    package var valueCount: Int
    /// The number of NULL rows.
    package var nullCount: Int
    /// The exact number of distinct non-NULL values, where known (always for dictionary chunks;
    /// DOUBLEs count distinct bit patterns).
    package var distinctCount: Int?
    /// The smallest non-NULL value, absent when every row is NULL or a VARCHAR bound is over 64 bytes.
    /// DOUBLE order puts NaN above every number and treats -0.0 as equal to 0.0.
    package var min: Value?
    /// The largest non-NULL value (see `min`).
    package var max: Value?

    /// Creates statistics.
    package init(valueCount: Int, nullCount: Int, distinctCount: Int? = nil, min: Value? = nil, max: Value? = nil) {
        self.valueCount = valueCount
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.min = min
        self.max = max
    }

    /// Whether a row satisfying `predicate` (its column ignored) may exist among these values.
    /// Unknown comparisons (a constant of another type) answer true. Cost: O(constants).
    package func mightMatch(_ predicate: ScanPredicate) -> Bool {
        let nonNull = valueCount - nullCount
        switch predicate.comparison {
        case .isNull: return nullCount > 0
        case .isNotNull: return nonNull > 0
        default: break
        }
        if nonNull <= 0 { return false }
        guard let min, let max else { return true }
        // A comparison with NULL is never true.
        func inRange(_ c: Value) -> Bool {
            if c.isNull { return false }
            guard let low = statisticOrder(min, c), let high = statisticOrder(c, max) else { return true }
            return low <= 0 && high <= 0
        }
        switch predicate.comparison {
        case .equal:
            guard let c = predicate.constants.first else { return true }
            return inRange(c)
        case .inList:
            return predicate.constants.contains(where: inRange)
        case .notEqual:
            guard let c = predicate.constants.first else { return true }
            if c.isNull { return false }
            guard let a = statisticOrder(min, c), let b = statisticOrder(max, c) else { return true }
            return !(a == 0 && b == 0)
        case .less, .lessOrEqual:
            guard let c = predicate.constants.first else { return true }
            if c.isNull { return false }
            guard let order = statisticOrder(min, c) else { return true }
            return predicate.comparison == .less ? order < 0 : order <= 0
        case .greater, .greaterOrEqual:
            guard let c = predicate.constants.first else { return true }
            if c.isNull { return false }
            guard let order = statisticOrder(max, c) else { return true }
            return predicate.comparison == .greater ? order > 0 : order >= 0
        case .isNull, .isNotNull:
            return true
        }
    }
}

extension ColumnStatistics {
    /// Whether every row covered satisfies `predicate` (its column ignored): no NULL among them
    /// (a comparison with NULL is not true) and the bounds inside the range the predicate accepts.
    /// False whenever unknown (no bounds, a constant of another type). Cost: O(constants).
    package func mustMatch(_ predicate: ScanPredicate) -> Bool {
        switch predicate.comparison {
        case .isNull: return valueCount > 0 && nullCount == valueCount
        case .isNotNull: return nullCount == 0
        default: break
        }
        guard nullCount == 0, valueCount > 0, let min, let max else { return false }
        if predicate.comparison == .inList {
            // Only a single-valued range can lie wholly inside a list of points.
            guard statisticOrder(min, max) == 0 else { return false }
            return predicate.constants.contains { !$0.isNull && statisticOrder(min, $0) == 0 }
        }
        guard predicate.constants.count == 1, let c = predicate.constants.first, !c.isNull,
            let low = statisticOrder(min, c), let high = statisticOrder(max, c)
        else { return false }
        switch predicate.comparison {
        case .equal: return low == 0 && high == 0
        case .notEqual: return low > 0 || high < 0
        case .less: return high < 0
        case .lessOrEqual: return high <= 0
        case .greater: return low > 0
        case .greaterOrEqual: return low >= 0
        case .isNull, .isNotNull, .inList: return false
        }
    }
}

/// -1, 0 or 1 as `a` sorts before, with or after `b` in the statistics order of §8, or nil when the
/// two values are not of one comparable type.
package func statisticOrder(_ a: Value, _ b: Value) -> Int? {
    func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
    switch (a, b) {
    case (.bigint(let x), .bigint(let y)), (.timestamp(let x), .timestamp(let y)): return order(x, y)
    case (.decimal(let x, let s), .decimal(let y, let t)) where s == t: return order(x, y)
    case (.date(let x), .date(let y)): return order(x, y)
    case (.boolean(let x), .boolean(let y)): return order(x ? 1 : 0, y ? 1 : 0)
    case (.double(let x), .double(let y)): return doubleOrder(x, y)
    case (.varchar(let x), .varchar(let y)):
        if x == y { return 0 }
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
    default: return nil
    }
}

/// The DOUBLE order of §8: NaN above every number, -0.0 equal to 0.0.
@inline(__always)
func doubleOrder(_ x: Double, _ y: Double) -> Int {
    if x.isNaN { return y.isNaN ? 0 : 1 }
    if y.isNaN { return -1 }
    return x < y ? -1 : (x == y ? 0 : 1)
}

/// A statistic as stored (§8): integers widened to Int64, DOUBLE bits, or UTF-8 bytes.
enum StatisticValue: Hashable {
    case integer(Int64)
    case double(UInt64)
    case bytes([UInt8])

    func value(of type: DataType) -> Value {
        switch (self, type) {
        case (.integer(let v), .boolean): return .boolean(v != 0)
        case (.integer(let v), .date): return .date(Int32(truncatingIfNeeded: v))
        case (.integer(let v), .timestamp): return .timestamp(v)
        case (.integer(let v), .decimal(_, let scale)): return .decimal(v, scale: scale)
        case (.integer(let v), _): return .bigint(v)
        case (.double(let bits), _): return .double(Double(bitPattern: bits))
        case (.bytes(let b), _): return .varchar(String(decoding: b, as: UTF8.self))
        }
    }
}

/// Statistics in their stored form (§8).
struct RawStatistics: Hashable {
    var nullCount: Int = 0
    var distinctCount: Int? = nil
    var min: StatisticValue? = nil
    var max: StatisticValue? = nil

    func statistics(valueCount: Int, type: DataType) -> ColumnStatistics {
        ColumnStatistics(
            valueCount: valueCount, nullCount: nullCount, distinctCount: distinctCount,
            min: min?.value(of: type), max: max?.value(of: type))
    }

    /// Writes the statistics record of §8.
    func write(to w: inout ByteWriter) {
        let hasBounds = min != nil && max != nil
        w.u8((hasBounds ? 1 : 0) | (distinctCount != nil ? 2 : 0))
        w.u32(UInt32(nullCount))
        w.u32(UInt32(distinctCount ?? 0))
        guard hasBounds, let min, let max else { return }
        for bound in [min, max] {
            switch bound {
            case .integer(let v): w.i64(v)
            case .double(let bits): w.u64(bits)
            case .bytes(let b):
                w.u32(UInt32(b.count))
                w.raw(b)
            }
        }
    }

    /// Reads a statistics record of a column of `kind` covering `valueCount` rows.
    static func read(_ r: inout ByteReader, kind: ValueKind, valueCount: Int) throws(FormatError) -> RawStatistics {
        let flags = try r.u8()
        guard flags & ~3 == 0 else { throw corrupt("unknown statistics flags \(flags)") }
        guard kind != .int128 || flags == 0 else { throw wideFlagsError(flags) }
        var s = RawStatistics()
        s.nullCount = try r.count32(max: valueCount, "null count")
        let distinct = try r.count32(max: valueCount, "distinct count")
        if flags & 2 != 0 { s.distinctCount = distinct }
        if flags & 1 != 0 {
            guard s.nullCount < valueCount else { throw corrupt("statistics give bounds for an all-NULL range") }
            for k in 0..<2 {
                let bound: StatisticValue
                switch kind {
                case .double: bound = .double(try r.u64())
                case .string:
                    let length = try r.count32(max: SegmentFormat.maxStatisticStringBytes, "statistic string length")
                    bound = .bytes(Array(try r.bytes(length)))
                default: bound = .integer(try r.i64())
                }
                if k == 0 { s.min = bound } else { s.max = bound }
            }
        }
        return s
    }

    /// Checks a statistics record exactly as `read` does and steps over it without building
    /// anything, so a footer can be validated with no allocation per block.
    static func skip(_ r: inout ByteReader, kind: ValueKind, valueCount: Int) throws(FormatError) {
        let flags = try r.u8()
        guard flags & ~3 == 0 else { throw corrupt("unknown statistics flags \(flags)") }
        guard kind != .int128 || flags == 0 else { throw wideFlagsError(flags) }
        let nullCount = try r.count32(max: valueCount, "null count")
        _ = try r.count32(max: valueCount, "distinct count")
        guard flags & 1 != 0 else { return }
        guard nullCount < valueCount else { throw corrupt("statistics give bounds for an all-NULL range") }
        if kind == .string {
            for _ in 0..<2 {
                let length = try r.count32(max: SegmentFormat.maxStatisticStringBytes, "statistic string length")
                _ = try r.bytes(length)
            }
        } else {
            _ = try r.u64()
            _ = try r.u64()
        }
    }

    /// §8: statistics of a DECIMAL(19…38) column carry neither bounds nor a distinct count.
    private static func wideFlagsError(_ flags: UInt8) -> FormatError {
        corrupt("statistics flags \(flags) on a DECIMAL of more than 18 digits, which has no bounds or distinct count")
    }

    /// Folds `other` (a neighbouring range) into these statistics, for chunk statistics from blocks.
    mutating func merge(_ other: RawStatistics, kind: ValueKind, otherHasValues: Bool) {
        nullCount += other.nullCount
        distinctCount = nil
        if otherHasValues && (other.min == nil || other.max == nil) {
            hasUnknownBounds = true
        }
        if hasUnknownBounds {
            min = nil
            max = nil
            return
        }
        if let m = other.min { min = min.map { rawOrder($0, m, kind) <= 0 ? $0 : m } ?? m }
        if let m = other.max { max = max.map { rawOrder($0, m, kind) >= 0 ? $0 : m } ?? m }
    }

    /// Set once a merged range holds values whose bounds are unknown (long strings).
    var hasUnknownBounds = false
}

/// The §8 order of two stored statistic values of one kind.
func rawOrder(_ a: StatisticValue, _ b: StatisticValue, _ kind: ValueKind) -> Int {
    switch (a, b) {
    case (.integer(let x), .integer(let y)): return x < y ? -1 : (x == y ? 0 : 1)
    case (.double(let x), .double(let y)): return doubleOrder(Double(bitPattern: x), Double(bitPattern: y))
    case (.bytes(let x), .bytes(let y)): return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
    default: preconditionFailure("statistics of different kinds")
    }
}
