/// A place in SQL text: a byte range, with the 1-based line and column of its start.
public struct SourceSpan: Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the first byte, from the start of the text.
    public var offset: Int
    /// Number of bytes covered (at least 1 where there is anything to point at).
    public var length: Int
    /// 1-based line of the first byte.
    public var line: Int
    /// 1-based column (in characters) of the first byte.
    public var column: Int

    /// Creates a span.
    public init(offset: Int, length: Int, line: Int, column: Int) {
        self.offset = offset
        self.length = length
        self.line = line
        self.column = column
    }

    /// `line 3, column 14`.
    public var description: String { "line \(line), column \(column)" }

    /// The line of `text` that holds the span, prefixed `LINE n: `, and a `^` under the spot.
    public func caretDiagram(in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        var sourceLine = String(lines[line - 1])
        if sourceLine.hasSuffix("\r") { sourceLine.removeLast() }
        let prefix = "LINE \(line): "
        let caretColumn = max(0, min(column - 1, sourceLine.count))
        return prefix + sourceLine + "\n" + String(repeating: " ", count: prefix.count + caretColumn) + "^"
    }
}

/// A place in an input file: the file, and where known the 1-based line, the row and the column name.
public struct FileLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file's path as the user gave it.
    public var path: String
    /// 1-based physical line number, if known.
    public var line: Int?
    /// The column's name (or `column N`), if known.
    public var column: String?

    /// Creates a file location.
    public init(path: String, line: Int? = nil, column: String? = nil) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// `data.csv, line 12, column "monto"`.
    public var description: String {
        var text = path
        if let line { text += ", line \(line)" }
        if let column { text += ", column \"\(column)\"" }
        return text
    }
}
