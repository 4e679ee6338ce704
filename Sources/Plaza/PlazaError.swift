public import PlazaCore

/// The one error type the Plaza API throws: what went wrong, where, and how to fix it.
///
/// ```swift
/// do { try db.query("SELECT nope FROM reportes") }
/// catch let error as PlazaError { print(error.kind, error.message) }
/// ```
/// For SQL errors `message` ends with the offending line and a `^` under the spot.
public struct PlazaError: Error, Sendable, CustomStringConvertible {
    /// The stage of the pipeline that failed; a struct so that kinds can grow without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: String, Hashable, Sendable {
            case syntax, binding, execution, input, format, usage, cancelled, `internal`
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The SQL text does not parse.
        public static let syntax = Kind(.syntax)
        /// The SQL parses but names something unknown or mixes types (`unknown column "nope"`).
        public static let binding = Kind(.binding)
        /// The query failed while running (overflow, division by zero, memory limit).
        public static let execution = Kind(.execution)
        /// An input file (CSV, rejects file, directory) is missing, unreadable or malformed.
        public static let input = Kind(.input)
        /// Database files on disk are damaged or of an unknown version.
        public static let format = Kind(.format)
        /// The API was called wrongly (wrong parameter count, table exists, read-only database).
        public static let usage = Kind(.usage)
        /// The query was cancelled (task cancellation or Ctrl-C).
        public static let cancelled = Kind(.cancelled)
        /// A bug in Plaza; please report it.
        public static let `internal` = Kind(.internal)

        /// The kind's name: `syntax`, `binding`, `execution`, `input`, `format`, `usage`, `cancelled`, `internal`.
        public var description: String { code.rawValue }
    }

    /// Where an error happened.
    public enum Location: Hashable, Sendable, CustomStringConvertible {
        /// A place in the SQL text.
        case sql(SourceSpan)
        /// A place in an input file.
        case file(FileLocation)

        /// `line 1, column 8` or `data.csv, line 12, column "monto"`.
        public var description: String {
            switch self {
            case .sql(let span): return span.description
            case .file(let location): return location.description
            }
        }
    }

    /// The stage that failed.
    public var kind: Kind
    /// What went wrong and how to fix it; for SQL errors followed by `LINE n: …` and a caret line.
    public var message: String
    /// Where it went wrong, when known.
    public var location: Location?
    /// The lower-level error this one wraps, if any (for logging; its type is not API).
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(kind: Kind, message: String, location: Location? = nil, underlying: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.underlying = underlying
    }

    /// `Binder Error: unknown column "nope"` followed by the caret diagram, as the CLI prints it.
    public var description: String {
        let title: String
        switch kind {
        case .syntax: title = "Syntax Error"
        case .binding: title = "Binder Error"
        case .execution: title = "Execution Error"
        case .input: title = "Input Error"
        case .format: title = "Format Error"
        case .usage: title = "Usage Error"
        case .cancelled: title = "Cancelled"
        default: title = "Internal Error (a bug; please report it)"
        }
        return title + ": " + message
    }

    /// An SQL error whose message gets the caret diagram of `span` in `sql`.
    static func sql(
        _ kind: Kind, _ message: String, span: SourceSpan?, in sql: String, underlying: (any Error & Sendable)?
    ) -> PlazaError {
        guard let span else { return PlazaError(kind: kind, message: message, underlying: underlying) }
        let diagram = span.caretDiagram(in: sql)
        let text = diagram.isEmpty ? message + " (\(span))" : message + "\n" + diagram
        return PlazaError(kind: kind, message: text, location: .sql(span), underlying: underlying)
    }

    /// The error for a cancelled query.
    static let cancelledQuery = PlazaError(kind: .cancelled, message: "the query was cancelled")
}
