#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Allocation of large working buffers (hash tables, chains, key arrays) on 2 MiB pages where the
/// kernel offers them (Linux transparent huge pages in `madvise` mode): a fresh buffer is touched
/// a 2 MiB page at a time instead of 4 KiB, so building a join over 1.5 million orders takes a few
/// page faults instead of thousands (page faults were a third of Q5's join build).
package enum LargeBuffers {
    /// Buffers at least this large are aligned to and advised for huge pages; smaller ones come from malloc.
    package static let hugePageThreshold = 4 << 20
    private static let hugePageSize = 2 << 20

    /// Uninitialized memory for `capacity` values of `T`, released with `deallocate()` as any
    /// allocation is (glibc's `free` takes aligned blocks too).
    package static func allocate<T>(_ type: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        let bytes = capacity * MemoryLayout<T>.stride
        #if os(Linux)
            if bytes >= hugePageThreshold {
                var raw: UnsafeMutableRawPointer?
                if posix_memalign(&raw, hugePageSize, bytes) == 0, let raw {
                    _ = madvise(raw, bytes, MADV_HUGEPAGE)
                    return raw.bindMemory(to: T.self, capacity: capacity)
                }
            }
        #endif
        return .allocate(capacity: capacity)
    }
}
