import Dispatch
import PlazaCore

/// What one chunk contributes to the inference.
struct ChunkInference {
    var guesses: [ColumnGuess]
    var rows = 0
    var badRows = 0
    /// Whether the chunk's last record is a quoted field still open at the chunk's end.
    var endsInsideQuote = false
}

extension CSVFile {
    /// Decides every column's type from every value in the file, on all threads.
    ///
    /// Types are the narrowest each column's values all fit (BOOLEAN, BIGINT, DECIMAL, DOUBLE,
    /// DATE, TIMESTAMP, else VARCHAR); NULLs (empty unquoted fields and the null tokens) do not
    /// count. Rows with the wrong number of fields or broken quoting are left out of the
    /// decision (`read` reports them). Cost: one pass over the file; the result is kept, so a
    /// second call is free.
    package func inferSchema() throws(CSVError) -> CSVInference {
        try inferSchema(progress: nil)
    }

    /// `inferSchema()`, calling `progress` on the caller's thread after each chunk with
    /// (bytes done, bytes in all), for a progress bar over the first pass.
    package func inferSchema(progress: ((Int, Int) -> Void)?) throws(CSVError) -> CSVInference {
        if let inference { return inference }
        // Cut the file without a sequential pass, then check every cut: a chunk that ends inside
        // a quoted field means the next cut was wrong, and the exact split is used instead.
        let isGuess = cachedChunkStarts == nil
        let starts =
            cachedChunkStarts ?? ChunkSplitter.guess(base, start: bodyStart, end: text.count, chunkSize: chunkSize)
        var isMisSplit = false
        let columnCount = self.columnCount
        let hasCustomDate = dateFormat != nil
        var total = ChunkInference(
            guesses: [ColumnGuess](repeating: ColumnGuess(hasCustomDate: hasCustomDate), count: columnCount))
        let shared = UncheckedSendable(self)
        forEachChunk(starts.count, window: max(1, starts.count)) { chunk in
            let file = shared.value
            return file.inferChunk(
                start: starts[chunk], end: file.chunkEnd(chunk, starts), columnCount: columnCount,
                hasCustomDate: hasCustomDate)
        } consume: { chunk, part in
            if chunk + 1 < starts.count && part.endsInsideQuote { isMisSplit = true }
            for column in 0..<columnCount { total.guesses[column].merge(part.guesses[column]) }
            total.rows += part.rows
            total.badRows += part.badRows
            progress?(chunkEnd(chunk, starts) - bodyStart, text.count - bodyStart)
        }
        if isMisSplit {
            // The exact split cannot cut a quoted field; should it ever, one chunk is always right.
            cachedChunkStarts =
                isGuess
                ? ChunkSplitter.split(
                    base, start: bodyStart, end: text.count, delimiter: delimiter, chunkSize: chunkSize)
                : [bodyStart]
            return try inferSchema(progress: progress)
        }
        cachedChunkStarts = starts
        var notes = openingNotes
        var fields: [Field] = []
        var orders: [DateOrder?] = []
        let compact = dateFormat?.isCompact ?? false
        for column in 0..<columnCount {
            let name = columnNames[column]
            let decision = total.guesses[column].decide(customDateIsCompact: compact)
            fields.append(Field(name: name, type: decision.type))
            orders.append(decision.order)
            guard let order = decision.order else { continue }
            if decision.isAmbiguous {
                notes.append(
                    "column \"\(name)\": every date has day ≤ 12; read as day-first (dd/mm/yyyy); pass a date format to change it"
                )
            } else {
                notes.append(
                    "column \"\(name)\": dates read as \(order == .dayFirst ? "day-first (dd/mm/yyyy)" : "month-first (mm/dd/yyyy)")"
                )
            }
        }
        if total.badRows > 0 {
            notes.append(
                "\(total.badRows) row(s) with the wrong number of fields or broken quoting were left out of type inference"
            )
        }
        let result = CSVInference(
            schema: Schema(fields), delimiter: delimiter, encoding: encoding, hasHeader: hasHeader, notes: notes,
            dataRowCount: total.rows, dateOrders: orders)
        inference = result
        return result
    }

    /// Narrows a guess per column over the records of `start..<end`.
    func inferChunk(start: Int, end: Int, columnCount: Int, hasCustomDate: Bool) -> ChunkInference {
        var result = ChunkInference(
            guesses: [ColumnGuess](repeating: ColumnGuess(hasCustomDate: hasCustomDate), count: columnCount))
        let block = FieldBlock(stride: columnCount + 1, rowCapacity: blockRows)
        var scanner = RecordScanner(base: base, start: start, end: end, delimiter: delimiter)
        let base = self.base
        let stride = block.stride
        while true {
            block.count = 0
            while !block.isFull && scanner.scanRecord(into: block) {}
            if block.count == 0 { break }
            result.rows += block.count
            for row in 0..<block.count where rowProblem(block, row) != nil { result.badRows += 1 }
            result.endsInsideQuote = block.malformed[block.count - 1] == FieldBlock.unterminatedQuote
            for column in 0..<columnCount {
                var guess = result.guesses[column]
                // Already text: no value can change the decision, so skip the column's fields.
                if guess.candidates == 0 && guess.valueCount > 0 { continue }
                for row in 0..<block.count {
                    let field = row &* stride &+ column
                    if block.fieldCounts[row] != columnCount && rowProblem(block, row) != nil { continue }
                    if block.malformed[row] != 0 { continue }
                    let fieldStart = block.starts[field], fieldEnd = block.ends[field], flags = block.flags[field]
                    if nullTokens.isNull(base, start: fieldStart, end: fieldEnd, flags: flags) { continue }
                    guess.observe(base + fieldStart, fieldEnd - fieldStart, syntax: syntax, dateFormat: dateFormat)
                }
                result.guesses[column] = guess
            }
        }
        return result
    }

    /// Why a scanned record cannot be stored as a row, or nil when its shape is right.
    @inline(__always)
    func rowProblem(_ block: FieldBlock, _ row: Int) -> RowProblem? {
        let malformed = block.malformed[row]
        if malformed == FieldBlock.unterminatedQuote { return .unterminatedQuote }
        if malformed == FieldBlock.textAfterQuote { return .textAfterQuote }
        let fields = block.fieldCounts[row]
        if fields == columnCount { return nil }
        if hasTrailingDelimiter && fields == columnCount + 1 {
            let last = row * block.stride + columnCount
            if block.starts[last] == block.ends[last] && block.flags[last] == 0 { return nil }
        }
        return .wrongFieldCount(fields)
    }
}

/// Why a record cannot become a row.
enum RowProblem: Equatable {
    case unterminatedQuote
    case textAfterQuote
    case wrongFieldCount(Int)
}
