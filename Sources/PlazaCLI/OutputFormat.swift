import ArgumentParser
import Plaza

/// The ways `plaza query` and the shell print results.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    /// Aligned columns in a box, for people.
    case table
    /// RFC 4180 CSV with a header.
    case csv
    /// A JSON array of objects.
    case json
    /// One JSON object per line.
    case jsonl
    /// A GitHub-flavoured Markdown table.
    case markdown
    /// Nothing: the result is computed whole and dropped, to time the engine without the printing.
    case none

    /// Whether the format can be written batch by batch as the rows arrive.
    var isStreamable: Bool { self == .csv || self == .json || self == .jsonl }
}

/// Writes results in one format. Streamable formats accept several `write(_:)` calls between
/// `begin(_:)` and `end()`; `table` and `markdown` print each `write(_:)` as a whole.
final class ResultPrinter {
    let format: OutputFormat
    let output: OutputStream
    /// The width the `table` format must fit into, if any.
    let maxWidth: Int?
    private var fields: [Field] = []
    private var rowsWritten = 0
    private var headerWritten = false

    init(format: OutputFormat, output: OutputStream, maxWidth: Int?) {
        self.format = format
        self.output = output
        self.maxWidth = maxWidth
    }

    /// Prints a whole result.
    func print(_ result: QueryResult) throws(OutputClosed) {
        begin(result.fields)
        try write(result)
        try end()
    }

    /// Starts a result with these columns.
    func begin(_ fields: [Field]) {
        self.fields = fields
        rowsWritten = 0
        headerWritten = false
    }

    /// Prints rows (a whole result for `table` and `markdown`, or one batch for the others).
    func write(_ result: QueryResult) throws(OutputClosed) {
        switch format {
        case .table:
            // A statement that wrote rows says how many, as a sentence rather than a one-cell table.
            if let changed = result.changedRowCount {
                try output.writeLine("\(changed) row\(changed == 1 ? "" : "s")")
                return
            }
            guard !result.fields.isEmpty else { return }
            try output.write(TableRenderer(result: result, maxWidth: maxWidth).render())
        case .markdown:
            guard !result.fields.isEmpty else { return }
            try output.write(renderMarkdown(result))
        case .csv:
            try writeCSVHeader()
            for row in result.rows {
                try output.writeLine(
                    row.values.map { $0.isNull ? "" : csvField($0.description) }.joined(separator: ","))
            }
        case .json:
            for row in result.rows {
                try output.write(rowsWritten == 0 ? "[\n" : ",\n")
                try output.write(jsonObject(row.values))
                rowsWritten += 1
            }
        case .jsonl:
            for row in result.rows { try output.writeLine(jsonObject(row.values)) }
        case .none:
            break
        }
        rowsWritten += format == .json ? 0 : result.count
    }

    /// Ends the result.
    func end() throws(OutputClosed) {
        if format == .csv { try writeCSVHeader() }
        if format == .json && !fields.isEmpty { try output.writeLine(rowsWritten == 0 ? "[]" : "\n]") }
        try output.flush()
    }

    private func writeCSVHeader() throws(OutputClosed) {
        guard !headerWritten && !fields.isEmpty else { return }
        headerWritten = true
        try output.writeLine(fields.map { csvField($0.name) }.joined(separator: ","))
    }

    private func jsonObject(_ values: [Value]) -> String {
        var text = "{"
        for (position, value) in values.enumerated() {
            if position > 0 { text += "," }
            text += jsonString(fields[position].name) + ":" + jsonValue(value)
        }
        return text + "}"
    }

    private func renderMarkdown(_ result: QueryResult) -> String {
        let fields = result.fields
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "<br>")
                .replacingOccurrences(of: "\n", with: "<br>")
        }
        var text = "| " + fields.map { cell($0.name) }.joined(separator: " | ") + " |\n"
        text += "|" + fields.map { $0.type.isNumeric ? " ---: |" : " --- |" }.joined() + "\n"
        for row in result.rows {
            text += "| " + row.values.map { cell($0.description) }.joined(separator: " | ") + " |\n"
        }
        return text
    }
}
