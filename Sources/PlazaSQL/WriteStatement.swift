import PlazaCore

/// A statement that changes the database: creates, fills or drops tables and views.
package enum WriteStatement: Hashable, Sendable {
    /// `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name (column TYPE [NOT NULL], …)`.
    case createTable(name: Identifier, columns: [ColumnDefinition], orReplace: Bool, ifNotExists: Bool)
    /// `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name AS query`.
    case createTableAs(name: Identifier, query: Query, orReplace: Bool, ifNotExists: Bool)
    /// `DROP TABLE [IF EXISTS] name`.
    case dropTable(name: Identifier, ifExists: Bool)
    /// `INSERT INTO name [(columns)] query` (a VALUES list is a query).
    case insert(table: Identifier, columns: [Identifier]?, query: Query)
    /// `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name AS query`: the query is stored as text.
    case createView(name: Identifier, query: Query, orReplace: Bool, ifNotExists: Bool)
    /// `DROP VIEW [IF EXISTS] name`.
    case dropView(name: Identifier, ifExists: Bool)
    /// `ALTER TABLE name …`: renames the table or a column, adds or drops a column.
    case alterTable(name: Identifier, change: TableChange)
    /// `DELETE FROM name [[AS] alias] [WHERE condition]`.
    case delete(table: Identifier, alias: Identifier?, condition: Expression?)
    /// `UPDATE name [[AS] alias] SET column = value, … [FROM tables] [WHERE condition]`.
    case update(
        table: Identifier, alias: Identifier?, assignments: [Assignment], from: TableReference?, condition: Expression?)

    /// The statement as SQL text (reparsing gives the same tree, spans aside).
    package var sql: String {
        func create(_ kind: String, _ name: Identifier, _ orReplace: Bool, _ ifNotExists: Bool) -> String {
            "CREATE " + (orReplace ? "OR REPLACE " : "") + kind + (ifNotExists ? " IF NOT EXISTS " : " ")
                + name.description
        }
        switch self {
        case .createTable(let name, let columns, let orReplace, let ifNotExists):
            return create("TABLE", name, orReplace, ifNotExists) + " ("
                + columns.map(\.sql).joined(separator: ", ") + ")"
        case .createTableAs(let name, let query, let orReplace, let ifNotExists):
            return create("TABLE", name, orReplace, ifNotExists) + " AS " + query.sql
        case .dropTable(let name, let ifExists):
            return "DROP TABLE " + (ifExists ? "IF EXISTS " : "") + name.description
        case .insert(let table, let columns, let query):
            let list = columns.map { " (" + $0.map(\.description).joined(separator: ", ") + ")" } ?? ""
            return "INSERT INTO " + table.description + list + " " + query.sql
        case .createView(let name, let query, let orReplace, let ifNotExists):
            return create("VIEW", name, orReplace, ifNotExists) + " AS " + query.sql
        case .dropView(let name, let ifExists):
            return "DROP VIEW " + (ifExists ? "IF EXISTS " : "") + name.description
        case .alterTable(let name, let change):
            return "ALTER TABLE " + name.description + " " + change.sql
        case .delete(let table, let alias, let condition):
            return "DELETE FROM " + table.description + (alias.map { " AS " + $0.description } ?? "")
                + (condition.map { " WHERE " + $0.sql } ?? "")
        case .update(let table, let alias, let assignments, let from, let condition):
            return "UPDATE " + table.description + (alias.map { " AS " + $0.description } ?? "") + " SET "
                + assignments.map { $0.column.description + " = " + $0.value.sql }.joined(separator: ", ")
                + (from.map { " FROM " + $0.sql } ?? "") + (condition.map { " WHERE " + $0.sql } ?? "")
        }
    }

    /// The queries the statement holds (for counting parameters).
    var queries: [Query] {
        switch self {
        case .createTableAs(_, let query, _, _), .insert(_, _, let query), .createView(_, let query, _, _):
            return [query]
        case .createTable, .dropTable, .dropView, .delete, .update, .alterTable:
            return []
        }
    }

    /// The expressions outside `queries` that may hold parameters (DELETE and UPDATE).
    var expressions: [Expression] {
        switch self {
        case .delete(_, _, let condition): return condition.map { [$0] } ?? []
        case .update(_, _, let assignments, _, let condition):
            return assignments.map(\.value) + (condition.map { [$0] } ?? [])
        case .alterTable(_, .addColumn(_, let value?)): return [value]
        default: return []
        }
    }

    /// The table references outside `queries` (UPDATE … FROM), for counting parameters.
    var tableReferences: [TableReference] {
        if case .update(_, _, _, let from?, _) = self { return [from] }
        return []
    }
}

/// What `ALTER TABLE` changes.
package enum TableChange: Hashable, Sendable {
    /// `RENAME TO name`.
    case rename(to: Identifier)
    /// `RENAME [COLUMN] old TO new`.
    case renameColumn(Identifier, to: Identifier)
    /// `ADD [COLUMN] [IF NOT EXISTS] definition [DEFAULT value]`.
    case addColumn(ColumnDefinition, defaultValue: Expression?)
    /// `DROP [COLUMN] [IF EXISTS] name`.
    case dropColumn(Identifier)

    /// The change as SQL text.
    package var sql: String {
        switch self {
        case .rename(let name): return "RENAME TO " + name.description
        case .renameColumn(let old, let new): return "RENAME COLUMN " + old.description + " TO " + new.description
        case .addColumn(let column, let value):
            return "ADD COLUMN " + column.sql + (value.map { " DEFAULT " + $0.sql } ?? "")
        case .dropColumn(let name): return "DROP COLUMN " + name.description
        }
    }
}

/// One `column = value` of `UPDATE … SET`.
package struct Assignment: Hashable, Sendable {
    /// The column assigned.
    package var column: Identifier
    /// Its new value, evaluated for each row the UPDATE changes.
    package var value: Expression

    /// Creates an assignment.
    package init(column: Identifier, value: Expression) {
        self.column = column
        self.value = value
    }
}

/// One column of `CREATE TABLE name (…)`.
package struct ColumnDefinition: Hashable, Sendable {
    /// The column's name.
    package var name: Identifier
    /// The column's type.
    package var type: DataType
    /// Whether `NOT NULL` was written.
    package var isNotNull: Bool

    /// Creates a column definition.
    package init(name: Identifier, type: DataType, isNotNull: Bool) {
        self.name = name
        self.type = type
        self.isNotNull = isNotNull
    }

    /// The definition as SQL text.
    package var sql: String { name.description + " " + type.description + (isNotNull ? " NOT NULL" : "") }
}
