import PlazaCore

/// Moves filter conjuncts as close to the scans as they can go without changing results.
enum PredicatePushdown {
    /// `plan` with `predicates` (over its output columns) applied, pushed down where possible.
    static func push(_ plan: LogicalPlan, _ predicates: [BoundExpression]) -> LogicalPlan {
        switch plan {
        case .scan, .values, .series, .cteScan:
            return apply(predicates, to: plan)
        case .filter(let input, let predicate):
            return push(input, predicates + PlanUtilities.conjuncts(predicate))
        case .project(let input, let expressions, let fields):
            // Substituting the projected expressions keeps the meaning; subqueries stay above.
            var below: [BoundExpression] = [], above: [BoundExpression] = []
            for predicate in predicates {
                let substituted = PlanUtilities.replaceColumns(predicate) { index, _ in expressions[index] }
                if containsSubquery(substituted) { above.append(predicate) } else { below.append(substituted) }
            }
            return apply(above, to: .project(input: push(input, below), expressions: expressions, fields: fields))
        case .aggregate(let input, let groups, let aggregates, let fields):
            var below: [BoundExpression] = [], above: [BoundExpression] = []
            for predicate in predicates {
                let columns = PlanUtilities.columns(of: predicate)
                if !columns.isEmpty, columns.allSatisfy({ $0 < groups.count }) {
                    below.append(PlanUtilities.replaceColumns(predicate) { index, _ in groups[index] })
                } else {
                    above.append(predicate)
                }
            }
            return apply(
                above, to: .aggregate(input: push(input, below), groups: groups, aggregates: aggregates, fields: fields)
            )
        case .join(var join):
            return pushJoin(&join, predicates)
        case .sort(let input, let keys):
            return .sort(input: push(input, predicates), keys: keys)
        case .distinct(let input):
            return .distinct(input: push(input, predicates))
        case .window(let input, let calls, let fields):
            // A filter on the window's input would change partitions and frames: it stays above.
            return apply(predicates, to: .window(input: push(input, []), calls: calls, fields: fields))
        case .setOperation(let operation):
            // Both inputs have the output's columns, and a row kept by the filter is kept on both sides.
            return operation.mapInputs { push($0, predicates) }
        case .limit(let input, let limit, let offset):
            return apply(predicates, to: .limit(input: push(input, []), limit: limit, offset: offset))
        case .materializedCTE(var cte):
            // The stored rows serve every reference: conditions go to the body, none into the definition.
            cte.definition = push(cte.definition, [])
            cte.body = push(cte.body, predicates)
            return .materializedCTE(cte)
        case .recursiveCTE(let cte):
            // A condition on the result would change what later iterations read: it stays above.
            return apply(predicates, to: cte.mapInputs { push($0, []) })
        }
    }

    private static func pushJoin(_ join: inout Join, _ predicates: [BoundExpression]) -> LogicalPlan {
        let leftCount = join.left.fields.count
        var left: [BoundExpression] = [], right: [BoundExpression] = [], above: [BoundExpression] = [],
            residual: [BoundExpression] = []
        simplifyOuterJoin(&join, under: predicates)
        let isInner = join.kind == .inner
        // A side whose columns the join may NULL-extend cannot be filtered below it by a condition
        // from above; the ON condition may filter in advance a side whose unmatched rows are dropped.
        let leftIsNullExtended = join.keepsRightRows, rightIsNullExtended = join.keepsLeftRows
        let onMayFilterLeft = join.kind == .inner || join.kind == .right
        let onMayFilterRight = join.kind != .right && join.kind != .full
        func side(_ expression: BoundExpression) -> (onlyLeft: Bool, onlyRight: Bool) {
            let columns = PlanUtilities.columns(of: expression)
            return (columns.allSatisfy { $0 < leftCount }, !columns.isEmpty && columns.allSatisfy { $0 >= leftCount })
        }
        // Conditions from above the join. Subqueries here are uncorrelated (the binder turned the
        // others into joins), so `o_orderkey IN (…)` goes to its side, where it becomes a SEMI join.
        for predicate in predicates {
            let (onlyLeft, onlyRight) = side(predicate)
            if onlyLeft && !leftIsNullExtended {
                left.append(predicate)
            } else if onlyRight && !rightIsNullExtended && isInner {
                right.append(PlanUtilities.remap(predicate) { $0 - leftCount })
            } else if isInner, let (l, r) = PlanUtilities.equiKey(predicate, leftCount: leftCount) {
                join.leftKeys.append(l)
                join.rightKeys.append(r)
            } else if isInner {
                residual.append(predicate)
            } else {
                above.append(predicate)
            }
        }
        // The join's own residual: single-sided parts go below where the join kind allows.
        for conjunct in join.residual.map(PlanUtilities.conjuncts) ?? [] {
            let (onlyLeft, onlyRight) = side(conjunct)
            if onlyRight && onMayFilterRight {
                right.append(PlanUtilities.remap(conjunct) { $0 - leftCount })
            } else if onlyLeft && onMayFilterLeft {
                left.append(conjunct)
            } else {
                residual.append(conjunct)
            }
        }
        join.residual = PlanUtilities.conjunction(residual)
        join.left = push(join.left, left)
        join.right = push(join.right, right)
        return apply(above, to: .join(join))
    }

    /// Narrows an outer join whose NULL-extended rows a condition above it always drops: LEFT or
    /// RIGHT becomes INNER, FULL becomes LEFT, RIGHT or INNER.
    private static func simplifyOuterJoin(_ join: inout Join, under predicates: [BoundExpression]) {
        guard join.keepsLeftRows || join.keepsRightRows else { return }
        let leftCount = join.left.fields.count
        let dropsNullRight = predicates.contains { rejectsNulls($0, in: leftCount..<Int.max) }
        let dropsNullLeft = predicates.contains { rejectsNulls($0, in: 0..<leftCount) }
        // Unmatched left rows carry NULL right columns, and the other way round.
        let keepsLeft = join.keepsLeftRows && !dropsNullRight
        let keepsRight = join.keepsRightRows && !dropsNullLeft
        switch (keepsLeft, keepsRight) {
        case (true, true): join.kind = .full
        case (true, false): join.kind = .left
        case (false, true): join.kind = .right
        case (false, false): join.kind = .inner
        }
    }

    /// Whether `predicate` is NULL or false whenever every column from `firstColumn` on is NULL.
    static func rejectsNulls(_ predicate: BoundExpression, from firstColumn: Int) -> Bool {
        rejectsNulls(predicate, in: firstColumn..<Int.max)
    }

    /// Whether `predicate` is NULL or false whenever every column in `columns` is NULL.
    static func rejectsNulls(_ predicate: BoundExpression, in columns: Range<Int>) -> Bool {
        guard case .call(let name, let arguments, _) = predicate else { return false }
        switch name {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .like, .ilike:
            return arguments.contains { isStrict($0, in: columns) }
        case .isNotNull, .`in`:
            return isStrict(arguments[0], in: columns)
        case .and:
            return arguments.contains { rejectsNulls($0, in: columns) }
        default:
            return false
        }
    }

    /// Whether an expression is NULL whenever the columns in `columns` are NULL and it reads one.
    private static func isStrict(_ expression: BoundExpression, in columns: Range<Int>) -> Bool {
        switch expression {
        case .column(let index, _): return columns.contains(index)
        case .cast(let inner, _, let isTry): return !isTry && isStrict(inner, in: columns)
        case .call(let name, let arguments, _):
            let signatures = FunctionCatalog.signatures(named: name.rawValue)
            guard !signatures.isEmpty, signatures.allSatisfy({ $0.nulls == .propagates }) else { return false }
            return arguments.contains { isStrict($0, in: columns) }
        default: return false
        }
    }

    private static func apply(_ predicates: [BoundExpression], to plan: LogicalPlan) -> LogicalPlan {
        guard let predicate = PlanUtilities.conjunction(predicates) else { return plan }
        return .filter(input: plan, predicate: predicate)
    }

    static func containsSubquery(_ expression: BoundExpression) -> Bool {
        switch expression {
        case .scalarSubquery, .inSubquery: return true
        case .column, .literal: return false
        case .cast(let inner, _, _): return containsSubquery(inner)
        case .call(_, let arguments, _): return arguments.contains(where: containsSubquery)
        case .caseWhen(let branches, let otherwise, _):
            return branches.contains { containsSubquery($0.when) || containsSubquery($0.then) }
                || (otherwise.map(containsSubquery) ?? false)
        }
    }
}
