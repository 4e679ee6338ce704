import PlazaCore
import PlazaSQL

/// One column pair that `USING` or `NATURAL` joins on: positions in the left and right scopes.
struct UsingPair {
    var left: Int
    var right: Int
    /// The name as written in USING (for NATURAL: the left side's name), for errors.
    var name: Identifier
}

extension BindingSession {
    /// Binds `left <kind> JOIN right ON … | USING (…) | NATURAL`.
    ///
    /// The plan's columns are the left side's, then the right side's. With USING or NATURAL, each
    /// shared column appears once in `SELECT *`, at the left side's place, and a bare name reaches
    /// it, as in DuckDB: for INNER and LEFT joins it is the left column, for RIGHT joins the right
    /// column, and for FULL joins `COALESCE(left, right)` (a projection above the join adds it).
    /// `t.a` and `u.a` still reach each side's own column.
    func bindJoin(
        _ leftReference: TableReference, _ rightReference: TableReference, kind: JoinKind,
        condition: JoinCondition
    ) throws(BindError) -> (LogicalPlan, Scope) {
        var (left, leftScope) = try bindTable(leftReference)
        var right: LogicalPlan, rightScope: Scope
        do {
            (right, rightScope) = try bindTable(rightReference)
        } catch {
            guard let lateral = Self.lateralError(rightReference, leftScope) else { throw error }
            guard kind == .inner || kind == .left else {
                throw BindError(
                    "a subquery in FROM that reads a FROM item before it (LATERAL) may be joined by INNER, LEFT or CROSS JOIN or a comma, not by \(kind == .right ? "RIGHT" : "FULL") JOIN",
                    span: lateral.span)
            }
            return try bindLateral(left, leftScope, rightReference, kind: kind, condition: condition)
        }
        guard case .on(let on) = condition, let domain = fromDomain,
            Self.readsDomain(on, Scope(columns: leftScope.columns + rightScope.columns), domain)
        else {
            return try bindJoin(left, leftScope, right, rightScope, kind: kind, condition: condition)
        }
        // In a correlated subquery's FROM, an ON that reads the enclosing query joins the subquery's
        // domain into the side whose rows the join keeps (each D row then has its own join); the
        // joined D columns are matched with the subquery's own D by `bindSelect`.
        var plan: LogicalPlan
        var scope: Scope
        switch kind {
        case .full:
            (plan, scope) = try fullJoinOverDomain(left, leftScope, right, rightScope, condition, domain)
        case .right:
            (right, rightScope) = Self.joiningDomain(right, rightScope, domain)
            (plan, scope) = try bindJoin(left, leftScope, right, rightScope, kind: kind, condition: condition)
        case .inner, .left:
            (left, leftScope) = Self.joiningDomain(left, leftScope, domain)
            (plan, scope) = try bindJoin(left, leftScope, right, rightScope, kind: kind, condition: condition)
        }
        for index in scope.columns.indices where scope.columns[index].domainCopy != nil {
            scope.columns[index].qualifier = nil
            scope.columns[index].isQualifiedOnly = true
        }
        scope.starColumns.removeAll { scope.columns[$0].domainCopy != nil }
        return (plan, scope)
    }

    /// `left JOIN right` where the derived table `right` reads `left`'s columns (LATERAL, written or
    /// not, as in DuckDB): the derived table is bound over the domain of the left values it reads
    /// (their DISTINCT), carries D's columns after its own, and joins `left` on them, NULL matching
    /// NULL, besides the written condition. It runs once over D, never once per left row.
    private func bindLateral(
        _ left: LogicalPlan, _ leftScope: Scope, _ reference: TableReference, kind: JoinKind,
        condition: JoinCondition
    ) throws(BindError) -> (LogicalPlan, Scope) {
        guard case .subquery(let query, let alias, let names) = reference else {
            preconditionFailure("only a derived table reads the FROM items before it")
        }
        let inner = ownScope(of: query)
        var references: [Int] = []
        for parts in query.columnReferences() {
            if let inner, (try? inner.resolve(parts)) != nil { continue }
            if let index = try? leftScope.resolve(parts), !references.contains(index) { references.append(index) }
        }
        let (keys, columns) = Self.domainParts(references.sorted(), of: leftScope)
        let frame = DomainFrame(id: cteCounter.take(), columns: columns, purpose: .scalar)
        outerScopes.append(leftScope)
        domainRequest = frame
        let enclosingFrom = fromDomain
        fromDomain = nil
        defer {
            outerScopes.removeLast()
            domainRequest = nil
            fromDomain = enclosingFrom
        }
        var plan = try bindQuery(query)
        let domain = LogicalPlan.distinct(input: .project(input: left, expressions: keys, fields: frame.fields))
        plan = DomainJoin.replacing(frame.id, in: plan, with: domain)
        if let alias { plan = try Self.named(plan, names, alias: alias) }
        plan = Self.uniquelyNamed(plan)
        var rightScope = Scope(fields: plan.fields, qualifier: alias?.name)
        let first = plan.fields.count - columns.count
        for j in columns.indices {
            rightScope.columns[first + j].qualifier = nil
            rightScope.columns[first + j].isQualifiedOnly = true
        }
        rightScope.starColumns = Array(0..<first)
        let leftCount = leftScope.columns.count
        let carried = columns.indices.map {
            BoundExpression.column(index: leftCount + first + $0, type: plan.fields[first + $0].type)
        }
        let (l, r) = DomainJoin.nullSafeKeys(keys, carried, nullable: left.fields)
        let equal = zip(l, r).map { BoundExpression.call(name: .equal, arguments: [$0, $1], type: .boolean) }
        let (joined, joinedScope) = try bindJoin(
            left, leftScope, plan, rightScope, kind: kind, condition: condition, extra: equal)
        var scope = joinedScope
        // The carried D columns stay in the plan, hidden: the scope's positions are the plan's.
        scope.starColumns.removeAll { $0 >= leftCount + first && $0 < leftCount + plan.fields.count }
        return (joined, scope)
    }

    /// For a derived table that reads a FROM item before it (`LATERAL`), the place of its first such
    /// reference; nil when it reads none.
    private static func lateralError(_ reference: TableReference, _ before: Scope) -> BindError? {
        guard case .subquery(let query, _, _) = reference else { return nil }
        for parts in query.columnReferences() where (try? before.resolve(parts)) != nil {
            let text = parts.map(\.name).joined(separator: ".")
            return BindError(
                "a subquery in FROM reads \"\(text)\" of a FROM item before it (LATERAL)",
                span: parts[parts.count - 1].span)
        }
        return nil
    }

    /// A FULL join in a correlated subquery's FROM whose ON reads the enclosing query: D joins both
    /// sides, the ON also asks their D columns to be equal (NULL matching NULL), and the D row of
    /// each output row is `coalesce(left D, right D)`: the left's on matched and left-only rows (the
    /// right's equals it or is NULL), the right's on right-only rows.
    private func fullJoinOverDomain(
        _ left: LogicalPlan, _ leftScope: Scope, _ right: LogicalPlan, _ rightScope: Scope,
        _ condition: JoinCondition, _ domain: DomainFrame
    ) throws(BindError) -> (LogicalPlan, Scope) {
        let (leftPlan, leftDomainScope) = Self.joiningDomain(left, leftScope, domain)
        let (rightPlan, rightDomainScopeBase) = Self.joiningDomain(right, rightScope, domain)
        var rightDomainScope = rightDomainScopeBase
        // The ON reads the outer columns from the left copy; the right copy answers no name.
        let k = domain.columns.count
        let leftStart = leftScope.columns.count, rightStart = rightScope.columns.count
        for j in 0..<k {
            rightDomainScope.columns[rightStart + j].domainCopy = nil
            rightDomainScope.columns[rightStart + j].qualifier = nil
            rightDomainScope.columns[rightStart + j].isQualifiedOnly = true
        }
        let leftWidth = leftStart + k
        let leftCopies = (0..<k).map { BoundExpression.column(index: leftStart + $0, type: domain.columns[$0].type) }
        let rightCopies = (0..<k).map {
            BoundExpression.column(index: leftWidth + rightStart + $0, type: domain.columns[$0].type)
        }
        let (l, r) = DomainJoin.nullSafeKeys(leftCopies, rightCopies, nullable: leftPlan.fields)
        let equal = zip(l, r).map { BoundExpression.call(name: .equal, arguments: [$0, $1], type: .boolean) }
        let (joined, joinedScope) = try bindJoin(
            leftPlan, leftDomainScope, rightPlan, rightDomainScope, kind: .full, condition: condition, extra: equal)
        var scope = joinedScope
        var expressions = scope.columns.indices.map { BoundExpression.column(index: $0, type: scope.columns[$0].type) }
        var fields = joined.fields
        for j in 0..<k {
            scope.columns[leftStart + j].domainCopy = nil
            scope.columns[leftStart + j].qualifier = nil
            scope.columns[leftStart + j].isQualifiedOnly = true
            let type = domain.columns[j].type
            expressions.append(.call(name: .coalesce, arguments: [leftCopies[j], rightCopies[j]], type: type))
            fields.append(Field(name: "#domain\(j + 1)", type: type, isNullable: true))
            var combined = domain.columns[j]
            combined.domainCopy = j
            scope.columns.append(combined)
        }
        return (.project(input: joined, expressions: expressions, fields: fields), scope)
    }

    /// Whether `on` reads a column that the join's sides do not hold but the domain does.
    private static func readsDomain(_ on: Expression, _ scope: Scope, _ domain: DomainFrame) -> Bool {
        let outer = Scope(columns: domain.columns)
        return on.columnReferences().contains { parts in
            (try? scope.resolve(parts)) == nil && (try? outer.resolve(parts)) != nil
        }
    }

    /// `plan` cross-joined with the domain's placeholder; the scope gains D's columns (reachable by
    /// their names while the ON is bound, each marked with the D column it copies).
    private static func joiningDomain(_ plan: LogicalPlan, _ scope: Scope, _ domain: DomainFrame) -> (
        LogicalPlan, Scope
    ) {
        let joined = LogicalPlan.join(
            Join(left: plan, right: domain.placeholder, kind: .inner, leftKeys: [], rightKeys: [], residual: nil))
        var columns = scope.columns
        for (j, column) in domain.columns.enumerated() {
            var copy = column
            copy.domainCopy = j
            columns.append(copy)
        }
        return (joined, Scope(columns: columns, starColumns: scope.starColumns))
    }

    /// `bindJoin` over bound sides.
    private func bindJoin(
        _ left: LogicalPlan, _ leftScope: Scope, _ right: LogicalPlan, _ rightScope: Scope, kind: JoinKind,
        condition: JoinCondition, extra: [BoundExpression] = []
    ) throws(BindError) -> (LogicalPlan, Scope) {
        let planKind: Join.Kind
        switch kind {
        case .inner: planKind = .inner
        case .left: planKind = .left
        case .right: planKind = .right
        case .full: planKind = .full
        }
        var leftColumns = leftScope.columns, rightColumns = rightScope.columns
        if kind == .left || kind == .full {
            for index in rightColumns.indices { rightColumns[index].isNullable = true }
        }
        if kind == .right || kind == .full {
            for index in leftColumns.indices { leftColumns[index].isNullable = true }
        }
        let leftCount = leftColumns.count
        let pairs: [UsingPair]
        switch condition {
        case .on(let on):
            let scope = Scope(
                columns: leftColumns + rightColumns,
                starColumns: leftScope.starColumns + rightScope.starColumns.map { $0 + leftCount })
            // Correlated subqueries of an INNER join's ON join the pairs, as in WHERE; an outer join
            // needs their values before it decides which rows match (Binder+OuterJoinSubqueries).
            let enclosingJoins = subqueryJoins
            let onJoins = SubqueryJoins(base: scope.columns.count, isGeneralOnly: planKind != .inner)
            subqueryJoins = onJoins
            defer { subqueryJoins = enclosingJoins }
            let written = try requireBoolean(
                try bindExpression(on, in: scope, context: .plain("JOIN conditions")), on, "JOIN … ON")
            let bound = PlanUtilities.conjunction([written] + extra)!
            subqueryJoins = enclosingJoins
            if planKind != .inner && !onJoins.isEmpty {
                let plan = try outerJoinWithSubqueries(
                    left: left, right: right, kind: planKind, bound: bound, joins: onJoins, leftCount: leftCount,
                    scope: scope, span: on.span)
                return (plan, scope)
            }
            // Conjuncts reading the subqueries' joined values filter the pairs after those joins.
            let conjuncts = PlanUtilities.conjuncts(bound)
            let readsSubqueries = { (conjunct: BoundExpression) in
                PlanUtilities.columns(of: conjunct).contains { $0 >= onJoins.base }
            }
            let afterSubqueries = conjuncts.filter(readsSubqueries)
            let condition = PlanUtilities.joinCondition(
                conjuncts.filter { !readsSubqueries($0) }, leftCount: leftCount)
            let join = Join(
                left: left, right: right, kind: planKind, leftKeys: condition.leftKeys,
                rightKeys: condition.rightKeys, residual: condition.residual)
            guard !onJoins.isEmpty else { return (.join(join), scope) }
            var plan = onJoins.apply(to: .join(join))
            if let predicate = PlanUtilities.conjunction(afterSubqueries) {
                plan = .filter(input: plan, predicate: predicate)
            }
            let columns = scope.columns.indices.map { BoundExpression.column(index: $0, type: scope.columns[$0].type) }
            return (.project(input: plan, expressions: columns, fields: scope.fields), scope)
        case .using(let names):
            pairs = try usingPairs(names, leftScope, rightScope)
        case .natural(let span):
            pairs = try naturalPairs(leftScope, rightScope, span: span)
        }

        // Equality of each pair, with the casts `=` needs when the two types differ.
        var leftKeys: [BoundExpression] = [], rightKeys: [BoundExpression] = []
        for pair in pairs {
            let source = Expression(.column([pair.name]), span: pair.name.span)
            let equal = try call(
                "=",
                [
                    .column(index: pair.left, type: leftColumns[pair.left].type),
                    .column(index: leftCount + pair.right, type: rightColumns[pair.right].type),
                ], [source, source], span: pair.name.span, display: "=")
            guard let (l, r) = PlanUtilities.equiKey(equal, leftCount: leftCount) else {
                preconditionFailure("a USING pair compares one column of each side")
            }
            leftKeys.append(l)
            rightKeys.append(r)
        }
        var plan = LogicalPlan.join(
            Join(left: left, right: right, kind: planKind, leftKeys: leftKeys, rightKeys: rightKeys, residual: nil))
        var columns = leftColumns + rightColumns
        let rightUsing = Set(pairs.map { leftCount + $0.right })
        var star = leftScope.starColumns
        let rightStar = rightScope.starColumns.map { $0 + leftCount }.filter { !rightUsing.contains($0) }
        var merged: [BoundExpression] = []
        for pair in pairs {
            let rightIndex = leftCount + pair.right
            let shown: Int
            switch kind {
            case .inner, .left:
                // Matched rows hold equal values and the others keep the left value: the left column.
                columns[rightIndex].isQualifiedOnly = true
                shown = pair.left
            case .right:
                columns[pair.left].isQualifiedOnly = true
                shown = rightIndex
            case .full:
                let source = Expression(.column([pair.name]), span: pair.name.span)
                let coalesce = try call(
                    "coalesce",
                    [
                        .column(index: pair.left, type: columns[pair.left].type),
                        .column(index: rightIndex, type: columns[rightIndex].type),
                    ], [source, source], span: pair.name.span, display: "COALESCE")
                columns[pair.left].isQualifiedOnly = true
                columns[rightIndex].isQualifiedOnly = true
                shown = leftCount + rightColumns.count + merged.count
                merged.append(coalesce)
                columns.append(
                    ScopeColumn(
                        qualifier: nil, name: leftColumns[pair.left].name, type: coalesce.type, isNullable: true))
            }
            if let position = star.firstIndex(of: pair.left) { star[position] = shown }
        }
        if !merged.isEmpty {
            let fields = plan.fields
            let mergedFields = merged.indices.map {
                Field(name: columns[fields.count + $0].name, type: merged[$0].type, isNullable: true)
            }
            let expressions = fields.indices.map { BoundExpression.column(index: $0, type: fields[$0].type) } + merged
            plan = .project(input: plan, expressions: expressions, fields: fields + mergedFields)
        }
        return (plan, Scope(columns: columns, starColumns: star + rightStar))
    }

    /// The column pairs of `USING (names)`: each name must reach exactly one column on each side.
    private func usingPairs(_ names: [Identifier], _ leftScope: Scope, _ rightScope: Scope) throws(BindError)
        -> [UsingPair]
    {
        var pairs: [UsingPair] = []
        for name in names {
            let left = try usingColumn(name, in: leftScope, side: "left")
            let right = try usingColumn(name, in: rightScope, side: "right")
            // As DuckDB, a name written twice joins once.
            if !pairs.contains(where: { $0.left == left && $0.right == right }) {
                pairs.append(UsingPair(left: left, right: right, name: name))
            }
        }
        return pairs
    }

    /// The position of a USING column on one side, or an error naming the side.
    private func usingColumn(_ name: Identifier, in scope: Scope, side: String) throws(BindError) -> Int {
        let visible = scope.columns.filter { !$0.isQualifiedOnly }.map(\.name)
        guard visible.contains(where: { Scope.matches(name.name, $0) }) else {
            throw BindError(
                "column \"\(name.name)\" of USING is not on the \(side) side of the join"
                    + Scope.suggestion(for: name.name, among: visible),
                span: name.span)
        }
        return try scope.resolve([name])
    }

    /// The column pairs of NATURAL: every name both sides show, in the left side's order.
    private func naturalPairs(_ leftScope: Scope, _ rightScope: Scope, span: SourceSpan) throws(BindError)
        -> [UsingPair]
    {
        let rightNames = Set(rightScope.columns.filter { !$0.isQualifiedOnly }.map { $0.name.lowercased() })
        var seen = Set<String>()
        var pairs: [UsingPair] = []
        for column in leftScope.columns where !column.isQualifiedOnly {
            let key = column.name.lowercased()
            guard rightNames.contains(key), seen.insert(key).inserted else { continue }
            let name = Identifier(column.name, isQuoted: true, span: span)
            pairs.append(
                UsingPair(left: try leftScope.resolve([name]), right: try rightScope.resolve([name]), name: name))
        }
        if pairs.isEmpty {
            // DuckDB refuses rather than silently producing every pair.
            throw BindError(
                "NATURAL JOIN found no column name shared by both sides; write CROSS JOIN for every pair of rows",
                span: span)
        }
        return pairs
    }
}
