import PlazaCore

extension Query {
    /// Where the query reads the table or CTE `name` (compared ignoring case) in a FROM clause, its
    /// subqueries included; a WITH inside it that defines `name` again hides the outer one from
    /// what follows that definition. A read in the recursive term of a recursive CTE is listed
    /// twice, since that term runs again and again.
    ///
    /// The binder counts these to decide whether a CTE is computed once or inlined where used.
    package func references(to name: String) -> [SourceSpan] {
        var finder = ReferenceFinder(name: name.lowercased())
        finder.visit(self)
        return finder.spans
    }
}

/// Collects the spans of FROM references to one name, respecting shadowing by inner WITH clauses.
private struct ReferenceFinder: SyntaxWalker {
    let name: String
    var spans: [SourceSpan] = []
    /// How many times each read found now counts (2 inside a recursive term).
    var copies = 1

    mutating func visit(_ query: Query) {
        for cte in query.ctes {
            let defines = cte.name.name.lowercased() == name
            // A recursive CTE's own body reads the new definition; a plain one reads the outer name.
            if !(defines && cte.isRecursive) { visitDefinition(cte) }
            if defines { return }
        }
        visitParts(of: query)
    }

    /// A CTE's query; the term after UNION of one that reads itself counts double.
    mutating func visitDefinition(_ cte: CommonTableExpression) {
        guard cte.isRecursive, let operation = cte.query.setOperation,
            !cte.query.references(to: cte.name.name).isEmpty
        else { return visit(cte.query) }
        visit(operation.clause.left)
        let outer = copies
        copies *= 2
        visit(operation.clause.right)
        copies = outer
    }

    mutating func visit(_ table: TableReference) {
        if case .table(let identifier, _, _) = table, identifier.name.lowercased() == name {
            spans.append(contentsOf: repeatElement(identifier.span, count: copies))
        }
        visitParts(of: table)
    }

    mutating func visit(_ expression: Expression) { visitParts(of: expression) }
}

extension Query {
    /// Every column reference (`name` or `table.name`) in the query, its subqueries and CTEs
    /// included: what a correlated subquery may read of the queries around it.
    package func columnReferences() -> [[Identifier]] {
        var finder = ExpressionFinder(pick: Self.columnParts)
        finder.visit(self)
        return finder.found
    }

    /// Every function call in the query, its subqueries and CTEs included (a call inside another
    /// call's arguments too): where the binder looks for aggregates of an enclosing query.
    package func functionCalls() -> [Expression] {
        var finder = ExpressionFinder { expression -> Expression? in
            if case .function = expression.kind { return expression }
            return nil
        }
        finder.visit(self)
        return finder.found
    }

    /// The parts of a column reference, or nil for another expression.
    fileprivate static func columnParts(_ expression: Expression) -> [Identifier]? {
        if case .column(let parts) = expression.kind { return parts }
        return nil
    }
}

extension Expression {
    /// Every column reference in the expression, its subqueries included.
    package func columnReferences() -> [[Identifier]] {
        var finder = ExpressionFinder(pick: Query.columnParts)
        finder.visit(self)
        return finder.found
    }
}

/// Collects what `pick` takes from the expressions of a query, at every depth (CTEs included).
private struct ExpressionFinder<Found>: SyntaxWalker {
    let pick: (Expression) -> Found?
    var found: [Found] = []

    init(pick: @escaping (Expression) -> Found?) { self.pick = pick }

    mutating func visit(_ query: Query) {
        for cte in query.ctes { visit(cte.query) }
        visitParts(of: query)
    }

    mutating func visit(_ table: TableReference) { visitParts(of: table) }

    mutating func visit(_ expression: Expression) {
        if let item = pick(expression) { found.append(item) }
        visitParts(of: expression)
    }
}
