/// Helpers for DECIMALs wider than 18 digits, held as Int128 (precision 19 to 38).

/// Powers of ten that fit in an Int128 (10^0 … 10^38), for wide DECIMAL scaling.
package let powersOfTen128: [Int128] = (0...38).map { exponent in
    var p: Int128 = 1
    for _ in 0..<exponent { p *= 10 }
    return p
}

/// The largest unscaled value of a DECIMAL with `precision` digits (10^precision − 1), precision ≤ 38.
@inlinable
package func maxUnscaled(precision: Int) -> Int128 {
    var p: Int128 = 1
    for _ in 0..<precision { p &*= 10 }
    return p &- 1
}

extension TextValueParser {
    /// Parses a DECIMAL of up to 38 digits from text: `[+-]?digits[.digits]`, surrounding spaces
    /// trimmed; fraction digits past `scale` round half away from zero. Nil when the text is not a
    /// number or needs more than `precision − scale` integer digits.
    package static func wideDecimal(_ text: String, precision: Int, scale: Int) -> Int128? {
        guard precision >= 1, precision <= DataType.maxDecimalPrecision, scale >= 0, scale <= precision else {
            return nil
        }
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        var value: Int128 = 0
        var integerDigits = 0, fractionDigits = 0, sawDigit = false, sawPoint = false, roundUp = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            sawDigit = true
            let digit = Int128(byte - 0x30)
            if sawPoint {
                if fractionDigits >= scale {
                    // Only the first digit past the scale decides rounding (half away from zero).
                    if fractionDigits == scale { roundUp = digit >= 5 }
                    fractionDigits += 1
                    continue
                }
                fractionDigits += 1
            } else {
                if value == 0 && digit == 0 { continue }
                integerDigits += 1
                guard integerDigits <= precision - scale else { return nil }
            }
            value = value * 10 + digit
        }
        guard sawDigit else { return nil }
        let kept = min(fractionDigits, scale)
        value *= powersOfTen128[scale - kept]
        if roundUp { value += 1 }
        guard value <= maxUnscaled(precision: precision) else { return nil }
        return negative ? -value : value
    }
}
