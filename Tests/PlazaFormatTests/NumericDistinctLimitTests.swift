import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaFormat

/// A numeric chunk with more distinct values than a dictionary may hold (§7.5) is first counted in
/// a cache-sized bitmap, which can only prove "too many": at the limit and just past it, the chunk
/// must get what hashing every value gives (its distinct count, or none).
@Suite struct NumericDistinctLimitTests {
    /// The chunk statistics' distinct count of a one-row-group segment holding `values`.
    static func distinctCount(_ type: DataType, _ values: [Value]) throws -> Int? {
        let path = try writeSegment(Schema([Field(name: "v", type: type)]), [values])
        return try SegmentReader(path: path).statistics(rowGroup: 0, column: 0).distinctCount
    }

    /// `distinct` different BIGINTs spread over `rows` rows in a shuffled order, some rows NULL.
    static func integers(distinct: Int, rows: Int, seed: UInt64) -> [Value] {
        var rng = SeededRandom(seed: seed)
        // Rows past the first `distinct` repeat a value; every 97th of those is NULL instead.
        var values: [Value] = (0..<rows).map {
            $0 >= distinct && $0 % 97 == 0 ? .null : .bigint(Int64(($0 % distinct) * 7_919 - 1_000_000))
        }
        values.shuffle(using: &rng)
        return values
    }

    @Test func atTheLimitTheChunkKeepsItsDistinctCount() throws {
        let limit = SegmentFormat.maxDictionaryEntries
        #expect(try Self.distinctCount(.bigint, Self.integers(distinct: limit, rows: 110_000, seed: 3)) == limit)
        let doubles: [Value] = (0..<100_000).map { .double(Double(($0 &* 40_503) % limit) / 8) }
        #expect(try Self.distinctCount(.double, doubles) == limit)
    }

    @Test func pastTheLimitTheChunkHasNoDistinctCount() throws {
        let limit = SegmentFormat.maxDictionaryEntries
        #expect(try Self.distinctCount(.bigint, Self.integers(distinct: limit + 1, rows: 110_000, seed: 5)) == nil)
        // Every value distinct, ascending (a row id) or scattered (a measurement).
        #expect(try Self.distinctCount(.bigint, (0..<120_000).map { .bigint(Int64($0)) }) == nil)
        var rng = SeededRandom(seed: 9)
        let scattered: [Value] = (0..<120_000).map { _ in .double(Double(rng.next() % 1_000_000_000) / 1_000) }
        #expect(try Self.distinctCount(.double, scattered) == nil)
    }
}
