import PlazaCore
import PlazaSQL

/// What a CTE's name stands for in the FROM clauses that can see it.
enum CTEBinding {
    /// The CTE's plan, copied at each reference (a CTE read once, or `NOT MATERIALIZED`).
    case inline(LogicalPlan)
    /// Stored rows read by every reference: a materialized CTE, or a recursive CTE's working table.
    case stored(CTEReference)
    /// Reading the name here is an error (the anchor of a recursive CTE); the message says why.
    case forbidden(String)
}

/// Numbers the CTEs of one statement, views included, so that stored rows never share a number.
final class CTECounter {
    private var next = 0

    /// A number not given before.
    func take() -> Int {
        next += 1
        return next
    }
}

extension BindingSession {
    /// Binds the WITH clause of `query` into the innermost CTE frame, deciding for each CTE whether
    /// it is inlined where used or computed once: once when `MATERIALIZED`, or when what follows it
    /// reads it more than once (as DuckDB decides), unless `NOT MATERIALIZED` or `canMaterialize`
    /// is false. Returns the CTEs to compute once, in order, with empty bodies for the caller to fill.
    func bindCTEs(_ query: Query, canMaterialize: Bool) throws(BindError) -> [MaterializedCTEPlan] {
        var frame: [String: CTEBinding] = [:]
        var stored: [MaterializedCTEPlan] = []
        for (index, cte) in query.ctes.enumerated() {
            let key = cte.name.name.lowercased()
            if frame[key] != nil {
                throw BindError("WITH query \"\(cte.name.name)\" is defined twice", span: cte.name.span)
            }
            let selfReferences = cte.isRecursive ? cte.query.references(to: cte.name.name) : []
            let plan =
                selfReferences.isEmpty
                ? Self.uniquelyNamed(Self.renamed(try bindQuery(cte.query), cte.columns))
                : try bindRecursive(cte, selfReferences)
            var rest = query
            rest.ctes = Array(query.ctes[(index + 1)...])
            let uses = rest.references(to: cte.name.name).count
            let computeOnce =
                canMaterialize && uses > 0
                && (cte.materialization == .materialized || (cte.materialization == .automatic && uses > 1))
            if computeOnce {
                let id = cteCounter.take()
                frame[key] = .stored(
                    CTEReference(
                        id: id, name: cte.name.name, fields: plan.fields, isWorkingTable: false,
                        estimatedRows: plan.estimatedRows))
                stored.append(
                    MaterializedCTEPlan(
                        id: id, name: cte.name.name, definition: plan, body: .values(rows: [], fields: [])))
            } else {
                frame[key] = .inline(plan)
            }
            cteFrames[cteFrames.count - 1] = frame
        }
        return stored
    }

    /// `plan` with the computed CTEs of `stored` around it, the first outermost (so it runs first
    /// and the later definitions may read it).
    static func wrap(_ plan: LogicalPlan, in stored: [MaterializedCTEPlan]) -> LogicalPlan {
        var result = plan
        for var cte in stored.reversed() {
            cte.body = result
            result = .materializedCTE(cte)
        }
        return result
    }

    /// `anchor UNION [ALL] recursive` of a CTE whose query reads its own name (at `selfReferences`):
    /// the anchor is bound first and may not read the name; the recursive term reads the previous
    /// iteration's rows under it, typed as the anchor's columns, and is cast to those types (as DuckDB).
    private func bindRecursive(_ cte: CommonTableExpression, _ selfReferences: [SourceSpan]) throws(BindError)
        -> LogicalPlan
    {
        let name = cte.name.name
        guard let operation = cte.query.setOperation, operation.clause.op == .union, !operation.clause.byName else {
            throw BindError(
                "the recursive CTE \"\(name)\" must be an anchor query, then UNION or UNION ALL, then a query "
                    + "that reads \"\(name)\"",
                span: selfReferences[0])
        }
        let clause = operation.clause
        if let first = cte.query.orderBy.first {
            throw BindError("ORDER BY is not allowed in the recursive CTE \"\(name)\"", span: first.expression.span)
        }
        if let count = cte.query.limit ?? cte.query.offset {
            throw BindError("LIMIT or OFFSET is not allowed in the recursive CTE \"\(name)\"", span: count.span)
        }
        let key = name.lowercased()
        cteFrames.append([
            key: .forbidden(
                "the anchor of the recursive CTE \"\(name)\" (the query before \(clause.keywords)) cannot read "
                    + "\"\(name)\"; only the query after it can")
        ])
        let anchor = Self.renamed(try bindQuery(clause.left), cte.columns)
        cteFrames.removeLast()
        var fields: [Field] = []
        for (index, field) in anchor.fields.enumerated() {
            if field.type == .null {
                throw BindError(
                    "column \(index + 1) (\"\(field.name)\") of the recursive CTE \"\(name)\" is an untyped NULL in "
                        + "the anchor query; CAST it to the type the recursion produces",
                    span: clause.left.span)
            }
            fields.append(Field(name: field.name, type: field.type, isNullable: true))
        }
        let reference = CTEReference(
            id: cteCounter.take(), name: name, fields: fields, isWorkingTable: true,
            estimatedRows: anchor.estimatedRows)
        cteFrames.append([key: .stored(reference)])
        let recursive = try bindQuery(clause.right)
        cteFrames.removeLast()
        guard recursive.fields.count == fields.count else {
            throw BindError(
                "the branches of \(clause.keywords) in the recursive CTE \"\(name)\" have different numbers of "
                    + "columns: \(fields.count) in the anchor, \(recursive.fields.count) in the recursive query",
                span: clause.span)
        }
        for (index, (field, produced)) in zip(fields, recursive.fields).enumerated()
        where produced.type != .null && !FunctionCatalog.canCast(from: produced.type, to: field.type) {
            throw BindError(
                "column \(index + 1) (\"\(field.name)\") of the recursive CTE \"\(name)\" is \(field.type) in the "
                    + "anchor and \(produced.type) in the recursive query, which cannot be cast to it",
                span: clause.span)
        }
        return .recursiveCTE(
            RecursiveCTEPlan(
                id: reference.id, name: name, anchor: Self.cast(anchor, to: fields.map(\.type)),
                recursive: Self.cast(recursive, to: fields.map(\.type)), isUnionAll: clause.isAll, fields: fields))
    }

    /// `plan` with its first columns renamed by a CTE's column list; names beyond the columns are
    /// ignored, as DuckDB does.
    static func renamed(_ plan: LogicalPlan, _ names: [Identifier]) -> LogicalPlan {
        let fields = plan.fields
        guard !names.isEmpty, !fields.isEmpty else { return plan }
        let renamed = fields.enumerated().map { index, field in
            Field(
                name: index < names.count ? names[index].name : field.name, type: field.type,
                isNullable: field.isNullable)
        }
        if renamed.map(\.name) == fields.map(\.name) { return plan }
        return .project(
            input: plan, expressions: fields.indices.map { .column(index: $0, type: fields[$0].type) }, fields: renamed)
    }

    /// `plan` with repeated column names (case-insensitive) made unique as DuckDB does for a
    /// subquery or CTE: the second `k` becomes `k_1`, the third `k_2`, skipping names in use.
    static func uniquelyNamed(_ plan: LogicalPlan) -> LogicalPlan {
        var seen = Set<String>(), names: [String] = [], changed = false
        for field in plan.fields {
            var name = field.name
            if seen.contains(name.lowercased()) {
                var suffix = 1
                while seen.contains("\(field.name)_\(suffix)".lowercased()) { suffix += 1 }
                name = "\(field.name)_\(suffix)"
                changed = true
            }
            seen.insert(name.lowercased())
            names.append(name)
        }
        guard changed else { return plan }
        let fields = plan.fields
        return .project(
            input: plan, expressions: fields.indices.map { .column(index: $0, type: fields[$0].type) },
            fields: zip(fields, names).map { Field(name: $1, type: $0.type, isNullable: $0.isNullable) })
    }
}
