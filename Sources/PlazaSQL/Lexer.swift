import PlazaCore

/// Splits SQL text into tokens with their spans; a hand-written scanner over UTF-8 bytes.
package struct Lexer {
    private let bytes: [UInt8]
    private let sql: String
    private var offset = 0
    private var line = 1
    private var lineStart = 0
    /// Line and line start of the token being scanned (a string may span lines).
    private var tokenLine = 1
    private var tokenLineStart = 0
    /// A known (offset, column) on the line starting at `cachedLineStart`, so columns are counted incrementally.
    private var cachedLineStart = -1
    private var cachedOffset = 0
    private var cachedColumn = 1

    /// Creates a lexer over `sql`.
    package init(_ sql: String) {
        self.sql = sql
        self.bytes = Array(sql.utf8)
    }

    /// All tokens of the text, ending with one `.end` token.
    ///
    /// - Throws: `SQLSyntaxError` for an unterminated string, quoted name or comment, a stray character,
    ///   or a malformed number or parameter.
    package mutating func tokenize() throws(SQLSyntaxError) -> [Token] {
        var tokens: [Token] = []
        while true {
            try skipSpaceAndComments()
            guard offset < bytes.count else {
                tokens.append(Token(kind: .end, text: "", span: span(from: offset, lineStart: lineStart, line: line)))
                return tokens
            }
            tokens.append(try nextToken())
        }
    }

    /// The span from byte `start` (on the current line) to the current offset.
    private mutating func span(from start: Int, lineStart: Int, line: Int) -> SourceSpan {
        var column = 1
        var index = lineStart
        if cachedLineStart == lineStart, cachedOffset <= start {
            column = cachedColumn
            index = cachedOffset
        }
        while index < start {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        cachedLineStart = lineStart
        cachedOffset = start
        cachedColumn = column
        return SourceSpan(offset: start, length: max(1, offset - start), line: line, column: column)
    }

    private mutating func error(_ message: String, at start: Int) -> SQLSyntaxError {
        SQLSyntaxError(message: message, span: span(from: start, lineStart: tokenLineStart, line: tokenLine), sql: sql)
    }

    private mutating func newline(at index: Int) {
        line += 1
        lineStart = index + 1
    }

    private mutating func skipSpaceAndComments() throws(SQLSyntaxError) {
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\n") {
                newline(at: offset)
                offset += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == 0x0C
            {
                offset += 1
            } else if byte == UInt8(ascii: "-"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "-") {
                while offset < bytes.count, bytes[offset] != UInt8(ascii: "\n") { offset += 1 }
            } else if byte == UInt8(ascii: "/"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "*") {
                let start = offset, startLine = line, startLineStart = lineStart
                offset += 2
                var closed = false
                while offset < bytes.count {
                    if bytes[offset] == UInt8(ascii: "*"), offset + 1 < bytes.count,
                        bytes[offset + 1] == UInt8(ascii: "/")
                    {
                        offset += 2
                        closed = true
                        break
                    }
                    if bytes[offset] == UInt8(ascii: "\n") { newline(at: offset) }
                    offset += 1
                }
                if !closed {
                    let end = offset
                    offset = start + 2
                    let place = span(from: start, lineStart: startLineStart, line: startLine)
                    offset = end
                    throw SQLSyntaxError(message: "unterminated comment: add */", span: place, sql: sql)
                }
            } else {
                return
            }
        }
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func nextToken() throws(SQLSyntaxError) -> Token {
        let start = offset
        tokenLine = line
        tokenLineStart = lineStart
        let byte = bytes[offset]
        if Self.isWordStart(byte) {
            while offset < bytes.count,
                Self.isWordStart(bytes[offset]) || Self.isDigit(bytes[offset]) || bytes[offset] == UInt8(ascii: "$")
            {
                offset += 1
            }
            return make(.word, text(start, offset), start)
        }
        if Self.isDigit(byte)
            || (byte == UInt8(ascii: ".") && offset + 1 < bytes.count && Self.isDigit(bytes[offset + 1]))
        {
            return try number(start)
        }
        switch byte {
        case UInt8(ascii: "'"):
            let value = try quoted(UInt8(ascii: "'"), start, what: "string")
            return make(.string, value, start)
        case UInt8(ascii: "\""):
            let value = try quoted(UInt8(ascii: "\""), start, what: "quoted name")
            if value.isEmpty { throw error("a quoted name cannot be empty", at: start) }
            return make(.quotedIdentifier, value, start)
        case UInt8(ascii: "?"):
            offset += 1
            return make(.parameter, "", start)
        case UInt8(ascii: "$"):
            offset += 1
            let digits = offset
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
            guard offset > digits, offset - digits <= 5, let number = Int(text(digits, offset)), number >= 1 else {
                throw error("a parameter is $ followed by a number from 1", at: start)
            }
            return make(.parameter, String(number), start)
        default:
            return try symbol(start)
        }
    }

    private mutating func make(_ kind: Token.Kind, _ text: String, _ start: Int) -> Token {
        Token(kind: kind, text: text, span: span(from: start, lineStart: tokenLineStart, line: tokenLine))
    }

    private mutating func number(_ start: Int) throws(SQLSyntaxError) -> Token {
        var kind = Token.Kind.integer
        while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            kind = .decimal
            offset += 1
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            kind = .float
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            let digits = offset
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
            if offset == digits { throw error("malformed number: the exponent needs digits", at: start) }
        }
        if offset < bytes.count, Self.isWordStart(bytes[offset]) {
            throw error("malformed number \"\(text(start, offset + 1))\"", at: start)
        }
        return make(kind, text(start, offset), start)
    }

    private mutating func quoted(_ quote: UInt8, _ start: Int, what: String) throws(SQLSyntaxError) -> String {
        let startLine = line, startLineStart = lineStart
        offset += 1
        var pieces: [UInt8] = []
        var segment = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == quote {
                if offset + 1 < bytes.count, bytes[offset + 1] == quote {
                    pieces.append(contentsOf: bytes[segment...offset])
                    offset += 2
                    segment = offset
                    continue
                }
                pieces.append(contentsOf: bytes[segment..<offset])
                offset += 1
                return String(decoding: pieces, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") { newline(at: offset) }
            offset += 1
        }
        let end = offset
        let place = span(from: start, lineStart: startLineStart, line: startLine)
        offset = end
        throw SQLSyntaxError(
            message: "unterminated \(what): add the closing \(quote == UInt8(ascii: "'") ? "'" : "\"")",
            span: SourceSpan(offset: place.offset, length: 1, line: place.line, column: place.column), sql: sql)
    }

    private static let twoByteSymbols: Set<String> = ["<=", ">=", "<>", "!=", "||", "::"]
    private static let oneByteSymbols: Set<UInt8> = Set("(),.;*+-/%=<>[]".utf8)

    private mutating func symbol(_ start: Int) throws(SQLSyntaxError) -> Token {
        if offset + 1 < bytes.count {
            let pair = text(offset, offset + 2)
            if Self.twoByteSymbols.contains(pair) {
                offset += 2
                return make(.symbol, pair, start)
            }
        }
        let byte = bytes[offset]
        if Self.oneByteSymbols.contains(byte) {
            offset += 1
            return make(.symbol, String(UnicodeScalar(byte)), start)
        }
        offset += 1
        throw error("unexpected character \"\(text(start, offset))\"", at: start)
    }
}
