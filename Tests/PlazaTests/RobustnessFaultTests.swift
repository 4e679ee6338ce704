import Foundation
import Testing
@testable import Plaza

#if canImport(Glibc)
    import Glibc
#endif

/// Faults around an import and damage on disk, through the `Database` API (issue 9): a full
/// disk and a file-size limit give a clear error and leave the table unchanged; a corrupted
/// segment gives an error naming table, segment file, column and block, and other tables work.
@Suite struct RobustnessFaultTests {
    /// Writes a CSV of `rows` rows `id,v,s` from `first` on, with random values that no encoding
    /// shrinks much (about 45 bytes a row on disk before compression).
    static func writeCSV(_ path: String, first: Int, rows: Int) throws {
        var generator = SystemRandomNumberGenerator()
        var text = "id,v,s\n"
        text.reserveCapacity(rows * 48)
        for id in first..<first + rows {
            text += "\(id),\(Int64.random(in: .min ... .max, using: &generator)),"
            text += "w\(UInt64.random(in: 0...UInt64.max, using: &generator))\n"
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// The table's files, sorted.
    static func files(_ database: String, _ table: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: database + "/" + table)) ?? []).sorted()
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI); probed once.
    static let canMountTmpfs: Bool = {
        let probe = NSTemporaryDirectory() + "plaza-mount-probe-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard geteuid() == 0,
            (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil,
            RobustnessFaultTests.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]) == 0
        else { return false }
        return RobustnessFaultTests.run("/usr/bin/umount", [probe]) == 0
    }()

    /// Runs a program quietly and returns its exit status (-1 when it cannot start).
    static func run(_ program: String, _ arguments: [String]) -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: program) else { return -1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.enabled(if: RobustnessFaultTests.canMountTmpfs, "mounting a tmpfs needs root with CAP_SYS_ADMIN; skipped"))
    func fullDiskDuringAnImportFailsClearlyAndLeavesTheTableUnchanged() throws {
        let directory = TestDirectory()
        let mountPoint = directory.path + "/small-disk"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(Self.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]) == 0)
        defer { _ = Self.run("/usr/bin/umount", [mountPoint]) }
        let database = mountPoint + "/db"
        let db = try Database(path: database)
        let small = directory.path + "/small.csv", big = directory.path + "/big.csv"
        try Self.writeCSV(small, first: 0, rows: 1_000)
        try Self.writeCSV(big, first: 1_000, rows: 100_000)  // over 2 MB of segment, more than the disk
        try db.importCSV(from: small, into: "t")
        let before = try db.verify(table: "t")
        let filesBefore = Self.files(database, "t")

        do {
            try db.importCSV(from: big, into: "t", options: ImportOptions(mode: .append))
            Issue.record("an import larger than the disk succeeded")
        } catch {
            #expect(error.kind == .input, "\(error)")
            #expect(error.message.contains("No space left on device"), "\(error.message)")
            #expect(error.message.contains("table \"t\""), "\(error.message)")
            #expect(error.message.contains("the table is unchanged"), "\(error.message)")
        }
        #expect(try db.verify(table: "t") == before)
        #expect(Self.files(database, "t") == filesBefore)
        let sum = try db.query("SELECT count(*) AS c, sum(id) AS s FROM t")
        #expect(try sum.column("c", as: Int64.self) == [1_000])
        #expect(try sum.column("s", as: Int64.self) == [Int64(999 * 1_000 / 2)])
        // The failed import gave its space back: a small append now fits.
        try Self.writeCSV(big, first: 1_000, rows: 1_000)
        try db.importCSV(from: big, into: "t", options: ImportOptions(mode: .append))
        #expect(try db.verify(table: "t").rowCount == 2_000)
    }

    static let fileSizeChildVariable = "PLAZA_ROBUSTNESS_FILE_SIZE_CHILD"

    /// The same through a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), which needs no
    /// privileges: in a child process (this test binary again), so that the limit touches nothing else.
    @Test func fileSizeLimitDuringAnImportFailsClearlyAndLeavesTheTableUnchanged() throws {
        if let arguments = ProcessInfo.processInfo.environment[Self.fileSizeChildVariable] {
            let parts = arguments.split(separator: "\n").map(String.init)
            exit(Self.runFileSizeChild(database: parts[0], csv: parts[1]))
        }
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let small = directory.path + "/small.csv", big = directory.path + "/big.csv"
        try Self.writeCSV(small, first: 0, rows: 1_000)
        try Self.writeCSV(big, first: 1_000, rows: 30_000)
        try db.importCSV(from: small, into: "t")
        let before = try db.verify(table: "t")
        let filesBefore = Self.files(directory.database, "t")

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = [
            "--testing-library", "swift-testing", "--filter",
            "fileSizeLimitDuringAnImportFailsClearlyAndLeavesTheTableUnchanged",
        ]
        child.environment = ProcessInfo.processInfo.environment.merging([
            Self.fileSizeChildVariable: directory.database + "\n" + big
        ]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationReason == .exit && child.terminationStatus == 42, "child: \(child.terminationStatus)")
        #expect(try db.verify(table: "t") == before)
        #expect(Self.files(directory.database, "t") == filesBefore)
    }

    /// The child: limit files to 256 KiB, import far more; exit 42 when the import failed with an
    /// `.input` error saying the file is too large and the table is unchanged, and the table still reads.
    static func runFileSizeChild(database: String, csv: String) -> Int32 {
        signal(SIGXFSZ, SIG_IGN)  // write(2) then fails with EFBIG instead of killing the process
        var limit = rlimit(rlim_cur: 256 * 1024, rlim_max: 256 * 1024)
        #if os(Linux)
            let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        #else
            let resource = RLIMIT_FSIZE
        #endif
        guard setrlimit(resource, &limit) == 0 else { return 2 }
        do {
            let db = try Database(path: database)
            do {
                try db.importCSV(from: csv, into: "t", options: ImportOptions(mode: .append))
                return 3
            } catch {
                guard error.kind == .input, error.message.contains("File too large"),
                    error.message.contains("the table is unchanged")
                else { return 4 }
            }
            return try db.verify(table: "t").rowCount == 1_000 ? 42 : 5
        } catch {
            return 6
        }
    }

    /// Flips one byte in the middle of table "t"'s only segment (inside its column blocks) and
    /// returns the segment's path.
    static func corruptSegment(database: String) throws -> String {
        let name = try #require(files(database, "t").first { $0.hasSuffix(".plzseg") })
        let path = database + "/t/" + name
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func corruptedSegmentIsNamedAndOtherTablesStillWork() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        let csv = directory.path + "/t.csv"
        try Self.writeCSV(csv, first: 0, rows: 20_000)
        try db.importCSV(from: csv, into: "t")
        try Self.writeCSV(csv, first: 0, rows: 500)
        try db.importCSV(from: csv, into: "u")
        let segment = try Self.corruptSegment(database: directory.database)
        let segmentName = (segment as NSString).lastPathComponent

        func expectNamesThePlace(_ error: PlazaError, _ what: String) {
            #expect(error.kind == .format, "\(what): \(error)")
            for part in ["table \"t\"", segmentName, "column \"", "block "] {
                #expect(error.message.contains(part), "\(what) does not name \(part): \(error.message)")
            }
        }
        #expect(throws: PlazaError.self) { try db.verify(table: "t") }
        do { _ = try db.verify(table: "t") } catch { expectNamesThePlace(error, "verify") }
        do {
            _ = try db.query("SELECT count(*), sum(id), sum(v), count(DISTINCT s) FROM t")
            Issue.record("a query over the damaged block succeeded")
        } catch {
            expectNamesThePlace(error, "query")
        }
        // The other table, and the catalog, are untouched.
        #expect(db.tableNames() == ["t", "u"])
        #expect(try db.verify(table: "u").rowCount == 500)
        #expect(try db.query("SELECT count(*) AS c, sum(id) AS s FROM u").column("s", as: Int64.self) == [124_750])
        #expect(try db.rowCount(ofTable: "t") == 20_000)
    }

    /// The `plaza` executable next to this test bundle, when the build made one.
    static var plazaBinary: String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("plaza").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs `plaza arguments…`; returns its status, standard output and standard error.
    static func plaza(_ binary: String, _ arguments: [String], in directory: TestDirectory) throws
        -> (status: Int32, output: String, error: String)
    {
        let out = directory.path + "/out-" + UUID().uuidString, err = directory.path + "/err-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, try String(contentsOfFile: out, encoding: .utf8),
            try String(contentsOfFile: err, encoding: .utf8)
        )
    }

    @Test(
        .enabled(
            if: RobustnessFaultTests.plazaBinary != nil, "the plaza executable was not built next to the tests; skipped"
        ))
    func corruptedSegmentThroughTheCommandLine() throws {
        let binary = try #require(Self.plazaBinary)
        let directory = TestDirectory()
        let csv = directory.path + "/t.csv"
        try Self.writeCSV(csv, first: 0, rows: 20_000)
        let db = ["--db", directory.database]
        #expect(try Self.plaza(binary, ["import", "--quiet", "--table", "t"] + db + [csv], in: directory).status == 0)
        try Self.writeCSV(csv, first: 0, rows: 500)
        #expect(try Self.plaza(binary, ["import", "--quiet", "--table", "u"] + db + [csv], in: directory).status == 0)
        let healthy = try Self.plaza(binary, ["verify"] + db, in: directory)
        #expect(healthy.status == 0 && healthy.output.hasPrefix("t: ok, generation 1, 20000 rows"), "\(healthy)")
        let segmentName = (try Self.corruptSegment(database: directory.database) as NSString).lastPathComponent

        let verify = try Self.plaza(binary, ["verify"] + db, in: directory)
        #expect(verify.status == 1)
        #expect(verify.output.hasPrefix("u: ok, generation 1, 500 rows, 1 segments,"), "\(verify.output)")
        for part in ["table \"t\"", segmentName, "column \"", "block ", "1 of 2 tables failed verification: t"] {
            #expect(verify.error.contains(part), "verify does not name \(part): \(verify.error)")
        }
        let query = try Self.plaza(binary, ["query"] + db + ["SELECT sum(v), count(DISTINCT s) FROM t"], in: directory)
        #expect(query.status == 1)
        for part in ["table \"t\"", segmentName, "column \"", "block "] {
            #expect(query.error.contains(part), "query does not name \(part): \(query.error)")
        }
        let other = try Self.plaza(
            binary, ["query", "--format", "csv"] + db + ["SELECT sum(id) AS s FROM u"], in: directory)
        #expect(other.status == 0 && other.output == "s\n124750\n", "\(other)")
    }
}
