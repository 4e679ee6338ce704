import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds simple and searched CASE; a simple CASE becomes `operand = value` conditions.
    func bindCase(
        _ operand: Expression?, _ branches: [WhenClause], _ otherwise: Expression?, span: SourceSpan, scope: Scope,
        context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        let boundOperand = try operand.map { (e) throws(BindError) in try bindExpression(e, in: scope, context: context)
        }
        var conditions: [BoundExpression] = []
        var results: [BoundExpression] = []
        var resultSources: [Expression] = []
        for branch in branches {
            let when = try bindExpression(branch.when, in: scope, context: context)
            if let boundOperand, let operand {
                conditions.append(
                    try call(
                        "=", [boundOperand, when], [operand, branch.when], span: branch.when.span,
                        display: "CASE … WHEN"))
            } else {
                conditions.append(try requireBoolean(when, branch.when, "WHEN"))
            }
            results.append(try bindExpression(branch.then, in: scope, context: context))
            resultSources.append(branch.then)
        }
        if let otherwise {
            results.append(try bindExpression(otherwise, in: scope, context: context))
            resultSources.append(otherwise)
        }
        results = try coerceStringLiterals(results, resultSources)
        guard let type = FunctionCatalog.commonType(of: results.map(\.type)) else {
            let types = results.map(\.type.description)
            throw BindError(
                "type mismatch: CASE results have incompatible types \(types.joined(separator: " and "))", span: span)
        }
        let cast = results.map { implicitCast($0, to: type) }
        let bound = zip(conditions, cast).map { CaseBranch(when: $0, then: $1) }
        return .caseWhen(branches: bound, otherwise: otherwise == nil ? nil : cast.last, type: type)
    }

    /// Binds `x [NOT] IN (subquery)`: an uncorrelated one-column query whose type meets the needle's.
    func bindInSubquery(
        _ needle: Expression, _ query: Query, negated: Bool, span: SourceSpan, scope: Scope, context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        try bindInSubquery(
            needle, boundQuery: try bindSubquery(query, outer: scope), negated: negated, span: span, scope: scope,
            context: context)
    }

    /// Binds `x [NOT] IN (subquery)` over the subquery's bound plan.
    func bindInSubquery(
        _ needle: Expression, boundQuery: LogicalPlan, negated: Bool, span: SourceSpan, scope: Scope,
        context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        let value = try bindExpression(needle, in: scope, context: context)
        var plan = boundQuery
        guard plan.fields.count == 1 else {
            throw BindError("the subquery of IN must return one column, not \(plan.fields.count)", span: span)
        }
        let columnType = plan.fields[0].type
        guard let common = FunctionCatalog.commonType(value.type, columnType) else {
            throw BindError("type mismatch: cannot compare \(value.type) with the subquery's \(columnType)", span: span)
        }
        if columnType != common {
            let field = Field(name: plan.fields[0].name, type: common, isNullable: plan.fields[0].isNullable)
            plan = .project(
                input: plan, expressions: [implicitCast(.column(index: 0, type: columnType), to: common)],
                fields: [field])
        }
        return .inSubquery(implicitCast(value, to: common), plan, isNegated: negated)
    }
}
