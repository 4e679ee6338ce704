import Foundation
import Plaza

/// CSV as downloads carry it: RFC 4180, CRLF line ends, NULL as an empty field, the empty string as `""`.
enum CSVText {
    /// A field, quoted when it holds a comma, quote or line break, or is empty.
    static func field(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        var needsQuotes = false
        for byte in text.utf8
        where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The first `count` rows of `result`, each ending with CRLF.
    static func rows(_ result: QueryResult, count: Int) -> String {
        var text = ""
        let columns = result.fields.count
        for row in 0..<count {
            for column in 0..<columns {
                if column > 0 { text += "," }
                let value = result.value(row: row, column: column)
                if !value.isNull { text += field(value.description) }
            }
            text += "\r\n"
        }
        return text
    }
}
