internal import PlazaCore
internal import PlazaSQL
import Foundation

extension Database {
    /// Whether `path` names newline-delimited JSON (`.jsonl`, `.ndjson`, `.json`).
    public static func isJSONPath(_ path: String) -> Bool {
        ["json", "jsonl", "ndjson"].contains((path as NSString).pathExtension.lowercased())
    }

    /// Imports newline-delimited JSON objects (or one array of them) into a table, as
    /// `read_json` reads them (keys as columns, types from every value, nested values as JSON
    /// text). Appending matches the file's keys to the table's columns by name.
    func importJSON(from path: String, into table: String?, options: ImportOptions) throws(PlazaError)
        -> ImportSummary
    {
        let name = table ?? Self.tableName(forFile: path)
        if options.mode == .create, let existing = catalog.table(named: name) {
            throw PlazaError(
                kind: .usage,
                message:
                    "table \"\(existing.name)\" already exists; use --append to add the rows or --replace to replace the table (nothing was changed)"
            )
        }
        let quotedPath = "'" + path.replacingOccurrences(of: "'", with: "''") + "'"
        let source = "read_json(" + quotedPath + ")"
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
            columns: columns, notes: ["read as JSON objects: keys as columns, nested values as JSON text"],
            rejectsPath: nil)
    }

    /// The columns `read_json(…)` gives, read without the database's external-file setting.
    private func resultFields(ofFile source: String) throws(PlazaError) -> [Field] {
        let sql = "SELECT * FROM \(source)"
        let statements = try parse(sql)
        let tables = pinnedCatalog(allowingFiles: true)
        guard case .query(let plan) = try bind(statements[0], sql: sql, parameters: [], tables: tables) else {
            throw PlazaError(kind: .internal, message: "read_json did not bind as a query (a bug; please report it)")
        }
        return plan.fields
    }
}
