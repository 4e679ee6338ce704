/// An error reading or writing a Parquet file, naming the file and, where it applies, the row
/// group, the column and the page.
package struct ParquetError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, by the kind of damage or failure.
    package enum Kind: String, Sendable, Hashable {
        /// The file or a structure inside it ends early.
        case truncated
        /// The first or last four bytes are not `PAR1`.
        case badMagic
        /// A structure holds values the format does not allow, or claims more than the file holds.
        case corrupt
        /// A valid file uses something Plaza cannot read (nested columns, an unknown codec, a type).
        case unsupported
        /// The operating system refused an open, read, write or map.
        case io
        /// A caller passed data the writer cannot store.
        case invalidArgument
    }

    /// The kind of failure.
    package var kind: Kind
    /// What was found and, where useful, what was expected.
    package var message: String
    /// The file's path, when known.
    package var path: String?
    /// The row group (0-based), when the failure is inside one.
    package var rowGroup: Int?
    /// The column's name, when the failure is about one column.
    package var column: String?
    /// The page's index within its column chunk, when known.
    package var page: Int?

    /// Creates an error.
    package init(
        _ kind: Kind, _ message: String, path: String? = nil, rowGroup: Int? = nil, column: String? = nil,
        page: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.path = path
        self.rowGroup = rowGroup
        self.column = column
        self.page = page
    }

    /// `data.parquet, row group 2, column "monto", page 3: corrupt: …`.
    public var description: String {
        var parts: [String] = []
        if let path { parts.append(path) }
        if let rowGroup { parts.append("row group \(rowGroup)") }
        if let column { parts.append("column \"\(column)\"") }
        if let page { parts.append("page \(page)") }
        let place = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        return place + kind.rawValue + ": " + message
    }

    /// The same error with the missing parts of its place filled in.
    func located(path: String? = nil, rowGroup: Int? = nil, column: String? = nil, page: Int? = nil) -> ParquetError {
        var copy = self
        if copy.path == nil { copy.path = path }
        if copy.rowGroup == nil { copy.rowGroup = rowGroup }
        if copy.column == nil { copy.column = column }
        if copy.page == nil { copy.page = page }
        return copy
    }
}
