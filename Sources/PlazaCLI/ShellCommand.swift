import ArgumentParser
import Dispatch
import Foundation
import Plaza
import Synchronization

/// `plaza shell`: an interactive SQL prompt.
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell", abstract: "An interactive SQL shell (statements end with ;, .help for commands).")

    @OptionGroup var database: DatabaseOption
    @Option(help: "Output format: table, csv, json, jsonl, markdown, or none (the result is computed, not printed).")
    var format: OutputFormat = .table
    @Option(help: "Worker threads (default: every core).") var threads: Int?
    @Option(
        name: .customLong("memory-limit"), help: "The most memory a query may hold, e.g. 4GB (default: 80% of RAM).")
    var memoryLimit: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let memoryLimit, parseSize(memoryLimit) == nil {
            throw ValidationError("--memory-limit must be a size such as 4GB or 512MB, not \(memoryLimit)")
        }
    }

    func run() async throws {
        let db = try database.open(threads: threads, memoryLimit: memoryLimit.flatMap(parseSize))
        let isTerminal = isatty(0) == 1
        let source: any LineSource
        if isTerminal {
            let home = ProcessInfo.processInfo.environment["HOME"]
            source = LineEditor(historyPath: home.map { $0 + "/.plaza_history" })
        } else {
            source = PlainLineSource()
        }
        let shell = Shell(database: db, format: format, isInteractive: isTerminal)
        if isTerminal {
            try shell.output.writeLine("Plaza shell on \(db.path). Statements end with ;  .help for commands.")
        }
        try await shell.run(source)
    }
}

/// The shell's loop: gathers lines into statements, runs them, and handles dot-commands.
final class Shell {
    let database: Database
    let output = OutputStream.standardOutput
    let isInteractive: Bool
    var format: OutputFormat
    var showsTimer = false
    /// Set when a statement or command failed (the exit status of a non-interactive run).
    private(set) var hadError = false
    /// The task running the current query, for Ctrl-C.
    private let running = RunningQuery()

    /// The shell's session: `BEGIN` … `COMMIT` typed over several lines is one transaction.
    let session: Session

    init(database: Database, format: OutputFormat, isInteractive: Bool) {
        self.database = database
        self.session = database.session()
        self.format = format
        self.isInteractive = isInteractive
    }

    func run(_ source: any LineSource) async throws {
        signal(SIGINT, SIG_IGN)
        // A private serial queue gets its own thread: the global queues may all be busy running the query.
        let interrupts = DispatchSource.makeSignalSource(
            signal: SIGINT, queue: DispatchQueue(label: "plaza.shell.interrupt"))
        interrupts.setEventHandler { [running] in running.cancel() }
        interrupts.resume()
        defer { interrupts.cancel() }

        var buffer = ""
        while true {
            // A `*` marks an open transaction, as psql does.
            let prompt = buffer.isEmpty ? (session.isInTransaction ? "plaza*> " : "plaza> ") : "  ...> "
            guard let line = source.readLine(prompt: prompt) else { break }
            if source.wasInterrupted {
                buffer = ""
                continue
            }
            if buffer.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix(".") {
                source.addToHistory(line)
                if try await !dotCommand(line.trimmingCharacters(in: .whitespaces)) { break }
                continue
            }
            buffer += buffer.isEmpty ? line : "\n" + line
            let (statements, rest) = splitStatements(buffer)
            guard !statements.isEmpty else { continue }
            source.addToHistory(buffer.trimmingCharacters(in: .whitespacesAndNewlines))
            buffer = rest
            for statement in statements { try await execute(statement) }
        }
        if !buffer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { try await execute(buffer) }
        if session.isInTransaction {
            try session.rollback()
            try output.flush()
            FileHandle.standardError.write(
                Data("The open transaction was rolled back (no COMMIT before the end).\n".utf8))
            hadError = true
        }
        try output.flush()
        if hadError && !isInteractive { throw CommandFailure(message: "the shell input had errors (see above)") }
    }

    /// Runs one statement and prints its result or error; Ctrl-C cancels it.
    func execute(_ sql: String) async throws {
        let start = ContinuousClock.now
        let session = session
        let task = Task.detached { try session.query(sql) }
        running.set(task)
        defer { running.set(nil) }
        do {
            let result = try await task.value
            try ResultPrinter(format: format, output: output, maxWidth: output.terminalWidth).print(result)
        } catch let error as PlazaError {
            try output.flush()
            printError(error)
            hadError = true
        }
        if showsTimer {
            try output.writeLine("Run Time: " + formatSeconds(ContinuousClock.now - start))
        }
        try output.flush()
    }

    /// Runs a dot-command; false ends the shell.
    func dotCommand(_ line: String) async throws -> Bool {
        let words = shellWords(line)
        guard let command = words.first else { return true }
        let arguments = Array(words.dropFirst())
        switch command {
        case ".quit", ".exit", ".q":
            return false
        case ".help":
            try output.writeLine(
                """
                .tables                 list the tables
                .schema [TABLE]         show the columns of one or every table
                .mode FORMAT            table, csv, json, jsonl, markdown or none
                .timer on|off           print each statement's run time
                .import FILE TABLE      import a CSV file into a new table
                .help                   this text
                .quit                   leave the shell
                Statements end with ; and may span lines. Ctrl-C cancels a running query.
                """)
        case ".tables":
            for name in database.tableNames() { try output.writeLine(name) }
        case ".schema":
            let names = arguments.isEmpty ? database.tableNames() : arguments
            for name in names {
                do {
                    let schema = try database.schema(ofTable: name)
                    let columns = schema.fields.map { "    " + quoteIfNeeded($0.name) + " " + $0.type.description }
                    try output.writeLine(
                        "CREATE TABLE " + quoteIfNeeded(name) + " (\n" + columns.joined(separator: ",\n") + "\n);")
                } catch {
                    failure(String(describing: error))
                }
            }
        case ".mode":
            guard arguments.count == 1, let mode = OutputFormat(rawValue: arguments[0]) else {
                failure("usage: .mode table|csv|json|jsonl|markdown")
                break
            }
            format = mode
        case ".timer":
            guard arguments.count == 1, arguments[0] == "on" || arguments[0] == "off" else {
                failure("usage: .timer on|off")
                break
            }
            showsTimer = arguments[0] == "on"
        case ".import":
            guard arguments.count == 2 else {
                failure("usage: .import FILE TABLE")
                break
            }
            do {
                let summary = try database.importCSV(from: arguments[0], into: arguments[1])
                try output.writeLine(summary.description)
            } catch {
                failure(String(describing: error))
            }
        default:
            failure("unknown command \(command); .help lists the commands")
        }
        try output.flush()
        return true
    }

    private func failure(_ message: String) {
        try? output.flush()
        printError("Error: " + message)
        hadError = true
    }
}

/// The task of the query the shell is running, so that Ctrl-C (on another thread) can cancel it.
///
/// A second Ctrl-C while a cancelled query has not stopped yet ends the shell (status 130), so a
/// query stuck in a stage that does not poll for cancellation can never hold the terminal.
final class RunningQuery: Sendable {
    private let task = Mutex<(task: Task<QueryResult, any Error>?, interrupts: Int)>((nil, 0))

    func set(_ newTask: Task<QueryResult, any Error>?) { task.withLock { $0 = (newTask, 0) } }

    func cancel() {
        let interrupts = task.withLock { state -> Int in
            guard let running = state.task else { return 0 }
            running.cancel()
            state.interrupts += 1
            return state.interrupts
        }
        if interrupts >= 2 {
            printError("\nInterrupted.")
            exit(130)
        }
    }
}

/// Splits the complete statements (ending with `;` outside quotes and comments) off `text`;
/// returns them (without the `;`, blank ones dropped) and the unfinished rest.
func splitStatements(_ text: String) -> (statements: [String], rest: String) {
    var statements: [String] = []
    let scalars = Array(text.unicodeScalars)
    var start = 0, position = 0
    while position < scalars.count {
        let scalar = scalars[position]
        switch scalar {
        case "'", "\"":
            position += 1
            while position < scalars.count {
                if scalars[position] == scalar {
                    if position + 1 < scalars.count && scalars[position + 1] == scalar { position += 1 } else { break }
                }
                position += 1
            }
        case "-" where position + 1 < scalars.count && scalars[position + 1] == "-":
            while position < scalars.count && scalars[position] != "\n" { position += 1 }
        case "/" where position + 1 < scalars.count && scalars[position + 1] == "*":
            position += 2
            while position + 1 < scalars.count && !(scalars[position] == "*" && scalars[position + 1] == "/") {
                position += 1
            }
            position += 1
        case ";":
            var statement = String.UnicodeScalarView()
            statement.append(contentsOf: scalars[start..<position])
            let text = String(statement)
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { statements.append(text) }
            start = position + 1
        default:
            break
        }
        position += 1
    }
    var rest = String.UnicodeScalarView()
    if start < scalars.count { rest.append(contentsOf: scalars[start...]) }
    let restText = String(rest)
    return (statements, restText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : restText)
}

/// Splits a dot-command into words; double or single quotes group words with spaces.
func shellWords(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    var hasWord = false
    for character in line {
        if let open = quote {
            if character == open { quote = nil } else { current.append(character) }
        } else if character == "\"" || character == "'" {
            quote = character
            hasWord = true
        } else if character == " " || character == "\t" {
            if hasWord { words.append(current) }
            current = ""
            hasWord = false
        } else {
            current.append(character)
            hasWord = true
        }
    }
    if hasWord { words.append(current) }
    return words
}

/// A name as SQL needs it: bare when it is a plain lower-case identifier, else double-quoted.
func quoteIfNeeded(_ name: String) -> String {
    let isPlain =
        name.first.map { $0.isLetter || $0 == "_" } == true
        && name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }
    return isPlain ? name : quoteIdentifier(name)
}
