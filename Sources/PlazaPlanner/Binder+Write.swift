import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Binds CREATE, DROP and INSERT: checks names and columns, plans and converts the query.
    func bindWrite(_ write: WriteStatement) throws(BindError) -> BoundWrite {
        switch write {
        case .createTable(let name, let columns, let orReplace, let ifNotExists):
            try checkNewName(name)
            try checkNoView(named: name, creating: "table")
            if !orReplace && !ifNotExists { try checkNoTable(named: name) }
            var seen = Set<String>()
            var fields: [Field] = []
            for column in columns {
                guard seen.insert(column.name.name.lowercased()).inserted else {
                    throw BindError("column \"\(column.name.name)\" is listed twice", span: column.name.span)
                }
                try checkStorable(column.type, column: column.name.name, span: column.name.span)
                fields.append(Field(name: column.name.name, type: column.type, isNullable: !column.isNotNull))
            }
            return .createTable(name: name.name, schema: Schema(fields), orReplace: orReplace, ifNotExists: ifNotExists)
        case .createTableAs(let name, let query, let orReplace, let ifNotExists):
            try checkNewName(name)
            try checkNoView(named: name, creating: "table")
            if !orReplace && !ifNotExists { try checkNoTable(named: name) }
            let plan = try storablePlan(try bindQuery(query), span: query.span)
            return .createTableAs(name: name.name, plan: plan, orReplace: orReplace, ifNotExists: ifNotExists)
        case .dropTable(let name, let ifExists):
            if catalog.table(named: name.name) == nil && !ifExists {
                if catalog.viewDefinition(named: name.name) != nil {
                    throw BindError("\"\(name.name)\" is a view, not a table; use DROP VIEW", span: name.span)
                }
                throw BindError(
                    "cannot drop table \"\(name.name)\": no such table"
                        + Scope.suggestion(for: name.name, among: catalog.tableNames()), span: name.span)
            }
            return .dropTable(name: name.name, ifExists: ifExists)
        case .insert(let tableName, let columns, let query):
            return try bindInsert(tableName, columns, query)
        case .alterTable(let name, let change):
            return try bindAlter(name, change)
        case .delete(let table, let alias, let condition):
            return try bindDelete(table, alias: alias, condition: condition)
        case .update(let table, let alias, let assignments, let from, let condition):
            return try bindUpdate(table, alias: alias, assignments: assignments, from: from, condition: condition)
        case .createView(let name, let query, let orReplace, let ifNotExists):
            try checkNewName(name)
            if catalog.table(named: name.name) != nil {
                throw BindError("a table named \"\(name.name)\" already exists", span: name.span)
            }
            if !orReplace && !ifNotExists && catalog.viewDefinition(named: name.name) != nil {
                throw BindError(
                    "view \"\(name.name)\" already exists; use CREATE OR REPLACE VIEW to change it", span: name.span)
            }
            if Statement.select(query).parameterCount > 0 {
                throw BindError("a view cannot have parameters", span: query.span)
            }
            let plan = try bindQuery(query)
            return .createView(
                name: name.name, sql: query.sql, fields: plan.fields, orReplace: orReplace, ifNotExists: ifNotExists)
        case .dropView(let name, let ifExists):
            if catalog.viewDefinition(named: name.name) == nil && !ifExists {
                if catalog.table(named: name.name) != nil {
                    throw BindError("\"\(name.name)\" is a table, not a view; use DROP TABLE", span: name.span)
                }
                throw BindError(
                    "cannot drop view \"\(name.name)\": no such view"
                        + Scope.suggestion(for: name.name, among: catalog.viewNames()), span: name.span)
            }
            return .dropView(name: name.name, ifExists: ifExists)
        }
    }

    /// `INSERT INTO table [(columns)] query`: the query's columns matched to the listed ones (or all,
    /// in order), each converted to the column's type as an explicit CAST would; the rest are NULL.
    private func bindInsert(_ tableName: Identifier, _ columns: [Identifier]?, _ query: Query) throws(BindError)
        -> BoundWrite
    {
        guard let table = catalog.table(named: tableName.name) else {
            if catalog.viewDefinition(named: tableName.name) != nil {
                throw BindError("cannot insert into view \"\(tableName.name)\"", span: tableName.span)
            }
            throw BindError(
                "unknown table \"\(tableName.name)\""
                    + Scope.suggestion(for: tableName.name, among: catalog.tableNames()), span: tableName.span)
        }
        let fields = table.schema.fields
        var targets: [Int] = []
        if let columns {
            for column in columns {
                let index = try Self.column(column, of: table)
                guard !targets.contains(index) else {
                    throw BindError("column \"\(column.name)\" is listed twice", span: column.span)
                }
                targets.append(index)
            }
        } else {
            targets = Array(fields.indices)
        }
        let plan = try bindQuery(query)
        let produced = plan.fields
        guard produced.count == targets.count else {
            let wanted =
                columns == nil
                ? "table \"\(table.name)\" has \(fields.count) columns" : "expected \(targets.count) columns"
            throw BindError("\(wanted) but \(produced.count) values were supplied", span: query.span)
        }
        var expressions: [BoundExpression] = []
        for (index, field) in fields.enumerated() {
            guard let source = targets.firstIndex(of: index) else {
                expressions.append(.literal(.null, type: field.type))
                continue
            }
            guard let value = Self.stored(column: source, of: produced[source].type, as: field.type) else {
                throw BindError(
                    "cannot insert \(produced[source].type) values into column \"\(field.name)\" of type \(field.type)",
                    span: query.span)
            }
            expressions.append(value)
        }
        let projected = LogicalPlan.project(input: plan, expressions: expressions, fields: fields)
        return .insert(table: table.name, schema: table.schema, plan: projected)
    }

    /// Column `index` (of type `type`) as a table column of type `target` stores it: as it is, as
    /// an explicit CAST converts it (INSERT and UPDATE convert as DuckDB does), a typed NULL for an
    /// untyped NULL; nil when no CAST converts the type.
    static func stored(column index: Int, of type: DataType, as target: DataType) -> BoundExpression? {
        stored(.column(index: index, type: type), as: target)
    }

    /// `value` as a column of type `target` stores it (see `stored(column:of:as:)`).
    static func stored(_ value: BoundExpression, as target: DataType) -> BoundExpression? {
        if value.type == .null { return .literal(.null, type: target) }
        if value.type == target { return value }
        guard FunctionCatalog.canCast(from: value.type, to: target) else { return nil }
        return .cast(value, to: target, isTry: false)
    }

    /// The position of column `name` in `table` (ignoring case), or an error naming the nearest ones.
    static func column(_ name: Identifier, of table: TableDescription) throws(BindError) -> Int {
        let fields = table.schema.fields
        guard let index = fields.firstIndex(where: { $0.name.lowercased() == name.name.lowercased() }) else {
            throw BindError(
                "table \"\(table.name)\" has no column \"\(name.name)\""
                    + Scope.suggestion(for: name.name, among: fields.map(\.name)), span: name.span)
        }
        return index
    }

    /// The plan with columns a table can store: a repeated name gets `_1`, `_2`… (as DuckDB does),
    /// an untyped NULL column becomes BIGINT (DuckDB keeps a NULL type, which Plaza cannot store),
    /// every column is nullable; INTERVAL columns are refused.
    private func storablePlan(_ plan: LogicalPlan, span: SourceSpan) throws(BindError) -> LogicalPlan {
        let fields = plan.fields
        var used = Set<String>()
        var stored: [Field] = []
        for field in fields {
            try checkStorable(field.type, column: field.name, span: span)
            var name = field.name
            var suffix = 1
            while used.contains(name.lowercased()) {
                name = field.name + "_" + String(suffix)
                suffix += 1
            }
            used.insert(name.lowercased())
            stored.append(Field(name: name, type: field.type == .null ? .bigint : field.type, isNullable: true))
        }
        let expressions = fields.enumerated().map { index, field -> BoundExpression in
            field.type == .null ? .literal(.null, type: .bigint) : .column(index: index, type: field.type)
        }
        return .project(input: plan, expressions: expressions, fields: stored)
    }

    private func checkStorable(_ type: DataType, column: String, span: SourceSpan) throws(BindError) {
        if type == .interval {
            throw BindError("column \"\(column)\" is an INTERVAL, which a table cannot store", span: span)
        }
    }

    /// Refuses a name no table or view may have (`TableNameRule`), at its place in the SQL.
    func checkNewName(_ name: Identifier) throws(BindError) {
        if let problem = TableNameRule.problem(name.name) { throw BindError(problem, span: name.span) }
    }

    private func checkNoTable(named name: Identifier) throws(BindError) {
        if let existing = catalog.table(named: name.name) {
            throw BindError(
                "table \"\(existing.name)\" already exists; use CREATE OR REPLACE TABLE to replace it", span: name.span)
        }
    }

    private func checkNoView(named name: Identifier, creating kind: String) throws(BindError) {
        if catalog.viewDefinition(named: name.name) != nil {
            throw BindError("a view named \"\(name.name)\" already exists", span: name.span)
        }
    }
}
