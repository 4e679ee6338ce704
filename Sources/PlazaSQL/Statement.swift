import PlazaCore

/// One parsed SQL statement.
package enum Statement: Hashable, Sendable {
    /// `[WITH …] SELECT …`.
    case select(Query)
    /// `EXPLAIN [ANALYZE] query`.
    case explain(Query, analyze: Bool)
    /// `SHOW TABLES`.
    case showTables
    /// `DESCRIBE table`.
    case describe(Identifier)
    /// `SET name = value` (the value is a constant expression).
    case set(name: Identifier, value: Expression)
    /// CREATE, DROP or INSERT: a change to the database.
    case write(WriteStatement)
    /// `COPY … TO 'path'`.
    case copy(CopyStatement)
    /// `BEGIN`, `COMMIT` or `ROLLBACK` (and their synonyms).
    case transaction(TransactionCommand)

    /// The number of parameters the statement needs: the highest `$n`, or the number of `?`.
    package var parameterCount: Int {
        var visitor = ParameterCounter()
        switch self {
        case .select(let query), .explain(let query, _): visitor.visit(query)
        case .set(_, let value): visitor.visit(value)
        case .showTables, .describe, .transaction: break
        case .write(let write):
            write.queries.forEach { visitor.visit($0) }
            write.expressions.forEach { visitor.visit($0) }
            write.tableReferences.forEach { visitor.visit($0) }
        case .copy(let copy):
            if case .query(let query) = copy.source { visitor.visit(query) }
            for option in copy.options { option.value.map { visitor.visit($0) } }
        }
        return visitor.maximum
    }
}

/// A statement that starts or ends a transaction.
package enum TransactionCommand: String, Hashable, Sendable {
    /// `BEGIN [TRANSACTION | WORK]`, `START TRANSACTION`.
    case begin = "BEGIN"
    /// `COMMIT [TRANSACTION | WORK]`, `END [TRANSACTION | WORK]`.
    case commit = "COMMIT"
    /// `ROLLBACK [TRANSACTION | WORK]`, `ABORT [TRANSACTION | WORK]`.
    case rollback = "ROLLBACK"
}

/// A name as written: its text (quotes removed) and whether it was double-quoted.
package struct Identifier: Hashable, Sendable, CustomStringConvertible {
    /// The name without quotes.
    package var name: String
    /// Whether it was written in double quotes (then it may hold any character).
    package var isQuoted: Bool
    /// Where it is.
    package var span: SourceSpan

    /// Creates an identifier.
    package init(_ name: String, isQuoted: Bool = false, span: SourceSpan) {
        self.name = name
        self.isQuoted = isQuoted
        self.span = span
    }

    /// The name as SQL: bare when it is a plain lower-case word that is not a keyword, quoted otherwise.
    public var description: String {
        let isPlain =
            !name.isEmpty && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || $0 == 95 || ($0 >= 48 && $0 <= 57) }
            && !(name.utf8.first.map { $0 >= 48 && $0 <= 57 } ?? false)
            && !Keywords.reserved.contains(name.uppercased())
        if isPlain && !isQuoted { return name }
        if isPlain && isQuoted { return name }
        return "\"" + name.doubling("\"") + "\""
    }
}

/// `name [(column, …)] AS [[NOT] MATERIALIZED] (query)` of a WITH clause.
package struct CommonTableExpression: Hashable, Sendable {
    /// Whether the CTE is computed once and read by every reference, or inlined at each.
    package enum Materialization: Hashable, Sendable {
        /// Materialized when referenced more than once, else inlined (DuckDB's default).
        case automatic
        /// `AS MATERIALIZED`: always computed once.
        case materialized
        /// `AS NOT MATERIALIZED`: always inlined where used.
        case notMaterialized
    }

    /// The name the query is known by.
    package var name: Identifier
    /// Names for the query's first columns (`t(a, b)`), or empty.
    package var columns: [Identifier]
    /// Whether it was written under `WITH RECURSIVE` (so the query may read its own name).
    package var isRecursive: Bool
    /// The MATERIALIZED hint.
    package var materialization: Materialization
    /// The query.
    package var query: Query

    /// Creates a CTE.
    package init(
        name: Identifier, columns: [Identifier] = [], isRecursive: Bool = false,
        materialization: Materialization = .automatic, query: Query
    ) {
        self.name = name
        self.columns = columns
        self.isRecursive = isRecursive
        self.materialization = materialization
        self.query = query
    }
}

/// A full query: CTEs, one SELECT (or a set operation of two queries), ORDER BY, LIMIT and OFFSET.
package struct Query: Hashable, Sendable {
    /// The WITH clause.
    package var ctes: [CommonTableExpression]
    /// The SELECT (empty when `setOperation` is set).
    package var select: SelectCore
    /// `left UNION|INTERSECT|EXCEPT right`, when the query combines two queries; ORDER BY and
    /// LIMIT then apply to the combined rows.
    package var setOperation: SetOperation? = nil
    /// The rows of `VALUES (…), (…)`, when the query is a VALUES list (then `select` is empty).
    package var values: [[Expression]]? = nil
    /// ORDER BY items.
    package var orderBy: [OrderItem]
    /// LIMIT (a constant expression), if any.
    package var limit: Expression?
    /// OFFSET (a constant expression), if any.
    package var offset: Expression?
    /// Where the query starts.
    package var span: SourceSpan

    /// Creates a query.
    package init(
        ctes: [CommonTableExpression] = [], select: SelectCore, orderBy: [OrderItem] = [], limit: Expression? = nil,
        offset: Expression? = nil, span: SourceSpan
    ) {
        self.ctes = ctes
        self.select = select
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
        self.span = span
    }
}

/// `SELECT [DISTINCT] items [FROM …] [WHERE …] [GROUP BY …] [HAVING …]`.
package struct SelectCore: Hashable, Sendable {
    /// Whether DISTINCT was written.
    package var isDistinct: Bool
    /// The select list.
    package var items: [SelectItem]
    /// The FROM clause, if any.
    package var from: TableReference?
    /// WHERE.
    package var whereClause: Expression?
    /// GROUP BY.
    package var groupBy: GroupBy?
    /// HAVING.
    package var having: Expression?
    /// `WINDOW name AS (…), …`.
    package var windows: [WindowDefinition] = []
    /// QUALIFY: a condition on window functions, checked after them.
    package var qualify: Expression?
    /// With ROLLUP, CUBE or GROUPING SETS: each set as positions in the `.expressions` GROUP BY list.
    package var groupingSets: [[Int]]?

    /// Creates a SELECT.
    package init(
        isDistinct: Bool = false, items: [SelectItem], from: TableReference? = nil, whereClause: Expression? = nil,
        groupBy: GroupBy? = nil, having: Expression? = nil
    ) {
        self.isDistinct = isDistinct
        self.items = items
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
    }
}

/// One item of a select list.
package enum SelectItem: Hashable, Sendable {
    /// `*`.
    case star(SourceSpan)
    /// `t.*`.
    case qualifiedStar(Identifier)
    /// `expr [AS alias]`.
    case expression(Expression, alias: Identifier?)
}

/// GROUP BY expressions (ordinals and aliases are expressions the binder resolves) or GROUP BY ALL.
package enum GroupBy: Hashable, Sendable {
    /// `GROUP BY e1, e2…`.
    case expressions([Expression])
    /// `GROUP BY ALL`: every select item without an aggregate.
    case all(SourceSpan)
}

/// One ORDER BY item.
extension Query {
    /// Whether the query is ordered by `ORDER BY ALL` (its one item is the unquoted word ALL, which
    /// no column name can be unquoted): every output column from the first, in that direction.
    package var ordersByAll: Bool {
        guard orderBy.count == 1, case .column(let parts) = orderBy[0].expression.kind, parts.count == 1 else {
            return false
        }
        return !parts[0].isQuoted && parts[0].name == "ALL"
    }

    /// The ORDER BY items with `ORDER BY ALL` spelled out as ordinals over `count` output columns.
    package func orderItems(columns count: Int) -> [OrderItem] {
        guard ordersByAll else { return orderBy }
        let all = orderBy[0]
        return (0..<count).map { position in
            OrderItem(
                expression: Expression(.literal(.integer(String(position + 1))), span: all.expression.span),
                isDescending: all.isDescending, nullsFirst: all.nullsFirst)
        }
    }
}

package struct OrderItem: Hashable, Sendable {
    /// The key: an expression, a select-list alias or an ordinal.
    package var expression: Expression
    /// DESC.
    package var isDescending: Bool
    /// NULLS FIRST (true) / LAST (false) when written; nil for the default.
    package var nullsFirst: Bool?

    /// Creates an item.
    package init(expression: Expression, isDescending: Bool = false, nullsFirst: Bool? = nil) {
        self.expression = expression
        self.isDescending = isDescending
        self.nullsFirst = nullsFirst
    }
}

/// A FROM source.
package indirect enum TableReference: Hashable, Sendable {
    /// A stored table, a view or a CTE, `name [[AS] alias [(column, …)]]`: the columns rename the
    /// table's first columns.
    case table(Identifier, alias: Identifier?, columns: [Identifier] = [])
    /// `(query) [AS] alias [(column, …)]`: the columns rename the query's first columns.
    case subquery(Query, alias: Identifier?, columns: [Identifier])
    /// A table function, `name(arguments) [[AS] alias [(column, …)]]` (`range`, `generate_series`).
    case function(Identifier, arguments: [Expression], alias: Identifier?, columns: [Identifier])
    /// `left [INNER | LEFT | RIGHT | FULL [OUTER]] JOIN right ON condition | USING (columns)`,
    /// `left NATURAL … JOIN right`, `left CROSS JOIN right` and `left, right` (`ON TRUE`).
    case join(left: TableReference, right: TableReference, kind: JoinKind, condition: JoinCondition)
}

/// Join kinds the dialect writes.
package enum JoinKind: String, Hashable, Sendable {
    /// `[INNER] JOIN`.
    case inner = "JOIN"
    /// `LEFT [OUTER] JOIN`.
    case left = "LEFT JOIN"
    /// `RIGHT [OUTER] JOIN`.
    case right = "RIGHT JOIN"
    /// `FULL [OUTER] JOIN`.
    case full = "FULL JOIN"
}

/// How a join pairs rows.
package enum JoinCondition: Hashable, Sendable {
    /// `ON condition` (`CROSS JOIN` and `,` are `ON TRUE`).
    case on(Expression)
    /// `USING (a, b)`: equal values of the columns both sides name, merged into one column.
    case using([Identifier])
    /// `NATURAL`: `USING` every column name the two sides share.
    case natural(span: SourceSpan)
}

/// Words that cannot be used as bare names or aliases.
package enum Keywords {
    /// Reserved words (upper case).
    package static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "AS", "AND", "OR", "NOT",
        "NULL",
        "TRUE", "FALSE", "JOIN", "INNER", "LEFT", "OUTER", "ON", "CASE", "WHEN", "THEN", "ELSE", "END", "IN", "IS",
        "BETWEEN", "LIKE", "ILIKE", "DISTINCT", "ALL", "WITH", "CAST", "TRY_CAST", "ASC", "DESC", "UNION", "EXCEPT",
        "INTERSECT", "FILTER", "CROSS", "RIGHT", "FULL", "USING", "NULLS", "EXTRACT", "EXPLAIN", "QUALIFY", "WINDOW",
        "NATURAL",
    ]
}

extension String {
    /// The string with every `quote` doubled, as SQL escapes it inside quotes. By Unicode scalar, not
    /// by Character: a quote followed by a combining mark is one Character, and was left single.
    func doubling(_ quote: Unicode.Scalar) -> String {
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            result.append(scalar)
            if scalar == quote { result.append(scalar) }
        }
        return String(result)
    }
}

/// Finds the number of parameters in a statement.
struct ParameterCounter: SyntaxWalker {
    var maximum = 0

    mutating func visit(_ query: Query) {
        for cte in query.ctes { visit(cte.query) }
        visitParts(of: query)
    }

    mutating func visit(_ table: TableReference) { visitParts(of: table) }

    mutating func visit(_ expression: Expression) {
        visitParts(of: expression)
        if case .parameter(let index) = expression.kind { maximum = max(maximum, index) }
    }
}
