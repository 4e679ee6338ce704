import PlazaCore

/// A value handed to worker threads that the compiler cannot prove Sendable (raw pointers into
/// the mapped file, which is immutable while the workers run, and per-chunk buffers written by
/// exactly one worker).
struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    let value: Value
    /// Wraps `value`.
    init(_ value: Value) { self.value = value }
}

/// A value shared by worker threads behind a mutex.
final class LockedBox<Value>: @unchecked Sendable {
    // Every access to `value` goes through `monitor`, so the box is safe to share.
    private let monitor = Monitor()
    private var value: Value

    /// Creates a box holding `value`.
    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        monitor.locked { body(&value) }
    }
}
