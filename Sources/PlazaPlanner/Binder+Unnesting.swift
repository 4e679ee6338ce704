import PlazaCore
import PlazaSQL

// General unnesting of correlated subqueries (Neumann and Kemper, "Unnesting Arbitrary Queries"),
// for the shapes the special cases of Binder+Correlation.swift do not handle.
//
// The domain D is the DISTINCT of the outer values the subquery reads, taken from the outer plan
// at the subquery's place (the FROM for WHERE, the grouped rows for HAVING and a grouped select
// list). The subquery is bound with D cross-joined into its FROM, so that every clause, and every
// subquery of its own, reads D's columns as ordinary columns (a reference two queries out is then
// one query out); its aggregates group by D's columns too, and its result carries them. The result
// is reduced to one row per D row (the value, an EXISTS marker, the counts an IN or ANY needs) and
// LEFT joined back to the outer rows on D's columns, NULL matching NULL. The subquery runs once,
// over D, never once per outer row.

/// A correlated subquery being bound with its domain: the outer columns it reads.
final class DomainFrame {
    /// What the subquery's result is reduced to.
    enum Purpose {
        case scalar
        case exists(negated: Bool)
        /// `needle op ANY (q)`, or ALL, or NOT IN (`negated`): the needle is D's last column.
        case quantified(op: BinaryOperator, isAll: Bool, negated: Bool)
    }

    /// The number of the placeholder `cteScan` that stands for D until the outer plan is known.
    let id: Int
    /// D's columns as the subquery sees them (after its own FROM columns).
    let columns: [ScopeColumn]
    let purpose: Purpose
    /// Set while binding: the subquery computes aggregates without GROUP BY, one row per D row.
    var isSingleRow = false
    /// Aggregates of the enclosing grouped query written inside the subquery (`sum(o.x)`), by their
    /// SQL text: the index of the D column that carries each group's value.
    var outerAggregates: [String: Int] = [:]
    /// Where D's columns start in the scope of the subquery's SELECT (set when it is bound).
    var base = 0

    init(id: Int, columns: [ScopeColumn], purpose: Purpose) {
        self.id = id
        self.columns = columns
        self.purpose = purpose
    }

    /// D's fields.
    var fields: [Field] {
        columns.enumerated().map { Field(name: "#domain\($0.offset + 1)", type: $0.element.type, isNullable: true) }
    }

    /// The stand-in for D in the subquery's plan, replaced by `domain(over:keys:)` when joined.
    var placeholder: LogicalPlan {
        .cteScan(CTEReference(id: id, name: "#domain", fields: fields, isWorkingTable: false, estimatedRows: 1_000))
    }

    /// Where the subquery's result columns stand before the grouped outer plan is known (a HAVING
    /// or a grouped select list): `resultBase + j` is column j of the joins, replaced once applied.
    static let resultBase = 1 << 40
}

/// A join that a correlated subquery asks of the outer plan: D is built from that plan.
struct DomainJoin {
    let frame: DomainFrame
    /// The outer values D holds, over the outer plan's columns.
    var keys: [BoundExpression]
    /// The subquery reduced to one row per D row: D's columns first, then its results.
    let right: LogicalPlan

    /// The LEFT join of `outer` with the subquery over `outer`'s domain.
    func join(over outer: LogicalPlan) -> Join {
        let domain = LogicalPlan.distinct(
            input: .project(input: outer, expressions: keys, fields: frame.fields))
        let reduced = Self.replacing(frame.id, in: right, with: domain)
        let rightKeys = keys.indices.map { BoundExpression.column(index: $0, type: keys[$0].type) }
        let (leftKeys, matchedKeys) = Self.nullSafeKeys(keys, rightKeys, nullable: outer.fields)
        return Join(left: outer, right: reduced, kind: .left, leftKeys: leftKeys, rightKeys: matchedKeys, residual: nil)
    }

    /// `plan` with every read of the placeholder `id` replaced by `domain`.
    static func replacing(_ id: Int, in plan: LogicalPlan, with domain: LogicalPlan) -> LogicalPlan {
        if case .cteScan(let reference) = plan, reference.id == id, !reference.isWorkingTable { return domain }
        return plan.mapInputs { replacing(id, in: $0, with: domain) }
    }

    /// Hash keys under which NULL matches NULL (IS NOT DISTINCT FROM): a key that may be NULL is
    /// compared as `coalesce(key, a constant)` and `key IS NULL`, since a NULL hash key matches nothing.
    static func nullSafeKeys(_ left: [BoundExpression], _ right: [BoundExpression], nullable fields: [Field])
        -> ([BoundExpression], [BoundExpression])
    {
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
        for (l, r) in zip(left, right) {
            guard PlanUtilities.isNullable(l, fields) else {
                leftKeys.append(l)
                rightKeys.append(r)
                continue
            }
            if let constant = stand(for: l.type) {
                let literal = BoundExpression.literal(constant, type: l.type)
                leftKeys.append(.call(name: .coalesce, arguments: [l, literal], type: l.type))
                rightKeys.append(.call(name: .coalesce, arguments: [r, literal], type: r.type))
            }
            leftKeys.append(.call(name: .isNull, arguments: [l], type: .boolean))
            rightKeys.append(.call(name: .isNull, arguments: [r], type: .boolean))
        }
        return (leftKeys, rightKeys)
    }

    /// A value of `type` that stands for NULL in a key (with the key's IS NULL beside it).
    private static func stand(for type: DataType) -> Value? {
        switch type {
        case .boolean: return .boolean(false)
        case .bigint: return .bigint(0)
        case .double: return .double(0)
        case .decimal(let precision, let scale):
            return precision > DataType.maxNarrowDecimalPrecision
                ? .wideDecimal(0, scale: scale) : .decimal(0, scale: scale)
        case .varchar: return .varchar("")
        case .date: return .date(0)
        case .timestamp: return .timestamp(0)
        case .interval, .null: return nil
        }
    }
}

extension BindingSession {
    /// Binds a correlated subquery by the general rewrite (see the top of this file), after its
    /// special shape failed with `original`; rethrows `original` when the subquery reads no outer
    /// column or no join can be added here.
    func bindDomainSubquery(
        _ query: Query, _ purpose: DomainFrame.Purpose, needle: Expression? = nil, span: SourceSpan, scope: Scope,
        context: ExpressionContext, original: BindError
    ) throws(BindError) -> BoundExpression {
        guard let joins = subqueryJoins, joins.base == scope.columns.count else { throw original }
        if let known = joins.domainResults[span] { return known }
        let inner = ownScope(of: query)
        func isOuter(_ parts: [Identifier]) -> Bool {
            if let inner, (try? inner.resolve(parts)) != nil { return false }
            return (try? scope.resolve(parts)) != nil
        }
        // Aggregates of a grouped enclosing query over its columns alone (`HAVING EXISTS (… WHERE y >
        // sum(o.x))`) are computed by that query: D carries each group's value.
        var aggregates: [Expression] = []
        var inAggregates: [String: Int] = [:]  // the column references they hold, by text
        if case .aggregating = context {
            for call in query.functionCalls() {
                guard case .function(let function) = call.kind, function.window == nil,
                    FunctionCatalog.aggregateNames[function.name.name.lowercased()] != nil
                else { continue }
                let parts = call.columnReferences()
                guard !parts.isEmpty, parts.allSatisfy(isOuter), !aggregates.contains(where: { $0.sql == call.sql })
                else { continue }
                aggregates.append(call)
                for path in parts { inAggregates[Self.referenceText(path), default: 0] += 1 }
            }
        }
        var references: [Int] = []
        for parts in query.columnReferences() {
            if let count = inAggregates[Self.referenceText(parts)], count > 0 {
                inAggregates[Self.referenceText(parts)] = count - 1
                continue
            }
            guard isOuter(parts), let index = try? scope.resolve(parts) else { continue }
            if !references.contains(index) { references.append(index) }
        }
        guard !references.isEmpty || !aggregates.isEmpty else { throw original }
        var (keys, columns) = Self.domainParts(references.sorted(), of: scope)
        // The needle stays D's last column.
        var aggregateColumns: [String: Int] = [:]
        for aggregate in aggregates {
            let value = try bindExpression(aggregate, in: scope, context: context)
            aggregateColumns[aggregate.sql] = columns.count
            keys.append(value)
            columns.append(
                ScopeColumn(
                    qualifier: nil, name: "#aggregate", type: value.type, isNullable: true, isQualifiedOnly: true,
                    isDomain: true))
        }
        if let needle {
            // The needle is one more column of D, which no name reaches.
            let value = try bindExpression(needle, in: scope, context: context)
            keys.append(value)
            columns.append(
                ScopeColumn(
                    qualifier: nil, name: "#needle", type: value.type, isNullable: true, isQualifiedOnly: true,
                    isDomain: true))
        }
        let frame = DomainFrame(id: cteCounter.take(), columns: columns, purpose: purpose)
        frame.outerAggregates = aggregateColumns
        outerScopes.append(scope)
        domainRequest = frame
        defer {
            outerScopes.removeLast()
            domainRequest = nil
        }
        let right: LogicalPlan, results: BoundExpression
        do {
            (right, results) = try reduce(try bindQuery(query), frame, needle: needle, span: span)
        } catch {
            // A shape this rewrite refuses says so; other errors are the special shapes' to report
            // (over-approximated outer references can make a plain mistake look correlated).
            throw error.refusesUnnesting ? error : original
        }
        let offset = joins.width
        joins.width += right.fields.count
        joins.values.append(
            Join(left: right, right: right, kind: .left, leftKeys: [], rightKeys: [], residual: nil))
        joins.domains[joins.values.count - 1] = DomainJoin(frame: frame, keys: keys, right: right)
        let base = joins.isGrouped ? DomainFrame.resultBase - joins.base : 0
        let result = PlanUtilities.remap(results) { base + offset + $0 }
        joins.domainResults[span] = result
        return result
    }

    /// The scope of a subquery's own FROM (nil for a set operation, VALUES or no FROM, or one that
    /// does not bind alone): a name it holds is never an outer column, since inner names shadow
    /// outer ones, so a domain holds only what the subquery reads from outside.
    func ownScope(of query: Query) -> Scope? {
        guard query.setOperation == nil, query.values == nil, let from = query.select.from else { return nil }
        return try? bindTable(from).1
    }

    /// D's keys (the outer columns, over `scope`) and its columns as the subquery sees them.
    static func domainParts(_ references: [Int], of scope: Scope) -> ([BoundExpression], [ScopeColumn]) {
        let keys = references.map { BoundExpression.column(index: $0, type: scope.columns[$0].type) }
        let columns = references.map { index -> ScopeColumn in
            var column = scope.columns[index]
            column.isDomain = true
            column.isNullable = true
            return column
        }
        return (keys, columns)
    }

    /// A column reference's text, lower-cased, to match the same reference found twice.
    static func referenceText(_ parts: [Identifier]) -> String {
        parts.map { $0.name.lowercased() }.joined(separator: ".")
    }

    /// A refusal of the general rewrite (see `BindError.refusesUnnesting`).
    static func unsupported(_ message: String, span: SourceSpan?) -> BindError {
        var error = BindError(message, span: span)
        error.refusesUnnesting = true
        return error
    }

    /// The subquery's plan (its items, then D's columns) reduced to one row per D row (D's
    /// columns, then the results), and the result expression over those columns.
    private func reduce(_ plan: LogicalPlan, _ frame: DomainFrame, needle: Expression?, span: SourceSpan)
        throws(BindError) -> (LogicalPlan, BoundExpression)
    {
        let k = frame.columns.count
        let m = plan.fields.count - k
        let domainColumns = (0..<k).map { BoundExpression.column(index: m + $0, type: plan.fields[m + $0].type) }
        let domainFields = frame.fields
        switch frame.purpose {
        case .scalar:
            guard m == 1 else { throw BindError("a scalar subquery must return one column, not \(m)", span: span) }
            let value = BoundExpression.column(index: 0, type: plan.fields[0].type)
            let valueField = Field(name: plan.fields[0].name, type: value.type, isNullable: true)
            if frame.isSingleRow {
                let right = LogicalPlan.project(
                    input: plan, expressions: domainColumns + [value], fields: domainFields + [valueField])
                return (right, .column(index: k, type: value.type))
            }
            // More than one row for a D row is an error at run time, as for an uncorrelated subquery.
            let count = AggregateCall(function: .countStar, arguments: [], type: .bigint)
            let first = AggregateCall(function: .min, arguments: [value], type: value.type)
            let right = LogicalPlan.aggregate(
                input: plan, groups: domainColumns, aggregates: [count, first],
                fields: domainFields + [Field(name: "#rows", type: .bigint), valueField])
            let tooMany = BoundExpression.call(
                name: .greater,
                arguments: [.column(index: k, type: .bigint), .literal(.bigint(1), type: .bigint)], type: .boolean)
            let result = BoundExpression.caseWhen(
                branches: [CaseBranch(when: tooMany, then: Self.tooManyRows(value.type, span: span))],
                otherwise: .column(index: k + 1, type: value.type), type: value.type)
            return (right, result)
        case .exists(let negated):
            let marker = Field(name: "#exists", type: .boolean, isNullable: false)
            let right = LogicalPlan.project(
                input: .aggregate(input: plan, groups: domainColumns, aggregates: [], fields: domainFields),
                expressions: (0..<k).map { .column(index: $0, type: domainFields[$0].type) }
                    + [.literal(.boolean(true), type: .boolean)],
                fields: domainFields + [marker])
            let found = BoundExpression.call(
                name: negated ? .isNull : .isNotNull, arguments: [.column(index: k, type: .boolean)], type: .boolean)
            return (right, found)
        case .quantified(let op, let isAll, let negated):
            guard m == 1, let needle else {
                throw BindError(
                    "the subquery of \(isAll ? "ALL" : op == .equal ? "IN" : "ANY") must return one column, not \(m)",
                    span: span)
            }
            let value = BoundExpression.column(index: 0, type: plan.fields[0].type)
            let probe = BoundExpression.column(index: m + k - 1, type: plan.fields[m + k - 1].type)
            // `x op ALL (q)` is `NOT (x inverse-op ANY (q))`.
            let compared = isAll ? Self.inverse(op) : op
            let comparison = try call(
                compared.rawValue, [probe, value], [needle, needle], span: span, display: "\(compared.rawValue) ANY")
            let hits = AggregateCall(function: .countStar, arguments: [], filter: comparison, type: .bigint)
            let unknown = AggregateCall(
                function: .countStar, arguments: [],
                filter: .call(name: .isNull, arguments: [comparison], type: .boolean), type: .bigint)
            let right = LogicalPlan.aggregate(
                input: plan, groups: domainColumns, aggregates: [hits, unknown],
                fields: domainFields + [Field(name: "#hits", type: .bigint), Field(name: "#unknown", type: .bigint)])
            func positive(_ column: Int) -> BoundExpression {
                .call(
                    name: .greater,
                    arguments: [.column(index: column, type: .bigint), .literal(.bigint(0), type: .bigint)],
                    type: .boolean)
            }
            // Three-valued, as DuckDB: TRUE when a value compares true, NULL when none does but one
            // compares NULL, FALSE otherwise (no rows for this D row included).
            let any = BoundExpression.caseWhen(
                branches: [
                    CaseBranch(when: positive(k), then: .literal(.boolean(true), type: .boolean)),
                    CaseBranch(when: positive(k + 1), then: .literal(.null, type: .boolean)),
                ], otherwise: .literal(.boolean(false), type: .boolean), type: .boolean)
            let result = isAll != negated ? BoundExpression.call(name: .not, arguments: [any], type: .boolean) : any
            return (right, result)
        }
    }

    /// A correlated subquery's aggregate without GROUP BY (`plan`, grouped by D's columns alone),
    /// with a row for every D row: a D row that no input row reached gets the aggregates' values
    /// over no rows (`count(*)` 0, `max` NULL), as the subquery run for that outer row would.
    func fillEmptyGroups(_ plan: LogicalPlan, _ aggregation: Aggregation, _ domain: DomainFrame) -> LogicalPlan {
        guard case .aggregate(let input, let groups, let calls, let fields) = plan, groups.count == domain.columns.count
        else { return plan }
        let k = groups.count
        let marker = AggregateCall(function: .countStar, arguments: [], type: .bigint)
        let counted = LogicalPlan.aggregate(
            input: input, groups: groups, aggregates: calls + [marker],
            fields: fields + [Field(name: "#rows", type: .bigint, isNullable: false)])
        let domainFields = domain.fields
        let domainKeys = (0..<k).map { BoundExpression.column(index: $0, type: domainFields[$0].type) }
        let groupKeys = (0..<k).map { BoundExpression.column(index: $0, type: fields[$0].type) }
        let (leftKeys, rightKeys) = DomainJoin.nullSafeKeys(domainKeys, groupKeys, nullable: domainFields)
        let joined = LogicalPlan.join(
            Join(
                left: domain.placeholder, right: counted, kind: .left, leftKeys: leftKeys, rightKeys: rightKeys,
                residual: nil))
        // The join's columns: D, the groups, the aggregates, the marker (NULL where no group matched).
        let matched = BoundExpression.call(
            name: .isNotNull, arguments: [.column(index: 2 * k + calls.count, type: .bigint)], type: .boolean)
        var expressions = domainKeys
        for (index, call) in calls.enumerated() {
            let empty = LogicalPlan.aggregate(
                input: .values(rows: [], fields: input.fields), groups: [], aggregates: [call],
                fields: [fields[k + index]])
            expressions.append(
                .caseWhen(
                    branches: [CaseBranch(when: matched, then: .column(index: 2 * k + index, type: call.type))],
                    otherwise: .scalarSubquery(empty, type: call.type), type: call.type))
        }
        return .project(input: joined, expressions: expressions, fields: fields)
    }

    /// A correlated subquery's grouping-sets aggregate (`plan`) with, for each set of no key but D's
    /// (`()`, the grand total of ROLLUP and CUBE), a row for every D row that no input row reached:
    /// over no rows that set still gives one row (`count(*)` 0), as the subquery run for that outer
    /// row would. The missing D rows are those of D without such a row in `plan`.
    func fillEmptyGroupingSets(
        _ plan: LogicalPlan, _ aggregation: Aggregation, _ collector: WindowCollector, _ domain: DomainFrame
    ) -> LogicalPlan {
        let fields = plan.fields
        let keyCount = aggregation.groups.count - 1
        let k = domain.columns.count
        let domainPositions = Array((keyCount - k)..<keyCount)
        let domainFields = domain.fields
        var result = plan
        for (id, set) in collector.groupingSets.enumerated() where set == domainPositions {
            let setID = BoundExpression.literal(.bigint(Int64(id)), type: .bigint)
            let ofSet = LogicalPlan.filter(
                input: plan,
                predicate: .call(
                    name: .equal, arguments: [.column(index: keyCount, type: .bigint), setID], type: .boolean))
            let domainKeys = (0..<k).map { BoundExpression.column(index: $0, type: domainFields[$0].type) }
            let setKeys = domainPositions.map { BoundExpression.column(index: $0, type: fields[$0].type) }
            let (leftKeys, rightKeys) = DomainJoin.nullSafeKeys(domainKeys, setKeys, nullable: domainFields)
            let missing = LogicalPlan.join(
                Join(
                    left: domain.placeholder, right: ofSet, kind: .anti, leftKeys: leftKeys, rightKeys: rightKeys,
                    residual: nil))
            var expressions: [BoundExpression] = []
            for position in 0..<keyCount {
                let type = fields[position].type
                expressions.append(
                    position < keyCount - k
                        ? .literal(.null, type: type) : .column(index: position - (keyCount - k), type: type))
            }
            expressions.append(setID)
            let input = aggregation.scope.fields
            for (index, call) in aggregation.collector.calls.enumerated() {
                let empty = LogicalPlan.aggregate(
                    input: .values(rows: [], fields: input), groups: [], aggregates: [call],
                    fields: [fields[keyCount + 1 + index]])
                expressions.append(.scalarSubquery(empty, type: call.type))
            }
            let filled = LogicalPlan.project(input: missing, expressions: expressions, fields: fields)
            result = .setOperation(
                SetOperationPlan(kind: .union, isAll: true, left: result, right: filled, fields: fields))
        }
        return result
    }

    /// LIMIT and OFFSET of a correlated subquery, per D row: ranked by `row_number()` over D's
    /// columns in the subquery's order (`plan` holds its items, D's columns, then ORDER BY keys).
    func domainLimit(
        _ plan: LogicalPlan, _ domain: DomainFrame, limit: Int?, offset: Int, sortKeys: [SortKey], domainStart: Int
    ) -> LogicalPlan {
        if limit == 0 { return .limit(input: plan, limit: 0, offset: 0) }
        if case .exists = domain.purpose, offset == 0 { return plan }  // some row is all EXISTS asks
        if domain.isSingleRow { return offset > 0 ? .limit(input: plan, limit: 0, offset: 0) : plan }
        var input = plan
        if case .sort(let sorted, _) = plan { input = sorted }
        let fields = input.fields
        let k = domain.columns.count
        let itemCount = domainStart
        let partition = (0..<k).map { BoundExpression.column(index: itemCount + $0, type: fields[itemCount + $0].type) }
        let rank = WindowCall(
            function: .rowNumber, arguments: [], partitionBy: partition, orderBy: sortKeys,
            frame: .wholePartition, type: .bigint)
        let ranked = LogicalPlan.window(
            input: input, calls: [rank], fields: fields + [Field(name: "#rank", type: .bigint, isNullable: false)])
        let position = BoundExpression.column(index: fields.count, type: .bigint)
        var conditions: [BoundExpression] = [
            .call(
                name: .greater, arguments: [position, .literal(.bigint(Int64(offset)), type: .bigint)], type: .boolean)
        ]
        if let limit {
            conditions.append(
                .call(
                    name: .lessOrEqual, arguments: [position, .literal(.bigint(Int64(offset + limit)), type: .bigint)],
                    type: .boolean))
        }
        return .project(
            input: .filter(input: ranked, predicate: PlanUtilities.conjunction(conditions)!),
            expressions: fields.indices.map { .column(index: $0, type: fields[$0].type) }, fields: fields)
    }

    /// The run-time error of a correlated scalar subquery with two rows for one outer row, as a
    /// value of `type` (CASE evaluates it only on the rows that have them).
    static func tooManyRows(_ type: DataType, span: SourceSpan) -> BoundExpression {
        let message =
            "the scalar subquery at \(span) returned more than one row for an outer row; it must return at most one (add LIMIT 1 or an aggregate)"
        let failure = BoundExpression.call(
            name: .error, arguments: [.literal(.varchar(message), type: .varchar)], type: .null)
        return .cast(failure, to: type, isTry: false)
    }
}
