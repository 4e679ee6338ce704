#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import PlazaCore
import PlazaPlanner
import PlazaVector

/// `+ - * / % negate` over BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP and INTERVAL.
///
/// Exact types detect overflow with a flag OR-ed over the whole batch (no branch per value) and
/// throw once after the loop, naming the first failing row's operands.
enum ArithmeticKernels {
    /// The largest unscaled DECIMAL magnitude (18 digits).
    static let maxDecimal: Int64 = 999_999_999_999_999_999

    static func kernel(_ name: ScalarFunction, _ types: [DataType], _ result: DataType) throws(ExecutionError)
        -> ScalarKernel
    {
        let a = types[0]
        let b = types.count > 1 ? types[1] : .null
        if name != .divide && (a.isWideDecimal || b.isWideDecimal || result.isWideDecimal) {
            return try WideDecimalKernels.arithmetic(name, types, result)
        }
        switch (name, a, b) {
        case (.negate, .bigint, _), (.negate, .decimal, _):
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(result, count)
                // Int64.min is the one value whose negation overflows: flagged branch-free, looked for only when seen.
                var sawMin: UInt8 = 0
                mapUnary(inputs[0], out, count) { (x: Int64) -> Int64 in
                    sawMin |= unsafeBitCast(x == .min, to: UInt8.self)
                    return 0 &- x
                }
                if sawMin != 0 {
                    try checkRows(inputs, out, count, "negating") { row in
                        inputs[0].data.load(fromByteOffset: row * 8, as: Int64.self) == .min
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.negate, .double, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Double) in -x }
            }
        case (.negate, .interval, _):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, result) { (x: Interval) in
                    Interval(months: 0 &- x.months, days: 0 &- x.days, micros: 0 &- x.micros)
                }
            }
        case (.add, .bigint, .bigint), (.subtract, .bigint, .bigint), (.multiply, .bigint, .bigint):
            return integerKernel(name, result, limit: nil)
        case (.add, .decimal(let p1, _), .decimal(let p2, _)), (.subtract, .decimal(let p1, _), .decimal(let p2, _)):
            if provenInRange(name, p1, p2) { return uncheckedKernel(name, result) }
            return integerKernel(name, result, limit: maxDecimal)
        case (.multiply, .decimal(let p1, _), .decimal(let p2, _)):
            if provenInRange(name, p1, p2) { return uncheckedKernel(name, result) }
            return integerKernel(name, result, limit: maxDecimal)
        case (.add, .double, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in x + y }
            }
        case (.subtract, .double, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in x - y }
            }
        case (.multiply, .double, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in x * y }
            }
        case (.divide, .double, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in x / y }
            }
        case (.modulo, .double, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Double, y: Double) in fmod(x, y) }
            }
        case (.modulo, .bigint, .bigint), (.modulo, .decimal, .decimal):
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(result, count)
                mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) in y == 0 || y == -1 ? 0 : x % y }
                propagateNulls(inputs, into: out, count: count)
                let divisors = inputs[1].data.assumingMemoryBound(to: Int64.self)
                for row in 0..<count where divisors[row] == 0 { out.setValid(false, at: row) }
                return out
            }
        case (.add, .date, .bigint), (.subtract, .date, .bigint):
            let sign: Int64 = name == .add ? 1 : -1
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.date, count)
                var overflow = false
                mapBinary(inputs[0], inputs[1], out, count) { (d: Int32, n: Int64) -> Int32 in
                    let r = Int64(d) &+ sign &* n
                    overflow =
                        overflow || r < Int64(Int32.min) || r > Int64(Int32.max) || n.magnitude > UInt64(Int32.max)
                    return Int32(truncatingIfNeeded: r)
                }
                if overflow {
                    try checkRows(inputs, out, count, "date arithmetic") { row in
                        let r =
                            Int64(inputs[0].data.load(fromByteOffset: row * 4, as: Int32.self)) + sign
                            * inputs[1].data.load(fromByteOffset: row * 8, as: Int64.self).clamped
                        return r < Int64(Int32.min) || r > Int64(Int32.max)
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.subtract, .date, .date):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Int32, y: Int32) in Int64(x) - Int64(y) }
            }
        case (.subtract, .timestamp, .timestamp):
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.interval, count)
                var overflow = false
                mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) -> Interval in
                    let (r, o) = x.subtractingReportingOverflow(y)
                    overflow = overflow || o
                    // Whole days apart from the rest, as DuckDB gives `1 day 12:00:00` (not `36:00:00`).
                    let days = r / CivilCalendar.microsPerDay
                    return Interval(
                        days: Int32(truncatingIfNeeded: days), micros: r - days * CivilCalendar.microsPerDay)
                }
                if overflow { try checkRows(inputs, out, count, "subtracting timestamps") { _ in true } }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.add, .date, .interval), (.subtract, .date, .interval), (.add, .timestamp, .interval),
            (.subtract, .timestamp, .interval):
            let negate = name == .subtract
            let fromDate = a == .date
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.timestamp, count)
                let output = out.data.assumingMemoryBound(to: Int64.self)
                let intervals = inputs[1].data.assumingMemoryBound(to: Interval.self)
                for row in 0..<count {
                    guard inputs[0].isValid(at: row) && inputs[1].isValid(at: row) else {
                        output[row] = 0
                        continue
                    }
                    let base =
                        fromDate
                        ? Int64(inputs[0].data.load(fromByteOffset: row * 4, as: Int32.self))
                            * CivilCalendar.microsPerDay
                        : inputs[0].data.load(fromByteOffset: row * 8, as: Int64.self)
                    var interval = intervals[row]
                    if negate {
                        interval = Interval(months: -interval.months, days: -interval.days, micros: -interval.micros)
                    }
                    guard let value = addInterval(base, interval) else {
                        throw ExecutionError(
                            .overflow, "timestamp \(formatTimestamp(base)) plus interval \(interval) is out of range")
                    }
                    output[row] = value
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.multiply, .interval, .bigint):
            // Each field times the factor, as DuckDB does. Overflow is OR-ed over the batch; only a
            // batch that overflowed looks for its row (which may be a NULL one: then no error).
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.interval, count)
                var overflowed = false
                mapBinary(inputs[0], inputs[1], out, count) { (x: Interval, factor: Int64) -> Interval in
                    let (product, overflow) = Self.multiply(x, factor)
                    overflowed = overflowed || overflow
                    return product
                }
                if overflowed {
                    try checkRows(inputs, out, count, "multiplying") { row in
                        let x = inputs[0].data.load(
                            fromByteOffset: row * MemoryLayout<Interval>.stride, as: Interval.self)
                        return Self.multiply(x, inputs[1].data.load(fromByteOffset: row * 8, as: Int64.self)).1
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.add, .interval, .interval), (.subtract, .interval, .interval):
            let sign: Int32 = name == .add ? 1 : -1
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mappedPairs(inputs, count, result) { (x: Interval, y: Interval) in
                    Interval(
                        months: x.months &+ sign &* y.months, days: x.days &+ sign &* y.days,
                        micros: x.micros &+ Int64(sign) &* y.micros)
                }
            }
        default:
            throw ExecutionError(.internal, "unexpected argument types for \(name): \(a), \(b) (a bug; please report)")
        }
    }

    /// `x` with each field times `factor`, and whether a field left its range.
    static func multiply(_ x: Interval, _ factor: Int64) -> (Interval, Bool) {
        let months = Int64(x.months).multipliedReportingOverflow(by: factor)
        let days = Int64(x.days).multipliedReportingOverflow(by: factor)
        let micros = x.micros.multipliedReportingOverflow(by: factor)
        let product = Interval(
            months: Int32(truncatingIfNeeded: months.partialValue), days: Int32(truncatingIfNeeded: days.partialValue),
            micros: micros.partialValue)
        let overflow =
            months.overflow || days.overflow || micros.overflow || Int64(product.months) != months.partialValue
            || Int64(product.days) != days.partialValue
        return (product, overflow)
    }

    /// Adds an interval to a timestamp: months (clamped to the month's last day), then days, then micros.
    static func addInterval(_ micros: Int64, _ interval: Interval) -> Int64? {
        var (days, timeOfDay) = CivilCalendar.split(micros: micros)
        if interval.months != 0 {
            let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
            let total = y * 12 + (m - 1) + Int(interval.months)
            let year = total >= 0 ? total / 12 : (total - 11) / 12
            let month = total - year * 12 + 1
            let day = Swift.min(d, CivilCalendar.daysInMonth(year: year, month: month))
            days = Int64(CivilCalendar.days(year: year, month: month, day: day))
        }
        days += Int64(interval.days)
        let (dayMicros, o1) = days.multipliedReportingOverflow(by: CivilCalendar.microsPerDay)
        let (base, o2) = dayMicros.addingReportingOverflow(timeOfDay)
        let (result, o3) = base.addingReportingOverflow(interval.micros)
        timeOfDay = 0
        return o1 || o2 || o3 ? nil : result
    }

    /// Whether `+ - *` of DECIMALs of precisions `p1` and `p2` always fits in 18 digits.
    static func provenInRange(_ name: ScalarFunction, _ p1: Int, _ p2: Int) -> Bool {
        switch name {
        // Operands below 10^p1 and 10^p2 (same scale): the sum is below 2·10^max, within 18 digits up to 17.
        case .add, .subtract: return Swift.max(p1, p2) <= 17
        // The product of values below 10^p1 and 10^p2 is below 10^(p1 + p2).
        case .multiply: return p1 + p2 <= 18
        default: return false
        }
    }

    /// Whether `name`'s kernel over `types` never throws: DECIMAL `+ - *` whose types prove the
    /// result fits, DOUBLE `+ - * /` (IEEE results, no error), and parts of dates and timestamps.
    static func neverFails(_ name: ScalarFunction, _ types: [DataType]) -> Bool {
        // A part of a DATE or TIMESTAMP (`extract(month FROM t)`): DateFunctions' loops cannot throw.
        if types.count == 1, types[0] == .date || types[0] == .timestamp,
            [.year, .quarter, .month, .week, .day, .dayofweek, .dayofyear, .hour, .minute, .second].contains(name)
        {
            return true
        }
        guard types.count == 2 else { return false }
        switch (name, types[0], types[1]) {
        case (.add, .decimal(let p1, _), .decimal(let p2, _)), (.subtract, .decimal(let p1, _), .decimal(let p2, _)),
            (.multiply, .decimal(let p1, _), .decimal(let p2, _)):
            return provenInRange(name, p1, p2)
        case (.add, .double, .double), (.subtract, .double, .double), (.multiply, .double, .double),
            (.divide, .double, .double):
            return true
        default: return false
        }
    }

    /// `+ - *` on unscaled DECIMALs whose types prove the result fits: one loop, no check.
    static func uncheckedKernel(_ name: ScalarFunction, _ result: DataType) -> ScalarKernel {
        return { (inputs, count) throws(ExecutionError) in
            let out = makeOutput(result, count)
            switch name {
            case .add: mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) in x &+ y }
            case .subtract: mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) in x &- y }
            default: mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) in x &* y }
            }
            propagateNulls(inputs, into: out, count: count)
            return out
        }
    }

    /// `+ - *` on Int64 (BIGINT, or unscaled DECIMAL with `limit` 10^18 - 1), overflow checked per batch.
    static func integerKernel(_ name: ScalarFunction, _ result: DataType, limit: Int64?) -> ScalarKernel {
        return { (inputs, count) throws(ExecutionError) in
            let out = makeOutput(result, count)
            var overflow = false
            switch name {
            case .add:
                mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) -> Int64 in
                    let (r, o) = x.addingReportingOverflow(y)
                    overflow = overflow || o
                    return r
                }
            case .subtract:
                mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) -> Int64 in
                    let (r, o) = x.subtractingReportingOverflow(y)
                    overflow = overflow || o
                    return r
                }
            default:
                mapBinary(inputs[0], inputs[1], out, count) { (x: Int64, y: Int64) -> Int64 in
                    let (r, o) = x.multipliedReportingOverflow(by: y)
                    overflow = overflow || o
                    return r
                }
            }
            if let limit {
                let values = out.data.assumingMemoryBound(to: Int64.self)
                for row in 0..<count where values[row] > limit || values[row] < -limit { overflow = true }
            }
            if overflow {
                let symbol = name
                try checkRows(inputs, out, count, "\(symbol)") { row in
                    let x = inputs[0].data.load(fromByteOffset: row * 8, as: Int64.self)
                    let y = inputs[1].data.load(fromByteOffset: row * 8, as: Int64.self)
                    let (r, o): (Int64, Bool)
                    switch symbol {
                    case .add: (r, o) = x.addingReportingOverflow(y)
                    case .subtract: (r, o) = x.subtractingReportingOverflow(y)
                    default: (r, o) = x.multipliedReportingOverflow(by: y)
                    }
                    return o || (limit.map { r > $0 || r < -$0 } ?? false)
                }
            }
            propagateNulls(inputs, into: out, count: count)
            return out
        }
    }

    /// A NULL-propagating unary map over the batch. Called inside each kernel's own closure with a
    /// literal `body`, so that `body` inlines into the loop: a kernel built by a helper that stored
    /// `body` in an escaping closure called it per value (2-3 ns).
    @inline(__always)
    static func mapped<A, R>(_ inputs: [ColumnVector], _ count: Int, _ result: DataType, _ body: (A) -> R)
        -> ColumnVector
    {
        let out = makeOutput(result, count)
        mapUnary(inputs[0], out, count, body)
        propagateNulls(inputs, into: out, count: count)
        return out
    }

    /// A NULL-propagating binary map over the batch, used as `mapped` is.
    @inline(__always)
    static func mappedPairs<A, B, R>(
        _ inputs: [ColumnVector], _ count: Int, _ result: DataType, _ body: (A, B) -> R
    ) -> ColumnVector {
        let out = makeOutput(result, count)
        mapBinary(inputs[0], inputs[1], out, count, body)
        propagateNulls(inputs, into: out, count: count)
        return out
    }

    /// Throws an overflow error naming the first valid row for which `failed` holds (if any).
    static func checkRows(
        _ inputs: [ColumnVector], _ out: ColumnVector, _ count: Int, _ what: String, _ failed: (Int) -> Bool
    ) throws(ExecutionError) {
        guard let row = firstFailingRow(count, inputs, failed) else { return }
        let operands = inputs.map { $0.value(at: row).description }.joined(separator: ", ")
        throw ExecutionError(.overflow, "\(what) of \(operands) is out of range for \(out.type)")
    }
}

extension Int64 {
    /// The value clamped to ±2^40, enough for day arithmetic checks without overflow.
    var clamped: Int64 { Swift.max(Swift.min(self, 1 << 40), -(1 << 40)) }
}
