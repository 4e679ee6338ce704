import Foundation
import PlazaCore

/// Strict parsers from UTF-8 text to values, for casts from VARCHAR.
///
/// Surrounding ASCII spaces are ignored; anything else that does not fit the type gives nil.
enum TextParsing {
    static func parse(_ raw: UnsafeRawBufferPointer, as type: DataType) -> Value? {
        var start = 0, end = raw.count
        while start < end && isSpace(raw[start]) { start += 1 }
        while end > start && isSpace(raw[end - 1]) { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: raw[start..<end])
        switch type {
        case .bigint: return parseInteger(text).map { .bigint($0) }
        case .double: return parseDouble(text).map { .double($0) }
        case .decimal(let p, let s): return parseDecimal(text, precision: p, scale: s).map { .decimal($0, scale: s) }
        case .boolean: return parseBoolean(text).map { .boolean($0) }
        case .date:
            // A date, or as in DuckDB a whole timestamp whose date is kept (`2024-02-29 08:30:00`).
            if let days = parseDate(text) { return .date(days) }
            return parseTimestamp(text).map { .date(Int32(truncatingIfNeeded: CivilCalendar.split(micros: $0).days)) }
        case .timestamp: return parseTimestamp(text).map { .timestamp($0) }
        case .interval: return parseInterval(text).map { .interval($0) }
        case .varchar: return .varchar(String(decoding: raw, as: UTF8.self))
        case .null: return .null
        }
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func parseInteger(_ text: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if i < text.count && (text[i] == 0x2D || text[i] == 0x2B) {
            negative = text[i] == 0x2D
            i += 1
        }
        guard i < text.count else { return nil }
        var value: Int64 = 0
        while i < text.count {
            let c = text[i]
            guard isDigit(c) else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) =
                negative ? m.subtractingReportingOverflow(Int64(c - 0x30)) : m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return value
    }

    static func parseDouble(_ text: UnsafeRawBufferPointer) -> Double? {
        guard !text.isEmpty else { return nil }
        // Only characters a number may hold; Double(String) then does the exact rounding.
        for c in text
        where
            !(isDigit(c) || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x65 || c == 0x45
            || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A))
        {
            return nil
        }
        let s = String(decoding: text, as: UTF8.self).lowercased()
        switch s {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard s.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" }) else { return nil }
        return Double(s)
    }

    /// Unscaled value at `scale`, rounding extra digits half away from zero; nil past `precision` digits.
    static func parseDecimal(_ text: UnsafeRawBufferPointer, precision: Int, scale: Int) -> Int64? {
        var i = 0
        var negative = false
        if i < text.count && (text[i] == 0x2D || text[i] == 0x2B) {
            negative = text[i] == 0x2D
            i += 1
        }
        var integer: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var digits = 0
        var roundUp = false
        var seenPoint = false
        var any = false
        while i < text.count {
            let c = text[i]
            if c == 0x2E {
                if seenPoint { return nil }
                seenPoint = true
            } else if isDigit(c) {
                any = true
                let d = Int64(c - 0x30)
                if !seenPoint {
                    let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(d)
                    if o1 || o2 { return nil }
                    integer = a
                    if integer != 0 { digits += 1 }
                } else if fractionDigits < scale {
                    fraction = fraction * 10 + d
                    fractionDigits += 1
                } else if fractionDigits == scale {
                    roundUp = d >= 5
                    fractionDigits += 1
                }
            } else if c == 0x65 || c == 0x45 {
                // Exponent notation: go through DOUBLE.
                guard let d = parseDouble(text) else { return nil }
                let x = (d * Double(powersOfTen[scale])).rounded(.toNearestOrAwayFromZero)
                guard x.isFinite, abs(x) <= Double(powersOfTen[precision] - 1) else { return nil }
                return Int64(x)
            } else {
                return nil
            }
            i += 1
        }
        guard any, digits <= precision - scale else { return nil }
        while fractionDigits < scale {
            fraction *= 10
            fractionDigits += 1
        }
        var value = integer * powersOfTen[scale] + fraction
        if roundUp { value += 1 }
        guard value <= powersOfTen[precision] - 1 else { return nil }
        return negative ? -value : value
    }

    static func parseBoolean(_ text: UnsafeRawBufferPointer) -> Bool? {
        switch String(decoding: text, as: UTF8.self).lowercased() {
        case "true", "t", "1", "yes", "y", "on": return true
        case "false", "f", "0", "no", "n", "off": return false
        default: return nil
        }
    }

    /// `YYYY-MM-DD` (year 1–5 digits, optional sign).
    static func parseDate(_ text: UnsafeRawBufferPointer) -> Int32? {
        var i = 0
        guard let (days, used) = parseDatePrefix(text, &i), used == text.count else { return nil }
        return days
    }

    static func parseDatePrefix(_ text: UnsafeRawBufferPointer, _ i: inout Int) -> (Int32, Int)? {
        var negative = false
        if i < text.count && text[i] == 0x2D {
            negative = true
            i += 1
        }
        guard let year = number(text, &i, min: 1, max: 6), i < text.count, text[i] == 0x2D else { return nil }
        i += 1
        guard let month = number(text, &i, min: 1, max: 2), i < text.count, text[i] == 0x2D else { return nil }
        i += 1
        guard let day = number(text, &i, min: 1, max: 2) else { return nil }
        let y = negative ? -year : year
        guard month >= 1, month <= 12, day >= 1, day <= CivilCalendar.daysInMonth(year: y, month: month) else {
            return nil
        }
        return (Int32(CivilCalendar.days(year: y, month: month, day: day)), i)
    }

    /// `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]`, optionally ending in `Z` or `+00`/`+00:00`.
    static func parseTimestamp(_ text: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        guard let (days, _) = parseDatePrefix(text, &i) else { return nil }
        var micros = Int64(days) * CivilCalendar.microsPerDay
        if i == text.count { return micros }
        guard text[i] == 0x20 || text[i] == 0x54 else { return nil }
        i += 1
        guard let hour = number(text, &i, min: 1, max: 2), hour < 24, i < text.count, text[i] == 0x3A else {
            return nil
        }
        i += 1
        guard let minute = number(text, &i, min: 2, max: 2), minute < 60 else { return nil }
        var second = 0
        var fraction: Int64 = 0
        if i < text.count && text[i] == 0x3A {
            i += 1
            guard let s = number(text, &i, min: 2, max: 2), s < 60 else { return nil }
            second = s
            if i < text.count && text[i] == 0x2E {
                i += 1
                var digits = 0
                while i < text.count && isDigit(text[i]) {
                    if digits < 6 {
                        fraction = fraction * 10 + Int64(text[i] - 0x30)
                        digits += 1
                    }
                    i += 1
                }
                guard digits > 0 else { return nil }
                while digits < 6 {
                    fraction *= 10
                    digits += 1
                }
            }
        }
        let rest = String(decoding: UnsafeRawBufferPointer(rebasing: text[i...]), as: UTF8.self)
        guard ["", "Z", "+00", "+00:00", " UTC"].contains(rest) else { return nil }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000 + fraction
        return micros
    }

    /// `N unit [N unit]…` (units: year, month, week, day, hour, minute, second, millisecond,
    /// microsecond, singular or plural) or `HH:MM:SS`.
    static func parseInterval(_ text: UnsafeRawBufferPointer) -> Interval? {
        let words = String(decoding: text, as: UTF8.self).lowercased().split(separator: " ").map(String.init)
        guard !words.isEmpty else { return nil }
        var result = Interval()
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.contains(":") {
                let parts = word.split(separator: ":").map { Int64($0) }
                guard parts.count == 3, let h = parts[0], let m = parts[1], let s = parts[2] else { return nil }
                result.micros += ((h * 60 + m) * 60 + s) * 1_000_000
                index += 1
                continue
            }
            guard let amount = Int64(word), index + 1 < words.count else { return nil }
            var unit = words[index + 1]
            if unit.hasSuffix("s") && unit.count > 1 { unit.removeLast() }
            guard let n = Int32(exactly: amount) else { return nil }
            switch unit {
            case "year", "y": result.months += n * 12
            case "month", "mon": result.months += n
            case "week", "w": result.days += n * 7
            case "day", "d": result.days += n
            case "hour", "h": result.micros += amount * 3_600_000_000
            case "minute", "min", "m": result.micros += amount * 60_000_000
            case "second", "sec": result.micros += amount * 1_000_000
            case "millisecond", "ms": result.micros += amount * 1000
            case "microsecond", "us": result.micros += amount
            default: return nil
            }
            index += 2
        }
        return result
    }

    /// Reads `min…max` decimal digits as a number.
    static func number(_ text: UnsafeRawBufferPointer, _ i: inout Int, min: Int, max: Int) -> Int? {
        var value = 0, digits = 0
        while i < text.count && digits < max && isDigit(text[i]) {
            value = value * 10 + Int(text[i] - 0x30)
            digits += 1
            i += 1
        }
        return digits >= min ? value : nil
    }
}

/// SQL LIKE over UTF-8 bytes: `%` any run, `_` one character, `\` escapes the next character.
struct LikeMatcher: Sendable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case one
        case any
    }
    let tokens: [Token]
    let caseInsensitive: Bool

    init(pattern: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        let source = caseInsensitive ? pattern.lowercased() : pattern
        var tokens: [Token] = []
        var literal: [UInt8] = []
        var escaped = false
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal = []
        }
        for scalar in source.unicodeScalars {
            if escaped {
                literal.append(contentsOf: Array(String(scalar).utf8))
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "%" {
                flush()
                if tokens.last != .any { tokens.append(.any) }
            } else if scalar == "_" {
                flush()
                tokens.append(.one)
            } else {
                literal.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        flush()
        self.tokens = tokens
    }

    func matches(_ raw: UnsafeRawBufferPointer) -> Bool {
        if caseInsensitive {
            if raw.allSatisfy({ $0 < 0x80 }) {
                let lowered = raw.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
                return lowered.withUnsafeBytes { match($0, 0, 0) }
            }
            let lowered = Array(String(decoding: raw, as: UTF8.self).lowercased().utf8)
            return lowered.withUnsafeBytes { match($0, 0, 0) }
        }
        return match(raw, 0, 0)
    }

    /// Wildcard matching with one backtrack point (the last `%`): O(text × pattern), never exponential.
    private func match(_ s: UnsafeRawBufferPointer, _ start: Int, _ first: Int) -> Bool {
        var position = start, token = first
        var starToken = -1, starPosition = 0
        let n = s.count
        func nextCharacter(_ at: Int) -> Int {
            var next = at + 1
            while next < n && (s[next] & 0xC0) == 0x80 { next += 1 }
            return next
        }
        while true {
            if token < tokens.count {
                switch tokens[token] {
                case .any:
                    starToken = token
                    starPosition = position
                    token += 1
                    continue
                case .one:
                    if position < n {
                        position = nextCharacter(position)
                        token += 1
                        continue
                    }
                case .literal(let bytes):
                    if position + bytes.count <= n
                        && bytes.withUnsafeBytes({
                            memcmp(s.baseAddress! + position, $0.baseAddress!, bytes.count) == 0
                        })
                    {
                        position += bytes.count
                        token += 1
                        continue
                    }
                }
            } else if position == n {
                return true
            }
            // Mismatch: let the last % swallow one more character, or fail.
            guard starToken >= 0, starPosition < n else { return false }
            starPosition = nextCharacter(starPosition)
            position = starPosition
            token = starToken + 1
        }
    }
}
