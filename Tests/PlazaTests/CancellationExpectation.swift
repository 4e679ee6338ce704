import Dispatch
import Foundation
import Plaza
import Testing

/// Runs `sql` on a detached task, cancels the task after `delay`, and expects the query to end with
/// a `.cancelled` error (for queries that would run for minutes unless cancellation is noticed).
///
/// Neither the query nor the cancellation waits for Swift's cooperative pool: the query runs on a
/// thread of its own and another thread cancels it. Other tests block the pool's threads with
/// synchronous queries (on 2 cores, both of them, for minutes), so a test that slept and then
/// cancelled was woken only after the query had run to its end.
func expectCancelled(_ db: Database, _ sql: String, afterMilliseconds delay: Int = 300) async throws {
    let task = Task.detached(executorPreference: DedicatedThreadExecutor()) { try db.query(sql) }
    // A thread of its own sends the cancel: a global dispatch queue's block waited behind other
    // tests' scan workers on a loaded machine until the query had run to its cap.
    let canceller = Thread {
        Thread.sleep(forTimeInterval: Double(delay) / 1000)
        task.cancel()
    }
    canceller.start()
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
