import PlazaCore
import PlazaSQL

/// Where an expression is bound: a clause that allows no aggregates, or a grouped SELECT.
enum ExpressionContext {
    /// No aggregates allowed; the clause's name is used in the error.
    case plain(String)
    /// Aggregates are collected; each becomes a placeholder column `-1 - k` until lifted.
    case aggregating(AggregateCollector)
}

/// The aggregates of one SELECT, deduplicated.
final class AggregateCollector {
    var calls: [AggregateCall] = []
    var names: [String] = []

    /// The index of `call`, adding it if new.
    func add(_ call: AggregateCall, name: String) -> Int {
        if let existing = calls.firstIndex(of: call) { return existing }
        calls.append(call)
        names.append(name)
        return calls.count - 1
    }
}

/// A grouped SELECT being bound: groups, aggregates, and expressions over the aggregate's output.
final class Aggregation {
    let scope: Scope
    var groups: [BoundExpression] = []
    var groupNames: [String] = []
    let collector = AggregateCollector()
    var items: [BoundExpression] = []
    var having: BoundExpression?

    init(scope: Scope) { self.scope = scope }

    /// The aggregate node's output: the groups, then the aggregates.
    var fields: [Field] {
        let inputFields = scope.fields
        var fields = zip(groups, groupNames).map {
            Field(name: $1, type: $0.type, isNullable: PlanUtilities.isNullable($0, inputFields))
        }
        for (call, name) in zip(collector.calls, collector.names) {
            let nullable = ![.count, .countStar, .approxCountDistinct, .regrCount].contains(call.function)
            fields.append(Field(name: name, type: call.type, isNullable: nullable))
        }
        return fields
    }

    /// Binds an expression over the aggregate's output (groups and aggregates).
    func bind(_ expression: Expression, session: BindingSession) throws(BindError) -> BoundExpression {
        let raw = try session.bindExpression(expression, in: scope, context: .aggregating(collector))
        return try lift(raw, expression)
    }

    /// Rewrites an expression over the input into one over the aggregate's output.
    func lift(_ bound: BoundExpression, _ source: Expression?) throws(BindError) -> BoundExpression {
        if let group = groups.firstIndex(of: bound) { return .column(index: group, type: bound.type) }
        switch bound {
        case .column(let index, let type):
            if WindowCollector.isPlaceholder(index) || index >= DomainFrame.resultBase { return bound }
            if index < 0 { return .column(index: groups.count + (-1 - index), type: type) }
            if index >= scope.columns.count {
                // A column that a GROUP BY key's correlated subquery joined in, used apart from the key.
                throw BindError(
                    "a correlated subquery of GROUP BY must appear in the select list as the key itself",
                    span: source?.span)
            }
            let name = scope.columns[index].name
            throw BindError(
                "column \"\(name)\" must appear in the GROUP BY clause or be used in an aggregate function",
                span: source.flatMap { findColumn(index, in: $0) } ?? source?.span)
        case .literal, .scalarSubquery: return bound
        case .cast(let inner, let type, let isTry): return .cast(try lift(inner, source), to: type, isTry: isTry)
        case .call(let name, let arguments, let type):
            var lifted: [BoundExpression] = []
            for argument in arguments { lifted.append(try lift(argument, source)) }
            return .call(name: name, arguments: lifted, type: type)
        case .caseWhen(let branches, let otherwise, let type):
            var lifted: [CaseBranch] = []
            for branch in branches {
                lifted.append(CaseBranch(when: try lift(branch.when, source), then: try lift(branch.then, source)))
            }
            return .caseWhen(
                branches: lifted, otherwise: try otherwise.map { (e) throws(BindError) in try lift(e, source) },
                type: type)
        case .inSubquery(let needle, let plan, let negated):
            return .inSubquery(try lift(needle, source), plan, isNegated: negated)
        }
    }

    /// The span of the first column reference in `expression` that resolves to `index`.
    private func findColumn(_ index: Int, in expression: Expression) -> SourceSpan? {
        if case .column(let parts) = expression.kind, let resolved = try? scope.resolve(parts), resolved == index {
            return parts[parts.count - 1].span
        }
        if case .function(let call) = expression.kind,
            FunctionCatalog.aggregateNames[call.name.name.lowercased()] != nil
        {
            return nil
        }
        var found: SourceSpan?
        expression.forEachChild { child in
            if found == nil, case .expression(let e) = child { found = findColumn(index, in: e) }
        }
        return found
    }
}

extension BindingSession {
    /// Binds GROUP BY, the select list, HAVING and ORDER BY keys of a grouped SELECT.
    func bindAggregation(
        _ core: SelectCore, entries: [SelectEntry], scope: Scope, orderBy: [OrderItem],
        domainGroups: [BoundExpression] = []
    ) throws(BindError) -> Aggregation {
        let aggregation = Aggregation(scope: scope)
        var keyPositions: [Int] = []
        func addGroup(_ bound: BoundExpression, name: String) {
            if !aggregation.groups.contains(bound) {
                aggregation.groups.append(bound)
                aggregation.groupNames.append(name)
            }
            keyPositions.append(aggregation.groups.firstIndex(of: bound)!)
        }
        // Group keys come before the grouped rows' joins: their subqueries join the aggregate's input.
        let enclosingJoins = subqueryJoins
        subqueryJoins = aggregateInputJoins
        aggregateInputJoins?.recordsKeys = true
        defer {
            subqueryJoins = enclosingJoins
            aggregateInputJoins?.recordsKeys = false
        }
        switch core.groupBy {
        case .none: break
        case .all:
            for entry in entries {
                if let column = entry.starColumn {
                    addGroup(.column(index: column, type: scope.columns[column].type), name: entry.name)
                } else if let expression = entry.expression, !AggregateDetector.contains(expression) {
                    let bound = try bindExpression(expression, in: scope, context: .plain("GROUP BY"))
                    // As in DuckDB, items that read no column are not keys: `SELECT 1, count(*) … GROUP BY ALL`
                    // is one group, even over no rows.
                    if !PlanUtilities.columns(of: bound).isEmpty { addGroup(bound, name: entry.name) }
                }
            }
        case .expressions(let list):
            for group in list {
                var source = group
                var name = BindingSession.name(of: group)
                if case .literal(.integer(let text)) = group.kind {
                    guard let position = Int(text), position >= 1, position <= entries.count else {
                        throw BindError(
                            "GROUP BY position \(text) is not in the select list (1 to \(entries.count))",
                            span: group.span)
                    }
                    let entry = entries[position - 1]
                    name = entry.name
                    if let column = entry.starColumn {
                        addGroup(.column(index: column, type: scope.columns[column].type), name: name)
                        continue
                    }
                    source = entry.expression!
                    if AggregateDetector.contains(source) {
                        throw BindError("GROUP BY position \(position) refers to an aggregate", span: group.span)
                    }
                } else if case .column(let parts) = group.kind, parts.count == 1, (try? scope.resolve(parts)) == nil,
                    let entry = entries.first(where: { $0.alias.map { Scope.matches(parts[0].name, $0) } ?? false }),
                    let expression = entry.expression
                {
                    source = expression
                    name = entry.name
                }
                addGroup(try bindExpression(source, in: scope, context: .plain("GROUP BY")), name: name)
            }
        }
        subqueryJoins = enclosingJoins
        aggregateInputJoins?.recordsKeys = false
        // A correlated subquery's aggregates are per row of its domain: D's columns are keys too (of
        // every grouping set).
        if let sets = core.groupingSets, !domainGroups.isEmpty {
            let first = keyPositions.count
            for (index, group) in domainGroups.enumerated() { addGroup(group, name: "#domain\(index + 1)") }
            let domainKeys = Array(first..<keyPositions.count)
            prepareGroupingSets(aggregation, keyPositions: keyPositions, sets: sets.map { $0 + domainKeys })
        } else {
            prepareGroupingSets(aggregation, keyPositions: keyPositions, sets: core.groupingSets)
            for (index, group) in domainGroups.enumerated() { addGroup(group, name: "#domain\(index + 1)") }
        }
        for entry in entries {
            if let column = entry.starColumn {
                aggregation.items.append(
                    try aggregation.lift(.column(index: column, type: scope.columns[column].type), nil))
            } else {
                aggregation.items.append(try aggregation.bind(entry.expression!, session: self))
            }
        }
        if let having = core.having {
            windows?.forbiddenClause = "HAVING"
            defer { windows?.forbiddenClause = nil }
            aggregation.having = try requireBoolean(try aggregation.bind(having, session: self), having, "HAVING")
        }
        // Collect the aggregates of ORDER BY keys now, so the aggregate node has them all.
        for item in orderBy {
            if case .literal(.integer) = item.expression.kind { continue }
            if case .column(let parts) = item.expression.kind, parts.count == 1,
                entries.contains(where: { $0.alias.map { Scope.matches(parts[0].name, $0) } ?? false })
            {
                continue
            }
            _ = try aggregation.bind(item.expression, session: self)
        }
        return aggregation
    }
}
