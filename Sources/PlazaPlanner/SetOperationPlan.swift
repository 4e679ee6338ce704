import PlazaCore

/// `left UNION ALL | INTERSECT [ALL] | EXCEPT [ALL] right` in a plan; UNION without ALL is a
/// DISTINCT above a UNION ALL. Both inputs have exactly the node's column types (the binder casts).
package struct SetOperationPlan: Hashable, Sendable {
    /// The set operations a plan runs.
    package enum Kind: String, Hashable, Sendable {
        /// Rows of both inputs.
        case union = "UNION"
        /// Rows in both inputs.
        case intersect = "INTERSECT"
        /// Rows of the left input that are not in the right.
        case except = "EXCEPT"
    }

    /// Which operation.
    package var kind: Kind
    /// Whether duplicates count (`INTERSECT ALL` keeps min(m, n) copies, `EXCEPT ALL` max(m − n, 0)).
    package var isAll: Bool
    /// The left input.
    package var left: LogicalPlan
    /// The right input.
    package var right: LogicalPlan
    /// The output columns: the left's names, the unified types.
    package var fields: [Field]

    /// Creates a set operation.
    package init(kind: Kind, isAll: Bool, left: LogicalPlan, right: LogicalPlan, fields: [Field]) {
        self.kind = kind
        self.isAll = isAll
        self.left = left
        self.right = right
        self.fields = fields
    }

    /// The operation as SQL (`EXCEPT ALL`).
    package var keywords: String { kind.rawValue + (isAll ? " ALL" : "") }
}

extension SetOperationPlan {
    /// The same operation over `transform` applied to each input (for rewrite rules).
    func mapInputs(_ transform: (LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        var copy = self
        copy.left = transform(left)
        copy.right = transform(right)
        return .setOperation(copy)
    }
}
