import PlazaCore

/// A typed expression whose names are resolved: the contract between the binder and the executor.
///
/// Column references are positions in the input operator's output. Every operator and scalar
/// function is a `.call` of a `ScalarFunction`, a case per `FunctionCatalog` name; the binder has already
/// chosen the overload and inserted casts, so the executor receives arguments of exactly the
/// types the catalogue lists and can pick one kernel per call when it plans the operator.
package indirect enum BoundExpression: Hashable, Sendable {
    /// The input's column at `index`.
    case column(index: Int, type: DataType)
    /// A constant (literals, and parameters once bound).
    case literal(Value, type: DataType)
    /// `CAST(expr AS type)`; with `isTry`, a failed conversion gives NULL instead of an error.
    case cast(BoundExpression, to: DataType, isTry: Bool)
    /// A scalar function or operator applied to arguments (see `FunctionCatalog` for the names).
    case call(name: ScalarFunction, arguments: [BoundExpression], type: DataType)
    /// Searched CASE: the first `when` that is true gives its `then`; otherwise `otherwise` (NULL if nil).
    case caseWhen(branches: [CaseBranch], otherwise: BoundExpression?, type: DataType)
    /// An uncorrelated scalar subquery: its single column's single value (NULL when empty).
    case scalarSubquery(LogicalPlan, type: DataType)
    /// `expr [NOT] IN (subquery)`, three-valued as in SQL.
    case inSubquery(BoundExpression, LogicalPlan, isNegated: Bool)

    /// The expression's type.
    package var type: DataType {
        switch self {
        case .column(_, let t), .literal(_, let t), .cast(_, let t, _), .call(_, _, let t),
            .caseWhen(_, _, let t), .scalarSubquery(_, let t):
            return t
        case .inSubquery: return .boolean
        }
    }
}

/// One `WHEN condition THEN result` of a CASE.
package struct CaseBranch: Hashable, Sendable {
    /// A BOOLEAN condition.
    package var when: BoundExpression
    /// The result when the condition is true.
    package var then: BoundExpression

    /// Creates a branch.
    package init(when: BoundExpression, then: BoundExpression) {
        self.when = when
        self.then = then
    }
}

/// The aggregate functions of the dialect.
package enum AggregateFunction: String, Hashable, Sendable, CaseIterable {
    case countStar = "count_star"
    case count, sum, avg, min, max
    case stddevSamp = "stddev_samp"
    case varSamp = "var_samp"
    case stddevPop = "stddev_pop"
    case varPop = "var_pop"
    case median
    case quantileCont = "quantile_cont"
    case approxCountDistinct = "approx_count_distinct"
    case stringAgg = "string_agg"
    case boolAnd = "bool_and"
    case boolOr = "bool_or"
    case corr
    case covarPop = "covar_pop"
    case covarSamp = "covar_samp"
    case regrCount = "regr_count"
    case regrAvgX = "regr_avgx"
    case regrAvgY = "regr_avgy"
    case regrSlope = "regr_slope"
    case regrIntercept = "regr_intercept"
    case regrR2 = "regr_r2"
    case regrSXX = "regr_sxx"
    case regrSYY = "regr_syy"
    case regrSXY = "regr_sxy"

    /// Whether the aggregate reads (y, x) pairs, skipping rows where either is NULL: corr, covar_*, regr_*.
    package var readsPairs: Bool {
        switch self {
        case .corr, .covarPop, .covarSamp, .regrCount, .regrAvgX, .regrAvgY, .regrSlope, .regrIntercept, .regrR2,
            .regrSXX, .regrSYY, .regrSXY:
            return true
        default: return false
        }
    }
}

/// One aggregate of an `Aggregate` node, e.g. `sum(DISTINCT x) FILTER (WHERE y > 0)`.
package struct AggregateCall: Hashable, Sendable {
    /// Which aggregate.
    package var function: AggregateFunction
    /// The value arguments over the aggregate's input (none for `count(*)`).
    package var arguments: [BoundExpression]
    /// Constant arguments: the fraction of `quantile_cont`, the separator of `string_agg`.
    package var constants: [Value]
    /// Whether duplicates are removed before aggregating.
    package var isDistinct: Bool
    /// Rows for which this BOOLEAN expression is not true are skipped.
    package var filter: BoundExpression?
    /// The result type (see docs/SQL.md: SUM(BIGINT) is BIGINT with overflow checked, etc.).
    package var type: DataType

    /// Creates an aggregate call.
    package init(
        function: AggregateFunction, arguments: [BoundExpression], constants: [Value] = [],
        isDistinct: Bool = false, filter: BoundExpression? = nil, type: DataType
    ) {
        self.function = function
        self.arguments = arguments
        self.constants = constants
        self.isDistinct = isDistinct
        self.filter = filter
        self.type = type
    }
}
