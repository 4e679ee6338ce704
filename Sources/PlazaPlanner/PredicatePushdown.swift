import PlazaCore

/// Moves filter conjuncts as close to the scans as they can go without changing results.
enum PredicatePushdown {
    /// `plan` with `predicates` (over its output columns) applied, pushed down where possible.
    static func push(_ plan: LogicalPlan, _ predicates: [BoundExpression]) -> LogicalPlan {
        switch plan {
        case .scan, .values:
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
        }
    }

    private static func pushJoin(_ join: inout Join, _ predicates: [BoundExpression]) -> LogicalPlan {
        let leftCount = join.left.fields.count
        var left: [BoundExpression] = [], right: [BoundExpression] = [], above: [BoundExpression] = [],
            residual: [BoundExpression] = []
        // A condition above a LEFT join that is never true for NULL-extended rows makes it an INNER join.
        if join.kind == .left, predicates.contains(where: { rejectsNulls($0, from: leftCount) }) {
            join.kind = .inner
        }
        let isInner = join.kind == .inner
        func side(_ expression: BoundExpression) -> (onlyLeft: Bool, onlyRight: Bool) {
            let columns = PlanUtilities.columns(of: expression)
            return (columns.allSatisfy { $0 < leftCount }, !columns.isEmpty && columns.allSatisfy { $0 >= leftCount })
        }
        // Conditions from above the join.
        for predicate in predicates {
            let (onlyLeft, onlyRight) = side(predicate)
            if onlyLeft && !containsSubquery(predicate) {
                left.append(predicate)
            } else if onlyRight && isInner && !containsSubquery(predicate) {
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
            if onlyRight && !containsSubquery(conjunct) {
                right.append(PlanUtilities.remap(conjunct) { $0 - leftCount })
            } else if onlyLeft && isInner && !containsSubquery(conjunct) {
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

    /// Whether `predicate` is NULL or false whenever every column from `firstColumn` on is NULL.
    static func rejectsNulls(_ predicate: BoundExpression, from firstColumn: Int) -> Bool {
        guard case .call(let name, let arguments, _) = predicate else { return false }
        switch name {
        case "=", "<>", "<", "<=", ">", ">=", "like", "ilike":
            return arguments.contains { isStrict($0, from: firstColumn) }
        case "is_not_null", "in":
            return isStrict(arguments[0], from: firstColumn)
        case "and":
            return arguments.contains { rejectsNulls($0, from: firstColumn) }
        default:
            return false
        }
    }

    /// Whether an expression is NULL whenever the columns from `firstColumn` on are NULL and it reads one.
    private static func isStrict(_ expression: BoundExpression, from firstColumn: Int) -> Bool {
        switch expression {
        case .column(let index, _): return index >= firstColumn
        case .cast(let inner, _, let isTry): return !isTry && isStrict(inner, from: firstColumn)
        case .call(let name, let arguments, _):
            let signatures = FunctionCatalog.signatures(named: name.rawValue)
            guard !signatures.isEmpty, signatures.allSatisfy({ $0.nulls == .propagates }) else { return false }
            return arguments.contains { isStrict($0, from: firstColumn) }
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
