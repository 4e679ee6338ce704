import PlazaCore

/// Removes columns nobody reads: scans read only needed columns, projections and aggregates
/// compute only needed outputs. Each step returns the new plan and where each kept old column went.
enum ProjectionPruning {
    /// `plan` producing at least the `required` columns, and the map old index → new index. With
    /// `narrowingJoins`, a join whose output has columns nothing above reads (keys, columns only
    /// a filter below read) gets a projection to the others, which the executor fuses into the
    /// join so that they are never gathered; it runs after `EagerAggregationRule`, which reads
    /// joins without projections between them.
    static func prune(_ plan: LogicalPlan, _ required: Set<Int>, narrowingJoins: Bool = false) -> (
        plan: LogicalPlan, map: [Int: Int]
    ) {
        let narrowing = narrowingJoins
        switch plan {
        case .scan(var scan):
            var keep = required.sorted().filter { $0 < scan.columns.count }
            if keep.isEmpty, !scan.columns.isEmpty { keep = [0] }  // a scan still needs one column to count rows
            let map = Dictionary(uniqueKeysWithValues: keep.enumerated().map { ($1, $0) })
            scan.columns = keep.map { scan.columns[$0] }
            scan.fields = keep.map { scan.fields[$0] }
            scan.pruningPredicates = scan.pruningPredicates.compactMap { predicate in
                map[predicate.column].map {
                    ScanPredicate(column: $0, comparison: predicate.comparison, constants: predicate.constants)
                }
            }
            return (.scan(scan), map)
        case .values(let rows, let fields):
            return (.values(rows: rows, fields: fields), identity(fields.count))
        case .series:
            return (plan, identity(1))
        case .cteScan(let reference):
            // The stored rows have every column of the definition; the reader skips what it does not need.
            return (plan, identity(reference.fields.count))
        case .materializedCTE(var cte):
            cte.definition = prune(cte.definition, Set(cte.definition.fields.indices), narrowingJoins: narrowing).plan
            let (body, map) = prune(cte.body, required, narrowingJoins: narrowing)
            cte.body = body
            return (.materializedCTE(cte), map)
        case .recursiveCTE(let cte):
            // The working table is read by position: both terms keep every column.
            let all = Set(cte.fields.indices)
            return (cte.mapInputs { prune($0, all, narrowingJoins: narrowing).plan }, identity(cte.fields.count))
        case .filter(let input, let predicate):
            let (newInput, map) = prune(
                input, required.union(PlanUtilities.columns(of: predicate)), narrowingJoins: narrowing)
            return (.filter(input: newInput, predicate: remap(predicate, map)), map)
        case .project(let input, let expressions, let fields):
            var keep = required.sorted().filter { $0 < expressions.count }
            if keep.isEmpty, !expressions.isEmpty {
                // Rows must still be counted: keep an output that cannot fail (a column or a constant),
                // so an unused `make_date(2024, 13, 1) AS x` is not evaluated (as in DuckDB).
                let safe = expressions.firstIndex { expression in
                    switch expression {
                    case .column, .literal: return true
                    default: return false
                    }
                }
                guard let safe else {
                    // Every output computes something: count rows with a constant instead.
                    let (newInput, _) = prune(input, [], narrowingJoins: narrowing)
                    return (
                        .project(
                            input: newInput, expressions: [.literal(.boolean(true), type: .boolean)],
                            fields: [Field(name: "#rows", type: .boolean, isNullable: false)]), [:]
                    )
                }
                keep = [safe]
            }
            var needed = Set<Int>()
            for index in keep { needed.formUnion(PlanUtilities.columns(of: expressions[index])) }
            let (newInput, inputMap) = prune(input, needed, narrowingJoins: narrowing)
            let map = Dictionary(uniqueKeysWithValues: keep.enumerated().map { ($1, $0) })
            return (
                .project(
                    input: newInput, expressions: keep.map { remap(expressions[$0], inputMap) },
                    fields: keep.map { fields[$0] }), map
            )
        case .aggregate(let input, let groups, let aggregates, let fields):
            let groupCount = groups.count
            var keptAggregates = aggregates.indices.filter { required.contains(groupCount + $0) }
            if keptAggregates.isEmpty, groups.isEmpty, !aggregates.isEmpty { keptAggregates = [0] }
            var needed = Set<Int>()
            for group in groups { needed.formUnion(PlanUtilities.columns(of: group)) }
            for index in keptAggregates {
                for argument in aggregates[index].arguments { needed.formUnion(PlanUtilities.columns(of: argument)) }
                if let filter = aggregates[index].filter { needed.formUnion(PlanUtilities.columns(of: filter)) }
            }
            let (newInput, inputMap) = prune(input, needed, narrowingJoins: narrowing)
            var map = identity(groupCount)
            for (position, index) in keptAggregates.enumerated() { map[groupCount + index] = groupCount + position }
            let newAggregates = keptAggregates.map { index in
                var call = aggregates[index]
                call.arguments = call.arguments.map { remap($0, inputMap) }
                call.filter = call.filter.map { remap($0, inputMap) }
                return call
            }
            let newFields = Array(fields[0..<groupCount]) + keptAggregates.map { fields[groupCount + $0] }
            return (
                .aggregate(
                    input: newInput, groups: groups.map { remap($0, inputMap) }, aggregates: newAggregates,
                    fields: newFields), map
            )
        case .join(var join):
            let leftCount = join.left.fields.count
            var leftNeeded = Set<Int>(), rightNeeded = Set<Int>()
            for index in required {
                if index < leftCount { leftNeeded.insert(index) } else { rightNeeded.insert(index - leftCount) }
            }
            for key in join.leftKeys { leftNeeded.formUnion(PlanUtilities.columns(of: key)) }
            for key in join.rightKeys { rightNeeded.formUnion(PlanUtilities.columns(of: key)) }
            if let residual = join.residual {
                for index in PlanUtilities.columns(of: residual) {
                    if index < leftCount { leftNeeded.insert(index) } else { rightNeeded.insert(index - leftCount) }
                }
            }
            let (newLeft, leftMap) = prune(join.left, leftNeeded, narrowingJoins: narrowing)
            let (newRight, rightMap) = prune(join.right, rightNeeded, narrowingJoins: narrowing)
            let newLeftCount = newLeft.fields.count
            var map = leftMap
            for (old, new) in rightMap { map[old + leftCount] = new + newLeftCount }
            join.leftKeys = join.leftKeys.map { remap($0, leftMap) }
            join.rightKeys = join.rightKeys.map { remap($0, rightMap) }
            join.residual = join.residual.map { remap($0, map) }
            join.left = newLeft
            join.right = newRight
            let fields = LogicalPlan.join(join).fields
            let kept = Set(required.compactMap { map[$0] }).sorted()
            guard narrowing, !kept.isEmpty, kept.count < fields.count else { return (.join(join), map) }
            let narrowed = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
            return (
                .project(
                    input: .join(join), expressions: kept.map { .column(index: $0, type: fields[$0].type) },
                    fields: kept.map { fields[$0] }),
                map.compactMapValues { narrowed[$0] }
            )
        case .sort(let input, let keys):
            var needed = required
            for key in keys { needed.formUnion(PlanUtilities.columns(of: key.expression)) }
            let (newInput, map) = prune(input, needed, narrowingJoins: narrowing)
            let newKeys = keys.map {
                SortKey(expression: remap($0.expression, map), isDescending: $0.isDescending, nullsFirst: $0.nullsFirst)
            }
            return (.sort(input: newInput, keys: newKeys), map)
        case .limit(let input, let limit, let offset):
            let (newInput, map) = prune(input, required, narrowingJoins: narrowing)
            return (.limit(input: newInput, limit: limit, offset: offset), map)
        case .distinct(let input):
            // DISTINCT compares whole rows: every column stays.
            let (newInput, map) = prune(input, Set(input.fields.indices), narrowingJoins: narrowing)
            return (.distinct(input: newInput), map)
        case .window(let input, let calls, let fields):
            return pruneWindow(input, calls, fields, required)
        case .setOperation(let operation):
            // Set operations compare whole rows: every column of both inputs stays.
            let all = Set(operation.fields.indices)
            return (
                operation.mapInputs { prune($0, all, narrowingJoins: narrowing).plan }, identity(operation.fields.count)
            )
        }
    }

    private static func identity(_ count: Int) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, $0) })
    }

    static func remap(_ expression: BoundExpression, _ map: [Int: Int]) -> BoundExpression {
        PlanUtilities.remap(expression) { index in
            guard let new = map[index] else { preconditionFailure("column \(index) was pruned but is still read") }
            return new
        }
    }
}
