import Foundation
import Plaza
import Synchronization

@testable import PlazaServer

/// A `PlazaServer` on a free loopback port over a scratch database holding the example `reportes`
/// table and `ten` (10 rows, for queries slow enough to cancel); stopped by `stop()`.
final class TestServer: Sendable {
    let server: PlazaServer
    let port: Int
    let directory: String
    private let task: Task<Void, any Error>

    /// A query that runs for minutes unless cancelled: a billion rows from a chain of nine cross
    /// joins of ten rows, each step small enough for the executor to notice cancellation at once.
    static let slowSQL =
        "SELECT count(*) FROM ten a, ten b, ten c, ten d, ten e, ten f, ten g, ten h, ten i WHERE a.x + i.x = -1"

    /// Starts a server; `adjust` changes the configuration first.
    static func start(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plaza-server-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let setup = try Database(path: directory + "/db")
        try setup.importCSV(from: examples + "/reportes.csv")
        let ten = directory + "/ten.csv"
        try ("x\n" + (0..<10).map(String.init).joined(separator: "\n") + "\n").write(
            toFile: ten, atomically: true, encoding: .utf8)
        try setup.importCSV(from: ten)
        var configuration = ServerConfiguration(databasePath: directory + "/db", port: 0)
        adjust(&configuration)
        let server = try PlazaServer(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run(handlesSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw RawHTTPClient.Failure(description: "server did not start") }
        return TestServer(server: server, port: port, directory: directory, task: task)
    }

    private init(server: PlazaServer, port: Int, directory: String, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.directory = directory
        self.task = task
    }

    /// Stops the server and removes the scratch directory.
    func stop() async {
        task.cancel()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits up to `seconds` for `condition`, looking every 20 ms.
    func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// The repository's `Examples/` directory.
    static var examples: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples").path
    }
}
