import PlazaCore

/// Computes once an expression that several aggregate arguments of one aggregate contain
/// (TPC-H Q1's `l_extendedprice * (1 - l_discount)` in two sums): a projection below the
/// aggregate adds it as a column, and the arguments read that column.
///
/// Only arithmetic and casts are looked into, never CASE or other functions that may skip rows, so
/// the shared expression is evaluated on exactly the rows the aggregate evaluated it on before.
enum AggregateSharingRule {
    /// The plan with shared aggregate subexpressions computed once.
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        guard case .aggregate(let input, let groups, let aggregates, let fields) = plan else {
            return plan.mapInputs(apply)
        }
        let newInput = apply(input)
        let shared = sharedExpressions(aggregates)
        guard !shared.isEmpty else {
            return .aggregate(input: newInput, groups: groups, aggregates: aggregates, fields: fields)
        }
        let width = newInput.fields.count
        var columns: [BoundExpression: Int] = [:]
        for (k, expression) in shared.enumerated() { columns[expression] = width + k }
        let passed = newInput.fields.enumerated().map {
            BoundExpression.column(index: $0.offset, type: $0.element.type)
        }
        let added = shared.enumerated().map { Field(name: "__shared_\($0.offset)", type: $0.element.type) }
        let projected = LogicalPlan.project(
            input: newInput, expressions: passed + shared, fields: newInput.fields + added)
        let rewritten = aggregates.map { call in
            var copy = call
            copy.arguments = call.arguments.map { replace($0, columns) }
            return copy
        }
        return .aggregate(input: projected, groups: groups, aggregates: rewritten, fields: fields)
    }

    /// The expressions to share, largest first: each occurs at least twice among the arguments
    /// outside the ones chosen before it.
    static func sharedExpressions(_ aggregates: [AggregateCall]) -> [BoundExpression] {
        var chosen: [BoundExpression] = []
        while true {
            var counts: [BoundExpression: Int] = [:]
            let stops = Set(chosen)
            for call in aggregates {
                for argument in call.arguments { count(argument, stoppingAt: stops, into: &counts) }
            }
            let candidates = counts.filter { $0.value >= 2 && !chosen.contains($0.key) }.map(\.key)
            guard let next = candidates.max(by: { size($0) < size($1) }) else { return chosen }
            chosen.append(next)
        }
    }

    /// Whether `expression` is looked into: arithmetic and casts, evaluated on every row.
    private static func isTransparent(_ expression: BoundExpression) -> Bool {
        switch expression {
        case .cast(_, _, let isTry): return !isTry
        case .call(let name, _, _): return name == .add || name == .subtract || name == .multiply
        default: return false
        }
    }

    private static func count(
        _ expression: BoundExpression, stoppingAt chosen: Set<BoundExpression>,
        into counts: inout [BoundExpression: Int]
    ) {
        guard isTransparent(expression), !chosen.contains(expression) else { return }
        counts[expression, default: 0] += 1
        switch expression {
        case .cast(let inner, _, _): count(inner, stoppingAt: chosen, into: &counts)
        case .call(_, let arguments, _):
            for argument in arguments { count(argument, stoppingAt: chosen, into: &counts) }
        default: break
        }
    }

    private static func size(_ expression: BoundExpression) -> Int {
        switch expression {
        case .cast(let inner, _, _): return 1 + size(inner)
        case .call(_, let arguments, _): return 1 + arguments.reduce(0) { $0 + size($1) }
        default: return 1
        }
    }

    private static func replace(_ expression: BoundExpression, _ columns: [BoundExpression: Int]) -> BoundExpression {
        if let column = columns[expression] { return .column(index: column, type: expression.type) }
        guard isTransparent(expression) else { return expression }
        switch expression {
        case .cast(let inner, let type, let isTry): return .cast(replace(inner, columns), to: type, isTry: isTry)
        case .call(let name, let arguments, let type):
            return .call(name: name, arguments: arguments.map { replace($0, columns) }, type: type)
        default: return expression
        }
    }
}
