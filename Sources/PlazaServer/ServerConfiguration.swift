import Foundation

/// How `plaza serve` runs: where it listens, what it allows, and the limits every query runs under.
package struct ServerConfiguration: Sendable {
    /// The database directory served.
    package var databasePath: String
    /// The address to listen on; anything but loopback makes the server read-only unless told otherwise.
    package var host: String
    /// The TCP port; 0 lets the system choose one (tests read it from `PlazaServer.start`).
    package var port: Int
    /// Whether imports are refused (the database is opened read-only).
    package var isReadOnly: Bool
    /// The secret that `POST /api/import` must present as `Authorization: Bearer …`; nil refuses imports.
    package var token: String?
    /// The most rows one response holds; a larger result is cut and says so.
    package var maxRows: Int
    /// How long one query may run before it is cancelled.
    package var queryTimeout: Duration
    /// The most memory one query's operators may hold, in bytes; nil uses the library's default.
    package var memoryLimit: Int?
    /// Worker threads per query; nil uses every core.
    package var threadsPerQuery: Int?
    /// Queries that run at once; more wait in line.
    package var maxConcurrentQueries: Int
    /// Queries that may wait in line; past that a request gets 503 with `Retry-After`.
    package var maxQueuedQueries: Int
    /// The largest JSON request body accepted.
    package var maxRequestBytes: Int
    /// The largest CSV upload accepted by `POST /api/import`.
    package var maxImportBytes: Int

    /// Creates a configuration; the defaults are those of `plaza serve`.
    package init(
        databasePath: String, host: String = "127.0.0.1", port: Int = 8080, isReadOnly: Bool = false,
        token: String? = nil, maxRows: Int = 100_000, queryTimeout: Duration = .seconds(30), memoryLimit: Int? = nil,
        threadsPerQuery: Int? = nil, maxConcurrentQueries: Int = max(2, ProcessInfo.processInfo.activeProcessorCount),
        maxQueuedQueries: Int = 64, maxRequestBytes: Int = 1 << 20, maxImportBytes: Int = 1 << 30
    ) {
        self.databasePath = databasePath
        self.host = host
        self.port = port
        self.isReadOnly = isReadOnly
        self.token = token
        self.maxRows = maxRows
        self.queryTimeout = queryTimeout
        self.memoryLimit = memoryLimit
        self.threadsPerQuery = threadsPerQuery
        self.maxConcurrentQueries = maxConcurrentQueries
        self.maxQueuedQueries = maxQueuedQueries
        self.maxRequestBytes = maxRequestBytes
        self.maxImportBytes = maxImportBytes
    }

    /// Whether a server on `host` refuses imports: when asked to, and by default on any address
    /// but loopback, where others could reach it, unless imports are explicitly allowed.
    package static func isReadOnly(host: String, readOnly: Bool, allowImport: Bool) -> Bool {
        readOnly || (!isLoopback(host) && !allowImport)
    }

    /// Whether `host` names the loopback interface (`127.0.0.0/8`, `::1`, `localhost`), reachable
    /// only from this machine.
    package static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
