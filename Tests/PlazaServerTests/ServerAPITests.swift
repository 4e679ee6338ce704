import Foundation
import Plaza
import Testing

@testable import PlazaServer

/// The HTTP API against a real server on a loopback port: answers, errors with their place, limits.
@Suite(.serialized) struct ServerAPITests {
    @Test func versionMatchesTheLibrary() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/api/version") }
        #expect(response.status == 200)
        #expect(response.json["plaza"] as? String == PlazaVersion.current.release)
        #expect(response.json["segment_format"] as? String == "1.1")
        #expect(response.json["manifest_formats_read"] as? String == "1.x")
    }

    @Test func tablesListColumnsRowsSizeAndImportTime() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/api/tables") }
        #expect(response.status == 200)
        let tables = response.json["tables"] as? [[String: Any]] ?? []
        #expect(tables.map { $0["name"] as? String } == ["reportes", "ten"])
        let reportes = try #require(tables.first)
        #expect(reportes["rows"] as? Int == 8)
        #expect((reportes["bytes"] as? Int ?? 0) > 100)
        #expect((reportes["last_import"] as? String ?? "").hasPrefix("20"))
        let columns = reportes["columns"] as? [[String: Any]] ?? []
        #expect(columns.map { $0["name"] as? String } == ["folio", "creado", "colonia", "agencia", "monto"])
        #expect(columns.map { $0["type"] as? String }.contains("DATE"))
    }

    @Test func oneTableHasStatisticsAndASample() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.request(port: server.port, "GET", "/api/tables/reportes")
        }
        #expect(response.status == 200, "\(response.text)")
        let statistics = response.json["statistics"] as? [[String: Any]] ?? []
        #expect(statistics.count == 5)
        let folio = try #require(statistics.first)
        #expect(folio["nulls"] as? Int == 0)
        #expect(folio["distinct"] as? Int == 8)
        #expect(folio["min"] as? Int == 1001)
        let sample = response.json["sample"] as? [String: Any] ?? [:]
        #expect((sample["rows"] as? [[Any]])?.count == 5)
        let missing = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/api/tables/reportez") }
        #expect(missing.status == 404)
        #expect(missing.errorMessage.contains("did you mean \"reportes\""))
    }

    @Test func queryAnswersColumnsTypesAndRows() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sql = "SELECT agencia, count(*) AS n, sum(monto) AS total FROM reportes GROUP BY 1 ORDER BY 1"
        let response = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": sql]) }
        #expect(response.status == 200, "\(response.text)")
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        let columns = response.json["columns"] as? [[String: Any]] ?? []
        #expect(columns.map { $0["name"] as? String } == ["agencia", "n", "total"])
        #expect(columns[1]["type"] as? String == "BIGINT")
        let expected = try server.server.database.query(sql)
        let rows = response.json["rows"] as? [[Any]] ?? []
        #expect(rows.count == expected.count)
        #expect(rows.first?.first as? String == expected.rows[0].values[0].description)
        #expect(response.json["row_count"] as? Int == expected.count)
        #expect(response.json["truncated"] as? Bool == false)
        #expect(response.json["elapsed_ms"] is Double || response.json["elapsed_ms"] is Int)
    }

    @Test func parametersAreBoundByType() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.query(
                port: server.port,
                [
                    "sql": "SELECT count(*) AS n FROM reportes WHERE agencia = ? AND folio > ? AND ? IS NULL",
                    "parameters": ["Agua y Drenaje", 1000, NSNull()],
                ])
        }
        #expect(response.status == 200, "\(response.text)")
        let expected: Int64 = try server.server.database.query(
            "SELECT count(*) AS n FROM reportes WHERE agencia = 'Agua y Drenaje'"
        ).rows[0]["n"]
        #expect((response.json["rows"] as? [[Any]])?.first?.first as? Int == Int(expected))
        let wrongCount = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT ?", "parameters": []])
        }
        #expect(wrongCount.status == 400)
        #expect(wrongCount.errorKind == "usage")
    }

    @Test func emptyResultsKeepTheirColumns() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT folio, monto FROM reportes WHERE folio < 0"])
        }
        #expect(response.status == 200, "\(response.text)")
        #expect((response.json["columns"] as? [[String: Any]])?.count == 2)
        #expect((response.json["rows"] as? [Any])?.isEmpty == true)
        #expect(response.json["row_count"] as? Int == 0)
    }

    @Test func sqlErrorsAre400WithKindLineAndColumn() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let binding = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT folio,\n  colonai FROM reportes"])
        }
        #expect(binding.status == 400)
        #expect(binding.errorKind == "binding")
        let error = binding.json["error"] as? [String: Any] ?? [:]
        #expect(error["line"] as? Int == 2)
        #expect(error["column"] as? Int == 3)
        #expect(binding.errorMessage.contains("did you mean \"colonia\""))
        let syntax = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": "SELECT FROM WHERE"]) }
        #expect(syntax.status == 400)
        #expect(syntax.errorKind == "syntax")
        let execution = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT 9223372036854775807 + folio FROM reportes"])
        }
        #expect(execution.status == 400)
        #expect(execution.errorKind == "execution")
    }

    @Test(arguments: [
        ("{\"sql\": ", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("{\"sql\": 5}", "field \"sql\" must be a string"),
        ("{}", "missing field \"sql\""),
        ("{\"sql\": \"SELECT 1\", \"limit\": \"ten\"}", "field \"limit\" must be a whole number"),
        ("{\"sql\": \"SELECT 1\", \"parameters\": [{}]}", "null, true, false, a number or a string"),
        ("{\"sql\": \"SELECT 1\", \"sqll\": 1}", "unknown field \"sqll\""),
        (
            "{\"sql\": \"SELECT 1\", \"format\": \"xml\"}",
            "\"format\" must be \"json\", \"csv\", \"parquet\", \"xlsx\" or \"arrow\""
        ),
        ("{\"sql\": \"SELECT 1\", \"limit\": -1}", "\"limit\" must be a whole number of rows"),
    ])
    func malformedRequestsAre400(body: String, message: String) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/query", headers: ["Content-Type": "application/json"],
                body: Data(body.utf8))
        }
        #expect(response.status == 400)
        #expect(response.errorKind == "request")
        #expect(response.errorMessage.contains(message), "\(response.errorMessage)")
    }

    @Test func aTenMegabyteBodyIsRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sql = "SELECT '" + String(repeating: "x", count: 10 << 20) + "'"
        let response = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": sql]) }
        #expect(response.status == 413)
        #expect(response.errorKind == "too_large")
        // The server is still there.
        let after = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/api/version") }
        #expect(after.status == 200)
    }

    @Test func setStatementsAreRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT 1;\n  set memory_limit = 'none'"])
        }
        #expect(response.status == 400)
        let error = response.json["error"] as? [String: Any] ?? [:]
        #expect(error["line"] as? Int == 2 && error["column"] as? Int == 3)
        let quoted = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT 'SET x' AS \"set\" -- SET\n"])
        }
        #expect(quoted.status == 200, "\(quoted.text)")
    }

    @Test func getDownloadsCSVAndCapsRows() async throws {
        let server = try await TestServer.start { $0.maxRows = 3 }
        defer { Task { await server.stop() } }
        let path = "/api/query?sql=SELECT+folio%2C+colonia+FROM+reportes+ORDER+BY+folio&format=csv"
        let csv = try await blocking { try RawHTTPClient.request(port: server.port, "GET", path) }
        #expect(csv.status == 200)
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(csv.text == "folio,colonia\r\n1001,Centro\r\n1002,Roma Norte\r\n1003,Centro\r\n")
        let json = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT folio FROM reportes", "limit": 100])
        }
        #expect(json.json["row_count"] as? Int == 3)
        #expect(json.json["truncated"] as? Bool == true)
        let exact = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT folio FROM reportes", "limit": 8])
        }
        #expect(exact.json["truncated"] as? Bool == true)  // the server's cap of 3 still applies
    }

    @Test func getDownloadsParquetAndExcelFilesOfTheCappedRows() async throws {
        let server = try await TestServer.start { $0.maxRows = 3 }
        defer { Task { await server.stop() } }
        for (format, magic, type) in [
            ("parquet", Array("PAR1".utf8), "application/vnd.apache.parquet"),
            ("xlsx", [0x50, 0x4B, 0x03, 0x04], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ] {
            let path = "/api/query?sql=SELECT+folio%2C+colonia+FROM+reportes+ORDER+BY+folio%3B&format=" + format
            let file = try await blocking { try RawHTTPClient.request(port: server.port, "GET", path) }
            #expect(file.status == 200, "\(format): \(file.text)")
            #expect(file.headers["content-type"] == type)
            #expect(file.headers["content-disposition"] == "attachment; filename=\"plaza.\(format)\"")
            #expect(Array(file.body.prefix(4)) == magic, "\(format)")
            // Written back to disk, the file reads as the first three rows.
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID()).\(format)")
            defer { try? FileManager.default.removeItem(at: copy) }
            try Data(file.body).write(to: copy)
            let db = try Database(
                path: FileManager.default.temporaryDirectory.appendingPathComponent("d-\(UUID())").path)
            let rows = try db.query("SELECT folio FROM '\(copy.path)' ORDER BY folio").column("folio", as: Int64.self)
            #expect(rows == [1001, 1002, 1003], "\(format)")
        }
        let bad = try await blocking {
            try RawHTTPClient.request(port: server.port, "GET", "/api/query?sql=SELECT+nope+FROM+reportes&format=xlsx")
        }
        #expect(bad.status == 400)
        #expect(bad.text.contains("\"column\":8"), "\(bad.text)")
    }
}

/// Runs blocking socket work on a thread of its own, keeping the test's cooperative threads free
/// for the server it talks to.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
