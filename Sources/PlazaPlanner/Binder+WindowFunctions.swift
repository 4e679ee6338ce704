import PlazaCore
import PlazaSQL

extension BindingSession {
    /// The function part of a window call (arguments, constants, type); keys and frame come later.
    func bindWindowFunction(_ call: FunctionCall, span: SourceSpan, scope: Scope, context: ExpressionContext)
        throws(BindError) -> WindowCall
    {
        let written = call.name.name.lowercased()
        var arguments: [BoundExpression] = []
        if !call.isStar {
            for argument in call.arguments {
                arguments.append(try bindExpression(argument, in: scope, context: context))
            }
        }
        func make(_ function: WindowFunction, _ type: DataType, constants: [Value] = []) -> WindowCall {
            WindowCall(
                function: function, arguments: arguments, constants: constants,
                ignoresNulls: call.ignoresNulls ?? false,
                partitionBy: [], orderBy: [], frame: .wholePartition, type: type)
        }
        func expectArguments(_ range: ClosedRange<Int>) throws(BindError) {
            guard range.contains(arguments.count), !call.isStar else {
                let wanted =
                    range.lowerBound == range.upperBound
                    ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw BindError(
                    "\(written) takes \(wanted) argument\(range.upperBound == 1 ? "" : "s"), not \(arguments.count)",
                    span: span)
            }
        }
        if let aggregate = FunctionCatalog.aggregateNames[written] {
            if call.ignoresNulls == true {
                throw BindError("IGNORE NULLS applies to lag, lead, first_value, last_value and nth_value", span: span)
            }
            return try bindWindowAggregate(aggregate, call, arguments, span: span, scope: scope, context: context)
        }
        guard WindowCollector.windowOnlyNames.contains(written) else {
            throw BindError(
                "\(written) is not a window function or an aggregate"
                    + Scope.suggestion(
                        for: written,
                        among: Array(WindowCollector.windowOnlyNames) + Array(FunctionCatalog.aggregateNames.keys)),
                span: call.name.span)
        }
        if call.isDistinct || call.filter != nil {
            throw BindError("\(call.isDistinct ? "DISTINCT" : "FILTER") applies only to aggregates", span: span)
        }
        let takesNullTreatment = ["lag", "lead", "first_value", "last_value", "nth_value"].contains(written)
        if call.ignoresNulls != nil && !takesNullTreatment {
            throw BindError("IGNORE NULLS applies to lag, lead, first_value, last_value and nth_value", span: span)
        }
        switch written {
        case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
            try expectArguments(0...0)
            switch written {
            case "row_number": return make(.rowNumber, .bigint)
            case "rank": return make(.rank, .bigint)
            case "dense_rank": return make(.denseRank, .bigint)
            case "percent_rank": return make(.percentRank, .double)
            default: return make(.cumeDist, .double)
            }
        case "ntile":
            try expectArguments(1...1)
            let buckets = try positiveConstant(arguments[0], call.arguments[0], "ntile's argument")
            arguments = []
            return make(.ntile, .bigint, constants: [.bigint(buckets)])
        case "lag", "lead":
            try expectArguments(1...3)
            var offset: Int64 = 1
            if arguments.count >= 2 {
                guard case .literal(let value, _) = Optimizer.fold(implicitCast(arguments[1], to: .bigint)),
                    case .bigint(let n) = value
                else {
                    throw BindError("\(written)'s offset must be an integer constant", span: call.arguments[1].span)
                }
                guard n >= 0 else {
                    throw BindError("\(written)'s offset cannot be negative", span: call.arguments[1].span)
                }
                offset = n
            }
            var type = arguments[0].type
            var defaultValue = Value.null
            if arguments.count == 3 {
                if type == .null { type = arguments[2].type }
                var cast = Optimizer.fold(implicitCast(arguments[2], to: type))
                let isConstant: Bool
                if case .literal(_, let valueType) = cast, valueType == type {
                    isConstant = true
                } else {
                    isConstant = false
                }
                if !isConstant, arguments[2].type.isNumeric, type.isNumeric {
                    // A numeric default of another precision or scale (12.50 for a DECIMAL(5,1) value)
                    // is converted to the value's type, as DuckDB does.
                    if case .literal(let value, _) = Optimizer.fold(arguments[2]),
                        let converted = ConstantFolding.castValueRounding(value, to: type)
                    {
                        cast = .literal(converted, type: type)
                    }
                }
                guard case .literal(let value, let valueType) = cast, valueType == type || value.isNull else {
                    throw BindError(
                        "\(written)'s default must be a constant of the value's type \(type)",
                        span: call.arguments[2].span)
                }
                defaultValue = value
                arguments[0] = implicitCast(arguments[0], to: type)
            }
            arguments = [arguments[0]]
            return make(written == "lag" ? .lag : .lead, type, constants: [.bigint(offset), defaultValue])
        case "first_value", "last_value":
            try expectArguments(1...1)
            return make(written == "first_value" ? .firstValue : .lastValue, arguments[0].type)
        default:  // nth_value
            try expectArguments(2...2)
            let n = try positiveConstant(arguments[1], call.arguments[1], "nth_value's position")
            arguments = [arguments[0]]
            return make(.nthValue, arguments[0].type, constants: [.bigint(n)])
        }
    }

    /// A constant integer ≥ 1.
    private func positiveConstant(_ bound: BoundExpression, _ source: Expression, _ what: String) throws(BindError)
        -> Int64
    {
        guard case .literal(.bigint(let n), _) = Optimizer.fold(implicitCast(bound, to: .bigint)), n >= 1 else {
            throw BindError("\(what) must be a positive integer constant", span: source.span)
        }
        return n
    }

    /// `aggregate(…) [FILTER (WHERE …)] OVER (…)`.
    private func bindWindowAggregate(
        _ function: AggregateFunction, _ call: FunctionCall, _ bound: [BoundExpression], span: SourceSpan,
        scope: Scope, context: ExpressionContext
    ) throws(BindError) -> WindowCall {
        let written = call.name.name.lowercased()
        var function = function
        var arguments = bound
        if call.isStar {
            guard function == .count, !call.isDistinct else {
                throw BindError("\(written)(*) is not defined; only count(*) is", span: span)
            }
            function = .countStar
        }
        guard WindowCollector.supportedAggregates.contains(function) else {
            throw BindError("\(written) is not supported as a window function yet", span: call.name.span)
        }
        if call.isDistinct && !WindowCollector.distinctAggregates.contains(function) {
            throw BindError(
                "DISTINCT in a window aggregate is supported for count, approx_count_distinct and string_agg only",
                span: span)
        }
        let (resolved, constants, result, filter) = try resolveAggregateArguments(
            function, arguments, written: written, call: call, span: span, scope: scope, filterContext: context)
        arguments = resolved
        return WindowCall(
            function: .aggregate(function), arguments: arguments, constants: constants, isDistinct: call.isDistinct,
            filter: filter,
            partitionBy: [], orderBy: [], frame: .wholePartition, type: result)
    }

    /// `grouping(k1, k2, …)`: bit i (from the left, as DuckDB) is 1 when key i is not in the row's grouping set.
    func bindGrouping(_ call: FunctionCall, span: SourceSpan, scope: Scope, context: ExpressionContext)
        throws(BindError) -> BoundExpression
    {
        guard case .aggregating = context, let collector = windows, !collector.groupKeys.isEmpty else {
            throw BindError(
                "grouping() needs a GROUP BY and may appear only in SELECT, HAVING, QUALIFY or ORDER BY", span: span)
        }
        guard !call.arguments.isEmpty, call.arguments.count <= 62, !call.isStar, !call.isDistinct,
            call.filter == nil
        else {
            throw BindError("grouping takes 1 to 62 GROUP BY keys", span: span)
        }
        var positions: [Int] = []
        for written in call.arguments {
            var argument = written
            if case .column(let parts) = written.kind, parts.count == 1, (try? scope.resolve(parts)) == nil,
                let alias = collector.aliases.first(where: { Scope.matches(parts[0].name, $0.name) })
            {
                argument = alias.expression
            }
            let key = try bindExpression(argument, in: scope, context: .plain("grouping()"))
            guard let position = collector.groupKeys.firstIndex(of: key) else {
                throw BindError("grouping()'s arguments must be GROUP BY keys", span: argument.span)
            }
            positions.append(position)
        }
        guard let setColumn = collector.groupingSetColumn else { return .literal(.bigint(0), type: .bigint) }
        let id = BoundExpression.column(index: setColumn, type: .bigint)
        var branches: [CaseBranch] = []
        for (setIndex, set) in collector.groupingSets.enumerated() {
            var mask: Int64 = 0
            for position in positions { mask = mask << 1 | (set.contains(position) ? 0 : 1) }
            if mask == 0 { continue }
            let condition = BoundExpression.call(
                name: .equal, arguments: [id, .literal(.bigint(Int64(setIndex)), type: .bigint)], type: .boolean)
            branches.append(CaseBranch(when: condition, then: .literal(.bigint(mask), type: .bigint)))
        }
        if branches.isEmpty { return .literal(.bigint(0), type: .bigint) }
        return .caseWhen(branches: branches, otherwise: .literal(.bigint(0), type: .bigint), type: .bigint)
    }
}

extension WindowCollector {
    /// The aggregates the window operator computes over frames.
    static let supportedAggregates: Set<AggregateFunction> = [
        .countStar, .count, .sum, .avg, .min, .max, .stddevSamp, .varSamp, .stddevPop, .varPop, .boolAnd, .boolOr,
        .corr, .covarPop, .covarSamp, .regrCount, .regrAvgX, .regrAvgY, .regrSlope, .regrIntercept, .regrR2, .regrSXX,
        .regrSYY, .regrSXY, .median, .quantileCont, .stringAgg, .approxCountDistinct,
    ]

    /// The window aggregates that take DISTINCT (median and quantile_cont do not: DuckDB does, but
    /// the order-statistic tree counts every value of the frame).
    static let distinctAggregates: Set<AggregateFunction> = [.count, .approxCountDistinct, .stringAgg]
}
