public import PlazaCore

/// A Swift value that can be bound to a `?` or `$n` parameter: `parameters: [2024, "Agua y Drenaje"]`.
///
/// Parameters are bound values, never spliced into the SQL text, so user input cannot change a query.
public protocol ParameterConvertible {
    /// The value bound to the parameter.
    var parameterValue: Value { get }
}

extension Value: ParameterConvertible {
    /// The value itself.
    public var parameterValue: Value { self }
}

extension Int: ParameterConvertible {
    /// A BIGINT.
    public var parameterValue: Value { .bigint(Int64(self)) }
}

extension Int64: ParameterConvertible {
    /// A BIGINT.
    public var parameterValue: Value { .bigint(self) }
}

extension Int32: ParameterConvertible {
    /// A BIGINT.
    public var parameterValue: Value { .bigint(Int64(self)) }
}

extension Double: ParameterConvertible {
    /// A DOUBLE.
    public var parameterValue: Value { .double(self) }
}

extension Bool: ParameterConvertible {
    /// A BOOLEAN.
    public var parameterValue: Value { .boolean(self) }
}

extension String: ParameterConvertible {
    /// A VARCHAR.
    public var parameterValue: Value { .varchar(self) }
}

extension Substring: ParameterConvertible {
    /// A VARCHAR.
    public var parameterValue: Value { .varchar(String(self)) }
}

extension Optional: ParameterConvertible where Wrapped: ParameterConvertible {
    /// NULL for nil, else the wrapped value.
    public var parameterValue: Value { self?.parameterValue ?? .null }
}
