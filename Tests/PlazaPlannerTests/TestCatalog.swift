import PlazaCore
import PlazaSQL

@testable import PlazaPlanner

/// A fixed in-memory catalog for binder tests.
struct TestCatalog: CatalogReader {
    let tables: [TableDescription] = [
        TableDescription(
            name: "reportes",
            schema: Schema([
                Field(name: "colonia", type: .varchar), Field(name: "monto", type: .decimal(precision: 12, scale: 2)),
                Field(name: "fecha", type: .date), Field(name: "n", type: .bigint, isNullable: false),
                Field(name: "ts", type: .timestamp),
                Field(name: "ok", type: .boolean), Field(name: "x", type: .double),
                Field(name: "Fecha de creación", type: .date),
            ]), rowCount: 1000),
        TableDescription(
            name: "alcaldias",
            schema: Schema([
                Field(name: "nombre", type: .varchar), Field(name: "colonia", type: .varchar),
                Field(name: "poblacion", type: .bigint),
            ]),
            rowCount: 16),
    ]

    func tableNames() -> [String] { tables.map(\.name).sorted() }
    func table(named name: String) -> TableDescription? { tables.first { $0.name.lowercased() == name.lowercased() } }
}

/// Parses and binds one statement.
func bind(_ sql: String, parameters: [Value] = []) throws -> BoundStatement {
    let statements = try Parser.parse(sql)
    return try Binder(catalog: TestCatalog(), parameters: parameters).bind(statements[0])
}

/// The plan of a query.
func plan(_ sql: String, parameters: [Value] = []) throws -> LogicalPlan {
    guard case .query(let plan) = try bind(sql, parameters: parameters) else { fatalError("not a query: \(sql)") }
    return plan
}

/// The binding error of a statement, or nil if it binds.
func bindError(_ sql: String) -> BindError? {
    do {
        _ = try bind(sql)
        return nil
    } catch let error as BindError {
        return error
    } catch {
        return BindError("unexpected: \(error)", span: nil)
    }
}

/// The first projected expression of `SELECT expr FROM reportes`.
func expression(_ text: String) throws -> BoundExpression {
    guard case .project(_, let expressions, _) = try plan("SELECT \(text) FROM reportes") else {
        fatalError("no projection")
    }
    return expressions[0]
}
