import PlazaCore
import PlazaSQL

extension BindingSession {
    /// `ALTER TABLE t …`: a rename of the table, or the table rewritten with a column renamed,
    /// added (filled with its DEFAULT, or NULL) or dropped.
    func bindAlter(_ name: Identifier, _ change: TableChange) throws(BindError) -> BoundWrite {
        let table = try modifiedTable(name, verb: "alter")
        let fields = table.schema.fields
        func checkFree(_ column: Identifier, except: Int? = nil) throws(BindError) {
            if let existing = fields.firstIndex(where: { $0.name.lowercased() == column.name.lowercased() }),
                existing != except
            {
                throw BindError(
                    "table \"\(table.name)\" already has a column \"\(fields[existing].name)\"", span: column.span)
            }
        }
        var expressions = fields.enumerated().map { BoundExpression.column(index: $0.offset, type: $0.element.type) }
        var newFields = fields
        switch change {
        case .rename(let newName):
            try checkNewName(newName)
            if let existing = catalog.table(named: newName.name), existing.name.lowercased() != table.name.lowercased()
            {
                throw BindError("table \"\(existing.name)\" already exists", span: newName.span)
            }
            if catalog.viewDefinition(named: newName.name) != nil {
                throw BindError("a view named \"\(newName.name)\" already exists", span: newName.span)
            }
            return .renameTable(from: table.name, to: newName.name)
        case .renameColumn(let old, let new):
            let index = try Self.column(old, of: table)
            try checkFree(new, except: index)
            newFields[index].name = new.name
        case .addColumn(let column, let defaultValue):
            try checkFree(column.name)
            if column.type == .interval {
                throw BindError(
                    "column \"\(column.name.name)\" is an INTERVAL, which a table cannot store", span: column.name.span)
            }
            if column.isNotNull {
                throw BindError(
                    "ADD COLUMN with NOT NULL is not supported (as in DuckDB); add the column, then fill it",
                    span: column.name.span)
            }
            var value = BoundExpression.literal(.null, type: column.type)
            if let defaultValue {
                let bound = Optimizer.fold(
                    try bindExpression(defaultValue, in: Scope(columns: []), context: .plain("DEFAULT")))
                guard case .literal = bound else {
                    throw BindError("DEFAULT needs a constant value", span: defaultValue.span)
                }
                guard let converted = Self.stored(bound, as: column.type) else {
                    throw BindError(
                        "cannot use a \(bound.type) DEFAULT for a column of type \(column.type)",
                        span: defaultValue.span)
                }
                value = Optimizer.fold(converted)
            }
            expressions.append(value)
            newFields.append(Field(name: column.name.name, type: column.type, isNullable: true))
        case .dropColumn(let column):
            let index = try Self.column(column, of: table)
            guard fields.count > 1 else {
                throw BindError(
                    "cannot drop \"\(fields[index].name)\", the only column of \"\(table.name)\"", span: column.span)
            }
            expressions.remove(at: index)
            newFields.remove(at: index)
        }
        let scan = TableScan(
            table: table.name, columns: Array(fields.indices), fields: fields, estimatedRows: table.rowCount)
        let plan = LogicalPlan.project(input: .scan(scan), expressions: expressions, fields: newFields)
        return .rewriteTable(table: table.name, schema: Schema(newFields), plan: plan)
    }
}
