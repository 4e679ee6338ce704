import PlazaCore

/// The operator of a set operation.
package enum SetOperator: String, Hashable, Sendable {
    /// `UNION`.
    case union = "UNION"
    /// `INTERSECT`.
    case intersect = "INTERSECT"
    /// `EXCEPT`.
    case except = "EXCEPT"
}

/// `left UNION|INTERSECT|EXCEPT [ALL] [BY NAME] right`: the body of a query combining two queries.
///
/// Boxed in an indirect enum so that `Query` may hold one while each branch is itself a `Query`.
package indirect enum SetOperation: Hashable, Sendable {
    /// The two branches combined by `op`.
    case combine(SetOperationClause)

    /// The clause.
    package var clause: SetOperationClause {
        switch self {
        case .combine(let clause): return clause
        }
    }
}

/// The parts of a set operation.
package struct SetOperationClause: Hashable, Sendable {
    /// UNION, INTERSECT or EXCEPT.
    package var op: SetOperator
    /// Whether `ALL` was written (duplicates kept and counted).
    package var isAll: Bool
    /// Whether `BY NAME` was written (columns matched by name, not position).
    package var byName: Bool
    /// The left branch.
    package var left: Query
    /// The right branch.
    package var right: Query
    /// Where the operator keyword is.
    package var span: SourceSpan

    /// Creates a clause.
    package init(op: SetOperator, isAll: Bool, byName: Bool, left: Query, right: Query, span: SourceSpan) {
        self.op = op
        self.isAll = isAll
        self.byName = byName
        self.left = left
        self.right = right
        self.span = span
    }

    /// The operator as SQL (`UNION ALL BY NAME`).
    package var keywords: String {
        op.rawValue + (isAll ? " ALL" : "") + (byName ? " BY NAME" : "")
    }
}
