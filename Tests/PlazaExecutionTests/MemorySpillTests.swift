import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

/// Hash aggregation and joins under a memory limit far below their data: they spill partitions
/// to temporary files, give exact results, and leave no file behind.
@Suite struct MemorySpillTests {
    static let rows = 1 << 18
    static let millionRows = 1 << 20

    /// `millionRows` rows of one id column: a million groups.
    static let million: InMemoryTable = {
        let schema = Schema([Field(name: "id", type: .bigint)])
        return table(schema, count: millionRows) { row, columns in columns[0].pointee = Int64(row) }
    }()

    /// `rows` rows of (id, id % half, id % 1000), 64K rows per row group.
    static let numbers: InMemoryTable = {
        let schema = Schema([
            Field(name: "id", type: .bigint), Field(name: "pair", type: .bigint), Field(name: "v", type: .bigint),
        ])
        return table(schema, count: rows) { row, columns in
            columns[0].pointee = Int64(row)
            columns[1].pointee = Int64(row % (rows / 2))
            columns[2].pointee = Int64(row % 1000)
        }
    }()

    /// `rows / 2` rows of (2 * j, j): every even id once.
    static let evens: InMemoryTable = {
        let schema = Schema([Field(name: "k", type: .bigint), Field(name: "w", type: .bigint)])
        return table(schema, count: rows / 2) { row, columns in
            columns[0].pointee = Int64(2 * row)
            columns[1].pointee = Int64(row)
        }
    }()

    /// A table of BIGINT columns whose row `i` `fill` writes through one pointer per column.
    static func table(
        _ schema: Schema, count: Int, _ fill: (Int, UnsafeMutableBufferPointer<UnsafeMutablePointer<Int64>>) -> Void
    ) -> InMemoryTable {
        var groups: [[Batch]] = []
        let pointers = UnsafeMutableBufferPointer<UnsafeMutablePointer<Int64>>.allocate(capacity: schema.count)
        defer { pointers.deallocate() }
        var start = 0
        while start < count {
            var batches: [Batch] = []
            let end = Swift.min(start + 65_536, count)
            var at = start
            while at < end {
                let n = Swift.min(ColumnVector.batchCapacity, end - at)
                let columns = schema.fields.map { ColumnVector(type: $0.type, capacity: n) }
                for (index, column) in columns.enumerated() {
                    pointers[index] = column.data.assumingMemoryBound(to: Int64.self)
                }
                for i in 0..<n {
                    fill(at + i, pointers)
                    for index in 0..<columns.count { pointers[index] += 1 }
                }
                for column in columns { column.setCount(n) }
                batches.append(Batch(columns: columns, count: n))
                at += n
            }
            groups.append(batches)
            start = end
        }
        return InMemoryTable(schema: schema, rowGroups: groups)
    }

    /// A fresh temporary directory for spill files.
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/plaza-spill-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func run(_ plan: LogicalPlan, limit: Int, directory: String, threads: Int = 2) throws -> [[Value]] {
        let tables = InMemoryTables(["numbers": numbers, "evens": evens, "million": million])
        let options = ExecutionOptions(threads: threads, memoryLimit: limit, temporaryDirectory: directory)
        return try QueryExecutor(tables: tables, options: options).execute(plan).rows()
    }

    static func call(_ function: AggregateFunction, _ column: Int?) -> AggregateCall {
        AggregateCall(function: function, arguments: column.map { [T.col($0, .bigint)] } ?? [], type: .bigint)
    }

    @Test func groupByWithAMillionGroupsSpillsAndIsExact() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Per id: count and sum of id; then over all groups: count, sum(count), min/max(count), sum(sum).
        let grouped = T.aggregate(
            T.scan("million", Self.million), groups: [T.col(0, .bigint)],
            [Self.call(.countStar, nil), Self.call(.sum, 0)])
        let total = T.aggregate(
            grouped, groups: [],
            [
                Self.call(.countStar, nil), Self.call(.sum, 1), Self.call(.min, 1), Self.call(.max, 1),
                Self.call(.sum, 2),
            ])
        let n = Int64(Self.millionRows)
        let rows = try Self.run(total, limit: 8 << 20, directory: directory)
        #expect(rows == [[.bigint(n), .bigint(n), .bigint(1), .bigint(1), .bigint(n * (n - 1) / 2)]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func groupsSplitAcrossWorkersMeetInOnePartition() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Each `pair` value occurs twice, half a table apart (so in different workers' morsels).
        let grouped = T.aggregate(
            T.scan("numbers", Self.numbers), groups: [T.col(1, .bigint)],
            [Self.call(.countStar, nil), Self.call(.sum, 0)])
        let total = T.aggregate(
            grouped, groups: [],
            [Self.call(.countStar, nil), Self.call(.min, 1), Self.call(.max, 1), Self.call(.sum, 2)])
        let n = Int64(Self.rows)
        let rows = try Self.run(total, limit: 2 << 20, directory: directory)
        #expect(rows == [[.bigint(n / 2), .bigint(2), .bigint(2), .bigint(n * (n - 1) / 2)]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test(arguments: [Join.Kind.inner, .left])
    func joinPastTheLimitSpillsAndIsExact(kind: Join.Kind) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let join = LogicalPlan.join(
            Join(
                left: T.scan("numbers", Self.numbers, [0]), right: T.scan("evens", Self.evens), kind: kind,
                leftKeys: [T.col(0, .bigint)], rightKeys: [T.col(0, .bigint)], residual: nil))
        // Output columns: id, k, w. Count rows, matched rows, and sum w and k.
        let total = T.aggregate(
            join, groups: [],
            [Self.call(.countStar, nil), Self.call(.count, 2), Self.call(.sum, 2), Self.call(.sum, 1)])
        let half = Int64(Self.rows / 2)
        let rows = try Self.run(total, limit: 1 << 20, directory: directory)
        let expectedRows = kind == .inner ? half : 2 * half
        #expect(
            rows == [
                [.bigint(expectedRows), .bigint(half), .bigint(half * (half - 1) / 2), .bigint(half * (half - 1))]
            ])
        if kind == .inner {
            // The plan shows that the join went through partition files.
            let tables = InMemoryTables(["numbers": Self.numbers, "evens": Self.evens])
            let options = ExecutionOptions(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: directory)
            let text = try QueryExecutor(tables: tables, options: options).explainAnalyze(total)
            #expect(text.contains("SPILL 32 partitions"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    /// Outer joins past the limit, with unmatched rows on both sides (odd ids below half the
    /// table; evens from half the table up), written both ways round so that each side builds:
    /// every partition adds its own unmatched build rows.
    @Test(arguments: [Join.Kind.left, .right, .full], [false, true])
    func outerJoinPastTheLimitKeepsTheUnmatchedRowsOfEachPartition(kind: Join.Kind, evensLeft: Bool) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let quarter = Int64(Self.rows / 4)
        let ids = LogicalPlan.filter(
            input: T.scan("numbers", Self.numbers, [0]),
            predicate: T.call(.less, [T.col(0, .bigint), T.lit(.bigint(2 * quarter))], .boolean))
        let evens = T.scan("evens", Self.evens)
        // Columns: id, k, w (or k, w, id with the evens on the left).
        let (id, k, w) = evensLeft ? (2, 0, 1) : (0, 1, 2)
        let join = LogicalPlan.join(
            Join(
                left: evensLeft ? evens : ids, right: evensLeft ? ids : evens, kind: kind,
                leftKeys: [T.col(0, .bigint)], rightKeys: [T.col(0, .bigint)], residual: nil))
        let total = T.aggregate(
            join, groups: [],
            [Self.call(.countStar, nil), Self.call(.count, id), Self.call(.count, k), Self.call(.sum, w)])
        // Matched: ids 0, 2, …, 2 * quarter - 2 (w = 0 ..< quarter); unmatched: the odd ids, and
        // the evens 2 * quarter …, whose w runs from quarter to 2 * quarter.
        let keepsIds = evensLeft ? (kind == .right || kind == .full) : (kind == .left || kind == .full)
        let keepsEvens = evensLeft ? (kind == .left || kind == .full) : (kind == .right || kind == .full)
        let rows = quarter + (keepsIds ? quarter : 0) + (keepsEvens ? quarter : 0)
        let sumW = keepsEvens ? (2 * quarter) * (2 * quarter - 1) / 2 : quarter * (quarter - 1) / 2
        let expected: [Value] = [
            .bigint(rows), .bigint(keepsIds ? 2 * quarter : quarter), .bigint(keepsEvens ? 2 * quarter : quarter),
            .bigint(sumW),
        ]
        #expect(try Self.run(total, limit: 1 << 20, directory: directory) == [expected])
        #expect(try Self.run(total, limit: 1 << 20, directory: directory, threads: 1) == [expected])
        #expect(try Self.run(total, limit: 1 << 30, directory: directory) == [expected])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func sortPastTheLimitSpillsAndIsExact() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // ORDER BY v DESC, id over the rows of `numbers`, whose data is 6 MiB.
        let keys = [
            SortKey(expression: T.col(2, .bigint), isDescending: true, nullsFirst: false),
            SortKey(expression: T.col(0, .bigint), isDescending: false, nullsFirst: false),
        ]
        let plan = LogicalPlan.sort(input: T.scan("numbers", Self.numbers), keys: keys)
        let options = ExecutionOptions(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: directory)
        let output = try QueryExecutor(tables: InMemoryTables(["numbers": Self.numbers]), options: options).execute(
            plan)
        #expect(output.rowCount == Self.rows)
        // Expected order: v from 999 down to 0; for each v its ids v, v + 1000, … below `rows`.
        var v: Int64 = 999, id: Int64 = 999
        var mismatches = 0
        for batch in output.batches {
            let ids = batch.columns[0].values(as: Int64.self), values = batch.columns[2].values(as: Int64.self)
            for i in 0..<batch.count {
                if values[i] != v || ids[i] != id { mismatches += 1 }
                id += 1000
                if id >= Int64(Self.rows) {
                    v -= 1
                    id = v
                }
            }
        }
        #expect(mismatches == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func oneHugeKeyFailsNamingTheOperatorAndTheLimit() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = Schema([Field(name: "k", type: .bigint), Field(name: "w", type: .bigint)])
        let same = Self.table(schema, count: 100_000) { row, columns in
            columns[0].pointee = 7
            columns[1].pointee = Int64(row)
        }
        let plan = LogicalPlan.join(
            Join(
                left: T.scan("same", same), right: T.scan("same", same), kind: .inner,
                leftKeys: [T.col(0, .bigint)], rightKeys: [T.col(0, .bigint)], residual: nil))
        let options = ExecutionOptions(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: directory)
        do {
            _ = try QueryExecutor(tables: InMemoryTables(["same": same]), options: options).execute(plan)
            Issue.record("expected a memory limit error")
        } catch {
            guard case .memoryLimit = error.kind else {
                Issue.record("wrong kind: \(error)")
                return
            }
            #expect(error.message.contains("hash join build"))
            #expect(error.message.contains("1.0 MiB"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func spillFilesRoundTripEveryType() throws {
        let parent = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let directory = try SpillDirectory(parent: parent, operatorName: "test")
        defer { directory.remove() }
        let types: [DataType] = [
            .bigint, .varchar, .double, .date, .boolean, .interval, .decimal(precision: 12, scale: 2), .timestamp,
        ]
        let values: [[Value]] = [
            [
                .bigint(-5), .varchar("ñandú"), .double(-0.5), .date(19_000), .boolean(true),
                .interval(Interval(months: 1, days: 2, micros: 3)), .decimal(1234, scale: 2), .timestamp(42),
            ],
            [.null, .null, .null, .null, .null, .null, .null, .null],
            [
                .bigint(7), .varchar(""), .double(.infinity), .date(-3), .boolean(false),
                .interval(Interval(months: 0, days: 0, micros: 0)), .decimal(-1, scale: 2), .timestamp(-1),
            ],
        ]
        let batch = Batch(types: types)
        for row in values {
            for (column, value) in zip(batch.columns, row) { column.append(value: value) }
        }
        batch.count = values.count
        let writer = try SpillWriter(path: directory.file("t"))
        try writer.append(batch)
        try writer.append(batch)
        try writer.close()
        let reader = try SpillReader(path: directory.file("t"), types: types)
        var read: [[Value]] = []
        while let next = try reader.next() {
            for row in 0..<next.count { read.append(next.columns.map { $0.value(at: row) }) }
        }
        #expect(read == values + values)
        // A cut file is reported as damaged, naming the file, not read past its end.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: directory.file("t"))[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("t")))
        try handle.truncate(atOffset: UInt64(size - 3))
        try handle.close()
        let cut = try SpillReader(path: directory.file("t"), types: types)
        _ = try cut.next()
        #expect(throws: ExecutionError.self) { _ = try cut.next() }
    }
}
