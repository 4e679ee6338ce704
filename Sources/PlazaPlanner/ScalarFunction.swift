import PlazaCore

/// The closed set of scalar functions and operators of `FunctionCatalog`: the binder resolves a call
/// to one of these, and the executor maps each to its kernel with an exhaustive `switch`, so no
/// function is looked up by its name once a query is bound.
///
/// The raw value is the catalogue's lower-case name. A string literal converts to a case so that
/// planner rules can write `.call(name: "and", …)`; a literal that names no case is a bug and traps.
package enum ScalarFunction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
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

    /// The function named `name` in the catalogue; the name must be one (the binder checked it).
    package init(catalogName name: String) {
        guard let function = ScalarFunction(rawValue: name) else {
            preconditionFailure("\"\(name)\" is not a scalar function of FunctionCatalog")
        }
        self = function
    }

    /// A catalogue name written in planner code, e.g. `"and"`.
    package init(stringLiteral name: String) { self.init(catalogName: name) }

    /// The catalogue name, as SQL and plans print it.
    public var description: String { rawValue }
}
