import PlazaCore

/// One JSON value of a record's member, as the reader keeps it: scalars decoded, nested objects
/// and arrays as their JSON text (they become VARCHAR, as DuckDB keeps them as JSON text).
enum JSONMember {
    case null
    case boolean(Bool)
    case integer(Int64)
    /// A number with a fraction or exponent, or an integer past Int64.
    case number(Double)
    case string(String)
    case nested(String)
}

/// What is wrong with a record, and the byte offset where the parser found it.
struct JSONSyntaxError: Error {
    var message: String
    var offset: Int
}

/// Reads JSON objects from a byte range: newline-delimited records (`{…}\n{…}`) or the members
/// of one top-level array (`[{…}, {…}]`). RFC 8259 syntax; keys and strings are decoded with
/// their escapes (`\n`, `\u00e9`, surrogate pairs).
struct JSONRecordParser {
    let base: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.position = start
        self.end = end
    }

    /// Skips spaces, tabs, line breaks and, between records, the commas and brackets of an array.
    mutating func skipToRecord() {
        while position < end {
            switch base[position] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"): position += 1
            default: return
            }
        }
    }

    mutating func skipWhitespace() {
        while position < end,
            base[position] == 0x20 || base[position] == 0x09 || base[position] == 0x0A
                || base[position] == 0x0D
        {
            position += 1
        }
    }

    /// Parses one object, handing each member to `member(key, value)`.
    mutating func parseObject(_ member: (String, JSONMember) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        guard position < end, base[position] == UInt8(ascii: "{") else {
            throw JSONSyntaxError(message: "expected an object (a record starting with {)", offset: position)
        }
        position += 1
        skipWhitespace()
        if position < end, base[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            let key = try parseString()
            skipWhitespace()
            guard position < end, base[position] == UInt8(ascii: ":") else {
                throw JSONSyntaxError(message: "expected : after the key \"\(key)\"", offset: position)
            }
            position += 1
            skipWhitespace()
            try member(key, try parseValue(depth: 1))
            skipWhitespace()
            guard position < end else { throw JSONSyntaxError(message: "the object is never closed", offset: position) }
            if base[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard base[position] == UInt8(ascii: "}") else {
                throw JSONSyntaxError(message: "expected , or } after a member", offset: position)
            }
            position += 1
            return
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONMember {
        guard position < end else { throw JSONSyntaxError(message: "a value is missing", offset: position) }
        switch base[position] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = position
            try skipNested(depth: depth)
            return .nested(
                String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self))
        case UInt8(ascii: "t"): try literal("true"); return .boolean(true)
        case UInt8(ascii: "f"): try literal("false"); return .boolean(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        for byte in word.utf8 {
            guard position < end, base[position] == byte else {
                throw JSONSyntaxError(message: "expected a JSON value", offset: position)
            }
            position += 1
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONMember {
        let start = position
        var isInteger = true
        if position < end, base[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < end {
            let byte = base[position]
            if byte >= 0x30 && byte <= 0x39 {
                position += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            {
                isInteger = false
                position += 1
            } else {
                break
            }
        }
        let text = UnsafeBufferPointer(start: base + start, count: position - start)
        guard position > digitsStart, base[digitsStart] >= 0x30, base[digitsStart] <= 0x39 else {
            throw JSONSyntaxError(message: "expected a JSON value", offset: start)
        }
        if isInteger, let value = TextValueParser.exactInteger(text) { return .integer(value) }
        guard let value = TextValueParser.parseDouble(text, point: UInt8(ascii: "."), exact: true) else {
            throw JSONSyntaxError(
                message: "\(String(decoding: text, as: UTF8.self)) is not a JSON number", offset: start)
        }
        return .number(value)
    }

    /// Moves past an object or array, checking its strings and brackets nest.
    private mutating func skipNested(depth: Int) throws(JSONSyntaxError) {
        guard depth < 512 else { throw JSONSyntaxError(message: "values nested too deeply", offset: position) }
        let open = base[position]
        let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        position += 1
        while position < end {
            let byte = base[position]
            if byte == close {
                position += 1
                return
            }
            switch byte {
            case UInt8(ascii: "\""): _ = try parseString()
            case UInt8(ascii: "{"), UInt8(ascii: "["): try skipNested(depth: depth + 1)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                throw JSONSyntaxError(message: "a bracket closes what it did not open", offset: position)
            default: position += 1
            }
        }
        throw JSONSyntaxError(message: "a nested value is never closed", offset: position)
    }

    /// A string with its escapes decoded; the parser stands on its opening quote.
    mutating func parseString() throws(JSONSyntaxError) -> String {
        guard position < end, base[position] == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(message: "expected a string in double quotes", offset: position)
        }
        let start = position
        position += 1
        let contentStart = position
        var hasEscape = false
        while position < end {
            let byte = base[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(start: base + contentStart, count: position - contentStart)
                position += 1
                return hasEscape
                    ? try Self.unescaped(content, at: contentStart) : String(decoding: content, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                position += 2
                continue
            }
            if byte < 0x20 {
                throw JSONSyntaxError(message: "a control character inside a string", offset: position)
            }
            position += 1
        }
        throw JSONSyntaxError(message: "a string is never closed", offset: start)
    }

    private static func unescaped(_ content: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONSyntaxError)
        -> String
    {
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flush() {
            if !bytes.isEmpty {
                scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        func hex4(_ i: Int) throws(JSONSyntaxError) -> UInt32 {
            guard i + 4 <= content.count else {
                throw JSONSyntaxError(message: "\\u needs four hex digits", offset: offset + i)
            }
            var value: UInt32 = 0
            for byte in content[i..<i + 4] {
                let digit: UInt32
                switch byte {
                case 48...57: digit = UInt32(byte - 48)
                case 65...70: digit = UInt32(byte - 55)
                case 97...102: digit = UInt32(byte - 87)
                default: throw JSONSyntaxError(message: "\\u needs four hex digits", offset: offset + i)
                }
                value = value << 4 | digit
            }
            return value
        }
        var i = 0
        while i < content.count {
            let byte = content[i]
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                i += 1
                continue
            }
            guard i + 1 < content.count else { throw JSONSyntaxError(message: "a lone \\", offset: offset + i) }
            let escape = content[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4(i)
                i += 4
                if code >= 0xD800 && code < 0xDC00, i + 6 <= content.count, content[i] == UInt8(ascii: "\\"),
                    content[i + 1] == UInt8(ascii: "u")
                {
                    let low = try hex4(i + 2)
                    if low >= 0xDC00 && low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                flush()
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default:
                throw JSONSyntaxError(
                    message: "unknown escape \\\(Character(Unicode.Scalar(escape)))", offset: offset + i - 2)
            }
        }
        flush()
        return String(scalars)
    }
}
