import Synchronization

/// Counts the bytes held by the big structures of one query (hash tables, sort and join buffers)
/// against `ExecutionOptions.memoryLimit`.
///
/// Shared by every worker thread; the counter is atomic.
final class MemoryTracker: Sendable {
    /// The limit in bytes, or nil for none.
    let limit: Int?
    /// Bytes currently reserved.
    let used = Atomic<Int>(0)
    /// The largest value `used` reached.
    let peak = Atomic<Int>(0)

    init(limit: Int?) { self.limit = limit }

    /// Reserves `bytes` for `operatorName`; throws when the total would pass the limit.
    func reserve(_ bytes: Int, for operatorName: String) throws(ExecutionError) {
        guard bytes > 0 else { return }
        let total = used.add(bytes, ordering: .relaxed).newValue
        if let limit, total > limit {
            used.subtract(bytes, ordering: .relaxed)
            throw ExecutionError(
                .memoryLimit,
                "\(operatorName) needs \(formatBytes(total)) but the memory limit is \(formatBytes(limit)); "
                    + "raise it with SET memory_limit = '…' or reduce the number of groups or rows")
        }
        _ = peak.max(total, ordering: .relaxed)
    }

    /// Returns `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }
}
