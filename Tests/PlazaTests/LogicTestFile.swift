import Foundation
import Testing
@testable import Plaza

/// One record of a logic-test file (`Tests/SQL/**/*.test`).
enum LogicRecord {
    /// `table NAME(col TYPE, …)` and its CSV rows.
    case table(name: String, schema: Schema, rows: [[Value]], line: Int)
    /// `query <types> [rowsort] [conN]`, the SQL and the expected rows (tab-separated text).
    case query(
        types: [Character], isRowSorted: Bool, sql: String, expected: [String], line: Int, connection: String? = nil)
    /// `statement ok [conN]` / `statement error [conN]` with an optional message fragment.
    case statement(expectsError: Bool, sql: String, fragment: String?, line: Int, connection: String? = nil)

    /// The session a statement or query names (`con2`), or nil for the default one.
    var connection: String? {
        switch self {
        case .table: return nil
        case .query(_, _, _, _, _, let connection), .statement(_, _, _, _, let connection): return connection
        }
    }

    /// The record with each key of `replacements` replaced by its value in its SQL.
    func substituting(_ replacements: [String: String]) -> LogicRecord {
        func replaced(_ sql: String) -> String {
            replacements.reduce(sql) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        }
        switch self {
        case .table: return self
        case .query(let types, let isRowSorted, let sql, let expected, let line, let connection):
            return .query(
                types: types, isRowSorted: isRowSorted, sql: replaced(sql), expected: expected, line: line,
                connection: connection)
        case .statement(let expectsError, let sql, let fragment, let line, let connection):
            return .statement(
                expectsError: expectsError, sql: replaced(sql), fragment: fragment, line: line, connection: connection)
        }
    }
}

/// A parse error in a logic-test file itself.
struct LogicFileError: Error, CustomStringConvertible {
    let line: Int
    let message: String
    var description: String { "line \(line): \(message)" }
}

/// A logic-test file: its path, relative name, and records.
struct LogicTestFile: CustomTestStringConvertible, Sendable {
    /// The absolute path.
    let path: String
    /// The path under `Tests/SQL/`, e.g. `aggregate/sum.test`.
    let name: String

    var testDescription: String { name }

    /// The `Tests/SQL` directory, found from this source file's location.
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "SQL")
    }

    /// Every `.test` file under `Tests/SQL`, sorted by name; only those whose path contains
    /// `$PLAZA_LOGIC_FILTER` when it is set (`PLAZA_LOGIC_FILTER=window/ swift test --filter LogicTests`).
    static func all() -> [LogicTestFile] {
        let root = Self.root.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        let filter = ProcessInfo.processInfo.environment["PLAZA_LOGIC_FILTER"] ?? ""
        var files: [LogicTestFile] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".test"), filter.isEmpty || relative.contains(filter) else { continue }
            files.append(LogicTestFile(path: root + "/" + relative, name: relative))
        }
        return files.sorted { $0.name < $1.name }
    }

    /// Parses the file into records.
    func records() throws -> [LogicRecord] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try LogicTestParser(lines: text.components(separatedBy: "\n")).parse()
    }
}

/// Reads the record syntax of logic-test files.
struct LogicTestParser {
    let lines: [String]

    /// `statement ok|error [conN]`: whether an error is expected, and the connection named.
    func statementHeader(_ line: String) -> (Bool, String?)? {
        let words = line.split(separator: " ").map(String.init)
        guard words.count == 2 || (words.count == 3 && words[2].hasPrefix("con")), words[0] == "statement",
            words[1] == "ok" || words[1] == "error"
        else { return nil }
        return (words[1] == "error", words.count == 3 ? words[2] : nil)
    }

    func parse() throws -> [LogicRecord] {
        var records: [LogicRecord] = []
        var index = 0
        func isBlank(_ i: Int) -> Bool { lines[i].trimmingCharacters(in: .whitespaces).isEmpty }
        /// Lines from `index` up to a blank line or the end (comments skipped).
        func block(until stop: (String) -> Bool) -> [String] {
            var collected: [String] = []
            while index < lines.count && !isBlank(index) && !stop(lines[index]) {
                if !lines[index].hasPrefix("#") { collected.append(lines[index]) }
                index += 1
            }
            return collected
        }
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            let lineNumber = index + 1
            if line.isEmpty || line.hasPrefix("#") {
                index += 1
                continue
            }
            index += 1
            if line.hasPrefix("table ") {
                let (name, schema) = try parseTableHeader(String(line.dropFirst(6)), line: lineNumber)
                var rows: [[Value]] = []
                if index < lines.count && lines[index].trimmingCharacters(in: .whitespaces) == "----" {
                    index += 1
                    while index < lines.count && !isBlank(index) {
                        let fields = try splitCSV(lines[index], line: index + 1)
                        guard fields.count == schema.count else {
                            throw LogicFileError(
                                line: index + 1,
                                message: "row has \(fields.count) fields, table \(schema.count) columns")
                        }
                        rows.append(
                            try zip(fields, schema.fields).map { field, column in
                                try parseValue(field, as: column.type, line: index + 1)
                            })
                        index += 1
                    }
                }
                records.append(.table(name: name, schema: schema, rows: rows, line: lineNumber))
            } else if line.hasPrefix("query ") {
                let words = line.split(separator: " ").map(String.init)
                let types = Array(words[1])
                guard types.allSatisfy({ "IRTB".contains($0) }) else {
                    throw LogicFileError(
                        line: lineNumber, message: "column types must be letters I, R, T or B, not \(words[1])")
                }
                let isRowSorted = words.dropFirst(2).contains("rowsort")
                let connection = words.dropFirst(2).first { $0.hasPrefix("con") }
                let sql = block { $0.trimmingCharacters(in: .whitespaces) == "----" }.joined(separator: "\n")
                guard index < lines.count, lines[index].trimmingCharacters(in: .whitespaces) == "----" else {
                    throw LogicFileError(line: lineNumber, message: "query without ---- and expected rows")
                }
                index += 1
                var expected: [String] = []
                while index < lines.count && !isBlank(index) {
                    expected.append(lines[index])
                    index += 1
                }
                records.append(
                    .query(
                        types: types, isRowSorted: isRowSorted, sql: sql, expected: expected, line: lineNumber,
                        connection: connection))
            } else if let (expectsError, connection) = statementHeader(line) {
                let sql = block { $0.trimmingCharacters(in: .whitespaces) == "----" }.joined(separator: "\n")
                var fragment: String?
                if index < lines.count && lines[index].trimmingCharacters(in: .whitespaces) == "----" {
                    index += 1
                    if index < lines.count && !isBlank(index) {
                        fragment = lines[index]
                        index += 1
                    }
                }
                records.append(
                    .statement(
                        expectsError: expectsError, sql: sql, fragment: fragment, line: lineNumber,
                        connection: connection))
            } else {
                throw LogicFileError(
                    line: lineNumber,
                    message: "unknown record \"\(line)\" (table, query, statement ok, statement error)")
            }
        }
        return records
    }

    /// `t(a BIGINT, b DECIMAL(12,2))` → name and schema.
    func parseTableHeader(_ text: String, line: Int) throws -> (String, Schema) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            throw LogicFileError(line: line, message: "expected table NAME(col TYPE, …)")
        }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let body = text[text.index(after: open)..<text.index(before: text.endIndex)]
        var columns: [String] = []
        var depth = 0, current = ""
        for character in body {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                columns.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        columns.append(current)
        let fields = try columns.map { column -> Field in
            let trimmed = column.trimmingCharacters(in: .whitespaces)
            let columnName: String, typeText: String
            if trimmed.hasPrefix("\""), let close = trimmed.dropFirst().firstIndex(of: "\"") {
                columnName = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                typeText = trimmed[trimmed.index(after: close)...].trimmingCharacters(in: .whitespaces)
            } else {
                let parts = trimmed.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else {
                    throw LogicFileError(line: line, message: "column \"\(trimmed)\" needs a name and a type")
                }
                columnName = String(parts[0])
                typeText = parts[1].trimmingCharacters(in: .whitespaces)
            }
            return Field(name: columnName, type: try parseType(typeText, line: line))
        }
        return (name, Schema(fields))
    }

    func parseType(_ text: String, line: Int) throws -> DataType {
        let upper = text.uppercased().replacingOccurrences(of: " ", with: "")
        switch upper {
        case "BIGINT", "INT", "INTEGER", "INT64", "INT8": return .bigint
        case "DOUBLE", "FLOAT", "REAL", "FLOAT8": return .double
        case "VARCHAR", "TEXT", "STRING": return .varchar
        case "DATE": return .date
        case "TIMESTAMP": return .timestamp
        case "BOOLEAN", "BOOL": return .boolean
        default:
            if upper.hasPrefix("DECIMAL(") || upper.hasPrefix("NUMERIC("), upper.hasSuffix(")") {
                let inner = upper.drop { $0 != "(" }.dropFirst().dropLast().split(separator: ",")
                if inner.count == 2, let p = Int(inner[0]), let s = Int(inner[1]), p >= 1, p <= 18, s >= 0, s <= p {
                    return .decimal(precision: p, scale: s)
                }
            }
            throw LogicFileError(line: line, message: "unknown column type \(text)")
        }
    }
}
