internal import PlazaCore
internal import PlazaSQL
import Foundation

extension Database {
    /// Whether `path` names newline-delimited JSON (`.jsonl`, `.ndjson`, `.json`).
    public static func isJSONPath(_ path: String) -> Bool {
        ["json", "jsonl", "ndjson"].contains((path as NSString).pathExtension.lowercased())
    }

    /// Whether `path` names an Excel workbook (`.xlsx`).
    static func isExcelPath(_ path: String) -> Bool { (path as NSString).pathExtension.lowercased() == "xlsx" }

    /// Imports a file through the SQL reader `reader` (`read_json`: objects as rows, keys as
    /// columns, nested values as JSON text; `read_xlsx`: the first sheet, its first row as header),
    /// as `CREATE TABLE … AS SELECT * FROM reader('path')`. Appending matches columns by name.
    func importThroughReader(
        _ reader: String, from path: String, into table: String?, options: ImportOptions, note: String
    ) throws(PlazaError) -> ImportSummary {
        let name = table ?? Self.tableName(forFile: path)
        if options.mode == .create, let existing = catalog.table(named: name) {
            throw PlazaError(
                kind: .usage,
                message:
                    "table \"\(existing.name)\" already exists; use --append to add the rows or --replace to replace the table (nothing was changed)"
            )
        }
        let quotedPath = "'" + path.replacingOccurrences(of: "'", with: "''") + "'"
        let source = reader + "(" + quotedPath + ")"
        let fields = try resultFields(ofFile: source)
        let target = Self.quotedName(name)
        let sql: String
        switch options.mode {
        case .create: sql = "CREATE TABLE \(target) AS SELECT * FROM \(source)"
        case .replace: sql = "CREATE OR REPLACE TABLE \(target) AS SELECT * FROM \(source)"
        case .append:
            let columns = fields.map { Self.quotedName($0.name) }.joined(separator: ", ")
            sql = "INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM \(source)"
        }
        let statements = try parse(sql)
        let result = try run(
            statements[0], sql: sql, parameters: [], cancellation: .forCurrentTask(), allowingFiles: true)
        let rows = result.changedRowCount ?? 0
        let columns = (try? schema(ofTable: name).fields) ?? fields
        return ImportSummary(
            path: path, table: name, mode: options.mode, rowsRead: rows, rowsImported: rows, rowsRejected: 0,
            columns: columns, notes: [note],
            rejectsPath: nil)
    }

    /// The columns a file reader (`read_json(…)`, `read_xlsx(…)`) gives, read without the database's external-file setting.
    private func resultFields(ofFile source: String) throws(PlazaError) -> [Field] {
        let sql = "SELECT * FROM \(source)"
        let statements = try parse(sql)
        let tables = pinnedCatalog(allowingFiles: true)
        guard case .query(let plan) = try bind(statements[0], sql: sql, parameters: [], tables: tables) else {
            throw PlazaError(kind: .internal, message: "\(source) did not bind as a query (a bug; please report it)")
        }
        return plan.fields
    }
}
