import Dispatch
import Foundation
import Plaza
import Testing

/// Runs `sql` on a detached task, cancels the task after `delay`, and expects the query to end with
/// a `.cancelled` error (for queries that would run for minutes unless cancellation is noticed).
///
/// The query runs on a thread of its own, not the cooperative pool: a synchronous query blocks its
/// thread, and with two of them on a 2-core pool the test's own wake-up after `delay` could not run
/// until a query ended by itself, so the cancellation would never be sent in time.
func expectCancelled(_ db: Database, _ sql: String, after delay: Duration = .milliseconds(300)) async throws {
    let task = Task.detached(executorPreference: DedicatedThreadExecutor()) { try db.query(sql) }
    try await Task.sleep(for: delay)
    task.cancel()
    do {
        _ = try await task.value
        Issue.record("expected cancellation")
    } catch let error as PlazaError {
        #expect(error.kind == .cancelled)
    }
}

/// A task executor that runs its jobs on a serial dispatch queue, outside Swift's cooperative pool.
final class DedicatedThreadExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "plaza.tests.cancellation")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
