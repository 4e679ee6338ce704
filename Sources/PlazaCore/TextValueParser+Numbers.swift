/// The digits of a fixed-point number as read from text: sign, magnitude and digit counts.
@usableFromInline package struct DecimalDigits: Sendable {
    /// The digits as an integer, ignoring the point (valid when `fits`).
    @usableFromInline package var magnitude: UInt64 = 0
    /// Whether a minus sign was written.
    @usableFromInline package var isNegative = false
    /// Digits before the point, a lone leading `0` not counted (`0.5` has none).
    @usableFromInline package var integerDigits = 0
    /// Digits after the point.
    @usableFromInline package var scale = 0
    /// Whether `integerDigits + scale ≤ 18`, so `magnitude` is exact.
    @inlinable package var fits: Bool { integerDigits + scale <= 18 }
    /// The value scaled by 10^scale, when it fits.
    @inlinable package var unscaled: Int64 { isNegative ? -Int64(magnitude) : Int64(magnitude) }

    /// An empty scan: zero, no digits.
    @inlinable package init() {}
}

extension TextValueParser {
    /// A BIGINT: `[+-]?[0-9]+` (exact: `-?(0|[1-9][0-9]*)`), then formatted numbers without a fraction
    /// where the options allow them. Nil outside Int64's range.
    @inlinable
    package static func integer(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Int64? {
        let text = trimmed(raw, options)
        if let value = options.isExact ? exactInteger(text) : lenientInteger(text) { return value }
        guard options.allowsFormattedNumbers,
            let d = scanFormatted(text, point: options.point, group: options.group), d.scale == 0, d.fits
        else { return nil }
        return d.unscaled
    }

    /// `-?(0|[1-9][0-9]*)` within Int64's range; `-0` is not exact.
    @inlinable @inline(__always)
    package static func exactInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = text.count
        var i = 0
        let negative = n > 0 && text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < n, n - i <= 19 else { return nil }
        if text[i] == UInt8(ascii: "0") && n - i > 1 { return nil }
        var value: UInt64 = 0
        while i < n {
            let d = text[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            value = value &* 10 &+ UInt64(d)
            i &+= 1
        }
        if negative {
            guard value <= UInt64(Int64.max) + 1 else { return nil }
            return value == 0 ? nil : Int64(truncatingIfNeeded: 0 &- value)
        }
        return value <= UInt64(Int64.max) ? Int64(value) : nil
    }

    /// `[+-]?[0-9]+` within Int64's range, leading zeros allowed; a number with a point or an
    /// exponent (`1.5`, `.5`, `1e3`) is rounded half away from zero, as DuckDB's cast does.
    @usableFromInline
    static func lenientInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = readSign(text, &i)
        guard i < text.count else { return nil }
        var value: Int64 = 0
        while i < text.count {
            guard isDigit(text[i]) else { return roundedInteger(text) }
            let digit = Int64(text[i] &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// `[+-]` then `d+[.d*]` or `.d+`, then optional `e[+-]d+`, rounded half away from zero to an
    /// Int64 (nil outside its range or for other text). Exact for any number of digits: the digits
    /// are walked twice (where the point falls after the exponent moves it, then the value) without
    /// allocating.
    static func roundedInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = readSign(text, &i)
        let start = i
        var digitCount = 0
        var integerDigits = -1  // digits before the point; -1 until a point is seen
        while i < text.count {
            if isDigit(text[i]) {
                digitCount += 1
            } else if text[i] == UInt8(ascii: "."), integerDigits < 0 {
                integerDigits = digitCount
            } else {
                break
            }
            i += 1
        }
        let end = i
        guard digitCount > 0 else { return nil }
        if integerDigits < 0 { integerDigits = digitCount }
        var exponent = 0
        if i < text.count && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i += 1
            let exponentNegative = readSign(text, &i)
            guard i < text.count else { return nil }
            while i < text.count {
                guard isDigit(text[i]) else { return nil }
                // Past this every value is 0 or out of range: keep counting without overflowing.
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        guard i == text.count else { return nil }
        // The first `whole` mantissa digits are the integer part; the next one decides the rounding.
        let whole = integerDigits + exponent
        var magnitude: UInt64 = 0
        var roundUp = false
        var index = 0
        var p = start
        while p < end {
            let byte = text[p]
            p += 1
            guard isDigit(byte) else { continue }
            let digit = UInt64(byte &- UInt8(ascii: "0"))
            if index < whole {
                let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (next, o2) = shifted.addingReportingOverflow(digit)
                if o1 || o2 { return nil }
                magnitude = next
            } else if index == whole {
                roundUp = digit >= 5
                break
            }
            index += 1
        }
        // Zeros the exponent appends past the written digits.
        while index < whole {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = shifted
            index += 1
        }
        if roundUp {
            let (next, overflow) = magnitude.addingReportingOverflow(1)
            if overflow { return nil }
            magnitude = next
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// 10^exponent for 0 ≤ exponent ≤ 18, without touching a global (cheap in per-value loops).
    @inlinable @inline(__always)
    package static func powerOfTen(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }

    /// A DECIMAL(precision, scale) as its unscaled Int64, or nil past `precision` digits.
    ///
    /// Exact: plain or (where allowed) formatted digits, no more fraction digits than `scale`.
    /// Lenient: `[+-]?` digits with an optional point (a digit on at least one side) and exponent;
    /// fraction digits past `scale` round half away from zero.
    @inlinable
    package static func decimal(
        _ raw: UnsafeBufferPointer<UInt8>, precision: Int, scale: Int, options: TextParseOptions
    ) -> Int64? {
        let text = trimmed(raw, options)
        guard precision <= DataType.maxNarrowDecimalPrecision, scale >= 0, scale <= precision else { return nil }
        if !options.isExact, let value = lenientDecimal(text, precision: precision, scale: scale, point: options.point)
        {
            return value
        }
        guard
            let d = options.isExact
                ? scanDecimal(text, point: options.point)
                    ?? (options.allowsFormattedNumbers
                        ? scanFormatted(text, point: options.point, group: options.group) : nil)
                : (options.allowsFormattedNumbers
                    ? scanFormatted(text, point: options.point, group: options.group) : nil),
            d.fits, d.scale <= scale, d.integerDigits <= precision - scale,
            d.integerDigits + scale <= DataType.maxNarrowDecimalPrecision
        else { return nil }
        return d.unscaled &* powerOfTen(scale - d.scale)
    }

    /// The lenient DECIMAL grammar; precision ≤ 18 keeps every step inside Int64.
    @usableFromInline
    static func lenientDecimal(_ text: UnsafeBufferPointer<UInt8>, precision: Int, scale: Int, point: UInt8)
        -> Int64?
    {
        var i = 0
        let negative = readSign(text, &i)
        var value: Int64 = 0
        var integerDigits = 0, fractionDigits = 0
        var sawDigit = false, sawPoint = false, roundUp = false
        while i < text.count {
            let byte = text[i]
            if byte == point {
                if sawPoint { return nil }
                sawPoint = true
            } else if isDigit(byte) {
                sawDigit = true
                let digit = Int64(byte &- UInt8(ascii: "0"))
                if !sawPoint {
                    if integerDigits > 0 || digit != 0 { integerDigits += 1 }
                    if integerDigits > precision - scale { return nil }
                    value = value * 10 + digit
                } else if fractionDigits < scale {
                    value = value * 10 + digit
                    fractionDigits += 1
                } else if fractionDigits == scale {
                    roundUp = digit >= 5
                    fractionDigits += 1
                }
            } else if (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")) && sawDigit {
                // Exponent notation goes through DOUBLE, then rounds to the scale.
                guard let double = parseDouble(text, point: point, exact: false) else { return nil }
                let scaled = (double * Double(powerOfTen(scale))).rounded(.toNearestOrAwayFromZero)
                guard scaled.isFinite, abs(scaled) < Double(powerOfTen(precision)) else { return nil }
                return Int64(scaled)
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        for _ in min(fractionDigits, scale)..<scale { value *= 10 }
        if roundUp { value += 1 }
        guard value < powerOfTen(precision) else { return nil }
        return negative ? -value : value
    }

    /// `-?(0|[1-9][0-9]*)(point[0-9]+)?`, the exact fixed-point form; nil if not written so.
    @inlinable @inline(__always)
    package static func scanDecimal(_ text: UnsafeBufferPointer<UInt8>, point: UInt8) -> DecimalDigits? {
        let n = text.count
        var digits = DecimalDigits()
        var i = 0
        if n > 0 && text[0] == UInt8(ascii: "-") {
            digits.isNegative = true
            i = 1
        }
        guard i < n, isDigit(text[i]) else { return nil }
        if text[i] == UInt8(ascii: "0") {
            i &+= 1
            if i < n && text[i] != point { return nil }
        } else {
            while i < n && isDigit(text[i]) {
                accumulate(&digits, text[i])
                digits.integerDigits &+= 1
                i &+= 1
            }
        }
        if i == n { return digits }
        guard text[i] == point, i + 1 < n else { return nil }
        i &+= 1
        while i < n {
            guard isDigit(text[i]) else { return nil }
            accumulate(&digits, text[i])
            digits.scale &+= 1
            i &+= 1
        }
        return digits
    }

    /// A number written with thousands separators and/or a currency sign:
    /// `-?$?-?` then `[1-9][0-9]{0,2}(group[0-9]{3})*` or `0`, then `(point[0-9]+)?`.
    @usableFromInline package static func scanFormatted(_ text: UnsafeBufferPointer<UInt8>, point: UInt8, group: UInt8)
        -> DecimalDigits?
    {
        let n = text.count
        var digits = DecimalDigits()
        var i = 0
        if i < n && text[i] == UInt8(ascii: "-") {
            digits.isNegative = true
            i &+= 1
        }
        if i < n && text[i] == UInt8(ascii: "$") { i &+= 1 }
        if !digits.isNegative && i > 0 && i < n && text[i] == UInt8(ascii: "-") {
            digits.isNegative = true
            i &+= 1
        }
        guard i < n, isDigit(text[i]) else { return nil }
        if text[i] == UInt8(ascii: "0") {
            i &+= 1
        } else {
            var run = 0
            var grouped = false
            while i < n {
                let byte = text[i]
                if isDigit(byte) {
                    accumulate(&digits, byte)
                    digits.integerDigits &+= 1
                    run &+= 1
                    if run > 3 && grouped { return nil }
                } else if byte == group {
                    if run == 0 || run > 3 || (grouped && run != 3) { return nil }
                    grouped = true
                    run = 0
                } else {
                    break
                }
                i &+= 1
            }
            if grouped && run != 3 { return nil }
            if !grouped && run > 3 && i < n && text[i] == group { return nil }
        }
        if i == n { return digits }
        guard text[i] == point, i + 1 < n else { return nil }
        i &+= 1
        while i < n {
            guard isDigit(text[i]) else { return nil }
            accumulate(&digits, text[i])
            digits.scale &+= 1
            i &+= 1
        }
        return digits
    }

    @inlinable @inline(__always)
    static func accumulate(_ digits: inout DecimalDigits, _ byte: UInt8) {
        if digits.integerDigits + digits.scale < 19 {
            digits.magnitude = digits.magnitude &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
        }
    }

    /// A DOUBLE; then, where the options allow, a formatted number. Nil for text that is no number,
    /// and for a number beyond DOUBLE's range.
    @inlinable
    package static func double(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Double? {
        let text = trimmed(raw, options)
        if let value = parseDouble(text, point: options.point, exact: options.isExact) { return value }
        guard options.allowsFormattedNumbers,
            let d = scanFormatted(text, point: options.point, group: options.group), d.fits
        else { return nil }
        return Double(d.unscaled) / Double(powerOfTen(d.scale))
    }
}
