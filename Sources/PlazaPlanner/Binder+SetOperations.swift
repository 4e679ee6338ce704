import PlazaCore
import PlazaSQL

extension BindingSession {
    /// The query's ORDER BY and LIMIT over `plan`, the rows of a set operation or a VALUES list.
    func bindOrderAndLimit(_ query: Query, over body: LogicalPlan, domain: DomainFrame? = nil) throws(BindError)
        -> LogicalPlan
    {
        var plan = body
        // ORDER BY names the output columns (the left branch's names) or their ordinals.
        let scope = Scope(fields: plan.fields, qualifier: nil)
        var keys: [SortKey] = []
        let width = plan.fields.count - (domain?.columns.count ?? 0)
        for item in query.orderItems(columns: width) {
            let bound: BoundExpression
            if case .literal(.integer(let text)) = item.expression.kind {
                guard let position = Int(text), position >= 1, position <= plan.fields.count else {
                    throw BindError(
                        "ORDER BY position \(text) is not in the select list (1 to \(plan.fields.count))",
                        span: item.expression.span)
                }
                bound = .column(index: position - 1, type: plan.fields[position - 1].type)
            } else {
                bound = try bindExpression(item.expression, in: scope, context: .plain("ORDER BY"))
            }
            keys.append(
                SortKey(expression: bound, isDescending: item.isDescending, nullsFirst: item.nullsFirst ?? false))
        }
        if !keys.isEmpty { plan = .sort(input: plan, keys: keys) }
        let limit = try query.limit.map { (e) throws(BindError) in try bindCount(e, "LIMIT") }
        let offset = try query.offset.map { (e) throws(BindError) in try bindCount(e, "OFFSET") } ?? 0
        if let domain, limit != nil || offset > 0 {
            // In a correlated subquery, LIMIT and OFFSET count per row of its domain (the last columns).
            return domainLimit(
                plan, domain, limit: limit, offset: offset, sortKeys: keys,
                domainStart: body.fields.count - domain.columns.count)
        }
        if limit != nil || offset > 0 { plan = .limit(input: plan, limit: limit, offset: offset) }
        return plan
    }

    /// Binds both branches, lines their columns up (by position or by name) and casts each column
    /// to the type both branches unify to.
    func bindSetOperation(_ clause: SetOperationClause, domain: DomainFrame? = nil) throws(BindError) -> LogicalPlan {
        domainRequest = domain
        var left = try bindQuery(clause.left)
        domainRequest = domain
        var right = try bindQuery(clause.right)
        if clause.byName {
            (left, right) = Self.alignByName(left, right)
        } else if left.fields.count != right.fields.count {
            throw BindError(
                "the branches of \(clause.keywords) have different numbers of columns: "
                    + "\(left.fields.count) on the left, \(right.fields.count) on the right",
                span: clause.span)
        }
        var types: [DataType] = []
        for (index, (l, r)) in zip(left.fields, right.fields).enumerated() {
            guard let type = Self.unifiedType(l.type, r.type) else {
                throw BindError(
                    "column \(index + 1) (\"\(l.name)\") of \(clause.keywords) is \(l.type) on the left and "
                        + "\(r.type) on the right, which have no common type; CAST one of them",
                    span: clause.span)
            }
            types.append(type)
        }
        let fields = zip(left.fields, right.fields).enumerated().map { index, pair in
            Field(name: pair.0.name, type: types[index], isNullable: pair.0.isNullable || pair.1.isNullable)
        }
        left = Self.cast(left, to: types)
        right = Self.cast(right, to: types)
        let kind: SetOperationPlan.Kind
        switch clause.op {
        case .union: kind = .union
        case .intersect: kind = .intersect
        case .except: kind = .except
        }
        if kind == .union && !clause.isAll {
            // UNION is UNION ALL without duplicates: the DISTINCT operator does the rest.
            let all = SetOperationPlan(kind: .union, isAll: true, left: left, right: right, fields: fields)
            return .distinct(input: .setOperation(all))
        }
        return .setOperation(
            SetOperationPlan(kind: kind, isAll: clause.isAll, left: left, right: right, fields: fields))
    }

    /// The type a column of two branches becomes, by DuckDB's rules: the common type of the two,
    /// or VARCHAR when either is VARCHAR (every type casts to text); nil when there is none.
    static func unifiedType(_ a: DataType, _ b: DataType) -> DataType? {
        if let common = FunctionCatalog.commonType(a, b) { return common }
        if a == .varchar || b == .varchar { return .varchar }
        return nil
    }

    /// The plan with each column cast to `types` (unchanged when they already match).
    static func cast(_ plan: LogicalPlan, to types: [DataType]) -> LogicalPlan {
        let fields = plan.fields
        if zip(fields, types).allSatisfy({ $0.type == $1 }) { return plan }
        var expressions: [BoundExpression] = []
        var newFields: [Field] = []
        for (index, (field, type)) in zip(fields, types).enumerated() {
            let column = BoundExpression.column(index: index, type: field.type)
            if field.type == type {
                expressions.append(column)
            } else if field.type == .null {
                expressions.append(.literal(.null, type: type))
            } else {
                expressions.append(.cast(column, to: type, isTry: false))
            }
            newFields.append(Field(name: field.name, type: type, isNullable: field.isNullable))
        }
        return .project(input: plan, expressions: expressions, fields: newFields)
    }

    /// `UNION BY NAME`: both branches get the left's columns, then the right's that the left lacks
    /// (names compared case-insensitively); a branch missing a column gives NULL there.
    private static func alignByName(_ left: LogicalPlan, _ right: LogicalPlan) -> (LogicalPlan, LogicalPlan) {
        var names: [String] = left.fields.map(\.name)
        for field in right.fields where !names.contains(where: { Scope.matches(field.name, $0) }) {
            names.append(field.name)
        }
        func arrange(_ plan: LogicalPlan) -> LogicalPlan {
            let fields = plan.fields
            var expressions: [BoundExpression] = []
            var newFields: [Field] = []
            for name in names {
                if let index = fields.firstIndex(where: { Scope.matches(name, $0.name) }) {
                    expressions.append(.column(index: index, type: fields[index].type))
                    newFields.append(Field(name: name, type: fields[index].type, isNullable: fields[index].isNullable))
                } else {
                    expressions.append(.literal(.null, type: .null))
                    newFields.append(Field(name: name, type: .null, isNullable: true))
                }
            }
            return .project(input: plan, expressions: expressions, fields: newFields)
        }
        return (arrange(left), arrange(right))
    }
}
