import PlazaCore

/// SQL text from syntax trees: parsing the text gives back the same tree (spans aside), so
/// `parse(sql(parse(text)))` prints identically. Operators are fully parenthesized.
extension Statement {
    /// The statement as SQL text.
    package var sql: String {
        switch self {
        case .select(let query): return query.sql
        case .explain(let query, let analyze): return "EXPLAIN " + (analyze ? "ANALYZE " : "") + query.sql
        case .showTables: return "SHOW TABLES"
        case .describe(let name): return "DESCRIBE " + name.description
        case .set(let name, let value): return "SET \(name) = \(value.sql)"
        case .write(let write): return write.sql
        case .copy(let copy): return copy.sql
        case .transaction(let command): return command.rawValue
        }
    }
}

extension CopyStatement {
    /// The statement as SQL text.
    package var sql: String {
        var text = "COPY "
        switch source {
        case .query(let query): text += "(" + query.sql + ")"
        case .table(let name): text += name.description
        }
        text += " TO " + Expression(.literal(.string(path)), span: pathSpan).sql
        guard !options.isEmpty else { return text }
        let parts = options.map { option -> String in
            if let columns = option.columns {
                return option.name.name + " (" + columns.map(\.description).joined(separator: ", ") + ")"
            }
            return option.name.name + (option.value.map { " " + $0.sql } ?? "")
        }
        return text + " (" + parts.joined(separator: ", ") + ")"
    }
}

extension CommonTableExpression {
    /// The CTE as SQL text, without `WITH`.
    package var sql: String {
        var text = name.description
        if !columns.isEmpty { text += "(" + columns.map(\.description).joined(separator: ", ") + ")" }
        switch materialization {
        case .automatic: text += " AS ("
        case .materialized: text += " AS MATERIALIZED ("
        case .notMaterialized: text += " AS NOT MATERIALIZED ("
        }
        return text + query.sql + ")"
    }
}

extension Query {
    /// The query as SQL text.
    package var sql: String {
        var text = ""
        if !ctes.isEmpty {
            text += "WITH " + (ctes.contains(where: \.isRecursive) ? "RECURSIVE " : "")
            text += ctes.map(\.sql).joined(separator: ", ") + " "
        }
        if let values {
            text += "VALUES " + values.map { "(" + $0.map(\.sql).joined(separator: ", ") + ")" }.joined(separator: ", ")
        } else if let operation = setOperation {
            let clause = operation.clause
            text += clause.sql
        } else {
            text += select.sql
        }
        if !orderBy.isEmpty {
            text +=
                " ORDER BY "
                + orderBy.map { item in
                    var part = (ordersByAll ? "ALL" : item.expression.sql) + (item.isDescending ? " DESC" : " ASC")
                    if let first = item.nullsFirst { part += first ? " NULLS FIRST" : " NULLS LAST" }
                    return part
                }.joined(separator: ", ")
        }
        if let limit { text += " LIMIT " + limit.sql }
        if let offset { text += " OFFSET " + offset.sql }
        return text
    }
}

extension SelectCore {
    /// The SELECT as SQL text.
    package var sql: String {
        var text = "SELECT " + (isDistinct ? "DISTINCT " : "")
        text += items.map { item in
            switch item {
            case .star: return "*"
            case .qualifiedStar(let table): return "\(table).*"
            case .expression(let e, let alias): return e.sql + (alias.map { " AS \($0)" } ?? "")
            }
        }.joined(separator: ", ")
        if let from { text += " FROM " + from.sql }
        if let whereClause { text += " WHERE " + whereClause.sql }
        switch groupBy {
        case .none: break
        case .all: text += " GROUP BY ALL"
        case .expressions(let list):
            if let groupingSets {
                let sets = groupingSets.map { "(" + $0.map { list[$0].sql }.joined(separator: ", ") + ")" }
                text += " GROUP BY GROUPING SETS (" + sets.joined(separator: ", ") + ")"
            } else {
                text += " GROUP BY " + list.map(\.sql).joined(separator: ", ")
            }
        }
        if let having { text += " HAVING " + having.sql }
        if !windows.isEmpty {
            text += " WINDOW " + windows.map { "\($0.name) AS \($0.specification.sql)" }.joined(separator: ", ")
        }
        if let qualify { text += " QUALIFY " + qualify.sql }
        return text
    }
}

extension TableReference {
    /// The FROM source as SQL text.
    package var sql: String {
        switch self {
        case .table(let name, let alias, let columns):
            let names = columns.isEmpty ? "" : "(" + columns.map(\.description).joined(separator: ", ") + ")"
            return name.description + (alias.map { " AS \($0)" + names } ?? "")
        case .subquery(let query, let alias, let columns):
            let names = columns.isEmpty ? "" : "(" + columns.map(\.description).joined(separator: ", ") + ")"
            return "(" + query.sql + ")" + (alias.map { " AS \($0)" + names } ?? "")
        case .function(let name, let arguments, let alias, let columns):
            let call = name.description + "(" + arguments.map(\.sql).joined(separator: ", ") + ")"
            let list = columns.isEmpty ? "" : "(" + columns.map(\.description).joined(separator: ", ") + ")"
            return call + (alias.map { " AS \($0)" + list } ?? "")
        case .join(let left, let right, let kind, let condition):
            let rightText: String
            if case .join = right { rightText = "(" + right.sql + ")" } else { rightText = right.sql }
            switch condition {
            case .on(let on): return left.sql + " " + kind.rawValue + " " + rightText + " ON " + on.sql
            case .using(let columns):
                let names = columns.map(\.description).joined(separator: ", ")
                return left.sql + " " + kind.rawValue + " " + rightText + " USING (" + names + ")"
            case .natural: return left.sql + " NATURAL " + kind.rawValue + " " + rightText
            }
        }
    }
}

extension Literal {
    /// The literal as SQL text.
    package var sql: String {
        switch self {
        case .integer(let text), .decimal(let text), .float(let text): return text
        case .string(let text): return quote(text)
        case .boolean(let value): return value ? "TRUE" : "FALSE"
        case .null: return "NULL"
        case .typed(let type, let text): return type.description + " " + quote(text)
        case .interval(let amount, let unit): return "INTERVAL " + quote(amount) + " " + unit
        }
    }

    private func quote(_ text: String) -> String { "'" + text.doubling("'") + "'" }
}

extension Expression {
    /// The expression as SQL text, every operator in parentheses.
    package var sql: String {
        switch kind {
        case .literal(let literal): return literal.sql
        case .column(let parts): return parts.map(\.description).joined(separator: ".")
        case .parameter(let index): return "$\(index)"
        case .unary(let op, let e): return "(" + op.rawValue + (op == .not ? " " : "") + e.sql + ")"
        case .binary(let op, let l, let r): return "(" + l.sql + " " + op.rawValue + " " + r.sql + ")"
        case .isNull(let e, let negated): return "(" + e.sql + (negated ? " IS NOT NULL)" : " IS NULL)")
        case .isDistinctFrom(let l, let r, let negated):
            return "(" + l.sql + (negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ") + r.sql + ")"
        case .between(let x, let low, let high, let negated):
            return "(" + x.sql + (negated ? " NOT" : "") + " BETWEEN " + low.sql + " AND " + high.sql + ")"
        case .inList(let x, let list, let negated):
            return "(" + x.sql + (negated ? " NOT" : "") + " IN (" + list.map(\.sql).joined(separator: ", ") + "))"
        case .inSubquery(let x, let query, let negated):
            return "(" + x.sql + (negated ? " NOT" : "") + " IN (" + query.sql + "))"
        case .like(let x, let pattern, let insensitive, let negated):
            return "(" + x.sql + (negated ? " NOT" : "") + (insensitive ? " ILIKE " : " LIKE ") + pattern.sql + ")"
        case .caseWhen(let operand, let branches, let otherwise):
            var text = "CASE"
            if let operand { text += " " + operand.sql }
            for branch in branches { text += " WHEN " + branch.when.sql + " THEN " + branch.then.sql }
            if let otherwise { text += " ELSE " + otherwise.sql }
            return text + " END"
        case .cast(let e, let type, let isTry):
            return (isTry ? "TRY_CAST(" : "CAST(") + e.sql + " AS " + type.description + ")"
        case .extract(let part, let e): return "extract(" + part + " FROM " + e.sql + ")"
        case .function(let call):
            // A function name is always a bare word (the parser takes no quoted one): print it as written.
            var text = (call.name.isQuoted ? call.name.description : call.name.name) + "("
            if call.isStar {
                text += "*"
            } else {
                text += (call.isDistinct ? "DISTINCT " : "") + call.arguments.map(\.sql).joined(separator: ", ")
            }
            text += ")"
            if let ignores = call.ignoresNulls { text += ignores ? " IGNORE NULLS" : " RESPECT NULLS" }
            if let filter = call.filter { text += " FILTER (WHERE " + filter.sql + ")" }
            if let window = call.window { text += " OVER " + window.sql }
            return text
        case .subquery(let query): return "(" + query.sql + ")"
        case .exists(let query): return "EXISTS (" + query.sql + ")"
        case .quantified(let op, let x, let query, let isAll):
            return "(" + x.sql + " " + op.rawValue + (isAll ? " ALL (" : " ANY (") + query.sql + "))"
        }
    }
}

extension SetOperationClause {
    /// The two branches and the operator as SQL. A branch is parenthesized only where it must
    /// be, so that a query still starts with SELECT inside `IN (…)` and scalar subqueries.
    var sql: String {
        let leftIsBare: Bool
        if let inner = left.setOperation?.clause {
            // Left-associative: only a UNION or EXCEPT under an INTERSECT needs parentheses.
            leftIsBare = left.isBareBranch && !(op == .intersect && inner.op != .intersect)
        } else {
            leftIsBare = left.isBareBranch
        }
        let leftText: String = leftIsBare ? left.sql : "(" + left.sql + ")"
        let rightIsBare = right.isBareBranch && right.setOperation == nil
        let rightText: String = rightIsBare ? right.sql : "(" + right.sql + ")"
        return leftText + " " + keywords + " " + rightText
    }
}

extension Query {
    /// Whether the query can stand in a set operation without parentheses.
    fileprivate var isBareBranch: Bool {
        ctes.isEmpty && orderBy.isEmpty && limit == nil && offset == nil
    }
}
