import PlazaCore

/// Chooses the order of a tree of three or more INNER joins, so that `FROM part, supplier,
/// lineitem, …` does not join two tables that share no condition (a cross product) first.
///
/// The tree is flattened into its inputs and its conditions; the inputs are then joined greedily,
/// left-deep: first the largest input (after its filters), the fact table that every join probes,
/// then at each step, among the inputs an equality connects to those already joined, the one whose
/// filters keep the smallest fraction of its table (joined on its key, it keeps that fraction of
/// the rows: `p_type = '…'` before an unfiltered supplier), the smaller on a tie, together with its
/// filtered satellites (inputs connected only to it, joined to it first as one build side). An
/// input connected to none comes only when no other is left. Each condition is placed at the first
/// join where all its columns are present; a projection restores the columns' order as written.
enum JoinOrderRule {
    /// The plan with every INNER join tree of three inputs or more reordered.
    static func apply(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .join(let join) where join.kind == .inner:
            var inputs: [(plan: LogicalPlan, offset: Int)] = []
            var conditions: [BoundExpression] = []
            flatten(plan, offset: 0, into: &inputs, &conditions)
            // Checked before the inputs are rewritten, so that no input is rewritten twice.
            guard inputs.count >= 3 else { return plan.mapInputs(apply) }
            let leaves = inputs.map { (plan: apply($0.plan), offset: $0.offset) }
            return reorder(leaves, conditions, fields: plan.fields)
        default:
            return plan.mapInputs(apply)
        }
    }

    /// The inputs of an INNER join tree with the offset of their first column in its output, and
    /// its conditions (keys as equalities, residual conjuncts) over that output.
    private static func flatten(
        _ plan: LogicalPlan, offset: Int, into inputs: inout [(plan: LogicalPlan, offset: Int)],
        _ conditions: inout [BoundExpression]
    ) {
        guard case .join(let join) = plan, join.kind == .inner else {
            inputs.append((plan, offset))
            return
        }
        let leftCount = join.left.fields.count
        flatten(join.left, offset: offset, into: &inputs, &conditions)
        flatten(join.right, offset: offset + leftCount, into: &inputs, &conditions)
        for (left, right) in zip(join.leftKeys, join.rightKeys) {
            conditions.append(
                .call(
                    name: .equal,
                    arguments: [
                        PlanUtilities.remap(left) { $0 + offset },
                        PlanUtilities.remap(right) { $0 + offset + leftCount },
                    ], type: .boolean))
        }
        for conjunct in join.residual.map(PlanUtilities.conjuncts) ?? [] {
            conditions.append(PlanUtilities.remap(conjunct) { $0 + offset })
        }
    }

    /// Rows an input is expected to give: its scans' rows, cut by each filter conjunct on other
    /// columns than the conjuncts before it (an equality keeps one distinct value's share where the
    /// statistics estimate them, else a tenth; a range on a column whose value range is known what it
    /// covers of it; any other condition a third), a SEMI join halving them, a join
    /// keeping of its larger side the fraction its smaller side's filters keep.
    static func estimate(_ plan: LogicalPlan) -> Double {
        switch plan {
        case .scan(let scan): return Double(scan.estimatedRows)
        case .filter(let input, let predicate):
            var rows = estimate(input)
            let conjuncts = PlanUtilities.conjuncts(predicate)
            let kept = rangeFractions(conjuncts, input)
            // Conditions on the same columns count once: `d >= a AND d <= b` is one range.
            var seen: Set<Set<Int>> = []
            for conjunct in conjuncts {
                let columns = PlanUtilities.columns(of: conjunct)
                guard seen.insert(columns).inserted else { continue }
                if columns.count == 1, let fraction = kept[columns.first!] {
                    rows *= fraction
                } else if let fraction = equalityFraction(conjunct, input) {
                    rows *= fraction
                } else if case .call(.equal, _, _) = conjunct {
                    rows /= 10
                } else {
                    rows /= 3
                }
            }
            return Swift.max(rows, 1)
        case .project(let input, _, _), .sort(let input, _), .distinct(let input), .window(let input, _, _):
            return estimate(input)
        case .aggregate(let input, let groups, _, _): return groups.isEmpty ? 1 : estimate(input) / 2
        case .join(let join):
            if join.kind.isFilter { return estimate(join.left) / 2 }
            // A join on a key keeps of the larger side the fraction of the smaller side's table
            // its filters keep (lineitem joined to one nation's suppliers keeps a twenty-fifth).
            let left = estimate(join.left), right = estimate(join.right)
            let (larger, smaller, smallerPlan) = left >= right ? (left, right, join.right) : (right, left, join.left)
            let kept = Swift.min(1, smaller / Swift.max(Double(smallerPlan.estimatedRows), 1))
            return Swift.max(larger * kept, 1)
        default: return Double(plan.estimatedRows)
        }
    }

    /// For a filter directly over a scan: per scan column whose value range the statistics know and
    /// that the conjuncts compare with constants (`<`, `<=`, `>`, `>=`), the fraction of that range
    /// the comparisons keep (a month of seven years of dates keeps about 1/84, not a third).
    static func rangeFractions(_ conjuncts: [BoundExpression], _ input: LogicalPlan) -> [Int: Double] {
        guard case .scan(let scan) = input, !scan.valueRanges.isEmpty else { return [:] }
        var bounds: [Int: (low: Double, high: Double, range: ClosedRange<Double>)] = [:]
        for conjunct in conjuncts {
            guard let predicate = Optimizer.scanPredicate(conjunct, scan.fields),
                predicate.column < scan.columns.count, let range = scan.valueRanges[scan.columns[predicate.column]],
                let position = predicate.constants.first?.numericPosition
            else { continue }
            var entry = bounds[predicate.column] ?? (range.lowerBound, range.upperBound, range)
            switch predicate.comparison {
            case .less, .lessOrEqual: entry.high = Swift.min(entry.high, position)
            case .greater, .greaterOrEqual: entry.low = Swift.max(entry.low, position)
            default: continue
            }
            bounds[predicate.column] = entry
        }
        return bounds.mapValues { entry in
            let width = entry.range.upperBound - entry.range.lowerBound
            guard width > 0 else { return entry.low <= entry.high ? 1 : 0 }
            return Swift.min(1, Swift.max(0, (entry.high - entry.low) / width))
        }
    }

    /// For a filter directly over a scan: the fraction `column = constant` (or `column IN (k
    /// constants)`) keeps of a column whose distinct values the statistics estimate, one value's
    /// share (TPC-H's `p_type = '…'` keeps 1/150, `o_orderstatus = 'F'` a third); nil when unknown.
    static func equalityFraction(_ conjunct: BoundExpression, _ input: LogicalPlan) -> Double? {
        guard case .scan(let scan) = input, !scan.distinctCounts.isEmpty,
            let predicate = Optimizer.scanPredicate(conjunct, scan.fields), predicate.column < scan.columns.count,
            let distinct = scan.distinctCounts[scan.columns[predicate.column]]
        else { return nil }
        let share = Double(predicate.constants.count) / Double(distinct)
        switch predicate.comparison {
        // One value's share even of a few values (no cap at the default tenth): TPC-H's
        // o_orderstatus = 'F', half of orders, estimated at a tenth made Q21 build on orders.
        case .equal, .inList: return Swift.min(share, 1)
        default: return nil
        }
    }

    private static func reorder(
        _ leaves: [(plan: LogicalPlan, offset: Int)], _ conditions: [BoundExpression], fields: [Field]
    ) -> LogicalPlan {
        // Which input each column of the written order belongs to.
        var owner: [Int] = []
        for (index, leaf) in leaves.enumerated() {
            owner += [Int](repeating: index, count: leaf.plan.fields.count)
        }
        let touched = conditions.map { Set(PlanUtilities.columns(of: $0).map { owner[$0] }) }
        let isEquality = conditions.map { condition -> Bool in
            guard case .call(.equal, let arguments, _) = condition, arguments.count == 2 else { return false }
            return !PlanUtilities.columns(of: arguments[0]).isEmpty && !PlanUtilities.columns(of: arguments[1]).isEmpty
        }
        let sizes = leaves.map { estimate($0.plan) }
        let kept = leaves.indices.map { sizes[$0] / Swift.max(Double(leaves[$0].plan.estimatedRows), 1) }
        func connects(_ candidate: Int, to set: Set<Int>) -> Bool {
            conditions.indices.contains { c in
                isEquality[c] && touched[c].contains(candidate) && touched[c].count > 1
                    && touched[c].isSubset(of: set.union([candidate]))
            }
        }
        // Inputs that an equality joins directly.
        var neighbors = [Set<Int>](repeating: [], count: leaves.count)
        for c in conditions.indices where isEquality[c] && touched[c].count == 2 {
            let pair = Array(touched[c])
            neighbors[pair[0]].insert(pair[1])
            neighbors[pair[1]].insert(pair[0])
        }
        /// `input` and the inputs hanging from it away from `parent` (a tree, all in `available`):
        /// nil when one of them reaches anything else.
        func hanging(_ input: Int, from parent: Int, in available: Set<Int>) -> Unit? {
            var satellites: [Unit] = []
            for other in neighbors[input] where other != parent {
                // Removing `input` from `available` stops a cycle from recursing forever (a cycle is no tree).
                guard available.contains(other),
                    let below = hanging(other, from: input, in: available.subtracting([input]))
                else {
                    return nil
                }
                satellites.append(below)
            }
            return Unit(root: input, satellites: satellites)
        }
        /// The fraction of `unit`'s root rows its filters and its satellites' filters keep, each
        /// join on a key keeping the fraction the satellite keeps.
        func keptFraction(_ unit: Unit) -> Double {
            unit.satellites.reduce(kept[unit.root]) { $0 * keptFraction($1) }
        }
        /// `input` with its filtered satellites: inputs hanging from it alone whose filters (theirs
        /// or their own satellites', as Q7's customer through its nation) keep a fraction of them.
        func unit(of input: Int, in available: Set<Int>) -> Unit {
            var satellites: [Unit] = []
            for other in neighbors[input] where available.contains(other) {
                if let below = hanging(other, from: input, in: available), keptFraction(below) < 1 {
                    satellites.append(below)
                }
            }
            return Unit(root: input, satellites: satellites)
        }

        // Each step joins a unit: one input, or an input with its filtered satellites, joined first
        // (bushy, each satellite with its own) so that the hash table built for the unit is already
        // cut down by their filters (Q3's orders by its customers, Q7's by its two nations' customers).
        var units: [Unit] = [Unit(root: sizes.indices.max { sizes[$0] < sizes[$1] }!, satellites: [])]
        var joined: Set<Int> = [units[0].root]
        while joined.count < leaves.count {
            let remaining = leaves.indices.filter { !joined.contains($0) }
            let connected = remaining.filter { connects($0, to: joined) }
            let pool = connected.isEmpty ? remaining : connected
            var available = Set(remaining)
            if !connected.isEmpty { available.subtract(connected) }
            let candidates = pool.map { input in
                connected.isEmpty ? Unit(root: input, satellites: []) : unit(of: input, in: available)
            }
            let next = candidates.min { (keptFraction($0), sizes[$0.root]) < (keptFraction($1), sizes[$1.root]) }!
            joined.formUnion(next.leaves)
            units.append(next)
        }

        // Build the tree; `position[i]` is column i's place in the plan of the unit holding it.
        var position = [Int](repeating: -1, count: owner.count)
        var placed = [Bool](repeating: false, count: conditions.count)
        /// Joins `inputs` left-deep (the first probes), placing the conditions their columns allow.
        func build(_ inputs: [(plan: LogicalPlan, leaves: [Int])]) -> LogicalPlan {
            var present = Set(inputs[0].leaves)
            var current = inputs[0].plan
            for input in inputs.dropFirst() {
                let leftCount = current.fields.count
                for leaf in input.leaves {
                    for column in 0..<leaves[leaf].plan.fields.count {
                        position[leaves[leaf].offset + column] += leftCount
                    }
                }
                present.formUnion(input.leaves)
                var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
                var residual: [BoundExpression] = []
                for c in conditions.indices where !placed[c] && touched[c].isSubset(of: present) {
                    placed[c] = true
                    let condition = PlanUtilities.remap(conditions[c]) { position[$0] }
                    if let (left, right) = PlanUtilities.equiKey(condition, leftCount: leftCount) {
                        leftKeys.append(left)
                        rightKeys.append(right)
                    } else {
                        residual.append(condition)
                    }
                }
                current = .join(
                    Join(
                        left: current, right: input.plan, kind: .inner, leftKeys: leftKeys, rightKeys: rightKeys,
                        residual: PlanUtilities.conjunction(residual)))
            }
            return current
        }
        func leaf(_ index: Int) -> (plan: LogicalPlan, leaves: [Int]) {
            for column in 0..<leaves[index].plan.fields.count { position[leaves[index].offset + column] = column }
            return (leaves[index].plan, [index])
        }
        func plan(_ unit: Unit) -> (plan: LogicalPlan, leaves: [Int]) {
            unit.satellites.isEmpty
                ? leaf(unit.root) : (build([leaf(unit.root)] + unit.satellites.map(plan)), unit.leaves)
        }
        let current = build(units.map(plan))
        let outputFields = current.fields
        return .project(
            input: current, expressions: position.map { .column(index: $0, type: outputFields[$0].type) },
            fields: fields)
    }
}

/// An input of a join tree with the inputs joined to it first (its filtered satellites, each with its own).
private struct Unit {
    var root: Int
    var satellites: [Unit]
    /// Every input of the unit, root first.
    var leaves: [Int] { [root] + satellites.flatMap(\.leaves) }
}

extension LogicalPlan {
    /// Rows the plan is expected to give once its filters apply (`JoinOrderRule.estimate`).
    package var filteredEstimate: Double { JoinOrderRule.estimate(self) }
}
