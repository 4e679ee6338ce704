import PlazaCore
import PlazaSQL

/// A statement that changes the database, with its names checked and its query planned.
///
/// Existence is checked against the catalog the binder saw; the executor of the write checks it
/// again under the table's lock, since another writer may have committed in between.
package enum BoundWrite: Sendable {
    /// `CREATE TABLE name (…)`: an empty table of `schema`.
    case createTable(name: String, schema: Schema, orReplace: Bool, ifNotExists: Bool)
    /// `CREATE TABLE name AS query`: a table of the plan's rows, its columns named and typed as the plan's.
    case createTableAs(name: String, plan: LogicalPlan, orReplace: Bool, ifNotExists: Bool)
    /// `DROP TABLE name`.
    case dropTable(name: String, ifExists: Bool)
    /// `INSERT INTO table …`: the plan yields the table's columns, in its order and of its types
    /// (columns the statement did not list are NULL).
    case insert(table: String, schema: Schema, plan: LogicalPlan)
    /// `CREATE VIEW name AS query`: `sql` is the query's text; `fields` its columns when created.
    case createView(name: String, sql: String, fields: [Field], orReplace: Bool, ifNotExists: Bool)
    /// `DROP VIEW name`.
    case dropView(name: String, ifExists: Bool)
    /// `ALTER TABLE from RENAME TO to`.
    case renameTable(from: String, to: String)
    /// `ALTER TABLE` changing columns: the table replaced by the plan's rows (the old table's rows
    /// with a column renamed, added or dropped), of `schema`.
    case rewriteTable(table: String, schema: Schema, plan: LogicalPlan)
    /// `DELETE FROM table …`: the plan yields one BIGINT column, the row ids (storage's row id
    /// column) of the rows to delete.
    case delete(table: String, plan: LogicalPlan)
    /// `UPDATE table …`: the plan yields the row id of each changed row, then the table's columns
    /// (in its order, of its types) with their new values.
    case update(table: String, schema: Schema, plan: LogicalPlan)
}
