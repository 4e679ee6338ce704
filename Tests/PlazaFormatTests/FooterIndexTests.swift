import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

/// The flat footer index that `SegmentReader` opens with must say exactly what the eager
/// `SegmentFooter.parse` says, and refuse exactly what it refuses (Formats/plaza-file-format.md §6).
@Suite struct FooterIndexTests {
    /// Several row groups of several blocks, a short last block, NULL runs, a dictionary column,
    /// VARCHAR bounds over 64 bytes (unknown) and an all-NULL column.
    static func layeredSegment() throws -> String {
        let rows = 9_000
        let schema = Schema([
            Field(name: "id", type: .bigint, isNullable: false),
            Field(name: "barrio", type: .varchar),
            Field(name: "nota", type: .varchar),
            Field(name: "costo", type: .double),
            Field(name: "día", type: .date),
            Field(name: "vacía", type: .bigint),
        ])
        let barrios = ["Roma Norte", "Condesa", "Doctores", "Narvarte"]
        let columns: [[Value]] = [
            (0..<rows).map { .bigint(Int64($0) * 7 - 5_000) },
            (0..<rows).map { $0 % 13 == 0 ? .null : .varchar(barrios[$0 % 4]) },
            (0..<rows).map { (row: Int) -> Value in
                .varchar(String(repeating: "x", count: row % 3_000 < 2_048 ? 70 : 5) + String(row))
            },
            (0..<rows).map { (row: Int) -> Value in row % 4_000 < 2_100 ? .null : .double(Double(row) * 0.5) },
            (0..<rows).map { .date(Int32(19_000 + $0 / 100)) },
            (0..<rows).map { _ in .null },
        ]
        return try writeSegment(schema, columns, options: SegmentWriterOptions(rowGroupSize: 3_000))
    }

    /// Equal statistics, a NaN bound equal to a NaN bound.
    static func same(_ a: ColumnStatistics, _ b: ColumnStatistics) -> Bool {
        func bound(_ x: Value?, _ y: Value?) -> Bool {
            guard let x, let y else { return x == nil && y == nil }
            return sameValue(x, y)
        }
        return a.valueCount == b.valueCount && a.nullCount == b.nullCount && a.distinctCount == b.distinctCount
            && bound(a.min, b.min) && bound(a.max, b.max)
    }

    static func golden(_ name: String) throws -> String {
        let path = temporaryPath(name)
        try Data(try DamageTests.goldenBytes(name)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: ["layered", "mixed-v1.plz", "tiny-v1.plz", "encodings-v1.plz"])
    func indexAgreesWithTheEagerParse(name: String) throws {
        let path = name == "layered" ? try Self.layeredSegment() : try Self.golden(name)
        let reader = try SegmentReader(path: path)
        let footer = reader.footer
        let index = reader.index
        #expect(index.rowCount == footer.rowCount && reader.rowCount == footer.rowCount)
        #expect(index.blockSize == footer.blockSize && index.minorVersion == footer.minorVersion)
        #expect(index.schema == footer.schema)
        #expect(reader.rowGroupCount == footer.rowGroups.count)
        var blocksSeen = 0
        for (g, group) in footer.rowGroups.enumerated() {
            #expect(reader.rowCount(rowGroup: g) == group.rowCount)
            #expect(reader.blockCount(rowGroup: g) == group.chunks[0].blocks.count)
            for (c, chunk) in group.chunks.enumerated() {
                let type = footer.schema.fields[c].type
                #expect(index.chunkStatistics(rowGroup: g, column: c) == chunk.statistics, "group \(g) column \(c)")
                #expect(
                    Self.same(
                        reader.statistics(rowGroup: g, column: c),
                        chunk.statistics.statistics(valueCount: group.rowCount, type: type)))
                let dictionary = try index.dictionary(rowGroup: g, column: c)
                #expect(dictionary?.offset == chunk.dictionary?.offset)
                #expect(dictionary?.length == chunk.dictionary?.length)
                #expect(dictionary?.entries == chunk.dictionary?.entries)
                #expect(reader.dictionaryEntryCount(rowGroup: g, column: c) == chunk.dictionary?.entries)
                for (b, entry) in chunk.blocks.enumerated() {
                    let location = try index.block(rowGroup: g, column: c, block: b)
                    #expect(location.offset == entry.offset && location.length == entry.length, "block \(g)/\(c)/\(b)")
                    #expect(index.valueCount(rowGroup: g, block: b) == entry.count)
                    #expect(index.blockStatistics(rowGroup: g, column: c, block: b) == entry.statistics)
                    #expect(
                        Self.same(
                            reader.statistics(rowGroup: g, column: c, block: b),
                            entry.statistics.statistics(valueCount: entry.count, type: type)))
                    blocksSeen += 1
                }
            }
        }
        #expect(blocksSeen == index.blockEntries.count)
        if name == "layered" {
            // The layout the test means to cover: 3 groups of 2 blocks, a dictionary, unknown bounds.
            #expect(footer.rowGroups.count == 3 && footer.rowGroups[0].chunks[0].blocks.count == 2)
            #expect(footer.rowGroups.contains { $0.chunks[1].dictionary != nil })
            #expect(footer.rowGroups[0].chunks[2].blocks[0].statistics.min == nil)
            #expect(footer.rowGroups[0].chunks[5].statistics.nullCount == 3_000)
        }
    }

    /// Flips each footer byte of a golden file (the trailer's checksum no longer guards it, as
    /// when a writer bug or a forged checksum lets it through) and checks that the index and the
    /// eager parse accept and refuse the same footers with the same error.
    @Test(arguments: ["mixed-v1.plz", "encodings-v1.plz"])
    func indexRefusesWhatTheEagerParseRefuses(name: String) throws {
        let bytes = try DamageTests.goldenBytes(name)
        let size = bytes.count
        let footerLength = Int(
            UInt32(bytes[size - 16]) | UInt32(bytes[size - 15]) << 8 | UInt32(bytes[size - 14]) << 16
                | UInt32(bytes[size - 13]) << 24)
        let footerStart = size - SegmentFormat.trailerSize - footerLength
        var footer = Array(bytes[footerStart..<(footerStart + footerLength)])
        var refused = 0, accepted = 0
        for position in 0..<footer.count {
            for flip: UInt8 in [0x01, 0x80] {
                footer[position] ^= flip
                defer { footer[position] ^= flip }
                footer.withUnsafeBytes { raw in
                    let eager = Result { () throws(FormatError) in
                        try SegmentFooter.parse(raw, dataStart: SegmentFormat.headerSize, dataEnd: footerStart)
                    }
                    let flat = Result { () throws(FormatError) in
                        try FooterIndex(raw, dataStart: SegmentFormat.headerSize, dataEnd: footerStart)
                    }
                    switch (eager, flat) {
                    case (.failure(let a), .failure(let b)):
                        #expect(a.description == b.description, "byte \(position)")
                        refused += 1
                    case (.success(let parsed), .success(let index)):
                        #expect(parsed.rowCount == index.rowCount, "byte \(position)")
                        #expect(parsed.rowGroups.count == index.rowGroupCount, "byte \(position)")
                        accepted += 1
                    default:
                        Issue.record("byte \(position) flipped by \(flip): eager \(eager), index \(flat)")
                    }
                }
            }
        }
        // Both outcomes occur: flipped statistic values parse, flipped lengths and counts do not.
        #expect(refused > 0 && accepted > 0)
    }

    /// A footer overwritten in place under an open reader (damage; Plaza never rewrites a file)
    /// is read again lazily: statistics become unknown, ranges are checked again, nothing traps.
    @Test func footerChangedUnderAnOpenReaderNeverTraps() throws {
        let path = try Self.layeredSegment()
        let reader = try SegmentReader(path: path)
        let all = Array(0..<reader.schema.count)
        let expected = try readAll(reader)
        let footerStart = reader.footerStart, footerLength = reader.index.bytes.count
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(footerStart))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: footerLength))
        try handle.close()
        #expect(reader.index.bytes.allSatisfy { $0 == 0xFF }, "the mapping shows the change")
        var failures = 0
        for group in 0..<reader.rowGroupCount {
            for column in all {
                let statistics = reader.statistics(rowGroup: group, column: column)
                #expect(statistics.min == nil && statistics.max == nil && statistics.nullCount == 0)
                _ = reader.dictionaryEntryCount(rowGroup: group, column: column)
                for block in 0..<reader.blockCount(rowGroup: group) {
                    #expect(reader.statistics(rowGroup: group, column: column, block: block).min == nil)
                    #expect(throws: FormatError.self) {
                        try reader.blockHeader(rowGroup: group, column: column, block: block)
                    }
                }
            }
            do throws(FormatError) {
                let cursor = try reader.openRowGroup(group, columns: all, predicates: [])
                let batch = Batch(types: reader.schema.fields.map(\.type))
                while try cursor.next(into: batch) {}
                Issue.record("row group \(group) read through a footer of 0xFF bytes")
            } catch {
                #expect(error.rowGroup == group && error.kind == .corrupt, "\(error)")
                failures += 1
            }
        }
        #expect(failures == reader.rowGroupCount && expected.count == all.count)
    }
}
