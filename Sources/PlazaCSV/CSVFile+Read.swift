import Dispatch
import PlazaCore
import PlazaVector

/// A bad row found by a worker; its line is relative to the chunk until the caller places it.
struct PendingProblem {
    var kind: CSVError.Kind
    var relativeLine: Int
    var column: String?
    var message: String
    var text: String
}

/// What one chunk produced: batches in order, rejected rows, counts, or the first bad row.
struct ChunkReadResult {
    var batches: [Batch] = []
    var rejected: [PendingProblem] = []
    var failure: PendingProblem?
    var rowsRead = 0
    var rowsImported = 0
    /// Line feeds in the chunk, to place the next chunk's lines.
    var lineCount = 0
}

extension CSVFile {
    /// Converts every record to `schema` and hands the rows to `sink` in batches of ≤ 2,048, in file order.
    ///
    /// - Parameters:
    ///   - schema: the inferred schema, or an existing table's (for an append); column `i` of the
    ///     file becomes field `i`. A value must fit its field's type exactly, or its row is bad.
    ///   - progress: called on the caller's thread after each chunk with (bytes done, bytes in all).
    ///   - sink: called on the caller's thread; an error it throws stops the read and is rethrown.
    /// - Returns: rows read and imported, and the rows left out under `CSVErrorPolicy.skip`.
    /// - Throws: `CSVError` for a bad row under `.fail` (file, line, column, text), or
    ///   `.schemaMismatch` when the column counts differ; whatever `sink` throws.
    /// Parsing runs on `options.threads` worker threads, a few chunks ahead of the sink.
    package func read(
        schema: Schema, progress: ((Int, Int) -> Void)? = nil, sink: (Batch) throws -> Void
    ) throws -> CSVReadSummary {
        guard schema.count == columnCount else {
            throw CSVError(
                kind: .schemaMismatch,
                message: "the file has \(columnCount) columns but the schema has \(schema.count)",
                location: FileLocation(path: path))
        }
        if inference == nil && dateFormat == nil && schema.fields.contains(where: { $0.type == .date }) {
            // The day/month order of `dd/mm/yyyy` dates comes from all values; learn it first.
            _ = try inferSchema()
        }
        let plans = try columnPlans(schema)
        let starts = chunkStarts
        var summary = CSVReadSummary(rowsRead: 0, rowsImported: 0, rejected: [])
        var line = bodyStartLine
        let shared = UncheckedSendable((file: self, plans: plans))
        try forEachChunk(starts.count, window: threads * 2 + 1) { chunk in
            let (file, plans) = shared.value
            return file.readChunk(start: starts[chunk], end: file.chunkEnd(chunk, starts), plans: plans)
        } consume: { chunk, result in
            if let failure = result.failure {
                throw CSVError(
                    kind: failure.kind, message: failure.message,
                    location: FileLocation(path: path, line: line + failure.relativeLine, column: failure.column))
            }
            for batch in result.batches { try sink(batch) }
            for problem in result.rejected {
                let reason = (problem.column.map { "column \"\($0)\": " } ?? "") + problem.message
                summary.rejected.append(
                    CSVRejectedRow(line: line + problem.relativeLine, text: problem.text, reason: reason))
            }
            summary.rowsRead += result.rowsRead
            summary.rowsImported += result.rowsImported
            line += result.lineCount
            progress?(chunkEnd(chunk, starts) - bodyStart, text.count - bodyStart)
        }
        return summary
    }

    /// How each column of `schema` is converted (the date order inference found).
    func columnPlans(_ schema: Schema) throws(CSVError) -> [ColumnPlan] {
        var plans: [ColumnPlan] = []
        for (index, field) in schema.fields.enumerated() {
            if case .interval = field.type { throw unstorable(field) }
            if case .null = field.type { throw unstorable(field) }
            let order = inference.flatMap { $0.schema.fields[index].type == .date ? $0.dateOrders[index] : nil }
            plans.append(ColumnPlan(name: columnNames[index], type: field.type, dateOrder: order ?? .dayFirst))
        }
        return plans
    }

    private func unstorable(_ field: Field) -> CSVError {
        CSVError(
            kind: .schemaMismatch, message: "column type \(field.type) cannot be stored",
            location: FileLocation(path: path, column: field.name))
    }

    /// Parses and converts the records of `start..<end` (runs on a worker thread); batches hold
    /// the columns `columns` (all when nil), in that order.
    func readChunk(start: Int, end: Int, plans: [ColumnPlan], columns: [Int]? = nil) -> ChunkReadResult {
        var result = ChunkReadResult()
        let block = FieldBlock(stride: columnCount + 1, rowCapacity: blockRows)
        let badColumns = UnsafeMutablePointer<Int32>.allocate(capacity: block.rowCapacity)
        defer { badColumns.deallocate() }
        let converter = ColumnConverter(base: base, nullTokens: nullTokens, syntax: syntax)
        let selected = columns ?? Array(0..<columnCount)
        let types = selected.map { plans[$0].type }
        var scanner = RecordScanner(base: base, start: start, end: end, delimiter: delimiter)
        while true {
            block.count = 0
            // A block also ends after 1 GiB of text, so string offsets (Int32) cannot overflow.
            let blockStart = scanner.position
            while !block.isFull && scanner.position - blockStart < 1 << 30 && scanner.scanRecord(into: block) {}
            if block.count == 0 { break }
            result.rowsRead += block.count
            var anyBad = false
            for row in 0..<block.count {
                badColumns[row] = -1
                if (block.fieldCounts[row] != columnCount || block.malformed[row] != 0) && rowProblem(block, row) != nil
                {
                    badColumns[row] = -2
                    anyBad = true
                }
            }
            var batch = Batch(types: types)
            for (position, column) in selected.enumerated() {
                if converter.convert(
                    block, column: column, plan: plans[column], into: batch.columns[position], badColumns: badColumns)
                {
                    anyBad = true
                }
            }
            if anyBad {
                var kept = 0
                for row in 0..<block.count {
                    guard badColumns[row] == -1 else {
                        let problem = describe(block, row, badColumn: Int(badColumns[row]), plans: plans)
                        if options.onError == .fail {
                            result.failure = problem
                            return result
                        }
                        result.rejected.append(problem)
                        continue
                    }
                    if kept != row { block.moveRow(row, to: kept) }
                    badColumns[kept] = -1
                    kept += 1
                }
                block.count = kept
                batch = Batch(types: types)
                if kept > 0 {
                    for (position, column) in selected.enumerated() {
                        let stillBad = converter.convert(
                            block, column: column, plan: plans[column], into: batch.columns[position],
                            badColumns: badColumns)
                        precondition(!stillBad, "a row that converted once failed to convert again")
                    }
                }
            }
            batch.count = block.count
            if block.count > 0 {
                result.batches.append(batch)
                result.rowsImported += block.count
            }
        }
        result.lineCount = scanner.line
        return result
    }

    /// The report for a bad row: what is wrong, in which column, with the offending text.
    @inline(never)
    func describe(_ block: FieldBlock, _ row: Int, badColumn: Int, plans: [ColumnPlan]) -> PendingProblem {
        let record = UnsafeRawBufferPointer(
            start: base + block.recordStarts[row], count: block.recordEnds[row] - block.recordStarts[row])
        let text = String(decoding: record, as: UTF8.self)
        let line = block.lines[row]
        if badColumn >= 0 {
            let index = row * block.stride + badColumn
            let field = UnsafeRawBufferPointer(
                start: base + block.starts[index], count: block.ends[index] - block.starts[index])
            let plan = plans[badColumn]
            return PendingProblem(
                kind: .badValue, relativeLine: line, column: plan.name,
                message: "\(quotedForMessage(field)) is not a valid \(plan.type)", text: text)
        }
        switch rowProblem(block, row) {
        case .unterminatedQuote:
            return PendingProblem(
                kind: .malformedQuote, relativeLine: line, column: nil, message: "a quoted field is never closed",
                text: text)
        case .textAfterQuote:
            return PendingProblem(
                kind: .malformedQuote, relativeLine: line, column: nil,
                message: "text after a closing quote in \(quotedForMessage(record))", text: text)
        case .wrongFieldCount(let found):
            return PendingProblem(
                kind: .raggedRow, relativeLine: line, column: nil,
                message: "expected \(columnCount) fields but found \(found) in \(quotedForMessage(record))", text: text)
        case nil:
            preconditionFailure("row \(row) marked bad without a problem")
        }
    }
}
