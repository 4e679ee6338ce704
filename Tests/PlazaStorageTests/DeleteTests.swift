import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector
import Testing
@testable import PlazaStorage

/// Deletes through the storage layer (Formats/plaza-manifest.md §10): what snapshots see, what a
/// crash at each commit step leaves, what the next writer cleans, and what scans skip.
@Suite struct DeleteTests {
    /// Small row groups and blocks, so that a few thousand rows span several of each.
    static let options = StorageOptions(
        rowsPerSegment: 3000, segmentOptions: SegmentWriterOptions(rowGroupSize: 4096, blockSize: 2048))

    static func int(_ value: Value) -> Int64 {
        guard case .bigint(let number) = value else { preconditionFailure("not a BIGINT: \(value)") }
        return number
    }

    /// Deletes the rows whose value satisfies `predicate`, through row ids read from a snapshot.
    @discardableResult
    static func delete(
        _ catalog: StorageCatalog, where predicate: (Int64) -> Bool, crashAfter: TableWriteTransaction.CommitStep? = nil
    )
        throws -> Int
    {
        let snapshot = try catalog.snapshot(table: "t")
        var ids: [Int64] = []
        let batch = Batch(types: [.bigint, .bigint])
        for group in 0..<snapshot.rowGroupCount {
            let cursor = try snapshot.openRowGroup(group, columns: [0, snapshot.rowIDColumn], predicates: [])
            while try cursor.next(into: batch) {
                let deleted = cursor.deletedRows
                for row in 0..<batch.count where predicate(int(batch.columns[0].value(at: row))) {
                    if let deleted, deleted[row >> 6] & (1 << UInt64(row & 63)) != 0 { continue }
                    ids.append(int(batch.columns[1].value(at: row)))
                }
            }
        }
        let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: snapshot.schema)
        let marked = try ids.withUnsafeBufferPointer { try transaction.delete(rowIDs: $0, in: snapshot) }
        transaction.crashAfter = crashAfter
        try transaction.commit()
        return marked
    }

    @Test func deletedRowsVanishFromLaterSnapshotsOnly() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<3000), numbers(3000..<5000)])
        let before = try catalog.snapshot(table: "t")
        #expect(try Self.delete(catalog, where: { $0 % 3 == 0 }) == 1667)
        #expect(try Self.delete(catalog, where: { $0 % 3 == 0 || $0 < 10 }) == 6, "already deleted rows count once")
        let after = try catalog.snapshot(table: "t")
        let expected = (0..<5000).filter { $0 % 3 != 0 && $0 >= 10 }.map { [Value.bigint(Int64($0))] }
        #expect(try readAll(after) == expected)
        #expect(after.rowCount == expected.count && catalog.table(named: "t")?.rowCount == expected.count)
        #expect(try readAll(before).count == 5000, "an older snapshot keeps its rows")
        #expect(try after.verify().rowCount == expected.count)
        // Two segments, each with one deletion file; the first deletion files were replaced.
        let names = files(directory.path + "/t")
        #expect(names.filter { $0.hasSuffix(".plzdel") }.count == 2)
        #expect(names.filter { $0.hasSuffix(".plzseg") }.count == 2)
    }

    @Test func wholeBlocksAndRowGroupsOfDeletedRowsAreSkippedUnread() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<10000)])
        // Rows 0 ..< 4096 are row group 0; rows 4096 ..< 6144 the first block of row group 1.
        try Self.delete(catalog, where: { $0 < 6144 || $0 == 7000 })
        let snapshot = try catalog.snapshot(table: "t")
        #expect(!snapshot.mightMatch(rowGroup: 0, columns: [0], predicates: []))
        #expect(snapshot.mightMatch(rowGroup: 1, columns: [0], predicates: []))
        let cursor = try snapshot.openRowGroup(1, columns: [0], predicates: [])
        let batch = Batch(types: [.bigint])
        var first: Value?
        while try cursor.next(into: batch) { first = first ?? batch.columns[0].value(at: 0) }
        #expect(first == .bigint(6144))
        #expect(cursor.statistics.blocksSkipped == 1 && cursor.statistics.blocksRead == 1)
        #expect(try readAll(snapshot).count == 10000 - 6144 - 1)
    }

    @Test func deletingEveryRowOfASegmentDropsIt() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<3000), numbers(3000..<4000)])
        try Self.delete(catalog, where: { $0 < 3000 })
        let manifest = try catalog.readManifest(table: "t")
        #expect(manifest.segments.count == 1 && manifest.segments[0].deletions == nil && manifest.rowCount == 1000)
        #expect(files(directory.path + "/t").count == 2, "the emptied segment's file is gone")
        try Self.delete(catalog, where: { _ in true })
        #expect(catalog.table(named: "t")?.rowCount == 0)
        try write(catalog, "t", .append, bigintSchema, [numbers(7..<9)])
        #expect(try readAll(catalog.snapshot(table: "t")) == [[.bigint(7)], [.bigint(8)]])
    }

    @Test(arguments: TableWriteTransaction.CommitStep.allCases)
    func crashAfterStepLeavesOldOrNewRows(step: TableWriteTransaction.CommitStep) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<5000)])
        try Self.delete(catalog, where: { $0 % 7 == 0 })
        let old = try readAll(catalog.snapshot(table: "t"))
        #expect(throws: StorageError.self) { try Self.delete(catalog, where: { $0 % 2 == 0 }, crashAfter: step) }
        let new = old.filter { Self.int($0[0]) % 2 != 0 }
        let published = step == .manifestRenamed || step == .directorySynced || step == .oldSegmentsDeleted
        let reader = try StorageCatalog(directory: directory.path, readOnly: true)
        #expect(try readAll(reader.snapshot(table: "t")) == (published ? new : old))
        // The next writer removes the deletion files and segments no manifest lists.
        try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema).abort()
        let manifest = try catalog.readManifest(table: "t")
        let listed = manifest.segments.flatMap { [$0.fileName] + ($0.deletions.map { [$0.fileName] } ?? []) }
        #expect(files(directory.path + "/t") == (listed + [Manifest.fileName]).sorted())
    }

    @Test func rowIDsOfAnOlderSnapshotAreRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<10)])
        let stale = try catalog.snapshot(table: "t")
        try write(catalog, "t", .append, bigintSchema, [numbers(10..<20)])
        let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
        defer { transaction.abort() }
        #expect { try [Int64(1)].withUnsafeBufferPointer { try transaction.delete(rowIDs: $0, in: stale) } } throws: {
            ($0 as? StorageError)?.kind == .busy
        }
    }

    @Test func aDamagedDeletionFileIsNamed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<100)])
        try Self.delete(catalog, where: { $0 == 5 })
        let name = files(directory.path + "/t").first { $0.hasSuffix(".plzdel") }!
        let path = directory.path + "/t/" + name
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect { try catalog.snapshot(table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .damaged && storage.file == path
        }
    }
}
