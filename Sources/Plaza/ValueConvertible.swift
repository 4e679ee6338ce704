public import PlazaCore

/// A Swift type that a result value can be read as: `let n: Int64 = try row["n"]`.
///
/// Plaza provides conformances for `Int64`, `Int`, `Int32`, `Double`, `Bool`, `String`, `Value`,
/// and `Optional` of any of them (NULL reads as nil; reading NULL as a non-optional throws).
public protocol ResultValueConvertible {
    /// Converts a result value, or returns nil when the value's type cannot be read as `Self`.
    init?(resultValue: Value)
    /// Whether SQL NULL reads as a value of this type (true only for `Optional` and `Value`).
    static var acceptsNull: Bool { get }
}

extension ResultValueConvertible {
    /// NULL is not a value of most types.
    public static var acceptsNull: Bool { false }
}

extension Int64: ResultValueConvertible {
    /// Reads a BIGINT, or a DECIMAL (of any width) whose value is whole and fits.
    public init?(resultValue: Value) {
        switch resultValue {
        case .bigint(let v): self = v
        case .decimal(let v, let scale):
            let divisor = powersOfTen[Swift.min(scale, 18)]
            guard v % divisor == 0 else { return nil }
            self = v / divisor
        case .wideDecimal(let v, let scale):
            let divisor = powersOfTen128[Swift.min(scale, 38)]
            guard v % divisor == 0, let whole = Int64(exactly: v / divisor) else { return nil }
            self = whole
        default: return nil
        }
    }
}

extension Int: ResultValueConvertible {
    /// Reads a BIGINT (or a whole DECIMAL) that fits in `Int`.
    public init?(resultValue: Value) {
        guard let wide = Int64(resultValue: resultValue), let narrow = Int(exactly: wide) else { return nil }
        self = narrow
    }
}

extension Int32: ResultValueConvertible {
    /// Reads a BIGINT (or a whole DECIMAL) that fits in `Int32`.
    public init?(resultValue: Value) {
        guard let wide = Int64(resultValue: resultValue), let narrow = Int32(exactly: wide) else { return nil }
        self = narrow
    }
}

extension Double: ResultValueConvertible {
    /// Reads a DOUBLE, a DECIMAL or a BIGINT (the nearest double).
    public init?(resultValue: Value) {
        switch resultValue {
        case .double(let v): self = v
        case .bigint(let v): self = Double(v)
        case .decimal(let v, let scale): self = Double(v) / Double(powersOfTen[Swift.min(scale, 18)])
        case .wideDecimal(let v, let scale): self = Double(formatDecimal(v, scale: scale)) ?? Double(v)
        default: return nil
        }
    }
}

extension Bool: ResultValueConvertible {
    /// Reads a BOOLEAN.
    public init?(resultValue: Value) {
        guard case .boolean(let b) = resultValue else { return nil }
        self = b
    }
}

extension String: ResultValueConvertible {
    /// Reads a VARCHAR; other values read as the text Plaza prints for them (`2024-01-31`, `12.50`).
    public init?(resultValue: Value) {
        switch resultValue {
        case .null: return nil
        case .varchar(let s): self = s
        default: self = resultValue.description
        }
    }
}

extension Value: ResultValueConvertible {
    /// Any value, NULL included.
    public init?(resultValue: Value) { self = resultValue }
    /// NULL reads as `Value.null`.
    public static var acceptsNull: Bool { true }
}

extension Optional: ResultValueConvertible where Wrapped: ResultValueConvertible {
    /// NULL reads as nil; anything else as the wrapped type.
    public init?(resultValue: Value) {
        if resultValue.isNull {
            self = .none
        } else if let wrapped = Wrapped(resultValue: resultValue) {
            self = .some(wrapped)
        } else {
            return nil
        }
    }
    /// NULL reads as nil.
    public static var acceptsNull: Bool { true }
}

/// Reads `value` as `T`, or throws naming the column and both types.
func convert<T: ResultValueConvertible>(
    _ value: Value, as type: T.Type, column: String, type dataType: DataType, row: Int
) throws(PlazaError) -> T {
    if value.isNull && !T.acceptsNull {
        throw PlazaError(
            kind: .usage,
            message: "column \"\(column)\" is NULL in row \(row + 1); read it as \(T.self)? to accept NULLs")
    }
    guard let converted = T(resultValue: value) else {
        throw PlazaError(
            kind: .usage,
            message: "column \"\(column)\" of type \(dataType) cannot be read as \(T.self) (value \(value))")
    }
    return converted
}
