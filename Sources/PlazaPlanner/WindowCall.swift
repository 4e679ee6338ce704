import PlazaCore

/// The functions a window can compute besides the aggregates.
package enum WindowFunction: Hashable, Sendable {
    /// `row_number()`: 1, 2, 3… within the partition.
    case rowNumber
    /// `rank()`: the row number of the first peer.
    case rank
    /// `dense_rank()`: the number of distinct peer groups so far.
    case denseRank
    /// `percent_rank()`: (rank - 1) / (rows - 1), 0 for a one-row partition.
    case percentRank
    /// `cume_dist()`: rows up to the last peer / rows.
    case cumeDist
    /// `ntile(n)`: the bucket 1…n, the first buckets one larger when rows do not divide evenly.
    case ntile
    /// `lag(x [, offset [, default]])`.
    case lag
    /// `lead(x [, offset [, default]])`.
    case lead
    /// `first_value(x)` over the frame.
    case firstValue
    /// `last_value(x)` over the frame.
    case lastValue
    /// `nth_value(x, n)` over the frame.
    case nthValue
    /// An aggregate over the frame.
    case aggregate(AggregateFunction)

    /// The SQL name (for EXPLAIN).
    package var name: String {
        switch self {
        case .rowNumber: return "row_number"
        case .rank: return "rank"
        case .denseRank: return "dense_rank"
        case .percentRank: return "percent_rank"
        case .cumeDist: return "cume_dist"
        case .ntile: return "ntile"
        case .lag: return "lag"
        case .lead: return "lead"
        case .firstValue: return "first_value"
        case .lastValue: return "last_value"
        case .nthValue: return "nth_value"
        case .aggregate(let function): return function.rawValue
        }
    }
}

/// One end of a bound frame; offsets are constants checked by the binder.
package enum BoundFrameBound: Hashable, Sendable {
    /// The partition's first row.
    case unboundedPreceding
    /// `offset` rows, groups, or order-key distance before the current row.
    case preceding(Value)
    /// The current row (for RANGE and GROUPS: its first or last peer).
    case currentRow
    /// `offset` after the current row.
    case following(Value)
    /// The partition's last row.
    case unboundedFollowing
}

/// A bound frame: the unit and both ends.
package struct BoundWindowFrame: Hashable, Sendable {
    /// How offsets count.
    package enum Unit: String, Hashable, Sendable {
        /// Physical rows.
        case rows = "ROWS"
        /// Distance in the single ORDER BY key.
        case range = "RANGE"
        /// Peer groups.
        case groups = "GROUPS"
    }
    /// The unit.
    package var unit: Unit
    /// The start.
    package var start: BoundFrameBound
    /// The end.
    package var end: BoundFrameBound

    /// Creates a frame.
    package init(unit: Unit, start: BoundFrameBound, end: BoundFrameBound) {
        self.unit = unit
        self.start = start
        self.end = end
    }

    /// SQL's default frame: with ORDER BY, the partition's start to the current row's last peer.
    package static let defaultWithOrder = BoundWindowFrame(unit: .range, start: .unboundedPreceding, end: .currentRow)
    /// SQL's default frame without ORDER BY: the whole partition.
    package static let wholePartition = BoundWindowFrame(
        unit: .rows, start: .unboundedPreceding, end: .unboundedFollowing)
}

/// One window function of a `window` node, e.g. `sum(x) OVER (PARTITION BY k ORDER BY t ROWS 6 PRECEDING)`.
package struct WindowCall: Hashable, Sendable {
    /// Which function.
    package var function: WindowFunction
    /// Value arguments over the node's input (for lag/lead only the value; ntile, nth_value: none).
    package var arguments: [BoundExpression]
    /// Constant arguments: lag/lead offset (BIGINT) and default; ntile's bucket count; nth_value's n;
    /// quantile_cont's fraction.
    package var constants: [Value]
    /// `IGNORE NULLS` (lag, lead, first_value, last_value, nth_value).
    package var ignoresNulls: Bool
    /// `count(DISTINCT x) OVER (…)`.
    package var isDistinct: Bool
    /// `FILTER (WHERE …)` of a window aggregate.
    package var filter: BoundExpression?
    /// PARTITION BY keys.
    package var partitionBy: [BoundExpression]
    /// ORDER BY keys.
    package var orderBy: [SortKey]
    /// The frame (used by value functions and aggregates).
    package var frame: BoundWindowFrame
    /// The result type.
    package var type: DataType
    /// Set by `WindowTopRule` on a ranking call that a filter above caps (`row_number() … <= k`):
    /// rows whose value of this call exceeds it may be left out of the node's output.
    package var keepsAtMost: Int?

    /// Creates a window call.
    package init(
        function: WindowFunction, arguments: [BoundExpression], constants: [Value] = [], ignoresNulls: Bool = false,
        isDistinct: Bool = false, filter: BoundExpression? = nil, partitionBy: [BoundExpression],
        orderBy: [SortKey], frame: BoundWindowFrame, type: DataType
    ) {
        self.function = function
        self.arguments = arguments
        self.constants = constants
        self.ignoresNulls = ignoresNulls
        self.isDistinct = isDistinct
        self.filter = filter
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
        self.type = type
    }

    /// Whether the result can be NULL.
    package var isNullable: Bool {
        switch function {
        case .rowNumber, .rank, .denseRank, .percentRank, .cumeDist, .ntile: return false
        case .aggregate(let f): return !(f == .count || f == .countStar || f == .regrCount || f == .approxCountDistinct)
        default: return true
        }
    }

    /// The call as EXPLAIN prints it, columns named after `fields` (the node's input).
    package func description(_ fields: [Field]) -> String {
        var text = function.name + "(" + (isDistinct ? "DISTINCT " : "")
        var shown = arguments.map { PlanPrinter.describe($0, fields) }
        // An aggregate's constants are arguments as written (quantile_cont's fraction, string_agg's separator).
        if case .aggregate = function { shown += constants.map(PlanPrinter.quoteIfText) }
        text += shown.joined(separator: ", ") + ")"
        if ignoresNulls { text += " IGNORE NULLS" }
        var parts: [String] = []
        if !partitionBy.isEmpty {
            parts.append("PARTITION BY " + partitionBy.map { PlanPrinter.describe($0, fields) }.joined(separator: ", "))
        }
        if !orderBy.isEmpty {
            parts.append(
                "ORDER BY "
                    + orderBy.map { PlanPrinter.describe($0.expression, fields) + ($0.isDescending ? " DESC" : "") }
                    .joined(separator: ", "))
        }
        parts.append("\(frame.unit.rawValue) \(frame.start) .. \(frame.end)")
        let kept = keepsAtMost.map { " KEEP <= \($0) PER PARTITION" } ?? ""
        return text + " OVER (" + parts.joined(separator: " ") + ")" + kept
    }
}
