internal import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaStorage
internal import PlazaExecution
internal import PlazaVector
import Foundation

extension Database {
    /// Runs a query and delivers its rows batch by batch (each a `QueryResult` of at most 2,048 rows).
    ///
    /// ```swift
    /// for try await batch in db.stream("SELECT * FROM reportes") { print(batch.count) }
    /// ```
    /// The query starts when iteration starts and runs ahead of the consumer by a few batches only,
    /// so memory stays bounded however large the result. Leaving the loop or cancelling the task
    /// stops the query. Errors (`PlazaError`) are thrown by the iteration.
    public func stream(_ sql: String, parameters: [any ParameterConvertible] = []) -> QueryStream {
        let values = parameters.map(\.parameterValue)
        return QueryStream(database: self, sql: sql, parameters: values)
    }

    /// The producer side of a stream: runs on its own thread, blocking while the consumer is behind.
    func produce(sql: String, parameters: [Value], into channel: StreamChannel) {
        do throws(PlazaError) {
            let statements = try parse(sql)
            if statements.contains(where: { if case .transaction = $0 { true } else { false } }) {
                // A transaction in the text: its statements run in one session and the last
                // result is delivered whole (it follows writes, so it is small).
                let session = Session(database: self)
                defer { session.discard() }
                var result = QueryResult(emptyWith: [])
                for statement in statements {
                    result = try session.run(statement, sql: sql, parameters: parameters, cancellation: channel.token)
                }
                if session.isInTransaction { throw Self.unfinishedTransaction }
                _ = channel.put(result)
                channel.finish(nil)
                return
            }
            for (position, statement) in statements.enumerated() {
                let tables = pinnedCatalog()  // one committed state per statement
                let bound = try bind(statement, sql: sql, parameters: parameters, tables: tables)
                let isLast = position == statements.count - 1
                guard isLast, case .query(let plan) = bound else {
                    let result = try run(bound, cancellation: channel.token, tables: tables)
                    if isLast { _ = channel.put(result) }
                    continue
                }
                let optimized = Optimizer.optimize(plan, statistics: tables)
                let fields = optimized.fields
                do {
                    try makeExecutor(cancellation: channel.token, tables: tables).stream(optimized) { batch in
                        let builder = ResultBuilder(fields: fields)
                        builder.append(batch)
                        return builder.rowCount == 0 || channel.put(builder.finish())
                    }
                } catch {
                    throw PlazaError.from(error, cancellation: channel.token)
                }
            }
            channel.finish(nil)
        } catch {
            channel.finish(error)
        }
    }
}

/// The batches of a streamed query; see `Database.stream(_:parameters:)`.
public struct QueryStream: AsyncSequence, Sendable {
    /// One batch of rows.
    public typealias Element = QueryResult

    let database: Database
    let sql: String
    let parameters: [Value]

    /// Starts the query and returns an iterator over its batches.
    public func makeAsyncIterator() -> Iterator {
        let channel = StreamChannel(capacity: 4)
        let database = self.database, sql = self.sql, parameters = self.parameters
        let thread = Thread { database.produce(sql: sql, parameters: parameters, into: channel) }
        thread.stackSize = 8 << 20
        thread.start()
        return Iterator(handle: IteratorHandle(channel: channel))
    }

    /// Reads the batches in order.
    public struct Iterator: AsyncIteratorProtocol {
        let handle: IteratorHandle

        /// The next batch, or nil at the end.
        public mutating func next() async throws -> QueryResult? {
            try await handle.channel.next()
        }
    }
}

/// Stops the producer when the consumer drops its iterator early.
final class IteratorHandle: Sendable {
    let channel: StreamChannel
    init(channel: StreamChannel) { self.channel = channel }
    deinit { channel.cancel() }
}

/// A bounded hand-off from the producing thread to the consuming task.
///
/// `@unchecked Sendable`: every field is read and written under `condition`'s lock.
final class StreamChannel: @unchecked Sendable {
    let token = CancellationToken.detached()
    private let condition = NSCondition()
    private let capacity: Int
    private var buffer: [QueryResult] = []
    private var isFinished = false
    private var failure: PlazaError?
    private var waiting: CheckedContinuation<QueryResult?, any Error>?

    init(capacity: Int) { self.capacity = capacity }

    /// Hands a batch over, waiting while the buffer is full; false when the consumer has gone.
    func put(_ result: QueryResult) -> Bool {
        condition.lock()
        while buffer.count >= capacity && waiting == nil && !token.isCancelled { condition.wait() }
        guard !token.isCancelled else {
            condition.unlock()
            return false
        }
        // Checked after the wait too: the consumer may have emptied the buffer and parked meanwhile.
        // It parks only on an empty buffer, so this result is the next one in order either way.
        if let consumer = waiting {
            waiting = nil
            condition.unlock()
            consumer.resume(returning: result)
            return !token.isCancelled
        }
        buffer.append(result)
        condition.unlock()
        return true
    }

    /// Ends the stream, with an error or normally.
    func finish(_ error: PlazaError?) {
        condition.lock()
        isFinished = true
        failure = error
        let consumer = waiting
        waiting = nil
        condition.unlock()
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// Stops the producer and wakes anyone waiting.
    func cancel() {
        token.cancel()
        condition.lock()
        let consumer = waiting
        waiting = nil
        if !isFinished {
            isFinished = true
            failure = .cancelledQuery
        }
        condition.broadcast()
        condition.unlock()
        consumer?.resume(throwing: PlazaError.cancelledQuery)
    }

    /// The next batch, nil at the end; throws the query's error or `.cancelled`.
    func next() async throws -> QueryResult? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QueryResult?, any Error>) in
                condition.lock()
                if !buffer.isEmpty {
                    let result = buffer.removeFirst()
                    condition.signal()
                    condition.unlock()
                    continuation.resume(returning: result)
                } else if isFinished {
                    let error = failure
                    failure = nil
                    condition.unlock()
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                } else if token.isCancelled {
                    condition.unlock()
                    continuation.resume(throwing: PlazaError.cancelledQuery)
                } else {
                    waiting = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            cancel()
        }
    }
}
