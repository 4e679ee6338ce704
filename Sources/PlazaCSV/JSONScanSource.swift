import Dispatch
import PlazaCore
import PlazaVector

/// Newline-delimited JSON files (or files holding one array of objects) as a table a query scans
/// in place (`SELECT … FROM 'reportes.jsonl'`).
///
/// Every record is an object; its keys are the columns, in the order they first appear, and a
/// record without a key has NULL there. Types come from every value, as CSV import decides them:
/// BOOLEAN, BIGINT, DOUBLE (any fraction or exponent), DATE or TIMESTAMP (strings that all read as
/// ISO dates or timestamps), else VARCHAR; nested objects and arrays are kept as their JSON text,
/// and a column mixing strings with numbers or booleans is VARCHAR. A newline-delimited file is
/// cut into chunks that threads parse at once.
package final class JSONScanSource: ScanSource, @unchecked Sendable {
    // @unchecked: immutable after init; chunks only read the mapped files.
    /// The columns.
    package let schema: Schema
    private let files: [(path: String, mapped: MappedFile)]
    /// Row groups: the file, and its chunk's byte range.
    private let chunks: [(file: Int, start: Int, end: Int)]
    private let rowsPerByte: Double

    /// Bytes per chunk of a newline-delimited file.
    static let chunkSize = 8 << 20

    /// Maps the files, cuts them into chunks and infers the columns from every record.
    /// - Throws: `CSVError` naming the file and line of a record that is not a JSON object.
    package init(paths: [String], threads: Int) throws(CSVError) {
        var files: [(String, MappedFile)] = []
        var chunks: [(Int, Int, Int)] = []
        for (index, path) in paths.enumerated() {
            let mapped = try MappedFile(path: path)
            files.append((path, mapped))
            chunks += Self.chunks(of: mapped.bytes).map { (index, $0.start, $0.end) }
        }
        self.files = files
        self.chunks = chunks
        // Every chunk's columns and their guesses, in parallel, merged in file order.
        var results = [Result<ChunkGuess, CSVError>](
            repeating: .success(ChunkGuess(columns: [], records: 0)), count: chunks.count)
        let workers = max(1, min(threads, chunks.count))
        results.withUnsafeMutableBufferPointer { slots in
            let shared = UncheckedSendable((slots, files, chunks))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let (slots, files, chunks) = shared.value
                var chunk = worker
                while chunk < slots.count {
                    let (file, start, end) = chunks[chunk]
                    slots[chunk] = Result { () throws(CSVError) in
                        try Self.guess(files[file].1, path: files[file].0, start: start, end: end)
                    }
                    chunk += workers
                }
            }
        }
        var order: [String] = []
        var guesses: [String: JSONColumnGuess] = [:]
        var records = 0
        for result in results {
            let chunk = try result.get()
            records += chunk.records
            for (key, guess) in chunk.columns {
                if guesses[key] == nil { order.append(key) }
                guesses[key, default: JSONColumnGuess()].merge(guess)
            }
        }
        guard !order.isEmpty else {
            throw CSVError(
                kind: .emptyFile, message: "no JSON object with a member was found",
                location: FileLocation(path: paths.first ?? ""))
        }
        schema = Schema(order.map { Field(name: $0, type: guesses[$0]!.type) })
        let bytes = files.reduce(0) { $0 + $1.1.bytes.count }
        rowsPerByte = Double(records) / Double(max(bytes, 1))
    }

    /// A file holding one array is one chunk; a newline-delimited file is cut after line feeds.
    private static func chunks(of bytes: UnsafeRawBufferPointer) -> [(start: Int, end: Int)] {
        let count = bytes.count
        guard count > 0 else { return [] }
        var first = 0
        while first < count, [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(bytes[first]) { first += 1 }
        if first < count, bytes[first] == UInt8(ascii: "[") { return [(first, count)] }
        var result: [(Int, Int)] = []
        var start = first
        while start < count {
            var end = min(count, start + chunkSize)
            while end < count, bytes[end - 1] != 0x0A { end += 1 }
            result.append((start, end))
            start = end
        }
        return result
    }

    private static func base(_ mapped: MappedFile) -> UnsafePointer<UInt8> {
        mapped.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
    }

    /// The error for a syntax problem in the record starting at byte `recordStart`, naming the
    /// line the record starts on (in a newline-delimited file, the record's own line).
    private static func error(_ problem: JSONSyntaxError, recordStart: Int, _ mapped: MappedFile, path: String)
        -> CSVError
    {
        let bytes = mapped.bytes
        var line = 1
        for index in 0..<min(recordStart, bytes.count) where bytes[index] == 0x0A { line += 1 }
        return CSVError(
            kind: .malformedQuote, message: "not valid JSON: \(problem.message)",
            location: FileLocation(path: path, line: line))
    }

    /// Calls `body` with the parser standing on each record of `start..<end` in turn; returns the
    /// number of records. A syntax error names the file and the line its record starts on.
    private static func forEachRecord(
        _ mapped: MappedFile, path: String, start: Int, end: Int,
        _ body: (inout JSONRecordParser) throws(JSONSyntaxError) -> Void
    ) throws(CSVError) -> Int {
        var parser = JSONRecordParser(base: base(mapped), start: start, end: end)
        var records = 0
        var recordStart = start
        do throws(JSONSyntaxError) {
            while true {
                parser.skipToRecord()
                if parser.position >= end { break }
                recordStart = parser.position
                records += 1
                try body(&parser)
            }
        } catch {
            throw Self.error(error, recordStart: recordStart, mapped, path: path)
        }
        return records
    }

    /// The keys of a chunk's records, in order of first appearance, with what their values look like.
    struct ChunkGuess {
        var columns: [(String, JSONColumnGuess)]
        var records: Int
    }

    /// What a chunk's records hold.
    private static func guess(_ mapped: MappedFile, path: String, start: Int, end: Int) throws(CSVError)
        -> ChunkGuess
    {
        var order: [String] = []
        var guesses: [String: JSONColumnGuess] = [:]
        let records = try forEachRecord(mapped, path: path, start: start, end: end) { parser throws(JSONSyntaxError) in
            try parser.parseObject { key, value throws(JSONSyntaxError) in
                if guesses[key] == nil { order.append(key) }
                guesses[key, default: JSONColumnGuess()].observe(value)
            }
        }
        return ChunkGuess(columns: order.map { ($0, guesses[$0]!) }, records: records)
    }

    /// Chunks of all files.
    package var rowGroupCount: Int { chunks.count }

    /// An estimate from the records per byte seen while inferring.
    package func rowCount(rowGroup: Int) -> Int {
        Int((Double(chunks[rowGroup].end - chunks[rowGroup].start) * rowsPerByte).rounded())
    }

    /// Always true: JSON files carry no statistics.
    package func mightMatch(rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) -> Bool { true }

    /// Parses the chunk and yields the table columns `columns` of its records.
    package func openRowGroup(_ rowGroup: Int, columns: [Int], predicates: [ScanPredicate]) throws -> any RowGroupCursor
    {
        let (file, start, end) = chunks[rowGroup]
        var positions: [String: Int] = [:]
        for (position, column) in columns.enumerated() { positions[schema.fields[column].name] = position }
        let types = columns.map { schema.fields[$0].type }
        var batches: [Batch] = []
        var batch = Batch(types: types)
        var row = [Value](repeating: .null, count: columns.count)
        _ = try Self.forEachRecord(files[file].mapped, path: files[file].path, start: start, end: end) {
            parser throws(JSONSyntaxError) in
            for index in row.indices { row[index] = .null }
            try parser.parseObject { key, value in
                if let position = positions[key] { row[position] = Self.value(value, as: types[position]) }
            }
            for (vector, value) in zip(batch.columns, row) { vector.append(value: value) }
            batch.count += 1
            if batch.count == ColumnVector.batchCapacity {
                batches.append(batch)
                batch = Batch(types: types)
            }
        }
        if batch.count > 0 { batches.append(batch) }
        return BatchListCursor(batches: batches)
    }

    /// A member as a value of its column's type (inference guarantees it converts).
    static func value(_ member: JSONMember, as type: DataType) -> Value {
        switch (member, type) {
        case (.null, _): return .null
        case (.boolean(let flag), .boolean): return .boolean(flag)
        case (.boolean(let flag), _): return .varchar(flag ? "true" : "false")
        case (.integer(let number), .bigint): return .bigint(number)
        case (.integer(let number), .double): return .double(Double(number))
        case (.integer(let number), _): return .varchar(String(number))
        case (.number(let number), .double): return .double(number)
        case (.number(let number), _): return .varchar(Value.double(number).description)
        case (.string(let text), .date): return JSONColumnGuess.date(text).map { .date($0) } ?? .null
        case (.string(let text), .timestamp): return JSONColumnGuess.timestamp(text).map { .timestamp($0) } ?? .null
        case (.string(let text), _): return .varchar(text)
        case (.nested(let text), _): return .varchar(text)
        }
    }
}

/// What one key's values have looked like, to choose its column's type.
struct JSONColumnGuess: Sendable {
    var booleans = false, integers = false, numbers = false, strings = false, nested = false
    /// Whether every string so far reads as an ISO date, or as a timestamp.
    var allDates = true, allTimestamps = true

    mutating func observe(_ member: JSONMember) {
        switch member {
        case .null: break
        case .boolean: booleans = true
        case .integer: integers = true
        case .number: numbers = true
        case .nested: nested = true
        case .string(let text):
            strings = true
            if allDates && Self.date(text) == nil { allDates = false }
            if allTimestamps && !allDates && Self.timestamp(text) == nil { allTimestamps = false }
        }
    }

    mutating func merge(_ other: JSONColumnGuess) {
        booleans = booleans || other.booleans
        integers = integers || other.integers
        numbers = numbers || other.numbers
        strings = strings || other.strings
        nested = nested || other.nested
        allDates = allDates && other.allDates
        allTimestamps = allTimestamps && other.allTimestamps
    }

    var type: DataType {
        let numeric = integers || numbers
        if nested || (strings && (booleans || numeric)) || (booleans && numeric) { return .varchar }
        if strings { return allDates ? .date : allTimestamps ? .timestamp : .varchar }
        if numbers { return .double }
        if integers { return .bigint }
        if booleans { return .boolean }
        return .varchar
    }

    static func date(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { TextValueParser.isoDate($0, exact: true) }
    }

    static func timestamp(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { TextValueParser.timestamp($0, options: .sql) }
    }
}
