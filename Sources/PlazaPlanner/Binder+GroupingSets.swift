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

    /// The aggregation over all grouping sets. Over a cheap input (a scan with filters and
    /// projections) or a few sets: one aggregation per set, each grouped by its own keys, the
    /// other keys NULL and the set id a constant, their rows combined by UNION ALL (the input is
    /// read once per set, which costs far less than repeating every row per set). Otherwise one
    /// aggregation over the input repeated once per set (`repeatedRowsAggregate`).
    func groupingSetsAggregate(_ input: LogicalPlan, _ aggregation: Aggregation, _ collector: WindowCollector)
        -> LogicalPlan
    {
        let sets = collector.groupingSets
        guard sets.count <= 4 || Self.isCheapToRepeat(input) else {
            return repeatedRowsAggregate(input, aggregation, collector)
        }
        let keys = Array(aggregation.groups.dropLast())
        var outputFields = aggregation.fields
        for index in keys.indices { outputFields[index].isNullable = true }
        let calls = aggregation.collector.calls
        var combined: LogicalPlan?
        for (id, set) in sets.enumerated() {
            let groups = set.map { keys[$0] }
            var fields = set.map { outputFields[$0] }
            fields += outputFields[(keys.count + 1)...]
            let aggregated = LogicalPlan.aggregate(input: input, groups: groups, aggregates: calls, fields: fields)
            var expressions: [BoundExpression] = []
            for (position, key) in keys.enumerated() {
                if let at = set.firstIndex(of: position) {
                    expressions.append(.column(index: at, type: key.type))
                } else {
                    expressions.append(.literal(.null, type: key.type))
                }
            }
            expressions.append(.literal(.bigint(Int64(id)), type: .bigint))
            for index in calls.indices {
                let field = outputFields[keys.count + 1 + index]
                expressions.append(.column(index: set.count + index, type: field.type))
            }
            let projected = LogicalPlan.project(input: aggregated, expressions: expressions, fields: outputFields)
            combined =
                combined.map {
                    .setOperation(
                        SetOperationPlan(kind: .union, isAll: true, left: $0, right: projected, fields: outputFields))
                } ?? projected
        }
        return combined!
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
                                name: "=", arguments: [id, .literal(.bigint(Int64($0)), type: .bigint)],
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
