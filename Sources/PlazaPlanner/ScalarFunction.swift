import PlazaCore

/// The closed set of scalar functions and operators of `FunctionCatalog`: the binder resolves a call
/// to one of these, and the executor maps each to its kernel with an exhaustive `switch`, so no
/// function is looked up by its name once a query is bound.
///
/// The raw value is the catalogue's lower-case name; planner rules name cases (`.and`), never
/// strings, so a misspelt function is a compile error rather than a trap.
package enum ScalarFunction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", negate
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and, or, not
    case isNull = "is_null", isNotNull = "is_not_null"
    case isDistinctFrom = "is_distinct_from", isNotDistinctFrom = "is_not_distinct_from"
    case `in`, like, ilike
    case concatOperator = "||"
    case abs, round, floor, ceil, sqrt, ln, log10, power
    case lower, upper, length, trim, ltrim, rtrim, substring, replace, concat
    case startsWith = "starts_with", contains
    case splitPart = "split_part", stripAccents = "strip_accents", regexpMatches = "regexp_matches"
    case year, quarter, month, week, day, dayofweek, dayofyear, hour, minute, second
    case dateTrunc = "date_trunc", dateDiff = "date_diff", strftime, strptime
    case makeDate = "make_date", currentDate = "current_date"
    case coalesce, nullif, greatest, least
    case error

    /// The function named `name` in the catalogue; the name must be one (the binder checked it).
    package init(catalogName name: String) {
        guard let function = ScalarFunction(rawValue: name) else {
            preconditionFailure("\"\(name)\" is not a scalar function of FunctionCatalog")
        }
        self = function
    }

    /// The catalogue name, as SQL and plans print it.
    public var description: String { rawValue }
}

extension ScalarFunction {
    /// The scan comparison of `column op constant` for a comparison operator; nil for other functions.
    package var scanComparison: ScanPredicate.Comparison? {
        switch self {
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .greater: .greater
        case .greaterOrEqual: .greaterOrEqual
        default: nil
        }
    }

    /// The comparison with its operands swapped (`a < b` is `b > a`); nil for other functions.
    package var mirrored: ScalarFunction? {
        switch self {
        case .equal, .notEqual: self
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: nil
        }
    }
}
