import PlazaCore

/// Takes the conjuncts every branch of an OR shares out of it: `(a AND b) OR (a AND c)` becomes
/// `a AND (b OR c)`, which holds in SQL's three-valued logic too.
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
        guard case .call("or", let arguments, _) = expression else { return [expression] }
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
        if common.isEmpty { return [expression] }
        let rests = sets.map { $0.filter { !common.contains($0) } }
        // A branch that is only the shared part makes the OR of the rest always true: `a OR (a AND c)` is `a`.
        if rests.contains(where: \.isEmpty) { return common }
        let rest = rests.map { PlanUtilities.conjunction($0)! }
        return common + [.call(name: "or", arguments: rest, type: .boolean)]
    }

    /// `a = b` and `b = a` (and `<>`) written one way, so that branches spelling them differently match.
    private static func canonical(_ expression: BoundExpression) -> BoundExpression {
        guard case .call(let name, let arguments, let type) = expression, name == "=" || name == "<>",
            arguments.count == 2
        else { return expression }
        let (a, b) = (String(describing: arguments[0]), String(describing: arguments[1]))
        return a <= b ? expression : .call(name: name, arguments: [arguments[1], arguments[0]], type: type)
    }
}
