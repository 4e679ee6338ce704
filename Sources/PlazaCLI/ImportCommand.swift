import ArgumentParser
import Foundation
import Plaza

/// `plaza import`: CSV or Parquet files (or directories of them) into tables.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import CSV, Parquet, JSON or Excel files into tables.",
        discussion: """
            Each file becomes a table named after it (lower-cased, other characters replaced by _); \
            a directory imports each CSV file inside as its own table. With --table, all files go \
            into that one table (the first as asked, the rest appended). A .parquet file, a directory \
            of .parquet files or a quoted pattern ('data/*.parquet') becomes one table. A .jsonl, \
            .ndjson or .json file is read as JSON objects, an .xlsx workbook as its first sheet.
            """)

    @OptionGroup var database: DatabaseOption
    @Option(help: "The table to import into (default: from the file name).") var table: String?
    @Flag(help: "Add the rows to an existing table.") var append = false
    @Flag(help: "Replace an existing table.") var replace = false
    @Option(help: "The field separator: , ; | or tab (default: detected).") var delimiter: String?
    @Option(help: "auto, utf-8 or windows-1252.") var encoding: ImportOptions.Encoding = .auto
    @Option(name: .customLong("date-format"), help: "A date format such as %d/%m/%Y or %Y%m%d.") var dateFormat: String?
    @Flag(name: .customLong("decimal-comma"), help: "Numbers are written 1.234,50.") var decimalComma = false
    @Option(name: .customLong("null"), help: "A text read as NULL (repeatable; replaces NULL, NA, N/A).")
    var nullTokens: [String] = []
    @Option(name: .customLong("on-error"), help: "fail (default) or skip bad rows.") var onError:
        ImportOptions.ErrorPolicy = .fail
    @Option(help: "Where skipped rows go (default: TABLE.rejects.csv).") var rejects: String?
    @Flag(help: "No progress bar and no summary.") var quiet = false
    @Argument(help: "CSV or Parquet files, directories or quoted Parquet patterns.") var paths: [String]

    func validate() throws {
        if append && replace { throw ValidationError("--append and --replace cannot be used together") }
        if paths.isEmpty { throw ValidationError("name at least one CSV file or directory") }
        if let delimiter, parsedDelimiter(delimiter) == nil {
            throw ValidationError("--delimiter must be one character (or 'tab'), not \"\(delimiter)\"")
        }
    }

    private func parsedDelimiter(_ text: String) -> Character? {
        switch text {
        case "tab", "\\t", "\t": return "\t"
        default: return text.count == 1 ? text.first : nil
        }
    }

    /// The files to import, with directories expanded to their CSV files (sorted).
    private func files() throws -> [String] {
        var files: [String] = []
        for path in paths {
            // Parquet input (a file, a directory or a pattern of them) is one table: Plaza expands it.
            if Database.isParquetPath(path) {
                files.append(path)
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PlazaError(
                    kind: .input, message: "\(path): no such file or directory",
                    location: .file(FileLocation(path: path)))
            }
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                let csvs = entries.filter {
                    ["csv", "tsv", "txt"].contains(($0 as NSString).pathExtension.lowercased())
                }.sorted()
                if csvs.isEmpty {
                    throw PlazaError(kind: .input, message: "\(path): the directory holds no .csv files")
                }
                files += csvs.map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }

    func run() async throws {
        let db = try database.open()
        let files = try files()
        let output = OutputStream.standardOutput
        let showsProgress = !quiet && isatty(2) == 1
        for (position, file) in files.enumerated() {
            var options = ImportOptions()
            options.mode = replace ? .replace : append ? .append : .create
            if table != nil && position > 0 { options.mode = .append }
            options.delimiter = delimiter.flatMap(parsedDelimiter)
            options.encoding = encoding
            options.dateFormat = dateFormat
            options.decimalComma = decimalComma
            options.nullTokens = nullTokens.isEmpty ? nil : nullTokens
            options.onError = onError
            // nil for Parquet input: Plaza names the table after the file or directory.
            let tableName = table ?? (Database.isParquetPath(file) ? nil : Database.tableName(forFile: file))
            if onError == .skip { options.rejectsPath = rejects ?? (tableName ?? "import") + ".rejects.csv" }
            let bar = showsProgress ? ProgressBar(label: (file as NSString).lastPathComponent) : nil
            var progress: (@Sendable (ImportProgress) -> Void)?
            if let bar { progress = { update in bar.update(update) } }
            let summary: ImportSummary
            do {
                summary = try db.importCSV(from: file, into: tableName, options: options, progress: progress)
            } catch {
                bar?.finish()
                throw error
            }
            bar?.finish()
            if !quiet {
                try output.writeLine(summary.description)
                try output.flush()
            }
        }
    }
}

extension ImportOptions.Encoding: ExpressibleByArgument {}
extension ImportOptions.ErrorPolicy: ExpressibleByArgument {}
