import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds an expression over `scope`.
    func bindExpression(_ expression: Expression, in scope: Scope, context: ExpressionContext) throws(BindError)
        -> BoundExpression
    {
        if let inputJoins = aggregateInputJoins, expression.isSubquery {
            // A GROUP BY key's subquery, written again elsewhere in the grouped SELECT, is the key.
            let text = expression.sql
            if let known = inputJoins.keyResults[text] { return known }
            if inputJoins.recordsKeys && subqueryJoins === inputJoins {
                let bound = try bindExpressionBody(expression, in: scope, context: context)
                inputJoins.keyResults[text] = bound
                return bound
            }
        }
        return try bindExpressionBody(expression, in: scope, context: context)
    }

    /// `bindExpression` without the GROUP BY keys' subqueries looked up.
    private func bindExpressionBody(_ expression: Expression, in scope: Scope, context: ExpressionContext)
        throws(BindError) -> BoundExpression
    {
        let span = expression.span
        switch expression.kind {
        case .literal(let literal):
            return try bindLiteral(literal, span: span, negate: false)
        case .column(let parts):
            let index: Int
            do {
                index = try scope.resolve(parts)
            } catch {
                // In a correlated subquery's WHERE, an outer column follows the subquery's own columns.
                if let frame = correlatedWhere, frame.innerCount == scope.columns.count {
                    do {
                        let outer = try frame.outer.resolve(parts)
                        return .column(
                            index: CorrelationFrame.outerBase + outer, type: frame.outer.columns[outer].type)
                    } catch let outerError {
                        // `o.x` with `o` a table of the outer query: its error is the one to report.
                        if parts.count > 1,
                            frame.outer.columns.contains(where: {
                                $0.qualifier.map { Scope.matches(parts[0].name, $0) } ?? false
                            })
                        {
                            throw outerError
                        }
                    }
                }
                if outerScopes.contains(where: { (try? $0.resolve(parts)) != nil }) {
                    let name = parts.map(\.name).joined(separator: ".")
                    throw BindError(
                        "\"\(name)\" belongs to an enclosing query: a subquery may read the enclosing query's columns only in its WHERE, one level out (as EXISTS (SELECT … WHERE t.k = outer.k) or a scalar aggregate)",
                        span: parts[parts.count - 1].span)
                }
                throw error
            }
            return .column(index: index, type: scope.columns[index].type)
        case .parameter(let index):
            guard index <= parameters.count else {
                throw BindError("missing value for parameter $\(index) (\(parameters.count) given)", span: span)
            }
            let value = parameters[index - 1]
            if case .decimal(_, let scale) = value, !(0...DataType.maxNarrowDecimalPrecision).contains(scale) {
                throw BindError(
                    "parameter $\(index) is a DECIMAL with scale \(scale); the scale must be 0 to 18", span: span)
            }
            return .literal(value, type: value.dataType)
        case .unary(let op, let operand):
            if op == .minus, case .literal(let literal) = operand.kind {
                switch literal {
                case .integer, .decimal, .float: return try bindLiteral(literal, span: operand.span, negate: true)
                default: break
                }
            }
            let bound = try bindExpression(operand, in: scope, context: context)
            switch op {
            case .not:
                return try call("not", [bound], [operand], span: span, display: "NOT")
            case .plus:
                guard bound.type.isNumeric || bound.type == .null || bound.type == .interval else {
                    throw BindError("unary + needs a number, not \(bound.type)", span: span)
                }
                return bound
            case .minus:
                return try call("negate", [bound], [operand], span: span, display: "unary -")
            }
        case .binary(let op, let left, let right):
            return try bindBinary(op, left, right, span: span, scope: scope, context: context)
        case .isNull(let operand, let negated):
            let bound = try bindExpression(operand, in: scope, context: context)
            return .call(name: negated ? .isNotNull : .isNull, arguments: [bound], type: .boolean)
        case .isDistinctFrom(let left, let right, let negated):
            let l = try bindExpression(left, in: scope, context: context),
                r = try bindExpression(right, in: scope, context: context)
            return try call(
                negated ? "is_not_distinct_from" : "is_distinct_from", [l, r], [left, right], span: span,
                display: "IS DISTINCT FROM")
        case .between(let value, let low, let high, let negated):
            let x = try bindExpression(value, in: scope, context: context)
            let lo = try bindExpression(low, in: scope, context: context),
                hi = try bindExpression(high, in: scope, context: context)
            if negated {
                let below = try call("<", [x, lo], [value, low], span: span, display: "NOT BETWEEN")
                let above = try call(">", [x, hi], [value, high], span: span, display: "NOT BETWEEN")
                return .call(name: .or, arguments: [below, above], type: .boolean)
            }
            let atLeast = try call(">=", [x, lo], [value, low], span: span, display: "BETWEEN")
            let atMost = try call("<=", [x, hi], [value, high], span: span, display: "BETWEEN")
            return .call(name: .and, arguments: [atLeast, atMost], type: .boolean)
        case .inList(let needle, let list, let negated):
            var bound = [try bindExpression(needle, in: scope, context: context)]
            for item in list { bound.append(try bindExpression(item, in: scope, context: context)) }
            let membership = try call("in", bound, [needle] + list, span: span, display: "IN")
            return negated ? .call(name: .not, arguments: [membership], type: .boolean) : membership
        case .inSubquery(let needle, let query, let negated):
            do {
                return try bindInSubquery(needle, query, negated: negated, span: span, scope: scope, context: context)
            } catch {
                return try bindDomainSubquery(
                    query, .quantified(op: .equal, isAll: false, negated: negated), needle: needle, span: span,
                    scope: scope, context: context, original: error)
            }
        case .quantified(let op, let needle, let query, let isAll):
            do {
                return try bindQuantified(op, needle, query, isAll: isAll, span: span, scope: scope, context: context)
            } catch {
                return try bindDomainSubquery(
                    query, .quantified(op: op, isAll: isAll, negated: false), needle: needle, span: span, scope: scope,
                    context: context, original: error)
            }
        case .like(let value, let pattern, let insensitive, let negated):
            let x = try bindExpression(value, in: scope, context: context),
                p = try bindExpression(pattern, in: scope, context: context)
            let match = try call(
                insensitive ? "ilike" : "like", [x, p], [value, pattern], span: span,
                display: insensitive ? "ILIKE" : "LIKE")
            return negated ? .call(name: .not, arguments: [match], type: .boolean) : match
        case .caseWhen(let operand, let branches, let otherwise):
            return try bindCase(operand, branches, otherwise, span: span, scope: scope, context: context)
        case .cast(let operand, let type, let isTry):
            let bound = try bindExpression(operand, in: scope, context: context)
            return try cast(bound, to: type, isTry: isTry, span: span)
        case .extract(let part, let operand):
            guard let function = FunctionCatalog.extractParts[part] else {
                throw BindError(
                    "unknown date part \"\(part)\""
                        + Scope.suggestion(for: part, among: Array(FunctionCatalog.extractParts.keys)), span: span)
            }
            let bound = try bindExpression(operand, in: scope, context: context)
            return try call(function, [bound], [operand], span: span, display: "extract(\(part) FROM …)")
        case .function(let functionCall):
            if let domain = activeDomain, !domain.outerAggregates.isEmpty,
                let j = domain.outerAggregates[expression.sql]
            {
                // An aggregate of the enclosing grouped query: D carries its value.
                return .column(index: domain.base + j, type: domain.columns[j].type)
            }
            if let bound = try bindWindowOrGrouping(functionCall, span: span, scope: scope, context: context) {
                return bound
            }
            return try bindFunction(functionCall, span: span, scope: scope, context: context)
        case .subquery(let query):
            do {
                return try bindScalarSubquery(query, span: span, scope: scope)
            } catch {
                return try bindDomainSubquery(
                    query, .scalar, span: span, scope: scope, context: context, original: error)
            }
        case .exists(let query):
            do {
                return try bindExists(query, span: span, scope: scope)
            } catch {
                return try bindDomainSubquery(
                    query, .exists(negated: false), span: span, scope: scope, context: context, original: error)
            }
        }
    }

    /// Binds `EXISTS (query)` outside a WHERE condition by its special shapes.
    private func bindExists(_ query: Query, span: SourceSpan, scope: Scope) throws(BindError) -> BoundExpression {
        let frame = CorrelationFrame(purpose: .exists, outer: scope)
        let plan = try bindCorrelated(query, frame)
        guard frame.conjuncts.isEmpty else {
            // Elsewhere than a WHERE condition (the select list, under OR): a correlated EXISTS is
            // `(SELECT count(*) …) > 0`, unnested as a scalar aggregate (0 where nothing matches).
            if query.limit != nil || query.offset != nil || query.select.groupBy != nil
                || query.select.having != nil || query.setOperation != nil
            {
                throw BindError(
                    "EXISTS over a correlated subquery with LIMIT, OFFSET, GROUP BY or HAVING is supported only as a condition of WHERE",
                    span: span)
            }
            var counting = query
            let count = FunctionCall(name: Identifier("count", span: span), arguments: [], isStar: true)
            counting.select.items = [.expression(Expression(.function(count), span: span), alias: nil)]
            counting.orderBy = []
            let counted = try bindScalarSubquery(counting, span: span, scope: scope)
            return .call(
                name: .greater, arguments: [counted, .literal(.bigint(0), type: .bigint)], type: .boolean)
        }
        return Self.uncorrelatedExists(plan)
    }

    /// Binds an uncorrelated subquery, remembering the outer scope to explain correlated references.
    func bindSubquery(_ query: Query, outer scope: Scope) throws(BindError) -> LogicalPlan {
        outerScopes.append(scope)
        defer { outerScopes.removeLast() }
        return try bindQuery(query)
    }

    /// Binds a literal; `negate` folds a leading minus into numbers (so -9223372036854775808 fits).
    func bindLiteral(_ literal: Literal, span: SourceSpan, negate: Bool) throws(BindError) -> BoundExpression {
        let sign = negate ? "-" : ""
        switch literal {
        case .integer(let digits):
            if let value = Int64(sign + digits) { return .literal(.bigint(value), type: .bigint) }
            let value = Double(sign + digits) ?? 0
            return .literal(.double(value), type: .double)
        case .decimal(let text):
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            let integerDigits = String(parts[0]).drop { $0 == "0" }.count
            let scale = parts.count > 1 ? parts[1].count : 0
            let precision = max(1, integerDigits + scale)
            if precision <= DataType.maxNarrowDecimalPrecision,
                let unscaled = TextValueParser.withBytes(
                    sign + text,
                    {
                        TextValueParser.decimal($0, precision: precision, scale: scale, options: .sql)
                    })
            {
                return .literal(.decimal(unscaled, scale: scale), type: .decimal(precision: precision, scale: scale))
            }
            // 19 to 38 digits: a wide DECIMAL literal, as DuckDB types it; more digits are DOUBLE.
            if precision <= DataType.maxDecimalPrecision,
                let value = TextValueParser.parse(sign + text, as: .decimal(precision: precision, scale: scale))
            {
                return .literal(value, type: .decimal(precision: precision, scale: scale))
            }
            return .literal(.double(Double(sign + text) ?? 0), type: .double)
        case .float(let text):
            guard let value = Double(sign + text) else { throw BindError("invalid number \(text)", span: span) }
            return .literal(.double(value), type: .double)
        case .string(let text): return .literal(.varchar(text), type: .varchar)
        case .boolean(let value): return .literal(.boolean(value), type: .boolean)
        case .null: return .literal(.null, type: .null)
        case .typed(let type, let text):
            guard let value = TextValueParser.parse(text, as: type) else {
                throw BindError("invalid \(type) literal '\(text)'" + Self.formatHint(type), span: span)
            }
            return .literal(value, type: type)
        case .interval(let amount, let unit):
            var interval = Interval()
            guard let count = Int64(amount), TextValueParser.add(count, unit: unit, to: &interval) else {
                throw BindError(
                    "invalid INTERVAL '\(amount)' \(unit): write a whole number and a unit such as days", span: span)
            }
            return .literal(.interval(interval), type: .interval)
        }
    }

    static func formatHint(_ type: DataType) -> String {
        switch type {
        case .date: return " (expected YYYY-MM-DD)"
        case .timestamp: return " (expected YYYY-MM-DD HH:MM:SS)"
        case .interval: return " (expected e.g. '3 days' or '1 year 2 months')"
        default: return ""
        }
    }

    private func bindBinary(
        _ op: BinaryOperator, _ left: Expression, _ right: Expression, span: SourceSpan, scope: Scope,
        context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        if op == .and || op == .or {
            // Flatten chains into one n-ary call.
            var operands: [BoundExpression] = []
            var pending = [right, left]
            while let next = pending.popLast() {
                if case .binary(let inner, let l, let r) = next.kind, inner == op {
                    pending.append(r)
                    pending.append(l)
                    continue
                }
                let bound = try bindExpression(next, in: scope, context: context)
                operands.append(try requireBoolean(bound, next, op.rawValue))
            }
            return .call(name: op == .and ? .and : .or, arguments: operands, type: .boolean)
        }
        var l = try bindExpression(left, in: scope, context: context)
        var r = try bindExpression(right, in: scope, context: context)
        var sources = [left, right]
        let name: String
        switch op {
        case .equal: name = "="
        case .notEqual: name = "<>"
        case .less: name = "<"
        case .lessOrEqual: name = "<="
        case .greater: name = ">"
        case .greaterOrEqual: name = ">="
        case .concat: name = "||"
        case .plus, .minus, .multiply, .divide, .modulo: name = op.rawValue
        case .and, .or: preconditionFailure("handled above")
        }
        // BIGINT + DATE, INTERVAL + DATE/TIMESTAMP and BIGINT * INTERVAL are bound with the arguments swapped.
        if (op == .plus
            && ((r.type == .date && (l.type == .bigint || l.type == .interval))
                || (r.type == .timestamp && l.type == .interval)))
            || (op == .multiply && l.type == .bigint && r.type == .interval)
        {
            swap(&l, &r)
            sources.swapAt(0, 1)
        }
        return try call(name, [l, r], sources, span: span, display: op.rawValue)
    }

    /// Resolves a catalogue function for bound arguments and inserts the casts it needs.
    func call(
        _ name: String, _ arguments: [BoundExpression], _ sources: [Expression], span: SourceSpan, display: String
    ) throws(BindError) -> BoundExpression {
        var arguments = arguments
        if let first = FunctionCatalog.signatures(named: name).first, first.sameTypeArguments {
            arguments = try coerceStringLiterals(arguments, sources)
        }
        if FunctionCatalog.signatures(named: name).contains(where: \.sameTypeArguments) {
            arguments = narrowLiterals(arguments)
        }
        guard let resolved = FunctionCatalog.resolve(name, argumentTypes: arguments.map(\.type)) else {
            throw mismatch(name, arguments.map(\.type), span: span, display: display)
        }
        var cast: [BoundExpression] = []
        for (argument, type) in zip(arguments, resolved.argumentTypes) { cast.append(implicitCast(argument, to: type)) }
        return .call(name: ScalarFunction(catalogName: name), arguments: cast, type: resolved.resultType)
    }

    /// Converts constants to the one type the other arguments share when that is exact, so a column
    /// keeps its own type (`monto > 100` compares DECIMAL(12,2) values, no cast per row, and the
    /// comparison can prune blocks).
    func narrowLiterals(_ arguments: [BoundExpression]) -> [BoundExpression] {
        let others = arguments.filter { if case .literal = $0 { return false } else { return true } }
        guard let target = others.first?.type, target != .null, others.allSatisfy({ $0.type == target }) else {
            return arguments
        }
        return arguments.map { argument in
            guard case .literal(let value, let type) = argument, type != target, !value.isNull else { return argument }
            switch (value, target) {
            case (.bigint(let v), .double) where v.magnitude <= 1 << 53:
                return .literal(.double(Double(v)), type: .double)
            case (.bigint(let v), .decimal(let p, let s)):
                if let converted = ConstantFolding.castValue(value, to: target) {
                    return .literal(converted, type: target)
                }
                // An integer too wide for the column's type (`1 - discount` with DECIMAL(2,2)) becomes the
                // narrowest DECIMAL holding it at that scale, not BIGINT's DECIMAL(18, s): the result then
                // keeps few digits, and kernels can prove that products of it cannot overflow.
                let digits = String(v.magnitude).count
                guard digits + s <= DataType.maxNarrowDecimalPrecision else { return argument }
                let type = DataType.decimal(precision: Swift.max(p, digits + s), scale: s)
                guard let converted = ConstantFolding.castValue(value, to: type) else { return argument }
                return .literal(converted, type: type)
            case (.decimal, .decimal), (.date, .timestamp):
                guard let converted = ConstantFolding.castValue(value, to: target) else { return argument }
                return .literal(converted, type: target)
            default:
                return argument
            }
        }
    }

    /// The error for arguments no overload accepts, naming the types.
    private func mismatch(_ name: String, _ types: [DataType], span: SourceSpan, display: String) -> BindError {
        let list = types.map(\.description)
        if ["=", "<>", "<", "<=", ">", ">=", "is_distinct_from", "is_not_distinct_from"].contains(name), list.count == 2
        {
            return BindError(
                "type mismatch: cannot compare \(list[0]) with \(list[1]) (use CAST to convert one side)", span: span)
        }
        if ["+", "-", "*", "/", "%", "||"].contains(name), list.count == 2 {
            return BindError("type mismatch: operator \(display) cannot take \(list[0]) and \(list[1])", span: span)
        }
        if name == "in" {
            return BindError(
                "type mismatch: IN list values (\(list.dropFirst().joined(separator: ", "))) do not match \(list[0])",
                span: span)
        }
        let accepted = FunctionCatalog.signatures(named: name).map(\.description).joined(separator: "; ")
        return BindError(
            "type mismatch: \(display)(\(list.joined(separator: ", "))) is not defined; accepted: \(accepted)",
            span: span)
    }

    /// Where some arguments are string literals and the others share a non-text type, parses the literals as that type.
    func coerceStringLiterals(_ arguments: [BoundExpression], _ sources: [Expression]) throws(BindError)
        -> [BoundExpression]
    {
        let others = arguments.filter { if case .literal(.varchar, _) = $0 { return false } else { return true } }
        guard others.count < arguments.count, let target = FunctionCatalog.commonType(of: others.map(\.type)),
            target != .varchar, target != .null
        else { return arguments }
        var result = arguments
        for (index, argument) in arguments.enumerated() {
            guard case .literal(.varchar(let text), _) = argument else { continue }
            guard let value = TextValueParser.parse(text, as: target) else {
                let place = index < sources.count ? sources[index].span : nil
                throw BindError("cannot convert '\(text)' to \(target)" + Self.formatHint(target), span: place)
            }
            result[index] = .literal(value, type: target)
        }
        return result
    }

    /// `expr` converted to `type` without a visible CAST (NULL literals just take the type).
    func implicitCast(_ expression: BoundExpression, to type: DataType) -> BoundExpression {
        if expression.type == type { return expression }
        if case .literal(.null, _) = expression { return .literal(.null, type: type) }
        return .cast(expression, to: type, isTry: false)
    }

    /// An explicit CAST, checked against `FunctionCatalog.canCast`.
    func cast(_ bound: BoundExpression, to type: DataType, isTry: Bool, span: SourceSpan) throws(BindError)
        -> BoundExpression
    {
        if bound.type == type { return bound }
        guard FunctionCatalog.canCast(from: bound.type, to: type) else {
            throw BindError("cannot cast \(bound.type) to \(type)", span: span)
        }
        if case .literal(.null, _) = bound { return .literal(.null, type: type) }
        return .cast(bound, to: type, isTry: isTry)
    }
}

extension Expression {
    /// Whether this is a subquery expression (scalar, EXISTS, IN or a quantified comparison).
    fileprivate var isSubquery: Bool {
        switch kind {
        case .subquery, .exists, .inSubquery, .quantified: return true
        default: return false
        }
    }
}
