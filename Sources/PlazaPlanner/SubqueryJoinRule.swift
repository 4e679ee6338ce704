import PlazaCore

/// Turns `WHERE x [NOT] IN (subquery)` conjuncts into SEMI/ANTI hash joins.
///
/// In a filter, a NULL result drops the row just as false does, so `x IN (q)` is a SEMI join on
/// `x = q.column`. `x NOT IN (q)` is an ANTI join with NOT IN semantics (the executor drops NULL
/// probe keys and returns nothing when the build side holds a NULL), see `Join.Kind`.
enum SubqueryJoinRule {
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .scan, .values: return plan
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
        case .project(let input, let expressions, let fields):
            return .project(input: apply(input), expressions: expressions, fields: fields)
        case .aggregate(let input, let groups, let aggregates, let fields):
            return .aggregate(input: apply(input), groups: groups, aggregates: aggregates, fields: fields)
        case .join(var join):
            join.left = apply(join.left)
            join.right = apply(join.right)
            return .join(join)
        case .sort(let input, let keys): return .sort(input: apply(input), keys: keys)
        case .limit(let input, let limit, let offset): return .limit(input: apply(input), limit: limit, offset: offset)
        case .distinct(let input): return .distinct(input: apply(input))
        case .window(let input, let calls, let fields):
            return .window(input: apply(input), calls: calls, fields: fields)
        case .setOperation(let operation): return operation.mapInputs(apply)
        }
    }
}
