import PlazaCore
import PlazaSQL

/// A typed tree of relational operators: what the binder produces and the executor runs.
///
/// Every node knows its output `fields`; expressions in a node refer to the columns of its
/// input (for joins: the left input's columns, then the right's).
package indirect enum LogicalPlan: Hashable, Sendable {
    /// Reads columns of a stored table.
    case scan(TableScan)
    /// Rows given in the query (`SELECT 1`, with no FROM: one row of no columns).
    case values(rows: [[BoundExpression]], fields: [Field])
    /// The rows of `range` or `generate_series`: one column of consecutive values.
    case series(SeriesPlan)
    /// Keeps the rows for which `predicate` is true.
    case filter(input: LogicalPlan, predicate: BoundExpression)
    /// Computes one output column per expression.
    case project(input: LogicalPlan, expressions: [BoundExpression], fields: [Field])
    /// Groups by `groups` and computes `aggregates`; output: the group columns, then the aggregates.
    case aggregate(input: LogicalPlan, groups: [BoundExpression], aggregates: [AggregateCall], fields: [Field])
    /// Joins two inputs; output: the left columns, then the right columns.
    case join(Join)
    /// Orders rows.
    case sort(input: LogicalPlan, keys: [SortKey])
    /// Skips `offset` rows, then keeps at most `limit` (nil: all).
    case limit(input: LogicalPlan, limit: Int?, offset: Int)
    /// Removes duplicate rows.
    case distinct(input: LogicalPlan)
    /// Computes window functions; output: the input's columns, then one column per call.
    case window(input: LogicalPlan, calls: [WindowCall], fields: [Field])
    /// Combines two inputs of the same column types (UNION ALL, INTERSECT, EXCEPT).
    case setOperation(SetOperationPlan)
    /// Reads the stored rows of a materialized CTE or of a recursive CTE's working table.
    case cteScan(CTEReference)
    /// Computes a CTE once, then the query that reads it (see `MaterializedCTEPlan`).
    case materializedCTE(MaterializedCTEPlan)
    /// `WITH RECURSIVE`'s anchor and recursive term, iterated (see `RecursiveCTEPlan`).
    case recursiveCTE(RecursiveCTEPlan)

    /// The columns this node produces.
    package var fields: [Field] {
        switch self {
        case .scan(let scan): return scan.fields
        case .series(let series): return [series.field]
        case .values(_, let fields), .project(_, _, let fields), .aggregate(_, _, _, let fields),
            .window(_, _, let fields):
            return fields
        case .filter(let input, _), .sort(let input, _), .limit(let input, _, _), .distinct(let input):
            return input.fields
        case .setOperation(let operation): return operation.fields
        case .cteScan(let reference): return reference.fields
        case .materializedCTE(let cte): return cte.body.fields
        case .recursiveCTE(let cte): return cte.fields
        case .join(let join):
            switch join.kind {
            case .semi, .anti, .notExists:
                // A SEMI or ANTI join only filters its left input.
                return join.left.fields
            case .left:
                // The right side of a LEFT join may be NULL whatever its schema says.
                return join.left.fields
                    + join.right.fields.map { Field(name: $0.name, type: $0.type, isNullable: true) }
            case .right:
                return join.left.fields.map { Field(name: $0.name, type: $0.type, isNullable: true) }
                    + join.right.fields
            case .full:
                return (join.left.fields + join.right.fields).map {
                    Field(name: $0.name, type: $0.type, isNullable: true)
                }
            case .inner:
                return join.left.fields + join.right.fields
            }
        }
    }
}

/// `range(start, stop, step)` (stop excluded) or `generate_series(start, stop, step)` (included).
package struct SeriesPlan: Hashable, Sendable {
    /// The output column: BIGINT, or TIMESTAMP for dates and timestamps (as DuckDB).
    package var field: Field
    /// The first value (a BIGINT, or a TIMESTAMP's microseconds).
    package var start: Int64
    /// The bound, included or not (`includesStop`).
    package var stop: Int64
    /// Whether `stop` itself is produced when reached (generate_series) or not (range).
    package var includesStop: Bool
    /// The step of a BIGINT series (never 0).
    package var step: Int64
    /// The step of a TIMESTAMP series (never zero, all parts of one sign).
    package var interval: Interval?

    /// Creates a series.
    package init(field: Field, start: Int64, stop: Int64, includesStop: Bool, step: Int64, interval: Interval?) {
        self.field = field
        self.start = start
        self.stop = stop
        self.includesStop = includesStop
        self.step = step
        self.interval = interval
    }

    /// Whether the values go down (a negative step).
    package var isDescending: Bool {
        if let interval { return interval.months < 0 || interval.days < 0 || interval.micros < 0 }
        return step < 0
    }

    /// About how many rows the series has, capped at 2^31 - 1 (`estimatedCount` is not capped).
    package var estimatedRows: Int { Int(Swift.min(estimatedCount, Double(Int32.max))) }

    /// About how many rows the series has (exact for BIGINT; months counted as 30 days).
    package var estimatedCount: Double {
        let span = Double(stop) - Double(start)
        let stride: Double
        if let interval {
            stride =
                Double(interval.months) * 30 * 86_400_000_000 + Double(interval.days) * 86_400_000_000
                + Double(interval.micros)
        } else {
            stride = Double(step)
        }
        guard stride != 0, span / stride >= 0 else { return 0 }
        return (span / stride).rounded(.down) + 1
    }
}

/// A scan of a stored table: which columns, and which predicates the scan can check itself.
package struct TableScan: Hashable, Sendable {
    /// The table's name as stored.
    package var table: String
    /// Positions, in the table's schema, of the columns read, in output order.
    package var columns: [Int]
    /// The output columns (the table's fields at `columns`).
    package var fields: [Field]
    /// Simple predicates (`column <op> constant`) the scan can use to skip row groups and blocks.
    /// They are hints: the plan keeps a `filter` above the scan that checks them row by row.
    package var pruningPredicates: [ScanPredicate]
    /// The table's row count when planned (for choosing join sides).
    package var estimatedRows: Int
    /// Per table column (a position in its schema), the range of its values from the statistics,
    /// where known: how much of the table a range filter keeps (for choosing join sides).
    package var valueRanges: [Int: ClosedRange<Double>] = [:]
    /// Per table column, an estimate of its distinct values from the statistics, where known:
    /// how much of the table an equality keeps.
    package var distinctCounts: [Int: Int] = [:]

    /// Creates a scan.
    package init(
        table: String, columns: [Int], fields: [Field], pruningPredicates: [ScanPredicate] = [], estimatedRows: Int = 0
    ) {
        self.table = table
        self.columns = columns
        self.fields = fields
        self.pruningPredicates = pruningPredicates
        self.estimatedRows = estimatedRows
    }
}

/// A join of two inputs.
package struct Join: Hashable, Sendable {
    /// The kind of join: which sides keep their unmatched rows (LEFT, RIGHT, FULL, with NULLs
    /// for the other side), or SEMI/ANTI/NOT EXISTS (see `kind`).
    package enum Kind: String, Hashable, Sendable {
        case inner, left, right, full, semi, anti
        /// ANTI with NOT EXISTS semantics: a left row is kept when no right row matches it, so a
        /// NULL key (which matches nothing) keeps the row and NULLs among the right keys are ignored.
        case notExists = "not exists"

        /// Whether the join only filters its left input (its output is the left columns).
        package var isFilter: Bool { self == .semi || self == .anti || self == .notExists }
    }
    /// The left (probe) input as written.
    package var left: LogicalPlan
    /// The right input as written.
    package var right: LogicalPlan
    /// INNER, LEFT, RIGHT or FULL as written; SEMI/ANTI come from `IN (subquery)` and output only
    /// the left columns.
    package var kind: Kind
    /// Equality keys: left expression over the left input, right expression over the right input.
    package var equiKeys: [(BoundExpression, BoundExpression)] { zip(leftKeys, rightKeys).map { ($0, $1) } }
    /// Left sides of the equality keys.
    package var leftKeys: [BoundExpression]
    /// Right sides of the equality keys.
    package var rightKeys: [BoundExpression]
    /// Any further condition of `ON`, over the left columns followed by the right columns.
    package var residual: BoundExpression?

    /// Creates a join.
    package init(
        left: LogicalPlan, right: LogicalPlan, kind: Kind, leftKeys: [BoundExpression], rightKeys: [BoundExpression],
        residual: BoundExpression?
    ) {
        self.left = left
        self.right = right
        self.kind = kind
        self.leftKeys = leftKeys
        self.rightKeys = rightKeys
        self.residual = residual
    }

    /// Whether the left side's unmatched rows are kept (LEFT and FULL).
    package var keepsLeftRows: Bool { kind == .left || kind == .full }
    /// Whether the right side's unmatched rows are kept (RIGHT and FULL).
    package var keepsRightRows: Bool { kind == .right || kind == .full }
}

/// One key of ORDER BY.
package struct SortKey: Hashable, Sendable {
    /// The expression over the sort's input.
    package var expression: BoundExpression
    /// Whether larger values come first.
    package var isDescending: Bool
    /// Whether NULLs come first (default: last for ASC, first for DESC, as DuckDB).
    package var nullsFirst: Bool

    /// Creates a sort key.
    package init(expression: BoundExpression, isDescending: Bool, nullsFirst: Bool) {
        self.expression = expression
        self.isDescending = isDescending
        self.nullsFirst = nullsFirst
    }
}

/// A statement after binding.
package enum BoundStatement: Sendable {
    /// A query: its plan, and the names of the result columns (in `plan.fields`).
    case query(LogicalPlan)
    /// `EXPLAIN [ANALYZE] query`.
    case explain(LogicalPlan, analyze: Bool)
    /// `SHOW TABLES`.
    case showTables
    /// `DESCRIBE table`.
    case describe(table: String)
    /// `SET name = value`.
    case set(name: String, value: Value)
    /// CREATE, DROP or INSERT (see `BoundWrite`).
    case write(BoundWrite)
    /// `COPY … TO 'path'` (see `BoundCopy`).
    case copy(BoundCopy)
    /// `BEGIN`, `COMMIT` or `ROLLBACK`: run by the session, not by the executor.
    case transaction(TransactionCommand)
}
