import PlazaCore
import PlazaFormat

/// The one error type of table storage: what went wrong, and where (table, file, column, row group, block).
///
/// Bad bytes on disk, a missing segment, a table that does not exist or is being written by
/// someone else all arrive as a `StorageError`; a damaged segment keeps the segment reader's
/// `FormatError` in `underlying` and copies its place into `column`, `rowGroup` and `block`.
package struct StorageError: Error, CustomStringConvertible, Sendable {
    /// The category of an error; a struct (not an enum) so that categories can be added later.
    package struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let code: Code
        private enum Code: String, Hashable, Sendable {
            case invalidName = "invalid table name"
            case tableNotFound = "table not found"
            case tableExists = "table already exists"
            case schemaMismatch = "schema mismatch"
            case busy = "table busy"
            case readOnly = "read-only database"
            case damaged = "damaged table"
            case newerVersion = "newer format version"
            case io = "I/O error"
            case format = "segment error"
            case transactionClosed = "transaction closed"
        }

        /// The name is empty, too long, or holds characters unsafe in a directory name.
        package static let invalidName = Kind(code: .invalidName)
        /// No table of that name exists (or, when creating the database, the directory is missing).
        package static let tableNotFound = Kind(code: .tableNotFound)
        /// `WriteMode.create` found a table of that name already.
        package static let tableExists = Kind(code: .tableExists)
        /// Appended columns do not match the table's by name, or a type cannot be widened.
        package static let schemaMismatch = Kind(code: .schemaMismatch)
        /// Another writer holds the table's lock.
        package static let busy = Kind(code: .busy)
        /// A write was attempted on a catalog opened read-only.
        package static let readOnly = Kind(code: .readOnly)
        /// A manifest is truncated or garbled, or names a segment that is missing or does not match.
        package static let damaged = Kind(code: .damaged)
        /// A manifest was written by a newer major version of Plaza.
        package static let newerVersion = Kind(code: .newerVersion)
        /// The operating system refused a file operation (the message carries `errno`'s text).
        package static let io = Kind(code: .io)
        /// A segment file could not be written or read; `underlying` holds the `FormatError`.
        package static let format = Kind(code: .format)
        /// The write transaction was already committed or aborted, or failed earlier.
        package static let transactionClosed = Kind(code: .transactionClosed)

        /// A short name of the category, such as `damaged table`.
        public var description: String { code.rawValue }
    }

    /// The category.
    package var kind: Kind
    /// What went wrong and, where possible, how to fix it.
    package var message: String
    /// The table concerned, if any.
    package var table: String?
    /// The file concerned (manifest or segment path), if any.
    package var file: String?
    /// The column concerned, if known.
    package var column: String?
    /// The row group (within `file`) concerned, if known.
    package var rowGroup: Int?
    /// The block (within the column chunk) concerned, if known.
    package var block: Int?
    /// The segment format's error, when the failure happened inside a segment file.
    package var underlying: FormatError?

    /// Creates an error.
    package init(
        _ kind: Kind, _ message: String, table: String? = nil, file: String? = nil, column: String? = nil,
        rowGroup: Int? = nil, block: Int? = nil, underlying: FormatError? = nil
    ) {
        self.kind = kind
        self.message = message
        self.table = table
        self.file = file
        self.column = column
        self.rowGroup = rowGroup
        self.block = block
        self.underlying = underlying
    }

    /// Wraps a segment error, keeping its file, column, row group and block.
    package init(_ error: FormatError, table: String?, context: String? = nil) {
        let message =
            (context.map { $0 + ": " } ?? "") + error.kind.rawValue + ": " + error.message
            + (error.offset.map { " (at byte \($0))" } ?? "")
        self.init(
            .format, message, table: table, file: error.path, column: error.column, rowGroup: error.rowGroup,
            block: error.block, underlying: error)
    }

    /// `error` as a `StorageError` naming `table` when it is a `FormatError` or a `StorageError`; other errors unchanged.
    static func wrapping(_ error: any Error, table: String) -> any Error {
        if let format = error as? FormatError { return StorageError(format, table: table) }
        if var storage = error as? StorageError {
            storage.table = storage.table ?? table
            return storage
        }
        return error
    }

    /// The same error with `note` appended to its message (after a semicolon).
    func noting(_ note: String) -> StorageError {
        var copy = self
        copy.message += "; " + note
        return copy
    }

    /// `damaged table: table "trips", file "/db/trips/MANIFEST": checksum mismatch …`.
    public var description: String {
        var places: [String] = []
        if let table { places.append("table \"\(table)\"") }
        if let file { places.append("file \"\(file)\"") }
        if let column { places.append("column \"\(column)\"") }
        if let rowGroup { places.append("row group \(rowGroup)") }
        if let block { places.append("block \(block)") }
        let place = places.isEmpty ? "" : places.joined(separator: ", ") + ": "
        return "\(kind): \(place)\(message)"
    }
}
