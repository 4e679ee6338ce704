import Foundation
import Testing
@testable import Plaza

/// The hostile CSV corpus of issue 3 (owned by PlazaCSVTests), imported through the library API.
@Suite struct CorpusImportTests {
    static func corpus(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PlazaCSVTests/Corpus/" + name).path
    }

    @Test func windows1252KeepsAccentsAndEnye() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let summary = try db.importCSV(from: Self.corpus("windows1252.csv"))
        #expect(summary.notes.contains { $0.lowercased().contains("windows-1252") })
        #expect(summary.columns.map(\.name) == ["municipio", "año", "descripción"])
        let result = try db.query("SELECT municipio, \"año\" FROM windows1252 ORDER BY \"año\"")
        #expect(try result.column("municipio", as: String.self) == ["Peñón de los Baños", "Álvaro Obregón"])
    }

    @Test func codesWithLeadingZerosAndNotANumberStayText() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let zeros = try db.importCSV(from: Self.corpus("leading_zeros.csv"))
        #expect(zeros.columns.map(\.type) == [.varchar, .varchar, .varchar])
        #expect(
            try db.query("SELECT cp FROM leading_zeros ORDER BY cp").column("cp", as: String.self) == [
                "06700", "11560",
            ])
        let nd = try db.importCSV(from: Self.corpus("nd_last_row.csv"))
        #expect(nd.columns.last?.type == .varchar)
        #expect(try db.rowCount(ofTable: "nd_last_row") == nd.rowsImported)
    }

    @Test func moneyBecomesDecimal() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let summary = try db.importCSV(from: Self.corpus("money.csv"))
        #expect(summary.columns[1].type.decimalScale == 2)
        let total = try db.query("SELECT sum(monto) AS total FROM money").column("total", as: String.self)
        #expect(total == ["202099873.75"])
    }

    @Test func raggedFileFailsWithLineOrSkipsToRejects() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        do {
            try db.importCSV(from: Self.corpus("ragged.csv"))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.message.contains("ragged.csv, line 3"))
            guard case .file(let location) = error.location else {
                Issue.record("no file location")
                return
            }
            #expect(location.line == 3)
        }
        #expect(db.tableNames().isEmpty)
        let rejects = directory.path + "/ragged.rejects.csv"
        let summary = try db.importCSV(
            from: Self.corpus("ragged.csv"), options: ImportOptions(onError: .skip, rejectsPath: rejects))
        #expect(summary.rowsImported == 2 && summary.rowsRejected == 2)
        let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[1].hasPrefix("3,") && lines[2].hasPrefix("5,"))
    }
}
