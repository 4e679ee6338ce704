import PlazaCore
import PlazaVector

/// Converts a column read from an older segment to the table's widened type (Formats/plaza-manifest.md §7).
///
/// Exact by construction: DECIMAL rescaling multiplies by a power of ten with an overflow and
/// precision check; DECIMAL→DOUBLE divides two exactly representable doubles (IEEE division is
/// correctly rounded) or, past 2^53, parses the decimal text (also correctly rounded); DATE→TIMESTAMP
/// multiplies by a day's microseconds; →VARCHAR prints the value as `CAST(… AS VARCHAR)` would.
/// Only segments written before a widening take this path, so the VARCHAR case may build a
/// `String` per value.
struct ColumnConversion: Sendable {
    /// The type stored in the segment.
    let from: DataType
    /// The table's type.
    let to: DataType

    /// Like `convert(_:into:)`, but a dictionary vector stays a dictionary vector: its dictionary
    /// is converted once and kept in `cache` while the segment cursor hands out the same one.
    func convert(_ source: ColumnVector, into target: ColumnVector, cache: inout ConvertedDictionary?)
        throws(ConversionFailure)
    {
        guard let dictionary = source.dictionary else { return try convert(source, into: target) }
        let converted: ColumnVector
        if let cache, cache.source === dictionary {
            converted = cache.converted
        } else {
            converted = ColumnVector(type: to, capacity: Swift.max(dictionary.count, 1))
            try convert(dictionary, into: converted)
            cache = ConvertedDictionary(source: dictionary, converted: converted)
        }
        let count = source.count
        target.reset()
        target.makeDictionary(converted, count: count)
        target.values(as: UInt32.self).baseAddress!.update(
            from: source.values(as: UInt32.self).baseAddress!, count: count)
        if source.hasNulls {
            target.validityWords.update(from: source.validityWords, count: max(1, ValidityBitmap.wordCount(for: count)))
            target.hasNulls = true
        }
    }

    /// Fills `target` (of type `to`) with the converted values of `source` (of type `from`).
    /// Throws a message when a value does not fit the target type (possible only for BIGINT→DECIMAL).
    func convert(_ source: ColumnVector, into target: ColumnVector) throws(ConversionFailure) {
        precondition(source.type == from && target.type == to, "conversion applied to the wrong vector types")
        let input = source.flattened()
        let count = input.count
        target.reset()
        target.reserve(count)
        if to == .varchar {
            for row in 0..<count {
                if input.isValid(at: row) {
                    target.appendString(input.value(at: row).description)
                } else {
                    target.appendNull()
                }
            }
            return
        }
        switch (from, to) {
        case (.date, .timestamp):
            let days = input.values(as: Int32.self), out = target.data.assumingMemoryBound(to: Int64.self)
            for row in 0..<count { out[row] = Int64(days[row]) &* CivilCalendar.microsPerDay }
        case (.bigint, .double):
            let values = input.values(as: Int64.self), out = target.data.assumingMemoryBound(to: Double.self)
            for row in 0..<count { out[row] = Double(values[row]) }
        case (.decimal(_, let scale), .double):
            Self.decimalToDouble(
                input.values(as: Int64.self), scale: scale, out: target.data.assumingMemoryBound(to: Double.self))
        case (.bigint, .decimal(let precision, let scale)):
            try Self.rescale(
                input, by: scale, precision: precision, out: target.data.assumingMemoryBound(to: Int64.self))
        case (.decimal(_, let oldScale), .decimal(let precision, let newScale)):
            try Self.rescale(
                input, by: newScale - oldScale, precision: precision,
                out: target.data.assumingMemoryBound(to: Int64.self))
        default:
            preconditionFailure("no conversion from \(from) to \(to); TypeWidening.canRead should have refused it")
        }
        target.setCount(count)
        if input.hasNulls {
            target.validityWords.update(from: input.validityWords, count: max(1, ValidityBitmap.wordCount(for: count)))
            target.hasNulls = true
        }
    }

    private static func decimalToDouble(
        _ values: UnsafeMutableBufferPointer<Int64>, scale: Int, out: UnsafeMutablePointer<Double>
    ) {
        let divisor = Double(powersOfTen[scale])  // exact: 10^18 < 2^63 and 10^k is exact in binary64 for k ≤ 22
        let exactLimit: Int64 = 1 << 53
        for row in 0..<values.count {
            let value = values[row]
            if value > -exactLimit && value < exactLimit {
                out[row] = Double(value) / divisor
            } else {
                out[row] = Double(formatDecimal(value, scale: scale)) ?? .nan
            }
        }
    }

    private static func rescale(_ input: ColumnVector, by digits: Int, precision: Int, out: UnsafeMutablePointer<Int64>)
        throws(ConversionFailure)
    {
        let values = input.values(as: Int64.self)
        let factor = powersOfTen[digits], limit = powersOfTen[precision]
        for row in 0..<values.count {
            let (product, overflow) = values[row].multipliedReportingOverflow(by: factor)
            if overflow || product >= limit || product <= -limit {
                if !input.isValid(at: row) {
                    out[row] = 0
                    continue
                }
                throw ConversionFailure(row: row, value: input.value(at: row).description)
            }
            out[row] = product
        }
    }
}

/// A segment's dictionary and its conversion to the table's type, reused across batches.
final class ConvertedDictionary {
    /// The segment cursor's dictionary vector (compared by identity).
    let source: ColumnVector
    /// Its values in the table's type.
    let converted: ColumnVector

    init(source: ColumnVector, converted: ColumnVector) {
        self.source = source
        self.converted = converted
    }
}

/// A stored value that does not fit the table's widened type.
struct ConversionFailure: Error {
    /// The row within the batch.
    var row: Int
    /// The value as text.
    var value: String
}
