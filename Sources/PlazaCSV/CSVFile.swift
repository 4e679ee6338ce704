import PlazaCore
import PlazaVector

/// One CSV file, memory-mapped, with its encoding, delimiter and header already detected.
///
/// ```swift
/// let file = try CSVFile(path: "obras.csv", options: CSVOptions())
/// let inference = try file.inferSchema()
/// let summary = try file.read(schema: inference.schema) { batch in try table.append(batch) }
/// ```
/// Not thread-safe: use one `CSVFile` from one thread (it uses its own worker threads inside).
package final class CSVFile {
    /// The path as given.
    package let path: String
    /// The options as given.
    package let options: CSVOptions
    /// The field separator in use (given or detected).
    package let delimiter: UInt8
    /// The encoding in use (`.utf8` or `.windows1252`).
    package let encoding: CSVEncoding
    /// Whether the first record is the header (given or detected).
    package let hasHeader: Bool
    /// The column names: header names made unique, or `column1`….
    package let columnNames: [String]

    let mapped: MappedFile
    let transcoded: OwnedBytes?
    /// The UTF-8 text, without byte-order mark.
    let text: UnsafeRawBufferPointer
    /// Where the records after the header start, and that byte's 1-based line.
    let bodyStart: Int
    let bodyStartLine: Int
    /// Whether rows may carry one extra, empty field after a trailing delimiter.
    let hasTrailingDelimiter: Bool
    let dateFormat: TextDateFormat?
    let nullTokens: NullTokens
    /// The text parser's CSV profile: decimal comma, money text, the date format.
    let syntax: TextParseOptions
    let threads: Int
    /// Choices made while opening (encoding, delimiter, header, names).
    var openingNotes: [String] = []
    /// The result of `inferSchema`, kept for `read` (date orders).
    var inference: CSVInference?
    /// Bytes per parallel chunk; tests lower it to exercise chunk boundaries.
    var chunkSize: Int
    /// Chunk starts known to fall on record boundaries (exact split, or a guess inference confirmed).
    var cachedChunkStarts: [Int]?

    /// Maps the file and detects its encoding, delimiter and header.
    ///
    /// Throws `.io` when the file cannot be read, `.invalidOption` for an unusable option,
    /// `.invalidEncoding` (naming the line) for bad UTF-8 when `encoding` is `.utf8`, and
    /// `.emptyFile` when there is no record at all. Cost: one pass over the bytes (UTF-8
    /// check, on all threads) and a look at the first records.
    package init(path: String, options: CSVOptions) throws(CSVError) {
        self.path = path
        self.options = options
        self.threads = max(1, options.threads)
        self.nullTokens = NullTokens(options.nullTokens)
        let location = FileLocation(path: path)
        if let delimiter = options.delimiter,
            delimiter == ASCII.lineFeed || delimiter == ASCII.carriageReturn || delimiter == ASCII.quote
                || delimiter >= 0x80
        {
            throw CSVError(
                kind: .invalidOption,
                message: "the delimiter must be an ASCII character other than a quote or a line break",
                location: location)
        }
        if let format = options.dateFormat {
            guard let parsed = TextDateFormat(format) else {
                throw CSVError(
                    kind: .invalidOption,
                    message: "unsupported date format \"\(format)\" (use %Y, %m and %d with separators, e.g. %d/%m/%Y)",
                    location: location)
            }
            dateFormat = parsed
        } else {
            dateFormat = nil
        }
        syntax = .csv(decimalComma: options.decimalComma, dayMonthOrder: nil, dateFormat: dateFormat)
        mapped = try MappedFile(path: path)
        var notes: [String] = []
        (text, transcoded, encoding) = try CSVFile.decode(
            mapped.bytes, options: options, path: path, threads: threads, notes: &notes)
        chunkSize = max(1 << 20, min(16 << 20, text.count / (threads * 8)))
        let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        var probe = RecordScanner(base: base, start: 0, end: text.count, delimiter: UInt8(ascii: ","))
        guard probe.skipBlankLines() else {
            throw CSVError(kind: .emptyFile, message: "the file holds no records", location: location)
        }
        let dialect = Dialect.detect(
            base: base, count: text.count, options: options, dateFormat: dateFormat, nullTokens: nullTokens,
            syntax: syntax)
        guard dialect.columnCount <= CSVFile.maxColumns else {
            throw CSVError(
                kind: .tooManyColumns,
                message:
                    "the first record has \(dialect.columnCount) fields; at most \(CSVFile.maxColumns) columns are supported",
                location: FileLocation(path: path, line: 1))
        }
        delimiter = dialect.delimiter
        hasHeader = dialect.hasHeader
        hasTrailingDelimiter = dialect.hasTrailingDelimiter
        bodyStart = dialect.bodyStart
        bodyStartLine = dialect.bodyStartLine
        if options.delimiter == nil { notes.append("delimiter \(Dialect.name(of: delimiter)) detected") }
        if options.hasHeader == nil {
            notes.append(
                hasHeader
                    ? "header row detected"
                    : "no header row detected; columns named column1…column\(dialect.columnCount)")
        }
        if hasTrailingDelimiter { notes.append("every row ends with a delimiter; the empty last field is ignored") }
        var names: [String] = []
        for index in 0..<dialect.columnCount {
            let name = hasHeader ? dialect.headerNames[index] : "column\(index + 1)"
            if hasHeader && name.isEmpty {
                notes.append("header \(index + 1) is empty; named \"column\(index + 1)\"")
            }
            names.append(name.isEmpty ? "column\(index + 1)" : name)
        }
        columnNames = CSVFile.uniqued(names, notes: &notes)
        openingNotes = notes
    }

    /// The most columns a file may have.
    package static let maxColumns = 16_384

    /// Rows per parsing block: 2,048, fewer for very wide files so a block stays near a million fields.
    var blockRows: Int { max(16, min(ColumnVector.batchCapacity, (1 << 20) / (columnCount + 1))) }

    /// Makes names unique (case-insensitively, as SQL sees them) by appending `_2`, `_3`…, noting each rename.
    static func uniqued(_ names: [String], notes: inout [String]) -> [String] {
        var taken = Set(names.map { $0.lowercased() })
        var seen: Set<String> = []
        var result: [String] = []
        for name in names {
            let key = name.lowercased()
            if !seen.contains(key) {
                seen.insert(key)
                result.append(name)
                continue
            }
            var suffix = 2
            while taken.contains((name + "_\(suffix)").lowercased()) { suffix += 1 }
            let renamed = name + "_\(suffix)"
            taken.insert(renamed.lowercased())
            seen.insert(renamed.lowercased())
            notes.append("duplicate header \"\(name)\" renamed \"\(renamed)\"")
            result.append(renamed)
        }
        return result
    }

    /// Checks or detects the encoding; returns the UTF-8 text (BOM removed), its owner if transcoded, and the encoding.
    private static func decode(
        _ raw: UnsafeRawBufferPointer, options: CSVOptions, path: String, threads: Int, notes: inout [String]
    ) throws(CSVError) -> (UnsafeRawBufferPointer, OwnedBytes?, CSVEncoding) {
        let hasBOM = raw.count >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF
        if options.encoding == .windows1252 {
            let owned = TextEncoding.transcodeWindows1252(raw)
            notes.append("read as Windows-1252 and transcoded to UTF-8")
            return (UnsafeRawBufferPointer(owned.bytes), owned, .windows1252)
        }
        let body = hasBOM ? UnsafeRawBufferPointer(rebasing: raw[3...]) : raw
        guard let bad = TextEncoding.firstInvalidUTF8(body, threads: threads) else {
            if hasBOM {
                notes.append("encoding UTF-8 with a byte-order mark")
            } else if options.encoding == .auto {
                notes.append("encoding UTF-8 detected")
            }
            return (body, nil, .utf8)
        }
        let line = TextEncoding.lineNumber(of: bad, in: body)
        if options.encoding == .utf8 || hasBOM {
            let byte = String(body[bad], radix: 16, uppercase: true)
            throw CSVError(
                kind: .invalidEncoding,
                message:
                    "invalid UTF-8 byte 0x\(byte) at byte \(bad + (hasBOM ? 3 : 0)); use --encoding windows-1252 if the file is Latin-1",
                location: FileLocation(path: path, line: line))
        }
        let owned = TextEncoding.transcodeWindows1252(raw)
        notes.append("not valid UTF-8 (first at line \(line)); read as Windows-1252 and transcoded to UTF-8")
        return (UnsafeRawBufferPointer(owned.bytes), owned, .windows1252)
    }

    /// The text as a byte pointer (never nil, even for an empty text).
    var base: UnsafePointer<UInt8> {
        text.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
    }

    /// The number of columns.
    var columnCount: Int { columnNames.count }

    /// Chunk start offsets of the body, cut at record boundaries (computed once).
    var chunkStarts: [Int] {
        if let cachedChunkStarts { return cachedChunkStarts }
        // Exact, but one sequential pass; `inferSchema` guesses and checks instead.
        let starts = ChunkSplitter.split(
            base, start: bodyStart, end: text.count, delimiter: delimiter, chunkSize: chunkSize)
        cachedChunkStarts = starts
        return starts
    }

    /// The end of chunk `index`.
    func chunkEnd(_ index: Int, _ starts: [Int]) -> Int { index + 1 < starts.count ? starts[index + 1] : text.count }
}
