/// Refuses `SET` statements sent to the server: `SET threads` or `SET memory_limit` would change
/// the shared database for every client, and the limits are the operator's (`plaza serve --memory-limit`).
enum SettingsGuard {
    /// Throws when any statement of `sql` begins with the keyword SET (outside strings and comments).
    static func check(_ sql: String) throws(APIError) {
        let bytes = Array(sql.utf8)
        var index = 0
        var line = 1
        var lineStart = 0
        var atStatementStart = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = index + 1
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: ";"):
                atStatementStart = true
                index += 1
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index < bytes.count
                    && !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    if bytes[index] == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = index + 1
                    }
                    index += 1
                }
                index += 2
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                atStatementStart = false
                let quote = byte
                index += 1
                // A doubled quote inside is an escaped quote: the loop sees it as close-and-reopen.
                while index < bytes.count && bytes[index] != quote {
                    if bytes[index] == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = index + 1
                    }
                    index += 1
                }
                index += 1
            default:
                let start = index
                while index < bytes.count && isWordByte(bytes[index]) { index += 1 }
                if index == start { index += 1 }
                if atStatementStart && index - start == 3
                    && String(decoding: bytes[start..<index], as: UTF8.self).lowercased() == "set"
                {
                    let column = String(decoding: bytes[lineStart..<start], as: UTF8.self).count + 1
                    throw APIError(
                        status: .badRequest, kind: "usage",
                        message:
                            "SET is not accepted by the server: its settings apply to every client (start plaza serve with --memory-limit or --threads instead)",
                        line: line, column: column)
                }
                atStatementStart = false
            }
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte >= 0x80
    }
}
