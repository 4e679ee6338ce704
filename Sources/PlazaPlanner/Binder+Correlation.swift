import PlazaCore
import PlazaSQL

// Correlated subqueries are unnested into joins while binding, never run once per outer row.
//
// The WHERE of a subquery may read the enclosing query's columns. Its conjuncts that do are taken
// out of the subquery (they become the join condition) and the rest of the subquery is bound as
// an ordinary, uncorrelated plan:
// - `[NOT] EXISTS (q)` as a condition of WHERE is a SEMI (NOT EXISTS: anti) join of the outer rows
//   with q's filtered FROM, on those conjuncts (equalities become hash keys, the rest a residual);
// - a scalar subquery over an aggregate without GROUP BY, correlated by equalities, groups the
//   subquery by its side of the equalities and is LEFT joined to the outer rows; an outer row with
//   no group gets the value of the aggregate over no rows (so `count(*)` is 0, not NULL).
// This is the "pull up the correlated predicates" special case of unnesting (Neumann and Kemper):
// the shapes TPC-H and most analysts write. Other shapes are an error that says what is supported.

/// What a subquery's binder reports back about correlation, filled while its WHERE is bound.
final class CorrelationFrame {
    /// What the subquery is for, which decides which shapes can be unnested.
    enum Purpose { case exists, scalar, membership }

    let purpose: Purpose
    /// The scope of the enclosing query that the subquery's WHERE may read.
    let outer: Scope
    /// The number of the subquery's own FROM columns.
    var innerCount = 0
    /// Where outer columns are numbered in `conjuncts`: far past the subquery's own columns and
    /// the columns its WHERE's own unnested subqueries add.
    static let outerBase = 1 << 24
    /// Conjuncts of the subquery's WHERE that read outer columns (outer column j is `outerBase + j`).
    var conjuncts: [BoundExpression] = []
    /// For a correlated scalar subquery: its value on no rows (bound plan of one column).
    var emptyValue: LogicalPlan?
    /// For a correlated `x IN (subquery)`: the select list's one expression, over the inner columns.
    var member: BoundExpression?

    init(purpose: Purpose, outer: Scope) {
        self.purpose = purpose
        self.outer = outer
    }
}

/// Joins that unnested subqueries of one clause ask of the SELECT that holds the clause.
final class SubqueryJoins {
    /// The width of the SELECT's plan before the joins (its FROM scope).
    let base: Int
    /// The width after the LEFT joins added so far (their columns follow the FROM columns).
    var width: Int
    /// SEMI/ANTI joins for EXISTS conditions; their `left` is filled when applied.
    var filters: [Join] = []
    /// LEFT joins for scalar subqueries; their `left` is filled when applied.
    var values: [Join] = []

    /// Subqueries unnested by the general rewrite, by their place in `values` (see `DomainJoin`).
    var domains: [Int: DomainJoin] = [:]
    /// The result of each such subquery by its span, so that binding it again reuses its join.
    var domainResults: [SourceSpan: BoundExpression] = [:]
    /// Whether the joins go above the aggregate of a grouped SELECT (for HAVING and its select list):
    /// only general rewrites are asked for, and their results read `DomainFrame.resultBase + j`.
    let isGrouped: Bool
    /// Whether every subquery must take the general rewrite (an outer join's ON, whose joins are
    /// placed on one side or both: only `DomainJoin`s say which columns they read).
    let isGeneralOnly: Bool
    /// For a grouped SELECT's aggregate input: set while GROUP BY keys are bound, so that their
    /// subqueries' results are kept by their SQL text in `keyResults`.
    var recordsKeys = false
    /// The results of subqueries in GROUP BY keys by their SQL text: the same subquery written in
    /// the select list, HAVING or ORDER BY is then the key, as in DuckDB.
    var keyResults: [String: BoundExpression] = [:]

    init(base: Int, isGrouped: Bool = false, isGeneralOnly: Bool = false) {
        self.base = base
        self.width = base
        self.isGrouped = isGrouped
        self.isGeneralOnly = isGeneralOnly
    }

    /// Whether any join was asked for.
    var isEmpty: Bool { filters.isEmpty && values.isEmpty }

    /// For a grouped SELECT: the general rewrites' keys over the aggregate's output (`lift`), and
    /// `plan` (the aggregate) with their joins applied.
    func applyGrouped(to plan: LogicalPlan, lift: (BoundExpression) throws(BindError) -> BoundExpression)
        throws(BindError) -> LogicalPlan
    {
        for (index, var domain) in domains {
            var lifted: [BoundExpression] = []
            for key in domain.keys { lifted.append(try lift(key)) }
            domain.keys = lifted
            domains[index] = domain
        }
        return apply(to: plan)
    }

    /// `expression` with the grouped results' stand-ins (`DomainFrame.resultBase + j`) read from
    /// the joins' columns after the aggregate's `width` columns.
    static func placingResults(_ expression: BoundExpression, after width: Int) -> BoundExpression {
        PlanUtilities.remap(expression) { $0 >= DomainFrame.resultBase ? width + $0 - DomainFrame.resultBase : $0 }
    }

    /// Computes each scalar subquery only for the keys the outer rows can ask for: its input is
    /// SEMI-joined with those keys from `from` under the WHERE's other `conjuncts` (Neumann and
    /// Kemper's domain). TPC-H Q17 then averages the lineitems of 204 parts, not of 200,000.
    ///
    /// When the keys come from one table of the FROM's INNER joins, the domain is that table's rows
    /// under the conjuncts that read it alone: a superset of the keys (joining the other tables
    /// only removes rows), which the LEFT join of the values ignores, for one scan of that table
    /// instead of the whole join (TPC-H Q17's domain read lineitem again for its 204 parts).
    func restrictValues(to from: LogicalPlan, where conjuncts: [BoundExpression]) {
        // Conjuncts that read a subquery's joined value cannot filter the domain (it comes first).
        let plain = conjuncts.filter { PlanUtilities.columns(of: $0).allSatisfy { $0 < base } }
        for index in values.indices where domains[index] == nil {
            var join = values[index]
            guard
                case .project(
                    .aggregate(let input, let groups, let calls, let aggregateFields), let items, let fields) =
                    join.right, groups.count == join.leftKeys.count
            else { continue }
            let keyFields = join.leftKeys.enumerated().map {
                Field(name: "#domain\($0.offset + 1)", type: $0.element.type)
            }
            var keyColumns = Set<Int>()
            for key in join.leftKeys { keyColumns.formUnion(PlanUtilities.columns(of: key)) }
            let inFrom = keyColumns.allSatisfy { $0 < base }
            let (table, offset) = inFrom ? SubqueryJoins.innerJoinPart(from, covering: keyColumns) : (from, 0)
            let end = offset + table.fields.count
            let shift = { (column: Int) in column - offset }
            let tableConjuncts = plain.filter { PlanUtilities.columns(of: $0).allSatisfy { $0 >= offset && $0 < end } }
            var outer = table
            if let predicate = PlanUtilities.conjunction(tableConjuncts.map { PlanUtilities.remap($0, shift) }) {
                outer = .filter(input: outer, predicate: predicate)
            }
            let keys = join.leftKeys.map { PlanUtilities.remap($0, shift) }
            let domain = LogicalPlan.project(input: outer, expressions: keys, fields: keyFields)
            let restricted = LogicalPlan.join(
                Join(
                    left: input, right: domain, kind: .semi, leftKeys: groups,
                    rightKeys: keyFields.indices.map { .column(index: $0, type: keyFields[$0].type) }, residual: nil))
            join.right = .project(
                input: .aggregate(input: restricted, groups: groups, aggregates: calls, fields: aggregateFields),
                expressions: items, fields: fields)
            values[index] = join
        }
    }

    /// The smallest input of `plan`'s tree of INNER joins whose columns hold all of `columns`, and
    /// the position of its first column in `plan` (`plan` itself when no single input does).
    static func innerJoinPart(_ plan: LogicalPlan, covering columns: Set<Int>) -> (LogicalPlan, offset: Int) {
        guard case .join(let join) = plan, join.kind == .inner, !columns.isEmpty else { return (plan, 0) }
        let leftCount = join.left.fields.count
        if columns.allSatisfy({ $0 < leftCount }) { return innerJoinPart(join.left, covering: columns) }
        if columns.allSatisfy({ $0 >= leftCount }) {
            let (part, offset) = innerJoinPart(join.right, covering: Set(columns.map { $0 - leftCount }))
            return (part, offset + leftCount)
        }
        return (plan, 0)
    }

    /// The plan with the EXISTS joins, then the scalar subqueries' LEFT joins, applied.
    func apply(to plan: LogicalPlan) -> LogicalPlan {
        var current = plan
        for var join in filters {
            join.left = current
            current = .join(join)
        }
        for (index, var join) in values.enumerated() {
            if let domain = domains[index] {
                join = domain.join(over: current)
            } else {
                join.left = current
            }
            current = .join(join)
        }
        return current
    }
}

extension BindingSession {
    /// The top-level AND conjuncts of a condition as written.
    static func syntaxConjuncts(_ expression: Expression) -> [Expression] {
        if case .binary(.and, let left, let right) = expression.kind {
            return syntaxConjuncts(left) + syntaxConjuncts(right)
        }
        return [expression]
    }

    /// The query of `EXISTS (q)` or `NOT EXISTS (q)`, and whether it is negated.
    static func existsOperand(_ expression: Expression) -> (Query, negated: Bool)? {
        switch expression.kind {
        case .exists(let query): return (query, false)
        case .unary(.not, let operand):
            if case .exists(let query) = operand.kind { return (query, true) }
            return nil
        default: return nil
        }
    }

    /// Binds a WHERE condition over `scope`: EXISTS conditions over correlated subqueries become
    /// joins in `joins`; the rest is returned as conjuncts (which may read the joins' columns).
    func bindWhere(_ condition: Expression, scope: Scope, joins: SubqueryJoins) throws(BindError) -> [BoundExpression] {
        var bound: [BoundExpression] = []
        for conjunct in Self.syntaxConjuncts(condition) {
            if case .inSubquery(let needle, let query, false) = conjunct.kind {
                // `x IN (q)` as a condition is `EXISTS (q WHERE item = x)`: a correlated q unnests so.
                do {
                    let frame = CorrelationFrame(purpose: .membership, outer: scope)
                    let plan = try bindCorrelated(query, frame)
                    if frame.conjuncts.isEmpty {
                        bound.append(
                            try bindInSubquery(
                                needle, boundQuery: plan, negated: false, span: conjunct.span, scope: scope,
                                context: .plain("WHERE")))
                        continue
                    }
                    try addMembership(needle, of: frame, span: conjunct.span, scope: scope)
                    joins.filters.append(existsJoin(plan, frame, negated: false))
                } catch {
                    bound.append(
                        try bindDomainSubquery(
                            query, .quantified(op: .equal, isAll: false, negated: false), needle: needle,
                            span: conjunct.span, scope: scope, context: .plain("WHERE"), original: error))
                }
                continue
            }
            if let (query, negated) = Self.existsOperand(conjunct) {
                do {
                    let frame = CorrelationFrame(purpose: .exists, outer: scope)
                    let plan = try bindCorrelated(query, frame)
                    if !frame.conjuncts.isEmpty {
                        joins.filters.append(existsJoin(plan, frame, negated: negated))
                        continue
                    }
                    let exists = Self.uncorrelatedExists(plan)
                    bound.append(negated ? .call(name: .not, arguments: [exists], type: .boolean) : exists)
                } catch {
                    bound.append(
                        try bindDomainSubquery(
                            query, .exists(negated: negated), span: conjunct.span, scope: scope,
                            context: .plain("WHERE"), original: error))
                }
                continue
            }
            bound.append(
                try requireBoolean(try bindExpression(conjunct, in: scope, context: .plain("WHERE")), conjunct, "WHERE")
            )
        }
        return bound
    }

    /// Binds a subquery whose WHERE may read `frame.outer`, reporting what it read in `frame`.
    func bindCorrelated(_ query: Query, _ frame: CorrelationFrame) throws(BindError) -> LogicalPlan {
        outerScopes.append(frame.outer)
        correlationRequest = frame
        defer {
            outerScopes.removeLast()
            correlationRequest = nil
        }
        return try bindQuery(query)
    }

    /// `EXISTS (plan)` for an uncorrelated plan: whether it has a row (its first row is enough).
    static func uncorrelatedExists(_ plan: LogicalPlan) -> BoundExpression {
        let marker = Field(name: "exists", type: .boolean, isNullable: false)
        let first = LogicalPlan.project(
            input: .limit(input: plan, limit: 1, offset: 0), expressions: [.literal(.boolean(true), type: .boolean)],
            fields: [marker])
        return .call(name: .isNotNull, arguments: [.scalarSubquery(first, type: .boolean)], type: .boolean)
    }

    /// The SEMI (or NOT EXISTS) join of the outer rows with a correlated EXISTS subquery's rows.
    private func existsJoin(_ plan: LogicalPlan, _ frame: CorrelationFrame, negated: Bool) -> Join {
        let outerCount = frame.outer.columns.count, outerBase = CorrelationFrame.outerBase
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = [], residual: [BoundExpression] = []
        for conjunct in frame.conjuncts {
            // Over outer then inner columns, as a join condition reads them.
            let condition = PlanUtilities.remap(conjunct) { $0 < outerBase ? outerCount + $0 : $0 - outerBase }
            if let (outer, inner) = PlanUtilities.equiKey(condition, leftCount: outerCount) {
                leftKeys.append(outer)
                rightKeys.append(inner)
            } else {
                residual.append(condition)
            }
        }
        return Join(
            left: plan, right: plan, kind: negated ? .notExists : .semi, leftKeys: leftKeys, rightKeys: rightKeys,
            residual: PlanUtilities.conjunction(residual))
    }

    /// Binds a scalar subquery over `scope`; a correlated one becomes a LEFT join in the enclosing
    /// SELECT's `subqueryJoins` and the expression reads the joined value.
    func bindScalarSubquery(_ query: Query, span: SourceSpan, scope: Scope) throws(BindError) -> BoundExpression {
        let frame = CorrelationFrame(purpose: .scalar, outer: scope)
        let plan = try bindCorrelated(query, frame)
        guard plan.fields.count == 1 || !frame.conjuncts.isEmpty else {
            throw BindError("a scalar subquery must return one column, not \(plan.fields.count)", span: span)
        }
        if frame.conjuncts.isEmpty { return .scalarSubquery(plan, type: plan.fields[0].type) }
        guard let joins = subqueryJoins, joins.base == scope.columns.count, !joins.isGrouped, !joins.isGeneralOnly,
            let emptyValue = frame.emptyValue
        else {
            throw BindError(
                "a correlated subquery is not supported here (it may stand in the select list, WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY, an aggregate's argument and a join's ON; a FROM item that reads the enclosing query is LATERAL, which is not supported yet)",
                span: span)
        }
        // The plan's columns: the value, the subquery's keys, then a TRUE marker (NULL when unmatched).
        let keyCount = plan.fields.count - 2
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
        for (index, conjunct) in frame.conjuncts.enumerated() {
            let condition = PlanUtilities.remap(conjunct) {
                $0 < CorrelationFrame.outerBase ? scope.columns.count + $0 : $0 - CorrelationFrame.outerBase
            }
            guard let (outer, _) = PlanUtilities.equiKey(condition, leftCount: scope.columns.count) else {
                throw BindError(
                    "internal error: correlated key \(index) of a scalar subquery is not an equality", span: span)
            }
            leftKeys.append(outer)
            rightKeys.append(.column(index: 1 + index, type: plan.fields[1 + index].type))
        }
        precondition(keyCount == leftKeys.count, "one key column per correlated equality")
        let valueIndex = joins.width
        joins.values.append(
            Join(left: plan, right: plan, kind: .left, leftKeys: leftKeys, rightKeys: rightKeys, residual: nil))
        joins.width += plan.fields.count
        let type = plan.fields[0].type
        let matched = BoundExpression.call(
            name: .isNotNull, arguments: [.column(index: valueIndex + plan.fields.count - 1, type: .boolean)],
            type: .boolean)
        return .caseWhen(
            branches: [CaseBranch(when: matched, then: .column(index: valueIndex, type: type))],
            otherwise: .scalarSubquery(emptyValue, type: type), type: type)
    }

    /// Separates the conjuncts of a correlated subquery's WHERE that read outer columns into
    /// `frame`, returning the others.
    func takeCorrelated(_ conjuncts: [BoundExpression], _ frame: CorrelationFrame, span: SourceSpan?)
        throws(BindError) -> [BoundExpression]
    {
        var plain: [BoundExpression] = []
        for conjunct in conjuncts.flatMap(PlanUtilities.conjuncts) {
            let columns = PlanUtilities.columns(of: conjunct)
            if columns.contains(where: { $0 >= CorrelationFrame.outerBase }) {
                if columns.contains(where: { $0 >= frame.innerCount && $0 < CorrelationFrame.outerBase }) {
                    throw BindError(
                        "a condition that reads both the enclosing query and a correlated subquery of its own is not supported yet",
                        span: span)
                }
                frame.conjuncts.append(conjunct)
            } else {
                plain.append(conjunct)
            }
        }
        return plain
    }

    /// Adds `needle = item` (over inner then outer columns) to a correlated IN subquery's conjuncts.
    private func addMembership(_ needle: Expression, of frame: CorrelationFrame, span: SourceSpan, scope: Scope)
        throws(BindError)
    {
        guard let member = frame.member else {
            throw BindError("internal error: a correlated IN subquery without its select item", span: span)
        }
        let value = PlanUtilities.remap(try bindExpression(needle, in: scope, context: .plain("WHERE"))) {
            CorrelationFrame.outerBase + $0
        }
        guard let common = FunctionCatalog.commonType(value.type, member.type) else {
            throw BindError(
                "type mismatch: cannot compare \(value.type) with the subquery's \(member.type)", span: span)
        }
        frame.conjuncts.append(
            .call(
                name: .equal, arguments: [implicitCast(member, to: common), implicitCast(value, to: common)],
                type: .boolean))
    }

    /// Checks that a correlated subquery has a shape that unnests, and for a scalar one returns
    /// `plan` grouped by its side of the correlated equalities (value, keys, marker), with
    /// `frame.emptyValue` set.
    func unnestCorrelated(_ plan: LogicalPlan, _ frame: CorrelationFrame, query: Query) throws(BindError)
        -> LogicalPlan
    {
        let span = query.span
        switch frame.purpose {
        case .exists, .membership:
            return plan
        case .scalar:
            var keys: [BoundExpression] = []
            for conjunct in frame.conjuncts {
                guard let (inner, _) = PlanUtilities.equiKey(conjunct, leftCount: CorrelationFrame.outerBase) else {
                    throw BindError(
                        "a correlated scalar subquery may compare the outer query's columns only with = (AND-ed in its WHERE)",
                        span: span)
                }
                keys.append(inner)
            }
            guard case .project(let top, let items, let fields) = plan, items.count == 1,
                case .aggregate(let input, let groups, let calls, let aggregateFields) = top, groups.isEmpty
            else {
                throw BindError(
                    "a correlated scalar subquery must compute one aggregate without GROUP BY, HAVING, ORDER BY or LIMIT (as SELECT max(x) FROM t WHERE t.k = outer.k)",
                    span: span)
            }
            let g = keys.count
            let keyFields = keys.enumerated().map {
                Field(name: "#key\($0.offset + 1)", type: $0.element.type, isNullable: true)
            }
            let grouped = LogicalPlan.aggregate(
                input: input, groups: keys, aggregates: calls, fields: keyFields + aggregateFields)
            let value = PlanUtilities.remap(items[0]) { $0 + g }
            let marker = Field(name: "#matched", type: .boolean, isNullable: false)
            frame.emptyValue = .project(
                input: .aggregate(
                    input: .values(rows: [], fields: input.fields), groups: [], aggregates: calls,
                    fields: aggregateFields),
                expressions: items, fields: fields)
            return .project(
                input: grouped,
                expressions: [value] + keys.indices.map { .column(index: $0, type: keys[$0].type) }
                    + [.literal(.boolean(true), type: .boolean)],
                fields: fields + keyFields + [marker])
        }
    }
}

extension BindingSession {
    /// The rows of a correlated EXISTS subquery: its filtered FROM (the select list only has to
    /// bind); clauses that would change whether a row exists are refused.
    func existsBody(_ query: Query, plan: LogicalPlan, scope: Scope, frame: CorrelationFrame) throws(BindError)
        -> LogicalPlan
    {
        let core = query.select
        let what = frame.purpose == .membership ? "IN" : "EXISTS"
        let refused: String? =
            core.groupBy != nil
            ? "GROUP BY"
            : core.having != nil
                ? "HAVING"
                : core.qualify != nil
                    ? "QUALIFY"
                    : !core.windows.isEmpty
                        ? "WINDOW"
                        : query.offset != nil ? "OFFSET" : nil
        if let refused {
            throw BindError(
                "a correlated \(what) subquery with \(refused) is not supported yet (its WHERE may read the outer query; keep the rest plain)",
                span: query.span)
        }
        let entries = try expandItems(core.items, scope)
        if frame.purpose == .membership && entries.count != 1 {
            throw BindError("the subquery of IN must return one column, not \(entries.count)", span: query.span)
        }
        for entry in entries {
            guard let expression = entry.expression else {
                frame.member = .column(index: entry.starColumn!, type: scope.columns[entry.starColumn!].type)
                continue
            }
            if AggregateDetector.contains(expression) {
                throw BindError(
                    "a correlated \(what) subquery with an aggregate in its select list is not supported yet",
                    span: expression.span)
            }
            frame.member = try bindExpression(expression, in: scope, context: .plain("SELECT"))
        }
        if frame.purpose == .membership && query.limit != nil {
            throw BindError("a correlated IN subquery with LIMIT is not supported yet", span: query.span)
        }
        if let limit = query.limit, try bindCount(limit, "LIMIT") == 0 {
            return .limit(input: plan, limit: 0, offset: 0)
        }
        return plan
    }
}
