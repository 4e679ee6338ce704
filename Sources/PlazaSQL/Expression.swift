import PlazaCore

/// A parsed expression and where it is in the text.
package struct Expression: Hashable, Sendable {
    /// What the expression is.
    package var kind: ExpressionKind
    /// Where it is (for an operator: the operator's token).
    package var span: SourceSpan

    /// Creates an expression.
    package init(_ kind: ExpressionKind, span: SourceSpan) {
        self.kind = kind
        self.span = span
    }

    /// A child of an expression: an expression or a subquery.
    package enum Child {
        /// A sub-expression.
        case expression(Expression)
        /// A subquery.
        case query(Query)
    }

    /// Calls `body` with each direct child, in order.
    package func forEachChild(_ body: (Child) -> Void) {
        switch kind {
        case .literal, .column, .parameter: break
        case .unary(_, let e), .isNull(let e, _), .cast(let e, _, _), .extract(_, let e): body(.expression(e))
        case .binary(_, let l, let r), .isDistinctFrom(let l, let r, _):
            body(.expression(l))
            body(.expression(r))
        case .between(let x, let low, let high, _):
            body(.expression(x))
            body(.expression(low))
            body(.expression(high))
        case .inList(let x, let list, _):
            body(.expression(x))
            list.forEach { body(.expression($0)) }
        case .inSubquery(let x, let query, _), .quantified(_, let x, let query, _):
            body(.expression(x))
            body(.query(query))
        case .like(let x, let pattern, _, _):
            body(.expression(x))
            body(.expression(pattern))
        case .caseWhen(let operand, let branches, let otherwise):
            if let operand { body(.expression(operand)) }
            for branch in branches {
                body(.expression(branch.when))
                body(.expression(branch.then))
            }
            if let otherwise { body(.expression(otherwise)) }
        case .function(let call):
            call.arguments.forEach { body(.expression($0)) }
            if let filter = call.filter { body(.expression(filter)) }
            call.window?.forEachExpression { body(.expression($0)) }
        case .subquery(let query), .exists(let query): body(.query(query))
        }
    }
}

/// The kinds of expressions.
package indirect enum ExpressionKind: Hashable, Sendable {
    /// A literal.
    case literal(Literal)
    /// A column: `name` or `table.name`.
    case column([Identifier])
    /// A parameter, 1-based (`?` are numbered in order of appearance).
    case parameter(Int)
    /// `-x`, `+x`, `NOT x`.
    case unary(UnaryOperator, Expression)
    /// `l op r`.
    case binary(BinaryOperator, Expression, Expression)
    /// `x IS [NOT] NULL` (`isNegated` for NOT).
    case isNull(Expression, isNegated: Bool)
    /// `l IS [NOT] DISTINCT FROM r`.
    case isDistinctFrom(Expression, Expression, isNegated: Bool)
    /// `x [NOT] BETWEEN low AND high`.
    case between(Expression, low: Expression, high: Expression, isNegated: Bool)
    /// `x [NOT] IN (list)`.
    case inList(Expression, [Expression], isNegated: Bool)
    /// `x [NOT] IN (subquery)`.
    case inSubquery(Expression, Query, isNegated: Bool)
    /// `x [NOT] LIKE | ILIKE pattern`.
    case like(Expression, pattern: Expression, isCaseInsensitive: Bool, isNegated: Bool)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    case caseWhen(operand: Expression?, branches: [WhenClause], otherwise: Expression?)
    /// `CAST(x AS type)`, `x::type`, `TRY_CAST(x AS type)`.
    case cast(Expression, DataType, isTry: Bool)
    /// `extract(part FROM x)` (part lower-cased as written).
    case extract(String, Expression)
    /// A function or aggregate call.
    case function(FunctionCall)
    /// A scalar subquery `(SELECT …)`.
    case subquery(Query)
    /// `EXISTS (SELECT …)`; `NOT EXISTS` is `NOT` over it.
    case exists(Query)
    /// `x op ANY | SOME | ALL (subquery)` with a comparison `op` (`isAll` for ALL).
    case quantified(BinaryOperator, Expression, Query, isAll: Bool)
}

/// One `WHEN … THEN …`.
package struct WhenClause: Hashable, Sendable {
    /// The condition (or, with a CASE operand, the value compared to it).
    package var when: Expression
    /// The result.
    package var then: Expression

    /// Creates a clause.
    package init(when: Expression, then: Expression) {
        self.when = when
        self.then = then
    }
}

/// `name([DISTINCT] args | *) [FILTER (WHERE …)]`.
package struct FunctionCall: Hashable, Sendable {
    /// The function's name as written.
    package var name: Identifier
    /// The arguments.
    package var arguments: [Expression]
    /// `count(*)`.
    package var isStar: Bool
    /// `DISTINCT` before the arguments.
    package var isDistinct: Bool
    /// `FILTER (WHERE condition)`.
    package var filter: Expression?
    /// `OVER (…)`: the call is a window function.
    package var window: WindowSpecification?
    /// `IGNORE NULLS` (true), `RESPECT NULLS` (false), or nil when not written.
    package var ignoresNulls: Bool?

    /// Creates a call.
    package init(
        name: Identifier, arguments: [Expression], isStar: Bool = false, isDistinct: Bool = false,
        filter: Expression? = nil, window: WindowSpecification? = nil, ignoresNulls: Bool? = nil
    ) {
        self.name = name
        self.arguments = arguments
        self.isStar = isStar
        self.isDistinct = isDistinct
        self.filter = filter
        self.window = window
        self.ignoresNulls = ignoresNulls
    }
}

/// A literal as written.
package enum Literal: Hashable, Sendable {
    /// Digits (may exceed Int64: the binder decides the type).
    case integer(String)
    /// Digits with a point (`12.50`): DECIMAL.
    case decimal(String)
    /// A number with an exponent: DOUBLE.
    case float(String)
    /// `'text'`.
    case string(String)
    /// TRUE / FALSE.
    case boolean(Bool)
    /// NULL.
    case null
    /// `DATE '…'`, `TIMESTAMP '…'`, `INTERVAL '…'` (the type and the text).
    case typed(DataType, String)
    /// `INTERVAL n unit` / `INTERVAL 'n' unit` (the number and the unit, lower-cased).
    case interval(String, unit: String)
}

/// Prefix operators.
package enum UnaryOperator: String, Hashable, Sendable {
    /// `-x`.
    case minus = "-"
    /// `+x`.
    case plus = "+"
    /// `NOT x`.
    case not = "NOT"
}

/// Infix operators, with their precedence (higher binds tighter).
package enum BinaryOperator: String, Hashable, Sendable, CaseIterable {
    /// `OR`.
    case or = "OR"
    /// `AND`.
    case and = "AND"
    /// `=`.
    case equal = "="
    /// `<>` or `!=`.
    case notEqual = "<>"
    /// `<`.
    case less = "<"
    /// `<=`.
    case lessOrEqual = "<="
    /// `>`.
    case greater = ">"
    /// `>=`.
    case greaterOrEqual = ">="
    /// `||` (text concatenation).
    case concat = "||"
    /// `+`.
    case plus = "+"
    /// `-`.
    case minus = "-"
    /// `*`.
    case multiply = "*"
    /// `/`.
    case divide = "/"
    /// `%`.
    case modulo = "%"

    /// Binding strength: OR 1, AND 2, comparisons 4, `||` 5, `+ -` 6, `* / %` 7 (NOT is 3, IS/IN/LIKE/BETWEEN 4).
    package var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return 4
        case .concat: return 5
        case .plus, .minus: return 6
        case .multiply, .divide, .modulo: return 7
        }
    }
}
