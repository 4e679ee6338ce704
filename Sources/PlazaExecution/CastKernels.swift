import PlazaCore
import PlazaVector

/// `CAST` and `TRY_CAST` between every pair of types `FunctionCatalog.canCast` allows.
///
/// Text parsing is strict (surrounding spaces are trimmed, anything else is an error); numbers to
/// narrower exact types round half away from zero and fail when out of range. A failed conversion
/// throws `.conversion` naming the value, or gives NULL under TRY_CAST.
enum CastKernels {
    static func kernel(from source: DataType, to target: DataType, isTry: Bool) throws(ExecutionError) -> ScalarKernel {
        if source == target { return { (inputs, _) throws(ExecutionError) in inputs[0] } }
        if source == .null { return { (_, count) throws(ExecutionError) in GatherKernel.constant(.null, type: target, count: count) } }
        if target == .varchar { return toText(source) }
        switch (source, target) {
        case (.varchar, _):
            return rowByRow(source, target, isTry) { (v, row) in TextParsing.parse(v.bytes(at: row), as: target) }
        case (.bigint, .double):
            return ArithmeticKernels.unary(target) { (x: Int64) in Double(x) }
        case (.decimal(_, let s), .double):
            let divisor = Double(powersOfTen[s])
            return ArithmeticKernels.unary(target) { (x: Int64) in Double(x) / divisor }
        case (.bigint, .decimal(let p, let s)):
            return rowByRow(source, target, isTry) { (v, row) in
                let x = v.data.load(fromByteOffset: row * 8, as: Int64.self)
                let (r, o) = x.multipliedReportingOverflow(by: powersOfTen[s])
                return o || r.magnitude > UInt64(powersOfTen[p] - 1) ? nil : .decimal(r, scale: s)
            }
        case (.decimal(_, let s1), .decimal(let p, let s2)):
            return rowByRow(source, target, isTry) { (v, row) in
                let x = v.data.load(fromByteOffset: row * 8, as: Int64.self)
                guard let r = rescale(x, from: s1, to: s2), r.magnitude <= UInt64(powersOfTen[p] - 1) else { return nil }
                return .decimal(r, scale: s2)
            }
        case (.decimal(_, let s), .bigint):
            return rowByRow(source, target, isTry) { (v, row) in
                rescale(v.data.load(fromByteOffset: row * 8, as: Int64.self), from: s, to: 0).map { .bigint($0) }
            }
        case (.double, .bigint):
            return rowByRow(source, target, isTry) { (v, row) in
                let x = v.data.load(fromByteOffset: row * 8, as: Double.self).rounded(.toNearestOrAwayFromZero)
                return x.isFinite && x >= -9.223372036854775808e18 && x < 9.223372036854775808e18 ? .bigint(Int64(x)) : nil
            }
        case (.double, .decimal(let p, let s)):
            return rowByRow(source, target, isTry) { (v, row) in
                let x = (v.data.load(fromByteOffset: row * 8, as: Double.self) * Double(powersOfTen[s])).rounded(.toNearestOrAwayFromZero)
                guard x.isFinite, abs(x) <= Double(powersOfTen[p] - 1) else { return nil }
                return .decimal(Int64(x), scale: s)
            }
        case (.boolean, .bigint):
            return ArithmeticKernels.unary(target) { (x: UInt8) in Int64(x) }
        case (.bigint, .boolean):
            return ArithmeticKernels.unary(target) { (x: Int64) in UInt8(x != 0 ? 1 : 0) }
        case (.date, .timestamp):
            return ArithmeticKernels.unary(target) { (x: Int32) in Int64(x) * CivilCalendar.microsPerDay }
        case (.timestamp, .date):
            return ArithmeticKernels.unary(target) { (x: Int64) in Int32(truncatingIfNeeded: CivilCalendar.split(micros: x).days) }
        default:
            throw ExecutionError(.conversion, "cannot cast \(source) to \(target)")
        }
    }

    /// `x` at scale `from` rescaled to scale `to`, rounding half away from zero; nil on overflow.
    static func rescale(_ x: Int64, from: Int, to: Int) -> Int64? {
        if to == from { return x }
        if to > from {
            let (r, o) = x.multipliedReportingOverflow(by: powersOfTen[to - from])
            return o ? nil : r
        }
        let divisor = powersOfTen[from - to]
        let quotient = x / divisor, remainder = x % divisor
        if remainder.magnitude * 2 >= UInt64(divisor) { return quotient + (x < 0 ? -1 : 1) }
        return quotient
    }

    /// Any type to VARCHAR, as Plaza prints values, except that the fraction of a second of a
    /// TIMESTAMP or INTERVAL loses its trailing zeros (`01:02:03.04`), as DuckDB casts them.
    static func toText(_ source: DataType) -> ScalarKernel {
        let trimsFraction = source == .timestamp || source == .interval
        return { (inputs, count) throws(ExecutionError) in
            let v = inputs[0]
            let out = ColumnVector(type: .varchar, capacity: Swift.max(count, 1))
            for row in 0..<count {
                if !v.isValid(at: row) {
                    out.appendNull()
                } else if trimsFraction {
                    out.appendString(trimmingFractionZeros(v.value(at: row).description))
                } else {
                    out.appendString(v.value(at: row).description)
                }
            }
            return out
        }
    }

    /// `2024-01-01 08:00:00.500000` → `2024-01-01 08:00:00.5`: drops the trailing zeros of a
    /// six-digit fraction of a second at the end of the text.
    static func trimmingFractionZeros(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard bytes.count > 7, bytes[bytes.count - 7] == UInt8(ascii: "."),
            bytes[(bytes.count - 6)...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return text }
        while bytes.last == UInt8(ascii: "0") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A conversion applied per valid row; nil means the value does not convert.
    static func rowByRow(_ source: DataType, _ target: DataType, _ isTry: Bool, _ convert: @escaping @Sendable (ColumnVector, Int) -> Value?) -> ScalarKernel {
        return { (inputs, count) throws(ExecutionError) in
            let v = inputs[0]
            let out = ColumnVector(type: target, capacity: Swift.max(count, 1))
            for row in 0..<count {
                guard v.isValid(at: row) else {
                    out.appendNull()
                    continue
                }
                if let value = convert(v, row) {
                    out.append(value: value)
                } else if isTry {
                    out.appendNull()
                } else {
                    let shown = v.value(at: row).description
                    let quoted = source == .varchar ? "\"\(shown)\"" : shown
                    throw ExecutionError(.conversion, "could not convert \(source) value \(quoted) to \(target) (use TRY_CAST to get NULL instead)")
                }
            }
            return out
        }
    }
}
