import PlazaCore

/// The shape of a CSV file, read off its first records: delimiter, header, trailing delimiter.
struct Dialect {
    var delimiter: UInt8
    var hasHeader: Bool
    var hasTrailingDelimiter: Bool
    var columnCount: Int
    /// The header's fields as text (empty when there is no header).
    var headerNames: [String]
    /// Where the data records start, and that byte's 1-based line.
    var bodyStart: Int
    var bodyStartLine: Int

    /// Records looked at to detect the delimiter and the header.
    static let sampleRecords = 1000
    /// Bytes looked at, at most (whole records).
    static let sampleBytes = 1 << 20
    /// Candidate delimiters, in order of preference on a tie.
    static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    /// A delimiter as the summary names it.
    static func name(of delimiter: UInt8) -> String {
        switch delimiter {
        case UInt8(ascii: "\t"): return "tab"
        default: return "\"" + String(UnicodeScalar(delimiter)) + "\""
        }
    }

    /// One record of the sample: its fields' bounds and flags.
    struct SampleRecord {
        var fields: [(start: Int, end: Int, flags: UInt8)]
        var fieldCount: Int
        var isMalformed: Bool
    }

    /// The first records of the text split with `delimiter`, plus the scanner state after the first.
    static func sample(
        base: UnsafePointer<UInt8>, count: Int, delimiter: UInt8, maxRecords: Int
    ) -> (records: [SampleRecord], afterFirst: (position: Int, line: Int)) {
        var scanner = RecordScanner(base: base, start: 0, end: count, delimiter: delimiter)
        var stride = 4096
        var block = FieldBlock(stride: stride, rowCapacity: 1)
        var records: [SampleRecord] = []
        var afterFirst = (position: 0, line: 0)
        while records.count < maxRecords && scanner.position < min(count, sampleBytes) {
            let before = scanner
            block.count = 0
            guard scanner.scanRecord(into: block) else { break }
            if block.fieldCounts[0] > stride && block.fieldCounts[0] <= CSVFile.maxColumns {
                // A very wide record: scan it again with room for every field.
                stride = block.fieldCounts[0] + 1
                block = FieldBlock(stride: stride, rowCapacity: 1)
                scanner = before
                continue
            }
            let kept = min(block.fieldCounts[0], stride)
            records.append(
                SampleRecord(
                    fields: (0..<kept).map { (block.starts[$0], block.ends[$0], block.flags[$0]) },
                    fieldCount: block.fieldCounts[0], isMalformed: block.malformed[0] != 0))
            if records.count == 1 { afterFirst = (scanner.position, scanner.line) }
        }
        return (records, afterFirst)
    }

    /// Detects what `options` leaves open.
    static func detect(
        base: UnsafePointer<UInt8>, count: Int, options: CSVOptions, dateFormat: TextDateFormat?,
        nullTokens: NullTokens,
        syntax: TextParseOptions
    ) -> Dialect {
        let delimiter = options.delimiter ?? detectDelimiter(base: base, count: count)
        let (records, afterFirst) = sample(base: base, count: count, delimiter: delimiter, maxRecords: sampleRecords)
        let first = records[0]
        let width = first.fieldCount
        guard width <= CSVFile.maxColumns else {
            // Too wide to be a table; the caller reports it.
            return Dialect(
                delimiter: delimiter, hasHeader: false, hasTrailingDelimiter: false, columnCount: width,
                headerNames: [],
                bodyStart: 0, bodyStartLine: 1)
        }
        // A trailing delimiter: the first record and every sampled record of its width end with an empty field.
        let isEmptyLast: (SampleRecord) -> Bool = { record in
            guard record.fields.count == record.fieldCount else { return false }
            let last = record.fields[record.fieldCount - 1]
            return last.start == last.end && last.flags == 0
        }
        // Or only the data rows do: each has one more field than the header, and it is empty.
        let others = records.dropFirst().filter { !$0.isMalformed }
        var columnCount = width
        var hasTrailing = false
        if width > 1 && isEmptyLast(first) && others.filter({ $0.fieldCount == width }).allSatisfy(isEmptyLast) {
            columnCount = width - 1
            hasTrailing = true
        } else if !others.isEmpty && others.allSatisfy({ $0.fieldCount == width + 1 && isEmptyLast($0) }) {
            hasTrailing = true
        }
        let sameWidth = others.filter {
            $0.fieldCount == columnCount || (hasTrailing && $0.fieldCount == columnCount + 1)
        }

        let hasHeader: Bool
        if let given = options.hasHeader {
            hasHeader = given
        } else {
            var guesses = [ColumnGuess](repeating: ColumnGuess(hasCustomDate: dateFormat != nil), count: columnCount)
            for record in sameWidth {
                for column in 0..<columnCount {
                    let field = record.fields[column]
                    if nullTokens.isNull(base, start: field.start, end: field.end, flags: field.flags) { continue }
                    guesses[column].observe(
                        base + field.start, field.end - field.start, syntax: syntax, dateFormat: dateFormat)
                }
            }
            let compact = dateFormat?.isCompact ?? false
            var typedColumns = 0
            var evidence = 0
            for column in 0..<columnCount {
                let field = first.fields[column]
                if sameWidth.isEmpty { guesses[column] = ColumnGuess(hasCustomDate: dateFormat != nil) }
                let before = guesses[column].decide(customDateIsCompact: compact).type
                var withFirst = guesses[column]
                if !nullTokens.isNull(base, start: field.start, end: field.end, flags: field.flags) {
                    withFirst.observe(
                        base + field.start, field.end - field.start, syntax: syntax, dateFormat: dateFormat)
                }
                let after = withFirst.decide(customDateIsCompact: compact).type
                if sameWidth.isEmpty {
                    if after != .varchar { typedColumns += 1 }
                } else if before != .varchar {
                    typedColumns += 1
                    if after == .varchar { evidence += 1 }
                }
            }
            // Without rows to compare: a header unless the first record holds typed values.
            // With rows: a header when it breaks a typed column, or when every column is text.
            hasHeader = sameWidth.isEmpty ? typedColumns == 0 : (evidence > 0 || typedColumns == 0)
        }
        var names: [String] = []
        if hasHeader {
            names = (0..<columnCount).map { fieldText(base: base, first.fields[$0]) }
        }
        return Dialect(
            delimiter: delimiter, hasHeader: hasHeader, hasTrailingDelimiter: hasTrailing, columnCount: columnCount,
            headerNames: names, bodyStart: hasHeader ? afterFirst.position : 0,
            bodyStartLine: hasHeader ? afterFirst.line + 1 : 1)
    }

    /// The delimiter that splits the first records into the most consistent number of fields (> 1).
    static func detectDelimiter(base: UnsafePointer<UInt8>, count: Int) -> UInt8 {
        var best = candidates[0]
        var bestScore = (0, 0)
        for candidate in candidates {
            let (records, _) = sample(base: base, count: count, delimiter: candidate, maxRecords: 100)
            guard let width = records.first?.fieldCount, width > 1 else { continue }
            let consistent = records.filter { $0.fieldCount == width || $0.fieldCount == 0 }.count
            let score = (consistent, width)
            if score > bestScore {
                bestScore = score
                best = candidate
            }
        }
        return best
    }

    /// A field's text, with doubled quotes undone.
    static func fieldText(base: UnsafePointer<UInt8>, _ field: (start: Int, end: Int, flags: UInt8)) -> String {
        let bytes = UnsafeBufferPointer(start: base + field.start, count: field.end - field.start)
        guard field.flags & FieldBlock.escapedQuotes != 0 else { return String(decoding: bytes, as: UTF8.self) }
        var unescaped: [UInt8] = []
        var i = 0
        while i < bytes.count {
            unescaped.append(bytes[i])
            i += bytes[i] == ASCII.quote ? 2 : 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }
}
