import PlazaCore

/// Set operations: `UNION`, `INTERSECT` and `EXCEPT`, with `ALL`/`DISTINCT` and `BY NAME`.
///
/// As in the SQL standard and DuckDB, INTERSECT binds tighter than UNION and EXCEPT, which are
/// left-associative: `a UNION b INTERSECT c EXCEPT d` is `(a UNION (b INTERSECT c)) EXCEPT d`.
extension ParserState {
    /// A chain of queries joined by UNION or EXCEPT (without the final ORDER BY / LIMIT).
    mutating func parseSetExpression() throws(SQLSyntaxError) -> Query {
        var left = try parseIntersectTerm()
        var levels = 0
        defer { depth -= levels }
        while current.isKeyword("UNION") || current.isKeyword("EXCEPT") {
            // Each operator nests the tree one level deeper; the binder recurses over it.
            try enter()
            levels += 1
            let token = advance()
            let op: SetOperator = token.isKeyword("UNION") ? .union : .except
            let (isAll, byName) = try parseSetQuantifier(op, token)
            let right = try parseIntersectTerm()
            left = Self.combine(op, isAll: isAll, byName: byName, left, right, token.span)
        }
        return left
    }

    /// A chain of queries joined by INTERSECT.
    private mutating func parseIntersectTerm() throws(SQLSyntaxError) -> Query {
        var left = try parseSetPrimary()
        var levels = 0
        defer { depth -= levels }
        while current.isKeyword("INTERSECT") {
            try enter()
            levels += 1
            let token = advance()
            let (isAll, byName) = try parseSetQuantifier(.intersect, token)
            let right = try parseSetPrimary()
            left = Self.combine(.intersect, isAll: isAll, byName: byName, left, right, token.span)
        }
        return left
    }

    /// `SELECT …` without ORDER BY / LIMIT, or a whole query in parentheses.
    private mutating func parseSetPrimary() throws(SQLSyntaxError) -> Query {
        let start = current.span
        if acceptSymbol("(") {
            let inner = try parseQuery()
            try expectSymbol(")", "to close the query")
            return inner
        }
        if accept("VALUES") {
            var rows: [[Expression]] = []
            repeat {
                try expectSymbol("(", "before a row of VALUES")
                var row: [Expression] = []
                repeat { row.append(try parseExpression()) } while acceptSymbol(",")
                try expectSymbol(")", "after a row of VALUES")
                rows.append(row)
            } while acceptSymbol(",")
            var query = Query(select: SelectCore(items: []), span: start)
            query.values = rows
            return query
        }
        guard accept("SELECT") else { throw unexpected("SELECT or VALUES") }
        return Query(select: try parseSelectCore(), span: start)
    }

    /// `[ALL | DISTINCT] [BY NAME]` after a set operator.
    private mutating func parseSetQuantifier(_ op: SetOperator, _ token: Token) throws(SQLSyntaxError) -> (
        isAll: Bool, byName: Bool
    ) {
        let isAll = accept("ALL")
        if !isAll { _ = accept("DISTINCT") }
        guard accept("BY") else { return (isAll, false) }
        guard current.isKeyword("NAME") else { throw unexpected("NAME after BY") }
        _ = advance()
        if op != .union {
            throw error("BY NAME is only supported with UNION, not \(op.rawValue)", at: token)
        }
        return (isAll, true)
    }

    private static func combine(
        _ op: SetOperator, isAll: Bool, byName: Bool, _ left: Query, _ right: Query, _ span: SourceSpan
    ) -> Query {
        var query = Query(select: SelectCore(items: []), span: left.span)
        query.setOperation = .combine(
            SetOperationClause(op: op, isAll: isAll, byName: byName, left: left, right: right, span: span))
        return query
    }
}
