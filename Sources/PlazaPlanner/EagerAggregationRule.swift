import PlazaCore

/// Aggregates the large side of a join before joining ("eager aggregation"), when the statistics
/// show that its join keys take few values.
///
/// `SELECT c.alcaldia, count(*) FROM reportes r JOIN colonias c ON r.colonia = c.colonia GROUP BY
/// c.alcaldia` becomes: count `reportes` per `colonia` (a few hundred groups, by dictionary code),
/// join those rows to `colonias`, and add the counts up per `alcaldia`. The join then probes a few
/// hundred rows instead of every row of the table.
///
/// It applies when every aggregate is `count`, `count(*)`, `sum`, `min` or `max` (without DISTINCT,
/// except min/max) over the large side only, the join is INNER or LEFT without a residual
/// condition, and the large side's grouping keys (join keys and its GROUP BY expressions) have at
/// most a quarter as many value combinations as it has rows. Partial results combine exactly: a
/// group's rows that match m rows of the other side appear m times either way, so sums and counts
/// multiply alike, and min/max do not change.
enum EagerAggregationRule {
    static func apply(_ plan: LogicalPlan, _ statistics: any CatalogStatistics) -> LogicalPlan {
        switch plan {
        case .scan, .values, .series: return plan
        case .filter(let input, let predicate): return .filter(input: apply(input, statistics), predicate: predicate)
        case .project(let input, let expressions, let fields):
            return .project(input: apply(input, statistics), expressions: expressions, fields: fields)
        case .aggregate(let input, let groups, let aggregates, let fields):
            let newInput = apply(input, statistics)
            if case .join(let join) = newInput,
                let rewritten = rewrite(join, groups: groups, aggregates: aggregates, fields: fields, statistics)
            {
                return rewritten
            }
            return .aggregate(input: newInput, groups: groups, aggregates: aggregates, fields: fields)
        case .join(var join):
            join.left = apply(join.left, statistics)
            join.right = apply(join.right, statistics)
            return .join(join)
        case .sort(let input, let keys): return .sort(input: apply(input, statistics), keys: keys)
        case .limit(let input, let limit, let offset):
            return .limit(input: apply(input, statistics), limit: limit, offset: offset)
        case .distinct(let input): return .distinct(input: apply(input, statistics))
        case .window(let input, let calls, let fields):
            return .window(input: apply(input, statistics), calls: calls, fields: fields)
        case .setOperation, .cteScan, .materializedCTE, .recursiveCTE:
            return plan.mapInputs { apply($0, statistics) }
        }
    }

    /// The rewritten aggregate over `join`, or nil when the rule does not apply.
    private static func rewrite(
        _ join: Join, groups: [BoundExpression], aggregates: [AggregateCall], fields: [Field],
        _ statistics: any CatalogStatistics
    ) -> LogicalPlan? {
        guard join.kind == .inner || join.kind == .left, join.residual == nil, !groups.isEmpty, !aggregates.isEmpty
        else { return nil }
        let leftCount = join.left.fields.count
        var aggregateColumns = Set<Int>()
        for call in aggregates {
            for argument in call.arguments { PlanUtilities.collectColumns(argument, into: &aggregateColumns) }
            if let filter = call.filter { PlanUtilities.collectColumns(filter, into: &aggregateColumns) }
        }
        // The large side is the one the aggregates read (count(*) alone reads neither: the larger input).
        let factIsLeft: Bool
        if aggregateColumns.isEmpty {
            factIsLeft = join.left.estimatedRows >= join.right.estimatedRows
        } else if aggregateColumns.allSatisfy({ $0 < leftCount }) {
            factIsLeft = true
        } else if aggregateColumns.allSatisfy({ $0 >= leftCount }) {
            factIsLeft = false
        } else {
            return nil
        }
        // The NULL-extended rows of a LEFT join's right side have no partial results.
        let factIsNullExtended = join.kind == .left && !factIsLeft
        for call in aggregates {
            switch call.function {
            case .count, .sum: guard !call.isDistinct else { return nil }
            case .countStar: guard !factIsNullExtended else { return nil }
            case .min, .max: break
            default: return nil
            }
            if call.arguments.contains(where: PredicatePushdown.containsSubquery)
                || call.filter.map(PredicatePushdown.containsSubquery) == true
            {
                return nil
            }
        }
        let fact = factIsLeft ? join.left : join.right
        let factOffset = factIsLeft ? 0 : leftCount
        let factRange = factOffset..<(factOffset + fact.fields.count)

        // The large side's grouping expressions: its join keys, then its GROUP BY expressions.
        var factGroups = factIsLeft ? join.leftKeys : join.rightKeys
        var topGroupSources: [(isFact: Bool, position: Int)] = []
        for group in groups {
            let columns = PlanUtilities.columns(of: group)
            if PredicatePushdown.containsSubquery(group) { return nil }
            if !columns.isEmpty, columns.allSatisfy(factRange.contains) {
                let local = PlanUtilities.remap(group) { $0 - factOffset }
                if let existing = factGroups.firstIndex(of: local) {
                    topGroupSources.append((true, existing))
                } else {
                    factGroups.append(local)
                    topGroupSources.append((true, factGroups.count - 1))
                }
            } else if columns.allSatisfy({ !factRange.contains($0) }) {
                topGroupSources.append((false, 0))
            } else {
                return nil
            }
        }
        // Without keys (a cross join grouped by the other side only) the partial aggregate would
        // give one row over an empty input, which the join pairs with every row of the other side.
        guard !factGroups.isEmpty else { return nil }
        let factRows = fact.estimatedRows, otherRows = (factIsLeft ? join.right : join.left).estimatedRows
        guard factRows > otherRows, let combinations = distinctBound(factGroups, fact, statistics),
            combinations.multipliedReportingOverflow(by: 4).partialValue <= factRows
        else { return nil }

        // Below the join: the large side grouped by its keys, with the partial aggregates.
        let partials = aggregates.map { call in
            var partial = call
            partial.arguments = call.arguments.map { PlanUtilities.remap($0) { $0 - factOffset } }
            partial.filter = call.filter.map { PlanUtilities.remap($0) { $0 - factOffset } }
            if partial.function == .min || partial.function == .max { partial.isDistinct = false }
            return partial
        }
        let partialFields =
            factGroups.enumerated().map { Field(name: "key\($0.offset)", type: $0.element.type) }
            + partials.enumerated().map { Field(name: "partial\($0.offset)", type: $0.element.type) }
        let preaggregated = LogicalPlan.aggregate(
            input: fact, groups: factGroups, aggregates: partials, fields: partialFields)
        var newJoin = join
        let keyColumns = (factIsLeft ? join.leftKeys : join.rightKeys).indices.map {
            BoundExpression.column(index: $0, type: factGroups[$0].type)
        }
        if factIsLeft {
            newJoin.left = preaggregated
            newJoin.leftKeys = keyColumns
        } else {
            newJoin.right = preaggregated
            newJoin.rightKeys = keyColumns
        }

        // Above the join: the original groups, with the partial results combined.
        let partialStart = factOffset + factGroups.count
        let otherShift = factIsLeft ? partialFields.count - fact.fields.count : 0
        let topGroups = zip(groups, topGroupSources).map { group, source in
            source.isFact
                ? BoundExpression.column(index: factOffset + source.position, type: group.type)
                : PlanUtilities.remap(group) { $0 + otherShift }
        }
        let combined = aggregates.enumerated().map { index, call in
            let partial = BoundExpression.column(index: partialStart + index, type: call.type)
            let function: AggregateFunction = call.function == .min || call.function == .max ? call.function : .sum
            return AggregateCall(function: function, arguments: [partial], type: call.type)
        }
        let top = LogicalPlan.aggregate(input: .join(newJoin), groups: topGroups, aggregates: combined, fields: fields)
        guard factIsNullExtended, aggregates.contains(where: { $0.function == .count }) else { return top }
        // count(x) of a group whose rows are all NULL-extended is 0, where the sum of their partials is NULL.
        let outputs = fields.enumerated().map { index, field -> BoundExpression in
            let column = BoundExpression.column(index: index, type: field.type)
            guard index >= groups.count, aggregates[index - groups.count].function == .count else { return column }
            return .call(name: .coalesce, arguments: [column, .literal(.bigint(0), type: .bigint)], type: field.type)
        }
        return .project(input: top, expressions: outputs, fields: fields)
    }

    /// An upper bound on the value combinations of `expressions` over `plan`: each must be a column
    /// traced to a stored table column whose statistics bound it (NULL counts as one more value).
    private static func distinctBound(
        _ expressions: [BoundExpression], _ plan: LogicalPlan, _ statistics: any CatalogStatistics
    ) -> Int? {
        var product = 1
        for expression in expressions {
            guard case .column(let index, _) = expression, let (table, column) = storedColumn(plan, index),
                let bound = statistics.distinctUpperBound(table: table, column: column)
            else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: bound + 1)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The stored table and column that output column `index` of `plan` passes through unchanged, if any.
    private static func storedColumn(_ plan: LogicalPlan, _ index: Int) -> (String, Int)? {
        switch plan {
        case .scan(let scan): return index < scan.columns.count ? (scan.table, scan.columns[index]) : nil
        case .filter(let input, _): return storedColumn(input, index)
        case .project(let input, let expressions, _):
            guard index < expressions.count, case .column(let inner, _) = expressions[index] else { return nil }
            return storedColumn(input, inner)
        default: return nil
        }
    }
}
