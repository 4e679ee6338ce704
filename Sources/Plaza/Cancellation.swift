import Synchronization

/// Tells a running query to stop: set by `cancel()` (Ctrl-C in the shell, a stream's consumer
/// going away) or by cancellation of the task that started the query.
///
/// `@unchecked Sendable`: `flag` is atomic, and `task` is only read through `isCancelled`, an atomic
/// load of the task's status, while the query runs inside that task (the task outlives the query).
final class CancellationToken: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private let task: UnsafeCurrentTask?

    private init(task: UnsafeCurrentTask?) { self.task = task }

    /// A token that also reports the cancellation of the calling task, if there is one.
    static func forCurrentTask() -> CancellationToken {
        CancellationToken(task: withUnsafeCurrentTask { $0 })
    }

    /// A token tied to no task; only `cancel()` sets it.
    static func detached() -> CancellationToken { CancellationToken(task: nil) }

    /// Asks the query to stop.
    func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether the query should stop.
    var isCancelled: Bool { flag.load(ordering: .relaxed) || (task?.isCancelled ?? false) }
}
