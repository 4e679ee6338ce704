import PlazaCore

/// Merges a projection into the projection below it when no computed expression would be
/// evaluated twice, and drops projections that pass their input through unchanged.
///
/// Inlined CTEs and subqueries in FROM stack projections; each one costs the executor a pass
/// over every batch.
enum ProjectMergeRule {
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .project(let input, let expressions, let fields):
            let newInput = apply(input)
            if case .project(let inner, let innerExpressions, _) = newInput, canMerge(expressions, innerExpressions) {
                let merged = expressions.map { expression in
                    PlanUtilities.replaceColumns(expression) { index, _ in innerExpressions[index] }
                }
                return simplified(.project(input: inner, expressions: merged, fields: fields))
            }
            return simplified(.project(input: newInput, expressions: expressions, fields: fields))
        default:
            return plan.mapInputs(apply)
        }
    }

    /// Whether substituting would evaluate no computed inner expression more than once (and move no subquery).
    private static func canMerge(_ outer: [BoundExpression], _ inner: [BoundExpression]) -> Bool {
        var uses = [Int](repeating: 0, count: inner.count)
        for expression in outer {
            if PredicatePushdown.containsSubquery(expression) { return false }
            var counter = ReferenceCounter()
            counter.count(expression)
            for (index, times) in counter.uses { uses[index] += times }
        }
        for (index, expression) in inner.enumerated() where uses[index] > 1 {
            switch expression {
            case .column, .literal: continue
            default: return false
            }
        }
        return !inner.contains(where: PredicatePushdown.containsSubquery)
    }

    /// The projection itself, or its input when it returns the input's columns unchanged.
    private static func simplified(_ plan: LogicalPlan) -> LogicalPlan {
        guard case .project(let input, let expressions, let fields) = plan, fields == input.fields,
            expressions.enumerated().allSatisfy({ $1 == .column(index: $0, type: fields[$0].type) })
        else { return plan }
        return input
    }
}

/// Counts how often each column is read by an expression.
private struct ReferenceCounter {
    var uses: [Int: Int] = [:]

    mutating func count(_ expression: BoundExpression) {
        _ = PlanUtilities.replaceColumns(expression) { index, type in
            uses[index, default: 0] += 1
            return .column(index: index, type: type)
        }
    }
}
