import Foundation
import Plaza
import PlazaTestSupport
import Testing

@testable import PlazaServer

/// `"format": "arrow"`: an Arrow IPC stream, streamed batch by batch under the row limit, read back
/// by the test reader; errors stay JSON 400s.
@Suite(.serialized) struct ServerArrowTests {
    @Test func postAnswersAnArrowStreamOfTheTypedRows() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.query(
                port: server.port,
                [
                    "sql": "SELECT folio, creado, colonia, monto, monto > 500 AS alto FROM reportes ORDER BY folio",
                    "format": "arrow", "limit": 2,
                ])
        }
        #expect(response.status == 200, "\(response.text)")
        #expect(response.headers["content-type"] == "application/vnd.apache.arrow.stream")
        #expect(response.headers["content-disposition"] == "attachment; filename=\"plaza.arrows\"")
        let reader = try ArrowStreamReader(Array(response.body))
        #expect(reader.fields.map(\.name) == ["folio", "creado", "colonia", "monto", "alto"])
        #expect(reader.fields.map(\.typeID) == [2, 8, 5, 7, 6])
        #expect(reader.batches.map(\.length) == [2])
        #expect(
            reader.batches[0].columns == [
                [.int64(1001), .int64(1002)], [.int32(19_737), .int32(19_738)], [.utf8("Centro"), .utf8("Roma Norte")],
                [.decimal(125_050), .decimal(0)], [.bool(true), .bool(false)],
            ])
    }

    @Test func manyBatchesStopAtTheServersRowCap() async throws {
        let server = try await TestServer.start { $0.maxRows = 4500 }
        defer { Task { await server.stop() } }
        let sql =
            "SELECT range AS n, CASE WHEN range % 7 = 0 THEN NULL ELSE 'fila ' || range END AS t FROM range(10000)"
        let response = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": sql, "format": "arrow"])
        }
        #expect(response.status == 200, "\(response.text)")
        let reader = try ArrowStreamReader(Array(response.body))
        #expect(reader.batches.reduce(0) { $0 + $1.length } == 4500)
        #expect(reader.batches.count > 1)
        let numbers = reader.batches.flatMap { $0.columns[0] }
        let texts = reader.batches.flatMap { $0.columns[1] }
        #expect(numbers == (0..<4500).map { .int64(Int64($0)) })
        #expect(texts == (0..<4500).map { $0 % 7 == 0 ? .null : .utf8("fila \($0)") })
    }

    @Test func getAnswersAnEmptyResultAsTheSchemaAlone() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let path = "/api/query?format=arrow&sql=SELECT+folio%2C+colonia+FROM+reportes+WHERE+folio+%3C+0"
        let response = try await blocking { try RawHTTPClient.request(port: server.port, "GET", path) }
        #expect(response.status == 200, "\(response.text)")
        let reader = try ArrowStreamReader(Array(response.body))
        #expect(reader.fields.map(\.name) == ["folio", "colonia"])
        #expect(reader.batches.isEmpty)
    }

    @Test func queryErrorsAreStillJSON400s() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let binding = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT colonai FROM reportes", "format": "arrow"])
        }
        #expect(binding.status == 400)
        #expect(binding.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(binding.errorKind == "binding")
        let execution = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "GET",
                "/api/query?format=arrow&sql=SELECT+9223372036854775807+%2B+folio+FROM+reportes")
        }
        #expect(execution.status == 400)
        #expect(execution.errorKind == "execution")
        // A value Arrow cannot carry, in the first batch, is found before the status goes out.
        let interval = try await blocking {
            try RawHTTPClient.query(
                port: server.port, ["sql": "SELECT INTERVAL '3000000 hours' AS lapso", "format": "arrow"])
        }
        #expect(interval.status == 400)
        #expect(interval.errorKind == "execution")
        #expect(interval.errorMessage.contains("column \"lapso\""), "\(interval.errorMessage)")
    }
}
