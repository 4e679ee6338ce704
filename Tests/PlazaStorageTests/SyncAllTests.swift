import Foundation
import Testing

@testable import PlazaStorage

/// `FileSystem.syncAll`: every path is flushed, in groups of at most 16 threads, and a failure
/// of any of them (the last group's included) is thrown after the others have returned.
@Suite struct SyncAllTests {
    @Test(arguments: [1, 2, 16, 17, 40])
    func everyPathIsSyncedAndAFailureAnywhereIsThrown(count: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let paths = (0..<count).map { directory.path + "/f\($0)" }
        for path in paths { try FileSystem.writeNewFile(path, [1, 2, 3], table: "t") }
        try FileSystem.syncAll(paths + [directory.path], table: "t")
        // A missing file near the end: its group's failure reaches the caller.
        var withMissing = paths
        withMissing.insert(directory.path + "/missing", at: Swift.max(count - 1, 0))
        #expect(throws: StorageError.self) { try FileSystem.syncAll(withMissing, table: "t") }
    }
}
