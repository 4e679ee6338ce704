public import PlazaCore

/// How `Database.importCSV` reads a file and treats an existing table; the options of `plaza import`.
public struct ImportOptions: Sendable {
    /// What to do when the table exists.
    public enum Mode: String, Sendable, CaseIterable {
        /// Create the table; an existing table is an error that changes nothing.
        case create
        /// Add the rows to the existing table (columns matched by name; types may widen).
        case append
        /// Replace the table's rows and columns (creating it if missing).
        case replace
    }

    /// The text encoding of a file.
    public enum Encoding: String, Sendable, CaseIterable {
        /// UTF-8 when the bytes are valid UTF-8, else Windows-1252.
        case auto
        /// UTF-8; an invalid byte sequence is an error naming the line.
        case utf8 = "utf-8"
        /// Windows-1252 / Latin-1, transcoded to UTF-8.
        case windows1252 = "windows-1252"
    }

    /// What to do with a row that cannot be stored.
    public enum ErrorPolicy: String, Sendable, CaseIterable {
        /// Stop at the first bad row; the database is left as it was.
        case fail
        /// Leave bad rows out, write them to the rejects file, and count them.
        case skip
    }

    /// Create, append or replace.
    public var mode: Mode
    /// The field separator (`,` `;` `|` or tab); nil detects it.
    public var delimiter: Character?
    /// The encoding; `.auto` by default.
    public var encoding: Encoding
    /// A date format such as `%d/%m/%Y` or `%Y%m%d`; nil detects ISO, day-first and month-first dates.
    public var dateFormat: String?
    /// Whether numbers are written `1.234,50`.
    public var decimalComma: Bool
    /// Field texts read as NULL besides the empty unquoted field; nil keeps the default `NULL`, `NA`, `N/A`.
    public var nullTokens: [String]?
    /// Stop or skip on bad rows.
    public var onError: ErrorPolicy
    /// Where rejected rows are written (CSV: line, reason, text) under `.skip`; nil writes none.
    public var rejectsPath: String?
    /// Whether the first line is a header; nil detects it.
    public var hasHeader: Bool?
    /// Column types to use instead of inferring them (the file's columns in order); nil infers.
    public var schema: Schema?

    /// Creates options; the defaults detect everything, create the table, and fail on the first bad row.
    public init(
        mode: Mode = .create, delimiter: Character? = nil, encoding: Encoding = .auto, dateFormat: String? = nil,
        decimalComma: Bool = false, nullTokens: [String]? = nil, onError: ErrorPolicy = .fail,
        rejectsPath: String? = nil, hasHeader: Bool? = nil, schema: Schema? = nil
    ) {
        self.mode = mode
        self.delimiter = delimiter
        self.encoding = encoding
        self.dateFormat = dateFormat
        self.decimalComma = decimalComma
        self.nullTokens = nullTokens
        self.onError = onError
        self.rejectsPath = rejectsPath
        self.hasHeader = hasHeader
        self.schema = schema
    }
}

/// What an import did: counts, the table's columns, and the choices made on the way.
public struct ImportSummary: Sendable, CustomStringConvertible {
    /// The file imported.
    public var path: String
    /// The table written.
    public var table: String
    /// Create, append or replace.
    public var mode: ImportOptions.Mode
    /// Data rows in the file (header and blank lines excluded).
    public var rowsRead: Int
    /// Rows stored.
    public var rowsImported: Int
    /// Rows left out under `.skip`.
    public var rowsRejected: Int
    /// The table's columns after the import.
    public var columns: [Field]
    /// Choices made, in words: encoding, delimiter, header, date order, renamed headers, widened columns.
    public var notes: [String]
    /// Where the rejected rows were written, if any were.
    public var rejectsPath: String?

    /// A few lines for people: counts, columns with types, and the choices made.
    public var description: String {
        var lines = [
            "\(path) → table \(table) (\(mode.rawValue)): \(rowsRead) rows read, \(rowsImported) imported, \(rowsRejected) rejected"
        ]
        if let rejectsPath, rowsRejected > 0 { lines.append("  rejected rows written to \(rejectsPath)") }
        for field in columns { lines.append("  \(field.name)  \(field.type)") }
        for note in notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }
}

/// How far an import has got, for a progress bar.
public struct ImportProgress: Sendable {
    /// Bytes of the file parsed so far.
    public var bytesDone: Int
    /// The file's size in bytes.
    public var bytesTotal: Int
}
