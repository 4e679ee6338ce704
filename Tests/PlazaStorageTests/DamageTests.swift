import Foundation
import PlazaCore
import PlazaFormat
import Testing
@testable import PlazaStorage

/// Damage on disk gives typed errors naming the table and file, never a trap (Formats/plaza-manifest.md §6).
@Suite struct DamageTests {
    /// A database with tables "t" (two segments) and "u"; returns the catalog.
    func makeDatabase(_ directory: TemporaryDirectory) throws -> StorageCatalog {
        let catalog = try StorageCatalog(directory: directory.path, options: StorageOptions(rowsPerSegment: 100))
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<100), numbers(100..<150)])
        try write(catalog, "u", .create, bigintSchema, [numbers(0..<3)])
        return catalog
    }

    func segmentPaths(_ catalog: StorageCatalog) throws -> [String] {
        try catalog.readManifest(table: "t").segments.map { catalog.directory + "/t/" + $0.fileName }
    }

    @Test func missingSegmentIsNamed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try makeDatabase(directory)
        let victim = try segmentPaths(catalog)[1]
        try FileManager.default.removeItem(atPath: victim)
        #expect { try catalog.snapshot(table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .damaged && storage.table == "t" && storage.file == victim
                && storage.description.contains("missing")
        }
        // Other tables still work, and the damaged one is still listed.
        #expect(try catalog.snapshot(table: "u").rowCount == 3)
        #expect(catalog.tableNames() == ["t", "u"])
    }

    @Test func truncatedSegmentIsNamed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try makeDatabase(directory)
        let victim = try segmentPaths(catalog)[0]
        let handle = try #require(FileHandle(forWritingAtPath: victim))
        try handle.truncate(atOffset: 10)
        try handle.close()
        #expect { try catalog.snapshot(table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .damaged && storage.file == victim && storage.table == "t"
        }
    }

    @Test func garbledSegmentOfTheRightSizeGivesAFormatError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try makeDatabase(directory)
        let victim = try segmentPaths(catalog)[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        for index in 0..<min(8, bytes.count) { bytes[index] ^= 0xFF }
        try bytes.write(to: URL(fileURLWithPath: victim))
        #expect { try catalog.snapshot(table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .format && storage.table == "t" && storage.file == victim
                && storage.underlying != nil
        }
    }

    @Test func damagedManifestOnDiskIsReportedNotTrapped() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try makeDatabase(directory)
        let path = directory.path + "/t/MANIFEST"
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in stride(from: 0, to: good.count, by: 7) {
            try good.prefix(length).write(to: URL(fileURLWithPath: path))
            #expect { try catalog.snapshot(table: "t") } throws: { error in
                let storage = error as! StorageError
                return storage.kind == .damaged && storage.file == path && storage.table == "t"
            }
            #expect(throws: StorageError.self) { try catalog.describeTable(named: "t") }
            #expect(catalog.table(named: "t") == nil)
            #expect(throws: StorageError.self) {
                try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
            }
        }
        // Replace is the way out of a damaged table.
        try write(catalog, "t", .replace, bigintSchema, [numbers(0..<2)])
        #expect(try readAll(catalog.snapshot(table: "t")).count == 2)
        try write(catalog, "t", .append, bigintSchema, [numbers(2..<3)])
        #expect(files(directory.path + "/t").count == 3)
    }

    @Test func manifestSchemaThatSegmentsContradictIsDamage() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try makeDatabase(directory)
        var manifest = try catalog.readManifest(table: "t")
        manifest.schema = Schema([Field(name: "n", type: .date)])
        let path = directory.path + "/t/MANIFEST"
        try FileManager.default.removeItem(atPath: path)
        try FileSystem.writeNewFileDurably(path, manifest.encoded(), table: "t")
        #expect { try catalog.snapshot(table: "t") } throws: { error in
            let storage = error as! StorageError
            return storage.kind == .damaged && storage.column == "n"
        }
    }
}

@Suite struct OddFilesTests {
    @Test func hugeOrDirectoryManifestIsAnErrorNotACrash() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try FileManager.default.createDirectory(
            atPath: directory.path + "/t/MANIFEST", withIntermediateDirectories: true)
        #expect(throws: StorageError.self) { try catalog.snapshot(table: "t") }
        try FileManager.default.removeItem(atPath: directory.path + "/t/MANIFEST")
        FileManager.default.createFile(atPath: directory.path + "/t/MANIFEST", contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: directory.path + "/t/MANIFEST"))
        try handle.truncate(atOffset: 1 << 29)  // sparse: no disk space used
        try handle.close()
        #expect { try catalog.snapshot(table: "t") } throws: { ($0 as! StorageError).kind == .damaged }
    }

    @Test func databasePathThatIsAFileIsAnError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        FileManager.default.createFile(atPath: directory.path + "/file", contents: Data([1]))
        #expect { try StorageCatalog(directory: directory.path + "/file") } throws: {
            ($0 as! StorageError).kind == .io
        }
        #expect { try StorageCatalog(directory: directory.path + "/a/b") } throws: { ($0 as! StorageError).kind == .io }
        #expect(try StorageCatalog(directory: directory.path + "/new/").directory == directory.path + "/new")
    }
}

@Suite struct VerifyTests {
    @Test func verifyReadsEveryBlockAndFindsDamage() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path, options: StorageOptions(segmentOptions: SegmentWriterOptions(rowGroupSize: 4096))
        )
        let schema = Schema([Field(name: "n", type: .bigint), Field(name: "s", type: .varchar)])
        let rows: [[Value]] = (0..<10_000).map { [.bigint(Int64($0 &* 7919 % 10_007)), .varchar("valor \($0 % 613)")] }
        try write(catalog, "t", .create, schema, [makeBatch([.bigint, .varchar], rows)])
        try write(catalog, "t", .append, schema, [makeBatch([.bigint, .varchar], Array(rows[0..<100]))])
        let snapshot = try catalog.snapshot(table: "t")
        let summary = try snapshot.verify()
        #expect(summary.rowCount == 10_100 && summary.segmentCount == 2 && summary.generation == 2)
        #expect(summary.blocksRead >= 2 * 5)
        #expect(snapshot.segmentPath(ofRowGroup: 3) == snapshot.segmentPaths[1] && snapshot.localRowGroup(3) == 0)

        let path = snapshot.segmentPaths[0]
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect { try catalog.snapshot(table: "t").verify() } throws: { error in
            let storage = error as! StorageError
            return storage.table == "t" && storage.file == path
        }
    }
}
