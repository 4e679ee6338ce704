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
    let syntax: NumberSyntax
    let dateFormat: DateFormat?

    /// Fills `vector` with column `column` of every row of `block`.
    ///
    /// Rows with `badColumns[row] != -1` are already bad and get NULL; a value that does not fit
    /// marks its row with this column. Returns whether any row was newly marked.
    func convert(
        _ block: FieldBlock, column: Int, plan: ColumnPlan, into vector: ColumnVector,
        badColumns: UnsafeMutablePointer<Int32>
    ) -> Bool {
        precondition(vector.capacity >= block.count && vector.count == 0, "vector not ready for a block")
        let syntax = self.syntax
        switch plan.type {
        case .boolean:
            return fill(block, column, vector, badColumns, as: UInt8.self) { p, n in
                NumberParser.parseBoolean(p, n).map { $0 ? 1 : 0 }
            }
        case .bigint:
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in
                if let v = NumberParser.parseInteger(p, n) { return v }
                guard let d = NumberParser.scanFormatted(p, n, point: syntax.point, group: syntax.group), d.scale == 0,
                    d.fits
                else { return nil }
                return d.unscaled
            }
        case .decimal(let precision, let scale):
            let factors = powersOfTen
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in
                guard
                    let d = NumberParser.scanDecimal(p, n, point: syntax.point)
                        ?? NumberParser.scanFormatted(p, n, point: syntax.point, group: syntax.group),
                    d.fits, d.scale <= scale, d.integerDigits <= precision - scale,
                    d.integerDigits + scale <= DataType.maxDecimalPrecision
                else { return nil }
                return d.unscaled * factors[scale - d.scale]
            }
        case .double:
            let factors = powersOfTen
            return fill(block, column, vector, badColumns, as: Double.self) { p, n in
                if let v = NumberParser.parseDouble(p, n, point: syntax.point) { return v }
                guard let d = NumberParser.scanFormatted(p, n, point: syntax.point, group: syntax.group), d.fits else {
                    return nil
                }
                return Double(d.unscaled) / Double(factors[d.scale])
            }
        case .date:
            let format = dateFormat
            let order = plan.dateOrder
            return fill(block, column, vector, badColumns, as: Int32.self) { p, n in
                if let format, let v = format.parse(p, n) { return v }
                if let v = DateParser.parseISODate(p, n) { return v }
                return DateParser.parseDayMonth(p, n, order: order)
            }
        case .timestamp:
            return fill(block, column, vector, badColumns, as: Int64.self) { p, n in DateParser.parseTimestamp(p, n) }
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
