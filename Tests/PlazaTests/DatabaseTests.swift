import Foundation
import Testing
@testable import Plaza

/// The library API end to end: open, import, query, prepare, stream, errors, concurrency.
@Suite struct DatabaseTests {
    struct ColoniaCount: Decodable, Equatable {
        var colonia: String
        var n: Int64
    }

    /// A database with `reportes(colonia VARCHAR, agencia VARCHAR, anio BIGINT, monto DECIMAL(10,2))`.
    static func sample(_ directory: TestDirectory) throws -> Database {
        let db = try Database(path: directory.database)
        try db.createTable(
            "reportes",
            schema: Schema([
                Field(name: "colonia", type: .varchar), Field(name: "agencia", type: .varchar),
                Field(name: "anio", type: .bigint), Field(name: "monto", type: .decimal(precision: 10, scale: 2)),
            ]),
            rows: [
                [.varchar("Centro"), .varchar("Agua y Drenaje"), .bigint(2024), .decimal(1050, scale: 2)],
                [.varchar("Centro"), .varchar("Alumbrado"), .bigint(2024), .decimal(200, scale: 2)],
                [.varchar("Roma"), .varchar("Agua y Drenaje"), .bigint(2023), .null],
                [.varchar("Roma"), .varchar("Agua y Drenaje"), .bigint(2024), .decimal(-75, scale: 2)],
                [.varchar("Condesa"), .varchar("Alumbrado"), .bigint(2024), .decimal(0, scale: 2)],
            ])
        return db
    }

    @Test func queryWithParametersRowsColumnsAndDecoding() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        let result = try db.query(
            "SELECT colonia, count(*) AS n FROM reportes WHERE anio = ? GROUP BY 1 ORDER BY n DESC, colonia LIMIT 10",
            parameters: [2024])
        #expect(result.columnNames == ["colonia", "n"])
        var seen: [String] = []
        for row in result.rows {
            let colonia: String = try row["colonia"]
            let n: Int64 = try row["n"]
            seen.append("\(colonia)=\(n)")
        }
        #expect(seen == ["Centro=2", "Condesa=1", "Roma=1"])
        #expect(
            try result.decode([ColoniaCount].self) == [
                ColoniaCount(colonia: "Centro", n: 2), ColoniaCount(colonia: "Condesa", n: 1),
                ColoniaCount(colonia: "Roma", n: 1),
            ])
        #expect(try result.column("n", as: Int64.self) == [2, 1, 1])
    }

    @Test func parametersAreValuesNotText() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        let hostile = "x' OR '1'='1"
        let result = try db.query("SELECT count(*) AS c FROM reportes WHERE colonia = ?", parameters: [hostile])
        #expect(try result.column("c", as: Int64.self) == [0])
        #expect(throws: PlazaError.self) { try db.query("SELECT count(*) FROM reportes WHERE anio = ?") }
    }

    @Test func preparedStatementRunsManyTimes() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        let byAgency = try db.prepare("SELECT count(*) AS c FROM reportes WHERE agencia = $1")
        #expect(byAgency.parameterCount == 1)
        #expect(try byAgency.query(parameters: ["Agua y Drenaje"]).column("c", as: Int64.self) == [3])
        #expect(try byAgency.query(parameters: ["Alumbrado"]).column("c", as: Int64.self) == [2])
        #expect(throws: PlazaError.self) { try byAgency.query(parameters: []) }
        #expect(throws: PlazaError.self) { try db.prepare("SELECT 1; SELECT 2") }
    }

    @Test func streamDeliversBatches() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.createTable(
            "big", schema: Schema([Field(name: "x", type: .bigint)]), rows: (0..<5000).map { [.bigint(Int64($0))] })
        var total = 0, sum: Int64 = 0
        for try await batch in db.stream("SELECT x FROM big") {
            #expect(batch.count <= 2048)
            total += batch.count
            sum += try batch.column("x", as: Int64.self).reduce(0, +)
        }
        #expect(total == 5000 && sum == 4999 * 5000 / 2)
        // Leaving early stops the query without hanging.
        for try await _ in db.stream("SELECT x FROM big") { break }
        await #expect(throws: PlazaError.self) {
            for try await _ in db.stream("SELECT nope FROM big") {}
        }
    }

    @Test func errorsHaveKindsAndCarets() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        do {
            try db.query("SELECT nope FROM reportes")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .binding)
            #expect(error.message.contains("nope"))
            #expect(error.message.contains("LINE 1: SELECT nope FROM reportes"))
            guard case .sql(let span) = error.location else {
                Issue.record("no SQL location")
                return
            }
            #expect(span.line == 1 && span.column == 8)
        }
        do {
            try db.query("SELECT FROM WHERE")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.message.contains("^"))
        }
    }

    @Test func showDescribeSetAndExplain() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        #expect(try db.query("SHOW TABLES").column("name", as: String.self) == ["reportes"])
        #expect(db.tableNames() == ["reportes"])
        let described = try db.query("DESCRIBE reportes")
        #expect(try described.column("column_name", as: String.self) == ["colonia", "agencia", "anio", "monto"])
        #expect(
            try described.column("column_type", as: String.self) == ["VARCHAR", "VARCHAR", "BIGINT", "DECIMAL(10,2)"])
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        #expect(db.currentSettings.memoryLimit == Database.defaultMemoryLimit)
        #expect(Database.defaultMemoryLimit > physical / 10 * 7 && Database.defaultMemoryLimit <= physical / 10 * 8)
        try db.query("SET threads = 1")
        #expect(db.currentSettings.threads == 1)
        try db.query("SET memory_limit = '2GB'")
        #expect(db.currentSettings.memoryLimit == 2_000_000_000)
        let plan = try db.query("EXPLAIN SELECT count(*) FROM reportes")
        #expect(plan.count > 0)
        #expect(throws: PlazaError.self) { try db.schema(ofTable: "reportez") }
        do { _ = try db.schema(ofTable: "reportez") } catch {
            #expect(error.message.contains("did you mean \"reportes\""))
        }
    }

    @Test func cancelledTaskStopsTheQuery() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.createTable(
            "big", schema: Schema([Field(name: "x", type: .bigint)]), rows: (0..<50_000).map { [.bigint(Int64($0))] })
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try db.query("SELECT x % 97 AS k, count(*) FROM big GROUP BY 1")
        }
        do {
            _ = try await task.value
            Issue.record("expected cancellation")
        } catch let error as PlazaError {
            #expect(error.kind == .cancelled)
        }
    }

    @Test func cancellingARunningQueryStopsIt() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.createTable(
            "r", schema: Schema([Field(name: "x", type: .bigint)]), rows: (0..<8).map { [.bigint(Int64($0))] })
        // 8^10 ≈ 1.07 billion joined rows: minutes of work unless the cancellation is noticed mid-query.
        let joins = (1...9).map { " CROSS JOIN r AS r\($0)" }.joined()
        try await expectCancelled(db, "SELECT count(*) FROM r AS r0" + joins)
    }

    @Test func concurrentQueriesDuringAnAppend() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let schema = Schema([Field(name: "x", type: .bigint)])
        try db.createTable("t", schema: schema, rows: (0..<1000).map { [.bigint(Int64($0))] })
        let csv = try directory.file("more.csv", "x\n" + (1000..<3000).map(String.init).joined(separator: "\n") + "\n")
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var counts: [Int64] = []
                    for _ in 0..<10 {
                        counts += try db.query("SELECT count(*) AS c FROM t").column("c", as: Int64.self)
                    }
                    return counts
                }
            }
            group.addTask {
                try db.importCSV(from: csv, into: "t", options: ImportOptions(mode: .append))
                return []
            }
            for try await counts in group {
                for count in counts { #expect(count == 1000 || count == 3000) }
            }
        }
        #expect(try db.query("SELECT count(*) AS c FROM t").column("c", as: Int64.self) == [3000])
    }

    @Test func dropTableAndMissingDirectory() throws {
        let directory = TestDirectory()
        let db = try Self.sample(directory)
        try db.dropTable("REPORTES")
        #expect(db.tableNames().isEmpty)
        #expect(throws: PlazaError.self) { try db.dropTable("reportes") }
        #expect(throws: PlazaError.self) { try db.query("SELECT count(*) FROM reportes") }
        do {
            _ = try Database(path: directory.path + "/absent", options: Database.Options(createsDirectory: false))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .input)
            #expect(error.message.contains("absent"))
        }
    }

    @Test func readOnlyDatabaseRefusesImports() throws {
        let directory = TestDirectory()
        _ = try Self.sample(directory)
        let db = try Database(path: directory.database, options: Database.Options(isReadOnly: true))
        let csv = try directory.file("a.csv", "x\n1\n")
        #expect(throws: PlazaError.self) { try db.importCSV(from: csv) }
        #expect(try db.query("SELECT count(*) AS c FROM reportes").column("c", as: Int64.self) == [5])
        #expect(throws: PlazaError.self) {
            try Database(path: directory.path + "/missing", options: Database.Options(isReadOnly: true))
        }
    }
}
