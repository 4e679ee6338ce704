import PlazaCore
import PlazaVector
import Testing

@testable import PlazaStorage

/// Snapshot cursors for late materialization: row groups cut into parts for threads, demands
/// honoured, and segments whose columns were widened falling back to decoding everything.
@Suite struct ScanPartTests {
    static func rows(of cursor: any RowGroupCursor, types: [DataType]) throws -> [[Value]] {
        let batch = Batch(types: types)
        var rows: [[Value]] = []
        while try cursor.next(into: batch) {
            for row in 0..<batch.count { rows.append(batch.columns.map { $0.value(at: row) }) }
        }
        return rows
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func partsOfARowGroupCoverItInOrder(_ parts: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(
            catalog, "t", .create, bigintSchema, [numbers(0..<2_048), numbers(2_048..<4_096), numbers(4_096..<7_000)])
        let snapshot = try catalog.snapshot(table: "t")
        #expect(snapshot.rowGroupCount == 1)
        var all: [[Value]] = []
        for part in 0..<parts {
            let cursor = try snapshot.openRowGroup(0, columns: [0], predicates: [], part: part, of: parts)
            all += try Self.rows(of: cursor, types: [.bigint])
        }
        #expect(all == (0..<7_000).map { [.bigint(Int64($0))] })
    }

    @Test func demandsPassThroughAndWidenedSegmentsDecodeEverything() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let narrow = Schema([Field(name: "n", type: .bigint), Field(name: "m", type: .bigint)])
        try write(
            catalog, "t", .create, narrow,
            [
                makeBatch(
                    [.bigint, .bigint], (0..<3_000).map { [.bigint(Int64($0)), $0 % 3 == 0 ? .null : .bigint(7)] })
            ])
        let first = try catalog.snapshot(table: "t")
        let cursor = try first.openRowGroup(0, columns: [0, 1], predicates: [])
        let batch = Batch(types: [.bigint, .bigint])
        #expect(try cursor.next(into: batch, demands: [.nothing, .validity]))
        #expect(batch.count == 2_048 && batch.columns[1].count == 2_048)
        #expect((0..<2_048).allSatisfy { batch.columns[1].isValid(at: $0) == ($0 % 3 != 0) })
        #expect(cursor.provesTrue(ScanPredicate(column: 0, comparison: .less, constants: [.bigint(2_048)])))
        try cursor.load(column: 0, into: batch)
        #expect(batch.columns[0].value(at: 2_047) == .bigint(2_047))

        // An append widening m to DOUBLE: the old segment's m now needs a conversion.
        let wide = Schema([Field(name: "n", type: .bigint), Field(name: "m", type: .double)])
        try write(catalog, "t", .append, wide, [makeBatch([.bigint, .double], [[.bigint(3_000), .double(1.5)]])])
        let second = try catalog.snapshot(table: "t")
        let converted = try second.openRowGroup(0, columns: [0, 1], predicates: [])
        let widened = Batch(types: [.bigint, .double])
        #expect(try converted.next(into: widened, demands: [.nothing, .validity]))
        // Everything decoded and converted, so the values are there without a load.
        #expect(widened.columns[0].value(at: 5) == .bigint(5) && widened.columns[1].value(at: 5) == .double(7))
        #expect(widened.columns[1].value(at: 3) == .null)
        #expect(!converted.provesTrue(ScanPredicate(column: 1, comparison: .isNotNull, constants: [])))
    }
}
