#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaVector
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

    /// About how many bytes the values of `batch` hold: each column's rows at their width (at least
    /// 4 bytes, for the validity and offsets) plus its text bytes.
    static func bytes(of batch: Batch) -> Int {
        batch.columns.reduce(0) { $0 + $1.count * Swift.max($1.byteWidth, 4) + $1.heapCount }
    }

    /// Returns `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }

    /// `realloc` (`malloc` for nil; 16-byte aligned) for the big structures of `operatorName`:
    /// when the system has no memory left it throws the memory-limit error instead of trapping,
    /// leaving `pointer`'s block as it was.
    static func reallocate(_ pointer: UnsafeMutableRawPointer?, bytes: Int, for operatorName: String)
        throws(ExecutionError) -> UnsafeMutableRawPointer
    {
        guard let raw = realloc(pointer, Swift.max(bytes, 1)) else { throw allocationFailed(bytes, for: operatorName) }
        return raw
    }

    /// The memory-limit error for an allocation of `bytes` that the system refused.
    @inline(never)
    static func allocationFailed(_ bytes: Int, for operatorName: String) -> ExecutionError {
        ExecutionError(
            .memoryLimit,
            "\(operatorName) could not allocate \(formatBytes(bytes)): the system is out of memory; "
                + "lower SET memory_limit = '…' so that the query spills to disk, or reduce the number of groups or rows"
        )
    }
}
