import Foundation
import Hummingbird
import Plaza

/// `plaza serve`: the open-data page and the HTTP API over one database, in one process.
///
/// ```swift
/// let server = try PlazaServer(configuration: ServerConfiguration(databasePath: "ciudad"))
/// try await server.run()   // until SIGINT or SIGTERM, or until the task is cancelled
/// ```
package final class PlazaServer: Sendable {
    /// How the server runs.
    package let configuration: ServerConfiguration
    /// The database served, opened without access to files outside it.
    package let database: Database
    let gate: QueryGate

    /// Opens the database for serving.
    ///
    /// - Throws: `PlazaError` when the directory cannot be opened.
    package init(configuration: ServerConfiguration) throws(PlazaError) {
        self.configuration = configuration
        self.database = try Database(
            path: configuration.databasePath,
            options: Database.Options(
                threads: configuration.threadsPerQuery, memoryLimit: configuration.memoryLimit,
                isReadOnly: configuration.isReadOnly, allowsExternalFiles: false,
                createsDirectory: !configuration.isReadOnly))
        // A query waits in line at most as long as it may run.
        self.gate = QueryGate(
            limit: configuration.maxConcurrentQueries, queueLimit: configuration.maxQueuedQueries,
            maxWait: configuration.queryTimeout)
    }

    /// Serves until the task is cancelled or, when `handlesSignals`, SIGINT or SIGTERM arrives;
    /// `onListening` gets the port once connections are accepted (the chosen one for port 0).
    package func run(handlesSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let port = configuration.port
        let application = Application(
            router: makeRouter(),
            // An idle or stalled connection is closed, so slow clients cannot hold the server's connections.
            server: .http1(
                configuration: .init(additionalChannelHandlers: [HangUpHandler()], idleTimeout: .seconds(60))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "plaza"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) })
        try await application.runService(gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [])
    }

    /// `GET /api/version`: the same facts as `plaza --version`.
    static func versionJSON() -> String {
        let version = PlazaVersion.current
        return "{\"plaza\":\(JSONText.string(version.release))"
            + ",\"segment_format\":\(JSONText.string(version.segmentFormat))"
            + ",\"segment_formats_read\":\(JSONText.string(version.segmentFormatsRead))"
            + ",\"manifest_format\":\(JSONText.string(version.manifestFormat))"
            + ",\"manifest_formats_read\":\(JSONText.string(version.manifestFormatsRead))}"
    }
}
