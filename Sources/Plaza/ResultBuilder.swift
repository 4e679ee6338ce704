internal import PlazaCore
internal import PlazaVector

/// Gathers the batches of a query into one flat `ColumnVector` per result column.
///
/// Dictionary vectors are decoded and selection vectors applied, so that `QueryResult` can index
/// any row directly and hand out whole columns without per-row work.
final class ResultBuilder {
    let fields: [Field]
    private(set) var columns: [ColumnVector]
    private(set) var rowCount = 0

    init(fields: [Field]) {
        self.fields = fields
        self.columns = fields.map { ColumnVector(type: Self.storedType($0.type), capacity: 0) }
    }

    /// The type a result column is kept as: untyped NULL columns become BOOLEAN vectors of NULLs.
    static func storedType(_ type: DataType) -> DataType { type == .null ? .boolean : type }

    /// Appends the live rows of `batch`, whose columns match `fields` in number and type.
    func append(_ batch: Batch) {
        precondition(
            batch.columns.count >= fields.count, "batch has \(batch.columns.count) columns, result \(fields.count)")
        let live = batch.liveCount
        guard live > 0 else { return }
        for (position, target) in columns.enumerated() {
            let source = batch.columns[position].flattened()
            // Grows by doubling: a result built from many small batches (a selective filter over
            // millions of rows) would otherwise copy every row it holds at every batch.
            if rowCount + live > target.capacity { target.reserve(Swift.max(rowCount + live, 2 * target.capacity)) }
            if let selection = batch.selection {
                for row in selection.buffer { Self.copyRow(Int(row), from: source, to: target) }
            } else if source.type != .null && source.physicalType == target.physicalType {
                Self.copyAll(live, from: source, to: target, at: rowCount)
            } else {
                for row in 0..<live { Self.copyRow(row, from: source, to: target) }
            }
        }
        rowCount += live
    }

    /// Copies `count` rows in bulk: one memcpy for fixed-width values, or for string bytes with the
    /// offsets rebased; validity only where the source has NULLs.
    private static func copyAll(_ count: Int, from source: ColumnVector, to target: ColumnVector, at start: Int) {
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
        }
    }

    /// The finished result.
    func finish() -> QueryResult {
        QueryResult(storage: ResultStorage(fields: fields, columns: columns, rowCount: rowCount))
    }
}

/// The immutable columns of a finished result.
///
/// `@unchecked Sendable`: the vectors are written only by `ResultBuilder` before this object is
/// created and never mutated afterwards, so concurrent reads are safe.
final class ResultStorage: @unchecked Sendable {
    let fields: [Field]
    let columns: [ColumnVector]
    let rowCount: Int

    init(fields: [Field], columns: [ColumnVector], rowCount: Int) {
        self.fields = fields
        self.columns = columns
        self.rowCount = rowCount
    }

    /// The position of the column named `name` (exact match first, then case-insensitive).
    func columnIndex(_ name: String) -> Int? {
        if let exact = fields.firstIndex(where: { $0.name == name }) { return exact }
        let lowered = name.lowercased()
        return fields.firstIndex(where: { $0.name.lowercased() == lowered })
    }

    func value(row: Int, column: Int) -> Value {
        if fields[column].type == .null { return .null }
        return columns[column].value(at: row)
    }
}
