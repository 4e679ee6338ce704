import Plaza

/// Writes JSON text by hand: results stream batch by batch, so a `Codable` tree of the whole
/// answer is never built.
enum JSONText {
    /// A JSON string literal with the escapes RFC 8259 requires, and `<` as `\u003c` so that JSON
    /// shown inside HTML can never close a tag.
    static func string(_ text: String) -> String { jsonString(text, escapesHTML: true) }

    /// A cell: numbers and booleans bare, NaN and infinities as null, dates, times and text as strings.
    static func value(_ value: Value) -> String { jsonValue(value, escapesHTML: true) }

    /// `[{"name":…,"type":…}, …]` for a result's or a table's columns.
    static func columns(_ fields: [Field]) -> String {
        "["
            + fields.map { field in
                "{\"name\":\(string(field.name)),\"type\":\(string(field.type.description)),\"nullable\":\(field.isNullable)}"
            }.joined(separator: ",") + "]"
    }

    /// The rows of `result` as JSON arrays separated by commas, `first` telling whether a comma
    /// must come before the first; at most `limit` rows.
    static func rows(_ result: QueryResult, limit: Int, first: Bool) -> String {
        var text = ""
        let columns = result.fields.count
        for row in 0..<min(limit, result.count) {
            if row > 0 || !first { text += "," }
            text += "["
            for column in 0..<columns {
                if column > 0 { text += "," }
                text += value(result.value(row: row, column: column))
            }
            text += "]"
        }
        return text
    }
}
