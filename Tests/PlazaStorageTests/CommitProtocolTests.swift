import Foundation
import PlazaCore
import PlazaVector
import Testing
@testable import PlazaStorage

/// Kill-safety of the commit protocol (Formats/plaza-manifest.md §5): a writer stopped after any
/// step leaves exactly the old or the new table, and the next writer removes its leftovers.
@Suite struct CommitProtocolTests {
    static let steps = TableWriteTransaction.CommitStep.allCases

    @Test(arguments: steps, [WriteMode.append, .replace])
    func crashAfterStepLeavesOldOrNewContents(step: TableWriteTransaction.CommitStep, mode: WriteMode) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path, options: StorageOptions(rowsPerSegment: 1000))
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1500)])
        let committedFiles = files(directory.path + "/t")

        let transaction = try catalog.beginWrite(table: "t", mode: mode, schema: bigintSchema)
        try transaction.append(numbers(1500..<4000))
        transaction.crashAfter = step
        #expect(throws: StorageError.self) { try transaction.commit() }

        let oldRows = (0..<1500).map { [Value.bigint(Int64($0))] }
        let newRows = (mode == .append ? 0..<4000 : 1500..<4000).map { [Value.bigint(Int64($0))] }
        let published = step == .manifestRenamed || step == .directorySynced || step == .oldSegmentsDeleted
        let reader = try StorageCatalog(directory: directory.path, readOnly: true)
        #expect(try readAll(reader.snapshot(table: "t")) == (published ? newRows : oldRows))

        // The lock died with the "process"; the next writer cleans up leftovers.
        try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema).abort()
        let manifest = try catalog.readManifest(table: "t")
        #expect(files(directory.path + "/t") == (manifest.segments.map(\.fileName) + [Manifest.fileName]).sorted())
        if !published { #expect(files(directory.path + "/t") == committedFiles) }
        #expect(try readAll(catalog.snapshot(table: "t")) == (published ? newRows : oldRows))
    }

    @Test(arguments: steps)
    func crashDuringCreateLeavesNoTableOrTheNewOne(step: TableWriteTransaction.CommitStep) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        let transaction = try catalog.beginWrite(table: "nueva", mode: .create, schema: bigintSchema)
        try transaction.append(numbers(0..<10))
        transaction.crashAfter = step
        #expect(throws: StorageError.self) { try transaction.commit() }
        let published = step == .manifestRenamed || step == .directorySynced || step == .oldSegmentsDeleted
        #expect(catalog.tableNames() == (published ? ["nueva"] : []))
        // Creating again works when the first create never published.
        if !published {
            try write(catalog, "NUEVA", .create, bigintSchema, [numbers(0..<3)])
            #expect(catalog.table(named: "nueva")?.rowCount == 3)
            #expect(files(directory.path + "/nueva").filter { $0.hasSuffix(".plzseg") }.count == 1)
        }
    }

    @Test func leftoverTemporaryManifestAndOrphansAreIgnoredThenCleaned() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<5)])
        let table = directory.path + "/t"
        FileManager.default.createFile(atPath: table + "/MANIFEST.tmp-0000000000000001", contents: Data([1, 2, 3]))
        FileManager.default.createFile(
            atPath: table + "/000009-000000-0000000000000001.plzseg", contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: table + "/notes.txt", contents: Data([1]))
        try FileManager.default.createDirectory(
            atPath: directory.path + "/.dropped-0000000000000001/x", withIntermediateDirectories: true)
        #expect(try readAll(catalog.snapshot(table: "t")).count == 5)
        #expect(catalog.tableNames() == ["t"])
        try write(catalog, "t", .append, bigintSchema, [numbers(5..<6)])
        #expect(!files(table).contains("MANIFEST.tmp-0000000000000001"))
        #expect(!files(table).contains("000009-000000-0000000000000001.plzseg"))
        #expect(files(table).contains("notes.txt"))
        #expect(!files(directory.path).contains(".dropped-0000000000000001"))
    }
}

extension WriteMode: CustomTestStringConvertible {
    public var testDescription: String { self == .append ? "append" : self == .replace ? "replace" : "create" }
}
