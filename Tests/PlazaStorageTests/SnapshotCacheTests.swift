import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector
import Testing

@testable import PlazaStorage

/// A long-lived catalog reuses opened segments between snapshots, but never serves a file the
/// current manifest does not list, nor a file changed since it was opened.
@Suite struct SnapshotCacheTests {
    static let options = StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 1000))

    @Test func unchangedSegmentsAreReusedAndAppendsAreSeen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path + "/db", options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<2500)])
        let first = try catalog.snapshot(table: "t")
        let second = try catalog.snapshot(table: "t")
        #expect(first.readers.count == 1 && first.readers[0] === second.readers[0])

        try write(catalog, "t", .append, bigintSchema, [numbers(2500..<2600)])
        let appended = try catalog.snapshot(table: "t")
        #expect(appended.rowCount == 2600 && appended.readers.count == 2)
        #expect(appended.readers[0] === first.readers[0], "the first segment did not change")
        #expect(try readAll(appended) == (0..<2600).map { [.bigint(Int64($0))] })
        // The older snapshot still reads what it pinned.
        #expect(try readAll(first) == (0..<2500).map { [.bigint(Int64($0))] })
    }

    @Test func replaceThroughAnotherCatalogIsSeenAndOldSegmentsAreDropped() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/db"
        let catalog = try StorageCatalog(directory: path, options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1500)])
        let before = try catalog.snapshot(table: "t")
        let oldPaths = Set(before.segmentPaths)
        #expect(catalog.readerCache.paths == oldPaths)

        // Another process (here: another catalog) replaces the table.
        let other = try StorageCatalog(directory: path, options: Self.options)
        try write(other, "t", .replace, bigintSchema, [numbers(7000..<7300)])
        let after = try catalog.snapshot(table: "t")
        #expect(after.rowCount == 300 && Set(after.segmentPaths).isDisjoint(with: oldPaths))
        #expect(try readAll(after) == (7000..<7300).map { [.bigint(Int64($0))] })
        #expect(catalog.readerCache.paths == Set(after.segmentPaths), "replaced segments left the cache")
        #expect(try readAll(before).count == 1500, "the pinned snapshot still reads its own files")

        try catalog.dropTable("t")
        #expect(catalog.readerCache.paths.isEmpty)
        #expect(throws: StorageError.self) { try catalog.snapshot(table: "t") }
    }

    @Test func aSegmentRewrittenInPlaceIsOpenedAndCheckedAgain() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path + "/db", options: Self.options)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1500)])
        let cached = try catalog.snapshot(table: "t")
        let segment = try #require(cached.segmentPaths.first)
        // Damage the footer's last byte in place: same inode and size, new modification time.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[bytes.count - SegmentFormat.trailerSize - 1] ^= 0x40
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.write(contentsOf: bytes)
        try handle.close()
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, segment, &times, 0) == 0)
        do {
            _ = try catalog.snapshot(table: "t")
            Issue.record("a snapshot served a cached reader for a rewritten segment")
        } catch {
            #expect(error.kind == .format && error.description.contains("checksum"), "\(error)")
        }
        #expect(!catalog.readerCache.paths.contains(segment))
    }

    @Test func theCacheStaysWithinItsBounds() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path + "/db", options: Self.options)
        var readers: [(String, FileIdentity, SegmentReader)] = []
        for name in ["a", "b", "c"] {
            try write(catalog, name, .create, bigintSchema, [numbers(0..<10)])
            let snapshot = try catalog.snapshot(table: name)
            let path = snapshot.segmentPaths[0]
            readers.append((path, try #require(try FileSystem.fileIdentity(path, table: name)), snapshot.readers[0]))
        }
        let cache = SegmentReaderCache(capacity: 2, footerBudget: 1 << 20)
        for (path, identity, reader) in readers { cache.insert(path: path, identity: identity, reader: reader) }
        #expect(cache.paths == [readers[1].0, readers[2].0], "the least recently used entry went")
        #expect(cache.reader(path: readers[1].0, identity: readers[1].1) === readers[1].2)
        cache.insert(path: readers[0].0, identity: readers[0].1, reader: readers[0].2)
        #expect(cache.paths == [readers[0].0, readers[1].0])
        let tiny = SegmentReaderCache(capacity: 8, footerBudget: readers[0].2.footerByteCount)
        tiny.insert(path: readers[0].0, identity: readers[0].1, reader: readers[0].2)
        tiny.insert(path: readers[1].0, identity: readers[1].1, reader: readers[1].2)
        #expect(tiny.paths.count == 1, "footer bytes are bounded too")
    }
}
