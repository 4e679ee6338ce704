/// A CSV field per RFC 4180: quoted when it holds a comma, quote or line break, or is empty
/// (so that an empty string reads back as an empty string, not NULL). Used by COPY and the CLI.
package func csvField(_ text: String, delimiter: UInt8 = UInt8(ascii: ",")) -> String {
    if text.isEmpty { return "\"\"" }
    var needsQuotes = false
    for byte in text.utf8 where byte == delimiter || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
        needsQuotes = true
        break
    }
    guard needsQuotes else { return text }
    var quoted = "\""
    for character in text.unicodeScalars {
        if character == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(character) }
    }
    return quoted + "\""
}

/// A JSON value: numbers and booleans bare, NaN and infinities as null, everything else a string.
/// With `escapesHTML`, `<` is written `\u003c`, so JSON shown inside an HTML page can never close a tag.
package func jsonValue(_ value: Value, escapesHTML: Bool = false) -> String {
    switch value {
    case .null: return "null"
    case .boolean(let b): return b ? "true" : "false"
    case .bigint(let v): return String(v)
    case .decimal, .wideDecimal: return value.description
    case .double(let d): return d.isFinite ? value.description : "null"
    default: return jsonString(value.description, escapesHTML: escapesHTML)
    }
}

/// A JSON string literal with the escapes RFC 8259 requires.
package func jsonString(_ text: String, escapesHTML: Bool = false) -> String {
    var escaped = "\""
    escaped.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\r": escaped += "\\r"
        case "\t": escaped += "\\t"
        case "<" where escapesHTML: escaped += "\\u003c"
        case "\u{08}": escaped += "\\b"
        case "\u{0C}": escaped += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
    }
    return escaped + "\""
}
