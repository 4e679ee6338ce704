internal import PlazaCore
internal import PlazaCSV
internal import PlazaExecution
internal import PlazaParquet
internal import PlazaStorage
internal import PlazaVector
import Foundation
import Synchronization

/// The files one statement reads in place (`FROM 'reportes.csv'`, `read_parquet('anio=*/…')`):
/// opened while binding, kept under the table name the plan scans, and handed to the executor.
///
/// A request seen twice in one statement (a self-join) opens the files once. Relative paths are
/// resolved against the process's working directory, as the CLI's users expect.
final class FileTables: FileTableOpener, Sendable {
    /// Threads for CSV inference.
    let threads: Int
    /// The resolved directories files must lie below, or nil for anywhere.
    let allowedDirectories: [String]?
    private let opened = Mutex<[FileTableRequest: (name: String, source: any ScanSource)]>([:])

    /// Creates an opener whose CSV inference uses `threads` threads, reading only below
    /// `allowedDirectories` when given.
    init(threads: Int, allowedDirectories: [String]? = nil) {
        self.threads = max(1, threads)
        self.allowedDirectories = allowedDirectories.map { $0.map(Self.resolved) }
    }

    /// The path with symbolic links, `.` and `..` resolved (as far as it exists), absolute.
    static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        if let real = realpath(absolute, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        // A path that does not exist yet (a COPY target): its parent resolved, then its name.
        let url = URL(fileURLWithPath: absolute)
        let parent = url.deletingLastPathComponent().path
        return parent == absolute ? absolute : resolved(parent) + "/" + url.lastPathComponent
    }

    /// Refuses `path` when it does not lie below an allowed directory.
    func checkAllowed(_ path: String) throws(FileTableError) {
        guard let allowedDirectories else { return }
        let real = Self.resolved(path)
        guard allowedDirectories.contains(where: { real == $0 || real.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") })
        else {
            throw FileTableError("\(path) is outside the directories this database may read and write")
        }
    }

    /// The source the plan calls `name`, if this statement opened it.
    func source(named name: String) -> (any ScanSource)? {
        opened.withLock { tables in tables.values.first { $0.name == name }?.source }
    }

    /// Opens the files and describes them; the table's name is how EXPLAIN shows the read.
    func open(_ request: FileTableRequest) throws(FileTableError) -> TableDescription {
        if let known = opened.withLock({ $0[request] }) { return Self.describe(known.name, known.source) }
        let source: any ScanSource
        switch request.format {
        case .csv: source = try openCSV(request)
        case .parquet: source = try openParquet(request)
        case .json: source = try openJSON(request)
        case .xlsx: source = try openXLSX(request)
        }
        let base = "read_\(request.format.rawValue)(" + request.paths.map { "'\($0)'" }.joined(separator: ", ") + ")"
        let name = opened.withLock { tables -> String in
            if let earlier = tables[request] { return earlier.name }
            let taken = Set(tables.values.map(\.name))
            var name = base
            var suffix = 2
            while taken.contains(name) {
                name = base + "#\(suffix)"
                suffix += 1
            }
            tables[request] = (name, source)
            return name
        }
        return Self.describe(name, source)
    }

    private static func describe(_ name: String, _ source: any ScanSource) -> TableDescription {
        let rows = (0..<source.rowGroupCount).reduce(0) { $0 + source.rowCount(rowGroup: $1) }
        return TableDescription(name: name, schema: source.schema, rowCount: rows)
    }

    /// Parquet files; with `hive_partitioning` (by default when every file lies under
    /// `key=value` directories, as DuckDB decides) the directories become columns.
    private func openParquet(_ request: FileTableRequest) throws(FileTableError) -> any ScanSource {
        var hive: Bool?
        for (key, value) in request.options {
            switch key {
            case "hive_partitioning":
                guard case .boolean(let flag) = value else {
                    throw FileTableError("the option \(key) takes true or false, not \(value.dataType)", option: key)
                }
                hive = flag
            default:
                throw FileTableError("unknown option \(key) of read_parquet (hive_partitioning)", option: key)
            }
        }
        let files = try Self.files(request.paths, extensions: ["parquet"])
        for file in files { try checkAllowed(file) }
        do {
            let source = try ParquetScanSource(paths: files)
            let partitioned = files.allSatisfy { !HivePartitionedSource.partitions(of: $0).isEmpty }
            guard hive ?? partitioned else { return source }
            return try HivePartitionedSource(source)
        } catch {
            throw FileTableError(error.description)
        }
    }

    private func openCSV(_ request: FileTableRequest) throws(FileTableError) -> CSVScanSource {
        var options = CSVOptions()
        options.threads = threads
        func text(_ key: String, _ value: Value) throws(FileTableError) -> String {
            guard case .varchar(let text) = value else {
                throw FileTableError("the option \(key) takes a text, not \(value.dataType)", option: key)
            }
            return text
        }
        func flag(_ key: String, _ value: Value) throws(FileTableError) -> Bool {
            guard case .boolean(let flag) = value else {
                throw FileTableError("the option \(key) takes true or false, not \(value.dataType)", option: key)
            }
            return flag
        }
        for (key, value) in request.options {
            switch key {
            case "delim", "sep", "delimiter":
                let delimiter = try text(key, value)
                let bytes = Array(delimiter == "\\t" ? "\t".utf8 : delimiter.utf8)
                guard bytes.count == 1, bytes[0] < 0x80, bytes[0] != UInt8(ascii: "\""), bytes[0] != 10,
                    bytes[0] != 13
                else {
                    throw FileTableError(
                        "the delimiter must be one ASCII character other than a quote or a line break, not '\(delimiter)'",
                        option: key)
                }
                options.delimiter = bytes[0]
            case "header": options.hasHeader = try flag(key, value)
            case "dateformat", "date_format": options.dateFormat = try text(key, value)
            case "decimal_separator":
                let separator = try text(key, value)
                guard separator == "," || separator == "." else {
                    throw FileTableError("decimal_separator is ',' or '.', not '\(separator)'", option: key)
                }
                options.decimalComma = separator == ","
            case "nullstr", "null":
                options.nullTokens = [try text(key, value)]
            case "ignore_errors": options.onError = try flag(key, value) ? .skip : .fail
            case "encoding":
                switch try text(key, value).lowercased() {
                case "utf-8", "utf8": options.encoding = .utf8
                case "windows-1252", "cp1252", "latin-1", "latin1": options.encoding = .windows1252
                case "auto": options.encoding = .auto
                case let other:
                    throw FileTableError("unknown encoding '\(other)' (utf-8, windows-1252 or auto)", option: key)
                }
            default:
                throw FileTableError(
                    "unknown option \(key) of read_csv (delim, header, dateformat, decimal_separator, nullstr, ignore_errors, encoding)",
                    option: key)
            }
        }
        let files = try Self.files(request.paths, extensions: ["csv", "tsv", "txt"])
        for file in files { try checkAllowed(file) }
        do {
            return try CSVScanSource(paths: files, options: options)
        } catch {
            throw FileTableError(error.description)
        }
    }

    /// Newline-delimited JSON (or one array of objects); options are accepted as DuckDB spells
    /// them only where they change nothing here (`format = 'auto' | 'newline_delimited' | 'array'`).
    private func openJSON(_ request: FileTableRequest) throws(FileTableError) -> JSONScanSource {
        for (key, value) in request.options {
            switch key {
            case "format":
                guard case .varchar(let format) = value, ["auto", "newline_delimited", "array"].contains(format) else {
                    throw FileTableError("format is 'auto', 'newline_delimited' or 'array'", option: key)
                }
            default:
                throw FileTableError("unknown option \(key) of read_json (format)", option: key)
            }
        }
        let files = try Self.files(request.paths, extensions: ["json", "jsonl", "ndjson"])
        for file in files { try checkAllowed(file) }
        do {
            return try JSONScanSource(paths: files, threads: threads)
        } catch {
            throw FileTableError(error.description)
        }
    }

    /// One sheet of an Excel workbook (`sheet = 'name'`, `range = 'A1:D100'`, `header = false`), read
    /// whole into memory (a worksheet holds at most Excel's 1,048,576 rows).
    private func openXLSX(_ request: FileTableRequest) throws(FileTableError) -> any ScanSource {
        var sheet: String?, range: String?, header = true
        for (key, value) in request.options {
            switch (key, value) {
            case ("sheet", .varchar(let text)): sheet = text
            case ("range", .varchar(let text)): range = text
            case ("header", .boolean(let flag)): header = flag
            case ("sheet", _), ("range", _):
                throw FileTableError("the option \(key) takes a text, not \(value.dataType)", option: key)
            case ("header", _):
                throw FileTableError("the option \(key) takes true or false, not \(value.dataType)", option: key)
            default:
                throw FileTableError("unknown option \(key) of read_xlsx (sheet, range, header)", option: key)
            }
        }
        let files = try Self.files(request.paths, extensions: ["xlsx"])
        guard files.count == 1 else {
            throw FileTableError("read_xlsx reads one workbook; \(files.count) files match")
        }
        try checkAllowed(files[0])
        do {
            let table = try XLSXTable(path: files[0], sheet: sheet, range: range, header: header)
            // Row groups of 60 batches (122,880 rows), the unit the scan spreads over threads.
            let groups = stride(from: 0, to: table.batches.count, by: 60).map {
                Array(table.batches[$0..<Swift.min($0 + 60, table.batches.count)])
            }
            return InMemoryTable(schema: table.schema, rowGroups: groups.isEmpty ? [[]] : groups)
        } catch {
            throw FileTableError(error.description)
        }
    }

    /// The files the paths name, in order: a file itself, a glob's matches (sorted), or a
    /// directory's files with one of `extensions`.
    static func files(_ paths: [String], extensions: Set<String>) throws(FileTableError) -> [String] {
        guard !paths.isEmpty else { throw FileTableError("no file was named") }
        var files: [String] = []
        for path in paths {
            if path.contains(where: { "*?[".contains($0) }) {
                var matches = glob_t()
                defer { globfree(&matches) }
                guard glob(path, 0, nil, &matches) == 0, matches.gl_pathc > 0 else {
                    throw FileTableError("\(path): no file matches the pattern")
                }
                files += (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
                    .sorted()
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw FileTableError("\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            let matching = entries.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            guard !matching.isEmpty else {
                throw FileTableError(
                    "\(path): the directory holds no \(extensions.sorted().map { "." + $0 }.joined(separator: " or ")) files"
                )
            }
            files += matching.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }
}
