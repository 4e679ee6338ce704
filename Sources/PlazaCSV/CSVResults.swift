import PlazaCore

/// What `CSVFile.inferSchema()` found: the columns and their types, and the choices made.
package struct CSVInference: Sendable {
    /// The columns: header names in their original spelling (empty and duplicate names made
    /// unique), or `column1`… without a header; each with the narrowest type every value fits.
    package var schema: Schema
    /// The field separator used.
    package var delimiter: UInt8
    /// The encoding the file was read in (`.utf8` or `.windows1252`, never `.auto`).
    package var encoding: CSVEncoding
    /// Whether the first record was read as the header.
    package var hasHeader: Bool
    /// Choices made, in words: encoding and transcoding, delimiter, date order, renamed headers.
    package var notes: [String]
    /// The number of data records (header and blank lines excluded; bad rows included).
    package var dataRowCount: Int
    /// The day/month order chosen for each column (nil for non-date columns), used by `read`.
    var dateOrders: [DateOrder?]
}

/// One row left out by `read` under `CSVErrorPolicy.skip`.
package struct CSVRejectedRow: Sendable, Hashable {
    /// The 1-based physical line the record starts on.
    package var line: Int
    /// The record as it stands in the file (UTF-8), without its line break.
    package var text: String
    /// Why it was left out, naming the column and the offending text.
    package var reason: String

    /// Creates a rejected-row report.
    package init(line: Int, text: String, reason: String) {
        self.line = line
        self.text = text
        self.reason = reason
    }
}

/// What `CSVFile.read` did.
package struct CSVReadSummary: Sendable {
    /// Data records seen (header and blank lines excluded).
    package var rowsRead: Int
    /// Records handed to the sink.
    package var rowsImported: Int
    /// Records left out (only under `CSVErrorPolicy.skip`), in file order.
    package var rejected: [CSVRejectedRow]
}
