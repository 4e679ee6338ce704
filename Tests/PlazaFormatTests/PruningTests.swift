import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

/// Statistics and block skipping (Formats/plaza-file-format.md §8).
@Suite struct PruningTests {
    static func predicate(_ op: ScanPredicate.Comparison, _ constants: Value..., column: Int = 0) -> ScanPredicate {
        ScanPredicate(column: column, comparison: op, constants: constants)
    }

    /// Row group 0: ids 0 ..< 8,192 in four blocks; row group 1: 8,192 ..< 10,000.
    static func sortedFile() throws -> SegmentReader {
        let schema = Schema([
            Field(name: "id", type: .bigint), Field(name: "nota", type: .varchar), Field(name: "x", type: .double),
        ])
        let ids: [Value] = (0..<10_000).map { .bigint(Int64($0)) }
        let notes: [Value] = (0..<10_000).map { $0 < 2_048 ? .null : .varchar($0 < 6_000 ? "b" : "d") }
        let xs: [Value] = (0..<10_000).map { $0 == 5_000 ? .double(.nan) : .double(Double($0) / 4) }
        return try SegmentReader(
            path: try writeSegment(schema, [ids, notes, xs], options: SegmentWriterOptions(rowGroupSize: 8_192)))
    }

    @Test func chunkStatisticsAreExact() throws {
        let reader = try Self.sortedFile()
        let s = reader.statistics(rowGroup: 0, column: 0)
        #expect(s.min == .bigint(0) && s.max == .bigint(8_191) && s.nullCount == 0 && s.valueCount == 8_192)
        let notes = reader.statistics(rowGroup: 0, column: 1)
        #expect(
            notes.nullCount == 2_048 && notes.min == .varchar("b") && notes.max == .varchar("d")
                && notes.distinctCount == 2)
        let block0 = reader.statistics(rowGroup: 0, column: 1, block: 0)
        #expect(block0.nullCount == 2_048 && block0.min == nil && block0.max == nil)
        let x = reader.statistics(rowGroup: 0, column: 2, block: 2)
        #expect(x.min == .double(1_024) && x.max.map { if case .double(let d) = $0 { d.isNaN } else { false } } == true)
    }

    @Test func rowGroupsAreRuledOutByTheirStatistics() throws {
        let reader = try Self.sortedFile()
        let cases: [(ScanPredicate, [Bool])] = [
            (Self.predicate(.equal, .bigint(9_000)), [false, true]),
            (Self.predicate(.less, .bigint(8_192)), [true, false]),
            (Self.predicate(.lessOrEqual, .bigint(8_192)), [true, true]),
            (Self.predicate(.greater, .bigint(8_191)), [false, true]),
            (Self.predicate(.greaterOrEqual, .bigint(10_000)), [false, false]),
            (Self.predicate(.inList, .bigint(-5), .bigint(9_999)), [false, true]),
            (Self.predicate(.notEqual, .bigint(3)), [true, true]),
            (Self.predicate(.equal, .null), [false, false]),
            (Self.predicate(.isNull, column: 1), [true, false]),
            (Self.predicate(.isNotNull, column: 1), [true, true]),
            (Self.predicate(.equal, .varchar("c"), column: 1), [true, false]),
            (Self.predicate(.equal, .varchar("a"), column: 1), [false, false]),
            (Self.predicate(.equal, .varchar("d"), column: 1), [true, true]),
            (Self.predicate(.equal, .double(3), column: 1), [true, true]),  // another type: must read
        ]
        for (p, expected) in cases {
            let got = (0..<2).map { reader.mightMatch(rowGroup: $0, columns: [0, 1], predicates: [p]) }
            #expect(got == expected, "\(p.comparison) \(p.constants)")
        }
    }

    @Test func notEqualRulesOutAConstantRange() {
        let s = ColumnStatistics(valueCount: 10, nullCount: 0, min: .bigint(4), max: .bigint(4))
        #expect(!s.mightMatch(Self.predicate(.notEqual, .bigint(4))))
        #expect(s.mightMatch(Self.predicate(.notEqual, .bigint(5))))
        let nan = ColumnStatistics(valueCount: 3, nullCount: 0, min: .double(1), max: .double(.nan))
        #expect(nan.mightMatch(Self.predicate(.greater, .double(1e300))))
        #expect(!nan.mightMatch(Self.predicate(.less, .double(1))))
        #expect(nan.mightMatch(Self.predicate(.equal, .double(-0.0))) == false)
        #expect(
            ColumnStatistics(valueCount: 3, nullCount: 0, min: .double(-0.0), max: .double(0)).mightMatch(
                Self.predicate(.equal, .double(0))))
    }

    @Test func cursorSkipsBlocksAndCountsThem() throws {
        let reader = try Self.sortedFile()
        let cursor = try reader.openRowGroup(
            0, columns: [1, 0], predicates: [Self.predicate(.greaterOrEqual, .bigint(5_000), column: 1)])
        let batch = Batch(types: [.varchar, .bigint])
        var ids: [Int64] = []
        while try cursor.next(into: batch) {
            for row in 0..<batch.count { if case .bigint(let v) = batch.columns[1].value(at: row) { ids.append(v) } }
        }
        #expect(ids == Array(4_096..<8_192))
        #expect(cursor.statistics.blocksRead == 4 && cursor.statistics.blocksSkipped == 4)
        #expect(cursor.statistics.bytesDecoded == 2 * 2_048 * 8 + 2 * 2_048 * 4)
    }

    @Test func skippingWorksWithLargeBlocks() throws {
        let schema = Schema([Field(name: "t", type: .timestamp)])
        let values: [Value] = (0..<20_000).map { .timestamp(Int64($0) * 1_000) }
        let reader = try SegmentReader(
            path: try writeSegment(schema, [values], options: SegmentWriterOptions(blockSize: 8_192)))
        let cursor = try reader.openRowGroup(
            0, columns: [0], predicates: [Self.predicate(.less, .timestamp(1_000_000))])
        let batch = Batch(types: [.timestamp])
        var rows = 0
        while try cursor.next(into: batch) { rows += batch.count }
        #expect(rows == 8_192 && cursor.statistics.blocksSkipped == 2 && cursor.statistics.blocksRead == 1)
    }
}
