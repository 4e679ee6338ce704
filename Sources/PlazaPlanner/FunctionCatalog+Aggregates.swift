import PlazaCore

/// One overload of an aggregate function, as the executor must implement it.
package struct AggregateSignature: Hashable, Sendable, CustomStringConvertible {
    /// The aggregate.
    package var function: AggregateFunction
    /// The value argument's type after the binder's casts (nil for `count(*)`); both arguments' for (y, x) aggregates.
    package var argument: ParameterType?
    /// The result type; `nil` means the argument's own type (min, max).
    package var result: DataType?
    /// For SUM over DECIMAL(p,s): the result is DECIMAL(18,s).
    package var keepsDecimalScale: Bool
    /// Semantics the executor must follow.
    package var notes: String

    /// Creates an aggregate signature.
    package init(
        _ function: AggregateFunction, _ argument: ParameterType?, result: DataType?, keepsDecimalScale: Bool = false,
        notes: String = ""
    ) {
        self.function = function
        self.argument = argument
        self.result = result
        self.keepsDecimalScale = keepsDecimalScale
        self.notes = notes
    }

    /// `sum(BIGINT) -> BIGINT`, `corr(DOUBLE, DOUBLE) -> DOUBLE`.
    public var description: String {
        let resultText = keepsDecimalScale ? "DECIMAL(18,s)" : (result?.description ?? "same as argument")
        let argumentText = argument?.description ?? "*"
        let argumentsText = function.readsPairs ? "\(argumentText), \(argumentText)" : argumentText
        return "\(function.rawValue)(\(argumentsText)) -> \(resultText)"
    }
}

/// Aggregates: every aggregate ignores NULL inputs and rows whose FILTER is not true; over no
/// (remaining) rows each returns NULL, except `count_star`/`count`/`approx_count_distinct` which return 0.
extension FunctionCatalog {
    /// Every aggregate overload.
    package static let aggregates: [AggregateSignature] = [
        .init(.countStar, nil, result: .bigint, notes: "rows (after FILTER)"),
        .init(.count, .any, result: .bigint, notes: "non-NULL values"),
        .init(
            .sum, .exact(.bigint), result: .bigint,
            notes:
                "overflow past Int64 is an error (DuckDB returns HUGEINT; see docs/SQL.md); BOOLEAN is cast to BIGINT"),
        .init(.sum, .exact(.double), result: .double),
        .init(
            .sum, .anyDecimal, result: nil, keepsDecimalScale: true,
            notes: "DECIMAL(18,s) over unscaled values; overflow past 18 digits is an error"),
        .init(.avg, .exact(.bigint), result: .double, notes: "exact sum / count, then DOUBLE"),
        .init(.avg, .exact(.double), result: .double),
        .init(.avg, .anyDecimal, result: .double, notes: "DOUBLE as DuckDB: (sum / 10^s) / count"),
        .init(.min, .any, result: nil, notes: "VARCHAR by bytes; not INTERVAL"),
        .init(.max, .any, result: nil, notes: "VARCHAR by bytes; not INTERVAL"),
        .init(
            .stddevSamp, .exact(.double), result: .double,
            notes: "sample standard deviation; NULL for fewer than 2 values"),
        .init(.varSamp, .exact(.double), result: .double, notes: "sample variance; NULL for fewer than 2 values"),
        .init(
            .stddevPop, .exact(.double), result: .double,
            notes: "population standard deviation; 0 for one value, NULL for none"),
        .init(.varPop, .exact(.double), result: .double, notes: "population variance; 0 for one value, NULL for none"),
        .init(.median, .exact(.double), result: .double, notes: "quantile_cont(x, 0.5)"),
        .init(
            .quantileCont, .exact(.double), result: .double,
            notes: "constants[0] is the fraction q in [0, 1] as DOUBLE; linear interpolation between closest ranks"),
        .init(
            .approxCountDistinct, .any, result: .bigint, notes: "HyperLogLog estimate; exact for small sets is allowed"),
        .init(
            .stringAgg, .exact(.varchar), result: .varchar,
            notes: "constants[0] is the separator (VARCHAR, default ','); input order within a group"),
        .init(.boolAnd, .exact(.boolean), result: .boolean),
        .init(.boolOr, .exact(.boolean), result: .boolean),
        // Two arguments (y, x), both cast to DOUBLE; rows where either is NULL are skipped.
        .init(.corr, .exact(.double), result: .double, notes: "covar_pop / (stddev_pop(x) × stddev_pop(y)); NaN if 0"),
        .init(.covarPop, .exact(.double), result: .double, notes: "NULL for no pairs"),
        .init(.covarSamp, .exact(.double), result: .double, notes: "NULL for fewer than 2 pairs"),
        .init(.regrCount, .exact(.double), result: .bigint, notes: "pairs; 0 for none (DuckDB: UINTEGER)"),
        .init(.regrAvgX, .exact(.double), result: .double, notes: "sum(x) / pairs"),
        .init(.regrAvgY, .exact(.double), result: .double, notes: "sum(y) / pairs"),
        .init(.regrSlope, .exact(.double), result: .double, notes: "covar_pop / var_pop(x); NaN if var_pop(x) = 0"),
        .init(
            .regrIntercept, .exact(.double), result: .double,
            notes: "avg(y) − slope × avg(x); NULL where the slope is NaN"),
        .init(
            .regrR2, .exact(.double), result: .double,
            notes: "NULL if var_pop(x) = 0, else 1 if var_pop(y) = 0, else corr²"),
        .init(.regrSXX, .exact(.double), result: .double, notes: "pairs × var_pop(x)"),
        .init(.regrSYY, .exact(.double), result: .double, notes: "pairs × var_pop(y)"),
        .init(.regrSXY, .exact(.double), result: .double, notes: "pairs × covar_pop"),
    ]

    /// Aggregate names as written in SQL (lower case), mapped to the aggregate.
    package static let aggregateNames: [String: AggregateFunction] = [
        "count": .count, "sum": .sum, "avg": .avg, "mean": .avg, "min": .min, "max": .max,
        "stddev_samp": .stddevSamp, "stddev": .stddevSamp, "var_samp": .varSamp, "variance": .varSamp,
        "median": .median, "quantile_cont": .quantileCont, "approx_count_distinct": .approxCountDistinct,
        "string_agg": .stringAgg, "group_concat": .stringAgg, "listagg": .stringAgg,
        "bool_and": .boolAnd, "bool_or": .boolOr, "stddev_pop": .stddevPop, "var_pop": .varPop,
        "corr": .corr, "covar_pop": .covarPop, "covar_samp": .covarSamp, "regr_count": .regrCount,
        "regr_avgx": .regrAvgX, "regr_avgy": .regrAvgY, "regr_slope": .regrSlope, "regr_intercept": .regrIntercept,
        "regr_r2": .regrR2, "regr_sxx": .regrSXX, "regr_syy": .regrSYY, "regr_sxy": .regrSXY,
    ]

    /// Chooses the aggregate overload for an argument type: the cast target of the argument and
    /// the result type, or nil when the aggregate does not accept the type.
    ///
    /// BOOLEAN is accepted by `sum`/`avg` (cast to BIGINT); BIGINT and DECIMAL by the DOUBLE-only
    /// statistics (cast to DOUBLE); any type by `string_agg` (cast to VARCHAR). The (y, x) aggregates
    /// (`readsPairs`) resolve each argument on its own.
    package static func resolveAggregate(_ function: AggregateFunction, argumentType: DataType?) -> (
        argument: DataType?, result: DataType
    )? {
        guard let type = argumentType else {
            return function == .countStar ? (nil, .bigint) : nil
        }
        switch function {
        case .countStar: return nil
        case .count, .approxCountDistinct: return (type, .bigint)
        case .min, .max:
            return type == .interval ? nil : (type, type)
        case .sum:
            switch type {
            case .bigint, .boolean, .null: return (.bigint, .bigint)
            case .double: return (.double, .double)
            // DuckDB's rule: any DECIMAL sums to DECIMAL(38, s); the total is exact up to 38 digits.
            case .decimal(_, let s): return (type, .decimal(precision: DataType.maxDecimalPrecision, scale: s))
            default: return nil
            }
        case .avg:
            switch type {
            case .bigint, .boolean, .null: return (.bigint, .double)
            // A wide DECIMAL averages as DOUBLE (the result is DOUBLE either way).
            case .decimal where type.isWideDecimal: return (.double, .double)
            case .double, .decimal: return (type, .double)
            default: return nil
            }
        case .stddevSamp, .varSamp, .stddevPop, .varPop, .median, .quantileCont, .corr, .covarPop, .covarSamp,
            .regrAvgX, .regrAvgY, .regrSlope, .regrIntercept, .regrR2, .regrSXX, .regrSYY, .regrSXY:
            return type.isNumeric || type == .null ? (.double, .double) : nil
        case .regrCount: return type.isNumeric || type == .null ? (.double, .bigint) : nil
        case .stringAgg: return type == .interval ? nil : (.varchar, .varchar)
        case .boolAnd, .boolOr: return type == .boolean || type == .null ? (.boolean, .boolean) : nil
        }
    }
}
