import PlazaCore

/// A read of a CTE's stored rows: a materialized CTE's result, or a recursive CTE's working table
/// (the rows the previous iteration produced).
package struct CTEReference: Hashable, Sendable {
    /// The CTE's number, unique within a statement; the executor stores its rows under it.
    package var id: Int
    /// The CTE's name as written (for EXPLAIN).
    package var name: String
    /// The stored rows' columns.
    package var fields: [Field]
    /// Whether this reads a recursive CTE's working table rather than a materialized result.
    package var isWorkingTable: Bool
    /// About how many rows the CTE has (its definition's estimate when bound).
    package var estimatedRows: Int

    /// Creates a reference.
    package init(id: Int, name: String, fields: [Field], isWorkingTable: Bool, estimatedRows: Int) {
        self.id = id
        self.name = name
        self.fields = fields
        self.isWorkingTable = isWorkingTable
        self.estimatedRows = estimatedRows
    }
}

/// A CTE computed once: `definition` runs first and its rows are stored, then `body` runs, and
/// every `cteScan` of `id` inside `body` (its subqueries included) reads those rows.
package struct MaterializedCTEPlan: Hashable, Sendable {
    /// The CTE's number (see `CTEReference.id`).
    package var id: Int
    /// The CTE's name as written.
    package var name: String
    /// The CTE's query; all of its columns are kept, since the references read them by position.
    package var definition: LogicalPlan
    /// The query that reads the CTE; the node's output is its output.
    package var body: LogicalPlan

    /// Creates a materialized CTE.
    package init(id: Int, name: String, definition: LogicalPlan, body: LogicalPlan) {
        self.id = id
        self.name = name
        self.definition = definition
        self.body = body
    }

    /// The same node over `transform` applied to the definition and the body (for rewrite rules).
    func mapInputs(_ transform: (LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        var copy = self
        copy.definition = transform(definition)
        copy.body = transform(body)
        return .materializedCTE(copy)
    }
}

/// `anchor UNION [ALL] recursive` of `WITH RECURSIVE`: the anchor's rows, then the rows of
/// `recursive` run again and again over the rows the previous run added (its `cteScan`s of `id`
/// read them) until a run adds none. With UNION (not ALL) a row is added only if it was not
/// produced before. Both inputs have exactly `fields`' types (the binder casts to the anchor's).
package struct RecursiveCTEPlan: Hashable, Sendable {
    /// The CTE's number; the recursive term's working-table references carry it.
    package var id: Int
    /// The CTE's name as written.
    package var name: String
    /// The non-recursive term, run once.
    package var anchor: LogicalPlan
    /// The term that reads the working table, run once per iteration.
    package var recursive: LogicalPlan
    /// UNION ALL (keep duplicates) or UNION (drop rows seen before).
    package var isUnionAll: Bool
    /// The output columns: the anchor's types, named by the column list or the anchor.
    package var fields: [Field]

    /// Creates a recursive CTE.
    package init(id: Int, name: String, anchor: LogicalPlan, recursive: LogicalPlan, isUnionAll: Bool, fields: [Field])
    {
        self.id = id
        self.name = name
        self.anchor = anchor
        self.recursive = recursive
        self.isUnionAll = isUnionAll
        self.fields = fields
    }

    /// The same node over `transform` applied to both terms (for rewrite rules).
    func mapInputs(_ transform: (LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        var copy = self
        copy.anchor = transform(anchor)
        copy.recursive = transform(recursive)
        return .recursiveCTE(copy)
    }
}
