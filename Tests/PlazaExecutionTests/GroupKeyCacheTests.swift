import PlazaCore
import PlazaVector
import Testing

@testable import PlazaExecution

/// When the direct array in front of the group table serves keys, and when it steps aside.
@Suite struct GroupKeyCacheTests {
    /// A batch of `count` BIGINT keys `value(row)`.
    static func keys(_ count: Int, _ value: (Int) -> Int64) -> ColumnVector {
        let vector = ColumnVector(type: .bigint, capacity: count)
        vector.setCount(count)
        let values = vector.values(as: Int64.self)
        for row in 0..<count { values[row] = value(row) }
        return vector
    }

    @Test func keysSpreadEvenlyOverAHundredThousandValuesKeepTheCache() {
        // The first batch of keys drawn evenly from 1…100,000 holds only 2,048 of them, yet all
        // will come (db-benchmark's id6): the cache must not take it for a sparse hash partition.
        let cache = GroupKeyCache(types: [.bigint], tracker: MemoryTracker(limit: 1 << 30))!
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: 2048)
        defer { groups.deallocate() }
        let spread = Self.keys(2048) { Int64(1 + ($0 * 48_271) % 100_000) }
        #expect(cache.lookup([spread], count: 2048, into: groups) == 2048)
        #expect(cache.isUsable)
    }

    @Test func sparseKeysOverManyMillionsStepAside() {
        // A few keys over 50 million values (one hash partition of a spilled aggregate) would
        // hold far more slots than groups.
        let cache = GroupKeyCache(types: [.bigint], tracker: MemoryTracker(limit: 1 << 30))!
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: 2048)
        defer { groups.deallocate() }
        let sparse = Self.keys(2048) { Int64($0) * 24_000 }
        #expect(cache.lookup([sparse], count: 2048, into: groups) == nil)
        #expect(!cache.isUsable)
    }
}
