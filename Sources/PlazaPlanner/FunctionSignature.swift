import PlazaCore

/// How one parameter of a scalar function signature is typed, after the binder's implicit casts.
package enum ParameterType: Hashable, Sendable, CustomStringConvertible {
    /// Exactly this type (never a DECIMAL: see `anyDecimal`).
    case exact(DataType)
    /// Any DECIMAL(p,s); precision and scale are the argument's own.
    case anyDecimal
    /// Any type at all (including `.null` for an untyped NULL literal).
    case any
    /// Any type; the binder inserts `CAST(x AS VARCHAR)` so the executor always sees VARCHAR.
    case anyAsText

    /// `BIGINT`, `DECIMAL`, `ANY`, `ANY→VARCHAR`.
    public var description: String {
        switch self {
        case .exact(let type): return type.description
        case .anyDecimal: return "DECIMAL"
        case .any: return "ANY"
        case .anyAsText: return "ANY→VARCHAR"
        }
    }
}

/// How the result type of a scalar function follows from its (cast) argument types.
package enum ResultRule: Hashable, Sendable {
    /// Always this type.
    case exact(DataType)
    /// The type of the first argument (with `sameTypeArguments`, the common type of all).
    case firstArgument
    /// `DECIMAL(min(18, p - s + 1 + s), s)` where both arguments are DECIMAL(p,s) (the binder unified them).
    case decimalAddSubtract
    /// `DECIMAL(min(18, p1 + p2), s1 + s2)`; the binder casts to DOUBLE instead when s1 + s2 > 18.
    case decimalMultiply
    /// `DECIMAL(p, 0)`: floor, ceil and round without digits.
    case decimalScaleZero
    /// `DECIMAL(p, clamp(n, 0, s))` where n is the constant second argument of `round`.
    case decimalRound
}

/// What a function returns when an argument is NULL.
package enum NullBehavior: String, Hashable, Sendable {
    /// NULL if any argument is NULL (the default for operators and functions).
    case propagates = "NULL if any argument is NULL"
    /// NULL arguments are skipped; NULL only when every argument is NULL (`coalesce`, `greatest`, `concat`).
    case skipsNulls = "NULL arguments are skipped; NULL only if all are NULL"
    /// Never NULL (`is_null`, `is_distinct_from`).
    case neverNull = "never NULL"
    /// SQL three-valued logic: `false AND NULL` is false, `true OR NULL` is true; `x IN (…, NULL)` is NULL when no match.
    case threeValued = "three-valued logic"
    /// Documented per function in `notes`.
    case special = "see notes"
}

/// One overload of a scalar function or operator, as the executor must implement it.
package struct FunctionSignature: Hashable, Sendable, CustomStringConvertible {
    /// The lower-case name used in `BoundExpression.call`.
    package var name: String
    /// The parameter types after implicit casts.
    package var parameters: [ParameterType]
    /// Whether the last parameter repeats (at least `parameters.count` arguments).
    package var isVariadic: Bool
    /// Whether the binder first casts every argument to one common type (`FunctionCatalog.commonType`).
    package var sameTypeArguments: Bool
    /// The result type.
    package var result: ResultRule
    /// NULL behaviour.
    package var nulls: NullBehavior
    /// Positions of arguments that must be constants at bind time (`date_trunc`'s part, `round`'s digits).
    package var constantArguments: [Int]
    /// Semantics the executor must follow, in one or two sentences.
    package var notes: String

    /// Creates a signature.
    package init(
        _ name: String, _ parameters: [ParameterType], variadic: Bool = false, sameType: Bool = false,
        result: ResultRule, nulls: NullBehavior = .propagates, constants: [Int] = [], notes: String = ""
    ) {
        self.name = name
        self.parameters = parameters
        self.isVariadic = variadic
        self.sameTypeArguments = sameType
        self.result = result
        self.nulls = nulls
        self.constantArguments = constants
        self.notes = notes
    }

    /// `name(BIGINT, BIGINT) -> BIGINT`.
    public var description: String {
        let list = parameters.map(\.description).joined(separator: ", ") + (isVariadic ? ", …" : "")
        let resultText: String
        switch result {
        case .exact(let type): resultText = type.description
        case .firstArgument: resultText = "same as arguments"
        case .decimalAddSubtract: resultText = "DECIMAL(p+1,s)"
        case .decimalMultiply: resultText = "DECIMAL(p1+p2,s1+s2)"
        case .decimalScaleZero: resultText = "DECIMAL(p,0)"
        case .decimalRound: resultText = "DECIMAL(p,n)"
        }
        return "\(name)(\(list)) -> \(resultText)"
    }
}

/// The result of choosing an overload for concrete argument types.
package struct ResolvedFunction: Hashable, Sendable {
    /// The chosen overload.
    package var signature: FunctionSignature
    /// The type each argument must be cast to (equal to the argument's type when no cast is needed).
    package var argumentTypes: [DataType]
    /// The result type.
    package var resultType: DataType
}
