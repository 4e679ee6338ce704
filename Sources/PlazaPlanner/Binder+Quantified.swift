import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds `x op ANY | SOME | ALL (subquery)` (docs/SQL.md "Subqueries") by rewriting it into forms the
    /// binder already has, with DuckDB's three-valued result: `= ANY` is IN and `<> ALL` is NOT IN;
    /// `op ALL` is `NOT (x inverse-op ANY …)`; any other `op ANY` compares `x` with the subquery's
    /// minimum or maximum, FALSE over no rows, NULL when no value decides and `x` or a value is NULL.
    /// The subquery runs once per scalar subquery of the rewrite (up to four times); a correlated one
    /// is an error naming the outer column.
    func bindQuantified(
        _ op: BinaryOperator, _ needle: Expression, _ query: Query, isAll: Bool, span: SourceSpan, scope: Scope,
        context: ExpressionContext
    ) throws(BindError) -> BoundExpression {
        let plan = try bindSubquery(query, outer: scope)
        guard plan.fields.count == 1 else {
            throw BindError(
                "the subquery of \(isAll ? "ALL" : "ANY") must return one column, not \(plan.fields.count)", span: span)
        }
        let rewritten = Self.rewriteQuantified(op, needle, query, isAll: isAll, span: span)
        return try bindExpression(rewritten, in: scope, context: context)
    }

    /// The comparison that is true exactly when `op` is not (`<` for `>=`, `<>` for `=`).
    static func inverse(_ op: BinaryOperator) -> BinaryOperator {
        switch op {
        case .equal: return .notEqual
        case .notEqual: return .equal
        case .less: return .greaterOrEqual
        case .lessOrEqual: return .greater
        case .greater: return .lessOrEqual
        case .greaterOrEqual: return .less
        default: preconditionFailure("ANY/ALL after a non-comparison \(op)")
        }
    }

    /// The rewrite of `x op ANY|ALL (query)` as a parsed expression.
    private static func rewriteQuantified(
        _ op: BinaryOperator, _ needle: Expression, _ query: Query, isAll: Bool, span: SourceSpan
    ) -> Expression {
        func node(_ kind: ExpressionKind) -> Expression { Expression(kind, span: span) }
        if isAll {
            if op == .notEqual { return node(.inSubquery(needle, query, isNegated: true)) }
            let any = rewriteQuantified(inverse(op), needle, query, isAll: false, span: span)
            return node(.unary(.not, any))
        }
        if op == .equal { return node(.inSubquery(needle, query, isNegated: false)) }
        // `(SELECT aggregate FROM (query) AS __quantified(c))`: one value of the subquery's rows.
        let value = Identifier("c", span: span)
        func aggregate(_ name: String, star: Bool = false) -> Expression {
            let call = FunctionCall(
                name: Identifier(name, span: span), arguments: star ? [] : [node(.column([value]))], isStar: star)
            let select = SelectCore(
                items: [.expression(node(.function(call)), alias: nil)],
                from: .subquery(query, alias: Identifier("__quantified", span: span), columns: [value]))
            return node(.subquery(Query(select: select, span: span)))
        }
        func literal(_ literal: Literal) -> Expression { node(.literal(literal)) }
        let rows = aggregate("count", star: true)
        let decides: Expression
        switch op {
        case .notEqual:
            // Some value differs from x: it differs from the minimum or from the maximum.
            decides = node(
                .binary(
                    .or, node(.binary(.notEqual, needle, aggregate("min"))),
                    node(.binary(.notEqual, needle, aggregate("max")))))
        case .greater, .greaterOrEqual: decides = node(.binary(op, needle, aggregate("min")))
        default: decides = node(.binary(op, needle, aggregate("max")))
        }
        let unknown = node(
            .binary(.or, node(.isNull(needle, isNegated: false)), node(.binary(.greater, rows, aggregate("count")))))
        return node(
            .caseWhen(
                operand: nil,
                branches: [
                    WhenClause(
                        when: node(.binary(.equal, rows, literal(.integer("0")))), then: literal(.boolean(false))),
                    WhenClause(when: decides, then: literal(.boolean(true))),
                    WhenClause(when: unknown, then: node(.cast(literal(.null), .boolean, isTry: false))),
                ],
                otherwise: literal(.boolean(false))))
    }
}
