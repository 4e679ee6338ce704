extension TextValueParser {
    /// Exact powers of ten a Double holds, for the fast path of `parseDouble`.
    @usableFromInline package static let doublePowers: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `[+-]?([0-9]+(point[0-9]*)?|point[0-9]+)([eE][-+]?[0-9]+)?` or `[+-]?(inf|infinity|nan)` in any
    /// ASCII case, as the nearest Double; exact: no `+`, no leading zero, digits on both sides of the point.
    /// Nil if not written so or beyond DOUBLE's range.
    @inlinable
    package static func parseDouble(_ text: UnsafeBufferPointer<UInt8>, point: UInt8, exact: Bool) -> Double? {
        let n = text.count
        var i = 0
        var negative = false
        if n > 0 && (text[0] == UInt8(ascii: "-") || (!exact && text[0] == UInt8(ascii: "+"))) {
            negative = text[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < n, isDigit(text[i]) || (!exact && text[i] == point) else {
            return parseSpecialDouble(UnsafeBufferPointer(rebasing: text[i...]), negative: negative)
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        if exact && text[i] == UInt8(ascii: "0") {
            i &+= 1
            if i < n && isDigit(text[i]) { return nil }
            sawDigit = true
        } else {
            while i < n && isDigit(text[i]) {
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
                    if mantissa != 0 { significant &+= 1 }
                } else {
                    exponent &+= 1
                }
                i &+= 1
            }
        }
        if i < n && text[i] == point {
            i &+= 1
            let fractionStart = i
            while i < n && isDigit(text[i]) {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
                    if mantissa != 0 { significant &+= 1 }
                    exponent &-= 1
                }
                i &+= 1
            }
            if i == fractionStart && (exact || !sawDigit) { return nil }
            sawDigit = true
        }
        guard sawDigit else { return nil }
        if i < n && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i &+= 1
            let exponentNegative = readSign(text, &i)
            guard i < n, isDigit(text[i]) else { return nil }
            var written = 0
            while i < n && isDigit(text[i]) {
                if written < 100_000 { written = written &* 10 &+ Int(text[i] &- UInt8(ascii: "0")) }
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
        return slowDouble(text, point: point)
    }

    /// `inf`, `infinity` or `nan` in any ASCII case (the sign already read); nil for anything else.
    @inline(never)
    @usableFromInline package static func parseSpecialDouble(_ text: UnsafeBufferPointer<UInt8>, negative: Bool)
        -> Double?
    {
        guard text.count == 3 || text.count == 8 else { return nil }
        var word: UInt64 = 0
        for byte in text { word = word << 8 | UInt64(byte | 0x20) }  // ASCII letters to lower case
        switch word {
        case 0x69_6E_66, 0x69_6E_66_69_6E_69_74_79: return negative ? -.infinity : .infinity  // inf, infinity
        case 0x6E_61_6E: return .nan  // nan
        default: return nil
        }
    }

    /// Correct rounding for the rare long or extreme numbers, through the standard library's
    /// conversion; only text already checked against the grammar gets here.
    @inline(never)
    @usableFromInline package static func slowDouble(_ text: UnsafeBufferPointer<UInt8>, point: UInt8) -> Double? {
        let normalized = String(
            decoding: text.lazy.map { $0 == point ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
        guard let value = Double(normalized), value.isFinite else { return nil }
        return value
    }

    /// A BOOLEAN in any ASCII case: `true t yes y on sí si 1` or `false f no n off 0`
    /// (`Sí` and `SÍ` too); exact options leave `1` and `0` to numbers.
    @inlinable
    package static func boolean(_ raw: UnsafeBufferPointer<UInt8>, options: TextParseOptions) -> Bool? {
        let text = trimmed(raw, options)
        let n = text.count
        guard n >= 1 && n <= 5 else { return nil }
        var word: UInt64 = 0
        for i in 0..<n {
            var byte = text[i]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if i == 2 && n == 3 && byte == 0x8D { byte = 0xAD }  // Í → í
            word = word << 8 | UInt64(byte)
        }
        switch word {
        case 0x74_72_75_65, 0x74, 0x79_65_73, 0x79, 0x6F_6E, 0x73_69, 0x73_C3_AD: return true  // true t yes y on si sí
        case 0x66_61_6C_73_65, 0x66, 0x6E_6F, 0x6E, 0x6F_66_66: return false  // false f no n off
        case 0x31: return options.isExact ? nil : true
        case 0x30: return options.isExact ? nil : false
        default: return nil
        }
    }
}
