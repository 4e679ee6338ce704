import Foundation
import Plaza
import Testing

@testable import PlazaServer

/// Limits of the server: disconnects cancel, timeouts stop, a full line is 503, slow clients stay
/// alone, imports need the token and a writable server.
@Suite(.serialized) struct ServerLimitTests {
    @Test func disconnectingCancelsTheQuery() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        var client: RawHTTPClient? = try RawHTTPClient(port: server.port)
        let body = try JSONSerialization.data(withJSONObject: ["sql": TestServer.slowSQL])
        client?.sendRequest("POST", "/api/query", headers: ["Content-Type": "application/json"], body: body)
        #expect(await server.eventually(within: 5) { server.server.gate.running == 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.server.gate.running == 1)  // still running: it takes minutes
        let started = Date()
        client = nil  // hang up
        #expect(await server.eventually(within: 5) { server.server.gate.running == 0 })
        #expect(Date().timeIntervalSince(started) < 5)
        let after = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": "SELECT 1 AS one"]) }
        #expect(after.status == 200)
    }

    @Test func aQueryPastTheTimeoutIsCancelled() async throws {
        let server = try await TestServer.start { $0.queryTimeout = .milliseconds(300) }
        defer { Task { await server.stop() } }
        let started = Date()
        let response = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": TestServer.slowSQL]) }
        #expect(response.status == 400)
        #expect(response.errorKind == "timeout")
        #expect(response.errorMessage.contains("300 ms"))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(await server.eventually(within: 2) { server.server.gate.running == 0 })
    }

    @Test func aFullLineGets503WithRetryAfter() async throws {
        let server = try await TestServer.start {
            $0.maxConcurrentQueries = 1
            $0.maxQueuedQueries = 0
        }
        defer { Task { await server.stop() } }
        let holder = try RawHTTPClient(port: server.port)
        let body = try JSONSerialization.data(withJSONObject: ["sql": TestServer.slowSQL])
        holder.sendRequest("POST", "/api/query", headers: ["Content-Type": "application/json"], body: body)
        #expect(await server.eventually(within: 5) { server.server.gate.running == 1 })
        let refused = try await blocking { try RawHTTPClient.query(port: server.port, ["sql": "SELECT 1"]) }
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.errorKind == "busy")
        _ = holder  // closed when the test ends, which cancels the held query
    }

    @Test func aSlowClientDoesNotHoldOthersUp() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let slow = try RawHTTPClient(port: server.port)
        slow.send(Data("POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"sq".utf8))
        let other = try await blocking {
            try RawHTTPClient.query(port: server.port, ["sql": "SELECT count(*) AS n FROM reportes"])
        }
        #expect(other.status == 200)
        #expect((other.json["rows"] as? [[Any]])?.first?.first as? Int == 8)
    }

    @Test func importsNeedTheToken() async throws {
        let token = "0123456789abcdef-secret"
        let server = try await TestServer.start { $0.token = token }
        defer { Task { await server.stop() } }
        let csv = Data("id,nombre\n1,uno\n2,dos\n".utf8)
        let missing = try await blocking {
            try RawHTTPClient.request(port: server.port, "POST", "/api/import?table=nuevos", body: csv)
        }
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        let wrong = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/import?table=nuevos", headers: ["Authorization": "Bearer nope"],
                body: csv)
        }
        #expect(wrong.status == 401)
        #expect(!server.server.database.tableNames().contains("nuevos"))
        let right = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/import?table=nuevos", headers: ["Authorization": "Bearer \(token)"],
                body: csv)
        }
        #expect(right.status == 200, "\(right.text)")
        #expect(right.json["rows_imported"] as? Int == 2)
        let count: Int64 = try server.server.database.query("SELECT count(*) AS n FROM nuevos").rows[0]["n"]
        #expect(count == 2)
        let again = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/import?table=nuevos", headers: ["Authorization": "Bearer \(token)"],
                body: csv)
        }
        #expect(again.status == 400)
        #expect(again.errorKind == "usage")
        let bad = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/import?table=rotos", headers: ["Authorization": "Bearer \(token)"],
                body: Data("a,b\n1,2\n3\n".utf8))
        }
        #expect(bad.status == 400)
        #expect(bad.errorKind == "input")
    }

    @Test func readOnlyServersRefuseImports() async throws {
        let token = "0123456789abcdef-secret"
        let server = try await TestServer.start {
            $0.token = token
            $0.isReadOnly = true
        }
        defer { Task { await server.stop() } }
        let response = try await blocking {
            try RawHTTPClient.request(
                port: server.port, "POST", "/api/import?table=nuevos", headers: ["Authorization": "Bearer \(token)"],
                body: Data("id\n1\n".utf8))
        }
        #expect(response.status == 403)
        #expect(response.errorMessage.contains("read-only"))
        let untokened = try await TestServer.start()
        defer { Task { await untokened.stop() } }
        let refused = try await blocking {
            try RawHTTPClient.request(
                port: untokened.port, "POST", "/api/import?table=x", headers: ["Authorization": "Bearer \(token)"],
                body: Data("id\n1\n".utf8))
        }
        #expect(refused.status == 403)
        #expect(refused.errorMessage.contains("--token-file"))
    }

    @Test func thePageAndItsAssetsAreServed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let page = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/") }
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("<script src=\"/assets/plaza.js\">"))
        let script = try await blocking { try RawHTTPClient.request(port: server.port, "GET", "/assets/plaza.js") }
        #expect(script.text.contains("Plaza.draw_bar"))
        // Nothing is fetched from elsewhere: the only URL is the SVG namespace name.
        let namespace = "http://www.w3.org/2000/svg"
        #expect(script.text.contains(namespace))
        #expect(!script.text.replacingOccurrences(of: namespace, with: "").contains("http"))
    }
}

/// Small parts of the server that need no socket.
@Suite struct ServerPartsTests {
    @Test func tokensCompareByEveryByte() {
        #expect(TokenComparison.isEqual("abc", "abc"))
        #expect(!TokenComparison.isEqual("abc", "abd"))
        #expect(!TokenComparison.isEqual("abc", "abcd"))
        #expect(!TokenComparison.isEqual("", "a"))
        #expect(!TokenComparison.isEqual(String(repeating: "a", count: 256), String(repeating: "a", count: 512)))
    }

    @Test func loopbackHosts() {
        #expect(ServerConfiguration.isLoopback("127.0.0.1"))
        #expect(ServerConfiguration.isLoopback("127.8.9.10"))
        #expect(ServerConfiguration.isLoopback("localhost"))
        #expect(ServerConfiguration.isLoopback("::1"))
        #expect(!ServerConfiguration.isLoopback("0.0.0.0"))
        #expect(!ServerConfiguration.isLoopback("192.168.1.4"))
        #expect(!ServerConfiguration.isLoopback("127.0.0.256"))
    }

    @Test func onlyLoopbackIsWritableByDefault() {
        #expect(!ServerConfiguration.isReadOnly(host: "127.0.0.1", readOnly: false, allowImport: false))
        #expect(ServerConfiguration.isReadOnly(host: "127.0.0.1", readOnly: true, allowImport: false))
        #expect(ServerConfiguration.isReadOnly(host: "0.0.0.0", readOnly: false, allowImport: false))
        #expect(!ServerConfiguration.isReadOnly(host: "0.0.0.0", readOnly: false, allowImport: true))
        #expect(ServerConfiguration.isReadOnly(host: "10.1.2.3", readOnly: true, allowImport: true))
    }

    @Test func queryStringsDecodePlusAndPercent() throws {
        let pairs = try QueryString.parse("sql=SELECT+1%2C%20'a%2Bb'&format=csv&flag")
        #expect(pairs.map(\.0) == ["sql", "format", "flag"])
        #expect(pairs[0].1 == "SELECT 1, 'a+b'")
        #expect(pairs[2].1 == "")
        #expect(throws: APIError.self) { try QueryString.parse("sql=%ZZ") }
    }

    @Test func setIsFoundOnlyAtAStatementStart() {
        #expect(throws: APIError.self) { try SettingsGuard.check("SET threads = 1") }
        #expect(throws: APIError.self) { try SettingsGuard.check("/* x */ select 1; -- y\n Set threads = 1") }
        #expect(throws: Never.self) { try SettingsGuard.check("SELECT settle, 'SET' FROM t -- SET") }
        #expect(throws: Never.self) { try SettingsGuard.check("SELECT \"set\" FROM t") }
    }

    @Test func durationsAreWrittenShort() {
        #expect(QueryWatch.describe(.seconds(30)) == "30 s")
        #expect(QueryWatch.describe(.milliseconds(250)) == "250 ms")
        #expect(QueryWatch.describe(.milliseconds(1500)) == "1.5 s")
    }
}
