import Foundation

/// A temporary directory removed when the test ends.
final class TestDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("plaza-test-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to a file in the directory and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let filePath = path + "/" + name
        try text.write(toFile: filePath, atomically: true, encoding: .utf8)
        return filePath
    }

    /// A path for a database inside the directory.
    var database: String { path + "/db" }
}
