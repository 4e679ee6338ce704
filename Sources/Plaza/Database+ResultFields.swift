internal import PlazaCore
internal import PlazaPlanner
internal import PlazaStorage

extension Database {
    /// The columns the last statement of `sql` returns, found by planning it without running it.
    ///
    /// A `stream` of a query with no rows yields no batch; this gives such a result its columns.
    /// Statements other than queries (SET, SHOW, DESCRIBE) give no columns here.
    /// - Throws: `PlazaError` as `query(_:parameters:)` does for syntax and binding errors.
    public func resultFields(of sql: String, parameters: [any ParameterConvertible] = []) throws(PlazaError)
        -> [Field]
    {
        guard let last = try parse(sql).last else { return [] }
        let tables = pinnedCatalog()
        let bound = try bind(last, sql: sql, parameters: parameters.map(\.parameterValue), tables: tables)
        guard case .query(let plan) = bound else { return [] }
        return Optimizer.optimize(plan, statistics: tables).fields
    }
}
