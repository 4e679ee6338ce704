import Foundation
import Testing
@testable import Plaza

/// `Database.importCSV`: create, append with widening, replace, refusals, rejects.
@Suite struct ImportTests {
    @Test func importCreatesTableNamedAfterTheFile() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let csv = try directory.file("Reportes 2024.csv", "colonia,n,monto\nCentro,1,10.50\nRoma,2,3.25\n")
        let summary = try db.importCSV(from: csv)
        #expect(summary.table == "reportes_2024")
        #expect(summary.rowsRead == 2 && summary.rowsImported == 2 && summary.rowsRejected == 0)
        #expect(summary.columns.map(\.name) == ["colonia", "n", "monto"])
        #expect(
            summary.columns.map(\.type) == [.varchar, .bigint, .decimal(precision: 4, scale: 2)]
                || summary.columns[2].type.decimalScale == 2)
        let result = try db.query("SELECT colonia, n, monto FROM reportes_2024 ORDER BY n")
        #expect(result.rows.map(\.description) == ["Centro\t1\t10.50", "Roma\t2\t3.25"])
        #expect(Database.tableName(forFile: "/x/Año-2024.v2.CSV") == "año_2024_v2")
    }

    @Test func existingTableNeedsAppendOrReplace() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let first = try directory.file("t.csv", "a,b\n1,x\n")
        try db.importCSV(from: first)
        do {
            try db.importCSV(from: first)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message.contains("--append"))
        }
        #expect(try db.rowCount(ofTable: "t") == 1)
        try db.importCSV(from: first, options: ImportOptions(mode: .append))
        #expect(try db.rowCount(ofTable: "t") == 2)
        try db.importCSV(from: first, options: ImportOptions(mode: .replace))
        #expect(try db.rowCount(ofTable: "t") == 1)
    }

    @Test func appendWidensOrReadsWithTheTablesType() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.importCSV(from: try directory.file("t.csv", "a,b\n1,2.50\n"))
        // a: BIGINT then DECIMAL → the table widens; b: DECIMAL then BIGINT → read as DECIMAL.
        let summary = try db.importCSV(
            from: try directory.file("t2.csv", "b,a\n7,1.25\n"), into: "t", options: ImportOptions(mode: .append))
        #expect(summary.notes.contains { $0.contains("widened") })
        let schema = try db.schema(ofTable: "t")
        #expect(schema.fields[0].type.decimalScale == 2 && schema.fields[1].type.decimalScale == 2)
        let result = try db.query("SELECT a, b FROM t ORDER BY a")
        #expect(result.rows.map(\.description) == ["1.00\t2.50", "1.25\t7.00"])
    }

    @Test func failLeavesTheDatabaseUnchangedAndSkipWritesRejects() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let schema = Schema([Field(name: "a", type: .bigint), Field(name: "b", type: .varchar)])
        let bad = try directory.file("bad.csv", "a,b\n1,x\n2,y,extra\n3,z\n")
        do {
            try db.importCSV(from: bad, into: "t", options: ImportOptions(schema: schema))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.message.contains("line 3"))
        }
        #expect(db.tableNames().isEmpty)
        let rejects = directory.path + "/rejects.csv"
        let summary = try db.importCSV(
            from: bad, into: "t", options: ImportOptions(onError: .skip, rejectsPath: rejects, schema: schema))
        #expect(summary.rowsImported == 2 && summary.rowsRejected == 1)
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(text.hasPrefix("line,reason,text\n3,"))
        #expect(text.contains("2,y,extra"))
    }

    @Test func missingFileIsAnInputError() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        do {
            try db.importCSV(from: directory.path + "/nope.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.message.contains("nope.csv"))
        }
    }
}
