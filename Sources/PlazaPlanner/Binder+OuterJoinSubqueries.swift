import PlazaCore
import PlazaSQL

// Correlated subqueries in the ON of a LEFT, RIGHT or FULL join.
//
// An outer join decides which rows match by its condition, so a subquery's value must be known
// for each pair before the join, not joined to its output as for an INNER join. Each subquery is
// unnested by the general rewrite (its domain D of the outer values it reads) and computed on a
// side of the join:
// - reading one side's columns only, it is LEFT joined to that side (a column more on each row);
// - reading both sides (of a LEFT join; mirrored for RIGHT), D is taken from the pairs the rest of
//   the condition lets through, the subquery's rows are joined to the right side by D's right
//   columns, and the join's condition also asks D's left columns to equal the left row's. A pair
//   that matches meets exactly one of those copies of its right row, so no row is duplicated.
// A FULL join keeps both sides' unmatched rows, which the copies would repeat: there the LEFT join's
// rows are followed by the right rows that no pair matched (see `fullJoinReadingBothSides`).

extension BindingSession {
    /// Where one subquery of an outer join's ON is computed.
    private enum SubquerySide {
        /// Joined to the left input; the D keys are over the left columns.
        case left
        /// Joined to the right input; the D keys are over the ON scope (shifted when placed).
        case right
        /// Reads both sides: its rows are joined to the side the outer join may drop rows of.
        case both
    }

    /// `left kind JOIN right ON bound`, where `bound` reads the results of the correlated
    /// subqueries in `joins` (columns from `joins.base` on); the plan's columns are the scope's.
    func outerJoinWithSubqueries(
        left: LogicalPlan, right: LogicalPlan, kind: Join.Kind, bound: BoundExpression, joins: SubqueryJoins,
        leftCount: Int, scope: Scope, span: SourceSpan
    ) throws(BindError) -> LogicalPlan {
        let base = joins.base, rightCount = base - leftCount
        // The rest of the condition, over the two sides' columns: the pairs D is taken from.
        let plain = PlanUtilities.conjuncts(bound).filter { conjunct in
            PlanUtilities.columns(of: conjunct).allSatisfy { $0 < base }
        }
        var leftPlan = left, rightPlan = right
        var leftWidth = leftCount, rightWidth = rightCount
        // Each subquery's columns: where they start in the ON scope, and where they were placed.
        var placed: [(start: Int, width: Int, onLeft: Bool, position: Int)] = []
        var extraLeftKeys: [BoundExpression] = [], extraRightKeys: [BoundExpression] = []
        var start = base
        for index in joins.values.indices {
            guard let domain = joins.domains[index] else {
                throw BindError("internal error: a subquery of an outer join's ON was not unnested", span: span)
            }
            let width = domain.right.fields.count
            defer { start += width }
            var sides: [Bool] = []  // per D key: whether it reads the left side
            for key in domain.keys {
                let columns = PlanUtilities.columns(of: key)
                if columns.contains(where: { $0 >= base }) {
                    throw Self.unsupported(
                        "a subquery in an outer join's ON that compares the result of another subquery is not supported yet",
                        span: span)
                }
                if columns.allSatisfy({ $0 < leftCount }) {
                    sides.append(true)
                } else if columns.allSatisfy({ $0 >= leftCount }) {
                    sides.append(false)
                } else {
                    throw Self.unsupported(
                        "a subquery in an outer join's ON whose IN or ANY operand reads both sides is not supported yet",
                        span: span)
                }
            }
            let side: SubquerySide =
                sides.allSatisfy { $0 } ? .left : sides.allSatisfy { !$0 } ? .right : .both
            let shiftRight = { (column: Int) in column - leftCount }
            switch side {
            case .left:
                leftPlan = .join(domain.join(over: leftPlan))
                placed.append((start, width, true, leftWidth))
                leftWidth += width
            case .right:
                let shifted = DomainJoin(
                    frame: domain.frame, keys: domain.keys.map { PlanUtilities.remap($0, shiftRight) },
                    right: domain.right)
                rightPlan = .join(shifted.join(over: rightPlan))
                placed.append((start, width, false, rightWidth))
                rightWidth += width
            case .both:
                guard kind != .full else {
                    return try fullJoinReadingBothSides(
                        left: left, right: right, bound: bound, joins: joins, leftCount: leftCount, scope: scope,
                        span: span)
                }
                let rows = Self.domainRows(domain, left: left, right: right, leftCount: leftCount, plain: plain)
                // The subquery's rows go to the side whose rows may be dropped: the right of a LEFT join.
                let onLeft = kind == .right
                let own = sides.indices.filter { sides[$0] == onLeft }
                let other = sides.indices.filter { sides[$0] != onLeft }
                let ownKeys = own.map { j in
                    onLeft ? domain.keys[j] : PlanUtilities.remap(domain.keys[j], shiftRight)
                }
                let rowKeys = own.map { BoundExpression.column(index: $0, type: rows.fields[$0].type) }
                let sidePlan = onLeft ? leftPlan : rightPlan
                let (sideKeys, matchKeys) = DomainJoin.nullSafeKeys(ownKeys, rowKeys, nullable: sidePlan.fields)
                let joined = LogicalPlan.join(
                    Join(
                        left: sidePlan, right: rows, kind: .inner, leftKeys: sideKeys, rightKeys: matchKeys,
                        residual: nil))
                let position = onLeft ? leftWidth : rightWidth
                // The outer join also matches D's other columns with the other side's row.
                let otherKeys = other.map { j in
                    onLeft ? PlanUtilities.remap(domain.keys[j], shiftRight) : domain.keys[j]
                }
                let copies = other.map { BoundExpression.column(index: position + $0, type: rows.fields[$0].type) }
                let otherPlan = onLeft ? rightPlan : leftPlan
                let (otherSide, copySide) = DomainJoin.nullSafeKeys(otherKeys, copies, nullable: otherPlan.fields)
                if onLeft {
                    leftPlan = joined
                    leftWidth += width
                    extraLeftKeys += copySide
                    extraRightKeys += otherSide
                } else {
                    rightPlan = joined
                    rightWidth += width
                    extraLeftKeys += otherSide
                    extraRightKeys += copySide
                }
                placed.append((start, width, onLeft, position))
            }
        }
        let finalLeft = leftWidth
        let remap = { (column: Int) -> Int in
            if column < leftCount { return column }
            if column < base { return column - leftCount + finalLeft }
            let part = placed.first { column >= $0.start && column < $0.start + $0.width }!
            let local = column - part.start
            return part.onLeft ? part.position + local : finalLeft + part.position + local
        }
        let condition = PlanUtilities.joinCondition(
            PlanUtilities.conjuncts(bound).map { PlanUtilities.remap($0, remap) }, leftCount: finalLeft)
        let join = LogicalPlan.join(
            Join(
                left: leftPlan, right: rightPlan, kind: kind, leftKeys: extraLeftKeys + condition.leftKeys,
                rightKeys: extraRightKeys + condition.rightKeys, residual: condition.residual))
        let kept = Array(0..<leftCount) + (0..<rightCount).map { finalLeft + $0 }
        return .project(
            input: join,
            expressions: kept.enumerated().map { .column(index: $0.element, type: scope.columns[$0.offset].type) },
            fields: scope.fields)
    }

    /// A FULL join whose ON holds a subquery reading both sides: the LEFT join's rows, then the right
    /// rows no pair matched. Those are the right rows EXCEPT ALL the right halves of the INNER join's
    /// pairs: a right row matched by j ≥ 1 left rows appears j times there for each copy of it, so
    /// every copy goes; an unmatched one appears none. (Equal rows match alike: the condition reads
    /// only values, so telling copies apart by value loses nothing.)
    private func fullJoinReadingBothSides(
        left: LogicalPlan, right: LogicalPlan, bound: BoundExpression, joins: SubqueryJoins, leftCount: Int,
        scope: Scope, span: SourceSpan
    ) throws(BindError) -> LogicalPlan {
        let leftRows = try outerJoinWithSubqueries(
            left: left, right: right, kind: .left, bound: bound, joins: joins, leftCount: leftCount, scope: scope,
            span: span)
        let pairs = try outerJoinWithSubqueries(
            left: left, right: right, kind: .inner, bound: bound, joins: joins, leftCount: leftCount, scope: scope,
            span: span)
        let rightFields = right.fields
        let matched = LogicalPlan.project(
            input: pairs,
            expressions: rightFields.indices.map { .column(index: leftCount + $0, type: rightFields[$0].type) },
            fields: rightFields)
        let unmatched = LogicalPlan.setOperation(
            SetOperationPlan(kind: .except, isAll: true, left: right, right: matched, fields: rightFields))
        let padded = LogicalPlan.project(
            input: unmatched,
            expressions: (0..<leftCount).map { .literal(.null, type: scope.columns[$0].type) }
                + rightFields.indices.map { .column(index: $0, type: rightFields[$0].type) },
            fields: scope.fields)
        return .setOperation(
            SetOperationPlan(kind: .union, isAll: true, left: leftRows, right: padded, fields: scope.fields))
    }

    /// A subquery reading both sides, reduced over D taken from the pairs that `plain` (the rest of
    /// the ON) lets through: D's columns, then its results.
    private static func domainRows(
        _ domain: DomainJoin, left: LogicalPlan, right: LogicalPlan, leftCount: Int, plain: [BoundExpression]
    ) -> LogicalPlan {
        let condition = PlanUtilities.joinCondition(plain, leftCount: leftCount)
        let pairs = LogicalPlan.join(
            Join(
                left: left, right: right, kind: .inner, leftKeys: condition.leftKeys, rightKeys: condition.rightKeys,
                residual: condition.residual))
        let values = LogicalPlan.distinct(
            input: .project(input: pairs, expressions: domain.keys, fields: domain.frame.fields))
        return DomainJoin.replacing(domain.frame.id, in: domain.right, with: values)
    }
}
