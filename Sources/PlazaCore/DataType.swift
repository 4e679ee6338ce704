/// The logical type of a column or an expression.
///
/// Storage types are every case but `interval`, which only appears in expressions
/// (`DATE '2024-01-31' + INTERVAL '3 days'`) and cannot be stored in a table.
public enum DataType: Hashable, Sendable, CustomStringConvertible {
    /// true / false.
    case boolean
    /// A 64-bit signed integer.
    case bigint
    /// An IEEE-754 binary64.
    case double
    /// A fixed-point number scaled by 10^scale: stored as an Int64 for precision ≤ 18, as an Int128
    /// for precision 19 to 38 (a wide decimal).
    case decimal(precision: Int, scale: Int)
    /// UTF-8 text.
    case varchar
    /// Days since 1970-01-01, as Int32.
    case date
    /// Microseconds since 1970-01-01 00:00:00 UTC, as Int64.
    case timestamp
    /// A span of months, days and microseconds; expressions only.
    case interval
    /// The type of an untyped NULL literal; binds to any type.
    case null

    /// The largest DECIMAL precision Plaza computes with (an Int128 holds 38 full digits).
    public static let maxDecimalPrecision = 38

    /// The largest DECIMAL precision held in an Int64 (18 full digits); wider decimals use an Int128.
    @usableFromInline package static let maxNarrowDecimalPrecision = 18

    /// Whether the type is a DECIMAL wider than 18 digits (stored as Int128).
    package var isWideDecimal: Bool {
        if case .decimal(let p, _) = self { return p > DataType.maxNarrowDecimalPrecision }
        return false
    }

    /// The SQL spelling of the type, as `DESCRIBE` prints it.
    public var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .bigint: return "BIGINT"
        case .double: return "DOUBLE"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .varchar: return "VARCHAR"
        case .date: return "DATE"
        case .timestamp: return "TIMESTAMP"
        case .interval: return "INTERVAL"
        case .null: return "NULL"
        }
    }

    /// The in-memory representation a `ColumnVector` of this type uses.
    package var physicalType: PhysicalType {
        switch self {
        case .boolean: return .uint8
        case .decimal(let p, _): return p > DataType.maxNarrowDecimalPrecision ? .int128 : .int64
        case .bigint, .timestamp: return .int64
        case .double: return .double
        case .date: return .int32
        case .varchar: return .string
        case .interval: return .interval
        case .null: return .uint8
        }
    }

    /// Whether values of the type are numbers (BIGINT, DOUBLE, DECIMAL).
    public var isNumeric: Bool {
        switch self {
        case .bigint, .double, .decimal: return true
        default: return false
        }
    }

    /// The scale of a DECIMAL, 0 for everything else.
    public var decimalScale: Int {
        if case .decimal(_, let s) = self { return s }
        return 0
    }
}

/// How values of a type are laid out in memory: the width of one value, or variable-length bytes.
@usableFromInline package enum PhysicalType: Hashable, Sendable {
    /// One byte per value (BOOLEAN as 0/1).
    case uint8
    /// Four bytes per value (DATE).
    case int32
    /// Eight bytes per value (BIGINT, DECIMAL up to 18 digits, TIMESTAMP).
    case int64
    /// Eight bytes per value (DOUBLE).
    case double
    /// Sixteen bytes per value, little-endian two's complement (DECIMAL wider than 18 digits).
    case int128
    /// Variable-length UTF-8: Int32 offsets into a byte heap.
    case string
    /// Sixteen bytes per value: months (Int32), days (Int32), microseconds (Int64).
    case interval

    /// Bytes per value for fixed-width types; 0 for strings.
    package var byteWidth: Int {
        switch self {
        case .uint8: return 1
        case .int32: return 4
        case .int64, .double: return 8
        case .interval, .int128: return 16
        case .string: return 0
        }
    }
}
