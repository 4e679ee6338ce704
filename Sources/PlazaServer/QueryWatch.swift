import Plaza

/// Runs each step of a query under its deadline while its client is connected: a step that
/// outlives either is cancelled, which stops the query's threads.
struct QueryWatch: Sendable {
    /// When the query must have finished.
    let deadline: ContinuousClock.Instant
    /// The limit, for the message.
    let timeout: Duration
    /// Whether the client is still there.
    let isConnected: @Sendable () -> Bool

    /// Why a query was stopped from outside.
    enum Stop: Error {
        case timedOut, disconnected
    }

    /// How often the connection is looked at while a step runs.
    static let pollInterval: Duration = .milliseconds(50)

    /// Runs `step`, cancelling it when the deadline passes or the client disconnects.
    func run<T: Sendable>(_ step: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await step() }
            group.addTask {
                while true {
                    guard isConnected() else { throw Stop.disconnected }
                    let now = ContinuousClock.now
                    guard now < deadline else { throw Stop.timedOut }
                    try await Task.sleep(until: min(deadline, now + Self.pollInterval), clock: .continuous)
                }
            }
            defer { group.cancelAll() }
            // The watcher never returns normally, so the first value is the step's.
            while true {
                if let value = try await group.next(), let value { return value }
            }
        }
    }

    /// The API error for a stop.
    func error(for stop: Stop) -> APIError {
        switch stop {
        case .timedOut:
            return APIError(
                status: .badRequest, kind: "timeout",
                message: "the query ran longer than the server's limit of \(Self.describe(timeout)) and was cancelled")
        case .disconnected:
            return APIError(status: .badRequest, kind: "cancelled", message: "the client disconnected")
        }
    }

    /// `30 s`, `1.5 s` or `250 ms`.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}

/// The iterator of a streamed query, handed from step to step; only one step uses it at a time.
final class QueryCursor: @unchecked Sendable {
    private var iterator: QueryStream.Iterator

    init(_ stream: QueryStream) { iterator = stream.makeAsyncIterator() }

    /// The next batch, nil at the end.
    func next() async throws -> QueryResult? { try await iterator.next() }
}
