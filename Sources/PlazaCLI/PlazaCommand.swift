import ArgumentParser
import Foundation
import Plaza

/// `plaza`: import city CSV files and query them with SQL.
@main
struct PlazaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plaza",
        abstract: "An analytical SQL engine for city open data.",
        discussion: """
            A database is a directory; --db defaults to $PLAZA_DB, else the current directory.
              plaza import reportes.csv
              plaza query "SELECT colonia, count(*) FROM reportes GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
            """,
        version: PlazaVersion.current.description,
        subcommands: [
            ImportCommand.self, QueryCommand.self, ShellCommand.self, TablesCommand.self, DescribeCommand.self,
            VerifyCommand.self, CompactCommand.self, ExportCommand.self, ServeCommand.self,
        ])

    /// Runs the command line; exit codes: 0 success, 1 an error in the query or the input, 2 bad usage.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        keepFreedMemory()
        let status = await run(arguments: Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(status)
    }

    /// Asks glibc's allocator to keep the memory a query frees for the next one: large buffers (hash
    /// tables, join rows) then come from the heap instead of fresh `mmap`s whose every page faults
    /// when first written (TPC-H Q9 at SF10 repeated: half the page faults, ~12% less CPU). The
    /// process keeps up to its peak, as an engine's buffer pool does; a library host chooses its own.
    static func keepFreedMemory() {
        #if canImport(Glibc)
            // Swift's Glibc module leaves out <malloc.h>: mallopt by name, with glibc's stable option
            // numbers (M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3).
            typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
            _ = mallopt(-3, Int32.max)
            _ = mallopt(-1, Int32.max)
        #endif
    }

    /// Parses and runs `arguments`, printing errors; returns the exit status.
    static func run(arguments: [String]) async -> Int32 {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(sqlAfterTerminator(arguments))
        } catch {
            return report(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            try OutputStream.standardOutput.flush()
            return 0
        } catch {
            return report(error)
        }
    }

    /// `arguments` with `plaza query`'s SQL moved behind a `--` when the SQL begins with `-` (a query
    /// that opens with a `-- comment`), which the argument parser would otherwise take for an option.
    /// SQL is told from an option by its whitespace: no option name or value of `query` holds any.
    static func sqlAfterTerminator(_ arguments: [String]) -> [String] {
        guard arguments.first == "query", !arguments.contains("--") else { return arguments }
        let takesValue: Set<String> = ["--db", "--format", "--param", "--threads", "--memory-limit"]
        var kept: [String] = [], sql: [String] = []
        for (index, argument) in arguments.enumerated() {
            let isValue = index > 0 && takesValue.contains(arguments[index - 1])
            if !isValue && argument.hasPrefix("-") && argument.contains(where: \.isWhitespace) {
                sql.append(argument)
            } else {
                kept.append(argument)
            }
        }
        return sql.isEmpty ? arguments : kept + ["--"] + sql
    }

    /// Prints an error where it belongs and gives its exit status.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case is OutputClosed:
            return 0
        case let error as PlazaError:
            try? OutputStream.standardOutput.flush()
            printError(error)
            return 1
        case let error as CommandFailure:
            try? OutputStream.standardOutput.flush()
            printError("Error: " + error.message)
            return 1
        default:
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return 0
            }
            if !message.isEmpty { printError(message) }
            return code == .failure || code == .validationFailure ? 2 : code.rawValue
        }
    }
}

/// A failure of the command (not of usage) with a message; exit status 1.
struct CommandFailure: Error {
    let message: String
}

/// The `--db` option shared by every command.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "The database directory (default: $PLAZA_DB, else the current directory).")
    var path: String?

    /// The directory to open.
    var resolvedPath: String {
        if let path { return path }
        if let environment = ProcessInfo.processInfo.environment["PLAZA_DB"], !environment.isEmpty {
            return environment
        }
        return FileManager.default.currentDirectoryPath
    }

    /// Opens the database.
    func open(threads: Int? = nil, memoryLimit: Int? = nil, readOnly: Bool = false) throws(PlazaError) -> Database {
        try Database(
            path: resolvedPath,
            options: Database.Options(threads: threads, memoryLimit: memoryLimit, isReadOnly: readOnly))
    }
}

/// `plaza tables`: the table names, one per line.
struct TablesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tables", abstract: "List the tables.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let db = try database.open(readOnly: true)
        for name in db.tableNames() { try OutputStream.standardOutput.writeLine(name) }
    }
}

/// `plaza describe TABLE`: the columns of a table and their types.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a table's columns and types.")

    @OptionGroup var database: DatabaseOption
    @Option(help: "Output format: table, csv, json, jsonl, markdown, or none (the result is computed, not printed).")
    var format: OutputFormat = .table
    @Argument(help: "The table.") var table: String

    func run() async throws {
        let db = try database.open(readOnly: true)
        let result = try db.query("DESCRIBE " + quoteIdentifier(table))
        let output = OutputStream.standardOutput
        try ResultPrinter(format: format, output: output, maxWidth: output.terminalWidth).print(result)
    }
}

/// `name` as a double-quoted SQL identifier.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
