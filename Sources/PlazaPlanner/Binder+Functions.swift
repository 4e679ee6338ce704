import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds a function or aggregate call.
    func bindFunction(_ call: FunctionCall, span: SourceSpan, scope: Scope, context: ExpressionContext)
        throws(BindError) -> BoundExpression
    {
        let written = call.name.name.lowercased()
        if let aggregate = FunctionCatalog.aggregateNames[written] {
            return try bindAggregate(aggregate, call, span: span, scope: scope, context: context)
        }
        let name = FunctionCatalog.aliases[written] ?? written
        if call.isStar || call.isDistinct || call.filter != nil {
            throw BindError(
                "\(call.isStar ? "*" : call.isDistinct ? "DISTINCT" : "FILTER") applies only to aggregate functions, and \(written) is not one",
                span: span)
        }
        var arguments: [BoundExpression] = []
        for argument in call.arguments { arguments.append(try bindExpression(argument, in: scope, context: context)) }
        switch name {
        case "date_part":
            guard call.arguments.count == 2 else {
                throw BindError("date_part takes a part and a date or timestamp", span: span)
            }
            let part = try constantText(arguments[0], call.arguments[0], "date_part's first argument")
            guard let function = FunctionCatalog.extractParts[part] else {
                throw BindError(
                    "unknown date part \"\(part)\""
                        + Scope.suggestion(for: part, among: Array(FunctionCatalog.extractParts.keys)),
                    span: call.arguments[0].span)
            }
            return try self.call(function, [arguments[1]], [call.arguments[1]], span: span, display: function)
        case "date_trunc", "date_diff":
            guard !arguments.isEmpty else { break }
            var part = try constantText(arguments[0], call.arguments[0], "\(name)'s first argument")
            if part.hasSuffix("s") { part.removeLast() }
            guard FunctionCatalog.truncationParts.contains(part) else {
                throw BindError(
                    "unknown date part \"\(part)\""
                        + Scope.suggestion(for: part, among: Array(FunctionCatalog.truncationParts)),
                    span: call.arguments[0].span)
            }
            arguments[0] = .literal(.varchar(part), type: .varchar)
            // Text arguments after the part are read as dates or timestamps.
            for index in arguments.indices.dropFirst() {
                if case .literal(.varchar(let text), _) = arguments[index] {
                    // A bare date stays a DATE; with a time it is a TIMESTAMP.
                    if let days = TextValueParser.withBytes(
                        text,
                        {
                            TextValueParser.isoDate(TextValueParser.trimmed($0, .sql), exact: false)
                        })
                    {
                        arguments[index] = .literal(.date(days), type: .date)
                    } else if let micros = TextValueParser.withBytes(
                        text,
                        {
                            TextValueParser.timestamp($0, options: .sql)
                        })
                    {
                        arguments[index] = .literal(.timestamp(micros), type: .timestamp)
                    }
                }
            }
        default:
            break
        }
        guard FunctionCatalog.isScalarFunction(name) else {
            let known = Array(
                Set(
                    FunctionCatalog.signatures.map(\.name).filter { $0.first!.isLetter }
                        + Array(FunctionCatalog.aggregateNames.keys)))
            throw BindError(
                "unknown function \"\(written)\"" + Scope.suggestion(for: written, among: known), span: call.name.span)
        }
        var bound = try self.call(name, arguments, call.arguments, span: span, display: written)
        guard case .call(_, let castArguments, var type) = bound else { return bound }
        if let signature = FunctionCatalog.resolve(name, argumentTypes: arguments.map(\.type))?.signature {
            for position in signature.constantArguments where position < castArguments.count {
                guard case .literal = Optimizer.fold(castArguments[position]) else {
                    throw BindError(
                        "argument \(position + 1) of \(written) must be a constant", span: call.arguments[position].span
                    )
                }
            }
            if signature.result == .decimalRound, case .decimal(let p, let s) = type,
                case .literal(.bigint(let digits), _) = Optimizer.fold(castArguments[1])
            {
                type = .decimal(precision: p, scale: Int(max(0, min(Int64(s), digits))))
                bound = .call(name: ScalarFunction(catalogName: name), arguments: castArguments, type: type)
            }
        }
        return bound
    }

    /// The lower-cased text of a constant VARCHAR argument.
    private func constantText(_ bound: BoundExpression, _ source: Expression, _ what: String) throws(BindError)
        -> String
    {
        guard case .literal(.varchar(let text), _) = Optimizer.fold(bound) else {
            throw BindError("\(what) must be a constant string such as 'month'", span: source.span)
        }
        return text.lowercased()
    }

    /// Binds an aggregate call into the collector; returns its placeholder column.
    private func bindAggregate(
        _ function: AggregateFunction, _ call: FunctionCall, span: SourceSpan, scope: Scope, context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        let written = call.name.name.lowercased()
        guard case .aggregating(let collector) = context else {
            if case .plain(let clause) = context {
                if clause == "aggregate" {
                    throw BindError("aggregate functions cannot be nested", span: call.name.span)
                }
                throw BindError("aggregate functions are not allowed in \(clause)", span: call.name.span)
            }
            preconditionFailure("unreachable")
        }
        var function = function
        var arguments: [BoundExpression] = []
        // The grouped rows' joins come after the aggregate: its arguments' subqueries join the rows
        // before it instead.
        let enclosingJoins = subqueryJoins
        subqueryJoins = aggregateInputJoins
        defer { subqueryJoins = enclosingJoins }
        if call.isStar {
            guard function == .count, !call.isDistinct else {
                throw BindError("\(written)(*) is not defined; only count(*) is", span: span)
            }
            function = .countStar
        } else {
            for argument in call.arguments {
                arguments.append(try bindExpression(argument, in: scope, context: .plain("aggregate")))
            }
        }
        let (resolved, constants, result, filter) = try resolveAggregateArguments(
            function, arguments, written: written, call: call, span: span, scope: scope,
            filterContext: .plain("FILTER"))
        arguments = resolved
        let aggregate = AggregateCall(
            function: function, arguments: arguments, constants: constants, isDistinct: call.isDistinct, filter: filter,
            type: result)
        let name = BindingSession.name(of: Expression(.function(call), span: span))
        let index = collector.add(aggregate, name: name)
        return .column(index: -1 - index, type: result)
    }

    /// Checks the argument count of an aggregate call, takes its constant arguments (quantile_cont's
    /// fraction, string_agg's separator), resolves the overload, casts the arguments and binds the
    /// FILTER in `filterContext`: the part grouped and window aggregates share. Returns the value
    /// arguments, the constants, the result type and the filter.
    func resolveAggregateArguments(
        _ function: AggregateFunction, _ bound: [BoundExpression], written: String, call: FunctionCall,
        span: SourceSpan, scope: Scope, filterContext: ExpressionContext
    ) throws(BindError) -> (
        arguments: [BoundExpression], constants: [Value], result: DataType, filter: BoundExpression?
    ) {
        var arguments = bound
        let expectedCounts: ClosedRange<Int>
        switch function {
        case .countStar: expectedCounts = 0...0
        case .quantileCont: expectedCounts = 2...2
        case .stringAgg: expectedCounts = 1...2
        default: expectedCounts = function.readsPairs ? 2...2 : 1...1
        }
        guard expectedCounts.contains(arguments.count) else {
            let wanted =
                expectedCounts.lowerBound == expectedCounts.upperBound
                ? "\(expectedCounts.lowerBound)" : "\(expectedCounts.lowerBound) or \(expectedCounts.upperBound)"
            throw BindError(
                "\(written) takes \(wanted) argument\(expectedCounts.upperBound == 1 ? "" : "s"), not \(arguments.count)",
                span: span)
        }
        var constants: [Value] = []
        if function == .quantileCont {
            let fraction = Optimizer.fold(implicitCast(arguments[1], to: .double))
            guard case .literal(.double(let q), _) = fraction, q >= 0, q <= 1 else {
                throw BindError(
                    "quantile_cont's second argument must be a constant between 0 and 1", span: call.arguments[1].span)
            }
            constants = [.double(q)]
            arguments.removeLast()
        } else if function == .stringAgg {
            if arguments.count == 2 {
                guard case .literal(.varchar(let separator), _) = Optimizer.fold(arguments[1]) else {
                    throw BindError("string_agg's separator must be a constant string", span: call.arguments[1].span)
                }
                constants = [.varchar(separator)]
                arguments.removeLast()
            } else {
                constants = [.varchar(",")]
            }
        }
        let argumentType = arguments.first?.type
        guard let (target, result) = FunctionCatalog.resolveAggregate(function, argumentType: argumentType) else {
            let role = function.readsPairs ? " as y; it takes two numeric arguments (y, x)" : ""
            throw BindError(
                "type mismatch: \(written) does not accept \(argumentType?.description ?? "no arguments")\(role)",
                span: span)
        }
        if let target {
            arguments[0] = implicitCast(arguments[0], to: target)
        }
        if function.readsPairs {
            // x is resolved as y is: each numeric argument is cast to DOUBLE on its own.
            let xType = arguments[1].type
            guard let (xTarget, _) = FunctionCatalog.resolveAggregate(function, argumentType: xType), let xTarget else {
                throw BindError(
                    "type mismatch: \(written) does not accept \(xType) as x; it takes two numeric arguments (y, x)",
                    span: call.arguments[1].span)
            }
            arguments[1] = implicitCast(arguments[1], to: xTarget)
        }
        var filter: BoundExpression?
        if let condition = call.filter {
            filter = try requireBoolean(
                try bindExpression(condition, in: scope, context: filterContext), condition, "FILTER")
        }
        return (arguments, constants, result, filter)
    }
}
