internal import PlazaCore
internal import PlazaVector

/// Gathers the batches of a query into flat `ColumnVector`s per result column, in chunks.
///
/// Dictionary vectors are decoded and selection vectors applied, so that `QueryResult` can index
/// any row directly and hand out whole columns without per-row work. A batch the builder may keep
/// (`append(keeping:)`) becomes a chunk as it is, without copying its rows: a 10M-row answer
/// then costs its memory once, not once in batches and again in the result.
final class ResultBuilder {
    let fields: [Field]
    /// The finished chunks, each one flat vector per field.
    private var chunks: [[ColumnVector]] = []
    /// The first row of each chunk.
    private var chunkStarts: [Int] = []
    /// The chunk that copied rows go into, not yet closed.
    private var open: [ColumnVector]
    private var openCount = 0
    private(set) var rowCount = 0

    init(fields: [Field]) {
        self.fields = fields
        self.open = ResultBuilder.emptyColumns(fields)
    }

    /// Empty vectors of the types `fields` are kept as.
    private static func emptyColumns(_ fields: [Field]) -> [ColumnVector] {
        fields.map { ColumnVector(type: Self.storedType($0.type), capacity: 0) }
    }

    /// The type a result column is kept as: untyped NULL columns become BOOLEAN vectors of NULLs.
    static func storedType(_ type: DataType) -> DataType { type == .null ? .boolean : type }

    /// Appends the live rows of `batch`, whose columns match `fields` in number and type, keeping
    /// its vectors as a chunk where they are whole and mostly full; the batch's vectors must not
    /// change afterwards (a query's materialized output, never a streamed batch whose buffers an
    /// operator may refill).
    func append(keeping batch: Batch) {
        guard let columns = keptColumns(batch) else {
            append(batch)
            return
        }
        closeOpen()
        chunkStarts.append(rowCount)
        chunks.append(columns)
        rowCount += batch.count
    }

    /// The columns of `batch` to keep as a chunk: no selection, every column of its field's stored
    /// type (dictionaries decoded), and at least half of each buffer used, so that small batches in
    /// 2,048-row buffers are copied together instead of holding their unused room.
    private func keptColumns(_ batch: Batch) -> [ColumnVector]? {
        let count = batch.count
        guard batch.selection == nil, count > 0, batch.columns.count >= fields.count else { return nil }
        var kept: [ColumnVector] = []
        kept.reserveCapacity(fields.count)
        for (position, field) in fields.enumerated() {
            let column = batch.columns[position].flattened()
            guard column.type == field.type, field.type != .null, column.count >= count,
                column.capacity <= 2 * count, column.heapCapacity <= 2 * column.heapCount + 4096
            else { return nil }
            kept.append(column)
        }
        return kept
    }

    /// Appends copies of the live rows of `batch`, whose columns match `fields` in number and type.
    func append(_ batch: Batch) {
        precondition(
            batch.columns.count >= fields.count, "batch has \(batch.columns.count) columns, result \(fields.count)")
        let live = batch.liveCount
        guard live > 0 else { return }
        for (position, target) in open.enumerated() {
            let source = batch.columns[position].flattened()
            // Grows by doubling: a result built from many small batches (a selective filter over
            // millions of rows) would otherwise copy every row it holds at every batch.
            if openCount + live > target.capacity { target.reserve(Swift.max(openCount + live, 2 * target.capacity)) }
            if let selection = batch.selection {
                for row in selection.buffer { Self.copyRow(Int(row), from: source, to: target) }
            } else if source.type != .null && source.physicalType == target.physicalType {
                Self.copyAll(live, from: source, to: target, at: openCount)
            } else {
                for row in 0..<live { Self.copyRow(row, from: source, to: target) }
            }
        }
        openCount += live
        rowCount += live
    }

    /// Closes the chunk of copied rows, if it has any.
    private func closeOpen() {
        guard openCount > 0 else { return }
        chunkStarts.append(rowCount - openCount)
        chunks.append(open)
        open = ResultBuilder.emptyColumns(fields)
        openCount = 0
    }

    /// Copies `count` rows in bulk: one memcpy for fixed-width values, or for string bytes with the
    /// offsets rebased; validity only where the source has NULLs.
    static func copyAll(_ count: Int, from source: ColumnVector, to target: ColumnVector, at start: Int) {
        if target.physicalType == .string {
            let sourceOffsets = source.offsets, base = sourceOffsets[0]
            let bytes = Int(sourceOffsets[count] - base)
            target.reserveHeap(bytes)
            let heapStart = target.heapCount
            if bytes > 0 { (target.heap + heapStart).copyMemory(from: source.heap + Int(base), byteCount: bytes) }
            let shift = Int32(heapStart) - base
            let targetOffsets = target.offsets
            for row in 1...count { targetOffsets[start + row] = sourceOffsets[row] &+ shift }
            target.setHeapCount(heapStart + bytes)
        } else {
            let width = target.byteWidth
            (target.data + start * width).copyMemory(from: source.data, byteCount: count * width)
        }
        target.setCount(start + count)
        if source.hasNulls || target.hasNulls {
            for row in 0..<count { target.setValid(source.isValid(at: row), at: start + row) }
        }
    }

    /// Copies one row (a builder path, not a hot kernel: results are small next to their inputs).
    private static func copyRow(_ row: Int, from source: ColumnVector, to target: ColumnVector) {
        if !source.isValid(at: row) || source.type == .null {
            target.appendNull()
            return
        }
        switch target.physicalType {
        case .string: target.appendBytes(source.bytes(at: row))
        case .uint8: target.append(source.data.load(fromByteOffset: row, as: UInt8.self))
        case .int32: target.append(source.data.load(fromByteOffset: row * 4, as: Int32.self))
        case .int64: target.append(source.data.load(fromByteOffset: row * 8, as: Int64.self))
        case .double: target.append(source.data.load(fromByteOffset: row * 8, as: Double.self))
        case .interval: target.append(source.data.load(fromByteOffset: row * 16, as: Interval.self))
        case .int128: target.append(source.data.load(fromByteOffset: row * 16, as: Int128.self))
        }
    }

    /// The finished result.
    func finish() -> QueryResult {
        closeOpen()
        return QueryResult(
            storage: ResultStorage(fields: fields, chunks: chunks, chunkStarts: chunkStarts, rowCount: rowCount))
    }
}

/// The immutable columns of a finished result, in chunks of rows.
///
/// `@unchecked Sendable`: the vectors are written only by `ResultBuilder` before this object is
/// created and never mutated afterwards, so concurrent reads are safe.
final class ResultStorage: @unchecked Sendable {
    let fields: [Field]
    /// One flat vector per field for each run of rows, in order.
    let chunks: [[ColumnVector]]
    /// The first row of each chunk.
    let chunkStarts: [Int]
    let rowCount: Int

    init(fields: [Field], chunks: [[ColumnVector]], chunkStarts: [Int], rowCount: Int) {
        self.fields = fields
        self.chunks = chunks
        self.chunkStarts = chunkStarts
        self.rowCount = rowCount
    }

    /// The position of the column named `name` (exact match first, then case-insensitive).
    func columnIndex(_ name: String) -> Int? {
        if let exact = fields.firstIndex(where: { $0.name == name }) { return exact }
        let lowered = name.lowercased()
        return fields.firstIndex(where: { $0.name.lowercased() == lowered })
    }

    /// The chunk holding `row` and the row's position in it (a binary search over the chunks).
    func locate(_ row: Int) -> (chunk: Int, row: Int) {
        var low = 0, high = chunkStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if chunkStarts[middle] <= row { low = middle } else { high = middle - 1 }
        }
        return (low, row - chunkStarts[low])
    }

    /// The number of rows in chunk `chunk`.
    func rowCount(ofChunk chunk: Int) -> Int {
        (chunk + 1 < chunkStarts.count ? chunkStarts[chunk + 1] : rowCount) - chunkStarts[chunk]
    }

    func value(row: Int, column: Int) -> Value {
        if fields[column].type == .null { return .null }
        let (chunk, offset) = locate(row)
        return chunks[chunk][column].value(at: offset)
    }

    /// Column `index`'s values as `Element` (its stored fixed-width type, no NULLs), chunk after chunk.
    func fixedValues<Element>(_ index: Int, as _: Element.Type) -> [Element] {
        var values: [Element] = []
        values.reserveCapacity(rowCount)
        for chunk in chunks.indices {
            let data = chunks[chunk][index].data.assumingMemoryBound(to: Element.self)
            values.append(contentsOf: UnsafeBufferPointer(start: data, count: rowCount(ofChunk: chunk)))
        }
        return values
    }

    /// Calls `body(vector, position, row)` for every row of column `index` in order: the chunk's
    /// vector, the row's position in it, and its row number in the result.
    func forEachRow<Failure: Error>(_ index: Int, _ body: (ColumnVector, Int, Int) throws(Failure) -> Void)
        throws(Failure)
    {
        for chunk in chunks.indices {
            let vector = chunks[chunk][index], first = chunkStarts[chunk]
            for at in 0..<rowCount(ofChunk: chunk) { try body(vector, at, first + at) }
        }
    }

    /// Column `index` as one flat vector: the chunk's own with a single chunk, else the chunks
    /// copied together (O(rows)).
    func flatColumn(_ index: Int) -> ColumnVector {
        if chunks.count == 1 { return chunks[0][index] }
        let target = ColumnVector(type: ResultBuilder.storedType(fields[index].type), capacity: rowCount)
        if target.physicalType == .string {
            var bytes = 0
            for chunk in chunks.indices {
                let offsets = chunks[chunk][index].offsets
                bytes += Int(offsets[rowCount(ofChunk: chunk)] - offsets[0])
            }
            target.reserveHeap(bytes)
        }
        for chunk in chunks.indices {
            ResultBuilder.copyAll(rowCount(ofChunk: chunk), from: chunks[chunk][index], to: target, at: target.count)
        }
        return target
    }

    /// Every column as one flat vector (see `flatColumn`).
    var columns: [ColumnVector] { fields.indices.map(flatColumn) }
}
