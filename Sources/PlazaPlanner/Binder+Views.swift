import PlazaCore
import PlazaSQL

extension BindingSession {
    /// The plan and scope of view `name` when the catalog has such a view, else nil.
    ///
    /// The view's stored SQL is parsed and bound now, against the tables as they are: a view over
    /// a dropped table or column fails here with an error naming the view.
    func bindView(_ name: Identifier, qualifier: String) throws(BindError) -> (LogicalPlan, Scope)? {
        guard let view = catalog.viewDefinition(named: name.name) else { return nil }
        let key = view.name.lowercased()
        guard !viewsBeingExpanded.contains(key) else {
            throw BindError("view \"\(view.name)\" refers to itself", span: name.span)
        }
        let statements: [Statement]
        do { statements = try Parser.parse(view.sql) } catch {
            throw BindError("view \"\(view.name)\" cannot be read: \(error.message)", span: name.span)
        }
        guard statements.count == 1, case .select(let query) = statements[0] else {
            throw BindError("view \"\(view.name)\" is not stored as one query", span: name.span)
        }
        // A fresh session: the view sees no CTEs or outer columns of the query that uses it.
        let session = BindingSession(catalog: catalog, parameters: [])
        session.viewsBeingExpanded = viewsBeingExpanded.union([key])
        session.cteCounter = cteCounter
        let plan: LogicalPlan
        do {
            plan = try session.bindQuery(query)
        } catch {
            throw BindError("view \"\(view.name)\" cannot be used: \(error.message)", span: name.span)
        }
        return (plan, Scope(fields: plan.fields, qualifier: qualifier))
    }

    /// `DESCRIBE view`: one row per column of the view's query (name, type, nullable) as a plan.
    func describeView(_ name: Identifier) throws(BindError) -> LogicalPlan? {
        guard let (plan, _) = try bindView(name, qualifier: name.name) else { return nil }
        let rows = plan.fields.map { field -> [BoundExpression] in
            [
                .literal(.varchar(field.name), type: .varchar),
                .literal(.varchar(field.type.description), type: .varchar),
                .literal(.varchar("YES"), type: .varchar),
            ]
        }
        let fields = ["column_name", "column_type", "null"].map { Field(name: $0, type: .varchar, isNullable: false) }
        return .values(rows: rows, fields: fields)
    }
}
