/// A pull scanner for the XML that .xlsx workbooks hold: elements with attributes, text with the
/// five named entities and numeric character references, comments, CDATA and processing
/// instructions skipped. No DTDs (a workbook has none; `<!DOCTYPE` is refused, so no entity
/// expansion can blow up). Names keep no namespace prefix (`x:c` is `c`).
///
/// Every read is bounds-checked: malformed XML gives `nil` events and `error`, never a trap.
struct XMLScanner {
    /// One step through the document.
    enum Event: Equatable {
        /// `<name a="v" …>`; `selfClosing` for `<name …/>` (no `end` follows).
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        /// `</name>`.
        case end(name: String)
        /// Character data between tags (entities resolved).
        case text(String)
    }

    private let bytes: [UInt8]
    private var position = 0
    /// Why the scan stopped early, if it did.
    private(set) var error: String?

    /// Scans `bytes` (UTF-8; a leading byte-order mark is skipped).
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The next event, or nil at the end of the document or at an error (`error` says which).
    mutating func next() -> Event? {
        while position < bytes.count {
            if bytes[position] != UInt8(ascii: "<") {
                let start = position
                while position < bytes.count && bytes[position] != UInt8(ascii: "<") { position += 1 }
                guard let text = decodeText(start, position) else { return nil }
                return .text(text)
            }
            if starts(with: "<?") {
                guard skip(past: "?>") else { return fail("an unterminated processing instruction") }
                continue
            }
            if starts(with: "<!--") {
                guard skip(past: "-->") else { return fail("an unterminated comment") }
                continue
            }
            if starts(with: "<![CDATA[") {
                position += 9
                let start = position
                guard skip(past: "]]>") else { return fail("an unterminated CDATA section") }
                return .text(String(decoding: bytes[start..<(position - 3)], as: UTF8.self))
            }
            if starts(with: "<!") { return fail("a document type declaration, which workbooks do not have") }
            return tag()
        }
        return nil
    }

    private mutating func tag() -> Event? {
        position += 1
        let closing = position < bytes.count && bytes[position] == UInt8(ascii: "/")
        if closing { position += 1 }
        guard let name = readName() else { return fail("a tag without a name") }
        if closing {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { return fail("a broken end tag") }
            position += 1
            return .end(name: name)
        }
        var attributes: [String: String] = [:]
        while true {
            skipSpace()
            guard position < bytes.count else { return fail("a tag that never closes") }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                return .start(name: name, attributes: attributes, selfClosing: false)
            }
            if bytes[position] == UInt8(ascii: "/") {
                guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ">") else {
                    return fail("a broken tag")
                }
                position += 2
                return .start(name: name, attributes: attributes, selfClosing: true)
            }
            guard let key = readName() else { return fail("an attribute without a name") }
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                return fail("an attribute without a value")
            }
            position += 1
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'")
            else { return fail("an unquoted attribute value") }
            let quote = bytes[position]
            position += 1
            let start = position
            while position < bytes.count && bytes[position] != quote { position += 1 }
            guard position < bytes.count, let value = decodeText(start, position) else {
                return error == nil ? fail("an unterminated attribute value") : nil
            }
            position += 1
            attributes[key] = value
        }
    }

    /// A name, without its namespace prefix.
    private mutating func readName() -> String? {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                || byte == UInt8(ascii: "=")
            {
                break
            }
            position += 1
        }
        guard position > start else { return nil }
        var name = bytes[start..<position]
        if let colon = name.lastIndex(of: UInt8(ascii: ":")) { name = name[(colon + 1)...] }
        return String(decoding: name, as: UTF8.self)
    }

    /// The text of `bytes[start..<end]` with entities resolved, or nil (and `error`) for a bad one.
    private mutating func decodeText(_ start: Int, _ end: Int) -> String? {
        guard bytes[start..<end].contains(UInt8(ascii: "&")) else {
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var index = start
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                index += 1
                continue
            }
            guard let semicolon = bytes[index..<end].firstIndex(of: UInt8(ascii: ";")), semicolon - index <= 12 else {
                _ = fail("an unterminated entity")
                return nil
            }
            let entity = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
                guard entity.hasPrefix("#"),
                    let code = UInt32(entity.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10),
                    let scalar = Unicode.Scalar(code)
                else {
                    _ = fail("an unknown entity &\(entity);")
                    return nil
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func starts(with text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return text.withUTF8Buffer { prefix in (0..<count).allSatisfy { bytes[position + $0] == prefix[$0] } }
    }

    /// Moves past the next occurrence of `terminator`; false when there is none.
    private mutating func skip(past terminator: StaticString) -> Bool {
        while position < bytes.count {
            if starts(with: terminator) {
                position += terminator.utf8CodeUnitCount
                return true
            }
            position += 1
        }
        return false
    }

    private mutating func skipSpace() {
        while position < bytes.count,
            bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")
                || bytes[position] == UInt8(ascii: "\n") || bytes[position] == UInt8(ascii: "\r")
        {
            position += 1
        }
    }

    private mutating func fail(_ message: String) -> Event? {
        error = "malformed XML at byte \(position): \(message)"
        position = bytes.count
        return nil
    }
}
