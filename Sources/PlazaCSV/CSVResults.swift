import PlazaCore

/// What `CSVFile.inferSchema()` found: the columns and their types, and the choices made.
public struct CSVInference: Sendable {
    /// The columns: header names in their original spelling (empty and duplicate names made
    /// unique), or `column1`… without a header; each with the narrowest type every value fits.
    public var schema: Schema
    /// The field separator used.
    public var delimiter: UInt8
    /// The encoding the file was read in (`.utf8` or `.windows1252`, never `.auto`).
    public var encoding: CSVEncoding
    /// Whether the first record was read as the header.
    public var hasHeader: Bool
    /// Choices made, in words: encoding and transcoding, delimiter, date order, renamed headers.
    public var notes: [String]
    /// The number of data records (header and blank lines excluded; bad rows included).
    public var dataRowCount: Int
    /// The day/month order chosen for each column (nil for non-date columns), used by `read`.
    var dateOrders: [DateOrder?]
}

/// One row left out by `read` under `CSVErrorPolicy.skip`.
public struct CSVRejectedRow: Sendable, Hashable {
    /// The 1-based physical line the record starts on.
    public var line: Int
    /// The record as it stands in the file (UTF-8), without its line break.
    public var text: String
    /// Why it was left out, naming the column and the offending text.
    public var reason: String

    /// Creates a rejected-row report.
    public init(line: Int, text: String, reason: String) {
        self.line = line
        self.text = text
        self.reason = reason
    }
}

/// What `CSVFile.read` did.
public struct CSVReadSummary: Sendable {
    /// Data records seen (header and blank lines excluded).
    public var rowsRead: Int
    /// Records handed to the sink.
    public var rowsImported: Int
    /// Records left out (only under `CSVErrorPolicy.skip`), in file order.
    public var rejected: [CSVRejectedRow]
}
