import Foundation
import PlazaCore
import PlazaVector
import Testing

@testable import PlazaFormat

/// A reader hashes each block the first time it reads it and not again; a new reader, a block
/// not yet read, and `verifyEveryBlock` always hash (Formats/plaza-file-format.md §9).
@Suite struct VerifiedBlockTests {
    static let schema = Schema([
        Field(name: "id", type: .bigint, isNullable: false),
        Field(name: "alcaldía", type: .varchar),
        Field(name: "costo", type: .double),
    ])
    static let options = SegmentWriterOptions(rowGroupSize: 8_192, blockSize: 2_048)

    static func columns(rows: Int) -> [[Value]] {
        let names = ["Coyoacán", "Tlalpan", "Benito Juárez", "Iztapalapa"]
        return [
            (0..<rows).map { .bigint(Int64($0) * 7 - 3_000) },
            (0..<rows).map { $0 % 9 == 4 ? .null : .varchar(names[$0 % names.count]) },
            (0..<rows).map { $0 % 3 == 0 ? .null : .double(Double($0 % 1_000) * 0.25 + 10) },
        ]
    }

    /// Reads `columns` of `rowGroup` to the end.
    static func read(
        _ reader: SegmentReader, _ rowGroup: Int, _ columns: [Int], verifyEveryBlock: Bool = false
    ) throws(FormatError) -> [[Value]] {
        let cursor = try reader.openRowGroup(
            rowGroup, columns: columns, predicates: [], verifyEveryBlock: verifyEveryBlock)
        let batch = Batch(types: columns.map { reader.schema.fields[$0].type })
        var out = [[Value]](repeating: [], count: columns.count)
        while try cursor.next(into: batch) {
            for c in 0..<columns.count {
                for row in 0..<batch.count { out[c].append(batch.columns[c].value(at: row)) }
            }
        }
        return out
    }

    /// Flips one payload byte of a block of the file in place (same inode, mapping sees it).
    static func damage(_ path: String, _ reader: SegmentReader, rowGroup: Int, column: Int, block: Int) throws {
        let entry = try reader.index.block(rowGroup: rowGroup, column: column, block: block)
        let position = entry.offset + SegmentFormat.blockHeaderSize + (entry.length - SegmentFormat.blockHeaderSize) / 2
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(position))
        var byte = try #require(try handle.read(upToCount: 1)).first!
        byte ^= 0x5A
        try handle.seek(toOffset: UInt64(position))
        try handle.write(contentsOf: Data([byte]))
        try handle.close()
    }

    @Test func eachBlockIsVerifiedOnceAndDecodesTheSameWithoutHashing() throws {
        let rows = 10_000
        let expected = Self.columns(rows: rows)
        let path = try writeSegment(Self.schema, expected, options: Self.options)
        let reader = try SegmentReader(path: path)
        #expect(reader.verifiedBlockCount == 0)
        var blocks = 0
        for group in 0..<reader.rowGroupCount {
            blocks += reader.blockCount(rowGroup: group) * reader.schema.count
            for column in 0..<reader.schema.count
            where reader.dictionaryEntryCount(rowGroup: group, column: column) != nil {
                blocks += 1
            }
        }
        #expect(
            try readAll(reader).enumerated().allSatisfy { c, values in
                zip(values, expected[c]).allSatisfy(sameValue) && values.count == rows
            })
        #expect(reader.verifiedBlockCount == blocks)
        // The second pass skips the hash and must decode exactly the same values.
        #expect(
            try readAll(reader).enumerated().allSatisfy { c, values in
                zip(values, expected[c]).allSatisfy(sameValue) && values.count == rows
            })
        #expect(reader.verifiedBlockCount == blocks)
    }

    @Test func damageIsFoundByNewReadersUnreadBlocksAndVerifyEveryBlock() throws {
        let expected = Self.columns(rows: 10_000)
        let path = try writeSegment(Self.schema, expected, options: Self.options)
        let early = try SegmentReader(path: path)  // reads everything before the damage
        _ = try readAll(early)
        let partial = try SegmentReader(path: path)  // reads row group 0 only before the damage
        _ = try Self.read(partial, 0, [0, 1, 2])
        try Self.damage(path, early, rowGroup: 1, column: 2, block: 0)

        func expectChecksumMismatch(_ what: String, _ body: () throws(FormatError) -> Void) {
            do {
                try body()
                Issue.record("\(what): the damaged block was read without an error")
            } catch {
                #expect(error.kind == .checksumMismatch, "\(what): \(error)")
                #expect(error.rowGroup == 1 && error.description.contains("costo"), "\(what): \(error)")
            }
        }
        expectChecksumMismatch("a new reader") { () throws(FormatError) in
            _ = try Self.read(try SegmentReader(path: path), 1, [2])
        }
        expectChecksumMismatch("a block the reader had not read") { () throws(FormatError) in
            _ = try Self.read(partial, 1, [0, 2])
        }
        expectChecksumMismatch("verifyEveryBlock") { () throws(FormatError) in
            _ = try Self.read(early, 1, [2], verifyEveryBlock: true)
        }
        // Undamaged blocks still read through every reader.
        #expect(try Self.read(partial, 0, [2])[0].count == 8_192)
        #expect(try Self.read(SegmentReader(path: path), 1, [0, 1])[1].count == 1_808)
    }
}
