import PlazaCore
import PlazaVector

/// `CAST` and `TRY_CAST` between every pair of types `FunctionCatalog.canCast` allows.
///
/// Text is read by `TextValueParser` (docs/SQL.md, "Text to values"); numbers to
/// narrower exact types round half away from zero and fail when out of range. A failed conversion
/// throws `.conversion` naming the value, or gives NULL under TRY_CAST.
enum CastKernels {
    /// Whether DECIMAL(`p1`, `s1`) values always fit DECIMAL(`p`, `s2`) exactly.
    static func isWidening(_ p1: Int, _ s1: Int, to p: Int, _ s2: Int) -> Bool { s2 >= s1 && p1 + (s2 - s1) <= p }

    /// Whether the cast from `source` to `target` never throws: the kernels below that map every
    /// value without a check (widening DECIMALs, numbers to DOUBLE, DATE to TIMESTAMP).
    static func neverFails(from source: DataType, to target: DataType) -> Bool {
        if source == target { return true }
        switch (source, target) {
        case (.bigint, .double), (.decimal, .double), (.date, .timestamp), (.boolean, .bigint): return true
        case (.decimal(let p1, let s1), .decimal(let p, let s2)): return isWidening(p1, s1, to: p, s2)
        default: return false
        }
    }

    static func kernel(from source: DataType, to target: DataType, isTry: Bool) throws(ExecutionError) -> ScalarKernel {
        if source == target { return { (inputs, _) throws(ExecutionError) in inputs[0] } }
        if source == .null {
            return { (_, count) throws(ExecutionError) in GatherKernel.constant(.null, type: target, count: count) }
        }
        if target == .varchar { return toText(source) }
        if source.isWideDecimal || target.isWideDecimal {
            return try WideDecimalKernels.cast(from: source, to: target, isTry: isTry)
        }
        switch (source, target) {
        case (.varchar, _):
            return rowByRow(source, target, isTry) { (v, row) in
                TextValueParser.parse(v.bytes(at: row).assumingMemoryBound(to: UInt8.self), as: target)
            }
        case (.bigint, .double):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, target) { (x: Int64) in Double(x) }
            }
        case (.decimal(_, let s), .double):
            let divisor = Double(powersOfTen[s])
            // Below 2^53 the unscaled value and 10^s are exact doubles, so the division rounds once
            // (correctly, as DuckDB); wider values are read from their decimal text, also correctly rounded.
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(target, count)
                let input = inputs[0].data.assumingMemoryBound(to: Int64.self)
                let output = out.data.assumingMemoryBound(to: Double.self)
                // One tight loop (no closure per value), then the rare wide values again from their text.
                var wide: UInt64 = 0
                for row in 0..<count {
                    let x = input[row]
                    output[row] = Double(x) / divisor
                    wide |= x.magnitude
                }
                if wide >= 1 << 53 {
                    for row in 0..<count where input[row].magnitude >= 1 << 53 {
                        let x = input[row]
                        output[row] = Double(formatDecimal(x, scale: s)) ?? Double(x) / divisor
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case (.bigint, .decimal(let p, let s)):
            let factor = powersOfTen[s], largest = UInt64(powersOfTen[p] - 1)
            return { (inputs, count) throws(ExecutionError) in
                try convertFixed(inputs, count, source, target, isTry) { (x: Int64) -> (Int64, Bool) in
                    let (r, o) = x.multipliedReportingOverflow(by: factor)
                    return (r, o || r.magnitude > largest)
                }
            }
        case (.decimal(let p1, let s1), .decimal(let p, let s2)):
            // Widening (`1 - l_discount` meets DECIMAL(2,2) as DECIMAL(18,2)): the digits fit, so one
            // multiply per value and no check; only a narrowing cast is checked.
            if isWidening(p1, s1, to: p, s2) {
                let factor = powersOfTen[s2 - s1]
                return { (inputs, count) throws(ExecutionError) in
                    ArithmeticKernels.mapped(inputs, count, target) { (x: Int64) in x &* factor }
                }
            }
            let largest = UInt64(powersOfTen[p] - 1)
            if s2 >= s1 {
                let factor = powersOfTen[s2 - s1]
                return { (inputs, count) throws(ExecutionError) in
                    try convertFixed(inputs, count, source, target, isTry) { (x: Int64) -> (Int64, Bool) in
                        let (r, o) = x.multipliedReportingOverflow(by: factor)
                        return (r, o || r.magnitude > largest)
                    }
                }
            }
            let divisor = powersOfTen[s1 - s2]
            return { (inputs, count) throws(ExecutionError) in
                try convertFixed(inputs, count, source, target, isTry) { (x: Int64) -> (Int64, Bool) in
                    let r = roundingDivide(x, divisor)
                    return (r, r.magnitude > largest)
                }
            }
        case (.decimal(_, let s), .bigint):
            let divisor = powersOfTen[s]
            return { (inputs, count) throws(ExecutionError) in
                try convertFixed(inputs, count, source, target, isTry) { (x: Int64) -> (Int64, Bool) in
                    (roundingDivide(x, divisor), false)
                }
            }
        case (.double, .bigint):
            return { (inputs, count) throws(ExecutionError) in
                try convertFixed(inputs, count, source, target, isTry) { (x: Double) -> (Int64, Bool) in
                    // Half to even, as DuckDB (DECIMAL → BIGINT rounds half away from zero, as DuckDB too).
                    // NaN and infinities fail both comparisons.
                    let r = x.rounded(.toNearestOrEven)
                    let fits = r >= -9.223372036854775808e18 && r < 9.223372036854775808e18
                    return (Int64(fits ? r : 0), !fits)
                }
            }
        case (.double, .decimal(let p, let s)):
            let factor = Double(powersOfTen[s]), largest = Double(powersOfTen[p] - 1)
            return { (inputs, count) throws(ExecutionError) in
                try convertFixed(inputs, count, source, target, isTry) { (x: Double) -> (Int64, Bool) in
                    let r = (x * factor).rounded(.toNearestOrAwayFromZero)
                    let fits = r.magnitude <= largest  // false for NaN
                    return (Int64(fits ? r : 0), !fits)
                }
            }
        case (.boolean, .bigint):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, target) { (x: UInt8) in Int64(x) }
            }
        case (.bigint, .boolean):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, target) { (x: Int64) in UInt8(x != 0 ? 1 : 0) }
            }
        case (.date, .timestamp):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, target) { (x: Int32) in Int64(x) * CivilCalendar.microsPerDay }
            }
        case (.timestamp, .date):
            return { (inputs, count) throws(ExecutionError) in
                ArithmeticKernels.mapped(inputs, count, target) { (x: Int64) in
                    Int32(truncatingIfNeeded: CivilCalendar.split(micros: x).days)
                }
            }
        default:
            throw ExecutionError(.conversion, "cannot cast \(source) to \(target)")
        }
    }

    /// Any type to VARCHAR, as Plaza prints values, except that the fraction of a second of a
    /// TIMESTAMP or INTERVAL loses its trailing zeros (`01:02:03.04`), as DuckDB casts them.
    /// BIGINT, DECIMAL, BOOLEAN, DATE and TIMESTAMP (years 0–9999) are written as bytes into one
    /// scratch buffer per batch; the other types go through `Value.description`.
    static func toText(_ source: DataType) -> ScalarKernel {
        let trimsFraction = source == .timestamp || source == .interval
        return { (inputs, count) throws(ExecutionError) in
            let v = inputs[0]
            var buffer = TextBuffer()
            return try buildStrings(count, [v]) { (row, text) throws(ExecutionError) in
                // The row's bytes are written by TextBuffer straight into the result's buffer (swapped in, O(1)).
                swap(&buffer.bytes, &text)
                defer { swap(&buffer.bytes, &text) }
                var written = true
                switch source {
                case .bigint: buffer.appendInteger(v.data.load(fromByteOffset: row * 8, as: Int64.self))
                case .decimal(let precision, let scale) where precision <= DataType.maxNarrowDecimalPrecision:
                    buffer.appendDecimal(v.data.load(fromByteOffset: row * 8, as: Int64.self), scale: scale)
                case .boolean:
                    buffer.appendASCII(v.data.load(fromByteOffset: row, as: UInt8.self) != 0 ? "true" : "false")
                case .date: written = buffer.appendDate(Int64(v.data.load(fromByteOffset: row * 4, as: Int32.self)))
                case .timestamp: written = buffer.appendTimestamp(v.data.load(fromByteOffset: row * 8, as: Int64.self))
                default: written = false
                }
                if !written {
                    let description = v.value(at: row).description
                    buffer.bytes.append(
                        contentsOf: (trimsFraction ? trimmingFractionZeros(description) : description).utf8)
                }
            }
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

    /// A conversion between fixed-width types in one tight loop over the batch (NULL rows too:
    /// their values are ignored): `convert` gives the value and whether it failed. Only a batch
    /// with a failure looks at its rows again, to make them NULL (TRY_CAST) or name the first.
    @inline(__always)
    static func convertFixed<A, R>(
        _ inputs: [ColumnVector], _ count: Int, _ source: DataType, _ target: DataType, _ isTry: Bool,
        _ convert: (A) -> (R, Bool)
    ) throws(ExecutionError) -> ColumnVector {
        let v = inputs[0]
        let out = makeOutput(target, count)
        let input = v.data.assumingMemoryBound(to: A.self)
        let output = out.data.assumingMemoryBound(to: R.self)
        var failed = false
        for row in 0..<count {
            let (value, bad) = convert(input[row])
            output[row] = value
            failed = failed || bad
        }
        propagateNulls(inputs, into: out, count: count)
        if failed {
            for row in 0..<count where v.isValid(at: row) && convert(input[row]).1 {
                guard isTry else { throw conversionError(source, target, v, row) }
                out.setValid(false, at: row)
            }
        }
        return out
    }

    /// `x / divisor` rounded half away from zero (DECIMAL to a smaller scale or to BIGINT).
    @inline(__always)
    static func roundingDivide(_ x: Int64, _ divisor: Int64) -> Int64 {
        let quotient = x / divisor, remainder = x % divisor
        let away: Int64 = remainder.magnitude &* 2 >= UInt64(divisor) ? (x < 0 ? -1 : 1) : 0
        return quotient &+ away
    }

    /// The error of a value that does not convert, naming it.
    @inline(never)
    static func conversionError(_ source: DataType, _ target: DataType, _ v: ColumnVector, _ row: Int)
        -> ExecutionError
    {
        let shown = v.value(at: row).description
        let quoted = source == .varchar ? "\"\(shown)\"" : shown
        return ExecutionError(
            .conversion, "could not convert \(source) value \(quoted) to \(target) (use TRY_CAST to get NULL instead)")
    }

    /// A conversion applied per valid row; nil means the value does not convert.
    static func rowByRow(
        _ source: DataType, _ target: DataType, _ isTry: Bool,
        _ convert: @escaping @Sendable (ColumnVector, Int) -> Value?
    ) -> ScalarKernel {
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
                    throw conversionError(source, target, v, row)
                }
            }
            return out
        }
    }
}

/// ASCII text of numbers and dates, written into a reusable byte buffer in the same form as
/// `Value.description` (DATE `YYYY-MM-DD`, DECIMAL with its scale, TIMESTAMP fraction without
/// trailing zeros).
struct TextBuffer {
    var bytes: [UInt8] = []

    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// The decimal digits of `value` (no sign).
    mutating func appendDigits(_ value: UInt64) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
                count += 1
            } while rest != 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(0x2D) }
        appendDigits(value.magnitude)
    }

    /// `unscaled` at `scale` with exactly `scale` fraction digits (`-0.05`).
    mutating func appendDecimal(_ unscaled: Int64, scale: Int) {
        if unscaled < 0 { bytes.append(0x2D) }
        let magnitude = unscaled.magnitude
        if scale == 0 {
            appendDigits(magnitude)
            return
        }
        let divisor = UInt64(powersOfTen[scale])
        appendDigits(magnitude / divisor)
        bytes.append(0x2E)
        appendPadded(magnitude % divisor, width: scale)
    }

    /// `value` with leading zeros to `width` digits.
    mutating func appendPadded(_ value: UInt64, width: Int) {
        var power: UInt64 = 1
        for _ in 1..<Swift.max(width, 1) { power *= 10 }
        var rest = value
        while power > 0 {
            bytes.append(UInt8(truncatingIfNeeded: rest / power) &+ 0x30)
            rest %= power
            power /= 10
        }
    }

    /// `YYYY-MM-DD`; false (nothing written) for years outside 0…9999, which print otherwise.
    mutating func appendDate(_ days: Int64) -> Bool {
        let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
        guard y >= 0 && y <= 9999 else { return false }
        appendPadded(UInt64(y), width: 4)
        bytes.append(0x2D)
        appendPadded(UInt64(m), width: 2)
        bytes.append(0x2D)
        appendPadded(UInt64(d), width: 2)
        return true
    }

    /// `YYYY-MM-DD HH:MM:SS[.f…]` with the fraction's trailing zeros dropped; false for years
    /// outside 0…9999.
    mutating func appendTimestamp(_ micros: Int64) -> Bool {
        let (days, rest) = CivilCalendar.split(micros: micros)
        guard appendDate(days) else { return false }
        let seconds = UInt64(rest / 1_000_000)
        var fraction = UInt64(rest % 1_000_000)
        bytes.append(0x20)
        appendPadded(seconds / 3600, width: 2)
        bytes.append(0x3A)
        appendPadded(seconds / 60 % 60, width: 2)
        bytes.append(0x3A)
        appendPadded(seconds % 60, width: 2)
        if fraction != 0 {
            var width = 6
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            bytes.append(0x2E)
            appendPadded(fraction, width: width)
        }
        return true
    }
}
