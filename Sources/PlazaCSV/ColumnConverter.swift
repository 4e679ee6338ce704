import PlazaCore
import PlazaVector

/// How `read` turns one column's fields into values of its schema type.
struct ColumnPlan: Sendable {
    /// The column's name, for error messages.
    let name: String
    /// The type to produce.
    let type: DataType
    /// The order for `dd/mm/yyyy`-shaped dates (day-first unless inference found otherwise).
    let dateOrder: DateOrder
}

/// Converts the fields of one column of a `FieldBlock` into a `ColumnVector`, a whole block per
/// call with the type switch outside the row loop (STYLE.md rule 8).
struct ColumnConverter {
    let base: UnsafePointer<UInt8>
    let nullTokens: NullTokens
    /// The text parser's CSV profile (decimal comma, money text, date format).
    let syntax: TextParseOptions

    /// Fills `vector` with column `column` of every row of `block`.
    ///
    /// Rows with `badColumns[row] != -1` are already bad and get NULL; a value that does not fit
    /// marks its row with this column. Returns whether any row was newly marked.
    func convert(
        _ block: FieldBlock, column: Int, plan: ColumnPlan, into vector: ColumnVector,
        badColumns: UnsafeMutablePointer<Int32>
    ) -> Bool {
        precondition(vector.capacity >= block.count && vector.count == 0, "vector not ready for a block")
        var syntax = self.syntax
        syntax.dayMonthOrder = plan.dateOrder
        switch plan.type {
        case .boolean:
            return fill(block, column, vector, badColumns, as: UInt8.self) { p, n in
                TextValueParser.boolean(UnsafeBufferPointer(start: p, count: n), options: syntax).map { $0 ? 1 : 0 }
            }
        case .bigint:
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in
                TextValueParser.integer(UnsafeBufferPointer(start: p, count: n), options: syntax)
            }
        case .decimal(let precision, let scale):
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in
                TextValueParser.decimal(
                    UnsafeBufferPointer(start: p, count: n), precision: precision, scale: scale, options: syntax)
            }
        case .double:
            return fill(block, column, vector, badColumns, as: Double.self) { p, n in
                TextValueParser.double(UnsafeBufferPointer(start: p, count: n), options: syntax)
            }
        case .date:
            return fill(block, column, vector, badColumns, as: Int32.self) { p, n in
                TextValueParser.date(UnsafeBufferPointer(start: p, count: n), options: syntax)
            }
        case .timestamp:
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in
                TextValueParser.timestamp(UnsafeBufferPointer(start: p, count: n), options: syntax)
            }
        case .varchar:
            fillStrings(block, column, vector, badColumns)
            return false
        case .interval, .null:
            preconditionFailure("\(plan.type) cannot be a stored column")
        }
    }

    /// The loop for fixed-width types: NULL check, parse, store; specialized per call site.
    @inline(__always)
    private func fill<T>(
        _ block: FieldBlock, _ column: Int, _ vector: ColumnVector, _ badColumns: UnsafeMutablePointer<Int32>,
        as: T.Type, _ parse: (UnsafePointer<UInt8>, Int) -> T?
    ) -> Bool {
        let values = vector.data.assumingMemoryBound(to: T.self)
        let stride = block.stride
        let count = block.count
        var foundBad = false
        let zero = UnsafeRawPointer(ColumnConverter.zeros).load(as: T.self)
        var index = column
        for row in 0..<count {
            defer { index &+= stride }
            let start = block.starts[index], end = block.ends[index], flags = block.flags[index]
            if badColumns[row] != -1 || nullTokens.isNull(base, start: start, end: end, flags: flags) {
                values[row] = zero
                vector.setValid(false, at: row)
                continue
            }
            if let value = parse(base + start, end - start) {
                values[row] = value
            } else {
                badColumns[row] = Int32(column)
                foundBad = true
                values[row] = zero
                vector.setValid(false, at: row)
            }
        }
        vector.setCount(count)
        return foundBad
    }

    /// Sixteen zero bytes, read as the zero of any fixed-width type.
    nonisolated(unsafe) private static let zeros: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        return p
    }()

    /// The loop for VARCHAR: copy each field's bytes (undoing doubled quotes) into the heap.
    private func fillStrings(
        _ block: FieldBlock, _ column: Int, _ vector: ColumnVector, _ badColumns: UnsafeMutablePointer<Int32>
    ) {
        let stride = block.stride
        let count = block.count
        var total = 0
        var index = column
        for row in 0..<count {
            // Fields of bad rows may not exist (a short row); they become NULL and take no space.
            if badColumns[row] == -1 { total &+= block.ends[index] &- block.starts[index] }
            index &+= stride
        }
        vector.reserveHeap(total)
        let heap = vector.heap.assumingMemoryBound(to: UInt8.self)
        let offsets = vector.offsets
        var used = vector.heapCount
        index = column
        for row in 0..<count {
            defer { index &+= stride }
            let start = block.starts[index], end = block.ends[index], flags = block.flags[index]
            if badColumns[row] != -1 || nullTokens.isNull(base, start: start, end: end, flags: flags) {
                offsets[row &+ 1] = Int32(used)
                vector.setValid(false, at: row)
                continue
            }
            if flags & FieldBlock.escapedQuotes == 0 {
                (heap + used).update(from: base + start, count: end &- start)
                used &+= end &- start
            } else {
                var i = start
                while i < end {
                    heap[used] = base[i]
                    used &+= 1
                    i &+= base[i] == ASCII.quote ? 2 : 1
                }
            }
            offsets[row &+ 1] = Int32(used)
        }
        vector.setHeapCount(used)
        vector.setCount(count)
    }
}
