import PlazaCore
import PlazaSQL

extension BindingSession {
    /// Records the GROUP BY keys for grouping(), and with ROLLUP / CUBE / GROUPING SETS adds the
    /// grouping-set id as a last group (a column past the input's, added by `groupingSetsAggregate`).
    func prepareGroupingSets(_ aggregation: Aggregation, keyPositions: [Int], sets: [[Int]]?) {
        guard let collector = windows else { return }
        collector.groupKeys = aggregation.groups
        guard let sets else { return }
        let column = aggregation.scope.columns.count
        collector.groupingSetColumn = column
        collector.groupingSets = sets.map { Array(Set($0.map { keyPositions[$0] })).sorted() }
        aggregation.groups.append(.column(index: column, type: .bigint))
        aggregation.groupNames.append("#grouping_set")
    }

    /// The aggregation over all grouping sets. When every aggregate can be rolled up (counts,
    /// exact sums, min, max, bool_and/bool_or, none DISTINCT) and the plan may hold a computed CTE
    /// (`canShare`: not inside a correlated subquery): the input is aggregated once by every key of
    /// every set, and each set re-aggregates those few rows (`rolledUpAggregate`). Otherwise, over
    /// a cheap input (a scan with filters and projections) or a few sets: one aggregation per set,
    /// each grouped by its own keys, the other keys NULL and the set id a constant, their rows
    /// combined by UNION ALL (the input is read once per set, which costs far less than repeating
    /// every row per set); else one aggregation over the input repeated once per set
    /// (`repeatedRowsAggregate`).
    func groupingSetsAggregate(
        _ input: LogicalPlan, _ aggregation: Aggregation, _ collector: WindowCollector, canShare: Bool
    ) -> LogicalPlan {
        let sets = collector.groupingSets
        if canShare, let rolled = rolledUpAggregate(input, aggregation, collector) { return rolled }
        guard sets.count <= 4 || Self.isCheapToRepeat(input) else {
            return repeatedRowsAggregate(input, aggregation, collector)
        }
        let keys = Array(aggregation.groups.dropLast())
        var outputFields = aggregation.fields
        for index in keys.indices { outputFields[index].isNullable = true }
        let calls = aggregation.collector.calls
        let perSet = sets.enumerated().map { (id, set) in
            var fields = set.map { outputFields[$0] }
            fields += outputFields[(keys.count + 1)...]
            let aggregated = LogicalPlan.aggregate(
                input: input, groups: set.map { keys[$0] }, aggregates: calls, fields: fields)
            let aggregates = calls.indices.map {
                BoundExpression.column(index: set.count + $0, type: outputFields[keys.count + 1 + $0].type)
            }
            return Self.setRows(aggregated, set: set, id: id, keys: keys, aggregates: aggregates, fields: outputFields)
        }
        return Self.unionAll(perSet, fields: outputFields)
    }

    /// The grouping sets computed from one aggregation of the input by the union of their keys (the
    /// finest set), stored once as a computed CTE: a set with all those keys reads its rows as they
    /// are, a coarser one aggregates them again (counts summed, empty counts 0; sums summed; min of
    /// mins). Nil when an aggregate cannot be combined that way (DISTINCT, averages, sums of DOUBLE
    /// whose last digits would depend on the grouping, quantiles, …).
    func rolledUpAggregate(_ input: LogicalPlan, _ aggregation: Aggregation, _ collector: WindowCollector)
        -> LogicalPlan?
    {
        let sets = collector.groupingSets
        let calls = aggregation.collector.calls
        guard sets.count > 1, calls.allSatisfy(Self.rollsUp) else { return nil }
        let keys = Array(aggregation.groups.dropLast())
        let finest = Array(Set(sets.flatMap { $0 })).sorted()
        var outputFields = aggregation.fields
        for index in keys.indices { outputFields[index].isNullable = true }
        let callFields = Array(outputFields[(keys.count + 1)...])
        let baseFields = finest.map { aggregation.fields[$0] } + callFields
        let base = LogicalPlan.aggregate(
            input: input, groups: finest.map { keys[$0] }, aggregates: calls, fields: baseFields)
        let id = cteCounter.take()
        let stored = LogicalPlan.cteScan(
            CTEReference(
                id: id, name: "grouping sets", fields: baseFields, isWorkingTable: false,
                estimatedRows: base.estimatedRows))
        let perSet = sets.enumerated().map { (setID, set) in
            // A set with every key reads the stored rows as they are (its keys are `finest`, in order).
            if set.count == finest.count {
                let aggregates = calls.indices.map {
                    BoundExpression.column(index: finest.count + $0, type: callFields[$0].type)
                }
                return Self.setRows(
                    stored, set: set, id: setID, keys: keys, aggregates: aggregates, fields: outputFields)
            }
            let groups = set.map { position in
                let at = finest.firstIndex(of: position)!
                return BoundExpression.column(index: at, type: baseFields[at].type)
            }
            let rolled = calls.indices.map { index in
                Self.rollUp(calls[index], column: .column(index: finest.count + index, type: callFields[index].type))
            }
            let aggregated = LogicalPlan.aggregate(
                input: stored, groups: groups, aggregates: rolled,
                fields: set.map { aggregation.fields[$0] } + callFields)
            let aggregates = calls.indices.map { index in
                let column = BoundExpression.column(index: set.count + index, type: callFields[index].type)
                // A count over no rows is 0, a sum of counts over no rows NULL.
                guard calls[index].function == .count || calls[index].function == .countStar else { return column }
                return BoundExpression.call(
                    name: .coalesce, arguments: [column, .literal(.bigint(0), type: .bigint)], type: .bigint)
            }
            return Self.setRows(
                aggregated, set: set, id: setID, keys: keys, aggregates: aggregates, fields: outputFields)
        }
        return .materializedCTE(
            MaterializedCTEPlan(
                id: id, name: "grouping sets", definition: base, body: Self.unionAll(perSet, fields: outputFields)))
    }

    /// One grouping set's rows in the output's layout, over `source` whose first columns are the
    /// set's keys in order: every key of the query (NULL outside the set), the set's id, then `aggregates`.
    static func setRows(
        _ source: LogicalPlan, set: [Int], id: Int, keys: [BoundExpression], aggregates: [BoundExpression],
        fields: [Field]
    ) -> LogicalPlan {
        var expressions: [BoundExpression] = keys.enumerated().map { position, key in
            set.firstIndex(of: position).map { .column(index: $0, type: key.type) } ?? .literal(.null, type: key.type)
        }
        expressions.append(.literal(.bigint(Int64(id)), type: .bigint))
        expressions += aggregates
        return .project(input: source, expressions: expressions, fields: fields)
    }

    /// The sets' rows one after the other (UNION ALL).
    static func unionAll(_ plans: [LogicalPlan], fields: [Field]) -> LogicalPlan {
        plans.dropFirst().reduce(plans[0]) { combined, next in
            .setOperation(SetOperationPlan(kind: .union, isAll: true, left: combined, right: next, fields: fields))
        }
    }

    /// Whether partial results of `call` over finer groups combine into its result over coarser ones.
    static func rollsUp(_ call: AggregateCall) -> Bool {
        guard !call.isDistinct else { return false }
        switch call.function {
        case .countStar, .count, .min, .max, .boolAnd, .boolOr: return true
        case .sum: return call.type != .double
        default: return false
        }
    }

    /// The aggregate that combines partial results of `call` held in `column`.
    static func rollUp(_ call: AggregateCall, column: BoundExpression) -> AggregateCall {
        let function: AggregateFunction =
            switch call.function {
            case .countStar, .count, .sum: .sum
            default: call.function
            }
        return AggregateCall(function: function, arguments: [column], type: call.type)
    }

    /// Whether running `plan` once per grouping set costs little: a table scan under filters and projections.
    static func isCheapToRepeat(_ plan: LogicalPlan) -> Bool {
        switch plan {
        case .scan: return true
        case .filter(let input, _), .project(let input, _, _): return isCheapToRepeat(input)
        default: return false
        }
    }

    /// One aggregation over all grouping sets: each input row is repeated once per set (a cross join
    /// with the set ids), keys outside the row's set become NULL, and the set id is a group key.
    func repeatedRowsAggregate(_ input: LogicalPlan, _ aggregation: Aggregation, _ collector: WindowCollector)
        -> LogicalPlan
    {
        let sets = collector.groupingSets
        let inputCount = input.fields.count
        let idField = Field(name: "#grouping_set", type: .bigint, isNullable: false)
        let ids = LogicalPlan.values(
            rows: sets.indices.map { [.literal(.bigint(Int64($0)), type: .bigint)] }, fields: [idField])
        let expanded = LogicalPlan.join(
            Join(left: input, right: ids, kind: .inner, leftKeys: [], rightKeys: [], residual: nil))
        let id = BoundExpression.column(index: inputCount, type: .bigint)
        var expressions = expanded.fields.indices.map {
            BoundExpression.column(index: $0, type: expanded.fields[$0].type)
        }
        var fields = expanded.fields
        let keys = aggregation.groups.dropLast()
        for (position, key) in keys.enumerated() {
            let containing = sets.indices.filter { sets[$0].contains(position) }
            let masked: BoundExpression
            if containing.count == sets.count {
                masked = key
            } else if containing.isEmpty {
                masked = .literal(.null, type: key.type)
            } else {
                masked = .caseWhen(
                    branches: containing.map {
                        CaseBranch(
                            when: .call(
                                name: .equal, arguments: [id, .literal(.bigint(Int64($0)), type: .bigint)],
                                type: .boolean),
                            then: key)
                    }, otherwise: nil, type: key.type)
            }
            expressions.append(masked)
            fields.append(Field(name: aggregation.groupNames[position], type: key.type, isNullable: true))
        }
        let projected = LogicalPlan.project(input: expanded, expressions: expressions, fields: fields)
        let groups =
            keys.indices.map { BoundExpression.column(index: inputCount + 1 + $0, type: keys[$0].type) } + [id]
        var outputFields = aggregation.fields
        for index in keys.indices { outputFields[index].isNullable = true }
        return .aggregate(
            input: projected, groups: groups, aggregates: aggregation.collector.calls, fields: outputFields)
    }
}
