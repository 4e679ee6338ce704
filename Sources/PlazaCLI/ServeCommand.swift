import ArgumentParser
import Foundation
import Plaza
import PlazaServer

/// `plaza serve`: the open-data page and the HTTP API over a database (docs/HTTP.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the open-data page and the HTTP API.",
        discussion: """
            Open http://127.0.0.1:8080/ for the page; docs/HTTP.md describes the API.
            Listening beyond loopback makes the server read-only unless --allow-import is given.
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The TCP port (0 picks a free one).") var port = 8080
    @Flag(name: .customLong("read-only"), help: "Refuse imports.") var readOnly = false
    @Flag(
        name: .customLong("allow-import"),
        help: "Accept imports (with the token) even when listening beyond loopback.")
    var allowImport = false
    @Option(
        name: .customLong("token-file"),
        help: "A file holding the secret that POST /api/import must present; without it imports are refused.")
    var tokenFile: String?
    @Option(name: .customLong("max-rows"), help: "The most rows one answer holds.") var maxRows = 100_000
    @Option(name: .customLong("query-timeout"), help: "How long a query may run, e.g. 30s, 500ms or 2m.")
    var queryTimeout = "30s"
    @Option(
        name: .customLong("memory-limit"), help: "The most memory a query may hold, e.g. 4GB (default: 80% of RAM).")
    var memoryLimit: String?
    @Option(help: "Worker threads per query (default: every core).") var threads: Int?
    @Option(name: .customLong("max-queries"), help: "Queries run at once; more wait in line (default: the cores).")
    var maxQueries: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
        guard maxRows >= 1 else { throw ValidationError("--max-rows must be at least 1, not \(maxRows)") }
        guard Self.parseDuration(queryTimeout) != nil else {
            throw ValidationError("--query-timeout must be a duration such as 30s, 500ms or 2m, not \(queryTimeout)")
        }
        if let memoryLimit, parseSize(memoryLimit) == nil {
            throw ValidationError("--memory-limit must be a size such as 4GB or 512MB, not \(memoryLimit)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
        if let maxQueries, maxQueries < 1 {
            throw ValidationError("--max-queries must be at least 1, not \(maxQueries)")
        }
    }

    func run() async throws {
        var configuration = ServerConfiguration(databasePath: database.resolvedPath, host: host, port: port)
        configuration.isReadOnly = ServerConfiguration.isReadOnly(
            host: host, readOnly: readOnly, allowImport: allowImport)
        configuration.token = try tokenFile.map(Self.readToken)
        configuration.maxRows = maxRows
        configuration.queryTimeout = Self.parseDuration(queryTimeout) ?? .seconds(30)
        configuration.memoryLimit = memoryLimit.flatMap(parseSize)
        configuration.threadsPerQuery = threads
        if let maxQueries { configuration.maxConcurrentQueries = maxQueries }
        let server = try PlazaServer(configuration: configuration)
        let mode =
            configuration.isReadOnly
            ? "read-only" : configuration.token == nil ? "imports off: no --token-file" : "imports with the token"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let path = configuration.databasePath
        try await server.run { port in
            printError("Plaza is serving \(path) at http://\(shownHost):\(port)/ (\(mode))")
        }
    }

    /// The token: the file's first line, which must not be empty.
    static func readToken(_ path: String) throws -> String {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CommandFailure(message: "cannot read the token file \(path): \(error.localizedDescription)")
        }
        let token =
            text.split(whereSeparator: \.isNewline).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard token.count >= 16 else {
            throw CommandFailure(message: "the token in \(path) must be at least 16 characters long")
        }
        return token
    }

    /// `30s`, `500ms`, `2m`, `1h` or a number of seconds.
    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let number = Double(digits), number > 0, number < 86_400 * 365 else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "ms": return .milliseconds(Int64(number.rounded()))
        case "", "s": return .milliseconds(Int64((number * 1000).rounded()))
        case "m", "min": return .seconds(number * 60)
        case "h": return .seconds(number * 3600)
        default: return nil
        }
    }
}
