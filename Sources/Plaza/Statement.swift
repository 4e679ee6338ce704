internal import PlazaCore
internal import PlazaSQL

/// A statement parsed once and run many times with different parameters.
///
/// ```swift
/// let byAgency = try db.prepare("SELECT count(*) AS c FROM reportes WHERE agencia = $1")
/// let agua = try byAgency.query(parameters: ["Agua y Drenaje"])
/// ```
/// The text is parsed once; names are resolved again on each run, so the statement sees tables
/// appended or widened since it was prepared. `Sendable`: it may be run from many tasks at once.
public struct Statement: Sendable {
    /// The database the statement runs on.
    public let database: Database
    /// The SQL text.
    public let sql: String
    /// The number of parameters (`?` or `$n`) the statement takes.
    public let parameterCount: Int
    let parsed: PlazaSQL.Statement

    /// Runs the statement with `parameters` bound in order.
    ///
    /// - Throws: `PlazaError` as `Database.query(_:parameters:)` does.
    @discardableResult
    public func query(parameters: [any ParameterConvertible] = []) throws(PlazaError) -> QueryResult {
        let values = parameters.map(\.parameterValue)
        return try database.run(parsed, sql: sql, parameters: values, cancellation: .forCurrentTask())
    }
}

extension Database {
    /// Parses one statement for repeated runs.
    ///
    /// ```swift
    /// let statement = try db.prepare("SELECT count(*) FROM reportes WHERE colonia = ?")
    /// ```
    /// - Throws: `PlazaError` (`.syntax`) for bad SQL, (`.usage`) for more or fewer than one statement.
    public func prepare(_ sql: String) throws(PlazaError) -> Statement {
        let statements = try parse(sql)
        guard statements.count == 1, let parsed = statements.first else {
            throw PlazaError(
                kind: .usage, message: "prepare takes exactly one statement; \(statements.count) were given")
        }
        return Statement(database: self, sql: sql, parameterCount: parsed.parameterCount, parsed: parsed)
    }
}
