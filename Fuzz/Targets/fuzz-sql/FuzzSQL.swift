// libFuzzer target: SQL text from arbitrary bytes through the lexer, parser, binder and optimizer.
//
// Every statement that parses is bound against a small fixed catalog (the tables of Tests/SQL),
// printed back as SQL, re-parsed (Statement+SQL promises the same text again), and its plan is
// optimized and printed. Bad SQL must throw `SQLSyntaxError` or `BindError` with a usable
// caret diagram; a trap or sanitizer report is a bug.
import FuzzDriver
import PlazaCore
import PlazaPlanner
import PlazaSQL

/// The tables of the logic tests under Tests/SQL, merged by name.
struct FuzzCatalog: CatalogReader {
    static let tables: [TableDescription] = [
        TableDescription(
            name: "t",
            schema: Schema([
                Field(name: "a", type: .bigint), Field(name: "b", type: .varchar), Field(name: "s", type: .varchar),
                Field(name: "m", type: .decimal(precision: 10, scale: 2)), Field(name: "x", type: .double),
                Field(name: "d", type: .date), Field(name: "g", type: .varchar), Field(name: "v", type: .bigint),
                Field(name: "i", type: .bigint, isNullable: false), Field(name: "ts", type: .timestamp),
                Field(name: "ok", type: .boolean), Field(name: "k", type: .varchar), Field(name: "day", type: .date),
            ]), rowCount: 1000),
        TableDescription(
            name: "reportes",
            schema: Schema([
                Field(name: "id", type: .bigint), Field(name: "colonia", type: .varchar),
                Field(name: "Colonia Nombre", type: .varchar), Field(name: "monto", type: .decimal(precision: 12, scale: 2)),
                Field(name: "fecha", type: .date), Field(name: "n", type: .bigint),
                Field(name: "Fecha de creación", type: .date), Field(name: "creado", type: .date),
                Field(name: "hora", type: .timestamp), Field(name: "ok", type: .boolean), Field(name: "x", type: .double),
            ]), rowCount: 100_000),
        TableDescription(
            name: "alcaldias",
            schema: Schema([
                Field(name: "nombre", type: .varchar), Field(name: "colonia", type: .varchar),
                Field(name: "alcaldia", type: .varchar), Field(name: "poblacion", type: .bigint),
            ]), rowCount: 16),
        TableDescription(
            name: "r",
            schema: Schema([
                Field(name: "id", type: .bigint), Field(name: "colonia", type: .varchar),
                Field(name: "monto", type: .decimal(precision: 12, scale: 2)), Field(name: "fecha", type: .date),
                Field(name: "ts", type: .timestamp),
            ]), rowCount: 50),
        TableDescription(
            name: "s",
            schema: Schema([
                Field(name: "g", type: .varchar), Field(name: "x", type: .double), Field(name: "n", type: .bigint),
                Field(name: "ok", type: .boolean),
            ]), rowCount: 7),
        TableDescription(
            name: "p",
            schema: Schema([
                Field(name: "id", type: .bigint), Field(name: "name", type: .varchar), Field(name: "city", type: .bigint),
            ]), rowCount: 10),
        TableDescription(
            name: "c", schema: Schema([Field(name: "id", type: .bigint), Field(name: "city", type: .varchar)]),
            rowCount: 5),
        TableDescription(
            name: "a",
            schema: Schema([Field(name: "colonia", type: .varchar), Field(name: "alcaldia", type: .varchar)]),
            rowCount: 5),
        TableDescription(
            name: "big",
            schema: Schema([Field(name: "a", type: .bigint), Field(name: "m", type: .decimal(precision: 18, scale: 0))]),
            rowCount: 3),
        TableDescription(name: "empty", schema: Schema([Field(name: "a", type: .bigint)]), rowCount: 0),
    ]

    func tableNames() -> [String] { FuzzCatalog.tables.map(\.name).sorted() }
    func table(named name: String) -> TableDescription? {
        FuzzCatalog.tables.first { $0.name.lowercased() == name.lowercased() }
    }
}

let parameters: [Value] = [.bigint(7), .varchar("Roma Norte"), .decimal(12_345, scale: 2), .null, .date(19_000)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let statements: [Statement]
    do throws(SQLSyntaxError) {
        statements = try Parser.parse(utf8: bytes)
    } catch {
        _ = error.description
        return 0
    }
    let binder = Binder(catalog: FuzzCatalog(), parameters: parameters)
    for statement in statements {
        // Statement+SQL: parsing the printed text gives back a tree that prints identically.
        let text = statement.sql
        do throws(SQLSyntaxError) {
            let again = try Parser.parse(text)
            check(again.count == 1, "printed statement parses as \(again.count) statements: \(text)")
            check(again[0].sql == text, "printed statement reprints differently: \(text) vs \(again[0].sql)")
        } catch {
            // Full parenthesization can push a deep expression past Parser.maximumDepth.
            check(error.message.contains("deep"), "printed statement does not parse: \(text)\n\(error)")
        }
        do throws(BindError) {
            switch try binder.bind(statement) {
            case .query(let plan), .explain(let plan, _):
                _ = PlanPrinter.explain(plan)
                let optimized = Optimizer.optimize(plan)
                check(optimized.fields.count == plan.fields.count, "optimizer changed the output columns")
                _ = PlanPrinter.explain(optimized)
            default:
                break
            }
        } catch {
            _ = error.description
            if let span = error.span { _ = span.caretDiagram(in: String(decoding: bytes, as: UTF8.self)) }
        }
    }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzSQL) }
}
