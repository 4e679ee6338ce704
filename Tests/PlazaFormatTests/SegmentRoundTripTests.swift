import Foundation
import PlazaCore
import PlazaVector
import PlazaTestSupport
import Testing

@testable import PlazaFormat

@Suite struct SegmentRoundTripTests {
    /// A column of `rows` values of `type` with a mix of runs, repeats and spread.
    static func column(_ type: DataType, rows: Int, nulls: NullPattern, seed: UInt64) -> [Value] {
        var rng = SeededRandom(seed: seed)
        let edges = edgeValues(type)
        return (0..<rows).map { row in
            if nulls.isNull(row, &rng) { return .null }
            let r = rng.next()
            if r % 97 == 0 { return edges[Int(r / 97) % edges.count] }
            switch type {
            case .boolean: return .boolean(r % 3 == 0)
            case .bigint: return .bigint(Int64(row / 7) * 1000 + Int64(r % 10))
            case .double: return .double(Double(Int(r % 100_000)) / 100)
            case .decimal(_, let s): return .decimal(Int64(r % 50_000), scale: s)
            case .varchar: return .varchar(["Benito Juárez", "Coyoacán", "Tlalpan", "", "Iztapalapa"][Int(r % 5)])
            case .date: return .date(Int32(-3000 + row / 100))
            case .timestamp: return .timestamp(1_600_000_000_000_000 + Int64(row) * 1_000_000 + Int64(r % 1000))
            default: return .null
            }
        }
    }

    @Test(arguments: NullPattern.allCases)
    func everyTypeRoundTripsThroughAFile(nulls: NullPattern) throws {
        let fields = storedTypes.enumerated().map { Field(name: "c\($0.offset) ñ", type: $0.element) }
        let schema = Schema(fields)
        let rows = 5_000
        let columns = storedTypes.enumerated().map {
            Self.column($0.element, rows: rows, nulls: nulls, seed: UInt64($0.offset))
        }
        let path = try writeSegment(
            schema, columns, options: SegmentWriterOptions(rowGroupSize: 4_100), batchRows: 1_000)
        let reader = try SegmentReader(path: path)
        #expect(reader.schema == schema)
        #expect(reader.rowCount == rows)
        #expect(reader.rowGroupCount == 2)
        #expect(reader.rowCount(rowGroup: 1) == 900)
        let read = try readAll(reader)
        for c in 0..<columns.count {
            expectValues(makeVector(storedTypes[c], read[c]), columns[c], "\(storedTypes[c]) \(nulls)")
        }
    }

    /// Row groups of 8,192 rows or more have their columns encoded on several threads at once;
    /// the file must be byte for byte the one a single thread writes, and read back exactly.
    @Test func encodingOnSeveralThreadsWritesTheSameBytes() throws {
        let schema = Schema(storedTypes.enumerated().map { Field(name: "c\($0.offset)", type: $0.element) })
        let columns = storedTypes.enumerated().map {
            Self.column($0.element, rows: 20_000, nulls: .random, seed: UInt64(40 + $0.offset))
        }
        var files: [[UInt8]] = []
        for threads in [1, 3] {
            let path = try writeSegment(
                schema, columns, options: SegmentWriterOptions(rowGroupSize: 12_288, encodingThreads: threads))
            files.append(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
            let read = try readAll(try SegmentReader(path: path))
            for c in 0..<columns.count {
                expectValues(makeVector(storedTypes[c], read[c]), columns[c], "\(storedTypes[c]), \(threads) threads")
            }
        }
        #expect(files[0] == files[1])
    }

    @Test func largeBlocksAreHandedOutInBatches() throws {
        let schema = Schema([
            Field(name: "n", type: .bigint), Field(name: "s", type: .varchar), Field(name: "d", type: .double),
        ])
        let rows = 10_000
        var rng = SeededRandom(seed: 9)
        let ns: [Value] = (0..<rows).map { $0 % 13 == 0 ? .null : .bigint(Int64(bitPattern: rng.next())) }
        let ss: [Value] = (0..<rows).map { $0 % 11 == 0 ? .null : .varchar("v\($0 % 40)") }
        let ds: [Value] = (0..<rows).map { .double(Double($0) * 0.25) }
        let path = try writeSegment(
            schema, [ns, ss, ds], options: SegmentWriterOptions(rowGroupSize: 9_000, blockSize: 6_144))
        let reader = try SegmentReader(path: path)
        #expect(reader.blockSize == 6_144)
        let cursor = try reader.openRowGroup(0, columns: [1, 0], predicates: [])
        let batch = Batch(types: [.varchar, .bigint])
        var counts: [Int] = []
        var strings: [Value] = [], numbers: [Value] = []
        while try cursor.next(into: batch) {
            counts.append(batch.count)
            #expect(batch.columns[0].isDictionary)
            for row in 0..<batch.count {
                strings.append(batch.columns[0].value(at: row))
                numbers.append(batch.columns[1].value(at: row))
            }
        }
        #expect(counts == [2048, 2048, 2048, 2048, 808])
        expectValues(makeVector(.varchar, strings), Array(ss[0..<9_000]), "strings")
        expectValues(makeVector(.bigint, numbers), Array(ns[0..<9_000]), "numbers")
        #expect(try readAll(reader)[2].count == rows)
    }

    @Test func dictionaryColumnsShareOneDictionaryPerRowGroup() throws {
        let schema = Schema([Field(name: "alcaldia", type: .varchar)])
        let names = ["Álvaro Obregón", "Benito Juárez", "Coyoacán", "Cuauhtémoc"]
        let values: [Value] = (0..<6_000).map { .varchar(names[($0 * 7) % 4]) }
        let path = try writeSegment(schema, [values])
        let reader = try SegmentReader(path: path)
        #expect(reader.dictionaryEntryCount(rowGroup: 0, column: 0) == 4)
        #expect(reader.statistics(rowGroup: 0, column: 0).distinctCount == 4)
        let cursor = try reader.openRowGroup(0, columns: [0], predicates: [])
        let batch = Batch(types: [.varchar])
        var dictionaries: [ObjectIdentifier] = []
        while try cursor.next(into: batch) {
            let d = try #require(batch.columns[0].dictionary)
            dictionaries.append(ObjectIdentifier(d))
            // Entries ascend (§7.5), so codes order like the values.
            #expect(
                (0..<d.count).map { d.value(at: $0) }
                    == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { .varchar($0) })
        }
        #expect(dictionaries.count == 3 && Set(dictionaries).count == 1)
    }

    @Test func randomizedRoundTrips() throws {
        var rng = SeededRandom(seed: 2026)
        for trial in 0..<6 {
            let types = (0..<3).map { _ in storedTypes[Int(rng.next() % UInt64(storedTypes.count))] }
            let rows = 1 + Int(rng.next() % 7_000)
            let schema = Schema(types.enumerated().map { Field(name: "c\($0.offset)", type: $0.element) })
            let columns = types.enumerated().map {
                Self.column($0.element, rows: rows, nulls: NullPattern.allCases[Int(rng.next() % 4)], seed: rng.next())
            }
            let groupSize = 1 + Int(rng.next() % 5_000)
            let path = try writeSegment(
                schema, columns, options: SegmentWriterOptions(rowGroupSize: groupSize),
                batchRows: 1 + Int(rng.next() % 3_000))
            let read = try readAll(try SegmentReader(path: path))
            for c in 0..<types.count {
                expectValues(makeVector(types[c], read[c]), columns[c], "trial \(trial) column \(c) \(types[c])")
            }
        }
    }

    @Test func emptyFileHasNoRowGroups() throws {
        let schema = Schema([Field(name: "x", type: .bigint)])
        let path = try writeSegment(schema, [[]])
        let reader = try SegmentReader(path: path)
        #expect(reader.rowCount == 0 && reader.rowGroupCount == 0 && reader.schema == schema)
    }

    @Test func writerRejectsMismatchedBatches() throws {
        let writer = try SegmentWriter(
            path: temporaryPath("bad.plz"), schema: Schema([Field(name: "x", type: .bigint)]))
        let wrong = Batch(columns: [makeVector(.double, [.double(1)])], count: 1)
        #expect(throws: FormatError.self) { try writer.append(wrong) }
        #expect(throws: FormatError.self) {
            try SegmentWriter(path: temporaryPath("i.plz"), schema: Schema([Field(name: "i", type: .interval)]))
        }
        _ = try writer.finish()
        #expect(throws: FormatError.self) {
            try writer.append(Batch(columns: [makeVector(.bigint, [.bigint(1)])], count: 1))
        }
    }
}
