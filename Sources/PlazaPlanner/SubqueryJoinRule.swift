import PlazaCore

/// Turns `WHERE x [NOT] IN (subquery)` conjuncts into SEMI/ANTI hash joins.
///
/// In a filter, a NULL result drops the row just as false does, so `x IN (q)` is a SEMI join on
/// `x = q.column`. `x NOT IN (q)` is an ANTI join with NOT IN semantics (the executor drops NULL
/// probe keys and returns nothing when the build side holds a NULL), see `Join.Kind`.
enum SubqueryJoinRule {
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .filter(let input, let predicate):
            var joins: [(needle: BoundExpression, subquery: LogicalPlan, negated: Bool)] = []
            var kept: [BoundExpression] = []
            for conjunct in PlanUtilities.conjuncts(predicate) {
                if case .inSubquery(let needle, let subquery, let negated) = conjunct,
                    !PredicatePushdown.containsSubquery(needle),
                    subquery.fields.count == 1
                {
                    joins.append((needle, subquery, negated))
                } else {
                    kept.append(conjunct)
                }
            }
            // The other conjuncts filter first (they stay next to the scan for block pruning).
            var current = apply(input)
            if let rest = PlanUtilities.conjunction(kept) { current = .filter(input: current, predicate: rest) }
            for join in joins {
                let key = BoundExpression.column(index: 0, type: join.subquery.fields[0].type)
                let semi = Join(
                    left: current, right: join.subquery, kind: join.negated ? .anti : .semi,
                    leftKeys: [join.needle], rightKeys: [key], residual: nil)
                current = place(semi, columns: PlanUtilities.columns(of: join.needle))
            }
            return current
        default:
            return plan.mapInputs(apply)
        }
    }

    /// `semi` (whose left input is its `left`), moved below the filters and LEFT joins of that input
    /// when its needle reads only `columns` of their left rows: it drops rows of the left side
    /// whatever the rest does, so it runs before them on fewer rows (TPC-H Q20: the 800,000
    /// `partsupp` rows meet the 8,508 with a `forest` part before the decorrelated LEFT join, not after).
    private static func place(_ semi: Join, columns: Set<Int>) -> LogicalPlan {
        switch semi.left {
        case .filter(let input, let predicate) where sinksBelow(input, columns):
            var inner = semi
            inner.left = input
            return .filter(input: place(inner, columns: columns), predicate: predicate)
        case .join(var join) where join.kind == .left && columns.allSatisfy({ $0 < join.left.fields.count }):
            var inner = semi
            inner.left = join.left
            join.left = place(inner, columns: columns)
            return .join(join)
        default:
            return .join(semi)
        }
    }

    /// Whether `place` would move a join past `plan`: a LEFT join, under filters (a filter right
    /// above a scan keeps its place there, for block pruning).
    private static func sinksBelow(_ plan: LogicalPlan, _ columns: Set<Int>) -> Bool {
        switch plan {
        case .filter(let input, _): return sinksBelow(input, columns)
        case .join(let join): return join.kind == .left && columns.allSatisfy { $0 < join.left.fields.count }
        default: return false
        }
    }
}
