/// What the planner needs to know about stored tables; storage implements it.
package protocol CatalogReader: Sendable {
    /// The names of the tables, sorted.
    func tableNames() -> [String]
    /// The table whose name matches `name` (case-insensitively), or nil.
    func table(named name: String) -> TableDescription?
    /// The view whose name matches `name` (case-insensitively), or nil.
    func viewDefinition(named name: String) -> ViewDefinition?
    /// The names of the views, sorted.
    func viewNames() -> [String]
}

extension CatalogReader {
    /// No views: catalogs that do not store views.
    package func viewDefinition(named name: String) -> ViewDefinition? { nil }
    /// No views: catalogs that do not store views.
    package func viewNames() -> [String] { [] }
}

/// A stored view: a named query kept as SQL text and bound each time it is used.
package struct ViewDefinition: Hashable, Sendable {
    /// The view's name as stored.
    package var name: String
    /// The query's SQL text.
    package var sql: String

    /// Creates a view definition.
    package init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// A table as the planner sees it: its name, columns, and size for join ordering.
package struct TableDescription: Hashable, Sendable {
    /// The table's name as stored.
    package var name: String
    /// The table's columns.
    package var schema: Schema
    /// The number of rows in the snapshot the catalog was read from.
    package var rowCount: Int

    /// Creates a table description.
    package init(name: String, schema: Schema, rowCount: Int) {
        self.name = name
        self.schema = schema
        self.rowCount = rowCount
    }
}

/// Column statistics the optimizer may consult when choosing a plan; storage implements it.
package protocol CatalogStatistics: Sendable {
    /// An upper bound on the number of distinct non-NULL values of column `column` (a position in
    /// the table's schema) of table `table`, or nil when the statistics cannot bound it.
    func distinctUpperBound(table: String, column: Int) -> Int?
}
