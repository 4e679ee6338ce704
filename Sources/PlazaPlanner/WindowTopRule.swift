import PlazaCore

/// A filter that caps a ranking window function (`row_number() OVER (PARTITION BY p ORDER BY o) <= k`,
/// `rank() … = 1`, in WHERE over a subquery or in QUALIFY) tells the window node so
/// (`WindowCall.keepsAtMost`): the operator may then find each partition's first k rows without
/// sorting the rest, the analyst's "top k per group" (issue 16; db-benchmark groupby q08).
///
/// Only a window node whose calls are all `row_number`, `rank` or `dense_rank` over one PARTITION
/// BY and ORDER BY is marked: the rows each cut keeps are a prefix of every partition in window
/// order, closed under ties for `rank` and `dense_rank`, so every such call has the same value on
/// them as over the whole partition. The filter stays above the node and still decides.
enum WindowTopRule {
    /// The plan with every capped window node marked.
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        let plan = plan.mapInputs(apply)
        guard case .filter(let input, let predicate) = plan,
            case .window(let windowInput, var calls, let fields) = input,
            let first = calls.first,
            calls.allSatisfy({
                isRanking($0.function) && $0.partitionBy == first.partitionBy && $0.orderBy == first.orderBy
            })
        else { return plan }
        let base = windowInput.fields.count
        var best: (call: Int, limit: Int)?
        for conjunct in PlanUtilities.conjuncts(predicate) {
            guard let (column, limit) = cap(conjunct), column >= base, column < base + calls.count else { continue }
            if best == nil || limit < best!.limit { best = (column - base, limit) }
        }
        guard let best else { return plan }
        calls[best.call].keepsAtMost = best.limit
        return .filter(input: .window(input: windowInput, calls: calls, fields: fields), predicate: predicate)
    }

    /// Whether `function` numbers rows in window order (and so can be cut to a prefix).
    private static func isRanking(_ function: WindowFunction) -> Bool {
        switch function {
        case .rowNumber, .rank, .denseRank: return true
        default: return false
        }
    }

    /// The column a conjunct caps and the largest whole value it lets through: `c <= k`,
    /// `c < k`, `c = k`, or those written the other way round; nil for any other shape.
    private static func cap(_ conjunct: BoundExpression) -> (column: Int, limit: Int)? {
        guard case .call(let name, let arguments, _) = conjunct, arguments.count == 2 else { return nil }
        if let column = columnIndex(arguments[0]), let bound = number(arguments[1]) {
            return limit(name, bound).map { (column, $0) }
        }
        if let column = columnIndex(arguments[1]), let bound = number(arguments[0]) {
            let mirrored: ScalarFunction? =
                switch name {
                case .greaterOrEqual: .lessOrEqual
                case .greater: .less
                case .equal: .equal
                default: nil
                }
            return mirrored.flatMap { limit($0, bound) }.map { (column, $0) }
        }
        return nil
    }

    /// The largest whole value `value <op> bound` lets through (0 when none), for `<=`, `<`, `=`.
    private static func limit(_ name: ScalarFunction, _ bound: Double) -> Int? {
        // Beyond this a cap keeps every row of any partition a window can hold (2^31 rows).
        let ceiling = Double(Int32.max)
        let value: Double
        switch name {
        case .lessOrEqual: value = bound.rounded(.down)
        case .less: value = bound.rounded(.up) - 1
        case .equal: value = bound == bound.rounded(.down) ? bound : 0
        default: return nil
        }
        return Int(Swift.max(0, Swift.min(value, ceiling)))
    }

    /// The input column an expression reads, directly or through a numeric cast.
    private static func columnIndex(_ expression: BoundExpression) -> Int? {
        switch expression {
        case .column(let index, _): return index
        case .cast(.column(let index, _), let type, _) where type.isNumeric: return index
        default: return nil
        }
    }

    /// A numeric literal's value (nil for NULL and other literals).
    private static func number(_ expression: BoundExpression) -> Double? {
        guard case .literal(let value, _) = expression else { return nil }
        switch value {
        case .bigint(let n): return Double(n)
        case .double(let d) where d.isFinite: return d
        default: return nil
        }
    }
}
