import PlazaCore
import PlazaVector

/// The buffers of one column in a record batch (Arrow's Columnar format, "Buffer Listing for Each
/// Layout"): their byte lengths, known before any byte is written, and the loops that write them.
///
/// A validity bitmap (LSB-first, 1 = valid) is written only when the batch holds a NULL in the
/// column; otherwise its buffer is empty and the null count 0, as the format allows.
struct ColumnLayout {
    /// The logical type, which picks the buffers.
    let type: DataType
    /// NULL rows among the first `count`.
    let nullCount: Int
    /// Byte lengths of the column's buffers, in the format's order (validity first).
    let bufferLengths: [Int]

    init(_ type: DataType, _ column: ColumnVector, count: Int) {
        precondition(!column.isDictionary, "flatten dictionary vectors before encoding them")
        self.type = type
        guard type != .null else {
            // The Null layout has no buffers at all; every row is NULL.
            nullCount = count
            bufferLengths = []
            return
        }
        nullCount = count - column.validity.validCount(count)
        let validity = nullCount > 0 ? (count + 7) / 8 : 0
        switch type {
        case .boolean: bufferLengths = [validity, (count + 7) / 8]
        case .bigint, .double, .timestamp: bufferLengths = [validity, count * 8]
        case .date: bufferLengths = [validity, count * 4]
        case .decimal, .interval: bufferLengths = [validity, count * 16]
        case .varchar:
            let offsets = column.offsets
            bufferLengths = [validity, (count + 1) * 4, Int(offsets[count] - offsets[0])]
        case .null: preconditionFailure("handled above")
        }
    }

    /// Writes the buffers at `offset` (advanced past each, padding included) in `output`, which is zeroed.
    func write(
        _ column: ColumnVector, count: Int, into output: UnsafeMutableRawPointer, at offset: inout Int, field: Field
    ) throws(ArrowError) {
        guard !bufferLengths.isEmpty else { return }
        if bufferLengths[0] > 0 {
            // ValidityBitmap's words are LSB-first like Arrow's bytes; on a little-endian machine their
            // bytes are Arrow's bitmap as they are.
            (output + offset).copyMemory(from: column.validityWords, byteCount: bufferLengths[0])
        }
        offset += bufferLengths[0] + ArrowStreamEncoder.padding(bufferLengths[0])
        let values = output + offset
        switch type {
        case .boolean: Self.packBits(column.data.assumingMemoryBound(to: UInt8.self), count, into: values)
        case .bigint, .double, .timestamp, .date: values.copyMemory(from: column.data, byteCount: bufferLengths[1])
        case .decimal where column.physicalType == .int128:
            // A wide DECIMAL is already Arrow's decimal128: 16-byte two's complement, little-endian.
            values.copyMemory(from: column.data, byteCount: count * 16)
        case .decimal:
            let source = column.data.assumingMemoryBound(to: Int64.self)
            let target = values.assumingMemoryBound(to: Int64.self)
            // 128-bit two's complement, little-endian: the low word, then the sign extended.
            for row in 0..<count {
                target[2 &* row] = source[row]
                target[2 &* row &+ 1] = source[row] >> 63
            }
        case .interval:
            try Self.writeIntervals(column, count, into: values, field: field)
        case .varchar:
            let offsets = column.offsets, base = offsets[0]
            if base == 0 {
                values.copyMemory(from: offsets, byteCount: bufferLengths[1])
            } else {
                let target = values.assumingMemoryBound(to: Int32.self)
                for row in 0...count { target[row] = offsets[row] &- base }
            }
            offset += bufferLengths[1] + ArrowStreamEncoder.padding(bufferLengths[1])
            if bufferLengths[2] > 0 {
                (output + offset).copyMemory(from: column.heap + Int(base), byteCount: bufferLengths[2])
            }
            offset += bufferLengths[2] + ArrowStreamEncoder.padding(bufferLengths[2])
            return
        case .null: preconditionFailure("the Null layout has no buffers")
        }
        offset += bufferLengths[1] + ArrowStreamEncoder.padding(bufferLengths[1])
    }

    /// Packs one byte per row (0 false, else true) into bits, LSB-first; `target` is zeroed.
    static func packBits(_ source: UnsafePointer<UInt8>, _ count: Int, into target: UnsafeMutableRawPointer) {
        let bytes = target.assumingMemoryBound(to: UInt8.self)
        for row in 0..<count where source[row] != 0 {
            bytes[row &>> 3] |= 1 << UInt8(row & 7)
        }
    }

    /// Writes MONTH_DAY_NANO intervals: months and days as they are, microseconds × 1,000.
    ///
    /// - Throws: `ArrowError` when a non-NULL value's nanoseconds overflow 64 bits.
    static func writeIntervals(
        _ column: ColumnVector, _ count: Int, into target: UnsafeMutableRawPointer, field: Field
    ) throws(ArrowError) {
        let source = column.data.assumingMemoryBound(to: Interval.self)
        let validity = column.validity
        for row in 0..<count {
            let value = source[row]
            let (nanoseconds, overflow) = value.micros.multipliedReportingOverflow(by: 1000)
            if overflow && validity.isValid(at: row) { throw intervalError(value, field: field) }
            let slot = target + row &* 16
            slot.storeBytes(of: value.months.littleEndian, toByteOffset: 0, as: Int32.self)
            slot.storeBytes(of: value.days.littleEndian, toByteOffset: 4, as: Int32.self)
            slot.storeBytes(of: (overflow ? 0 : nanoseconds).littleEndian, toByteOffset: 8, as: Int64.self)
        }
    }

    /// Checks that rows `rows` of an INTERVAL column fit MONTH_DAY_NANO, before they wait in a writer.
    ///
    /// - Throws: `ArrowError` for the first non-NULL value whose nanoseconds overflow 64 bits.
    static func checkIntervals(_ column: ColumnVector, _ rows: UnsafeBufferPointer<Int32>, field: Field)
        throws(ArrowError)
    {
        let source = column.data.assumingMemoryBound(to: Interval.self)
        let validity = column.validity
        for row in rows where validity.isValid(at: Int(row)) {
            let value = source[Int(row)]
            if value.micros.multipliedReportingOverflow(by: 1000).overflow { throw intervalError(value, field: field) }
        }
    }

    /// The error for an interval past Arrow's 64-bit nanoseconds.
    @inline(never)
    static func intervalError(_ value: Interval, field: Field) -> ArrowError {
        ArrowError(
            "the interval \(value) does not fit Arrow's 64-bit nanoseconds (at most about 292 years)",
            column: field.name)
    }
}
