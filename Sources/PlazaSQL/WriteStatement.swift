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
        }
    }

    /// The queries the statement holds (for counting parameters).
    var queries: [Query] {
        switch self {
        case .createTableAs(_, let query, _, _), .insert(_, _, let query), .createView(_, let query, _, _):
            return [query]
        case .createTable, .dropTable, .dropView:
            return []
        }
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
