import PlazaCore
import PlazaVector
import Testing

@testable import PlazaExecution

/// The integer join-key table: keys placed in key order when they spread over their range, by hash
/// when they bunch, and lookups that agree with a dictionary either way (extreme ranges included).
@Suite struct IntegerKeyTableTests {
    /// A BIGINT vector of `values`.
    static func vector(_ values: [Int64]) -> ColumnVector {
        let vector = ColumnVector(type: .bigint, capacity: Swift.max(values.count, 1))
        for value in values { vector.append(value: .bigint(value)) }
        return vector
    }

    /// Builds a table over `build`, probes it with `probe`, and checks every answer against the
    /// key numbers a dictionary gives (first appearance order); returns the table.
    @discardableResult
    static func check(build: [Int64], probe: [Int64]) -> IntegerKeyTable {
        let table = IntegerKeyTable(capacity: build.count)
        let rows = (0..<build.count).map { Int32($0) }
        var numbers = [Int32](repeating: -9, count: Swift.max(build.count, 1))
        rows.withUnsafeBufferPointer { rowBuffer in
            numbers.withUnsafeMutableBufferPointer {
                table.insert(vector(build), rows: rowBuffer, into: $0.baseAddress!)
            }
        }
        var expected: [Int64: Int32] = [:]
        for (row, key) in build.enumerated() {
            let number = expected[key] ?? Int32(expected.count)
            expected[key] = number
            #expect(numbers[row] == number)
        }
        #expect(table.count == expected.count)
        var found = [Int32](repeating: -9, count: Swift.max(probe.count, 1))
        found.withUnsafeMutableBufferPointer {
            table.find(Self.vector(probe), count: probe.count, into: $0.baseAddress!)
        }
        for (row, key) in probe.enumerated() { #expect(found[row] == expected[key] ?? -1, "key \(key)") }
        return table
    }

    /// Keys in runs of 8 in every 32 (TPC-H order keys), with duplicate rows, stay in key order.
    @Test func sparseRunsAreInKeyOrder() {
        // Runs of 8 keys in every 32, as TPC-H order keys.
        let build = (1..<100_000).filter { $0 % 32 < 8 }.map(Int64.init)
        let table = IntegerKeyTableTests.check(build: build + build.prefix(500), probe: (-40..<100_100).map(Int64.init))
        #expect(table.isOrdered)
    }

    /// Inserting on several threads: equal keys get one number and different keys different ones,
    /// lookups find each key's number, `distinctCount` counts the keys; in key order, by hash after
    /// bunched keys, with duplicates spread over the threads' shares and keys that probe past the
    /// end of a thread's slots.
    @Test(arguments: [2, 3, 8])
    func concurrentInsertAgreesWithTheKeys(threads: Int) {
        let spread: [Int64] = (0..<150_000).map { (i: Int) -> Int64 in Int64((i * 7919) % 300_000 - 50_000) }
        let far: [Int64] = [Int64.max / 3, -Int64.max / 3]
        let bunched: [Int64] = (0..<100_000).map { (i: Int) -> Int64 in Int64(i % 70_000) } + far
        // Runs of equal home slots: keys 0, 2, 4, … fill half the slots in key order, so probes run on.
        let evens: [Int64] = (0..<131_072).map { (i: Int) -> Int64 in Int64(i & ~1) }
        let odds: [Int64] = (0..<70_000).map { (i: Int) -> Int64 in Int64(i * 2 + 1) }
        // In key order, four keys a slot from slot 7 of every 8 on (S = 2^18 slots, keys over 4S
        // values): each run of four crosses a multiple of 8, where the threads' regions end.
        let slots = 1 << 18
        let straddling: [Int64] =
            [0] + (0..<(4 * slots - 32)).filter { (k: Int) -> Bool in k % 32 >= 28 }.map { Int64($0) }
            + [Int64(4 * slots - 1)]
        let builds: [[Int64]] = [spread + spread.prefix(40_000), bunched, evens + odds, straddling]
        for build in builds {
            let table = IntegerKeyTable(capacity: build.count)
            var numbers = [Int32](repeating: -9, count: build.count)
            let rows = (0..<build.count).map { Int32($0) }
            rows.withUnsafeBufferPointer { rowBuffer in
                numbers.withUnsafeMutableBufferPointer {
                    table.insert(Self.vector(build), rows: rowBuffer, into: $0.baseAddress!, threads: threads)
                }
            }
            var numberOf: [Int64: Int32] = [:]
            var keyOf: [Int32: Int64] = [:]
            for (row, key) in build.enumerated() {
                let number = numbers[row]
                #expect(number >= 0 && Int(number) < table.count)
                if numberOf[key, default: number] != number || keyOf[number, default: key] != key {
                    Issue.record("row \(row): key \(key) has number \(number)")
                    return
                }
                numberOf[key] = number
                keyOf[number] = key
            }
            #expect(table.distinctCount == numberOf.count)
            let probe = Array(numberOf.keys) + [Int64.min, Int64.max, 1_000_000_007]
            var found = [Int32](repeating: -9, count: probe.count)
            found.withUnsafeMutableBufferPointer {
                table.find(Self.vector(probe), count: probe.count, into: $0.baseAddress!)
            }
            for (row, key) in probe.enumerated() where found[row] != (numberOf[key] ?? -1) {
                Issue.record("key \(key) found as \(found[row]), inserted as \(numberOf[key] ?? -1)")
                return
            }
        }
    }

    /// Few keys in key order over a range of at most 2^23 values get an exact join filter: no absent
    /// key passes it, not even a neighbour of a key in TPC-H's runs of 8 order keys (Q21's probe).
    @Test func fewKeysOverASmallRangeGetAnExactFilter() {
        // One order in every 160 values of 6 million, each a neighbour of absent keys in its run.
        let build = (0..<37_500).map { Int64($0 * 160 + 3) }
        let table = IntegerKeyTableTests.check(build: build, probe: [])
        #expect(table.isOrdered)
        let probe = (0..<6_000_000 / 64).flatMap { block in (0..<64).map { Int64(block * 64 + $0) } }
        let present = Set(build)
        var start = 0
        while start < probe.count {
            let count = Swift.min(ColumnVector.batchCapacity, probe.count - start)
            let words = ValidityBitmap.wordCount(for: count)
            var mask = [UInt64](repeating: ~0, count: words)
            let keys = IntegerKeyTableTests.vector(Array(probe[start..<start + count]))
            let tested = mask.withUnsafeMutableBufferPointer {
                table.andMightContain($0.baseAddress!, count: count, vector: keys)
            }
            #expect(tested)
            for row in 0..<count {
                let passes = (mask[row >> 6] >> UInt64(row & 63)) & 1 == 1
                if passes != present.contains(probe[start + row]) {
                    Issue.record("key \(probe[start + row]) passes: \(passes)")
                    return
                }
            }
            start += count
        }
    }

    /// Keys in key order over a range past the hashed filter's 2^23 bits (SF10's orders of one year
    /// span 60 million values) get a range filter of a bit per value up to 2^26 values: exact, so a
    /// key's neighbours do not pass; past 2^26 a bit covers a few values and no present key fails.
    @Test func keysOverAWideRangeGetAnExactRangeFilter() {
        func passing(_ table: IntegerKeyTable, _ probe: [Int64]) -> [Bool] {
            var result: [Bool] = []
            var start = 0
            while start < probe.count {
                let count = Swift.min(ColumnVector.batchCapacity, probe.count - start)
                var mask = [UInt64](repeating: ~0, count: ValidityBitmap.wordCount(for: count))
                let keys = IntegerKeyTableTests.vector(Array(probe[start..<start + count]))
                let tested = mask.withUnsafeMutableBufferPointer {
                    table.andMightContain($0.baseAddress!, count: count, vector: keys)
                }
                #expect(tested)
                for row in 0..<count { result.append((mask[row >> 6] >> UInt64(row & 63)) & 1 == 1) }
                start += count
            }
            return result
        }
        // 100,000 keys over 20 million values: each key's neighbours are absent.
        let build = (0..<100_000).map { Int64($0 * 200 + 3) }
        let table = IntegerKeyTableTests.check(build: build, probe: [])
        #expect(table.isOrdered)
        let probe = build.flatMap { [$0 - 1, $0, $0 + 1] }
        for (row, passes) in passing(table, probe).enumerated() where passes != (row % 3 == 1) {
            Issue.record("key \(probe[row]) passes: \(passes)")
            return
        }
        // Over 100 million values: coarser, but every present key passes.
        let wide = (0..<50_000).map { Int64($0 * 2_000 + 7) }
        let wideTable = IntegerKeyTableTests.check(build: wide, probe: [])
        #expect(passing(wideTable, wide).allSatisfy { $0 })
    }

    /// Keys filling a third of their range never collide in key order.
    @Test func denseKeysAreInKeyOrder() {
        let table = IntegerKeyTableTests.check(
            build: (0..<5_000).map { Int64($0 * 3 - 7_000) }, probe: (-8_000..<9_000).map(Int64.init))
        #expect(table.isOrdered)
    }

    /// Keys bunched in a sliver of their range (two far outliers) go back to hashing.
    @Test func bunchedKeysAreHashed() {
        let build = (0..<5_000).map(Int64.init) + [1_000_000_000_000_000, -1_000_000_000_000_000]
        let table = IntegerKeyTableTests.check(
            build: build, probe: (-10..<5_010).map(Int64.init) + [1_000_000_000_000_000, -1_000_000_000_000_000, 7])
        #expect(!table.isOrdered)
    }

    /// The whole BIGINT range, one key, two keys at both ends, no key.
    @Test func extremeKeys() {
        let build: [Int64] = [.min, .max, 0, -1, 1, 0, .min, .max - 1]
        IntegerKeyTableTests.check(build: build, probe: build + [.min + 1, .max - 2, 2, -2])
        IntegerKeyTableTests.check(build: [42, 42, 42], probe: [41, 42, 43, .min, .max])
        IntegerKeyTableTests.check(build: [.max, .min], probe: [.max, .min, 0])
        IntegerKeyTableTests.check(build: [], probe: [0, 1, .min])
    }
}
