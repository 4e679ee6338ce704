import PlazaCore
import PlazaSQL

/// One select-list entry after star expansion.
struct SelectEntry {
    /// The expression as written (nil for a column from `*`).
    var expression: Expression?
    /// For a column from `*`: its position in the FROM scope.
    var starColumn: Int?
    /// The output name.
    var name: String
    /// The alias, if written.
    var alias: String?
}

extension BindingSession {
    /// Binds a full query (CTEs, SELECT, ORDER BY, LIMIT) into a plan.
    func bindQuery(_ query: Query) throws(BindError) -> LogicalPlan {
        // A correlation request is for this query's own SELECT, not for its CTEs or set operations.
        let request = correlationRequest, domain = domainRequest
        correlationRequest = nil
        domainRequest = nil
        cteFrames.append([:])
        defer { cteFrames.removeLast() }
        // A correlated subquery's plan is reshaped around what it reads from outside: its CTEs stay inlined.
        let stored = try bindCTEs(query, canMaterialize: request == nil && domain == nil)
        let plan: LogicalPlan
        if let domain, let operation = query.setOperation {
            // Each branch joins D and carries its columns, so the set operation works per D row.
            let body = try bindSetOperation(operation.clause, domain: domain)
            domain.isSingleRow = false
            plan = try bindOrderAndLimit(query, over: body, domain: domain)
        } else if let domain, let rows = query.values {
            domain.isSingleRow = false
            plan = try bindOrderAndLimit(query, over: try bindValues(rows, query.span, domain: domain), domain: domain)
        } else if let domain {
            plan = try bindSelect(query, correlation: nil, domain: domain)
        } else if let operation = query.setOperation {
            plan = try bindOrderAndLimit(query, over: try bindSetOperation(operation.clause))
        } else if let rows = query.values {
            plan = try bindOrderAndLimit(query, over: try bindValues(rows, query.span))
        } else if let request {
            let body = try bindSelect(query, correlation: request)
            plan = request.conjuncts.isEmpty ? body : try unnestCorrelated(body, request, query: query)
        } else {
            plan = try bindSelect(query, correlation: nil)
        }
        return Self.wrap(plan, in: stored)
    }

    private func bindSelect(_ query: Query, correlation: CorrelationFrame?, domain: DomainFrame? = nil)
        throws(BindError) -> LogicalPlan
    {
        let core = query.select
        var plan: LogicalPlan
        var scope: Scope
        let enclosingWindows = windows
        windows = nil  // FROM and WHERE allow no window functions
        let enclosingJoins = subqueryJoins, enclosingWhere = correlatedWhere, enclosingInput = aggregateInputJoins
        let enclosingDomain = fromDomain, enclosingActive = activeDomain
        subqueryJoins = nil
        activeDomain = nil
        correlatedWhere = nil
        aggregateInputJoins = nil
        fromDomain = domain
        defer {
            windows = enclosingWindows
            subqueryJoins = enclosingJoins
            correlatedWhere = enclosingWhere
            aggregateInputJoins = enclosingInput
            fromDomain = enclosingDomain
            activeDomain = enclosingActive
        }
        if let from = core.from {
            (plan, scope) = try bindTable(from)
        } else {
            plan = .values(rows: [[]], fields: [])
            scope = Scope(columns: [])
        }
        fromDomain = nil
        // A subquery unnested by the general rewrite reads the outer values as columns of its domain D,
        // cross-joined after its FROM (WHERE's equalities with them become the join's keys).
        let domainBase = scope.columns.count
        if let domain {
            domain.base = domainBase
            activeDomain = domain
            plan =
                core.from == nil
                ? domain.placeholder
                : .join(
                    Join(
                        left: plan, right: domain.placeholder, kind: .inner, leftKeys: [], rightKeys: [],
                        residual: nil))
            scope = Scope(columns: scope.columns + domain.columns, starColumns: scope.starColumns)
            // A derived table that read the outer query carries D's columns: its rows are those of
            // the same D row (NULL matching NULL).
            var carriedKeys: [BoundExpression] = [], domainKeys: [BoundExpression] = []
            for (index, column) in scope.columns.enumerated() {
                guard let j = column.domainCopy else { continue }
                carriedKeys.append(.column(index: index, type: column.type))
                domainKeys.append(.column(index: domainBase + j, type: scope.columns[domainBase + j].type))
            }
            let (carried, own) = DomainJoin.nullSafeKeys(carriedKeys, domainKeys, nullable: plan.fields)
            let equalities = zip(carried, own).map {
                BoundExpression.call(name: .equal, arguments: [$0, $1], type: .boolean)
            }
            if let predicate = PlanUtilities.conjunction(equalities) {
                plan = .filter(input: plan, predicate: predicate)
            }
        }
        let domainColumns = (domain?.columns ?? []).indices.map {
            BoundExpression.column(index: domainBase + $0, type: scope.columns[domainBase + $0].type)
        }
        if let condition = core.whereClause {
            let joins = SubqueryJoins(base: scope.columns.count)
            subqueryJoins = joins
            if let correlation {
                correlation.innerCount = scope.columns.count
                correlatedWhere = correlation
            }
            var conjuncts = try bindWhere(condition, scope: scope, joins: joins)
            subqueryJoins = nil
            correlatedWhere = nil
            if let correlation { conjuncts = try takeCorrelated(conjuncts, correlation, span: condition.span) }
            joins.restrictValues(to: plan, where: conjuncts)
            plan = joins.apply(to: plan)
            if let predicate = PlanUtilities.conjunction(conjuncts) {
                plan = .filter(input: plan, predicate: predicate)
            }
            if joins.width > joins.base {
                plan = .project(
                    input: plan,
                    expressions: scope.columns.indices.map { .column(index: $0, type: scope.columns[$0].type) },
                    fields: scope.fields)
            }
        }
        if let correlation, !correlation.conjuncts.isEmpty, correlation.purpose != .scalar {
            return try existsBody(query, plan: plan, scope: scope, frame: correlation)
        }
        let collector = try WindowCollector(definitions: core.windows)
        windows = collector
        let entries = try expandItems(core.items, scope)
        collector.aliases = entries.compactMap { entry in
            guard let alias = entry.alias, let expression = entry.expression else { return nil }
            return (alias, expression)
        }
        let orderBy = query.orderItems(columns: entries.count)
        let orderExpressions = orderBy.map(\.expression)
        let hasAggregates =
            entries.contains { $0.expression.map(AggregateDetector.contains) ?? false }
            || orderExpressions.contains(where: AggregateDetector.contains)
            || (core.qualify.map(AggregateDetector.contains) ?? false)
        var aggregating = core.groupBy != nil || core.having != nil || hasAggregates
        if case .all? = core.groupBy, core.having == nil, !hasAggregates {
            // As in DuckDB, GROUP BY ALL over items that are all constants (no aggregate, no column)
            // groups nothing: the query returns one row per input row.
            var allConstant = true
            for entry in entries {
                guard entry.starColumn == nil, let expression = entry.expression,
                    PlanUtilities.columns(of: try bindExpression(expression, in: scope, context: .plain("SELECT")))
                        .isEmpty
                else {
                    allConstant = false
                    break
                }
            }
            if allConstant { aggregating = false }
        }

        var projections: [BoundExpression] = []
        var groupedResultWidth: Int?
        var selectJoins: SubqueryJoins?
        var space: Space
        var qualify: BoundExpression?
        if aggregating {
            // Correlated subqueries of HAVING and of the grouped select list join the grouped rows.
            let groupedJoins = SubqueryJoins(base: scope.columns.count, isGrouped: true)
            subqueryJoins = groupedJoins
            // Those of aggregate arguments and GROUP BY keys join the rows before the aggregate.
            let inputJoins = SubqueryJoins(base: scope.columns.count)
            aggregateInputJoins = inputJoins
            let aggregation = try bindAggregation(
                core, entries: entries, scope: scope, orderBy: orderBy, domainGroups: domainColumns)
            // QUALIFY may hold aggregates: bind it before the aggregate node takes the list (its
            // subqueries join the grouped rows too, before the window).
            qualify = try core.qualify.map { (condition) throws(BindError) in
                try requireBoolean(try aggregation.bind(condition, session: self), condition, "QUALIFY")
            }
            aggregateInputJoins = nil
            if !inputJoins.isEmpty {
                inputJoins.restrictValues(to: plan, where: [])
                plan = inputJoins.apply(to: plan)
            }
            if collector.groupingSetColumn != nil {
                plan = groupingSetsAggregate(
                    plan, aggregation, collector, canShare: correlation == nil && domain == nil)
                if let domain { plan = fillEmptyGroupingSets(plan, aggregation, collector, domain) }
            } else {
                plan = .aggregate(
                    input: plan, groups: aggregation.groups, aggregates: aggregation.collector.calls,
                    fields: aggregation.fields)
            }
            if let domain, core.groupBy == nil {
                domain.isSingleRow = true
                plan = fillEmptyGroups(plan, aggregation, domain)
            }
            let groupedWidth = plan.fields.count
            plan = try groupedJoins.applyGrouped(to: plan) { (key) throws(BindError) in try aggregation.lift(key, nil) }
            if let having = aggregation.having {
                plan = .filter(input: plan, predicate: SubqueryJoins.placingResults(having, after: groupedWidth))
            }
            projections = aggregation.items
            if domain != nil {
                // The subquery's result carries D's columns (groups of its aggregate) after its items.
                for column in domainColumns { projections.append(try aggregation.lift(column, nil)) }
            }
            groupedResultWidth = groupedJoins.isEmpty ? nil : groupedWidth
            space = .aggregated(aggregation)
        } else {
            // Scalar subqueries of the select list and ORDER BY may add LEFT joins below the projection.
            selectJoins = SubqueryJoins(base: scope.columns.count)
            subqueryJoins = selectJoins
            for entry in entries {
                if let column = entry.starColumn {
                    projections.append(.column(index: column, type: scope.columns[column].type))
                } else {
                    projections.append(try bindExpression(entry.expression!, in: scope, context: .plain("SELECT")))
                }
            }
            projections.append(contentsOf: domainColumns)
            space = .plain(scope)
            qualify = try core.qualify.map { (condition) throws(BindError) in
                try requireBoolean(
                    try bindExpression(condition, in: scope, context: .plain("QUALIFY")), condition, "QUALIFY")
            }
        }

        // ORDER BY: ordinals and aliases refer to the select list; other keys may add hidden columns.
        let visibleCount = projections.count
        let entryCount = visibleCount - domainColumns.count
        var sortKeys: [SortKey] = []
        for item in orderBy {
            let index = try orderIndex(
                item.expression, entries: entries, scope: scope, projections: &projections, space: space)
            // DuckDB's default null order: NULLs last both ways unless the query says otherwise.
            let nullsFirst = item.nullsFirst ?? false
            sortKeys.append(
                SortKey(
                    expression: .column(index: index, type: projections[index].type), isDescending: item.isDescending,
                    nullsFirst: nullsFirst))
        }
        subqueryJoins = nil
        // A correlated subquery's windows are partitioned by its domain (over grouped rows: D's keys).
        var partitions = domainColumns
        if case .aggregated(let aggregation) = space {
            partitions = try domainColumns.map { (column) throws(BindError) in try aggregation.lift(column, nil) }
        }
        if let groupedResultWidth {
            projections = projections.map { SubqueryJoins.placingResults($0, after: groupedResultWidth) }
            qualify = qualify.map { SubqueryJoins.placingResults($0, after: groupedResultWidth) }
        }
        if let selectJoins, !selectJoins.isEmpty {
            plan = selectJoins.apply(to: plan)
        }
        plan = try addWindow(
            plan, collector, space: space, projections: &projections, qualify: qualify, core: core,
            resultsAfter: groupedResultWidth, partitions: partitions)
        windows = nil
        let inputFields = plan.fields
        var fields: [Field] = []
        for (index, expression) in projections.enumerated() {
            let name =
                index < entryCount
                ? entries[index].name
                : index < visibleCount ? "#domain\(index - entryCount + 1)" : "#order\(index - visibleCount + 1)"
            fields.append(
                Field(name: name, type: expression.type, isNullable: PlanUtilities.isNullable(expression, inputFields)))
        }
        plan = .project(input: plan, expressions: projections, fields: fields)
        if core.isDistinct {
            if projections.count > visibleCount {
                throw BindError(
                    "for SELECT DISTINCT, ORDER BY expressions must appear in the select list",
                    span: orderBy.first?.expression.span)
            }
            plan = .distinct(input: plan)
        }
        if !sortKeys.isEmpty { plan = .sort(input: plan, keys: sortKeys) }
        let limit = try query.limit.map { (e) throws(BindError) in try bindCount(e, "LIMIT") }
        let offset = try query.offset.map { (e) throws(BindError) in try bindCount(e, "OFFSET") } ?? 0
        if let domain, limit != nil || offset > 0 {
            plan = domainLimit(plan, domain, limit: limit, offset: offset, sortKeys: sortKeys, domainStart: entryCount)
        } else if limit != nil || offset > 0 {
            plan = .limit(input: plan, limit: limit, offset: offset)
        }
        if projections.count > visibleCount {
            let kept = (0..<visibleCount).map { BoundExpression.column(index: $0, type: projections[$0].type) }
            plan = .project(input: plan, expressions: kept, fields: Array(fields[0..<visibleCount]))
        }
        return plan
    }

    /// Expands `*` and `t.*`, and names every entry.
    func expandItems(_ items: [SelectItem], _ scope: Scope) throws(BindError) -> [SelectEntry] {
        var entries: [SelectEntry] = []
        for item in items {
            switch item {
            case .star(let span):
                if scope.columns.isEmpty { throw BindError("SELECT * needs a FROM clause with columns", span: span) }
                for index in scope.starColumns {
                    entries.append(
                        SelectEntry(expression: nil, starColumn: index, name: scope.columns[index].name, alias: nil))
                }
            case .qualifiedStar(let table):
                let matching = scope.columns.indices.filter {
                    scope.columns[$0].qualifier.map { Scope.matches(table.name, $0) } ?? false
                }
                if matching.isEmpty {
                    let tables = Array(Set(scope.columns.compactMap(\.qualifier))).sorted()
                    throw BindError(
                        "unknown table \"\(table.name)\"" + Scope.suggestion(for: table.name, among: tables),
                        span: table.span)
                }
                for index in matching {
                    entries.append(
                        SelectEntry(expression: nil, starColumn: index, name: scope.columns[index].name, alias: nil))
                }
            case .expression(let expression, let alias):
                entries.append(
                    SelectEntry(
                        expression: expression, starColumn: nil, name: alias?.name ?? Self.name(of: expression),
                        alias: alias?.name))
            }
        }
        return entries
    }

    /// The output name of an unaliased expression: a column's name, else its SQL text (as DuckDB).
    static func name(of expression: Expression) -> String {
        switch expression.kind {
        case .column(let parts): return parts[parts.count - 1].name
        case .function(let call) where call.isStar && call.name.name.lowercased() == "count": return "count_star()"
        default: return expression.sql
        }
    }

    /// The projection index for an ORDER BY key, appending a hidden projection when needed.
    private func orderIndex(
        _ key: Expression, entries: [SelectEntry], scope: Scope, projections: inout [BoundExpression], space: Space
    ) throws(BindError) -> Int {
        if case .literal(.integer(let text)) = key.kind {
            guard let position = Int(text), position >= 1, position <= entries.count else {
                throw BindError(
                    "ORDER BY position \(text) is not in the select list (1 to \(entries.count))", span: key.span)
            }
            return position - 1
        }
        if case .column(let parts) = key.kind, parts.count == 1 {
            let matches = entries.indices.filter { entries[$0].alias.map { Scope.matches(parts[0].name, $0) } ?? false }
            if matches.count == 1 { return matches[0] }
        }
        let bound: BoundExpression
        switch space {
        case .plain(let scope): bound = try bindExpression(key, in: scope, context: .plain("ORDER BY"))
        case .aggregated(let aggregation): bound = try aggregation.bind(key, session: self)
        }
        if let existing = projections.firstIndex(of: bound) { return existing }
        projections.append(bound)
        return projections.count - 1
    }
}

/// The expression space after FROM/WHERE: the input's columns, or the aggregate's output.
enum Space {
    case plain(Scope)
    case aggregated(Aggregation)
}

/// Finds aggregate calls in an expression (not inside subqueries).
enum AggregateDetector {
    static func contains(_ expression: Expression) -> Bool {
        if case .function(let call) = expression.kind, call.window == nil {
            let name = call.name.name.lowercased()
            if FunctionCatalog.aggregateNames[name] != nil { return true }
        }
        var found = false
        expression.forEachChild { child in
            if !found, case .expression(let e) = child, contains(e) { found = true }
        }
        return found
    }
}
