import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

/// ANTI joins (NOT IN) whose build side is past the memory limit: they spill like the other
/// kinds and keep NOT IN's NULL rules for the whole build side, which no partition sees alone.
@Suite struct JoinSpillTests {
    static let rows = MemorySpillTests.rows

    /// `rows / 2` rows of (2 * j, j), with every 1,000th key NULL when `nullKeys`.
    static func evens(nullKeys: Bool) -> InMemoryTable {
        let table = MemorySpillTests.table(
            Schema([Field(name: "k", type: .bigint), Field(name: "w", type: .bigint)]), count: rows / 2
        ) { row, columns in
            columns[0].pointee = Int64(2 * row)
            columns[1].pointee = Int64(row)
        }
        guard nullKeys else { return table }
        return withNullKeys(table) { $0 % 1000 == 999 }
    }

    /// `table` with column 0 NULL on the rows (numbered across row groups) where `isNull` holds.
    static func withNullKeys(_ table: InMemoryTable, _ isNull: (Int) -> Bool) -> InMemoryTable {
        var row = 0
        var groups: [[Batch]] = []
        for group in 0..<table.rowGroupCount {
            let cursor = try! table.openRowGroup(group, columns: Array(0..<table.schema.count), predicates: [])
            var batches: [Batch] = []
            while true {
                let batch = Batch(types: table.schema.fields.map(\.type))
                guard try! cursor.next(into: batch) else { break }
                let keys = GatherKernel.slice(batch.columns[0], 0..<batch.count)
                for i in 0..<batch.count where isNull(row + i) { keys.setValid(false, at: i) }
                row += batch.count
                batches.append(Batch(columns: [keys] + batch.columns.dropFirst(), count: batch.count))
            }
            groups.append(batches)
        }
        return InMemoryTable(schema: table.schema, rowGroups: groups)
    }

    /// NOT IN of `numbers` (ids 0..<rows, NULL every 777th row when `probeNulls`) against `build`:
    /// count(*) and sum(id) of the rows kept, under a 1 MiB limit; with `explain`, the EXPLAIN
    /// ANALYZE text too (a second run).
    static func antiJoin(build: InMemoryTable, probeNulls: Bool, directory: String, explain: Bool) throws -> (
        rows: [[Value]], plan: String
    ) {
        let probe = probeNulls ? withNullKeys(MemorySpillTests.numbers) { $0 % 777 == 0 } : MemorySpillTests.numbers
        let join = LogicalPlan.join(
            Join(
                left: T.scan("numbers", probe, [0]), right: T.scan("evens", build), kind: .anti,
                leftKeys: [T.col(0, .bigint)], rightKeys: [T.col(0, .bigint)], residual: nil))
        let total = T.aggregate(
            join, groups: [], [MemorySpillTests.call(.countStar, nil), MemorySpillTests.call(.sum, 0)])
        let tables = InMemoryTables(["numbers": probe, "evens": build])
        let options = ExecutionOptions(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: directory)
        let rows = try QueryExecutor(tables: tables, options: options).execute(total).rows()
        let plan = explain ? try QueryExecutor(tables: tables, options: options).explainAnalyze(total) : ""
        return (rows, plan)
    }

    @Test(arguments: [false, true])
    func antiJoinPastTheLimitSpillsAndIsExact(probeNulls: Bool) throws {
        let directory = try MemorySpillTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (rows, plan) = try Self.antiJoin(
            build: Self.evens(nullKeys: false), probeNulls: probeNulls, directory: directory, explain: !probeNulls)
        // Kept: the odd ids, less those made NULL (NULL keys never survive NOT IN of a non-empty set).
        var count: Int64 = 0, sum: Int64 = 0
        for id in 0..<Self.rows where id % 2 == 1 && !(probeNulls && id % 777 == 0) {
            count += 1
            sum += Int64(id)
        }
        #expect(rows == [[.bigint(count), .bigint(sum)]])
        #expect(probeNulls || plan.contains("SPILL 32 partitions"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func antiJoinPastTheLimitWithANullBuildKeyKeepsNoRow() throws {
        let directory = try MemorySpillTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (rows, plan) = try Self.antiJoin(
            build: Self.evens(nullKeys: true), probeNulls: false, directory: directory, explain: true)
        #expect(rows == [[.bigint(0), .null]])
        #expect(plan.contains("HASH_JOIN ANTI"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func spilledOutputStreamsItsFilesAndRemovesThemWhenReleased() throws {
        let parent = try MemorySpillTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let fields = [Field(name: "k", type: .bigint), Field(name: "s", type: .varchar)]
        let directory = try SpillDirectory(parent: parent, operatorName: "hash join")
        var files: [(path: String, rows: Int)] = []
        for file in 0..<2 {
            let writer = try SpillWriter(path: directory.file("o\(file)"))
            let keys = ColumnVector(type: .bigint), strings = ColumnVector(type: .varchar)
            for row in 0..<3 {
                keys.append(value: .bigint(Int64(10 * file + row)))
                if row == 1 { strings.appendNull() } else { strings.append(value: .varchar("v\(file)\(row)")) }
            }
            try writer.append(Batch(columns: [keys, strings], count: 3))
            try writer.close()
            files.append((directory.file("o\(file)"), writer.rowsWritten))
        }
        var output: SpilledJoinOutput? = SpilledJoinOutput(fields: fields, files: files, directory: directory)
        #expect(output!.rowGroupCount == 2 && output!.rowCount == 6)
        var values: [[Value]] = []
        for group in 0..<2 {
            let cursor = try output!.openRowGroup(group, columns: [0, 1], predicates: [])
            let batch = Batch(types: fields.map(\.type))
            while try cursor.next(into: batch) {
                for row in 0..<batch.count { values.append(batch.columns.map { $0.value(at: row) }) }
            }
        }
        #expect(values.map(\.[0]) == [0, 1, 2, 10, 11, 12].map { Value.bigint($0) })
        #expect(values[1][1].isNull && values[3][1] == .varchar("v10"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).count == 1)
        output = nil
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
    }
}
