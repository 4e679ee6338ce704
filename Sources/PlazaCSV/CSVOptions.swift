#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the bytes of a CSV file are to be decoded.
package enum CSVEncoding: Sendable, Hashable, CustomStringConvertible {
    /// Valid UTF-8 (with or without a byte-order mark) is read as UTF-8; anything else as Windows-1252.
    case auto
    /// UTF-8; an invalid byte sequence is an error naming its line.
    case utf8
    /// Windows-1252 (a superset of Latin-1's printable range), transcoded to UTF-8.
    case windows1252

    /// `auto`, `utf-8` or `windows-1252`, as the `--encoding` option spells it.
    public var description: String {
        switch self {
        case .auto: return "auto"
        case .utf8: return "utf-8"
        case .windows1252: return "windows-1252"
        }
    }
}

/// What to do with a row that cannot be stored (ragged, malformed, or a value that does not fit).
package enum CSVErrorPolicy: Sendable, Hashable {
    /// Stop at the first bad row with a `CSVError`.
    case fail
    /// Leave the row out and report it in `CSVReadSummary.rejected`.
    case skip
}

/// Choices for reading one CSV file; every `nil` is detected from the file.
///
/// ```swift
/// var options = CSVOptions()
/// options.decimalComma = true
/// let file = try CSVFile(path: "presupuesto.csv", options: options)
/// ```
package struct CSVOptions: Sendable {
    /// The field separator byte; nil detects among `,` `;` `|` and tab.
    package var delimiter: UInt8?
    /// The text encoding; `.auto` by default.
    package var encoding: CSVEncoding
    /// A date format built from `%Y`, `%m`, `%d` and literal separators (`"%d/%m/%Y"`, `"%Y%m%d"`);
    /// nil detects ISO, day-first and month-first dates from the values.
    package var dateFormat: String?
    /// Whether numbers are written `1.234,50` (comma before the fraction, dots between thousands).
    package var decimalComma: Bool
    /// Unquoted field texts read as NULL (exact, case-sensitive); an empty unquoted field is always NULL.
    package var nullTokens: [String]
    /// Whether a bad row stops the read or is skipped and reported.
    package var onError: CSVErrorPolicy
    /// Whether the first record names the columns; nil detects it.
    package var hasHeader: Bool?
    /// Worker threads for parsing; all cores by default.
    package var threads: Int

    /// Detects everything, fails on the first bad row, and uses every core.
    package init() {
        delimiter = nil
        encoding = .auto
        dateFormat = nil
        decimalComma = false
        nullTokens = ["NULL", "NA", "N/A"]
        onError = .fail
        hasHeader = nil
        threads = CSVOptions.coreCount
    }

    /// The number of online processors (at least 1).
    static var coreCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }
}
