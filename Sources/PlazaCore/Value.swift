/// One scalar value: a literal, a bound parameter, a statistic, or one cell of a result.
///
/// Not for hot loops: kernels work on `ColumnVector` buffers. `Value` is for the edges
/// (parameters, constants, statistics, row access in the API).
public enum Value: Hashable, Sendable {
    /// SQL NULL.
    case null
    /// A BOOLEAN.
    case boolean(Bool)
    /// A BIGINT.
    case bigint(Int64)
    /// A DOUBLE.
    case double(Double)
    /// A DECIMAL: the unscaled integer and the scale (value = unscaled / 10^scale).
    case decimal(Int64, scale: Int)
    /// A DECIMAL of 19 to 38 digits (a sum of DECIMALs, a `CAST(x AS DECIMAL(38,2))`): the unscaled
    /// Int128 and the scale. Results of a wide DECIMAL column always use this case.
    case wideDecimal(Int128, scale: Int)
    /// A VARCHAR.
    case varchar(String)
    /// A DATE as days since 1970-01-01.
    case date(Int32)
    /// A TIMESTAMP as microseconds since the epoch, UTC.
    case timestamp(Int64)
    /// An INTERVAL.
    case interval(Interval)

    /// Whether the value is NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The natural type of the value (`.null` for NULL; DECIMAL precision 18, wide DECIMAL 38).
    public var dataType: DataType {
        switch self {
        case .null: return .null
        case .boolean: return .boolean
        case .bigint: return .bigint
        case .double: return .double
        case .decimal(_, let scale): return .decimal(precision: 18, scale: scale)
        case .wideDecimal(_, let scale): return .decimal(precision: DataType.maxDecimalPrecision, scale: scale)
        case .varchar: return .varchar
        case .date: return .date
        case .timestamp: return .timestamp
        case .interval: return .interval
        }
    }
}

extension Value: CustomStringConvertible {
    /// The value as Plaza prints it in CSV output: NULL as `NULL`, dates ISO, decimals with their scale.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .boolean(let b): return b ? "true" : "false"
        case .bigint(let v): return String(v)
        case .double(let d): return formatDouble(d)
        case .decimal(let v, let scale): return formatDecimal(v, scale: scale)
        case .wideDecimal(let v, let scale): return formatDecimal(v, scale: scale)
        case .varchar(let s): return s
        case .date(let d): return formatDate(d)
        case .timestamp(let t): return formatTimestamp(t)
        case .interval(let i): return i.description
        }
    }
}

/// A calendar interval: months and days are kept apart from microseconds, as in SQL.
public struct Interval: Hashable, Sendable, CustomStringConvertible {
    /// Whole months (a year is 12).
    public var months: Int32
    /// Whole days.
    public var days: Int32
    /// Microseconds.
    public var micros: Int64

    /// Creates an interval.
    public init(months: Int32 = 0, days: Int32 = 0, micros: Int64 = 0) {
        self.months = months
        self.days = days
        self.micros = micros
    }

    /// The interval as `1 year 2 months 3 days 04:05:06`.
    public var description: String {
        var parts: [String] = []
        let years = months / 12, rest = months % 12
        if years != 0 { parts.append("\(years) year\(abs(years) == 1 ? "" : "s")") }
        if rest != 0 { parts.append("\(rest) month\(abs(rest) == 1 ? "" : "s")") }
        if days != 0 { parts.append("\(days) day\(abs(days) == 1 ? "" : "s")") }
        if micros != 0 || parts.isEmpty {
            let sign = micros < 0 ? "-" : ""
            let m = micros.magnitude
            let seconds = m / 1_000_000, fraction = m % 1_000_000
            var text =
                sign + pad2(Int(seconds / 3600)) + ":" + pad2(Int(seconds / 60 % 60)) + ":" + pad2(Int(seconds % 60))
            if fraction != 0 { text += "." + String(String(fraction + 1_000_000).dropFirst()) }
            parts.append(text)
        }
        return parts.joined(separator: " ")
    }
}
