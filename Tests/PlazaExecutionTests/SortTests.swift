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
        let schema = Schema([Field(name: "id", type: .bigint), Field(name: "x", type: .double), Field(name: "s", type: .varchar)])
        let rows: [[Value]] = (0..<count).map { id in
            let r = (id &* 2_654_435_761) % 1000
            return [.bigint(Int64(id)), r % 17 == 0 ? .null : .double(Double(r % 300) / 4), .varchar("s\(r % 91)-\(id % 7)")]
        }
        return InMemoryTable(schema: schema, rows: rows, rowGroupSize: rowGroupSize)
    }

    static func byXDescThenID(_ table: InMemoryTable) -> LogicalPlan {
        .sort(input: T.scan("t", table), keys: [
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
        let directory = FileManager.default.temporaryDirectory.path + "/plaza-sort-test-\(UInt32.random(in: 0...UInt32.max))"
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
        let directory = FileManager.default.temporaryDirectory.path + "/plaza-sort-test-\(UInt32.random(in: 0...UInt32.max))"
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
        let out = SortMerge.gather([Batch(columns: [a], count: 2), Batch(columns: [b], count: 2)], runs: [1, 0, 1, 0], rows: [1, 1, 0, 0])
        #expect((0..<4).map { out.columns[0].value(at: $0) } == [.varchar("zzz"), .varchar("yy"), .null, .varchar("x")])
    }
}
