import PlazaCore
import PlazaSQL

/// Turns parsed statements into typed logical plans: resolves names through the catalog,
/// assigns types, inserts implicit casts and rejects what cannot run.
///
/// ```swift
/// let statement = try Parser.parse("SELECT colonia, count(*) FROM reportes GROUP BY 1")[0]
/// let bound = try Binder(catalog: catalog).bind(statement)
/// ```
/// Parameters are bound by value into literals, so a parameter never changes the query's shape.
package struct Binder {
    /// Where table names are resolved.
    package let catalog: any CatalogReader
    /// Values for `?`/`$n`, in order.
    package let parameters: [Value]

    /// Creates a binder over a catalog, with the values of the statement's parameters.
    package init(catalog: any CatalogReader, parameters: [Value] = []) {
        self.catalog = catalog
        self.parameters = parameters
    }

    /// Binds one statement.
    ///
    /// - Throws: `BindError` naming the problem and pointing at the offending token.
    package func bind(_ statement: Statement) throws(BindError) -> BoundStatement {
        let session = BindingSession(catalog: catalog, parameters: parameters)
        switch statement {
        case .select(let query):
            return .query(try session.bindQuery(query))
        case .explain(let query, let analyze):
            return .explain(try session.bindQuery(query), analyze: analyze)
        case .showTables:
            return .showTables
        case .describe(let name):
            if catalog.table(named: name.name) == nil, let view = try session.describeView(name) { return .query(view) }
            guard let table = catalog.table(named: name.name) else {
                throw BindError(
                    "unknown table \"\(name.name)\"" + Scope.suggestion(for: name.name, among: catalog.tableNames()),
                    span: name.span)
            }
            return .describe(table: table.name)
        case .set(let name, let value):
            let bound = Optimizer.fold(
                try session.bindExpression(value, in: Scope(columns: []), context: .plain("SET")))
            guard case .literal(let constant, _) = bound else {
                throw BindError("SET needs a constant value", span: value.span)
            }
            return .set(name: name.name.lowercased(), value: constant)
        case .write(let write):
            return .write(try session.bindWrite(write))
        case .copy(let copy):
            return .copy(try session.bindCopy(copy))
        case .transaction(let command):
            return .transaction(command)
        }
    }
}

/// State shared while binding one statement: the catalog, parameters, and visible CTEs.
final class BindingSession {
    let catalog: any CatalogReader
    let parameters: [Value]
    /// CTEs by lower-cased name, innermost WITH last.
    var cteFrames: [[String: CTEBinding]] = []
    /// Numbers the CTEs computed once (shared with the sessions that bind views).
    var cteCounter = CTECounter()
    /// Scopes of the queries enclosing the subquery being bound (for the correlated-subquery error).
    var outerScopes: [Scope] = []
    /// Window functions and grouping sets of the SELECT being bound (nil outside a SELECT list).
    var windows: WindowCollector?
    /// Views being expanded (lower-cased), to refuse a view that reads itself.
    var viewsBeingExpanded: Set<String> = []
    /// Set just before a subquery expression's query is bound: its WHERE may read the outer scope.
    var correlationRequest: CorrelationFrame?
    /// Set just before a subquery is bound by the general rewrite: the domain its SELECT joins in.
    var domainRequest: DomainFrame?
    /// While a correlated subquery's WHERE is bound: the frame whose outer columns it may read.
    var correlatedWhere: CorrelationFrame?
    /// Joins asked for by subqueries in the clause being bound (nil where none can be added).
    var subqueryJoins: SubqueryJoins?
    /// In a grouped SELECT: joins for correlated subqueries of aggregate arguments and GROUP BY
    /// keys, applied to the rows before the aggregate (nil elsewhere).
    var aggregateInputJoins: SubqueryJoins?
    /// While the FROM of a correlated subquery unnested by its domain is bound: that domain, which
    /// a derived table reading the outer query joins too.
    var fromDomain: DomainFrame?
    /// The domain of the correlated subquery whose SELECT is being bound (nil in other SELECTs).
    var activeDomain: DomainFrame?
    /// The table (lower-cased) whose next scan also reads the row id column, for DELETE and UPDATE.
    var rowIDTable: String?

    init(catalog: any CatalogReader, parameters: [Value]) {
        self.catalog = catalog
        self.parameters = parameters
    }

    // MARK: FROM

    func bindTable(_ reference: TableReference) throws(BindError) -> (LogicalPlan, Scope) {
        switch reference {
        case .table(let name, let alias, let columns) where !columns.isEmpty:
            let plan = try bindTable(.table(name, alias: alias)).0
            let named = try Self.named(plan, columns, alias: alias!)
            return (named, Scope(fields: named.fields, qualifier: alias!.name))
        case .table(let name, let alias, _):
            let qualifier = alias?.name ?? name.name
            for frame in cteFrames.reversed() {
                switch frame[name.name.lowercased()] {
                case .inline(let plan)?: return (plan, Scope(fields: plan.fields, qualifier: qualifier))
                case .stored(let reference)?:
                    return (.cteScan(reference), Scope(fields: reference.fields, qualifier: qualifier))
                case .forbidden(let message)?: throw BindError(message, span: name.span)
                case nil: continue
                }
            }
            if let view = try bindView(name, qualifier: qualifier) { return view }
            guard let table = catalog.table(named: name.name) else {
                let names = catalog.tableNames() + cteFrames.flatMap(\.keys)
                throw BindError(
                    "unknown table \"\(name.name)\"" + Scope.suggestion(for: name.name, among: names), span: name.span)
            }
            var fields = table.schema.fields
            var columns = Array(fields.indices)
            if rowIDTable == table.name.lowercased() {
                // DELETE and UPDATE read each row's id: the storage's column one past the table's.
                rowIDTable = nil
                columns.append(fields.count)
                fields.append(Field(name: Self.rowIDColumnName, type: .bigint, isNullable: false))
            }
            let scan = TableScan(table: table.name, columns: columns, fields: fields, estimatedRows: table.rowCount)
            return (.scan(scan), Scope(fields: fields, qualifier: qualifier))
        case .subquery(let query, let alias, let columns):
            var plan: LogicalPlan
            var carried = 0
            do {
                plan = try bindQuery(query)
            } catch {
                // In a correlated subquery's FROM, a derived table may read the outer query: it is
                // bound over the same domain, whose columns it carries after its own.
                guard let domain = fromDomain, !error.refusesUnnesting else { throw error }
                let copy = DomainFrame(id: domain.id, columns: domain.columns, purpose: .scalar)
                copy.outerAggregates = domain.outerAggregates
                domainRequest = copy
                do {
                    plan = try bindQuery(query)
                } catch let retried {
                    throw retried.refusesUnnesting ? retried : error
                }
                carried = domain.columns.count
            }
            if let alias { plan = try Self.named(plan, columns, alias: alias) }
            plan = Self.uniquelyNamed(plan)
            var scope = Scope(fields: plan.fields, qualifier: alias?.name)
            if carried > 0 {
                let first = plan.fields.count - carried
                for j in 0..<carried {
                    scope.columns[first + j].domainCopy = j
                    scope.columns[first + j].qualifier = nil
                    scope.columns[first + j].isQualifiedOnly = true
                }
                scope.starColumns = Array(0..<first)
            }
            return (plan, scope)
        case .function(let name, let arguments, let alias, let columns):
            return try bindTableFunction(name, arguments, alias: alias, columns: columns)
        case .join(let leftReference, let rightReference, let kind, let condition):
            return try bindJoin(leftReference, rightReference, kind: kind, condition: condition)
        }
    }

    /// `plan` with its first columns renamed by an alias's column list (`AS v(a, b)`); more names
    /// than columns is an error at the first extra name.
    static func named(_ plan: LogicalPlan, _ columns: [Identifier], alias: Identifier) throws(BindError) -> LogicalPlan
    {
        guard columns.count <= plan.fields.count else {
            let count = plan.fields.count
            throw BindError(
                "\(alias.name) has \(count) column\(count == 1 ? "" : "s") but \(columns.count) names are given",
                span: columns[count].span)
        }
        return renamed(plan, columns)
    }

    /// Checks an expression is BOOLEAN (an untyped NULL becomes a BOOLEAN NULL).
    func requireBoolean(_ bound: BoundExpression, _ expression: Expression, _ clause: String) throws(BindError)
        -> BoundExpression
    {
        switch bound.type {
        case .boolean: return bound
        case .null: return .literal(.null, type: .boolean)
        default:
            throw BindError("\(clause) needs a BOOLEAN condition, not \(bound.type)", span: expression.span)
        }
    }

    // MARK: LIMIT

    /// A LIMIT or OFFSET: a constant non-negative integer.
    func bindCount(_ expression: Expression, _ clause: String) throws(BindError) -> Int {
        let bound = Optimizer.fold(try bindExpression(expression, in: Scope(columns: []), context: .plain(clause)))
        guard case .literal(.bigint(let value), _) = bound, value >= 0, let count = Int(exactly: value) else {
            throw BindError("\(clause) must be a non-negative integer constant", span: expression.span)
        }
        return count
    }
}
