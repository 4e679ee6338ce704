import PlazaCore

/// A walk over a statement's syntax tree. Conformers decide what to do at each query, FROM item
/// and expression, and reach what lies below through the `visitParts` helpers, so that every walk
/// covers the same clauses (a clause added to `Query` is added here once).
protocol SyntaxWalker {
    mutating func visit(_ query: Query)
    mutating func visit(_ table: TableReference)
    mutating func visit(_ expression: Expression)
}

extension SyntaxWalker {
    /// Visits every part of `query` but its WITH clause (walkers treat CTEs differently): the
    /// branches of a set operation, VALUES rows, the SELECT clauses, ORDER BY, LIMIT and OFFSET.
    mutating func visitParts(of query: Query) {
        if let operation = query.setOperation {
            visit(operation.clause.left)
            visit(operation.clause.right)
        }
        for row in query.values ?? [] { row.forEach { visit($0) } }
        for item in query.select.items {
            if case .expression(let expression, _) = item { visit(expression) }
        }
        if let from = query.select.from { visit(from) }
        if let e = query.select.whereClause { visit(e) }
        if case .expressions(let list) = query.select.groupBy { list.forEach { visit($0) } }
        if let e = query.select.having { visit(e) }
        if let e = query.select.qualify { visit(e) }
        for window in query.select.windows { window.specification.forEachExpression { visit($0) } }
        for item in query.orderBy { visit(item.expression) }
        if let e = query.limit { visit(e) }
        if let e = query.offset { visit(e) }
    }

    /// Visits what a FROM item holds: a subquery, a table function's arguments, the two sides of a
    /// join and its ON condition (a named table holds nothing).
    mutating func visitParts(of table: TableReference) {
        switch table {
        case .table: break
        case .subquery(let query, _, _): visit(query)
        case .function(_, let arguments, _, _): arguments.forEach { visit($0) }
        case .join(let left, let right, _, let condition):
            visit(left)
            visit(right)
            if case .on(let on) = condition { visit(on) }
        }
    }

    /// Visits an expression's direct children: expressions and subqueries.
    mutating func visitParts(of expression: Expression) {
        expression.forEachChild { child in
            switch child {
            case .expression(let e): visit(e)
            case .query(let q): visit(q)
            }
        }
    }
}
