import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector
import Synchronization
import Testing

@testable import PlazaExecution

@Suite struct SortTests {
    /// `count` rows: a unique id, a double with NULLs and duplicates, and a string.
    static func table(_ count: Int, rowGroupSize: Int) -> InMemoryTable {
        let schema = Schema([
            Field(name: "id", type: .bigint), Field(name: "x", type: .double), Field(name: "s", type: .varchar),
        ])
        let rows: [[Value]] = (0..<count).map { id in
            let r = (id &* 2_654_435_761) % 1000
            return [
                .bigint(Int64(id)), r % 17 == 0 ? .null : .double(Double(r % 300) / 4),
                .varchar("s\(r % 91)-\(id % 7)"),
            ]
        }
        return InMemoryTable(schema: schema, rows: rows, rowGroupSize: rowGroupSize)
    }

    static func byXDescThenID(_ table: InMemoryTable) -> LogicalPlan {
        .sort(
            input: T.scan("t", table),
            keys: [
                SortKey(expression: T.col(1, .double), isDescending: true, nullsFirst: false),
                SortKey(expression: T.col(2, .varchar), isDescending: false, nullsFirst: false),
                SortKey(expression: T.col(0, .bigint), isDescending: false, nullsFirst: false),
            ])
    }

    /// The expected order, computed independently of the engine.
    static func expected(_ rows: [[Value]]) -> [Int64] {
        func parts(_ row: [Value]) -> (Double?, String, Int64) {
            guard case .bigint(let id) = row[0], case .varchar(let s) = row[2] else { return (nil, "", -1) }
            if case .double(let x) = row[1] { return (x, s, id) }
            return (nil, s, id)
        }
        return rows.map(parts).sorted { a, b in
            switch (a.0, b.0) {
            case (let x?, let y?) where x != y: return x > y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8)) || (a.1 == b.1 && a.2 < b.2)
            }
        }.map(\.2)
    }

    static func ids(_ rows: [[Value]]) -> [Int64] {
        rows.map { if case .bigint(let id) = $0[0] { return id } else { return -1 } }
    }

    @Test func parallelRunsMergeToTheSerialOrder() throws {
        let t = Self.table(9000, rowGroupSize: 700)
        let tables = ["t": t]
        let one = try T.run(Self.byXDescThenID(t), tables, threads: 1)
        let two = try T.run(Self.byXDescThenID(t), tables, threads: 2)
        #expect(one == two)
        let all = try T.run(T.scan("t", t), tables, threads: 1)
        #expect(Self.ids(two) == Self.expected(all))
    }

    @Test func spillsPastTheMemoryLimitAndRemovesItsFiles() throws {
        let t = Self.table(40_000, rowGroupSize: 4096)
        let tables = ["t": t]
        let directory =
            FileManager.default.temporaryDirectory.path + "/plaza-sort-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let reference = try T.run(Self.byXDescThenID(t), tables, threads: 1)
        for threads in [1, 2] {
            // About 1.1 MB of rows against a 400 KB limit: a dozen runs or more.
            let options = ExecutionOptions(threads: threads, memoryLimit: 400_000, temporaryDirectory: directory)
            let executor = QueryExecutor(tables: InMemoryTables(tables), options: options)
            let output = try executor.execute(Self.byXDescThenID(t))
            #expect(output.rows() == reference)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func cancelledSpillingSortRemovesItsFiles() throws {
        let t = Self.table(40_000, rowGroupSize: 4096)
        let directory =
            FileManager.default.temporaryDirectory.path + "/plaza-sort-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let polls = Atomic<Int>(0)
        let options = ExecutionOptions(
            threads: 2, memoryLimit: 160_000, isCancelled: { polls.add(1, ordering: .relaxed).newValue > 40 },
            temporaryDirectory: directory)
        let executor = QueryExecutor(tables: InMemoryTables(["t": t]), options: options)
        do {
            _ = try executor.execute(Self.byXDescThenID(t))
            Issue.record("expected the query to be cancelled")
        } catch {
            guard case .cancelled = error.kind else {
                Issue.record("wrong error: \(error)")
                return
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func oneBatchOverTheLimitFailsNamingTheOperator() throws {
        let t = Self.table(5000, rowGroupSize: 5000)
        do {
            _ = try T.run(Self.byXDescThenID(t), ["t": t], threads: 1, memoryLimit: 1000)
            Issue.record("expected a memory limit error")
        } catch let error as ExecutionError {
            guard case .memoryLimit = error.kind else {
                Issue.record("wrong kind: \(error)")
                return
            }
            #expect(error.message.contains("ORDER BY"))
        }
    }

    @Test func mergeGathersRowsFromSeveralRuns() {
        let a = ColumnVector(type: .varchar), b = ColumnVector(type: .varchar)
        for s in ["x", "yy"] { a.appendString(s) }
        b.appendNull()
        b.appendString("zzz")
        let out = SortMerge.gather(
            [Batch(columns: [a], count: 2), Batch(columns: [b], count: 2)], runs: [1, 0, 1, 0], rows: [1, 1, 0, 0])
        #expect(
            (0..<4).map { out.columns[0].value(at: $0) } == [.varchar("zzz"), .varchar("yy"), .null, .varchar("x")])
    }

    /// `count` rows: k (BIGINT, few values, NULLs), d (DATE, NULLs), id (unique), s (VARCHAR payload).
    static func packedTable(_ count: Int) -> InMemoryTable {
        let schema = Schema([
            Field(name: "k", type: .bigint), Field(name: "d", type: .date), Field(name: "id", type: .bigint),
            Field(name: "s", type: .varchar),
        ])
        let rows: [[Value]] = (0..<count).map { id in
            let r = (id &* 2_654_435_761) % 100_003
            return [
                r % 13 == 0 ? .null : .bigint(Int64(r % 41) - 20), r % 29 == 0 ? .null : .date(Int32(r % 977) - 400),
                .bigint(Int64(id)), .varchar("p\(r % 7)"),
            ]
        }
        return InMemoryTable(schema: schema, rows: rows, rowGroupSize: 7000)
    }

    /// ORDER BY k DESC NULLS FIRST, d NULLS LAST, id: keys that pack into 64 bits.
    static let packedKeys = [
        SortKey(expression: T.col(0, .bigint), isDescending: true, nullsFirst: true),
        SortKey(expression: T.col(1, .date), isDescending: false, nullsFirst: false),
        SortKey(expression: T.col(2, .bigint), isDescending: false, nullsFirst: false),
    ]

    /// The expected order of `rows` under `packedKeys`, computed without the engine.
    static func packedExpected(_ rows: [[Value]]) -> [[Value]] {
        func k(_ v: Value) -> Int64? { if case .bigint(let x) = v { x } else { nil } }
        func d(_ v: Value) -> Int32? { if case .date(let x) = v { x } else { nil } }
        return rows.sorted { a, b in
            switch (k(a[0]), k(b[0])) {
            case (nil, _?): return true
            case (_?, nil): return false
            case (let x?, let y?) where x != y: return x > y
            default: break
            }
            switch (d(a[1]), d(b[1])) {
            case (nil, _?): return false
            case (_?, nil): return true
            case (let x?, let y?) where x != y: return x < y
            default: return k(a[2])! < k(b[2])!
            }
        }
    }

    @Test(arguments: [1, 2])
    func packedKeysSortOnAllCoresInTheSQLOrder(threads: Int) throws {
        let t = Self.packedTable(90_000)
        let tables = ["t": t]
        let sorted = try T.run(.sort(input: T.scan("t", t), keys: Self.packedKeys), tables, threads: threads)
        let expected = Self.packedExpected(try T.run(T.scan("t", t), tables, threads: 1))
        #expect(sorted == expected)
        // LIMIT/OFFSET past the top-N size: the band of wanted ranks is selected, not sorted.
        for (limit, offset) in [(37, 66_001), (5, 0), (70_000, 19_999), (9, 89_995), (3, 90_000)] {
            let plan = LogicalPlan.limit(
                input: .sort(input: T.scan("t", t), keys: Self.packedKeys), limit: limit, offset: offset)
            let rows = try T.run(plan, tables, threads: threads)
            #expect(rows == Array(expected.dropFirst(offset).prefix(limit)))
        }
        // One key with many ties: only the key is checked, as tied rows may come in any order.
        let tied = LogicalPlan.limit(
            input: .sort(input: T.scan("t", t, [0]), keys: [Self.packedKeys[0]]), limit: 20, offset: 70_000)
        let keys = expected.map { [$0[0]] }
        #expect(try T.run(tied, tables, threads: threads) == Array(keys[70_000..<70_020]))
    }

    @Test func radixSortAndBandNarrowingKeepTheStableOrder() {
        var generator = SystemRandomNumberGenerator()
        for (count, bits) in [(10, 5), (1000, 12), (100_000, 40), (70_000, 64), (80_000, 3), (300_000, 50)] {
            // The last: keys crowded near 0 with a few far out, so the band is narrowed twice.
            let keys = (0..<count).map { i in
                if count == 300_000 { return i % 1000 == 0 ? UInt64(i) << 30 : UInt64(i % 5000) }
                return bits == 64
                    ? UInt64.random(in: 0...UInt64.max, using: &generator)
                    : UInt64.random(in: 0..<(UInt64(1) << UInt64(bits)), using: &generator)
            }
            let data = UnsafeMutablePointer<SortEntry>.allocate(capacity: count)
            let scratch = UnsafeMutablePointer<SortEntry>.allocate(capacity: count)
            defer {
                data.deallocate()
                scratch.deallocate()
            }
            for i in 0..<count { data[i] = SortEntry(key: keys[i], ref: UInt64(i)) }
            let expected = (0..<count).sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
            for (low, high) in [(0, count), (count / 3, count / 3 + 1), (count / 2, count - 1), (count - 7, count)] {
                for i in 0..<count { data[i] = SortEntry(key: keys[i], ref: UInt64(i)) }
                let (buffer, start) = SortBand.narrowAndSort(
                    data, scratch, count: count, low: low, high: high, threads: 2)
                #expect((0..<(high - low)).map { Int(buffer[start + $0].ref) } == Array(expected[low..<high]))
            }
            for threads in [1, 2] {
                for i in 0..<count { data[i] = SortEntry(key: keys[i], ref: UInt64(i)) }
                let result = SortRadix.sort(data, scratch, count: count, bits: bits, threads: threads)
                #expect((0..<count).map { Int(result[$0].ref) } == expected)
            }
        }
    }

    @Test func keysNeedingMoreThan64BitsDoNotPack() {
        var wide = SortKeyRange()
        wide.minimum = 0
        wide.maximum = UInt64(1) << 40
        var narrow = SortKeyRange()
        narrow.minimum = 5
        narrow.maximum = 5 + (UInt64(1) << 23) - 1
        narrow.hasNulls = true
        let directions = [(isDescending: false, nullsFirst: false), (isDescending: true, nullsFirst: true)]
        #expect(PackedKeyLayout([wide, narrow], directions) == nil)
        let layout = PackedKeyLayout([narrow, narrow], directions)
        #expect(layout?.totalBits == 48)
        #expect(layout?.parts.map(\.nullCode) == [UInt64(1) << 23, 0])
    }

    @Test func oneRowKeysMatchPackedKeys() {
        let a = ColumnVector(type: .bigint), b = ColumnVector(type: .double), c = ColumnVector(type: .date)
        for i in 0..<300 {
            if i % 7 == 0 { a.appendNull() } else { a.append(Int64(i % 23) - 11) }
            if i % 11 == 0 { b.appendNull() } else { b.append(Double(i % 13) * 0.25 + 1) }
            c.append(Int32(i % 5))
        }
        let vectors = [a, b, c]
        var ranges = [SortKeyRange](repeating: SortKeyRange(), count: 3)
        for k in 0..<3 { ranges[k].add(vectors[k], count: 300) }
        let directions = [
            (isDescending: true, nullsFirst: false), (isDescending: false, nullsFirst: true),
            (isDescending: true, nullsFirst: true),
        ]
        guard let layout = PackedKeyLayout(ranges, directions) else {
            Issue.record("three small keys should pack")
            return
        }
        let packed = UnsafeMutablePointer<SortEntry>.allocate(capacity: 300)
        defer { packed.deallocate() }
        layout.pack(vectors, count: 300, batch: 3, into: packed)
        #expect(
            (0..<300).allSatisfy {
                packed[$0].key == layout.key(vectors, row: $0) && packed[$0].ref == (3 << 32) | UInt64($0)
            })
        // Packed order agrees with the normalized byte keys.
        let encoder = SortKeyEncoder(vectors, directions, count: 300)
        for (x, y) in [(0, 1), (7, 14), (11, 22), (5, 200), (299, 3), (77, 154)] {
            let bytes = encoder.compare(x, encoder, y)
            let keys = packed[x].key == packed[y].key ? 0 : (packed[x].key < packed[y].key ? -1 : 1)
            #expect(Int(bytes.signum()) == keys)
        }
    }

    @Test func packedKeysPastTheMemoryLimitSpillAndStayExact() throws {
        let t = Self.packedTable(30_000)
        let tables = ["t": t]
        let plan = LogicalPlan.sort(input: T.scan("t", t), keys: Self.packedKeys)
        let expected = Self.packedExpected(try T.run(T.scan("t", t), tables, threads: 1))
        let directory =
            FileManager.default.temporaryDirectory.path + "/plaza-sort-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for threads in [1, 2] {
            // About 800 KB of rows against a 300 KB limit: the sort spills runs and merges them.
            let options = ExecutionOptions(threads: threads, memoryLimit: 300_000, temporaryDirectory: directory)
            let executor = QueryExecutor(tables: InMemoryTables(tables), options: options)
            #expect(try executor.execute(plan).rows() == expected)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }
}
