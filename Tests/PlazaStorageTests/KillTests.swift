import Foundation
import PlazaCore
import Testing
@testable import PlazaStorage

/// Real crashes: a child process (this test binary, re-launched) commits appends in a loop and is
/// killed with SIGKILL at a random moment; the table must then hold exactly some committed state.
@Suite struct KillTests {
    static let childVariable = "PLAZA_STORAGE_KILL_CHILD_DIRECTORY"
    static let rowsPerCommit = 700

    @Test func sigkilledWriterLeavesACommittedState() throws {
        if let directory = ProcessInfo.processInfo.environment[Self.childVariable] {
            try Self.runChild(directory: directory)
            return
        }
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [])
        var generator = SystemRandomNumberGenerator()
        var sawProgress = false
        for trial in 0..<10 {
            let before = try catalog.snapshot(table: "t").rowCount
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = [
                "--testing-library", "swift-testing", "--filter", "sigkilledWriterLeavesACommittedState",
            ]
            child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: directory.path]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            // Wait for the child's first commit, then kill it at a random moment of a later one.
            let deadline = Date().addingTimeInterval(20)
            while try catalog.snapshot(table: "t").rowCount == before && child.isRunning && Date() < deadline {
                usleep(2_000)
            }
            usleep(UInt32.random(in: 0..<150_000, using: &generator))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal, "trial \(trial): the child ended by itself")

            let snapshot = try catalog.snapshot(table: "t")
            #expect(try snapshot.verify().rowCount == snapshot.rowCount)
            let rows = try readAll(snapshot)
            #expect(snapshot.rowCount % Self.rowsPerCommit == 0, "trial \(trial): \(snapshot.rowCount) rows")
            #expect(rows == (0..<snapshot.rowCount).map { [.bigint(Int64($0))] }, "trial \(trial)")
            sawProgress = sawProgress || snapshot.rowCount > before
        }
        #expect(sawProgress)
        // The next writer cleans whatever the killed ones left.
        try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema).abort()
        let manifest = try catalog.readManifest(table: "t")
        #expect(files(directory.path + "/t") == (manifest.segments.map(\.fileName) + [Manifest.fileName]).sorted())
    }

    static let fullDiskVariable = "PLAZA_STORAGE_FULL_DISK_CHILD_DIRECTORY"

    /// A write that runs out of space (a file-size limit, in a child process so that the limit
    /// touches nothing else) fails with a clear error and leaves the table unchanged.
    @Test func fullDiskFailsCleanlyAndLeavesTheTableUnchanged() throws {
        if let directory = ProcessInfo.processInfo.environment[Self.fullDiskVariable] {
            exit(Self.runFullDiskChild(directory: directory))
        }
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let catalog = try StorageCatalog(directory: directory.path)
        try write(catalog, "t", .create, bigintSchema, [numbers(0..<1000)])
        let before = files(directory.path + "/t")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = [
            "--testing-library", "swift-testing", "--filter", "fullDiskFailsCleanlyAndLeavesTheTableUnchanged",
        ]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.fullDiskVariable: directory.path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(
            child.terminationReason == .exit && child.terminationStatus == 42, "child status \(child.terminationStatus)"
        )
        #expect(files(directory.path + "/t") == before)
        #expect(try readAll(catalog.snapshot(table: "t")) == (0..<1000).map { [.bigint(Int64($0))] })
    }

    /// The child: limit file sizes to 64 KiB, append far more, and exit 42 if the write failed
    /// with a `StorageError` naming the table and the table still reads its old rows.
    static func runFullDiskChild(directory: String) -> Int32 {
        signal(SIGXFSZ, SIG_IGN)  // get EFBIG from write(2) instead of being killed
        do throws(any Error) {
            let catalog = try StorageCatalog(directory: directory, createIfMissing: false)
            let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
            var limit = rlimit(rlim_cur: 64 * 1024, rlim_max: 64 * 1024)
            #if os(Linux)
                let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
            #else
                let resource = RLIMIT_FSIZE
            #endif
            guard setrlimit(resource, &limit) == 0 else { return 2 }
            do {
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<200 {
                    // Random values so that encodings cannot shrink them below the limit.
                    try transaction.append(
                        makeBatch(
                            [.bigint],
                            (0..<2048).map { _ in [.bigint(Int64.random(in: .min ... .max, using: &generator))] }))
                }
                try transaction.commit()
                return 3
            } catch {
                transaction.abort()
                guard error.table == "t", error.kind == .format || error.kind == .io else { return 4 }
            }
            return try readAll(catalog.snapshot(table: "t")).count == 1000 ? 42 : 5
        } catch {
            return 6
        }
    }

    /// The child: append `rowsPerCommit` rows per commit, forever (until killed).
    static func runChild(directory: String) throws {
        let catalog = try StorageCatalog(directory: directory, createIfMissing: false)
        while true {
            let transaction = try catalog.beginWrite(table: "t", mode: .append, schema: bigintSchema)
            let start = try catalog.readManifest(table: "t").rowCount
            try transaction.append(numbers(start..<start + rowsPerCommit / 2))
            try transaction.append(numbers(start + rowsPerCommit / 2..<start + rowsPerCommit))
            try transaction.commit()
        }
    }
}
