import PlazaCore

/// Takes the conjuncts every branch of an OR shares out of it: `(a AND b) OR (a AND c)` becomes
/// `a AND (b OR c)`, which holds in SQL's three-valued logic too; and adds, for each column every
/// branch tests alone, the OR of those tests (implied, so the OR itself stays).
///
/// The shared conjunct can then be pushed down or become a join key: TPC-H Q19 repeats its join
/// condition `p_partkey = l_partkey` in each of three branches, and without this is a cross join.
enum OrFactoring {
    /// The predicate with every top-level OR factored.
    static func apply(_ predicate: BoundExpression) -> BoundExpression {
        let conjuncts = PlanUtilities.conjuncts(predicate).flatMap(factor)
        return PlanUtilities.conjunction(conjuncts) ?? predicate
    }

    /// The branches of an OR, nested ORs flattened.
    private static func disjuncts(_ expression: BoundExpression) -> [BoundExpression] {
        guard case .call(.or, let arguments, _) = expression else { return [expression] }
        return arguments.flatMap(disjuncts)
    }

    /// One conjunct as conjuncts: the shared part of an OR's branches, then the OR of the rest.
    private static func factor(_ expression: BoundExpression) -> [BoundExpression] {
        let branches = disjuncts(expression)
        guard branches.count > 1 else { return [expression] }
        let sets = branches.map { PlanUtilities.conjuncts($0).map(canonical) }
        var common: [BoundExpression] = []
        for conjunct in sets[0]
        where !common.contains(conjunct) && sets.dropFirst().allSatisfy({ $0.contains(conjunct) }) {
            common.append(conjunct)
        }
        let rests = sets.map { $0.filter { !common.contains($0) } }
        // A branch that is only the shared part makes the OR of the rest always true: `a OR (a AND c)` is `a`.
        if rests.contains(where: \.isEmpty) { return common }
        if common.isEmpty { return [expression] + implied(rests) }
        let rest = rests.map { PlanUtilities.conjunction($0)! }
        return common + [.call(name: .or, arguments: rest, type: .boolean)] + implied(rests)
    }

    /// For each column that every branch tests on its own, the OR of those tests: implied by the OR,
    /// kept beside it, and pushed down to the column's table. TPC-H Q7's `(n1 = 'FRANCE' AND n2 =
    /// 'GERMANY') OR (n1 = 'GERMANY' AND n2 = 'FRANCE')` implies `n1 IN (…)` and `n2 IN (…)`,
    /// so two rows of each nation scan reach the joins instead of twenty-five.
    private static func implied(_ branches: [[BoundExpression]]) -> [BoundExpression] {
        var tests: [[Int: [BoundExpression]]] = []
        for branch in branches {
            var byColumn: [Int: [BoundExpression]] = [:]
            for conjunct in branch {
                let columns = PlanUtilities.columns(of: conjunct)
                if columns.count == 1, !PredicatePushdown.containsSubquery(conjunct) {
                    byColumn[columns.first!, default: []].append(conjunct)
                }
            }
            tests.append(byColumn)
        }
        var result: [BoundExpression] = []
        for column in tests[0].keys.sorted() where tests.allSatisfy({ $0[column] != nil }) {
            // A branch tested only on this column would make the implied OR the OR itself.
            if zip(branches, tests).contains(where: { $0.count == $1[column]!.count }) { continue }
            let perBranch = tests.map { PlanUtilities.conjunction($0[column]!)! }
            result.append(.call(name: .or, arguments: perBranch, type: .boolean))
        }
        return result
    }

    /// `a = b` and `b = a` (and `<>`) written one way, so that branches spelling them differently match.
    private static func canonical(_ expression: BoundExpression) -> BoundExpression {
        guard case .call(let name, let arguments, let type) = expression, name == .equal || name == .notEqual,
            arguments.count == 2
        else { return expression }
        let (a, b) = (String(describing: arguments[0]), String(describing: arguments[1]))
        return a <= b ? expression : .call(name: name, arguments: [arguments[1], arguments[0]], type: type)
    }
}
