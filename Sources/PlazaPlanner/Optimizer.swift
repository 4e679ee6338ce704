import PlazaCore

/// Rewrite rules over logical plans: constant folding, predicate pushdown (into scans and
/// through projections, joins, sorts, DISTINCT and on group keys through aggregates), projection
/// pushdown (each scan reads only the columns the query needs) and `column <op> constant`
/// predicates copied into `TableScan.pruningPredicates` (the filter stays above the scan), and
/// `x [NOT] IN (subquery)` filter conjuncts turned into SEMI/ANTI joins; with column statistics,
/// aggregates over a join pre-aggregated below it (`EagerAggregationRule`) and range and equality
/// filters estimated from the columns' value ranges and distinct counts; trees of three or more INNER joins reordered
/// (`JoinOrderRule`); expressions several aggregate arguments share computed once
/// (`AggregateSharingRule`); ranking windows capped by a filter marked for a per-partition top k
/// (`WindowTopRule`).
package enum Optimizer {
    /// The optimized plan; it computes the same rows with the same output fields. `statistics`
    /// enables the rules that need to know how many values a column holds.
    package static func optimize(_ plan: LogicalPlan, statistics: (any CatalogStatistics)? = nil) -> LogicalPlan {
        var result = foldPlan(plan)
        result = PredicatePushdown.push(result, [])
        result = SubqueryJoinRule.apply(result)
        result = WindowTopRule.apply(result)
        if let statistics { result = attachColumnStatistics(result, statistics) }
        result = JoinOrderRule.apply(result)
        result = ProjectionPruning.prune(result, Set(result.fields.indices)).plan
        result = ProjectMergeRule.apply(result)
        if let statistics {
            result = EagerAggregationRule.apply(result, statistics)
            result = ProjectMergeRule.apply(result)
        }
        // Joins drop the columns nothing above reads; after the rules that look at joins directly.
        result = ProjectionPruning.prune(result, Set(result.fields.indices), narrowingJoins: true).plan
        result = ProjectMergeRule.apply(result)
        result = attachPruningPredicates(result)
        result = AggregateSharingRule.apply(result)
        return result
    }

    /// Constant folding of one expression (also optimizes subquery plans inside it).
    package static func fold(_ expression: BoundExpression) -> BoundExpression {
        ConstantFolding.fold(expression)
    }

    /// Folds every expression of a plan; drops filters that are constantly true.
    static func foldPlan(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .scan, .series, .cteScan: return plan
        case .values(let rows, let fields): return .values(rows: rows.map { $0.map(fold) }, fields: fields)
        case .filter(let input, let predicate):
            let folded = OrFactoring.apply(fold(predicate))
            if case .literal(.boolean(true), _) = folded { return foldPlan(input) }
            // A filter that is never true (FALSE or NULL) yields no rows: nothing below it runs.
            if case .literal(let value, _) = folded, value == .boolean(false) || value.isNull {
                return .values(rows: [], fields: input.fields)
            }
            return .filter(input: foldPlan(input), predicate: folded)
        case .project(let input, let expressions, let fields):
            return .project(input: foldPlan(input), expressions: expressions.map(fold), fields: fields)
        case .aggregate(let input, let groups, let aggregates, let fields):
            let folded = aggregates.map { call in
                var copy = call
                copy.arguments = call.arguments.map(fold)
                copy.filter = call.filter.map(fold)
                return groups.isEmpty ? copy : CaseCountRule.apply(copy)
            }
            return .aggregate(input: foldPlan(input), groups: groups.map(fold), aggregates: folded, fields: fields)
        case .join(var join):
            join.left = foldPlan(join.left)
            join.right = foldPlan(join.right)
            join.leftKeys = join.leftKeys.map(fold)
            join.rightKeys = join.rightKeys.map(fold)
            join.residual = join.residual.map(fold)
            if case .literal(.boolean(true), _)? = join.residual { join.residual = nil }
            return .join(join)
        case .sort(let input, let keys):
            return .sort(
                input: foldPlan(input),
                keys: keys.map {
                    SortKey(expression: fold($0.expression), isDescending: $0.isDescending, nullsFirst: $0.nullsFirst)
                })
        case .limit(let input, let limit, let offset):
            return .limit(input: foldPlan(input), limit: limit, offset: offset)
        case .distinct(let input): return .distinct(input: foldPlan(input))
        case .window(let input, let calls, let fields):
            return .window(input: foldPlan(input), calls: calls.map(foldWindowCall), fields: fields)
        case .setOperation(let operation): return operation.mapInputs(foldPlan)
        case .materializedCTE(let cte): return cte.mapInputs(foldPlan)
        case .recursiveCTE(let cte): return cte.mapInputs(foldPlan)
        }
    }

    /// Gives every scan the value ranges and distinct counts of its columns, for the join order's estimates.
    static func attachColumnStatistics(_ plan: LogicalPlan, _ statistics: any CatalogStatistics) -> LogicalPlan {
        guard case .scan(var scan) = plan else { return plan.mapInputs { attachColumnStatistics($0, statistics) } }
        for column in scan.columns {
            if let range = statistics.valueRange(table: scan.table, column: column) { scan.valueRanges[column] = range }
            if let distinct = statistics.distinctEstimate(table: scan.table, column: column), distinct > 0 {
                scan.distinctCounts[column] = distinct
            }
        }
        return .scan(scan)
    }

    /// Copies `column <op> constant` conjuncts of filters directly above scans into the scans.
    static func attachPruningPredicates(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .filter(.scan(var scan), let predicate):
            scan.pruningPredicates = PlanUtilities.conjuncts(predicate).flatMap { conjunct in
                scanPredicate(conjunct, scan.fields).map { [$0] } ?? DerivedScanPredicates.derive(conjunct)
            }
            return .filter(input: .scan(scan), predicate: predicate)
        default:
            return plan.mapInputs(attachPruningPredicates)
        }
    }

    /// A conjunct as a scan predicate, when it compares a scan column with constants of its type.
    static func scanPredicate(_ conjunct: BoundExpression, _ fields: [Field]) -> ScanPredicate? {
        guard case .call(let function, let arguments, _) = conjunct else { return nil }
        switch function {
        case .isNull, .isNotNull:
            guard case .column(let index, _) = arguments[0] else { return nil }
            return ScanPredicate(column: index, comparison: function == .isNull ? .isNull : .isNotNull, constants: [])
        case .in:
            guard case .column(let index, let type) = arguments[0] else { return nil }
            var constants: [Value] = []
            for argument in arguments.dropFirst() {
                guard case .literal(let value, let literalType) = argument, literalType == type, !value.isNull else {
                    return nil
                }
                constants.append(value)
            }
            return ScanPredicate(column: index, comparison: .inList, constants: constants)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            if case .column(let index, let type) = arguments[0],
                case .literal(let value, let literalType) = arguments[1],
                literalType == type, !value.isNull, let comparison = function.scanComparison
            {
                return ScanPredicate(column: index, comparison: comparison, constants: [value])
            }
            if case .column(let index, let type) = arguments[1],
                case .literal(let value, let literalType) = arguments[0],
                literalType == type, !value.isNull, let comparison = function.mirrored?.scanComparison
            {
                return ScanPredicate(column: index, comparison: comparison, constants: [value])
            }
            return nil
        default:
            return nil
        }
    }
}
