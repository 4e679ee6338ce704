import PlazaCore

/// A CSV file that cannot be read as asked: what went wrong, and where.
///
/// `description` names the file, the 1-based line, the column and the offending text, e.g.
/// `data.csv, line 12, column "monto": "12,5x" is not a DECIMAL(10,2)`.
package struct CSVError: Error, CustomStringConvertible, Sendable {
    /// The family of a CSV error.
    package enum Kind: Sendable, Hashable {
        /// The file cannot be opened, sized or mapped.
        case io
        /// The file holds no records at all.
        case emptyFile
        /// An invalid byte sequence in a file read as UTF-8.
        case invalidEncoding
        /// A quoted field that never closes, or text right after a closing quote.
        case malformedQuote
        /// A first record with more fields than `CSVFile.maxColumns`.
        case tooManyColumns
        /// A row with more or fewer fields than the header.
        case raggedRow
        /// A value that cannot be stored in its column's type.
        case badValue
        /// The schema given to `read` does not fit the file (wrong column count).
        case schemaMismatch
        /// An option that cannot be used (an unknown date format, a bad delimiter).
        case invalidOption
        /// A file that is not what its reader reads, or is damaged (a truncated .xlsx workbook).
        case invalidFile
    }

    /// What went wrong.
    package var kind: Kind
    /// What went wrong, in words, including the offending text where there is one.
    package var message: String
    /// The file, and where known the line and the column.
    package var location: FileLocation

    /// Creates an error.
    package init(kind: Kind, message: String, location: FileLocation) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    /// `file, line N, column "name": message`.
    public var description: String { location.description + ": " + message }
}

/// Text of a field or line for an error message: quoted, with control characters made visible.
func quotedForMessage(_ bytes: UnsafeRawBufferPointer, limit: Int = 200) -> String {
    let count = min(bytes.count, limit)
    var visible: [UInt8] = []
    visible.reserveCapacity(count + 8)
    for byte in bytes[0..<count] {
        switch byte {
        case UInt8(ascii: "\r"): visible += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case UInt8(ascii: "\n"): visible += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        default: visible.append(byte)
        }
    }
    return "\"" + String(decoding: visible, as: UTF8.self) + (bytes.count > limit ? "…" : "") + "\""
}
