/// An error reading or writing a segment file, naming the file and, where it applies, the
/// row group, column and block (Formats/plaza-file-format.md §10).
@usableFromInline package struct FormatError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, by the kind of damage or failure.
    @usableFromInline package enum Kind: String, Sendable, Hashable {
        /// The file ends before a structure it must hold.
        case truncated
        /// The first or last eight bytes are not the segment magic numbers.
        case badMagic
        /// The file was written by a newer major version of the format.
        case unsupportedVersion
        /// A block or the footer does not match its checksum.
        case checksumMismatch
        /// A structure holds values the format does not allow.
        case corrupt
        /// The operating system refused an open, read, write, sync or map.
        case io
        /// A caller passed data the writer cannot store (a schema or batch mismatch).
        case invalidArgument
    }

    /// The kind of failure.
    package var kind: Kind
    /// What was found and, where useful, what was expected.
    package var message: String
    /// The segment file's path.
    package var path: String
    /// The row group, when the failure is inside one.
    package var rowGroup: Int?
    /// The column's name, when the failure is inside a column chunk.
    package var column: String?
    /// The block's index within its column chunk (-1 names the chunk's dictionary block).
    package var block: Int?
    /// The byte offset in the file, when known.
    package var offset: Int?

    /// Creates an error.
    package init(
        _ kind: Kind, _ message: String, path: String, rowGroup: Int? = nil, column: String? = nil,
        block: Int? = nil, offset: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.path = path
        self.rowGroup = rowGroup
        self.column = column
        self.block = block
        self.offset = offset
    }

    /// `segment.plz, row group 2, column "monto", block 5, offset 40960: checksum mismatch: …`.
    public var description: String {
        var text = path.isEmpty ? "block" : path
        if let rowGroup { text += ", row group \(rowGroup)" }
        if let column { text += ", column \"\(column)\"" }
        if let block { text += block < 0 ? ", dictionary block" : ", block \(block)" }
        if let offset { text += ", offset \(offset)" }
        return text + ": " + kind.rawValue + ": " + message
    }

    /// The same error with the place filled in where it was not known yet.
    func located(path: String, rowGroup: Int?, column: String?, block: Int?, offset: Int?) -> FormatError {
        var copy = self
        if copy.path.isEmpty { copy.path = path }
        copy.rowGroup = copy.rowGroup ?? rowGroup
        copy.column = copy.column ?? column
        copy.block = copy.block ?? block
        copy.offset = copy.offset ?? offset
        return copy
    }
}

/// A corrupt-structure error with no place yet; callers add it through `located`.
@usableFromInline
@inline(never)
package func corrupt(_ message: String) -> FormatError { FormatError(.corrupt, message, path: "") }
