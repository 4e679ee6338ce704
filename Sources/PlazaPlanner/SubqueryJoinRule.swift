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
                current = .join(
                    Join(
                        left: current, right: join.subquery, kind: join.negated ? .anti : .semi,
                        leftKeys: [join.needle], rightKeys: [key], residual: nil))
            }
            return current
        default:
            return plan.mapInputs(apply)
        }
    }
}
