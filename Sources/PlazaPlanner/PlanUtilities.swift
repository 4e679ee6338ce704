import PlazaCore

/// Small helpers over bound expressions shared by the binder and the rewrite rules.
package enum PlanUtilities {
    /// The conjuncts of an expression (the arguments of a top-level `and`, flattened).
    package static func conjuncts(_ expression: BoundExpression) -> [BoundExpression] {
        if case .call(.and, let arguments, _) = expression { return arguments.flatMap(conjuncts) }
        return [expression]
    }

    /// The `and` of conjuncts (nil for none, the conjunct itself for one).
    package static func conjunction(_ conjuncts: [BoundExpression]) -> BoundExpression? {
        switch conjuncts.count {
        case 0: return nil
        case 1: return conjuncts[0]
        default: return .call(name: .and, arguments: conjuncts, type: .boolean)
        }
    }

    /// The input columns an expression reads (not those inside subquery plans, which are uncorrelated).
    package static func columns(of expression: BoundExpression) -> Set<Int> {
        var result = Set<Int>()
        collectColumns(expression, into: &result)
        return result
    }

    static func collectColumns(_ expression: BoundExpression, into result: inout Set<Int>) {
        switch expression {
        case .column(let index, _): result.insert(index)
        case .literal, .scalarSubquery: break
        case .cast(let inner, _, _): collectColumns(inner, into: &result)
        case .call(_, let arguments, _): for argument in arguments { collectColumns(argument, into: &result) }
        case .caseWhen(let branches, let otherwise, _):
            for branch in branches {
                collectColumns(branch.when, into: &result)
                collectColumns(branch.then, into: &result)
            }
            if let otherwise { collectColumns(otherwise, into: &result) }
        case .inSubquery(let needle, _, _): collectColumns(needle, into: &result)
        }
    }

    /// The expression with every column index replaced through `map`.
    package static func remap(_ expression: BoundExpression, _ map: (Int) -> Int) -> BoundExpression {
        replaceColumns(expression) { index, type in .column(index: map(index), type: type) }
    }

    /// The expression with every column replaced by `replacement(index, type)`.
    package static func replaceColumns(_ expression: BoundExpression, _ replacement: (Int, DataType) -> BoundExpression)
        -> BoundExpression
    {
        switch expression {
        case .column(let index, let type): return replacement(index, type)
        case .literal, .scalarSubquery: return expression
        case .cast(let inner, let type, let isTry):
            return .cast(replaceColumns(inner, replacement), to: type, isTry: isTry)
        case .call(let name, let arguments, let type):
            return .call(name: name, arguments: arguments.map { replaceColumns($0, replacement) }, type: type)
        case .caseWhen(let branches, let otherwise, let type):
            return .caseWhen(
                branches: branches.map {
                    CaseBranch(when: replaceColumns($0.when, replacement), then: replaceColumns($0.then, replacement))
                },
                otherwise: otherwise.map { replaceColumns($0, replacement) }, type: type)
        case .inSubquery(let needle, let plan, let negated):
            return .inSubquery(replaceColumns(needle, replacement), plan, isNegated: negated)
        }
    }

    /// `l = r` with `l` over the left input only and `r` over the right only (either order): the
    /// key pair with `r` re-indexed to the right input; nil otherwise.
    package static func equiKey(_ conjunct: BoundExpression, leftCount: Int) -> (BoundExpression, BoundExpression)? {
        guard case .call(.equal, let arguments, _) = conjunct, arguments.count == 2 else { return nil }
        let a = columns(of: arguments[0]), b = columns(of: arguments[1])
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let shift: (Int) -> Int = { $0 - leftCount }
        if a.allSatisfy({ $0 < leftCount }), b.allSatisfy({ $0 >= leftCount }) {
            return (arguments[0], remap(arguments[1], shift))
        }
        if b.allSatisfy({ $0 < leftCount }), a.allSatisfy({ $0 >= leftCount }) {
            return (arguments[1], remap(arguments[0], shift))
        }
        return nil
    }

    /// A join condition's conjuncts over (left, right) columns split into hash keys (equalities of
    /// one side with the other) and the residual, a literal TRUE dropped.
    package static func joinCondition(_ conjuncts: [BoundExpression], leftCount: Int) -> (
        leftKeys: [BoundExpression], rightKeys: [BoundExpression], residual: BoundExpression?
    ) {
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = [], residual: [BoundExpression] = []
        for conjunct in conjuncts {
            if let (l, r) = equiKey(conjunct, leftCount: leftCount) {
                leftKeys.append(l)
                rightKeys.append(r)
            } else if case .literal(.boolean(true), _) = conjunct {
                continue
            } else {
                residual.append(conjunct)
            }
        }
        return (leftKeys, rightKeys, conjunction(residual))
    }

    /// Whether an expression may be NULL over an input with `fields` (conservative: true when unsure).
    package static func isNullable(_ expression: BoundExpression, _ fields: [Field]) -> Bool {
        switch expression {
        case .column(let index, _): return index >= 0 && index < fields.count ? fields[index].isNullable : true
        case .literal(let value, _): return value.isNull
        case .call(let name, let arguments, _):
            switch name {
            case .isNull, .isNotNull, .isDistinctFrom, .isNotDistinctFrom, .concat, .currentDate: return false
            case .add, .subtract, .multiply, .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .not,
                .concatOperator, .lower, .upper, .length, .year, .month, .day:
                return arguments.contains { isNullable($0, fields) }
            default: break
            }
            return true
        case .cast(let inner, _, let isTry): return isTry || isNullable(inner, fields)
        default: return true
        }
    }
}

extension Join {
    /// The pairs of rows a join without keys tries: the product of its sides' estimated rows
    /// (`Int.max` when it overflows).
    package var estimatedPairs: Int {
        let (product, overflow) = left.estimatedRows.multipliedReportingOverflow(by: right.estimatedRows)
        return overflow ? Int.max : product
    }
}

extension LogicalPlan {
    /// Rows the plan may produce, from its scans' row counts (filters and aggregates keep the
    /// estimate; a join with keys the larger side's, one without the pairs it tries): enough to tell a lookup table from a fact table.
    package var estimatedRows: Int {
        switch self {
        case .scan(let scan): return scan.estimatedRows
        case .values(let rows, _): return rows.count
        case .series(let series): return series.estimatedRows
        case .filter(let input, _), .project(let input, _, _), .aggregate(let input, _, _, _), .sort(let input, _),
            .distinct(let input), .window(let input, _, _):
            return input.estimatedRows
        case .limit(let input, let limit, _): return Swift.min(input.estimatedRows, limit ?? Int.max)
        case .join(let join):
            if join.leftKeys.isEmpty && join.kind != .semi && join.kind != .anti { return join.estimatedPairs }
            return Swift.max(join.left.estimatedRows, join.right.estimatedRows)
        case .setOperation(let operation):
            let (left, right) = (operation.left.estimatedRows, operation.right.estimatedRows)
            switch operation.kind {
            case .union: return left.addingReportingOverflow(right).overflow ? Int.max : left + right
            case .intersect: return Swift.min(left, right)
            case .except: return left
            }
        case .cteScan(let reference): return reference.estimatedRows
        case .materializedCTE(let cte): return cte.body.estimatedRows
        case .recursiveCTE(let cte):
            // The number of iterations is unknown: guess a few rounds of the recursive term.
            let (rounds, overflow) = cte.recursive.estimatedRows.multipliedReportingOverflow(by: 4)
            let (total, sumOverflow) = cte.anchor.estimatedRows.addingReportingOverflow(overflow ? Int.max : rounds)
            return sumOverflow ? Int.max : total
        }
    }
}

extension LogicalPlan {
    /// The plan with `transform` applied to each direct input (the node itself unchanged): the
    /// recursion step of rewrite rules that act on some node kinds and pass through the others.
    package func mapInputs(_ transform: (LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        switch self {
        case .scan, .values, .series, .cteScan: return self
        case .filter(let input, let predicate): return .filter(input: transform(input), predicate: predicate)
        case .project(let input, let expressions, let fields):
            return .project(input: transform(input), expressions: expressions, fields: fields)
        case .aggregate(let input, let groups, let aggregates, let fields):
            return .aggregate(input: transform(input), groups: groups, aggregates: aggregates, fields: fields)
        case .join(var join):
            join.left = transform(join.left)
            join.right = transform(join.right)
            return .join(join)
        case .sort(let input, let keys): return .sort(input: transform(input), keys: keys)
        case .limit(let input, let limit, let offset):
            return .limit(input: transform(input), limit: limit, offset: offset)
        case .distinct(let input): return .distinct(input: transform(input))
        case .window(let input, let calls, let fields):
            return .window(input: transform(input), calls: calls, fields: fields)
        case .setOperation(let operation): return operation.mapInputs(transform)
        case .materializedCTE(let cte): return cte.mapInputs(transform)
        case .recursiveCTE(let cte): return cte.mapInputs(transform)
        }
    }
}
