import PlazaCore
import PlazaVector

/// Writes an Arrow IPC stream from batches of any size: small batches (a selective filter leaves
/// a few rows of each) are gathered into record batches of up to `targetRows` rows, so that a
/// reader gets a few full chunks rather than thousands of tiny ones.
///
/// ```swift
/// let writer = ArrowStreamWriter(fields: fields)
/// var bytes = writer.schemaMessage()
/// for batch in batches { bytes += try writer.append(batch) }
/// bytes += try writer.finish()
/// ```
/// A batch of `targetRows` rows or more, arriving when none are waiting, is encoded as it stands
/// without a copy. The encoding is `ArrowStreamEncoder`'s.
package final class ArrowStreamWriter {
    /// The encoder of the messages.
    package let encoder: ArrowStreamEncoder
    /// The rows a gathered record batch reaches before it is written.
    package let targetRows: Int
    /// Rows waiting to be written, one vector per field; nil until the first rows wait.
    private var pending: [ColumnVector]?
    private var pendingRows = 0

    /// A writer of rows of `fields`, gathering up to `targetRows` rows per record batch.
    package init(fields: [Field], targetRows: Int = ColumnVector.batchCapacity) {
        precondition(targetRows > 0, "a record batch holds at least one row")
        encoder = ArrowStreamEncoder(fields: fields)
        self.targetRows = targetRows
    }

    /// The stream's first message: the schema.
    package func schemaMessage() -> [UInt8] { encoder.schemaMessage() }

    /// Takes the live rows of `batch` (dictionaries flattened, the selection applied) and returns
    /// the record batch messages now complete, often none.
    ///
    /// - Throws: `ArrowError` for a value of these rows that Arrow cannot carry (see `ArrowStreamEncoder`).
    package func append(_ batch: Batch) throws(ArrowError) -> [UInt8] {
        let columns = batch.columns.prefix(encoder.fields.count).map { $0.flattened() }
        guard let selection = batch.selection else { return try append(columns, count: batch.count) }
        return try append(columns, rows: UnsafeBufferPointer(selection.buffer))
    }

    /// Takes the first `count` rows of `columns` (flat vectors, one per field) and returns the
    /// record batch messages now complete, often none.
    package func append(_ columns: [ColumnVector], count: Int) throws(ArrowError) -> [UInt8] {
        if pendingRows == 0 && count >= targetRows { return try encoder.recordBatchMessage(columns, count: count) }
        let rows = (0..<Int32(count)).map { $0 }
        return try rows.withUnsafeBufferPointer { (rows) throws(ArrowError) in try append(columns, rows: rows) }
    }

    /// Writes what waits and the end-of-stream marker.
    package func finish() throws(ArrowError) -> [UInt8] {
        try flush() + ArrowStreamEncoder.endOfStream
    }

    /// Adds rows `rows` of the flat `columns` to those waiting, writing first what waits when the
    /// rows would pass `targetRows` or a text column's 2 GiB of int32 offsets.
    private func append(_ columns: [ColumnVector], rows: UnsafeBufferPointer<Int32>) throws(ArrowError) -> [UInt8] {
        guard !rows.isEmpty else { return [] }
        // Checked now, not when the gathered batch is encoded: the error belongs to this call.
        for (field, column) in zip(encoder.fields, columns) where field.type == .interval {
            try ColumnLayout.checkIntervals(column, rows, field: field)
        }
        var messages: [UInt8] = []
        if pendingRows > 0 && (pendingRows + rows.count > targetRows || textWouldOverflow(columns, rows)) {
            messages += try flush()
        }
        let targets = pending ?? columns.map { ColumnVector(type: $0.type, capacity: targetRows) }
        for (target, column) in zip(targets, columns) { target.appendRows(of: column, rows) }
        pending = targets
        pendingRows += rows.count
        if pendingRows >= targetRows { messages += try flush() }
        return messages
    }

    /// Whether `rows` of `columns` would take a waiting text column past Int32 offsets.
    private func textWouldOverflow(_ columns: [ColumnVector], _ rows: UnsafeBufferPointer<Int32>) -> Bool {
        guard let pending else { return false }
        for (target, column) in zip(pending, columns) where column.physicalType == .string {
            let offsets = column.offsets
            var bytes = 0
            for row in rows { bytes += Int(offsets[Int(row) + 1] - offsets[Int(row)]) }
            if target.heapCount + bytes > Int(Int32.max) { return true }
        }
        return false
    }

    /// The record batch of the waiting rows (none when none wait); the vectors are kept for reuse.
    private func flush() throws(ArrowError) -> [UInt8] {
        guard let pending, pendingRows > 0 else { return [] }
        let message = try encoder.recordBatchMessage(pending, count: pendingRows)
        for vector in pending { vector.reset() }
        pendingRows = 0
        return message
    }
}
