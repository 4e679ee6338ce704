#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The digits of a fixed-point number as read from a field: sign, magnitude and digit counts.
struct DecimalDigits {
    /// The digits as an integer, ignoring the point (valid when `fits`).
    var magnitude: UInt64 = 0
    /// Whether a minus sign was written.
    var isNegative = false
    /// Digits before the point, a lone leading `0` not counted (`0.5` has none).
    var integerDigits = 0
    /// Digits after the point.
    var scale = 0
    /// Whether `integerDigits + scale ≤ 18`, so `magnitude` is exact.
    var fits: Bool { integerDigits + scale <= 18 }
    /// The value scaled by 10^scale, when it fits.
    var unscaled: Int64 { isNegative ? -Int64(magnitude) : Int64(magnitude) }
}

/// Hand-written number parsers over a field's bytes (PERFORMANCE.md rule 8).
///
/// Every parser accepts only text that a number reproduces without losing a character:
/// no leading zeros (`06700` stays text), no `+`, no surrounding spaces.
enum NumberParser {
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// `-?(0|[1-9][0-9]*)` within Int64's range.
    @inline(__always)
    static func parseInteger(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        var i = 0
        let negative = n > 0 && p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < n, n - i <= 19 else { return nil }
        if p[i] == UInt8(ascii: "0") && n - i > 1 { return nil }
        var value: UInt64 = 0
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
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

    /// `-?(0|[1-9][0-9]*)(point[0-9]+)?`; nil if the text is not written so.
    @inline(__always)
    static func scanDecimal(_ p: UnsafePointer<UInt8>, _ n: Int, point: UInt8) -> DecimalDigits? {
        var digits = DecimalDigits()
        var i = 0
        if n > 0 && p[0] == UInt8(ascii: "-") {
            digits.isNegative = true
            i = 1
        }
        guard i < n, isDigit(p[i]) else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i &+= 1
            if i < n && p[i] != point { return nil }
        } else {
            while i < n && isDigit(p[i]) {
                accumulate(&digits, p[i])
                digits.integerDigits &+= 1
                i &+= 1
            }
        }
        if i == n { return digits }
        guard p[i] == point, i + 1 < n else { return nil }
        i &+= 1
        while i < n {
            guard isDigit(p[i]) else { return nil }
            accumulate(&digits, p[i])
            digits.scale &+= 1
            i &+= 1
        }
        return digits
    }

    /// A number written with thousands separators and/or a leading `$`:
    /// `-?$?-?` then `[1-9][0-9]{0,2}(group[0-9]{3})*` or `0`, then `(point[0-9]+)?`.
    static func scanFormatted(_ p: UnsafePointer<UInt8>, _ n: Int, point: UInt8, group: UInt8) -> DecimalDigits? {
        var digits = DecimalDigits()
        var i = 0
        if i < n && p[i] == UInt8(ascii: "-") {
            digits.isNegative = true
            i &+= 1
        }
        if i < n && p[i] == UInt8(ascii: "$") { i &+= 1 }
        if !digits.isNegative && i > 0 && i < n && p[i] == UInt8(ascii: "-") {
            digits.isNegative = true
            i &+= 1
        }
        guard i < n, isDigit(p[i]) else { return nil }
        if p[i] == UInt8(ascii: "0") {
            i &+= 1
        } else {
            var run = 0
            var grouped = false
            while i < n {
                let byte = p[i]
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
            if !grouped && run > 3 && i < n && p[i] == group { return nil }
        }
        if i == n { return digits }
        guard p[i] == point, i + 1 < n else { return nil }
        i &+= 1
        while i < n {
            guard isDigit(p[i]) else { return nil }
            accumulate(&digits, p[i])
            digits.scale &+= 1
            i &+= 1
        }
        return digits
    }

    @inline(__always)
    private static func accumulate(_ digits: inout DecimalDigits, _ byte: UInt8) {
        if digits.integerDigits + digits.scale < 19 {
            digits.magnitude = digits.magnitude &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
        }
    }

    /// Exact powers of ten a Double holds, for the fast path of `parseDouble`.
    static let doublePowers: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(point[0-9]+)?([eE][-+]?[0-9]+)?` as the nearest Double, or `-?inf`,
    /// `-?infinity`, `-?nan` in any ASCII case (as Plaza prints DOUBLE specials); nil if not written so.
    static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int, point: UInt8) -> Double? {
        var i = 0
        let negative = n > 0 && p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < n, isDigit(p[i]) else { return parseSpecialDouble(p + i, n - i, negative: negative) }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        if p[i] == UInt8(ascii: "0") {
            i &+= 1
            if i < n && isDigit(p[i]) { return nil }
        } else {
            while i < n && isDigit(p[i]) {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- UInt8(ascii: "0"))
                    significant &+= 1
                } else {
                    exponent &+= 1
                }
                i &+= 1
            }
        }
        if i < n && p[i] == point {
            i &+= 1
            guard i < n, isDigit(p[i]) else { return nil }
            while i < n && isDigit(p[i]) {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- UInt8(ascii: "0"))
                    if mantissa != 0 { significant &+= 1 }
                    exponent &-= 1
                }
                i &+= 1
            }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i &+= 1
            var exponentNegative = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i &+= 1
            }
            guard i < n else { return nil }
            var written = 0
            while i < n && isDigit(p[i]) {
                if written < 100_000 { written = written &* 10 &+ Int(p[i] &- UInt8(ascii: "0")) }
                i &+= 1
            }
            exponent &+= exponentNegative ? -written : written
        }
        guard i == n else { return nil }
        if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 && significant < 19 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / doublePowers[-exponent] : value * doublePowers[exponent]
            return negative ? -value : value
        }
        return slowDouble(p, n, point: point)
    }

    /// `inf`, `infinity` or `nan` in any ASCII case (the sign already read); nil for anything else.
    @inline(never)
    static func parseSpecialDouble(_ p: UnsafePointer<UInt8>, _ n: Int, negative: Bool) -> Double? {
        guard n == 3 || n == 8 else { return nil }
        var word: UInt64 = 0
        for i in 0..<n { word = word << 8 | UInt64(p[i] | 0x20) }  // ASCII letters to lower case
        switch word {
        case 0x69_6E_66, 0x69_6E_66_69_6E_69_74_79: return negative ? -.infinity : .infinity  // inf, infinity
        case 0x6E_61_6E: return .nan  // nan
        default: return nil
        }
    }

    /// Correctly rounded conversion through `strtod` for the rare long or extreme numbers.
    @inline(never)
    static func slowDouble(_ p: UnsafePointer<UInt8>, _ n: Int, point: UInt8) -> Double? {
        var text = [CChar](repeating: 0, count: n + 1)
        for i in 0..<n { text[i] = CChar(bitPattern: p[i] == point ? UInt8(ascii: ".") : p[i]) }
        let value = text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
        return value.isFinite ? value : nil
    }

    /// Booleans: true/false, yes/no, sí/si/no, t/f, in any ASCII case (`Sí` and `SÍ` too).
    @inline(__always)
    static func parseBoolean(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
        guard n >= 1 && n <= 5 else { return nil }
        var word: UInt64 = 0
        for i in 0..<n {
            var byte = p[i]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if i == 2 && n == 3 && byte == 0x8D { byte = 0xAD }  // Í → í
            word = word << 8 | UInt64(byte)
        }
        switch word {
        case 0x74_72_75_65, 0x79_65_73, 0x74, 0x73_69, 0x73_C3_AD: return true  // true yes t si sí
        case 0x66_61_6C_73_65, 0x6E_6F, 0x66: return false  // false no f
        default: return nil
        }
    }
}
