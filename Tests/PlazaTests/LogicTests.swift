import Foundation
import Testing
@testable import Plaza

/// Runs every `Tests/SQL/**/*.test` file, each in a fresh temporary database, and reports each
/// failing record at its line in the `.test` file.
@Suite struct LogicTests {
    @Test(arguments: LogicTestFile.all())
    func logicTestFile(_ file: LogicTestFile) throws {
        let records: [LogicRecord]
        do {
            records = try file.records()
        } catch let error as LogicFileError {
            Issue.record(
                Comment(rawValue: "\(file.name):\(error.line): \(error.message)"),
                sourceLocation: location(file, error.line))
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plaza-logic-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try Database(path: directory)
        // `__TEST_DIR__` in SQL names a scratch directory for files the test writes and reads
        // (COPY … TO, read_csv); `__SQL_DIR__` names Tests/SQL, for checked-in input files.
        let scratch = directory + ".files"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let sqlDirectory = LogicTestFile.root.resolvingSymlinksInPath().path
        // Each `conN` named by a record is its own session (a transaction in one is not seen by
        // another until it commits); records without a name share the default session.
        var sessions: [String: Session] = ["": db.session()]
        for record in records {
            let substituted = record.substituting(["__TEST_DIR__": scratch, "__SQL_DIR__": sqlDirectory])
            let name = substituted.connection ?? ""
            let session = sessions[name] ?? db.session()
            sessions[name] = session
            run(substituted, in: db, session: session, file: file)
        }
    }

    private func location(_ file: LogicTestFile, _ line: Int) -> SourceLocation {
        SourceLocation(
            fileID: "SQL/" + (file.name as NSString).lastPathComponent, filePath: file.path, line: max(line, 1),
            column: 1)
    }

    private func fail(_ file: LogicTestFile, _ line: Int, _ message: String) {
        Issue.record(Comment(rawValue: "\(file.name):\(line): \(message)"), sourceLocation: location(file, line))
    }

    private func run(_ record: LogicRecord, in db: Database, session: Session, file: LogicTestFile) {
        switch record {
        case .table(let name, let schema, let rows, let line):
            do { try db.createTable(name, schema: schema, rows: rows) } catch {
                fail(file, line, "creating table \(name) failed: \(error)")
            }
        case .statement(let expectsError, let sql, let fragment, let line, _):
            do {
                try session.query(sql)
                if expectsError { fail(file, line, "statement succeeded but an error was expected\n\(sql)") }
            } catch {
                if !expectsError {
                    fail(file, line, "statement failed: \(error)\n\(sql)")
                } else if let fragment, !error.description.contains(fragment) {
                    fail(file, line, "error message does not contain \"\(fragment)\":\n\(error)")
                }
            }
        case .query(let types, let isRowSorted, let sql, let expected, let line, _):
            let result: QueryResult
            do { result = try session.query(sql) } catch {
                fail(file, line, "query failed: \(error)\n\(sql)")
                return
            }
            guard result.fields.count == types.count else {
                fail(
                    file, line,
                    "query returns \(result.fields.count) columns but the header names \(types.count)\n\(sql)")
                return
            }
            for (letter, field) in zip(types, result.fields) where !typeMatches(letter, field.type) {
                fail(
                    file, line,
                    "column \"\(field.name)\" is \(field.type), which does not match type letter \(letter)\n\(sql)")
            }
            var actual = result.rows.map { row in row.values.map(logicText).joined(separator: "\t") }
            var wanted = expected
            if isRowSorted {
                actual.sort()
                wanted.sort()
            }
            if actual != wanted {
                fail(
                    file, line,
                    "wrong result for\n\(sql)\nexpected (\(wanted.count) rows):\n\(wanted.joined(separator: "\n"))\nactual (\(actual.count) rows):\n\(actual.joined(separator: "\n"))"
                )
            }
        }
    }
}
