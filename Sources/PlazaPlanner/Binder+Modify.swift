import PlazaCore
import PlazaSQL

extension BindingSession {
    /// The name of the row id column that DELETE and UPDATE read from their table (not a name a
    /// query can write unquoted, so it never hides a user's column).
    static let rowIDColumnName = "plaza:rowid"

    /// `DELETE FROM t [WHERE c]` as the plan `SELECT rowid FROM t WHERE c`: the ids of the rows to delete.
    func bindDelete(_ tableName: Identifier, alias: Identifier?, condition: Expression?) throws(BindError)
        -> BoundWrite
    {
        let table = try modifiedTable(tableName, verb: "delete from")
        let rowID = Expression(
            .column([Identifier(Self.rowIDColumnName, isQuoted: true, span: tableName.span)]), span: tableName.span)
        let query = Query(
            select: SelectCore(
                items: [.expression(rowID, alias: nil)], from: .table(tableName, alias: alias), whereClause: condition),
            span: condition?.span ?? tableName.span)
        rowIDTable = table.name.lowercased()
        defer { rowIDTable = nil }
        let plan = try bindQuery(query)
        return .delete(table: table.name, plan: plan)
    }

    /// `UPDATE t SET c = v, … [FROM u] [WHERE w]` as the plan `SELECT rowid, <each column, new or
    /// old> FROM t [, u] WHERE w`, each new value converted to its column's type as INSERT does.
    func bindUpdate(
        _ tableName: Identifier, alias: Identifier?, assignments: [Assignment], from: TableReference?,
        condition: Expression?
    ) throws(BindError) -> BoundWrite {
        let table = try modifiedTable(tableName, verb: "update")
        let fields = table.schema.fields
        var values = [Expression?](repeating: nil, count: fields.count)
        for assignment in assignments {
            let name = assignment.column
            let index = try Self.column(name, of: table)
            guard values[index] == nil else {
                throw BindError("column \"\(name.name)\" is assigned twice", span: name.span)
            }
            values[index] = assignment.value
        }
        let qualifier = alias ?? tableName
        let span = tableName.span
        func reference(_ name: String) -> Expression {
            Expression(
                .column([
                    Identifier(qualifier.name, isQuoted: true, span: span),
                    Identifier(name, isQuoted: true, span: span),
                ]), span: span)
        }
        var items: [SelectItem] = [.expression(reference(Self.rowIDColumnName), alias: nil)]
        for (index, field) in fields.enumerated() {
            items.append(.expression(values[index] ?? reference(field.name), alias: nil))
        }
        var source = TableReference.table(tableName, alias: alias)
        if let from,
            let clash = Self.names(in: from).first(where: { $0.name.lowercased() == qualifier.name.lowercased() })
        {
            throw BindError(
                "\"\(qualifier.name)\" names both the updated table and a table of FROM; give one an alias",
                span: clash.span)
        }
        if let from {
            let always = Expression(.literal(.boolean(true)), span: span)
            source = .join(left: source, right: from, kind: .inner, condition: .on(always))
        }
        let query = Query(select: SelectCore(items: items, from: source, whereClause: condition), span: span)
        rowIDTable = table.name.lowercased()
        defer { rowIDTable = nil }
        let plan: LogicalPlan
        do {
            plan = try bindQuery(query)
        } catch  where error.message.contains(Self.rowIDColumnName) {
            // The row id beside an aggregate makes the binder ask for a GROUP BY: say what is wrong instead.
            throw BindError("aggregate functions are not allowed in UPDATE … SET", span: span)
        }
        if Self.aggregatesOnTop(plan) {
            throw BindError("aggregate and window functions are not allowed in UPDATE … SET", span: span)
        }
        let produced = plan.fields
        var expressions: [BoundExpression] = [.column(index: 0, type: .bigint)]
        var outputFields = [Field(name: Self.rowIDColumnName, type: .bigint, isNullable: false)]
        for (index, field) in fields.enumerated() {
            let source = index + 1
            outputFields.append(field)
            guard let value = Self.stored(column: source, of: produced[source].type, as: field.type) else {
                throw BindError(
                    "cannot set column \"\(field.name)\" of type \(field.type) to a \(produced[source].type) value",
                    span: values[index]?.span ?? span)
            }
            expressions.append(value)
        }
        let projected = LogicalPlan.project(input: plan, expressions: expressions, fields: outputFields)
        return .update(table: table.name, schema: table.schema, plan: projected)
    }

    /// The names a FROM clause gives its tables (aliases where written).
    private static func names(in reference: TableReference) -> [Identifier] {
        switch reference {
        case .table(let name, let alias, _): return [alias ?? name]
        case .subquery(_, let alias, _), .function(_, _, let alias, _): return alias.map { [$0] } ?? []
        case .join(let left, let right, _, _): return names(in: left) + names(in: right)
        }
    }

    /// Whether the plan's rows come from an aggregate or window node (seen through projections and filters).
    private static func aggregatesOnTop(_ plan: LogicalPlan) -> Bool {
        switch plan {
        case .aggregate, .window: return true
        case .project(let input, _, _), .filter(let input, _): return aggregatesOnTop(input)
        default: return false
        }
    }

    /// The table DELETE or UPDATE changes; a view or an unknown name is an error naming it.
    func modifiedTable(_ name: Identifier, verb: String) throws(BindError) -> TableDescription {
        guard let table = catalog.table(named: name.name) else {
            if catalog.viewDefinition(named: name.name) != nil {
                let advice = verb == "alter" ? "create it again instead" : "change its tables"
                throw BindError("cannot \(verb) view \"\(name.name)\"; \(advice)", span: name.span)
            }
            throw BindError(
                "unknown table \"\(name.name)\"" + Scope.suggestion(for: name.name, among: catalog.tableNames()),
                span: name.span)
        }
        return table
    }
}
