import Foundation
import Testing

@testable import Plaza
@testable import PlazaServer

/// SQL writes through `POST /api/query`: answered with the changed-row count on a writable server,
/// refused on a read-only one.
@Suite struct ServerWriteTests {
    @Test func insertAnswersTheCountOfRowsWritten() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let create = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "CREATE TABLE notas AS SELECT x FROM ten WHERE x < 3"])
        }
        #expect(create.status == 200, "\(create.text)")
        #expect(create.json["rows"] as? [[Int]] == [[3]])
        let insert = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "INSERT INTO notas VALUES (7), (8)"])
        }
        #expect(insert.status == 200, "\(insert.text)")
        let columns = insert.json["columns"] as? [[String: Any]] ?? []
        #expect(columns.map { $0["name"] as? String } == ["Count"])
        #expect(insert.json["rows"] as? [[Int]] == [[2]])
        #expect(try server.server.database.rowCount(ofTable: "notas") == 5)
    }

    @Test func oneRequestMayHoldATransactionAndMustEndIt() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sql =
            "BEGIN; CREATE TABLE pares AS SELECT x FROM ten WHERE x % 2 = 0; DELETE FROM ten WHERE x % 2 = 0; COMMIT; "
            + "SELECT (SELECT count(*) FROM pares) AS p, (SELECT count(*) FROM ten) AS t"
        let done = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": sql]) }
        #expect(done.status == 200, "\(done.text)")
        #expect(done.json["rows"] as? [[Int]] == [[5, 5]])
        let open = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "BEGIN; DELETE FROM ten"])
        }
        #expect(open.status == 400, "\(open.text)")
        #expect(open.errorKind == "usage")
        #expect(try server.server.database.rowCount(ofTable: "ten") == 5, "the unfinished transaction kept nothing")
    }

    @Test func aReadOnlyServerRefusesWrites() async throws {
        let server = try await TestServer.start { $0.isReadOnly = true }
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "INSERT INTO ten VALUES (99)"])
        }
        #expect(response.status == 400, "\(response.text)")
        #expect(response.errorKind == "usage")
        #expect(try server.server.database.rowCount(ofTable: "ten") == 10)
    }
}
