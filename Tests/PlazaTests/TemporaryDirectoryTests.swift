import Foundation
import Plaza
import Testing

/// Spilling operators write under the database's temporary directory, leave nothing there, and a
/// directory abandoned by a killed process is removed when the database is next opened.
@Suite struct TemporaryDirectoryTests {
    /// A database with table `t` of 200,000 distinct ids: a GROUP BY on it cannot fit in 1 MiB.
    static func manyGroups(_ directory: TestDirectory, options: Database.Options) throws -> Database {
        var text = "id\n"
        for id in 0..<200_000 { text += "\(id)\n" }
        let csv = try directory.file("ids.csv", text)
        try Database(path: directory.database).importCSV(from: csv, into: "t")
        return try Database(path: directory.database, options: options)
    }

    @Test func defaultIsInsideTheDatabaseAndHiddenFromTables() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        #expect(db.temporaryDirectory == directory.database + "/.tmp")
        #expect(
            try Database(path: directory.database, options: .init(isReadOnly: true)).temporaryDirectory
                == FileManager.default.temporaryDirectory.path)
        try FileManager.default.createDirectory(atPath: db.temporaryDirectory, withIntermediateDirectories: true)
        #expect(db.tableNames().isEmpty)
    }

    @Test func spillingQueryUsesTheDirectoryAndCleansUp() throws {
        let directory = TestDirectory()
        let spills = directory.path + "/spills"
        let db = try Self.manyGroups(
            directory, options: .init(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: spills))
        let result = try db.query(
            "SELECT count(*) AS groups, sum(n) AS rows FROM (SELECT id, count(*) AS n FROM t GROUP BY id)")
        #expect(try result.column("groups", as: Int64.self) == [200_000])
        #expect(try result.column("rows", as: Int64.self) == [200_000])
        // The aggregate spilled there (the directory exists) and removed its own files.
        #expect(FileManager.default.fileExists(atPath: spills))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spills).isEmpty)
    }

    @Test(.enabled(if: RobustnessFaultTests.canMountTmpfs, "mounting a tmpfs needs root with CAP_SYS_ADMIN; skipped"))
    func fullTemporaryDiskIsAnErrorSayingSoNotABug() throws {
        // TPC-H Q9 at SF10 once filled the disk while spilling and was reported as a bug.
        let directory = TestDirectory()
        let mountPoint = directory.path + "/small-disk"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(
            RobustnessFaultTests.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]) == 0)
        defer { _ = RobustnessFaultTests.run("/usr/bin/umount", [mountPoint]) }
        let db = try Self.manyGroups(
            directory, options: .init(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: mountPoint + "/tmp"))
        do {
            _ = try db.query("SELECT id, count(*) FROM t GROUP BY id")
            Issue.record("a spill larger than the disk succeeded")
        } catch {
            #expect(error.kind == .execution, "\(error)")
            #expect(error.message.contains("No space left on device"), "\(error.message)")
            #expect(error.message.contains("memory limit"), "\(error.message)")
            #expect(!error.message.contains("a bug"), "\(error.message)")
        }
    }

    @Test func unusableDirectoryIsAnErrorNamingIt() throws {
        let directory = TestDirectory()
        let blocker = try directory.file("blocker", "a file, not a directory")
        let db = try Self.manyGroups(
            directory, options: .init(threads: 2, memoryLimit: 1 << 20, temporaryDirectory: blocker + "/tmp"))
        #expect {
            try db.query("SELECT id, count(*) FROM t GROUP BY id")
        } throws: { error in
            (error as? PlazaError)?.message.contains(blocker + "/tmp") == true
        }
    }

    @Test func abandonedSpillsAreRemovedOnOpen() throws {
        let directory = TestDirectory()
        let temporary = try Database(path: directory.database).temporaryDirectory
        // No process has pid 999999999 (above Linux's pid_max); our own pid is alive.
        let abandoned = temporary + "/plaza-spill-999999999-abc", live = temporary + "/plaza-spill-\(getpid())-abc"
        for path in [abandoned, live] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        _ = try Database(path: directory.database)
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: live))
    }
}
