import PlazaCore
import PlazaTestSupport
import PlazaVector
import Testing

@testable import PlazaFormat

/// The late-materialization contract of `SegmentCursor`: `next(into:demands:)`, `load(column:into:)`
/// and `provesTrue(_:)`.
@Suite struct ScanDemandTests {
    static let rows = 5_000

    /// 5,000 rows in blocks of 2,048: `id` sorted; `n` without NULLs in block 0, only NULLs in
    /// block 1, every third row NULL in block 2; `word` dictionary-encoded with NULLs; `note` long,
    /// distinct, compressible text with NULLs (LZ4 blocks).
    static func file() throws -> SegmentReader {
        let schema = Schema([
            Field(name: "id", type: .bigint), Field(name: "n", type: .bigint), Field(name: "word", type: .varchar),
            Field(name: "note", type: .varchar),
        ])
        let ids: [Value] = (0..<rows).map { .bigint(Int64($0)) }
        let ns: [Value] = (0..<rows).map { row in
            if row < 2_048 { return .bigint(Int64(row % 10)) }
            if row < 4_096 || row % 3 == 0 { return .null }
            return .bigint(Int64(row % 10))
        }
        let words: [Value] = (0..<rows).map { $0 % 5 == 4 ? .null : .varchar(["a", "b", "c", "d"][$0 % 4]) }
        let notes: [Value] = (0..<rows).map { row in
            row % 7 == 0 ? .null : .varchar("note \(row): " + String(repeating: "lorem ipsum dolor ", count: 4))
        }
        return try SegmentReader(path: try writeSegment(schema, [ids, ns, words, notes]))
    }

    /// Every batch decoded fully, for comparison.
    static func fullBatches(_ reader: SegmentReader) throws -> [[ColumnVector]] {
        let cursor = try reader.openRowGroup(0, columns: [0, 1, 2, 3], predicates: [])
        var result: [[ColumnVector]] = []
        while true {
            let batch = Batch(types: reader.schema.fields.map(\.type))
            guard try cursor.next(into: batch) else { break }
            result.append(batch.columns)
        }
        return result
    }

    @Test(arguments: [ColumnDemand.validity, .nothing])
    func partialColumnsKeepTheRowCountAndLoadLater(_ demand: ColumnDemand) throws {
        let reader = try Self.file()
        #expect(try (0..<3).contains { try reader.blockHeader(rowGroup: 0, column: 3, block: $0).isCompressed })
        let full = try Self.fullBatches(reader)
        let cursor = try reader.openRowGroup(0, columns: [0, 1, 2, 3], predicates: [])
        var index = 0
        while true {
            let batch = Batch(types: reader.schema.fields.map(\.type))
            guard try cursor.next(into: batch, demands: [.values, demand, demand, demand]) else { break }
            let expected = full[index]
            #expect(batch.count == expected[0].count)
            expectValues(batch.columns[0], (0..<batch.count).map { expected[0].value(at: $0) }, "id")
            for column in 1...3 {
                let vector = batch.columns[column]
                #expect(vector.count == batch.count && !vector.isDictionary)
                if demand == .validity {
                    let wrong = (0..<batch.count).filter { vector.isValid(at: $0) != expected[column].isValid(at: $0) }
                    #expect(wrong.isEmpty, "column \(column), batch \(index): NULLs differ at \(wrong.prefix(3))")
                }
                try cursor.load(column: column, into: batch)
                expectValues(
                    batch.columns[column], (0..<batch.count).map { expected[column].value(at: $0) },
                    "column \(column) batch \(index) after load")
            }
            index += 1
        }
        #expect(index == full.count)
    }

    /// `load(column:into:rows:)`: at the given rows, the values and NULLs a full decode gives, for
    /// bit-packed integers (`id`, `n` with NULLs), dictionary codes (`word`) and LZ4 text (`note`,
    /// decoded whole); dictionary codes elsewhere stay valid (code 0).
    @Test func selectedRowsLoadTheValuesAFullDecodeGives() throws {
        let reader = try Self.file()
        let full = try Self.fullBatches(reader)
        var rng = SeededRandom(seed: 11)
        for spacing in [1, 3, 37, 500] {
            let cursor = try reader.openRowGroup(0, columns: [0, 1, 2, 3], predicates: [])
            var index = 0
            while true {
                let batch = Batch(types: reader.schema.fields.map(\.type))
                guard try cursor.next(into: batch, demands: [.nothing, .nothing, .nothing, .nothing]) else { break }
                let rows = (0..<batch.count).filter { _ in rng.next() % UInt64(spacing) == 0 }.map { Int32($0) }
                for column in 0...3 {
                    try rows.withUnsafeBufferPointer { try cursor.load(column: column, into: batch, rows: $0) }
                    let vector = batch.columns[column]
                    #expect(vector.count == batch.count)
                    let wrong = rows.filter { vector.value(at: Int($0)) != full[index][column].value(at: Int($0)) }
                    #expect(wrong.isEmpty, "column \(column), batch \(index), spacing \(spacing): \(wrong.prefix(3))")
                    if let dictionary = vector.dictionary {
                        let codes = vector.values(as: UInt32.self)
                        #expect((0..<batch.count).allSatisfy { Int(codes[$0]) < dictionary.count })
                    }
                }
                index += 1
            }
            #expect(index == full.count)
        }
    }

    @Test func validityOfBlocksWithoutNullsReadsNothing() throws {
        let reader = try Self.file()
        let cursor = try reader.openRowGroup(0, columns: [1], predicates: [])
        let batch = Batch(types: [.bigint])
        var nulls: [Int] = []
        while try cursor.next(into: batch, demands: [.validity]) {
            nulls.append((0..<batch.count).filter { !batch.columns[0].isValid(at: $0) }.count)
        }
        #expect(nulls == [0, 2_048, (4_096..<Self.rows).filter { $0 % 3 == 0 }.count])
        // Block 0 has no NULLs and block 1 only NULLs: their statistics answer, only block 2 is read.
        #expect(cursor.statistics.blocksRead == 1)
    }

    @Test func statisticsProvePredicatesPerBlock() throws {
        let reader = try Self.file()
        let cursor = try reader.openRowGroup(0, columns: [0, 1, 2], predicates: [])
        let batch = Batch(types: [.bigint, .bigint, .varchar])
        func p(_ column: Int, _ comparison: ScanPredicate.Comparison, _ constants: Value...) -> ScanPredicate {
            ScanPredicate(column: column, comparison: comparison, constants: constants)
        }
        #expect(!cursor.provesTrue(p(0, .less, .bigint(10_000))), "no block before the first next")
        var proofs: [[Bool]] = []
        while try cursor.next(into: batch, demands: [.nothing, .nothing, .nothing]) {
            proofs.append([
                cursor.provesTrue(p(0, .less, .bigint(2_048))),
                cursor.provesTrue(p(0, .greaterOrEqual, .bigint(2_048))),
                cursor.provesTrue(p(1, .isNull)), cursor.provesTrue(p(1, .isNotNull)),
                cursor.provesTrue(p(2, .equal, .varchar("a"))), cursor.provesTrue(p(0, .less, .double(1e9))),
            ])
        }
        #expect(
            proofs == [
                [true, false, false, true, false, false],
                [false, true, true, false, false, false],
                [false, true, false, false, false, false],
            ])
        #expect(!cursor.provesTrue(p(0, .less, .bigint(10_000))), "no block after the end")
    }

    @Test func mustMatchNeedsEveryRow() {
        let s = ColumnStatistics(valueCount: 10, nullCount: 0, min: .bigint(5), max: .bigint(9))
        func p(_ comparison: ScanPredicate.Comparison, _ constants: Value...) -> ScanPredicate {
            ScanPredicate(column: 0, comparison: comparison, constants: constants)
        }
        #expect(s.mustMatch(p(.greaterOrEqual, .bigint(5))) && !s.mustMatch(p(.greater, .bigint(5))))
        #expect(s.mustMatch(p(.lessOrEqual, .bigint(9))) && !s.mustMatch(p(.less, .bigint(9))))
        #expect(s.mustMatch(p(.notEqual, .bigint(4))) && !s.mustMatch(p(.notEqual, .bigint(7))))
        #expect(!s.mustMatch(p(.equal, .bigint(5))) && !s.mustMatch(p(.equal, .null)))
        #expect(!s.mustMatch(p(.greater, .double(1))), "another type proves nothing")
        #expect(s.mustMatch(p(.isNotNull)) && !s.mustMatch(p(.isNull)))
        let one = ColumnStatistics(valueCount: 4, nullCount: 0, min: .varchar("x"), max: .varchar("x"))
        #expect(one.mustMatch(p(.equal, .varchar("x"))) && one.mustMatch(p(.inList, .varchar("y"), .varchar("x"))))
        let withNull = ColumnStatistics(valueCount: 10, nullCount: 1, min: .bigint(5), max: .bigint(9))
        #expect(!withNull.mustMatch(p(.greater, .bigint(0))) && !withNull.mustMatch(p(.isNotNull)))
        let allNull = ColumnStatistics(valueCount: 3, nullCount: 3)
        #expect(allNull.mustMatch(p(.isNull)) && !allNull.mustMatch(p(.less, .bigint(1))))
        let unbounded = ColumnStatistics(valueCount: 3, nullCount: 0)
        #expect(!unbounded.mustMatch(p(.less, .varchar("z"))))
    }
}
