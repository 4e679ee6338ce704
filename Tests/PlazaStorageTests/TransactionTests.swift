import Foundation
import PlazaCore
import PlazaFormat
import PlazaVector
import Synchronization
import Testing
@testable import PlazaStorage

/// Transactions over several tables (Formats/plaza-manifest.md §11): staging, commit, rollback,
/// the commit record's bytes, and what a crash at each step of a commit leaves.
@Suite struct TransactionTests {
    /// Appends `rows` to `table` inside `transaction` (creating it when `mode` is `.create`).
    static func stage(
        _ transaction: DatabaseTransaction, _ table: String, _ mode: WriteMode, _ rows: Range<Int>
    ) throws {
        let write = try transaction.beginWrite(table: table, mode: mode, schema: bigintSchema)
        try write.append(numbers(rows))
        try write.commit()
    }

    /// The values of column 0 of `table` as the catalog reads it now.
    static func values(_ catalog: StorageCatalog, _ table: String) throws -> [Int64] {
        try readAll(catalog.snapshot(table: table)).map { row in
            guard case .bigint(let value) = row[0] else { preconditionFailure("not a BIGINT") }
            return value
        }
    }

    @Test func stagedWritesAreSeenByTheTransactionOnlyUntilCommit() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        try write(catalog, "b", .create, bigintSchema, [numbers(0..<5)])
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<20)
        try Self.stage(transaction, "a", .append, 20..<25)
        try Self.stage(transaction, "b", .replace, 100..<103)
        try Self.stage(transaction, "c", .create, 7..<8)
        let staged = try #require(try transaction.snapshot(table: "A"))
        #expect(try readAll(staged).count == 25, "names ignore case")
        #expect(try transaction.snapshot(table: "b").map { try readAll($0).count } == 3)
        #expect(transaction.createdTableNames == ["c"])
        #expect(try Self.values(catalog, "a") == Array(0..<10), "others read the committed state")
        #expect(catalog.tableNames() == ["a", "b"])
        try transaction.commit()
        #expect(try Self.values(catalog, "a") == Array(0..<25))
        #expect(try Self.values(catalog, "b") == [100, 101, 102])
        #expect(try Self.values(catalog, "c") == [7])
        #expect(try FileSystem.fileSize(directory.path + "/" + CommitRecord.fileName, table: nil) == nil)
        // Only what the manifests list is left: no staged manifest, no replaced segment.
        for table in ["a", "b", "c"] {
            let names = files(directory.path + "/" + table)
            #expect(!names.contains { $0.hasPrefix("MANIFEST.tmp-") }, "\(table): \(names)")
            #expect(names.filter { $0.hasSuffix(".plzseg") }.count == (table == "a" ? 3 : 1), "\(table): \(names)")
        }
        // The locks were released: a plain writer gets the table at once.
        try write(catalog, "b", .append, bigintSchema, [numbers(103..<104)])
        #expect(try Self.values(catalog, "b") == [100, 101, 102, 103])
    }

    @Test func aDroppedTableIsGoneForTheTransactionAtOnceAndForOthersAtCommit() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        try write(catalog, "b", .create, bigintSchema, [numbers(0..<10)])
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<12)
        try transaction.dropTable("a")
        #expect(throws: StorageError.self) { try transaction.snapshot(table: "a") }
        #expect(throws: StorageError.self) { try transaction.dropTable("a") }
        #expect(transaction.droppedTableKeys == ["a"])
        try transaction.dropTable("b")
        try Self.stage(transaction, "b", .create, 100..<101)  // a new table in the dropped one's place
        #expect(try Self.values(catalog, "a").count == 10 && Self.values(catalog, "b").count == 10)
        try transaction.commit()
        #expect(catalog.tableNames() == ["b"])
        #expect(try Self.values(catalog, "b") == [100])
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/a"))
        #expect(!files(directory.path).contains { $0.hasPrefix(".dropped-") })
        // One drop alone commits without a record.
        let alone = DatabaseTransaction(catalog)
        try alone.dropTable("B")
        try alone.commit()
        #expect(catalog.tableNames() == [])
    }

    @Test func rollbackLeavesEveryTableAndDirectoryAsItWas() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        let before = files(directory.path + "/a")
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<20)
        try Self.stage(transaction, "nueva", .create, 0..<3)
        transaction.rollback()
        #expect(files(directory.path + "/a") == before)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/nueva"))
        #expect(try Self.values(catalog, "a") == Array(0..<10))
        #expect(throws: StorageError.self) {
            try transaction.beginWrite(table: "a", mode: .append, schema: bigintSchema)
        }
        try write(catalog, "a", .append, bigintSchema, [numbers(10..<11)])
    }

    @Test func aTableInAnOpenTransactionIsBusyForOtherWriters() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(
            directory: directory.path, options: StorageOptions(lockTimeout: .milliseconds(50)))
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<20)
        #expect { try write(catalog, "a", .append, bigintSchema, [numbers(0..<1)]) } throws: { error in
            (error as? StorageError)?.kind == .busy
        }
        try transaction.commit()
        try write(catalog, "a", .append, bigintSchema, [numbers(0..<1)])
    }

    @Test func commitRecordBytesRoundTripAndEveryDamageIsRefused() throws {
        let record = CommitRecord(entries: [
            .init(table: "cuentas", manifestFile: "MANIFEST.tmp-00000000000000ab", generation: 7),
            .init(table: "movimientos", manifestFile: "MANIFEST.tmp-00000000000000cd", generation: 1),
        ])
        let bytes = record.encoded()
        #expect(Array(bytes.prefix(8)) == Array("PLZCOMT1".utf8))
        #expect(Array(bytes.suffix(8)) == Array("1TMOCZLP".utf8))
        // magic, version 1.0, body length, then the body: count 2, "cuentas", its manifest, 7 …
        #expect(Array(bytes[8..<16]) == [1, 0, 0, 0, UInt8(bytes.count - 28), 0, 0, 0])
        #expect(Array(bytes[16..<23]) == [2, 0, 0, 0, 1, 7, 0])
        #expect(bytes.count == 28 + 106, "the example of Formats/plaza-manifest.md §11.1")
        #expect(try CommitRecord.decode(bytes, path: "r") == record)
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x20
            #expect(throws: StorageError.self, "flipped byte \(index)") { try CommitRecord.decode(damaged, path: "r") }
        }
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self) { try CommitRecord.decode(Array(bytes.prefix(length)), path: "r") }
        }
        var action = bytes
        action[20] = 5
        action.replaceSubrange((bytes.count - 12)..<(bytes.count - 8), with: checksumBytes(action))
        #expect { try CommitRecord.decode(action, path: "r") } throws: { error in
            (error as? StorageError)?.kind == .newerVersion
        }
        let drop = CommitRecord(entries: [.init(action: .drop, table: "viejo", manifestFile: "", generation: 3)])
        #expect(try CommitRecord.decode(drop.encoded(), path: "r") == drop)
        let views = CommitRecord(entries: [
            .init(action: .putView, table: "resumen", manifestFile: "tmp-00000000000000ef", generation: 1),
            .init(action: .dropView, table: "viejo", manifestFile: "", generation: 1),
        ])
        #expect(try CommitRecord.decode(views.encoded(), path: "r") == views)
        // A view's staged file is named tmp-…, a dropped view names none.
        for bad in [
            CommitRecord.Entry(action: .putView, table: "v", manifestFile: "MANIFEST.tmp-01", generation: 1),
            CommitRecord.Entry(action: .putView, table: "v", manifestFile: "tmp-01/x", generation: 1),
            CommitRecord.Entry(action: .dropView, table: "v", manifestFile: "tmp-01", generation: 1),
        ] {
            #expect(throws: StorageError.self) {
                try CommitRecord.decode(CommitRecord(entries: [bad]).encoded(), path: "r")
            }
        }
        var newer = bytes
        newer[8] = 2
        #expect { try CommitRecord.decode(newer, path: "r") } throws: { error in
            (error as? StorageError)?.kind == .newerVersion
        }
    }

    /// A crash after each step of a commit of three tables: readers see all three changed (after the
    /// commit point) or none (before it), and the next writer finishes the commit and cleans up.
    @Test(arguments: DatabaseTransaction.CommitStep.allCases)
    func aCrashAtAnyStepLeavesAllTablesOldOrAllNew(step: DatabaseTransaction.CommitStep) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        try write(catalog, "b", .create, bigintSchema, [numbers(0..<10)])
        try write(catalog, "d", .create, bigintSchema, [numbers(0..<3)])
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<20)
        try Self.stage(transaction, "b", .replace, 50..<52)
        try Self.stage(transaction, "c", .create, 1..<2)
        try transaction.dropTable("d")
        transaction.crashAfter.withLock { $0 = step }
        #expect(throws: StorageError.self) { try transaction.commit() }
        // A new process: a reader that never writes, then a writer.
        let reader = try StorageCatalog(directory: directory.path, readOnly: true)
        let committed = step != .staged
        #expect(try Self.values(reader, "a").count == (committed ? 20 : 10))
        #expect(try Self.values(reader, "b") == (committed ? [50, 51] : Array(0..<10)))
        #expect(reader.tableNames() == (committed ? ["a", "b", "c"] : ["a", "b", "d"]))
        #expect((reader.table(named: "d") == nil) == committed)
        let writer = try StorageCatalog(directory: directory.path)
        try write(writer, "a", .append, bigintSchema, [numbers(99..<100)])
        #expect(try FileSystem.fileSize(directory.path + "/" + CommitRecord.fileName, table: nil) == nil)
        #expect(try Self.values(writer, "a").count == (committed ? 21 : 11))
        #expect(try Self.values(writer, "b") == (committed ? [50, 51] : Array(0..<10)))
        if committed {
            #expect(try Self.values(writer, "c") == [1])
            #expect(writer.table(named: "d") == nil)
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/d"))
        } else {
            #expect(writer.table(named: "c") == nil)
            #expect(try Self.values(writer, "d") == [0, 1, 2])
        }
        for table in ["a", "b"] {
            try write(writer, table, .append, bigintSchema, [numbers(0..<1)])
            let names = files(directory.path + "/" + table)
            #expect(!names.contains { $0.hasPrefix("MANIFEST.tmp-") }, "\(table): \(names)")
        }
    }

    /// Views created, replaced and dropped and a table renamed beside a table's change: a crash
    /// after each step leaves them all old or all new, for a reader and after a writer's recovery.
    @Test(arguments: DatabaseTransaction.CommitStep.allCases)
    func viewsCommitWithTheTablesOrNotAtAll(step: DatabaseTransaction.CommitStep) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<10)])
        try catalog.createView(named: "viejo", sql: "SELECT 1", orReplace: false)
        try catalog.createView(named: "cambia", sql: "SELECT 2", orReplace: false)
        try write(catalog, "r", .create, bigintSchema, [numbers(0..<5)])
        let transaction = DatabaseTransaction(catalog)
        try Self.stage(transaction, "a", .append, 10..<20)
        try Self.stage(transaction, "r", .append, 5..<7)
        try transaction.renameTable("r", to: "s")
        #expect(try transaction.snapshot(table: "s").map { try readAll($0) }?.count == 7)
        #expect(throws: StorageError.self) { try transaction.snapshot(table: "r") }
        try transaction.createView(named: "Nuevo", sql: "SELECT * FROM a", orReplace: false)
        try transaction.createView(named: "cambia", sql: "SELECT 3", orReplace: true)
        try transaction.dropView(named: "viejo")
        #expect(
            transaction.viewChange(named: "nuevo") == .defined(ViewDefinition(name: "Nuevo", sql: "SELECT * FROM a")))
        #expect(transaction.viewChange(named: "viejo") == .dropped)
        #expect(throws: StorageError.self) { try transaction.createView(named: "a", sql: "SELECT 1", orReplace: true) }
        #expect(throws: StorageError.self) {
            try transaction.beginWrite(table: "nuevo", mode: .create, schema: bigintSchema)
        }
        #expect(catalog.viewNames() == ["cambia", "viejo"], "others see nothing before the commit")
        transaction.crashAfter.withLock { $0 = step }
        #expect(throws: StorageError.self) { try transaction.commit() }
        let committed = step != .staged
        func check(_ catalog: StorageCatalog) throws {
            #expect(try Self.values(catalog, "a").count == (committed ? 20 : 10))
            #expect(catalog.viewNames() == (committed ? ["Nuevo", "cambia"] : ["cambia", "viejo"]))
            #expect(catalog.viewDefinition(named: "cambia")?.sql == (committed ? "SELECT 3" : "SELECT 2"))
            #expect((catalog.viewDefinition(named: "viejo") == nil) == committed)
            #expect((catalog.viewDefinition(named: "nuevo")?.sql == "SELECT * FROM a") == committed)
            #expect(try Self.values(catalog, committed ? "s" : "r") == Array(0..<(committed ? 7 : 5)))
            #expect(catalog.tableNames() == (committed ? ["a", "s"] : ["a", "r"]))
        }
        // A reader that never writes reads through the record, then a writer finishes the commit.
        let reader = try StorageCatalog(directory: directory.path, readOnly: true)
        try check(reader)
        let writer = try StorageCatalog(directory: directory.path)
        try writer.recoverInterruptedCommit()  // as opening a database for writing does
        try check(writer)
        try check(reader)
        // The writer finished the commit: no record, no staged view file.
        #expect(try FileSystem.fileSize(directory.path + "/" + CommitRecord.fileName, table: nil) == nil)
        let staged = files(directory.path + "/" + StorageCatalog.viewDirectoryName).filter { $0.hasPrefix("tmp-") }
        #expect(committed ? staged.isEmpty : staged.count == 2, "\(staged)")
    }

    @Test func aRolledBackTransactionLeavesTheViewsAndNoFiles() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try catalog.createView(named: "v", sql: "SELECT 1", orReplace: false)
        let before = files(directory.path + "/" + StorageCatalog.viewDirectoryName)
        let transaction = DatabaseTransaction(catalog)
        try transaction.createView(named: "w", sql: "SELECT 2", orReplace: false)
        try transaction.createView(named: "v", sql: "SELECT 3", orReplace: true)
        try transaction.dropView(named: "w")
        #expect(throws: StorageError.self) { try transaction.dropView(named: "w") }
        transaction.rollback()
        #expect(files(directory.path + "/" + StorageCatalog.viewDirectoryName) == before)
        #expect(catalog.viewDefinition(named: "v")?.sql == "SELECT 1")
        // The names' locks are released: another writer may take them at once.
        try catalog.createView(named: "w", sql: "SELECT 4", orReplace: false)
    }

    @Test func aReaderPinningSeveralTablesNeverSeesHalfACommit() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "a", .create, bigintSchema, [numbers(0..<1)])
        try write(catalog, "b", .create, bigintSchema, [numbers(0..<1)])
        // Each commit adds one row to both tables; a reader pinning both must see equal counts.
        // Two readers overlap one another all the time, yet the committer must get its turn (the
        // turnstile of §11). Threads, not tasks: busy readers would hold the cooperative pool.
        let rounds = 15
        let shared = Flag()
        let readers = DispatchGroup()
        for _ in 0..<2 {
            readers.enter()
            Thread.detachNewThread {
                defer { readers.leave() }
                var checks = 0
                while !shared.value.withLock({ $0 }) {
                    let pinned = PinnedCatalog(catalog)
                    pinned.beginPinning()
                    let a = try? pinned.snapshot(table: "a").rowCount
                    let b = try? pinned.snapshot(table: "b").rowCount
                    pinned.endPinning()
                    if a == nil || a != b {
                        shared.mismatches.withLock { $0.append("\(String(describing: a)) \(String(describing: b))") }
                    }
                    if checks == 0 { shared.checks.withLock { $0 += 1 } }
                    checks += 1
                }
            }
        }
        let start = ContinuousClock.now
        while shared.checks.withLock({ $0 }) < 2 && ContinuousClock.now - start < .seconds(5) { usleep(1000) }
        defer {
            shared.value.withLock { $0 = true }
            readers.wait()
        }
        for round in 1...rounds {
            let transaction = DatabaseTransaction(catalog)
            try Self.stage(transaction, "a", .append, round..<(round + 1))
            try Self.stage(transaction, "b", .append, round..<(round + 1))
            try transaction.commit()
        }
        shared.value.withLock { $0 = true }
        readers.wait()
        #expect(shared.checks.withLock { $0 } == 2)
        #expect(shared.mismatches.withLock { $0 } == [])
        #expect(try catalog.snapshot(table: "a").rowCount == rounds + 1)
    }
}

/// A flag shared between test tasks.
private final class Flag: Sendable {
    let value = Mutex(false)
    /// Readers that have made their first check.
    let checks = Mutex(0)
    /// What readers saw when the two tables disagreed.
    let mismatches = Mutex<[String]>([])
}

/// The CRC-32C trailer (little-endian) that `bytes` should carry, for records edited by a test.
private func checksumBytes(_ bytes: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: Manifest.checksum(bytes[0..<(bytes.count - 12)]).littleEndian) { Array($0) }
}
