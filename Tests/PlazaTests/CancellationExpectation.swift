import Foundation
import Plaza
import Testing

/// Runs `sql` on a detached task, cancels the task after `delay`, and expects the query to end with
/// a `.cancelled` error (for queries that would run for minutes unless cancellation is noticed).
func expectCancelled(_ db: Database, _ sql: String, after delay: Duration = .milliseconds(300)) async throws {
    let task = Task.detached { try db.query(sql) }
    try await Task.sleep(for: delay)
    task.cancel()
    do {
        _ = try await task.value
        Issue.record("expected cancellation")
    } catch let error as PlazaError {
        #expect(error.kind == .cancelled)
    }
}
