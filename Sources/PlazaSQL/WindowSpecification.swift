import PlazaCore

/// `OVER (…)` or `OVER name`: a window's partitioning, ordering and frame as written.
package struct WindowSpecification: Hashable, Sendable {
    /// The named window this one refines (`OVER w` or `OVER (w ORDER BY …)`), if any.
    package var baseName: Identifier?
    /// PARTITION BY expressions.
    package var partitionBy: [Expression]
    /// ORDER BY items.
    package var orderBy: [OrderItem]
    /// The frame clause, if written.
    package var frame: WindowFrame?
    /// Where the specification starts.
    package var span: SourceSpan

    /// Creates a specification.
    package init(
        baseName: Identifier? = nil, partitionBy: [Expression] = [], orderBy: [OrderItem] = [],
        frame: WindowFrame? = nil, span: SourceSpan
    ) {
        self.baseName = baseName
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
        self.span = span
    }
}

/// `ROWS | RANGE | GROUPS BETWEEN start AND end` (or a lone start, whose end is CURRENT ROW).
package struct WindowFrame: Hashable, Sendable {
    /// How offsets count: rows, order-key values, or peer groups.
    package enum Unit: String, Hashable, Sendable {
        /// Physical rows.
        case rows = "ROWS"
        /// A distance in the ORDER BY key's value.
        case range = "RANGE"
        /// Groups of peers (rows equal in ORDER BY).
        case groups = "GROUPS"
    }
    /// The unit.
    package var unit: Unit
    /// The first row of the frame.
    package var start: FrameBound
    /// The last row of the frame.
    package var end: FrameBound
    /// Where the frame clause starts.
    package var span: SourceSpan

    /// Creates a frame.
    package init(unit: Unit, start: FrameBound, end: FrameBound, span: SourceSpan) {
        self.unit = unit
        self.start = start
        self.end = end
        self.span = span
    }
}

/// One end of a window frame.
package enum FrameBound: Hashable, Sendable {
    /// `UNBOUNDED PRECEDING`.
    case unboundedPreceding
    /// `offset PRECEDING`.
    case preceding(Expression)
    /// `CURRENT ROW`.
    case currentRow
    /// `offset FOLLOWING`.
    case following(Expression)
    /// `UNBOUNDED FOLLOWING`.
    case unboundedFollowing

    /// Orders the kinds of bound from the partition's start to its end (for "start after end" checks).
    package var rank: Int {
        switch self {
        case .unboundedPreceding: return 0
        case .preceding: return 1
        case .currentRow: return 2
        case .following: return 3
        case .unboundedFollowing: return 4
        }
    }

    /// The bound as SQL text.
    package var sql: String {
        switch self {
        case .unboundedPreceding: return "UNBOUNDED PRECEDING"
        case .preceding(let e): return e.sql + " PRECEDING"
        case .currentRow: return "CURRENT ROW"
        case .following(let e): return e.sql + " FOLLOWING"
        case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
        }
    }
}

/// `WINDOW name AS (…)` of a SELECT.
package struct WindowDefinition: Hashable, Sendable {
    /// The window's name.
    package var name: Identifier
    /// Its specification (which may itself refine another named window).
    package var specification: WindowSpecification

    /// Creates a definition.
    package init(name: Identifier, specification: WindowSpecification) {
        self.name = name
        self.specification = specification
    }
}

extension WindowSpecification {
    /// The specification as SQL text, without `OVER`.
    package var sql: String {
        var parts: [String] = []
        if let baseName { parts.append(baseName.description) }
        if !partitionBy.isEmpty { parts.append("PARTITION BY " + partitionBy.map(\.sql).joined(separator: ", ")) }
        if !orderBy.isEmpty {
            parts.append(
                "ORDER BY "
                    + orderBy.map { item in
                        var part = item.expression.sql + (item.isDescending ? " DESC" : " ASC")
                        if let first = item.nullsFirst { part += first ? " NULLS FIRST" : " NULLS LAST" }
                        return part
                    }.joined(separator: ", "))
        }
        if let frame {
            parts.append("\(frame.unit.rawValue) BETWEEN \(frame.start.sql) AND \(frame.end.sql)")
        }
        return "(" + parts.joined(separator: " ") + ")"
    }

    /// Calls `body` with every expression of the specification (keys and frame offsets).
    package func forEachExpression(_ body: (Expression) -> Void) {
        partitionBy.forEach(body)
        orderBy.forEach { body($0.expression) }
        if let frame {
            for bound in [frame.start, frame.end] {
                switch bound {
                case .preceding(let e), .following(let e): body(e)
                default: break
                }
            }
        }
    }
}
