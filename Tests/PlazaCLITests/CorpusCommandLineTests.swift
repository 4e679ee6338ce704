import Foundation
import Plaza
import Testing

/// Every file of the hostile CSV corpus imported through the `plaza` binary must give exactly what the
/// library's import gives: the same columns and rows, or the same error naming the file.
@Suite struct CorpusCommandLineTests {
    /// The corpus directory of the CSV tests (Tests/PlazaCSVTests/Corpus).
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PlazaCSVTests/Corpus").path

    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []
        return names.filter { $0.hasSuffix(".csv") || $0.hasSuffix(".tsv") }.sorted()
    }

    @Test func corpusIsThere() {
        #expect(Self.files.count >= 20)
    }

    @Test(arguments: files)
    func commandLineImportMatchesLibrary(file: String) throws {
        let scratch = ScratchDirectory()
        let path = Self.corpus + "/" + file
        let libraryDatabase = scratch.path + "/library", cliDatabase = scratch.path + "/cli"
        let library = try Database(path: libraryDatabase)
        let imported = try PlazaBinary.run(["import", path, "--db", cliDatabase, "--table", "t", "--quiet"])
        let outcome: Result<ImportSummary, PlazaError>
        do { outcome = .success(try library.importCSV(from: path, into: "t")) } catch { outcome = .failure(error) }
        switch outcome {
        case .success(let summary):
            #expect(imported.status == 0, "\(file): \(imported.stderr)")
            let query = ["query", "--format", "csv", "SELECT * FROM t"]
            let fromLibrary = try PlazaBinary.run(query + ["--db", libraryDatabase])
            let fromCLI = try PlazaBinary.run(query + ["--db", cliDatabase])
            #expect(fromLibrary.status == 0 && fromCLI.status == 0)
            #expect(fromCLI.stdout == fromLibrary.stdout, "\(file)")
            let describe = ["describe", "--format", "csv", "t"]
            #expect(
                try PlazaBinary.run(describe + ["--db", cliDatabase]).stdout
                    == PlazaBinary.run(describe + ["--db", libraryDatabase]).stdout)
            let count = try PlazaBinary.run([
                "query", "--format", "csv", "--db", cliDatabase, "SELECT count(*) AS n FROM t",
            ])
            #expect(count.stdout == "n\n\(summary.rowsImported)\n", "\(file)")
        case .failure(let error):
            // The library refused the file: the CLI must refuse it too, exit 1, name the file and give the
            // same reason, and create no table.
            #expect(error.kind == .input, "\(file): \(error)")
            #expect(imported.status == 1, "\(file)")
            #expect(imported.stderr.contains(file), "\(file): \(imported.stderr)")
            let reason = error.message.split(separator: "\n").first.map(String.init) ?? error.message
            #expect(imported.stderr.contains(reason), "\(file): \(imported.stderr) vs \(reason)")
            #expect(try Database(path: cliDatabase).tableNames().isEmpty, "\(file)")
        }
    }
}
