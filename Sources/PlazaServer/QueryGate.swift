import Synchronization

/// Lets at most `limit` queries run at once; up to `queueLimit` more wait in arrival order for at
/// most `maxWait`, and any beyond that are turned away (the API answers 503 with `Retry-After`).
final class QueryGate: Sendable {
    /// Why a query was not let in.
    enum Refusal: Error {
        /// The line was full, or the wait was longer than allowed.
        case busy
        /// The waiting request was cancelled (its client went away).
        case cancelled
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let limit: Int
    private let queueLimit: Int
    private let maxWait: Duration
    private let state = Mutex(State())

    /// Creates a gate for `limit` queries at once and `queueLimit` waiting for up to `maxWait`.
    init(limit: Int, queueLimit: Int, maxWait: Duration) {
        precondition(limit >= 1, "the gate must let at least one query in")
        self.limit = limit
        self.queueLimit = queueLimit
        self.maxWait = maxWait
    }

    /// Queries running now.
    var running: Int { state.withLock { $0.running } }

    /// Waits for a place; the ticket gives it back when released or dropped.
    func enter() async throws(Refusal) -> Ticket {
        let admittedAtOnce = state.withLock { state in
            guard state.running < limit else { return false }
            state.running += 1
            return true
        }
        if admittedAtOnce { return Ticket(gate: self) }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task { [maxWait] in
            try await Task.sleep(for: maxWait)
            self.remove(id, with: .busy)
        }
        defer { timer.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    // Decided under the lock: a place freed since the first look is taken here.
                    let refusal: Refusal?? = state.withLock { state in
                        if state.running < limit {
                            state.running += 1
                            return .some(nil)
                        }
                        guard state.waiters.count < queueLimit else { return .some(.busy) }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return nil
                    }
                    switch refusal {
                    case .some(nil): continuation.resume()
                    case .some(.some(let reason)): continuation.resume(throwing: reason)
                    case nil: if Task.isCancelled { remove(id, with: .cancelled) }
                    }
                }
            } onCancel: {
                self.remove(id, with: .cancelled)
            }
        } catch {
            throw (error as? Refusal) ?? .cancelled
        }
        return Ticket(gate: self)
    }

    /// Resumes waiter `id` with `error` if it is still waiting.
    private func remove(_ id: UInt64, with error: Refusal) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// Hands the place of a finished query to the first waiter, or frees it.
    fileprivate func leave() {
        let next: Waiter? = state.withLock { state in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()  // the place passes on: `running` stays
        }
        next?.continuation.resume()
    }

    /// A place in the gate, given back once: by `release()` or when the ticket is dropped.
    final class Ticket: Sendable {
        private let gate: QueryGate
        private let isReleased = Atomic<Bool>(false)

        fileprivate init(gate: QueryGate) { self.gate = gate }

        /// Gives the place back now.
        func release() {
            if !isReleased.exchange(true, ordering: .acquiringAndReleasing) { gate.leave() }
        }

        deinit { release() }
    }
}
